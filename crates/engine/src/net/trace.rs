//! A packet walk: the step-by-step path of one request through the cluster (DNS, each
//! netfilter hook with the rules it matched, routing between nodes, conntrack, delivery and
//! the reply), as the CLI's `nodelab trace` and the lab's trace view show it.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::api::{Kind, ObjectRef};
use crate::net::conntrack::ConntrackEntry;
use crate::net::packet::Packet;
use crate::proxy::RuleHit;

/// Where a request starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A process in a pod's network namespace.
    Pod(ObjectRef),
    /// A process on a node (host network namespace).
    Node(String),
    /// A client outside the cluster with this address.
    External(Ipv4Addr),
}

impl Source {
    /// Parses `pod/NAME`, `pod/NAMESPACE/NAME`, `node/NAME` or `external:IP`.
    pub fn parse(text: &str) -> Result<Source, String> {
        if let Some(rest) = text.strip_prefix("pod/") {
            let (ns, name) = rest.split_once('/').unwrap_or(("default", rest));
            if name.is_empty() {
                return Err(format!("invalid source {text:?}: pod name is empty"));
            }
            return Ok(Source::Pod(ObjectRef::new(Kind::Pod, ns, name)));
        }
        if let Some(name) = text.strip_prefix("node/")
            && !name.is_empty()
        {
            return Ok(Source::Node(name.to_owned()));
        }
        if let Some(ip) = text.strip_prefix("external:") {
            return ip
                .parse()
                .map(Source::External)
                .map_err(|_| format!("invalid source {text:?}: {ip:?} is not an IPv4 address"));
        }
        Err(format!(
            "invalid source {text:?}: want pod/NAME, pod/NAMESPACE/NAME, node/NAME or external:IP"
        ))
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Pod(p) if p.namespace == "default" => write!(f, "pod/{}", p.name),
            Source::Pod(p) => write!(f, "pod/{}/{}", p.namespace, p.name),
            Source::Node(n) => write!(f, "node/{n}"),
            Source::External(ip) => write!(f, "external:{ip}"),
        }
    }
}

/// What kind of step a [`TraceStep`] is (the UI picks an icon and a diagram element).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A DNS lookup through the search path.
    Dns,
    /// The client opens the connection.
    Send,
    /// A netfilter hook (rules evaluated).
    Hook,
    /// A routing decision.
    Route,
    /// The cloud load balancer's choice of node.
    LoadBalancer,
    /// kube-proxy's user-space proxy accepts and dials (userspace mode).
    Proxy,
    /// Connection tracking.
    Conntrack,
    /// The packet reaches the backend.
    Deliver,
    /// The reply and its reverse NAT.
    Reply,
}

/// One step of a packet walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// The node it happens on (none for DNS and the outside world).
    pub node: Option<String>,
    /// Kind.
    pub kind: StepKind,
    /// One line: `nat PREROUTING`, `route: 10.244.1.3 via node-2 (172.18.0.3)`, …
    pub title: String,
    /// Further lines.
    pub detail: Vec<String>,
    /// Rules matched, in order.
    pub hits: Vec<RuleHit>,
    /// The packet before the step.
    pub before: Option<Packet>,
    /// The packet after it.
    pub after: Option<Packet>,
    /// Rules evaluated during the step.
    pub evaluated: usize,
}

impl TraceStep {
    /// A step without packets or rules.
    pub fn note(node: Option<&str>, kind: StepKind, title: impl Into<String>) -> TraceStep {
        TraceStep {
            node: node.map(str::to_owned),
            kind,
            title: title.into(),
            detail: Vec::new(),
            hits: Vec::new(),
            before: None,
            after: None,
            evaluated: 0,
        }
    }
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The backend answered over HTTP.
    Response {
        /// Status code.
        status: u16,
    },
    /// The TCP connection was established (the backend speaks no HTTP).
    Connected,
    /// Nothing listens (`connection refused`, a TCP reset).
    Refused,
    /// A rule rejected it (ICMP port unreachable / reset from the node).
    Rejected,
    /// A rule dropped it: the client times out.
    Dropped,
    /// No answer (nothing routes there, or the backend hangs).
    Timeout,
    /// The name did not resolve.
    NoSuchHost,
}

impl Outcome {
    /// Short text (`HTTP 200`, `connection refused`, …).
    pub fn describe(&self) -> String {
        match self {
            Outcome::Response { status } => format!("HTTP {status}"),
            Outcome::Connected => "connected".to_owned(),
            Outcome::Refused => "connection refused".to_owned(),
            Outcome::Rejected => "rejected (connection refused by a REJECT rule)".to_owned(),
            Outcome::Dropped => "dropped (the client times out)".to_owned(),
            Outcome::Timeout => "timed out".to_owned(),
            Outcome::NoSuchHost => "bad address (name did not resolve)".to_owned(),
        }
    }

    /// Whether the request succeeded.
    pub fn ok(&self) -> bool {
        matches!(self, Outcome::Response { status } if *status < 500) || *self == Outcome::Connected
    }
}

/// The endpoint that received a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// Address and port.
    pub addr: SocketAddrV4,
    /// The pod, when it is one.
    pub pod: Option<ObjectRef>,
    /// Its node.
    pub node: Option<String>,
}

/// A traced request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The source as given.
    pub from: String,
    /// The destination as given.
    pub to: String,
    /// The steps, in order.
    pub steps: Vec<TraceStep>,
    /// How it ended.
    pub outcome: Outcome,
    /// Who received it.
    pub backend: Option<Backend>,
    /// The source address the backend saw.
    pub seen_source: Option<SocketAddrV4>,
    /// The conntrack entry the connection created, with its node.
    pub conntrack: Option<(String, ConntrackEntry)>,
    /// Rules evaluated in all.
    pub evaluated: usize,
}

impl Trace {
    /// The text `nodelab trace` prints.
    pub fn render(&self) -> String {
        let mut out = format!("TRACE {} → {}\n", self.from, self.to);
        for (i, step) in self.steps.iter().enumerate() {
            let node = step
                .node
                .as_deref()
                .map(|n| format!("[{n}] "))
                .unwrap_or_default();
            let _ = writeln!(out, "{:>2}. {node}{}", i + 1, step.title);
            if let (Some(b), Some(a)) = (&step.before, &step.after)
                && b != a
            {
                let _ = writeln!(out, "      {b}  ⇒  {a}");
            }
            for hit in &step.hits {
                let _ = writeln!(out, "      {} {}: {}", hit.table, hit.chain, hit.rule);
            }
            for line in &step.detail {
                let _ = writeln!(out, "      {line}");
            }
        }
        let _ = writeln!(out, "RESULT: {}", self.outcome.describe());
        if let Some(b) = &self.backend {
            let pod = b
                .pod
                .as_ref()
                .map(|p| format!(" (pod/{})", p.name))
                .unwrap_or_default();
            let _ = writeln!(out, "BACKEND: {}{pod}", b.addr);
        }
        if let Some(src) = self.seen_source {
            let _ = writeln!(out, "SOURCE SEEN BY BACKEND: {src}");
        }
        let _ = writeln!(out, "RULES EVALUATED: {}", self.evaluated);
        out
    }
}

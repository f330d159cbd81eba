//! Requests through the cluster network: the packet walk (`nodelab trace`) and load
//! (many requests, keep-alive or not), both through the rules each node's kube-proxy
//! programmed and the node's conntrack table.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;

use ipnet::Ipv4Net;

use super::World;
use crate::api::{Kind, Object, ObjectRef};
use crate::cri::host::Network;
use crate::cri::process::Answer;
use crate::kubelet::network::ClusterNet;
use crate::net::conntrack::ConntrackEntry;
use crate::net::packet::Packet;
use crate::net::trace::{Backend, Outcome, Source, StepKind, Trace, TraceStep};
use crate::proxy::{Dataplane, Hook, HookCtx, Protocol, Verdict};

/// Linux's default `ip_local_port_range` (32768–60999): clients' ephemeral ports.
const EPHEMERAL_PORTS: (u16, u16) = (32_768, 60_999);
/// At most this many node-to-node hops (a loop guard).
const MAX_HOPS: usize = 4;

/// A node as the router sees it.
#[derive(Clone, Debug)]
struct NodeNet {
    name: String,
    ip: Ipv4Addr,
    pod_cidr: Option<Ipv4Net>,
}

/// Where the packet is while it is walked.
enum Arrival {
    /// Sent by a process in the node's network namespace (`OUTPUT` first).
    Local,
    /// Received on an interface (`PREROUTING` first).
    Received,
}

/// A connection being walked.
struct Walk {
    trace: Trace,
    packet: Packet,
    path: String,
    /// The node that first rewrote the packet and its original tuple.
    nat_node: Option<String>,
    original: (SocketAddrV4, SocketAddrV4),
}

impl World {
    fn node_nets(&self) -> Vec<NodeNet> {
        self.api
            .list(Kind::Node)
            .filter_map(|o| match o {
                Object::Node(n) => Some(NodeNet {
                    name: n.metadata.name.clone(),
                    ip: n
                        .status
                        .addresses
                        .iter()
                        .find(|a| a.type_ == "InternalIP")?
                        .address
                        .parse()
                        .ok()?,
                    pod_cidr: n.spec.pod_cidr.as_deref().and_then(|c| c.parse().ok()),
                }),
                _ => None,
            })
            .collect()
    }

    fn pod_by_ip(&self, ip: Ipv4Addr) -> Option<(ObjectRef, String)> {
        let ip = ip.to_string();
        self.api.list(Kind::Pod).find_map(|o| match o {
            Object::Pod(p)
                if p.status.pod_ip.as_deref() == Some(ip.as_str())
                    && p.spec.host_network != Some(true) =>
            {
                Some((o.reference(), p.spec.node_name.clone()?))
            }
            _ => None,
        })
    }

    /// Traces one new connection from `from` to `to` (`host[:port]`, a Service name, an
    /// IP) and returns every step. The connection is real: it updates conntrack and the
    /// data plane's affinity state like any other.
    pub fn trace(&mut self, from: &Source, to: &str) -> Result<Trace, String> {
        self.connect(from, to, "/", None)
    }

    /// Opens a connection (reusing `client_port` when given, so an established connection's
    /// conntrack entry is found) and sends `GET path`.
    pub(crate) fn connect(
        &mut self,
        from: &Source,
        to: &str,
        path: &str,
        client_port: Option<u16>,
    ) -> Result<Trace, String> {
        let nodes = self.node_nets();
        let (src_ip, src_node, namespace) = match from {
            Source::Pod(key) => match self.api.get(key) {
                Some(Object::Pod(p)) => {
                    let ip = p
                        .status
                        .pod_ip
                        .as_deref()
                        .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
                        .ok_or_else(|| format!("pod {:?} has no IP yet", key.name))?;
                    let node = p.spec.node_name.clone().unwrap_or_default();
                    (ip, Some(node), key.namespace.clone())
                }
                _ => return Err(format!("pods {:?} not found", key.name)),
            },
            Source::Node(name) => {
                let n = nodes
                    .iter()
                    .find(|n| &n.name == name)
                    .ok_or_else(|| format!("nodes {name:?} not found"))?;
                (n.ip, Some(n.name.clone()), "default".to_owned())
            }
            Source::External(ip) => (*ip, None, "default".to_owned()),
        };
        let mut trace = Trace {
            from: from.to_string(),
            to: to.to_owned(),
            steps: Vec::new(),
            outcome: Outcome::Timeout,
            backend: None,
            seen_source: None,
            conntrack: None,
            evaluated: 0,
        };
        let (host, port) = split_host_port(to)?;
        let dst_ip = match host.parse::<Ipv4Addr>() {
            Ok(ip) => ip,
            Err(_) => {
                if !matches!(from, Source::Pod(_)) {
                    return Err(format!(
                        "{from} cannot resolve {host:?}: only pods use the cluster DNS \
                         (nodes and outside clients need an IP address)"
                    ));
                }
                let net = ClusterNet {
                    api: &self.api,
                    namespace: &namespace,
                };
                let answer = net.lookup(host);
                let mut step = TraceStep::note(
                    None,
                    StepKind::Dns,
                    format!("DNS {host} → {}", answer_text(&answer.addresses)),
                );
                step.detail.push(format!(
                    "resolv.conf: nameserver {} search {ns}.svc.cluster.local svc.cluster.local cluster.local options ndots:5",
                    answer.server,
                    ns = namespace
                ));
                if !answer.addresses.is_empty() {
                    step.detail.push(format!("answer: {} A", answer.name));
                }
                trace.steps.push(step);
                match answer.addresses.first().and_then(|a| a.parse().ok()) {
                    Some(ip) => ip,
                    None => {
                        trace.outcome = Outcome::NoSuchHost;
                        return Ok(trace);
                    }
                }
            }
        };
        let port = port.unwrap_or_else(|| self.default_port(dst_ip));
        let sport = client_port.unwrap_or_else(|| {
            EPHEMERAL_PORTS.0
                + self
                    .rng
                    .below(u64::from(EPHEMERAL_PORTS.1 - EPHEMERAL_PORTS.0) + 1)
                    as u16
        });
        let protocol = self.protocol_of(dst_ip, port);
        let mut packet = Packet::tcp(
            SocketAddrV4::new(src_ip, sport),
            SocketAddrV4::new(dst_ip, port),
        );
        packet.protocol = protocol;
        trace.steps.push(TraceStep {
            after: Some(packet.clone()),
            ..TraceStep::note(
                src_node.as_deref(),
                StepKind::Send,
                format!(
                    "{from} opens {} {} → {}",
                    protocol.upper(),
                    packet.src,
                    packet.dst
                ),
            )
        });
        let (entry_node, arrival) = match (from, src_node) {
            (Source::Pod(_), Some(node)) => (node, Arrival::Received),
            (_, Some(node)) => (node, Arrival::Local),
            (_, None) => match self.entry_node(&nodes, dst_ip, port, &mut trace) {
                Some(node) => (node, Arrival::Received),
                None => return Ok(trace),
            },
        };
        let mut walk = Walk {
            original: (packet.src, packet.dst),
            trace,
            packet,
            path: path.to_owned(),
            nat_node: None,
        };
        self.walk(&nodes, entry_node, arrival, &mut walk);
        Ok(walk.trace)
    }

    /// The first port of the Service owning `ip`, else 80.
    fn default_port(&self, ip: Ipv4Addr) -> u16 {
        let ip = ip.to_string();
        self.api
            .list(Kind::Service)
            .find_map(|o| match o {
                Object::Service(s) if s.spec.cluster_ip.as_deref() == Some(ip.as_str()) => s
                    .spec
                    .ports
                    .first()
                    .and_then(|p| u16::try_from(p.port).ok()),
                _ => None,
            })
            .unwrap_or(80)
    }

    /// The protocol of the Service port at `ip:port` (TCP when it is no Service).
    fn protocol_of(&self, ip: Ipv4Addr, port: u16) -> Protocol {
        self.proxies
            .values()
            .next()
            .and_then(|p| {
                p.state()
                    .services
                    .iter()
                    .find(|s| {
                        (s.cluster_ip == ip && s.port == port)
                            || (s.node_port == Some(port))
                            || ((s.external_ips.contains(&ip) || s.load_balancer_ips.contains(&ip))
                                && s.port == port)
                    })
                    .map(|s| s.protocol)
            })
            .unwrap_or(Protocol::Tcp)
    }

    /// Which node an outside client's packet reaches: a node IP directly; a load-balancer
    /// VIP through the simulated load balancer (which, for `externalTrafficPolicy: Local`,
    /// only sends to nodes whose health-check node port answers 200); an external IP
    /// through the network's route to the first node.
    fn entry_node(
        &mut self,
        nodes: &[NodeNet],
        dst: Ipv4Addr,
        port: u16,
        trace: &mut Trace,
    ) -> Option<String> {
        if let Some(n) = nodes.iter().find(|n| n.ip == dst) {
            trace.steps.push(TraceStep::note(
                None,
                StepKind::Route,
                format!("the network delivers {dst} to {} (its node IP)", n.name),
            ));
            return Some(n.name.clone());
        }
        let proxy = self.proxies.values().next()?;
        let svc = proxy
            .state()
            .services
            .iter()
            .find(|s| s.load_balancer_ips.contains(&dst) && s.port == port)
            .cloned();
        if let Some(svc) = svc {
            let mut step = TraceStep::note(
                None,
                StepKind::LoadBalancer,
                format!("load balancer {dst}:{port} picks a node"),
            );
            let mut healthy = Vec::new();
            for n in nodes {
                let Some(p) = self.proxies.get(&n.name) else {
                    continue;
                };
                let local = p
                    .state()
                    .services
                    .iter()
                    .find(|s| s.name == svc.name)
                    .map(|s| p.state().categorize(s).local.len())
                    .unwrap_or(0);
                match svc.health_check_node_port {
                    Some(hc) if svc.external_policy_local => {
                        let code = if local > 0 { 200 } else { 503 };
                        step.detail.push(format!(
                            "health check GET http://{}:{hc}/healthz → {code} (localEndpoints: {local})",
                            n.ip
                        ));
                        if local > 0 {
                            healthy.push(n.name.clone());
                        }
                    }
                    _ => healthy.push(n.name.clone()),
                }
            }
            if healthy.is_empty() {
                step.detail
                    .push("no healthy node: the load balancer drops the connection".to_owned());
                trace.steps.push(step);
                trace.outcome = Outcome::Timeout;
                return None;
            }
            let chosen = healthy[self.rng.below(healthy.len() as u64) as usize].clone();
            step.detail.push(format!(
                "forwards to {chosen} (destination stays {dst}:{port})"
            ));
            trace.steps.push(step);
            return Some(chosen);
        }
        if proxy
            .state()
            .services
            .iter()
            .any(|s| s.external_ips.contains(&dst))
        {
            let first = nodes.first()?.name.clone();
            trace.steps.push(TraceStep::note(
                None,
                StepKind::Route,
                format!("the network routes external IP {dst} to {first} (an admin's route; Kubernetes does not announce externalIPs)"),
            ));
            return Some(first);
        }
        trace.steps.push(TraceStep::note(
            None,
            StepKind::Route,
            format!(
                "no route to {dst}: it is no node, load-balancer or external IP of the cluster"
            ),
        ));
        trace.outcome = Outcome::Timeout;
        None
    }

    /// Walks the packet from node to node until it is delivered, dropped or lost.
    fn walk(&mut self, nodes: &[NodeNet], mut node: String, mut arrival: Arrival, w: &mut Walk) {
        for _ in 0..MAX_HOPS {
            let Some(proxy) = self.proxies.get(&node) else {
                w.trace.outcome = Outcome::Timeout;
                return;
            };
            let dp = proxy.shared_dataplane();
            let Some(me) = nodes.iter().find(|n| n.name == node).cloned() else {
                return;
            };
            let mut local: Vec<Ipv4Addr> = vec![me.ip, Ipv4Addr::LOCALHOST];
            local.extend(dp.local_addresses());
            let first = match arrival {
                Arrival::Local => Hook::Output,
                Arrival::Received => Hook::Prerouting,
            };
            if !self.run_hook(&node, &*dp, first, &local, w) {
                return;
            }
            // Routing decision after PREROUTING / OUTPUT.
            if local.contains(&w.packet.dst_ip()) && matches!(arrival, Arrival::Received) {
                if !self.run_hook(&node, &*dp, Hook::Input, &local, w) {
                    return;
                }
                if local.contains(&w.packet.dst_ip()) {
                    self.deliver_local(nodes, &node, &*dp, &local, w);
                    return;
                }
                // IPVS rewrote the destination at INPUT: it leaves through POSTROUTING.
                if !self.run_hook(&node, &*dp, Hook::Postrouting, &local, w) {
                    return;
                }
            } else if local.contains(&w.packet.dst_ip()) {
                self.deliver_local(nodes, &node, &*dp, &local, w);
                return;
            } else {
                if matches!(arrival, Arrival::Received)
                    && !self.run_hook(&node, &*dp, Hook::Forward, &local, w)
                {
                    return;
                }
                if !self.run_hook(&node, &*dp, Hook::Postrouting, &local, w) {
                    return;
                }
            }
            self.record_conntrack(&node, w);
            let dst = w.packet.dst_ip();
            let target = nodes
                .iter()
                .find(|n| n.pod_cidr.is_some_and(|c| c.contains(&dst)));
            match target {
                Some(t) if t.name == node => {
                    w.trace.steps.push(TraceStep::note(
                        Some(&node),
                        StepKind::Route,
                        format!(
                            "route: {dst} is a local pod ({} via the bridge cni0)",
                            t.pod_cidr.map(|c| c.to_string()).unwrap_or_default()
                        ),
                    ));
                    self.deliver_pod(&node, w);
                    return;
                }
                Some(t) => {
                    w.trace.steps.push(TraceStep::note(
                        Some(&node),
                        StepKind::Route,
                        format!(
                            "route: {dst} is in {}'s pod CIDR {} → via {} (eth0)",
                            t.name,
                            t.pod_cidr.map(|c| c.to_string()).unwrap_or_default(),
                            t.ip
                        ),
                    ));
                    node = t.name.clone();
                    arrival = Arrival::Received;
                }
                None => {
                    w.trace.steps.push(TraceStep::note(
                        Some(&node),
                        StepKind::Route,
                        format!("route: {dst} is outside the cluster → default route (eth0)"),
                    ));
                    w.trace.outcome = Outcome::Timeout;
                    return;
                }
            }
        }
    }

    /// Runs one hook of `node`'s data plane on the walked packet; false when it ended there.
    fn run_hook(
        &mut self,
        node: &str,
        dp: &dyn Dataplane,
        hook: Hook,
        local: &[Ipv4Addr],
        w: &mut Walk,
    ) -> bool {
        w.packet.dst_local = local.contains(&w.packet.dst_ip());
        w.packet.src_local = local.contains(&w.packet.src_ip());
        let before = w.packet.clone();
        let mut hits = Vec::new();
        let mut evaluated = 0;
        let verdict = {
            let Some(proxy) = self.proxies.get_mut(node) else {
                return false;
            };
            let mut ctx = HookCtx {
                now_ms: self.now.as_millis(),
                rng: &mut self.rng,
                runtime: &mut proxy.runtime,
                hits: &mut hits,
                evaluated: &mut evaluated,
            };
            dp.hook(hook, &mut w.packet, &mut ctx)
        };
        if (before.dst != w.packet.dst || before.src != w.packet.src) && w.nat_node.is_none() {
            w.nat_node = Some(node.to_owned());
        }
        w.trace.evaluated += evaluated;
        let changed = before != w.packet;
        if !hits.is_empty() || changed || verdict != Verdict::Accept {
            w.trace.steps.push(TraceStep {
                node: Some(node.to_owned()),
                kind: StepKind::Hook,
                title: format!("{} ({} rules evaluated)", hook.as_str(), evaluated),
                detail: Vec::new(),
                hits,
                before: Some(before),
                after: Some(w.packet.clone()),
                evaluated,
            });
        }
        match verdict {
            Verdict::Accept => true,
            Verdict::Drop => {
                w.trace.outcome = Outcome::Dropped;
                false
            }
            Verdict::Reject => {
                w.trace.outcome = Outcome::Rejected;
                false
            }
        }
    }

    /// Remembers the connection on the node that rewrote it (or the first node).
    fn record_conntrack(&mut self, node: &str, w: &mut Walk) {
        if w.trace.conntrack.is_some() {
            return;
        }
        let at = w.nat_node.clone().unwrap_or_else(|| node.to_owned());
        let entry = ConntrackEntry {
            protocol: w.packet.protocol,
            original: w.original,
            reply: (w.packet.dst, w.packet.src),
            created_ms: self.now.as_millis(),
            seen_ms: self.now.as_millis(),
            mark: w.packet.mark,
        };
        if let Some(p) = self.proxies.get_mut(&at) {
            p.conntrack.insert(entry.clone());
        }
        let mut step = TraceStep::note(Some(&at), StepKind::Conntrack, "conntrack: new entry");
        step.detail.push(entry.line(self.now.as_millis()));
        w.trace.steps.push(step);
        w.trace.conntrack = Some((at, entry));
    }

    /// A packet for one of the node's own addresses: a user-space proxy port, or a process
    /// on the node.
    fn deliver_local(
        &mut self,
        nodes: &[NodeNet],
        node: &str,
        dp: &dyn Dataplane,
        local: &[Ipv4Addr],
        w: &mut Walk,
    ) {
        let listener = w.packet.dst;
        let client = w.packet.src_ip();
        let mut hits = Vec::new();
        let mut evaluated = 0;
        let upstream = {
            let Some(proxy) = self.proxies.get_mut(node) else {
                return;
            };
            let mut ctx = HookCtx {
                now_ms: self.now.as_millis(),
                rng: &mut self.rng,
                runtime: &mut proxy.runtime,
                hits: &mut hits,
                evaluated: &mut evaluated,
            };
            dp.proxy_connect(listener, client, &mut ctx)
        };
        self.record_conntrack(node, w);
        let Some(upstream) = upstream else {
            w.trace.steps.push(TraceStep::note(
                Some(node),
                StepKind::Deliver,
                format!("{listener} is the node itself: nothing listens there"),
            ));
            w.trace.outcome = Outcome::Refused;
            return;
        };
        let node_ip = local.first().copied().unwrap_or(Ipv4Addr::LOCALHOST);
        let sport = EPHEMERAL_PORTS.0
            + self
                .rng
                .below(u64::from(EPHEMERAL_PORTS.1 - EPHEMERAL_PORTS.0) + 1) as u16;
        let mut step = TraceStep::note(
            Some(node),
            StepKind::Proxy,
            format!(
                "kube-proxy accepts on {listener} in user space and dials {upstream} (a second connection)"
            ),
        );
        step.hits = hits;
        step.evaluated = evaluated;
        w.trace.steps.push(step);
        w.packet = Packet {
            src: SocketAddrV4::new(node_ip, sport),
            dst: upstream,
            mark: 0,
            ..w.packet.clone()
        };
        w.original = (w.packet.src, w.packet.dst);
        w.nat_node = None;
        let conntrack = w.trace.conntrack.take();
        self.walk(nodes, node.to_owned(), Arrival::Local, w);
        if w.trace.conntrack.is_none() {
            w.trace.conntrack = conntrack;
        }
    }

    /// Delivery to the pod owning the destination address, and its reply.
    fn deliver_pod(&mut self, node: &str, w: &mut Walk) {
        let dst = w.packet.dst;
        let Some((pod, pod_node)) = self.pod_by_ip(*dst.ip()) else {
            w.trace.steps.push(TraceStep::note(
                Some(node),
                StepKind::Deliver,
                format!("no pod has {}: the neighbour lookup fails", dst.ip()),
            ));
            w.trace.outcome = Outcome::Timeout;
            return;
        };
        let answer = self
            .kubelets
            .get(&pod_node)
            .map(|k| k.serve(&pod, dst.port(), &w.path, self.now))
            .unwrap_or(Answer::Refused);
        w.trace.backend = Some(Backend {
            addr: dst,
            pod: Some(pod.clone()),
            node: Some(pod_node.clone()),
        });
        w.trace.seen_source = Some(w.packet.src);
        let mut step = TraceStep::note(
            Some(&pod_node),
            StepKind::Deliver,
            format!("pod/{} receives {}", pod.name, w.packet),
        );
        w.trace.outcome = match answer {
            Answer::Http(r) => {
                step.detail.push(format!("HTTP/1.1 {}", r.status));
                Outcome::Response { status: r.status }
            }
            Answer::NotHttp => Outcome::Connected,
            Answer::Refused => {
                step.detail
                    .push(format!("nothing listens on port {}: TCP reset", dst.port()));
                Outcome::Refused
            }
            Answer::Hang => {
                step.detail.push("the process never answers".to_owned());
                Outcome::Timeout
            }
        };
        w.trace.steps.push(step);
        if matches!(w.trace.outcome, Outcome::Timeout) {
            return;
        }
        let mut reply = TraceStep::note(
            Some(&pod_node),
            StepKind::Reply,
            format!("reply {} → {}", w.packet.dst, w.packet.src),
        );
        if let Some((ct_node, entry)) = &w.trace.conntrack
            && (entry.dnat() || entry.snat())
        {
            reply.detail.push(format!(
                "conntrack on {ct_node} reverses the NAT: {} → {} reaches the client as {} → {}",
                entry.reply.0, entry.reply.1, entry.original.1, entry.original.0
            ));
        }
        w.trace.steps.push(reply);
    }

    /// The programmed data plane of a node, shared.
    pub fn dataplane_of(&self, node: &str) -> Option<Rc<dyn Dataplane>> {
        self.proxies.get(node).map(|p| p.shared_dataplane())
    }
}

fn answer_text(addresses: &[String]) -> String {
    if addresses.is_empty() {
        "NXDOMAIN".to_owned()
    } else {
        addresses.join(", ")
    }
}

/// Splits `host[:port]`.
fn split_host_port(to: &str) -> Result<(&str, Option<u16>), String> {
    let to = to
        .strip_prefix("http://")
        .unwrap_or(to)
        .trim_end_matches('/');
    match to.rsplit_once(':') {
        Some((host, port)) => port
            .parse()
            .map(|p| (host, Some(p)))
            .map_err(|_| format!("invalid destination {to:?}: bad port {port:?}")),
        None if to.is_empty() => Err("invalid destination: empty".to_owned()),
        None => Ok((to, None)),
    }
}

/// A batch of requests from one client (a lab's `traffic` action, the UI's "send").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficSpec {
    /// The client.
    pub from: Source,
    /// `host[:port]`.
    pub to: String,
    /// How many requests.
    pub requests: u32,
    /// `GET` path.
    pub path: String,
    /// Client behaviour (not kube-proxy's).
    pub client: ClientOptions,
}

/// What the client does, as HTTP client libraries or a service-mesh sidecar would; none of
/// this is kube-proxy's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// Connections kept open and reused round-robin (HTTP keep-alive with a pool); 0 opens a
    /// new connection per request.
    pub pool: u32,
    /// Extra attempts, each on a new connection, after a failed request.
    pub retries: u32,
}

/// One request of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestResult {
    /// Who answered (the last attempt's backend).
    pub backend: Option<SocketAddrV4>,
    /// That backend's pod name.
    pub pod: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Attempts made (1 + retries used).
    pub attempts: u32,
    /// Whether the (last) attempt opened a new connection, so kube-proxy's rules chose the
    /// backend; false when an established connection (conntrack) carried it.
    pub new_connection: bool,
}

/// A batch of requests and what happened to each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficRun {
    /// When it was sent.
    pub time: crate::time::SimTime,
    /// What was sent.
    pub spec: TrafficSpec,
    /// One result per request.
    pub results: Vec<RequestResult>,
    /// Rules evaluated for all new connections.
    pub evaluated: usize,
}

impl TrafficRun {
    /// Requests per backend (`pod/name (ip:port)`, or the failure), sorted by label.
    pub fn distribution(&self) -> std::collections::BTreeMap<String, u32> {
        let mut out = std::collections::BTreeMap::new();
        for r in &self.results {
            let label = match (&r.pod, r.backend, r.outcome.ok()) {
                (Some(pod), Some(addr), true) => format!("{pod} ({addr})"),
                _ => r.outcome.describe(),
            };
            *out.entry(label).or_insert(0) += 1;
        }
        out
    }
}

/// An open client connection: where its conntrack entry lives and its original tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpenConnection {
    node: String,
    protocol: Protocol,
    original: (SocketAddrV4, SocketAddrV4),
}

impl World {
    /// Sends a batch of requests now and records it (see [`World::traffic`]).
    pub fn send(&mut self, spec: TrafficSpec) -> Result<&TrafficRun, String> {
        let key = format!("{} {}", spec.from, spec.to);
        let mut results = Vec::with_capacity(spec.requests as usize);
        let mut evaluated = 0;
        for i in 0..spec.requests {
            let slot = (spec.client.pool > 0).then(|| i % spec.client.pool);
            let mut attempts = 0;
            let result = loop {
                attempts += 1;
                let reused = match slot {
                    Some(s) if attempts == 1 => self.reuse(&key, s, &spec.path),
                    _ => None,
                };
                let result = match reused {
                    Some(r) => r,
                    None => {
                        let trace = self.connect(&spec.from, &spec.to, &spec.path, None)?;
                        evaluated += trace.evaluated;
                        if let (Some(s), Some((node, entry))) = (slot, &trace.conntrack) {
                            self.connections.insert(
                                (key.clone(), s),
                                OpenConnection {
                                    node: node.clone(),
                                    protocol: entry.protocol,
                                    original: entry.original,
                                },
                            );
                        }
                        RequestResult {
                            backend: trace.backend.as_ref().map(|b| b.addr),
                            pod: trace
                                .backend
                                .as_ref()
                                .and_then(|b| b.pod.as_ref().map(|p| p.name.clone())),
                            outcome: trace.outcome,
                            attempts,
                            new_connection: true,
                        }
                    }
                };
                if result.outcome.ok() || attempts > spec.client.retries {
                    break RequestResult { attempts, ..result };
                }
                if let Some(s) = slot {
                    self.connections.remove(&(key.clone(), s));
                }
            };
            results.push(result);
        }
        self.traffic.push(TrafficRun {
            time: self.now,
            spec,
            results,
            evaluated,
        });
        self.dispatch();
        self.traffic
            .last()
            .ok_or_else(|| "no traffic recorded".to_owned())
    }

    /// A request on an established pooled connection: conntrack carries it to the backend
    /// it was opened to, whatever the rules say now. `None` when there is no such live
    /// connection (never opened, or its conntrack entry expired).
    fn reuse(&mut self, key: &str, slot: u32, path: &str) -> Option<RequestResult> {
        let conn = self.connections.get(&(key.to_owned(), slot))?.clone();
        let now = self.now.as_millis();
        let backend = self
            .proxies
            .get_mut(&conn.node)?
            .conntrack
            .lookup(conn.protocol, conn.original.0, conn.original.1, now)?
            .reply
            .0;
        let pod = self.pod_by_ip(*backend.ip());
        let answer = match &pod {
            Some((key, node)) => self
                .kubelets
                .get(node)
                .map(|k| k.serve(key, backend.port(), path, self.now))
                .unwrap_or(Answer::Refused),
            // The backend is gone: the node answers with a reset.
            None => Answer::Refused,
        };
        let outcome = match answer {
            Answer::Http(r) => Outcome::Response { status: r.status },
            Answer::NotHttp => Outcome::Connected,
            Answer::Refused => Outcome::Refused,
            Answer::Hang => Outcome::Timeout,
        };
        if !outcome.ok() {
            self.connections.remove(&(key.to_owned(), slot));
        }
        Some(RequestResult {
            backend: Some(backend),
            pod: pod.map(|(p, _)| p.name),
            outcome,
            attempts: 1,
            new_connection: false,
        })
    }

    /// Every batch of requests sent so far.
    pub fn traffic(&self) -> &[TrafficRun] {
        &self.traffic
    }
}

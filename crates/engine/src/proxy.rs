//! kube-proxy: what one node's proxy sees (Services and EndpointSlices turned into service
//! ports and endpoints, `pkg/proxy/serviceport.go`, `endpointslicecache.go`), which endpoints
//! it uses (`pkg/proxy/topology.go`), and the data planes it programs in each mode.
//!
//! Every mode implements [`Dataplane`]: it renders what it programs in the real tool's text
//! format and it processes packets at the netfilter hooks, so a packet trace walks the very
//! rules that are printed.

pub mod diff;
pub mod feed;
pub mod iptables;
pub mod ipvs;
pub mod kube_proxy;
pub mod nftables;
pub mod scale;
pub mod userspace;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::api::discovery::EndpointSlice;
use crate::api::service::Service;
use crate::net::packet::Packet;
use crate::rng::SimRng;

/// The proxy modes (`--proxy-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `iptables` (the Linux default).
    #[default]
    Iptables,
    /// `ipvs` (deprecated in v1.35).
    Ipvs,
    /// `nftables` (GA in v1.33).
    Nftables,
    /// `userspace` (removed in v1.26; simulated as history).
    Userspace,
}

impl Mode {
    /// Every mode, in the order the course presents them.
    pub const ALL: [Mode; 4] = [Mode::Iptables, Mode::Ipvs, Mode::Nftables, Mode::Userspace];

    /// The `--proxy-mode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Iptables => "iptables",
            Mode::Ipvs => "ipvs",
            Mode::Nftables => "nftables",
            Mode::Userspace => "userspace",
        }
    }

    /// Parses a `--proxy-mode` value.
    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// IPVS schedulers (`--ipvs-scheduler`, virtual-ips.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheduler {
    /// Round robin (kube-proxy's default).
    #[default]
    Rr,
    /// Weighted round robin.
    Wrr,
    /// Least connection.
    Lc,
    /// Weighted least connection.
    Wlc,
    /// Locality-based least connection.
    Lblc,
    /// Locality-based least connection with replication.
    Lblcr,
    /// Source hashing.
    Sh,
    /// Destination hashing.
    Dh,
    /// Shortest expected delay.
    Sed,
    /// Never queue.
    Nq,
    /// Maglev hashing.
    Mh,
}

impl Scheduler {
    /// Every scheduler kube-proxy accepts.
    pub const ALL: [Scheduler; 11] = [
        Scheduler::Rr,
        Scheduler::Wrr,
        Scheduler::Lc,
        Scheduler::Wlc,
        Scheduler::Lblc,
        Scheduler::Lblcr,
        Scheduler::Sh,
        Scheduler::Dh,
        Scheduler::Sed,
        Scheduler::Nq,
        Scheduler::Mh,
    ];

    /// The `ipvsadm` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheduler::Rr => "rr",
            Scheduler::Wrr => "wrr",
            Scheduler::Lc => "lc",
            Scheduler::Wlc => "wlc",
            Scheduler::Lblc => "lblc",
            Scheduler::Lblcr => "lblcr",
            Scheduler::Sh => "sh",
            Scheduler::Dh => "dh",
            Scheduler::Sed => "sed",
            Scheduler::Nq => "nq",
            Scheduler::Mh => "mh",
        }
    }

    /// Parses an `ipvsadm` scheduler name.
    pub fn parse(s: &str) -> Option<Scheduler> {
        Scheduler::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Transport protocols a Service port can use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// Lower case, as in chain-name hashes and `-p tcp`.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// Upper case, as in the API (`TCP`).
    pub fn upper(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// Parses the API's `TCP` / `UDP` / `SCTP` (TCP when unset).
    pub fn parse(s: Option<&str>) -> Option<Protocol> {
        match s.unwrap_or("TCP") {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

/// How kube-proxy on one node is configured (`KubeProxyConfiguration` plus what it learns
/// about its node).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `--hostname-override` / the node's name (endpoints with this `nodeName` are local).
    pub node_name: String,
    /// The node's primary IP.
    pub node_ip: Ipv4Addr,
    /// The node's zone (`topology.kubernetes.io/zone`), for topology hints.
    pub zone: Option<String>,
    /// `--cluster-cidr`: the local-traffic detector's pod range (`-s`/`! -s` matches).
    pub cluster_cidr: Option<Ipv4Net>,
    /// The service CIDR (nftables' `cluster-ips-check`).
    pub service_cidr: Ipv4Net,
    /// The mode.
    pub mode: Mode,
    /// `--ipvs-scheduler`.
    pub scheduler: Scheduler,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            node_name: "node-1".to_owned(),
            node_ip: Ipv4Addr::new(172, 18, 0, 2),
            zone: None,
            cluster_cidr: "10.244.0.0/16".parse().ok(),
            service_cidr: Ipv4Net::new(Ipv4Addr::new(10, 96, 0, 0), 12).unwrap_or_default(),
            mode: Mode::Iptables,
            scheduler: Scheduler::Rr,
        }
    }
}

/// `proxy.ServicePortName`: `<ns>/<name>:<port name>`, or `<ns>/<name>` for an unnamed port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServicePortName {
    /// Namespace.
    pub namespace: String,
    /// Service name.
    pub name: String,
    /// Port name (empty when unnamed).
    pub port: String,
}

impl fmt::Display for ServicePortName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.port.is_empty() {
            write!(f, "{}/{}", self.namespace, self.name)
        } else {
            write!(f, "{}/{}:{}", self.namespace, self.name, self.port)
        }
    }
}

/// One port of a Service as kube-proxy keeps it (`BaseServicePortInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePortInfo {
    /// `<ns>/<svc>:<port>`.
    pub name: ServicePortName,
    /// Protocol.
    pub protocol: Protocol,
    /// Cluster IP.
    pub cluster_ip: Ipv4Addr,
    /// Port on the cluster IP.
    pub port: u16,
    /// Node port, if any.
    pub node_port: Option<u16>,
    /// `spec.externalIPs`.
    pub external_ips: Vec<Ipv4Addr>,
    /// Load-balancer VIPs (`status.loadBalancer.ingress[].ip` with `ipMode` VIP or unset).
    pub load_balancer_ips: Vec<Ipv4Addr>,
    /// `spec.loadBalancerSourceRanges`.
    pub load_balancer_source_ranges: Vec<Ipv4Net>,
    /// ClientIP affinity timeout in seconds (`None`: no affinity).
    pub sticky_seconds: Option<u32>,
    /// `externalTrafficPolicy: Local`.
    pub external_policy_local: bool,
    /// `internalTrafficPolicy: Local`.
    pub internal_policy_local: bool,
    /// `spec.healthCheckNodePort`.
    pub health_check_node_port: Option<u16>,
    /// `spec.trafficDistribution`.
    pub traffic_distribution: Option<String>,
}

impl ServicePortInfo {
    /// Reachable from outside the cluster: a node port, a load-balancer VIP or an external IP.
    pub fn externally_accessible(&self) -> bool {
        self.node_port.is_some()
            || !self.load_balancer_ips.is_empty()
            || !self.external_ips.is_empty()
    }

    /// Needs the cluster-wide endpoint set (`UsesClusterEndpoints`).
    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_policy_local || self.externally_accessible()
    }

    /// Needs the node-local endpoint set (`UsesLocalEndpoints`).
    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_policy_local || (self.external_policy_local && self.externally_accessible())
    }
}

/// One endpoint of a service port as kube-proxy keeps it (`BaseEndpointInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    /// Address.
    pub ip: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// On this node.
    pub is_local: bool,
    /// `conditions.ready` (nil ⇒ true).
    pub ready: bool,
    /// `conditions.serving` (nil ⇒ true).
    pub serving: bool,
    /// `conditions.terminating` (nil ⇒ false).
    pub terminating: bool,
    /// The node it runs on.
    pub node_name: Option<String>,
    /// `hints.forZones`.
    pub zone_hints: BTreeSet<String>,
    /// `hints.forNodes`.
    pub node_hints: BTreeSet<String>,
}

impl EndpointInfo {
    /// `<ip>:<port>`, the string kube-proxy sorts and hashes.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

/// Everything one node's kube-proxy knows: service ports sorted by name and, per service
/// port, its endpoints sorted by `<ip>:<port>` string (`byEndpoint`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyState {
    /// The configuration.
    pub config: ProxyConfig,
    /// Service ports, sorted by `ServicePortName` string.
    pub services: Vec<ServicePortInfo>,
    /// Endpoints per service port (key: `ServicePortName` string).
    pub endpoints: BTreeMap<String, Vec<EndpointInfo>>,
}

impl ProxyState {
    /// What kube-proxy builds from the Services and EndpointSlices it watches. It does not
    /// validate: headless and ExternalName Services and unparsable addresses are skipped,
    /// as `NewServicePortInfo` and the EndpointSlice cache skip them.
    pub fn from_objects<'a>(
        config: ProxyConfig,
        services: impl IntoIterator<Item = &'a Service>,
        slices: impl IntoIterator<Item = &'a EndpointSlice>,
    ) -> ProxyState {
        let mut ports = Vec::new();
        for svc in services {
            ports.extend(service_ports(svc));
        }
        ports.sort_by_cached_key(|p: &ServicePortInfo| p.name.to_string());
        let mut endpoints: BTreeMap<String, BTreeMap<String, EndpointInfo>> = BTreeMap::new();
        for slice in slices {
            if slice.address_type != "IPv4" {
                continue;
            }
            let Some(svc_name) = slice.metadata.labels.get(SERVICE_NAME_LABEL) else {
                continue;
            };
            for port in &slice.ports {
                let Some(number) = port.port.and_then(|p| u16::try_from(p).ok()) else {
                    continue;
                };
                let name = ServicePortName {
                    namespace: slice.metadata.namespace.clone(),
                    name: svc_name.clone(),
                    port: port.name.clone().unwrap_or_default(),
                };
                let set = endpoints.entry(name.to_string()).or_default();
                for ep in &slice.endpoints {
                    let Some(ip) = ep
                        .addresses
                        .first()
                        .and_then(|a| a.parse::<Ipv4Addr>().ok())
                    else {
                        continue;
                    };
                    let ready = ep.conditions.ready.unwrap_or(true);
                    let info = EndpointInfo {
                        ip,
                        port: number,
                        is_local: ep.node_name.as_deref() == Some(config.node_name.as_str()),
                        ready,
                        serving: ep.conditions.serving.unwrap_or(true),
                        terminating: ep.conditions.terminating.unwrap_or(false),
                        node_name: ep.node_name.clone(),
                        zone_hints: ep
                            .hints
                            .iter()
                            .flat_map(|h| h.for_zones.iter().map(|z| z.name.clone()))
                            .collect(),
                        node_hints: ep
                            .hints
                            .iter()
                            .flat_map(|h| h.for_nodes.iter().map(|z| z.name.clone()))
                            .collect(),
                    };
                    set.insert(info.endpoint(), info);
                }
            }
        }
        let mut endpoints: BTreeMap<String, Vec<EndpointInfo>> = endpoints
            .into_iter()
            .map(|(k, v)| {
                let mut v: Vec<EndpointInfo> = v.into_values().collect();
                // `sort.Sort(byEndpoint)`: by the `ip:port` string.
                v.sort_by_cached_key(EndpointInfo::endpoint);
                (k, v)
            })
            .collect();
        let names: BTreeSet<String> = ports.iter().map(|p| p.name.to_string()).collect();
        endpoints.retain(|k, _| names.contains(k));
        ProxyState {
            config,
            services: ports,
            endpoints,
        }
    }

    /// The endpoints of one service port (empty when it has none).
    pub fn endpoints_of(&self, svc: &ServicePortInfo) -> &[EndpointInfo] {
        self.endpoints
            .get(&svc.name.to_string())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Which of a service port's endpoints this node uses (`CategorizeEndpoints`).
    pub fn categorize(&self, svc: &ServicePortInfo) -> Categorized<'_> {
        categorize_endpoints(self.endpoints_of(svc), svc, &self.config)
    }
}

/// The label that ties an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// The service ports kube-proxy makes of one Service (none for headless and ExternalName).
fn service_ports(svc: &Service) -> Vec<ServicePortInfo> {
    let ty = svc.service_type();
    if ty == "ExternalName" {
        return Vec::new();
    }
    let Some(cluster_ip) = svc
        .spec
        .cluster_ip
        .as_deref()
        .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
    else {
        return Vec::new();
    };
    let spec = &svc.spec;
    let external_ips = spec
        .external_ips
        .iter()
        .filter_map(|ip| ip.parse().ok())
        .collect();
    let load_balancer_ips = svc
        .status
        .load_balancer
        .ingress
        .iter()
        .filter(|i| i.ip_mode.as_deref().is_none_or(|m| m == "VIP"))
        .filter_map(|i| i.ip.as_deref()?.parse().ok())
        .collect();
    let load_balancer_source_ranges = spec
        .load_balancer_source_ranges
        .iter()
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let sticky_seconds = (spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
        spec.session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref()?.timeout_seconds)
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(crate::api::defaults::DEFAULT_CLIENT_IP_AFFINITY_SECONDS as u32)
    });
    let external_policy_local = spec.external_traffic_policy.as_deref() == Some("Local")
        && matches!(ty, "NodePort" | "LoadBalancer");
    spec.ports
        .iter()
        .filter_map(|p| {
            Some(ServicePortInfo {
                name: ServicePortName {
                    namespace: svc.metadata.namespace.clone(),
                    name: svc.metadata.name.clone(),
                    port: p.name.clone().unwrap_or_default(),
                },
                protocol: Protocol::parse(p.protocol.as_deref())?,
                cluster_ip,
                port: u16::try_from(p.port).ok()?,
                node_port: p
                    .node_port
                    .filter(|_| matches!(ty, "NodePort" | "LoadBalancer"))
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| *n != 0),
                external_ips: Vec::clone(&external_ips),
                load_balancer_ips: Vec::clone(&load_balancer_ips),
                load_balancer_source_ranges: Vec::clone(&load_balancer_source_ranges),
                sticky_seconds,
                external_policy_local,
                internal_policy_local: spec.internal_traffic_policy.as_deref() == Some("Local"),
                health_check_node_port: spec
                    .health_check_node_port
                    .filter(|_| external_policy_local)
                    .and_then(|n| u16::try_from(n).ok()),
                traffic_distribution: spec.traffic_distribution.clone(),
            })
        })
        .collect()
}

/// The endpoint sets of one service port on one node (`CategorizeEndpoints`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Categorized<'a> {
    /// Endpoints for `Cluster` traffic policy: ready ones (narrowed by topology hints), else
    /// serving-and-terminating ones.
    pub cluster: Vec<&'a EndpointInfo>,
    /// Endpoints for `Local` traffic policy: local ready ones, else local
    /// serving-and-terminating ones.
    pub local: Vec<&'a EndpointInfo>,
    /// The union of the two sets the service port uses.
    pub all_reachable: Vec<&'a EndpointInfo>,
    /// Whether any usable endpoint exists anywhere in the cluster.
    pub has_any: bool,
}

/// `pkg/proxy/topology.go` `CategorizeEndpoints` (v1.33), with the
/// `PreferSameTrafficDistribution` gate on (alpha in v1.33, beta and on by default in v1.34).
pub fn categorize_endpoints<'a>(
    endpoints: &'a [EndpointInfo],
    svc: &ServicePortInfo,
    config: &ProxyConfig,
) -> Categorized<'a> {
    let mut out = Categorized::default();
    if svc.uses_cluster_endpoints() {
        let mode = topology_mode(endpoints, config);
        out.cluster = endpoints
            .iter()
            .filter(|ep| ep.ready && available_for_topology(ep, mode, config))
            .collect();
        if out.cluster.is_empty() {
            out.cluster = endpoints
                .iter()
                .filter(|ep| ep.serving && ep.terminating)
                .collect();
        }
        out.has_any = !out.cluster.is_empty();
    }
    if !svc.uses_local_endpoints() {
        out.all_reachable = out.cluster.clone();
        return out;
    }
    let (mut local_ready, mut local_serving_terminating) = (false, false);
    for ep in endpoints {
        if ep.ready {
            out.has_any = true;
            local_ready |= ep.is_local;
        } else if ep.serving && ep.terminating {
            out.has_any = true;
            local_serving_terminating |= ep.is_local;
        }
    }
    if local_ready {
        out.local = endpoints.iter().filter(|e| e.is_local && e.ready).collect();
    } else if local_serving_terminating {
        out.local = endpoints
            .iter()
            .filter(|e| e.is_local && e.serving && e.terminating)
            .collect();
    }
    if !svc.uses_cluster_endpoints() {
        out.all_reachable = out.local.clone();
        return out;
    }
    let mut all = out.cluster.clone();
    for ep in &out.local {
        if !all.iter().any(|c| std::ptr::eq(*c, *ep)) {
            all.push(ep);
        }
    }
    out.all_reachable = all;
    out
}

/// Which hints narrow the cluster endpoints (`topologyModeFromHints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopologyMode {
    None,
    SameNode,
    SameZone,
}

fn topology_mode(endpoints: &[EndpointInfo], config: &ProxyConfig) -> TopologyMode {
    let (mut for_node, mut all_node_hints) = (false, true);
    let (mut for_zone, mut all_zone_hints) = (false, true);
    let zone = config.zone.as_deref().unwrap_or_default();
    for ep in endpoints.iter().filter(|e| e.ready) {
        if ep.node_hints.is_empty() {
            all_node_hints = false;
        } else if ep.node_hints.contains(&config.node_name) {
            for_node = true;
        }
        if ep.zone_hints.is_empty() {
            all_zone_hints = false;
        } else if ep.zone_hints.contains(zone) {
            for_zone = true;
        }
    }
    if all_node_hints && for_node {
        TopologyMode::SameNode
    } else if all_zone_hints && for_zone {
        TopologyMode::SameZone
    } else {
        TopologyMode::None
    }
}

fn available_for_topology(ep: &EndpointInfo, mode: TopologyMode, config: &ProxyConfig) -> bool {
    match mode {
        TopologyMode::None => true,
        TopologyMode::SameNode => ep.node_hints.contains(&config.node_name),
        TopologyMode::SameZone => ep
            .zone_hints
            .contains(config.zone.as_deref().unwrap_or_default()),
    }
}

/// A netfilter hook a packet passes on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hook {
    /// `PREROUTING`: a packet arrived (from a pod's veth or the node's NIC).
    Prerouting,
    /// `INPUT`: for a local address.
    Input,
    /// `FORWARD`: routed through the node.
    Forward,
    /// `OUTPUT`: sent by a process in the node's network namespace.
    Output,
    /// `POSTROUTING`: leaving.
    Postrouting,
}

impl Hook {
    /// The chain name (`PREROUTING`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Prerouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::Postrouting => "POSTROUTING",
        }
    }
}

/// One rule (or lookup) a packet matched, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// `nat`, `filter`, `ip kube-proxy`, `ipvs`, `userspace`, …
    pub table: String,
    /// Chain (or virtual server).
    pub chain: String,
    /// The matched rule as the mode's text view prints it (so the UI can highlight it).
    pub rule: String,
}

/// What a hook decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The packet goes on (possibly rewritten: DNAT, mark, masquerade).
    Accept,
    /// Silently dropped.
    Drop,
    /// Rejected (`icmp-port-unreachable` / TCP reset).
    Reject,
}

/// Mutable state a data plane keeps between packets: `recent` lists, nftables affinity
/// sets, IPVS scheduler positions and connection counts, userspace round-robin positions.
/// Keyed by the mode's own names (e.g. `KUBE-SEP-…`), so each mode keeps its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyRuntime {
    /// Client address → last seen (ms) per affinity list (`recent --name X` / nft set X /
    /// IPVS persistence template / userspace affinity map).
    pub affinity: BTreeMap<String, BTreeMap<Ipv4Addr, u64>>,
    /// Round-robin position per virtual service.
    pub position: BTreeMap<String, u64>,
    /// Active connections per virtual service and real server (IPVS `lc` / `wlc` / …).
    pub active: BTreeMap<String, BTreeMap<String, u64>>,
}

/// What a data plane gets while it processes one packet at one hook.
pub struct HookCtx<'a> {
    /// Time in milliseconds (for affinity timeouts).
    pub now_ms: u64,
    /// The one random generator (`statistic --mode random`, `numgen random`).
    pub rng: &'a mut SimRng,
    /// State kept between packets.
    pub runtime: &'a mut ProxyRuntime,
    /// Every rule the packet matched, in order.
    pub hits: &'a mut Vec<RuleHit>,
    /// How many rules were evaluated (matched or not), for the scale view.
    pub evaluated: &'a mut usize,
}

/// A mode's data plane, built from a [`ProxyState`].
pub trait Dataplane {
    /// What the mode programs, in its tool's text format (`iptables-save`; `ipvsadm -Ln`
    /// plus ipsets and iptables; the `nft -f` transaction).
    fn render(&self) -> String;

    /// Rules (or virtual/real servers plus rules) programmed: the scale view's size figure.
    fn rule_count(&self) -> usize;

    /// Processes the first packet of a new connection at one hook: may rewrite the
    /// destination (DNAT), set the masquerade mark, rewrite the source (MASQUERADE at
    /// POSTROUTING), or drop / reject it. Established connections never reach this: conntrack
    /// handles them.
    fn hook(&self, hook: Hook, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> Verdict;

    /// A second text view, where the mode has one (nftables: `nft list table ip
    /// kube-proxy` beside the `nft -f` transaction).
    fn list_view(&self) -> Option<String> {
        None
    }

    /// Addresses the mode binds to the node besides its own IPs (IPVS binds every service
    /// VIP to `kube-ipvs0`), so the router delivers packets for them to `INPUT`.
    fn local_addresses(&self) -> Vec<std::net::Ipv4Addr> {
        Vec::new()
    }

    /// For a connection delivered to one of the proxy's own listening ports (userspace
    /// mode): the endpoint the proxy process connects to on the client's behalf. Kernel
    /// modes never deliver connections to kube-proxy.
    fn proxy_connect(
        &self,
        _listener: std::net::SocketAddrV4,
        _client: std::net::Ipv4Addr,
        _ctx: &mut HookCtx<'_>,
    ) -> Option<std::net::SocketAddrV4> {
        None
    }
}

/// Builds the data plane of `state.config.mode`.
pub fn dataplane(state: &ProxyState) -> Box<dyn Dataplane> {
    match state.config.mode {
        Mode::Iptables => Box::new(iptables::Iptables::new(state)),
        Mode::Ipvs => Box::new(ipvs::Ipvs::new(state)),
        Mode::Nftables => Box::new(nftables::Nftables::new(state)),
        Mode::Userspace => Box::new(userspace::Userspace::new(state)),
    }
}

/// kube-proxy's chain-name hash: `base32(sha256(s))` (standard alphabet, upper case), the
/// first `len` characters (`portProtoHash`, `servicePortEndpointChainName`).
pub fn hash_name(s: &str, len: usize) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(s.as_bytes());
    let mut encoded = data_encoding::BASE32.encode(&digest);
    encoded.truncate(len);
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes verified against kube-proxy (fidelity reference §5.2).
    #[test]
    fn chain_hashes_match_kube_proxy() {
        assert_eq!(hash_name("ns1/svc1:p80tcp", 16), "XPGD46QRK7WJZT7O");
        assert_eq!(
            hash_name("ns1/svc1:p80tcp10.180.0.1:80", 16),
            "SXIVWICOYRO3J4NJ"
        );
        assert_eq!(
            hash_name("kube-system/kube-dns:dnsudp", 16),
            "TCOU7JCQXEZGVUNU"
        );
        assert_eq!(
            hash_name("default/kubernetes:httpstcp", 16),
            "NPX46M4PTMTKRN6Y"
        );
    }
}

//! kube-proxy's userspace mode as it was in v1.25, its last release (deprecated in v1.23,
//! removed in v1.26): `pkg/proxy/userspace/proxier.go`, `roundrobin.go`, `port_allocator.go`.
//!
//! kube-proxy itself carries the traffic. For every service port it opens a listening socket
//! on the node and installs iptables rules that send the service's addresses there: `REDIRECT`
//! for packets arriving from containers (`KUBE-PORTALS-CONTAINER`, `KUBE-NODEPORT-CONTAINER`),
//! `DNAT` to the node IP for packets the node sends (`KUBE-PORTALS-HOST`, `KUBE-NODEPORT-HOST`).
//! The proxy accepts the connection, picks an endpoint round robin (with ClientIP affinity when
//! asked) and opens a second connection to it: two TCP connections and a trip through user
//! space per request.
//!
//! Ports: without `--proxy-port-range` the allocator returns port 0 and the kernel picks an
//! ephemeral port (`net.ipv4.ip_local_port_range`, 32768–60999). The simulation derives the
//! port from a hash of the service port name, inside that range.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use super::ipvs::netfilter::{Match, MatchEnv, Outcome, RuleBuilder, Ruleset, Table, Target};
use super::{
    Dataplane, Hook, HookCtx, Protocol, ProxyConfig, ProxyState, RuleHit, ServicePortName, Verdict,
};
use crate::net::packet::Packet;
use crate::rng::SimRng;

const PORTALS_CONTAINER: &str = "KUBE-PORTALS-CONTAINER";
const PORTALS_HOST: &str = "KUBE-PORTALS-HOST";
const NODEPORT_CONTAINER: &str = "KUBE-NODEPORT-CONTAINER";
const NODEPORT_HOST: &str = "KUBE-NODEPORT-HOST";
const NODEPORT_NON_LOCAL: &str = "KUBE-NODEPORT-NON-LOCAL";

/// The kernel's default ephemeral range (`ip_local_port_range` 32768–60999).
const EPHEMERAL: (u16, u16) = (32768, 60999);

/// One proxied service port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxiedService {
    /// `<ns>/<svc>:<port>`.
    pub name: ServicePortName,
    /// Protocol.
    pub protocol: Protocol,
    /// The portal: cluster IP and port.
    pub portal: SocketAddrV4,
    /// The proxy socket's port (kube-proxy listens on `0.0.0.0:<port>`).
    pub proxy_port: u16,
    /// `spec.externalIPs`.
    pub external_ips: Vec<Ipv4Addr>,
    /// Load-balancer ingress IPs.
    pub load_balancer_ips: Vec<Ipv4Addr>,
    /// Node port.
    pub node_port: Option<u16>,
    /// ClientIP affinity timeout (`None`: no affinity).
    pub sticky_seconds: Option<u32>,
    /// The ready endpoints (the Endpoints object's `addresses`), in the shuffled order the
    /// round robin walks (`LoadBalancerRR.OnEndpointsAdd` shuffles them).
    pub endpoints: Vec<SocketAddrV4>,
}

/// What userspace mode programs on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Userspace {
    /// The node's configuration.
    pub config: ProxyConfig,
    /// Proxied service ports, sorted by name.
    pub services: Vec<ProxiedService>,
    /// The iptables rules.
    pub rules: Ruleset,
}

/// `ip_local_port_range`-bound port derived from the service port name.
fn proxy_port(name: &str, taken: &[u16]) -> u16 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let span = u32::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
    let seed = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let mut offset = seed % span;
    for _ in 0..span {
        let port = EPHEMERAL.0 + offset as u16;
        if !taken.contains(&port) {
            return port;
        }
        offset = (offset + 1) % span;
    }
    EPHEMERAL.0
}

/// `utilproxy.ShuffleStrings`: a random permutation; seeded from the name so every run
/// shuffles the same way.
fn shuffle(name: &str, endpoints: &mut [SocketAddrV4]) {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&digest[..8]);
    let mut rng = SimRng::new(u64::from_le_bytes(seed));
    for i in (1..endpoints.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        endpoints.swap(i, j);
    }
}

impl Userspace {
    /// Programs the node from kube-proxy's view: one proxy socket and its portal rules per
    /// service port (`mergeService`, `openPortal`, `openNodePort`).
    pub fn new(state: &ProxyState) -> Userspace {
        let config = state.config.clone();
        let mut services = Vec::new();
        let mut taken = Vec::new();
        for svc in &state.services {
            let name = svc.name.to_string();
            let port = proxy_port(&name, &taken);
            taken.push(port);
            let mut endpoints: Vec<SocketAddrV4> = state
                .endpoints_of(svc)
                .iter()
                .filter(|e| e.ready)
                .map(|e| SocketAddrV4::new(e.ip, e.port))
                .collect();
            shuffle(&name, &mut endpoints);
            services.push(ProxiedService {
                name: svc.name.clone(),
                protocol: svc.protocol,
                portal: SocketAddrV4::new(svc.cluster_ip, svc.port),
                proxy_port: port,
                external_ips: svc.external_ips.clone(),
                load_balancer_ips: svc.load_balancer_ips.clone(),
                node_port: svc.node_port,
                sticky_seconds: svc.sticky_seconds,
                endpoints,
            });
        }
        let rules = write_rules(&config, &services);
        Userspace {
            config,
            services,
            rules,
        }
    }

    /// `iptables-save` of the userspace chains.
    pub fn iptables_save(&self) -> String {
        self.rules.render()
    }

    fn env(&self) -> MatchEnv<'_> {
        MatchEnv {
            sets: &[],
            physdev_in: false,
            ipvs: None,
            node_ip: self.config.node_ip,
        }
    }

    fn env_for(&self, packet: &Packet) -> MatchEnv<'_> {
        let mut env = self.env();
        // Pod traffic enters through the CNI bridge; non-local sources in the cluster CIDR.
        env.physdev_in = !packet.src_local
            && self
                .config
                .cluster_cidr
                .is_some_and(|c| c.contains(&packet.src_ip()));
        env
    }
}

/// `iptablesCommonPortalArgs`: comment, protocol, port, then `-d <ip>/32` and the optional
/// physdev and addrtype matches, in kube-proxy's order.
fn portal_rule(
    chain: &str,
    table: Table,
    svc: &ProxiedService,
    dest: Option<Ipv4Addr>,
    port: u16,
    physdev: bool,
    dst_local: bool,
) -> RuleBuilder {
    let p = svc.protocol.lower();
    let mut b = RuleBuilder::new(table, chain)
        .comment(&svc.name.to_string())
        .with(&format!("-p {p}"), Match::Protocol(svc.protocol))
        .with(&format!("-m {p} --dport {port}"), Match::DestPort(port));
    if let Some(ip) = dest {
        b = b.with(
            &format!("-d {ip}/32"),
            Match::Destination(Ipv4Net::from(ip)),
        );
    }
    if physdev {
        b = b.with("-m physdev ! --physdev-is-in", Match::NotPhysdevIsIn);
    }
    if dst_local {
        b = b.with(
            "-m addrtype --dst-type LOCAL",
            Match::DstTypeLocal { negate: false },
        );
    }
    b
}

fn write_rules(config: &ProxyConfig, services: &[ProxiedService]) -> Ruleset {
    // iptablesInit: the portal jumps are prepended, the node-port jumps appended.
    let cluster_ips = "handle ClusterIPs; NOTE: this must be before the NodePort rules";
    let node_ports = "handle service NodePorts; NOTE: this must be the last rule in the chain";
    let local = || Match::DstTypeLocal { negate: false };
    let mut rules = vec![
        RuleBuilder::new(Table::Nat, "PREROUTING")
            .comment(cluster_ips)
            .jump(PORTALS_CONTAINER),
        RuleBuilder::new(Table::Nat, "PREROUTING")
            .with("-m addrtype --dst-type LOCAL", local())
            .comment(node_ports)
            .jump(NODEPORT_CONTAINER),
        RuleBuilder::new(Table::Nat, "OUTPUT")
            .comment(cluster_ips)
            .jump(PORTALS_HOST),
        RuleBuilder::new(Table::Nat, "OUTPUT")
            .with("-m addrtype --dst-type LOCAL", local())
            .comment(node_ports)
            .jump(NODEPORT_HOST),
        RuleBuilder::new(Table::Filter, "INPUT")
            .comment("Ensure that non-local NodePort traffic can flow")
            .jump(NODEPORT_NON_LOCAL),
    ];
    let redirect = |port: u16| {
        (
            format!("-j REDIRECT --to-ports {port}"),
            Target::Redirect(port),
        )
    };
    let dnat = |port: u16| {
        let to = SocketAddrV4::new(config.node_ip, port);
        (format!("-j DNAT --to-destination {to}"), Target::Dnat(to))
    };
    for svc in services {
        let (r_text, r_target) = redirect(svc.proxy_port);
        let (d_text, d_target) = dnat(svc.proxy_port);
        let port = svc.portal.port();
        // (address, isExternal): the cluster IP, external IPs, load-balancer ingress IPs.
        let portals = std::iter::once((*svc.portal.ip(), false))
            .chain(svc.external_ips.iter().map(|ip| (*ip, true)))
            .chain(svc.load_balancer_ips.iter().map(|ip| (*ip, false)));
        for (ip, external) in portals {
            let c = |physdev, dst_local| {
                portal_rule(
                    PORTALS_CONTAINER,
                    Table::Nat,
                    svc,
                    Some(ip),
                    port,
                    physdev,
                    dst_local,
                )
            };
            rules.push(c(external, false).target(&r_text, r_target.clone()));
            if external {
                rules.push(c(false, true).target(&r_text, r_target.clone()));
                rules.push(
                    portal_rule(PORTALS_HOST, Table::Nat, svc, Some(ip), port, false, true)
                        .target(&d_text, d_target.clone()),
                );
            } else {
                rules.push(
                    portal_rule(PORTALS_HOST, Table::Nat, svc, Some(ip), port, false, false)
                        .target(&d_text, d_target.clone()),
                );
            }
        }
        if let Some(node_port) = svc.node_port {
            rules.push(
                portal_rule(
                    NODEPORT_CONTAINER,
                    Table::Nat,
                    svc,
                    None,
                    node_port,
                    false,
                    false,
                )
                .target(&r_text, r_target.clone()),
            );
            rules.push(
                portal_rule(
                    NODEPORT_HOST,
                    Table::Nat,
                    svc,
                    None,
                    node_port,
                    false,
                    false,
                )
                .target(&d_text, d_target.clone()),
            );
            rules.push(
                portal_rule(
                    NODEPORT_NON_LOCAL,
                    Table::Filter,
                    svc,
                    None,
                    svc.proxy_port,
                    false,
                    false,
                )
                .with("-m state --state NEW", Match::CtStateNew)
                .target("-j ACCEPT", Target::Accept),
            );
        }
    }
    Ruleset {
        nat_chains: [
            PORTALS_CONTAINER,
            PORTALS_HOST,
            NODEPORT_CONTAINER,
            NODEPORT_HOST,
        ]
        .map(str::to_owned)
        .to_vec(),
        filter_chains: vec![NODEPORT_NON_LOCAL.to_owned()],
        rules,
    }
}

fn verdict(outcome: Outcome) -> Verdict {
    match outcome {
        Outcome::Accept => Verdict::Accept,
        Outcome::Drop => Verdict::Drop,
        Outcome::Reject => Verdict::Reject,
    }
}

/// The runtime list holding a service port's ClientIP affinity for one endpoint.
pub fn affinity_key(service: &str, endpoint: SocketAddrV4) -> String {
    format!("{service} -> {endpoint}")
}

impl Dataplane for Userspace {
    /// `iptables-save` of the portal chains, under a `# iptables-save` line, then the lines
    /// kube-proxy logs as it opens each proxy socket (`addServiceOnPortInternal`, `-v=2`).
    fn render(&self) -> String {
        let mut out = format!("# iptables-save\n{}", self.iptables_save());
        out.push_str("\n# kube-proxy log\n");
        for svc in &self.services {
            let _ = writeln!(
                out,
                "Proxying for service \"{}\" on {} port {}",
                svc.name,
                svc.protocol.upper(),
                svc.proxy_port
            );
        }
        out
    }

    fn rule_count(&self) -> usize {
        self.rules.rules.len()
    }

    /// nat `PREROUTING` (container portals: `REDIRECT` to the proxy port), nat `OUTPUT`
    /// (host portals: `DNAT` to `nodeIP:proxyPort`), filter `INPUT`.
    fn hook(&self, hook: Hook, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> Verdict {
        let env = self.env_for(packet);
        let (table, chain) = match hook {
            Hook::Prerouting => (Table::Nat, "PREROUTING"),
            Hook::Output => (Table::Nat, "OUTPUT"),
            Hook::Input => (Table::Filter, "INPUT"),
            Hook::Forward | Hook::Postrouting => return Verdict::Accept,
        };
        verdict(self.rules.walk(table, chain, packet, &env, ctx))
    }

    /// `LoadBalancerRR.NextEndpoint`: the client's affinity endpoint while it is fresh
    /// (`int(seconds since last use) < ttl`), otherwise the next endpoint round robin.
    fn proxy_connect(
        &self,
        listener: SocketAddrV4,
        client: Ipv4Addr,
        ctx: &mut HookCtx<'_>,
    ) -> Option<SocketAddrV4> {
        let svc = self
            .services
            .iter()
            .find(|s| s.proxy_port == listener.port())?;
        let name = svc.name.to_string();
        *ctx.evaluated += 1;
        if svc.endpoints.is_empty() {
            // ErrMissingEndpoints: the proxy closes the accepted connection.
            ctx.hits.push(RuleHit {
                table: "userspace".to_owned(),
                chain: name,
                rule: "missing endpoints".to_owned(),
            });
            return None;
        }
        let mut chosen = None;
        if let Some(ttl) = svc.sticky_seconds {
            for ep in &svc.endpoints {
                let list = affinity_key(&name, *ep);
                if let Some(last) = ctx.runtime.affinity.get(&list).and_then(|m| m.get(&client))
                    && ctx.now_ms.saturating_sub(*last) / 1000 < u64::from(ttl)
                {
                    chosen = Some(*ep);
                }
            }
        }
        let endpoint = match chosen {
            Some(ep) => ep,
            None => {
                let n = svc.endpoints.len();
                let index = ctx.runtime.position.get(&name).copied().unwrap_or(0) as usize % n;
                ctx.runtime
                    .position
                    .insert(name.clone(), ((index + 1) % n) as u64);
                svc.endpoints[index]
            }
        };
        if svc.sticky_seconds.is_some() {
            for ep in &svc.endpoints {
                if let Some(m) = ctx.runtime.affinity.get_mut(&affinity_key(&name, *ep)) {
                    m.remove(&client);
                }
            }
            ctx.runtime
                .affinity
                .entry(affinity_key(&name, endpoint))
                .or_default()
                .insert(client, ctx.now_ms);
        }
        ctx.hits.push(RuleHit {
            table: "userspace".to_owned(),
            chain: name,
            rule: format!("-> {endpoint}"),
        });
        Some(endpoint)
    }
}

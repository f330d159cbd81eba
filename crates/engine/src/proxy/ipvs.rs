//! kube-proxy's IPVS mode (`pkg/proxy/ipvs/proxier.go`, `ipset.go`, `netlink_linux.go`,
//! ≈ v1.33; the mode is deprecated in v1.35).
//!
//! One sync builds, per service port: a virtual server for the cluster IP, each external IP,
//! each load-balancer ingress IP and (for node ports) each node IP, each with the configured
//! scheduler, `persistent <timeout>` for ClientIP affinity and the endpoints in use as weight-1
//! real servers; the service addresses bound to the dummy interface `kube-ipvs0`; the ipset
//! entries; and a fixed set of iptables rules that consult those ipsets.
//!
//! Packets: `PREROUTING`/`OUTPUT` walk `KUBE-SERVICES` (masquerade marks, then `ACCEPT`);
//! service addresses are local, so remote packets reach `INPUT`, where `KUBE-IPVS-FILTER`
//! rejects ports that are not services and IPVS schedules a real server and rewrites the
//! destination. Locally generated packets are scheduled by IPVS's `LOCAL_OUT` hook instead.
//! `POSTROUTING` masquerades marked packets and hairpin connections (`KUBE-LOOP-BACK`).

pub mod ipset;
pub mod ipvsadm;
pub mod maglev;
pub mod netfilter;
pub mod scheduler;
pub mod virtual_server;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use self::ipset::{Entry, IpSet, SetDir};
use self::netfilter::{Match, MatchEnv, Outcome, RuleBuilder, Ruleset, Table, Target};
use self::scheduler::{Dest, SchedInput};
use self::virtual_server::{FLAG_PERSISTENT, FLAG_SOURCE_HASH, RealServer, VirtualServer, VsKind};
use super::{
    Categorized, Dataplane, Hook, HookCtx, Protocol, ProxyConfig, ProxyRuntime, ProxyState,
    RuleHit, Scheduler, ServicePortInfo, Verdict,
};
use crate::net::packet::Packet;

/// The dummy interface service addresses are bound to (`defaultDummyDevice`).
pub const DUMMY_DEVICE: &str = "kube-ipvs0";

/// kube-proxy's masquerade mark (`--masquerade-bit` 14).
pub const MASQ_MARK: u32 = 0x4000;

const KUBE_SERVICES: &str = "KUBE-SERVICES";
const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
const KUBE_NODE_PORT: &str = "KUBE-NODE-PORT";
const KUBE_LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
const KUBE_FORWARD: &str = "KUBE-FORWARD";
const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
const KUBE_SOURCE_RANGES_FIREWALL: &str = "KUBE-SOURCE-RANGES-FIREWALL";
const KUBE_IPVS_FILTER: &str = "KUBE-IPVS-FILTER";
const KUBE_IPVS_OUT_FILTER: &str = "KUBE-IPVS-OUT-FILTER";

/// What IPVS mode programs on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipvs {
    /// The node's configuration.
    pub config: ProxyConfig,
    /// Virtual servers in the order kube-proxy creates them (service ports sorted by name;
    /// per port: cluster IP, external IPs, load-balancer IPs, node IPs).
    pub virtual_servers: Vec<VirtualServer>,
    /// The ipsets, in `ipsetInfo` order.
    pub ipsets: Vec<IpSet>,
    /// Addresses bound to `kube-ipvs0`, in bind order.
    pub bound_addresses: Vec<Ipv4Addr>,
    /// The iptables rules.
    pub rules: Ruleset,
}

impl Ipvs {
    /// Programs the node from kube-proxy's view (`syncProxyRules`).
    pub fn new(state: &ProxyState) -> Ipvs {
        let config = state.config.clone();
        let mut sets = ipset::new_sets();
        let mut virtual_servers = Vec::new();
        let mut bound = Vec::new();
        let mut lb_no_node_access = Vec::new();
        // The node's addresses outside kube-ipvs0 (`GetAllLocalAddressesExcept`, loopback
        // excluded): the simulated node has one. With `nodePortAddresses` unset, node ports
        // listen on all of them.
        let node_ips = [config.node_ip];
        let add = |sets: &mut Vec<IpSet>, name: &str, entry: Entry| {
            if let Some(set) = sets.iter_mut().find(|s| s.name == name) {
                set.entries.insert(entry);
            }
        };
        let bind = |bound: &mut Vec<Ipv4Addr>, ip: Ipv4Addr| {
            if !bound.contains(&ip) {
                bound.push(ip);
            }
        };
        for svc in &state.services {
            let cat = state.categorize(svc);
            let proto = svc.protocol;
            let vs = |kind, address, port, only_local| {
                virtual_server(state, svc, &cat, kind, address, port, only_local)
            };
            // Hairpin: every local endpoint, ready or not.
            for ep in state.endpoints_of(svc).iter().filter(|e| e.is_local) {
                add(
                    &mut sets,
                    ipset::LOOP_BACK,
                    Entry::IpPortIp(ep.ip, proto, ep.port, ep.ip),
                );
            }
            add(
                &mut sets,
                ipset::CLUSTER_IP,
                Entry::IpPort(svc.cluster_ip, proto, svc.port),
            );
            virtual_servers.push(vs(
                VsKind::ClusterIp,
                svc.cluster_ip,
                svc.port,
                svc.internal_policy_local,
            ));
            bind(&mut bound, svc.cluster_ip);
            for ip in &svc.external_ips {
                let set = if svc.external_policy_local {
                    ipset::EXTERNAL_IP_LOCAL
                } else {
                    ipset::EXTERNAL_IP
                };
                add(&mut sets, set, Entry::IpPort(*ip, proto, svc.port));
                virtual_servers.push(vs(
                    VsKind::ExternalIp,
                    *ip,
                    svc.port,
                    svc.external_policy_local,
                ));
                // Not on the dummy device if another interface has it.
                if !node_ips.contains(ip) {
                    bind(&mut bound, *ip);
                }
            }
            for ip in &svc.load_balancer_ips {
                let entry = Entry::IpPort(*ip, proto, svc.port);
                add(&mut sets, ipset::LOAD_BALANCER, entry);
                if svc.external_policy_local {
                    add(&mut sets, ipset::LOAD_BALANCER_LOCAL, entry);
                }
                if !svc.load_balancer_source_ranges.is_empty() {
                    add(&mut sets, ipset::LOAD_BALANCER_FW, entry);
                    let mut allow_from_node = false;
                    for cidr in &svc.load_balancer_source_ranges {
                        add(
                            &mut sets,
                            ipset::LOAD_BALANCER_SOURCE_CIDR,
                            Entry::IpPortNet(*ip, proto, svc.port, *cidr),
                        );
                        allow_from_node |= cidr.contains(&config.node_ip);
                    }
                    if allow_from_node {
                        add(
                            &mut sets,
                            ipset::LOAD_BALANCER_SOURCE_IP,
                            Entry::IpPortIp(*ip, proto, svc.port, *ip),
                        );
                    } else {
                        lb_no_node_access.push((*ip, proto, svc.port));
                    }
                }
                virtual_servers.push(vs(
                    VsKind::LoadBalancer,
                    *ip,
                    svc.port,
                    svc.external_policy_local,
                ));
                if !node_ips.contains(ip) {
                    bind(&mut bound, *ip);
                }
            }
            if let Some(node_port) = svc.node_port {
                let (set, local_set) = match proto {
                    Protocol::Tcp => (ipset::NODE_PORT_TCP, ipset::NODE_PORT_LOCAL_TCP),
                    Protocol::Udp => (ipset::NODE_PORT_UDP, ipset::NODE_PORT_LOCAL_UDP),
                    Protocol::Sctp => (ipset::NODE_PORT_SCTP, ipset::NODE_PORT_LOCAL_SCTP),
                };
                // bitmap:port for TCP/UDP; SCTP needs hash:ip,port with every node IP.
                let entries: Vec<Entry> = if proto == Protocol::Sctp {
                    node_ips
                        .iter()
                        .map(|ip| Entry::IpPort(*ip, proto, node_port))
                        .collect()
                } else {
                    vec![Entry::Port(node_port)]
                };
                for e in &entries {
                    add(&mut sets, set, *e);
                    if svc.external_policy_local {
                        add(&mut sets, local_set, *e);
                    }
                }
                for ip in node_ips {
                    virtual_servers.push(vs(
                        VsKind::NodePort,
                        ip,
                        node_port,
                        svc.external_policy_local,
                    ));
                }
            }
            if let Some(hc) = svc.health_check_node_port {
                add(&mut sets, ipset::HEALTH_CHECK_NODE_PORT, Entry::Port(hc));
            }
        }
        for ip in &bound {
            add(&mut sets, ipset::IPVS_IPS, Entry::Ip(*ip));
        }
        let rules = write_rules(&config, &sets, &lb_no_node_access);
        Ipvs {
            config,
            virtual_servers,
            ipsets: sets,
            bound_addresses: bound,
            rules,
        }
    }

    /// One ipset by name.
    pub fn ipset(&self, name: &str) -> Option<&IpSet> {
        self.ipsets.iter().find(|s| s.name == name)
    }

    /// `ipvsadm -Ln` with the connection counts `runtime` holds (`ActiveConn`, or
    /// `InActConn` for UDP), including draining real servers that still carry connections.
    pub fn ipvsadm(&self, runtime: &ProxyRuntime) -> String {
        ipvsadm::render(&self.virtual_servers, Some(runtime))
    }

    /// `ipset list`: every set kube-proxy creates, with how many rules reference it.
    pub fn ipset_list(&self) -> String {
        let blocks: Vec<String> = self
            .ipsets
            .iter()
            .map(|set| {
                let refs = self
                    .rules
                    .rules
                    .iter()
                    .filter(|r| {
                        r.matches
                            .iter()
                            .any(|m| matches!(m, Match::Set { name, .. } if *name == set.name))
                    })
                    .count();
                set.list(refs)
            })
            .collect();
        blocks.join("\n")
    }

    /// `iptables-save` of kube-proxy's chains: the jumps it ensures from the built-in chains
    /// and the rules it restores, chain by chain, each chain in the order kube-proxy writes it.
    pub fn iptables_save(&self) -> String {
        self.rules.render()
    }

    /// `ip addr show kube-ipvs0`. The interface index and MAC differ per host; the MAC here
    /// is derived from the node name (locally administered, as the kernel's random one is).
    pub fn ip_addr(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.config.node_name.as_bytes());
        let mac: Vec<String> = digest
            .iter()
            .take(6)
            .enumerate()
            .map(|(i, b)| {
                let b = if i == 0 { (b & 0xfe) | 0x02 } else { *b };
                format!("{b:02x}")
            })
            .collect();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "3: {DUMMY_DEVICE}: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default "
        );
        let _ = writeln!(
            out,
            "    link/ether {} brd ff:ff:ff:ff:ff:ff",
            mac.join(":")
        );
        for ip in &self.bound_addresses {
            let _ = writeln!(out, "    inet {ip}/32 scope global {DUMMY_DEVICE}");
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
        out
    }

    fn env<'a>(&'a self, packet: &Packet) -> MatchEnv<'a> {
        // Pod traffic enters through the CNI bridge (`--physdev-is-in`); the simulation
        // takes any non-local source inside the cluster CIDR as bridged.
        let physdev_in = !packet.src_local
            && self
                .config
                .cluster_cidr
                .is_some_and(|c| c.contains(&packet.src_ip()));
        MatchEnv {
            sets: &self.ipsets,
            physdev_in,
            ipvs: None,
            node_ip: self.config.node_ip,
        }
    }

    /// The destinations a scheduler sees for a virtual server: the real servers plus the
    /// draining ones that still count connections, in list order (ascending).
    fn dests(&self, vs: &VirtualServer, runtime: &ProxyRuntime) -> Vec<Dest> {
        let mut dests: Vec<Dest> = ipvsadm::listed_dests(vs, Some(runtime))
            .into_iter()
            .map(|rs| Dest {
                addr: rs.address,
                port: rs.port,
                weight: rs.weight,
                last_weight: 1,
                conns: ipvsadm::connections(vs, &rs, Some(runtime)),
            })
            .collect();
        dests.sort_by_key(|d| (d.addr, d.port));
        dests
    }

    /// IPVS's hook: look the packet's destination up among the virtual servers and, when it
    /// is one, pick a real server (persistence template first) and rewrite the destination.
    fn ipvs_schedule(&self, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> IpvsOutcome {
        // ip_vs_service_find: one hash lookup.
        *ctx.evaluated += 1;
        let Some(vs) = self.virtual_servers.iter().find(|vs| {
            vs.protocol == packet.protocol
                && vs.address == packet.dst_ip()
                && vs.port == packet.dst.port()
        }) else {
            return IpvsOutcome::NotService;
        };
        let key = vs.key();
        let dests = self.dests(vs, ctx.runtime);
        let client = packet.src_ip();
        let mut chosen = None;
        if let Some(timeout) = vs.persistent() {
            // ip_vs_sched_persist: the connection template for this client, unless expired
            // or pointing at a quiesced (weight 0) server (`expire_quiescent_template`).
            *ctx.evaluated += 1;
            let timeout_ms = u64::from(timeout) * 1000;
            for (i, d) in dests.iter().enumerate() {
                let list = persistence_key(&key, d);
                let fresh = ctx
                    .runtime
                    .affinity
                    .get(&list)
                    .and_then(|m| m.get(&client))
                    .is_some_and(|last| ctx.now_ms.saturating_sub(*last) < timeout_ms);
                if fresh && d.weight > 0 {
                    chosen = Some(i);
                } else if let Some(m) = ctx.runtime.affinity.get_mut(&list) {
                    m.remove(&client);
                }
            }
        }
        if chosen.is_none() {
            let input = SchedInput {
                scheduler: vs.scheduler,
                key: &key,
                protocol: vs.protocol,
                mh_port: vs.mh_port(),
                packet,
                now_ms: ctx.now_ms,
            };
            chosen = scheduler::schedule(&input, &dests, ctx.runtime);
        }
        let Some(i) = chosen else {
            // ip_vs_leave: "no destination available", ICMP port unreachable to the client.
            ctx.hits.push(RuleHit {
                table: "ipvs".to_owned(),
                chain: vs.trace_name(),
                rule: "no destination available".to_owned(),
            });
            return IpvsOutcome::NoDestination;
        };
        let dest = &dests[i];
        if vs.persistent().is_some() {
            ctx.runtime
                .affinity
                .entry(persistence_key(&key, dest))
                .or_default()
                .insert(client, ctx.now_ms);
        }
        *ctx.runtime
            .active
            .entry(key.clone())
            .or_default()
            .entry(dest.endpoint())
            .or_default() += 1;
        ctx.hits.push(RuleHit {
            table: "ipvs".to_owned(),
            chain: vs.trace_name(),
            rule: format!("-> {} Masq {}", dest.endpoint(), dest.weight),
        });
        let vaddr = packet.dst;
        packet.dst = SocketAddrV4::new(dest.addr, dest.port);
        IpvsOutcome::Scheduled(vs.protocol, vaddr)
    }
}

/// What IPVS did with a packet.
enum IpvsOutcome {
    /// Not addressed to a virtual server.
    NotService,
    /// A virtual server without an available real server.
    NoDestination,
    /// Scheduled for the virtual service `(protocol, vaddr:vport)`.
    Scheduled(Protocol, SocketAddrV4),
}

/// The runtime list holding a virtual server's persistence templates for one real server.
pub fn persistence_key(vs_key: &str, dest: &Dest) -> String {
    format!("{vs_key} persistent -> {}", dest.endpoint())
}

/// One virtual server for a service port address (`syncService` + `syncEndpoint`).
fn virtual_server(
    state: &ProxyState,
    svc: &ServicePortInfo,
    cat: &Categorized<'_>,
    kind: VsKind,
    address: Ipv4Addr,
    port: u16,
    only_local: bool,
) -> VirtualServer {
    let scheduler = state.config.scheduler;
    let mut flags = 0;
    let mut timeout = 0;
    if let Some(t) = svc.sticky_seconds {
        flags |= FLAG_PERSISTENT;
        timeout = t;
    }
    if scheduler == Scheduler::Mh {
        flags |= FLAG_SOURCE_HASH;
    }
    // Local-only virtual servers with no local endpoint fall back to the cluster endpoints
    // (kubernetes#97081) so pods on this node can still reach the service.
    let local_in_use = only_local && !cat.local.is_empty();
    let in_use = if local_in_use {
        &cat.local
    } else {
        &cat.cluster
    };
    let mut real_servers: Vec<RealServer> = in_use
        .iter()
        .map(|ep| RealServer {
            address: ep.ip,
            port: ep.port,
            weight: 1,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    real_servers.sort_by_key(|rs| (rs.address, rs.port));
    // Graceful termination applies to TCP only (`IsRsGracefulTerminationNeeded`).
    let draining: Vec<RealServer> = if svc.protocol == Protocol::Tcp {
        state
            .endpoints_of(svc)
            .iter()
            .filter(|ep| ep.terminating && (!local_in_use || ep.is_local))
            .filter(|ep| {
                !real_servers
                    .iter()
                    .any(|rs| rs.address == ep.ip && rs.port == ep.port)
            })
            .map(|ep| RealServer {
                address: ep.ip,
                port: ep.port,
                weight: 0,
            })
            .collect()
    } else {
        Vec::new()
    };
    VirtualServer {
        service: svc.name.clone(),
        kind,
        protocol: svc.protocol,
        address,
        port,
        scheduler,
        flags,
        timeout,
        real_servers,
        draining,
    }
}

/// The iptables rules of one sync: `createAndLinkKubeChain` (jumps from the built-in chains,
/// each prepended, so the last one listed comes first) and `writeIptablesRules`.
fn write_rules(
    config: &ProxyConfig,
    sets: &[IpSet],
    lb_no_node_access: &[(Ipv4Addr, Protocol, u16)],
) -> Ruleset {
    use SetDir::{Dst, Src};
    let nonempty = |name: &str| sets.iter().any(|s| s.name == name && !s.is_empty());
    let comment = |name: &str| {
        sets.iter()
            .find(|s| s.name == name)
            .map(|s| s.comment.clone())
            .unwrap_or_default()
    };
    let nat = |chain: &str| RuleBuilder::new(Table::Nat, chain);
    let filter = |chain: &str| RuleBuilder::new(Table::Filter, chain);
    let mut rules = vec![
        nat("PREROUTING")
            .comment("kubernetes service portals")
            .jump(KUBE_SERVICES),
        nat("OUTPUT")
            .comment("kubernetes service portals")
            .jump(KUBE_SERVICES),
        nat("POSTROUTING")
            .comment("kubernetes postrouting rules")
            .jump(KUBE_POSTROUTING),
        filter("INPUT")
            .comment("kubernetes ipvs access filter")
            .jump(KUBE_IPVS_FILTER),
        filter("INPUT")
            .comment("kube-proxy firewall rules")
            .jump(KUBE_PROXY_FIREWALL),
        filter("INPUT")
            .comment("kubernetes health check rules")
            .jump(KUBE_NODE_PORT),
        filter("FORWARD")
            .comment("kube-proxy firewall rules")
            .jump(KUBE_PROXY_FIREWALL),
        filter("FORWARD")
            .comment("kubernetes forwarding rules")
            .jump(KUBE_FORWARD),
        filter("OUTPUT")
            .comment("kubernetes ipvs access filter")
            .jump(KUBE_IPVS_OUT_FILTER),
    ];
    let mut nat_rules = vec![
        nat(KUBE_SERVICES)
            .with(
                "-s 127.0.0.0/8",
                Match::Source {
                    net: ipnet::Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).unwrap_or_default(),
                    negate: false,
                },
            )
            .target("-j RETURN", Target::Return),
    ];
    let mut filter_rules = Vec::new();
    // ipsetWithIptablesChain: (set, table, from, to, match type, -p).
    type SetRule<'a> = (
        &'a str,
        Table,
        &'a str,
        &'a str,
        &'a [SetDir],
        Option<Protocol>,
    );
    let with_chain: [SetRule<'_>; 12] = [
        (
            ipset::LOOP_BACK,
            Table::Nat,
            KUBE_POSTROUTING,
            "MASQUERADE",
            &[Dst, Dst, Src],
            None,
        ),
        (
            ipset::LOAD_BALANCER,
            Table::Nat,
            KUBE_SERVICES,
            KUBE_LOAD_BALANCER,
            &[Dst, Dst],
            None,
        ),
        (
            ipset::LOAD_BALANCER_LOCAL,
            Table::Nat,
            KUBE_LOAD_BALANCER,
            "RETURN",
            &[Dst, Dst],
            None,
        ),
        (
            ipset::NODE_PORT_LOCAL_TCP,
            Table::Nat,
            KUBE_NODE_PORT,
            "RETURN",
            &[Dst],
            Some(Protocol::Tcp),
        ),
        (
            ipset::NODE_PORT_TCP,
            Table::Nat,
            KUBE_NODE_PORT,
            KUBE_MARK_MASQ,
            &[Dst],
            Some(Protocol::Tcp),
        ),
        (
            ipset::NODE_PORT_LOCAL_UDP,
            Table::Nat,
            KUBE_NODE_PORT,
            "RETURN",
            &[Dst],
            Some(Protocol::Udp),
        ),
        (
            ipset::NODE_PORT_UDP,
            Table::Nat,
            KUBE_NODE_PORT,
            KUBE_MARK_MASQ,
            &[Dst],
            Some(Protocol::Udp),
        ),
        (
            ipset::NODE_PORT_LOCAL_SCTP,
            Table::Nat,
            KUBE_NODE_PORT,
            "RETURN",
            &[Dst, Dst],
            Some(Protocol::Sctp),
        ),
        (
            ipset::NODE_PORT_SCTP,
            Table::Nat,
            KUBE_NODE_PORT,
            KUBE_MARK_MASQ,
            &[Dst, Dst],
            Some(Protocol::Sctp),
        ),
        (
            ipset::LOAD_BALANCER_FW,
            Table::Filter,
            KUBE_PROXY_FIREWALL,
            KUBE_SOURCE_RANGES_FIREWALL,
            &[Dst, Dst],
            None,
        ),
        (
            ipset::LOAD_BALANCER_SOURCE_CIDR,
            Table::Filter,
            KUBE_SOURCE_RANGES_FIREWALL,
            "RETURN",
            &[Dst, Dst, Src],
            None,
        ),
        (
            ipset::LOAD_BALANCER_SOURCE_IP,
            Table::Filter,
            KUBE_SOURCE_RANGES_FIREWALL,
            "RETURN",
            &[Dst, Dst, Src],
            None,
        ),
    ];
    for (name, table, from, to, dirs, proto) in with_chain {
        if !nonempty(name) {
            continue;
        }
        let mut b = RuleBuilder::new(table, from);
        if let Some(p) = proto {
            b = b.with(&format!("-p {}", p.lower()), Match::Protocol(p));
        }
        let b = b.comment(&comment(name)).set(name, dirs);
        let rule = match to {
            "MASQUERADE" => b.target("-j MASQUERADE", Target::Masquerade),
            "RETURN" => b.target("-j RETURN", Target::Return),
            chain => b.jump(chain),
        };
        match table {
            Table::Nat => nat_rules.push(rule),
            Table::Filter => filter_rules.push(rule),
        }
    }
    if nonempty(ipset::CLUSTER_IP) {
        let b = nat(KUBE_SERVICES).comment(&comment(ipset::CLUSTER_IP));
        nat_rules.push(match config.cluster_cidr {
            // The local-traffic detector: masquerade off-cluster traffic to a service IP.
            Some(cidr) => b
                .set(ipset::CLUSTER_IP, &[Dst, Dst])
                .with(
                    &format!("! -s {cidr}"),
                    Match::Source {
                        net: cidr,
                        negate: true,
                    },
                )
                .jump(KUBE_MARK_MASQ),
            // No detector: masquerade node traffic whose source is a service IP.
            None => b.set(ipset::CLUSTER_IP, &[Src, Dst]).jump(KUBE_MARK_MASQ),
        });
    }
    let external_ip_rules = |name: &str, rules: &mut Vec<netfilter::Rule>| {
        rules.push(
            nat(KUBE_SERVICES)
                .comment(&comment(name))
                .set(name, &[Dst, Dst])
                .with("-m physdev ! --physdev-is-in", Match::NotPhysdevIsIn)
                .with(
                    "-m addrtype ! --src-type LOCAL",
                    Match::SrcTypeLocal { negate: true },
                )
                .target("-j ACCEPT", Target::Accept),
        );
        rules.push(
            nat(KUBE_SERVICES)
                .comment(&comment(name))
                .set(name, &[Dst, Dst])
                .with(
                    "-m addrtype --dst-type LOCAL",
                    Match::DstTypeLocal { negate: false },
                )
                .target("-j ACCEPT", Target::Accept),
        );
    };
    if nonempty(ipset::EXTERNAL_IP) {
        nat_rules.push(
            nat(KUBE_SERVICES)
                .comment(&comment(ipset::EXTERNAL_IP))
                .set(ipset::EXTERNAL_IP, &[Dst, Dst])
                .jump(KUBE_MARK_MASQ),
        );
        external_ip_rules(ipset::EXTERNAL_IP, &mut nat_rules);
    }
    if nonempty(ipset::EXTERNAL_IP_LOCAL) {
        external_ip_rules(ipset::EXTERNAL_IP_LOCAL, &mut nat_rules);
    }
    nat_rules.push(
        nat(KUBE_SERVICES)
            .with(
                "-m addrtype --dst-type LOCAL",
                Match::DstTypeLocal { negate: false },
            )
            .jump(KUBE_NODE_PORT),
    );
    nat_rules.push(nat(KUBE_LOAD_BALANCER).jump(KUBE_MARK_MASQ));
    filter_rules.push(filter(KUBE_SOURCE_RANGES_FIREWALL).target("-j DROP", Target::Drop));
    // No LB access from the node itself unless a source range covers the node IP
    // (kubernetes#119656): the node reaches its own LB IP with the LB IP as source.
    for (ip, proto, port) in lb_no_node_access {
        filter_rules.push(
            filter(KUBE_IPVS_OUT_FILTER)
                .with(
                    &format!("-s {ip}"),
                    Match::Source {
                        net: ipnet::Ipv4Net::from(*ip),
                        negate: false,
                    },
                )
                .with(
                    &format!(
                        "-m ipvs --vaddr {ip} --vproto {} --vport {port}",
                        proto.lower()
                    ),
                    Match::Ipvs {
                        vaddr: *ip,
                        vproto: *proto,
                        vport: *port,
                    },
                )
                .target("-j DROP", Target::Drop),
        );
    }
    // acceptIPVSTraffic: stop nat processing for service traffic.
    for name in [ipset::CLUSTER_IP, ipset::LOAD_BALANCER] {
        if nonempty(name) {
            nat_rules.push(
                nat(KUBE_SERVICES)
                    .set(name, &[Dst, Dst])
                    .target("-j ACCEPT", Target::Accept),
            );
        }
    }
    filter_rules.push(
        filter(KUBE_FORWARD)
            .comment("kubernetes forwarding rules")
            .with(
                &format!("-m mark --mark {MASQ_MARK:#x}/{MASQ_MARK:#x}"),
                Match::Mark {
                    value: MASQ_MARK,
                    mask: MASQ_MARK,
                    negate: false,
                },
            )
            .target("-j ACCEPT", Target::Accept),
    );
    filter_rules.push(
        filter(KUBE_FORWARD)
            .comment("kubernetes forwarding conntrack rule")
            .with(
                "-m conntrack --ctstate RELATED,ESTABLISHED",
                Match::CtStateEstablished,
            )
            .target("-j ACCEPT", Target::Accept),
    );
    filter_rules.push(
        filter(KUBE_NODE_PORT)
            .comment(&comment(ipset::HEALTH_CHECK_NODE_PORT))
            .set(ipset::HEALTH_CHECK_NODE_PORT, &[Dst])
            .target("-j ACCEPT", Target::Accept),
    );
    // KUBE-IPVS-FILTER: service addresses answer only on service ports (kubernetes#72236).
    for (name, dirs) in [
        (ipset::LOAD_BALANCER, &[Dst, Dst][..]),
        (ipset::CLUSTER_IP, &[Dst, Dst][..]),
        (ipset::EXTERNAL_IP, &[Dst, Dst][..]),
        (ipset::EXTERNAL_IP_LOCAL, &[Dst, Dst][..]),
        (ipset::HEALTH_CHECK_NODE_PORT, &[Dst][..]),
    ] {
        filter_rules.push(
            filter(KUBE_IPVS_FILTER)
                .set(name, dirs)
                .target("-j RETURN", Target::Return),
        );
    }
    filter_rules.push(
        filter(KUBE_IPVS_FILTER)
            .with("-m conntrack --ctstate NEW", Match::CtStateNew)
            .set(ipset::IPVS_IPS, &[Dst])
            .target("-j REJECT", Target::Reject),
    );
    nat_rules.push(
        nat(KUBE_POSTROUTING)
            .with(
                &format!("-m mark ! --mark {MASQ_MARK:#x}/{MASQ_MARK:#x}"),
                Match::Mark {
                    value: MASQ_MARK,
                    mask: MASQ_MARK,
                    negate: true,
                },
            )
            .target("-j RETURN", Target::Return),
    );
    nat_rules.push(nat(KUBE_POSTROUTING).target(
        &format!("-j MARK --xor-mark {MASQ_MARK:#x}"),
        Target::MarkXor(MASQ_MARK),
    ));
    nat_rules.push(
        nat(KUBE_POSTROUTING)
            .comment("kubernetes service traffic requiring SNAT")
            .target("-j MASQUERADE --random-fully", Target::Masquerade),
    );
    nat_rules.push(nat(KUBE_MARK_MASQ).target(
        &format!("-j MARK --or-mark {MASQ_MARK:#x}"),
        Target::MarkOr(MASQ_MARK),
    ));
    rules.extend(nat_rules);
    rules.extend(filter_rules);
    Ruleset {
        nat_chains: [
            KUBE_SERVICES,
            KUBE_POSTROUTING,
            KUBE_NODE_PORT,
            KUBE_LOAD_BALANCER,
            KUBE_MARK_MASQ,
        ]
        .map(str::to_owned)
        .to_vec(),
        filter_chains: [
            KUBE_FORWARD,
            KUBE_NODE_PORT,
            KUBE_PROXY_FIREWALL,
            KUBE_SOURCE_RANGES_FIREWALL,
            KUBE_IPVS_FILTER,
            KUBE_IPVS_OUT_FILTER,
        ]
        .map(str::to_owned)
        .to_vec(),
        rules,
    }
}

fn verdict(outcome: Outcome) -> Option<Verdict> {
    match outcome {
        Outcome::Accept => None,
        Outcome::Drop => Some(Verdict::Drop),
        Outcome::Reject => Some(Verdict::Reject),
    }
}

impl Dataplane for Ipvs {
    /// `ipvsadm -Ln`, `ipset list`, `iptables-save` and `ip addr show kube-ipvs0`, each under
    /// a `# <command>` line.
    fn render(&self) -> String {
        format!(
            "# ipvsadm -Ln\n{}\n# ipset list\n{}\n# iptables-save\n{}\n# ip addr show {DUMMY_DEVICE}\n{}",
            ipvsadm::render(&self.virtual_servers, None),
            self.ipset_list(),
            self.iptables_save(),
            self.ip_addr()
        )
    }

    /// iptables rules plus virtual servers plus real servers.
    fn rule_count(&self) -> usize {
        self.rules.rules.len()
            + self.virtual_servers.len()
            + self
                .virtual_servers
                .iter()
                .map(|vs| vs.real_servers.len())
                .sum::<usize>()
    }

    /// `PREROUTING` (nat), `INPUT` (filter, then IPVS `LOCAL_IN`), `FORWARD` (filter),
    /// `OUTPUT` (nat, IPVS `LOCAL_OUT` for locally generated connections, filter) and
    /// `POSTROUTING` (nat). After IPVS schedules a remote packet at `INPUT` it leaves through
    /// `LOCAL_OUT`, so this hook also walks filter `OUTPUT` (`KUBE-IPVS-OUT-FILTER`); the
    /// router continues with `POSTROUTING`.
    fn hook(&self, hook: Hook, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> Verdict {
        let mut env = self.env(packet);
        match hook {
            Hook::Prerouting => {
                verdict(self.rules.walk(Table::Nat, "PREROUTING", packet, &env, ctx))
                    .unwrap_or(Verdict::Accept)
            }
            Hook::Postrouting => {
                verdict(
                    self.rules
                        .walk(Table::Nat, "POSTROUTING", packet, &env, ctx),
                )
                .unwrap_or(Verdict::Accept)
            }
            Hook::Forward => verdict(self.rules.walk(Table::Filter, "FORWARD", packet, &env, ctx))
                .unwrap_or(Verdict::Accept),
            Hook::Input | Hook::Output => {
                if hook == Hook::Output {
                    if let Some(v) =
                        verdict(self.rules.walk(Table::Nat, "OUTPUT", packet, &env, ctx))
                    {
                        return v;
                    }
                } else if let Some(v) =
                    verdict(self.rules.walk(Table::Filter, "INPUT", packet, &env, ctx))
                {
                    return v;
                }
                match self.ipvs_schedule(packet, ctx) {
                    IpvsOutcome::NoDestination => return Verdict::Reject,
                    IpvsOutcome::Scheduled(proto, vaddr) => env.ipvs = Some((proto, vaddr)),
                    IpvsOutcome::NotService => {
                        if hook == Hook::Input {
                            return Verdict::Accept;
                        }
                    }
                }
                verdict(self.rules.walk(Table::Filter, "OUTPUT", packet, &env, ctx))
                    .unwrap_or(Verdict::Accept)
            }
        }
    }

    /// Every address bound to `kube-ipvs0`: the router delivers packets for them to `INPUT`.
    fn local_addresses(&self) -> Vec<Ipv4Addr> {
        self.bound_addresses.clone()
    }
}

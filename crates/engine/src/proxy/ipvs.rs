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
pub mod iptables;
pub mod ipvsadm;
pub mod maglev;
pub mod netfilter;
pub mod scheduler;
pub mod virtual_server;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use self::ipset::{Entry, IpSet};
use self::netfilter::{Match, MatchEnv, Outcome, Ruleset, Table};
use self::scheduler::{Dest, SchedInput};
use self::virtual_server::{VirtualServer, VsKind};
use super::{
    Dataplane, Hook, HookCtx, Protocol, ProxyConfig, ProxyRuntime, ProxyState, RuleHit, Verdict,
};
use crate::net::packet::Packet;

/// The dummy interface service addresses are bound to (`defaultDummyDevice`).
pub const DUMMY_DEVICE: &str = "kube-ipvs0";

/// kube-proxy's masquerade mark (`--masquerade-bit` 14).
pub const MASQ_MARK: u32 = 0x4000;

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
                virtual_server::build(state, svc, &cat, kind, address, port, only_local)
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
        let rules = iptables::write_rules(&config, &sets, &lb_no_node_access);
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

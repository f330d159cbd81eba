//! The iptables rules IPVS mode installs (`createAndLinkKubeChain`, `writeIptablesRules`,
//! `acceptIPVSTraffic` in `pkg/proxy/ipvs/proxier.go`): a fixed set of rules whose matches are
//! the ipsets, so their number does not grow with the number of Services.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::MASQ_MARK;
use super::ipset::{self, IpSet, SetDir};
use super::netfilter::{self, Match, RuleBuilder, Ruleset, Table, Target};
use crate::proxy::{Protocol, ProxyConfig};

/// `KUBE-SERVICES` (nat): entry from PREROUTING and OUTPUT.
pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
/// `KUBE-POSTROUTING` (nat): masquerade.
pub const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
/// `KUBE-NODE-PORT` (nat: node-port marks; filter: health-check ports).
pub const KUBE_NODE_PORT: &str = "KUBE-NODE-PORT";
/// `KUBE-LOAD-BALANCER` (nat).
pub const KUBE_LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
/// `KUBE-MARK-MASQ` (nat).
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
/// `KUBE-FORWARD` (filter).
pub const KUBE_FORWARD: &str = "KUBE-FORWARD";
/// `KUBE-PROXY-FIREWALL` (filter): load balancers with source ranges.
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
/// `KUBE-SOURCE-RANGES-FIREWALL` (filter).
pub const KUBE_SOURCE_RANGES_FIREWALL: &str = "KUBE-SOURCE-RANGES-FIREWALL";
/// `KUBE-IPVS-FILTER` (filter INPUT): service addresses only on service ports.
pub const KUBE_IPVS_FILTER: &str = "KUBE-IPVS-FILTER";
/// `KUBE-IPVS-OUT-FILTER` (filter OUTPUT): no LB access from the node.
pub const KUBE_IPVS_OUT_FILTER: &str = "KUBE-IPVS-OUT-FILTER";

/// The iptables rules of one sync: `createAndLinkKubeChain` (jumps from the built-in chains,
/// each prepended, so the last one listed comes first) and `writeIptablesRules`.
pub fn write_rules(
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
                    net: Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).unwrap_or_default(),
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
    #[rustfmt::skip]
    let with_chain: [SetRule<'_>; 12] = [
        (ipset::LOOP_BACK, Table::Nat, KUBE_POSTROUTING, "MASQUERADE", &[Dst, Dst, Src], None),
        (ipset::LOAD_BALANCER, Table::Nat, KUBE_SERVICES, KUBE_LOAD_BALANCER, &[Dst, Dst], None),
        (ipset::LOAD_BALANCER_LOCAL, Table::Nat, KUBE_LOAD_BALANCER, "RETURN", &[Dst, Dst], None),
        (ipset::NODE_PORT_LOCAL_TCP, Table::Nat, KUBE_NODE_PORT, "RETURN", &[Dst], Some(Protocol::Tcp)),
        (ipset::NODE_PORT_TCP, Table::Nat, KUBE_NODE_PORT, KUBE_MARK_MASQ, &[Dst], Some(Protocol::Tcp)),
        (ipset::NODE_PORT_LOCAL_UDP, Table::Nat, KUBE_NODE_PORT, "RETURN", &[Dst], Some(Protocol::Udp)),
        (ipset::NODE_PORT_UDP, Table::Nat, KUBE_NODE_PORT, KUBE_MARK_MASQ, &[Dst], Some(Protocol::Udp)),
        (ipset::NODE_PORT_LOCAL_SCTP, Table::Nat, KUBE_NODE_PORT, "RETURN", &[Dst, Dst], Some(Protocol::Sctp)),
        (ipset::NODE_PORT_SCTP, Table::Nat, KUBE_NODE_PORT, KUBE_MARK_MASQ, &[Dst, Dst], Some(Protocol::Sctp)),
        (ipset::LOAD_BALANCER_FW, Table::Filter, KUBE_PROXY_FIREWALL, KUBE_SOURCE_RANGES_FIREWALL, &[Dst, Dst], None),
        (ipset::LOAD_BALANCER_SOURCE_CIDR, Table::Filter, KUBE_SOURCE_RANGES_FIREWALL, "RETURN", &[Dst, Dst, Src], None),
        (ipset::LOAD_BALANCER_SOURCE_IP, Table::Filter, KUBE_SOURCE_RANGES_FIREWALL, "RETURN", &[Dst, Dst, Src], None),
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
                        net: Ipv4Net::from(*ip),
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

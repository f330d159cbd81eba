//! What `syncProxyRules` writes on a full sync (`pkg/proxy/nftables/proxier.go`, v1.33):
//! `setupNFTables` (table, base chains, jump rules, the fixed sets and maps, flushing them)
//! followed by every service port's chains, rules and map elements.
//!
//! The expected output this follows is upstream's `pkg/proxy/nftables/proxier_test.go`
//! (`baseRules`, `TestOverallNFTablesRules`, `TestSyncProxyRulesRepeated`). kube-proxy walks
//! its service map in Go's random map order; here service ports are in name order.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use super::table::{
    AddrField, AddrMatch, BaseChain, ChainType, ElemKey, Element, Expr, LookupKey, Prefix, Rule,
    Set, Table, Verdict,
};
use crate::proxy::{EndpointInfo, Hook, ProxyState, ServicePortInfo, hash_name};

/// `masqueradeBit` 14.
pub const MASQUERADE_MARK: u32 = 0x4000;

// Base chains (`nftablesBaseChains`).
/// Filter before DNAT at prerouting (`dstnat - 10`): LoadBalancerSourceRanges.
pub const FILTER_PREROUTING_PRE_DNAT: &str = "filter-prerouting-pre-dnat";
/// Filter before DNAT at output.
pub const FILTER_OUTPUT_PRE_DNAT: &str = "filter-output-pre-dnat";
/// Filter at input (priority `filter`).
pub const FILTER_INPUT: &str = "filter-input";
/// Filter at forward.
pub const FILTER_FORWARD: &str = "filter-forward";
/// Filter at output.
pub const FILTER_OUTPUT: &str = "filter-output";
/// DNAT at prerouting.
pub const NAT_PREROUTING: &str = "nat-prerouting";
/// DNAT at output.
pub const NAT_OUTPUT: &str = "nat-output";
/// SNAT at postrouting.
pub const NAT_POSTROUTING: &str = "nat-postrouting";

// Regular chains, sets and maps.
/// Service dispatch.
pub const SERVICES: &str = "services";
/// `ClusterIP, ExternalIP and LoadBalancer IP traffic`.
pub const SERVICE_IPS: &str = "service-ips";
/// `NodePort traffic`.
pub const SERVICE_NODEPORTS: &str = "service-nodeports";
/// `IPs that accept NodePort traffic`.
pub const NODEPORT_IPS: &str = "nodeport-ips";
/// `Active ClusterIPs`.
pub const CLUSTER_IPS: &str = "cluster-ips";
/// Drop or reject traffic to service IPs with no endpoints.
pub const SERVICE_ENDPOINTS_CHECK: &str = "service-endpoints-check";
/// Drop or reject traffic to node ports with no endpoints.
pub const NODEPORT_ENDPOINTS_CHECK: &str = "nodeport-endpoints-check";
/// The no-endpoint verdicts for service IPs.
pub const NO_ENDPOINT_SERVICES: &str = "no-endpoint-services";
/// The no-endpoint verdicts for node ports.
pub const NO_ENDPOINT_NODEPORTS: &str = "no-endpoint-nodeports";
/// `reject`.
pub const REJECT_CHAIN: &str = "reject-chain";
/// Wrong port of a cluster IP ⇒ reject; unallocated cluster IP ⇒ drop.
pub const CLUSTER_IPS_CHECK: &str = "cluster-ips-check";
/// LoadBalancerSourceRanges destinations.
pub const FIREWALL_IPS: &str = "firewall-ips";
/// LoadBalancerSourceRanges dispatch.
pub const FIREWALL_CHECK: &str = "firewall-check";
/// Sets the masquerade bit.
pub const MARK_FOR_MASQUERADE: &str = "mark-for-masquerade";
/// Masquerades marked packets.
pub const MASQUERADING: &str = "masquerading";

const IPV4_ADDR: &str = "ipv4_addr";
const ADDR_PROTO_PORT: &str = "ipv4_addr . inet_proto . inet_service";
const PROTO_PORT: &str = "inet_proto . inet_service";

/// The base chains in `nftablesBaseChains` order.
pub const BASE_CHAINS: [(&str, ChainType, Hook, i32); 8] = [
    (
        FILTER_PREROUTING_PRE_DNAT,
        ChainType::Filter,
        Hook::Prerouting,
        -110,
    ),
    (
        FILTER_OUTPUT_PRE_DNAT,
        ChainType::Filter,
        Hook::Output,
        -110,
    ),
    (FILTER_INPUT, ChainType::Filter, Hook::Input, 0),
    (FILTER_FORWARD, ChainType::Filter, Hook::Forward, 0),
    (FILTER_OUTPUT, ChainType::Filter, Hook::Output, 0),
    (NAT_PREROUTING, ChainType::Nat, Hook::Prerouting, -100),
    (NAT_OUTPUT, ChainType::Nat, Hook::Output, -100),
    (NAT_POSTROUTING, ChainType::Nat, Hook::Postrouting, 100),
];

/// `nftablesJumpChains`: (target, from, `ct state new`?).
const JUMP_CHAINS: [(&str, &str, bool); 11] = [
    (NODEPORT_ENDPOINTS_CHECK, FILTER_INPUT, true),
    (SERVICE_ENDPOINTS_CHECK, FILTER_INPUT, true),
    (SERVICE_ENDPOINTS_CHECK, FILTER_FORWARD, true),
    (SERVICE_ENDPOINTS_CHECK, FILTER_OUTPUT, true),
    (FIREWALL_CHECK, FILTER_PREROUTING_PRE_DNAT, true),
    (FIREWALL_CHECK, FILTER_OUTPUT_PRE_DNAT, true),
    (SERVICES, NAT_OUTPUT, false),
    (SERVICES, NAT_PREROUTING, false),
    (MASQUERADING, NAT_POSTROUTING, false),
    (CLUSTER_IPS_CHECK, FILTER_FORWARD, true),
    (CLUSTER_IPS_CHECK, FILTER_OUTPUT, true),
];

/// `hashAndTruncate`: `<H8>-<name>`, cut to 240 characters with `...` if longer.
fn hash_and_truncate(name: &str) -> String {
    const MAX: usize = 256 - 16;
    let mut out = hash_name(name, 8);
    out.push('-');
    out.push_str(name);
    if out.len() > MAX {
        let mut cut = MAX - 3;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

/// `servicePortChainNameBase`: `<H8>-<ns>/<svc>/<proto>/<port>`.
pub fn service_chain_base(svc: &ServicePortInfo) -> String {
    hash_and_truncate(&format!(
        "{}/{}/{}/{}",
        svc.name.namespace,
        svc.name.name,
        svc.protocol.lower(),
        svc.name.port
    ))
}

/// `servicePortEndpointChainNameBase`: `<H8>-<ns>/<svc>/<proto>/<port>__<ip>/<port>`.
pub fn endpoint_chain_base(svc: &ServicePortInfo, ep: &EndpointInfo) -> String {
    hash_and_truncate(&format!(
        "{}/{}/{}/{}__{}/{}",
        svc.name.namespace,
        svc.name.name,
        svc.protocol.lower(),
        svc.name.port,
        ep.ip,
        ep.port
    ))
}

fn ip(field: AddrField, negate: bool, value: AddrMatch) -> Expr {
    Expr::Ip {
        field,
        negate,
        value,
    }
}

fn jump(chain: &str) -> Expr {
    Expr::Verdict(Verdict::Jump(chain.to_owned()))
}

fn goto(chain: &str) -> Expr {
    Expr::Verdict(Verdict::Goto(chain.to_owned()))
}

fn plain_set(name: &str, key_type: &str, comment: &str, is_map: bool) -> Set {
    Set {
        name: name.to_owned(),
        is_map,
        key_type: key_type.to_owned(),
        dynamic_timeout: false,
        timeout_seconds: None,
        comment: Some(comment.to_owned()),
        elements: Vec::new(),
    }
}

/// Builds the table and its full-sync transaction.
pub fn build(state: &ProxyState, mark_text: &str) -> Table {
    let mut tx = Table::new(mark_text);
    setup(state, &mut tx);
    for svc in &state.services {
        sync_service(state, svc, &mut tx);
    }
    tx
}

/// `ensureChain`: add and flush a chain once per transaction.
fn ensure_chain(tx: &mut Table, name: &str) {
    if tx.chain_position(name).is_some() {
        return;
    }
    tx.add_chain(name, None, None);
    tx.flush_chain(name);
}

/// `setupNFTables`.
fn setup(state: &ProxyState, tx: &mut Table) {
    let cfg = &state.config;
    for (name, chain_type, hook, priority) in BASE_CHAINS {
        let base = BaseChain {
            chain_type,
            hook,
            priority,
        };
        tx.add_chain(name, Some(base), None);
        tx.flush_chain(name);
    }
    for (target, from, ct_new) in JUMP_CHAINS {
        ensure_chain(tx, target);
        let mut exprs = Vec::new();
        if ct_new {
            exprs.push(Expr::CtStateNew);
        }
        exprs.push(jump(target));
        tx.add_rule(from, Rule::new(exprs));
    }
    for chain in [
        SERVICES,
        CLUSTER_IPS_CHECK,
        MASQUERADING,
        MARK_FOR_MASQUERADE,
    ] {
        ensure_chain(tx, chain);
    }

    tx.add_rule(
        MARK_FOR_MASQUERADE,
        Rule::new(vec![Expr::MarkOr(MASQUERADE_MARK)]),
    );
    tx.add_rule(
        MASQUERADING,
        Rule::new(vec![
            Expr::MarkAndZero(MASQUERADE_MARK),
            Expr::Verdict(Verdict::Return),
        ]),
    );
    tx.add_rule(
        MASQUERADING,
        Rule::new(vec![Expr::MarkXor(MASQUERADE_MARK)]),
    );
    tx.add_rule(MASQUERADING, Rule::new(vec![Expr::MasqueradeFullyRandom]));

    tx.add_set(plain_set(
        CLUSTER_IPS,
        IPV4_ADDR,
        "Active ClusterIPs",
        false,
    ));
    tx.add_rule(
        CLUSTER_IPS_CHECK,
        Rule::commented(
            vec![
                ip(AddrField::Daddr, false, AddrMatch::Set(CLUSTER_IPS.into())),
                Expr::Reject,
            ],
            "Reject traffic to invalid ports of ClusterIPs",
        ),
    );
    tx.add_rule(
        CLUSTER_IPS_CHECK,
        Rule::commented(
            vec![
                ip(
                    AddrField::Daddr,
                    false,
                    AddrMatch::Anon(vec![Prefix::Net(cfg.service_cidr)]),
                ),
                Expr::Verdict(Verdict::Drop),
            ],
            "Drop traffic to unallocated ClusterIPs",
        ),
    );

    // `--nodeport-addresses primary`: the node's primary IP.
    tx.add_set(plain_set(
        NODEPORT_IPS,
        IPV4_ADDR,
        "IPs that accept NodePort traffic",
        false,
    ));
    tx.flush_set(NODEPORT_IPS);
    if !cfg.node_ip.is_loopback() {
        tx.add_element(
            NODEPORT_IPS,
            Element {
                key: ElemKey::Addr(cfg.node_ip),
                comment: None,
                verdict: None,
            },
        );
    }

    tx.add_set(plain_set(
        NO_ENDPOINT_SERVICES,
        ADDR_PROTO_PORT,
        "vmap to drop or reject packets to services with no endpoints",
        true,
    ));
    tx.add_set(plain_set(
        NO_ENDPOINT_NODEPORTS,
        PROTO_PORT,
        "vmap to drop or reject packets to service nodeports with no endpoints",
        true,
    ));
    tx.add_chain(
        REJECT_CHAIN,
        None,
        Some("helper for @no-endpoint-services / @no-endpoint-nodeports"),
    );
    tx.flush_chain(REJECT_CHAIN);
    tx.add_rule(REJECT_CHAIN, Rule::new(vec![Expr::Reject]));
    tx.add_rule(
        SERVICE_ENDPOINTS_CHECK,
        Rule::new(vec![Expr::Vmap {
            key: LookupKey::DaddrProtoPort,
            map: NO_ENDPOINT_SERVICES.into(),
        }]),
    );
    tx.add_rule(
        NODEPORT_ENDPOINTS_CHECK,
        Rule::new(vec![
            ip(AddrField::Daddr, false, AddrMatch::Set(NODEPORT_IPS.into())),
            Expr::Vmap {
                key: LookupKey::ProtoPort,
                map: NO_ENDPOINT_NODEPORTS.into(),
            },
        ]),
    );

    tx.add_set(plain_set(
        FIREWALL_IPS,
        ADDR_PROTO_PORT,
        "destinations that are subject to LoadBalancerSourceRanges",
        true,
    ));
    ensure_chain(tx, FIREWALL_CHECK);
    tx.add_rule(
        FIREWALL_CHECK,
        Rule::new(vec![Expr::Vmap {
            key: LookupKey::DaddrProtoPort,
            map: FIREWALL_IPS.into(),
        }]),
    );

    tx.add_set(plain_set(
        SERVICE_IPS,
        ADDR_PROTO_PORT,
        "ClusterIP, ExternalIP and LoadBalancer IP traffic",
        true,
    ));
    tx.add_set(plain_set(
        SERVICE_NODEPORTS,
        PROTO_PORT,
        "NodePort traffic",
        true,
    ));
    tx.add_rule(
        SERVICES,
        Rule::new(vec![Expr::Vmap {
            key: LookupKey::DaddrProtoPort,
            map: SERVICE_IPS.into(),
        }]),
    );
    tx.add_rule(
        SERVICES,
        Rule::new(vec![
            ip(AddrField::Daddr, false, AddrMatch::Set(NODEPORT_IPS.into())),
            Expr::Vmap {
                key: LookupKey::ProtoPort,
                map: SERVICE_NODEPORTS.into(),
            },
        ]),
    );

    // `nftElementStorage.reset`.
    for set in [
        CLUSTER_IPS,
        SERVICE_IPS,
        FIREWALL_IPS,
        NO_ENDPOINT_SERVICES,
        NO_ENDPOINT_NODEPORTS,
        SERVICE_NODEPORTS,
    ] {
        tx.flush_set(set);
    }
}

fn element(key: ElemKey, verdict: Verdict, comment: Option<&str>) -> Element {
    Element {
        key,
        comment: comment.map(str::to_owned),
        verdict: Some(verdict),
    }
}

/// The per-service-port part of `syncProxyRules`.
fn sync_service(state: &ProxyState, svc: &ServicePortInfo, tx: &mut Table) {
    let proto = svc.protocol;
    let name = svc.name.to_string();
    let base = service_chain_base(svc);
    let cat = state.categorize(svc);
    let affinity = svc.sticky_seconds;
    let pod_cidr: Option<Ipv4Net> = state.config.cluster_cidr;

    let ep_names: Vec<(String, String)> = cat
        .all_reachable
        .iter()
        .map(|ep| {
            let b = endpoint_chain_base(svc, ep);
            (format!("endpoint-{b}"), format!("affinity-{b}"))
        })
        .collect();
    // The names by endpoint, for the policy chains (subsets of `all_reachable`).
    let by_endpoint: BTreeMap<(Ipv4Addr, u16), &(String, String)> = cat
        .all_reachable
        .iter()
        .zip(&ep_names)
        .map(|(ep, names)| ((ep.ip, ep.port), names))
        .collect();
    let names_of = |ep: &EndpointInfo| -> (String, String) {
        match by_endpoint.get(&(ep.ip, ep.port)) {
            Some(&names) => names.clone(),
            None => {
                let b = endpoint_chain_base(svc, ep);
                (format!("endpoint-{b}"), format!("affinity-{b}"))
            }
        }
    };
    for (chain, _) in &ep_names {
        ensure_chain(tx, chain);
    }

    let cluster_chain = format!("service-{base}");
    let uses_cluster_chain = !cat.cluster.is_empty() && svc.uses_cluster_endpoints();
    if uses_cluster_chain {
        ensure_chain(tx, &cluster_chain);
    }
    let local_chain = format!("local-{base}");
    let uses_local_chain = !cat.local.is_empty() && svc.uses_local_endpoints();
    if uses_local_chain {
        ensure_chain(tx, &local_chain);
    }

    let has_endpoints = cat.has_any;
    let (mut internal_chain, mut has_internal) = (&cluster_chain, has_endpoints);
    if svc.internal_policy_local {
        internal_chain = &local_chain;
        if cat.local.is_empty() {
            has_internal = false;
        }
    }
    let (mut external_policy_chain, mut has_external) = (&cluster_chain, has_endpoints);
    if svc.external_policy_local {
        external_policy_chain = &local_chain;
        if cat.local.is_empty() {
            has_external = false;
        }
    }
    let external_chain = format!("external-{base}");
    let uses_external_chain = has_endpoints && svc.externally_accessible();
    if uses_external_chain {
        ensure_chain(tx, &external_chain);
    }

    let reject = Verdict::Goto(REJECT_CHAIN.to_owned());
    let (internal_verdict, external_verdict) = if !has_endpoints {
        (reject.clone(), reject)
    } else {
        (Verdict::Drop, Verdict::Drop)
    };

    let key = |addr| ElemKey::AddrProtoPort(addr, proto, svc.port);
    tx.add_element(
        CLUSTER_IPS,
        Element {
            key: ElemKey::Addr(svc.cluster_ip),
            comment: None,
            verdict: None,
        },
    );
    if has_internal {
        tx.add_element(
            SERVICE_IPS,
            element(
                key(svc.cluster_ip),
                Verdict::Goto(internal_chain.clone()),
                None,
            ),
        );
    } else {
        tx.add_element(
            NO_ENDPOINT_SERVICES,
            element(key(svc.cluster_ip), internal_verdict, Some(&name)),
        );
    }

    for &external_ip in &svc.external_ips {
        if has_endpoints {
            tx.add_element(
                SERVICE_IPS,
                element(
                    key(external_ip),
                    Verdict::Goto(external_chain.clone()),
                    None,
                ),
            );
        }
        if !has_external {
            tx.add_element(
                NO_ENDPOINT_SERVICES,
                element(key(external_ip), external_verdict.clone(), Some(&name)),
            );
        }
    }

    let uses_fw_chain =
        !svc.load_balancer_ips.is_empty() && !svc.load_balancer_source_ranges.is_empty();
    let fw_chain = format!("firewall-{base}");
    if uses_fw_chain {
        ensure_chain(tx, &fw_chain);
    }
    for &lb_ip in &svc.load_balancer_ips {
        if has_endpoints {
            tx.add_element(
                SERVICE_IPS,
                element(key(lb_ip), Verdict::Goto(external_chain.clone()), None),
            );
        }
        if uses_fw_chain {
            tx.add_element(
                FIREWALL_IPS,
                element(key(lb_ip), Verdict::Goto(fw_chain.clone()), None),
            );
        }
    }
    if !has_external {
        for &lb_ip in &svc.load_balancer_ips {
            tx.add_element(
                NO_ENDPOINT_SERVICES,
                element(key(lb_ip), external_verdict.clone(), Some(&name)),
            );
        }
    }

    if let Some(node_port) = svc.node_port {
        let np_key = ElemKey::ProtoPort(proto, node_port);
        if has_endpoints {
            tx.add_element(
                SERVICE_NODEPORTS,
                element(np_key, Verdict::Goto(external_chain.clone()), None),
            );
        }
        if !has_external {
            tx.add_element(
                NO_ENDPOINT_NODEPORTS,
                element(np_key, external_verdict.clone(), Some(&name)),
            );
        }
    }

    // Internal traffic: masquerade off-cluster sources (`localDetector.IfNotLocalNFT`).
    if has_internal && let Some(cidr) = pod_cidr {
        tx.add_rule(
            internal_chain,
            Rule::new(vec![
                ip(AddrField::Daddr, false, AddrMatch::Addr(svc.cluster_ip)),
                ip(AddrField::Saddr, true, AddrMatch::Net(cidr)),
                jump(MARK_FOR_MASQUERADE),
            ]),
        );
    }

    if uses_external_chain {
        if !svc.external_policy_local {
            tx.add_rule(&external_chain, Rule::new(vec![jump(MARK_FOR_MASQUERADE)]));
        } else {
            if let Some(cidr) = pod_cidr {
                tx.add_rule(
                    &external_chain,
                    Rule::commented(
                        vec![
                            ip(AddrField::Saddr, false, AddrMatch::Net(cidr)),
                            goto(&cluster_chain),
                        ],
                        "short-circuit pod traffic",
                    ),
                );
            }
            tx.add_rule(
                &external_chain,
                Rule::commented(
                    vec![Expr::FibLocal(AddrField::Saddr), jump(MARK_FOR_MASQUERADE)],
                    "masquerade local traffic",
                ),
            );
            tx.add_rule(
                &external_chain,
                Rule::commented(
                    vec![Expr::FibLocal(AddrField::Saddr), goto(&cluster_chain)],
                    "short-circuit local traffic",
                ),
            );
        }
        if has_external {
            tx.add_rule(
                &external_chain,
                Rule::new(vec![goto(external_policy_chain)]),
            );
        }
    }

    if uses_fw_chain {
        let mut sources: Vec<Prefix> = svc
            .load_balancer_source_ranges
            .iter()
            .map(|n| Prefix::Net(*n))
            .collect();
        let allow_from_node = svc
            .load_balancer_source_ranges
            .iter()
            .any(|n| n.contains(&state.config.node_ip));
        if allow_from_node {
            sources.extend(svc.load_balancer_ips.iter().map(|ip| Prefix::Host(*ip)));
        }
        tx.add_rule(
            &fw_chain,
            Rule::new(vec![
                ip(AddrField::Saddr, true, AddrMatch::Anon(sources)),
                Expr::Verdict(Verdict::Drop),
            ]),
        );
    }

    if let Some(timeout) = affinity {
        for (_, set) in &ep_names {
            tx.add_set(Set {
                name: set.clone(),
                is_map: false,
                key_type: IPV4_ADDR.to_owned(),
                dynamic_timeout: true,
                timeout_seconds: Some(timeout),
                comment: None,
                elements: Vec::new(),
            });
        }
    }

    let to_endpoints = |tx: &mut Table, chain: &str, endpoints: &[&EndpointInfo]| {
        if affinity.is_some() {
            for ep in endpoints {
                let (ep_chain_name, set) = names_of(ep);
                tx.add_rule(
                    chain,
                    Rule::new(vec![
                        ip(AddrField::Saddr, false, AddrMatch::Set(set)),
                        goto(&ep_chain_name),
                    ]),
                );
            }
        }
        let targets = endpoints
            .iter()
            .map(|ep| Verdict::Goto(names_of(ep).0))
            .collect();
        tx.add_rule(chain, Rule::new(vec![Expr::NumgenVmap(targets)]));
    };
    if uses_cluster_chain {
        to_endpoints(tx, &cluster_chain, &cat.cluster);
    }
    if uses_local_chain {
        to_endpoints(tx, &local_chain, &cat.local);
    }

    for (ep, (chain, set)) in cat.all_reachable.iter().zip(&ep_names) {
        tx.add_rule(
            chain,
            Rule::new(vec![
                ip(AddrField::Saddr, false, AddrMatch::Addr(ep.ip)),
                jump(MARK_FOR_MASQUERADE),
            ]),
        );
        if affinity.is_some() {
            tx.add_rule(chain, Rule::new(vec![Expr::UpdateSaddr(set.clone())]));
        }
        tx.add_rule(
            chain,
            Rule::new(vec![
                Expr::L4proto(proto),
                Expr::Dnat(SocketAddrV4::new(ep.ip, ep.port)),
            ]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chain names from upstream's `TestOverallNFTablesRules`.
    #[test]
    fn chain_names_match_kube_proxy() {
        assert_eq!(
            hash_and_truncate("ns1/svc1/tcp/p80"),
            "ULMVA6XW-ns1/svc1/tcp/p80"
        );
        assert_eq!(
            hash_and_truncate("ns1/svc1/tcp/p80__10.180.0.1/80"),
            "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"
        );
        assert_eq!(
            hash_and_truncate("ns5/svc5/tcp/p80__10.180.0.3/80"),
            "GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"
        );
        let long = "a".repeat(300);
        let cut = hash_and_truncate(&long);
        assert_eq!(cut.len(), 240);
        assert!(cut.ends_with("aaa..."));
    }
}

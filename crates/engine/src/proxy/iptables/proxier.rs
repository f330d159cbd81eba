//! One full `syncProxyRules` (`pkg/proxy/iptables/proxier.go`, v1.33): the rules kube-proxy
//! writes for every service port, in the order it writes them, then sorted the way upstream's
//! tests normalise `iptables-restore` input (`sortIPTablesRules`).

use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use super::rules::{Addr, Chain, ChainId, Comment, CtState, Match, Names, Rule, Table, Target};
use super::{
    Builtins, CT_STATE_INVALID_DROPPED_NFACCT, Iptables, IptablesOptions,
    LARGE_CLUSTER_ENDPOINTS_THRESHOLD, LOCALHOST_NODEPORT_ACCEPTED_NFACCT,
};
use crate::proxy::{EndpointInfo, ProxyState, ServicePortInfo, categorize_endpoints, hash_name};

/// `KUBE-SERVICES`.
pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
/// `KUBE-EXTERNAL-SERVICES`.
pub const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
/// `KUBE-NODEPORTS`.
pub const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
/// `KUBE-POSTROUTING`.
pub const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
/// `KUBE-MARK-MASQ`.
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
/// `KUBE-FORWARD`.
pub const KUBE_FORWARD: &str = "KUBE-FORWARD";
/// `KUBE-PROXY-FIREWALL`.
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
/// `KUBE-FIREWALL` (kubelet's anti-martian chain, duplicated by kube-proxy).
pub const KUBE_FIREWALL: &str = "KUBE-FIREWALL";

/// The comment on the last rule of `nat KUBE-SERVICES`.
const NODEPORTS_LAST: &str =
    "kubernetes service nodeports; NOTE: this must be the last rule in this chain";

fn loopback() -> Addr {
    Addr::Net(Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).unwrap_or_default())
}

struct Builder {
    chains: Vec<Chain>,
}

impl Builder {
    fn chain(&mut self, name: String, table: Table, declared: bool) -> ChainId {
        let id = ChainId(self.chains.len() as u32);
        self.chains.push(Chain {
            name,
            table,
            builtin: false,
            declared,
            rules: Vec::new(),
        });
        id
    }

    fn builtin(&mut self, name: &str, table: Table) -> ChainId {
        let id = self.chain(name.to_owned(), table, false);
        self.chains[id.0 as usize].builtin = true;
        id
    }

    fn declare(&mut self, id: ChainId) {
        self.chains[id.0 as usize].declared = true;
    }

    fn push(&mut self, id: ChainId, matches: Vec<Match>, target: Target) {
        self.chains[id.0 as usize]
            .rules
            .push(Rule::new(matches, target));
    }
}

/// A per-service chain created on first use (`KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-`,
/// `KUBE-FW-`), so a jump to a chain kube-proxy does not declare still resolves.
struct LazyChain<'a> {
    prefix: &'static str,
    hash: &'a str,
    id: Option<ChainId>,
}

impl LazyChain<'_> {
    fn get(&mut self, b: &mut Builder) -> ChainId {
        match self.id {
            Some(id) => id,
            None => {
                let id = b.chain(format!("{}{}", self.prefix, self.hash), Table::Nat, false);
                self.id = Some(id);
                id
            }
        }
    }
}

/// The index of `ep` in `all` (`ep` is an element of `all`).
fn index_in(all: &[EndpointInfo], ep: &EndpointInfo) -> usize {
    let size = std::mem::size_of::<EndpointInfo>().max(1);
    (ep as *const EndpointInfo as usize).wrapping_sub(all.as_ptr() as usize) / size
}

/// Runs one full sync over `state`.
pub(super) fn sync_proxy_rules(state: &ProxyState, options: IptablesOptions) -> Iptables {
    let config = &state.config;
    let mark = options.masquerade_mark();
    // The local-traffic detector (`--detect-local-mode ClusterCIDR`): none without a
    // cluster CIDR.
    let local_cidr = config.cluster_cidr.map(|c| Addr::Net(c.trunc()));

    let endpoint_total: usize = state
        .services
        .iter()
        .map(|s| state.endpoints_of(s).len())
        .sum();
    let large_cluster = endpoint_total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

    let mut b = Builder {
        chains: Vec::with_capacity(state.services.len() * 3 + endpoint_total + 16),
    };
    // The "top-level" chains, in the order kube-proxy writes their chain lines.
    let f_services = b.chain(KUBE_SERVICES.to_owned(), Table::Filter, true);
    let f_external = b.chain(KUBE_EXTERNAL_SERVICES.to_owned(), Table::Filter, true);
    let f_forward = b.chain(KUBE_FORWARD.to_owned(), Table::Filter, true);
    let f_nodeports = b.chain(KUBE_NODEPORTS.to_owned(), Table::Filter, true);
    let f_proxy_firewall = b.chain(KUBE_PROXY_FIREWALL.to_owned(), Table::Filter, true);
    let f_firewall = b.chain(KUBE_FIREWALL.to_owned(), Table::Filter, false);
    let n_services = b.chain(KUBE_SERVICES.to_owned(), Table::Nat, true);
    let n_nodeports = b.chain(KUBE_NODEPORTS.to_owned(), Table::Nat, true);
    let n_postrouting = b.chain(KUBE_POSTROUTING.to_owned(), Table::Nat, true);
    let n_mark_masq = b.chain(KUBE_MARK_MASQ.to_owned(), Table::Nat, true);

    let builtins = Builtins {
        filter_input: b.builtin("INPUT", Table::Filter),
        filter_forward: b.builtin("FORWARD", Table::Filter),
        filter_output: b.builtin("OUTPUT", Table::Filter),
        nat_prerouting: b.builtin("PREROUTING", Table::Nat),
        nat_output: b.builtin("OUTPUT", Table::Nat),
        nat_postrouting: b.builtin("POSTROUTING", Table::Nat),
    };
    install_jumps(
        &mut b,
        &builtins,
        [
            f_services,
            f_external,
            f_forward,
            f_nodeports,
            f_proxy_firewall,
            f_firewall,
            n_services,
            n_postrouting,
        ],
    );

    // KUBE-POSTROUTING and KUBE-MARK-MASQ.
    b.push(
        n_postrouting,
        vec![Match::Mark {
            value: mark,
            mask: mark,
            negated: true,
        }],
        Target::Return,
    );
    b.push(n_postrouting, vec![], Target::XorMark(mark));
    b.push(
        n_postrouting,
        vec![Match::Comment(Comment::Text(
            "kubernetes service traffic requiring SNAT",
        ))],
        Target::Masquerade {
            random_fully: options.random_fully,
        },
    );
    b.push(n_mark_masq, vec![], Target::OrMark(mark));

    if options.localhost_nodeports {
        // kube-proxy's copy of kubelet's anti-martian rule (https://issue.k8s.io/90259).
        b.declare(f_firewall);
        b.push(
            f_firewall,
            vec![
                Match::Comment(Comment::Text("block incoming localnet connections")),
                Match::Destination(loopback(), false),
                Match::Source(loopback(), true),
                Match::CtState(CtState::RelatedEstablishedDnat, true),
            ],
            Target::Drop,
        );
    }

    let mut services = Vec::with_capacity(state.services.len());
    let mut probabilities: Vec<String> = vec![String::new()];
    let mut hash_input = String::with_capacity(96);

    for (i, svc) in state.services.iter().enumerate() {
        let si = i as u32;
        let name = svc.name.to_string();
        let proto = svc.protocol;
        hash_input.clear();
        hash_input.push_str(&name);
        hash_input.push_str(proto.lower());
        let hash = hash_name(&hash_input, 16);
        let base_len = hash_input.len();

        let all = state.endpoints_of(svc);
        let cat = categorize_endpoints(all, svc, config);

        let mut svc_chain = LazyChain {
            prefix: "KUBE-SVC-",
            hash: &hash,
            id: None,
        };
        let mut svl_chain = LazyChain {
            prefix: "KUBE-SVL-",
            hash: &hash,
            id: None,
        };
        let mut ext_chain = LazyChain {
            prefix: "KUBE-EXT-",
            hash: &hash,
            id: None,
        };
        let mut fw_chain = LazyChain {
            prefix: "KUBE-FW-",
            hash: &hash,
            id: None,
        };

        let uses_cluster_chain = !cat.cluster.is_empty() && svc.uses_cluster_endpoints();
        let uses_local_chain = !cat.local.is_empty() && svc.uses_local_endpoints();
        let has_endpoints = cat.has_any;
        let has_internal = has_endpoints && !(svc.internal_policy_local && cat.local.is_empty());
        let has_external = has_endpoints && !(svc.external_policy_local && cat.local.is_empty());
        let uses_ext = has_endpoints && svc.externally_accessible();
        let uses_fw = has_endpoints
            && !svc.load_balancer_ips.is_empty()
            && !svc.load_balancer_source_ranges.is_empty();

        let (internal_target, internal_comment) = if !has_endpoints {
            (Target::Reject, Comment::Around("", si, " has no endpoints"))
        } else {
            (
                Target::Drop,
                Comment::Around("", si, " has no local endpoints"),
            )
        };
        let external_target = internal_target;
        let external_comment = internal_comment;

        let cluster_ip = Addr::Ip(svc.cluster_ip);
        let port = svc.port;

        // Capture the clusterIP.
        if has_internal {
            let internal = if svc.internal_policy_local {
                svl_chain.get(&mut b)
            } else {
                svc_chain.get(&mut b)
            };
            b.push(
                n_services,
                vec![
                    Match::Comment(Comment::Around("", si, " cluster IP")),
                    Match::Protocol(proto),
                    Match::Destination(cluster_ip, false),
                    Match::DestPort(port),
                ],
                Target::Jump(internal),
            );
        } else {
            b.push(
                f_services,
                vec![
                    Match::Comment(internal_comment),
                    Match::Protocol(proto),
                    Match::Destination(cluster_ip, false),
                    Match::DestPort(port),
                ],
                internal_target,
            );
        }

        // Capture externalIPs.
        for &ip in &svc.external_ips {
            if has_endpoints {
                let ext = ext_chain.get(&mut b);
                b.push(
                    n_services,
                    vec![
                        Match::Comment(Comment::Around("", si, " external IP")),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    Target::Jump(ext),
                );
            }
            if !has_external {
                b.push(
                    f_external,
                    vec![
                        Match::Comment(external_comment),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    external_target,
                );
            }
        }

        // Capture load-balancer ingress.
        for &ip in &svc.load_balancer_ips {
            if has_endpoints {
                let lb = if uses_fw {
                    fw_chain.get(&mut b)
                } else {
                    ext_chain.get(&mut b)
                };
                b.push(
                    n_services,
                    vec![
                        Match::Comment(Comment::Around("", si, " loadbalancer IP")),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    Target::Jump(lb),
                );
            }
            if uses_fw {
                let fw = fw_chain.get(&mut b);
                b.push(
                    f_proxy_firewall,
                    vec![
                        Match::Comment(Comment::NotAcceptedBy(si, fw)),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    Target::Drop,
                );
            }
        }
        if !has_external {
            for &ip in &svc.load_balancer_ips {
                b.push(
                    f_external,
                    vec![
                        Match::Comment(external_comment),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    external_target,
                );
            }
        }

        // Capture nodeports.
        if let Some(node_port) = svc.node_port {
            if has_endpoints {
                let ext = ext_chain.get(&mut b);
                if options.localhost_nodeports && options.nfacct {
                    b.push(
                        n_nodeports,
                        vec![
                            Match::Comment(Comment::Service(si)),
                            Match::Protocol(proto),
                            Match::Destination(loopback(), false),
                            Match::DestPort(node_port),
                            Match::Nfacct(LOCALHOST_NODEPORT_ACCEPTED_NFACCT),
                        ],
                        Target::Jump(ext),
                    );
                }
                b.push(
                    n_nodeports,
                    vec![
                        Match::Comment(Comment::Service(si)),
                        Match::Protocol(proto),
                        Match::DestPort(node_port),
                    ],
                    Target::Jump(ext),
                );
            }
            if !has_external {
                b.push(
                    f_external,
                    vec![
                        Match::Comment(external_comment),
                        Match::DstTypeLocal,
                        Match::Protocol(proto),
                        Match::DestPort(node_port),
                    ],
                    external_target,
                );
            }
        }

        // Capture healthCheckNodePorts.
        if let Some(hc) = svc.health_check_node_port.filter(|p| *p != 0) {
            b.push(
                f_nodeports,
                vec![
                    Match::Comment(Comment::Around("", si, " health check node port")),
                    Match::Protocol(crate::proxy::Protocol::Tcp),
                    Match::DestPort(hc),
                ],
                Target::Accept,
            );
        }

        // Internal traffic handling.
        if has_internal {
            let internal = if svc.internal_policy_local {
                svl_chain.get(&mut b)
            } else {
                svc_chain.get(&mut b)
            };
            let mut matches = vec![
                Match::Comment(Comment::Around("", si, " cluster IP")),
                Match::Protocol(proto),
                Match::Destination(cluster_ip, false),
                Match::DestPort(port),
            ];
            if options.masquerade_all {
                b.push(internal, matches, Target::Jump(n_mark_masq));
            } else if let Some(cidr) = local_cidr {
                // Masquerade off-cluster traffic to a service VIP.
                matches.push(Match::Source(cidr, true));
                b.push(internal, matches, Target::Jump(n_mark_masq));
            }
        }

        // External traffic handling.
        if uses_ext {
            let ext = ext_chain.get(&mut b);
            b.declare(ext);
            if !svc.external_policy_local {
                b.push(
                    ext,
                    vec![Match::Comment(Comment::Around(
                        "masquerade traffic for ",
                        si,
                        " external destinations",
                    ))],
                    Target::Jump(n_mark_masq),
                );
            } else {
                if let Some(cidr) = local_cidr {
                    let cluster = svc_chain.get(&mut b);
                    b.push(
                        ext,
                        vec![
                            Match::Comment(Comment::Around(
                                "pod traffic for ",
                                si,
                                " external destinations",
                            )),
                            Match::Source(cidr, false),
                        ],
                        Target::Jump(cluster),
                    );
                }
                b.push(
                    ext,
                    vec![
                        Match::Comment(Comment::Around(
                            "masquerade LOCAL traffic for ",
                            si,
                            " external destinations",
                        )),
                        Match::SrcTypeLocal,
                    ],
                    Target::Jump(n_mark_masq),
                );
                let cluster = svc_chain.get(&mut b);
                b.push(
                    ext,
                    vec![
                        Match::Comment(Comment::Around(
                            "route LOCAL traffic for ",
                            si,
                            " external destinations",
                        )),
                        Match::SrcTypeLocal,
                    ],
                    Target::Jump(cluster),
                );
            }
            if has_external {
                let policy = if svc.external_policy_local {
                    svl_chain.get(&mut b)
                } else {
                    svc_chain.get(&mut b)
                };
                b.push(ext, vec![], Target::Jump(policy));
            }
        }

        // Firewall chain (loadBalancerSourceRanges).
        if uses_fw {
            let fw = fw_chain.get(&mut b);
            let ext = ext_chain.get(&mut b);
            b.declare(fw);
            let mut allow_from_node = false;
            for cidr in &svc.load_balancer_source_ranges {
                let cidr = cidr.trunc();
                b.push(
                    fw,
                    vec![
                        Match::Comment(Comment::Around("", si, " loadbalancer IP")),
                        Match::Source(Addr::Net(cidr), false),
                    ],
                    Target::Jump(ext),
                );
                allow_from_node |= cidr.contains(&config.node_ip);
            }
            if allow_from_node {
                for &ip in &svc.load_balancer_ips {
                    b.push(
                        fw,
                        vec![
                            Match::Comment(Comment::Around("", si, " loadbalancer IP")),
                            Match::Source(Addr::Ip(ip), false),
                        ],
                        Target::Jump(ext),
                    );
                }
            }
            b.push(
                fw,
                vec![Match::Comment(Comment::Around(
                    "other traffic to ",
                    si,
                    " will be dropped by KUBE-PROXY-FIREWALL",
                ))],
                Target::None,
            );
        }

        // Endpoint chains for every endpoint this node may use.
        let mut sep_of = vec![u32::MAX; all.len()];
        for ep in &cat.all_reachable {
            let idx = index_in(all, ep);
            hash_input.truncate(base_len);
            push_endpoint(&mut hash_input, ep.ip, ep.port);
            let id = b.chain(
                format!("KUBE-SEP-{}", hash_name(&hash_input, 16)),
                Table::Nat,
                false,
            );
            if let Some(slot) = sep_of.get_mut(idx) {
                *slot = id.0;
            }
        }
        let sep = |ep: &EndpointInfo| ChainId(sep_of.get(index_in(all, ep)).copied().unwrap_or(0));

        if uses_cluster_chain {
            let chain = svc_chain.get(&mut b);
            b.declare(chain);
            write_service_to_endpoint_rules(
                &mut b,
                &mut probabilities,
                si,
                svc,
                chain,
                &cat.cluster,
                &sep,
                large_cluster,
            );
        }
        if uses_local_chain {
            let chain = svl_chain.get(&mut b);
            b.declare(chain);
            write_service_to_endpoint_rules(
                &mut b,
                &mut probabilities,
                si,
                svc,
                chain,
                &cat.local,
                &sep,
                large_cluster,
            );
        }

        for ep in &cat.all_reachable {
            let chain = sep(ep);
            b.declare(chain);
            let mut matches = Vec::with_capacity(4);
            if !large_cluster {
                matches.push(Match::Comment(Comment::Service(si)));
            }
            let mut dnat = matches.clone();
            matches.push(Match::Source(Addr::Ip(ep.ip), false));
            b.push(chain, matches, Target::Jump(n_mark_masq));
            if svc.sticky_seconds.is_some() {
                dnat.push(Match::RecentSet(chain));
            }
            dnat.push(Match::Protocol(proto));
            b.push(chain, dnat, Target::Dnat(SocketAddrV4::new(ep.ip, ep.port)));
        }

        services.push(name);
    }

    // Finally, tail-call to the nodePorts chain (`--nodeport-addresses` unset: every local
    // address).
    let mut last = vec![
        Match::Comment(Comment::Text(NODEPORTS_LAST)),
        Match::DstTypeLocal,
    ];
    if !options.localhost_nodeports {
        last.push(Match::Destination(loopback(), true));
    }
    b.push(n_services, last, Target::Jump(n_nodeports));

    // Drop INVALID packets unless nf_conntrack_tcp_be_liberal is set.
    if !options.conntrack_tcp_be_liberal {
        let mut m = vec![Match::CtState(CtState::Invalid, false)];
        if options.nfacct {
            m.push(Match::Nfacct(CT_STATE_INVALID_DROPPED_NFACCT));
        }
        b.push(f_forward, m, Target::Drop);
    }
    b.push(
        f_forward,
        vec![
            Match::Comment(Comment::Text("kubernetes forwarding rules")),
            Match::Mark {
                value: mark,
                mask: mark,
                negated: false,
            },
        ],
        Target::Accept,
    );
    b.push(
        f_forward,
        vec![
            Match::Comment(Comment::Text("kubernetes forwarding conntrack rule")),
            Match::CtState(CtState::RelatedEstablished, false),
        ],
        Target::Accept,
    );

    let mut chains = b.chains;
    let thresholds = probabilities
        .iter()
        .map(|p| super::rules::probability_threshold(p))
        .collect();
    {
        let names = Names {
            chains: &[],
            services: &services,
            probabilities: &probabilities,
            mark_format: options.mark_format,
        };
        for id in [f_nodeports, n_nodeports, f_services] {
            sort_by_service(&mut chains[id.0 as usize].rules, &names, false);
        }
        sort_by_service(&mut chains[n_services.0 as usize].rules, &names, true);
    }

    let mut filter_order = Vec::new();
    let mut nat_order = Vec::new();
    for (i, c) in chains.iter().enumerate() {
        if c.declared && !c.builtin {
            match c.table {
                Table::Filter => filter_order.push(ChainId(i as u32)),
                Table::Nat => nat_order.push(ChainId(i as u32)),
            }
        }
    }
    for order in [&mut filter_order, &mut nat_order] {
        order.sort_by(|a, b| chain_order(&chains[a.0 as usize].name, &chains[b.0 as usize].name));
    }
    let rule_count = filter_order
        .iter()
        .chain(&nat_order)
        .map(|id| chains[id.0 as usize].rules.len())
        .sum();

    Iptables {
        node_ip: config.node_ip,
        options,
        chains,
        services,
        probabilities,
        thresholds,
        filter_order,
        nat_order,
        builtins,
        rule_count,
    }
}

/// Appends `ip:port`.
fn push_endpoint(out: &mut String, ip: Ipv4Addr, port: u16) {
    use std::fmt::Write as _;
    let _ = write!(out, "{ip}:{port}");
}

/// `writeServiceToEndpointRules`: affinity checks first, then the cascade of
/// `1/(n-i)` probabilities, the last endpoint taking whatever is left.
#[allow(
    clippy::too_many_arguments,
    reason = "mirrors the upstream helper's inputs"
)]
fn write_service_to_endpoint_rules(
    b: &mut Builder,
    probabilities: &mut Vec<String>,
    si: u32,
    svc: &ServicePortInfo,
    chain: ChainId,
    endpoints: &[&EndpointInfo],
    sep: &dyn Fn(&EndpointInfo) -> ChainId,
    large_cluster: bool,
) {
    let comment = |ep: &EndpointInfo| {
        Match::Comment(Comment::Endpoint(si, SocketAddrV4::new(ep.ip, ep.port)))
    };
    if let Some(seconds) = svc.sticky_seconds {
        for ep in endpoints {
            let target = sep(ep);
            let mut m = Vec::with_capacity(2);
            if !large_cluster {
                m.push(comment(ep));
            }
            m.push(Match::RecentCheck {
                list: target,
                seconds,
            });
            b.push(chain, m, Target::Jump(target));
        }
    }
    let n = endpoints.len();
    for (i, ep) in endpoints.iter().enumerate() {
        let mut m = Vec::with_capacity(2);
        if !large_cluster {
            m.push(comment(ep));
        }
        if i + 1 < n {
            let k = (n - i) as u32;
            while probabilities.len() <= k as usize {
                let next = probabilities.len() as u32;
                probabilities.push(super::rules::compute_probability(next));
            }
            m.push(Match::Probability(k));
        }
        b.push(chain, m, Target::Jump(sep(ep)));
    }
}

/// The chain order of `sortIPTablesRules`: `KUBE-NODEPORTS`, `KUBE-SERVICES`, other
/// `KUBE-*` chains by name, then the rest by name.
pub fn chain_order(a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |n: &str| match n {
        KUBE_NODEPORTS => 0,
        KUBE_SERVICES => 1,
        _ if n.starts_with("KUBE-") => 2,
        _ => 3,
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// `orderByCommentServiceName`: the comment up to its first space or colon.
fn service_key(rule: &Rule, names: &Names<'_>) -> String {
    let Some(c) = rule.comment() else {
        return String::new();
    };
    let mut text = String::new();
    c.write(&mut text, names);
    let text = text.trim_matches('"');
    let end = text.find([' ', ':']).unwrap_or(text.len());
    text[..end].to_owned()
}

/// Stable-sorts a chain's rules by service name; with `last_rule`, the "must be the last
/// rule" rule stays last (as `sortIPTablesRules` does for `nat KUBE-SERVICES`).
fn sort_by_service(rules: &mut [Rule], names: &Names<'_>, last_rule: bool) {
    rules.sort_by_cached_key(|r| {
        let is_last = last_rule
            && matches!(r.comment(), Some(Comment::Text(t)) if t.contains("must be the last rule"));
        (is_last, service_key(r, names))
    });
}

/// The jumps from the built-in chains (`iptablesJumpChains` and the kubelet's
/// `KUBE-FIREWALL` jumps). kube-proxy inserts each at the top of its chain
/// (`EnsureRule(Prepend, …)`), so they end up in the reverse of the list order; the
/// kubelet's `-j KUBE-FIREWALL` was there first and stays last, as on a running node.
fn install_jumps(b: &mut Builder, builtins: &Builtins, ids: [ChainId; 8]) {
    let [
        f_services,
        f_external,
        f_forward,
        f_nodeports,
        f_proxy_firewall,
        f_firewall,
        n_services,
        n_postrouting,
    ] = ids;
    let new = Match::CtState(CtState::New, false);
    let c = |t: &'static str| Match::Comment(Comment::Text(t));
    let lb_firewall = "kubernetes load balancer firewall";
    let external = "kubernetes externally-visible service portals";
    let portals = "kubernetes service portals";

    b.push(
        builtins.filter_input,
        vec![new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_input,
        vec![c("kubernetes health check service ports")],
        Target::Jump(f_nodeports),
    );
    b.push(
        builtins.filter_input,
        vec![new, c(external)],
        Target::Jump(f_external),
    );
    b.push(builtins.filter_input, vec![], Target::Jump(f_firewall));

    b.push(
        builtins.filter_forward,
        vec![new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_forward,
        vec![c("kubernetes forwarding rules")],
        Target::Jump(f_forward),
    );
    b.push(
        builtins.filter_forward,
        vec![new, c(portals)],
        Target::Jump(f_services),
    );
    b.push(
        builtins.filter_forward,
        vec![new, c(external)],
        Target::Jump(f_external),
    );

    b.push(
        builtins.filter_output,
        vec![new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_output,
        vec![new, c(portals)],
        Target::Jump(f_services),
    );
    b.push(builtins.filter_output, vec![], Target::Jump(f_firewall));

    b.push(
        builtins.nat_prerouting,
        vec![c(portals)],
        Target::Jump(n_services),
    );
    b.push(
        builtins.nat_output,
        vec![c(portals)],
        Target::Jump(n_services),
    );
    b.push(
        builtins.nat_postrouting,
        vec![c("kubernetes postrouting rules")],
        Target::Jump(n_postrouting),
    );
}

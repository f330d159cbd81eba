//! One full `syncProxyRules` (`pkg/proxy/iptables/proxier.go`, v1.33): the rules kube-proxy
//! writes for every service port, in the order it writes them, then sorted the way upstream's
//! tests normalise `iptables-restore` input (`sortIPTablesRules`).
//!
//! It runs in two passes so that a large cluster is written front to back: the first walks
//! the service ports as kube-proxy does, writing the shared chains (`KUBE-SERVICES`,
//! `KUBE-NODEPORTS`, the filter chains, …) and noting per service port which of its own
//! chains (`KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-`, `KUBE-FW-`, `KUBE-SEP-`) exist; then those
//! chains are sorted by name and each one's rules are written in that order, from the note.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::ops::Range;

use ipnet::Ipv4Net;

use super::rules::{
    Addr, Chain, ChainId, ChainName, Comment, CtState, Match, Names, Rule, Table, Target, TextBuf,
};
use super::{
    Builtins, CT_STATE_INVALID_DROPPED_NFACCT, Iptables, IptablesOptions,
    LARGE_CLUSTER_ENDPOINTS_THRESHOLD, LOCALHOST_NODEPORT_ACCEPTED_NFACCT,
};
use crate::proxy::{EndpointInfo, ProxyState, ServicePortInfo, categorize_endpoints};

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

/// Whose rules a chain holds.
enum Kind {
    /// A shared chain, its rules written during the first pass.
    Shared(Vec<Rule>),
    /// `KUBE-SVC-` of a service port.
    Svc(u32),
    /// `KUBE-SVL-` of a service port.
    Svl(u32),
    /// `KUBE-EXT-` of a service port.
    Ext(u32),
    /// `KUBE-FW-` of a service port.
    Fw(u32),
    /// `KUBE-SEP-` of an endpoint of a service port.
    Sep(u32, SocketAddrV4),
}

/// A chain during the first pass.
struct Entry {
    name: ChainName,
    table: Table,
    builtin: bool,
    declared: bool,
    kind: Kind,
}

/// An endpoint a service port uses, with its `KUBE-SEP-` chain.
#[derive(Clone, Copy)]
struct EpNote {
    chain: ChainId,
    addr: SocketAddrV4,
}

/// What the second pass needs to know about a service port.
#[derive(Clone, Default)]
struct Plan {
    svc: Option<ChainId>,
    svl: Option<ChainId>,
    ext: Option<ChainId>,
    fw: Option<ChainId>,
    has_internal: bool,
    has_external: bool,
    uses_ext: bool,
    uses_fw: bool,
    /// Indices into the endpoint-list arena.
    cluster: Range<u32>,
    local: Range<u32>,
}

/// The first pass's output: chains (numbered in creation order) and shared-chain rules.
struct Builder {
    entries: Vec<Entry>,
    /// Matches of shared-chain rules.
    matches: Vec<Match>,
}

impl Builder {
    fn chain(&mut self, name: ChainName, table: Table, declared: bool, kind: Kind) -> ChainId {
        let id = ChainId(self.entries.len() as u32);
        self.entries.push(Entry {
            name,
            table,
            builtin: false,
            declared,
            kind,
        });
        id
    }

    fn shared(&mut self, name: &str, table: Table, declared: bool) -> ChainId {
        self.chain(
            ChainName::new(name),
            table,
            declared,
            Kind::Shared(Vec::new()),
        )
    }

    fn builtin(&mut self, name: &str, table: Table) -> ChainId {
        let id = self.shared(name, table, false);
        self.entries[id.0 as usize].builtin = true;
        id
    }

    fn declare(&mut self, id: ChainId) {
        self.entries[id.0 as usize].declared = true;
    }

    /// Appends a rule to a shared chain.
    fn push(&mut self, id: ChainId, matches: &[Match], target: Target) {
        let start = self.matches.len() as u32;
        self.matches.extend_from_slice(matches);
        if let Some(Entry {
            kind: Kind::Shared(rules),
            ..
        }) = self.entries.get_mut(id.0 as usize)
        {
            rules.push(Rule {
                start,
                len: matches.len() as u32,
                target,
            });
        }
    }
}

/// A per-service chain created on first reference, so a jump to a chain kube-proxy does
/// not declare still resolves.
fn lazy(
    b: &mut Builder,
    slot: &mut Option<ChainId>,
    prefix: &str,
    hash: &str,
    kind: Kind,
) -> ChainId {
    match *slot {
        Some(id) => id,
        None => {
            let name = ChainName::from_parts(&[prefix.as_bytes(), hash.as_bytes()]);
            let id = b.chain(name, Table::Nat, false, kind);
            *slot = Some(id);
            id
        }
    }
}

/// `prefix` followed by kube-proxy's 16-character chain hash of `input`:
/// `base32(sha256(input))[:16]` (`portProtoHash`, `servicePortEndpointChainName`; the same
/// value as [`crate::proxy::hash_name`]). Sixteen base32 characters are the first ten
/// digest bytes, so only those are encoded.
fn hashed_name(prefix: &str, input: &[u8]) -> ChainName {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(input);
    let mut hash = [0u8; 16];
    data_encoding::BASE32.encode_mut(&digest[..10], &mut hash);
    ChainName::from_parts(&[prefix.as_bytes(), &hash])
}

/// The index of `ep` in `all` (`ep` is an element of `all`).
fn index_in(all: &[EndpointInfo], ep: &EndpointInfo) -> usize {
    let size = std::mem::size_of::<EndpointInfo>().max(1);
    (ep as *const EndpointInfo as usize).wrapping_sub(all.as_ptr() as usize) / size
}

/// The fixed chains.
struct Shared {
    f_services: ChainId,
    f_external: ChainId,
    f_forward: ChainId,
    f_nodeports: ChainId,
    f_proxy_firewall: ChainId,
    f_firewall: ChainId,
    n_services: ChainId,
    n_nodeports: ChainId,
    n_postrouting: ChainId,
    n_mark_masq: ChainId,
}

/// Runs one full sync over `state`.
pub(super) fn sync_proxy_rules(state: &ProxyState, options: IptablesOptions) -> Iptables {
    let config = &state.config;
    let mark = options.masquerade_mark();
    // The local-traffic detector (`--detect-local-mode ClusterCIDR`): none without a
    // cluster CIDR.
    let local_cidr = config.cluster_cidr.map(|c| Addr::Net(c.trunc()));

    // Only endpoints of existing service ports are kept in `state.endpoints`.
    let endpoint_total: usize = state.endpoints.values().map(Vec::len).sum();
    let large_cluster = endpoint_total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

    let mut b = Builder {
        entries: Vec::with_capacity(state.services.len() * 3 + endpoint_total + 16),
        matches: Vec::with_capacity(state.services.len() * 12 + 64),
    };
    // The "top-level" chains, in the order kube-proxy writes their chain lines.
    let sh = Shared {
        f_services: b.shared(KUBE_SERVICES, Table::Filter, true),
        f_external: b.shared(KUBE_EXTERNAL_SERVICES, Table::Filter, true),
        f_forward: b.shared(KUBE_FORWARD, Table::Filter, true),
        f_nodeports: b.shared(KUBE_NODEPORTS, Table::Filter, true),
        f_proxy_firewall: b.shared(KUBE_PROXY_FIREWALL, Table::Filter, true),
        f_firewall: b.shared(KUBE_FIREWALL, Table::Filter, false),
        n_services: b.shared(KUBE_SERVICES, Table::Nat, true),
        n_nodeports: b.shared(KUBE_NODEPORTS, Table::Nat, true),
        n_postrouting: b.shared(KUBE_POSTROUTING, Table::Nat, true),
        n_mark_masq: b.shared(KUBE_MARK_MASQ, Table::Nat, true),
    };
    let builtins = Builtins {
        filter_input: b.builtin("INPUT", Table::Filter),
        filter_forward: b.builtin("FORWARD", Table::Filter),
        filter_output: b.builtin("OUTPUT", Table::Filter),
        nat_prerouting: b.builtin("PREROUTING", Table::Nat),
        nat_output: b.builtin("OUTPUT", Table::Nat),
        nat_postrouting: b.builtin("POSTROUTING", Table::Nat),
    };
    install_jumps(&mut b, &builtins, &sh);

    // KUBE-POSTROUTING and KUBE-MARK-MASQ.
    b.push(
        sh.n_postrouting,
        &[Match::Mark {
            value: mark,
            mask: mark,
            negated: true,
        }],
        Target::Return,
    );
    b.push(sh.n_postrouting, &[], Target::XorMark(mark));
    b.push(
        sh.n_postrouting,
        &[Match::Comment(Comment::Text(
            "kubernetes service traffic requiring SNAT",
        ))],
        Target::Masquerade {
            random_fully: options.random_fully,
        },
    );
    b.push(sh.n_mark_masq, &[], Target::OrMark(mark));

    if options.localhost_nodeports {
        // kube-proxy's copy of kubelet's anti-martian rule (https://issue.k8s.io/90259).
        b.declare(sh.f_firewall);
        b.push(
            sh.f_firewall,
            &[
                Match::Comment(Comment::Text("block incoming localnet connections")),
                Match::Destination(loopback(), false),
                Match::Source(loopback(), true),
                Match::CtState(CtState::RelatedEstablishedDnat, true),
            ],
            Target::Drop,
        );
    }

    let mut services = Vec::with_capacity(state.services.len());
    let mut plans = Vec::with_capacity(state.services.len());
    let mut eps: Vec<EpNote> = Vec::with_capacity(endpoint_total);
    let mut ep_lists: Vec<u32> = Vec::with_capacity(endpoint_total * 2);
    let mut hash_input = TextBuf::with_capacity(128);
    let mut tmp: Vec<Match> = Vec::with_capacity(8);

    for (i, svc) in state.services.iter().enumerate() {
        let si = i as u32;
        let name = svc.name.to_string();
        let proto = svc.protocol;
        hash_input.truncate(0);
        hash_input.put_str(&name);
        hash_input.put_str(proto.lower());
        let hash = hashed_name("", hash_input.as_bytes());
        let hash = hash.as_str();
        let base_len = hash_input.len();

        let all = state
            .endpoints
            .get(&name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let cat = categorize_endpoints(all, svc, config);
        let mut plan = Plan::default();

        let uses_cluster_chain = !cat.cluster.is_empty() && svc.uses_cluster_endpoints();
        let uses_local_chain = !cat.local.is_empty() && svc.uses_local_endpoints();
        let has_endpoints = cat.has_any;
        let has_internal = has_endpoints && !(svc.internal_policy_local && cat.local.is_empty());
        let has_external = has_endpoints && !(svc.external_policy_local && cat.local.is_empty());
        let uses_ext = has_endpoints && svc.externally_accessible();
        let uses_fw = has_endpoints
            && !svc.load_balancer_ips.is_empty()
            && !svc.load_balancer_source_ranges.is_empty();
        plan.has_internal = has_internal;
        plan.has_external = has_external;
        plan.uses_ext = uses_ext;
        plan.uses_fw = uses_fw;

        macro_rules! svc_chain {
            () => {
                lazy(&mut b, &mut plan.svc, "KUBE-SVC-", hash, Kind::Svc(si))
            };
        }
        macro_rules! svl_chain {
            () => {
                lazy(&mut b, &mut plan.svl, "KUBE-SVL-", hash, Kind::Svl(si))
            };
        }
        macro_rules! ext_chain {
            () => {
                lazy(&mut b, &mut plan.ext, "KUBE-EXT-", hash, Kind::Ext(si))
            };
        }
        macro_rules! fw_chain {
            () => {
                lazy(&mut b, &mut plan.fw, "KUBE-FW-", hash, Kind::Fw(si))
            };
        }

        let (filter_target, filter_comment) = if !has_endpoints {
            (Target::Reject, Comment::Around("", si, " has no endpoints"))
        } else {
            (
                Target::Drop,
                Comment::Around("", si, " has no local endpoints"),
            )
        };
        let cluster_ip = Addr::Ip(svc.cluster_ip);
        let port = svc.port;

        // Capture the clusterIP.
        if has_internal {
            let internal = if svc.internal_policy_local {
                svl_chain!()
            } else {
                svc_chain!()
            };
            b.push(
                sh.n_services,
                &[
                    Match::Comment(Comment::Around("", si, " cluster IP")),
                    Match::Protocol(proto),
                    Match::Destination(cluster_ip, false),
                    Match::DestPort(port),
                ],
                Target::Jump(internal),
            );
        } else {
            b.push(
                sh.f_services,
                &[
                    Match::Comment(filter_comment),
                    Match::Protocol(proto),
                    Match::Destination(cluster_ip, false),
                    Match::DestPort(port),
                ],
                filter_target,
            );
        }

        // Capture externalIPs.
        for &ip in &svc.external_ips {
            if has_endpoints {
                let ext = ext_chain!();
                b.push(
                    sh.n_services,
                    &[
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
                    sh.f_external,
                    &[
                        Match::Comment(filter_comment),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    filter_target,
                );
            }
        }

        // Capture load-balancer ingress.
        for &ip in &svc.load_balancer_ips {
            if has_endpoints {
                let lb = if uses_fw { fw_chain!() } else { ext_chain!() };
                b.push(
                    sh.n_services,
                    &[
                        Match::Comment(Comment::Around("", si, " loadbalancer IP")),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    Target::Jump(lb),
                );
            }
            if uses_fw {
                let fw = fw_chain!();
                b.push(
                    sh.f_proxy_firewall,
                    &[
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
                    sh.f_external,
                    &[
                        Match::Comment(filter_comment),
                        Match::Protocol(proto),
                        Match::Destination(Addr::Ip(ip), false),
                        Match::DestPort(port),
                    ],
                    filter_target,
                );
            }
        }

        // Capture nodeports.
        if let Some(node_port) = svc.node_port {
            if has_endpoints {
                let ext = ext_chain!();
                if options.localhost_nodeports && options.nfacct {
                    b.push(
                        sh.n_nodeports,
                        &[
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
                    sh.n_nodeports,
                    &[
                        Match::Comment(Comment::Service(si)),
                        Match::Protocol(proto),
                        Match::DestPort(node_port),
                    ],
                    Target::Jump(ext),
                );
            }
            if !has_external {
                b.push(
                    sh.f_external,
                    &[
                        Match::Comment(filter_comment),
                        Match::DstTypeLocal,
                        Match::Protocol(proto),
                        Match::DestPort(node_port),
                    ],
                    filter_target,
                );
            }
        }

        // Capture healthCheckNodePorts.
        if let Some(hc) = svc.health_check_node_port.filter(|p| *p != 0) {
            b.push(
                sh.f_nodeports,
                &[
                    Match::Comment(Comment::Around("", si, " health check node port")),
                    Match::Protocol(crate::proxy::Protocol::Tcp),
                    Match::DestPort(hc),
                ],
                Target::Accept,
            );
        }

        // The service port's own chains, created in the order kube-proxy first refers to
        // them; their rules are written in the second pass.
        if has_internal {
            if svc.internal_policy_local {
                svl_chain!();
            } else {
                svc_chain!();
            }
        }
        if uses_ext {
            let ext = ext_chain!();
            b.declare(ext);
            if svc.external_policy_local {
                svc_chain!();
            }
            if has_external {
                if svc.external_policy_local {
                    svl_chain!();
                } else {
                    svc_chain!();
                }
            }
        }
        if uses_fw {
            let fw = fw_chain!();
            ext_chain!();
            b.declare(fw);
        }
        if uses_cluster_chain {
            let c = svc_chain!();
            b.declare(c);
        }
        if uses_local_chain {
            let c = svl_chain!();
            b.declare(c);
        }

        // Endpoint chains for every endpoint this node may use.
        let mut note_of = vec![u32::MAX; all.len()];
        for ep in &cat.all_reachable {
            hash_input.truncate(base_len);
            let addr = SocketAddrV4::new(ep.ip, ep.port);
            hash_input.socket(addr);
            let note = eps.len() as u32;
            let chain = b.chain(
                hashed_name("KUBE-SEP-", hash_input.as_bytes()),
                Table::Nat,
                true,
                Kind::Sep(si, addr),
            );
            eps.push(EpNote { chain, addr });
            if let Some(slot) = note_of.get_mut(index_in(all, ep)) {
                *slot = note;
            }
        }
        let mut list = |set: &[&EndpointInfo]| {
            let start = ep_lists.len() as u32;
            ep_lists.extend(
                set.iter()
                    .filter_map(|ep| note_of.get(index_in(all, ep)).copied()),
            );
            start..ep_lists.len() as u32
        };
        if uses_cluster_chain {
            plan.cluster = list(&cat.cluster);
        }
        if uses_local_chain {
            plan.local = list(&cat.local);
        }

        plans.push(plan);
        services.push(name);
    }

    // Finally, tail-call to the nodePorts chain (`--nodeport-addresses` unset: every local
    // address).
    tmp.clear();
    tmp.push(Match::Comment(Comment::Text(NODEPORTS_LAST)));
    tmp.push(Match::DstTypeLocal);
    if !options.localhost_nodeports {
        tmp.push(Match::Destination(loopback(), true));
    }
    b.push(sh.n_services, &tmp, Target::Jump(sh.n_nodeports));

    // Drop INVALID packets unless nf_conntrack_tcp_be_liberal is set.
    if !options.conntrack_tcp_be_liberal {
        let invalid = Match::CtState(CtState::Invalid, false);
        if options.nfacct {
            let counter = Match::Nfacct(CT_STATE_INVALID_DROPPED_NFACCT);
            b.push(sh.f_forward, &[invalid, counter], Target::Drop);
        } else {
            b.push(sh.f_forward, &[invalid], Target::Drop);
        }
    }
    b.push(
        sh.f_forward,
        &[
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
        sh.f_forward,
        &[
            Match::Comment(Comment::Text("kubernetes forwarding conntrack rule")),
            Match::CtState(CtState::RelatedEstablished, false),
        ],
        Target::Accept,
    );

    // `sortIPTablesRules`: the shared chains that gather rules of every service, by
    // service name.
    {
        let names = Names {
            matches: &b.matches,
            chains: &[],
            services: &services,
            probabilities: &[],
            mark_format: options.mark_format,
        };
        for (id, last_rule) in [
            (sh.f_nodeports, false),
            (sh.n_nodeports, false),
            (sh.f_services, false),
            (sh.n_services, true),
        ] {
            if let Some(Entry {
                kind: Kind::Shared(rules),
                ..
            }) = b.entries.get_mut(id.0 as usize)
            {
                sort_by_service(rules, &names, last_rule);
            }
        }
    }

    // Chain order (`sortIPTablesRules`): declared filter chains, declared nat chains, each
    // sorted by `chain_order`, then the rest in creation order. The sorted records carry
    // what the second pass needs, so it reads them front to back.
    let slots: Vec<Slot> = b
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| Slot {
            group: match (e.declared && !e.builtin, e.table) {
                (true, Table::Filter) => 0,
                (true, Table::Nat) => 1,
                (false, _) => 2,
            },
            rank: chain_rank(e.name.as_str()),
            name: e.name,
            table: e.table,
            builtin: e.builtin,
            declared: e.declared,
            old: i as u32,
            kind: match e.kind {
                Kind::Shared(_) => SlotKind::Shared,
                Kind::Svc(si) => SlotKind::Svc(si),
                Kind::Svl(si) => SlotKind::Svl(si),
                Kind::Ext(si) => SlotKind::Ext(si),
                Kind::Fw(si) => SlotKind::Fw(si),
                Kind::Sep(si, addr) => SlotKind::Sep(si, addr),
            },
        })
        .collect();
    // Names as two big-endian integers: comparing them is comparing the names (zero
    // padding sorts a shorter name first, as a string comparison does).
    let key = |s: &Slot| -> SortKey {
        if s.group == 2 {
            return (2, 0, 0, 0, s.old);
        }
        let bytes = s.name.as_str().as_bytes();
        let mut buf = [0u8; 32];
        buf[..bytes.len()].copy_from_slice(bytes);
        let mut hi = [0u8; 16];
        let mut lo = [0u8; 16];
        hi.copy_from_slice(&buf[..16]);
        lo.copy_from_slice(&buf[16..]);
        (
            s.group,
            s.rank,
            u128::from_be_bytes(hi),
            u128::from_be_bytes(lo),
            0,
        )
    };
    let mut keyed: Vec<(SortKey, u32)> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| (key(s), i as u32))
        .collect();
    keyed.sort_unstable();
    let slots: Vec<Slot> = keyed
        .into_iter()
        .filter_map(|(_, i)| slots.get(i as usize).copied())
        .collect();
    let filter_len = slots.iter().take_while(|s| s.group == 0).count();
    let nat_len = slots.iter().take_while(|s| s.group <= 1).count() - filter_len;
    let mut remap = vec![0u32; slots.len()];
    for (new, slot) in slots.iter().enumerate() {
        if let Some(r) = remap.get_mut(slot.old as usize) {
            *r = new as u32;
        }
    }
    let map = |c: ChainId| ChainId(remap.get(c.0 as usize).copied().unwrap_or(c.0));
    let sep_info: Vec<(bool, crate::proxy::Protocol)> = state
        .services
        .iter()
        .map(|s| (s.sticky_seconds.is_some(), s.protocol))
        .collect();

    // Second pass: every chain's rules, chain after chain in printing order.
    let mut out = Out {
        rules: Vec::with_capacity(state.services.len() * 4 + endpoint_total * 4 + 64),
        matches: Vec::with_capacity(state.services.len() * 12 + endpoint_total * 8 + 64),
        probabilities: vec![String::new()],
    };
    let ctx = Ctx {
        state,
        options: &options,
        plans: &plans,
        eps: &eps,
        ep_lists: &ep_lists,
        local_cidr,
        large_cluster,
        mark_masq: map(sh.n_mark_masq),
        map: &map,
    };
    let mut chains = Vec::with_capacity(slots.len());
    let mut rule_count = 0;
    for (position, slot) in slots.iter().enumerate() {
        let first_rule = out.rules.len();
        match slot.kind {
            SlotKind::Shared => {
                if let Some(Entry {
                    kind: Kind::Shared(rules),
                    ..
                }) = b.entries.get(slot.old as usize)
                {
                    for r in rules {
                        let start = out.matches.len() as u32;
                        out.matches
                            .extend(r.matches(&b.matches).iter().map(|m| m.remap(&map)));
                        out.rules.push(Rule {
                            start,
                            len: r.len,
                            target: r.target.remap(&map),
                        });
                    }
                }
            }
            SlotKind::Svc(si) => ctx.policy_chain(&mut out, si, false),
            SlotKind::Svl(si) => ctx.policy_chain(&mut out, si, true),
            SlotKind::Ext(si) => ctx.ext_chain(&mut out, si),
            SlotKind::Fw(si) => ctx.fw_chain(&mut out, si),
            SlotKind::Sep(si, addr) => {
                let (sticky, proto) = sep_info
                    .get(si as usize)
                    .copied()
                    .unwrap_or((false, crate::proxy::Protocol::Tcp));
                ctx.sep_chain(&mut out, si, addr, sticky, proto, ChainId(position as u32));
            }
        }
        let count = out.rules.len() - first_rule;
        if position < filter_len + nat_len {
            rule_count += count;
        }
        chains.push(Chain {
            name: slot.name,
            table: slot.table,
            builtin: slot.builtin,
            declared: slot.declared,
            first_rule: first_rule as u32,
            rule_count: count as u32,
        });
    }
    let builtins = Builtins {
        filter_input: map(builtins.filter_input),
        filter_forward: map(builtins.filter_forward),
        filter_output: map(builtins.filter_output),
        nat_prerouting: map(builtins.nat_prerouting),
        nat_output: map(builtins.nat_output),
        nat_postrouting: map(builtins.nat_postrouting),
    };
    let thresholds = out
        .probabilities
        .iter()
        .map(|p| super::rules::probability_threshold(p))
        .collect();

    Iptables {
        node_ip: config.node_ip,
        options,
        chains,
        rules: out.rules,
        matches: out.matches,
        services,
        probabilities: out.probabilities,
        thresholds,
        filter_order: (0..filter_len as u32).map(ChainId).collect(),
        nat_order: (filter_len as u32..(filter_len + nat_len) as u32)
            .map(ChainId)
            .collect(),
        builtins,
        rule_count,
    }
}

/// (group, `chain_order` rank, name bytes 0–15, name bytes 16–31, creation number).
type SortKey = (u8, u8, u128, u128, u32);

/// A chain in the sorted order, with what its rules are written from.
#[derive(Clone, Copy)]
struct Slot {
    /// 0: declared filter chain, 1: declared nat chain, 2: anything else.
    group: u8,
    rank: u8,
    name: ChainName,
    table: Table,
    builtin: bool,
    declared: bool,
    /// Its number in the first pass.
    old: u32,
    kind: SlotKind,
}

#[derive(Clone, Copy)]
enum SlotKind {
    Shared,
    Svc(u32),
    Svl(u32),
    Ext(u32),
    Fw(u32),
    Sep(u32, SocketAddrV4),
}

/// The second pass's output.
struct Out {
    rules: Vec<Rule>,
    matches: Vec<Match>,
    probabilities: Vec<String>,
}

impl Out {
    fn push(&mut self, matches: &[Match], target: Target) {
        let start = self.matches.len() as u32;
        self.matches.extend_from_slice(matches);
        self.rules.push(Rule {
            start,
            len: matches.len() as u32,
            target,
        });
    }
}

/// What the second pass reads.
struct Ctx<'a, M: Fn(ChainId) -> ChainId> {
    state: &'a ProxyState,
    options: &'a IptablesOptions,
    plans: &'a [Plan],
    eps: &'a [EpNote],
    ep_lists: &'a [u32],
    local_cidr: Option<Addr>,
    large_cluster: bool,
    mark_masq: ChainId,
    map: &'a M,
}

impl<M: Fn(ChainId) -> ChainId> Ctx<'_, M> {
    fn svc(&self, si: u32) -> Option<(&ServicePortInfo, &Plan)> {
        Some((
            self.state.services.get(si as usize)?,
            self.plans.get(si as usize)?,
        ))
    }

    fn chain(&self, id: Option<ChainId>) -> ChainId {
        (self.map)(id.unwrap_or(ChainId(u32::MAX)))
    }

    /// `KUBE-SVC-…` (`local` false) or `KUBE-SVL-…`: the masquerade rule if it is the
    /// internal traffic chain, then the endpoints (`writeServiceToEndpointRules`).
    fn policy_chain(&self, out: &mut Out, si: u32, local: bool) {
        let Some((svc, plan)) = self.svc(si) else {
            return;
        };
        if plan.has_internal && svc.internal_policy_local == local {
            let matches = [
                Match::Comment(Comment::Around("", si, " cluster IP")),
                Match::Protocol(svc.protocol),
                Match::Destination(Addr::Ip(svc.cluster_ip), false),
                Match::DestPort(svc.port),
            ];
            if self.options.masquerade_all {
                out.push(&matches, Target::Jump(self.mark_masq));
            } else if let Some(cidr) = self.local_cidr {
                // Masquerade off-cluster traffic to a service VIP.
                let [a, b, c, d] = matches;
                out.push(
                    &[a, b, c, d, Match::Source(cidr, true)],
                    Target::Jump(self.mark_masq),
                );
            }
        }
        let list = if local { &plan.local } else { &plan.cluster };
        let endpoints = self
            .ep_lists
            .get(list.start as usize..list.end as usize)
            .unwrap_or_default();
        self.write_service_to_endpoint_rules(out, si, svc, endpoints);
    }

    /// `writeServiceToEndpointRules`: affinity checks first, then the cascade of
    /// `1/(n-i)` probabilities, the last endpoint taking whatever is left.
    fn write_service_to_endpoint_rules(
        &self,
        out: &mut Out,
        si: u32,
        svc: &ServicePortInfo,
        endpoints: &[u32],
    ) {
        let eps = endpoints
            .iter()
            .filter_map(|n| self.eps.get(*n as usize))
            .map(|e| (Comment::Endpoint(si, e.addr), (self.map)(e.chain)));
        let mut m: [Match; 2] = [Match::Nfacct(""), Match::Nfacct("")];
        let comment_len = usize::from(!self.large_cluster);
        if let Some(seconds) = svc.sticky_seconds {
            for (comment, sep) in eps.clone() {
                m[0] = Match::Comment(comment);
                m[comment_len] = Match::RecentCheck { list: sep, seconds };
                out.push(&m[..comment_len + 1], Target::Jump(sep));
            }
        }
        let n = endpoints.len();
        for (i, (comment, sep)) in eps.enumerate() {
            m[0] = Match::Comment(comment);
            let mut len = comment_len;
            if i + 1 < n {
                let k = (n - i) as u32;
                while out.probabilities.len() <= k as usize {
                    let next = out.probabilities.len() as u32;
                    out.probabilities
                        .push(super::rules::compute_probability(next));
                }
                m[len] = Match::Probability(k);
                len += 1;
            }
            out.push(&m[..len], Target::Jump(sep));
        }
    }

    /// `KUBE-EXT-…`: external destinations.
    fn ext_chain(&self, out: &mut Out, si: u32) {
        let Some((svc, plan)) = self.svc(si) else {
            return;
        };
        if !plan.uses_ext {
            return;
        }
        if !svc.external_policy_local {
            // Non-local endpoints may be used: masquerade, in case we cross nodes.
            out.push(
                &[Match::Comment(Comment::Around(
                    "masquerade traffic for ",
                    si,
                    " external destinations",
                ))],
                Target::Jump(self.mark_masq),
            );
        } else {
            let cluster = self.chain(plan.svc);
            if let Some(cidr) = self.local_cidr {
                // Pod traffic to an external destination short-circuits to the cluster
                // policy chain, as if it had gone out to the load balancer and back.
                out.push(
                    &[
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
            out.push(
                &[
                    Match::Comment(Comment::Around(
                        "masquerade LOCAL traffic for ",
                        si,
                        " external destinations",
                    )),
                    Match::SrcTypeLocal,
                ],
                Target::Jump(self.mark_masq),
            );
            out.push(
                &[
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
        if plan.has_external {
            let policy = if svc.external_policy_local {
                plan.svl
            } else {
                plan.svc
            };
            out.push(&[], Target::Jump(self.chain(policy)));
        }
    }

    /// `KUBE-FW-…`: `loadBalancerSourceRanges`.
    fn fw_chain(&self, out: &mut Out, si: u32) {
        let Some((svc, plan)) = self.svc(si) else {
            return;
        };
        if !plan.uses_fw {
            return;
        }
        let ext = self.chain(plan.ext);
        let comment = Match::Comment(Comment::Around("", si, " loadbalancer IP"));
        let mut allow_from_node = false;
        for cidr in &svc.load_balancer_source_ranges {
            let cidr = cidr.trunc();
            out.push(
                &[comment, Match::Source(Addr::Net(cidr), false)],
                Target::Jump(ext),
            );
            allow_from_node |= cidr.contains(&self.state.config.node_ip);
        }
        // A node's own request to a VIP-like LB IP loops back with the LB IP as source.
        if allow_from_node {
            for &ip in &svc.load_balancer_ips {
                out.push(
                    &[comment, Match::Source(Addr::Ip(ip), false)],
                    Target::Jump(ext),
                );
            }
        }
        out.push(
            &[Match::Comment(Comment::Around(
                "other traffic to ",
                si,
                " will be dropped by KUBE-PROXY-FIREWALL",
            ))],
            Target::None,
        );
    }

    /// `KUBE-SEP-…`: hairpin masquerade, then DNAT (setting the affinity list).
    fn sep_chain(
        &self,
        out: &mut Out,
        si: u32,
        addr: SocketAddrV4,
        sticky: bool,
        proto: crate::proxy::Protocol,
        me: ChainId,
    ) {
        let comment = Match::Comment(Comment::Service(si));
        let skip = usize::from(self.large_cluster);
        let masq = [comment, Match::Source(Addr::Ip(*addr.ip()), false)];
        out.push(&masq[skip..], Target::Jump(self.mark_masq));
        let dnat = Target::Dnat(addr);
        if sticky {
            let m = [comment, Match::RecentSet(me), Match::Protocol(proto)];
            out.push(&m[skip..], dnat);
        } else {
            let m = [comment, Match::Protocol(proto)];
            out.push(&m[skip..], dnat);
        }
    }
}

/// The chain order of `sortIPTablesRules`: `KUBE-NODEPORTS`, `KUBE-SERVICES`, other
/// `KUBE-*` chains by name, then the rest by name.
pub fn chain_order(a: &str, b: &str) -> std::cmp::Ordering {
    chain_rank(a).cmp(&chain_rank(b)).then_with(|| a.cmp(b))
}

fn chain_rank(name: &str) -> u8 {
    match name {
        KUBE_NODEPORTS => 0,
        KUBE_SERVICES => 1,
        _ if name.starts_with("KUBE-") => 2,
        _ => 3,
    }
}

/// `orderByCommentServiceName`: the comment up to its first space or colon.
fn service_key(rule: &Rule, names: &Names<'_>) -> String {
    let Some(c) = rule.comment(names.matches) else {
        return String::new();
    };
    let text = c.text(names);
    let text = text.trim_matches('"');
    let end = text.find([' ', ':']).unwrap_or(text.len());
    text[..end].to_owned()
}

/// Stable-sorts a chain's rules by service name; with `last_rule`, the "must be the last
/// rule" rule stays last (as `sortIPTablesRules` does for `nat KUBE-SERVICES`).
fn sort_by_service(rules: &mut [Rule], names: &Names<'_>, last_rule: bool) {
    rules.sort_by_cached_key(|r| {
        let is_last = last_rule
            && matches!(r.comment(names.matches), Some(Comment::Text(t)) if t.contains("must be the last rule"));
        (is_last, service_key(r, names))
    });
}

/// The jumps from the built-in chains (`iptablesJumpChains` and the kubelet's
/// `KUBE-FIREWALL` jumps). kube-proxy inserts each at the top of its chain
/// (`EnsureRule(Prepend, …)`), so they end up in the reverse of the list order; the
/// kubelet's `-j KUBE-FIREWALL` was there first and stays last, as on a running node.
fn install_jumps(b: &mut Builder, builtins: &Builtins, sh: &Shared) {
    let Shared {
        f_services,
        f_external,
        f_forward,
        f_nodeports,
        f_proxy_firewall,
        f_firewall,
        n_services,
        n_postrouting,
        ..
    } = *sh;
    let new = Match::CtState(CtState::New, false);
    let c = |t: &'static str| Match::Comment(Comment::Text(t));
    let lb_firewall = "kubernetes load balancer firewall";
    let external = "kubernetes externally-visible service portals";
    let portals = "kubernetes service portals";

    b.push(
        builtins.filter_input,
        &[new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_input,
        &[c("kubernetes health check service ports")],
        Target::Jump(f_nodeports),
    );
    b.push(
        builtins.filter_input,
        &[new, c(external)],
        Target::Jump(f_external),
    );
    b.push(builtins.filter_input, &[], Target::Jump(f_firewall));

    b.push(
        builtins.filter_forward,
        &[new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_forward,
        &[c("kubernetes forwarding rules")],
        Target::Jump(f_forward),
    );
    b.push(
        builtins.filter_forward,
        &[new, c(portals)],
        Target::Jump(f_services),
    );
    b.push(
        builtins.filter_forward,
        &[new, c(external)],
        Target::Jump(f_external),
    );

    b.push(
        builtins.filter_output,
        &[new, c(lb_firewall)],
        Target::Jump(f_proxy_firewall),
    );
    b.push(
        builtins.filter_output,
        &[new, c(portals)],
        Target::Jump(f_services),
    );
    b.push(builtins.filter_output, &[], Target::Jump(f_firewall));

    b.push(
        builtins.nat_prerouting,
        &[c(portals)],
        Target::Jump(n_services),
    );
    b.push(builtins.nat_output, &[c(portals)], Target::Jump(n_services));
    b.push(
        builtins.nat_postrouting,
        &[c("kubernetes postrouting rules")],
        Target::Jump(n_postrouting),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encoding only the ten digest bytes the name needs gives the same names as
    /// `proxy::hash_name`, and kube-proxy's (`TestOverallIPTablesRules`).
    #[test]
    fn short_hash_matches_kube_proxy() {
        for (prefix, input, want) in [
            ("KUBE-SVC-", "ns1/svc1:p80tcp", "KUBE-SVC-XPGD46QRK7WJZT7O"),
            (
                "KUBE-SEP-",
                "ns1/svc1:p80tcp10.180.0.1:80",
                "KUBE-SEP-SXIVWICOYRO3J4NJ",
            ),
            (
                "KUBE-SEP-",
                "ns5/svc5:p80tcp10.180.0.3:80",
                "KUBE-SEP-I77PXRDZVX7PMWMN",
            ),
        ] {
            let name = hashed_name(prefix, input.as_bytes());
            assert_eq!(name.as_str(), want);
            assert_eq!(
                name.as_str(),
                format!("{prefix}{}", crate::proxy::hash_name(input, 16))
            );
        }
    }

    #[test]
    fn chains_sort_like_sort_iptables_rules() {
        let mut names = vec![
            "KUBE-SVC-B",
            "KUBE-SERVICES",
            "OTHER",
            "KUBE-EXT-A",
            "KUBE-NODEPORTS",
            "KUBE-MARK-MASQ",
        ];
        names.sort_by(|a, b| chain_order(a, b));
        assert_eq!(
            names,
            [
                "KUBE-NODEPORTS",
                "KUBE-SERVICES",
                "KUBE-EXT-A",
                "KUBE-MARK-MASQ",
                "KUBE-SVC-B",
                "OTHER"
            ]
        );
    }
}

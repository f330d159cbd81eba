//! kube-proxy's iptables mode as v1.33 programs it (`pkg/proxy/iptables/proxier.go`).
//!
//! [`Iptables::new`] runs the equivalent of one full `syncProxyRules` over a [`ProxyState`]
//! and keeps the result as data ([`rules`]): the `filter` and `nat` chains kube-proxy writes
//! with `iptables-restore`, plus the jump rules it installs in the built-in chains
//! (`PREROUTING`, `INPUT`, …) with `iptables -I`. [`Dataplane::render`] prints the
//! `iptables-restore` input kube-proxy writes, in the order upstream's unit tests normalise
//! it to (`sortIPTablesRules` in `proxier_test.go`); [`Dataplane::hook`] walks the very same
//! rules for a packet, the way netfilter does ([`netfilter`]).

pub mod netfilter;
pub mod proxier;
pub mod rules;

use std::net::Ipv4Addr;

use self::rules::{Chain, ChainId, MarkFormat, Match, Names, Rule, Table, TextBuf};
use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

/// `largeClusterEndpointsThreshold`: above this many endpoints kube-proxy stops writing
/// per-endpoint comments.
pub const LARGE_CLUSTER_ENDPOINTS_THRESHOLD: usize = 1000;

/// The nfacct counter on the INVALID drop rule
/// (`metrics.IPTablesCTStateInvalidDroppedNFAcctCounter`).
pub const CT_STATE_INVALID_DROPPED_NFACCT: &str = "ct_state_invalid_dropped_pkts";

/// The nfacct counter on localhost NodePort rules
/// (`metrics.LocalhostNodePortAcceptedNFAcctCounter`).
pub const LOCALHOST_NODEPORT_ACCEPTED_NFACCT: &str = "localhost_nps_accepted_pkts";

/// kube-proxy flags and host facts that change what iptables mode writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IptablesOptions {
    /// `--masquerade-all`: mark every ClusterIP connection for SNAT.
    pub masquerade_all: bool,
    /// `--iptables-masquerade-bit` (default 14, mark `0x4000`).
    pub masquerade_bit: u32,
    /// `--iptables-localhost-nodeports` (default true): NodePorts answer on `127.0.0.1`,
    /// with the `KUBE-FIREWALL` anti-martian rule.
    pub localhost_nodeports: bool,
    /// The `iptables` binary supports `MASQUERADE --random-fully` (any iptables ≥ 1.6.2).
    pub random_fully: bool,
    /// The nfacct counters could be created (kernel with `nfnetlink_acct`), so the rules
    /// carry `-m nfacct --nfacct-name …`.
    pub nfacct: bool,
    /// `net.netfilter.nf_conntrack_tcp_be_liberal` is set: no INVALID drop rule.
    pub conntrack_tcp_be_liberal: bool,
    /// How mark values are written.
    pub mark_format: MarkFormat,
}

impl Default for IptablesOptions {
    /// A v1.33 kube-proxy with default flags on a current node: iptables with
    /// `--random-fully`, nfacct available, `tcp_be_liberal` unset.
    fn default() -> Self {
        IptablesOptions {
            masquerade_all: false,
            masquerade_bit: 14,
            localhost_nodeports: true,
            random_fully: true,
            nfacct: true,
            conntrack_tcp_be_liberal: false,
            mark_format: MarkFormat::Go,
        }
    }
}

impl IptablesOptions {
    /// What upstream's unit tests run with (`NewFakeProxier` over `iptablestest.NewFake()`):
    /// mark string `0x4000`, no `--random-fully`, both nfacct counters present,
    /// localhost NodePorts on.
    pub fn upstream_test() -> IptablesOptions {
        IptablesOptions {
            random_fully: false,
            mark_format: MarkFormat::Short,
            ..IptablesOptions::default()
        }
    }

    /// The masquerade mark value (`1 << masquerade_bit`).
    pub fn masquerade_mark(&self) -> u32 {
        1u32.checked_shl(self.masquerade_bit).unwrap_or(1 << 14)
    }
}

/// The built-in chains kube-proxy hooks into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Builtins {
    filter_input: ChainId,
    filter_forward: ChainId,
    filter_output: ChainId,
    nat_prerouting: ChainId,
    nat_output: ChainId,
    nat_postrouting: ChainId,
}

/// What iptables mode programs on one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iptables {
    node_ip: Ipv4Addr,
    options: IptablesOptions,
    /// Every chain, built-in ones included, by [`ChainId`].
    chains: Vec<Chain>,
    /// Every rule, chain after chain in chain order.
    rules: Vec<Rule>,
    /// The matches of every rule, each rule a range of it.
    matches: Vec<Match>,
    /// `ns/svc:port` per service port (index = `svc` in comments).
    services: Vec<String>,
    /// `computeProbability(n)` per `n`.
    probabilities: Vec<String>,
    /// The kernel threshold for each probability.
    thresholds: Vec<u32>,
    /// Declared chains of `filter` and `nat`, in rendering order.
    filter_order: Vec<ChainId>,
    nat_order: Vec<ChainId>,
    builtins: Builtins,
    rule_count: usize,
}

impl Iptables {
    /// Programs the node from kube-proxy's view, with default flags
    /// ([`IptablesOptions::default`]).
    pub fn new(state: &ProxyState) -> Iptables {
        Iptables::with_options(state, IptablesOptions::default())
    }

    /// Programs the node from kube-proxy's view with the given flags.
    pub fn with_options(state: &ProxyState, options: IptablesOptions) -> Iptables {
        proxier::sync_proxy_rules(state, options)
    }

    /// The flags this data plane was built with.
    pub fn options(&self) -> &IptablesOptions {
        &self.options
    }

    /// Every chain, built-in chains included, in creation order.
    pub fn chains(&self) -> &[Chain] {
        &self.chains
    }

    /// A chain's rules.
    pub fn rules(&self, chain: &Chain) -> &[Rule] {
        let start = chain.first_rule as usize;
        self.rules
            .get(start..start + chain.rule_count as usize)
            .unwrap_or_default()
    }

    /// The match list rules index into ([`Rule::matches`]).
    pub fn matches(&self) -> &[Match] {
        &self.matches
    }

    /// A chain by table and name.
    pub fn chain(&self, table: Table, name: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .find(|c| c.table == table && c.name == name)
    }

    /// The chains of a table kube-proxy writes, in rendering order.
    pub fn table_chains(&self, table: Table) -> impl Iterator<Item = &Chain> {
        let order = match table {
            Table::Filter => &self.filter_order,
            Table::Nat => &self.nat_order,
        };
        order.iter().filter_map(|id| self.chains.get(id.0 as usize))
    }

    /// One rule as kube-proxy writes it: `-A <chain> …`.
    pub fn rule_text(&self, chain: &Chain, rule: &Rule) -> String {
        rule.text(chain.name.as_str(), &self.names())
    }

    /// The jump rules kube-proxy (and kubelet, for `KUBE-FIREWALL`) keep in the built-in
    /// chains, one table per block, as `iptables-save` would list them.
    pub fn render_builtin_jumps(&self) -> String {
        let mut out = TextBuf::with_capacity(2048);
        let names = self.names();
        for table in [Table::Filter, Table::Nat] {
            out.byte(b'*');
            out.put_str(table.as_str());
            out.byte(b'\n');
            for chain in self.chains.iter().filter(|c| c.builtin && c.table == table) {
                for rule in self.rules(chain) {
                    rule.write(chain.name.as_str(), &mut out, &names);
                    out.byte(b'\n');
                }
            }
            out.put_str("COMMIT\n");
        }
        out.into_string()
    }

    fn names(&self) -> Names<'_> {
        Names {
            matches: &self.matches,
            chains: &self.chains,
            services: &self.services,
            probabilities: &self.probabilities,
            mark_format: self.options.mark_format,
        }
    }
}

impl Dataplane for Iptables {
    fn render(&self) -> String {
        let names = self.names();
        let mut out = TextBuf::with_capacity(self.rule_count * 110 + self.chains.len() * 40);
        for (table, order) in [
            (Table::Filter, &self.filter_order),
            (Table::Nat, &self.nat_order),
        ] {
            out.byte(b'*');
            out.put_str(table.as_str());
            out.byte(b'\n');
            for id in order {
                if let Some(c) = self.chains.get(id.0 as usize) {
                    out.byte(b':');
                    out.put(c.name.as_bytes());
                    out.put_str(" - [0:0]\n");
                }
            }
            for id in order {
                if let Some(c) = self.chains.get(id.0 as usize) {
                    for rule in self.rules(c) {
                        rule.write_in(c.name.as_bytes(), &mut out, &names);
                        out.byte(b'\n');
                    }
                }
            }
            out.put_str("COMMIT\n");
        }
        out.into_string()
    }

    fn rule_count(&self) -> usize {
        self.rule_count
    }

    fn hook(&self, hook: Hook, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> Verdict {
        netfilter::run_hook(self, hook, packet, ctx)
    }
}

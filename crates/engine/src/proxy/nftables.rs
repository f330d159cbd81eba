//! kube-proxy's nftables mode (`--proxy-mode=nftables`, GA in v1.33), after
//! `pkg/proxy/nftables/proxier.go`.
//!
//! kube-proxy keeps everything in one table, `ip kube-proxy`. Eight base chains hook into
//! netfilter; a packet to a service is dispatched with one verdict-map lookup
//! (`ip daddr . meta l4proto . th dport vmap @service-ips`) instead of walking one rule per
//! service, then `numgen random mod N vmap { … }` picks an endpoint chain that DNATs:
//!
//! ```text
//! prerouting   filter-prerouting-pre-dnat (-110)  ct state new jump firewall-check
//!              nat-prerouting (-100)              jump services
//! output       filter-output-pre-dnat (-110)      ct state new jump firewall-check
//!              nat-output (-100)                  jump services
//!              filter-output (0)                  service-endpoints-check, cluster-ips-check
//! input        filter-input (0)                   nodeport-endpoints-check, service-endpoints-check
//! forward      filter-forward (0)                 service-endpoints-check, cluster-ips-check
//! postrouting  nat-postrouting (100)              jump masquerading
//! ```
//!
//! [`Nftables`] builds that table as structured data ([`table::Table`]); `render()` prints the
//! transaction a full sync hands to `nft -f`, [`Nftables::list_table`] the
//! `nft list table ip kube-proxy` view, and `hook()` walks a packet through the same rules.
//!
//! A packet's [`RuleHit`](super::RuleHit)s name the chain and the rule as `nft list` prints
//! it; a verdict-map lookup that found an element adds a second hit whose `chain` is the
//! map's name (`service-ips`, `no-endpoint-services`, …) and whose `rule` is the element
//! (`172.30.0.41 . tcp . 80 : goto service-…`). `*ctx.evaluated` counts every rule
//! evaluated; a map lookup is one, however many services the map holds.
//!
//! Notes on fidelity:
//! - The masquerade mark is written `0x00004000`: kube-proxy formats `1 << 14` with Go's
//!   `%#08x`, which pads the digits (not the prefix) to eight. Upstream's unit tests hard-code
//!   `0x4000` in their fake proxier; [`Nftables::with_mark_text`] reproduces that.
//! - `render()` is a full sync of a running kube-proxy. The very first sync after start-up
//!   also adds and deletes each base chain once (to recreate them with new priorities);
//!   that is left out.
//! - nftables mode writes no rule for a service's `healthCheckNodePort`: the health server
//!   listens on it and nothing in `ip kube-proxy` filters it.
//! - `--nodeport-addresses` is kube-proxy's nftables default, `primary`: `nodeport-ips` holds
//!   the node IP.

mod eval;
pub mod proxier;
pub mod table;

use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

pub use eval::HIT_TABLE;
use table::Table;

/// What nftables mode programs on one node.
pub struct Nftables {
    table: Table,
    node_ip: std::net::Ipv4Addr,
    /// Base chains per hook (in `Hook` order), sorted by priority.
    hooks: [Vec<usize>; 5],
}

fn hook_slot(hook: Hook) -> usize {
    match hook {
        Hook::Prerouting => 0,
        Hook::Input => 1,
        Hook::Forward => 2,
        Hook::Output => 3,
        Hook::Postrouting => 4,
    }
}

impl Nftables {
    /// Programs the node from kube-proxy's view.
    pub fn new(state: &ProxyState) -> Nftables {
        Nftables::with_mark_text(state, "0x00004000")
    }

    /// Like [`Nftables::new`], spelling the masquerade mark `mark_text` in the transaction
    /// (upstream's unit tests use `0x4000`). Only the text changes; the mark is `0x4000`.
    pub fn with_mark_text(state: &ProxyState, mark_text: &str) -> Nftables {
        let table = proxier::build(state, mark_text);
        let mut hooks: [Vec<usize>; 5] = Default::default();
        for (i, chain) in table.chains.iter().enumerate() {
            if let Some(base) = chain.base {
                hooks[hook_slot(base.hook)].push(i);
            }
        }
        for chains in &mut hooks {
            // Stable: equal priorities keep creation order.
            chains.sort_by_key(|&i| table.chains[i].base.map_or(0, |b| b.priority));
        }
        Nftables {
            table,
            node_ip: state.config.node_ip,
            hooks,
        }
    }

    /// The table as structured data.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// `nft list table ip kube-proxy`.
    pub fn list_table(&self) -> String {
        self.table.list()
    }

    /// The base chains attached to `hook`, in the order netfilter runs them.
    pub fn base_chains(&self, hook: Hook) -> Vec<&str> {
        self.hooks[hook_slot(hook)]
            .iter()
            .map(|&i| self.table.chains[i].name.as_str())
            .collect()
    }
}

impl Dataplane for Nftables {
    fn render(&self) -> String {
        self.table.transaction()
    }

    fn list_view(&self) -> Option<String> {
        Some(self.list_table())
    }

    /// Rules plus set and map elements.
    fn rule_count(&self) -> usize {
        self.table.size()
    }

    fn hook(&self, hook: Hook, packet: &mut Packet, ctx: &mut HookCtx<'_>) -> Verdict {
        let mut walk = eval::Walk {
            table: &self.table,
            node_ip: self.node_ip,
            ctx,
        };
        walk.hook(&self.hooks[hook_slot(hook)], packet)
    }
}

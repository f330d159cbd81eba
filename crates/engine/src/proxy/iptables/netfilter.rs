//! A packet through the programmed rules, as netfilter walks them: at each hook the tables
//! registered there run in priority order (`nat` before `filter` at `OUTPUT`), each from its
//! built-in chain; rules are tried top to bottom, all matches of a rule must hold, `-j`
//! descends into a chain and comes back when it ends or `RETURN`s, and a terminating
//! target (`ACCEPT`, `DROP`, `REJECT`, `DNAT`, `MASQUERADE`) ends the table.
//!
//! Only the first packet of a connection gets here: conntrack state matches see `NEW`.

use std::net::SocketAddrV4;

use super::Iptables;
use super::rules::{ChainId, Match, Target};
use crate::net::packet::Packet;
use crate::proxy::{Hook, HookCtx, RuleHit, Verdict};

/// How a chain (or a table) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Fell off the end or `RETURN`ed: the caller goes on.
    Continue,
    /// `ACCEPT`, or a NAT target: the table is done with the packet.
    Accept,
    /// `DROP`.
    Drop,
    /// `REJECT`.
    Reject,
}

/// Runs the tables registered at `hook`.
pub(super) fn run_hook(
    ipt: &Iptables,
    hook: Hook,
    packet: &mut Packet,
    ctx: &mut HookCtx<'_>,
) -> Verdict {
    let b = &ipt.builtins;
    let chains: &[ChainId] = match hook {
        Hook::Prerouting => &[b.nat_prerouting],
        Hook::Input => &[b.filter_input],
        Hook::Forward => &[b.filter_forward],
        // NAT (priority -100) runs before filter (0) on locally generated packets.
        Hook::Output => &[b.nat_output, b.filter_output],
        Hook::Postrouting => &[b.nat_postrouting],
    };
    for &chain in chains {
        // A built-in chain's policy is ACCEPT.
        match run_chain(ipt, chain, packet, ctx, 0) {
            Outcome::Drop => return Verdict::Drop,
            Outcome::Reject => return Verdict::Reject,
            Outcome::Accept | Outcome::Continue => {}
        }
    }
    Verdict::Accept
}

/// Deeper than any chain nesting kube-proxy writes; guards against loops.
const MAX_DEPTH: usize = 16;

fn run_chain(
    ipt: &Iptables,
    id: ChainId,
    packet: &mut Packet,
    ctx: &mut HookCtx<'_>,
    depth: usize,
) -> Outcome {
    let Some(chain) = ipt.chains.get(id.0 as usize) else {
        return Outcome::Continue;
    };
    if depth > MAX_DEPTH {
        return Outcome::Continue;
    }
    for rule in ipt.rules(chain) {
        *ctx.evaluated += 1;
        if !rule
            .matches(&ipt.matches)
            .iter()
            .all(|m| match_holds(ipt, m, packet, ctx))
        {
            continue;
        }
        ctx.hits.push(RuleHit {
            table: chain.table.as_str().to_owned(),
            chain: chain.name.as_str().to_owned(),
            rule: ipt.rule_text(chain, rule),
        });
        match rule.target {
            Target::None => {}
            Target::Jump(next) => match run_chain(ipt, next, packet, ctx, depth + 1) {
                Outcome::Continue => {}
                decided => return decided,
            },
            Target::Goto(next) => return run_chain(ipt, next, packet, ctx, depth + 1),
            Target::Dnat(to) => {
                packet.dst = to;
                return Outcome::Accept;
            }
            Target::OrMark(v) => packet.mark |= v,
            Target::XorMark(v) => packet.mark ^= v,
            Target::Masquerade { .. } => {
                // The source becomes the node's address (the port is kept; with
                // `--random-fully` the kernel would pick a random one).
                packet.src = SocketAddrV4::new(ipt.node_ip, packet.src.port());
                return Outcome::Accept;
            }
            Target::Reject => return Outcome::Reject,
            Target::Drop => return Outcome::Drop,
            Target::Accept => return Outcome::Accept,
            Target::Return => return Outcome::Continue,
        }
    }
    Outcome::Continue
}

fn match_holds(ipt: &Iptables, m: &Match, packet: &Packet, ctx: &mut HookCtx<'_>) -> bool {
    match *m {
        Match::Comment(_) | Match::Nfacct(_) => true,
        Match::Protocol(p) => packet.protocol == p,
        Match::Source(addr, negated) => addr.contains(packet.src_ip()) != negated,
        Match::Destination(addr, negated) => addr.contains(packet.dst_ip()) != negated,
        Match::DestPort(port) => packet.dst.port() == port,
        Match::DstTypeLocal => packet.dst_local,
        Match::SrcTypeLocal => packet.src_local,
        Match::Mark {
            value,
            mask,
            negated,
        } => (packet.mark & mask == value) != negated,
        Match::CtState(state, negated) => state.matches_new() != negated,
        Match::Probability(n) => {
            let threshold = ipt.thresholds.get(n as usize).copied().unwrap_or(0);
            // xt_statistic: (get_random_u32() & 0x7FFFFFFF) < threshold.
            ctx.rng.below(1 << 31) < u64::from(threshold)
        }
        Match::RecentCheck { list, seconds } => {
            let Some(name) = ipt.chains.get(list.0 as usize).map(|c| c.name.as_str()) else {
                return false;
            };
            let Some(entries) = ctx.runtime.affinity.get_mut(name) else {
                return false;
            };
            let src = packet.src_ip();
            let Some(&seen) = entries.get(&src) else {
                return false;
            };
            // xt_recent `--rcheck --seconds N`: seen within the last N seconds;
            // `--reap` drops the entry once it is older.
            if ctx.now_ms.saturating_sub(seen) <= u64::from(seconds) * 1000 {
                true
            } else {
                entries.remove(&src);
                false
            }
        }
        Match::RecentSet(list) => {
            if let Some(chain) = ipt.chains.get(list.0 as usize) {
                let entries = match ctx.runtime.affinity.get_mut(chain.name.as_str()) {
                    Some(e) => e,
                    None => ctx
                        .runtime
                        .affinity
                        .entry(chain.name.as_str().to_owned())
                        .or_default(),
                };
                entries.insert(packet.src_ip(), ctx.now_ms);
            }
            true
        }
    }
}

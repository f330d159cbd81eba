//! Walking a packet through the table's base chains, the way the kernel's nf_tables does:
//! base chains of a hook in priority order; within a chain, rules in order; `jump` returns,
//! `goto` does not; `accept` ends the base chain (the next base chain of the hook still
//! runs), `drop` and `reject` end the packet; NAT statements end their base chain with
//! `accept`; a verdict-map lookup that finds nothing lets the next rule run.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::table::{AddrField, AddrMatch, ElemKey, Expr, LookupKey, Rule, Table, Verdict};
use crate::net::packet::Packet;
use crate::proxy::{HookCtx, RuleHit, Verdict as HookVerdict};

/// The `RuleHit::table` of every nftables hit.
pub const HIT_TABLE: &str = "ip kube-proxy";

/// nf_tables' jump stack depth (`NFT_JUMP_STACK_SIZE`).
const JUMP_STACK: usize = 16;

/// What one rule did.
enum Outcome {
    /// A match failed (or a lookup found nothing): go on with the next rule.
    NoMatch,
    /// Matched without a verdict: go on with the next rule.
    Continue,
    /// Matched with a verdict.
    Verdict(Step),
}

/// A verdict with chains resolved.
enum Step {
    Accept,
    Drop,
    Reject,
    Return,
    Jump(usize),
    Goto(usize),
}

/// How one base chain ended.
enum Final {
    Accept,
    Drop,
    Reject,
}

/// A packet's walk through the table.
pub(super) struct Walk<'a, 'c, 'r> {
    pub table: &'a Table,
    pub node_ip: Ipv4Addr,
    pub ctx: &'c mut HookCtx<'r>,
}

impl<'a> Walk<'a, '_, '_> {
    /// Runs the base chains (positions, in priority order) of one hook.
    pub fn hook(&mut self, base_chains: &[usize], packet: &mut Packet) -> HookVerdict {
        for &chain in base_chains {
            match self.base_chain(chain, packet) {
                Final::Accept => {}
                Final::Drop => return HookVerdict::Drop,
                Final::Reject => return HookVerdict::Reject,
            }
        }
        HookVerdict::Accept
    }

    fn base_chain(&mut self, base: usize, packet: &mut Packet) -> Final {
        let table = self.table;
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let (mut chain, mut pos) = (base, 0usize);
        loop {
            let Some(rule) = table.chains[chain].rules.get(pos) else {
                // End of chain: back to the last jump, or the base chain's policy (accept).
                match stack.pop() {
                    Some((c, p)) => (chain, pos) = (c, p),
                    None => return Final::Accept,
                }
                continue;
            };
            pos += 1;
            *self.ctx.evaluated += 1;
            match self.rule(chain, rule, packet) {
                Outcome::NoMatch | Outcome::Continue => {}
                Outcome::Verdict(step) => match step {
                    Step::Accept => return Final::Accept,
                    Step::Drop => return Final::Drop,
                    Step::Reject => return Final::Reject,
                    Step::Return => match stack.pop() {
                        Some((c, p)) => (chain, pos) = (c, p),
                        None => return Final::Accept,
                    },
                    Step::Jump(target) => {
                        if stack.len() >= JUMP_STACK {
                            return Final::Drop;
                        }
                        stack.push((chain, pos));
                        (chain, pos) = (target, 0);
                    }
                    Step::Goto(target) => (chain, pos) = (target, 0),
                },
            }
        }
    }

    fn hit(&mut self, chain: &str, rule: String) {
        self.ctx.hits.push(RuleHit {
            table: HIT_TABLE.to_owned(),
            chain: chain.to_owned(),
            rule,
        });
    }

    fn resolve(&self, v: &Verdict) -> Step {
        let chain = |name: &str| self.table.chain_position(name);
        match v {
            Verdict::Accept => Step::Accept,
            Verdict::Drop => Step::Drop,
            Verdict::Return => Step::Return,
            // A verdict naming a missing chain cannot be loaded by nft; treat it as drop.
            Verdict::Jump(c) => chain(c).map_or(Step::Drop, Step::Jump),
            Verdict::Goto(c) => chain(c).map_or(Step::Drop, Step::Goto),
        }
    }

    fn in_set(&self, name: &str, addr: Ipv4Addr) -> bool {
        let Some(pos) = self.table.set_position(name) else {
            return false;
        };
        let set = &self.table.sets[pos];
        if set.dynamic_timeout {
            let timeout_ms = u64::from(set.timeout_seconds.unwrap_or(0)) * 1000;
            return self
                .ctx
                .runtime
                .affinity
                .get(name)
                .and_then(|m| m.get(&addr))
                .is_some_and(|&seen| self.ctx.now_ms < seen.saturating_add(timeout_ms));
        }
        self.table.lookup(pos, &ElemKey::Addr(addr)).is_some()
    }

    fn rule(&mut self, chain: usize, rule: &'a Rule, p: &mut Packet) -> Outcome {
        let table = self.table;
        let chain_name = &table.chains[chain].name;
        for expr in &rule.exprs {
            let step = match expr {
                Expr::CtStateNew => continue,
                Expr::Ip {
                    field,
                    negate,
                    value,
                } => {
                    let a = match field {
                        AddrField::Saddr => p.src_ip(),
                        AddrField::Daddr => p.dst_ip(),
                    };
                    let found = match value {
                        AddrMatch::Addr(x) => a == *x,
                        AddrMatch::Net(n) => n.contains(&a),
                        AddrMatch::Set(s) => self.in_set(s, a),
                        AddrMatch::Anon(items) => items.iter().any(|i| i.contains(a)),
                    };
                    if found == *negate {
                        return Outcome::NoMatch;
                    }
                    continue;
                }
                Expr::FibLocal(field) => {
                    let local = match field {
                        AddrField::Saddr => p.src_local,
                        AddrField::Daddr => p.dst_local,
                    };
                    if !local {
                        return Outcome::NoMatch;
                    }
                    continue;
                }
                Expr::MarkAndZero(m) => {
                    if p.mark & m != 0 {
                        return Outcome::NoMatch;
                    }
                    continue;
                }
                Expr::L4proto(proto) => {
                    if p.protocol != *proto {
                        return Outcome::NoMatch;
                    }
                    continue;
                }
                Expr::MarkOr(m) => {
                    p.mark |= m;
                    continue;
                }
                Expr::MarkXor(m) => {
                    p.mark ^= m;
                    continue;
                }
                Expr::UpdateSaddr(set) => {
                    let now = self.ctx.now_ms;
                    self.ctx
                        .runtime
                        .affinity
                        .entry(set.clone())
                        .or_default()
                        .insert(p.src_ip(), now);
                    continue;
                }
                Expr::Vmap { key, map } => {
                    let k = match key {
                        LookupKey::DaddrProtoPort => {
                            ElemKey::AddrProtoPort(p.dst_ip(), p.protocol, p.dst.port())
                        }
                        LookupKey::ProtoPort => ElemKey::ProtoPort(p.protocol, p.dst.port()),
                    };
                    let Some(pos) = self.table.set_position(map) else {
                        return Outcome::NoMatch;
                    };
                    let Some(element) = table.lookup(pos, &k) else {
                        return Outcome::NoMatch;
                    };
                    let Some(v) = &element.verdict else {
                        return Outcome::NoMatch;
                    };
                    self.hit(chain_name, rule.list_text());
                    self.hit(map, element.text());
                    return Outcome::Verdict(self.resolve(v));
                }
                Expr::NumgenVmap(targets) => {
                    let n = targets.len() as u64;
                    let i = self.ctx.rng.below(n) as usize;
                    match targets.get(i) {
                        Some(v) => self.resolve(v),
                        None => return Outcome::NoMatch,
                    }
                }
                Expr::Dnat(to) => {
                    p.dst = *to;
                    Step::Accept
                }
                Expr::MasqueradeFullyRandom => {
                    p.src = SocketAddrV4::new(self.node_ip, p.src.port());
                    Step::Accept
                }
                Expr::Reject => Step::Reject,
                Expr::Verdict(v) => self.resolve(v),
            };
            self.hit(chain_name, rule.list_text());
            return Outcome::Verdict(step);
        }
        self.hit(chain_name, rule.list_text());
        Outcome::Continue
    }
}

//! The iptables rules kube-proxy still writes in IPVS mode (and wrote in userspace mode): each
//! rule keeps the text kube-proxy hands to `iptables-restore` (or to `iptables -A`) next to
//! the matches and target it means, so a packet walk hits exactly the lines that are printed.
//!
//! Only the matches those two modes use are modelled: `-p`, `-s`, `-d`, `--dport`, `-m set`,
//! `-m addrtype`, `-m physdev`, `-m mark`, `-m conntrack`/`-m state`, `-m ipvs`.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use super::ipset::{IpSet, SetDir};
use crate::net::packet::Packet;
use crate::proxy::{HookCtx, Protocol, RuleHit};

/// An iptables table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `nat`.
    Nat,
    /// `filter`.
    Filter,
}

impl Table {
    /// `nat` / `filter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Nat => "nat",
            Table::Filter => "filter",
        }
    }

    /// The table's built-in chains, in `iptables-save` order.
    pub fn builtin_chains(self) -> &'static [&'static str] {
        match self {
            Table::Nat => &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
            Table::Filter => &["INPUT", "FORWARD", "OUTPUT"],
        }
    }
}

/// One match of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// `-p tcp` (with `-m tcp` where written).
    Protocol(Protocol),
    /// `-s <net>` or `! -s <net>`.
    Source {
        /// The network.
        net: Ipv4Net,
        /// `!`.
        negate: bool,
    },
    /// `-d <net>`.
    Destination(Ipv4Net),
    /// `--dport <port>`.
    DestPort(u16),
    /// `-m set --match-set <name> <dir,dir…>`.
    Set {
        /// Set name.
        name: String,
        /// Direction flags (`dst,dst`, `dst,dst,src`, …).
        dirs: Vec<SetDir>,
    },
    /// `-m addrtype [!] --dst-type LOCAL`.
    DstTypeLocal {
        /// `!`.
        negate: bool,
    },
    /// `-m addrtype [!] --src-type LOCAL`.
    SrcTypeLocal {
        /// `!`.
        negate: bool,
    },
    /// `-m physdev ! --physdev-is-in`: the packet did not enter through a bridge port.
    NotPhysdevIsIn,
    /// `-m mark [!] --mark value/mask`.
    Mark {
        /// Value.
        value: u32,
        /// Mask.
        mask: u32,
        /// `!`.
        negate: bool,
    },
    /// `-m conntrack --ctstate NEW` / `-m state --state NEW`: true for a connection's first
    /// packet, the only packets that reach the rules (conntrack handles the rest).
    CtStateNew,
    /// `-m conntrack --ctstate RELATED,ESTABLISHED`: never true for a first packet.
    CtStateEstablished,
    /// `-m ipvs --vaddr <ip> --vproto <proto> --vport <port>`: the packet was scheduled by
    /// IPVS for this virtual service.
    Ipvs {
        /// Virtual address.
        vaddr: Ipv4Addr,
        /// Virtual protocol.
        vproto: Protocol,
        /// Virtual port.
        vport: u16,
    },
}

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-j <chain>`.
    Jump(String),
    /// `-j ACCEPT`.
    Accept,
    /// `-j RETURN`.
    Return,
    /// `-j DROP`.
    Drop,
    /// `-j REJECT`.
    Reject,
    /// `-j MASQUERADE`.
    Masquerade,
    /// `-j MARK --or-mark <v>`.
    MarkOr(u32),
    /// `-j MARK --xor-mark <v>`.
    MarkXor(u32),
    /// `-j REDIRECT --to-ports <port>`.
    Redirect(u16),
    /// `-j DNAT --to-destination <ip:port>`.
    Dnat(SocketAddrV4),
}

/// One rule: where it lives, what it matches, what it does, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Table.
    pub table: Table,
    /// Chain.
    pub chain: String,
    /// Matches (all must hold; comments are not matches).
    pub matches: Vec<Match>,
    /// Target.
    pub target: Target,
    /// The rule as written: `-A CHAIN …`.
    pub text: String,
}

/// Everything one node's iptables holds for a mode: the kube chains declared per table and
/// the rules in write order (jumps from the built-in chains first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ruleset {
    /// Chains declared in `nat`, in write order.
    pub nat_chains: Vec<String>,
    /// Chains declared in `filter`, in write order.
    pub filter_chains: Vec<String>,
    /// Rules in write order.
    pub rules: Vec<Rule>,
}

/// The facts about a packet that rules look at besides its headers.
pub struct MatchEnv<'a> {
    /// The ipsets (`-m set`).
    pub sets: &'a [IpSet],
    /// Whether the packet entered through a bridge port (`--physdev-is-in`).
    pub physdev_in: bool,
    /// The virtual service IPVS scheduled the packet for (`-m ipvs`).
    pub ipvs: Option<(Protocol, SocketAddrV4)>,
    /// The address MASQUERADE rewrites the source to, and REDIRECT the destination to.
    pub node_ip: Ipv4Addr,
}

/// How a walk through a table ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Fell off a built-in chain (policy `ACCEPT`) or was accepted: the packet goes on.
    Accept,
    /// `DROP`.
    Drop,
    /// `REJECT`.
    Reject,
}

enum Flow {
    Return,
    Done(Outcome),
}

impl Ruleset {
    /// The rules of one chain, in order.
    pub fn chain<'a>(&'a self, table: Table, chain: &'a str) -> impl Iterator<Item = &'a Rule> {
        self.rules
            .iter()
            .filter(move |r| r.table == table && r.chain == chain)
    }

    /// `iptables-save` text: per table (`*nat` first, as kube-proxy writes them), the
    /// built-in and kube chain declarations, then each chain's rules in the order they were
    /// written, chain by chain (built-in chains first, then kube chains in creation order, as
    /// `iptables-nft-save` lists them), then `COMMIT`. The `# Generated by` / `# Completed on`
    /// timestamp comments are left out.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (table, chains) in [
            (Table::Nat, &self.nat_chains),
            (Table::Filter, &self.filter_chains),
        ] {
            let _ = writeln!(out, "*{}", table.as_str());
            for builtin in table.builtin_chains() {
                let _ = writeln!(out, ":{builtin} ACCEPT [0:0]");
            }
            for chain in chains {
                let _ = writeln!(out, ":{chain} - [0:0]");
            }
            let order: Vec<&str> = table
                .builtin_chains()
                .iter()
                .copied()
                .chain(chains.iter().map(String::as_str))
                .collect();
            for chain in &order {
                for rule in self.chain(table, chain) {
                    out.push_str(&rule.text);
                    out.push('\n');
                }
            }
            for rule in self
                .rules
                .iter()
                .filter(|r| r.table == table && !order.contains(&r.chain.as_str()))
            {
                out.push_str(&rule.text);
                out.push('\n');
            }
            out.push_str("COMMIT\n");
        }
        out
    }

    /// Walks `chain` of `table` for one packet (first packet of a connection): every rule
    /// looked at counts in `ctx.evaluated`, every rule that matches is recorded in `ctx.hits`,
    /// targets rewrite the packet (mark, MASQUERADE, REDIRECT, DNAT).
    pub fn walk(
        &self,
        table: Table,
        chain: &str,
        packet: &mut Packet,
        env: &MatchEnv<'_>,
        ctx: &mut HookCtx<'_>,
    ) -> Outcome {
        match self.run(table, chain, packet, env, ctx, 0) {
            Flow::Return => Outcome::Accept,
            Flow::Done(outcome) => outcome,
        }
    }

    fn run(
        &self,
        table: Table,
        chain: &str,
        packet: &mut Packet,
        env: &MatchEnv<'_>,
        ctx: &mut HookCtx<'_>,
        depth: usize,
    ) -> Flow {
        // iptables refuses loops; a depth cap keeps a malformed ruleset from recursing forever.
        if depth > 16 {
            return Flow::Return;
        }
        for rule in self.chain(table, chain) {
            *ctx.evaluated += 1;
            if !rule.matches.iter().all(|m| matches(m, packet, env)) {
                continue;
            }
            ctx.hits.push(RuleHit {
                table: table.as_str().to_owned(),
                chain: chain.to_owned(),
                rule: rule.text.clone(),
            });
            match &rule.target {
                Target::Jump(next) => {
                    if let Flow::Done(outcome) = self.run(table, next, packet, env, ctx, depth + 1)
                    {
                        return Flow::Done(outcome);
                    }
                }
                Target::Return => return Flow::Return,
                Target::Accept => return Flow::Done(Outcome::Accept),
                Target::Drop => return Flow::Done(Outcome::Drop),
                Target::Reject => return Flow::Done(Outcome::Reject),
                Target::MarkOr(v) => packet.mark |= v,
                Target::MarkXor(v) => packet.mark ^= v,
                Target::Masquerade => {
                    packet.src = SocketAddrV4::new(env.node_ip, packet.src.port());
                    return Flow::Done(Outcome::Accept);
                }
                Target::Redirect(port) => {
                    // REDIRECT sends the packet to the primary address of the interface it
                    // came in on (127.0.0.1 for locally generated packets).
                    let ip = if packet.src_local {
                        Ipv4Addr::LOCALHOST
                    } else {
                        env.node_ip
                    };
                    packet.dst = SocketAddrV4::new(ip, *port);
                    packet.dst_local = true;
                    return Flow::Done(Outcome::Accept);
                }
                Target::Dnat(to) => {
                    packet.dst = *to;
                    return Flow::Done(Outcome::Accept);
                }
            }
        }
        Flow::Return
    }
}

/// Whether one match holds for a packet.
pub fn matches(m: &Match, packet: &Packet, env: &MatchEnv<'_>) -> bool {
    match m {
        Match::Protocol(p) => packet.protocol == *p,
        Match::Source { net, negate } => net.contains(&packet.src_ip()) != *negate,
        Match::Destination(net) => net.contains(&packet.dst_ip()),
        Match::DestPort(port) => packet.dst.port() == *port,
        Match::Set { name, dirs } => env
            .sets
            .iter()
            .find(|s| s.name == *name)
            .is_some_and(|s| s.test(dirs, packet)),
        Match::DstTypeLocal { negate } => packet.dst_local != *negate,
        Match::SrcTypeLocal { negate } => packet.src_local != *negate,
        Match::NotPhysdevIsIn => !env.physdev_in,
        Match::Mark {
            value,
            mask,
            negate,
        } => (packet.mark & mask == *value) != *negate,
        Match::CtStateNew => true,
        Match::CtStateEstablished => false,
        Match::Ipvs {
            vaddr,
            vproto,
            vport,
        } => env.ipvs == Some((*vproto, SocketAddrV4::new(*vaddr, *vport))),
    }
}

/// Builds one rule's text and meaning side by side, argument by argument, in the order
/// kube-proxy appends them.
pub struct RuleBuilder {
    table: Table,
    chain: String,
    args: Vec<String>,
    matches: Vec<Match>,
}

impl RuleBuilder {
    /// `-A <chain>` in `table`.
    pub fn new(table: Table, chain: &str) -> RuleBuilder {
        RuleBuilder {
            table,
            chain: chain.to_owned(),
            args: vec!["-A".to_owned(), chain.to_owned()],
            matches: Vec::new(),
        }
    }

    /// Words that do not change what matches (`-m comment --comment "…"`, `-m tcp`).
    pub fn text(mut self, words: &str) -> RuleBuilder {
        self.args.push(words.to_owned());
        self
    }

    /// Words plus the match they mean.
    pub fn with(mut self, words: &str, m: Match) -> RuleBuilder {
        self.args.push(words.to_owned());
        self.matches.push(m);
        self
    }

    /// `-m comment --comment <c>`, quoted when the comment has spaces (as `iptables-save`
    /// prints it and kube-proxy writes it).
    pub fn comment(self, c: &str) -> RuleBuilder {
        if c.contains(' ') {
            self.text(&format!("-m comment --comment \"{c}\""))
        } else {
            self.text(&format!("-m comment --comment {c}"))
        }
    }

    /// `-m set --match-set <name> <dirs>`.
    pub fn set(self, name: &str, dirs: &[SetDir]) -> RuleBuilder {
        let flags: Vec<&str> = dirs.iter().map(|d| d.as_str()).collect();
        self.with(
            &format!("-m set --match-set {name} {}", flags.join(",")),
            Match::Set {
                name: name.to_owned(),
                dirs: dirs.to_vec(),
            },
        )
    }

    /// Finishes the rule with `-j <target…>`.
    pub fn target(mut self, words: &str, target: Target) -> Rule {
        self.args.push(words.to_owned());
        Rule {
            table: self.table,
            chain: self.chain,
            matches: self.matches,
            target,
            text: self.args.join(" "),
        }
    }

    /// Finishes the rule with a jump to another chain.
    pub fn jump(self, chain: &str) -> Rule {
        self.target(&format!("-j {chain}"), Target::Jump(chain.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::ProxyRuntime;
    use crate::rng::SimRng;

    #[test]
    fn walk_follows_jumps_returns_and_marks() {
        let rules = Ruleset {
            nat_chains: vec!["KUBE-SERVICES".into(), "KUBE-MARK-MASQ".into()],
            filter_chains: vec![],
            rules: vec![
                RuleBuilder::new(Table::Nat, "PREROUTING").jump("KUBE-SERVICES"),
                RuleBuilder::new(Table::Nat, "KUBE-SERVICES")
                    .with(
                        "-s 127.0.0.0/8",
                        Match::Source {
                            net: "127.0.0.0/8".parse().expect("literal"),
                            negate: false,
                        },
                    )
                    .target("-j RETURN", Target::Return),
                RuleBuilder::new(Table::Nat, "KUBE-SERVICES").jump("KUBE-MARK-MASQ"),
                RuleBuilder::new(Table::Nat, "KUBE-MARK-MASQ")
                    .target("-j MARK --or-mark 0x4000", Target::MarkOr(0x4000)),
            ],
        };
        let mut packet = Packet::tcp(
            "192.168.1.9:40000".parse().expect("literal"),
            "10.96.0.1:443".parse().expect("literal"),
        );
        let (mut rng, mut runtime, mut hits, mut evaluated) =
            (SimRng::new(1), ProxyRuntime::default(), Vec::new(), 0);
        let mut ctx = HookCtx {
            now_ms: 0,
            rng: &mut rng,
            runtime: &mut runtime,
            hits: &mut hits,
            evaluated: &mut evaluated,
        };
        let env = MatchEnv {
            sets: &[],
            physdev_in: false,
            ipvs: None,
            node_ip: Ipv4Addr::new(172, 18, 0, 2),
        };
        let out = rules.walk(Table::Nat, "PREROUTING", &mut packet, &env, &mut ctx);
        assert_eq!(out, Outcome::Accept);
        assert_eq!(packet.mark, 0x4000);
        assert_eq!(evaluated, 4);
        let texts: Vec<&str> = hits.iter().map(|h| h.rule.as_str()).collect();
        assert_eq!(
            texts,
            [
                "-A PREROUTING -j KUBE-SERVICES",
                "-A KUBE-SERVICES -j KUBE-MARK-MASQ",
                "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000"
            ]
        );
        assert!(rules.render().starts_with(
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
             :POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n"
        ));
    }
}

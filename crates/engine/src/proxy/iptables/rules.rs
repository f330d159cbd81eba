//! The rules iptables mode programs, as data: tables hold chains, a chain holds rules, a rule
//! is a list of matches and one target. Each rule renders to the exact `-A` line kube-proxy
//! hands to `iptables-restore` (`pkg/proxy/iptables/proxier.go`, v1.33), argument for
//! argument in kube-proxy's order.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use crate::proxy::Protocol;

/// A netfilter table kube-proxy writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `filter`: REJECT / DROP / ACCEPT decisions.
    Filter,
    /// `nat`: DNAT to endpoints, the masquerade mark, MASQUERADE.
    Nat,
}

impl Table {
    /// `filter` / `nat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Filter => "filter",
            Table::Nat => "nat",
        }
    }
}

/// Index of a chain in [`super::Iptables`]'s chain list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainId(pub u32);

/// One chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Its name (`KUBE-SERVICES`, `KUBE-SVC-…`, `PREROUTING`, …).
    pub name: String,
    /// The table it lives in.
    pub table: Table,
    /// A built-in chain (`PREROUTING`, `INPUT`, …): kube-proxy only adds jump rules to it
    /// (`EnsureRule`), so it is not part of the `iptables-restore` input.
    pub builtin: bool,
    /// Whether kube-proxy writes a `:NAME - [0:0]` line for it. Rules may jump to a chain
    /// kube-proxy did not declare (as upstream may); such a chain stays empty.
    pub declared: bool,
    /// Its rules, in order.
    pub rules: Vec<Rule>,
}

/// One rule: every match must hold, then the target applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The matches, in the order kube-proxy writes them.
    pub matches: Vec<Match>,
    /// What happens to a matching packet.
    pub target: Target,
}

/// An address match value: a single IP (`-d 172.30.0.41`) or a CIDR (`-s 10.0.0.0/8`),
/// written as kube-proxy writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    /// One address.
    Ip(Ipv4Addr),
    /// A network.
    Net(Ipv4Net),
}

impl Addr {
    /// Whether `ip` is this address or inside this network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        match self {
            Addr::Ip(a) => *a == ip,
            Addr::Net(n) => n.contains(&ip),
        }
    }
}

/// `-m conntrack --ctstate` values kube-proxy uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtState {
    /// `NEW`.
    New,
    /// `INVALID`.
    Invalid,
    /// `RELATED,ESTABLISHED`.
    RelatedEstablished,
    /// `RELATED,ESTABLISHED,DNAT`.
    RelatedEstablishedDnat,
}

impl CtState {
    fn as_str(self) -> &'static str {
        match self {
            CtState::New => "NEW",
            CtState::Invalid => "INVALID",
            CtState::RelatedEstablished => "RELATED,ESTABLISHED",
            CtState::RelatedEstablishedDnat => "RELATED,ESTABLISHED,DNAT",
        }
    }

    /// Whether the first packet of a new connection is in this state. It is `NEW`; it is
    /// not yet `DNAT` either (conntrack's virtual `DNAT` state means "the reply source
    /// differs from the original destination", and kube-proxy never DNATs to `127.0.0.0/8`,
    /// the only destination the rule using it looks at).
    pub fn matches_new(self) -> bool {
        self == CtState::New
    }
}

/// A rule comment (`-m comment --comment …`), kept as a recipe so thousands of rules do not
/// each carry a formatted string. `svc` is an index into the service ports the data plane
/// was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comment {
    /// A fixed text (quoted when it contains a space).
    Text(&'static str),
    /// The service port name alone, `ns/svc:port` (never quoted: it has no spaces).
    Service(u32),
    /// `"<prefix><ns/svc:port><suffix>"`, e.g. `"ns1/svc1:p80 cluster IP"` or
    /// `"masquerade traffic for ns1/svc1:p80 external destinations"`.
    Around(&'static str, u32, &'static str),
    /// `"<ns/svc:port> -> <ip>:<port>"`.
    Endpoint(u32, SocketAddrV4),
    /// `"<ns/svc:port> traffic not accepted by <KUBE-FW-…>"`.
    NotAcceptedBy(u32, ChainId),
}

/// One match of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// `-m comment --comment X` (always matches).
    Comment(Comment),
    /// `-m tcp -p tcp` (or udp / sctp).
    Protocol(Protocol),
    /// `-s X` / `! -s X`.
    Source(Addr, bool),
    /// `-d X` / `! -d X`.
    Destination(Addr, bool),
    /// `--dport N` (after a protocol match).
    DestPort(u16),
    /// `-m addrtype --dst-type LOCAL`.
    DstTypeLocal,
    /// `-m addrtype --src-type LOCAL`.
    SrcTypeLocal,
    /// `-m mark --mark V/M` (`negated`: `-m mark ! --mark V/M`).
    Mark {
        /// Value.
        value: u32,
        /// Mask.
        mask: u32,
        /// `!`.
        negated: bool,
    },
    /// `-m conntrack --ctstate S` (`negated`: `! --ctstate S`).
    CtState(CtState, bool),
    /// `-m statistic --mode random --probability <1/n>`.
    Probability(u32),
    /// `-m recent --name X --rcheck --seconds N --reap`.
    RecentCheck {
        /// The list (named after the endpoint chain).
        list: ChainId,
        /// `--seconds`.
        seconds: u32,
    },
    /// `-m recent --name X --set`.
    RecentSet(ChainId),
    /// `-m nfacct --nfacct-name X` (a counter; always matches).
    Nfacct(&'static str),
}

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// No `-j`: the rule only counts; the packet goes on to the next rule.
    None,
    /// `-j CHAIN`: run that chain, come back unless it decides.
    Jump(ChainId),
    /// `-g CHAIN`: run that chain and do not come back to this one.
    Goto(ChainId),
    /// `-j DNAT --to-destination ip:port`.
    Dnat(SocketAddrV4),
    /// `-j MARK --or-mark V`.
    OrMark(u32),
    /// `-j MARK --xor-mark V`.
    XorMark(u32),
    /// `-j MASQUERADE [--random-fully]`.
    Masquerade {
        /// `--random-fully`.
        random_fully: bool,
    },
    /// `-j REJECT`.
    Reject,
    /// `-j DROP`.
    Drop,
    /// `-j ACCEPT`.
    Accept,
    /// `-j RETURN`.
    Return,
}

/// What a rule's text refers to by index: chain names, service port names and the
/// precomputed probability strings.
pub struct Names<'a> {
    /// Every chain, by [`ChainId`].
    pub chains: &'a [Chain],
    /// `ns/svc:port` per service port.
    pub services: &'a [String],
    /// `computeProbability(n)` per `n` (index 0 unused).
    pub probabilities: &'a [String],
    /// How marks are written.
    pub mark_format: MarkFormat,
}

impl Names<'_> {
    fn chain(&self, id: ChainId) -> &str {
        self.chains
            .get(id.0 as usize)
            .map(|c| c.name.as_str())
            .unwrap_or("?")
    }

    fn service(&self, svc: u32) -> &str {
        self.services
            .get(svc as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
}

/// How a mark value is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MarkFormat {
    /// `fmt.Sprintf("%#08x", v)` as kube-proxy computes it (`NewProxier`): Go pads the digits
    /// to eight, so bit 14 is `0x00004000` (kube-proxy logs `mark="0x00004000"`).
    #[default]
    Go,
    /// `0x4000`: the string upstream's unit tests hard-code (`NewFakeProxier`), and the form
    /// `iptables-save` prints back.
    Short,
}

impl MarkFormat {
    /// Writes `value` in this format.
    pub fn write(self, out: &mut String, value: u32) {
        let _ = match self {
            MarkFormat::Go => write!(out, "0x{value:08x}"),
            MarkFormat::Short => write!(out, "{value:#x}"),
        };
    }

    /// `value` in this format.
    pub fn format(self, value: u32) -> String {
        let mut s = String::new();
        self.write(&mut s, value);
        s
    }
}

fn write_u32(out: &mut String, n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

fn write_ip(out: &mut String, ip: Ipv4Addr) {
    let [a, b, c, d] = ip.octets();
    for (i, o) in [a, b, c, d].into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        write_u32(out, u32::from(o));
    }
}

fn write_addr(out: &mut String, addr: Addr) {
    match addr {
        Addr::Ip(ip) => write_ip(out, ip),
        Addr::Net(net) => {
            write_ip(out, net.addr());
            out.push('/');
            write_u32(out, u32::from(net.prefix_len()));
        }
    }
}

fn write_socket(out: &mut String, sa: SocketAddrV4) {
    write_ip(out, *sa.ip());
    out.push(':');
    write_u32(out, u32::from(sa.port()));
}

impl Comment {
    /// Writes the comment argument as kube-proxy passes it (with its quotes).
    pub fn write(&self, out: &mut String, names: &Names<'_>) {
        match *self {
            Comment::Text(t) => {
                if t.contains(' ') {
                    out.push('"');
                    out.push_str(t);
                    out.push('"');
                } else {
                    out.push_str(t);
                }
            }
            Comment::Service(svc) => out.push_str(names.service(svc)),
            Comment::Around(prefix, svc, suffix) => {
                out.push('"');
                out.push_str(prefix);
                out.push_str(names.service(svc));
                out.push_str(suffix);
                out.push('"');
            }
            Comment::Endpoint(svc, ep) => {
                out.push('"');
                out.push_str(names.service(svc));
                out.push_str(" -> ");
                write_socket(out, ep);
                out.push('"');
            }
            Comment::NotAcceptedBy(svc, fw) => {
                out.push('"');
                out.push_str(names.service(svc));
                out.push_str(" traffic not accepted by ");
                out.push_str(names.chain(fw));
                out.push('"');
            }
        }
    }
}

impl Rule {
    /// A rule.
    pub fn new(matches: Vec<Match>, target: Target) -> Rule {
        Rule { matches, target }
    }

    /// The rule's comment, if it has one.
    pub fn comment(&self) -> Option<&Comment> {
        self.matches.iter().find_map(|m| match m {
            Match::Comment(c) => Some(c),
            _ => None,
        })
    }

    /// Appends `-A <chain> …` (no newline) to `out`.
    pub fn write(&self, chain: &str, out: &mut String, names: &Names<'_>) {
        out.push_str("-A ");
        out.push_str(chain);
        for m in &self.matches {
            match *m {
                Match::Comment(c) => {
                    out.push_str(" -m comment --comment ");
                    c.write(out, names);
                }
                Match::Protocol(p) => {
                    out.push_str(" -m ");
                    out.push_str(p.lower());
                    out.push_str(" -p ");
                    out.push_str(p.lower());
                }
                Match::Source(addr, negated) => {
                    out.push_str(if negated { " ! -s " } else { " -s " });
                    write_addr(out, addr);
                }
                Match::Destination(addr, negated) => {
                    out.push_str(if negated { " ! -d " } else { " -d " });
                    write_addr(out, addr);
                }
                Match::DestPort(port) => {
                    out.push_str(" --dport ");
                    write_u32(out, u32::from(port));
                }
                Match::DstTypeLocal => out.push_str(" -m addrtype --dst-type LOCAL"),
                Match::SrcTypeLocal => out.push_str(" -m addrtype --src-type LOCAL"),
                Match::Mark {
                    value,
                    mask,
                    negated,
                } => {
                    out.push_str(if negated {
                        " -m mark ! --mark "
                    } else {
                        " -m mark --mark "
                    });
                    names.mark_format.write(out, value);
                    out.push('/');
                    names.mark_format.write(out, mask);
                }
                Match::CtState(state, negated) => {
                    out.push_str(if negated {
                        " -m conntrack ! --ctstate "
                    } else {
                        " -m conntrack --ctstate "
                    });
                    out.push_str(state.as_str());
                }
                Match::Probability(n) => {
                    out.push_str(" -m statistic --mode random --probability ");
                    match names.probabilities.get(n as usize) {
                        Some(p) => out.push_str(p),
                        None => out.push_str(&compute_probability(n)),
                    }
                }
                Match::RecentCheck { list, seconds } => {
                    out.push_str(" -m recent --name ");
                    out.push_str(names.chain(list));
                    out.push_str(" --rcheck --seconds ");
                    write_u32(out, seconds);
                    out.push_str(" --reap");
                }
                Match::RecentSet(list) => {
                    out.push_str(" -m recent --name ");
                    out.push_str(names.chain(list));
                    out.push_str(" --set");
                }
                Match::Nfacct(name) => {
                    out.push_str(" -m nfacct --nfacct-name ");
                    out.push_str(name);
                }
            }
        }
        match self.target {
            Target::None => {}
            Target::Jump(c) => {
                out.push_str(" -j ");
                out.push_str(names.chain(c));
            }
            Target::Goto(c) => {
                out.push_str(" -g ");
                out.push_str(names.chain(c));
            }
            Target::Dnat(to) => {
                out.push_str(" -j DNAT --to-destination ");
                write_socket(out, to);
            }
            Target::OrMark(v) => {
                out.push_str(" -j MARK --or-mark ");
                names.mark_format.write(out, v);
            }
            Target::XorMark(v) => {
                out.push_str(" -j MARK --xor-mark ");
                names.mark_format.write(out, v);
            }
            Target::Masquerade { random_fully } => {
                out.push_str(" -j MASQUERADE");
                if random_fully {
                    out.push_str(" --random-fully");
                }
            }
            Target::Reject => out.push_str(" -j REJECT"),
            Target::Drop => out.push_str(" -j DROP"),
            Target::Accept => out.push_str(" -j ACCEPT"),
            Target::Return => out.push_str(" -j RETURN"),
        }
    }
}

/// `computeProbability(n)`: `fmt.Sprintf("%0.10f", 1.0/float64(n))`.
pub fn compute_probability(n: u32) -> String {
    format!("{:.10}", 1.0 / f64::from(n.max(1)))
}

/// The threshold the kernel compares a random 31-bit value against for
/// `--probability p`: `iptables` stores `lround(0x80000000 * p)` (`libxt_statistic.c`) and
/// `xt_statistic.c` matches when `(get_random_u32() & 0x7FFFFFFF) < threshold`.
pub fn probability_threshold(probability: &str) -> u32 {
    let p: f64 = probability.parse().unwrap_or(0.0);
    let t = (p * f64::from(0x8000_0000u32)).round();
    if t >= f64::from(u32::MAX) {
        u32::MAX
    } else if t <= 0.0 {
        0
    } else {
        t as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestComputeProbability` (pkg/proxy/iptables/proxier_test.go).
    #[test]
    fn probabilities_match_kube_proxy() {
        for (n, want) in [
            (1, "1.0000000000"),
            (2, "0.5000000000"),
            (3, "0.3333333333"),
            (10, "0.1000000000"),
            (100, "0.0100000000"),
            (1000, "0.0010000000"),
            (10000, "0.0001000000"),
            (100000, "0.0000100000"),
            (100001, "0.0000099999"),
        ] {
            assert_eq!(compute_probability(n), want, "n = {n}");
        }
    }

    #[test]
    fn marks_print_like_go() {
        assert_eq!(MarkFormat::Go.format(1 << 14), "0x00004000");
        assert_eq!(MarkFormat::Go.format(1 << 31), "0x80000000");
        assert_eq!(MarkFormat::Short.format(1 << 14), "0x4000");
    }

    #[test]
    fn thresholds_follow_the_kernel() {
        assert_eq!(probability_threshold("0.5000000000"), 0x4000_0000);
        assert_eq!(probability_threshold("1.0000000000"), 0x8000_0000);
        assert_eq!(probability_threshold("0.3333333333"), 715_827_883);
    }
}

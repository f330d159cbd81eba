//! The rules iptables mode programs, as data: tables hold chains, a chain holds rules, a rule
//! is a list of matches and one target. Each rule renders to the exact `-A` line kube-proxy
//! hands to `iptables-restore` (`pkg/proxy/iptables/proxier.go`, v1.33), argument for
//! argument in kube-proxy's order.

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

/// A chain name, stored inline (iptables allows at most 28 characters; kube-proxy's are
/// at most 25), so a large table is not tens of thousands of small allocations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainName {
    bytes: [u8; ChainName::MAX],
    len: u8,
}

impl ChainName {
    /// The longest name iptables accepts.
    pub const MAX: usize = 28;

    /// A name from its text (cut at [`ChainName::MAX`] bytes, on a character boundary).
    pub fn new(name: &str) -> ChainName {
        let mut end = name.len().min(Self::MAX);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        Self::from_parts(&[&name.as_bytes()[..end]])
    }

    /// A name from pieces of ASCII text (cut at [`ChainName::MAX`] bytes).
    pub fn from_parts(parts: &[&[u8]]) -> ChainName {
        let mut bytes = [0u8; Self::MAX];
        let mut len = 0;
        for part in parts {
            let n = part.len().min(Self::MAX - len);
            bytes[len..len + n].copy_from_slice(&part[..n]);
            len += n;
        }
        ChainName {
            bytes,
            len: len as u8,
        }
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl std::fmt::Debug for ChainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for ChainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ChainName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ChainName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One chain. Chains are numbered in the order they are printed (`filter`, then `nat`,
/// then the built-in chains), and their rules sit in one list in that order too
/// ([`super::Iptables::rules`]), so printing reads memory front to back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Its name (`KUBE-SERVICES`, `KUBE-SVC-…`, `PREROUTING`, …).
    pub name: ChainName,
    /// The table it lives in.
    pub table: Table,
    /// A built-in chain (`PREROUTING`, `INPUT`, …): kube-proxy only adds jump rules to it
    /// (`EnsureRule`), so it is not part of the `iptables-restore` input.
    pub builtin: bool,
    /// Whether kube-proxy writes a `:NAME - [0:0]` line for it. Rules may jump to a chain
    /// kube-proxy did not declare (as upstream may); such a chain stays empty.
    pub declared: bool,
    /// Index of its first rule in the rule list.
    pub first_rule: u32,
    /// How many rules it has.
    pub rule_count: u32,
}

/// One rule: every match must hold, then the target applies. Its matches live in the data
/// plane's match list ([`super::Iptables::matches`]), so 100 000 rules are not 100 000
/// allocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Where its matches start in the match list.
    pub start: u32,
    /// How many matches it has (in the order kube-proxy writes them).
    pub len: u32,
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

impl Match {
    /// The same match with its chain references renumbered.
    pub fn remap(self, map: &impl Fn(ChainId) -> ChainId) -> Match {
        match self {
            Match::Comment(c) => Match::Comment(c.remap(map)),
            Match::RecentCheck { list, seconds } => Match::RecentCheck {
                list: map(list),
                seconds,
            },
            Match::RecentSet(list) => Match::RecentSet(map(list)),
            other => other,
        }
    }
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

impl Target {
    /// The same target with its chain reference renumbered.
    pub fn remap(self, map: &impl Fn(ChainId) -> ChainId) -> Target {
        match self {
            Target::Jump(c) => Target::Jump(map(c)),
            Target::Goto(c) => Target::Goto(map(c)),
            other => other,
        }
    }
}

/// What a rule's text refers to by index: its matches, chain names, service port names and
/// the precomputed probability strings.
pub struct Names<'a> {
    /// The match list rules index into.
    pub matches: &'a [Match],
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
    fn chain(&self, id: ChainId) -> &[u8] {
        self.chains
            .get(id.0 as usize)
            .map(|c| c.name.as_bytes())
            .unwrap_or(b"?")
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
    /// `value` in this format.
    pub fn format(self, value: u32) -> String {
        let mut out = TextBuf::with_capacity(10);
        out.mark(self, value);
        out.into_string()
    }
}

/// Each octet's decimal digits (left-aligned) and how many there are.
const OCTETS: [([u8; 3], u8); 256] = {
    let mut table = [([0u8; 3], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let o = i as u8;
        table[i] = if o >= 100 {
            ([b'0' + o / 100, b'0' + o / 10 % 10, b'0' + o % 10], 3)
        } else if o >= 10 {
            ([b'0' + o / 10, b'0' + o % 10, 0], 2)
        } else {
            ([b'0' + o, 0, 0], 1)
        };
        i += 1;
    }
    table
};

/// An output buffer with a cursor over pre-sized memory: copying a constant fragment into
/// it compiles to a few moves instead of a `memcpy` call, which is what keeps printing
/// 100 000+ rules fast.
pub struct TextBuf {
    data: Vec<u8>,
    len: usize,
}

impl TextBuf {
    /// An empty buffer with room for `capacity` bytes (it grows past that if needed).
    pub fn with_capacity(capacity: usize) -> TextBuf {
        TextBuf {
            data: vec![0; capacity.max(64)],
            len: 0,
        }
    }

    /// Appends bytes.
    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end > self.data.len() {
            self.data.resize(end.max(self.data.len() * 2), 0);
        }
        self.data[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    /// Appends a string.
    #[inline(always)]
    pub fn put_str(&mut self, s: &str) {
        self.put(s.as_bytes());
    }

    /// Appends one ASCII byte.
    #[inline(always)]
    pub fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }

    /// Appends `n` in decimal.
    pub fn u32(&mut self, mut n: u32) {
        let mut buf = [0u8; 10];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 || i == 0 {
                break;
            }
        }
        self.put(&buf[i..]);
    }

    /// Appends a dotted quad.
    pub fn ip(&mut self, ip: Ipv4Addr) {
        let mut buf = [0u8; 16];
        let mut len = 0;
        for (i, o) in ip.octets().into_iter().enumerate() {
            let (digits, n) = OCTETS[usize::from(o)];
            // Four bytes: the digits, then a dot (overwritten by the next octet's digits
            // where they start, and cut off after the last octet).
            buf[len..len + 4].copy_from_slice(&[digits[0], digits[1], digits[2], b'.']);
            len += usize::from(n);
            if i < 3 {
                buf[len] = b'.';
                len += 1;
            }
        }
        self.put(&buf[..len]);
    }

    /// Appends `ip` or `net/len` as kube-proxy writes it.
    pub fn addr(&mut self, addr: Addr) {
        match addr {
            Addr::Ip(ip) => self.ip(ip),
            Addr::Net(net) => {
                self.ip(net.addr());
                self.byte(b'/');
                self.u32(u32::from(net.prefix_len()));
            }
        }
    }

    /// Appends `ip:port`.
    pub fn socket(&mut self, sa: SocketAddrV4) {
        self.ip(*sa.ip());
        self.byte(b':');
        self.u32(u32::from(sa.port()));
    }

    /// Appends `value` as a hex mark in `format`.
    pub fn mark(&mut self, format: MarkFormat, value: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 10];
        buf[0] = b'0';
        buf[1] = b'x';
        for (i, slot) in buf[2..].iter_mut().enumerate() {
            *slot = HEX[((value >> (28 - 4 * i)) & 0xf) as usize];
        }
        match format {
            MarkFormat::Go => self.put(&buf),
            MarkFormat::Short => {
                let first = buf[2..9].iter().position(|&d| d != b'0').unwrap_or(7);
                self.put(b"0x");
                self.put(&buf[2 + first..]);
            }
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets everything after the first `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The bytes so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        // Only ASCII and the UTF-8 of whole `&str`s is ever written.
        std::str::from_utf8(&self.data[..self.len]).unwrap_or_default()
    }

    /// The text, as a `String`.
    pub fn into_string(mut self) -> String {
        self.data.truncate(self.len);
        String::from_utf8(self.data).unwrap_or_default()
    }
}

impl Comment {
    /// The same comment with its chain reference renumbered.
    pub fn remap(self, map: &impl Fn(ChainId) -> ChainId) -> Comment {
        match self {
            Comment::NotAcceptedBy(svc, fw) => Comment::NotAcceptedBy(svc, map(fw)),
            other => other,
        }
    }

    /// The comment argument as kube-proxy passes it (with its quotes).
    pub fn text(&self, names: &Names<'_>) -> String {
        let mut out = TextBuf::with_capacity(96);
        self.write(&mut out, names);
        out.into_string()
    }

    /// Writes the comment argument as kube-proxy passes it (with its quotes).
    pub fn write(&self, out: &mut TextBuf, names: &Names<'_>) {
        match *self {
            Comment::Text(t) => {
                if t.contains(' ') {
                    out.byte(b'"');
                    out.put_str(t);
                    out.byte(b'"');
                } else {
                    out.put_str(t);
                }
            }
            Comment::Service(svc) => out.put_str(names.service(svc)),
            Comment::Around(prefix, svc, suffix) => {
                out.byte(b'"');
                out.put_str(prefix);
                out.put_str(names.service(svc));
                out.put_str(suffix);
                out.byte(b'"');
            }
            Comment::Endpoint(svc, ep) => {
                out.byte(b'"');
                out.put_str(names.service(svc));
                out.put_str(" -> ");
                out.socket(ep);
                out.byte(b'"');
            }
            Comment::NotAcceptedBy(svc, fw) => {
                out.byte(b'"');
                out.put_str(names.service(svc));
                out.put_str(" traffic not accepted by ");
                out.put(names.chain(fw));
                out.byte(b'"');
            }
        }
    }
}

impl Rule {
    /// The rule's matches, from the match list.
    pub fn matches<'a>(&self, list: &'a [Match]) -> &'a [Match] {
        let start = self.start as usize;
        list.get(start..start + self.len as usize)
            .unwrap_or_default()
    }

    /// The rule's comment, if it has one.
    pub fn comment<'a>(&self, list: &'a [Match]) -> Option<&'a Comment> {
        self.matches(list).iter().find_map(|m| match m {
            Match::Comment(c) => Some(c),
            _ => None,
        })
    }

    /// The rule as kube-proxy writes it: `-A <chain> …`.
    pub fn text(&self, chain: &str, names: &Names<'_>) -> String {
        let mut out = TextBuf::with_capacity(160);
        self.write(chain, &mut out, names);
        out.into_string()
    }

    /// Appends `-A <chain> …` (no newline) to `out`.
    pub fn write(&self, chain: &str, out: &mut TextBuf, names: &Names<'_>) {
        self.write_in(chain.as_bytes(), out, names);
    }

    /// [`Rule::write`] with the chain name as bytes.
    pub(super) fn write_in(&self, chain: &[u8], out: &mut TextBuf, names: &Names<'_>) {
        out.put(b"-A ");
        out.put(chain);
        for m in self.matches(names.matches) {
            match *m {
                Match::Comment(c) => {
                    out.put_str(" -m comment --comment ");
                    c.write(out, names);
                }
                Match::Protocol(p) => out.put_str(match p {
                    Protocol::Tcp => " -m tcp -p tcp",
                    Protocol::Udp => " -m udp -p udp",
                    Protocol::Sctp => " -m sctp -p sctp",
                }),
                Match::Source(addr, negated) => {
                    out.put_str(if negated { " ! -s " } else { " -s " });
                    out.addr(addr);
                }
                Match::Destination(addr, negated) => {
                    out.put_str(if negated { " ! -d " } else { " -d " });
                    out.addr(addr);
                }
                Match::DestPort(port) => {
                    out.put_str(" --dport ");
                    out.u32(u32::from(port));
                }
                Match::DstTypeLocal => out.put_str(" -m addrtype --dst-type LOCAL"),
                Match::SrcTypeLocal => out.put_str(" -m addrtype --src-type LOCAL"),
                Match::Mark {
                    value,
                    mask,
                    negated,
                } => {
                    out.put_str(if negated {
                        " -m mark ! --mark "
                    } else {
                        " -m mark --mark "
                    });
                    out.mark(names.mark_format, value);
                    out.byte(b'/');
                    out.mark(names.mark_format, mask);
                }
                Match::CtState(state, negated) => {
                    out.put_str(if negated {
                        " -m conntrack ! --ctstate "
                    } else {
                        " -m conntrack --ctstate "
                    });
                    out.put_str(state.as_str());
                }
                Match::Probability(n) => {
                    out.put_str(" -m statistic --mode random --probability ");
                    match names.probabilities.get(n as usize) {
                        Some(p) => out.put_str(p),
                        None => out.put_str(&compute_probability(n)),
                    }
                }
                Match::RecentCheck { list, seconds } => {
                    out.put_str(" -m recent --name ");
                    out.put(names.chain(list));
                    out.put_str(" --rcheck --seconds ");
                    out.u32(seconds);
                    out.put_str(" --reap");
                }
                Match::RecentSet(list) => {
                    out.put_str(" -m recent --name ");
                    out.put(names.chain(list));
                    out.put_str(" --set");
                }
                Match::Nfacct(name) => {
                    out.put_str(" -m nfacct --nfacct-name ");
                    out.put_str(name);
                }
            }
        }
        match self.target {
            Target::None => {}
            Target::Jump(c) => {
                out.put_str(" -j ");
                out.put(names.chain(c));
            }
            Target::Goto(c) => {
                out.put_str(" -g ");
                out.put(names.chain(c));
            }
            Target::Dnat(to) => {
                out.put_str(" -j DNAT --to-destination ");
                out.socket(to);
            }
            Target::OrMark(v) => {
                out.put_str(" -j MARK --or-mark ");
                out.mark(names.mark_format, v);
            }
            Target::XorMark(v) => {
                out.put_str(" -j MARK --xor-mark ");
                out.mark(names.mark_format, v);
            }
            Target::Masquerade { random_fully } => {
                out.put_str(" -j MASQUERADE");
                if random_fully {
                    out.put_str(" --random-fully");
                }
            }
            Target::Reject => out.put_str(" -j REJECT"),
            Target::Drop => out.put_str(" -j DROP"),
            Target::Accept => out.put_str(" -j ACCEPT"),
            Target::Return => out.put_str(" -j RETURN"),
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

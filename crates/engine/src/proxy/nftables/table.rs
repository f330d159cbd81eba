//! The `ip kube-proxy` table as structured data: sets and maps with their elements, base and
//! regular chains, and rules made of match expressions, statements and verdicts.
//!
//! Every rule prints two ways: as kube-proxy writes it into the `nft -f` transaction
//! (`knftables.Concat` of its arguments, `sigs.k8s.io/knftables` `objects.go`) and as
//! `nft list table ip kube-proxy` prints it back (nftables v1.0.6, Debian bookworm, the base
//! of the kube-proxy image: `src/rule.c`, `src/expression.c`, `src/datatype.c`). The two
//! differ where nft normalises: `mark set mark or 0x4000` lists as
//! `meta mark set meta mark | 0x00004000`, and a one-element anonymous set `{ 10.96.0.0/12 }`
//! lists as the bare prefix.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;

use crate::proxy::{Hook, Protocol};

/// The table's family.
pub const FAMILY: &str = "ip";
/// The table's name (`kubeProxyTable`).
pub const TABLE: &str = "kube-proxy";
/// The table's comment.
pub const TABLE_COMMENT: &str = "rules for kube-proxy";

/// A base chain's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChainType {
    /// `type filter`.
    Filter,
    /// `type nat`.
    Nat,
}

impl ChainType {
    /// `filter` / `nat`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainType::Filter => "filter",
            ChainType::Nat => "nat",
        }
    }
}

/// What makes a chain a base chain: attached to a netfilter hook at a priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseChain {
    /// Chain type.
    pub chain_type: ChainType,
    /// The hook.
    pub hook: Hook,
    /// Numeric priority (lower runs first).
    pub priority: i32,
}

/// The nft name of a hook (`prerouting`, …).
pub fn hook_name(hook: Hook) -> &'static str {
    match hook {
        Hook::Prerouting => "prerouting",
        Hook::Input => "input",
        Hook::Forward => "forward",
        Hook::Output => "output",
        Hook::Postrouting => "postrouting",
    }
}

/// How `nft list` prints a priority (`prio2str`): the standard name within ±10 when that name
/// is valid for the hook (`dstnat` only at prerouting, `srcnat` only at postrouting), else the
/// number.
pub fn priority_name(hook: Hook, priority: i32) -> String {
    const STD: [(i32, &str); 6] = [
        (-300, "raw"),
        (-150, "mangle"),
        (-100, "dstnat"),
        (0, "filter"),
        (50, "security"),
        (100, "srcnat"),
    ];
    for (value, name) in STD {
        if (priority - value).abs() <= 10 {
            let compatible = match name {
                "dstnat" => hook == Hook::Prerouting,
                "srcnat" => hook == Hook::Postrouting,
                _ => true,
            };
            if !compatible {
                break;
            }
            let offset = priority - value;
            return match offset.cmp(&0) {
                Ordering::Greater => format!("{name} + {offset}"),
                Ordering::Less => format!("{name} - {}", -offset),
                Ordering::Equal => name.to_owned(),
            };
        }
    }
    priority.to_string()
}

/// A verdict, as a rule's last word or a verdict map's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `accept`.
    Accept,
    /// `drop`.
    Drop,
    /// `return`.
    Return,
    /// `jump <chain>`: run the chain, then continue here.
    Jump(String),
    /// `goto <chain>`: continue in the chain and do not come back.
    Goto(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Accept => f.write_str("accept"),
            Verdict::Drop => f.write_str("drop"),
            Verdict::Return => f.write_str("return"),
            Verdict::Jump(c) => write!(f, "jump {c}"),
            Verdict::Goto(c) => write!(f, "goto {c}"),
        }
    }
}

/// `saddr` or `daddr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrField {
    /// Source address.
    Saddr,
    /// Destination address.
    Daddr,
}

impl AddrField {
    /// `saddr` / `daddr`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrField::Saddr => "saddr",
            AddrField::Daddr => "daddr",
        }
    }
}

/// One element of an anonymous address set: an address or a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefix {
    /// A single address, printed bare (`5.6.7.8`).
    Host(Ipv4Addr),
    /// A prefix, printed `a.b.c.d/n`.
    Net(Ipv4Net),
}

impl Prefix {
    /// Whether `ip` falls in it.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        match self {
            Prefix::Host(h) => *h == ip,
            Prefix::Net(n) => n.contains(&ip),
        }
    }

    fn start(&self) -> u32 {
        match self {
            Prefix::Host(h) => u32::from(*h),
            Prefix::Net(n) => u32::from(n.network()),
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prefix::Host(h) => write!(f, "{h}"),
            Prefix::Net(n) => write!(f, "{n}"),
        }
    }
}

/// What an address is compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrMatch {
    /// One address (`ip daddr 172.30.0.41`).
    Addr(Ipv4Addr),
    /// One prefix (`ip saddr != 10.0.0.0/8`).
    Net(Ipv4Net),
    /// A named set (`ip daddr @cluster-ips`).
    Set(String),
    /// An anonymous set (`ip saddr != { 203.0.113.0/25 }`).
    Anon(Vec<Prefix>),
}

/// How a verdict map is keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupKey {
    /// `ip daddr . meta l4proto . th dport`.
    DaddrProtoPort,
    /// `meta l4proto . th dport`.
    ProtoPort,
}

impl LookupKey {
    fn as_str(self) -> &'static str {
        match self {
            LookupKey::DaddrProtoPort => "ip daddr . meta l4proto . th dport",
            LookupKey::ProtoPort => "meta l4proto . th dport",
        }
    }
}

/// One expression of a rule: a match, a statement or the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `ct state new` (every packet this simulation evaluates opens a connection).
    CtStateNew,
    /// `ip saddr|daddr [!=] <value>`.
    Ip {
        /// Which address.
        field: AddrField,
        /// `!=`.
        negate: bool,
        /// Compared with.
        value: AddrMatch,
    },
    /// `fib saddr|daddr type local`: the address is one of the node's own.
    FibLocal(AddrField),
    /// `mark and <mask> == 0`.
    MarkAndZero(u32),
    /// `meta l4proto <proto>`.
    L4proto(Protocol),
    /// `mark set mark or <bits>`.
    MarkOr(u32),
    /// `mark set mark xor <bits>`.
    MarkXor(u32),
    /// `update @<set> { ip saddr }`: add or refresh the source in a timeout set.
    UpdateSaddr(String),
    /// `<key> vmap @<map>`: look the packet up in a verdict map.
    Vmap {
        /// The lookup key.
        key: LookupKey,
        /// The map.
        map: String,
    },
    /// `numgen random mod N vmap { 0 : goto …, … }`.
    NumgenVmap(Vec<Verdict>),
    /// `dnat to <ip>:<port>`.
    Dnat(SocketAddrV4),
    /// `masquerade fully-random`.
    MasqueradeFullyRandom,
    /// `reject`.
    Reject,
    /// The rule's verdict.
    Verdict(Verdict),
}

/// Which of the two texts to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// The `nft -f` transaction kube-proxy writes.
    Transaction,
    /// `nft list table`.
    List,
}

impl Expr {
    fn write(&self, style: Style, mark_text: &str, out: &mut String) {
        let list = style == Style::List;
        // `write!` into a String cannot fail.
        let _ = match self {
            Expr::CtStateNew => write!(out, "ct state new"),
            Expr::Ip {
                field,
                negate,
                value,
            } => {
                let _ = write!(out, "ip {} ", field.as_str());
                if *negate {
                    out.push_str("!= ");
                }
                match value {
                    AddrMatch::Addr(a) => write!(out, "{a}"),
                    AddrMatch::Net(n) => write!(out, "{n}"),
                    AddrMatch::Set(s) => write!(out, "@{s}"),
                    AddrMatch::Anon(items) => {
                        write_anon(items, style, out);
                        Ok(())
                    }
                }
            }
            Expr::FibLocal(f) => write!(out, "fib {} type local", f.as_str()),
            Expr::MarkAndZero(m) if list => {
                write!(out, "meta mark & {m:#010x} == 0x00000000")
            }
            Expr::MarkAndZero(_) => write!(out, "mark and {mark_text} == 0"),
            Expr::L4proto(p) => write!(out, "meta l4proto {}", p.lower()),
            Expr::MarkOr(m) if list => write!(out, "meta mark set meta mark | {m:#010x}"),
            Expr::MarkOr(_) => write!(out, "mark set mark or {mark_text}"),
            Expr::MarkXor(m) if list => write!(out, "meta mark set meta mark ^ {m:#010x}"),
            Expr::MarkXor(_) => write!(out, "mark set mark xor {mark_text}"),
            Expr::UpdateSaddr(s) => write!(out, "update @{s} {{ ip saddr }}"),
            Expr::Vmap { key, map } => write!(out, "{} vmap @{map}", key.as_str()),
            Expr::NumgenVmap(targets) => {
                let _ = write!(out, "numgen random mod {} vmap {{ ", targets.len());
                let sep = if list { ", " } else { " , " };
                for (i, v) in targets.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    let _ = write!(out, "{i} : {v}");
                }
                write!(out, " }}")
            }
            Expr::Dnat(to) => write!(out, "dnat to {to}"),
            Expr::MasqueradeFullyRandom => write!(out, "masquerade fully-random"),
            Expr::Reject => write!(out, "reject"),
            Expr::Verdict(v) => write!(out, "{v}"),
        };
    }
}

/// An anonymous set: kube-proxy writes `{ a , b }` (`Concat` of `"{", sources, "}"` with
/// `","` tokens); nft lists a one-element set as the bare element and a larger one sorted,
/// `{ a, b }`.
fn write_anon(items: &[Prefix], style: Style, out: &mut String) {
    match style {
        Style::Transaction => {
            out.push_str("{ ");
            for (i, p) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                let _ = write!(out, "{p}");
            }
            out.push_str(" }");
        }
        Style::List => {
            if let [one] = items {
                let _ = write!(out, "{one}");
                return;
            }
            let mut sorted = items.to_vec();
            sorted.sort_by_key(Prefix::start);
            out.push_str("{ ");
            for (i, p) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{p}");
            }
            out.push_str(" }");
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Its expressions, in order.
    pub exprs: Vec<Expr>,
    /// `comment "…"`.
    pub comment: Option<String>,
}

impl Rule {
    /// A rule without a comment.
    pub fn new(exprs: Vec<Expr>) -> Rule {
        Rule {
            exprs,
            comment: None,
        }
    }

    /// A rule with a comment.
    pub fn commented(exprs: Vec<Expr>, comment: &str) -> Rule {
        Rule {
            exprs,
            comment: Some(comment.to_owned()),
        }
    }

    fn write(&self, style: Style, mark_text: &str, out: &mut String) {
        for (i, e) in self.exprs.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            e.write(style, mark_text, out);
        }
        if let Some(c) = &self.comment {
            let _ = write!(out, " comment {c:?}");
        }
    }

    /// The rule as kube-proxy writes it after `add rule ip kube-proxy <chain> `; `mark_text`
    /// is how kube-proxy spells the masquerade mark.
    pub fn transaction_text(&self, mark_text: &str) -> String {
        let mut s = String::new();
        self.write(Style::Transaction, mark_text, &mut s);
        s
    }

    /// The rule as `nft list table` prints it.
    pub fn list_text(&self) -> String {
        let mut s = String::new();
        self.write(Style::List, "", &mut s);
        s
    }
}

/// A chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Name.
    pub name: String,
    /// Hook, type and priority for a base chain.
    pub base: Option<BaseChain>,
    /// `comment "…"`.
    pub comment: Option<String>,
    /// Rules, in order.
    pub rules: Vec<Rule>,
}

/// A set element's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ElemKey {
    /// `ipv4_addr`.
    Addr(Ipv4Addr),
    /// `ipv4_addr . inet_proto . inet_service`.
    AddrProtoPort(Ipv4Addr, Protocol, u16),
    /// `inet_proto . inet_service`.
    ProtoPort(Protocol, u16),
}

impl ElemKey {
    /// The order `nft list` prints elements in (`list_expr_sort`, `src/mergesort.c`): a
    /// single value by number; a concatenation by its bytes (address, one protocol byte,
    /// big-endian port) read as one little-endian integer.
    fn list_order(&self) -> (u8, Vec<u8>) {
        let proto = |p: Protocol| match p {
            Protocol::Tcp => 6u8,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        };
        match self {
            ElemKey::Addr(a) => (0, a.octets().to_vec()),
            ElemKey::AddrProtoPort(a, p, port) => {
                let mut b = a.octets().to_vec();
                b.push(proto(*p));
                b.extend(port.to_be_bytes());
                b.reverse();
                (1, b)
            }
            ElemKey::ProtoPort(p, port) => {
                let mut b = vec![proto(*p)];
                b.extend(port.to_be_bytes());
                b.reverse();
                (2, b)
            }
        }
    }
}

impl fmt::Display for ElemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElemKey::Addr(a) => write!(f, "{a}"),
            ElemKey::AddrProtoPort(a, p, port) => write!(f, "{a} . {} . {port}", p.lower()),
            ElemKey::ProtoPort(p, port) => write!(f, "{} . {port}", p.lower()),
        }
    }
}

/// One element of a set or map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Key.
    pub key: ElemKey,
    /// `comment "…"`.
    pub comment: Option<String>,
    /// The verdict of a verdict-map element (`None` in a plain set).
    pub verdict: Option<Verdict>,
}

impl Element {
    /// `key [comment "…"] [: verdict]`, the same in the transaction and in `nft list`.
    pub fn text(&self) -> String {
        let mut s = self.key.to_string();
        if let Some(c) = &self.comment {
            let _ = write!(s, " comment {c:?}");
        }
        if let Some(v) = &self.verdict {
            let _ = write!(s, " : {v}");
        }
        s
    }
}

/// A named set or verdict map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    /// Name.
    pub name: String,
    /// A verdict map (`: verdict`) rather than a set.
    pub is_map: bool,
    /// The key type (`ipv4_addr`, `ipv4_addr . inet_proto . inet_service`, …).
    pub key_type: String,
    /// `flags dynamic,timeout` (affinity sets).
    pub dynamic_timeout: bool,
    /// Default element timeout in seconds.
    pub timeout_seconds: Option<u32>,
    /// `comment "…"`.
    pub comment: Option<String>,
    /// Elements in the order kube-proxy added them, including any it later replaced
    /// (see [`Table::elements`] for the current ones).
    pub elements: Vec<Element>,
}

impl Set {
    /// The `add set|map` line's body after the name (`{ type … ; … }`), as knftables writes it.
    fn transaction_props(&self) -> String {
        let mut s = String::from("{ type ");
        s.push_str(&self.key_type);
        if self.is_map {
            s.push_str(" : verdict");
        }
        s.push_str(" ;");
        if self.dynamic_timeout {
            s.push_str(" flags dynamic,timeout ;");
        }
        if let Some(t) = self.timeout_seconds {
            let _ = write!(s, " timeout {t}s ;");
        }
        if let Some(c) = &self.comment {
            let _ = write!(s, " comment {c:?} ;");
        }
        s.push_str(" }");
        s
    }

    /// `set` or `map`.
    pub fn kind(&self) -> &'static str {
        if self.is_map { "map" } else { "set" }
    }
}

/// nft's duration format (`time_print`): `3h`, `1h1s`, `10s`.
pub fn nft_duration(seconds: u64) -> String {
    let (d, rest) = (seconds / 86_400, seconds % 86_400);
    let (h, rest) = (rest / 3_600, rest % 3_600);
    let (m, s) = (rest / 60, rest % 60);
    let mut out = String::new();
    for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            let _ = write!(out, "{n}{unit}");
        }
    }
    out
}

/// One operation of the transaction, referring to the table's objects by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `add table`.
    AddTable,
    /// `add chain` (chain index).
    AddChain(usize),
    /// `flush chain`.
    FlushChain(usize),
    /// `add set|map` (set index).
    AddSet(usize),
    /// `flush set|map`.
    FlushSet(usize),
    /// `add rule` (chain index, rule index).
    AddRule(usize, usize),
    /// `add element` (set index, element index).
    AddElement(usize, usize),
    /// `delete element` (set index, element index): kube-proxy replaces an element whose
    /// key it already wrote with another value (`nftElementStorage.ensureElem`).
    DeleteElement(usize, usize),
}

/// The table, and the transaction that builds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Sets and maps, in creation order.
    pub sets: Vec<Set>,
    /// Chains, in creation order.
    pub chains: Vec<Chain>,
    /// The transaction, in order.
    pub ops: Vec<Op>,
    /// How the masquerade mark is written in the transaction (`0x00004000`).
    pub mark_text: String,
    chain_index: BTreeMap<String, usize>,
    set_index: BTreeMap<String, usize>,
    /// Per set: key → position of the element currently in the set.
    element_index: Vec<BTreeMap<ElemKey, usize>>,
}

impl Table {
    /// An empty table whose transaction starts with `add table`.
    pub fn new(mark_text: &str) -> Table {
        Table {
            ops: vec![Op::AddTable],
            mark_text: mark_text.to_owned(),
            ..Table::default()
        }
    }

    /// The chain called `name`.
    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chain_index.get(name).map(|&i| &self.chains[i])
    }

    /// The position of the chain called `name`.
    pub fn chain_position(&self, name: &str) -> Option<usize> {
        self.chain_index.get(name).copied()
    }

    /// The set or map called `name`.
    pub fn set(&self, name: &str) -> Option<&Set> {
        self.set_index.get(name).map(|&i| &self.sets[i])
    }

    /// The position of the set or map called `name`.
    pub fn set_position(&self, name: &str) -> Option<usize> {
        self.set_index.get(name).copied()
    }

    /// `tx.Add(&Chain{…})`: creates the chain on first use.
    pub fn add_chain(&mut self, name: &str, base: Option<BaseChain>, comment: Option<&str>) {
        let i = match self.chain_index.get(name) {
            Some(&i) => i,
            None => {
                self.chains.push(Chain {
                    name: name.to_owned(),
                    base,
                    comment: comment.map(str::to_owned),
                    rules: Vec::new(),
                });
                self.chain_index
                    .insert(name.to_owned(), self.chains.len() - 1);
                self.chains.len() - 1
            }
        };
        self.ops.push(Op::AddChain(i));
    }

    /// `tx.Flush(&Chain{…})`.
    pub fn flush_chain(&mut self, name: &str) {
        if let Some(&i) = self.chain_index.get(name) {
            self.chains[i].rules.clear();
            self.ops.push(Op::FlushChain(i));
        }
    }

    /// `tx.Add(&Rule{…})`.
    pub fn add_rule(&mut self, chain: &str, rule: Rule) {
        if let Some(&i) = self.chain_index.get(chain) {
            self.chains[i].rules.push(rule);
            self.ops
                .push(Op::AddRule(i, self.chains[i].rules.len() - 1));
        }
    }

    /// `tx.Add(&Set{…})` / `tx.Add(&Map{…})`.
    pub fn add_set(&mut self, set: Set) {
        let i = match self.set_index.get(&set.name) {
            Some(&i) => i,
            None => {
                self.set_index.insert(set.name.clone(), self.sets.len());
                self.sets.push(set);
                self.element_index.push(BTreeMap::new());
                self.sets.len() - 1
            }
        };
        self.ops.push(Op::AddSet(i));
    }

    /// `tx.Flush(&Set{…})` / `tx.Flush(&Map{…})`.
    pub fn flush_set(&mut self, name: &str) {
        if let Some(&i) = self.set_index.get(name) {
            self.sets[i].elements.clear();
            self.element_index[i].clear();
            self.ops.push(Op::FlushSet(i));
        }
    }

    /// `nftElementStorage.ensureElem`: adds the element unless the set already holds its
    /// key with the same value; a different value is deleted and the new one added.
    pub fn add_element(&mut self, set: &str, element: Element) {
        let Some(&i) = self.set_index.get(set) else {
            return;
        };
        if let Some(&old) = self.element_index[i].get(&element.key) {
            if self.sets[i].elements[old].verdict == element.verdict {
                return;
            }
            self.ops.push(Op::DeleteElement(i, old));
        }
        self.element_index[i].insert(element.key, self.sets[i].elements.len());
        self.sets[i].elements.push(element);
        self.ops
            .push(Op::AddElement(i, self.sets[i].elements.len() - 1));
    }

    /// The element of set `set` (position) with key `key`.
    pub fn lookup(&self, set: usize, key: &ElemKey) -> Option<&Element> {
        let e = *self.element_index.get(set)?.get(key)?;
        self.sets[set].elements.get(e)
    }

    /// The elements set `set` (position) holds, in the order they were added.
    pub fn elements(&self, set: usize) -> impl Iterator<Item = &Element> {
        let index = &self.element_index[set];
        self.sets[set]
            .elements
            .iter()
            .enumerate()
            .filter(move |(i, e)| index.get(&e.key) == Some(i))
            .map(|(_, e)| e)
    }

    /// The transaction, one line per operation, as kube-proxy hands it to `nft -f`.
    pub fn transaction(&self) -> String {
        let mut out = String::with_capacity(self.ops.len() * 128);
        let head = format!("{FAMILY} {TABLE}");
        for op in &self.ops {
            let _ = match *op {
                Op::AddTable => {
                    writeln!(out, "add table {head} {{ comment {TABLE_COMMENT:?} ; }}")
                }
                Op::AddChain(i) => {
                    let c = &self.chains[i];
                    let _ = write!(out, "add chain {head} {}", c.name);
                    if c.base.is_some() || c.comment.is_some() {
                        out.push_str(" {");
                        if let Some(b) = c.base {
                            let _ = write!(
                                out,
                                " type {} hook {} priority {} ;",
                                b.chain_type.as_str(),
                                hook_name(b.hook),
                                b.priority
                            );
                        }
                        if let Some(cm) = &c.comment {
                            let _ = write!(out, " comment {cm:?} ;");
                        }
                        out.push_str(" }");
                    }
                    writeln!(out)
                }
                Op::FlushChain(i) => writeln!(out, "flush chain {head} {}", self.chains[i].name),
                Op::AddSet(i) => {
                    let s = &self.sets[i];
                    writeln!(
                        out,
                        "add {} {head} {} {}",
                        s.kind(),
                        s.name,
                        s.transaction_props()
                    )
                }
                Op::FlushSet(i) => {
                    let s = &self.sets[i];
                    writeln!(out, "flush {} {head} {}", s.kind(), s.name)
                }
                Op::AddRule(c, r) => {
                    let chain = &self.chains[c];
                    let _ = write!(out, "add rule {head} {} ", chain.name);
                    chain.rules[r].write(Style::Transaction, &self.mark_text, &mut out);
                    writeln!(out)
                }
                Op::AddElement(s, e) => {
                    let set = &self.sets[s];
                    writeln!(
                        out,
                        "add element {head} {} {{ {} }}",
                        set.name,
                        set.elements[e].text()
                    )
                }
                Op::DeleteElement(s, e) => {
                    let set = &self.sets[s];
                    writeln!(
                        out,
                        "delete element {head} {} {{ {} }}",
                        set.name, set.elements[e].key
                    )
                }
            };
        }
        out
    }

    /// `nft list table ip kube-proxy`: sets and maps, then chains, each in creation order
    /// (`table_print`), one blank line between objects.
    pub fn list(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "table {FAMILY} {TABLE} {{");
        let _ = writeln!(out, "\tcomment {TABLE_COMMENT:?}");
        let mut first = true;
        let mut delim = |out: &mut String| {
            if !first {
                out.push('\n');
            }
            first = false;
        };
        for (i, set) in self.sets.iter().enumerate() {
            delim(&mut out);
            write_set_listing(set, self.elements(i).collect(), &mut out);
        }
        for chain in &self.chains {
            delim(&mut out);
            let _ = write!(out, "\tchain {} {{", chain.name);
            if let Some(c) = &chain.comment {
                let _ = write!(out, "\n\t\tcomment {c:?}");
            }
            out.push('\n');
            if let Some(b) = chain.base {
                let _ = writeln!(
                    out,
                    "\t\ttype {} hook {} priority {}; policy accept;",
                    b.chain_type.as_str(),
                    hook_name(b.hook),
                    priority_name(b.hook, b.priority)
                );
            }
            for rule in &chain.rules {
                out.push_str("\t\t");
                rule.write(Style::List, "", &mut out);
                out.push('\n');
            }
            out.push_str("\t}\n");
        }
        out.push_str("}\n");
        out
    }

    /// Rules plus set and map elements.
    pub fn size(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum::<usize>()
            + self.element_index.iter().map(BTreeMap::len).sum::<usize>()
    }
}

/// One set or map as `nft list` prints it (`set_print_declaration`, `do_set_print`).
fn write_set_listing(set: &Set, mut elements: Vec<&Element>, out: &mut String) {
    let _ = writeln!(out, "\t{} {} {{", set.kind(), set.name);
    let _ = write!(out, "\t\ttype {}", set.key_type);
    if set.is_map {
        out.push_str(" : verdict");
    }
    out.push('\n');
    // nft leaves the `flags` line out when `timeout` would be its only flag and there is a
    // default timeout; with `dynamic` it prints both.
    if set.dynamic_timeout {
        out.push_str("\t\tflags dynamic,timeout\n");
    }
    if let Some(t) = set.timeout_seconds {
        let _ = writeln!(out, "\t\ttimeout {}", nft_duration(u64::from(t)));
    }
    if let Some(c) = &set.comment {
        let _ = writeln!(out, "\t\tcomment {c:?}");
    }
    if elements.is_empty() {
        out.push_str("\t}\n");
        return;
    }
    elements.sort_by_cached_key(|e| e.key.list_order());
    // `calculate_delim`: two addresses per line in an address set, one element per line
    // when the key is a concatenation.
    let per_line = if matches!(set.key_type.as_str(), "ipv4_addr") {
        2
    } else {
        1
    };
    out.push_str("\t\telements = { ");
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            out.push_str(if i % per_line == 0 {
                ",\n\t\t\t     "
            } else {
                ", "
            });
        }
        out.push_str(&e.text());
    }
    out.push_str(" }\n\t}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_print_as_nft_lists_them() {
        assert_eq!(priority_name(Hook::Prerouting, -110), "dstnat - 10");
        assert_eq!(priority_name(Hook::Output, -110), "-110");
        assert_eq!(priority_name(Hook::Output, -100), "-100");
        assert_eq!(priority_name(Hook::Prerouting, -100), "dstnat");
        assert_eq!(priority_name(Hook::Input, 0), "filter");
        assert_eq!(priority_name(Hook::Postrouting, 100), "srcnat");
        assert_eq!(priority_name(Hook::Output, -90), "-90");
    }

    #[test]
    fn durations_print_as_nft_lists_them() {
        assert_eq!(nft_duration(10_800), "3h");
        assert_eq!(nft_duration(3_601), "1h1s");
        assert_eq!(nft_duration(10), "10s");
        assert_eq!(nft_duration(86_400 + 120), "1d2m");
    }

    #[test]
    fn concatenated_keys_list_in_nft_order() {
        // Seen in a real `nft list table ip kube-proxy`: port 53 (tcp, then udp) before
        // port 8000, before 443, before 9153.
        let keys = [
            ElemKey::AddrProtoPort(Ipv4Addr::new(10, 43, 0, 10), Protocol::Tcp, 9153),
            ElemKey::AddrProtoPort(Ipv4Addr::new(10, 43, 0, 1), Protocol::Tcp, 443),
            ElemKey::AddrProtoPort(Ipv4Addr::new(10, 43, 195, 72), Protocol::Tcp, 8000),
            ElemKey::AddrProtoPort(Ipv4Addr::new(10, 43, 0, 10), Protocol::Udp, 53),
            ElemKey::AddrProtoPort(Ipv4Addr::new(10, 43, 0, 10), Protocol::Tcp, 53),
        ];
        let mut sorted = keys.to_vec();
        sorted.sort_by_cached_key(ElemKey::list_order);
        let text: Vec<String> = sorted.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "10.43.0.10 . tcp . 53",
                "10.43.0.10 . udp . 53",
                "10.43.195.72 . tcp . 8000",
                "10.43.0.1 . tcp . 443",
                "10.43.0.10 . tcp . 9153",
            ]
        );
    }

    #[test]
    fn mark_rules_list_normalised() {
        let r = Rule::new(vec![
            Expr::MarkAndZero(0x4000),
            Expr::Verdict(Verdict::Return),
        ]);
        assert_eq!(r.transaction_text("0x4000"), "mark and 0x4000 == 0 return");
        assert_eq!(r.list_text(), "meta mark & 0x00004000 == 0x00000000 return");
        let r = Rule::new(vec![Expr::Ip {
            field: AddrField::Saddr,
            negate: true,
            value: AddrMatch::Anon(vec![
                Prefix::Net("203.0.113.0/25".parse().unwrap_or_default()),
                Prefix::Host(Ipv4Addr::new(1, 2, 3, 4)),
            ]),
        }]);
        assert_eq!(
            r.transaction_text("0x4000"),
            "ip saddr != { 203.0.113.0/25 , 1.2.3.4 }"
        );
        assert_eq!(r.list_text(), "ip saddr != { 1.2.3.4, 203.0.113.0/25 }");
    }

    /// `nftElementStorage.ensureElem`: a key written twice with the same value is written
    /// once; with another value it is deleted and re-added.
    #[test]
    fn elements_are_ensured_not_duplicated() {
        let mut t = Table::new("0x4000");
        t.add_set(Set {
            name: "service-ips".into(),
            is_map: true,
            key_type: "ipv4_addr . inet_proto . inet_service".into(),
            dynamic_timeout: false,
            timeout_seconds: None,
            comment: None,
            elements: Vec::new(),
        });
        let key = ElemKey::AddrProtoPort(Ipv4Addr::new(192, 168, 99, 1), Protocol::Tcp, 80);
        let to = |c: &str| Element {
            key,
            comment: None,
            verdict: Some(Verdict::Goto(c.into())),
        };
        t.add_element("service-ips", to("external-A"));
        t.add_element("service-ips", to("external-A"));
        t.add_element("service-ips", to("external-B"));
        assert_eq!(
            t.transaction(),
            "add table ip kube-proxy { comment \"rules for kube-proxy\" ; }\n\
             add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\n\
             add element ip kube-proxy service-ips { 192.168.99.1 . tcp . 80 : goto external-A }\n\
             delete element ip kube-proxy service-ips { 192.168.99.1 . tcp . 80 }\n\
             add element ip kube-proxy service-ips { 192.168.99.1 . tcp . 80 : goto external-B }\n"
        );
        assert_eq!(t.size(), 1);
        assert_eq!(
            t.lookup(0, &key).and_then(|e| e.verdict.clone()),
            Some(Verdict::Goto("external-B".into()))
        );
    }
}

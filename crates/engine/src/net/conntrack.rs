//! Connection tracking: the NAT a connection's first packet got is remembered, so every later
//! packet of the connection and every reply is rewritten the same way without consulting
//! kube-proxy's rules again (`nf_conntrack`, shown as `conntrack -L` prints it).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddrV4;

use crate::proxy::Protocol;

/// kube-proxy's `conntrack.tcpEstablishedTimeout` default (24 h), which it writes to
/// `nf_conntrack_tcp_timeout_established` (`cmd/kube-proxy/app/conntrack.go`).
pub const TCP_ESTABLISHED_TIMEOUT_S: u64 = 86_400;
/// The kernel's `nf_conntrack_udp_timeout_stream` (kube-proxy leaves it unless configured).
pub const UDP_STREAM_TIMEOUT_S: u64 = 120;

/// One tracked connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConntrackEntry {
    /// Protocol.
    pub protocol: Protocol,
    /// Original direction as the client sent it: source → destination.
    pub original: (SocketAddrV4, SocketAddrV4),
    /// Expected reply: backend → the address the backend saw (after DNAT and SNAT).
    pub reply: (SocketAddrV4, SocketAddrV4),
    /// When it was created (ms).
    pub created_ms: u64,
    /// Last packet (ms).
    pub seen_ms: u64,
    /// The skb mark at creation (`0x4000` when masqueraded).
    pub mark: u32,
}

impl ConntrackEntry {
    /// Whether the destination was rewritten (DNAT).
    pub fn dnat(&self) -> bool {
        self.original.1 != self.reply.0
    }

    /// Whether the source was rewritten (SNAT / MASQUERADE).
    pub fn snat(&self) -> bool {
        self.original.0 != self.reply.1
    }

    fn timeout_s(&self) -> u64 {
        match self.protocol {
            Protocol::Tcp | Protocol::Sctp => TCP_ESTABLISHED_TIMEOUT_S,
            Protocol::Udp => UDP_STREAM_TIMEOUT_S,
        }
    }

    /// Seconds left before the entry expires at `now_ms`.
    pub fn remaining_s(&self, now_ms: u64) -> u64 {
        self.timeout_s()
            .saturating_sub(now_ms.saturating_sub(self.seen_ms) / 1000)
    }

    /// The `conntrack -L` line at `now_ms`.
    pub fn line(&self, now_ms: u64) -> String {
        let (proto, number, state) = match self.protocol {
            Protocol::Tcp => ("tcp", 6, " ESTABLISHED"),
            Protocol::Udp => ("udp", 17, ""),
            Protocol::Sctp => ("sctp", 132, " ESTABLISHED"),
        };
        let (o_src, o_dst) = self.original;
        let (r_src, r_dst) = self.reply;
        format!(
            "{proto:<8} {number} {}{state} src={} dst={} sport={} dport={} src={} dst={} sport={} dport={} [ASSURED] mark={} use=1",
            self.remaining_s(now_ms),
            o_src.ip(),
            o_dst.ip(),
            o_src.port(),
            o_dst.port(),
            r_src.ip(),
            r_dst.ip(),
            r_src.port(),
            r_dst.port(),
            self.mark,
        )
    }
}

impl fmt::Display for ConntrackEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line(self.seen_ms))
    }
}

/// One node's conntrack table, keyed by the original direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conntrack {
    entries: BTreeMap<(Protocol, SocketAddrV4, SocketAddrV4), ConntrackEntry>,
}

impl Conntrack {
    /// The live entry for a packet in the original direction, refreshed to `now_ms`.
    pub fn lookup(
        &mut self,
        protocol: Protocol,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        now_ms: u64,
    ) -> Option<&ConntrackEntry> {
        let key = (protocol, src, dst);
        if self
            .entries
            .get(&key)
            .is_some_and(|e| e.remaining_s(now_ms) == 0)
        {
            self.entries.remove(&key);
        }
        let entry = self.entries.get_mut(&key)?;
        entry.seen_ms = now_ms;
        Some(entry)
    }

    /// Records a new connection.
    pub fn insert(&mut self, entry: ConntrackEntry) {
        self.entries
            .insert((entry.protocol, entry.original.0, entry.original.1), entry);
    }

    /// Removes the entries whose reply comes from `backend` (`conntrack -D` as kube-proxy
    /// runs it for UDP endpoints that went away). Returns how many were removed.
    pub fn delete_backend(&mut self, protocol: Protocol, backend: SocketAddrV4) -> usize {
        let before = self.entries.len();
        self.entries
            .retain(|_, e| !(e.protocol == protocol && e.reply.0 == backend));
        before - self.entries.len()
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> impl Iterator<Item = &ConntrackEntry> {
        self.entries.values()
    }

    /// `conntrack -L` at `now_ms`.
    pub fn list(&self, now_ms: u64) -> String {
        let mut out = String::new();
        for e in self.entries.values().filter(|e| e.remaining_s(now_ms) > 0) {
            out.push_str(&e.line(now_ms));
            out.push('\n');
        }
        out.push_str(&format!(
            "conntrack v1.4.8 (conntrack-tools): {} flow entries have been shown.\n",
            self.entries.len()
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sock(s: &str) -> SocketAddrV4 {
        s.parse().unwrap_or_else(|_| panic!("bad socket {s}"))
    }

    #[test]
    fn entry_prints_like_conntrack_l_and_expires() {
        let e = ConntrackEntry {
            protocol: Protocol::Tcp,
            original: (sock("10.244.0.5:40000"), sock("10.96.0.20:80")),
            reply: (sock("10.244.1.3:8080"), sock("10.244.0.5:40000")),
            created_ms: 0,
            seen_ms: 0,
            mark: 0,
        };
        assert!(e.dnat());
        assert!(!e.snat());
        assert_eq!(
            e.line(1_000),
            "tcp      6 86399 ESTABLISHED src=10.244.0.5 dst=10.96.0.20 sport=40000 dport=80 \
             src=10.244.1.3 dst=10.244.0.5 sport=8080 dport=40000 [ASSURED] mark=0 use=1"
        );
        let mut table = Conntrack::default();
        table.insert(e.clone());
        assert!(
            table
                .lookup(Protocol::Tcp, e.original.0, e.original.1, 60_000)
                .is_some()
        );
        // Idle for a whole timeout after the last packet at 60 s: gone.
        let later = 60_000 + TCP_ESTABLISHED_TIMEOUT_S * 1000;
        assert!(
            table
                .lookup(Protocol::Tcp, e.original.0, e.original.1, later)
                .is_none()
        );
        table.insert(e);
        assert_eq!(
            table.delete_backend(Protocol::Tcp, sock("10.244.1.3:8080")),
            1
        );
    }
}

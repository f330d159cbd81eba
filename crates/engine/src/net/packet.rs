//! A packet as netfilter sees it: the 5-tuple plus the skb mark.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::proxy::Protocol;

/// The first packet of a connection (or a reply), as it travels through a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// Protocol.
    pub protocol: Protocol,
    /// Source address and port.
    pub src: SocketAddrV4,
    /// Destination address and port.
    pub dst: SocketAddrV4,
    /// The skb mark (kube-proxy's masquerade bit is `0x4000`).
    pub mark: u32,
    /// Whether the destination is an address of the node processing the packet
    /// (`-m addrtype --dst-type LOCAL`). Set by the router before each hook.
    pub dst_local: bool,
    /// Whether the source is an address of the node (`--src-type LOCAL`).
    pub src_local: bool,
}

impl Packet {
    /// A TCP SYN from `src` to `dst`.
    pub fn tcp(src: SocketAddrV4, dst: SocketAddrV4) -> Packet {
        Packet {
            protocol: Protocol::Tcp,
            src,
            dst,
            mark: 0,
            dst_local: false,
            src_local: false,
        }
    }

    /// Source address.
    pub fn src_ip(&self) -> Ipv4Addr {
        *self.src.ip()
    }

    /// Destination address.
    pub fn dst_ip(&self) -> Ipv4Addr {
        *self.dst.ip()
    }
}

impl fmt::Display for Packet {
    /// `tcp 10.244.0.5:43210 → 10.96.0.20:80`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} → {}", self.protocol.lower(), self.src, self.dst)
    }
}

//! The ipsets IPVS mode keeps so its iptables rules stay constant in number however many
//! Services there are (`pkg/proxy/ipvs/ipset.go`, `pkg/proxy/ipvs/ipset/ipset.go`, v1.33).

use std::collections::BTreeSet;
use std::fmt;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::net::packet::Packet;
use crate::proxy::Protocol;

/// `KUBE-LOOP-BACK`: endpoint `ip,proto:port,ip` for hairpin masquerade.
pub const LOOP_BACK: &str = "KUBE-LOOP-BACK";
/// `KUBE-CLUSTER-IP`: every cluster IP `ip,proto:port`.
pub const CLUSTER_IP: &str = "KUBE-CLUSTER-IP";
/// `KUBE-EXTERNAL-IP`: external IPs with `externalTrafficPolicy: Cluster`.
pub const EXTERNAL_IP: &str = "KUBE-EXTERNAL-IP";
/// `KUBE-EXTERNAL-IP-LOCAL`: external IPs with `externalTrafficPolicy: Local`.
pub const EXTERNAL_IP_LOCAL: &str = "KUBE-EXTERNAL-IP-LOCAL";
/// `KUBE-LOAD-BALANCER`: every load-balancer ingress `ip,proto:port`.
pub const LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
/// `KUBE-LOAD-BALANCER-FW`: load balancers with `loadBalancerSourceRanges`.
pub const LOAD_BALANCER_FW: &str = "KUBE-LOAD-BALANCER-FW";
/// `KUBE-LOAD-BALANCER-LOCAL`: load balancers with `externalTrafficPolicy: Local`.
pub const LOAD_BALANCER_LOCAL: &str = "KUBE-LOAD-BALANCER-LOCAL";
/// `KUBE-LOAD-BALANCER-SOURCE-IP`: `lbIP,proto:port,lbIP` when the node is inside a range.
pub const LOAD_BALANCER_SOURCE_IP: &str = "KUBE-LOAD-BALANCER-SOURCE-IP";
/// `KUBE-LOAD-BALANCER-SOURCE-CIDR`: `lbIP,proto:port,cidr` per source range.
pub const LOAD_BALANCER_SOURCE_CIDR: &str = "KUBE-LOAD-BALANCER-SOURCE-CIDR";
/// `KUBE-NODE-PORT-TCP`.
pub const NODE_PORT_TCP: &str = "KUBE-NODE-PORT-TCP";
/// `KUBE-NODE-PORT-LOCAL-TCP`.
pub const NODE_PORT_LOCAL_TCP: &str = "KUBE-NODE-PORT-LOCAL-TCP";
/// `KUBE-NODE-PORT-UDP`.
pub const NODE_PORT_UDP: &str = "KUBE-NODE-PORT-UDP";
/// `KUBE-NODE-PORT-LOCAL-UDP`.
pub const NODE_PORT_LOCAL_UDP: &str = "KUBE-NODE-PORT-LOCAL-UDP";
/// `KUBE-NODE-PORT-SCTP-HASH`.
pub const NODE_PORT_SCTP: &str = "KUBE-NODE-PORT-SCTP-HASH";
/// `KUBE-NODE-PORT-LOCAL-SCTP-HASH`.
pub const NODE_PORT_LOCAL_SCTP: &str = "KUBE-NODE-PORT-LOCAL-SCTP-HASH";
/// `KUBE-HEALTH-CHECK-NODE-PORT`.
pub const HEALTH_CHECK_NODE_PORT: &str = "KUBE-HEALTH-CHECK-NODE-PORT";
/// `KUBE-IPVS-IPS`: every address bound to `kube-ipvs0`.
pub const IPVS_IPS: &str = "KUBE-IPVS-IPS";

/// The sets kube-proxy creates, their types and comments, in `ipsetInfo` order
/// (`pkg/proxy/ipvs/proxier.go`). The comment is what the iptables rules print.
pub const IPSET_INFO: [(&str, SetType, &str); 17] = [
    (
        LOOP_BACK,
        SetType::HashIpPortIp,
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
    ),
    (
        CLUSTER_IP,
        SetType::HashIpPort,
        "Kubernetes service cluster ip + port for masquerade purpose",
    ),
    (
        EXTERNAL_IP,
        SetType::HashIpPort,
        "Kubernetes service external ip + port for masquerade and filter purpose",
    ),
    (
        EXTERNAL_IP_LOCAL,
        SetType::HashIpPort,
        "Kubernetes service external ip + port with externalTrafficPolicy=local",
    ),
    (
        LOAD_BALANCER,
        SetType::HashIpPort,
        "Kubernetes service lb portal",
    ),
    (
        LOAD_BALANCER_FW,
        SetType::HashIpPort,
        "Kubernetes service load balancer ip + port for load balancer with sourceRange",
    ),
    (
        LOAD_BALANCER_LOCAL,
        SetType::HashIpPort,
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
    ),
    (
        LOAD_BALANCER_SOURCE_IP,
        SetType::HashIpPortIp,
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
    ),
    (
        LOAD_BALANCER_SOURCE_CIDR,
        SetType::HashIpPortNet,
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
    ),
    (
        NODE_PORT_TCP,
        SetType::BitmapPort,
        "Kubernetes nodeport TCP port for masquerade purpose",
    ),
    (
        NODE_PORT_LOCAL_TCP,
        SetType::BitmapPort,
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
    ),
    (
        NODE_PORT_UDP,
        SetType::BitmapPort,
        "Kubernetes nodeport UDP port for masquerade purpose",
    ),
    (
        NODE_PORT_LOCAL_UDP,
        SetType::BitmapPort,
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
    ),
    (
        NODE_PORT_SCTP,
        SetType::HashIpPort,
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
    ),
    (
        NODE_PORT_LOCAL_SCTP,
        SetType::HashIpPort,
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
    ),
    (
        HEALTH_CHECK_NODE_PORT,
        SetType::BitmapPort,
        "Kubernetes health check node port",
    ),
    (IPVS_IPS, SetType::HashIp, "Addresses on the ipvs interface"),
];

/// ipset types kube-proxy uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetType {
    /// `hash:ip`.
    HashIp,
    /// `hash:ip,port`.
    HashIpPort,
    /// `hash:ip,port,ip`.
    HashIpPortIp,
    /// `hash:ip,port,net`.
    HashIpPortNet,
    /// `bitmap:port`.
    BitmapPort,
}

impl SetType {
    /// The type name as `ipset` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SetType::HashIp => "hash:ip",
            SetType::HashIpPort => "hash:ip,port",
            SetType::HashIpPortIp => "hash:ip,port,ip",
            SetType::HashIpPortNet => "hash:ip,port,net",
            SetType::BitmapPort => "bitmap:port",
        }
    }

    /// The set type's revision in Linux 5.4 (`IPSET_TYPE_REV_MAX` of `ip_set_hash_ip.c`,
    /// `ip_set_hash_ipport.c`, …): the kernel whose `ipset list` header the course shows.
    pub fn revision(self) -> u32 {
        match self {
            SetType::HashIp => 4,
            SetType::HashIpPort | SetType::HashIpPortIp => 5,
            SetType::HashIpPortNet => 7,
            SetType::BitmapPort => 3,
        }
    }

    /// Bytes one IPv4 element takes in a hash bucket (`struct hash_*4_elem`).
    fn element_size(self) -> usize {
        match self {
            SetType::HashIp => 4,
            SetType::HashIpPort => 8,
            SetType::HashIpPortIp | SetType::HashIpPortNet => 12,
            SetType::BitmapPort => 0,
        }
    }
}

/// One direction flag of `--match-set <name> dst,dst,src`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetDir {
    /// `src`.
    Src,
    /// `dst`.
    Dst,
}

impl SetDir {
    /// `src` / `dst`.
    pub fn as_str(self) -> &'static str {
        match self {
            SetDir::Src => "src",
            SetDir::Dst => "dst",
        }
    }
}

/// One set member (`utilipset.Entry`), ordered by address then port so `ipset list` prints
/// members sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entry {
    /// `hash:ip`: `10.96.0.10`.
    Ip(Ipv4Addr),
    /// `hash:ip,port`: `10.96.0.10,udp:53`.
    IpPort(Ipv4Addr, Protocol, u16),
    /// `hash:ip,port,ip`: `10.244.0.3,tcp:80,10.244.0.3`.
    IpPortIp(Ipv4Addr, Protocol, u16, Ipv4Addr),
    /// `hash:ip,port,net`: `1.2.3.4,tcp:80,10.0.0.0/8`.
    IpPortNet(Ipv4Addr, Protocol, u16, Ipv4Net),
    /// `bitmap:port`: `30080`.
    Port(u16),
}

impl fmt::Display for Entry {
    /// `Entry.String()`, which is also how `ipset list` prints members.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Ip(ip) => write!(f, "{ip}"),
            Entry::IpPort(ip, p, port) => write!(f, "{ip},{}:{port}", p.lower()),
            Entry::IpPortIp(ip, p, port, ip2) => write!(f, "{ip},{}:{port},{ip2}", p.lower()),
            Entry::IpPortNet(ip, p, port, net) => write!(f, "{ip},{}:{port},{net}", p.lower()),
            Entry::Port(port) => write!(f, "{port}"),
        }
    }
}

/// One ipset with its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    /// Name (`KUBE-CLUSTER-IP`).
    pub name: String,
    /// Type.
    pub set_type: SetType,
    /// Comment kube-proxy puts on the iptables rules that use the set.
    pub comment: String,
    /// Members.
    pub entries: BTreeSet<Entry>,
}

impl IpSet {
    /// Whether the set is empty (`isEmpty`): kube-proxy writes no rule for an empty set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The kernel's membership test for `--match-set <name> <dirs>`: each flag picks the
    /// packet's source or destination address (or port, for the port dimension).
    pub fn test(&self, dirs: &[SetDir], packet: &Packet) -> bool {
        let addr = |d: Option<&SetDir>| match d {
            Some(SetDir::Src) => packet.src_ip(),
            _ => packet.dst_ip(),
        };
        let port = |d: Option<&SetDir>| match d {
            Some(SetDir::Src) => packet.src.port(),
            _ => packet.dst.port(),
        };
        let (first, second, third) = (dirs.first(), dirs.get(1), dirs.get(2));
        match self.set_type {
            SetType::HashIp => self.entries.contains(&Entry::Ip(addr(first))),
            SetType::BitmapPort => self.entries.contains(&Entry::Port(port(first))),
            SetType::HashIpPort => {
                self.entries
                    .contains(&Entry::IpPort(addr(first), packet.protocol, port(second)))
            }
            SetType::HashIpPortIp => self.entries.contains(&Entry::IpPortIp(
                addr(first),
                packet.protocol,
                port(second),
                addr(third),
            )),
            SetType::HashIpPortNet => self.entries.iter().any(|e| match e {
                Entry::IpPortNet(ip, p, pt, net) => {
                    *ip == addr(first)
                        && *p == packet.protocol
                        && *pt == port(second)
                        && net.contains(&addr(third))
                }
                _ => false,
            }),
        }
    }

    /// This set in `ipset list` format. `references` is how many iptables rules use it.
    ///
    /// Host-specific figures are modelled: the header is Linux 5.4's (no `bucketsize` /
    /// `initval`), `Size in memory` follows the kernel's accounting on x86_64 with one hash
    /// bucket per member (`88 + members × (32 + 4 × element size)`, which matches observed
    /// `hash:ip,port` sets; `8264` for a `bitmap:port` over `0-65535`), and members are
    /// printed sorted, as `ipset list -sorted` prints them (plain `ipset list` follows the
    /// kernel's hash order, which changes from host to host).
    pub fn list(&self, references: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Name: {}", self.name);
        let _ = writeln!(out, "Type: {}", self.set_type.as_str());
        let _ = writeln!(out, "Revision: {}", self.set_type.revision());
        let (header, size) = match self.set_type {
            SetType::BitmapPort => ("range 0-65535".to_owned(), 8264),
            t => (
                "family inet hashsize 1024 maxelem 65536".to_owned(),
                88 + self.entries.len() * (32 + 4 * t.element_size()),
            ),
        };
        let _ = writeln!(out, "Header: {header}");
        let _ = writeln!(out, "Size in memory: {size}");
        let _ = writeln!(out, "References: {references}");
        let _ = writeln!(out, "Number of entries: {}", self.entries.len());
        out.push_str("Members:\n");
        for e in &self.entries {
            let _ = writeln!(out, "{e}");
        }
        out
    }
}

/// The empty sets kube-proxy creates at start, in `ipsetInfo` order.
pub fn new_sets() -> Vec<IpSet> {
    IPSET_INFO
        .iter()
        .map(|(name, set_type, comment)| IpSet {
            name: (*name).to_owned(),
            set_type: *set_type,
            comment: (*comment).to_owned(),
            entries: BTreeSet::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entry strings from `pkg/proxy/ipvs/ipset/ipset.go` (`Entry.String()` doc comments).
    #[test]
    fn entry_strings_match_kube_proxy() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().expect("address");
        assert_eq!(
            Entry::IpPort(ip("192.168.1.1"), Protocol::Udp, 53).to_string(),
            "192.168.1.1,udp:53"
        );
        assert_eq!(
            Entry::IpPortIp(ip("192.168.1.1"), Protocol::Udp, 53, ip("10.0.0.1")).to_string(),
            "192.168.1.1,udp:53,10.0.0.1"
        );
        assert_eq!(
            Entry::IpPortNet(
                ip("192.168.1.2"),
                Protocol::Udp,
                80,
                "10.0.1.0/24".parse().expect("literal")
            )
            .to_string(),
            "192.168.1.2,udp:80,10.0.1.0/24"
        );
        assert_eq!(Entry::Port(8080).to_string(), "8080");
    }

    #[test]
    fn membership_follows_direction_flags() {
        let mut set = new_sets().remove(0); // KUBE-LOOP-BACK
        let ep: Ipv4Addr = "10.244.0.5".parse().expect("literal");
        set.entries
            .insert(Entry::IpPortIp(ep, Protocol::Tcp, 8080, ep));
        let hairpin = Packet::tcp(
            "10.244.0.5:41000".parse().expect("literal"),
            "10.244.0.5:8080".parse().expect("literal"),
        );
        let other = Packet::tcp(
            "10.244.0.6:41000".parse().expect("literal"),
            "10.244.0.5:8080".parse().expect("literal"),
        );
        let dirs = [SetDir::Dst, SetDir::Dst, SetDir::Src];
        assert!(set.test(&dirs, &hairpin));
        assert!(!set.test(&dirs, &other));
    }
}

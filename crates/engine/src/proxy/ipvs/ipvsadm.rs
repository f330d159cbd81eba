//! `ipvsadm -Ln` output (ipvsadm 1.31 `list_all` / `print_service_entry`).
//!
//! ipvsadm sorts services and destinations with `qsort` and comparators that subtract
//! addresses as `int` (`ipvs_cmp_services`, `ipvs_cmp_dests` in `libipvs.c`). The
//! subtraction wraps, so an address more than 2³¹ above another sorts *before* it: on a node
//! at 172.18.0.2 the node-port services print above the 10.96.x.x cluster IPs. That
//! comparator is not a total order, so the sort here is glibc's top-down merge sort run with
//! the same comparator, which is what decides the order on a real host.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::virtual_server::{RealServer, VirtualServer};
use crate::proxy::{Protocol, ProxyRuntime};

/// The first line: IPVS 1.2.1 with the default 4096-entry connection table
/// (`CONFIG_IP_VS_TAB_BITS=12`).
pub const HEADER: &str = "IP Virtual Server version 1.2.1 (size=4096)";

/// The column titles `print_title` prints for the default format.
pub const TITLE: &str = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn";

/// `(int)(ntohl(a) - ntohl(b))`.
fn wrapped(a: Ipv4Addr, b: Ipv4Addr) -> i32 {
    u32::from(a).wrapping_sub(u32::from(b)) as i32
}

fn proto_number(p: Protocol) -> i32 {
    match p {
        Protocol::Tcp => 6,
        Protocol::Udp => 17,
        Protocol::Sctp => 132,
    }
}

/// `ipvs_cmp_services`: protocol number, then address (wrapping), then port.
fn cmp_services(a: &VirtualServer, b: &VirtualServer) -> i32 {
    let r = proto_number(a.protocol) - proto_number(b.protocol);
    if r != 0 {
        return r;
    }
    let r = wrapped(a.address, b.address);
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

/// `ipvs_cmp_dests`: address (wrapping), then port.
fn cmp_dests(a: &RealServer, b: &RealServer) -> i32 {
    let r = wrapped(a.address, b.address);
    if r != 0 {
        return r;
    }
    i32::from(a.port) - i32::from(b.port)
}

/// glibc `msort_with_tmp`: split in halves (`n1 = n / 2`), sort each, merge taking from the
/// left run while `cmp(left, right) <= 0`.
pub fn glibc_msort<T: Clone>(items: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    glibc_msort(&mut items[..n1], cmp);
    glibc_msort(&mut items[n1..], cmp);
    let (left, right) = (items[..n1].to_vec(), items[n1..].to_vec());
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if cmp(&left[i], &right[j]).cmp(&0) != Ordering::Greater {
            items[k] = left[i].clone();
            i += 1;
        } else {
            items[k] = right[j].clone();
            j += 1;
        }
        k += 1;
    }
    for item in left[i..].iter().chain(&right[j..]) {
        items[k] = item.clone();
        k += 1;
    }
}

/// The destinations `ipvsadm` lists for a virtual server: the weight-1 real servers, plus
/// draining (weight 0) ones while `runtime` still counts connections through them.
pub fn listed_dests(vs: &VirtualServer, runtime: Option<&ProxyRuntime>) -> Vec<RealServer> {
    let mut out = vs.real_servers.clone();
    for d in &vs.draining {
        if connections(vs, d, runtime) > 0 {
            out.push(d.clone());
        }
    }
    out
}

/// Connections `runtime` counts for one destination of a virtual server.
pub fn connections(vs: &VirtualServer, rs: &RealServer, runtime: Option<&ProxyRuntime>) -> u64 {
    runtime
        .and_then(|r| r.active.get(&vs.key()))
        .and_then(|m| m.get(&rs.endpoint()))
        .copied()
        .unwrap_or(0)
}

/// `ipvsadm -Ln` for these virtual servers. With a runtime the connection columns show its
/// counts (UDP connections are never "established" in IPVS, so they count as `InActConn`).
pub fn render(virtual_servers: &[VirtualServer], runtime: Option<&ProxyRuntime>) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    out.push('\n');
    out.push_str(TITLE);
    out.push('\n');
    let mut services = virtual_servers.to_vec();
    glibc_msort(&mut services, &cmp_services);
    for vs in &services {
        let mut name = format!("{}  {}:{}", vs.protocol.upper(), vs.address, vs.port);
        name.truncate(33);
        let _ = writeln!(out, "{name} {}", vs.sched_text());
        let mut dests = listed_dests(vs, runtime);
        glibc_msort(&mut dests, &cmp_dests);
        for rs in &dests {
            let conns = connections(vs, rs, runtime);
            let (active, inactive) = if vs.protocol == Protocol::Udp {
                (0, conns)
            } else {
                (conns, 0)
            };
            let mut dname = rs.endpoint();
            dname.truncate(28);
            let _ = writeln!(
                out,
                "  -> {dname:<28} {:<7} {:<6} {active:<10} {inactive:<10}",
                "Masq", rs.weight
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_comparison_puts_high_addresses_first_across_the_half_circle() {
        let mut addrs: Vec<Ipv4Addr> = ["10.96.0.1", "172.18.0.2", "10.96.0.10"]
            .iter()
            .map(|s| s.parse().expect("literal"))
            .collect();
        glibc_msort(&mut addrs, &|a: &Ipv4Addr, b: &Ipv4Addr| wrapped(*a, *b));
        let printed: Vec<String> = addrs.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["172.18.0.2", "10.96.0.1", "10.96.0.10"]);
    }
}

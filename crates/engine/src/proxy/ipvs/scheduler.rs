//! The IPVS schedulers kube-proxy can select (`--ipvs-scheduler`), as Linux implements them
//! in `net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,sh,dh,mh,lblc,lblcr}.c`.
//!
//! A service's destinations are walked in list order. kube-proxy adds real servers in Go
//! map order (random) and the kernel prepends each one; the simulation fixes the list to
//! ascending `ip:port` so runs are reproducible. Scheduler state lives in [`ProxyRuntime`]:
//! positions in `position`, connection counts in `active`, locality tables in `affinity`.

use std::net::Ipv4Addr;

use super::maglev;
use crate::net::packet::Packet;
use crate::proxy::{Protocol, ProxyRuntime, Scheduler};

/// One destination as a scheduler sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dest {
    /// Address.
    pub addr: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// Current weight (kube-proxy: 1; 0 while a terminating endpoint drains).
    pub weight: u32,
    /// Last non-zero weight (`last_weight`, used by `mh`).
    pub last_weight: u32,
    /// Connections counted against it (`activeconns`, or `inactconns` for UDP, whose
    /// connections IPVS never marks active).
    pub conns: u64,
}

impl Dest {
    /// `ip:port`.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.addr, self.port)
    }

    /// `ip_vs_dest_conn_overhead`: `(activeconns << 8) + inactconns`.
    fn overhead(&self, protocol: Protocol) -> u64 {
        if protocol == Protocol::Udp {
            self.conns
        } else {
            self.conns << 8
        }
    }

    fn active(&self, protocol: Protocol) -> u64 {
        if protocol == Protocol::Udp {
            0
        } else {
            self.conns
        }
    }
}

/// What the scheduler needs to know about the virtual service and the packet.
pub struct SchedInput<'a> {
    /// Scheduler.
    pub scheduler: Scheduler,
    /// Runtime key of the virtual service (`TCP 10.96.0.10:53`).
    pub key: &'a str,
    /// Protocol.
    pub protocol: Protocol,
    /// `mh-port` (kube-proxy's `FlagSourceHash` with `mh`): hash the source port too.
    pub mh_port: bool,
    /// The packet being scheduled.
    pub packet: &'a Packet,
    /// Time (ms), for locality-table entries.
    pub now_ms: u64,
}

/// Picks a destination (index into `dests`), or `None`: "no destination available".
pub fn schedule(
    input: &SchedInput<'_>,
    dests: &[Dest],
    runtime: &mut ProxyRuntime,
) -> Option<usize> {
    match input.scheduler {
        Scheduler::Rr => rr(input.key, dests, runtime),
        Scheduler::Wrr => wrr(input.key, dests, runtime),
        Scheduler::Lc => lc(input.protocol, dests),
        Scheduler::Wlc => weighted_least(dests, |d| d.overhead(input.protocol)),
        Scheduler::Sed => weighted_least(dests, |d| d.active(input.protocol) + 1),
        Scheduler::Nq => nq(input.protocol, dests),
        Scheduler::Sh => sh(input.packet.src_ip(), dests),
        Scheduler::Dh => dh(input.packet.dst_ip(), dests),
        Scheduler::Mh => mh(input, dests),
        Scheduler::Lblc => lblc(input, dests, runtime),
        Scheduler::Lblcr => lblcr(input, dests, runtime),
    }
}

fn available(d: &Dest) -> bool {
    d.weight > 0
}

/// `ip_vs_rr_schedule`: continue after the last chosen destination, skipping weight 0.
/// `position` holds the index to start from.
fn rr(key: &str, dests: &[Dest], runtime: &mut ProxyRuntime) -> Option<usize> {
    let n = dests.len();
    if n == 0 {
        return None;
    }
    let start = runtime.position.get(key).copied().unwrap_or(0) as usize % n;
    let chosen = (0..n)
        .map(|i| (start + i) % n)
        .find(|i| available(&dests[*i]))?;
    runtime.position.insert(key.to_owned(), (chosen + 1) as u64);
    Some(chosen)
}

/// `ip_vs_wrr_schedule`: the classic interleaved weighted round robin over (list position,
/// current weight), stepping the weight down by the weights' gcd after each pass.
fn wrr(key: &str, dests: &[Dest], runtime: &mut ProxyRuntime) -> Option<usize> {
    let n = dests.len();
    let max_weight = dests.iter().map(|d| d.weight).max().unwrap_or(0);
    if n == 0 || max_weight == 0 {
        return None;
    }
    // ip_vs_wrr_init_svc: di = gcd of the weights, mw = max weight - (di - 1).
    let di = dests
        .iter()
        .map(|d| d.weight)
        .filter(|w| *w > 0)
        .fold(0, |g, w| if g == 0 { w } else { gcd(g, w) });
    let mw = max_weight - (di - 1);
    let cl_key = format!("{key} wrr cl");
    let cw_key = format!("{key} wrr cw");
    // `cl` is a list position, `n` standing for the list head.
    let mut cl = runtime.position.get(&cl_key).copied().unwrap_or(n as u64) as usize % (n + 1);
    let mut cw = runtime
        .position
        .get(&cw_key)
        .map_or(i64::from(mw), |v| *v as i64);
    // At most one full sweep per weight level.
    for _ in 0..(n + 1) * (mw as usize / di.max(1) as usize + 1) {
        cl = (cl + 1) % (n + 1);
        if cl == n {
            cw -= i64::from(di);
            if cw <= 0 {
                cw = i64::from(mw);
            }
            continue;
        }
        if i64::from(dests[cl].weight) >= cw && dests[cl].weight > 0 {
            runtime.position.insert(cl_key, cl as u64);
            runtime.position.insert(cw_key, cw as u64);
            return Some(cl);
        }
    }
    None
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `ip_vs_lc_schedule`: least `ip_vs_dest_conn_overhead`, first in list on ties.
fn lc(protocol: Protocol, dests: &[Dest]) -> Option<usize> {
    let mut least: Option<(usize, u64)> = None;
    for (i, d) in dests.iter().enumerate() {
        if !available(d) {
            continue;
        }
        let doh = d.overhead(protocol);
        if least.is_none_or(|(_, loh)| doh < loh) {
            least = Some((i, doh));
        }
    }
    least.map(|(i, _)| i)
}

/// `wlc` / `sed`: least `overhead / weight`, compared as `loh * w_d > doh * w_least`.
fn weighted_least(dests: &[Dest], overhead: impl Fn(&Dest) -> u64) -> Option<usize> {
    let mut least: Option<(usize, u64)> = None;
    for (i, d) in dests.iter().enumerate() {
        if !available(d) {
            continue;
        }
        let doh = overhead(d);
        match least {
            None => least = Some((i, doh)),
            Some((l, loh)) => {
                if u128::from(loh) * u128::from(d.weight)
                    > u128::from(doh) * u128::from(dests[l].weight)
                {
                    least = Some((i, doh));
                }
            }
        }
    }
    least.map(|(i, _)| i)
}

/// `ip_vs_nq_schedule`: an idle destination at once, else shortest expected delay.
fn nq(protocol: Protocol, dests: &[Dest]) -> Option<usize> {
    let mut least: Option<(usize, u64)> = None;
    for (i, d) in dests.iter().enumerate() {
        if !available(d) {
            continue;
        }
        let doh = d.active(protocol) + 1;
        if d.active(protocol) == 0 {
            return Some(i);
        }
        match least {
            None => least = Some((i, doh)),
            Some((l, loh)) => {
                if u128::from(loh) * u128::from(d.weight)
                    > u128::from(doh) * u128::from(dests[l].weight)
                {
                    least = Some((i, doh));
                }
            }
        }
    }
    least.map(|(i, _)| i)
}

/// 256 buckets filled round the destination list, each destination taking `weight`
/// consecutive buckets (`ip_vs_sh_reassign`, and `ip_vs_dh_reassign` with `weighted` off).
fn bucket_table(dests: &[Dest], weighted: bool) -> Vec<Option<usize>> {
    let mut table = vec![None; 256];
    if dests.is_empty() {
        return table;
    }
    let (mut p, mut count) = (0usize, 0u32);
    for slot in table.iter_mut() {
        *slot = Some(p);
        count += 1;
        if !weighted || count >= dests[p].weight {
            p = (p + 1) % dests.len();
            count = 0;
        }
    }
    table
}

/// `ip_vs_sh_hashkey`: `hash_32(port + addr, 8)` with `GOLDEN_RATIO_32` (port 0: kube-proxy
/// never sets `sh-port`).
pub fn sh_bucket(addr: Ipv4Addr) -> usize {
    (u32::from(addr).wrapping_mul(0x61C8_8647) >> 24) as usize
}

/// `ip_vs_dh_hashkey`: `(addr * 2654435761) & 255`.
pub fn dh_bucket(addr: Ipv4Addr) -> usize {
    (u32::from(addr).wrapping_mul(2_654_435_761) & 0xff) as usize
}

/// `ip_vs_sh_schedule` (no fallback): the source address's bucket, or nothing when its
/// destination is unavailable.
fn sh(src: Ipv4Addr, dests: &[Dest]) -> Option<usize> {
    let i = bucket_table(dests, true)[sh_bucket(src)]?;
    available(&dests[i]).then_some(i)
}

/// `ip_vs_dh_schedule`: the destination address's bucket. Every connection to one service
/// IP hashes the same, so `dh` sends all of a virtual service's traffic to one endpoint.
fn dh(dst: Ipv4Addr, dests: &[Dest]) -> Option<usize> {
    let i = bucket_table(dests, false)[dh_bucket(dst)]?;
    available(&dests[i]).then_some(i)
}

/// `ip_vs_mh_schedule` without `mh-fallback`.
fn mh(input: &SchedInput<'_>, dests: &[Dest]) -> Option<usize> {
    let table = maglev::build(
        &dests
            .iter()
            .map(|d| maglev::MhDest {
                addr: d.addr,
                port: d.port,
                last_weight: d.last_weight,
            })
            .collect::<Vec<_>>(),
    );
    let port = if input.mh_port {
        input.packet.src.port()
    } else {
        0
    };
    let i = table[maglev::slot(input.packet.src_ip(), port)]?;
    available(&dests[i]).then_some(i)
}

/// `__ip_vs_lblc_schedule` (also lblcr's): the first available destination, then any with
/// a lower `overhead / weight`.
fn least_loaded(
    protocol: Protocol,
    dests: &[Dest],
    among: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut least: Option<(usize, u64)> = None;
    for (i, d) in dests.iter().enumerate() {
        if !among(i) {
            continue;
        }
        match least {
            None => {
                if d.weight > 0 {
                    least = Some((i, d.overhead(protocol)));
                }
            }
            Some((l, loh)) => {
                let doh = d.overhead(protocol);
                if u128::from(loh) * u128::from(d.weight)
                    > u128::from(doh) * u128::from(dests[l].weight)
                {
                    least = Some((i, doh));
                }
            }
        }
    }
    least.map(|(i, _)| i)
}

/// `is_overloaded` (lblc/lblcr): more connections than its weight while some destination
/// is less than half loaded.
fn overloaded(protocol: Protocol, d: &Dest, dests: &[Dest]) -> bool {
    d.active(protocol) > u64::from(d.weight)
        && dests
            .iter()
            .any(|o| o.active(protocol) * 2 < u64::from(o.weight))
}

fn locality_key(key: &str, kind: &str, d: &Dest) -> String {
    format!("{key} {kind} -> {}", d.endpoint())
}

/// `ip_vs_lblc_schedule`: the destination cached for this destination address, unless it is
/// gone, drained or overloaded; otherwise the least loaded, which becomes the cached one.
fn lblc(input: &SchedInput<'_>, dests: &[Dest], runtime: &mut ProxyRuntime) -> Option<usize> {
    let daddr = input.packet.dst_ip();
    let cached = dests.iter().position(|d| {
        runtime
            .affinity
            .get(&locality_key(input.key, "lblc", d))
            .is_some_and(|m| m.contains_key(&daddr))
    });
    if let Some(i) = cached {
        let d = &dests[i];
        if d.weight > 0 && !overloaded(input.protocol, d, dests) {
            if let Some(m) = runtime
                .affinity
                .get_mut(&locality_key(input.key, "lblc", d))
            {
                m.insert(daddr, input.now_ms);
            }
            return Some(i);
        }
    }
    let chosen = least_loaded(input.protocol, dests, |_| true)?;
    for d in dests {
        if let Some(m) = runtime
            .affinity
            .get_mut(&locality_key(input.key, "lblc", d))
        {
            m.remove(&daddr);
        }
    }
    runtime
        .affinity
        .entry(locality_key(input.key, "lblc", &dests[chosen]))
        .or_default()
        .insert(daddr, input.now_ms);
    Some(chosen)
}

/// `ip_vs_lblcr_schedule`: the least loaded member of this destination address's server
/// set; when that one is overloaded, the least loaded server overall joins the set.
fn lblcr(input: &SchedInput<'_>, dests: &[Dest], runtime: &mut ProxyRuntime) -> Option<usize> {
    let daddr = input.packet.dst_ip();
    let members: Vec<usize> = (0..dests.len())
        .filter(|i| {
            runtime
                .affinity
                .get(&locality_key(input.key, "lblcr", &dests[*i]))
                .is_some_and(|m| m.contains_key(&daddr))
        })
        .collect();
    if !members.is_empty()
        && let Some(i) = least_loaded(input.protocol, dests, |i| members.contains(&i))
        && !overloaded(input.protocol, &dests[i], dests)
    {
        return Some(i);
    }
    let chosen = least_loaded(input.protocol, dests, |_| true)?;
    runtime
        .affinity
        .entry(locality_key(input.key, "lblcr", &dests[chosen]))
        .or_default()
        .insert(daddr, input.now_ms);
    Some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dests(n: u8) -> Vec<Dest> {
        (1..=n)
            .map(|i| Dest {
                addr: Ipv4Addr::new(10, 244, 0, i),
                port: 80,
                weight: 1,
                last_weight: 1,
                conns: 0,
            })
            .collect()
    }

    fn input<'a>(s: Scheduler, packet: &'a Packet) -> SchedInput<'a> {
        SchedInput {
            scheduler: s,
            key: "TCP 10.96.0.20:80",
            protocol: Protocol::Tcp,
            mh_port: false,
            packet,
            now_ms: 0,
        }
    }

    fn packet(src: &str) -> Packet {
        Packet::tcp(
            src.parse().expect("literal"),
            "10.96.0.20:80".parse().expect("literal"),
        )
    }

    #[test]
    fn wrr_with_weights_interleaves() {
        let mut d = dests(3);
        d[0].weight = 3;
        d[1].weight = 2;
        d[2].weight = 1;
        let mut runtime = ProxyRuntime::default();
        let p = packet("10.244.1.9:40000");
        let picks: Vec<usize> = (0..12)
            .map(|_| schedule(&input(Scheduler::Wrr, &p), &d, &mut runtime).expect("a pick"))
            .collect();
        // cw=3: a; cw=2: a b; cw=1: a b c — then again.
        assert_eq!(picks, [0, 0, 1, 0, 1, 2, 0, 0, 1, 0, 1, 2]);
    }

    #[test]
    fn sed_and_nq_prefer_idle_servers() {
        let mut d = dests(3);
        d[0].conns = 2;
        d[1].conns = 0;
        d[2].conns = 1;
        let p = packet("10.244.1.9:40000");
        let mut runtime = ProxyRuntime::default();
        assert_eq!(
            schedule(&input(Scheduler::Nq, &p), &d, &mut runtime),
            Some(1)
        );
        assert_eq!(
            schedule(&input(Scheduler::Sed, &p), &d, &mut runtime),
            Some(1)
        );
        d[1].conns = 3;
        assert_eq!(
            schedule(&input(Scheduler::Sed, &p), &d, &mut runtime),
            Some(2)
        );
    }

    #[test]
    fn dh_sends_one_service_address_to_one_server() {
        let d = dests(3);
        let mut runtime = ProxyRuntime::default();
        let first = schedule(
            &input(Scheduler::Dh, &packet("10.244.1.1:1000")),
            &d,
            &mut runtime,
        );
        for i in 2..50u8 {
            let p = packet(&format!("10.244.1.{i}:{}", 1000 + u16::from(i)));
            assert_eq!(schedule(&input(Scheduler::Dh, &p), &d, &mut runtime), first);
        }
        // 10.96.0.20 = 0x0a600014; × 2654435761 mod 256 = 0x14 × 0xb1 mod 256 = 0xd4 = 212;
        // bucket 212 of a 3-server round = 212 mod 3 = 2.
        assert_eq!(dh_bucket("10.96.0.20".parse().expect("literal")), 212);
        assert_eq!(first, Some(2));
    }

    #[test]
    fn lblc_keeps_a_destination_until_it_is_overloaded() {
        let mut d = dests(2);
        let p = packet("10.244.1.9:40000");
        let mut runtime = ProxyRuntime::default();
        assert_eq!(
            schedule(&input(Scheduler::Lblc, &p), &d, &mut runtime),
            Some(0)
        );
        d[0].conns = 1;
        // Not overloaded yet (activeconns 1 is not above weight 1).
        assert_eq!(
            schedule(&input(Scheduler::Lblc, &p), &d, &mut runtime),
            Some(0)
        );
        d[0].conns = 2;
        // Overloaded and the other server is idle: re-schedule to it.
        assert_eq!(
            schedule(&input(Scheduler::Lblc, &p), &d, &mut runtime),
            Some(1)
        );
        d[1].conns = 1;
        assert_eq!(
            schedule(&input(Scheduler::Lblc, &p), &d, &mut runtime),
            Some(1)
        );
    }

    #[test]
    fn lblcr_grows_the_server_set_under_load() {
        let mut d = dests(3);
        let p = packet("10.244.1.9:40000");
        let mut runtime = ProxyRuntime::default();
        assert_eq!(
            schedule(&input(Scheduler::Lblcr, &p), &d, &mut runtime),
            Some(0)
        );
        d[0].conns = 2;
        assert_eq!(
            schedule(&input(Scheduler::Lblcr, &p), &d, &mut runtime),
            Some(1)
        );
        // Both 0 and 1 are now in the set; the less loaded member wins.
        d[1].conns = 1;
        assert_eq!(
            schedule(&input(Scheduler::Lblcr, &p), &d, &mut runtime),
            Some(1)
        );
    }
}

//! What the API server allocates for a Service (`pkg/registry/core/service/storage/alloc.go`):
//! cluster IPs from the service CIDR, node ports from the node-port range, the
//! health-check node port of a `LoadBalancer` Service with `externalTrafficPolicy: Local`; and
//! the simulated cloud's load-balancer address pool, which the service controller reads.
//!
//! Dynamic allocation follows KEP-3070 / KEP-3668: each range is split into a lower band kept
//! for static (user-chosen) values and an upper band that dynamic allocation tries first,
//! starting at a random position and scanning with wrap-around
//! (`ipallocator/ipallocator.go` `allocateNextService`, `allocator/bitmap.go`
//! `randomScanStrategyWithOffset`). The lower band is `min(max(16, size/16), 256)` addresses
//! for cluster IPs (`ipallocator` `calculateRangeOffset`) and `min(max(16, size/32), 128)`
//! ports for node ports (`portallocator` `calculateRangeOffset`): with `10.96.0.0/12` the
//! first 256 addresses (10.96.0.1–10.96.1.0), with 30000-32767 the first 86 ports.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::{
    ApiError, DEFAULT_SERVICE_CIDR, DNS_SERVICE_IP, KUBERNETES_SERVICE_IP, NODE_PORT_RANGE,
};
use crate::api::FieldError;
use crate::api::service::Service;
use crate::rng::SimRng;

/// The addresses the simulated load balancer hands out (MetalLB's `IPAddressPool` on the kind
/// docker network; cloud-provider-kind gives out addresses of the same network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadBalancerPool {
    /// First address.
    pub first: Ipv4Addr,
    /// Last address (inclusive).
    pub last: Ipv4Addr,
}

impl LoadBalancerPool {
    /// The default pool: the top of kind's `172.18.0.0/16` docker network, as kind's
    /// LoadBalancer guide sets up MetalLB (`172.18.255.200-172.18.255.250`).
    pub const DEFAULT: &'static str = "172.18.255.200-172.18.255.250";

    /// Parses `FIRST-LAST` or a CIDR (MetalLB's two address forms).
    pub fn parse(s: &str) -> Result<LoadBalancerPool, String> {
        let s = s.trim();
        let bad = || format!("{s:?}: must be an IPv4 range FIRST-LAST or a CIDR");
        if let Some((a, b)) = s.split_once('-') {
            let first: Ipv4Addr = a.trim().parse().map_err(|_| bad())?;
            let last: Ipv4Addr = b.trim().parse().map_err(|_| bad())?;
            if u32::from(first) > u32::from(last) {
                return Err(bad());
            }
            return Ok(LoadBalancerPool { first, last });
        }
        let net: Ipv4Net = s.parse().map_err(|_| bad())?;
        Ok(LoadBalancerPool {
            first: net.network(),
            last: net.broadcast(),
        })
    }

    /// Whether `ip` is in the pool.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        (u32::from(self.first)..=u32::from(self.last)).contains(&u32::from(ip))
    }

    /// Every address, in order.
    pub fn addresses(&self) -> impl Iterator<Item = Ipv4Addr> {
        (u32::from(self.first)..=u32::from(self.last)).map(Ipv4Addr::from)
    }
}

impl Default for LoadBalancerPool {
    fn default() -> Self {
        LoadBalancerPool {
            first: Ipv4Addr::new(172, 18, 255, 200),
            last: Ipv4Addr::new(172, 18, 255, 250),
        }
    }
}

impl std::fmt::Display for LoadBalancerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// The cluster IP and node-port allocators.
#[derive(Clone, Debug)]
pub struct ServiceAllocator {
    service_cidr: Ipv4Net,
    used_cluster_ips: BTreeSet<Ipv4Addr>,
    used_node_ports: BTreeSet<i32>,
    /// The simulated load balancer's address pool.
    pub load_balancer_pool: LoadBalancerPool,
}

impl Default for ServiceAllocator {
    fn default() -> Self {
        let service_cidr: Ipv4Net = DEFAULT_SERVICE_CIDR.parse().unwrap_or_default();
        ServiceAllocator {
            service_cidr,
            // The `kubernetes` Service holds the first address, cluster DNS the tenth.
            used_cluster_ips: BTreeSet::from([KUBERNETES_SERVICE_IP, DNS_SERVICE_IP]),
            used_node_ports: BTreeSet::new(),
            load_balancer_pool: LoadBalancerPool::default(),
        }
    }
}

/// `calculateRangeOffset` of the cluster IP allocator: `min(max(16, size/16), 256)`, 0 for
/// ranges of 16 addresses or fewer.
pub fn cluster_ip_range_offset(cidr: Ipv4Net) -> u64 {
    let size = 1u64 << (32 - u32::from(cidr.prefix_len()));
    if size <= 16 {
        0
    } else {
        (size / 16).clamp(16, 256)
    }
}

/// `calculateRangeOffset` of the node-port allocator: `min(max(16, size/32), 128)`.
pub fn node_port_range_offset(size: u64) -> u64 {
    if size <= 16 {
        0
    } else {
        (size / 32).clamp(16, 128)
    }
}

/// `randomScanStrategyWithOffset.AllocateBit`: a random start in the upper band
/// `[offset, size)`, scanning with wrap-around; then the same in the lower band `[0, offset)`.
fn scan_with_offset(
    size: u64,
    offset: u64,
    rng: &mut SimRng,
    free: impl Fn(u64) -> bool,
) -> Option<u64> {
    let upper = size.saturating_sub(offset);
    if upper > 0 {
        let start = rng.below(upper);
        if let Some(at) = (0..upper)
            .map(|i| offset + (start + i) % upper)
            .find(|at| free(*at))
        {
            return Some(at);
        }
    }
    if offset > 0 {
        let start = rng.below(offset);
        return (0..offset)
            .map(|i| (start + i) % offset)
            .find(|at| free(*at));
    }
    None
}

fn is_reserved(ip: Ipv4Addr) -> bool {
    ip == KUBERNETES_SERVICE_IP || ip == DNS_SERVICE_IP
}

fn needs_cluster_ip(svc: &Service) -> bool {
    svc.service_type() != "ExternalName"
}

fn needs_node_ports(svc: &Service) -> bool {
    matches!(svc.service_type(), "NodePort" | "LoadBalancer")
}

/// `apiservice.NeedsHealthCheck`: `LoadBalancer` with `externalTrafficPolicy: Local`.
pub fn needs_health_check(svc: &Service) -> bool {
    svc.service_type() == "LoadBalancer"
        && svc.spec.external_traffic_policy.as_deref() == Some("Local")
}

impl ServiceAllocator {
    /// The service CIDR.
    pub fn service_cidr(&self) -> Ipv4Net {
        self.service_cidr
    }

    /// Whether a cluster IP is taken.
    pub fn cluster_ip_allocated(&self, ip: Ipv4Addr) -> bool {
        self.used_cluster_ips.contains(&ip)
    }

    /// Whether a node port is taken.
    pub fn node_port_allocated(&self, port: i32) -> bool {
        self.used_node_ports.contains(&port)
    }

    /// Allocates what `svc` needs (`allocateCreate`, or `allocateUpdate` when `old` is the
    /// stored version, whose allocations `svc` keeps unless it no longer needs them).
    /// All-or-nothing: on error nothing changes.
    pub(super) fn allocate(
        &mut self,
        svc: &mut Service,
        old: Option<&Service>,
        rng: &mut SimRng,
    ) -> Result<(), ApiError> {
        let mut ips = self.used_cluster_ips.clone();
        let mut ports = self.used_node_ports.clone();
        if let Some(old) = old {
            release_into(&mut ips, &mut ports, old);
        }
        let name = svc.metadata.name.clone();
        let invalid = |path: &str, value: String, why: &str| ApiError::Invalid {
            kind: "Service",
            name: name.clone(),
            causes: vec![FieldError::invalid(path, value, why)],
        };
        let spec = &mut svc.spec;
        if needs_cluster_ip_type(spec.type_.as_deref()) {
            if spec.cluster_ips.is_empty()
                && let Some(ip) = spec.cluster_ip.clone().filter(|ip| !ip.is_empty())
            {
                spec.cluster_ips = vec![ip];
            }
            match spec.cluster_ips.first().cloned() {
                Some(ip) if ip == "None" => {}
                Some(ip) => {
                    let listed = format!("[]string{{{ip:?}}}");
                    let old_ip = old
                        .filter(|o| needs_cluster_ip(o))
                        .and_then(|o| o.spec.cluster_ips.first())
                        .filter(|o| o.as_str() != "None");
                    if old_ip.is_some_and(|o| *o != ip) {
                        return Err(invalid(
                            "spec.clusterIPs[0]",
                            listed,
                            "may not change once set",
                        ));
                    }
                    let addr: Ipv4Addr = ip.parse().map_err(|_| {
                        invalid(
                            "spec.clusterIPs[0]",
                            format!("{ip:?}"),
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                        )
                    })?;
                    let first = u32::from(self.service_cidr.network()) + 1;
                    let last = u32::from(self.service_cidr.broadcast()) - 1;
                    if !(first..=last).contains(&u32::from(addr)) {
                        return Err(invalid(
                            "spec.clusterIPs",
                            listed,
                            &format!(
                                "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                                self.service_cidr
                            ),
                        ));
                    }
                    // The DNS address is reserved for a `kube-dns` Service the simulation
                    // does not store; a manifest may claim it once.
                    if !ips.insert(addr) && addr != DNS_SERVICE_IP {
                        return Err(invalid(
                            "spec.clusterIPs",
                            listed,
                            &format!(
                                "failed to allocate IP {ip}: provided IP is already allocated"
                            ),
                        ));
                    }
                }
                None => {
                    let first = u32::from(self.service_cidr.network()) + 1;
                    let size = (1u64 << (32 - u32::from(self.service_cidr.prefix_len())))
                        .saturating_sub(2);
                    let offset = cluster_ip_range_offset(self.service_cidr);
                    let at = scan_with_offset(size, offset, rng, |i| {
                        !ips.contains(&Ipv4Addr::from(first.wrapping_add(i as u32)))
                    })
                    .ok_or_else(|| {
                        invalid(
                            "spec.clusterIPs",
                            "[]string{}".to_owned(),
                            "failed to allocate a serviceIP: range is full",
                        )
                    })?;
                    let addr = Ipv4Addr::from(first.wrapping_add(at as u32));
                    ips.insert(addr);
                    spec.cluster_ips = vec![addr.to_string()];
                }
            }
            spec.cluster_ip = spec.cluster_ips.first().cloned();
            if spec.ip_families.is_empty() {
                spec.ip_families = vec!["IPv4".to_owned()];
            }
            spec.ip_family_policy
                .get_or_insert_with(|| "SingleStack".to_owned());
        }
        if needs_node_ports(svc) {
            // `shouldAllocateNodePorts`: always for NodePort; for LoadBalancer unless
            // `allocateLoadBalancerNodePorts: false` (requested ports are still honoured).
            let allocate_new = svc.service_type() == "NodePort"
                || svc.spec.allocate_load_balancer_node_ports != Some(false);
            for (i, port) in svc.spec.ports.iter_mut().enumerate() {
                match port.node_port {
                    Some(np) if !ports.insert(np) => {
                        return Err(invalid(
                            &format!("spec.ports[{i}].nodePort"),
                            np.to_string(),
                            "provided port is already allocated",
                        ));
                    }
                    Some(_) => {}
                    None if allocate_new => {
                        let np = next_node_port(&ports, rng).ok_or_else(|| {
                            invalid(
                                &format!("spec.ports[{i}].nodePort"),
                                "0".to_owned(),
                                "range is full",
                            )
                        })?;
                        ports.insert(np);
                        port.node_port = Some(np);
                    }
                    None => {}
                }
            }
        }
        if needs_health_check(svc) {
            match svc.spec.health_check_node_port {
                Some(p) if !ports.insert(p) => {
                    return Err(invalid(
                        "spec.healthCheckNodePort",
                        p.to_string(),
                        &format!(
                            "failed to allocate requested HealthCheck NodePort {p}: provided port is already allocated"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    let p = next_node_port(&ports, rng).ok_or_else(|| {
                        invalid(
                            "spec.healthCheckNodePort",
                            "0".to_owned(),
                            "failed to allocate a HealthCheck NodePort 0: range is full",
                        )
                    })?;
                    ports.insert(p);
                    svc.spec.health_check_node_port = Some(p);
                }
            }
        }
        self.used_cluster_ips = ips;
        self.used_node_ports = ports;
        Ok(())
    }

    /// Frees what a deleted Service held.
    pub(super) fn release(&mut self, svc: &Service) {
        release_into(&mut self.used_cluster_ips, &mut self.used_node_ports, svc);
    }
}

fn needs_cluster_ip_type(ty: Option<&str>) -> bool {
    ty != Some("ExternalName")
}

/// The node-port allocator's `AllocateNext`.
fn next_node_port(used: &BTreeSet<i32>, rng: &mut SimRng) -> Option<i32> {
    let base = *NODE_PORT_RANGE.start();
    let size = (NODE_PORT_RANGE.end() - base + 1) as u64;
    let offset = node_port_range_offset(size);
    scan_with_offset(size, offset, rng, |i| !used.contains(&(base + i as i32)))
        .map(|i| base + i as i32)
}

fn release_into(ips: &mut BTreeSet<Ipv4Addr>, ports: &mut BTreeSet<i32>, svc: &Service) {
    for ip in svc
        .spec
        .cluster_ips
        .iter()
        .filter_map(|ip| ip.parse::<Ipv4Addr>().ok())
    {
        if !is_reserved(ip) {
            ips.remove(&ip);
        }
    }
    for np in svc.spec.ports.iter().filter_map(|p| p.node_port) {
        ports.remove(&np);
    }
    if let Some(hc) = svc.spec.health_check_node_port {
        ports.remove(&hc);
    }
}

/// What an update keeps from the stored Service (`patchAllocatedValues` and
/// `dropTypeDependentFields` of the Service REST storage): the cluster IPs while the type
/// still needs them, node ports by port name while the type still has node ports, the
/// health-check port while still needed, the status, and the load-balancer finalizer.
pub(super) fn keep_service_allocations(old: &Service, new: &mut Service) {
    if needs_cluster_ip(old) && needs_cluster_ip(new) {
        if new.spec.cluster_ip.as_deref().is_none_or(str::is_empty)
            && new.spec.cluster_ips.is_empty()
        {
            new.spec.cluster_ip = old.spec.cluster_ip.clone();
            new.spec.cluster_ips = old.spec.cluster_ips.clone();
        }
        if new.spec.ip_families.is_empty() {
            new.spec.ip_families = old.spec.ip_families.clone();
        }
        if new.spec.ip_family_policy.is_none() {
            new.spec.ip_family_policy = old.spec.ip_family_policy.clone();
        }
    }
    if needs_node_ports(old) && needs_node_ports(new) {
        let used: BTreeSet<i32> = new.spec.ports.iter().filter_map(|p| p.node_port).collect();
        for i in 0..new.spec.ports.len() {
            if new.spec.ports[i].node_port.is_some() {
                continue;
            }
            let name = new.spec.ports[i].name.clone().unwrap_or_default();
            let previous = old
                .spec
                .ports
                .iter()
                .find(|q| q.name.clone().unwrap_or_default() == name)
                .and_then(|q| q.node_port)
                .filter(|np| !used.contains(np));
            new.spec.ports[i].node_port = previous;
        }
    }
    if needs_health_check(old)
        && needs_health_check(new)
        && new.spec.health_check_node_port.is_none()
    {
        new.spec.health_check_node_port = old.spec.health_check_node_port;
    }
    new.status = old.status.clone();
    for f in &old.metadata.finalizers {
        if f == crate::controllers::service_lb::LOAD_BALANCER_CLEANUP_FINALIZER
            && !new.metadata.finalizers.contains(f)
        {
            new.metadata.finalizers.push(f.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_offsets_follow_the_allocators() {
        let cidr: Ipv4Net = "10.96.0.0/12".parse().unwrap_or_default();
        assert_eq!(cluster_ip_range_offset(cidr), 256);
        let small: Ipv4Net = "10.0.0.0/24".parse().unwrap_or_default();
        // 256/16 = 16.
        assert_eq!(cluster_ip_range_offset(small), 16);
        let tiny: Ipv4Net = "10.0.0.0/28".parse().unwrap_or_default();
        assert_eq!(cluster_ip_range_offset(tiny), 0);
        // 2768/32 = 86 (`portallocator` tests: 30000-32767 reserves 86 ports).
        assert_eq!(node_port_range_offset(2768), 86);
        assert_eq!(node_port_range_offset(100_000), 128);
    }

    #[test]
    fn dynamic_allocation_prefers_the_upper_band() {
        let mut rng = SimRng::new(5);
        let mut seen = BTreeSet::new();
        for _ in 0..200 {
            let at = scan_with_offset(40, 16, &mut rng, |_| true);
            seen.insert(at);
        }
        assert!(
            seen.iter()
                .all(|a| a.is_some_and(|a| (16..40).contains(&a)))
        );
        // With the upper band full, the lower band is used.
        assert!(scan_with_offset(40, 16, &mut rng, |i| i < 16).is_some_and(|a| a < 16));
        assert_eq!(scan_with_offset(40, 16, &mut rng, |_| false), None);
    }

    #[test]
    fn pools_parse_ranges_and_cidrs() {
        let p = LoadBalancerPool::parse(LoadBalancerPool::DEFAULT);
        assert_eq!(p, Ok(LoadBalancerPool::default()));
        assert_eq!(p.map(|p| p.addresses().count()), Ok(51));
        let c = LoadBalancerPool::parse("172.18.255.0/30").map(|p| p.to_string());
        assert_eq!(c.as_deref(), Ok("172.18.255.0-172.18.255.3"));
        assert!(LoadBalancerPool::parse("172.18.255.9-172.18.255.1").is_err());
    }
}

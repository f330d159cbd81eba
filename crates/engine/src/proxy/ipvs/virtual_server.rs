//! IPVS virtual servers and their real servers as kube-proxy programs them
//! (`pkg/proxy/ipvs/util/ipvs.go` `VirtualServer` / `RealServer`).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::proxy::{
    Categorized, Protocol, ProxyState, Scheduler, ServicePortInfo, ServicePortName,
};

/// `FlagPersistent`: ClientIP session affinity (`IP_VS_SVC_F_PERSISTENT`).
pub const FLAG_PERSISTENT: u32 = 0x1;
/// `FlagSourceHash`: set with the `mh` scheduler (`IP_VS_SVC_F_SCHED2`, which `mh` reads as
/// `mh-port`).
pub const FLAG_SOURCE_HASH: u32 = 0x10;

/// Which of a service port's addresses a virtual server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VsKind {
    /// `clusterIP:port`.
    ClusterIp,
    /// `externalIP:port`.
    ExternalIp,
    /// Load-balancer ingress `ip:port`.
    LoadBalancer,
    /// `nodeIP:nodePort`.
    NodePort,
}

/// One real server (destination).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RealServer {
    /// Address.
    pub address: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// Weight: 1 for every endpoint in use (kube-proxy never sets another), 0 while a
    /// removed endpoint drains (`GracefulTerminationManager`).
    pub weight: u32,
}

impl RealServer {
    /// `ip:port` (`RealServer.String()`).
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.address, self.port)
    }
}

/// One virtual server with its destinations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServer {
    /// The service port it belongs to.
    pub service: ServicePortName,
    /// Which address of the service port it serves.
    pub kind: VsKind,
    /// Protocol.
    pub protocol: Protocol,
    /// Address.
    pub address: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// Scheduler (`--ipvs-scheduler`).
    pub scheduler: Scheduler,
    /// Flags (`FLAG_PERSISTENT`, `FLAG_SOURCE_HASH`).
    pub flags: u32,
    /// Persistence timeout in seconds (`sessionAffinityConfig.clientIP.timeoutSeconds`),
    /// meaningful with `FLAG_PERSISTENT`.
    pub timeout: u32,
    /// The endpoints in use, weight 1, ascending by `ip:port`.
    pub real_servers: Vec<RealServer>,
    /// Endpoints that stopped being used while connections may still run through them
    /// (terminating, TCP only): kube-proxy sets their weight to 0 and deletes them once
    /// `ActiveConn + InActConn` reaches 0. They show only while connections remain.
    pub draining: Vec<RealServer>,
}

impl VirtualServer {
    /// The key runtime state is kept under: `TCP 10.96.0.10:53`.
    pub fn key(&self) -> String {
        format!("{} {}:{}", self.protocol.upper(), self.address, self.port)
    }

    /// The persistence timeout, when ClientIP affinity is on.
    pub fn persistent(&self) -> Option<u32> {
        (self.flags & FLAG_PERSISTENT != 0).then_some(self.timeout)
    }

    /// `mh-port`: `mh` hashes the source port too.
    pub fn mh_port(&self) -> bool {
        self.scheduler == Scheduler::Mh && self.flags & FLAG_SOURCE_HASH != 0
    }

    /// What `ipvsadm -Ln` prints after the address: `rr`, `mh (mh-port)`,
    /// `rr persistent 10800`.
    pub fn sched_text(&self) -> String {
        let mut out = self.scheduler.as_str().to_owned();
        if self.mh_port() {
            out.push_str(" (mh-port)");
        }
        if let Some(t) = self.persistent() {
            out.push_str(&format!(" persistent {t}"));
        }
        out
    }

    /// The virtual server as a trace names it: `ipvsadm`'s line with single spaces,
    /// `TCP 10.96.0.10:53 rr`.
    pub fn trace_name(&self) -> String {
        format!("{} {}", self.key(), self.sched_text())
    }
}

/// One virtual server for a service port address (`syncService` + `syncEndpoint`).
pub fn build(
    state: &ProxyState,
    svc: &ServicePortInfo,
    cat: &Categorized<'_>,
    kind: VsKind,
    address: Ipv4Addr,
    port: u16,
    only_local: bool,
) -> VirtualServer {
    let scheduler = state.config.scheduler;
    let mut flags = 0;
    let mut timeout = 0;
    if let Some(t) = svc.sticky_seconds {
        flags |= FLAG_PERSISTENT;
        timeout = t;
    }
    if scheduler == Scheduler::Mh {
        flags |= FLAG_SOURCE_HASH;
    }
    // Local-only virtual servers with no local endpoint fall back to the cluster endpoints
    // (kubernetes#97081) so pods on this node can still reach the service.
    let local_in_use = only_local && !cat.local.is_empty();
    let in_use = if local_in_use {
        &cat.local
    } else {
        &cat.cluster
    };
    let mut real_servers: Vec<RealServer> = in_use
        .iter()
        .map(|ep| RealServer {
            address: ep.ip,
            port: ep.port,
            weight: 1,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    real_servers.sort_by_key(|rs| (rs.address, rs.port));
    // Graceful termination applies to TCP only (`IsRsGracefulTerminationNeeded`).
    let draining: Vec<RealServer> = if svc.protocol == Protocol::Tcp {
        state
            .endpoints_of(svc)
            .iter()
            .filter(|ep| ep.terminating && (!local_in_use || ep.is_local))
            .filter(|ep| {
                !real_servers
                    .iter()
                    .any(|rs| rs.address == ep.ip && rs.port == ep.port)
            })
            .map(|ep| RealServer {
                address: ep.ip,
                port: ep.port,
                weight: 0,
            })
            .collect()
    } else {
        Vec::new()
    };
    VirtualServer {
        service: svc.name.clone(),
        kind,
        protocol: svc.protocol,
        address,
        port,
        scheduler,
        flags,
        timeout,
        real_servers,
        draining,
    }
}

//! The scale view: how big each mode's programming gets and how many rules one packet is
//! checked against as Services × endpoints grow — why iptables mode slows at scale (one
//! linear `KUBE-SERVICES` chain) and IPVS and nftables do not (hash lookups, verdict maps).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::{
    EndpointInfo, Hook, HookCtx, Mode, Protocol, ProxyConfig, ProxyRuntime, ProxyState,
    ServicePortInfo, ServicePortName, dataplane,
};
use crate::net::packet::Packet;
use crate::rng::SimRng;

/// `services` ClusterIP Services with `endpoints` ready endpoints each, as one node's
/// kube-proxy sees them (`default/svc-N:http`, cluster IPs from 10.96.0.0/12, endpoints
/// spread over 10.244.0.0/16).
pub fn synthetic_state(config: ProxyConfig, services: usize, endpoints: usize) -> ProxyState {
    let mut ports = Vec::with_capacity(services);
    let mut eps = BTreeMap::new();
    for i in 0..services {
        let n = i as u32 + 16;
        let name = ServicePortName {
            namespace: "default".to_owned(),
            name: format!("svc-{i}"),
            port: "http".to_owned(),
        };
        let svc = ServicePortInfo {
            name: name.clone(),
            protocol: Protocol::Tcp,
            cluster_ip: Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 96, 0, 0)) + n),
            port: 80,
            node_port: None,
            external_ips: Vec::new(),
            load_balancer_ips: Vec::new(),
            load_balancer_source_ranges: Vec::new(),
            sticky_seconds: None,
            external_policy_local: false,
            internal_policy_local: false,
            health_check_node_port: None,
            traffic_distribution: None,
        };
        let mut list: Vec<EndpointInfo> = (0..endpoints)
            .map(|e| {
                let addr = u32::from(Ipv4Addr::new(10, 244, 0, 2)) + (i * endpoints + e) as u32;
                EndpointInfo {
                    ip: Ipv4Addr::from(addr),
                    port: 8080,
                    is_local: e == 0,
                    ready: true,
                    serving: true,
                    terminating: false,
                    node_name: Some(if e == 0 {
                        config.node_name.clone()
                    } else {
                        format!("node-{}", e % 10 + 2)
                    }),
                    zone_hints: Default::default(),
                    node_hints: Default::default(),
                }
            })
            .collect();
        list.sort_by_cached_key(EndpointInfo::endpoint);
        eps.insert(name.to_string(), list);
        ports.push(svc);
    }
    ports.sort_by_cached_key(|p| p.name.to_string());
    ProxyState {
        config,
        services: ports,
        endpoints: eps,
    }
}

/// One measurement of the scale view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalePoint {
    /// Mode.
    pub mode: Mode,
    /// Services.
    pub services: usize,
    /// Endpoints per Service.
    pub endpoints: usize,
    /// Rules (and map elements / virtual and real servers) programmed.
    pub rules: usize,
    /// Rules a new connection to the first Service (in sort order) is checked against.
    pub evaluated_first: usize,
    /// Rules a new connection to the last Service is checked against.
    pub evaluated_last: usize,
}

/// Programs `services` × `endpoints` in `mode` and sends one new connection to the first and
/// one to the last Service from a pod on the node, counting the rules evaluated.
pub fn measure(mode: Mode, services: usize, endpoints: usize) -> ScalePoint {
    let config = ProxyConfig {
        mode,
        ..ProxyConfig::default()
    };
    let state = synthetic_state(config, services, endpoints);
    let plane = dataplane(&state);
    let mut rng = SimRng::new(1);
    let mut runtime = ProxyRuntime::default();
    let mut probe = |svc: Option<&ServicePortInfo>| {
        let Some(svc) = svc else { return 0 };
        let mut packet = Packet::tcp(
            SocketAddrV4::new(Ipv4Addr::new(10, 244, 0, 200), 40_000),
            SocketAddrV4::new(svc.cluster_ip, svc.port),
        );
        let mut hits = Vec::new();
        let mut evaluated = 0;
        let mut ctx = HookCtx {
            now_ms: 0,
            rng: &mut rng,
            runtime: &mut runtime,
            hits: &mut hits,
            evaluated: &mut evaluated,
        };
        for hook in [
            Hook::Prerouting,
            Hook::Input,
            Hook::Forward,
            Hook::Postrouting,
        ] {
            plane.hook(hook, &mut packet, &mut ctx);
        }
        evaluated
    };
    let evaluated_first = probe(state.services.first());
    let evaluated_last = probe(state.services.last());
    ScalePoint {
        mode,
        services,
        endpoints,
        rules: plane.rule_count(),
        evaluated_first,
        evaluated_last,
    }
}

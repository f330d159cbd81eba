//! What `nodelab rules` hands one node's kube-proxy: the Services and EndpointSlices of some
//! manifests, as kube-proxy would receive them from the API server (defaulted, never
//! validated by kube-proxy). When the manifests also hold workloads, the cluster is simulated
//! first and the EndpointSlice controller's slices are used.

use super::{ProxyConfig, ProxyState};
use crate::api::{Document, Kind, Manifest, Object, SourceError};
use crate::time::SimTime;
use crate::world::World;

/// Builds kube-proxy's view for `config` from `manifests`. Without Pods, Deployments or
/// ReplicaSets the Service and EndpointSlice objects are used as written (defaulted; cluster
/// IPs as given). With them, the manifests run in a simulated cluster until `until` and the
/// Services and EndpointSlices are read from its API server; the node named in `config`
/// (default: the first node) supplies the node IP unless one was given.
pub fn proxy_state(
    manifests: &[Manifest],
    mut config: ProxyConfig,
    explicit_node_ip: bool,
    until: SimTime,
    seed: Option<u64>,
) -> Result<ProxyState, SourceError> {
    let objects = || {
        manifests.iter().filter_map(|m| match &m.document {
            Document::Object(o) => Some(o),
            Document::Lab(_) => None,
        })
    };
    let workloads =
        objects().any(|o| matches!(o.kind(), Kind::Pod | Kind::Deployment | Kind::ReplicaSet));
    if !workloads {
        let mut services = Vec::new();
        let mut slices = Vec::new();
        for o in objects() {
            let mut o = o.clone();
            crate::api::defaults::apply(&mut o);
            match o {
                Object::Service(s) => services.push(s),
                Object::EndpointSlice(s) => slices.push(s),
                _ => {}
            }
        }
        return Ok(ProxyState::from_objects(config, &services, &slices));
    }
    let mut world = World::from_manifests(manifests, seed)?;
    world.advance_to(until);
    let node = world
        .proxies()
        .get(&config.node_name)
        .or_else(|| world.proxies().values().next());
    if let Some(p) = node {
        let ip = config.node_ip;
        config.node_name = p.config.node_name.clone();
        config.zone = p.config.zone.clone();
        config.node_ip = if explicit_node_ip {
            ip
        } else {
            p.config.node_ip
        };
    }
    let services: Vec<_> = world
        .list(Kind::Service)
        .filter_map(|o| match o {
            Object::Service(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let slices: Vec<_> = world
        .list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    Ok(ProxyState::from_objects(config, &services, &slices))
}

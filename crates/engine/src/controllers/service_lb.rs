//! A simulated load balancer behind the cloud-provider service controller
//! (`k8s.io/cloud-provider/controllers/service/controller.go`), the way a kind cluster gets
//! one from cloud-provider-kind or MetalLB: every `LoadBalancer` Service without a
//! `loadBalancerClass` gets the lowest free address of the pool (default
//! [`LoadBalancerPool::DEFAULT`], the Lab's `loadBalancerPool`) as
//! `status.loadBalancer.ingress: [{ip, ipMode: VIP}]`, or the address `spec.loadBalancerIP`
//! asks for. A Service with a `loadBalancerClass` belongs to another implementation and stays
//! `<pending>`.
//!
//! Events use the service controller's wording: `EnsuringLoadBalancer` / `EnsuredLoadBalancer`,
//! `DeletingLoadBalancer` / `DeletedLoadBalancer` when a Service stops being a load balancer,
//! and `SyncLoadBalancerFailed` (`Error syncing load balancer: failed to ensure load balancer:
//! …`) when the pool cannot serve it; the text after that prefix is the simulated cloud's own.
//! The controller puts its `service.kubernetes.io/load-balancer-cleanup` finalizer on the
//! Services it handles. A failed Service is retried (silently) whenever the cluster changes,
//! not on the controller's back-off schedule.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::api::service::{LoadBalancerIngress, Service};
use crate::api::{Kind, Object};
use crate::apiserver::LoadBalancerPool;
use crate::ctx::Ctx;
use crate::events::EventType;

/// `servicehelper.LoadBalancerCleanupFinalizer`.
pub const LOAD_BALANCER_CLEANUP_FINALIZER: &str = "service.kubernetes.io/load-balancer-cleanup";
/// The event source.
pub const SOURCE: &str = "service-controller";

/// `wantsLoadBalancer`: type LoadBalancer and no `loadBalancerClass`.
pub fn wants_load_balancer(svc: &Service) -> bool {
    svc.service_type() == "LoadBalancer" && svc.spec.load_balancer_class.is_none()
}

/// Ensures or removes the load balancer of every Service.
pub fn sync(ctx: &mut Ctx<'_>) {
    let pool = ctx.api.service_allocator().load_balancer_pool;
    let services: Vec<Service> = ctx
        .api
        .list(Kind::Service)
        .filter_map(|o| match o {
            Object::Service(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    // Addresses held by other Services.
    let mut in_use: BTreeMap<Ipv4Addr, String> = BTreeMap::new();
    for svc in &services {
        for ip in ingress_ips(svc) {
            in_use.insert(
                ip,
                format!("{}/{}", svc.metadata.namespace, svc.metadata.name),
            );
        }
    }
    for svc in services {
        let has_finalizer = svc
            .metadata
            .finalizers
            .iter()
            .any(|f| f == LOAD_BALANCER_CLEANUP_FINALIZER);
        if !wants_load_balancer(&svc) {
            if has_finalizer {
                delete_load_balancer(ctx, svc, &mut in_use);
            }
            continue;
        }
        let current = ingress_ips(&svc);
        let requested: Option<Ipv4Addr> = svc
            .spec
            .load_balancer_ip
            .as_deref()
            .filter(|ip| !ip.is_empty())
            .and_then(|ip| ip.parse().ok());
        let satisfied = match requested {
            Some(ip) => current == [ip],
            None => !current.is_empty(),
        };
        if satisfied && has_finalizer {
            continue;
        }
        let key = format!("{}/{}", svc.metadata.namespace, svc.metadata.name);
        for ip in &current {
            in_use.remove(ip);
        }
        match pick(&pool, &svc, requested, &in_use) {
            Ok(ip) => {
                event(
                    ctx,
                    &svc,
                    EventType::Normal,
                    "EnsuringLoadBalancer",
                    "Ensuring load balancer",
                );
                in_use.insert(ip, key);
                let mut updated = svc.clone();
                add_finalizer(&mut updated);
                updated.status.load_balancer.ingress = vec![LoadBalancerIngress {
                    ip: Some(ip.to_string()),
                    hostname: None,
                    ip_mode: Some("VIP".to_owned()),
                }];
                ctx.api.update(Object::Service(updated));
                event(
                    ctx,
                    &svc,
                    EventType::Normal,
                    "EnsuredLoadBalancer",
                    "Ensured load balancer",
                );
            }
            Err(why) => {
                for ip in &current {
                    in_use.insert(*ip, key.clone());
                }
                // The finalizer marks the attempt; later retries are silent.
                if !has_finalizer {
                    event(
                        ctx,
                        &svc,
                        EventType::Normal,
                        "EnsuringLoadBalancer",
                        "Ensuring load balancer",
                    );
                    let mut updated = svc.clone();
                    add_finalizer(&mut updated);
                    ctx.api.update(Object::Service(updated));
                    event(
                        ctx,
                        &svc,
                        EventType::Warning,
                        "SyncLoadBalancerFailed",
                        &format!(
                            "Error syncing load balancer: failed to ensure load balancer: {why}"
                        ),
                    );
                }
            }
        }
    }
}

/// The address for `svc`: the requested one if the pool has it free, else the lowest free
/// one (MetalLB's allocator order).
fn pick(
    pool: &LoadBalancerPool,
    svc: &Service,
    requested: Option<Ipv4Addr>,
    in_use: &BTreeMap<Ipv4Addr, String>,
) -> Result<Ipv4Addr, String> {
    if let Some(raw) = svc
        .spec
        .load_balancer_ip
        .as_deref()
        .filter(|ip| !ip.is_empty())
    {
        let Some(ip) = requested else {
            return Err(format!("requested IP {raw:?} is not a valid IPv4 address"));
        };
        if !pool.contains(ip) {
            return Err(format!(
                "requested IP {ip} is not in the load balancer pool {pool}"
            ));
        }
        if let Some(owner) = in_use.get(&ip) {
            return Err(format!("requested IP {ip} is already in use by {owner}"));
        }
        return Ok(ip);
    }
    pool.addresses()
        .find(|ip| !in_use.contains_key(ip))
        .ok_or_else(|| format!("no available IPs in the load balancer pool {pool}"))
}

/// The Service stopped wanting a load balancer: delete it, clear the status, drop the
/// finalizer.
fn delete_load_balancer(ctx: &mut Ctx<'_>, svc: Service, in_use: &mut BTreeMap<Ipv4Addr, String>) {
    event(
        ctx,
        &svc,
        EventType::Normal,
        "DeletingLoadBalancer",
        "Deleting load balancer",
    );
    for ip in ingress_ips(&svc) {
        in_use.remove(&ip);
    }
    let mut updated = svc.clone();
    updated
        .metadata
        .finalizers
        .retain(|f| f != LOAD_BALANCER_CLEANUP_FINALIZER);
    updated.status.load_balancer.ingress.clear();
    ctx.api.update(Object::Service(updated));
    event(
        ctx,
        &svc,
        EventType::Normal,
        "DeletedLoadBalancer",
        "Deleted load balancer",
    );
}

fn add_finalizer(svc: &mut Service) {
    if !svc
        .metadata
        .finalizers
        .iter()
        .any(|f| f == LOAD_BALANCER_CLEANUP_FINALIZER)
    {
        svc.metadata
            .finalizers
            .push(LOAD_BALANCER_CLEANUP_FINALIZER.to_owned());
    }
}

fn ingress_ips(svc: &Service) -> Vec<Ipv4Addr> {
    svc.status
        .load_balancer
        .ingress
        .iter()
        .filter_map(|i| i.ip.as_deref()?.parse().ok())
        .collect()
}

fn event(ctx: &mut Ctx<'_>, svc: &Service, type_: EventType, reason: &str, message: &str) {
    let object =
        crate::api::ObjectRef::new(Kind::Service, &svc.metadata.namespace, &svc.metadata.name);
    ctx.event(type_, &object, reason, message.to_owned(), SOURCE, None);
}

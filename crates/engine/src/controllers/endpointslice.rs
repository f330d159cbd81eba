//! The EndpointSlice controller (`pkg/controller/endpointslice`, with the reconciler of
//! `staging/src/k8s.io/endpointslice`: `reconciler.go`, `utils.go`, `util/controller_utils.go`,
//! `trafficdist/trafficdist.go`, v1.33).
//!
//! For every Service with a selector (not `ExternalName`) it keeps EndpointSlices named
//! `<service>-<5 random characters>` listing the pods the selector matches: one endpoint per
//! pod with an IP that is not `Succeeded`/`Failed`, with the pod's readiness as `ready` /
//! `serving` / `terminating`, its node, zone, and `targetRef`. Pods whose named `targetPort`s
//! resolve to different numbers land in different slices (slices are grouped by their port
//! list); at most [`MAX_ENDPOINTS_PER_SLICE`] endpoints go in one slice. A Service whose
//! selector matches nothing gets one empty placeholder slice. Slices whose owning Service is
//! gone are removed, as the garbage collector removes them through their `ownerReferences`.
//!
//! Modelling choices (upstream uses Go maps whose order is random): new endpoints are placed
//! in pod-name order, slices are visited in name order, and a slice's ports keep the
//! Service's port order (upstream sorts them by a hash of each port). The
//! `last-change-trigger-time` annotation is derived from the pods' `Ready` condition times
//! instead of the controller's in-memory tracker. Hints come only from `trafficDistribution`;
//! the `service.kubernetes.io/topology-mode: Auto` heuristic is not simulated (such Services
//! get no hints).

use std::collections::{BTreeMap, BTreeSet};

use crate::api::discovery::{
    Endpoint, EndpointConditions, EndpointHints, EndpointPort, EndpointSlice, ForTarget,
    ObjectReference,
};
use crate::api::meta::{IntOrString, ObjectMeta, OwnerReference};
use crate::api::node::Node;
use crate::api::pod::Pod;
use crate::api::service::Service;
use crate::api::{Kind, Object, ObjectRef};
use crate::apiserver::ApiServer;
use crate::ctx::Ctx;

/// The controller's name, the value of its `managed-by` label.
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `discovery.LabelManagedBy`.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// `discovery.LabelServiceName`.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// `v1.IsHeadlessService`: set (empty) on the slices of a headless Service.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
/// `v1.EndpointsLastChangeTriggerTime`.
pub const TRIGGER_TIME_ANNOTATION: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// `v1.LabelTopologyZone`.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// Reconciles the EndpointSlices of every Service, then removes slices whose owner is gone.
/// Writes only what changed, so a second call right after the first does nothing.
pub fn sync(ctx: &mut Ctx<'_>) {
    let services: Vec<Service> = ctx
        .api
        .list(Kind::Service)
        .filter_map(|o| match o {
            Object::Service(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    for svc in &services {
        sync_service(ctx, svc);
    }
    collect_orphans(ctx, &services);
}

/// The garbage collector's part: slices owned by a Service that no longer exists go.
fn collect_orphans(ctx: &mut Ctx<'_>, services: &[Service]) {
    let orphans: Vec<ObjectRef> = ctx
        .api
        .list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s) => Some(s),
            _ => None,
        })
        .filter(|s| {
            let owners: Vec<&OwnerReference> = s
                .metadata
                .owner_references
                .iter()
                .filter(|o| o.kind == "Service" && o.api_version == "v1")
                .collect();
            !owners.is_empty()
                && owners.iter().all(|o| {
                    !services.iter().any(|svc| {
                        svc.metadata.uid == o.uid && svc.metadata.namespace == s.metadata.namespace
                    })
                })
        })
        .map(|s| ObjectRef::new(Kind::EndpointSlice, &s.metadata.namespace, &s.metadata.name))
        .collect();
    for key in orphans {
        ctx.api.remove(&key);
    }
}

/// `syncService` + `Reconcile` for one Service.
fn sync_service(ctx: &mut Ctx<'_>, svc: &Service) {
    // ExternalName Services get no endpoints; selector-less Services get theirs out of band.
    if svc.service_type() == "ExternalName" || svc.spec.selector.is_empty() {
        return;
    }
    let (plan, trigger) = plan_service(ctx.api, svc);
    finalize(ctx, svc, plan, trigger.as_deref());
}

/// Everything the reconcile reads, borrowed from the store, and what it decides.
fn plan_service(api: &ApiServer, svc: &Service) -> (Plan, Option<String>) {
    let ns = svc.metadata.namespace.as_str();
    let pods: Vec<&Pod> = api
        .list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p)
                if p.metadata.namespace == ns
                    && svc
                        .spec
                        .selector
                        .iter()
                        .all(|(k, v)| p.metadata.labels.get(k) == Some(v)) =>
            {
                Some(p)
            }
            _ => None,
        })
        .collect();
    let nodes: BTreeMap<&str, &Node> = api
        .list(Kind::Node)
        .filter_map(|o| match o {
            Object::Node(n) => Some((n.metadata.name.as_str(), n)),
            _ => None,
        })
        .collect();
    let existing: Vec<&EndpointSlice> = api
        .list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s)
                if s.metadata.namespace == ns
                    && s.metadata.labels.get(SERVICE_NAME_LABEL) == Some(&svc.metadata.name)
                    && s.metadata.labels.get(MANAGED_BY_LABEL).map(String::as_str)
                        == Some(CONTROLLER_NAME) =>
            {
                Some(s)
            }
            _ => None,
        })
        .collect();
    // Only IPv4 Services are simulated: slices of any other address type go.
    let (ipv4, other): (Vec<&EndpointSlice>, Vec<&EndpointSlice>) =
        existing.iter().partition(|s| s.address_type == "IPv4");
    let mut plan = reconcile(svc, &pods, &nodes, &ipv4);
    plan.delete.extend(other.into_iter().cloned());
    if plan.create.is_empty() && plan.update.is_empty() && plan.delete.is_empty() {
        return (plan, None);
    }
    (plan, trigger_time(svc, &pods, &existing))
}

/// What one reconcile decided.
#[derive(Default)]
struct Plan {
    create: Vec<EndpointSlice>,
    update: Vec<EndpointSlice>,
    delete: Vec<EndpointSlice>,
}

/// A slice's port list as a grouping key (`NewPortMapKey`: order-independent).
type PortKey = Vec<(String, String, i32, String)>;

fn port_key(ports: &[EndpointPort]) -> PortKey {
    let mut key: PortKey = ports
        .iter()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.protocol.clone().unwrap_or_default(),
                p.port.unwrap_or_default(),
                p.app_protocol.clone().unwrap_or_default(),
            )
        })
        .collect();
    key.sort();
    key
}

/// An endpoint's identity (`hashEndpoint`: addresses, hostname and the target's name).
type EndpointKey = String;

/// `EndpointSet`: the desired endpoints by identity, handed out in insertion (pod) order.
#[derive(Clone, Default)]
struct DesiredSet {
    order: Vec<EndpointKey>,
    next: usize,
    map: BTreeMap<EndpointKey, Endpoint>,
}

impl DesiredSet {
    fn insert(&mut self, ep: Endpoint) {
        let key = endpoint_key(&ep);
        if self.map.insert(key.clone(), ep).is_none() {
            self.order.push(key);
        }
    }

    fn take(&mut self, key: &EndpointKey) -> Option<Endpoint> {
        self.map.remove(key)
    }

    /// `PopAny`, deterministically: the first remaining in insertion order.
    fn pop(&mut self) -> Option<Endpoint> {
        while let Some(key) = self.order.get(self.next) {
            self.next += 1;
            if let Some(ep) = self.map.remove(key) {
                return Some(ep);
            }
        }
        None
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn endpoint_key(ep: &Endpoint) -> EndpointKey {
    let mut addresses: Vec<&str> = ep.addresses.iter().map(String::as_str).collect();
    addresses.sort_unstable();
    let target = ep.target_ref.as_ref();
    fn field(f: Option<&String>) -> &str {
        f.map_or("\u{0}", String::as_str)
    }
    format!(
        "{}\u{1}{}\u{1}{}\u{1}{}",
        addresses.join(","),
        field(ep.hostname.as_ref()),
        field(target.and_then(|t| t.namespace.as_ref())),
        field(target.and_then(|t| t.name.as_ref())),
    )
}

/// `EndpointsEqualBeyondHash`: node, zone, conditions and target (hints are compared by the
/// hint reconciliation instead).
fn equal_beyond_hash(a: &Endpoint, b: &Endpoint) -> bool {
    // The target is compared without its resourceVersion.
    let same_target = match (&a.target_ref, &b.target_ref) {
        (Some(x), Some(y)) => {
            x.kind == y.kind
                && x.namespace == y.namespace
                && x.name == y.name
                && x.uid == y.uid
                && x.api_version == y.api_version
                && x.field_path == y.field_path
        }
        (None, None) => true,
        _ => false,
    };
    same_target && a.node_name == b.node_name && a.zone == b.zone && a.conditions == b.conditions
}

/// `reconcileByAddressType` for IPv4.
fn reconcile(
    svc: &Service,
    pods: &[&Pod],
    nodes: &BTreeMap<&str, &Node>,
    existing: &[&EndpointSlice],
) -> Plan {
    let mut plan = Plan::default();
    let mut desired: BTreeMap<PortKey, (Vec<EndpointPort>, DesiredSet)> = BTreeMap::new();
    for pod in pods {
        if !should_pod_be_in_endpoints(pod) {
            continue;
        }
        let ports = endpoint_ports(svc, pod);
        let entry = desired
            .entry(port_key(&ports))
            .or_insert_with(|| (ports, DesiredSet::default()));
        let node = pod
            .spec
            .node_name
            .as_deref()
            .and_then(|n| nodes.get(n))
            .copied();
        // A pod on a node the controller cannot find is skipped (and the Service retried),
        // unless the Service publishes not-ready addresses.
        if node.is_none() && svc.spec.publish_not_ready_addresses != Some(true) {
            continue;
        }
        let ep = pod_to_endpoint(pod, node, svc);
        if !ep.addresses.is_empty() {
            entry.1.insert(ep);
        }
    }
    let prefer_close = matches!(
        svc.spec.traffic_distribution.as_deref(),
        Some("PreferClose" | "PreferSameZone" | "PreferSameNode")
    ) && !hints_annotation(svc);
    let same_node = svc.spec.traffic_distribution.as_deref() == Some("PreferSameNode");
    if converged(svc, existing, &desired, prefer_close, same_node) {
        return plan;
    }
    let mut existing_by_ports: BTreeMap<PortKey, Vec<EndpointSlice>> = BTreeMap::new();
    for slice in existing {
        if owned_by(slice, svc) {
            existing_by_ports
                .entry(port_key(&slice.ports))
                .or_default()
                .push((*slice).clone());
        } else {
            plan.delete.push((*slice).clone());
        }
    }
    for (key, (ports, endpoints)) in &mut desired {
        let slices = existing_by_ports
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (create, update, delete) = reconcile_port_mapping(svc, slices, endpoints, ports);
        plan.create.extend(create);
        plan.update.extend(update);
        plan.delete.extend(delete);
    }
    for (key, slices) in &existing_by_ports {
        if !desired.contains_key(key) {
            plan.delete.extend(slices.iter().cloned());
        }
    }
    // When no slice would exist, a placeholder keeps the Service visible.
    if existing.len() == plan.delete.len() && plan.create.is_empty() {
        let placeholder = new_slice(svc, Vec::new());
        if plan.delete.len() == 1 && placeholder_equal(&plan.delete[0], &placeholder) {
            plan.delete.clear();
        } else {
            plan.create.push(placeholder);
        }
    }
    let changed: BTreeSet<&str> = plan
        .update
        .iter()
        .chain(&plan.delete)
        .map(|s| s.metadata.name.as_str())
        .collect();
    let unchanged: Vec<EndpointSlice> = existing
        .iter()
        .filter(|s| !changed.contains(s.metadata.name.as_str()))
        .map(|s| (*s).clone())
        .collect();
    if prefer_close {
        for slice in unchanged {
            if hints_need_update(&slice, same_node) {
                plan.update.push(slice);
            }
        }
        for slice in plan.create.iter_mut().chain(plan.update.iter_mut()) {
            set_hints(slice, same_node);
        }
    } else {
        // `RemoveHintsFromSlices`.
        for slice in plan.create.iter_mut().chain(plan.update.iter_mut()) {
            for ep in &mut slice.endpoints {
                ep.hints = None;
            }
        }
        for mut slice in unchanged {
            if slice.endpoints.iter().any(|e| e.hints.is_some()) {
                for ep in &mut slice.endpoints {
                    ep.hints = None;
                }
                plan.update.push(slice);
            }
        }
    }
    plan
}

/// Whether the stored slices already are what a reconcile would write (the common case after
/// an unrelated change): every slice owned, its labels current, its endpoints exactly the
/// desired ones for its ports, its hints right; or a lone placeholder when nothing is
/// desired. Saves the reconcile's copies.
fn converged(
    svc: &Service,
    existing: &[&EndpointSlice],
    desired: &BTreeMap<PortKey, (Vec<EndpointPort>, DesiredSet)>,
    prefer_close: bool,
    same_node: bool,
) -> bool {
    let total: usize = desired.values().map(|(_, d)| d.len()).sum();
    if total == 0 {
        return existing.len() == 1
            && owned_by(existing[0], svc)
            && placeholder_equal(existing[0], &new_slice(svc, Vec::new()));
    }
    let mut seen = BTreeSet::new();
    for slice in existing {
        if !owned_by(slice, svc) || slice.endpoints.is_empty() {
            return false;
        }
        let (labels, changed) = slice_labels(&slice.metadata.labels, svc);
        if changed || labels != slice.metadata.labels {
            return false;
        }
        let Some((_, set)) = desired.get(&port_key(&slice.ports)) else {
            return false;
        };
        for ep in &slice.endpoints {
            let key = endpoint_key(ep);
            match set.map.get(&key) {
                Some(d) if equal_beyond_hash(d, ep) && seen.insert(key) => {}
                _ => return false,
            }
        }
        let hints_ok = if prefer_close {
            !hints_need_update(slice, same_node)
        } else {
            slice.endpoints.iter().all(|e| e.hints.is_none())
        };
        if !hints_ok {
            return false;
        }
    }
    seen.len() == total
}

/// `hintsEnabled`: the topology-aware-hints annotations ask for the (unsimulated) heuristic.
fn hints_annotation(svc: &Service) -> bool {
    let a = &svc.metadata.annotations;
    let value = a
        .get("service.kubernetes.io/topology-aware-hints")
        .or_else(|| a.get("service.kubernetes.io/topology-mode"));
    matches!(value.map(String::as_str), Some("Auto" | "auto"))
}

/// `reconcileByPortMapping`: keep and refresh endpoints already placed, fill slices being
/// updated, then fit the rest into an unchanged slice or new ones.
fn reconcile_port_mapping(
    svc: &Service,
    existing: &[EndpointSlice],
    desired: &mut DesiredSet,
    ports: &[EndpointPort],
) -> (Vec<EndpointSlice>, Vec<EndpointSlice>, Vec<EndpointSlice>) {
    let mut by_name: BTreeMap<String, EndpointSlice> = BTreeMap::new();
    let mut unchanged: BTreeSet<String> = BTreeSet::new();
    let mut to_update: BTreeSet<String> = BTreeSet::new();
    let mut to_delete: BTreeSet<String> = BTreeSet::new();
    for slice in existing {
        let name = slice.metadata.name.clone();
        by_name.insert(name.clone(), slice.clone());
        let mut kept = Vec::new();
        let mut updated = false;
        for ep in &slice.endpoints {
            if let Some(got) = desired.take(&endpoint_key(ep)) {
                if !equal_beyond_hash(&got, ep) {
                    updated = true;
                }
                kept.push(got);
            }
        }
        let (labels, labels_changed) = slice_labels(&slice.metadata.labels, svc);
        if updated || kept.len() != slice.endpoints.len() {
            if kept.is_empty() {
                to_delete.insert(name);
            } else {
                let mut copy = slice.clone();
                copy.endpoints = kept;
                copy.metadata.labels = labels;
                by_name.insert(name.clone(), copy);
                to_update.insert(name);
            }
        } else if labels_changed {
            let mut copy = slice.clone();
            copy.metadata.labels = labels;
            by_name.insert(name.clone(), copy);
            to_update.insert(name);
        } else {
            unchanged.insert(name);
        }
    }
    // 2. Fill the slices being updated, fullest first.
    if !desired.is_empty() && !to_update.is_empty() {
        let mut names: Vec<String> = to_update.iter().cloned().collect();
        names.sort_by_key(|n| std::cmp::Reverse(by_name.get(n).map_or(0, |s| s.endpoints.len())));
        for name in names {
            if let Some(slice) = by_name.get_mut(&name) {
                while slice.endpoints.len() < MAX_ENDPOINTS_PER_SLICE
                    && let Some(ep) = desired.pop()
                {
                    slice.endpoints.push(ep);
                }
            }
        }
    }
    // 3. Fit what is left into the unchanged slice closest to full, or new slices.
    let mut create = Vec::new();
    while !desired.is_empty() {
        let mut fill = None;
        if desired.len() < MAX_ENDPOINTS_PER_SLICE && !unchanged.is_empty() {
            let mut closest = MAX_ENDPOINTS_PER_SLICE;
            for name in &unchanged {
                let len = by_name.get(name).map_or(0, |s| s.endpoints.len());
                if let Some(diff) = MAX_ENDPOINTS_PER_SLICE.checked_sub(desired.len() + len)
                    && diff < closest
                {
                    closest = diff;
                    fill = Some(name.clone());
                }
            }
        }
        let mut slice = match &fill {
            Some(name) => by_name.get(name).cloned().unwrap_or_default(),
            None => new_slice(svc, ports.to_vec()),
        };
        while slice.endpoints.len() < MAX_ENDPOINTS_PER_SLICE
            && let Some(ep) = desired.pop()
        {
            slice.endpoints.push(ep);
        }
        match fill {
            Some(name) => {
                unchanged.remove(&name);
                to_update.insert(name.clone());
                by_name.insert(name, slice);
            }
            None => create.push(slice),
        }
    }
    let pick = |names: &BTreeSet<String>| -> Vec<EndpointSlice> {
        names
            .iter()
            .filter_map(|n| by_name.get(n).cloned())
            .collect()
    };
    (create, pick(&to_update), pick(&to_delete))
}

/// `finalize`: creates that can reuse a slice about to be deleted become updates of it; then
/// the writes.
fn finalize(ctx: &mut Ctx<'_>, svc: &Service, mut plan: Plan, trigger: Option<&str>) {
    let mut i = 0;
    while i < plan.delete.len() {
        let Some(mut slice) = plan.create.pop() else {
            break;
        };
        let old = &plan.delete[i];
        if old.address_type == slice.address_type && owned_by(old, svc) {
            slice.metadata.name = old.metadata.name.clone();
            slice.metadata.generate_name = old.metadata.generate_name.clone();
            slice.metadata.uid = old.metadata.uid.clone();
            slice.metadata.creation_timestamp = old.metadata.creation_timestamp.clone();
            slice.metadata.generation = old.metadata.generation;
            plan.update.push(slice);
            plan.delete.remove(i);
        } else {
            plan.create.push(slice);
            i += 1;
        }
    }
    for mut slice in plan.create {
        set_trigger_time(&mut slice, trigger);
        slice.metadata.generation = Some(1);
        // A Service with the same name is being replaced: nothing to do if the create fails.
        let _ = ctx
            .api
            .apply(Object::EndpointSlice(slice), ctx.now, ctx.rng);
    }
    for mut slice in plan.update {
        set_trigger_time(&mut slice, trigger);
        let key = ObjectRef::new(
            Kind::EndpointSlice,
            &slice.metadata.namespace,
            &slice.metadata.name,
        );
        // The registry strategy bumps `generation` when endpoints, ports or the address type
        // change.
        if let Some(Object::EndpointSlice(stored)) = ctx.api.get(&key) {
            let spec_changed = stored.endpoints != slice.endpoints
                || stored.ports != slice.ports
                || stored.address_type != slice.address_type;
            let generation = stored.metadata.generation.unwrap_or(1);
            slice.metadata.generation = Some(if spec_changed {
                generation + 1
            } else {
                generation
            });
        }
        ctx.api.update(Object::EndpointSlice(slice));
    }
    for slice in plan.delete {
        ctx.api.remove(&ObjectRef::new(
            Kind::EndpointSlice,
            &slice.metadata.namespace,
            &slice.metadata.name,
        ));
    }
}

fn set_trigger_time(slice: &mut EndpointSlice, trigger: Option<&str>) {
    match trigger {
        Some(t) => {
            slice
                .metadata
                .annotations
                .insert(TRIGGER_TIME_ANNOTATION.to_owned(), t.to_owned());
        }
        None => {
            slice.metadata.annotations.remove(TRIGGER_TIME_ANNOTATION);
        }
    }
}

/// `ComputeEndpointLastChangeTriggerTime`, without the in-memory tracker: a new Service
/// (no slices yet) uses its creation time; otherwise the latest `Ready` transition of its
/// pods, when it is later than what the slices already record; otherwise none (the
/// annotation is cleared, as upstream clears it when no pod changed).
fn trigger_time(svc: &Service, pods: &[&Pod], existing: &[&EndpointSlice]) -> Option<String> {
    if existing.is_empty() {
        return svc.metadata.creation_timestamp.clone();
    }
    let recorded = existing
        .iter()
        .filter_map(|s| s.metadata.annotations.get(TRIGGER_TIME_ANNOTATION))
        .max()
        .cloned();
    let latest = pods
        .iter()
        .filter_map(|p| {
            p.status
                .conditions
                .iter()
                .find(|c| c.type_ == "Ready")
                .and_then(|c| c.last_transition_time.clone())
        })
        .chain(svc.metadata.creation_timestamp.clone())
        .max()?;
    (recorded.as_deref() < Some(latest.as_str())).then_some(latest)
}

/// `ShouldPodBeInEndpoints(pod, includeTerminating=true)`: not `Succeeded`/`Failed` and has
/// an IP; terminating pods stay (as terminating endpoints).
pub fn should_pod_be_in_endpoints(pod: &Pod) -> bool {
    if matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed")) {
        return false;
    }
    pod.status
        .pod_ip
        .as_deref()
        .is_some_and(|ip| !ip.is_empty())
        || !pod.status.pod_ips.is_empty()
}

/// Whether the pod's `Ready` condition is `True`.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .conditions
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// `podToEndpoint`.
fn pod_to_endpoint(pod: &Pod, node: Option<&Node>, svc: &Service) -> Endpoint {
    let serving = pod_ready(pod);
    let terminating = pod.metadata.deletion_timestamp.is_some();
    // For compatibility, "ready" is never true for a terminating pod unless the Service
    // publishes not-ready addresses.
    let ready = svc.spec.publish_not_ready_addresses == Some(true) || (serving && !terminating);
    let mut addresses: Vec<String> = pod
        .status
        .pod_ips
        .iter()
        .map(|ip| ip.ip.clone())
        .filter(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
        .collect();
    if pod.status.pod_ips.is_empty()
        && let Some(ip) = pod
            .status
            .pod_ip
            .clone()
            .filter(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
    {
        addresses.push(ip);
    }
    let hostname = pod
        .spec
        .hostname
        .clone()
        .filter(|h| !h.is_empty())
        .filter(|_| {
            pod.spec.subdomain.as_deref() == Some(svc.metadata.name.as_str())
                && pod.metadata.namespace == svc.metadata.namespace
        });
    Endpoint {
        addresses,
        conditions: EndpointConditions {
            ready: Some(ready),
            serving: Some(serving),
            terminating: Some(terminating),
        },
        hostname,
        target_ref: Some(ObjectReference {
            kind: Some("Pod".to_owned()),
            namespace: Some(pod.metadata.namespace.clone()),
            name: Some(pod.metadata.name.clone()),
            uid: Some(pod.metadata.uid.clone()),
            ..ObjectReference::default()
        }),
        node_name: pod.spec.node_name.clone().filter(|n| !n.is_empty()),
        zone: node
            .and_then(|n| n.metadata.labels.get(ZONE_LABEL))
            .filter(|z| !z.is_empty())
            .cloned(),
        hints: None,
    }
}

/// `getEndpointPorts`: the Service's ports with `targetPort` resolved against this pod; a
/// port whose named target the pod does not declare is left out.
fn endpoint_ports(svc: &Service, pod: &Pod) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .filter_map(|sp| {
            let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".to_owned());
            let port = find_port(pod, sp.target_port.as_ref(), sp.port, &protocol)?;
            Some(EndpointPort {
                name: Some(sp.name.clone().unwrap_or_default()),
                protocol: Some(protocol),
                port: Some(port),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect()
}

/// `FindPort`: a number is used as is; a name is looked up among the container ports of
/// the pod's containers, then of its sidecars (restartable init containers), with the
/// Service port's protocol.
pub fn find_port(
    pod: &Pod,
    target: Option<&IntOrString>,
    port: i32,
    protocol: &str,
) -> Option<i32> {
    match target {
        None => Some(port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pod
            .spec
            .containers
            .iter()
            .chain(
                pod.spec
                    .init_containers
                    .iter()
                    .filter(|c| c.restart_policy.as_deref() == Some("Always")),
            )
            .flat_map(|c| c.ports.iter())
            .find(|p| {
                p.name.as_deref() == Some(name.as_str())
                    && p.protocol.as_deref().unwrap_or("TCP") == protocol
            })
            .map(|p| p.container_port),
    }
}

/// `newEndpointSlice`.
fn new_slice(svc: &Service, ports: Vec<EndpointPort>) -> EndpointSlice {
    let (labels, _) = slice_labels(&BTreeMap::new(), svc);
    EndpointSlice {
        api_version: "discovery.k8s.io/v1".to_owned(),
        kind: "EndpointSlice".to_owned(),
        metadata: ObjectMeta {
            generate_name: format!("{}-", svc.metadata.name),
            namespace: svc.metadata.namespace.clone(),
            labels,
            owner_references: vec![OwnerReference {
                api_version: "v1".to_owned(),
                kind: "Service".to_owned(),
                name: svc.metadata.name.clone(),
                uid: svc.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..ObjectMeta::default()
        },
        address_type: "IPv4".to_owned(),
        endpoints: Vec::new(),
        ports,
    }
}

/// `setEndpointSliceLabels`: the Service's labels (except the reserved ones), the headless
/// label for a Service without a cluster IP, the service name and the manager; and whether
/// the copied Service labels differ from the slice's.
fn slice_labels(
    current: &BTreeMap<String, String>,
    svc: &Service,
) -> (BTreeMap<String, String>, bool) {
    let reserved = |k: &str| matches!(k, SERVICE_NAME_LABEL | MANAGED_BY_LABEL | HEADLESS_LABEL);
    let slice_own: BTreeMap<&String, &String> =
        current.iter().filter(|(k, _)| !reserved(k)).collect();
    let mut labels: BTreeMap<String, String> = svc
        .metadata
        .labels
        .iter()
        .filter(|(k, _)| !reserved(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let changed = slice_own != labels.iter().collect::<BTreeMap<_, _>>();
    let ip_set = svc
        .spec
        .cluster_ip
        .as_deref()
        .is_some_and(|ip| !ip.is_empty() && ip != "None");
    if !ip_set {
        labels.insert(HEADLESS_LABEL.to_owned(), String::new());
    }
    labels.insert(SERVICE_NAME_LABEL.to_owned(), svc.metadata.name.clone());
    labels.insert(MANAGED_BY_LABEL.to_owned(), CONTROLLER_NAME.to_owned());
    (labels, changed)
}

/// `ownedBy`.
fn owned_by(slice: &EndpointSlice, svc: &Service) -> bool {
    slice
        .metadata
        .owner_references
        .iter()
        .any(|o| o.uid == svc.metadata.uid && o.kind == "Service" && o.api_version == "v1")
}

/// `placeholderSliceCompare`: namespace, labels, address type, no endpoints, no ports.
fn placeholder_equal(a: &EndpointSlice, b: &EndpointSlice) -> bool {
    a.metadata.namespace == b.metadata.namespace
        && a.metadata.labels == b.metadata.labels
        && a.address_type == b.address_type
        && a.endpoints.is_empty()
        && b.endpoints.is_empty()
        && a.ports.is_empty()
        && b.ports.is_empty()
}

fn endpoint_ready(ep: &Endpoint) -> bool {
    ep.conditions.ready == Some(true)
}

/// `preferCloseHeuristic.needsUpdate`: a ready endpoint with a missing or wrong zone (or,
/// for PreferSameNode, node) hint, or a stale one.
fn hints_need_update(slice: &EndpointSlice, same_node: bool) -> bool {
    slice
        .endpoints
        .iter()
        .filter(|e| endpoint_ready(e))
        .any(|ep| {
            let zones = ep
                .hints
                .as_ref()
                .map(|h| h.for_zones.as_slice())
                .unwrap_or_default();
            let nodes = ep
                .hints
                .as_ref()
                .map(|h| h.for_nodes.as_slice())
                .unwrap_or_default();
            let zone_ok = match &ep.zone {
                Some(z) => zones.len() == 1 && zones[0].name == *z,
                None => zones.is_empty(),
            };
            let node_ok = match (&ep.node_name, same_node) {
                (Some(n), true) => nodes.len() == 1 && nodes[0].name == *n,
                _ => nodes.is_empty(),
            };
            !(zone_ok && node_ok)
        })
}

/// `preferCloseHeuristic.update`: every ready endpoint gets its own zone (and for
/// PreferSameNode its own node) as hint.
fn set_hints(slice: &mut EndpointSlice, same_node: bool) {
    for ep in slice.endpoints.iter_mut().filter(|e| endpoint_ready(e)) {
        let for_zones: Vec<ForTarget> = ep
            .zone
            .iter()
            .map(|z| ForTarget { name: z.clone() })
            .collect();
        let for_nodes: Vec<ForTarget> = ep
            .node_name
            .iter()
            .filter(|_| same_node)
            .map(|n| ForTarget { name: n.clone() })
            .collect();
        ep.hints = if for_zones.is_empty() && for_nodes.is_empty() {
            None
        } else {
            Some(EndpointHints {
                for_zones,
                for_nodes,
            })
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::{Container, ContainerPort, PodCondition, PodIp};

    fn pod(name: &str, ip: &str, ready: bool, ports: &[(&str, i32)]) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = name.to_owned();
        p.metadata.namespace = "default".to_owned();
        p.metadata.uid = format!("uid-{name}");
        p.spec.node_name = Some("node-1".to_owned());
        p.spec.containers = vec![Container {
            name: "c".to_owned(),
            ports: ports
                .iter()
                .map(|(n, port)| ContainerPort {
                    name: Some((*n).to_owned()),
                    container_port: *port,
                    protocol: Some("TCP".to_owned()),
                    ..ContainerPort::default()
                })
                .collect(),
            ..Container::default()
        }];
        p.status.phase = Some("Running".to_owned());
        p.status.pod_ip = Some(ip.to_owned());
        p.status.pod_ips = vec![PodIp { ip: ip.to_owned() }];
        p.status.conditions = vec![PodCondition {
            type_: "Ready".to_owned(),
            status: if ready { "True" } else { "False" }.to_owned(),
            ..PodCondition::default()
        }];
        p
    }

    #[test]
    fn named_target_ports_resolve_per_pod() {
        let a = pod("a", "10.244.0.2", true, &[("http", 8080)]);
        let b = pod("b", "10.244.0.3", true, &[("http", 9090)]);
        let c = pod("c", "10.244.0.4", true, &[]);
        let name = IntOrString::String("http".to_owned());
        assert_eq!(find_port(&a, Some(&name), 80, "TCP"), Some(8080));
        assert_eq!(find_port(&b, Some(&name), 80, "TCP"), Some(9090));
        assert_eq!(find_port(&c, Some(&name), 80, "TCP"), None);
        // The protocol has to match too.
        assert_eq!(find_port(&a, Some(&name), 80, "UDP"), None);
    }

    fn web_service() -> Service {
        let mut svc = Service::default();
        svc.metadata.name = "web".to_owned();
        svc.metadata.namespace = "default".to_owned();
        svc.metadata.uid = "svc-uid".to_owned();
        svc.spec.cluster_ip = Some("10.96.100.1".to_owned());
        svc.spec.selector.insert("app".to_owned(), "web".to_owned());
        svc.spec.ports = vec![crate::api::service::ServicePort {
            port: 80,
            protocol: Some("TCP".to_owned()),
            ..Default::default()
        }];
        svc
    }

    #[test]
    fn at_most_one_hundred_endpoints_per_slice() {
        let svc = web_service();
        let pods: Vec<Pod> = (0..150)
            .map(|i| {
                pod(
                    &format!("p{i:03}"),
                    &format!("10.244.{}.{}", i / 200, i % 200 + 2),
                    true,
                    &[],
                )
            })
            .collect();
        let refs: Vec<&Pod> = pods.iter().collect();
        let node = Node::default();
        let nodes = BTreeMap::from([("node-1", &node)]);
        let plan = reconcile(&svc, &refs, &nodes, &[]);
        let sizes: Vec<usize> = plan.create.iter().map(|s| s.endpoints.len()).collect();
        assert_eq!(sizes, [100, 50]);
        assert!(plan.update.is_empty() && plan.delete.is_empty());
        // Stored, the same inputs need no change.
        let stored: Vec<EndpointSlice> = plan
            .create
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                s.metadata.name = format!("web-{i}");
                s
            })
            .collect();
        let stored_refs: Vec<&EndpointSlice> = stored.iter().collect();
        let again = reconcile(&svc, &refs, &nodes, &stored_refs);
        assert!(again.create.is_empty() && again.update.is_empty() && again.delete.is_empty());
        // One more pod fits in the half-empty slice instead of a new one.
        let mut more = pods.clone();
        more.push(pod("p150", "10.244.0.250", true, &[]));
        let more_refs: Vec<&Pod> = more.iter().collect();
        let plan = reconcile(&svc, &more_refs, &nodes, &stored_refs);
        assert!(plan.create.is_empty() && plan.delete.is_empty());
        let updated: Vec<(String, usize)> = plan
            .update
            .iter()
            .map(|s| (s.metadata.name.clone(), s.endpoints.len()))
            .collect();
        assert_eq!(updated, [("web-1".to_owned(), 51)]);
    }

    #[test]
    fn terminal_and_ip_less_pods_are_left_out() {
        let mut p = pod("a", "10.244.0.2", true, &[]);
        assert!(should_pod_be_in_endpoints(&p));
        p.metadata.deletion_timestamp = Some("2026-01-01T00:00:30Z".to_owned());
        assert!(should_pod_be_in_endpoints(&p), "terminating pods stay");
        p.status.phase = Some("Succeeded".to_owned());
        assert!(!should_pod_be_in_endpoints(&p));
        let mut q = pod("b", "", false, &[]);
        q.status.pod_ip = None;
        q.status.pod_ips.clear();
        assert!(!should_pod_be_in_endpoints(&q));
    }
}

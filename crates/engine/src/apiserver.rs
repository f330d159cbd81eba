//! The API server: the cluster's object store, with resourceVersions, a watch log, namespace
//! checks and the allocators for Service cluster IPs and node ports.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::api::{FieldError, Kind, Object, ObjectRef, defaults, validation};
use crate::rng::SimRng;
use crate::time::SimTime;

/// The default Service CIDR (kubeadm `10.96.0.0/12`).
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
/// ClusterIP reserved for cluster DNS (kubeadm: the tenth address of the range).
pub const DNS_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 10);
/// NodePort range (`DefaultServiceNodePortRange`, 30000-32767).
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;

/// Why the API server refused a request; `Display` gives the API server's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Validation failed: `Pod "x" is invalid: spec.containers[0].image: Required value`.
    #[error("{kind} {name:?} is invalid: {}", .causes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Invalid {
        /// Kind.
        kind: &'static str,
        /// Object name.
        name: String,
        /// Every field problem.
        causes: Vec<FieldError>,
    },
    /// The object or its namespace does not exist: `namespaces "dev" not found`.
    #[error("{resource} {name:?} not found")]
    NotFound {
        /// Plural resource name.
        resource: &'static str,
        /// Object name.
        name: String,
        /// Field that named it (for pointing at the source).
        field: &'static str,
    },
    /// An admission plugin refused the object:
    /// `pods "x" is forbidden: pod rejected: RuntimeClass "foo" not found`.
    #[error("{resource} {name:?} is forbidden: {message}")]
    Forbidden {
        /// Plural resource name.
        resource: &'static str,
        /// Object name.
        name: String,
        /// The plugin's message.
        message: String,
        /// Field it is about.
        field: &'static str,
    },
}

impl ApiError {
    /// The field path the error is about, for pointing at the manifest.
    pub fn field_paths(&self) -> Vec<(String, String)> {
        match self {
            ApiError::Invalid { causes, .. } => causes
                .iter()
                .map(|c| (c.path.clone(), c.detail.clone()))
                .collect(),
            ApiError::NotFound { field, .. } | ApiError::Forbidden { field, .. } => {
                vec![((*field).to_owned(), self.to_string())]
            }
        }
    }
}

/// A change seen through the watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchEventType {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Removed.
    Deleted,
}

/// One entry of the watch log.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    /// What happened.
    pub type_: WatchEventType,
    /// Which object.
    pub object: ObjectRef,
    /// The store version after the change.
    pub resource_version: u64,
}

/// The object store.
#[derive(Clone, Debug)]
pub struct ApiServer {
    objects: BTreeMap<ObjectRef, Object>,
    watch_log: Vec<WatchEvent>,
    resource_version: u64,
    service_cidr: Ipv4Net,
    used_cluster_ips: BTreeSet<Ipv4Addr>,
    used_node_ports: BTreeSet<i32>,
}

impl Default for ApiServer {
    fn default() -> Self {
        ApiServer::new()
    }
}

impl ApiServer {
    /// An empty store with the `default`, `kube-system`, `kube-public` and `kube-node-lease`
    /// namespaces, as every cluster has.
    pub fn new() -> ApiServer {
        let service_cidr: Ipv4Net = DEFAULT_SERVICE_CIDR.parse().unwrap_or_default();
        let mut used = BTreeSet::new();
        // The first address is the `kubernetes` Service; the tenth is cluster DNS.
        used.insert(service_cidr.hosts().next().unwrap_or(Ipv4Addr::UNSPECIFIED));
        used.insert(DNS_SERVICE_IP);
        ApiServer {
            objects: BTreeMap::new(),
            watch_log: Vec::new(),
            resource_version: 1000,
            service_cidr,
            used_cluster_ips: used,
            used_node_ports: BTreeSet::new(),
        }
    }

    /// Creates or updates `object` (like `kubectl apply`): defaults, validates, checks the
    /// namespace, allocates IPs and ports on create, and records the change in the watch log.
    pub fn apply(
        &mut self,
        mut object: Object,
        now: SimTime,
        rng: &mut SimRng,
    ) -> Result<ObjectRef, ApiError> {
        defaults::apply(&mut object);
        if object.meta().name.is_empty() && !object.meta().generate_name.is_empty() {
            let name = format!("{}{}", object.meta().generate_name, rng.alnum(5));
            object.meta_mut().name = name;
        }
        validation::validate(&object).map_err(|causes| ApiError::Invalid {
            kind: object.kind().name(),
            name: object.meta().name.clone(),
            causes,
        })?;
        let key = object.reference();
        if key.kind.namespaced() && !self.namespace_exists(&key.namespace) {
            return Err(ApiError::NotFound {
                resource: "namespaces",
                name: key.namespace.clone(),
                field: "metadata.namespace",
            });
        }
        let existing = self.objects.get(&key).cloned();
        let type_ = match existing {
            Some(old) => {
                let meta = object.meta_mut();
                meta.uid = old.meta().uid.clone();
                meta.creation_timestamp = old.meta().creation_timestamp.clone();
                meta.generation = old.meta().generation.map(|g| g + 1);
                keep_allocations(&old, &mut object);
                WatchEventType::Modified
            }
            None => {
                let meta = object.meta_mut();
                meta.uid = rng.uuid();
                meta.creation_timestamp = Some(now.rfc3339());
                if matches!(key.kind, Kind::Deployment | Kind::ReplicaSet) {
                    meta.generation = Some(1);
                }
                match &mut object {
                    Object::Pod(pod) => {
                        self.admit_runtime_class(pod)?;
                        admit_service_account_volume(pod, rng);
                    }
                    Object::PersistentVolumeClaim(claim) => claim.bind(),
                    _ => {}
                }
                self.allocate(&mut object)?;
                WatchEventType::Added
            }
        };
        self.store(object, type_);
        Ok(key)
    }

    /// Writes an object the control plane changed (status updates, bindings) without
    /// re-running admission. The object must exist.
    pub fn update(&mut self, object: Object) {
        if self.objects.contains_key(&object.reference()) {
            self.store(object, WatchEventType::Modified);
        }
    }

    /// Writes a pod's status (the `pods/status` subresource) in place.
    pub fn update_pod_status(&mut self, key: &ObjectRef, status: crate::api::pod::PodStatus) {
        self.modify_pod(key, |p| p.status = status);
    }

    /// Changes a stored pod in place (a binding or a status patch) and records the change.
    pub fn modify_pod(&mut self, key: &ObjectRef, f: impl FnOnce(&mut crate::api::pod::Pod)) {
        if let Some(Object::Pod(p)) = self.objects.get_mut(key) {
            f(p);
            self.resource_version += 1;
            p.metadata.resource_version = self.resource_version.to_string();
            self.watch_log.push(WatchEvent {
                type_: WatchEventType::Modified,
                object: key.clone(),
                resource_version: self.resource_version,
            });
        }
    }

    /// Removes an object now. Returns it if it existed.
    pub fn remove(&mut self, key: &ObjectRef) -> Option<Object> {
        let removed = self.objects.remove(key)?;
        if let Object::Service(svc) = &removed {
            for ip in svc.spec.cluster_ips.iter().filter_map(|ip| ip.parse().ok()) {
                self.used_cluster_ips.remove(&ip);
            }
            for p in &svc.spec.ports {
                if let Some(np) = p.node_port {
                    self.used_node_ports.remove(&np);
                }
            }
        }
        self.resource_version += 1;
        self.watch_log.push(WatchEvent {
            type_: WatchEventType::Deleted,
            object: key.clone(),
            resource_version: self.resource_version,
        });
        Some(removed)
    }

    fn store(&mut self, mut object: Object, type_: WatchEventType) {
        self.resource_version += 1;
        object.meta_mut().resource_version = self.resource_version.to_string();
        let key = object.reference();
        self.watch_log.push(WatchEvent {
            type_,
            object: key.clone(),
            resource_version: self.resource_version,
        });
        self.objects.insert(key, object);
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjectRef) -> Option<&Object> {
        self.objects.get(key)
    }

    /// All objects of one kind, in (namespace, name) order.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Object> {
        self.objects
            .range(ObjectRef::new(kind, "", "")..)
            .take_while(move |(k, _)| k.kind == kind)
            .map(|(_, o)| o)
    }

    /// Watch events after position `cursor` of the log; the new cursor is `cursor + len`.
    pub fn watch_since(&self, cursor: usize) -> &[WatchEvent] {
        self.watch_log.get(cursor..).unwrap_or_default()
    }

    /// The store's current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        matches!(
            ns,
            "default" | "kube-system" | "kube-public" | "kube-node-lease"
        ) || self
            .objects
            .contains_key(&ObjectRef::new(Kind::Namespace, "", ns))
    }

    /// ClusterIP and NodePort allocation for a new Service (`pkg/registry/core/service/ipallocator`
    /// and `portallocator`): the lowest free address after the reserved ones, random free ports.
    fn allocate(&mut self, object: &mut Object) -> Result<(), ApiError> {
        let Object::Service(svc) = object else {
            return Ok(());
        };
        let ty = svc.service_type().to_owned();
        if ty == "ExternalName" {
            return Ok(());
        }
        let spec = &mut svc.spec;
        let name = svc.metadata.name.clone();
        let invalid = |path: &str, value: String, why: &str| ApiError::Invalid {
            kind: "Service",
            name: name.clone(),
            causes: vec![FieldError::invalid(path, value, why)],
        };
        match spec.cluster_ip.as_deref() {
            Some("None") => spec.cluster_ips = vec!["None".to_owned()],
            Some(ip) if !ip.is_empty() => {
                let addr: Ipv4Addr = ip.parse().map_err(|_| {
                    invalid(
                        "spec.clusterIPs[0]",
                        format!("{ip:?}"),
                        "must be a valid IP address",
                    )
                })?;
                if !self.service_cidr.contains(&addr) {
                    return Err(invalid(
                        "spec.clusterIPs[0]",
                        format!("{ip:?}"),
                        &format!(
                            "failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                            self.service_cidr
                        ),
                    ));
                }
                if !self.used_cluster_ips.insert(addr) && addr != DNS_SERVICE_IP {
                    return Err(invalid(
                        "spec.clusterIPs",
                        format!("[]string{{{ip:?}}}"),
                        &format!("failed to allocate IP {ip}: provided IP is already allocated"),
                    ));
                }
                spec.cluster_ips = vec![ip.to_owned()];
            }
            _ => {
                let ip = self
                    .service_cidr
                    .hosts()
                    .find(|ip| !self.used_cluster_ips.contains(ip))
                    .ok_or_else(|| {
                        invalid("spec.clusterIPs", "[]string{}".to_owned(), "range is full")
                    })?;
                self.used_cluster_ips.insert(ip);
                spec.cluster_ip = Some(ip.to_string());
                spec.cluster_ips = vec![ip.to_string()];
            }
        }
        if spec.cluster_ip.is_none() {
            spec.cluster_ip = spec.cluster_ips.first().cloned();
        }
        if spec.ip_families.is_empty() {
            spec.ip_families = vec!["IPv4".to_owned()];
        }
        spec.ip_family_policy
            .get_or_insert_with(|| "SingleStack".to_owned());
        if ty == "NodePort" || ty == "LoadBalancer" {
            for (i, port) in spec.ports.iter_mut().enumerate() {
                match port.node_port {
                    Some(np) => {
                        if !self.used_node_ports.insert(np) {
                            return Err(invalid(
                                &format!("spec.ports[{i}].nodePort"),
                                np.to_string(),
                                "provided port is already allocated",
                            ));
                        }
                    }
                    None => {
                        let span = (NODE_PORT_RANGE.end() - NODE_PORT_RANGE.start() + 1) as u64;
                        let start = self.resource_version % span;
                        let np = (0..span)
                            .map(|o| NODE_PORT_RANGE.start() + ((start + o) % span) as i32)
                            .find(|p| !self.used_node_ports.contains(p))
                            .ok_or_else(|| {
                                invalid(
                                    &format!("spec.ports[{i}].nodePort"),
                                    "0".to_owned(),
                                    "range is full",
                                )
                            })?;
                        self.used_node_ports.insert(np);
                        port.node_port = Some(np);
                    }
                }
            }
        }
        Ok(())
    }
}

/// An update keeps what the API server allocated on create.
fn keep_allocations(old: &Object, new: &mut Object) {
    match (old, new) {
        (Object::Service(o), Object::Service(n)) => {
            if n.spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
                n.spec.cluster_ip = o.spec.cluster_ip.clone();
                n.spec.cluster_ips = o.spec.cluster_ips.clone();
            }
            n.spec.ip_families = o.spec.ip_families.clone();
            n.spec.ip_family_policy = o.spec.ip_family_policy.clone();
            for p in &mut n.spec.ports {
                if p.node_port.is_none() {
                    p.node_port = o
                        .spec
                        .ports
                        .iter()
                        .find(|q| q.port == p.port)
                        .and_then(|q| q.node_port);
                }
            }
            n.status = o.status.clone();
        }
        (Object::Pod(o), Object::Pod(n)) => {
            n.spec.node_name = o.spec.node_name.clone();
            n.status = o.status.clone();
        }
        _ => {}
    }
}

impl ApiServer {
    /// The RuntimeClass admission plugin (`plugin/pkg/admission/runtimeclass`): the class must
    /// exist; its `overhead.podFixed` becomes `spec.overhead`; its scheduling node selector
    /// and tolerations are merged into the pod.
    fn admit_runtime_class(&self, pod: &mut crate::api::pod::Pod) -> Result<(), ApiError> {
        let forbidden = |message: String, field: &'static str| ApiError::Forbidden {
            resource: "pods",
            name: pod.metadata.name.clone(),
            message,
            field,
        };
        let Some(name) = pod.spec.runtime_class_name.clone() else {
            if !pod.spec.overhead.is_empty() {
                return Err(forbidden(
                    "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead".to_owned(),
                    "spec.overhead",
                ));
            }
            return Ok(());
        };
        let Some(Object::RuntimeClass(rc)) =
            self.get(&ObjectRef::new(Kind::RuntimeClass, "", &name))
        else {
            return Err(forbidden(
                format!("pod rejected: RuntimeClass {name:?} not found"),
                "spec.runtimeClassName",
            ));
        };
        match &rc.overhead {
            Some(o) if pod.spec.overhead.is_empty() => pod.spec.overhead = o.pod_fixed.clone(),
            Some(o) if pod.spec.overhead != o.pod_fixed => {
                return Err(forbidden(
                    "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
                        .to_owned(),
                    "spec.overhead",
                ));
            }
            None if !pod.spec.overhead.is_empty() => {
                return Err(forbidden(
                    "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead".to_owned(),
                    "spec.overhead",
                ));
            }
            _ => {}
        }
        if let Some(sched) = &rc.scheduling {
            for (k, v) in &sched.node_selector {
                match pod.spec.node_selector.get(k) {
                    Some(have) if have != v => {
                        return Err(forbidden(
                            format!(
                                "conflict: runtimeClass.scheduling.nodeSelector[{k}] = {v}; pod.spec.nodeSelector[{k}] = {have}"
                            ),
                            "spec.nodeSelector",
                        ));
                    }
                    _ => {
                        pod.spec.node_selector.insert(k.clone(), v.clone());
                    }
                }
            }
            for t in &sched.tolerations {
                if !pod.spec.tolerations.contains(t) {
                    pod.spec.tolerations.push(t.clone());
                }
            }
        }
        Ok(())
    }
}

/// The ServiceAccount admission plugin's projected token volume
/// (`plugin/pkg/admission/serviceaccount`): a `kube-api-access-<5 chars>` volume with the
/// bound token, the cluster CA and the namespace, mounted read-only at
/// `/var/run/secrets/kubernetes.io/serviceaccount` in every container, unless
/// `automountServiceAccountToken: false` or a container already mounts that path.
fn admit_service_account_volume(pod: &mut crate::api::pod::Pod, rng: &mut SimRng) {
    use crate::api::pod::{Volume, VolumeMount};
    const MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
    if pod.spec.automount_service_account_token == Some(false) {
        return;
    }
    let name = format!("kube-api-access-{}", rng.alnum(5));
    pod.spec.volumes.push(Volume {
        name: name.clone(),
        projected: Some(serde_json::json!({
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ]
        })),
        ..Volume::default()
    });
    for c in pod
        .spec
        .init_containers
        .iter_mut()
        .chain(pod.spec.containers.iter_mut())
    {
        if c.volume_mounts.iter().all(|m| m.mount_path != MOUNT) {
            c.volume_mounts.push(VolumeMount {
                name: name.clone(),
                mount_path: MOUNT.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            });
        }
    }
}

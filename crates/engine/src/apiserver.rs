//! The API server: the cluster's object store, with resourceVersions, a watch log, namespace
//! checks and the allocators for Service cluster IPs and node ports.

mod allocator;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub use allocator::{LoadBalancerPool, ServiceAllocator};

use crate::api::{FieldError, Kind, Object, ObjectRef, defaults, validation};
use crate::rng::SimRng;
use crate::time::SimTime;

/// The default Service CIDR (kubeadm `10.96.0.0/12`).
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
/// ClusterIP of the `kubernetes` Service (the first address of the range).
pub const KUBERNETES_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 1);
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
    services: ServiceAllocator,
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
        ApiServer {
            objects: BTreeMap::new(),
            watch_log: Vec::new(),
            resource_version: 1000,
            services: ServiceAllocator::default(),
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
                if let (Object::Service(old), Object::Service(svc)) = (&old, &mut object) {
                    self.services.allocate(svc, Some(old), rng)?;
                }
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
                if let Object::Service(svc) = &mut object {
                    self.services.allocate(svc, None, rng)?;
                }
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
            self.services.release(svc);
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

    /// Whether namespace `ns` exists (the four built-in ones always do).
    pub fn namespace_exists(&self, ns: &str) -> bool {
        matches!(
            ns,
            "default" | "kube-system" | "kube-public" | "kube-node-lease"
        ) || self
            .objects
            .contains_key(&ObjectRef::new(Kind::Namespace, "", ns))
    }

    /// The Service allocators (cluster IPs, node ports) and the simulated load-balancer pool.
    pub fn service_allocator(&self) -> &ServiceAllocator {
        &self.services
    }

    /// Sets the address pool the simulated load balancer hands out (the Lab's
    /// `loadBalancerPool`).
    pub fn set_load_balancer_pool(&mut self, pool: LoadBalancerPool) {
        self.services.load_balancer_pool = pool;
    }
}

/// An update keeps what the API server allocated on create.
fn keep_allocations(old: &Object, new: &mut Object) {
    match (old, new) {
        (Object::Service(o), Object::Service(n)) => allocator::keep_service_allocations(o, n),
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

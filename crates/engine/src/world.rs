//! The whole simulated cluster and its clock: the [`World`] that UIs and the CLI drive.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::api::lab::LabSpec;
use crate::api::meta::ObjectMeta;
use crate::api::node::{Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo};
use crate::api::quantity::Quantity;
use crate::api::{Document, Kind, Manifest, Object, ObjectRef, SourceError};
use crate::apiserver::{ApiError, ApiServer, WatchEventType};
use crate::cri::CriCall;
use crate::ctx::Ctx;
use crate::events::EventLog;
use crate::kubelet::prober::ProbeKind;
use crate::kubelet::{
    EVICTION_HARD_MEMORY, HOUSEKEEPING_PERIOD_MS, Kubelet, PLEG_RELIST_PERIOD_MS,
};
use crate::lab::LabAction;
use crate::proxy::kube_proxy::KubeProxy;
use crate::proxy::{Mode, ProxyConfig, Scheduler};
use crate::rng::SimRng;
use crate::sched::EventQueue;
use crate::scheduler;
use crate::time::SimTime;

mod traffic;
mod views;

pub use traffic::{ClientOptions, RequestResult, TrafficRun, TrafficSpec};
pub use views::{CauseStep, Component};

/// Kubernetes version the simulated nodes report.
pub const KUBERNETES_VERSION: &str = "v1.33.4";

/// Work scheduled for a later time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Run the scheduler over pending pods.
    Schedule,
    /// A kubelet's pod worker sync (`SyncPod`).
    SyncPod {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
    },
    /// A CRI operation a pod worker was blocked on finished.
    OpDone {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Which operation (stale completions are ignored).
        seq: u64,
    },
    /// A container's process has something to do (a timer, an OOM kill, a stop deadline).
    ContainerWake {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Runtime container id.
        id: String,
    },
    /// A probe worker's tick.
    Probe {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Container name.
        container: String,
        /// Probe type.
        kind: ProbeKind,
    },
    /// A kubelet's periodic PLEG relist.
    PlegRelist {
        /// Node.
        node: String,
    },
    /// A kubelet's housekeeping and eviction round (every 10 s).
    Housekeeping {
        /// Node.
        node: String,
    },
    /// A kubelet's container and sandbox garbage collection (every minute).
    ContainerGc {
        /// Node.
        node: String,
    },
    /// A kubelet's image garbage collection (every 5 minutes).
    ImageGc {
        /// Node.
        node: String,
    },
    /// A kubelet's runtime health check (`Status`, every 5 s; `Version` first).
    RuntimeStatus {
        /// Node.
        node: String,
        /// The first check after the kubelet connects.
        first: bool,
    },
    /// A step of the Lab's script.
    Lab {
        /// Index into the script.
        step: usize,
    },
    /// The node lifecycle controller's grace period for a silent node ran out.
    NodeLost {
        /// Node.
        node: String,
    },
    /// A node's kube-proxy re-programs its rules (`syncProxyRules`).
    ProxySync {
        /// Node.
        node: String,
    },
    /// A controller asked to look again at this time (a Deployment's progress deadline, a
    /// ReplicaSet's `minReadySeconds`).
    Controllers,
}

/// The cluster's pod network (kind's default `podSubnet`), split into one `/24` per node; it
/// is kube-proxy's `--cluster-cidr`.
pub const CLUSTER_CIDR: &str = "10.244.0.0/16";

/// How long the node lifecycle controller waits for a silent kubelet before it marks the
/// node `Unknown` (`--node-monitor-grace-period`, 40 s).
pub const NODE_MONITOR_GRACE_PERIOD_MS: u64 = 40_000;

/// The simulated cluster. Cloning it is a checkpoint: a clone advanced with the same inputs
/// produces the same trace.
#[derive(Clone, Debug)]
pub struct World {
    now: SimTime,
    seed: u64,
    rng: SimRng,
    queue: EventQueue<Task>,
    api: ApiServer,
    events: EventLog,
    /// The lab action being taken (index into `lab_log`), lent to components as
    /// [`Ctx::action`].
    acting: Option<usize>,
    cri_log: Vec<CriCall>,
    journal: Vec<crate::journal::JournalEntry>,
    kubelets: BTreeMap<String, Kubelet>,
    proxies: BTreeMap<String, KubeProxy>,
    /// Pooled client connections by (client and destination, slot).
    connections: BTreeMap<(String, u32), traffic::OpenConnection>,
    traffic: Vec<TrafficRun>,
    watch_cursor: usize,
    schedule_queued: bool,
    processed: u64,
    script: Vec<LabAction>,
    /// Lab actions taken (scripted or by hand), with their time and outcome.
    lab_log: Vec<LabRecord>,
}

/// A lab action that was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabRecord {
    /// When.
    pub time: SimTime,
    /// What.
    pub action: LabAction,
    /// Why it could not be applied, if it could not.
    pub error: Option<String>,
}

impl World {
    /// A cluster with the default lab: one node `node-1` (4 CPU, 8Gi), containerd + runc.
    pub fn new(seed: u64) -> World {
        World::with_lab(&LabSpec::default(), seed)
    }

    /// A cluster built from a Lab's settings.
    pub fn with_lab(lab: &LabSpec, seed: u64) -> World {
        let mut world = World {
            now: SimTime::ZERO,
            seed,
            rng: SimRng::new(seed),
            queue: EventQueue::default(),
            api: ApiServer::new(),
            events: EventLog::default(),
            acting: None,
            cri_log: Vec::new(),
            journal: Vec::new(),
            kubelets: BTreeMap::new(),
            proxies: BTreeMap::new(),
            connections: BTreeMap::new(),
            traffic: Vec::new(),
            watch_cursor: 0,
            schedule_queued: false,
            processed: 0,
            script: lab.script.iter().filter_map(LabAction::from_step).collect(),
            lab_log: Vec::new(),
        };
        if let Some(pool) = lab.load_balancer_pool() {
            world.api.set_load_balancer_pool(pool);
        }
        for (step, s) in lab.script.iter().enumerate() {
            let at = crate::time::parse_duration(&s.at).unwrap_or(0);
            world
                .queue
                .push(SimTime::from_millis(at), Task::Lab { step });
        }
        let nodes = if lab.nodes.is_empty() {
            vec![crate::api::lab::LabNode {
                name: "node-1".to_owned(),
                ..Default::default()
            }]
        } else {
            lab.nodes.clone()
        };
        for (i, spec) in nodes.iter().enumerate() {
            world.add_node(i, spec, lab);
        }
        world.dispatch();
        world
    }

    /// Builds a world from decoded manifests: the Lab (if any) sets up the cluster, then every
    /// object is applied in dependency order (namespaces first, pods last). An object the API
    /// server refuses is reported at its position in its file.
    pub fn from_manifests(manifests: &[Manifest], seed: Option<u64>) -> Result<World, SourceError> {
        let lab = manifests.iter().find_map(|m| match &m.document {
            Document::Lab(l) => Some(l.spec.clone()),
            Document::Object(_) => None,
        });
        let lab = lab.unwrap_or_default();
        let mut world = World::with_lab(&lab, seed.or(lab.seed).unwrap_or(1));
        world.apply_manifests(manifests)?;
        Ok(world)
    }

    /// Applies every object of `manifests` now, in dependency order (namespaces first, pods
    /// last), as `kubectl apply -f` does. A Lab document is ignored here.
    pub fn apply_manifests(&mut self, manifests: &[Manifest]) -> Result<(), SourceError> {
        let mut objects: Vec<(&Manifest, &Object)> = manifests
            .iter()
            .filter_map(|m| match &m.document {
                Document::Object(o) => Some((m, o)),
                Document::Lab(_) => None,
            })
            .collect();
        objects.sort_by_key(|(_, o)| Kind::ALL.iter().position(|k| *k == o.kind()));
        for (manifest, object) in objects {
            self.apply(object.clone()).map_err(|e| {
                let (path, _) = e.field_paths().into_iter().next().unwrap_or_default();
                manifest.error_at(&path, e.to_string())
            })?;
        }
        Ok(())
    }

    fn add_node(&mut self, index: usize, spec: &crate::api::lab::LabNode, lab: &LabSpec) {
        let cpu = spec.cpu.unwrap_or_else(|| Quantity::from_units(4));
        let memory = spec
            .memory
            .unwrap_or_else(|| Quantity::from_bytes(8 * 1024 * 1024 * 1024));
        let node_ip = format!("172.18.0.{}", index + 2);
        let pod_cidr: Ipv4Net = format!("10.244.{index}.0/24").parse().unwrap_or_default();
        let mut labels = spec.labels.clone();
        for (k, v) in [
            ("kubernetes.io/hostname", spec.name.as_str()),
            ("kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/os", "linux"),
            ("beta.kubernetes.io/arch", "amd64"),
        ] {
            labels.insert(k.to_owned(), v.to_owned());
        }
        if let Some(zone) = &spec.zone {
            labels.insert("topology.kubernetes.io/zone".to_owned(), zone.clone());
        }
        let now = self.now.rfc3339();
        let condition = |t: &str, status: &str, reason: &str, message: &str| NodeCondition {
            type_: t.to_owned(),
            status: status.to_owned(),
            last_heartbeat_time: Some(now.clone()),
            last_transition_time: Some(now.clone()),
            reason: Some(reason.to_owned()),
            message: Some(message.to_owned()),
        };
        let runtime = crate::cri::runtime::Runtime::new(
            &spec.name,
            lab.runtime_profile(spec),
            lab.handler_profiles(spec),
            lab.node_disk(spec),
        );
        let kubelet = Kubelet::new(&spec.name, &node_ip, pod_cidr, memory.value(), runtime);
        let allocatable_memory = Quantity::from_bytes(memory.value() - EVICTION_HARD_MEMORY);
        let capacity = BTreeMap::from([
            ("cpu".to_owned(), cpu),
            ("memory".to_owned(), memory),
            ("pods".to_owned(), Quantity::from_units(110)),
        ]);
        let mut allocatable = capacity.clone();
        allocatable.insert("memory".to_owned(), allocatable_memory);
        let node = Node {
            metadata: ObjectMeta {
                name: spec.name.clone(),
                labels,
                ..ObjectMeta::default()
            },
            spec: NodeSpec {
                pod_cidr: Some(pod_cidr.to_string()),
                pod_cidrs: vec![pod_cidr.to_string()],
                ..NodeSpec::default()
            },
            status: NodeStatus {
                capacity,
                allocatable,
                conditions: vec![
                    condition(
                        "MemoryPressure",
                        "False",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    condition(
                        "DiskPressure",
                        "False",
                        "KubeletHasNoDiskPressure",
                        "kubelet has no disk pressure",
                    ),
                    condition(
                        "PIDPressure",
                        "False",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available",
                    ),
                    condition(
                        "Ready",
                        "True",
                        "KubeletReady",
                        "kubelet is posting ready status",
                    ),
                ],
                addresses: vec![
                    NodeAddress {
                        type_: "InternalIP".to_owned(),
                        address: node_ip.clone(),
                    },
                    NodeAddress {
                        type_: "Hostname".to_owned(),
                        address: spec.name.clone(),
                    },
                ],
                node_info: Some(NodeSystemInfo {
                    machine_id: format!("{:016x}{:016x}", self.rng.next_u64(), self.rng.next_u64()),
                    system_uuid: self.rng.uuid(),
                    boot_id: self.rng.uuid(),
                    kernel_version: "6.8.0-60-generic".to_owned(),
                    os_image: "Ubuntu 24.04.2 LTS".to_owned(),
                    // nodestatus setters: "<type>://<version>" without a leading v.
                    container_runtime_version: format!(
                        "{}://{}",
                        kubelet.runtime.profile.scheme,
                        kubelet.runtime.profile.version.trim_start_matches('v')
                    ),
                    kubelet_version: KUBERNETES_VERSION.to_owned(),
                    kube_proxy_version: String::new(),
                    operating_system: "linux".to_owned(),
                    architecture: "amd64".to_owned(),
                }),
                ..NodeStatus::default()
            },
            ..Node::default()
        };
        // Node objects are created by the kubelet registering itself; they always validate.
        if self
            .api
            .apply(Object::Node(node), self.now, &mut self.rng)
            .is_ok()
        {
            self.queue.push(
                self.now.plus_millis(PLEG_RELIST_PERIOD_MS),
                Task::PlegRelist {
                    node: spec.name.clone(),
                },
            );
            self.queue.push(
                self.now.plus_millis(HOUSEKEEPING_PERIOD_MS),
                Task::Housekeeping {
                    node: spec.name.clone(),
                },
            );
            // The kubelet connects to the runtime first; garbage collection starts with it.
            self.queue.push(
                self.now,
                Task::RuntimeStatus {
                    node: spec.name.clone(),
                    first: true,
                },
            );
            self.queue.push(
                self.now
                    .plus_millis(crate::kubelet::gc::CONTAINER_GC_PERIOD_MS),
                Task::ContainerGc {
                    node: spec.name.clone(),
                },
            );
            self.queue.push(
                self.now.plus_millis(crate::kubelet::gc::IMAGE_GC_PERIOD_MS),
                Task::ImageGc {
                    node: spec.name.clone(),
                },
            );
            self.kubelets.insert(spec.name.clone(), kubelet);
            let config = ProxyConfig {
                node_name: spec.name.clone(),
                node_ip: node_ip.parse().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
                zone: spec.zone.clone(),
                cluster_cidr: CLUSTER_CIDR.parse().ok(),
                service_cidr: crate::apiserver::DEFAULT_SERVICE_CIDR
                    .parse()
                    .unwrap_or_default(),
                mode: lab
                    .proxy_mode
                    .as_deref()
                    .and_then(Mode::parse)
                    .unwrap_or_default(),
                scheduler: lab
                    .ipvs_scheduler
                    .as_deref()
                    .and_then(Scheduler::parse)
                    .unwrap_or_default(),
            };
            self.proxies
                .insert(spec.name.clone(), KubeProxy::new(config));
            self.queue.push(
                self.now,
                Task::ProxySync {
                    node: spec.name.clone(),
                },
            );
        }
    }

    /// Creates or updates an object, as `kubectl apply` does.
    pub fn apply(&mut self, object: Object) -> Result<ObjectRef, ApiError> {
        let key = self.api.apply(object, self.now, &mut self.rng)?;
        self.dispatch();
        Ok(key)
    }

    /// Deletes an object as `kubectl delete` does. A pod bound to a node gets a graceful
    /// deletion (`deletionTimestamp` + `deletionGracePeriodSeconds` from its
    /// `terminationGracePeriodSeconds`) and stays, `Terminating`, until its kubelet has
    /// stopped it. Returns whether it existed.
    pub fn delete(&mut self, key: &ObjectRef) -> bool {
        self.delete_with(key, None)
    }

    /// Deletes with an explicit grace period (`--grace-period`); `Some(0)` is
    /// `--grace-period=0 --force`: the object goes at once and the kubelet cleans up after.
    pub fn delete_with(&mut self, key: &ObjectRef, grace_period_seconds: Option<i64>) -> bool {
        let graceful = match self.api.get(key) {
            None => return false,
            Some(Object::Pod(p)) => {
                let grace = grace_period_seconds
                    .or(p.spec.termination_grace_period_seconds)
                    .unwrap_or(30);
                let terminal = matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed"));
                if p.spec.node_name.is_some() && grace > 0 && !terminal {
                    Some((p.clone(), grace))
                } else {
                    None
                }
            }
            Some(_) => None,
        };
        match graceful {
            Some((mut pod, grace)) => {
                if pod.metadata.deletion_timestamp.is_none() {
                    pod.metadata.deletion_timestamp =
                        Some(self.now.plus_millis(grace as u64 * 1000).rfc3339());
                    pod.metadata.deletion_grace_period_seconds = Some(grace);
                    self.api.update(Object::Pod(pod));
                }
            }
            None => {
                self.api.remove(key);
            }
        }
        self.dispatch();
        true
    }

    /// Runs every task due up to and including `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        while let Some((at, task)) = self.queue.pop_due(t) {
            self.now = at;
            self.run(task);
        }
        self.now = self.now.max(t);
    }

    /// Advances to the next moment at which something observable happens (an event, an object
    /// change or a CRI call) and returns that time; `None` when nothing more will happen within
    /// ten simulated minutes.
    pub fn step(&mut self) -> Option<SimTime> {
        let start = self.now;
        let before = self.fingerprint();
        while let Some(next) = self.queue.peek_time() {
            if next.millis_since(start) > 600_000 {
                return None;
            }
            self.advance_to(next);
            if self.fingerprint() != before {
                return Some(self.now);
            }
        }
        None
    }

    /// Like [`World::step`], but never past `limit`, and says which task made the change: runs
    /// tasks one by one until one changes something observable (an event, an object, a CRI
    /// call), then the rest of the tasks due at that same time, and returns that time and the
    /// task. When nothing observable happens by `limit`, the world is advanced to `limit` and
    /// `None` is returned. The state reached is exactly the one [`World::advance_to`] reaches
    /// at the returned time.
    pub fn step_until(&mut self, limit: SimTime) -> Option<(SimTime, Task)> {
        let before = self.fingerprint();
        while let Some(at) = self.queue.peek_time().filter(|at| *at <= limit) {
            let Some((at, task)) = self.queue.pop_due(at) else {
                break;
            };
            self.now = at;
            self.run(task.clone());
            if self.fingerprint() != before {
                self.advance_to(at);
                return Some((at, task));
            }
        }
        self.advance_to(limit);
        None
    }

    /// The task that runs next and its time, without running it.
    pub fn next_task(&self) -> Option<(SimTime, &Task)> {
        self.queue.peek()
    }

    /// The Lab script's action number `step` (what a [`Task::Lab`] takes).
    pub fn script_action(&self, step: usize) -> Option<&LabAction> {
        self.script.get(step)
    }

    fn fingerprint(&self) -> (usize, u64, usize) {
        (
            self.events.all().len(),
            self.api.resource_version(),
            self.cri_log.len(),
        )
    }

    fn run(&mut self, task: Task) {
        self.processed += 1;
        match task {
            Task::Schedule => {
                self.schedule_queued = false;
                let mut ctx = self.ctx();
                scheduler::schedule_pending(&mut ctx);
            }
            Task::SyncPod { node, pod } => self.with_kubelet(&node, |k, ctx| k.sync_pod(ctx, &pod)),
            Task::OpDone { node, pod, seq } => {
                self.with_kubelet(&node, |k, ctx| k.op_done(ctx, &pod, seq))
            }
            Task::ContainerWake { node, pod, id } => {
                self.with_kubelet(&node, |k, ctx| k.wake_container(ctx, &pod, &id))
            }
            Task::Probe {
                node,
                pod,
                container,
                kind,
            } => self.with_kubelet(&node, |k, ctx| k.probe(ctx, &pod, &container, kind)),
            Task::PlegRelist { node } => self.with_kubelet(&node, |k, ctx| k.relist(ctx)),
            Task::Housekeeping { node } => self.with_kubelet(&node, |k, ctx| k.housekeeping(ctx)),
            Task::ContainerGc { node } => self.with_kubelet(&node, |k, ctx| k.container_gc(ctx)),
            Task::ImageGc { node } => self.with_kubelet(&node, |k, ctx| k.image_gc(ctx)),
            Task::RuntimeStatus { node, first } => {
                self.with_kubelet(&node, |k, ctx| k.runtime_status(ctx, first))
            }
            Task::Lab { step } => {
                if let Some(action) = self.script.get(step).cloned() {
                    let _ = self.act(action);
                }
            }
            Task::NodeLost { node } => self.node_lost(&node),
            Task::ProxySync { node } => {
                if let Some(p) = self.proxies.get_mut(&node) {
                    p.sync(self.now, &self.api);
                }
            }
            Task::Controllers => crate::controllers::sync(&mut self.ctx()),
        }
        self.dispatch();
    }

    /// Takes a lab action now. The outcome is also kept in [`World::lab_log`].
    pub fn act(&mut self, action: LabAction) -> Result<(), String> {
        self.acting = Some(self.lab_log.len());
        let result = match &action {
            LabAction::DeletePod {
                pod,
                grace_period_seconds,
            } => {
                if self.delete_with(pod, *grace_period_seconds) {
                    Ok(())
                } else {
                    Err(format!("pods {:?} not found", pod.name))
                }
            }
            LabAction::Traffic(spec) => self.send(spec.clone()).map(|_| ()),
            LabAction::NodeNotReady { node } => match self.kubelets.get_mut(node) {
                Some(k) if !k.stopped => {
                    k.stopped = true;
                    self.queue.push(
                        self.now.plus_millis(NODE_MONITOR_GRACE_PERIOD_MS),
                        Task::NodeLost { node: node.clone() },
                    );
                    Ok(())
                }
                Some(_) => Ok(()),
                None => Err(format!("nodes {node:?} not found")),
            },
            other => {
                let node = other.pod().and_then(|p| match self.api.get(p) {
                    Some(Object::Pod(p)) => p.spec.node_name.clone(),
                    _ => None,
                });
                match node {
                    None => Err(format!(
                        "pods {:?} not found or not scheduled",
                        other.pod().map(|p| p.name.clone()).unwrap_or_default()
                    )),
                    Some(node) => {
                        let mut result = Err(format!("nodes {node:?} not found"));
                        self.with_kubelet(&node, |k, ctx| result = k.act(ctx, other));
                        result
                    }
                }
            }
        };
        self.acting = None;
        self.lab_log.push(LabRecord {
            time: self.now,
            action,
            error: result.clone().err(),
        });
        self.dispatch();
        result
    }

    /// The node lifecycle controller marks a silent node's conditions `Unknown` and its
    /// pods not ready (`MarkPodsNotReady`).
    fn node_lost(&mut self, node: &str) {
        let now = self.now.rfc3339();
        let key = ObjectRef::new(Kind::Node, "", node);
        if let Some(Object::Node(mut n)) = self.api.get(&key).cloned() {
            for c in &mut n.status.conditions {
                c.status = "Unknown".to_owned();
                c.reason = Some("NodeStatusUnknown".to_owned());
                c.message = Some("Kubelet stopped posting node status.".to_owned());
                c.last_transition_time = Some(now.clone());
            }
            self.api.update(Object::Node(n));
            self.events.record(crate::events::Event {
                time: self.now,
                type_: crate::events::EventType::Normal,
                reason: "NodeNotReady".to_owned(),
                object: key,
                message: format!("Node {node} status is now: NodeNotReady"),
                source: "node-controller".to_owned(),
                host: None,
                cause: self
                    .lab_log
                    .iter()
                    .rposition(
                        |r| matches!(&r.action, LabAction::NodeNotReady { node: n } if n == node),
                    )
                    .map(|index| crate::events::Cause::Action { index }),
            });
        }
        let pods: Vec<_> = self
            .api
            .list(Kind::Pod)
            .filter_map(|o| match o {
                Object::Pod(p) if p.spec.node_name.as_deref() == Some(node) => Some(p.clone()),
                _ => None,
            })
            .collect();
        for mut p in pods {
            for c in &mut p.status.conditions {
                if c.type_ == "Ready" && c.status != "False" {
                    c.status = "False".to_owned();
                    c.last_transition_time = Some(now.clone());
                }
            }
            self.api.update(Object::Pod(p));
        }
        self.dispatch();
    }

    /// The log of a pod's container (`kubectl logs [--previous]`): the first container when
    /// none is named.
    pub fn logs(
        &self,
        pod: &ObjectRef,
        container: Option<&str>,
        previous: bool,
    ) -> Option<Vec<crate::cri::runtime::LogLine>> {
        let Some(Object::Pod(p)) = self.api.get(pod) else {
            return None;
        };
        let name = container
            .map(str::to_owned)
            .or_else(|| p.spec.containers.first().map(|c| c.name.clone()))?;
        self.kubelet_of(pod)?.logs(pod, &name, previous)
    }

    /// The kubelet running `pod`, if it is bound to a node.
    pub fn kubelet_of(&self, pod: &ObjectRef) -> Option<&Kubelet> {
        match self.api.get(pod) {
            Some(Object::Pod(p)) => self.kubelets.get(p.spec.node_name.as_deref()?),
            _ => None,
        }
    }

    /// Every probe attempt of a pod's container, by probe type (the probe timeline).
    pub fn probe_history(
        &self,
        pod: &ObjectRef,
        container: &str,
    ) -> Vec<(ProbeKind, Vec<crate::kubelet::prober::ProbeRecord>)> {
        self.kubelet_of(pod)
            .map(|k| {
                k.probe_history(pod, container)
                    .into_iter()
                    .map(|(kind, h)| (kind, h.to_vec()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The restart / back-off timeline of a pod's container.
    pub fn lifecycle_history(
        &self,
        pod: &ObjectRef,
        container: &str,
    ) -> Vec<crate::kubelet::LifecycleEvent> {
        self.kubelet_of(pod)
            .map(|k| k.lifecycle_history(pod, container).to_vec())
            .unwrap_or_default()
    }

    /// `kubectl top pod`: CPU (millicores) and working-set memory (bytes) per running
    /// container of the pod, with the CFS throttling counters.
    pub fn pod_metrics(&self, pod: &ObjectRef) -> Vec<(String, crate::cri::runtime::CgroupStats)> {
        let Some(Object::Pod(p)) = self.api.get(pod) else {
            return Vec::new();
        };
        let Some(k) = self.kubelet_of(pod) else {
            return Vec::new();
        };
        p.all_containers()
            .filter_map(|c| {
                let id = k.container_id(pod, &c.name)?;
                let stats = k.runtime.cgroup_stats(&id, self.now)?;
                Some((c.name.clone(), stats))
            })
            .collect()
    }

    /// Lab actions taken so far.
    pub fn lab_log(&self) -> &[LabRecord] {
        &self.lab_log
    }

    /// The shared parts of the world, lent to one component.
    fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            now: self.now,
            api: &mut self.api,
            events: &mut self.events,
            cri_log: &mut self.cri_log,
            journal: &mut self.journal,
            queue: &mut self.queue,
            rng: &mut self.rng,
            action: self.acting,
        }
    }

    /// Runs `f` on one node's kubelet with a [`Ctx`].
    fn with_kubelet(&mut self, node: &str, f: impl FnOnce(&mut Kubelet, &mut Ctx<'_>)) {
        let Some(mut kubelet) = self.kubelets.remove(node) else {
            return;
        };
        {
            let mut ctx = self.ctx();
            f(&mut kubelet, &mut ctx);
            kubelet.flush_status(&mut ctx);
        }
        self.kubelets.insert(node.to_owned(), kubelet);
    }

    /// Delivers new watch events: unbound pods and new nodes wake the scheduler; pods bound
    /// to a node (and their removal) reach that node's kubelet; changes the controllers watch
    /// run them.
    fn dispatch(&mut self) {
        loop {
            let batch: Vec<_> = self.api.watch_since(self.watch_cursor).to_vec();
            if batch.is_empty() {
                return;
            }
            self.watch_cursor += batch.len();
            let controllers = batch
                .iter()
                .any(|ev| crate::controllers::watches(ev.object.kind));
            for ev in batch {
                match ev.object.kind {
                    Kind::Node if ev.type_ == WatchEventType::Added => self.queue_schedule(),
                    Kind::Pod => {
                        let node = match self.api.get(&ev.object) {
                            Some(Object::Pod(p)) => p.spec.node_name.clone(),
                            _ => None,
                        };
                        match node {
                            None if ev.type_ == WatchEventType::Added => self.queue_schedule(),
                            None if ev.type_ == WatchEventType::Deleted => {
                                let nodes: Vec<String> = self.kubelets.keys().cloned().collect();
                                for n in nodes {
                                    self.with_kubelet(&n, |k, ctx| k.observe_pod(ctx, &ev.object));
                                }
                                self.queue_schedule();
                            }
                            None => {}
                            Some(node) => {
                                self.with_kubelet(&node, |k, ctx| k.observe_pod(ctx, &ev.object))
                            }
                        }
                    }
                    Kind::Service | Kind::EndpointSlice => self.queue_proxy_syncs(),
                    _ => {}
                }
            }
            if controllers {
                crate::controllers::sync(&mut self.ctx());
            }
        }
    }

    /// Every kube-proxy re-syncs after a Service or EndpointSlice change, at most once per
    /// `minSyncPeriod`.
    fn queue_proxy_syncs(&mut self) {
        for (node, proxy) in &mut self.proxies {
            if !proxy.sync_queued {
                proxy.sync_queued = true;
                self.queue.push(
                    proxy.next_sync_at(self.now),
                    Task::ProxySync { node: node.clone() },
                );
            }
        }
    }

    fn queue_schedule(&mut self) {
        if !self.schedule_queued {
            self.schedule_queued = true;
            self.queue.push(self.now, Task::Schedule);
        }
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The seed the world was created with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many tasks have run (the engine's unit of work, for benchmarks).
    pub fn processed_tasks(&self) -> u64 {
        self.processed
    }

    /// The object store.
    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// Every event recorded so far.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Every CRI call made so far.
    pub fn cri_calls(&self) -> &[CriCall] {
        &self.cri_log
    }

    /// The node journal (volume, network, sandbox and container steps).
    pub fn journal(&self) -> &[crate::journal::JournalEntry] {
        &self.journal
    }

    /// The kubelets, by node name.
    pub fn kubelets(&self) -> &BTreeMap<String, Kubelet> {
        &self.kubelets
    }

    /// The kube-proxies, by node name.
    pub fn proxies(&self) -> &BTreeMap<String, KubeProxy> {
        &self.proxies
    }

    /// All objects of one kind.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Object> {
        self.api.list(kind)
    }
}

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
use crate::kubelet::{Kubelet, PLEG_RELIST_PERIOD_MS};
use crate::rng::SimRng;
use crate::sched::EventQueue;
use crate::scheduler;
use crate::time::SimTime;

/// Kubernetes version the simulated nodes report.
pub const KUBERNETES_VERSION: &str = "v1.33.4";
/// Memory the kubelet keeps back from allocatable: the `memory.available<100Mi` hard-eviction
/// threshold (node-pressure-eviction.md).
const EVICTION_HARD_MEMORY: i64 = 100 * 1024 * 1024;

/// Work scheduled for a later time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Run the scheduler over pending pods.
    Schedule,
    /// A kubelet's `SyncPod` for a pod.
    SyncPod {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
    },
    /// `RunPodSandbox` finished.
    SandboxCreated {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
    },
    /// `PullImage` finished.
    ImagePulled {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Container index.
        container: usize,
        /// How long the pull took.
        pull_ms: u64,
        /// Image size in bytes.
        size: u64,
    },
    /// `CreateContainer` finished.
    ContainerCreated {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Container index.
        container: usize,
    },
    /// `StartContainer` finished.
    ContainerStarted {
        /// Node.
        node: String,
        /// Pod.
        pod: ObjectRef,
        /// Container index.
        container: usize,
    },
    /// A kubelet's periodic PLEG relist.
    PlegRelist {
        /// Node.
        node: String,
    },
}

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
    cri_log: Vec<CriCall>,
    kubelets: BTreeMap<String, Kubelet>,
    watch_cursor: usize,
    schedule_queued: bool,
    processed: u64,
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
            cri_log: Vec::new(),
            kubelets: BTreeMap::new(),
            watch_cursor: 0,
            schedule_queued: false,
            processed: 0,
        };
        let nodes = if lab.nodes.is_empty() {
            vec![crate::api::lab::LabNode {
                name: "node-1".to_owned(),
                ..Default::default()
            }]
        } else {
            lab.nodes.clone()
        };
        for (i, spec) in nodes.iter().enumerate() {
            world.add_node(i, spec);
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
        let mut objects: Vec<(&Manifest, &Object)> = manifests
            .iter()
            .filter_map(|m| match &m.document {
                Document::Object(o) => Some((m, o)),
                Document::Lab(_) => None,
            })
            .collect();
        objects.sort_by_key(|(_, o)| Kind::ALL.iter().position(|k| *k == o.kind()));
        for (manifest, object) in objects {
            world.apply(object.clone()).map_err(|e| {
                let (path, _) = e.field_paths().into_iter().next().unwrap_or_default();
                manifest.error_at(&path, e.to_string())
            })?;
        }
        Ok(world)
    }

    fn add_node(&mut self, index: usize, spec: &crate::api::lab::LabNode) {
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
        let kubelet = Kubelet::new(&spec.name, &node_ip, pod_cidr);
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
                    container_runtime_version: kubelet.runtime.params.version.to_owned(),
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
                crate::world::Task::PlegRelist {
                    node: spec.name.clone(),
                },
            );
            self.kubelets.insert(spec.name.clone(), kubelet);
        }
    }

    /// Creates or updates an object, as `kubectl apply` does.
    pub fn apply(&mut self, object: Object) -> Result<ObjectRef, ApiError> {
        let key = self.api.apply(object, self.now, &mut self.rng)?;
        self.dispatch();
        Ok(key)
    }

    /// Deletes an object. Returns whether it existed.
    pub fn delete(&mut self, key: &ObjectRef) -> bool {
        let existed = self.api.remove(key).is_some();
        self.dispatch();
        existed
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

    fn fingerprint(&self) -> (usize, u64, usize) {
        (
            self.events.all().len(),
            self.api.resource_version(),
            self.cri_log.len(),
        )
    }

    fn run(&mut self, task: Task) {
        self.processed += 1;
        let mut kubelets = std::mem::take(&mut self.kubelets);
        {
            let mut ctx = Ctx {
                now: self.now,
                api: &mut self.api,
                events: &mut self.events,
                cri_log: &mut self.cri_log,
                queue: &mut self.queue,
                rng: &mut self.rng,
            };
            match &task {
                Task::Schedule => {
                    self.schedule_queued = false;
                    scheduler::schedule_pending(&mut ctx);
                }
                Task::SyncPod { node, pod } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.sync_pod(&mut ctx, pod);
                    }
                }
                Task::SandboxCreated { node, pod } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.sandbox_created(&mut ctx, pod);
                    }
                }
                Task::ImagePulled {
                    node,
                    pod,
                    container,
                    pull_ms,
                    size,
                } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.image_pulled(&mut ctx, pod, *container, *pull_ms, *size);
                    }
                }
                Task::ContainerCreated {
                    node,
                    pod,
                    container,
                } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.container_created(&mut ctx, pod, *container);
                    }
                }
                Task::ContainerStarted {
                    node,
                    pod,
                    container,
                } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.container_started(&mut ctx, pod, *container);
                    }
                }
                Task::PlegRelist { node } => {
                    if let Some(k) = kubelets.get_mut(node) {
                        k.relist(&mut ctx);
                    }
                }
            }
        }
        self.kubelets = kubelets;
        self.dispatch();
    }

    /// Delivers new watch events: unbound pods and new nodes wake the scheduler; pods bound
    /// to a node wake that node's kubelet.
    fn dispatch(&mut self) {
        loop {
            let batch: Vec<_> = self.api.watch_since(self.watch_cursor).to_vec();
            if batch.is_empty() {
                return;
            }
            self.watch_cursor += batch.len();
            for ev in batch {
                if ev.type_ == WatchEventType::Deleted {
                    continue;
                }
                match ev.object.kind {
                    Kind::Node if ev.type_ == WatchEventType::Added => self.queue_schedule(),
                    Kind::Pod => {
                        let node = match self.api.get(&ev.object) {
                            Some(Object::Pod(p)) => p.spec.node_name.clone(),
                            _ => continue,
                        };
                        match node {
                            None if ev.type_ == WatchEventType::Added => self.queue_schedule(),
                            None => {}
                            Some(node) => {
                                let mut kubelets = std::mem::take(&mut self.kubelets);
                                if let Some(k) = kubelets.get_mut(&node) {
                                    let mut ctx = Ctx {
                                        now: self.now,
                                        api: &mut self.api,
                                        events: &mut self.events,
                                        cri_log: &mut self.cri_log,
                                        queue: &mut self.queue,
                                        rng: &mut self.rng,
                                    };
                                    k.observe_pod(&mut ctx, &ev.object);
                                }
                                self.kubelets = kubelets;
                            }
                        }
                    }
                    _ => {}
                }
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

    /// The kubelets, by node name.
    pub fn kubelets(&self) -> &BTreeMap<String, Kubelet> {
        &self.kubelets
    }

    /// All objects of one kind.
    pub fn list(&self, kind: Kind) -> impl Iterator<Item = &Object> {
        self.api.list(kind)
    }
}

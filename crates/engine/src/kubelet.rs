//! The kubelet of one node. Pod workers run `SyncPod` the way
//! `pkg/kubelet/kuberuntime/kuberuntime_manager.go` does — sandbox, init containers one at a
//! time, then app containers, each through `ImageStatus` → `PullImage` → `CreateContainer` →
//! `StartContainer` — and kill pods in the order `killPodWithSyncResult` uses. The generic
//! PLEG relists the runtime every second; probe workers tick per container; the status
//! manager writes `generateAPIPodStatus` to the API server.

pub mod backoff;
pub mod gc;
pub mod network;
pub mod prober;
pub mod qos;
pub mod status;
pub mod volumes;

use std::collections::BTreeMap;
use std::rc::Rc;

use ipnet::Ipv4Net;

use crate::api::pod::{Container, LifecycleHandler, Pod, PodIp, PodStatus};
use crate::api::{Object, ObjectRef};
use crate::cri::api::{self, CriResult, ImageService, Message, RuntimeService};
use crate::cri::fs::FsTree;
use crate::cri::images::ImageRef;
use crate::cri::process::Answer;
use crate::cri::process::shell::ExecResult;
use crate::cri::runtime::{ContainerState, PodEnv, Runtime, RuntimeContainer};
use crate::cri::{CriCall, CriService};
use crate::ctx::Ctx;
use crate::events::{Cause, EventType};
use crate::lab::LabAction;
use crate::scheduler::set_condition_in;
use crate::time::{SimTime, go_duration};
use crate::world::Task;
use backoff::Backoff;
use network::{ClusterNet, Ipam};
use prober::{Gate, ProbeKind, ProbeResult, ProbeTarget, ProbeWorker};
use status::ContainerView;
use volumes::NodeStorage;

/// How often the kubelet checks the runtime's `Status` (`updateRuntimeUp`, every 5 s).
pub const RUNTIME_STATUS_PERIOD_MS: u64 = 5000;
/// Generic PLEG relist period (`genericPlegRelistPeriod`, 1 s).
pub const PLEG_RELIST_PERIOD_MS: u64 = 1000;
/// Housekeeping and eviction monitoring period (`evictionMonitoringPeriod`, 10 s).
pub const HOUSEKEEPING_PERIOD_MS: u64 = 10_000;
/// Image the sandbox runs (kubeadm's pause version for Kubernetes 1.33).
pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10";
/// The shortest grace period a kill gets (`minimumGracePeriodInSeconds`).
pub const MINIMUM_GRACE_PERIOD_S: i64 = 2;
/// Pod worker requeue after a sync error (`backOffPeriod`, 10 s, jittered by up to 50 %).
const SYNC_ERROR_BACKOFF_MS: u64 = 10_000;
/// The hard-eviction memory threshold (`memory.available<100Mi`).
pub const EVICTION_HARD_MEMORY: i64 = 100 * 1024 * 1024;
/// Memory the node's system daemons (kernel, systemd, containerd, the kubelet) use.
pub const SYSTEM_MEMORY: i64 = 400 * 1024 * 1024;

/// A CRI call sequence the pod worker is blocked on.
#[derive(Clone, Debug, PartialEq)]
enum Op {
    /// `RunPodSandbox` in flight.
    Sandbox,
    /// `PullImage` for a container in flight.
    Pull { container: String, ms: u64 },
    /// `CreateContainer` in flight.
    Create { container: String, id: String },
    /// `StartContainer` in flight.
    Start { container: String, id: String },
    /// A postStart hook running.
    PostStart {
        container: String,
        id: String,
        error: Option<String>,
    },
    /// preStop hooks running before the stop signal.
    PreStop {
        targets: Vec<(String, String)>,
        grace_s: i64,
    },
    /// `StopContainer` calls waiting for the containers to exit.
    Stop { ids: Vec<String> },
    /// `StopPodSandbox` in flight.
    StopSandbox,
}

/// Something that happened to a container, for the restart / back-off timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LifecycleEvent {
    /// An instance started (`attempt` = restart count).
    Started {
        /// When.
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// Restart count of the instance.
        attempt: u32,
    },
    /// An instance exited.
    Exited {
        /// When (`finishedAt`).
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// Exit code.
        exit_code: i32,
        /// `Completed`, `Error`, `OOMKilled`, `StartError`.
        reason: String,
    },
    /// The kubelet killed it (`Killing` event message).
    Killed {
        /// When.
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// Why.
        message: String,
    },
    /// A start was refused because of CrashLoopBackOff.
    BackOff {
        /// When.
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// The back-off in force, in milliseconds.
        backoff_ms: u64,
    },
}

/// The kubelet's record of one container of a pod.
#[derive(Clone, Debug, Default)]
struct ContainerRecord {
    /// Restart / back-off timeline.
    history: Vec<LifecycleEvent>,
    /// Runtime instances, oldest first (the current and the previous one are kept).
    ids: Vec<String>,
    /// Instances created so far (the next one's `attempt`, i.e. the restart count).
    attempts: u32,
    /// Probe workers.
    probes: Vec<ProbeWorker>,
    /// The lab action that last changed an instance's process: (instance id, action index).
    altered: Option<(String, usize)>,
    /// The kubelet's kill of an instance: (instance id, `Killing` event index).
    killed: Option<(String, usize)>,
    /// Why a failed liveness or startup verdict asks for a kill (the `Unhealthy` event that
    /// reached the failure threshold).
    probe_kill_cause: Option<Cause>,
    /// Why the last instance exited.
    exit_cause: Option<Cause>,
}

impl ContainerRecord {
    /// The verdict of the probe of `kind` for the current instance.
    fn verdict(&self, kind: ProbeKind) -> Option<ProbeResult> {
        let id = self.ids.last()?;
        self.probes
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.verdict_for(id))
    }

    /// `started`: running and past the startup probe (if any).
    fn started(&self, c: &Container, current: Option<&RuntimeContainer>) -> bool {
        current.is_some_and(|r| r.state == ContainerState::Running)
            && (c.startup_probe.is_none()
                || self.verdict(ProbeKind::Startup) == Some(ProbeResult::Success))
    }

    /// The readiness the prober reports: an init container that completed, or a started
    /// container whose readiness probe (if any) passes.
    fn ready(&self, c: &Container, current: Option<&RuntimeContainer>) -> bool {
        match current {
            Some(r) if r.state == ContainerState::Exited => r.exit_code == 0,
            Some(r) if r.state == ContainerState::Running => {
                self.started(c, current)
                    && (c.readiness_probe.is_none()
                        || self.verdict(ProbeKind::Readiness) == Some(ProbeResult::Success))
            }
            _ => false,
        }
    }
}

/// A pod worker.
#[derive(Clone, Debug)]
struct PodWorker {
    /// The pod as last seen (spec and metadata; the status lives in the API server).
    pod: Rc<Pod>,
    sandbox: Option<String>,
    sandbox_ready: bool,
    ip: Option<String>,
    volumes: Option<BTreeMap<String, FsTree>>,
    mount_retry_ms: u64,
    op: Option<Op>,
    op_seq: u64,
    containers: BTreeMap<String, ContainerRecord>,
    /// `reasonCache`: the last sync error per container.
    reasons: BTreeMap<String, (String, String)>,
    /// Grace period of a termination in progress.
    terminating: Option<i64>,
    /// The grace period is an override (force deletion, eviction): not raised to 2 s.
    grace_override: bool,
    /// Everything stopped.
    done: bool,
    /// Pending sync task time.
    sync_at: Option<SimTime>,
    /// Evicted by the kubelet: status reason and message.
    evicted: Option<String>,
}

/// One node's kubelet and the container runtime it drives.
#[derive(Clone, Debug)]
pub struct Kubelet {
    /// Node name.
    pub node: String,
    /// Node InternalIP.
    pub node_ip: String,
    /// The container runtime behind the CRI.
    pub runtime: Runtime,
    /// Image garbage collection's records (`imageRecords`).
    image_gc: gc::ImageGc,
    /// Node memory capacity (bytes).
    pub memory_capacity: i64,
    /// Whether the kubelet has stopped (a lab action: the node goes NotReady).
    pub stopped: bool,
    ipam: Ipam,
    workers: BTreeMap<ObjectRef, PodWorker>,
    backoff: Backoff,
    image_backoff: Backoff,
    storage: NodeStorage,
    pleg_seen: BTreeMap<String, ContainerState>,
    memory_pressure_since: Option<SimTime>,
    /// Pods whose status must be recomputed before the current task ends.
    dirty: std::collections::BTreeSet<ObjectRef>,
}

fn format_pod(pod: &Pod) -> String {
    format!(
        "{}_{}({})",
        pod.metadata.name, pod.metadata.namespace, pod.metadata.uid
    )
}

/// `generatePodSandboxConfig` (kuberuntime_sandbox.go): metadata, hostname, log directory,
/// DNS, the kubelet's labels, and the namespaces and cgroup parent.
fn sandbox_config(pod: &Pod) -> api::PodSandboxConfig {
    let meta = &pod.metadata;
    let host_network = pod.spec.host_network == Some(true);
    let mut labels = meta.labels.clone();
    for (k, v) in [
        ("io.kubernetes.pod.name", &meta.name),
        ("io.kubernetes.pod.namespace", &meta.namespace),
        ("io.kubernetes.pod.uid", &meta.uid),
    ] {
        labels.insert(k.to_owned(), v.clone());
    }
    // cgroupfs layout: Guaranteed pods sit directly under /kubepods.
    let cgroup_parent = if host_network {
        String::new()
    } else {
        match qos::qos_class(pod) {
            "Guaranteed" => format!("/kubepods/pod{}", meta.uid),
            class => format!("/kubepods/{}/pod{}", class.to_lowercase(), meta.uid),
        }
    };
    api::PodSandboxConfig {
        metadata: api::PodSandboxMetadata {
            name: meta.name.clone(),
            uid: meta.uid.clone(),
            namespace: meta.namespace.clone(),
            attempt: 0,
        },
        hostname: pod
            .spec
            .hostname
            .clone()
            .unwrap_or_else(|| meta.name.clone()),
        log_directory: format!(
            "/var/log/pods/{}_{}_{}",
            meta.namespace, meta.name, meta.uid
        ),
        dns_config: Some(api::DnsConfig {
            servers: vec!["10.96.0.10".to_owned()],
            searches: vec![
                format!("{}.svc.cluster.local", meta.namespace),
                "svc.cluster.local".to_owned(),
                "cluster.local".to_owned(),
            ],
            options: vec!["ndots:5".to_owned()],
        }),
        labels,
        linux: api::LinuxPodSandboxConfig {
            cgroup_parent,
            security_context: api::LinuxSandboxSecurityContext {
                namespace_options: api::NamespaceOption {
                    network: if host_network { "NODE" } else { "POD" },
                    pid: "CONTAINER",
                    ipc: "POD",
                },
            },
        },
    }
}

fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// `ShouldContainerBeRestarted` for an exited container.
fn should_restart(pod: &Pod, c: &Container, exit_code: i32) -> bool {
    if is_sidecar(c) {
        return true;
    }
    match pod.spec.restart_policy.as_deref().unwrap_or("Always") {
        "Never" => false,
        "OnFailure" => exit_code != 0,
        _ => true,
    }
}

impl Kubelet {
    /// A kubelet for `node` with the given addresses and memory capacity.
    pub fn new(
        node: &str,
        node_ip: &str,
        pod_cidr: Ipv4Net,
        memory_capacity: i64,
        runtime: Runtime,
    ) -> Kubelet {
        Kubelet {
            node: node.to_owned(),
            node_ip: node_ip.to_owned(),
            runtime,
            image_gc: gc::ImageGc::default(),
            memory_capacity,
            stopped: false,
            ipam: Ipam::new(pod_cidr),
            workers: BTreeMap::new(),
            backoff: Backoff::default(),
            image_backoff: Backoff::default(),
            storage: NodeStorage::new(),
            pleg_seen: BTreeMap::new(),
            memory_pressure_since: None,
            dirty: std::collections::BTreeSet::new(),
        }
    }

    fn task_sync(&self, pod: &ObjectRef) -> Task {
        Task::SyncPod {
            node: self.node.clone(),
            pod: pod.clone(),
        }
    }

    /// Queues a sync of the pod worker `delay_ms` from now (keeping an earlier one).
    fn queue_sync(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, delay_ms: u64) {
        let at = ctx.now.plus_millis(delay_ms);
        let task = self.task_sync(key);
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        if w.sync_at.is_some_and(|t| t <= at && t >= ctx.now) {
            return;
        }
        w.sync_at = Some(at);
        ctx.queue.push(at, task);
    }

    /// Handles a pod change seen through the watch (or its removal).
    pub fn observe_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        match ctx.api.get(key) {
            Some(Object::Pod(pod)) if pod.spec.node_name.as_deref() == Some(self.node.as_str()) => {
                match self.workers.get_mut(key) {
                    Some(w) => {
                        // The kubelet's own status writes come back through the watch; only
                        // a deletion request changes what the pod worker does.
                        if pod.metadata.deletion_timestamp != w.pod.metadata.deletion_timestamp {
                            w.pod = Rc::new(pod.clone());
                            self.queue_sync(ctx, key, 0);
                        }
                    }
                    None => {
                        let pod = pod.clone();
                        self.add_pod(ctx, key, pod);
                    }
                }
            }
            _ => {
                // Removed from the API server (force deletion): kill what still runs.
                if let Some(w) = self.workers.get_mut(key)
                    && !w.done
                    && w.terminating.is_none()
                {
                    // calculateEffectiveGracePeriod: never less than 1 s, applied as an
                    // override (after the 2 s minimum).
                    w.terminating = Some(
                        w.pod
                            .metadata
                            .deletion_grace_period_seconds
                            .unwrap_or(0)
                            .max(1),
                    );
                    w.grace_override = true;
                    self.queue_sync(ctx, key, 0);
                }
            }
        }
    }

    fn add_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: Pod) {
        if self.stopped {
            return;
        }
        let mut containers = BTreeMap::new();
        for c in pod.all_containers() {
            let probes = ProbeKind::ALL
                .iter()
                .filter_map(|k| k.of(c).map(|p| ProbeWorker::new(*k, p.clone())))
                .collect();
            containers.insert(
                c.name.clone(),
                ContainerRecord {
                    history: Vec::new(),
                    ids: Vec::new(),
                    attempts: 0,
                    probes,
                    ..ContainerRecord::default()
                },
            );
        }
        // Probe workers start ticking when the pod is added (prober_manager AddPod).
        for c in pod.all_containers() {
            for k in ProbeKind::ALL {
                if k.of(c).is_some() {
                    ctx.after(
                        0,
                        Task::Probe {
                            node: self.node.clone(),
                            pod: key.clone(),
                            container: c.name.clone(),
                            kind: k,
                        },
                    );
                }
            }
        }
        self.workers.insert(
            key.clone(),
            PodWorker {
                pod: Rc::new(pod),
                sandbox: None,
                sandbox_ready: false,
                ip: None,
                volumes: None,
                mount_retry_ms: 500,
                op: None,
                op_seq: 0,
                containers,
                reasons: BTreeMap::new(),
                terminating: None,
                grace_override: false,
                done: false,
                sync_at: None,
                evicted: None,
            },
        );
        self.queue_sync(ctx, key, 0);
    }

    /// What made an instance's process behave as it does: the lab action that changed it,
    /// or else its image.
    fn process_cause(&self, key: &ObjectRef, container: &str, id: &str) -> Cause {
        let w = self.workers.get(key);
        match w
            .and_then(|w| w.containers.get(container))
            .and_then(|r| r.altered.as_ref())
        {
            Some((altered, index)) if altered == id => Cause::Action { index: *index },
            _ => Cause::Image {
                container: container.to_owned(),
                image: w
                    .and_then(|w| w.pod.all_containers().find(|c| c.name == container))
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default(),
            },
        }
    }

    fn pod_of(&self, key: &ObjectRef) -> Option<Rc<Pod>> {
        self.workers.get(key).map(|w| w.pod.clone())
    }

    fn event(
        &self,
        ctx: &mut Ctx<'_>,
        type_: EventType,
        key: &ObjectRef,
        reason: &str,
        message: String,
    ) {
        ctx.event(type_, key, reason, message, "kubelet", Some(&self.node));
    }

    /// Makes one CRI call through the runtime and logs it.
    fn call<Q: Clone + Into<Message>, R: Clone + Into<Message>>(
        &mut self,
        ctx: &mut Ctx<'_>,
        service: CriService,
        method: &'static str,
        request: Q,
        f: impl FnOnce(&mut Runtime, &Q) -> CriResult<R>,
    ) -> CriResult<R> {
        rpc(
            &mut self.runtime,
            ctx.cri_log,
            ctx.now,
            &self.node,
            (service, method),
            request,
            f,
        )
    }

    /// The `containerID` of a runtime container as pod status shows it.
    fn container_uri(&self, id: &str) -> String {
        format!("{}://{id}", self.runtime.profile.scheme)
    }

    /// Starts an operation: the worker is blocked until `OpDone` arrives after `ms`.
    fn begin(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, op: Op, ms: u64) {
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        w.op = Some(op);
        w.op_seq += 1;
        let seq = w.op_seq;
        ctx.after(
            ms,
            Task::OpDone {
                node: self.node.clone(),
                pod: key.clone(),
                seq,
            },
        );
    }

    /// The pod worker's `SyncPod`: computes the next action and starts it.
    pub fn sync_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        if self.stopped {
            return;
        }
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        if w.sync_at.is_some_and(|t| t <= ctx.now) {
            w.sync_at = None;
        }
        if w.op.is_some() || w.done {
            return;
        }
        let pod = Rc::clone(&w.pod);
        let phase = match ctx.api.get(key) {
            Some(Object::Pod(p)) => p.status.phase.clone(),
            _ => None,
        };
        if w.terminating.is_none() {
            if let Some(grace) = pod.metadata.deletion_timestamp.as_ref().map(|_| {
                pod.metadata
                    .deletion_grace_period_seconds
                    .or(pod.spec.termination_grace_period_seconds)
                    .unwrap_or(30)
            }) {
                w.terminating = Some(grace.max(MINIMUM_GRACE_PERIOD_S));
            } else if matches!(phase.as_deref(), Some("Succeeded" | "Failed"))
                && w.sandbox.is_some()
            {
                // A pod that finished (restartPolicy Never/OnFailure) is torn down.
                w.terminating = Some(pod.spec.termination_grace_period_seconds.unwrap_or(30));
            }
        }
        if w.terminating.is_some() {
            self.terminate_step(ctx, key);
            return;
        }
        if w.sandbox.is_none() {
            self.create_sandbox(ctx, key, &pod);
            return;
        }
        let mut errors = false;
        let action = self.next_action(ctx, key, &pod, &mut errors);
        match action {
            Some(Action::Start(name)) => self.start_container(ctx, key, &pod, &name),
            Some(Action::Kill(name, message, grace, cause)) => {
                let id = self.current_id(key, &name).unwrap_or_default();
                self.kill_caused(ctx, key, vec![(name, id)], grace, Some(message), cause);
            }
            None => {}
        }
        if errors {
            let jitter = ctx.rng.below(SYNC_ERROR_BACKOFF_MS / 2);
            self.queue_sync(ctx, key, SYNC_ERROR_BACKOFF_MS + jitter);
        }
        self.mark(key);
    }

    fn current_id(&self, key: &ObjectRef, name: &str) -> Option<String> {
        self.workers
            .get(key)?
            .containers
            .get(name)?
            .ids
            .last()
            .cloned()
    }

    fn current(
        &self,
        key: &ObjectRef,
        name: &str,
    ) -> Option<&crate::cri::runtime::RuntimeContainer> {
        let id = self.current_id(key, name)?;
        self.runtime.container(&id)
    }

    /// Whether a probe verdict of `kind` for the container is `Failure` (liveness) or a
    /// startup failure.
    fn probe_verdict(&self, key: &ObjectRef, name: &str, kind: ProbeKind) -> Option<ProbeResult> {
        self.workers.get(key)?.containers.get(name)?.verdict(kind)
    }

    /// `started`: running and past the startup probe (if any).
    fn started(&self, key: &ObjectRef, c: &Container) -> bool {
        let Some(rec) = self
            .workers
            .get(key)
            .and_then(|w| w.containers.get(&c.name))
        else {
            return false;
        };
        rec.started(c, self.current(key, &c.name))
    }

    /// The kill a failed liveness or startup verdict asks for.
    fn probe_kill(&self, key: &ObjectRef, pod: &Pod, c: &Container) -> Option<Action> {
        for (kind, word) in [
            (ProbeKind::Startup, "startup"),
            (ProbeKind::Liveness, "liveness"),
        ] {
            if self.probe_verdict(key, &c.name, kind) == Some(ProbeResult::Failure) {
                let grace = kind
                    .of(c)
                    .and_then(|p| p.termination_grace_period_seconds)
                    .or(pod.spec.termination_grace_period_seconds)
                    .unwrap_or(30);
                let cause = self
                    .workers
                    .get(key)
                    .and_then(|w| w.containers.get(&c.name))
                    .and_then(|r| r.probe_kill_cause.clone());
                return Some(Action::Kill(
                    c.name.clone(),
                    format!(
                        "Container {} failed {word} probe, will be restarted",
                        c.name
                    ),
                    grace,
                    cause,
                ));
            }
        }
        None
    }

    /// `doBackOff`: whether the container may start now; records the `CrashLoopBackOff`
    /// reason and `BackOff` event when not.
    fn may_start(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: &Pod, name: &str) -> bool {
        let Some(prev) = self.current(key, name) else {
            return true;
        };
        let finished = prev.finished_at.unwrap_or(ctx.now);
        let bkey = format!(
            "{}_{}_{}_{}",
            pod.metadata.name, pod.metadata.namespace, pod.metadata.uid, name
        );
        if self.backoff.in_backoff_since(&bkey, finished, ctx.now) {
            let d = go_duration(self.backoff.get(&bkey));
            let msg = format!(
                "back-off {d} restarting failed container={name} pod={}",
                format_pod(pod)
            );
            let cause = self
                .workers
                .get(key)
                .and_then(|w| w.containers.get(name))
                .and_then(|r| r.exit_cause.clone());
            ctx.event_caused(
                EventType::Warning,
                key,
                "BackOff",
                format!(
                    "Back-off restarting failed container {name} in pod {}",
                    format_pod(pod)
                ),
                "kubelet",
                Some(&self.node),
                cause,
            );
            let backoff_ms = self.backoff.get(&bkey);
            if let Some(w) = self.workers.get_mut(key) {
                w.reasons
                    .insert(name.to_owned(), ("CrashLoopBackOff".to_owned(), msg));
                if let Some(r) = w.containers.get_mut(name) {
                    r.history.push(LifecycleEvent::BackOff {
                        time: ctx.now,
                        backoff_ms,
                    });
                }
            }
            return false;
        }
        self.backoff.next(&bkey, finished, ctx.now);
        true
    }

    /// `computePodActions` reduced to the next step.
    fn next_action(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        pod: &Pod,
        errors: &mut bool,
    ) -> Option<Action> {
        for c in &pod.spec.init_containers {
            let cur = self.current(key, &c.name).map(|r| (r.state, r.exit_code));
            if is_sidecar(c) {
                match cur {
                    None => return Some(Action::Start(c.name.clone())),
                    Some((ContainerState::Exited, _)) => {
                        if self.may_start(ctx, key, pod, &c.name) {
                            return Some(Action::Start(c.name.clone()));
                        }
                        *errors = true;
                        return None;
                    }
                    Some((ContainerState::Running, _)) => {
                        if let Some(kill) = self.probe_kill(key, pod, c) {
                            return Some(kill);
                        }
                        if !self.started(key, c) {
                            return None;
                        }
                    }
                    Some((ContainerState::Created, _)) => return None,
                }
                continue;
            }
            match cur {
                None => return Some(Action::Start(c.name.clone())),
                Some((ContainerState::Exited, 0)) => {}
                Some((ContainerState::Exited, code)) => {
                    if !should_restart(pod, c, code) {
                        return None;
                    }
                    if self.may_start(ctx, key, pod, &c.name) {
                        return Some(Action::Start(c.name.clone()));
                    }
                    *errors = true;
                    return None;
                }
                Some(_) => return None,
            }
        }
        let mut start = None;
        for c in &pod.spec.containers {
            let cur = self.current(key, &c.name).map(|r| (r.state, r.exit_code));
            match cur {
                None => {
                    if start.is_none() {
                        start = Some(Action::Start(c.name.clone()));
                    }
                }
                Some((ContainerState::Running, _)) => {
                    if let Some(kill) = self.probe_kill(key, pod, c) {
                        return Some(kill);
                    }
                }
                Some((ContainerState::Exited, code)) if should_restart(pod, c, code) => {
                    if start.is_none() {
                        if self.may_start(ctx, key, pod, &c.name) {
                            start = Some(Action::Start(c.name.clone()));
                        } else {
                            *errors = true;
                        }
                    }
                }
                Some(_) => {}
            }
        }
        start
    }

    fn create_sandbox(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: &Pod) {
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        if w.volumes.is_none() {
            match volumes::mount_all(pod, ctx.api, &mut self.storage) {
                Ok(v) => {
                    w.volumes = Some(v);
                    for vol in &pod.spec.volumes {
                        ctx.log(
                            &self.node,
                            "kubelet",
                            key,
                            format!(
                                "MountVolume.SetUp succeeded for volume {:?} (UniqueName: \"kubernetes.io/{}/{}-{}\") pod {:?} (UID: {:?})",
                                vol.name,
                                volumes::plugin_name(vol),
                                pod.metadata.uid,
                                vol.name,
                                pod.metadata.name,
                                pod.metadata.uid
                            ),
                        );
                    }
                }
                Err(e) => {
                    let retry = w.mount_retry_ms;
                    w.mount_retry_ms = (retry * 2).min(122_000);
                    self.event(ctx, EventType::Warning, key, "FailedMount", e.message);
                    self.queue_sync(ctx, key, retry);
                    self.mark(key);
                    return;
                }
            }
        }
        let host_network = pod.spec.host_network == Some(true);
        let meta = &pod.metadata;
        let request = match self.sandbox_request(ctx, pod) {
            Ok(r) => r,
            Err(e) => {
                self.sandbox_failed(ctx, key, &e);
                return;
            }
        };
        let handler = request.runtime_handler.clone();
        let id = match self.call(
            ctx,
            CriService::RuntimeService,
            "RunPodSandbox",
            request,
            |rt, q| rt.run_pod_sandbox(q),
        ) {
            Ok(r) => r.pod_sandbox_id,
            Err(e) => {
                self.sandbox_failed(ctx, key, &e.to_string());
                return;
            }
        };
        let latency = self.runtime.took_ms();
        // CNI ADD (bridge + host-local IPAM), or the node's address for hostNetwork pods.
        let ip = if host_network {
            self.node_ip.clone()
        } else {
            self.ipam
                .allocate(&id)
                .map(|ip| ip.to_string())
                .unwrap_or_default()
        };
        self.runtime.set_sandbox_ip(&id, &ip);
        if let Some(w) = self.workers.get_mut(key) {
            w.sandbox = Some(id.clone());
            w.ip = Some(ip.clone());
        }
        if !host_network {
            ctx.log(
                &self.node,
                "cni",
                key,
                format!(
                    "ADD {ns}/{name} container {short} netns /var/run/netns/cni-{short}: bridge cni0, veth pair, eth0 {ip}/24 via {gw} (host-local IPAM, range {cidr})",
                    ns = meta.namespace,
                    name = meta.name,
                    short = id.get(..12).unwrap_or(&id),
                    gw = self.ipam.gateway().map(|g| g.to_string()).unwrap_or_default(),
                    cidr = self.ipam.cidr(),
                ),
            );
        }
        let handler = self
            .runtime
            .sandbox(&id)
            .map_or(handler, |s| s.handler.name.to_owned());
        ctx.log(
            &self.node,
            self.runtime.profile.daemon,
            key,
            format!(
                "RunPodSandbox for &PodSandboxMetadata{{Name:{},Uid:{},Namespace:{},Attempt:0,}} returns sandbox id {id:?} (handler {handler}, {latency} ms)",
                meta.name, meta.uid, meta.namespace
            ),
        );
        self.begin(ctx, key, Op::Sandbox, latency);
        self.mark(key);
    }

    /// `generatePodSandboxConfig` plus the RuntimeClass lookup (`LookupRuntimeHandler`).
    fn sandbox_request(
        &self,
        ctx: &Ctx<'_>,
        pod: &Pod,
    ) -> Result<api::RunPodSandboxRequest, String> {
        let runtime_handler = match &pod.spec.runtime_class_name {
            None => String::new(),
            Some(name) => {
                match ctx
                    .api
                    .get(&ObjectRef::new(crate::api::Kind::RuntimeClass, "", name))
                {
                    Some(Object::RuntimeClass(rc)) => rc.handler.clone(),
                    // pkg/kubelet/runtimeclass: the class was deleted after admission.
                    _ => return Err(format!("RuntimeClass {name:?} not found")),
                }
            }
        };
        Ok(api::RunPodSandboxRequest {
            config: sandbox_config(pod),
            runtime_handler,
        })
    }

    /// `createPodSandbox` failed: the `FailedCreatePodSandBox` event; the pod stays in
    /// `ContainerCreating` and the pod worker retries after its error back-off.
    fn sandbox_failed(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, error: &str) {
        self.event(
            ctx,
            EventType::Warning,
            key,
            "FailedCreatePodSandBox",
            format!("Failed to create pod sandbox: {error}"),
        );
        let jitter = ctx.rng.below(SYNC_ERROR_BACKOFF_MS / 2);
        self.queue_sync(ctx, key, SYNC_ERROR_BACKOFF_MS + jitter);
        self.mark(key);
    }

    /// An operation finished: complete it and continue the sync.
    pub fn op_done(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, seq: u64) {
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        if w.op_seq != seq {
            return;
        }
        let Some(op) = w.op.take() else {
            return;
        };
        let Some(pod) = self.pod_of(key) else {
            return;
        };
        match op {
            Op::Sandbox => {
                let Some(id) = self.workers.get(key).and_then(|w| w.sandbox.clone()) else {
                    return;
                };
                if let Some(w) = self.workers.get_mut(key) {
                    w.sandbox_ready = true;
                }
                let _ = self.call(
                    ctx,
                    CriService::RuntimeService,
                    "PodSandboxStatus",
                    api::PodSandboxStatusRequest { pod_sandbox_id: id },
                    |rt, q| rt.pod_sandbox_status(q),
                );
                self.sync_pod(ctx, key);
            }
            Op::Pull { container, ms } => {
                let image = pod
                    .all_containers()
                    .find(|c| c.name == container)
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default();
                // The puller asks for the pulled image's size (GetImageSize → ImageStatus).
                let size = self
                    .image_status(ctx, &crate::cri::images::with_default_tag(&image))
                    .map_or(0, |i| i.size);
                let d = go_duration(ms);
                self.event(
                    ctx,
                    EventType::Normal,
                    key,
                    "Pulled",
                    format!("Successfully pulled image {image:?} in {d} ({d} including waiting). Image size: {size} bytes."),
                );
                self.create_container(ctx, key, &pod, &container);
            }
            Op::Create { container, id } => {
                self.event(
                    ctx,
                    EventType::Normal,
                    key,
                    "Created",
                    format!("Created container: {container}"),
                );
                self.start(ctx, key, &container, &id);
            }
            Op::Start { container, id } => self.container_started(ctx, key, &pod, &container, &id),
            Op::PostStart {
                container,
                id,
                error,
            } => {
                match error {
                    None => self.sync_pod(ctx, key),
                    Some(msg) => {
                        // The event leaves the hook's output out so that secrets do not leak.
                        self.event(
                            ctx,
                            EventType::Warning,
                            key,
                            "FailedPostStartHook",
                            "PostStartHook failed".to_owned(),
                        );
                        let grace = pod.spec.termination_grace_period_seconds.unwrap_or(30);
                        if let Some(w) = self.workers.get_mut(key) {
                            w.reasons
                                .insert(container.clone(), ("PostStartHookError".to_owned(), msg));
                        }
                        self.kill(
                            ctx,
                            key,
                            vec![(container, id)],
                            grace,
                            Some("FailedPostStartHook".to_owned()),
                        );
                    }
                }
            }
            Op::PreStop { targets, grace_s } => {
                let mut ids = Vec::new();
                let mut until = ctx.now;
                for (_, id) in &targets {
                    let _ = self.call(
                        ctx,
                        CriService::RuntimeService,
                        "StopContainer",
                        api::StopContainerRequest {
                            container_id: id.clone(),
                            timeout: grace_s,
                        },
                        |rt, q| rt.stop_container(q),
                    );
                    if let Some(t) = self.runtime.next_event(id, ctx.now) {
                        until = until.max(t);
                    }
                    ids.push(id.clone());
                }
                let wait = until.millis_since(ctx.now);
                self.begin(ctx, key, Op::Stop { ids }, wait);
            }
            Op::Stop { ids } => {
                for id in &ids {
                    self.wake_container(ctx, key, id);
                }
                let still: Vec<String> = ids
                    .iter()
                    .filter(|id| {
                        self.runtime
                            .container(id)
                            .is_some_and(|c| c.state == ContainerState::Running)
                    })
                    .cloned()
                    .collect();
                if still.is_empty() {
                    self.sync_pod(ctx, key);
                } else {
                    self.begin(ctx, key, Op::Stop { ids: still }, 1);
                }
            }
            Op::StopSandbox => {
                if let Some(w) = self.workers.get_mut(key) {
                    w.done = true;
                }
                self.finish_termination(ctx, key);
            }
        }
        self.mark(key);
    }

    /// A `startContainer` step failed: the `Failed` event (`Error: <reason>` unless given),
    /// the reason the status shows while the container waits, and a retry after the pod
    /// worker's error back-off (10–15 s).
    fn sync_error(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        name: &str,
        reason: &str,
        message: String,
        event: Option<String>,
    ) {
        let event = event.unwrap_or_else(|| format!("Error: {reason}"));
        self.event(ctx, EventType::Warning, key, "Failed", event);
        if let Some(w) = self.workers.get_mut(key) {
            w.reasons
                .insert(name.to_owned(), (reason.to_owned(), message));
        }
        let jitter = ctx.rng.below(SYNC_ERROR_BACKOFF_MS / 2);
        self.queue_sync(ctx, key, SYNC_ERROR_BACKOFF_MS + jitter);
    }

    fn start_container(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: &Pod, name: &str) {
        let Some(spec) = pod.all_containers().find(|c| c.name == name).cloned() else {
            return;
        };
        let image = spec.image.clone().unwrap_or_default();
        let policy = spec.image_pull_policy.clone().unwrap_or_default();
        if ImageRef::parse(&image).is_none() {
            let msg = format!(
                "Failed to apply default image tag {image:?}: couldn't parse image name {image:?}: invalid reference format"
            );
            self.event(ctx, EventType::Warning, key, "InspectFailed", msg.clone());
            self.sync_error(ctx, key, name, "InvalidImageName", msg, None);
            return;
        }
        // applyDefaultImageTag: the CRI gets `nginx:latest` for `nginx`.
        let tagged = crate::cri::images::with_default_tag(&image);
        let present = self.image_status(ctx, &tagged).is_some();
        let needs_pull = match policy.as_str() {
            "Always" => true,
            "Never" => false,
            _ => !present,
        };
        if !needs_pull && !present {
            let msg = format!("Container image {image:?} is not present with pull policy of Never");
            self.event(
                ctx,
                EventType::Warning,
                key,
                "ErrImageNeverPull",
                msg.clone(),
            );
            self.sync_error(ctx, key, name, "ErrImageNeverPull", msg, None);
            return;
        }
        if !needs_pull {
            self.event(
                ctx,
                EventType::Normal,
                key,
                "Pulled",
                format!("Container image {image:?} already present on machine and can be accessed by the pod"),
            );
            self.create_container(ctx, key, pod, name);
            return;
        }
        let bkey = format!("{}_{}", pod.metadata.uid, image);
        if self.image_backoff.in_backoff_since_update(&bkey, ctx.now) {
            let msg = format!("Back-off pulling image {image:?}");
            self.event(ctx, EventType::Normal, key, "BackOff", msg.clone());
            self.sync_error(ctx, key, name, "ImagePullBackOff", msg, None);
            return;
        }
        self.event(
            ctx,
            EventType::Normal,
            key,
            "Pulling",
            format!("Pulling image {image:?}"),
        );
        let request = api::PullImageRequest {
            image: api::ImageSpec::of(tagged),
        };
        match self.call(
            ctx,
            CriService::ImageService,
            "PullImage",
            request,
            |rt, q| rt.pull_image(q),
        ) {
            Ok(_) => {
                let ms = self.runtime.took_ms();
                self.begin(
                    ctx,
                    key,
                    Op::Pull {
                        container: name.to_owned(),
                        ms,
                    },
                    ms,
                );
            }
            Err(e) => {
                let msg = format!("Failed to pull image {image:?}: {e}");
                self.event(ctx, EventType::Warning, key, "Failed", msg.clone());
                self.image_backoff.next(&bkey, ctx.now, ctx.now);
                self.sync_error(ctx, key, name, "ErrImagePull", msg, None);
            }
        }
    }

    /// `ImageStatus` for an image as the pod names it; `None` when the node lacks it.
    fn image_status(&mut self, ctx: &mut Ctx<'_>, image: &str) -> Option<api::Image> {
        let request = api::ImageStatusRequest {
            image: api::ImageSpec::of(image),
        };
        self.call(
            ctx,
            CriService::ImageService,
            "ImageStatus",
            request,
            |rt, q| rt.image_status(q),
        )
        .ok()
        .and_then(|r| r.image)
    }

    fn create_container(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: &Pod, name: &str) {
        let Some(spec) = pod.all_containers().find(|c| c.name == name).cloned() else {
            return;
        };
        let Some(w) = self.workers.get(key) else {
            return;
        };
        let Some(sandbox) = w.sandbox.clone() else {
            return;
        };
        let pod_ip = w.ip.clone().unwrap_or_default();
        let envs = match volumes::environment(pod, &spec, ctx.api, (&pod_ip, &self.node_ip)) {
            Ok(e) => e,
            Err(msg) => {
                let event = format!("Error: {msg}");
                self.sync_error(
                    ctx,
                    key,
                    name,
                    "CreateContainerConfigError",
                    msg,
                    Some(event),
                );
                return;
            }
        };
        let attempt = w.containers.get(name).map_or(0, |r| r.attempts);
        let hostname = pod
            .spec
            .hostname
            .clone()
            .unwrap_or_else(|| pod.metadata.name.clone());
        let limit = |r: &str| spec.resources.limits.get(r).copied();
        let memory_limit = limit("memory").map_or(0, |q| q.value().max(0) as u64);
        let cpu_limit = limit("cpu").map_or(0, |q| q.milli_value().max(0) as u64);
        let oom = qos::oom_score_adj(pod, &spec, self.memory_capacity);
        let ip = w.ip.clone().unwrap_or_default();
        let ns = &pod.metadata.namespace;
        let files = vec![
            ("/etc/hostname".to_owned(), format!("{hostname}\n")),
            (
                "/etc/hosts".to_owned(),
                format!(
                    "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{ip}\t{hostname}\n"
                ),
            ),
            (
                "/etc/resolv.conf".to_owned(),
                format!(
                    "search {ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
                ),
            ),
            ("/dev/termination-log".to_owned(), String::new()),
        ];
        let command: Vec<String> = spec
            .command
            .iter()
            .map(|a| volumes::expand(a, &envs))
            .collect();
        let args: Vec<String> = spec
            .args
            .iter()
            .map(|a| volumes::expand(a, &envs))
            .collect();
        let image = spec.image.clone().unwrap_or_default();
        let requests_cpu = spec.resources.requests.get("cpu");
        let resources = api::LinuxContainerResources {
            cpu_period: 100_000,
            cpu_quota: cpu_limit as i64 * 100,
            // MilliCPUToShares: 1024 per CPU, at least 2.
            cpu_shares: requests_cpu
                .map_or(2, |q| (q.milli_value() * 1024 / 1000).clamp(2, 262_144)),
            memory_limit_in_bytes: memory_limit as i64,
            oom_score_adj: oom,
        };
        let volume_mounts = volumes::mounts(&spec);
        let config = api::ContainerConfig {
            metadata: api::ContainerMetadata {
                name: name.to_owned(),
                attempt,
            },
            // EnsureImageExists returns the image id; the spec's words go alongside.
            image: api::ImageSpec {
                image: crate::cri::images::ImageRef::parse(&image)
                    .map(|r| r.digest())
                    .unwrap_or_default(),
                user_specified_image: image.clone(),
            },
            command,
            args,
            envs: envs
                .iter()
                .map(|(k, v)| api::KeyValue {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            mounts: volume_mounts
                .iter()
                .map(|m| api::Mount {
                    container_path: m.container_path.clone(),
                    host_path: format!(
                        "/var/lib/kubelet/pods/{}/volumes/{}",
                        pod.metadata.uid, m.volume
                    ),
                    readonly: m.read_only,
                })
                .collect(),
            // buildContainerLogsPath: <container name>/<restart count>.log
            log_path: format!("{name}/{attempt}.log"),
            linux: api::LinuxContainerConfig { resources },
            volume_mounts,
            hostname,
            files,
            memory_volumes: spec
                .volume_mounts
                .iter()
                .filter(|m| {
                    pod.spec.volumes.iter().any(|v| {
                        v.name == m.name
                            && v.empty_dir
                                .as_ref()
                                .is_some_and(|e| e.medium.as_deref() == Some("Memory"))
                    })
                })
                .map(|m| m.name.clone())
                .collect(),
        };
        let request = api::CreateContainerRequest {
            pod_sandbox_id: sandbox,
            config,
            sandbox_config: sandbox_config(pod),
        };
        let id = match self.call(
            ctx,
            CriService::RuntimeService,
            "CreateContainer",
            request,
            |rt, q| rt.create_container(q),
        ) {
            Ok(r) => r.container_id,
            Err(e) => {
                let msg = e.to_string();
                self.sync_error(ctx, key, name, "CreateContainerError", msg, None);
                return;
            }
        };
        if let Some(r) = self
            .workers
            .get_mut(key)
            .and_then(|w| w.containers.get_mut(name))
        {
            r.ids.push(id.clone());
            r.attempts += 1;
        }
        let latency = self.runtime.took_ms();
        self.begin(
            ctx,
            key,
            Op::Create {
                container: name.to_owned(),
                id,
            },
            latency,
        );
    }

    /// `StartContainer`: the process starts now; the pod worker waits for the call to return.
    fn start(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, name: &str, id: &str) {
        let now = ctx.now;
        let node = self.node.clone();
        let Some(w) = self.workers.get_mut(key) else {
            return;
        };
        let net = ClusterNet {
            api: ctx.api,
            namespace: &w.pod.metadata.namespace,
        };
        let volumes = w.volumes.get_or_insert_with(BTreeMap::new);
        let mut env = PodEnv { volumes, net: &net };
        let result = rpc(
            &mut self.runtime,
            ctx.cri_log,
            now,
            &node,
            (CriService::RuntimeService, "StartContainer"),
            api::StartContainerRequest {
                container_id: id.to_owned(),
            },
            |rt, q| rt.start_container(q, &mut env),
        );
        if let Err(e) = result {
            let short = e.desc;
            self.event(
                ctx,
                EventType::Warning,
                key,
                "Failed",
                format!("Error: {short}"),
            );
            if let Some(w) = self.workers.get_mut(key) {
                w.reasons
                    .insert(name.to_owned(), ("RunContainerError".to_owned(), short));
            }
            self.queue_sync(ctx, key, 0);
            return;
        }
        self.schedule_wake(ctx, key, id);
        let latency = self.runtime.took_ms();
        self.begin(
            ctx,
            key,
            Op::Start {
                container: name.to_owned(),
                id: id.to_owned(),
            },
            latency,
        );
    }

    fn container_started(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        pod: &Pod,
        name: &str,
        id: &str,
    ) {
        if let Some(w) = self.workers.get_mut(key) {
            w.reasons.remove(name);
            if let Some(r) = w.containers.get_mut(name) {
                let attempt = r.attempts.saturating_sub(1);
                r.history.push(LifecycleEvent::Started {
                    time: ctx.now,
                    attempt,
                });
            }
        }
        self.event(
            ctx,
            EventType::Normal,
            key,
            "Started",
            format!("Started container {name}"),
        );
        let hook = pod
            .all_containers()
            .find(|c| c.name == name)
            .and_then(|c| c.lifecycle.as_ref())
            .and_then(|l| l.post_start.clone());
        match hook {
            Some(h) => {
                let (ms, error) = self.run_hook(ctx, key, pod, name, id, &h, 0);
                self.begin(
                    ctx,
                    key,
                    Op::PostStart {
                        container: name.to_owned(),
                        id: id.to_owned(),
                        error,
                    },
                    ms,
                );
            }
            None => self.sync_pod(ctx, key),
        }
    }

    /// Runs a lifecycle hook; returns how long it ran and its failure message.
    #[allow(clippy::too_many_arguments)]
    fn run_hook(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        pod: &Pod,
        name: &str,
        id: &str,
        hook: &LifecycleHandler,
        budget_s: i64,
    ) -> (u64, Option<String>) {
        let who = format!("for Container {name:?} in Pod {:?}", format_pod(pod));
        if let Some(exec) = &hook.exec {
            let r = self.exec(ctx, key, id, &exec.command, budget_s);
            return match r {
                Ok(r) if r.exit_code == 0 && !r.timed_out => (r.elapsed_ms, None),
                Ok(r) => (
                    r.elapsed_ms,
                    Some(format!(
                        "Exec lifecycle hook ({:?}) {who} failed - error: command '{}' exited with {}: {}, message: {:?}",
                        exec.command,
                        exec.command.join(" "),
                        if r.timed_out { 137 } else { r.exit_code },
                        r.stderr.trim_end(),
                        format!("{}{}", r.stdout, r.stderr)
                    )),
                ),
                Err(e) => (
                    0,
                    Some(format!(
                        "Exec lifecycle hook ({:?}) {who} failed - error: {e}",
                        exec.command
                    )),
                ),
            };
        }
        if let Some(h) = &hook.http_get {
            let c = pod
                .all_containers()
                .find(|c| c.name == name)
                .cloned()
                .unwrap_or_default();
            let path = h.path.clone().unwrap_or_else(|| "/".to_owned());
            let ip = self
                .workers
                .get(key)
                .and_then(|w| w.ip.clone())
                .unwrap_or_default();
            let port = prober::resolve_port(&h.port, &c).unwrap_or(80);
            let sandbox = self
                .workers
                .get(key)
                .and_then(|w| w.sandbox.clone())
                .unwrap_or_default();
            let volumes = self
                .workers
                .get(key)
                .and_then(|w| w.volumes.clone())
                .unwrap_or_default();
            let answer = self
                .runtime
                .answer(&sandbox, port, &path, ctx.now, &volumes);
            let url = format!("http://{ip}:{port}{path}");
            let err = match answer {
                Answer::Http(r) if (200..400).contains(&r.status) => None,
                Answer::Http(r) => Some(format!(
                    "HTTP lifecycle hook ({path}) {who} failed - error: {}, message: \"\"",
                    r.status
                )),
                Answer::Refused => Some(format!(
                    "HTTP lifecycle hook ({path}) {who} failed - error: Get {url:?}: dial tcp {ip}:{port}: connect: connection refused, message: \"\""
                )),
                Answer::Hang | Answer::NotHttp => Some(format!(
                    "HTTP lifecycle hook ({path}) {who} failed - error: Get {url:?}: EOF, message: \"\""
                )),
            };
            return (10, err);
        }
        if let Some(s) = &hook.sleep {
            return (s.seconds.max(0) as u64 * 1000, None);
        }
        (0, None)
    }

    /// `ExecSync` through the runtime, logged as a CRI call. A command that outlives its
    /// timeout comes back as a timed-out result (the CRI's `DeadlineExceeded`).
    fn exec(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        id: &str,
        argv: &[String],
        timeout_s: i64,
    ) -> Result<ExecResult, String> {
        let now = ctx.now;
        let node = self.node.clone();
        let w = self.workers.get_mut(key).ok_or("pod not found")?;
        let net = ClusterNet {
            api: ctx.api,
            namespace: &w.pod.metadata.namespace,
        };
        let volumes = w.volumes.get_or_insert_with(BTreeMap::new);
        let mut env = PodEnv { volumes, net: &net };
        let request = api::ExecSyncRequest {
            container_id: id.to_owned(),
            cmd: argv.to_vec(),
            timeout: timeout_s,
        };
        let result = rpc(
            &mut self.runtime,
            ctx.cri_log,
            now,
            &node,
            (CriService::RuntimeService, "ExecSync"),
            request,
            |rt, q| rt.exec_sync(q, &mut env),
        );
        let elapsed_ms = self.runtime.took_ms();
        self.schedule_wake(ctx, key, id);
        match result {
            Ok(r) => Ok(ExecResult {
                exit_code: r.exit_code,
                stdout: r.stdout,
                stderr: r.stderr,
                elapsed_ms,
                timed_out: false,
            }),
            Err(e) if e.code == api::Code::DeadlineExceeded => Ok(ExecResult {
                exit_code: -1,
                stdout: String::new(),
                stderr: String::new(),
                elapsed_ms,
                timed_out: true,
            }),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Runs `f` with the runtime and the pod's volumes and network.
    fn with_pod_env<R>(
        &mut self,
        api: &crate::apiserver::ApiServer,
        key: &ObjectRef,
        f: impl FnOnce(&mut Runtime, &mut PodEnv<'_>) -> R,
    ) -> Option<R> {
        let w = self.workers.get_mut(key)?;
        let net = ClusterNet {
            api,
            namespace: &w.pod.metadata.namespace,
        };
        let volumes = w.volumes.get_or_insert_with(BTreeMap::new);
        let mut env = PodEnv { volumes, net: &net };
        Some(f(&mut self.runtime, &mut env))
    }

    fn schedule_wake(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, id: &str) {
        if let Some(at) = self.runtime.next_event(id, ctx.now) {
            ctx.queue.push(
                at.max(ctx.now),
                Task::ContainerWake {
                    node: self.node.clone(),
                    pod: key.clone(),
                    id: id.to_owned(),
                },
            );
        }
    }

    /// Runs a container's process if due (its own timers, OOM, stop deadline).
    pub fn wake_container(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, id: &str) {
        let now = ctx.now;
        let next = self
            .with_pod_env(ctx.api, key, |runtime, env| runtime.wake(id, now, env))
            .flatten();
        if let Some(at) = next.filter(|t| *t > ctx.now) {
            ctx.queue.push(
                at,
                Task::ContainerWake {
                    node: self.node.clone(),
                    pod: key.clone(),
                    id: id.to_owned(),
                },
            );
        }
    }

    /// Kills containers: `Killing` events, preStop hooks, then `StopContainer` with what is
    /// left of the grace period (at least 2 s).
    fn kill(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        targets: Vec<(String, String)>,
        grace_s: i64,
        message: Option<String>,
    ) {
        self.kill_caused(ctx, key, targets, grace_s, message, None);
    }

    /// [`Kubelet::kill`] with the cause of the `Killing` events.
    fn kill_caused(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        targets: Vec<(String, String)>,
        grace_s: i64,
        message: Option<String>,
        cause: Option<Cause>,
    ) {
        let Some(pod) = self.pod_of(key) else {
            return;
        };
        let mut hook_ms = 0;
        for (name, id) in &targets {
            let msg = message
                .clone()
                .unwrap_or_else(|| format!("Stopping container {name}"));
            if let Some(r) = self
                .workers
                .get_mut(key)
                .and_then(|w| w.containers.get_mut(name))
            {
                r.history.push(LifecycleEvent::Killed {
                    time: ctx.now,
                    message: msg.clone(),
                });
            }
            ctx.log(
                &self.node,
                "kubelet",
                key,
                format!(
                    "\"Killing container with a grace period\" pod=\"{}/{}\" containerName={name:?} containerID={:?} gracePeriod={grace_s}",
                    pod.metadata.namespace, pod.metadata.name, self.container_uri(id)
                ),
            );
            let index = ctx.event_caused(
                EventType::Normal,
                key,
                "Killing",
                msg,
                "kubelet",
                Some(&self.node),
                cause.clone(),
            );
            if let Some(r) = self
                .workers
                .get_mut(key)
                .and_then(|w| w.containers.get_mut(name))
            {
                r.killed = Some((id.clone(), index));
            }
            let hook = pod
                .all_containers()
                .find(|c| &c.name == name)
                .and_then(|c| c.lifecycle.as_ref())
                .and_then(|l| l.pre_stop.clone());
            if let Some(h) = hook.filter(|_| grace_s > 0) {
                let (ms, error) = self.run_hook(ctx, key, &pod, name, id, &h, grace_s);
                // A preStop hook may use the whole grace period, plus a one-off 2 s.
                let ms = ms.min((grace_s as u64 + 2) * 1000);
                hook_ms = hook_ms.max(ms);
                if error.is_some() {
                    self.event(
                        ctx,
                        EventType::Warning,
                        key,
                        "FailedPreStopHook",
                        "PreStopHook failed".to_owned(),
                    );
                }
            }
        }
        let override_grace = self.workers.get(key).is_some_and(|w| w.grace_override);
        let left = if override_grace {
            grace_s
        } else {
            (grace_s - (hook_ms / 1000) as i64).max(MINIMUM_GRACE_PERIOD_S)
        };
        self.begin(
            ctx,
            key,
            Op::PreStop {
                targets,
                grace_s: left,
            },
            hook_ms,
        );
    }

    /// One step of `syncTerminatingPod`: app containers first, then sidecars in reverse
    /// order, then the sandbox.
    fn terminate_step(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        let Some(w) = self.workers.get(key) else {
            return;
        };
        let grace = w.terminating.unwrap_or(30);
        let pod = Rc::clone(&w.pod);
        let running = |k: &Kubelet, c: &Container| {
            k.current(key, &c.name)
                .is_some_and(|r| r.state == ContainerState::Running)
        };
        let mains: Vec<(String, String)> = pod
            .spec
            .containers
            .iter()
            .chain(pod.spec.init_containers.iter().filter(|c| !is_sidecar(c)))
            .filter(|c| running(self, c))
            .map(|c| {
                (
                    c.name.clone(),
                    self.current_id(key, &c.name).unwrap_or_default(),
                )
            })
            .collect();
        if !mains.is_empty() {
            self.kill(ctx, key, mains, grace, None);
            return;
        }
        if let Some(c) = pod
            .spec
            .init_containers
            .iter()
            .rev()
            .find(|c| is_sidecar(c) && running(self, c))
        {
            let id = self.current_id(key, &c.name).unwrap_or_default();
            self.kill(ctx, key, vec![(c.name.clone(), id)], grace, None);
            return;
        }
        let sandbox = w.sandbox.clone();
        let pod_ip = w.ip.clone().unwrap_or_default();
        match sandbox {
            Some(id) if w.sandbox_ready => {
                if let Some(w) = self.workers.get_mut(key) {
                    w.sandbox_ready = false;
                }
                let _ = self.call(
                    ctx,
                    CriService::RuntimeService,
                    "StopPodSandbox",
                    api::StopPodSandboxRequest {
                        pod_sandbox_id: id.clone(),
                    },
                    |rt, q| rt.stop_pod_sandbox(q),
                );
                let latency = self.runtime.took_ms();
                self.ipam.release(&id);
                if pod.spec.host_network != Some(true) {
                    ctx.log(
                        &self.node,
                        "cni",
                        key,
                        format!(
                            "DEL {}/{} container {}: eth0 removed, {} released",
                            pod.metadata.namespace,
                            pod.metadata.name,
                            id.get(..12).unwrap_or(&id),
                            pod_ip
                        ),
                    );
                }
                ctx.log(
                    &self.node,
                    self.runtime.profile.daemon,
                    key,
                    format!("StopPodSandbox for {id:?} returns successfully"),
                );
                self.begin(ctx, key, Op::StopSandbox, latency);
            }
            _ => {
                if let Some(w) = self.workers.get_mut(key) {
                    w.done = true;
                }
                self.finish_termination(ctx, key);
            }
        }
    }

    /// Everything is stopped: write the terminal status, unmount volumes, and finish the
    /// API deletion if one was requested.
    fn finish_termination(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        self.dirty.remove(key);
        self.report_status(ctx, key);
        let Some(w) = self.workers.get(key) else {
            return;
        };
        if let Some(v) = &w.volumes {
            volumes::unmount_all(&w.pod, v, ctx.api, &mut self.storage);
            for vol in &w.pod.spec.volumes {
                ctx.log(
                    &self.node,
                    "kubelet",
                    key,
                    format!(
                        "UnmountVolume.TearDown succeeded for volume \"kubernetes.io/{}/{}-{}\" (OuterVolumeSpecName: {:?}) pod {:?}",
                        volumes::plugin_name(vol),
                        w.pod.metadata.uid,
                        vol.name,
                        vol.name,
                        w.pod.metadata.uid
                    ),
                );
            }
        }
        let deleting = match ctx.api.get(key) {
            Some(Object::Pod(p)) => p.metadata.deletion_timestamp.is_some(),
            _ => true,
        };
        if deleting {
            ctx.api.remove(key);
            // The dead containers and the sandbox stay until container garbage collection
            // removes them (kuberuntime_gc.go: a deleted pod's content is evictable).
            self.workers.remove(key);
        }
    }

    fn probe_worker(
        &mut self,
        key: &ObjectRef,
        container: &str,
        kind: ProbeKind,
    ) -> Option<&mut ProbeWorker> {
        self.workers
            .get_mut(key)?
            .containers
            .get_mut(container)?
            .probes
            .iter_mut()
            .find(|p| p.kind == kind)
    }

    /// A probe worker's tick.
    pub fn probe(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, container: &str, kind: ProbeKind) {
        if self.stopped {
            return;
        }
        let Some(w) = self.workers.get(key) else {
            return;
        };
        if w.done || w.terminating.is_some() {
            return;
        }
        let pod = Rc::clone(&w.pod);
        let Some(spec) = pod.all_containers().find(|c| c.name == container).cloned() else {
            return;
        };
        let cur = self
            .current(key, container)
            .map(|r| (r.id.clone(), r.state, r.started_at));
        let started = self.started(key, &spec);
        let next = Task::Probe {
            node: self.node.clone(),
            pod: key.clone(),
            container: container.to_owned(),
            kind,
        };
        let Some(pw) = self.probe_worker(key, container, kind) else {
            return;
        };
        ctx.after(pw.period_ms(), next);
        let running_since = cur
            .as_ref()
            .filter(|c| c.1 == ContainerState::Running)
            .and_then(|c| c.2);
        let before = pw.verdict;
        let gate = pw.gate(
            cur.as_ref().map(|c| c.0.as_str()),
            running_since,
            started,
            ctx.now,
        );
        let after_gate = pw.verdict;
        if gate == Gate::Skip {
            if before != after_gate {
                self.mark(key);
            }
            return;
        }
        let probe = pw.spec.clone();
        let Some((id, _, _)) = cur else {
            return;
        };
        let (result, output) = {
            let mut target = KubeletTarget {
                kubelet: self,
                ctx,
                key,
                id: &id,
            };
            prober::run(&probe, &spec, &mut target)
        };
        let probe_cause = || Cause::Probe {
            probe: kind.name().to_owned(),
            container: container.to_owned(),
            time: ctx.now,
            output: output.clone(),
            then: Some(Box::new(self.process_cause(key, container, &id))),
        };
        let mut unhealthy = None;
        let result = if result == ProbeResult::Unknown {
            let cause = probe_cause();
            unhealthy = Some(ctx.event_caused(
                EventType::Warning,
                key,
                "Unhealthy",
                format!(
                    "{} probe errored and resulted in failure state: {output}",
                    kind.name()
                ),
                "kubelet",
                Some(&self.node),
                Some(cause),
            ));
            ProbeResult::Failure
        } else {
            if result == ProbeResult::Failure {
                let cause = probe_cause();
                unhealthy = Some(ctx.event_caused(
                    EventType::Warning,
                    key,
                    "Unhealthy",
                    format!("{} probe failed: {output}", kind.name()),
                    "kubelet",
                    Some(&self.node),
                    Some(cause),
                ));
            }
            result
        };
        let Some(pw) = self.probe_worker(key, container, kind) else {
            return;
        };
        if let Some(verdict) = pw.record(result, output, ctx.now) {
            match (kind, verdict) {
                (ProbeKind::Liveness | ProbeKind::Startup, ProbeResult::Failure) => {
                    if let Some(r) = self
                        .workers
                        .get_mut(key)
                        .and_then(|w| w.containers.get_mut(container))
                    {
                        r.probe_kill_cause = unhealthy.map(|index| Cause::Event { index });
                    }
                    self.queue_sync(ctx, key, 0);
                }
                (ProbeKind::Startup, ProbeResult::Success) => self.queue_sync(ctx, key, 0),
                _ => {}
            }
            self.mark(key);
        }
    }

    /// Schedules the next round of a periodic loop; whether this round should run (a
    /// stopped kubelet keeps its timers but does nothing).
    fn next_round(&self, ctx: &mut Ctx<'_>, period_ms: u64, task: Task) -> bool {
        ctx.after(period_ms, task);
        !self.stopped
    }

    /// Generic PLEG: relist the runtime (`ListPodSandbox` and `ListContainers`, every
    /// sandbox and container); pods whose containers changed state are synced, and a
    /// container that died makes the pod container deletor remove older dead instances.
    pub fn relist(&mut self, ctx: &mut Ctx<'_>) {
        let next = Task::PlegRelist {
            node: self.node.clone(),
        };
        if !self.next_round(ctx, PLEG_RELIST_PERIOD_MS, next) {
            return;
        }
        let sandboxes = self
            .call(
                ctx,
                CriService::RuntimeService,
                "ListPodSandbox",
                api::ListPodSandboxRequest::default(),
                |rt, q| rt.list_pod_sandbox(q),
            )
            .map(|r| r.items)
            .unwrap_or_default();
        let containers = self
            .call(
                ctx,
                CriService::RuntimeService,
                "ListContainers",
                api::ListContainersRequest::default(),
                |rt, q| rt.list_containers(q),
            )
            .map(|r| r.containers)
            .unwrap_or_default();
        let pods: BTreeMap<&str, &api::PodSandboxMetadata> = sandboxes
            .iter()
            .map(|s| (s.id.as_str(), &s.metadata))
            .collect();
        let mut changed = Vec::new();
        let mut died = Vec::new();
        for c in &containers {
            let state = match c.state {
                "CONTAINER_RUNNING" => ContainerState::Running,
                "CONTAINER_EXITED" => ContainerState::Exited,
                _ => ContainerState::Created,
            };
            if self.pleg_seen.get(&c.id) == Some(&state) {
                continue;
            }
            self.pleg_seen.insert(c.id.clone(), state);
            let Some(meta) = pods.get(c.pod_sandbox_id.as_str()) else {
                continue;
            };
            let key = ObjectRef::new(crate::api::Kind::Pod, &meta.namespace, &meta.name);
            let Some(w) = self
                .workers
                .get_mut(&key)
                .filter(|w| w.pod.metadata.uid == meta.uid)
            else {
                continue;
            };
            if state == ContainerState::Exited
                && let Some(rc) = self.runtime.container(&c.id)
            {
                ctx.log(
                    &self.node,
                    "kubelet",
                    &key,
                    format!(
                        "\"Generic (PLEG): container finished\" podID={:?} containerID={:?} exitCode={}",
                        meta.uid, c.id, rc.exit_code
                    ),
                );
                let image = w
                    .pod
                    .all_containers()
                    .find(|s| s.name == c.metadata.name)
                    .and_then(|s| s.image.clone())
                    .unwrap_or_default();
                if let Some(r) = w.containers.get_mut(&c.metadata.name) {
                    let time = rc.finished_at.unwrap_or(ctx.now);
                    r.history.push(LifecycleEvent::Exited {
                        time,
                        exit_code: rc.exit_code,
                        reason: rc.reason.clone(),
                    });
                    let then = match (&r.killed, &r.altered) {
                        (Some((id, index)), _) if *id == c.id => Cause::Event { index: *index },
                        (_, Some((id, index))) if *id == c.id => Cause::Action { index: *index },
                        _ => Cause::Image {
                            container: c.metadata.name.clone(),
                            image,
                        },
                    };
                    r.exit_cause = Some(Cause::Exit {
                        container: c.metadata.name.clone(),
                        exit_code: rc.exit_code,
                        reason: rc.reason.clone(),
                        time,
                        then: Some(Box::new(then)),
                    });
                }
                died.push((key.clone(), c.metadata.name.clone()));
            }
            if !changed.contains(&key) {
                changed.push(key);
            }
        }
        let listed: std::collections::BTreeSet<&str> =
            containers.iter().map(|c| c.id.as_str()).collect();
        self.pleg_seen.retain(|id, _| listed.contains(id.as_str()));
        for (key, name) in died {
            self.delete_dead_instances(ctx, &key, &name);
        }
        for key in changed {
            self.queue_sync(ctx, &key, 0);
            self.mark(&key);
        }
    }

    /// `podContainerDeletor`: of a container's dead instances keep the newest one
    /// (`minDeadContainerInPod`) and remove the rest.
    fn delete_dead_instances(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, name: &str) {
        let Some(ids) = self
            .workers
            .get(key)
            .and_then(|w| w.containers.get(name))
            .map(|r| r.ids.clone())
        else {
            return;
        };
        let dead: Vec<&String> = ids
            .iter()
            .filter(|id| {
                self.runtime
                    .container(id)
                    .is_some_and(|c| c.state == ContainerState::Exited)
            })
            .collect();
        for id in dead.iter().rev().skip(1) {
            self.remove_container(ctx, id);
        }
        let runtime = &self.runtime;
        if let Some(r) = self
            .workers
            .get_mut(key)
            .and_then(|w| w.containers.get_mut(name))
        {
            r.ids.retain(|id| runtime.container(id).is_some());
        }
    }

    fn remove_container(&mut self, ctx: &mut Ctx<'_>, id: &str) {
        let _ = self.call(
            ctx,
            CriService::RuntimeService,
            "RemoveContainer",
            api::RemoveContainerRequest {
                container_id: id.to_owned(),
            },
            |rt, q| rt.remove_container(q),
        );
    }

    /// Container garbage collection every minute (`kuberuntime_gc.go`): dead containers of
    /// pods the kubelet no longer has are removed, then their sandboxes once stopped and
    /// empty.
    pub fn container_gc(&mut self, ctx: &mut Ctx<'_>) {
        let next = Task::ContainerGc {
            node: self.node.clone(),
        };
        if !self.next_round(ctx, gc::CONTAINER_GC_PERIOD_MS, next) {
            return;
        }
        let live: std::collections::BTreeSet<String> = self
            .workers
            .values()
            .filter_map(|w| w.sandbox.clone())
            .collect();
        let dead: Vec<String> = self
            .runtime
            .containers()
            .filter(|c| c.state == ContainerState::Exited && !live.contains(&c.sandbox_id))
            .map(|c| c.id.clone())
            .collect();
        for id in dead {
            self.remove_container(ctx, &id);
        }
        let empty: Vec<String> = self
            .runtime
            .sandboxes()
            .filter(|s| {
                s.state == crate::cri::runtime::SandboxState::NotReady
                    && !live.contains(&s.id)
                    && !self.runtime.containers().any(|c| c.sandbox_id == s.id)
            })
            .map(|s| s.id.clone())
            .collect();
        for id in empty {
            let _ = self.call(
                ctx,
                CriService::RuntimeService,
                "RemovePodSandbox",
                api::RemovePodSandboxRequest { pod_sandbox_id: id },
                |rt, q| rt.remove_pod_sandbox(q),
            );
        }
    }

    /// Image garbage collection every 5 minutes: `ImageFsInfo`, `ListImages`, then
    /// `RemoveImage` for the least recently used images until usage is back under the low
    /// threshold; `FreeDiskSpaceFailed` when that is not possible.
    pub fn image_gc(&mut self, ctx: &mut Ctx<'_>) {
        let next = Task::ImageGc {
            node: self.node.clone(),
        };
        if !self.next_round(ctx, gc::IMAGE_GC_PERIOD_MS, next) {
            return;
        }
        let Ok(fs) = self.call(
            ctx,
            CriService::ImageService,
            "ImageFsInfo",
            api::ImageFsInfoRequest::default(),
            |rt, q| rt.image_fs_info(q),
        ) else {
            return;
        };
        let Ok(images) = self.call(
            ctx,
            CriService::ImageService,
            "ListImages",
            api::ListImagesRequest::default(),
            |rt, q| rt.list_images(q),
        ) else {
            return;
        };
        let in_use: std::collections::BTreeSet<String> = self
            .runtime
            .containers()
            .filter_map(|c| c.image.as_ref().map(|r| r.digest()))
            .collect();
        let seen: Vec<gc::Seen> = images
            .images
            .iter()
            .map(|i| gc::Seen {
                id: i.id.clone(),
                size: i.size,
                pinned: i.pinned,
                in_use: in_use.contains(&i.id),
            })
            .collect();
        self.image_gc.detect(ctx.now, &seen);
        let Some(usage) = fs.image_filesystems.first() else {
            return;
        };
        let plan = self
            .image_gc
            .plan(ctx.now, usage.used_bytes, usage.capacity_bytes, &in_use);
        for id in &plan.remove {
            let _ = self.call(
                ctx,
                CriService::ImageService,
                "RemoveImage",
                api::RemoveImageRequest {
                    image: api::ImageSpec::of(id.clone()),
                },
                |rt, q| rt.remove_image(q),
            );
        }
        if plan.freed < plan.needed {
            let node = ObjectRef::new(crate::api::Kind::Node, "", &self.node);
            ctx.event(
                EventType::Warning,
                &node,
                "FreeDiskSpaceFailed",
                format!(
                    "Failed to garbage collect required amount of images. Attempted to free {} bytes, but only found {} bytes eligible to free.",
                    plan.needed, plan.freed
                ),
                "kubelet",
                Some(&self.node),
            );
        }
    }

    /// The runtime health check every 5 s (`updateRuntimeUp` → `Status`); the first one
    /// also asks for the runtime's `Version`, as the kubelet does when it connects.
    pub fn runtime_status(&mut self, ctx: &mut Ctx<'_>, first: bool) {
        let next = Task::RuntimeStatus {
            node: self.node.clone(),
            first: false,
        };
        if !self.next_round(ctx, RUNTIME_STATUS_PERIOD_MS, next) {
            return;
        }
        if first {
            let _ = self.call(
                ctx,
                CriService::RuntimeService,
                "Version",
                api::VersionRequest {
                    version: "v1".to_owned(),
                },
                |rt, q| rt.version(q),
            );
        }
        let _ = self.call(
            ctx,
            CriService::RuntimeService,
            "Status",
            api::StatusRequest::default(),
            |rt, q| rt.status(q),
        );
    }

    /// Housekeeping every 10 s: back-off GC and node-pressure eviction.
    pub fn housekeeping(&mut self, ctx: &mut Ctx<'_>) {
        let next = Task::Housekeeping {
            node: self.node.clone(),
        };
        if !self.next_round(ctx, HOUSEKEEPING_PERIOD_MS, next) {
            return;
        }
        self.backoff.gc(ctx.now);
        self.image_backoff.gc(ctx.now);
        self.check_memory_pressure(ctx);
    }

    /// The node's `memory.available` (capacity minus the working set of everything,
    /// including the runtime's daemon and each sandbox's overhead).
    pub fn memory_available(&self, now: SimTime) -> i64 {
        let used: u64 = self
            .runtime
            .containers()
            .filter_map(|c| self.runtime.cgroup_stats(&c.id, now))
            .map(|s| s.memory_working_set)
            .sum::<u64>()
            + self.runtime.overhead_bytes()
            + self
                .workers
                .values()
                .map(|w| {
                    w.volumes
                        .as_ref()
                        .map_or(0, |v| volumes::memory_backed_bytes(&w.pod, v))
                })
                .sum::<u64>();
        self.memory_capacity - SYSTEM_MEMORY - used as i64
    }

    /// The eviction manager: below the `memory.available<100Mi` hard threshold it sets
    /// `MemoryPressure` and evicts one pod per round (usage above requests first).
    fn check_memory_pressure(&mut self, ctx: &mut Ctx<'_>) {
        let available = self.memory_available(ctx.now);
        let pressure = available < EVICTION_HARD_MEMORY;
        if pressure {
            self.memory_pressure_since = Some(ctx.now);
        }
        // eviction-pressure-transition-period: 5 minutes before the condition clears.
        let condition = self
            .memory_pressure_since
            .is_some_and(|t| ctx.now.millis_since(t) < 300_000);
        self.set_memory_pressure(ctx, condition);
        if !pressure {
            return;
        }
        let now = ctx.now;
        let mut candidates: Vec<(bool, i32, i64, ObjectRef, String, u64, i64)> = Vec::new();
        for (key, w) in &self.workers {
            if w.done || w.terminating.is_some() {
                continue;
            }
            let request = crate::scheduler::pod_requests(&w.pod).1;
            let mut usage = 0u64;
            let mut top = (String::new(), 0u64, 0i64);
            for c in w.pod.all_containers() {
                let Some(id) = w.containers.get(&c.name).and_then(|r| r.ids.last()) else {
                    continue;
                };
                let u = self
                    .runtime
                    .cgroup_stats(id, now)
                    .map_or(0, |s| s.memory_working_set);
                usage += u;
                let req = c.resources.requests.get("memory").map_or(0, |q| q.value());
                if u as i64 - req > top.1 as i64 - top.2 {
                    top = (c.name.clone(), u, req);
                }
            }
            candidates.push((
                usage as i64 <= request,
                w.pod.spec.priority.unwrap_or(0),
                request - usage as i64,
                key.clone(),
                top.0,
                top.1,
                top.2,
            ));
        }
        candidates.sort_by_key(|a| (a.0, a.1, a.2));
        let Some((_, _, _, key, container, used, request)) = candidates.into_iter().next() else {
            return;
        };
        let mut message = format!(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: {}Ki. ",
            available.max(0) / 1024,
        );
        if used as i64 > request {
            message.push_str(&format!(
                "Container {container} was using {}Ki, request is {}, has larger consumption of memory. ",
                used / 1024,
                crate::api::quantity::Quantity::from_bytes(request).canonical()
            ));
        }
        let node_key = ObjectRef::new(crate::api::Kind::Node, "", &self.node);
        self.event(
            ctx,
            EventType::Warning,
            &node_key,
            "EvictionThresholdMet",
            "Attempting to reclaim memory".to_owned(),
        );
        self.event(ctx, EventType::Warning, &key, "Evicted", message.clone());
        if let Some(w) = self.workers.get_mut(&key) {
            w.evicted = Some(message);
            // immediateEvictionGracePeriodSeconds: hard evictions get a 1 s override.
            w.terminating = Some(1);
            w.grace_override = true;
        }
        self.queue_sync(ctx, &key, 0);
    }

    fn set_memory_pressure(&mut self, ctx: &mut Ctx<'_>, on: bool) {
        let node_key = ObjectRef::new(crate::api::Kind::Node, "", &self.node);
        let Some(Object::Node(mut node)) = ctx.api.get(&node_key).cloned() else {
            return;
        };
        let now = ctx.now.rfc3339();
        let Some(c) = node
            .status
            .conditions
            .iter_mut()
            .find(|c| c.type_ == "MemoryPressure")
        else {
            return;
        };
        let status = if on { "True" } else { "False" };
        if c.status == status {
            return;
        }
        c.status = status.to_owned();
        c.last_transition_time = Some(now.clone());
        c.last_heartbeat_time = Some(now);
        let (reason, message, event) = if on {
            (
                "KubeletHasInsufficientMemory",
                "kubelet has insufficient memory available",
                "NodeHasInsufficientMemory",
            )
        } else {
            (
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
                "NodeHasSufficientMemory",
            )
        };
        c.reason = Some(reason.to_owned());
        c.message = Some(message.to_owned());
        ctx.api.update(Object::Node(node));
        self.event(
            ctx,
            EventType::Normal,
            &node_key,
            event,
            format!("Node {} status is now: {event}", self.node),
        );
    }

    /// Notes that a pod's status may have changed; [`Kubelet::flush_status`] writes it.
    fn mark(&mut self, key: &ObjectRef) {
        self.dirty.insert(key.clone());
    }

    /// Writes the status of every pod marked during the current task.
    pub fn flush_status(&mut self, ctx: &mut Ctx<'_>) {
        for key in std::mem::take(&mut self.dirty) {
            self.report_status(ctx, &key);
        }
    }

    /// The status manager: computes the pod's status and writes it if it changed.
    pub fn report_status(&self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        let Some(w) = self.workers.get(key) else {
            return;
        };
        let Some(Object::Pod(current)) = ctx.api.get(key) else {
            return;
        };
        let pod = current;
        let was_terminal = matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
        let default_waiting = if pod.spec.init_containers.is_empty() {
            "ContainerCreating"
        } else {
            "PodInitializing"
        };
        let init: Vec<_> = pod
            .spec
            .init_containers
            .iter()
            .map(|c| status::container_status(&self.view(w, pod, c), default_waiting))
            .collect();
        let app: Vec<_> = pod
            .spec
            .containers
            .iter()
            .map(|c| status::container_status(&self.view(w, pod, c), default_waiting))
            .collect();
        let now = ctx.now.rfc3339();
        let phase = if was_terminal {
            pod.status.phase.clone().unwrap_or_default()
        } else if w.evicted.is_some() {
            "Failed".to_owned()
        } else {
            status::phase(pod, &init, &app, w.done).to_owned()
        };
        // Everything but the container statuses carries over (the statuses are rebuilt).
        let old = &pod.status;
        let mut s = PodStatus {
            phase: None,
            conditions: old.conditions.clone(),
            message: old.message.clone(),
            reason: old.reason.clone(),
            nominated_node_name: old.nominated_node_name.clone(),
            host_ip: None,
            host_ips: Vec::new(),
            pod_ip: old.pod_ip.clone(),
            pod_ips: old.pod_ips.clone(),
            start_time: old.start_time.clone(),
            init_container_statuses: Vec::new(),
            container_statuses: Vec::new(),
            qos_class: None,
        };
        s.start_time.get_or_insert_with(|| now.clone());
        s.host_ip = Some(self.node_ip.clone());
        s.host_ips = vec![PodIp {
            ip: self.node_ip.clone(),
        }];
        if let Some(ip) = w.ip.as_ref().filter(|_| w.sandbox.is_some()) {
            s.pod_ip = Some(ip.clone());
            s.pod_ips = vec![PodIp { ip: ip.clone() }];
        }
        s.qos_class = Some(qos::qos_class(pod).to_owned());
        if let Some(msg) = &w.evicted {
            s.reason = Some("Evicted".to_owned());
            s.message = Some(msg.clone());
            set_condition_in(
                &mut s.conditions,
                "DisruptionTarget",
                "True",
                Some("TerminationByKubelet"),
                Some(msg.clone()),
                now.clone(),
            );
        }
        let initialized = status::initialized(pod, &init, &app, &phase);
        let containers_ready = status::containers_ready(pod, &init, &app, &phase);
        let ready = status::ready(pod, &containers_ready);
        s.init_container_statuses = init;
        s.container_statuses = app;
        s.phase = Some(phase);
        let sandbox = if w.sandbox_ready { "True" } else { "False" };
        set_condition_in(
            &mut s.conditions,
            "PodReadyToStartContainers",
            sandbox,
            None,
            None,
            now.clone(),
        );
        set_condition_in(
            &mut s.conditions,
            "Initialized",
            initialized.0,
            initialized.1,
            initialized.2,
            now.clone(),
        );
        set_condition_in(
            &mut s.conditions,
            "Ready",
            ready.0,
            ready.1,
            ready.2,
            now.clone(),
        );
        set_condition_in(
            &mut s.conditions,
            "ContainersReady",
            containers_ready.0,
            containers_ready.1,
            containers_ready.2,
            now,
        );
        let order = [
            "DisruptionTarget",
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ];
        s.conditions.sort_by_key(|c| {
            order
                .iter()
                .position(|o| *o == c.type_)
                .unwrap_or(order.len())
        });
        if s != pod.status {
            ctx.api.update_pod_status(key, s);
        }
    }

    fn view<'a>(&'a self, w: &'a PodWorker, pod: &Pod, c: &'a Container) -> ContainerView<'a> {
        let rec = w.containers.get(&c.name);
        let ids = rec.map(|r| r.ids.as_slice()).unwrap_or_default();
        let current = ids.last().and_then(|id| self.runtime.container(id));
        let previous = ids
            .len()
            .checked_sub(2)
            .and_then(|i| ids.get(i))
            .and_then(|id| self.runtime.container(id));
        let will_restart = match current {
            Some(r) if r.state == ContainerState::Exited => {
                w.terminating.is_none() && should_restart(pod, c, r.exit_code)
            }
            _ => w.terminating.is_none(),
        };
        ContainerView {
            spec: c,
            current,
            previous,
            ready: rec.is_some_and(|r| r.ready(c, current)),
            started: rec.is_some_and(|r| r.started(c, current)),
            cached: w
                .reasons
                .get(&c.name)
                .map(|(r, m)| (r.as_str(), m.as_str())),
            will_restart,
        }
    }

    /// Applies a lab action aimed at one of this node's containers.
    pub fn act(&mut self, ctx: &mut Ctx<'_>, action: &LabAction) -> Result<(), String> {
        let key = action.pod().ok_or("not a container action")?.clone();
        let w = self
            .workers
            .get(&key)
            .ok_or_else(|| format!("pods {:?} not found on {}", key.name, self.node))?;
        let wanted = match action {
            LabAction::HttpStatus { container, .. }
            | LabAction::CreateFile { container, .. }
            | LabAction::DeleteFile { container, .. }
            | LabAction::Exit { container, .. }
            | LabAction::GrowMemory { container, .. }
            | LabAction::Hang { container, .. } => container.clone(),
            _ => None,
        };
        let name = wanted
            .or_else(|| w.pod.spec.containers.first().map(|c| c.name.clone()))
            .unwrap_or_default();
        let id = self
            .current_id(&key, &name)
            .filter(|id| {
                self.runtime
                    .container(id)
                    .is_some_and(|c| c.state == ContainerState::Running)
            })
            .ok_or_else(|| format!("container {name:?} in pod {:?} is not running", key.name))?;
        let now = ctx.now;
        if let Some(index) = ctx.action
            && let Some(r) = self
                .workers
                .get_mut(&key)
                .and_then(|w| w.containers.get_mut(&name))
        {
            r.altered = Some((id.clone(), index));
        }
        match action {
            LabAction::HttpStatus { path, status, .. } => {
                if let Some(p) = self.runtime.process_mut(&id) {
                    p.overrides.http_status.insert(path.clone(), *status);
                }
            }
            LabAction::Hang { .. } => {
                if let Some(p) = self.runtime.process_mut(&id) {
                    p.overrides.hung = true;
                }
            }
            LabAction::GrowMemory { bytes, .. } => {
                if let Some(p) = self.runtime.process_mut(&id) {
                    p.overrides.extra_memory += bytes;
                }
            }
            LabAction::Exit { code, .. } => self.runtime.force_exit(&id, *code, now),
            LabAction::CreateFile { path, .. } | LabAction::DeleteFile { path, .. } => {
                let Kubelet {
                    runtime, workers, ..
                } = self;
                let volumes = workers
                    .get_mut(&key)
                    .and_then(|w| w.volumes.as_mut())
                    .ok_or("the pod has no volumes mounted")?;
                let (rootfs, mounts) = runtime.rootfs_mut(&id).ok_or("container not found")?;
                let mounts = mounts.to_vec();
                let env = BTreeMap::new();
                let net = crate::cri::host::NoNetwork;
                let mut host = crate::cri::host::ContainerHost {
                    now,
                    rootfs,
                    volumes,
                    mounts: &mounts,
                    env: &env,
                    hostname: "",
                    net: &net,
                    main: None,
                    signals: Vec::new(),
                };
                use crate::cri::process::Host;
                let result = match action {
                    LabAction::CreateFile { content, .. } => {
                        let dir = path.rsplit_once('/').map_or("/", |(d, _)| d);
                        let _ = host.mkdir(if dir.is_empty() { "/" } else { dir }, true);
                        host.write_file(path, content, false)
                    }
                    _ => host.remove(path, true),
                };
                result.map_err(|e| format!("{path}: {e}"))?;
            }
            LabAction::DeletePod { .. }
            | LabAction::NodeNotReady { .. }
            | LabAction::Traffic(_) => {}
        }
        self.schedule_wake(ctx, &key, &id);
        self.queue_sync(ctx, &key, 0);
        Ok(())
    }

    /// Container logs of a pod's container (current instance, or `previous`).
    pub fn logs(
        &self,
        key: &ObjectRef,
        container: &str,
        previous: bool,
    ) -> Option<Vec<crate::cri::runtime::LogLine>> {
        let ids = &self.workers.get(key)?.containers.get(container)?.ids;
        let id = if previous {
            ids.len().checked_sub(2).and_then(|i| ids.get(i))?
        } else {
            ids.last()?
        };
        self.runtime.container(id).map(|c| c.log.clone())
    }

    /// Every probe attempt of a pod's container, by probe type (the probe timeline).
    pub fn probe_history(
        &self,
        key: &ObjectRef,
        container: &str,
    ) -> Vec<(ProbeKind, &[prober::ProbeRecord])> {
        self.workers
            .get(key)
            .and_then(|w| w.containers.get(container))
            .map(|r| {
                r.probes
                    .iter()
                    .map(|p| (p.kind, p.history.as_slice()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The restart / back-off timeline of a pod's container.
    pub fn lifecycle_history(&self, key: &ObjectRef, container: &str) -> &[LifecycleEvent] {
        self.workers
            .get(key)
            .and_then(|w| w.containers.get(container))
            .map(|r| r.history.as_slice())
            .unwrap_or_default()
    }

    /// How the pod answers a connection to its IP on `port` with `GET path` at `now` (what
    /// a probe or a client reaching the pod gets).
    pub fn serve(&self, key: &ObjectRef, port: u16, path: &str, now: SimTime) -> Answer {
        let Some(w) = self.workers.get(key) else {
            return Answer::Refused;
        };
        let Some(sandbox) = &w.sandbox else {
            return Answer::Refused;
        };
        let empty = BTreeMap::new();
        self.runtime.answer(
            sandbox,
            port,
            path,
            now,
            w.volumes.as_ref().unwrap_or(&empty),
        )
    }

    /// The runtime container id of a pod's container (current instance).
    pub fn container_id(&self, key: &ObjectRef, container: &str) -> Option<String> {
        self.current_id(key, container)
    }
}

/// Makes one CRI call and appends it, with its response and duration, to the call log.
fn rpc<Q: Clone + Into<Message>, R: Clone + Into<Message>>(
    runtime: &mut Runtime,
    log: &mut Vec<CriCall>,
    now: SimTime,
    node: &str,
    (service, method): (CriService, &'static str),
    request: Q,
    f: impl FnOnce(&mut Runtime, &Q) -> CriResult<R>,
) -> CriResult<R> {
    runtime.now = now;
    let result = f(runtime, &request);
    log.push(CriCall {
        time: now,
        node: node.to_owned(),
        service,
        method,
        request: request.into(),
        response: match &result {
            Ok(r) => r.clone().into(),
            Err(e) => Message::Error {
                error: e.to_string(),
            },
        },
        duration_ms: runtime.took_ms(),
    });
    result
}

/// What `SyncPod` decided to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    Start(String),
    Kill(String, String, i64, Option<Cause>),
}

/// The prober's view of one container: exec through the CRI, HTTP/TCP/gRPC to the pod IP.
struct KubeletTarget<'k, 'c, 'a> {
    kubelet: &'k mut Kubelet,
    ctx: &'c mut Ctx<'a>,
    key: &'k ObjectRef,
    id: &'k str,
}

impl ProbeTarget for KubeletTarget<'_, '_, '_> {
    fn pod_ip(&self) -> String {
        self.kubelet
            .workers
            .get(self.key)
            .and_then(|w| w.ip.clone())
            .unwrap_or_default()
    }
    fn exec(&mut self, argv: &[String], timeout_s: i64) -> Result<ExecResult, String> {
        self.kubelet
            .exec(self.ctx, self.key, self.id, argv, timeout_s)
    }
    fn http(&self, port: u16, path: &str) -> Answer {
        self.kubelet.serve(self.key, port, path, self.ctx.now)
    }
    fn grpc(&self, port: u16) -> Option<&'static str> {
        let sandbox = self.kubelet.workers.get(self.key)?.sandbox.clone()?;
        self.kubelet.runtime.grpc_health(&sandbox, port)
    }
}

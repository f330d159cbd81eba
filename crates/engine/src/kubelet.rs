//! The kubelet of one node: it watches pods bound to its node, drives the container runtime
//! through the CRI in `SyncPod` order (`pkg/kubelet/kuberuntime/kuberuntime_manager.go`),
//! relists the runtime every second (generic PLEG) and reports pod status.

pub mod qos;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::json;

use crate::api::pod::{
    ContainerState, ContainerStateRunning, ContainerStateWaiting, ContainerStatus, Pod, PodIp,
    PodStatus,
};
use crate::api::{Object, ObjectRef};
use crate::cri::images::ImageRef;
use crate::cri::runtime::{Runtime, RuntimeParams};
use crate::cri::{CriCall, CriService};
use crate::ctx::Ctx;
use crate::events::EventType;
use crate::scheduler::set_condition;
use crate::time::SimTime;
use crate::world::Task;

/// Generic PLEG relist period (`genericPlegRelistPeriod`, 1 s).
pub const PLEG_RELIST_PERIOD_MS: u64 = 1000;
/// Image the sandbox runs (kubeadm's pause version for Kubernetes 1.33).
pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// Where one container is in its life, as the kubelet tracks it.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Not reached yet by SyncPod.
    Waiting,
    /// `PullImage` in flight.
    Pulling,
    /// Created, `StartContainer` in flight.
    Starting,
    /// Started (PLEG reports it running from the next relist).
    Running,
    /// Cannot start: waiting reason and message (`ErrImagePull`, …).
    Failed(String, String),
}

#[derive(Clone, Debug)]
struct ContainerWorker {
    name: String,
    image: String,
    stage: Stage,
    id: Option<String>,
    seen_running_at: Option<SimTime>,
}

#[derive(Clone, Debug)]
struct PodWorker {
    sandbox_id: Option<String>,
    ip: Option<String>,
    sandbox_ready: bool,
    containers: Vec<ContainerWorker>,
}

/// One node's kubelet and the container runtime it drives.
#[derive(Clone, Debug)]
pub struct Kubelet {
    /// Node name.
    pub node: String,
    /// Node InternalIP.
    pub node_ip: String,
    /// The container runtime (containerd + runc).
    pub runtime: Runtime,
    pod_cidr: Ipv4Net,
    next_ip: u32,
    workers: BTreeMap<ObjectRef, PodWorker>,
}

impl Kubelet {
    /// A kubelet for `node` with the given addresses.
    pub fn new(node: &str, node_ip: &str, pod_cidr: Ipv4Net) -> Kubelet {
        Kubelet {
            node: node.to_owned(),
            node_ip: node_ip.to_owned(),
            runtime: Runtime::new(RuntimeParams::default()),
            pod_cidr,
            next_ip: 2,
            workers: BTreeMap::new(),
        }
    }

    /// Handles a pod change seen through the watch: a new pod bound here starts a pod worker.
    pub fn observe_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        let Some(Object::Pod(pod)) = ctx.api.get(key) else {
            return;
        };
        if pod.spec.node_name.as_deref() != Some(self.node.as_str())
            || self.workers.contains_key(key)
        {
            return;
        }
        let worker = PodWorker {
            sandbox_id: None,
            ip: None,
            sandbox_ready: false,
            containers: pod
                .spec
                .containers
                .iter()
                .map(|c| ContainerWorker {
                    name: c.name.clone(),
                    image: c.image.clone().unwrap_or_default(),
                    stage: Stage::Waiting,
                    id: None,
                    seen_running_at: None,
                })
                .collect(),
        };
        self.workers.insert(key.clone(), worker);
        ctx.after(
            0,
            Task::SyncPod {
                node: self.node.clone(),
                pod: key.clone(),
            },
        );
    }

    /// `SyncPod` for a pod without a sandbox: `RunPodSandbox`.
    pub fn sync_pod(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        let Some(Object::Pod(pod)) = ctx.api.get(key).cloned() else {
            return;
        };
        let Some(worker) = self.workers.get_mut(key) else {
            return;
        };
        if worker.sandbox_id.is_some() {
            return;
        }
        let ip = self.pod_cidr.network().to_bits() + self.next_ip;
        self.next_ip += 1;
        let ip = Ipv4Addr::from_bits(ip).to_string();
        let meta = &pod.metadata;
        let (id, latency) = self.runtime.run_pod_sandbox(
            (meta.name.clone(), meta.namespace.clone(), meta.uid.clone()),
            ip.clone(),
            ctx.now,
            ctx.rng,
        );
        worker.sandbox_id = Some(id.clone());
        worker.ip = Some(ip);
        self.cri(
            ctx,
            CriService::RuntimeService,
            "RunPodSandbox",
            json!({
                "config": {
                    "metadata": {"name": meta.name, "uid": meta.uid, "namespace": meta.namespace, "attempt": 0},
                    "hostname": meta.name,
                    "logDirectory": format!("/var/log/pods/{}_{}_{}", meta.namespace, meta.name, meta.uid),
                },
                "runtimeHandler": pod.spec.runtime_class_name.as_deref().unwrap_or(""),
            }),
            json!({"podSandboxId": id}),
        );
        self.report_status(ctx, key, &pod);
        ctx.after(
            latency,
            Task::SandboxCreated {
                node: self.node.clone(),
                pod: key.clone(),
            },
        );
    }

    /// The sandbox is up: `PodSandboxStatus`, then start the containers in order.
    pub fn sandbox_created(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef) {
        let Some(worker) = self.workers.get_mut(key) else {
            return;
        };
        let Some(id) = worker.sandbox_id.clone() else {
            return;
        };
        worker.sandbox_ready = true;
        let response = match self.runtime.pod_sandbox_status(&id) {
            Ok(s) => {
                json!({"status": {"id": s.id, "state": "SANDBOX_READY", "network": {"ip": s.ip}}})
            }
            Err(e) => json!({"error": e.to_string()}),
        };
        self.cri(
            ctx,
            CriService::RuntimeService,
            "PodSandboxStatus",
            json!({"podSandboxId": id}),
            response,
        );
        self.start_container(ctx, key, 0);
    }

    /// `startContainer` for container `index`: image check, pull if needed, create.
    fn start_container(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, index: usize) {
        let Some(Object::Pod(pod)) = ctx.api.get(key).cloned() else {
            return;
        };
        let Some(spec) = pod.spec.containers.get(index) else {
            return;
        };
        let image = spec.image.clone().unwrap_or_default();
        let policy = spec.image_pull_policy.clone().unwrap_or_default();
        let Some(reference) = ImageRef::parse(&image) else {
            self.fail(ctx, key, &pod, index, "InvalidImageName", format!("Failed to apply default image tag {image:?}: couldn't parse image name {image:?}: invalid reference format"));
            return;
        };
        let present = self.runtime.image_status(&reference).map(|i| i.size_bytes);
        self.cri(
            ctx,
            CriService::ImageService,
            "ImageStatus",
            json!({"image": {"image": image}}),
            match present {
                Some(size) => json!({"image": {"id": reference.digest(), "repoTags": [reference.full()], "size": size}}),
                None => json!({"image": null}),
            },
        );
        let needs_pull = match policy.as_str() {
            "Always" => true,
            "Never" => false,
            _ => present.is_none(),
        };
        if !needs_pull && present.is_none() {
            let msg = format!("Container image {image:?} is not present with pull policy of Never");
            self.fail(ctx, key, &pod, index, "ErrImageNeverPull", msg);
            return;
        }
        if !needs_pull {
            let msg = format!(
                "Container image {image:?} already present on machine and can be accessed by the pod"
            );
            ctx.event(
                EventType::Normal,
                key,
                "Pulled",
                msg,
                "kubelet",
                Some(&self.node),
            );
            self.create_container(ctx, key, index);
            return;
        }
        ctx.event(
            EventType::Normal,
            key,
            "Pulling",
            format!("Pulling image {image:?}"),
            "kubelet",
            Some(&self.node),
        );
        if let Some(w) = self
            .workers
            .get_mut(key)
            .and_then(|w| w.containers.get_mut(index))
        {
            w.stage = Stage::Pulling;
        }
        match self.runtime.pull_image(&reference) {
            Ok((image_ref, ms, size)) => {
                self.cri(
                    ctx,
                    CriService::ImageService,
                    "PullImage",
                    json!({"image": {"image": image}}),
                    json!({"imageRef": image_ref}),
                );
                ctx.after(
                    ms,
                    Task::ImagePulled {
                        node: self.node.clone(),
                        pod: key.clone(),
                        container: index,
                        pull_ms: ms,
                        size,
                    },
                );
            }
            Err(e) => {
                self.cri(
                    ctx,
                    CriService::ImageService,
                    "PullImage",
                    json!({"image": {"image": image}}),
                    json!({"error": e.to_string()}),
                );
                let msg = format!("Failed to pull image {image:?}: {e}");
                ctx.event(
                    EventType::Warning,
                    key,
                    "Failed",
                    msg.clone(),
                    "kubelet",
                    Some(&self.node),
                );
                ctx.event(
                    EventType::Warning,
                    key,
                    "Failed",
                    "Error: ErrImagePull".to_owned(),
                    "kubelet",
                    Some(&self.node),
                );
                self.fail(ctx, key, &pod, index, "ErrImagePull", msg);
            }
        }
    }

    /// The image arrived: `Pulled`, then `CreateContainer`.
    pub fn image_pulled(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        index: usize,
        pull_ms: u64,
        size: u64,
    ) {
        let Some(w) = self.workers.get(key).and_then(|w| w.containers.get(index)) else {
            return;
        };
        let d = crate::time::go_duration(pull_ms);
        let msg = format!(
            "Successfully pulled image {:?} in {d} ({d} including waiting). Image size: {size} bytes.",
            w.image
        );
        ctx.event(
            EventType::Normal,
            key,
            "Pulled",
            msg,
            "kubelet",
            Some(&self.node),
        );
        self.create_container(ctx, key, index);
    }

    fn create_container(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, index: usize) {
        let Some(worker) = self.workers.get_mut(key) else {
            return;
        };
        let Some(sandbox) = worker.sandbox_id.clone() else {
            return;
        };
        let Some(c) = worker.containers.get_mut(index) else {
            return;
        };
        let Some(reference) = ImageRef::parse(&c.image) else {
            return;
        };
        let (id, latency) = self.runtime.create_container(
            &sandbox,
            &c.name,
            0,
            reference.clone(),
            ctx.now,
            ctx.rng,
        );
        c.id = Some(id.clone());
        c.stage = Stage::Starting;
        let name = c.name.clone();
        let Some(Object::Pod(pod)) = ctx.api.get(key) else {
            return;
        };
        let log_path = format!("{name}/0.log");
        let request = json!({
            "podSandboxId": sandbox,
            "config": {
                "metadata": {"name": name, "attempt": 0},
                "image": {"image": reference.full()},
                "logPath": log_path,
            },
            "sandboxConfig": {"metadata": {"name": pod.metadata.name, "namespace": pod.metadata.namespace, "uid": pod.metadata.uid}},
        });
        self.cri(
            ctx,
            CriService::RuntimeService,
            "CreateContainer",
            request,
            json!({"containerId": id}),
        );
        ctx.after(
            latency,
            Task::ContainerCreated {
                node: self.node.clone(),
                pod: key.clone(),
                container: index,
            },
        );
    }

    /// Created: event, then `StartContainer`.
    pub fn container_created(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, index: usize) {
        let Some(c) = self
            .workers
            .get(key)
            .and_then(|w| w.containers.get(index))
            .cloned()
        else {
            return;
        };
        let Some(id) = c.id.clone() else { return };
        ctx.event(
            EventType::Normal,
            key,
            "Created",
            format!("Created container: {}", c.name),
            "kubelet",
            Some(&self.node),
        );
        let response = match self.runtime.start_container(&id, ctx.now) {
            Ok(latency) => {
                ctx.after(
                    latency,
                    Task::ContainerStarted {
                        node: self.node.clone(),
                        pod: key.clone(),
                        container: index,
                    },
                );
                json!({})
            }
            Err(e) => json!({"error": e.to_string()}),
        };
        self.cri(
            ctx,
            CriService::RuntimeService,
            "StartContainer",
            json!({"containerId": id}),
            response,
        );
    }

    /// Started: event, then the next container of the pod.
    pub fn container_started(&mut self, ctx: &mut Ctx<'_>, key: &ObjectRef, index: usize) {
        let Some(c) = self
            .workers
            .get_mut(key)
            .and_then(|w| w.containers.get_mut(index))
        else {
            return;
        };
        c.stage = Stage::Running;
        let name = c.name.clone();
        ctx.event(
            EventType::Normal,
            key,
            "Started",
            format!("Started container {name}"),
            "kubelet",
            Some(&self.node),
        );
        self.start_container(ctx, key, index + 1);
    }

    /// Generic PLEG: relist the runtime and report pods whose containers changed state.
    pub fn relist(&mut self, ctx: &mut Ctx<'_>) {
        let running: BTreeMap<String, SimTime> = self
            .runtime
            .list_containers()
            .filter_map(|c| {
                c.started_at
                    .filter(|t| *t <= ctx.now)
                    .map(|t| (c.id.clone(), t))
            })
            .collect();
        let mut changed = Vec::new();
        for (key, worker) in &mut self.workers {
            for c in &mut worker.containers {
                if c.seen_running_at.is_none()
                    && let Some(t) = c.id.as_ref().and_then(|id| running.get(id))
                {
                    c.seen_running_at = Some(*t);
                    changed.push(key.clone());
                }
            }
        }
        changed.dedup();
        for key in changed {
            if let Some(Object::Pod(pod)) = ctx.api.get(&key).cloned() {
                self.report_status(ctx, &key, &pod);
            }
        }
        ctx.after(
            PLEG_RELIST_PERIOD_MS,
            Task::PlegRelist {
                node: self.node.clone(),
            },
        );
    }

    fn fail(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &ObjectRef,
        pod: &Pod,
        index: usize,
        reason: &str,
        message: String,
    ) {
        if let Some(c) = self
            .workers
            .get_mut(key)
            .and_then(|w| w.containers.get_mut(index))
        {
            c.stage = Stage::Failed(reason.to_owned(), message);
        }
        self.report_status(ctx, key, pod);
    }

    /// The status manager: computes the pod's status from what the kubelet knows and writes
    /// it to the API server (`generateAPIPodStatus`).
    fn report_status(&self, ctx: &mut Ctx<'_>, key: &ObjectRef, pod: &Pod) {
        let Some(worker) = self.workers.get(key) else {
            return;
        };
        let mut pod = pod.clone();
        let now = ctx.now.rfc3339();
        let status = &mut pod.status;
        status.start_time.get_or_insert_with(|| now.clone());
        status.host_ip = Some(self.node_ip.clone());
        status.host_ips = vec![PodIp {
            ip: self.node_ip.clone(),
        }];
        if worker.sandbox_ready
            && let Some(ip) = &worker.ip
        {
            status.pod_ip = Some(ip.clone());
            status.pod_ips = vec![PodIp { ip: ip.clone() }];
        }
        pod.status.qos_class = Some(qos::qos_class(&pod).to_owned());
        let statuses: Vec<ContainerStatus> = worker
            .containers
            .iter()
            .map(|c| self.container_status(c, &pod))
            .collect();
        let unready: Vec<String> = statuses
            .iter()
            .filter(|s| !s.ready)
            .map(|s| s.name.clone())
            .collect();
        let all_started = worker
            .containers
            .iter()
            .all(|c| c.seen_running_at.is_some());
        pod.status.container_statuses = statuses;
        pod.status.phase = Some(if all_started { "Running" } else { "Pending" }.to_owned());
        let sandbox = if worker.sandbox_ready {
            "True"
        } else {
            "False"
        };
        let mut conditions = std::mem::take(&mut pod.status.conditions);
        let scheduled = conditions
            .iter()
            .position(|c| c.type_ == "PodScheduled")
            .map(|i| conditions.remove(i));
        pod.status.conditions = conditions;
        set_condition(
            &mut pod,
            "PodReadyToStartContainers",
            sandbox,
            None,
            None,
            now.clone(),
        );
        set_condition(&mut pod, "Initialized", "True", None, None, now.clone());
        let (ready, reason, message) = if unready.is_empty() {
            ("True", None, None)
        } else {
            (
                "False",
                Some("ContainersNotReady"),
                Some(format!(
                    "containers with unready status: [{}]",
                    unready.join(" ")
                )),
            )
        };
        set_condition(
            &mut pod,
            "Ready",
            ready,
            reason,
            message.clone(),
            now.clone(),
        );
        set_condition(&mut pod, "ContainersReady", ready, reason, message, now);
        pod.status.conditions.extend(scheduled);
        let order = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ];
        pod.status.conditions.sort_by_key(|c| {
            order
                .iter()
                .position(|o| *o == c.type_)
                .unwrap_or(order.len())
        });
        if pod.status != PodStatus::default() {
            ctx.api.update(Object::Pod(pod));
        }
    }

    fn container_status(&self, c: &ContainerWorker, pod: &Pod) -> ContainerStatus {
        let spec = pod.spec.containers.iter().find(|s| s.name == c.name);
        let mut s = ContainerStatus {
            name: c.name.clone(),
            image: c.image.clone(),
            started: Some(false),
            ..ContainerStatus::default()
        };
        match (&c.stage, c.seen_running_at) {
            (_, Some(started)) => {
                let reference = ImageRef::parse(&c.image);
                s.state = ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: Some(started.rfc3339()),
                    }),
                    ..ContainerState::default()
                };
                s.ready = spec.is_some_and(|sp| sp.readiness_probe.is_none());
                s.started = Some(true);
                if let Some(r) = reference {
                    s.image = r.full();
                    s.image_id = format!("{}@{}", r.repo(), r.digest());
                }
                s.container_id = c.id.as_ref().map(|id| format!("containerd://{id}"));
            }
            (Stage::Failed(reason, message), None) => {
                s.state.waiting = Some(ContainerStateWaiting {
                    reason: Some(reason.clone()),
                    message: Some(message.clone()),
                });
            }
            (_, None) => {
                s.state.waiting = Some(ContainerStateWaiting {
                    reason: Some("ContainerCreating".to_owned()),
                    message: None,
                });
            }
        }
        s
    }

    fn cri(
        &self,
        ctx: &mut Ctx<'_>,
        service: CriService,
        method: &'static str,
        request: serde_json::Value,
        response: serde_json::Value,
    ) {
        ctx.cri_log.push(CriCall {
            time: ctx.now,
            node: self.node.clone(),
            service,
            method,
            request,
            response,
        });
    }
}

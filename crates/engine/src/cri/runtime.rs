//! A container runtime behind the CRI: pod sandboxes, containers with their processes, and
//! the image store with its layers. One [`Runtime`] serves one node; its [`RuntimeProfile`]
//! (containerd, CRI-O, cri-dockerd) and the configured [`HandlerProfile`]s (runc, kata, runsc)
//! decide the latencies, the memory each sandbox costs and what a handler refuses.
//!
//! The CRI surface is the [`RuntimeService`] and [`ImageService`] traits; the other public
//! methods are the node itself (processes running, answering on ports, the kernel's cgroup
//! counters), which probes, traffic and lab actions reach without the CRI.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::api::*;
use super::fs::FsTree;
use super::host::{ContainerHost, MainProcess, MountPoint, Network};
use super::images::{self, ImageRef};
use super::process::programs::{Program, Run};
use super::process::shell::Shell;
use super::process::{Answer, Process, Signal, Stream};
use super::runtimes::{HandlerProfile, RuntimeProfile};
use crate::time::SimTime;

/// `PodSandboxState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxState {
    /// `SANDBOX_READY`.
    Ready,
    /// `SANDBOX_NOTREADY`.
    NotReady,
}

impl SandboxState {
    /// The protobuf enum name.
    pub fn cri_name(self) -> &'static str {
        match self {
            SandboxState::Ready => "SANDBOX_READY",
            SandboxState::NotReady => "SANDBOX_NOTREADY",
        }
    }
}

/// A pod sandbox: the pause container (or VM, or gVisor sentry) holding the pod's namespaces.
#[derive(Clone, Debug)]
pub struct Sandbox {
    /// 64-hex id.
    pub id: String,
    /// How the kubelet asked for it.
    pub config: PodSandboxConfig,
    /// State.
    pub state: SandboxState,
    /// Pod IP from CNI (the node IP for hostNetwork pods).
    pub ip: String,
    /// When it was created.
    pub created_at: SimTime,
    /// The handler that runs it (`runc`, `kata`, `runsc`).
    pub handler: &'static HandlerProfile,
    /// The handler as the kubelet asked for it (`""` = the default).
    pub runtime_handler: String,
}

/// `ContainerState` of the CRI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// `CONTAINER_CREATED`.
    Created,
    /// `CONTAINER_RUNNING`.
    Running,
    /// `CONTAINER_EXITED`.
    Exited,
}

impl ContainerState {
    /// The protobuf enum name.
    pub fn cri_name(self) -> &'static str {
        match self {
            ContainerState::Created => "CONTAINER_CREATED",
            ContainerState::Running => "CONTAINER_RUNNING",
            ContainerState::Exited => "CONTAINER_EXITED",
        }
    }
}

/// One line of a container's log (`kubectl logs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// When it was written.
    pub time: SimTime,
    /// stdout or stderr.
    pub stream: Stream,
    /// The text.
    pub text: String,
}

/// A container in the runtime.
#[derive(Clone, Debug)]
pub struct RuntimeContainer {
    /// 64-hex id.
    pub id: String,
    /// Sandbox it belongs to.
    pub sandbox_id: String,
    /// How it was created.
    pub config: ContainerConfig,
    /// The parsed image.
    pub image: Option<ImageRef>,
    /// Environment as the process sees it.
    pub env: BTreeMap<String, String>,
    /// State.
    pub state: ContainerState,
    /// Created at.
    pub created_at: SimTime,
    /// Started at.
    pub started_at: Option<SimTime>,
    /// Finished at.
    pub finished_at: Option<SimTime>,
    /// Exit code once exited.
    pub exit_code: i32,
    /// `Completed`, `Error`, `OOMKilled`, `StartError` once exited.
    pub reason: String,
    /// Runtime message (start errors).
    pub message: String,
    /// The main process while it runs.
    pub process: Option<Process>,
    /// The writable layer.
    pub rootfs: FsTree,
    /// Output.
    pub log: Vec<LogLine>,
    /// SIGKILL deadline of a `StopContainer` in progress.
    pub kill_at: Option<SimTime>,
    /// Peak working set seen (bytes).
    pub peak_memory: u64,
    /// The image as the runtime resolved it (`docker.io/library/nginx:1.27`).
    pub image_name: String,
    /// Its id (`docker.io/library/nginx@sha256:…`).
    pub image_id: String,
    /// The runtime's scheme for container ids in pod status (`containerd`, `cri-o`, `docker`).
    pub scheme: &'static str,
}

impl RuntimeContainer {
    /// The `containerID` pod status shows: `containerd://<id>`.
    pub fn uri(&self) -> String {
        format!("{}://{}", self.scheme, self.id)
    }

    /// memory.max in bytes (0 = none).
    pub fn memory_limit(&self) -> u64 {
        self.config.linux.resources.memory_limit_in_bytes.max(0) as u64
    }

    /// The CPU limit in millicores from the CFS quota (0 = none).
    pub fn cpu_limit_millis(&self) -> u64 {
        let r = &self.config.linux.resources;
        if r.cpu_quota <= 0 || r.cpu_period <= 0 {
            0
        } else {
            (r.cpu_quota * 1000 / r.cpu_period) as u64
        }
    }

    /// The restart count it was created with.
    pub fn attempt(&self) -> u32 {
        self.config.metadata.attempt
    }

    /// The `Container` list entry.
    pub fn summary(&self) -> Container {
        Container {
            id: self.id.clone(),
            pod_sandbox_id: self.sandbox_id.clone(),
            metadata: self.config.metadata.clone(),
            image: ImageSpec::of(
                self.image
                    .as_ref()
                    .map(ImageRef::digest)
                    .unwrap_or_default(),
            ),
            image_ref: self.image_id.clone(),
            state: self.state.cri_name(),
            created_at: self.created_at.as_nanos(),
        }
    }
}

/// An image in the node's store.
#[derive(Clone, Debug)]
pub struct StoredImage {
    /// The reference it was pulled as.
    pub reference: ImageRef,
    /// Size in bytes (all its layers).
    pub size_bytes: u64,
    /// Its layers (digest, size).
    pub layers: Vec<(String, u64)>,
    /// The sandbox image is pinned: image garbage collection never removes it.
    pub pinned: bool,
}

impl StoredImage {
    /// The CRI `Image`.
    pub fn to_cri(&self) -> Image {
        Image {
            id: self.reference.digest(),
            repo_tags: vec![self.reference.full()],
            repo_digests: vec![format!(
                "{}@{}",
                self.reference.repo(),
                self.reference.digest()
            )],
            size: self.size_bytes,
            pinned: self.pinned,
        }
    }
}

/// CPU and memory use of a container as the cgroup shows it (what cAdvisor reads for
/// `kubectl top` and the eviction manager).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CgroupStats {
    /// Working set, bytes.
    pub memory_working_set: u64,
    /// CPU in use, millicores.
    pub cpu_millis: u64,
    /// CFS periods elapsed (100 ms each) while running.
    pub nr_periods: u64,
    /// Periods in which the container hit its quota.
    pub nr_throttled: u64,
}

/// CFS period (`QuotaPeriod`, 100 ms, pkg/kubelet/cm/helpers_linux.go).
pub const CFS_PERIOD_MS: u64 = 100;

/// Node-level settings of a runtime: its image file system and the registry link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeDisk {
    /// Capacity of the image file system (bytes).
    pub capacity: u64,
    /// What the OS and everything but images use on it (bytes).
    pub system_used: u64,
    /// Registry download speed (bytes per second).
    pub pull_bytes_per_s: u64,
}

impl Default for NodeDisk {
    fn default() -> Self {
        NodeDisk {
            capacity: 20 * 1024 * 1024 * 1024,
            system_used: 6 * 1024 * 1024 * 1024,
            pull_bytes_per_s: 40_000_000,
        }
    }
}

/// One node's container runtime.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// Which runtime this is.
    pub profile: &'static RuntimeProfile,
    /// Handlers configured (`runtimes.<name>` in containerd's config); the first is the default.
    pub handlers: Vec<&'static HandlerProfile>,
    /// Disk and registry link.
    pub disk: NodeDisk,
    /// The runtime's clock, set by the caller before each call.
    pub now: SimTime,
    /// How long the last call took (ms).
    took_ms: u64,
    node: String,
    ids: u64,
    sandboxes: BTreeMap<String, Sandbox>,
    containers: BTreeMap<String, RuntimeContainer>,
    images: BTreeMap<String, StoredImage>,
}

/// The pod-level things a container's process may touch: the pod's volumes and the network.
pub struct PodEnv<'a> {
    /// Volumes by name.
    pub volumes: &'a mut BTreeMap<String, FsTree>,
    /// DNS and HTTP.
    pub net: &'a dyn Network,
}

impl Runtime {
    /// A runtime for `node` with the given profile and handlers and an empty image store.
    pub fn new(
        node: &str,
        profile: &'static RuntimeProfile,
        handlers: Vec<&'static HandlerProfile>,
        disk: NodeDisk,
    ) -> Runtime {
        // Node images come with the sandbox image pre-pulled (kubeadm's `config images pull`,
        // kind's node image); the runtime pins it so image GC never removes it.
        let mut images = BTreeMap::new();
        if let Some(pause) = ImageRef::parse(crate::kubelet::PAUSE_IMAGE)
            && let Some(entry) = images::lookup(&pause)
        {
            images.insert(
                pause.full(),
                StoredImage {
                    layers: images::layers(&pause, entry),
                    size_bytes: entry.size_bytes,
                    reference: pause,
                    pinned: true,
                },
            );
        }
        Runtime {
            profile,
            handlers,
            disk,
            now: SimTime::ZERO,
            took_ms: 0,
            node: node.to_owned(),
            ids: 0,
            sandboxes: BTreeMap::new(),
            containers: BTreeMap::new(),
            images,
        }
    }

    /// How long the last CRI call took, in milliseconds of simulated time.
    pub fn took_ms(&self) -> u64 {
        self.took_ms
    }

    /// A 64-hex-digit id like the ones containerd generates (derived from the node and a
    /// counter, so runs are reproducible).
    fn new_id(&mut self) -> String {
        self.ids += 1;
        hex::encode(Sha256::digest(format!("{}/{}", self.node, self.ids)))
    }

    fn handler(&self, name: &str) -> Option<&'static HandlerProfile> {
        if name.is_empty() {
            return self.handlers.first().copied();
        }
        self.handlers.iter().copied().find(|h| h.name == name)
    }

    fn sandbox_of(&self, container: &RuntimeContainer) -> Option<&Sandbox> {
        self.sandboxes.get(&container.sandbox_id)
    }

    /// A sandbox (the PLEG's cached view; not a CRI call).
    pub fn sandbox(&self, id: &str) -> Option<&Sandbox> {
        self.sandboxes.get(id)
    }

    /// A container (the PLEG's cached view; not a CRI call).
    pub fn container(&self, id: &str) -> Option<&RuntimeContainer> {
        self.containers.get(id)
    }

    /// Every container, in id order (not a CRI call).
    pub fn containers(&self) -> impl Iterator<Item = &RuntimeContainer> {
        self.containers.values()
    }

    /// Every sandbox, in id order (not a CRI call).
    pub fn sandboxes(&self) -> impl Iterator<Item = &Sandbox> {
        self.sandboxes.values()
    }

    /// Every stored image (not a CRI call).
    pub fn images(&self) -> impl Iterator<Item = &StoredImage> {
        self.images.values()
    }

    /// Records the address CNI gave the sandbox.
    pub fn set_sandbox_ip(&mut self, id: &str, ip: &str) {
        if let Some(sb) = self.sandboxes.get_mut(id) {
            sb.ip = ip.to_owned();
        }
    }

    /// Bytes a pull of `r` would download now: the layers the node does not have.
    pub fn missing_bytes(&self, r: &ImageRef) -> Option<u64> {
        let entry = images::lookup(r)?;
        let have: BTreeSet<&str> = self
            .images
            .values()
            .flat_map(|i| i.layers.iter().map(|(d, _)| d.as_str()))
            .collect();
        Some(
            images::layers(r, entry)
                .iter()
                .filter(|(d, _)| !have.contains(d.as_str()))
                .map(|(_, s)| *s)
                .sum(),
        )
    }

    /// Bytes the image store holds on disk (shared layers counted once).
    pub fn image_bytes(&self) -> u64 {
        let layers: BTreeMap<&str, u64> = self
            .images
            .values()
            .flat_map(|i| i.layers.iter().map(|(d, s)| (d.as_str(), *s)))
            .collect();
        layers.values().sum()
    }

    /// Memory the runtime uses on the node beyond the containers' own: its daemon and, per
    /// sandbox, the shim and the handler's sandbox overhead (pause container, VM, sentry).
    pub fn overhead_bytes(&self) -> u64 {
        self.profile.daemon_memory_bytes
            + self
                .sandboxes
                .values()
                .filter(|s| s.state == SandboxState::Ready)
                .map(|s| self.profile.shim_memory_bytes + s.handler.sandbox_memory_bytes)
                .sum::<u64>()
    }

    /// What one running sandbox of `handler` costs in memory on this runtime.
    pub fn sandbox_overhead(&self, handler: &HandlerProfile) -> u64 {
        self.profile.shim_memory_bytes + handler.sandbox_memory_bytes
    }

    /// When a container next needs a wake-up (its process's timer, an OOM kill, or a stop
    /// deadline).
    pub fn next_event(&self, id: &str, now: SimTime) -> Option<SimTime> {
        self.containers.get(id).and_then(|c| next_event(c, now))
    }

    /// Runs the container's process at `now` if it is due, applying OOM kills and stop
    /// deadlines. Returns when the container next needs a wake-up.
    pub fn wake(&mut self, id: &str, now: SimTime, env: &mut PodEnv<'_>) -> Option<SimTime> {
        let mut c = self.containers.remove(id)?;
        if c.state == ContainerState::Running
            && let Some(mut process) = c.process.take()
        {
            let limit = c.memory_limit();
            let tmpfs = tmpfs_bytes(&c, env);
            c.peak_memory = c.peak_memory.max(process.memory(now) + tmpfs);
            if limit > 0
                && (process.memory(now) + tmpfs > limit
                    || process
                        .memory_exceeds_at(limit.saturating_sub(tmpfs), now)
                        .is_some_and(|t| t <= now))
            {
                // The cgroup's OOM killer (memory.max reached): reason OOMKilled, SIGKILL.
                exit(&mut c, now, 137, "OOMKilled");
            } else if c.kill_at.is_some_and(|t| t <= now) {
                // StopContainer's timeout ran out: SIGKILL.
                exit(&mut c, now, 137, "Error");
            } else {
                let mut out = Vec::new();
                let run = {
                    let mut host = host_for(&mut c, now, env, None);
                    process.wake(&mut host, &mut out)
                };
                push_log(&mut c, now, out);
                // What the run wrote to tmpfs counts at once.
                let tmpfs = tmpfs_bytes(&c, env);
                match run {
                    Run::Exited(code) => exit(
                        &mut c,
                        now,
                        code,
                        if code == 0 { "Completed" } else { "Error" },
                    ),
                    Run::Running(_) if limit > 0 && process.memory(now) + tmpfs > limit => {
                        exit(&mut c, now, 137, "OOMKilled")
                    }
                    Run::Running(_) => c.process = Some(process),
                }
            }
        }
        let next = next_event(&c, now);
        self.containers.insert(id.to_owned(), c);
        next
    }

    /// Makes a running container's process exit now with `code` (a lab action).
    pub fn force_exit(&mut self, id: &str, code: i32, now: SimTime) {
        if let Some(c) = self.containers.get_mut(id)
            && c.state == ContainerState::Running
        {
            exit(c, now, code, if code == 0 { "Completed" } else { "Error" });
        }
    }

    /// How the pod behind `sandbox_id` answers on `port` at `path`: the first running
    /// container listening there.
    pub fn answer(
        &self,
        sandbox_id: &str,
        port: u16,
        path: &str,
        now: SimTime,
        volumes: &BTreeMap<String, FsTree>,
    ) -> Answer {
        for c in self
            .containers
            .values()
            .filter(|c| c.sandbox_id == sandbox_id && c.state == ContainerState::Running)
        {
            let Some(p) = &c.process else { continue };
            let read = |path: &str| read_path(c, volumes, path);
            let a = p.answer(port, path, now, &read, &c.config.hostname);
            if a != Answer::Refused {
                return a;
            }
        }
        Answer::Refused
    }

    /// The gRPC health status a pod serves on `port`.
    pub fn grpc_health(&self, sandbox_id: &str, port: u16) -> Option<&'static str> {
        self.containers
            .values()
            .filter(|c| c.sandbox_id == sandbox_id && c.state == ContainerState::Running)
            .filter_map(|c| c.process.as_ref())
            .find_map(|p| {
                if p.overrides.hung {
                    None
                } else {
                    p.program.grpc_health(port)
                }
            })
    }

    /// The container's cgroup counters at `now` (cAdvisor's view).
    pub fn cgroup_stats(&self, id: &str, now: SimTime) -> Option<CgroupStats> {
        let c = self.containers.get(id)?;
        let p = c
            .process
            .as_ref()
            .filter(|_| c.state == ContainerState::Running)?;
        let demand = p.program.cpu_demand();
        let limit = c.cpu_limit_millis();
        let cpu = if limit > 0 { demand.min(limit) } else { demand };
        let periods = now.millis_since(p.started_at) / CFS_PERIOD_MS;
        Some(CgroupStats {
            memory_working_set: p.memory(now),
            cpu_millis: cpu,
            nr_periods: periods,
            nr_throttled: if limit > 0 && demand > limit {
                periods
            } else {
                0
            },
        })
    }

    /// Mutable access to a container's process (lab actions).
    pub fn process_mut(&mut self, id: &str) -> Option<&mut Process> {
        self.containers.get_mut(id).and_then(|c| c.process.as_mut())
    }

    /// Mutable access to a container's writable layer (lab actions).
    pub fn rootfs_mut(&mut self, id: &str) -> Option<(&mut FsTree, &[MountPoint])> {
        self.containers
            .get_mut(id)
            .map(|c| (&mut c.rootfs, c.config.volume_mounts.as_slice()))
    }

    fn sandbox_status(&self, sb: &Sandbox) -> PodSandboxStatus {
        PodSandboxStatus {
            id: sb.id.clone(),
            metadata: sb.config.metadata.clone(),
            state: sb.state.cri_name(),
            created_at: sb.created_at.as_nanos(),
            network: PodSandboxNetworkStatus { ip: sb.ip.clone() },
            runtime_handler: sb.runtime_handler.clone(),
        }
    }

    fn log_path(&self, c: &RuntimeContainer) -> String {
        let dir = self
            .sandbox_of(c)
            .map(|s| s.config.log_directory.clone())
            .unwrap_or_default();
        format!("{dir}/{}", c.config.log_path)
    }
}

impl RuntimeService for Runtime {
    fn version(&mut self, _req: &VersionRequest) -> CriResult<VersionResponse> {
        self.took_ms = 0;
        Ok(VersionResponse {
            version: "0.1.0".to_owned(),
            runtime_name: self.profile.runtime_name.to_owned(),
            runtime_version: self.profile.version.to_owned(),
            runtime_api_version: "v1".to_owned(),
        })
    }

    fn status(&mut self, _req: &StatusRequest) -> CriResult<StatusResponse> {
        self.took_ms = 0;
        let condition = |t: &str| RuntimeCondition {
            type_: t.to_owned(),
            status: true,
        };
        Ok(StatusResponse {
            status: RuntimeStatus {
                conditions: vec![condition("RuntimeReady"), condition("NetworkReady")],
            },
        })
    }

    fn run_pod_sandbox(&mut self, req: &RunPodSandboxRequest) -> CriResult<RunPodSandboxResponse> {
        self.took_ms = 0;
        let Some(handler) = self.handler(&req.runtime_handler) else {
            let id = self.new_id();
            return Err(CriError::unknown((self.profile.unknown_handler)(
                &req.runtime_handler,
                &id,
            )));
        };
        let host_network = req.config.linux.security_context.namespace_options.network == "NODE";
        if host_network && !handler.host_network {
            return Err(CriError::unknown(format!(
                "{}: host networking is not supported by the {:?} handler",
                self.profile.runtime_name, handler.name
            )));
        }
        let id = self.new_id();
        self.sandboxes.insert(
            id.clone(),
            Sandbox {
                id: id.clone(),
                config: req.config.clone(),
                state: SandboxState::Ready,
                ip: String::new(),
                created_at: self.now,
                handler,
                runtime_handler: req.runtime_handler.clone(),
            },
        );
        self.took_ms = self.profile.sandbox_start_ms + handler.sandbox_start_ms;
        Ok(RunPodSandboxResponse { pod_sandbox_id: id })
    }

    fn stop_pod_sandbox(&mut self, req: &StopPodSandboxRequest) -> CriResult<Empty> {
        self.took_ms = 0;
        let now = self.now;
        let sb = self
            .sandboxes
            .get_mut(&req.pod_sandbox_id)
            .ok_or_else(|| CriError::not_found(&req.pod_sandbox_id))?;
        sb.state = SandboxState::NotReady;
        let handler = sb.handler;
        for c in self
            .containers
            .values_mut()
            .filter(|c| c.sandbox_id == req.pod_sandbox_id)
        {
            if c.state == ContainerState::Running {
                exit(c, now, 137, "Error");
            }
        }
        self.took_ms = self.profile.sandbox_stop_ms + handler.sandbox_stop_ms;
        Ok(Empty {})
    }

    fn remove_pod_sandbox(&mut self, req: &RemovePodSandboxRequest) -> CriResult<Empty> {
        self.took_ms = 0;
        self.sandboxes
            .remove(&req.pod_sandbox_id)
            .ok_or_else(|| CriError::not_found(&req.pod_sandbox_id))?;
        self.containers
            .retain(|_, c| c.sandbox_id != req.pod_sandbox_id);
        Ok(Empty {})
    }

    fn pod_sandbox_status(
        &mut self,
        req: &PodSandboxStatusRequest,
    ) -> CriResult<PodSandboxStatusResponse> {
        self.took_ms = 0;
        let sb = self
            .sandboxes
            .get(&req.pod_sandbox_id)
            .ok_or_else(|| CriError::not_found(&req.pod_sandbox_id))?;
        Ok(PodSandboxStatusResponse {
            status: self.sandbox_status(sb),
        })
    }

    fn list_pod_sandbox(
        &mut self,
        _req: &ListPodSandboxRequest,
    ) -> CriResult<ListPodSandboxResponse> {
        self.took_ms = 0;
        Ok(ListPodSandboxResponse {
            items: self
                .sandboxes
                .values()
                .map(|sb| PodSandbox {
                    id: sb.id.clone(),
                    metadata: sb.config.metadata.clone(),
                    state: sb.state.cri_name(),
                    created_at: sb.created_at.as_nanos(),
                    runtime_handler: sb.runtime_handler.clone(),
                })
                .collect(),
        })
    }

    fn create_container(
        &mut self,
        req: &CreateContainerRequest,
    ) -> CriResult<CreateContainerResponse> {
        self.took_ms = 0;
        let handler = self
            .sandboxes
            .get(&req.pod_sandbox_id)
            .ok_or_else(|| CriError::not_found(&req.pod_sandbox_id))?
            .handler;
        let config = req.config.clone();
        // The kubelet passes the image id it resolved, and the pod's own words beside it.
        let image = self
            .images
            .values()
            .find(|i| i.reference.digest() == config.image.image)
            .map(|i| i.reference.clone())
            .or_else(|| ImageRef::parse(&config.image.user_specified_image))
            .or_else(|| ImageRef::parse(&config.image.image));
        let mut rootfs = image
            .as_ref()
            .map(images::root_filesystem)
            .unwrap_or_default();
        for (path, content) in &config.files {
            rootfs.put(path, content.clone());
        }
        let (image_name, image_id) = image
            .as_ref()
            .map(|r| (r.full(), format!("{}@{}", r.repo(), r.digest())))
            .unwrap_or_default();
        let id = self.new_id();
        self.containers.insert(
            id.clone(),
            RuntimeContainer {
                id: id.clone(),
                sandbox_id: req.pod_sandbox_id.clone(),
                env: config.env_map(),
                image,
                config,
                state: ContainerState::Created,
                created_at: self.now,
                started_at: None,
                finished_at: None,
                exit_code: 0,
                reason: String::new(),
                message: String::new(),
                process: None,
                rootfs,
                log: Vec::new(),
                kill_at: None,
                peak_memory: 0,
                image_name,
                image_id,
                scheme: self.profile.scheme,
            },
        );
        self.took_ms = self.profile.container_create_ms + handler.container_create_ms;
        Ok(CreateContainerResponse { container_id: id })
    }

    fn start_container(
        &mut self,
        req: &StartContainerRequest,
        env: &mut PodEnv<'_>,
    ) -> CriResult<Empty> {
        self.took_ms = 0;
        let now = self.now;
        let mut c = self
            .containers
            .remove(&req.container_id)
            .ok_or_else(|| CriError::not_found(&req.container_id))?;
        let handler = self.sandbox_of(&c).map(|s| s.handler);
        let program = match &c.image {
            Some(image) => Program::resolve(image, &c.config.command, &c.config.args),
            None => Err(super::process::programs::StartFailure(
                "no image".to_owned(),
            )),
        };
        let result = match program {
            Err(e) => {
                c.started_at = None;
                c.finished_at = Some(now);
                c.state = ContainerState::Exited;
                c.exit_code = 128;
                c.reason = "StartError".to_owned();
                c.message = e.0.clone();
                Err(CriError::unknown(e.0))
            }
            Ok(program) => {
                c.state = ContainerState::Running;
                c.started_at = Some(now);
                let mut out = Vec::new();
                let (process, run) = {
                    let mut host = host_for(&mut c, now, env, None);
                    Process::start(program, &mut host, &mut out)
                };
                push_log(&mut c, now, out);
                c.process = Some(process);
                if let Run::Exited(code) = run {
                    exit(
                        &mut c,
                        now,
                        code,
                        if code == 0 { "Completed" } else { "Error" },
                    );
                }
                Ok(Empty {})
            }
        };
        self.containers.insert(req.container_id.clone(), c);
        self.took_ms =
            self.profile.container_start_ms + handler.map_or(0, |h| h.container_start_ms);
        result
    }

    fn stop_container(&mut self, req: &StopContainerRequest) -> CriResult<Empty> {
        self.took_ms = 0;
        let now = self.now;
        let c = self
            .containers
            .get_mut(&req.container_id)
            .ok_or_else(|| CriError::not_found(&req.container_id))?;
        if c.state == ContainerState::Running {
            let kill_at = now.plus_millis(req.timeout.max(0) as u64 * 1000);
            c.kill_at = Some(c.kill_at.map_or(kill_at, |t| t.min(kill_at)));
            if let Some(p) = c.process.as_mut() {
                p.signal(Signal::Term, now);
            }
        }
        Ok(Empty {})
    }

    fn remove_container(&mut self, req: &RemoveContainerRequest) -> CriResult<Empty> {
        self.took_ms = 0;
        self.containers
            .remove(&req.container_id)
            .map(|_| Empty {})
            .ok_or_else(|| CriError::not_found(&req.container_id))
    }

    fn list_containers(
        &mut self,
        _req: &ListContainersRequest,
    ) -> CriResult<ListContainersResponse> {
        self.took_ms = 0;
        Ok(ListContainersResponse {
            containers: self
                .containers
                .values()
                .map(RuntimeContainer::summary)
                .collect(),
        })
    }

    fn container_status(
        &mut self,
        req: &ContainerStatusRequest,
    ) -> CriResult<ContainerStatusResponse> {
        self.took_ms = 0;
        let c = self
            .containers
            .get(&req.container_id)
            .ok_or_else(|| CriError::not_found(&req.container_id))?;
        let ns = |t: Option<SimTime>| t.map_or(0, SimTime::as_nanos);
        Ok(ContainerStatusResponse {
            status: ContainerStatus {
                id: c.id.clone(),
                metadata: c.config.metadata.clone(),
                state: c.state.cri_name(),
                created_at: c.created_at.as_nanos(),
                started_at: ns(c.started_at),
                finished_at: ns(c.finished_at),
                exit_code: c.exit_code,
                image: ImageSpec::of(c.image_name.clone()),
                image_ref: c.image_id.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                log_path: self.log_path(c),
            },
        })
    }

    fn exec_sync(
        &mut self,
        req: &ExecSyncRequest,
        env: &mut PodEnv<'_>,
    ) -> CriResult<ExecSyncResponse> {
        self.took_ms = 0;
        let now = self.now;
        let id = &req.container_id;
        let mut c = self
            .containers
            .remove(id)
            .ok_or_else(|| CriError::not_found(id))?;
        if c.state != ContainerState::Running {
            self.containers.insert(id.clone(), c);
            return Err(CriError::unknown(format!(
                "container {id} is not running: failed precondition"
            )));
        }
        let main = c.process.as_ref().map(|p| MainProcess {
            comm: p.program.comm().to_owned(),
            exits_at: None,
            term_exit: p.exit_after_term(now).map(|t| t.millis_since(now)),
        });
        let budget = if req.timeout > 0 {
            req.timeout as u64 * 1000
        } else {
            3_600_000
        };
        let (result, signals) = {
            let mut host = host_for(&mut c, now, env, main);
            let r = Shell::exec(&req.cmd, &mut host, budget);
            (r, std::mem::take(&mut host.signals))
        };
        if let Some(p) = c.process.as_mut() {
            for s in signals {
                p.signal(s, now);
            }
        }
        self.containers.insert(id.clone(), c);
        self.took_ms = result.elapsed_ms;
        if result.timed_out {
            return Err(CriError {
                code: Code::DeadlineExceeded,
                desc: format!(
                    "failed to exec in container: timeout {}s exceeded: context deadline exceeded",
                    req.timeout
                ),
            });
        }
        Ok(ExecSyncResponse {
            stdout: result.stdout,
            stderr: result.stderr,
            exit_code: result.exit_code,
        })
    }

    fn update_container_resources(
        &mut self,
        req: &UpdateContainerResourcesRequest,
    ) -> CriResult<Empty> {
        self.took_ms = 0;
        let c = self
            .containers
            .get_mut(&req.container_id)
            .ok_or_else(|| CriError::not_found(&req.container_id))?;
        c.config.linux.resources = req.linux.clone();
        Ok(Empty {})
    }

    fn container_stats(
        &mut self,
        req: &ContainerStatsRequest,
    ) -> CriResult<ContainerStatsResponse> {
        self.took_ms = 0;
        let now = self.now;
        let c = self
            .containers
            .get(&req.container_id)
            .ok_or_else(|| CriError::not_found(&req.container_id))?;
        let s = self.cgroup_stats(&c.id, now).unwrap_or_default();
        let running_ms = c
            .started_at
            .map_or(0, |t| c.finished_at.unwrap_or(now).millis_since(t));
        Ok(ContainerStatsResponse {
            stats: ContainerStats {
                attributes: ContainerAttributes {
                    id: c.id.clone(),
                    metadata: c.config.metadata.clone(),
                },
                cpu: CpuUsage {
                    timestamp: now.as_nanos(),
                    usage_core_nano_seconds: s.cpu_millis * running_ms * 1000,
                    usage_nano_cores: s.cpu_millis * 1_000_000,
                },
                memory: MemoryUsage {
                    timestamp: now.as_nanos(),
                    working_set_bytes: s.memory_working_set,
                },
            },
        })
    }
}

impl ImageService for Runtime {
    fn list_images(&mut self, _req: &ListImagesRequest) -> CriResult<ListImagesResponse> {
        self.took_ms = 0;
        Ok(ListImagesResponse {
            images: self.images.values().map(StoredImage::to_cri).collect(),
        })
    }

    fn image_status(&mut self, req: &ImageStatusRequest) -> CriResult<ImageStatusResponse> {
        self.took_ms = 0;
        let image = ImageRef::parse(&req.image.image)
            .and_then(|r| self.images.get(&r.full()))
            .map(StoredImage::to_cri);
        Ok(ImageStatusResponse { image })
    }

    fn pull_image(&mut self, req: &PullImageRequest) -> CriResult<PullImageResponse> {
        self.took_ms = 0;
        let r = ImageRef::parse(&req.image.image).ok_or_else(|| CriError {
            code: Code::InvalidArgument,
            desc: format!("invalid reference format: {:?}", req.image.image),
        })?;
        let entry = images::lookup(&r).ok_or_else(|| {
            let full = r.full();
            CriError::unknown(format!(
                "failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
            ))
        })?;
        let missing = self.missing_bytes(&r).unwrap_or(entry.size_bytes);
        self.took_ms = (missing * 1000 / self.disk.pull_bytes_per_s.max(1)).max(1);
        let pinned = r.repo() == "registry.k8s.io/pause";
        self.images.insert(
            r.full(),
            StoredImage {
                layers: images::layers(&r, entry),
                size_bytes: entry.size_bytes,
                reference: r.clone(),
                pinned,
            },
        );
        Ok(PullImageResponse {
            image_ref: r.digest(),
        })
    }

    fn remove_image(&mut self, req: &RemoveImageRequest) -> CriResult<Empty> {
        self.took_ms = 0;
        let by_id = self
            .images
            .iter()
            .find(|(_, i)| i.reference.digest() == req.image.image)
            .map(|(k, _)| k.clone());
        let key = by_id
            .or_else(|| ImageRef::parse(&req.image.image).map(|r| r.full()))
            .unwrap_or_default();
        // Removing an image that is not there succeeds (the CRI's RemoveImage is idempotent).
        self.images.remove(&key);
        Ok(Empty {})
    }

    fn image_fs_info(&mut self, _req: &ImageFsInfoRequest) -> CriResult<ImageFsInfoResponse> {
        self.took_ms = 0;
        let writable: u64 = self.containers.values().map(|c| c.rootfs.bytes()).sum();
        Ok(ImageFsInfoResponse {
            image_filesystems: vec![FilesystemUsage {
                timestamp: self.now.as_nanos(),
                mountpoint: self.profile.image_fs_mountpoint.to_owned(),
                used_bytes: self.disk.system_used + self.image_bytes() + writable,
                capacity_bytes: self.disk.capacity,
            }],
        })
    }
}

fn host_for<'a>(
    c: &'a mut RuntimeContainer,
    now: SimTime,
    env: &'a mut PodEnv<'_>,
    main: Option<MainProcess>,
) -> ContainerHost<'a> {
    ContainerHost {
        now,
        rootfs: &mut c.rootfs,
        volumes: env.volumes,
        mounts: &c.config.volume_mounts,
        env: &c.env,
        hostname: &c.config.hostname,
        net: env.net,
        main,
        signals: Vec::new(),
    }
}

/// Reads a file through a container's mounts (for servers answering requests).
fn read_path(
    c: &RuntimeContainer,
    volumes: &BTreeMap<String, FsTree>,
    path: &str,
) -> Option<String> {
    let norm = format!("/{}", super::fs::normalize(path));
    let mount = c
        .config
        .volume_mounts
        .iter()
        .filter(|m| {
            let mp = format!("/{}", super::fs::normalize(&m.container_path));
            norm == mp || norm.starts_with(&format!("{}/", mp.trim_end_matches('/')))
        })
        .max_by_key(|m| m.container_path.len());
    match mount {
        Some(m) => {
            let mp = format!("/{}", super::fs::normalize(&m.container_path));
            let rest = norm.strip_prefix(&mp).unwrap_or_default();
            volumes
                .get(&m.volume)?
                .read(&format!("{}/{}", m.sub_path, rest))
                .ok()
        }
        None => c.rootfs.read(&norm).ok(),
    }
}

/// Bytes in the container's memory-backed volumes (tmpfs counts against `memory.max`).
fn tmpfs_bytes(c: &RuntimeContainer, env: &PodEnv<'_>) -> u64 {
    c.config
        .memory_volumes
        .iter()
        .filter_map(|v| env.volumes.get(v))
        .map(FsTree::bytes)
        .sum()
}

fn push_log(c: &mut RuntimeContainer, now: SimTime, out: Vec<(Stream, String)>) {
    c.log.extend(out.into_iter().map(|(stream, text)| LogLine {
        time: now,
        stream,
        text,
    }));
    let excess = c.log.len().saturating_sub(1000);
    if excess > 0 {
        c.log.drain(..excess);
    }
}

fn exit(c: &mut RuntimeContainer, now: SimTime, code: i32, reason: &str) {
    c.state = ContainerState::Exited;
    c.finished_at = Some(now);
    c.exit_code = code;
    c.reason = reason.to_owned();
    c.process = None;
    c.kill_at = None;
}

fn next_event(c: &RuntimeContainer, now: SimTime) -> Option<SimTime> {
    if c.state != ContainerState::Running {
        return None;
    }
    let p = c.process.as_ref()?;
    let oom = (c.memory_limit() > 0)
        .then(|| p.memory_exceeds_at(c.memory_limit(), now))
        .flatten();
    [p.next_event(), oom, c.kill_at].into_iter().flatten().min()
}

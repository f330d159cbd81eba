//! A container runtime's state behind the CRI (containerd with the runc handler): pod
//! sandboxes, containers with their processes, and the image store.

use std::collections::BTreeMap;

use super::fs::FsTree;
use super::host::{ContainerHost, MainProcess, MountPoint, Network};
use super::images::{self, ImageRef};
use super::process::programs::{Program, Run};
use super::process::shell::{ExecResult, Shell};
use super::process::{Answer, Process, Signal, Stream};
use crate::rng::SimRng;
use crate::time::SimTime;

/// How long runtime operations take. Figures are order-of-magnitude values for containerd +
/// runc on a small VM (cri-tools `critest --benchmark` runs report sandbox start in the low
/// hundreds of milliseconds and container create/start in tens); the CRI work calibrates them
/// per runtime and handler.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeParams {
    /// `RunPodSandbox`: pause container + network namespace + CNI ADD.
    pub sandbox_start_ms: u64,
    /// `StopPodSandbox`: CNI DEL + stopping the pause container.
    pub sandbox_stop_ms: u64,
    /// `CreateContainer`.
    pub container_create_ms: u64,
    /// `StartContainer`.
    pub container_start_ms: u64,
    /// Registry download speed in bytes per second.
    pub pull_bytes_per_s: u64,
    /// `version` reported by the runtime (`containerd://2.1.4`).
    pub version: &'static str,
}

impl Default for RuntimeParams {
    fn default() -> Self {
        RuntimeParams {
            sandbox_start_ms: 250,
            sandbox_stop_ms: 60,
            container_create_ms: 40,
            container_start_ms: 60,
            pull_bytes_per_s: 40_000_000,
            version: "containerd://2.1.4",
        }
    }
}

/// `PodSandboxState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxState {
    /// `SANDBOX_READY`.
    Ready,
    /// `SANDBOX_NOTREADY`.
    NotReady,
}

/// A pod sandbox: the pause container holding the pod's network namespace.
#[derive(Clone, Debug)]
pub struct Sandbox {
    /// 64-hex id.
    pub id: String,
    /// Pod name, namespace, uid.
    pub pod: (String, String, String),
    /// Attempt (how many sandboxes the pod had before).
    pub attempt: u32,
    /// State.
    pub state: SandboxState,
    /// Pod IP from CNI (the node IP for hostNetwork pods).
    pub ip: String,
    /// When it was created.
    pub created_at: SimTime,
    /// The RuntimeClass handler (`""` = default).
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

/// What `CreateContainer` is given (the parts of `ContainerConfig` we model).
#[derive(Clone, Debug, Default)]
pub struct ContainerConfig {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.attempt` (the restart count).
    pub attempt: u32,
    /// Image.
    pub image: Option<ImageRef>,
    /// `command` (overrides the entrypoint).
    pub command: Vec<String>,
    /// `args`.
    pub args: Vec<String>,
    /// `envs`.
    pub envs: BTreeMap<String, String>,
    /// `mounts`.
    pub mounts: Vec<MountPoint>,
    /// `log_path` relative to the sandbox's log directory.
    pub log_path: String,
    /// `linux.resources.memory_limit_in_bytes` (0 = none).
    pub memory_limit: u64,
    /// CPU limit in millicores (0 = none): `cpu_quota = limit * cpu_period / 1000`.
    pub cpu_limit_millis: u64,
    /// `linux.resources.oom_score_adj`.
    pub oom_score_adj: i64,
    /// Pod hostname (for the process's view).
    pub hostname: String,
    /// Mounted `emptyDir` volumes with `medium: Memory`: their files live in tmpfs and count
    /// against the container's memory limit.
    pub memory_volumes: Vec<String>,
    /// Files the kubelet bind-mounts into every container (`/etc/hosts`, `/etc/resolv.conf`,
    /// `/etc/hostname`, `/dev/termination-log`).
    pub files: Vec<(String, String)>,
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
}

/// An image in the node's store.
#[derive(Clone, Debug)]
pub struct StoredImage {
    /// The reference it was pulled as.
    pub reference: ImageRef,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// Why the runtime refused a call; the text is what the runtime returns over gRPC.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    /// The registry does not have the image.
    #[error(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": {0}: not found"
    )]
    ImageNotFound(String),
    /// No such sandbox or container.
    #[error(
        "rpc error: code = NotFound desc = an error occurred when try to find container {0:?}: not found"
    )]
    NotFound(String),
    /// runc could not start the process.
    #[error("rpc error: code = Unknown desc = {0}")]
    Start(String),
}

/// CPU and memory use of a container (`ContainerStats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContainerStats {
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

/// One node's container runtime.
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    /// Latencies and version.
    pub params: RuntimeParams,
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
    /// A runtime with the given parameters and an empty image store.
    pub fn new(params: RuntimeParams) -> Runtime {
        Runtime {
            params,
            ..Runtime::default()
        }
    }

    /// `RunPodSandbox`: creates a ready sandbox with `ip`; returns its id.
    pub fn run_pod_sandbox(
        &mut self,
        pod: (String, String, String),
        attempt: u32,
        ip: String,
        handler: &str,
        now: SimTime,
        rng: &mut SimRng,
    ) -> String {
        let id = random_id(rng);
        self.sandboxes.insert(
            id.clone(),
            Sandbox {
                id: id.clone(),
                pod,
                attempt,
                state: SandboxState::Ready,
                ip,
                created_at: now,
                runtime_handler: handler.to_owned(),
            },
        );
        id
    }

    /// `StopPodSandbox`: the sandbox becomes NOTREADY (its network is torn down); any
    /// container still running is killed.
    pub fn stop_pod_sandbox(&mut self, id: &str, now: SimTime) -> Result<(), RuntimeError> {
        let sb = self
            .sandboxes
            .get_mut(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))?;
        sb.state = SandboxState::NotReady;
        for c in self.containers.values_mut().filter(|c| c.sandbox_id == id) {
            if c.state == ContainerState::Running {
                exit(c, now, 137, "Error");
            }
        }
        Ok(())
    }

    /// `RemovePodSandbox`: removes the sandbox and its containers.
    pub fn remove_pod_sandbox(&mut self, id: &str) -> Result<(), RuntimeError> {
        self.sandboxes
            .remove(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))?;
        self.containers.retain(|_, c| c.sandbox_id != id);
        Ok(())
    }

    /// Records the address CNI gave the sandbox.
    pub fn set_sandbox_ip(&mut self, id: &str, ip: &str) {
        if let Some(sb) = self.sandboxes.get_mut(id) {
            sb.ip = ip.to_owned();
        }
    }

    /// When a container next needs a wake-up (its process's timer, an OOM kill, or a stop
    /// deadline).
    pub fn next_event(&self, id: &str, now: SimTime) -> Option<SimTime> {
        self.containers.get(id).and_then(|c| next_event(c, now))
    }

    /// `PodSandboxStatus`.
    pub fn pod_sandbox_status(&self, id: &str) -> Result<&Sandbox, RuntimeError> {
        self.sandboxes
            .get(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))
    }

    /// `ImageStatus`: the stored image, or `None` (the CRI's nil image).
    pub fn image_status(&self, r: &ImageRef) -> Option<&StoredImage> {
        self.images.get(&r.full())
    }

    /// `PullImage`: downloads from the catalog; returns the image ref (digest), the duration
    /// and the size.
    pub fn pull_image(&mut self, r: &ImageRef) -> Result<(String, u64, u64), RuntimeError> {
        let entry = images::lookup(r).ok_or_else(|| RuntimeError::ImageNotFound(r.full()))?;
        let ms = entry.size_bytes * 1000 / self.params.pull_bytes_per_s.max(1);
        self.images.insert(
            r.full(),
            StoredImage {
                reference: r.clone(),
                size_bytes: entry.size_bytes,
            },
        );
        Ok((r.digest(), ms.max(1), entry.size_bytes))
    }

    /// `CreateContainer`: the container exists in `CONTAINER_CREATED` with the image's files.
    pub fn create_container(
        &mut self,
        sandbox_id: &str,
        config: ContainerConfig,
        now: SimTime,
        rng: &mut SimRng,
    ) -> String {
        let id = random_id(rng);
        let mut rootfs = config
            .image
            .as_ref()
            .map(images::root_filesystem)
            .unwrap_or_default();
        for (path, content) in &config.files {
            rootfs.put(path, content.clone());
        }
        let (image_name, image_id) = config
            .image
            .as_ref()
            .map(|r| (r.full(), format!("{}@{}", r.repo(), r.digest())))
            .unwrap_or_default();
        self.containers.insert(
            id.clone(),
            RuntimeContainer {
                id: id.clone(),
                sandbox_id: sandbox_id.to_owned(),
                config,
                state: ContainerState::Created,
                created_at: now,
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
            },
        );
        id
    }

    /// `StartContainer`: starts the main process now. A missing executable fails like runc
    /// (`StartError`, exit code 128).
    pub fn start_container(
        &mut self,
        id: &str,
        now: SimTime,
        env: &mut PodEnv<'_>,
    ) -> Result<(), RuntimeError> {
        let mut c = self
            .containers
            .remove(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))?;
        let program = match &c.config.image {
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
                Err(RuntimeError::Start(e.0))
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
                Ok(())
            }
        };
        self.containers.insert(id.to_owned(), c);
        result
    }

    /// Runs the container's process at `now` if it is due, applying OOM kills and stop
    /// deadlines. Returns when the container next needs a wake-up.
    pub fn wake(&mut self, id: &str, now: SimTime, env: &mut PodEnv<'_>) -> Option<SimTime> {
        let mut c = self.containers.remove(id)?;
        if c.state == ContainerState::Running
            && let Some(mut process) = c.process.take()
        {
            let limit = c.config.memory_limit;
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

    /// `StopContainer`: sends the stop signal; returns when the container will have stopped
    /// (its own exit, or the SIGKILL after `timeout_s`).
    pub fn stop_container(&mut self, id: &str, timeout_s: i64, now: SimTime) -> Option<SimTime> {
        let c = self.containers.get_mut(id)?;
        if c.state != ContainerState::Running {
            return Some(now);
        }
        let kill_at = now.plus_millis(timeout_s.max(0) as u64 * 1000);
        c.kill_at = Some(c.kill_at.map_or(kill_at, |t| t.min(kill_at)));
        if let Some(p) = c.process.as_mut() {
            p.signal(Signal::Term, now);
        }
        next_event(c, now)
    }

    /// Makes a running container's process exit now with `code` (a lab action).
    pub fn force_exit(&mut self, id: &str, code: i32, now: SimTime) {
        if let Some(c) = self.containers.get_mut(id)
            && c.state == ContainerState::Running
        {
            exit(c, now, code, if code == 0 { "Completed" } else { "Error" });
        }
    }

    /// `RemoveContainer`.
    pub fn remove_container(&mut self, id: &str) -> Result<(), RuntimeError> {
        self.containers
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))
    }

    /// `ExecSync`: runs `argv` in the container, at most `timeout_s` seconds.
    pub fn exec_sync(
        &mut self,
        id: &str,
        argv: &[String],
        timeout_s: i64,
        now: SimTime,
        env: &mut PodEnv<'_>,
    ) -> Result<ExecResult, RuntimeError> {
        let mut c = self
            .containers
            .remove(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))?;
        if c.state != ContainerState::Running {
            self.containers.insert(id.to_owned(), c);
            return Err(RuntimeError::NotFound(id.to_owned()));
        }
        let main = c.process.as_ref().map(|p| MainProcess {
            comm: p.program.comm().to_owned(),
            exits_at: None,
            term_exit: p.exit_after_term(now).map(|t| t.millis_since(now)),
        });
        let budget = if timeout_s > 0 {
            timeout_s as u64 * 1000
        } else {
            3_600_000
        };
        let (result, signals) = {
            let mut host = host_for(&mut c, now, env, main);
            let r = Shell::exec(argv, &mut host, budget);
            (r, std::mem::take(&mut host.signals))
        };
        if let Some(p) = c.process.as_mut() {
            for s in signals {
                p.signal(s, now);
            }
        }
        self.containers.insert(id.to_owned(), c);
        Ok(result)
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

    /// `ContainerStats` at `now`.
    pub fn container_stats(&self, id: &str, now: SimTime) -> Option<ContainerStats> {
        let c = self.containers.get(id)?;
        let p = c
            .process
            .as_ref()
            .filter(|_| c.state == ContainerState::Running)?;
        let demand = p.program.cpu_demand();
        let limit = c.config.cpu_limit_millis;
        let cpu = if limit > 0 { demand.min(limit) } else { demand };
        let periods = now.millis_since(p.started_at) / CFS_PERIOD_MS;
        Some(ContainerStats {
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
            .map(|c| (&mut c.rootfs, c.config.mounts.as_slice()))
    }

    /// `ContainerStatus`.
    pub fn container_status(&self, id: &str) -> Result<&RuntimeContainer, RuntimeError> {
        self.containers
            .get(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))
    }

    /// `ListContainers`, in id order.
    pub fn list_containers(&self) -> impl Iterator<Item = &RuntimeContainer> {
        self.containers.values()
    }

    /// `ListPodSandbox`, in id order.
    pub fn list_pod_sandbox(&self) -> impl Iterator<Item = &Sandbox> {
        self.sandboxes.values()
    }

    /// `ListImages`.
    pub fn list_images(&self) -> impl Iterator<Item = &StoredImage> {
        self.images.values()
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
        mounts: &c.config.mounts,
        env: &c.config.envs,
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
        .mounts
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
    let oom = (c.config.memory_limit > 0)
        .then(|| p.memory_exceeds_at(c.config.memory_limit, now))
        .flatten();
    [p.next_event(), oom, c.kill_at].into_iter().flatten().min()
}

/// A 64-hex-digit id as containerd generates for sandboxes and containers.
fn random_id(rng: &mut SimRng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

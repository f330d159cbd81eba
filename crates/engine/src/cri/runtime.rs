//! A container runtime's state behind the CRI (containerd with the runc handler in this
//! slice): pod sandboxes, containers and the image store, with the latency of each call.

use std::collections::BTreeMap;

use super::images::{self, ImageRef};
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

/// A pod sandbox.
#[derive(Clone, Debug)]
pub struct Sandbox {
    /// 64-hex id.
    pub id: String,
    /// Pod name, namespace, uid.
    pub pod: (String, String, String),
    /// State.
    pub state: SandboxState,
    /// Pod IP from CNI.
    pub ip: String,
    /// When it was created.
    pub created_at: SimTime,
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

/// A container in the runtime.
#[derive(Clone, Debug)]
pub struct RuntimeContainer {
    /// 64-hex id.
    pub id: String,
    /// Sandbox it belongs to.
    pub sandbox_id: String,
    /// Container name.
    pub name: String,
    /// Restart attempt.
    pub attempt: u32,
    /// Image reference.
    pub image: ImageRef,
    /// State.
    pub state: ContainerState,
    /// Created at.
    pub created_at: SimTime,
    /// Started at.
    pub started_at: Option<SimTime>,
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
}

/// One node's container runtime.
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    /// Latencies and version.
    pub params: RuntimeParams,
    sandboxes: BTreeMap<String, Sandbox>,
    containers: BTreeMap<String, RuntimeContainer>,
    images: BTreeMap<String, StoredImage>,
}

impl Runtime {
    /// A runtime with the given parameters and an empty image store.
    pub fn new(params: RuntimeParams) -> Runtime {
        Runtime {
            params,
            ..Runtime::default()
        }
    }

    /// `RunPodSandbox`: creates a ready sandbox with `ip`; returns its id and how long it took.
    pub fn run_pod_sandbox(
        &mut self,
        pod: (String, String, String),
        ip: String,
        now: SimTime,
        rng: &mut SimRng,
    ) -> (String, u64) {
        let id = random_id(rng);
        let latency = self.params.sandbox_start_ms;
        self.sandboxes.insert(
            id.clone(),
            Sandbox {
                id: id.clone(),
                pod,
                state: SandboxState::Ready,
                ip,
                created_at: now.plus_millis(latency),
            },
        );
        (id, latency)
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

    /// `PullImage`: downloads from the catalog; returns the image ref (digest) and duration.
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

    /// `CreateContainer`.
    pub fn create_container(
        &mut self,
        sandbox_id: &str,
        name: &str,
        attempt: u32,
        image: ImageRef,
        now: SimTime,
        rng: &mut SimRng,
    ) -> (String, u64) {
        let id = random_id(rng);
        let latency = self.params.container_create_ms;
        self.containers.insert(
            id.clone(),
            RuntimeContainer {
                id: id.clone(),
                sandbox_id: sandbox_id.to_owned(),
                name: name.to_owned(),
                attempt,
                image,
                state: ContainerState::Created,
                created_at: now.plus_millis(latency),
                started_at: None,
            },
        );
        (id, latency)
    }

    /// `StartContainer`: the container runs from `now + latency`.
    pub fn start_container(&mut self, id: &str, now: SimTime) -> Result<u64, RuntimeError> {
        let latency = self.params.container_start_ms;
        let c = self
            .containers
            .get_mut(id)
            .ok_or_else(|| RuntimeError::NotFound(id.to_owned()))?;
        c.state = ContainerState::Running;
        c.started_at = Some(now.plus_millis(latency));
        Ok(latency)
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

/// A 64-hex-digit id as containerd generates for sandboxes and containers.
fn random_id(rng: &mut SimRng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

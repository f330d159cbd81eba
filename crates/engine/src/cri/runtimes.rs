//! The container runtimes and RuntimeClass handlers a node can run, with the figures that
//! make them differ. Memory figures come from published measurements and manifests (each
//! cites its source). No authoritative published comparison of sandbox start latency across
//! containerd, CRI-O and cri-dockerd exists, so those latencies are labelled estimates: round
//! figures for a small VM with a warm page cache, excluding image pulls, ordered as the
//! architecture implies (an extra daemon hop for cri-dockerd, a VM boot for Kata, the Sentry
//! for gVisor).

/// A CRI implementation: the daemon the kubelet's `--container-runtime-endpoint` points at.
#[derive(Debug)]
pub struct RuntimeProfile {
    /// The Lab's name for it (`containerd`, `cri-o`, `cri-dockerd`).
    pub name: &'static str,
    /// `VersionResponse.runtime_name`.
    pub runtime_name: &'static str,
    /// `VersionResponse.runtime_version`.
    pub version: &'static str,
    /// Scheme of `containerID` in pod status and of `nodeInfo.containerRuntimeVersion`.
    pub scheme: &'static str,
    /// The daemon's log name in the node journal.
    pub daemon: &'static str,
    /// Unix socket the kubelet dials.
    pub endpoint: &'static str,
    /// Memory the daemon itself uses (bytes).
    pub daemon_memory_bytes: u64,
    /// Memory of the per-sandbox shim / monitor process (bytes).
    pub shim_memory_bytes: u64,
    /// `RunPodSandbox` without the handler's own part (ms).
    pub sandbox_start_ms: u64,
    /// `StopPodSandbox` (ms).
    pub sandbox_stop_ms: u64,
    /// `CreateContainer` (ms).
    pub container_create_ms: u64,
    /// `StartContainer` without the handler's own part (ms).
    pub container_start_ms: u64,
    /// `ImageFsInfo` mount point.
    pub image_fs_mountpoint: &'static str,
    /// Handlers this runtime can be configured with.
    pub supports: &'static [&'static str],
    /// The error `RunPodSandbox` returns for a handler that is not configured (given the
    /// handler and the id the sandbox would have had).
    pub unknown_handler: fn(&str, &str) -> String,
    /// Where the figures come from.
    pub source: &'static str,
}

impl PartialEq for RuntimeProfile {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RuntimeProfile {}

/// A low-level runtime a RuntimeClass `handler` names.
#[derive(Debug, PartialEq, Eq)]
pub struct HandlerProfile {
    /// Handler name (`runc`, `kata`, `runsc`).
    pub name: &'static str,
    /// What it is, for people.
    pub description: &'static str,
    /// Extra `RunPodSandbox` time (VM boot, sentry start) in ms.
    pub sandbox_start_ms: u64,
    /// Extra `StopPodSandbox` time in ms.
    pub sandbox_stop_ms: u64,
    /// Extra `CreateContainer` time in ms.
    pub container_create_ms: u64,
    /// Extra `StartContainer` time in ms.
    pub container_start_ms: u64,
    /// Memory one sandbox costs beyond its containers (bytes).
    pub sandbox_memory_bytes: u64,
    /// Whether `hostNetwork: true` pods can run.
    pub host_network: bool,
    /// What it does not support, for people.
    pub lacks: &'static str,
    /// Where the figures come from.
    pub source: &'static str,
}

const MIB: u64 = 1024 * 1024;

/// containerd 2.1 with its CRI plugin (the default).
pub const CONTAINERD: RuntimeProfile = RuntimeProfile {
    name: "containerd",
    runtime_name: "containerd",
    version: "v2.1.4",
    scheme: "containerd",
    daemon: "containerd",
    endpoint: "unix:///run/containerd/containerd.sock",
    daemon_memory_bytes: 45 * MIB,
    shim_memory_bytes: 6 * MIB,
    sandbox_start_ms: 250,
    sandbox_stop_ms: 60,
    container_create_ms: 40,
    container_start_ms: 60,
    image_fs_mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
    supports: &["runc", "kata", "runsc"],
    // containerd v2.1 internal/cri/server/sandbox_run.go wraps config.GetSandboxRuntime's
    // `no runtime for %q is configured` (no runtimes.<handler> table in the CRI config).
    unknown_handler: |h, id| {
        format!("unable to get OCI runtime for sandbox {id:?}: no runtime for {h:?} is configured")
    },
    source: "latencies: estimates (no authoritative cross-runtime benchmark is published); the Kubernetes blog post \"Kubernetes Containerd Integration Goes GA\" (2018-05-24) reports containerd's pod startup latency and daemon memory below the Docker path's; Version: internal/cri/server/version.go (runtimeName containerd, runtimeApiVersion v1); default sandbox image registry.k8s.io/pause:3.10 (internal/cri/config/config.go)",
};

/// CRI-O 1.33 (Red Hat's CRI implementation; conmon monitors each container).
pub const CRI_O: RuntimeProfile = RuntimeProfile {
    name: "cri-o",
    runtime_name: "cri-o",
    version: "1.33.4",
    scheme: "cri-o",
    daemon: "crio",
    endpoint: "unix:///var/run/crio/crio.sock",
    daemon_memory_bytes: 40 * MIB,
    shim_memory_bytes: 2 * MIB,
    sandbox_start_ms: 230,
    sandbox_stop_ms: 60,
    container_create_ms: 45,
    container_start_ms: 55,
    image_fs_mountpoint: "/var/lib/containers/storage/overlay-images",
    supports: &["runc", "kata", "runsc"],
    // cri-o v1.33 internal/oci/oci.go ValidateRuntimeHandler: the runtime list is a Go map
    // of pointers printed with %v.
    unknown_handler: |h, _| {
        format!(
            "failed to find runtime handler {h} from runtime list map[crun:0xc0004b6000 runc:0xc0004b60f0]"
        )
    },
    source: "latencies: estimates, close to containerd's (same runc underneath, no extra hop); conmon, a small C monitor, per container; Version: server/version.go (runtimeName cri-o); default pause image registry.k8s.io/pause:3.10 (pkg/config/config_linux.go)",
};

/// Docker Engine 28 through cri-dockerd (dockershim left the kubelet in v1.24).
pub const CRI_DOCKERD: RuntimeProfile = RuntimeProfile {
    name: "cri-dockerd",
    runtime_name: "docker",
    version: "28.3.3",
    scheme: "docker",
    daemon: "cri-dockerd",
    endpoint: "unix:///var/run/cri-dockerd.sock",
    daemon_memory_bytes: 45 * MIB + 80 * MIB,
    shim_memory_bytes: 6 * MIB,
    sandbox_start_ms: 450,
    sandbox_stop_ms: 120,
    container_create_ms: 90,
    container_start_ms: 110,
    image_fs_mountpoint: "/var/lib/docker/overlay2",
    supports: &["runc", "runsc"],
    // cri-dockerd core/sandbox_run.go: IsRuntimeConfigured checks `docker info` runtimes.
    unknown_handler: |h, _| {
        format!("failed to get sandbox runtime: no runtime for {h:?} is configured")
    },
    source: "latencies: estimates; the path kubelet → cri-dockerd → dockerd → containerd adds a hop, and the Kubernetes blog post \"Kubernetes Containerd Integration Goes GA\" (2018-05-24) measured higher pod startup latency and daemon memory for the Docker path; Version reports the Docker Engine version with runtimeName docker (core/docker_service.go); Kata 2.x no longer supports Docker",
};

/// Every runtime, default first.
pub const RUNTIMES: &[&RuntimeProfile] = &[&CONTAINERD, &CRI_O, &CRI_DOCKERD];

/// runc: namespaces and cgroups on the host kernel (the default handler).
pub const RUNC: HandlerProfile = HandlerProfile {
    name: "runc",
    description: "OCI reference runtime: Linux namespaces and cgroups on the host kernel",
    sandbox_start_ms: 0,
    sandbox_stop_ms: 0,
    container_create_ms: 0,
    container_start_ms: 0,
    sandbox_memory_bytes: 4 * MIB,
    host_network: true,
    lacks: "no isolation beyond the shared host kernel",
    source: "gVisor's density benchmark (google/gvisor website/performance/density.csv): an empty container under runc uses 4,092,150 bytes",
};

/// Kata Containers: each pod in a lightweight VM with its own kernel.
pub const KATA: HandlerProfile = HandlerProfile {
    name: "kata",
    description: "Kata Containers: each pod in a lightweight VM (QEMU or Cloud Hypervisor) with its own guest kernel",
    sandbox_start_ms: 1200,
    sandbox_stop_ms: 300,
    container_create_ms: 60,
    container_start_ms: 150,
    sandbox_memory_bytes: 160 * MIB,
    host_network: false,
    lacks: "hostNetwork (the VM cannot join the host's network namespace); sharing a network namespace with runc containers; SELinux labels; checkpoint/restore",
    source: "memory: kata-deploy's kata-qemu RuntimeClass sets overhead.podFixed memory 160Mi, cpu 250m (kata-containers tools/packaging/kata-deploy/runtimeclasses; the Kubernetes Pod Overhead page uses 120Mi for kata-fc); docs/Limitations.md: host networking is not supported; latency: estimate (a VM and guest kernel boot per pod)",
};

/// gVisor: a user-space kernel (the Sentry) intercepts the pod's system calls.
pub const RUNSC: HandlerProfile = HandlerProfile {
    name: "runsc",
    description: "gVisor: a user-space kernel (the Sentry) implements Linux system calls for the pod",
    sandbox_start_ms: 350,
    sandbox_stop_ms: 80,
    container_create_ms: 20,
    container_start_ms: 120,
    sandbox_memory_bytes: 23 * MIB,
    host_network: true,
    lacks: "not every system call or /proc file; syscall-heavy and file-heavy work is slower; on GKE Sandbox no hostPath volumes and no GPUs",
    source: "memory: gVisor's density benchmark (google/gvisor website/performance/density.csv): an empty container uses 23,695,032 bytes under runsc against 4,092,150 under runc; latency: estimate (the gVisor Performance Guide shows startup above runc's without published numbers for this setup)",
};

/// Every handler, default first.
pub const HANDLERS: &[&HandlerProfile] = &[&RUNC, &KATA, &RUNSC];

/// A runtime by its Lab name.
pub fn runtime(name: &str) -> Option<&'static RuntimeProfile> {
    RUNTIMES.iter().copied().find(|r| r.name == name)
}

/// A handler by name.
pub fn handler(name: &str) -> Option<&'static HandlerProfile> {
    HANDLERS.iter().copied().find(|h| h.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_supports_runc_and_names_its_sources() {
        for r in RUNTIMES {
            assert!(r.supports.contains(&"runc"), "{}", r.name);
            assert!(!r.source.is_empty());
            assert!((r.unknown_handler)("nope", "abc").contains("nope"));
        }
        for h in HANDLERS {
            assert!(!h.source.is_empty(), "{}", h.name);
        }
    }
}

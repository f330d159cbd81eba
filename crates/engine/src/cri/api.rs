//! `runtime.v1` of `kubernetes/cri-api` (`pkg/apis/runtime/v1/api.proto`): the two gRPC
//! services the kubelet drives a container runtime through, and the message fields nodelab
//! models. Field names serialize as protobuf JSON names (`podSandboxId`, `runtimeHandler`);
//! timestamps are nanoseconds since the simulation's epoch, as the proto's `int64` fields.

use std::collections::BTreeMap;

use serde::Serialize;

use super::host::MountPoint;

/// A gRPC status code the runtime answers with (the subset runtimes use on these paths).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// `Unknown`: what containerd returns for most internal failures.
    Unknown,
    /// `NotFound`.
    NotFound,
    /// `InvalidArgument`.
    InvalidArgument,
    /// `DeadlineExceeded`: an `ExecSync` outlived its timeout.
    DeadlineExceeded,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Code::Unknown => "Unknown",
            Code::NotFound => "NotFound",
            Code::InvalidArgument => "InvalidArgument",
            Code::DeadlineExceeded => "DeadlineExceeded",
        })
    }
}

/// A failed CRI call, printed the way the kubelet prints gRPC errors
/// (`rpc error: code = NotFound desc = …`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rpc error: code = {code} desc = {desc}")]
pub struct CriError {
    /// Status code.
    pub code: Code,
    /// The runtime's message.
    pub desc: String,
}

impl CriError {
    /// `code = Unknown`.
    pub fn unknown(desc: impl Into<String>) -> CriError {
        CriError {
            code: Code::Unknown,
            desc: desc.into(),
        }
    }

    /// `code = NotFound` for a sandbox or container id, in containerd's words.
    pub fn not_found(id: &str) -> CriError {
        CriError {
            code: Code::NotFound,
            desc: format!("an error occurred when try to find container {id:?}: not found"),
        }
    }
}

/// The result of a CRI call.
pub type CriResult<T> = Result<T, CriError>;

/// `runtime.v1.RuntimeService`: sandboxes and containers. Methods take the request message and
/// return the response message; the runtime's clock is set by the caller (`now`).
pub trait RuntimeService {
    /// `Version`.
    fn version(&mut self, req: &VersionRequest) -> CriResult<VersionResponse>;
    /// `Status`: `RuntimeReady` and `NetworkReady`.
    fn status(&mut self, req: &StatusRequest) -> CriResult<StatusResponse>;
    /// `RunPodSandbox`: the pause container and the pod's namespaces, with the handler the
    /// RuntimeClass names (`""` = the runtime's default).
    fn run_pod_sandbox(&mut self, req: &RunPodSandboxRequest) -> CriResult<RunPodSandboxResponse>;
    /// `StopPodSandbox`: stops every container of the sandbox and tears its network down.
    fn stop_pod_sandbox(&mut self, req: &StopPodSandboxRequest) -> CriResult<Empty>;
    /// `RemovePodSandbox`.
    fn remove_pod_sandbox(&mut self, req: &RemovePodSandboxRequest) -> CriResult<Empty>;
    /// `PodSandboxStatus`.
    fn pod_sandbox_status(
        &mut self,
        req: &PodSandboxStatusRequest,
    ) -> CriResult<PodSandboxStatusResponse>;
    /// `ListPodSandbox`.
    fn list_pod_sandbox(
        &mut self,
        req: &ListPodSandboxRequest,
    ) -> CriResult<ListPodSandboxResponse>;
    /// `CreateContainer`.
    fn create_container(
        &mut self,
        req: &CreateContainerRequest,
    ) -> CriResult<CreateContainerResponse>;
    /// `StartContainer` (the process runs on the node, so it gets the pod's environment).
    fn start_container(
        &mut self,
        req: &StartContainerRequest,
        env: &mut super::runtime::PodEnv<'_>,
    ) -> CriResult<Empty>;
    /// `StopContainer`: the stop signal, then SIGKILL after `timeout` seconds.
    fn stop_container(&mut self, req: &StopContainerRequest) -> CriResult<Empty>;
    /// `RemoveContainer`.
    fn remove_container(&mut self, req: &RemoveContainerRequest) -> CriResult<Empty>;
    /// `ListContainers`.
    fn list_containers(&mut self, req: &ListContainersRequest)
    -> CriResult<ListContainersResponse>;
    /// `ContainerStatus`.
    fn container_status(
        &mut self,
        req: &ContainerStatusRequest,
    ) -> CriResult<ContainerStatusResponse>;
    /// `ExecSync`: runs a command in the container (exec probes and exec hooks).
    fn exec_sync(
        &mut self,
        req: &ExecSyncRequest,
        env: &mut super::runtime::PodEnv<'_>,
    ) -> CriResult<ExecSyncResponse>;
    /// `UpdateContainerResources`: new cgroup limits for a running container.
    fn update_container_resources(
        &mut self,
        req: &UpdateContainerResourcesRequest,
    ) -> CriResult<Empty>;
    /// `ContainerStats`.
    fn container_stats(&mut self, req: &ContainerStatsRequest)
    -> CriResult<ContainerStatsResponse>;
}

/// `runtime.v1.ImageService`.
pub trait ImageService {
    /// `ListImages`.
    fn list_images(&mut self, req: &ListImagesRequest) -> CriResult<ListImagesResponse>;
    /// `ImageStatus`: `image` is null when the image is not on the node.
    fn image_status(&mut self, req: &ImageStatusRequest) -> CriResult<ImageStatusResponse>;
    /// `PullImage`: fetches the layers the node lacks.
    fn pull_image(&mut self, req: &PullImageRequest) -> CriResult<PullImageResponse>;
    /// `RemoveImage`.
    fn remove_image(&mut self, req: &RemoveImageRequest) -> CriResult<Empty>;
    /// `ImageFsInfo`: how much of the image filesystem is used.
    fn image_fs_info(&mut self, req: &ImageFsInfoRequest) -> CriResult<ImageFsInfoResponse>;
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// An empty response (`StopPodSandboxResponse`, `StartContainerResponse`, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Empty {}

/// `VersionRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VersionRequest {
    /// The kubelet's CRI API version (`v1`).
    pub version: String,
}

/// `VersionResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionResponse {
    /// Version of the kubelet runtime API (`0.1.0`).
    pub version: String,
    /// `containerd`, `cri-o`, `docker`.
    pub runtime_name: String,
    /// The runtime's own version.
    pub runtime_version: String,
    /// `v1`.
    pub runtime_api_version: String,
}

/// `StatusRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatusRequest {
    /// Extra info wanted.
    #[serde(skip_serializing_if = "is_false")]
    pub verbose: bool,
}

/// `RuntimeCondition`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuntimeCondition {
    /// `RuntimeReady` or `NetworkReady`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Whether it holds.
    pub status: bool,
}

/// `RuntimeStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuntimeStatus {
    /// The runtime's conditions.
    pub conditions: Vec<RuntimeCondition>,
}

/// `StatusResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatusResponse {
    /// Status.
    pub status: RuntimeStatus,
}

/// `PodSandboxMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodSandboxMetadata {
    /// Pod name.
    pub name: String,
    /// Pod UID.
    pub uid: String,
    /// Pod namespace.
    pub namespace: String,
    /// How many sandboxes the pod had before this one.
    pub attempt: u32,
}

/// `DNSConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DnsConfig {
    /// Nameservers.
    pub servers: Vec<String>,
    /// Search domains.
    pub searches: Vec<String>,
    /// resolv.conf options.
    pub options: Vec<String>,
}

/// `NamespaceOption`: `POD`, `CONTAINER` or `NODE` for each namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NamespaceOption {
    /// Network namespace.
    pub network: &'static str,
    /// PID namespace.
    pub pid: &'static str,
    /// IPC namespace.
    pub ipc: &'static str,
}

/// `LinuxSandboxSecurityContext` (the part we model).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxSandboxSecurityContext {
    /// Namespaces.
    pub namespace_options: NamespaceOption,
}

/// `LinuxPodSandboxConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxPodSandboxConfig {
    /// The pod's cgroup (`/kubepods/burstable/pod<uid>`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup_parent: String,
    /// Security context.
    pub security_context: LinuxSandboxSecurityContext,
}

/// `PodSandboxConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSandboxConfig {
    /// Metadata.
    pub metadata: PodSandboxMetadata,
    /// Hostname.
    pub hostname: String,
    /// `/var/log/pods/<namespace>_<name>_<uid>`.
    pub log_directory: String,
    /// DNS (absent for `hostNetwork` pods with dnsPolicy Default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<DnsConfig>,
    /// Labels (the kubelet adds `io.kubernetes.pod.*`).
    pub labels: BTreeMap<String, String>,
    /// Linux settings.
    pub linux: LinuxPodSandboxConfig,
}

/// `RunPodSandboxRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPodSandboxRequest {
    /// Config.
    pub config: PodSandboxConfig,
    /// The RuntimeClass's handler (`""` = default).
    pub runtime_handler: String,
}

/// `RunPodSandboxResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPodSandboxResponse {
    /// The new sandbox's id.
    pub pod_sandbox_id: String,
}

/// `StopPodSandboxRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopPodSandboxRequest {
    /// Sandbox id.
    pub pod_sandbox_id: String,
}

/// `RemovePodSandboxRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovePodSandboxRequest {
    /// Sandbox id.
    pub pod_sandbox_id: String,
}

/// `PodSandboxStatusRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSandboxStatusRequest {
    /// Sandbox id.
    pub pod_sandbox_id: String,
}

/// `PodSandboxNetworkStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodSandboxNetworkStatus {
    /// The pod IP.
    pub ip: String,
}

/// `PodSandboxStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSandboxStatus {
    /// Id.
    pub id: String,
    /// Metadata.
    pub metadata: PodSandboxMetadata,
    /// `SANDBOX_READY` or `SANDBOX_NOTREADY`.
    pub state: &'static str,
    /// Creation time (ns).
    pub created_at: i64,
    /// Network.
    pub network: PodSandboxNetworkStatus,
    /// Handler.
    pub runtime_handler: String,
}

/// `PodSandboxStatusResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodSandboxStatusResponse {
    /// Status.
    pub status: PodSandboxStatus,
}

/// `PodSandboxFilter` (the kubelet's relist passes an empty one: every sandbox).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PodSandboxFilter {}

/// `ListPodSandboxRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListPodSandboxRequest {
    /// Filter.
    pub filter: PodSandboxFilter,
}

/// `PodSandbox` (a list entry).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSandbox {
    /// Id.
    pub id: String,
    /// Metadata.
    pub metadata: PodSandboxMetadata,
    /// State.
    pub state: &'static str,
    /// Creation time (ns).
    pub created_at: i64,
    /// Handler.
    pub runtime_handler: String,
}

/// `ListPodSandboxResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListPodSandboxResponse {
    /// Sandboxes in id order.
    pub items: Vec<PodSandbox>,
}

/// `ContainerMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerMetadata {
    /// Container name in the pod.
    pub name: String,
    /// The restart count when it was created.
    pub attempt: u32,
}

/// `ImageSpec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSpec {
    /// The image: a reference, or (in `CreateContainer`) the image id the kubelet resolved.
    pub image: String,
    /// The image as the pod spec names it (`CreateContainer` only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_specified_image: String,
}

impl ImageSpec {
    /// An `ImageSpec` for a reference.
    pub fn of(image: impl Into<String>) -> ImageSpec {
        ImageSpec {
            image: image.into(),
            user_specified_image: String::new(),
        }
    }
}

/// `KeyValue` (an environment variable).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeyValue {
    /// Name.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `Mount`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    /// Path in the container.
    pub container_path: String,
    /// Path on the node.
    pub host_path: String,
    /// Read-only.
    #[serde(skip_serializing_if = "is_false")]
    pub readonly: bool,
}

/// `LinuxContainerResources`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxContainerResources {
    /// CFS period (100000 µs).
    pub cpu_period: i64,
    /// CFS quota (µs per period; 0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_quota: i64,
    /// cpu.shares from the CPU request.
    pub cpu_shares: i64,
    /// memory.max (0 = unlimited).
    #[serde(skip_serializing_if = "is_zero")]
    pub memory_limit_in_bytes: i64,
    /// oom_score_adj.
    pub oom_score_adj: i64,
}

/// `LinuxContainerConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LinuxContainerConfig {
    /// Resources.
    pub resources: LinuxContainerResources,
}

/// `ContainerConfig`: the wire fields, plus what the simulated node needs to set the
/// container up (the files the kubelet bind-mounts and which volumes are tmpfs), which a real
/// runtime reads from the host paths in `mounts`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerConfig {
    /// Metadata (`attempt` = restart count).
    pub metadata: ContainerMetadata,
    /// Image.
    pub image: ImageSpec,
    /// Overrides the image's entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<KeyValue>,
    /// Mounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// Log path relative to the sandbox's log directory (`<name>/<attempt>.log`).
    pub log_path: String,
    /// Linux settings.
    pub linux: LinuxContainerConfig,
    /// The pod's volume mounts behind `mounts` (model detail).
    #[serde(skip)]
    pub volume_mounts: Vec<MountPoint>,
    /// Pod hostname the process sees (from the sandbox).
    #[serde(skip)]
    pub hostname: String,
    /// Files bind-mounted from the kubelet's pod directory (`/etc/hosts`, …).
    #[serde(skip)]
    pub files: Vec<(String, String)>,
    /// Mounted `emptyDir` volumes with `medium: Memory` (tmpfs counts against memory.max).
    #[serde(skip)]
    pub memory_volumes: Vec<String>,
}

impl ContainerConfig {
    /// Environment as a map.
    pub fn env_map(&self) -> BTreeMap<String, String> {
        self.envs
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect()
    }
}

/// `CreateContainerRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContainerRequest {
    /// The sandbox to create it in.
    pub pod_sandbox_id: String,
    /// Config.
    pub config: ContainerConfig,
    /// The sandbox's config.
    pub sandbox_config: PodSandboxConfig,
}

/// `CreateContainerResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateContainerResponse {
    /// The new container's id.
    pub container_id: String,
}

/// `StartContainerRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartContainerRequest {
    /// Container id.
    pub container_id: String,
}

/// `StopContainerRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopContainerRequest {
    /// Container id.
    pub container_id: String,
    /// Seconds before SIGKILL (0 = at once).
    pub timeout: i64,
}

/// `RemoveContainerRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveContainerRequest {
    /// Container id.
    pub container_id: String,
}

/// `ContainerFilter` (the kubelet's relist passes an empty one: every container).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerFilter {}

/// `ListContainersRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListContainersRequest {
    /// Filter.
    pub filter: ContainerFilter,
}

/// `Container` (a list entry).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Id.
    pub id: String,
    /// Its sandbox.
    pub pod_sandbox_id: String,
    /// Metadata.
    pub metadata: ContainerMetadata,
    /// Image.
    pub image: ImageSpec,
    /// Image id.
    pub image_ref: String,
    /// `CONTAINER_CREATED`, `CONTAINER_RUNNING`, `CONTAINER_EXITED`.
    pub state: &'static str,
    /// Creation time (ns).
    pub created_at: i64,
}

/// `ListContainersResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListContainersResponse {
    /// Containers in id order.
    pub containers: Vec<Container>,
}

/// `ContainerStatusRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatusRequest {
    /// Container id.
    pub container_id: String,
}

/// `ContainerStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Id.
    pub id: String,
    /// Metadata.
    pub metadata: ContainerMetadata,
    /// State.
    pub state: &'static str,
    /// Times (ns; 0 = not yet).
    pub created_at: i64,
    /// Started (ns).
    pub started_at: i64,
    /// Finished (ns).
    pub finished_at: i64,
    /// Exit code.
    pub exit_code: i32,
    /// Image.
    pub image: ImageSpec,
    /// Image id.
    pub image_ref: String,
    /// `Completed`, `Error`, `OOMKilled`, `StartError`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Runtime message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Log path on the node.
    pub log_path: String,
}

/// `ContainerStatusResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerStatusResponse {
    /// Status.
    pub status: ContainerStatus,
}

/// `ExecSyncRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSyncRequest {
    /// Container id.
    pub container_id: String,
    /// argv.
    pub cmd: Vec<String>,
    /// Seconds (0 = none).
    pub timeout: i64,
}

/// `ExecSyncResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSyncResponse {
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
    /// Exit code.
    pub exit_code: i32,
}

/// `UpdateContainerResourcesRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateContainerResourcesRequest {
    /// Container id.
    pub container_id: String,
    /// New limits.
    pub linux: LinuxContainerResources,
}

/// `ContainerStatsRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatsRequest {
    /// Container id.
    pub container_id: String,
}

/// `CpuUsage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuUsage {
    /// Sample time (ns).
    pub timestamp: i64,
    /// Cumulative CPU time (ns).
    pub usage_core_nano_seconds: u64,
    /// Current use in nano-cores.
    pub usage_nano_cores: u64,
}

/// `MemoryUsage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryUsage {
    /// Sample time (ns).
    pub timestamp: i64,
    /// Working set (bytes).
    pub working_set_bytes: u64,
}

/// `ContainerAttributes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerAttributes {
    /// Id.
    pub id: String,
    /// Metadata.
    pub metadata: ContainerMetadata,
}

/// `ContainerStats`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerStats {
    /// Which container.
    pub attributes: ContainerAttributes,
    /// CPU.
    pub cpu: CpuUsage,
    /// Memory.
    pub memory: MemoryUsage,
}

/// `ContainerStatsResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContainerStatsResponse {
    /// Stats.
    pub stats: ContainerStats,
}

/// `Image`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// `sha256:…` of the config.
    pub id: String,
    /// Tags.
    pub repo_tags: Vec<String>,
    /// `repo@sha256:…`.
    pub repo_digests: Vec<String>,
    /// Size in bytes.
    pub size: u64,
    /// Pinned images are never garbage-collected (the sandbox image).
    #[serde(skip_serializing_if = "is_false")]
    pub pinned: bool,
}

/// `ListImagesRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListImagesRequest {}

/// `ListImagesResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListImagesResponse {
    /// Images.
    pub images: Vec<Image>,
}

/// `ImageStatusRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageStatusRequest {
    /// Image.
    pub image: ImageSpec,
}

/// `ImageStatusResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageStatusResponse {
    /// The image, or null when absent.
    pub image: Option<Image>,
}

/// `PullImageRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PullImageRequest {
    /// Image.
    pub image: ImageSpec,
}

/// `PullImageResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullImageResponse {
    /// The pulled image's id.
    pub image_ref: String,
}

/// `RemoveImageRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RemoveImageRequest {
    /// Image.
    pub image: ImageSpec,
}

/// `ImageFsInfoRequest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageFsInfoRequest {}

/// `FilesystemUsage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesystemUsage {
    /// Sample time (ns).
    pub timestamp: i64,
    /// `fsId.mountpoint`.
    pub mountpoint: String,
    /// Bytes used by images.
    pub used_bytes: u64,
    /// Capacity of the file system (model detail: what cAdvisor reports for the mount).
    #[serde(skip)]
    pub capacity_bytes: u64,
}

/// `ImageFsInfoResponse`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageFsInfoResponse {
    /// Image file systems.
    pub image_filesystems: Vec<FilesystemUsage>,
}

macro_rules! messages {
    ($($name:ident),* $(,)?) => {
        /// Any CRI message, kept typed in the call log and serialized when shown. The payload
        /// is shared (`Rc`), so cloning the call log — every checkpoint of a timeline does — copies
        /// no message.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Message {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name(std::rc::Rc<$name>),
            )*
            /// A failed call's status (`{"error": "rpc error: …"}`).
            Error {
                /// The gRPC error text.
                error: String,
            },
        }
        $(
            impl From<$name> for Message {
                fn from(m: $name) -> Message {
                    Message::$name(std::rc::Rc::new(m))
                }
            }
        )*
    };
}

messages!(
    Empty,
    VersionRequest,
    VersionResponse,
    StatusRequest,
    StatusResponse,
    RunPodSandboxRequest,
    RunPodSandboxResponse,
    StopPodSandboxRequest,
    RemovePodSandboxRequest,
    PodSandboxStatusRequest,
    PodSandboxStatusResponse,
    ListPodSandboxRequest,
    ListPodSandboxResponse,
    CreateContainerRequest,
    CreateContainerResponse,
    StartContainerRequest,
    StopContainerRequest,
    RemoveContainerRequest,
    ListContainersRequest,
    ListContainersResponse,
    ContainerStatusRequest,
    ContainerStatusResponse,
    ExecSyncRequest,
    ExecSyncResponse,
    UpdateContainerResourcesRequest,
    ContainerStatsRequest,
    ContainerStatsResponse,
    ListImagesRequest,
    ListImagesResponse,
    ImageStatusRequest,
    ImageStatusResponse,
    PullImageRequest,
    PullImageResponse,
    RemoveImageRequest,
    ImageFsInfoRequest,
    ImageFsInfoResponse,
);

impl Message {
    /// The message as JSON (what `criCalls` and the UI show).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

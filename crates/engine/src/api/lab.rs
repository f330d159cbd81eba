//! The `Lab` object (`nodelab.dev/v1alpha1`): the simulated cluster's settings, given beside
//! the Kubernetes objects in a scenario file.

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;
use super::quantity::Quantity;

/// Cluster settings for a run. Optional: without it a run has one node `node-1`
/// (4 CPU, 8Gi memory), containerd with runc, and kube-proxy in iptables mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lab {
    /// `nodelab.dev/v1alpha1`.
    #[serde(default)]
    pub api_version: String,
    /// `Lab`.
    #[serde(default)]
    pub kind: String,
    /// Name of the lab.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Settings.
    #[serde(default)]
    pub spec: LabSpec,
}

/// Settings of a [`Lab`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabSpec {
    /// Seed of the run's random generator (the `--seed` flag wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Worker nodes (default: one `node-1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<LabNode>,
    /// kube-proxy's mode: `iptables` (default), `ipvs`, `nftables` or `userspace`
    /// (removed in v1.26; simulated as history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_mode: Option<String>,
    /// The IPVS scheduler (`--ipvs-scheduler`, default `rr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipvs_scheduler: Option<String>,
    /// `containerd` (default), `cri-o` or `cri-dockerd` (a node may override it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<String>,
    /// The RuntimeClass handlers configured in the runtime, default first (default: every
    /// handler the runtime supports: `runc`, `kata`, `runsc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_handlers: Vec<String>,
    /// Registry download speed in bytes per second (default `40M`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_bandwidth: Option<Quantity>,
    /// Addresses the simulated load balancer gives `LoadBalancer` Services, `FIRST-LAST` or a
    /// CIDR (default `172.18.255.200-172.18.255.250`, the top of kind's docker network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_pool: Option<String>,
    /// Timed lab actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub script: Vec<LabStep>,
}

/// One timed lab action. `action` is one of [`LAB_ACTIONS`]; the other fields are its
/// parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabStep {
    /// When, as a duration from the start (`30s`, `2m`).
    pub at: String,
    /// What to do.
    pub action: String,
    /// Target pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Target pod's namespace (default `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Target container (default: the pod's first container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// File path (`createFile`, `deleteFile`) or HTTP path (`httpStatus`, `*` for all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// HTTP status code (`httpStatus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// File content (`createFile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Exit code (`exit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// Memory to add (`growMemory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
    /// Grace period (`deletePod`; 0 = `--grace-period=0 --force`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
    /// Target node (`nodeNotReady`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The client (`traffic`): `pod/NAME`, `pod/NAMESPACE/NAME`, `node/NAME` or
    /// `external:IP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The destination (`traffic`): `host[:port]` — a Service name, a cluster IP, a node IP
    /// with a node port, a load-balancer or external IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Number of requests (`traffic`, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u32>,
    /// Client connection pool size (`traffic`; 0, the default, opens a new connection per
    /// request; 1 is one keep-alive connection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<u32>,
    /// Client retries on a failed request (`traffic`, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

/// The lab actions a script (or the UI) can take.
pub const LAB_ACTIONS: &[&str] = &[
    "httpStatus",
    "createFile",
    "deleteFile",
    "exit",
    "growMemory",
    "hang",
    "deletePod",
    "nodeNotReady",
    "traffic",
];

impl LabStep {
    /// Checks the step like the API server would: the field path and message of the first
    /// problem.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        crate::time::parse_duration(&self.at)
            .map_err(|e| ("at", format!("Invalid value: {:?}: {e}", self.at)))?;
        if !LAB_ACTIONS.contains(&self.action.as_str()) {
            let allowed: Vec<String> = LAB_ACTIONS.iter().map(|a| format!("{a:?}")).collect();
            return Err((
                "action",
                format!(
                    "Unsupported value: {:?}: supported values: {}",
                    self.action,
                    allowed.join(", ")
                ),
            ));
        }
        let need = |field: &'static str, present: bool| {
            if present {
                Ok(())
            } else {
                Err((field, "Required value".to_owned()))
            }
        };
        match self.action.as_str() {
            "nodeNotReady" => need("node", self.node.is_some()),
            "traffic" => {
                let from = self
                    .from
                    .as_deref()
                    .ok_or(("from", "Required value".to_owned()))?;
                crate::net::trace::Source::parse(from)
                    .map_err(|e| ("from", format!("Invalid value: {from:?}: {e}")))?;
                need("to", self.to.is_some())
            }
            _ => {
                need("pod", self.pod.is_some())?;
                match self.action.as_str() {
                    "httpStatus" => need("status", self.status.is_some()),
                    "createFile" | "deleteFile" => need("path", self.path.is_some()),
                    "exit" => need("code", self.code.is_some()),
                    "growMemory" => need("memory", self.memory.is_some()),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// One simulated node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabNode {
    /// Node name.
    pub name: String,
    /// CPU capacity (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory capacity (default 8Gi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
    /// `topology.kubernetes.io/zone` label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Extra node labels.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
    /// This node's container runtime (default: the Lab's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<String>,
    /// Size of the image file system (default 20Gi; the OS and logs use 30 % of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Quantity>,
}

impl LabSpec {
    /// Checks the settings: the field path (under `spec`) and message of the first problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let unsupported = |value: &str, allowed: Vec<&str>| {
            let allowed: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
            format!(
                "Unsupported value: {value:?}: supported values: {}",
                allowed.join(", ")
            )
        };
        let runtimes = || {
            crate::cri::runtimes::RUNTIMES
                .iter()
                .map(|r| r.name)
                .collect()
        };
        let mut runtime = None;
        if let Some(name) = &self.container_runtime {
            runtime = crate::cri::runtimes::runtime(name);
            if runtime.is_none() {
                return Err(("containerRuntime".to_owned(), unsupported(name, runtimes())));
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(name) = &node.container_runtime
                && crate::cri::runtimes::runtime(name).is_none()
            {
                return Err((
                    format!("nodes[{i}].containerRuntime"),
                    unsupported(name, runtimes()),
                ));
            }
        }
        let runtime = runtime.unwrap_or(&crate::cri::runtimes::CONTAINERD);
        for (i, h) in self.runtime_handlers.iter().enumerate() {
            if crate::cri::runtimes::handler(h).is_none() {
                return Err((
                    format!("runtimeHandlers[{i}]"),
                    unsupported(
                        h,
                        crate::cri::runtimes::HANDLERS
                            .iter()
                            .map(|h| h.name)
                            .collect(),
                    ),
                ));
            }
            if !runtime.supports.contains(&h.as_str()) {
                return Err((
                    format!("runtimeHandlers[{i}]"),
                    format!(
                        "Invalid value: {h:?}: {} cannot run this handler",
                        runtime.name
                    ),
                ));
            }
        }
        if let Some(mode) = &self.proxy_mode
            && crate::proxy::Mode::parse(mode).is_none()
        {
            return Err((
                "proxyMode".to_owned(),
                unsupported(
                    mode,
                    crate::proxy::Mode::ALL.iter().map(|m| m.as_str()).collect(),
                ),
            ));
        }
        if let Some(s) = &self.ipvs_scheduler
            && crate::proxy::Scheduler::parse(s).is_none()
        {
            return Err((
                "ipvsScheduler".to_owned(),
                unsupported(
                    s,
                    crate::proxy::Scheduler::ALL
                        .iter()
                        .map(|m| m.as_str())
                        .collect(),
                ),
            ));
        }
        if let Some(pool) = &self.load_balancer_pool
            && let Err(e) = crate::apiserver::LoadBalancerPool::parse(pool)
        {
            return Err(("loadBalancerPool".to_owned(), format!("Invalid value: {e}")));
        }
        if self.pull_bandwidth.is_some_and(|q| q.value() <= 0) {
            return Err((
                "pullBandwidth".to_owned(),
                "Invalid value: must be greater than zero".to_owned(),
            ));
        }
        Ok(())
    }

    /// The load-balancer pool, when the Lab sets a valid one.
    pub fn load_balancer_pool(&self) -> Option<crate::apiserver::LoadBalancerPool> {
        crate::apiserver::LoadBalancerPool::parse(self.load_balancer_pool.as_deref()?).ok()
    }

    /// The runtime of `node`.
    pub fn runtime_profile(&self, node: &LabNode) -> &'static crate::cri::runtimes::RuntimeProfile {
        node.container_runtime
            .as_deref()
            .or(self.container_runtime.as_deref())
            .and_then(crate::cri::runtimes::runtime)
            .unwrap_or(&crate::cri::runtimes::CONTAINERD)
    }

    /// The handlers configured on `node`'s runtime, default first: the Lab's list, or every
    /// handler the runtime supports.
    pub fn handler_profiles(
        &self,
        node: &LabNode,
    ) -> Vec<&'static crate::cri::runtimes::HandlerProfile> {
        let runtime = self.runtime_profile(node);
        let names: Vec<&str> = if self.runtime_handlers.is_empty() {
            runtime.supports.to_vec()
        } else {
            self.runtime_handlers.iter().map(String::as_str).collect()
        };
        names
            .into_iter()
            .filter(|n| runtime.supports.contains(n))
            .filter_map(crate::cri::runtimes::handler)
            .collect()
    }

    /// `node`'s image file system and registry link.
    pub fn node_disk(&self, node: &LabNode) -> crate::cri::runtime::NodeDisk {
        let mut disk = crate::cri::runtime::NodeDisk::default();
        if let Some(q) = node.disk {
            disk.capacity = q.value().max(0) as u64;
            disk.system_used = disk.capacity * 3 / 10;
        }
        if let Some(q) = self.pull_bandwidth {
            disk.pull_bytes_per_s = q.value().max(1) as u64;
        }
        disk
    }
}

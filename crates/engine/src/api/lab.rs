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
    /// `iptables` (default), `ipvs` or `nftables`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_mode: Option<String>,
    /// `containerd` (default), `cri-o` or `cri-dockerd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<String>,
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
}

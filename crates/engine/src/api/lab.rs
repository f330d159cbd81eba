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

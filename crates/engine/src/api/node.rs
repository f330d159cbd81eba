//! `core/v1` Node and `node.k8s.io/v1` RuntimeClass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;
use super::pod::Toleration;
use super::quantity::Quantity;

/// A Node (`v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// `v1`.
    #[serde(default)]
    pub api_version: String,
    /// `Node`.
    #[serde(default)]
    pub kind: String,
    /// Name and labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Pod CIDR, taints, …
    #[serde(default)]
    pub spec: NodeSpec,
    /// Capacity, conditions, addresses, …
    #[serde(default)]
    pub status: NodeStatus,
}

/// `NodeSpec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSpec {
    /// Pod IP range of this node.
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// Pod IP ranges per family.
    #[serde(default, rename = "podCIDRs", skip_serializing_if = "Vec::is_empty")]
    pub pod_cidrs: Vec<String>,
    /// Cordoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<bool>,
    /// Taints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// Cloud provider id.
    #[serde(
        default,
        rename = "providerID",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider_id: Option<String>,
}

/// A node taint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
    /// When a NoExecute taint was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<String>,
}

/// `NodeStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeStatus {
    /// Total resources.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
    /// Resources available to pods.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: BTreeMap<String, Quantity>,
    /// Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<NodeCondition>,
    /// InternalIP, Hostname, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
    /// Kubelet port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon_endpoints: Option<serde_json::Value>,
    /// Versions of the node's software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_info: Option<NodeSystemInfo>,
    /// Images on the node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ContainerImage>,
}

/// A node condition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeCondition {
    /// Condition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Last heartbeat.
    #[serde(default)]
    pub last_heartbeat_time: Option<String>,
    /// Last change.
    #[serde(default)]
    pub last_transition_time: Option<String>,
    /// Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A node address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAddress {
    /// `InternalIP`, `ExternalIP`, `Hostname`, …
    #[serde(rename = "type")]
    pub type_: String,
    /// The address.
    pub address: String,
}

/// `NodeSystemInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSystemInfo {
    /// Machine id.
    #[serde(rename = "machineID")]
    pub machine_id: String,
    /// System UUID.
    #[serde(rename = "systemUUID")]
    pub system_uuid: String,
    /// Boot id.
    #[serde(rename = "bootID")]
    pub boot_id: String,
    /// Kernel version.
    pub kernel_version: String,
    /// OS image.
    pub os_image: String,
    /// `containerd://2.1.4` and the like.
    pub container_runtime_version: String,
    /// Kubelet version.
    pub kubelet_version: String,
    /// kube-proxy version (deprecated field, still filled).
    pub kube_proxy_version: String,
    /// `linux`.
    pub operating_system: String,
    /// `amd64`.
    pub architecture: String,
}

/// An image present on a node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerImage {
    /// Names and digests.
    #[serde(default)]
    pub names: Vec<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size_bytes: i64,
}

/// A RuntimeClass (`node.k8s.io/v1`): maps a name to a CRI handler.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeClass {
    /// `node.k8s.io/v1`.
    #[serde(default)]
    pub api_version: String,
    /// `RuntimeClass`.
    #[serde(default)]
    pub kind: String,
    /// Name (cluster-scoped).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// CRI handler name (`runc`, `kata`, `runsc`, …).
    #[serde(default)]
    pub handler: String,
    /// Fixed per-pod overhead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Overhead>,
    /// Scheduling constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<Scheduling>,
}

/// RuntimeClass overhead.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Overhead {
    /// Resources added to every pod using the class.
    #[serde(default)]
    pub pod_fixed: BTreeMap<String, Quantity>,
}

/// RuntimeClass scheduling.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scheduling {
    /// Node labels required.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations added to pods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
}

//! `core/v1` PersistentVolumeClaim. The simulated cluster has one default StorageClass
//! (`standard`, a node-local provisioner with `Immediate` binding), so a claim is bound to a
//! new volume `pvc-<uid>` as soon as it is created.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::meta::ObjectMeta;
use super::pod::ResourceRequirements;
use super::quantity::Quantity;

/// A PersistentVolumeClaim (`v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersistentVolumeClaim {
    /// `v1`.
    #[serde(default)]
    pub api_version: String,
    /// `PersistentVolumeClaim`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What is asked for.
    #[serde(default)]
    pub spec: PersistentVolumeClaimSpec,
    /// Binding state.
    #[serde(default)]
    pub status: PersistentVolumeClaimStatus,
}

/// `PersistentVolumeClaimSpec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersistentVolumeClaimSpec {
    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
    /// `requests.storage`.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// Storage class (defaulted to `standard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    /// The bound volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_name: Option<String>,
    /// `Filesystem` (default) or `Block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mode: Option<String>,
    /// Label selector over volumes; accepted, not simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Value>,
    /// Clone or snapshot source; accepted, not simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<Value>,
    /// Populator source; accepted, not simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source_ref: Option<Value>,
    /// Volume attributes class; accepted, not simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_attributes_class_name: Option<String>,
}

/// `PersistentVolumeClaimStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersistentVolumeClaimStatus {
    /// `Pending`, `Bound` or `Lost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Access modes of the bound volume.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
    /// Capacity of the bound volume.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
}

impl PersistentVolumeClaim {
    /// Binds the claim to a freshly provisioned volume named after its uid, as the
    /// provisioner and the PV controller do for an `Immediate` storage class.
    pub fn bind(&mut self) {
        self.spec.volume_name = Some(format!("pvc-{}", self.metadata.uid));
        self.status.phase = Some("Bound".to_owned());
        self.status.access_modes = self.spec.access_modes.clone();
        if let Some(size) = self.spec.resources.requests.get("storage") {
            self.status.capacity.insert("storage".to_owned(), *size);
        }
    }
}

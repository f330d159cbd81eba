//! The node's journal: what the kubelet, the runtime and the CNI plugin log while they work —
//! volume set-up and tear-down, network set-up (CNI ADD / DEL with the address), sandbox and
//! container steps — the steps a learner would read with `journalctl -u kubelet`.

use serde::Serialize;

use crate::api::ObjectRef;
use crate::time::SimTime;

/// One journal line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    /// When (seconds in JSON).
    #[serde(serialize_with = "crate::cri::secs")]
    pub time: SimTime,
    /// Node.
    pub node: String,
    /// `kubelet`, `containerd` or `cni`.
    pub unit: &'static str,
    /// The pod it is about.
    #[serde(serialize_with = "pod_name")]
    pub pod: ObjectRef,
    /// The message.
    pub message: String,
}

fn pod_name<S: serde::Serializer>(p: &ObjectRef, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}/{}", p.namespace, p.name))
}

impl JournalEntry {
    /// `Jan 01 00:00:05 node-1 kubelet: message`, as `journalctl` prints it.
    pub fn line(&self) -> String {
        let ts = self.time.rfc3339();
        let clock = ts.get(11..19).unwrap_or("00:00:00");
        format!(
            "Jan 01 {clock} {} {}: {}",
            self.node, self.unit, self.message
        )
    }
}

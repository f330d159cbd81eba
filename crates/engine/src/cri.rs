//! The Container Runtime Interface as the kubelet sees it: the calls it makes (with the
//! `runtime.v1` method names and message fields), the runtime's state, and the image store.

pub mod api;
pub mod fs;
pub mod host;
pub mod images;
pub mod process;
pub mod runtime;
pub mod runtimes;

use serde::Serialize;

use api::Message;

use crate::time::SimTime;

/// `runtime.v1.RuntimeService` or `runtime.v1.ImageService`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CriService {
    /// Sandboxes and containers.
    RuntimeService,
    /// Images.
    ImageService,
}

/// One CRI call the kubelet made, with its request and response messages (serialized with the
/// protobuf JSON field names: `podSandboxId`, `runtimeHandler`, …).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriCall {
    /// When the call was made (seconds in JSON output).
    #[serde(serialize_with = "secs")]
    pub time: SimTime,
    /// The node whose kubelet made it.
    pub node: String,
    /// Which service.
    pub service: CriService,
    /// Method name, e.g. `RunPodSandbox`.
    pub method: &'static str,
    /// The request.
    pub request: Message,
    /// The response (or `{"error": …}`).
    pub response: Message,
    /// How long the call took (simulated ms; not part of the JSON contract).
    #[serde(skip)]
    pub duration_ms: u64,
}

impl CriCall {
    /// Whether the kubelet makes this call on a timer rather than for a pod (PLEG relists,
    /// runtime status checks): views can hide these.
    pub fn periodic(&self) -> bool {
        matches!(
            self.method,
            "ListPodSandbox"
                | "ListContainers"
                | "Status"
                | "Version"
                | "ImageFsInfo"
                | "ListImages"
        )
    }
}

/// Serializes a time as seconds (a JSON number with millisecond precision).
pub fn secs<S: serde::Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(t.as_secs_f64())
}

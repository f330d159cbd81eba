//! Lab actions: the things a learner (or a scenario's timed script) does to the cluster that
//! a real cluster would need `kubectl exec`, `kill` or a pulled cable for.

use crate::api::lab::LabStep;
use crate::api::{Kind, ObjectRef};

/// One lab action. Serialized (for share links) as `{"Exit": {"pod": {...}, ...}}`: serde's
/// externally tagged form of the variant and its fields.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LabAction {
    /// Make the container's server answer `path` (`*`: every path) with `status`.
    HttpStatus {
        /// Pod.
        pod: ObjectRef,
        /// Container (default the first).
        container: Option<String>,
        /// HTTP path.
        path: String,
        /// Status code.
        status: u16,
    },
    /// Create (or overwrite) a file in the container.
    CreateFile {
        /// Pod.
        pod: ObjectRef,
        /// Container.
        container: Option<String>,
        /// Path.
        path: String,
        /// Content.
        content: String,
    },
    /// Delete a file in the container.
    DeleteFile {
        /// Pod.
        pod: ObjectRef,
        /// Container.
        container: Option<String>,
        /// Path.
        path: String,
    },
    /// Make the container's main process exit with `code`.
    Exit {
        /// Pod.
        pod: ObjectRef,
        /// Container.
        container: Option<String>,
        /// Exit code.
        code: i32,
    },
    /// Make the process allocate `bytes` more memory.
    GrowMemory {
        /// Pod.
        pod: ObjectRef,
        /// Container.
        container: Option<String>,
        /// Bytes.
        bytes: u64,
    },
    /// Make the process stop answering (requests and probes time out).
    Hang {
        /// Pod.
        pod: ObjectRef,
        /// Container.
        container: Option<String>,
    },
    /// `kubectl delete pod` (with `--grace-period`; 0 forces).
    DeletePod {
        /// Pod.
        pod: ObjectRef,
        /// Grace period override.
        grace_period_seconds: Option<i64>,
    },
    /// Send requests through the cluster network.
    Traffic(crate::world::TrafficSpec),
    /// Stop the node's kubelet: the node goes `NotReady` (Unknown) once the node lifecycle
    /// controller notices.
    NodeNotReady {
        /// Node name.
        node: String,
    },
}

impl LabAction {
    /// The action a validated script step describes.
    pub fn from_step(step: &LabStep) -> Option<LabAction> {
        let pod = || {
            ObjectRef::new(
                Kind::Pod,
                step.namespace.as_deref().unwrap_or("default"),
                step.pod.as_deref().unwrap_or_default(),
            )
        };
        let container = step.container.clone();
        Some(match step.action.as_str() {
            "httpStatus" => LabAction::HttpStatus {
                pod: pod(),
                container,
                path: step.path.clone().unwrap_or_else(|| "*".to_owned()),
                status: step.status?,
            },
            "createFile" => LabAction::CreateFile {
                pod: pod(),
                container,
                path: step.path.clone()?,
                content: step.content.clone().unwrap_or_default(),
            },
            "deleteFile" => LabAction::DeleteFile {
                pod: pod(),
                container,
                path: step.path.clone()?,
            },
            "exit" => LabAction::Exit {
                pod: pod(),
                container,
                code: step.code?,
            },
            "growMemory" => LabAction::GrowMemory {
                pod: pod(),
                container,
                bytes: step.memory?.value().max(0) as u64,
            },
            "hang" => LabAction::Hang {
                pod: pod(),
                container,
            },
            "deletePod" => LabAction::DeletePod {
                pod: pod(),
                grace_period_seconds: step.grace_period_seconds,
            },
            "nodeNotReady" => LabAction::NodeNotReady {
                node: step.node.clone()?,
            },
            "traffic" => LabAction::Traffic(crate::world::TrafficSpec {
                from: crate::net::trace::Source::parse(step.from.as_deref()?).ok()?,
                to: step.to.clone()?,
                requests: step.requests.unwrap_or(1),
                path: step.path.clone().unwrap_or_else(|| "/".to_owned()),
                client: crate::world::ClientOptions {
                    pool: step.pool.unwrap_or(0),
                    retries: step.retries.unwrap_or(0),
                },
            }),
            _ => return None,
        })
    }

    /// The pod the action targets, if any.
    pub fn pod(&self) -> Option<&ObjectRef> {
        match self {
            LabAction::HttpStatus { pod, .. }
            | LabAction::CreateFile { pod, .. }
            | LabAction::DeleteFile { pod, .. }
            | LabAction::Exit { pod, .. }
            | LabAction::GrowMemory { pod, .. }
            | LabAction::Hang { pod, .. }
            | LabAction::DeletePod { pod, .. } => Some(pod),
            LabAction::NodeNotReady { .. } | LabAction::Traffic(_) => None,
        }
    }

    /// A one-line description for timelines (`exit 1 in pod/web`).
    pub fn describe(&self) -> String {
        match self {
            LabAction::HttpStatus {
                pod, path, status, ..
            } => {
                format!("{} answers {status} on {path}", pod.name)
            }
            LabAction::CreateFile { pod, path, .. } => format!("create {path} in {}", pod.name),
            LabAction::DeleteFile { pod, path, .. } => format!("delete {path} in {}", pod.name),
            LabAction::Exit { pod, code, .. } => {
                format!("process in {} exits with {code}", pod.name)
            }
            LabAction::GrowMemory { pod, bytes, .. } => {
                format!(
                    "process in {} allocates {} MiB more",
                    pod.name,
                    bytes / (1024 * 1024)
                )
            }
            LabAction::Hang { pod, .. } => format!("process in {} stops answering", pod.name),
            LabAction::DeletePod {
                pod,
                grace_period_seconds,
            } => match grace_period_seconds {
                Some(g) => format!("kubectl delete pod {} --grace-period={g}", pod.name),
                None => format!("kubectl delete pod {}", pod.name),
            },
            LabAction::NodeNotReady { node } => format!("kubelet on {node} stops"),
            LabAction::Traffic(t) => format!(
                "{} sends {} request{} to {}",
                t.from,
                t.requests,
                if t.requests == 1 { "" } else { "s" },
                t.to
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trace::Source;
    use crate::world::{ClientOptions, TrafficSpec};

    #[test]
    fn actions_round_trip_through_json() {
        let pod = ObjectRef::new(Kind::Pod, "team-a", "web");
        let actions = vec![
            LabAction::HttpStatus {
                pod: pod.clone(),
                container: Some("nginx".to_owned()),
                path: "/".to_owned(),
                status: 503,
            },
            LabAction::GrowMemory {
                pod: pod.clone(),
                container: None,
                bytes: 64 << 20,
            },
            LabAction::DeletePod {
                pod,
                grace_period_seconds: Some(0),
            },
            LabAction::NodeNotReady {
                node: "node-2".to_owned(),
            },
            LabAction::Traffic(TrafficSpec {
                from: Source::External(
                    "203.0.113.7"
                        .parse()
                        .unwrap_or(std::net::Ipv4Addr::LOCALHOST),
                ),
                to: "web:80".to_owned(),
                requests: 300,
                path: "/".to_owned(),
                client: ClientOptions {
                    pool: 1,
                    retries: 2,
                },
            }),
        ];
        let json = serde_json::to_string(&actions).unwrap_or_default();
        assert!(
            json.contains(r#"{"Traffic":{"from":"external:203.0.113.7","to":"web:80""#),
            "{json}"
        );
        assert!(
            json.contains(r#"{"DeletePod":{"pod":{"kind":"Pod","namespace":"team-a","name":"web"},"grace_period_seconds":0}}"#),
            "{json}"
        );
        let back: Result<Vec<LabAction>, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(actions));
        // A client that does not parse is an error, not a default.
        let bad = r#"[{"Traffic":{"from":"pod/","to":"web","requests":1,"path":"/","client":{"pool":0,"retries":0}}}]"#;
        assert!(serde_json::from_str::<Vec<LabAction>>(bad).is_err());
    }
}

//! Lab actions: the things a learner (or a scenario's timed script) does to the cluster that
//! a real cluster would need `kubectl exec`, `kill` or a pulled cable for.

use crate::api::lab::LabStep;
use crate::api::{Kind, ObjectRef};

/// One lab action. Written down (in a Lab's script, in a share link) as a [`LabStep`]: see
/// [`LabAction::from_step`] and [`LabAction::to_step`].
#[derive(Clone, Debug, PartialEq, Eq)]
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

    /// The script step that takes this action at `at_ms` milliseconds from the start: the
    /// inverse of [`LabAction::from_step`] (`from_step(&a.to_step(t)) == Some(a)`), so that
    /// actions travel in the Lab object's own format and are read back by its decoder.
    pub fn to_step(&self, at_ms: u64) -> LabStep {
        let mut step = LabStep {
            at: format!("{at_ms}ms"),
            ..LabStep::default()
        };
        if let Some(pod) = self.pod() {
            step.pod = Some(pod.name.clone());
            step.namespace = (pod.namespace != "default").then(|| pod.namespace.clone());
        }
        let name = match self {
            LabAction::HttpStatus {
                container,
                path,
                status,
                ..
            } => {
                step.container.clone_from(container);
                step.path = Some(path.clone());
                step.status = Some(*status);
                "httpStatus"
            }
            LabAction::CreateFile {
                container,
                path,
                content,
                ..
            } => {
                step.container.clone_from(container);
                step.path = Some(path.clone());
                step.content = Some(content.clone());
                "createFile"
            }
            LabAction::DeleteFile {
                container, path, ..
            } => {
                step.container.clone_from(container);
                step.path = Some(path.clone());
                "deleteFile"
            }
            LabAction::Exit {
                container, code, ..
            } => {
                step.container.clone_from(container);
                step.code = Some(*code);
                "exit"
            }
            LabAction::GrowMemory {
                container, bytes, ..
            } => {
                step.container.clone_from(container);
                step.memory = Some(crate::api::quantity::Quantity::from_bytes(
                    i64::try_from(*bytes).unwrap_or(i64::MAX),
                ));
                "growMemory"
            }
            LabAction::Hang { container, .. } => {
                step.container.clone_from(container);
                "hang"
            }
            LabAction::DeletePod {
                grace_period_seconds,
                ..
            } => {
                step.grace_period_seconds = *grace_period_seconds;
                "deletePod"
            }
            LabAction::NodeNotReady { node } => {
                step.node = Some(node.clone());
                "nodeNotReady"
            }
            LabAction::Traffic(t) => {
                step.from = Some(t.from.to_string());
                step.to = Some(t.to.clone());
                step.requests = Some(t.requests);
                step.path = Some(t.path.clone());
                step.pool = Some(t.client.pool);
                step.retries = Some(t.client.retries);
                "traffic"
            }
        };
        step.action = name.to_owned();
        step
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
    use crate::api::decode::{Document, decode_manifests};
    use crate::api::lab::Lab;
    use crate::net::trace::Source;
    use crate::world::{ClientOptions, TrafficSpec};

    #[test]
    fn actions_round_trip_through_script_steps() {
        let pod = ObjectRef::new(Kind::Pod, "team-a", "web");
        let web = ObjectRef::new(Kind::Pod, "default", "web");
        let actions = vec![
            LabAction::HttpStatus {
                pod: pod.clone(),
                container: Some("nginx".to_owned()),
                path: "/".to_owned(),
                status: 503,
            },
            LabAction::CreateFile {
                pod: web.clone(),
                container: None,
                path: "/tmp/healthy".to_owned(),
                content: "ok\n".to_owned(),
            },
            LabAction::DeleteFile {
                pod: web.clone(),
                container: None,
                path: "/tmp/healthy".to_owned(),
            },
            LabAction::Exit {
                pod: web.clone(),
                container: None,
                code: -1,
            },
            LabAction::GrowMemory {
                pod: pod.clone(),
                container: None,
                bytes: 64 << 20,
            },
            LabAction::Hang {
                pod: web,
                container: Some("c".to_owned()),
            },
            LabAction::DeletePod {
                pod,
                grace_period_seconds: Some(0),
            },
            LabAction::NodeNotReady {
                node: "node-2".to_owned(),
            },
            LabAction::Traffic(TrafficSpec {
                from: Source::External(std::net::Ipv4Addr::new(203, 0, 113, 7)),
                to: "web:80".to_owned(),
                requests: 300,
                path: "/".to_owned(),
                client: ClientOptions {
                    pool: 1,
                    retries: 2,
                },
            }),
        ];
        let lab = Lab {
            api_version: crate::api::decode::LAB_API_VERSION.to_owned(),
            kind: "Lab".to_owned(),
            spec: crate::api::lab::LabSpec {
                script: actions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| a.to_step(1500 + i as u64))
                    .collect(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(lab.spec.script[0].at, "1500ms");
        assert_eq!(lab.spec.script[6].namespace.as_deref(), Some("team-a"));
        assert_eq!(lab.spec.script[7].namespace, None);
        // Written as JSON (a YAML document too) and read back by the Lab's own decoder.
        let text = serde_json::to_string(&lab).unwrap_or_default();
        let decoded = decode_manifests("script", &text).map_err(|e| format!("{e:?}"));
        let Ok([m]) = decoded.as_deref() else {
            panic!("one Lab document: {decoded:?}");
        };
        let Document::Lab(back) = &m.document else {
            panic!("a Lab: {m:?}");
        };
        let again: Vec<Option<LabAction>> =
            back.spec.script.iter().map(LabAction::from_step).collect();
        assert_eq!(again, actions.into_iter().map(Some).collect::<Vec<_>>());
    }
}

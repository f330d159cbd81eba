//! The status manager's view of a pod: container statuses (`convertToAPIContainerStatuses`),
//! the phase (`getPhase`) and the kubelet-owned conditions (`pkg/kubelet/status/generate.go`),
//! all in `pkg/kubelet/kubelet_pods.go` order.

use crate::api::pod::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, Pod,
};
use crate::cri::runtime::{self, RuntimeContainer};

/// What the kubelet knows about one container of the pod.
pub struct ContainerView<'a> {
    /// Its spec.
    pub spec: &'a Container,
    /// The newest instance in the runtime.
    pub current: Option<&'a RuntimeContainer>,
    /// The instance before it.
    pub previous: Option<&'a RuntimeContainer>,
    /// The prober's readiness (readiness probe verdict, or running without one).
    pub ready: bool,
    /// Running and past its startup probe.
    pub started: bool,
    /// The error of the last sync for this container (`reasonCache`): reason and message.
    pub cached: Option<(&'a str, &'a str)>,
    /// Whether the kubelet will restart it (`ShouldContainerBeRestarted`).
    pub will_restart: bool,
}

fn terminated(c: &RuntimeContainer) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code: c.exit_code,
            signal: None,
            reason: Some(c.reason.clone()).filter(|r| !r.is_empty()),
            message: Some(c.message.clone()).filter(|m| !m.is_empty()),
            started_at: Some(c.started_at.unwrap_or_default().rfc3339())
                .filter(|_| c.started_at.is_some())
                .or_else(|| Some("1970-01-01T00:00:00Z".to_owned())),
            finished_at: c.finished_at.map(|t| t.rfc3339()),
            container_id: Some(c.uri()),
        }),
        ..ContainerState::default()
    }
}

/// One container's API status. `default_waiting` is `ContainerCreating`, or
/// `PodInitializing` when the pod has init containers.
pub fn container_status(v: &ContainerView<'_>, default_waiting: &str) -> ContainerStatus {
    let image = v.spec.image.clone().unwrap_or_default();
    let mut s = ContainerStatus {
        name: v.spec.name.clone(),
        image: image.clone(),
        started: Some(false),
        state: ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(default_waiting.to_owned()),
                message: None,
            }),
            ..ContainerState::default()
        },
        ..ContainerStatus::default()
    };
    if let Some(c) = v.current {
        if !c.image_name.is_empty() {
            s.image = c.image_name.clone();
            s.image_id = c.image_id.clone();
        }
        s.container_id = Some(c.uri());
        s.restart_count = c.attempt() as i32;
        s.state = match c.state {
            runtime::ContainerState::Running => ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: c.started_at.map(|t| t.rfc3339()),
                }),
                ..ContainerState::default()
            },
            runtime::ContainerState::Exited => terminated(c),
            runtime::ContainerState::Created => ContainerState {
                waiting: Some(ContainerStateWaiting::default()),
                ..ContainerState::default()
            },
        };
        s.started = Some(v.started && c.state == runtime::ContainerState::Running);
        s.ready = v.ready && c.state == runtime::ContainerState::Running;
        // Init containers that completed count as ready (prober_manager UpdatePodStatus).
        if c.state == runtime::ContainerState::Exited && c.exit_code == 0 && v.ready {
            s.ready = true;
        }
    }
    if let Some(p) = v
        .previous
        .filter(|p| p.state == runtime::ContainerState::Exited)
    {
        s.last_state = terminated(p);
    }
    if let Some((reason, message)) = v.cached
        && v.will_restart
    {
        if s.state.terminated.is_some() {
            s.last_state = std::mem::take(&mut s.state);
        }
        s.state = ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.to_owned()),
                message: Some(message.to_owned()).filter(|m| !m.is_empty()),
            }),
            ..ContainerState::default()
        };
        s.ready = false;
    }
    s
}

fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// `getPhase`: the pod phase from its container statuses.
pub fn phase(
    pod: &Pod,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    terminal: bool,
) -> &'static str {
    let spec = &pod.spec;
    let find = |list: &[ContainerStatus], name: &str| list.iter().find(|s| s.name == name).cloned();
    let (mut pending_init, mut failed_init) = (0, 0);
    for c in spec.init_containers.iter().filter(|c| !is_sidecar(c)) {
        match find(init, &c.name) {
            None => pending_init += 1,
            Some(s) if s.state.running.is_some() => pending_init += 1,
            Some(s) if s.state.terminated.is_some() => {
                if s.state
                    .terminated
                    .as_ref()
                    .is_some_and(|t| t.exit_code != 0)
                {
                    failed_init += 1;
                }
            }
            Some(s) if s.state.waiting.is_some() => match &s.last_state.terminated {
                Some(t) if t.exit_code != 0 => failed_init += 1,
                Some(_) => {}
                None => pending_init += 1,
            },
            Some(_) => pending_init += 1,
        }
    }
    let (mut unknown, mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0, 0);
    for c in spec.init_containers.iter().filter(|c| is_sidecar(c)) {
        match find(init, &c.name) {
            None => unknown += 1,
            Some(s) if s.state.running.is_some() => running += 1,
            Some(s) if s.state.terminated.is_some() => {}
            Some(s) if s.state.waiting.is_some() => {
                if s.last_state.terminated.is_none() {
                    waiting += 1;
                }
            }
            Some(_) => unknown += 1,
        }
    }
    for c in &spec.containers {
        match find(app, &c.name) {
            None => unknown += 1,
            Some(s) if s.state.running.is_some() => running += 1,
            Some(s) if s.state.terminated.is_some() => {
                stopped += 1;
                if s.state
                    .terminated
                    .as_ref()
                    .is_some_and(|t| t.exit_code == 0)
                {
                    succeeded += 1;
                }
            }
            Some(s) if s.state.waiting.is_some() => {
                if s.last_state.terminated.is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
            Some(_) => unknown += 1,
        }
    }
    let policy = spec.restart_policy.as_deref().unwrap_or("Always");
    if failed_init > 0 && policy == "Never" {
        return "Failed";
    }
    let any_regular_started = app.iter().any(|s| {
        s.state.running.is_some()
            || s.state.terminated.is_some()
            || s.last_state.terminated.is_some()
    });
    if (pending_init > 0 && !any_regular_started) || waiting > 0 {
        return "Pending";
    }
    if running > 0 && unknown == 0 {
        return "Running";
    }
    if running == 0 && stopped > 0 && unknown == 0 {
        if terminal {
            return if stopped == succeeded {
                "Succeeded"
            } else {
                "Failed"
            };
        }
        if policy == "Always" {
            return "Running";
        }
        if stopped == succeeded {
            return "Succeeded";
        }
        if policy == "Never" {
            return "Failed";
        }
        return "Running";
    }
    "Pending"
}

/// Condition status, reason and message.
pub type Condition = (&'static str, Option<&'static str>, Option<String>);

fn names(list: &[String]) -> String {
    format!("[{}]", list.join(" "))
}

/// `GeneratePodInitializedCondition`.
pub fn initialized(
    pod: &Pod,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    phase: &str,
) -> Condition {
    if pod.spec.init_containers.is_empty() {
        return ("True", None, None);
    }
    let started = app.iter().any(|s| {
        s.state.running.is_some()
            || s.state.terminated.is_some()
            || s.last_state.terminated.is_some()
    });
    if started {
        return ("True", None, None);
    }
    let mut incomplete = Vec::new();
    for c in &pod.spec.init_containers {
        let s = init.iter().find(|s| s.name == c.name);
        let done = match s {
            Some(s) if is_sidecar(c) => s.started == Some(true),
            Some(s) => s
                .state
                .terminated
                .as_ref()
                .is_some_and(|t| t.exit_code == 0),
            None => false,
        };
        if !done {
            incomplete.push(c.name.clone());
        }
    }
    if incomplete.is_empty() {
        return ("True", None, None);
    }
    if phase == "Succeeded" {
        return ("False", Some("PodCompleted"), None);
    }
    (
        "False",
        Some("ContainersNotInitialized"),
        Some(format!(
            "containers with incomplete status: {}",
            names(&incomplete)
        )),
    )
}

/// `GenerateContainersReadyCondition` (sidecars count, as do app containers).
pub fn containers_ready(
    pod: &Pod,
    init: &[ContainerStatus],
    app: &[ContainerStatus],
    phase: &str,
) -> Condition {
    let mut unknown = Vec::new();
    let mut unready = Vec::new();
    let sidecars = pod.spec.init_containers.iter().filter(|c| is_sidecar(c));
    for c in sidecars.chain(pod.spec.containers.iter()) {
        let s = init.iter().chain(app).find(|s| s.name == c.name);
        match s {
            None => unknown.push(c.name.clone()),
            Some(s) if !s.ready => unready.push(c.name.clone()),
            Some(_) => {}
        }
    }
    if phase == "Succeeded" {
        return ("False", Some("PodCompleted"), None);
    }
    if phase == "Failed" {
        return ("False", Some("PodFailed"), None);
    }
    let mut parts = Vec::new();
    if !unknown.is_empty() {
        parts.push(format!(
            "containers with unknown status: {}",
            names(&unknown)
        ));
    }
    if !unready.is_empty() {
        parts.push(format!(
            "containers with unready status: {}",
            names(&unready)
        ));
    }
    if parts.is_empty() {
        ("True", None, None)
    } else {
        ("False", Some("ContainersNotReady"), Some(parts.join(", ")))
    }
}

/// `GeneratePodReadyCondition`: ContainersReady and every readiness gate.
pub fn ready(pod: &Pod, containers_ready: &Condition) -> Condition {
    if containers_ready.0 != "True" {
        return containers_ready.clone();
    }
    for gate in &pod.spec.readiness_gates {
        let c = pod
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == gate.condition_type);
        match c {
            None => {
                return (
                    "False",
                    Some("ReadinessGatesNotReady"),
                    Some(format!(
                        "corresponding condition of pod readiness gate {:?} does not exist.",
                        gate.condition_type
                    )),
                );
            }
            Some(c) if c.status != "True" => {
                return (
                    "False",
                    Some("ReadinessGatesNotReady"),
                    Some(format!(
                        "the status of pod readiness gate {:?} is not \"True\", but {}",
                        gate.condition_type, c.status
                    )),
                );
            }
            Some(_) => {}
        }
    }
    ("True", None, None)
}

//! The lesson scenarios the lab can load (`lessons/scenarios/*.yaml`).

use crate::i18n::Key;

/// A scenario of the lab's picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// A plain nginx Pod: scheduling, image pull, start.
    NginxPod,
    /// The documentation's HTTP liveness probe: probes fail after 10 s and the kubelet restarts
    /// the container.
    LivenessHttp,
    /// A ClusterIP Service in front of three nginx Pods on two nodes, and a client Pod: the
    /// kube-proxy views' scenario.
    ServiceWeb,
}

impl Scenario {
    /// Every scenario, in picker order; the first is the lesson's default.
    pub const ALL: [Scenario; 3] = [
        Scenario::NginxPod,
        Scenario::LivenessHttp,
        Scenario::ServiceWeb,
    ];

    /// The file stem, used as the picker's option value.
    pub fn id(self) -> &'static str {
        match self {
            Scenario::NginxPod => "nginx-pod",
            Scenario::LivenessHttp => "liveness-http",
            Scenario::ServiceWeb => "service-web",
        }
    }

    /// The scenario with file stem `id`.
    pub fn from_id(id: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The picker label.
    pub fn label(self) -> Key {
        match self {
            Scenario::NginxPod => Key::ScenarioNginx,
            Scenario::LivenessHttp => Key::ScenarioLivenessHttp,
            Scenario::ServiceWeb => Key::ScenarioServiceWeb,
        }
    }

    /// The manifests, as the lesson ships them.
    pub fn manifest(self) -> &'static str {
        match self {
            Scenario::NginxPod => include_str!("../lessons/scenarios/nginx-pod.yaml"),
            Scenario::LivenessHttp => include_str!("../lessons/scenarios/liveness-http.yaml"),
            Scenario::ServiceWeb => include_str!("../lessons/scenarios/service-web.yaml"),
        }
    }
}

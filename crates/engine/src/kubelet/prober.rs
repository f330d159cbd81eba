//! Probe workers (`pkg/kubelet/prober/worker.go`) and the probe handlers (`pkg/probe/exec`,
//! `http`, `tcp`, `grpc`): one worker per container and probe type, ticking every
//! `periodSeconds` from the moment the pod was added, counting consecutive results against
//! the thresholds.

use crate::api::meta::IntOrString;
use crate::api::pod::{Container, Probe};
use crate::cri::process::Answer;
use crate::cri::process::shell::ExecResult;
use crate::time::SimTime;

/// Liveness, readiness or startup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    /// Restarts the container on failure.
    Liveness,
    /// Gates the container's `ready`.
    Readiness,
    /// Gates the other probes until it succeeds.
    Startup,
}

impl ProbeKind {
    /// `Liveness`, `Readiness`, `Startup` (the event text prefix).
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Startup => "Startup",
        }
    }

    /// The container's probe of this kind.
    pub fn of(self, c: &Container) -> Option<&Probe> {
        match self {
            ProbeKind::Liveness => c.liveness_probe.as_ref(),
            ProbeKind::Readiness => c.readiness_probe.as_ref(),
            ProbeKind::Startup => c.startup_probe.as_ref(),
        }
    }

    /// Every kind.
    pub const ALL: [ProbeKind; 3] = [
        ProbeKind::Startup,
        ProbeKind::Liveness,
        ProbeKind::Readiness,
    ];
}

/// A probe result (`pkg/kubelet/prober/results`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ProbeResult {
    /// Passed.
    Success,
    /// Failed.
    Failure,
    /// No verdict yet.
    Unknown,
}

/// One probe attempt, for the probe timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProbeRecord {
    /// When it ran.
    #[serde(serialize_with = "crate::cri::secs")]
    pub time: SimTime,
    /// Its result.
    pub result: ProbeResult,
    /// The handler's output (the `Unhealthy` event text after the prefix).
    pub output: String,
    /// Consecutive results equal to this one, this one included.
    pub run: u32,
    /// The worker's verdict after this attempt.
    pub verdict: ProbeResult,
    /// Whether this attempt flipped the verdict.
    pub flipped: bool,
}

/// What a worker does on a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Run the probe.
    Probe,
    /// Skip this tick.
    Skip,
}

/// A probe worker's state.
#[derive(Clone, Debug)]
pub struct ProbeWorker {
    /// Probe type.
    pub kind: ProbeKind,
    /// The probe spec (defaulted).
    pub spec: Probe,
    /// Current verdict (what the results manager holds).
    pub verdict: ProbeResult,
    last_result: ProbeResult,
    result_run: u32,
    container_id: Option<String>,
    on_hold: bool,
    /// Every attempt, oldest first (the last 500).
    pub history: Vec<ProbeRecord>,
}

impl ProbeWorker {
    /// A worker with the kind's initial result: readiness `Failure`, liveness `Success`,
    /// startup `Unknown` (worker.go `newWorker`).
    pub fn new(kind: ProbeKind, spec: Probe) -> ProbeWorker {
        ProbeWorker {
            kind,
            spec,
            verdict: initial(kind),
            last_result: ProbeResult::Unknown,
            result_run: 0,
            container_id: None,
            on_hold: false,
            history: Vec::new(),
        }
    }

    /// The verdict for container instance `id` (the results manager is keyed by container
    /// id: a new instance starts from the initial result).
    pub fn verdict_for(&self, id: &str) -> ProbeResult {
        if self.container_id.as_deref() == Some(id) {
            self.verdict
        } else {
            initial(self.kind)
        }
    }

    /// `periodSeconds` in milliseconds.
    pub fn period_ms(&self) -> u64 {
        self.spec.period_seconds.unwrap_or(10).max(1) as u64 * 1000
    }

    /// `timeoutSeconds`.
    pub fn timeout_s(&self) -> i64 {
        i64::from(self.spec.timeout_seconds.unwrap_or(1).max(1))
    }

    /// The first half of `doProbe`: reacts to the container's state and decides whether to
    /// probe. `started` is the container's `started` flag.
    pub fn gate(
        &mut self,
        container_id: Option<&str>,
        running_since: Option<SimTime>,
        started: bool,
        now: SimTime,
    ) -> Gate {
        let Some(id) = container_id else {
            return Gate::Skip;
        };
        if self.container_id.as_deref() != Some(id) {
            // A new container instance: reset to the initial result.
            self.container_id = Some(id.to_owned());
            self.verdict = initial(self.kind);
            self.on_hold = false;
            self.last_result = ProbeResult::Unknown;
            self.result_run = 0;
        }
        let Some(since) = running_since else {
            // A non-running container is a failure (worker.go).
            self.verdict = ProbeResult::Failure;
            return Gate::Skip;
        };
        if self.on_hold {
            return Gate::Skip;
        }
        match self.kind {
            ProbeKind::Startup if started => return Gate::Skip,
            ProbeKind::Liveness | ProbeKind::Readiness if !started => return Gate::Skip,
            _ => {}
        }
        // `int32(time.Since(startedAt).Seconds()) < initialDelaySeconds`
        let elapsed_s = now.millis_since(since) / 1000;
        if elapsed_s < self.spec.initial_delay_seconds.unwrap_or(0).max(0) as u64 {
            return Gate::Skip;
        }
        Gate::Probe
    }

    /// The second half of `doProbe`: counts the result against the thresholds. Returns the
    /// new verdict when it changed.
    pub fn record(
        &mut self,
        result: ProbeResult,
        output: String,
        now: SimTime,
    ) -> Option<ProbeResult> {
        if self.last_result == result {
            self.result_run += 1;
        } else {
            self.last_result = result;
            self.result_run = 1;
        }
        let failure_threshold = self.spec.failure_threshold.unwrap_or(3).max(1) as u32;
        let success_threshold = self.spec.success_threshold.unwrap_or(1).max(1) as u32;
        let below = (result == ProbeResult::Failure && self.result_run < failure_threshold)
            || (result == ProbeResult::Success && self.result_run < success_threshold);
        let before = self.verdict;
        let run = self.result_run;
        if !below {
            self.verdict = result;
            if (self.kind == ProbeKind::Liveness && result == ProbeResult::Failure)
                || self.kind == ProbeKind::Startup
            {
                // Stop probing until a new container instance appears.
                self.on_hold = true;
                self.result_run = 0;
            }
        }
        let flipped = self.verdict != before;
        self.history.push(ProbeRecord {
            time: now,
            result,
            output,
            run,
            verdict: self.verdict,
            flipped,
        });
        if self.history.len() > 500 {
            self.history.remove(0);
        }
        flipped.then_some(self.verdict)
    }
}

fn initial(kind: ProbeKind) -> ProbeResult {
    match kind {
        ProbeKind::Readiness => ProbeResult::Failure,
        ProbeKind::Liveness => ProbeResult::Success,
        ProbeKind::Startup => ProbeResult::Unknown,
    }
}

/// What a probe handler can reach: the container (exec) and the pod's network namespace.
pub trait ProbeTarget {
    /// The pod IP.
    fn pod_ip(&self) -> String;
    /// `ExecSync` in the container.
    fn exec(&mut self, argv: &[String], timeout_s: i64) -> Result<ExecResult, String>;
    /// An HTTP GET to the pod on `port`.
    fn http(&self, port: u16, path: &str) -> Answer;
    /// gRPC health on `port`.
    fn grpc(&self, port: u16) -> Option<&'static str>;
}

/// Resolves a probe's port: a number, or the name of one of the container's ports.
pub fn resolve_port(port: &IntOrString, container: &Container) -> Result<u16, String> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).map_err(|_| format!("invalid port number: {n}")),
        IntOrString::String(name) => container
            .ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok())
            .ok_or_else(|| format!("couldn't find port: {name} in {}", container.name)),
    }
}

/// Runs one probe: its result and output (`pkg/probe/*` texts).
pub fn run(
    probe: &Probe,
    container: &Container,
    target: &mut dyn ProbeTarget,
) -> (ProbeResult, String) {
    let timeout_s = i64::from(probe.timeout_seconds.unwrap_or(1).max(1));
    if let Some(exec) = &probe.exec {
        return match target.exec(&exec.command, timeout_s) {
            // pkg/probe/exec: a command that outlives its timeout fails.
            Ok(r) if r.timed_out => (
                ProbeResult::Failure,
                format!("command {:?} timed out", exec.command.join(" ")),
            ),
            Ok(r) => {
                let output = format!("{}{}", r.stdout, r.stderr).trim_end().to_owned();
                if r.exit_code == 0 {
                    (ProbeResult::Success, output)
                } else {
                    (ProbeResult::Failure, output)
                }
            }
            Err(e) => (ProbeResult::Unknown, e),
        };
    }
    let ip = target.pod_ip();
    if let Some(h) = &probe.http_get {
        let port = match resolve_port(&h.port, container) {
            Ok(p) => p,
            Err(e) => return (ProbeResult::Unknown, e),
        };
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
        let host = h.host.clone().unwrap_or_else(|| ip.clone());
        let path = h.path.as_deref().unwrap_or("/");
        let url = format!("{scheme}://{host}:{port}{path}");
        return match target.http(port, path) {
            Answer::Refused => (
                ProbeResult::Failure,
                format!("Get {url:?}: dial tcp {host}:{port}: connect: connection refused"),
            ),
            Answer::Hang => (
                ProbeResult::Failure,
                format!(
                    "Get {url:?}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                ),
            ),
            Answer::NotHttp => (
                ProbeResult::Failure,
                format!(
                    "Get {url:?}: net/http: HTTP/1.x transport connection broken: malformed HTTP response"
                ),
            ),
            // pkg/probe/http: 200 <= code < 400 is success.
            Answer::Http(r) if (200..400).contains(&r.status) => (
                ProbeResult::Success,
                r.body.chars().take(10 * 1024).collect(),
            ),
            Answer::Http(r) => (
                ProbeResult::Failure,
                format!("HTTP probe failed with statuscode: {}", r.status),
            ),
        };
    }
    if let Some(t) = &probe.tcp_socket {
        let port = match resolve_port(&t.port, container) {
            Ok(p) => p,
            Err(e) => return (ProbeResult::Unknown, e),
        };
        let host = t.host.clone().unwrap_or_else(|| ip.clone());
        return match target.http(port, "/") {
            Answer::Refused => (
                ProbeResult::Failure,
                format!("dial tcp {host}:{port}: connect: connection refused"),
            ),
            // The kernel completes the handshake even when the program is stuck.
            _ => (ProbeResult::Success, String::new()),
        };
    }
    if let Some(g) = &probe.grpc {
        let port = u16::try_from(g.port).unwrap_or_default();
        return match (target.http(port, "/"), target.grpc(port)) {
            (Answer::Refused, _) | (Answer::Hang, _) => (
                ProbeResult::Failure,
                format!(
                    "timeout: failed to connect service \"{ip}:{port}\" within {timeout_s}s: context deadline exceeded"
                ),
            ),
            (_, Some("SERVING")) => (ProbeResult::Success, "service healthy".to_owned()),
            (_, Some(other)) => (
                ProbeResult::Failure,
                format!("service unhealthy (responded with {other:?})"),
            ),
            (_, None) => (
                ProbeResult::Failure,
                "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: code = Unimplemented desc = unknown service grpc.health.v1.Health".to_owned(),
            ),
        };
    }
    (ProbeResult::Unknown, "missing probe handler".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(failure: i32, success: i32) -> Probe {
        Probe {
            failure_threshold: Some(failure),
            success_threshold: Some(success),
            period_seconds: Some(5),
            initial_delay_seconds: Some(5),
            ..Probe::default()
        }
    }

    #[test]
    fn verdict_flips_only_at_the_threshold_and_liveness_holds() {
        let mut w = ProbeWorker::new(ProbeKind::Liveness, probe(3, 1));
        let t0 = SimTime::ZERO;
        assert_eq!(
            w.gate(Some("c1"), Some(t0), true, SimTime::from_secs(4)),
            Gate::Skip
        );
        assert_eq!(
            w.gate(Some("c1"), Some(t0), true, SimTime::from_secs(5)),
            Gate::Probe
        );
        assert_eq!(w.record(ProbeResult::Failure, "x".into(), t0), None);
        assert_eq!(w.record(ProbeResult::Failure, "x".into(), t0), None);
        assert_eq!(
            w.record(ProbeResult::Failure, "x".into(), t0),
            Some(ProbeResult::Failure)
        );
        assert_eq!(
            w.gate(Some("c1"), Some(t0), true, SimTime::from_secs(30)),
            Gate::Skip
        );
        // A new container resets the worker to the initial liveness result.
        assert_eq!(
            w.gate(Some("c2"), Some(t0), true, SimTime::from_secs(30)),
            Gate::Probe
        );
        assert_eq!(w.verdict, ProbeResult::Success);
    }

    #[test]
    fn readiness_starts_failed_and_needs_success_threshold() {
        let mut w = ProbeWorker::new(ProbeKind::Readiness, probe(3, 2));
        assert_eq!(w.verdict, ProbeResult::Failure);
        let t0 = SimTime::ZERO;
        assert_eq!(
            w.gate(Some("c"), Some(t0), false, SimTime::from_secs(9)),
            Gate::Skip
        );
        assert_eq!(w.record(ProbeResult::Success, String::new(), t0), None);
        assert_eq!(
            w.record(ProbeResult::Success, String::new(), t0),
            Some(ProbeResult::Success)
        );
    }
}

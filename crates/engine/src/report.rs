//! Read-only views of a world for the CLI and the UI: the `nodelab run` JSON report and the
//! `kubectl get` style tables.

pub mod crictl;
pub mod describe;
pub mod kubectl;
pub mod workloads;

use serde_json::{Value, json};

use crate::api::pod::Pod;
use crate::api::{Kind, Object};
use crate::time::{SimTime, human_duration};
use crate::world::World;

/// The `nodelab run --format json` document: `{"time", "nodes", "pods", "services",
/// "endpointSlices", "events", "criCalls"}` with objects serialized as the API serializes them.
pub fn run_report(world: &World) -> Value {
    let objects = |kind| {
        world
            .list(kind)
            .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
            .collect::<Vec<_>>()
    };
    let events: Vec<Value> = world
        .events()
        .all()
        .iter()
        .map(|e| {
            let mut v = json!({
                "time": e.time.as_secs_f64(),
                "type": e.type_,
                "reason": e.reason,
                "object": e.object.to_string(),
                "message": e.message,
            });
            // Additive: only events with a recorded cause carry `cause`.
            if let (Some(cause), Some(map)) = (&e.cause, v.as_object_mut()) {
                map.insert(
                    "cause".to_owned(),
                    serde_json::to_value(cause).unwrap_or(Value::Null),
                );
            }
            v
        })
        .collect();
    json!({
        "time": world.now().as_secs_f64(),
        "nodes": objects(Kind::Node),
        "pods": objects(Kind::Pod),
        "services": objects(Kind::Service),
        "endpointSlices": objects(Kind::EndpointSlice),
        "events": events,
        "criCalls": world.cri_calls(),
        "journal": world.journal(),
        "traffic": world.traffic().iter().map(traffic_json).collect::<Vec<_>>(),
    })
}

/// One batch of requests as `nodelab run --format json` reports it.
fn traffic_json(run: &crate::world::TrafficRun) -> Value {
    json!({
        "time": run.time.as_secs_f64(),
        "from": run.spec.from.to_string(),
        "to": run.spec.to,
        "requests": run.spec.requests,
        "pool": run.spec.client.pool,
        "retries": run.spec.client.retries,
        "newConnections": run.results.iter().filter(|r| r.new_connection).count(),
        "rulesEvaluated": run.evaluated,
        "distribution": run.distribution(),
    })
}

/// The requests sent (lab `traffic` actions): one row per batch and destination, with how
/// many requests each backend received.
pub fn traffic_table(world: &World) -> String {
    let mut rows = Vec::new();
    for run in world.traffic() {
        for (backend, n) in run.distribution() {
            rows.push(vec![
                format!("{}s", run.time.as_millis() / 1000),
                run.spec.from.to_string(),
                run.spec.to.clone(),
                backend,
                format!("{n}/{}", run.spec.requests),
            ]);
        }
    }
    table(&["TIME", "FROM", "TO", "BACKEND", "REQUESTS"], &rows)
}

/// One row of `kubectl get pods -o wide`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodRow {
    /// NAME.
    pub name: String,
    /// Namespace (shown with `-A`).
    pub namespace: String,
    /// READY, e.g. `1/1`.
    pub ready: String,
    /// STATUS as kubectl computes it.
    pub status: String,
    /// RESTARTS.
    pub restarts: String,
    /// AGE.
    pub age: String,
    /// IP.
    pub ip: String,
    /// NODE.
    pub node: String,
}

/// The pods table at the world's current time.
pub fn pod_rows(world: &World) -> Vec<PodRow> {
    world
        .list(Kind::Pod)
        .filter_map(|o| {
            if let Object::Pod(p) = o {
                Some(pod_row(p, world.now()))
            } else {
                None
            }
        })
        .collect()
}

fn pod_row(pod: &Pod, now: SimTime) -> PodRow {
    let created = pod
        .metadata
        .creation_timestamp
        .as_deref()
        .map_or(0, rfc3339_to_ms);
    let columns = print_pod(pod, now);
    PodRow {
        name: pod.metadata.name.clone(),
        namespace: pod.metadata.namespace.clone(),
        ready: columns.ready,
        status: columns.status,
        restarts: columns.restarts,
        age: human_duration(now.as_millis().saturating_sub(created)),
        ip: pod
            .status
            .pod_ip
            .clone()
            .unwrap_or_else(|| "<none>".to_owned()),
        node: pod
            .spec
            .node_name
            .clone()
            .unwrap_or_else(|| "<none>".to_owned()),
    }
}

/// READY, STATUS and RESTARTS of `kubectl get pods`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodColumns {
    /// `1/2`: ready containers (sidecars included) over containers.
    pub ready: String,
    /// STATUS.
    pub status: String,
    /// `3 (40s ago)`.
    pub restarts: String,
}

/// The STATUS column as kubectl computes it (`printPod`,
/// `pkg/printers/internalversion/printers.go`).
pub fn pod_status_column(pod: &Pod) -> String {
    print_pod(pod, SimTime::ZERO).status
}

/// `printPod`: READY, STATUS (phase, overridden by the pod's reason, `Init:` states, a
/// waiting or terminated container's reason, `Terminating`) and RESTARTS.
pub fn print_pod(pod: &Pod, now: SimTime) -> PodColumns {
    let sidecar = |name: &str| {
        pod.spec
            .init_containers
            .iter()
            .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
    };
    let total = pod.spec.containers.len()
        + pod
            .spec
            .init_containers
            .iter()
            .filter(|c| sidecar(&c.name))
            .count();
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut ready = 0;
    let mut last_restart: Option<u64> = None;
    let mut note_restart = |s: &crate::api::pod::ContainerStatus| {
        if let Some(t) = s
            .last_state
            .terminated
            .as_ref()
            .and_then(|t| t.finished_at.as_deref())
        {
            let ms = rfc3339_to_ms(t);
            last_restart = Some(last_restart.map_or(ms, |l| l.max(ms)));
        }
    };
    let mut reason = pod
        .status
        .reason
        .clone()
        .or_else(|| pod.status.phase.clone())
        .unwrap_or_else(|| "Pending".to_owned());
    let mut initializing = false;
    let inits = pod.spec.init_containers.len();
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        restarts += c.restart_count;
        note_restart(c);
        if sidecar(&c.name) {
            sidecar_restarts += c.restart_count;
        }
        let term = c.state.terminated.as_ref();
        let waiting = c.state.waiting.as_ref().and_then(|w| w.reason.as_deref());
        if term.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar(&c.name) && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = term {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(s) if s != 0 => format!("Init:Signal:{s}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(w) = waiting.filter(|w| !w.is_empty() && *w != "PodInitializing") {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{inits}");
        }
        initializing = true;
        break;
    }
    let initialized = pod
        .status
        .conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            restarts += c.restart_count;
            note_restart(c);
            let waiting = c.state.waiting.as_ref().and_then(|w| w.reason.clone());
            let term = c.state.terminated.as_ref();
            if let Some(w) = waiting.filter(|w| !w.is_empty()) {
                reason = w;
            } else if let Some(t) = term {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_owned(),
                    _ => match t.signal {
                        Some(s) if s != 0 => format!("Signal:{s}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && c.state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_owned();
        }
    }
    let terminal = matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
    if pod.metadata.deletion_timestamp.is_some() && pod.status.reason.as_deref() == Some("NodeLost")
    {
        reason = "Unknown".to_owned();
    } else if pod.metadata.deletion_timestamp.is_some() && !terminal {
        reason = "Terminating".to_owned();
    }
    let restarts = match last_restart {
        Some(at) if restarts > 0 => format!(
            "{restarts} ({} ago)",
            human_duration(now.as_millis().saturating_sub(at))
        ),
        _ => restarts.to_string(),
    };
    PodColumns {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
    }
}

/// Milliseconds since simulated t = 0 of an RFC 3339 timestamp this engine wrote.
pub fn rfc3339_to_ms(ts: &str) -> u64 {
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp() - crate::time::EPOCH_UNIX_SECONDS).max(0) as u64 * 1000)
        .unwrap_or(0)
}

/// Lays out rows like kubectl's tabwriter: left-aligned columns separated by three spaces.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    aligned(headers, rows, 0)
        .lines()
        .map(|l| l.trim_end().to_owned() + "\n")
        .collect()
}

/// Go's tabwriter with padding 3 and `min_width`: each column as wide as its widest cell plus
/// 3 (at least `min_width`); the last column is not padded.
pub fn aligned(headers: &[&str], rows: &[Vec<String>], min_width: usize) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let width = (w + 3).max(min_width);
                out.push_str(&format!("{cell:<width$}"));
            }
        }
        out + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// `kubectl get events` at the world's current time: LAST SEEN (age), TYPE, REASON, OBJECT,
/// MESSAGE, oldest first.
pub fn events_table(world: &World) -> String {
    let rows: Vec<Vec<String>> = world
        .events()
        .aggregated()
        .iter()
        .map(|a| {
            vec![
                human_duration(world.now().millis_since(a.last)),
                format!("{:?}", a.event.type_),
                a.event.reason.clone(),
                a.event.object.to_string(),
                a.event.message.clone(),
            ]
        })
        .collect();
    table(&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], &rows)
}

/// `kubectl get pods -o wide` at the world's current time.
pub fn pods_table(world: &World) -> String {
    let rows: Vec<Vec<String>> = pod_rows(world)
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                r.ready,
                r.status,
                r.restarts,
                r.age,
                r.ip,
                r.node,
                "<none>".to_owned(),
                "<none>".to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES",
        ],
        &rows,
    )
}

/// `kubectl top pod`: NAME, CPU(cores), MEMORY(bytes) for pods with running containers.
pub fn top_table(world: &World) -> String {
    let rows: Vec<Vec<String>> = world
        .list(Kind::Pod)
        .filter_map(|o| {
            let key = o.reference();
            let m = world.pod_metrics(&key);
            if m.is_empty() {
                return None;
            }
            let cpu: u64 = m.iter().map(|(_, s)| s.cpu_millis).sum();
            let mem: u64 = m.iter().map(|(_, s)| s.memory_working_set).sum();
            Some(vec![
                key.name,
                format!("{cpu}m"),
                format!("{}Mi", mem / (1024 * 1024)),
            ])
        })
        .collect();
    table(&["NAME", "CPU(cores)", "MEMORY(bytes)"], &rows)
}

/// The CRI call log as a gRPC trace (`nodelab run --cri`): per call its time, node, full
/// method name and duration, then the request and response as protobuf JSON. Periodic calls
/// (PLEG relists, runtime status, image GC listings) are counted, not shown, unless `all`.
pub fn cri_trace(world: &World, all: bool) -> String {
    let mut out = String::new();
    let mut hidden: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for call in world.cri_calls() {
        if !all && call.periodic() {
            *hidden.entry(call.method).or_default() += 1;
            continue;
        }
        let service = match call.service {
            crate::cri::CriService::RuntimeService => "RuntimeService",
            crate::cri::CriService::ImageService => "ImageService",
        };
        let json = |m: &crate::cri::api::Message| serde_json::to_string(m).unwrap_or_default();
        out.push_str(&format!(
            "{:>9.3}s {} /runtime.v1.{service}/{} ({} ms)\n  > {}\n  < {}\n",
            call.time.as_secs_f64(),
            call.node,
            call.method,
            call.duration_ms,
            json(&call.request),
            json(&call.response),
        ));
    }
    if !hidden.is_empty() {
        let counts: Vec<String> = hidden.iter().map(|(m, n)| format!("{m} ×{n}")).collect();
        out.push_str(&format!(
            "(periodic calls not shown: {}; --cri=all shows them)\n",
            counts.join(", ")
        ));
    }
    out
}

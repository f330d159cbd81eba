//! `crictl` views of one node's runtime, in cri-tools' formats (`cmd/crictl`): `pods`,
//! `ps [-a]`, `images`, `inspect` and `inspectp`. Tables use crictl's tabwriter (minimum
//! width 20, padding 3) and 13-character ids; ages use go-units `HumanDuration` + " ago";
//! sizes use `HumanSizeWithPrecision(size, 3)`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::cri::runtime::{ContainerState, Runtime, SandboxState};
use crate::time::SimTime;
use crate::world::World;

/// crictl's `truncatedIDLen`.
const ID_LEN: usize = 13;

fn short(id: &str) -> String {
    id.trim_start_matches("sha256:")
        .chars()
        .take(ID_LEN)
        .collect()
}

/// cri-tools `newTableDisplay(20, 1, 3, ' ', 0)`: minimum width 20, padding 3.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    super::aligned(headers, rows, 20)
}

/// go-units `HumanDuration`.
pub fn go_units_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    let minutes = seconds / 60;
    let hours = (seconds as f64 / 3600.0 + 0.5) as u64;
    match () {
        _ if seconds < 1 => "Less than a second".to_owned(),
        _ if seconds == 1 => "1 second".to_owned(),
        _ if seconds < 60 => format!("{seconds} seconds"),
        _ if minutes == 1 => "About a minute".to_owned(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".to_owned(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", seconds / 3600 / 24 / 365),
    }
}

/// go-units `HumanSizeWithPrecision(size, 3)`: `%.3g` in powers of 1000 (`72.2MB`).
pub fn go_units_size(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut i = 0;
    while size >= 1000.0 && i < UNITS.len() - 1 {
        size /= 1000.0;
        i += 1;
    }
    // %.3g: three significant digits, trailing zeros dropped.
    let digits = if size >= 100.0 {
        0
    } else if size >= 10.0 {
        1
    } else {
        2
    };
    let mut text = format!("{size:.digits$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    format!("{text}{}", UNITS[i])
}

fn ago(now: SimTime, then: SimTime) -> String {
    format!("{} ago", go_units_duration(now.millis_since(then)))
}

fn runtime<'w>(world: &'w World, node: Option<&str>) -> Option<&'w Runtime> {
    let kubelets = world.kubelets();
    match node {
        Some(n) => kubelets.get(n).map(|k| &k.runtime),
        None => kubelets.values().next().map(|k| &k.runtime),
    }
}

/// `crictl pods`: POD ID, CREATED, STATE, NAME, NAMESPACE, ATTEMPT, RUNTIME (newest first).
pub fn pods(world: &World, node: Option<&str>) -> Option<String> {
    let rt = runtime(world, node)?;
    let mut sandboxes: Vec<_> = rt.sandboxes().collect();
    sandboxes.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    let rows: Vec<Vec<String>> = sandboxes
        .iter()
        .map(|s| {
            vec![
                short(&s.id),
                ago(world.now(), s.created_at),
                match s.state {
                    SandboxState::Ready => "Ready",
                    SandboxState::NotReady => "NotReady",
                }
                .to_owned(),
                s.config.metadata.name.clone(),
                s.config.metadata.namespace.clone(),
                s.config.metadata.attempt.to_string(),
                if s.runtime_handler.is_empty() {
                    "(default)".to_owned()
                } else {
                    s.runtime_handler.clone()
                },
            ]
        })
        .collect();
    Some(table(
        &[
            "POD ID",
            "CREATED",
            "STATE",
            "NAME",
            "NAMESPACE",
            "ATTEMPT",
            "RUNTIME",
        ],
        &rows,
    ))
}

/// `crictl ps` (running containers) or `crictl ps -a` (all), newest first.
pub fn ps(world: &World, node: Option<&str>, all: bool) -> Option<String> {
    let rt = runtime(world, node)?;
    let mut containers: Vec<_> = rt
        .containers()
        .filter(|c| all || c.state == ContainerState::Running)
        .collect();
    containers.sort_by_key(|c| std::cmp::Reverse(c.created_at));
    let rows: Vec<Vec<String>> = containers
        .iter()
        .map(|c| {
            let pod = rt.sandbox(&c.sandbox_id).map(|s| &s.config.metadata);
            vec![
                short(&c.id),
                short(&c.summary().image.image),
                ago(world.now(), c.created_at),
                match c.state {
                    ContainerState::Created => "Created",
                    ContainerState::Running => "Running",
                    ContainerState::Exited => "Exited",
                }
                .to_owned(),
                c.config.metadata.name.clone(),
                c.attempt().to_string(),
                short(&c.sandbox_id),
                pod.map_or("unknown".to_owned(), |m| m.name.clone()),
                pod.map_or("unknown".to_owned(), |m| m.namespace.clone()),
            ]
        })
        .collect();
    Some(table(
        &[
            "CONTAINER",
            "IMAGE",
            "CREATED",
            "STATE",
            "NAME",
            "ATTEMPT",
            "POD ID",
            "POD",
            "NAMESPACE",
        ],
        &rows,
    ))
}

/// `crictl images`: IMAGE, TAG, IMAGE ID, SIZE.
pub fn images(world: &World, node: Option<&str>) -> Option<String> {
    let rt = runtime(world, node)?;
    let rows: Vec<Vec<String>> = rt
        .images()
        .map(|i| {
            vec![
                i.reference.repo(),
                i.reference.tag.clone(),
                short(&i.reference.digest()),
                go_units_size(i.size_bytes),
            ]
        })
        .collect();
    Some(table(&["IMAGE", "TAG", "IMAGE ID", "SIZE"], &rows))
}

/// RFC 3339 with nanoseconds as crictl prints CRI timestamps (`time.RFC3339Nano`).
fn rfc3339_nano(t: Option<SimTime>) -> String {
    let Some(t) = t else {
        return "0001-01-01T00:00:00Z".to_owned();
    };
    let base = t.rfc3339();
    let ms = t.as_millis() % 1000;
    if ms == 0 {
        base
    } else {
        let nanos = format!("{:09}", ms * 1_000_000);
        format!(
            "{}.{}Z",
            base.trim_end_matches('Z'),
            nanos.trim_end_matches('0')
        )
    }
}

/// `crictl inspect ID` (an id prefix): `{"info": …, "status": …}` with keys in alphabetical
/// order as crictl prints them.
pub fn inspect(world: &World, node: Option<&str>, id: &str) -> Option<String> {
    let rt = runtime(world, node)?;
    let c = rt.containers().find(|c| c.id.starts_with(id))?;
    let sandbox = rt.sandbox(&c.sandbox_id);
    let mut labels = BTreeMap::from([(
        "io.kubernetes.container.name".to_owned(),
        c.config.metadata.name.clone(),
    )]);
    if let Some(s) = sandbox {
        for (k, v) in &s.config.labels {
            if k.starts_with("io.kubernetes.pod.") {
                labels.insert(k.clone(), v.clone());
            }
        }
    }
    let r = &c.config.linux.resources;
    let status = json!({
        "annotations": {},
        "createdAt": rfc3339_nano(Some(c.created_at)),
        "exitCode": c.exit_code,
        "finishedAt": rfc3339_nano(c.finished_at.filter(|_| c.state == ContainerState::Exited)),
        "id": c.id,
        "image": {"annotations": {}, "image": c.image_name, "runtimeHandler": "", "userSpecifiedImage": c.config.image.user_specified_image},
        "imageId": c.image.as_ref().map(|i| i.digest()).unwrap_or_default(),
        "imageRef": c.image_id,
        "labels": labels,
        "logPath": sandbox.map(|s| format!("{}/{}", s.config.log_directory, c.config.log_path)).unwrap_or_default(),
        "message": c.message,
        "metadata": {"attempt": c.attempt(), "name": c.config.metadata.name},
        "mounts": c.config.mounts.iter().map(|m| json!({"containerPath": m.container_path, "hostPath": m.host_path, "readonly": m.readonly})).collect::<Vec<_>>(),
        "reason": c.reason,
        "resources": {"linux": {"cpuPeriod": r.cpu_period.to_string(), "cpuQuota": r.cpu_quota.to_string(), "cpuShares": r.cpu_shares.to_string(), "memoryLimitInBytes": r.memory_limit_in_bytes.to_string(), "oomScoreAdj": r.oom_score_adj.to_string()}},
        "startedAt": rfc3339_nano(c.started_at.filter(|_| c.state != ContainerState::Created)),
        "state": c.state.cri_name(),
    });
    let info = json!({
        "runtimeType": sandbox.map_or("", |s| runtime_type(s.handler.name)),
        "sandboxID": c.sandbox_id,
    });
    pretty(&json!({"info": info, "status": status}))
}

/// `crictl inspectp ID` (an id prefix).
pub fn inspectp(world: &World, node: Option<&str>, id: &str) -> Option<String> {
    let rt = runtime(world, node)?;
    let s = rt.sandboxes().find(|s| s.id.starts_with(id))?;
    let status = json!({
        "annotations": {},
        "createdAt": rfc3339_nano(Some(s.created_at)),
        "id": s.id,
        "labels": s.config.labels,
        "linux": {"namespaces": {"options": {"ipc": s.config.linux.security_context.namespace_options.ipc, "network": s.config.linux.security_context.namespace_options.network, "pid": s.config.linux.security_context.namespace_options.pid}}},
        "metadata": {"attempt": s.config.metadata.attempt, "name": s.config.metadata.name, "namespace": s.config.metadata.namespace, "uid": s.config.metadata.uid},
        "network": {"additionalIps": [], "ip": s.ip},
        "runtimeHandler": s.runtime_handler,
        "state": s.state.cri_name(),
    });
    let info = json!({
        "config": {"hostname": s.config.hostname, "logDirectory": s.config.log_directory},
        "runtimeHandler": s.handler.name,
        "runtimeType": runtime_type(s.handler.name),
    });
    pretty(&json!({"info": info, "status": status}))
}

/// containerd's `runtime_type` for a handler.
fn runtime_type(handler: &str) -> &'static str {
    match handler {
        "kata" => "io.containerd.kata.v2",
        "runsc" => "io.containerd.runsc.v1",
        _ => "io.containerd.runc.v2",
    }
}

fn pretty(v: &Value) -> Option<String> {
    serde_json::to_string_pretty(v).ok().map(|s| s + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go_units() {
        assert_eq!(go_units_duration(500), "Less than a second");
        assert_eq!(go_units_duration(1_000), "1 second");
        assert_eq!(go_units_duration(59_000), "59 seconds");
        assert_eq!(go_units_duration(90_000), "About a minute");
        assert_eq!(go_units_duration(45 * 60_000), "45 minutes");
        assert_eq!(go_units_duration(80 * 60_000), "About an hour");
        assert_eq!(go_units_duration(5 * 3_600_000), "5 hours");
        assert_eq!(go_units_duration(3 * 86_400_000), "3 days");
    }

    #[test]
    fn sizes_have_three_significant_digits() {
        assert_eq!(go_units_size(72_195_292), "72.2MB");
        assert_eq!(go_units_size(2_155_536), "2.16MB");
        assert_eq!(go_units_size(320_368), "320kB");
        assert_eq!(go_units_size(45_000_000), "45MB");
        assert_eq!(go_units_size(999), "999B");
    }

    #[test]
    fn timestamps_keep_their_milliseconds() {
        assert_eq!(rfc3339_nano(None), "0001-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_nano(Some(SimTime::from_millis(2_094))),
            "2026-01-01T00:00:02.094Z"
        );
    }
}

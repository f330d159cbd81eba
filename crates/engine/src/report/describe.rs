//! `kubectl describe pod`, laid out as kubectl v1.34's `describePod` does
//! (`staging/src/k8s.io/kubectl/pkg/describe/describe.go`): two spaces per level, tab-separated
//! label columns aligned by a Go-style tabwriter (padding 2).

use std::fmt::Write as _;

use crate::api::pod::{Container, ContainerState, ContainerStatus, Pod, Probe};
use crate::api::{Object, ObjectRef};
use crate::time::{SimTime, human_duration};
use crate::world::World;

use super::rfc3339_to_ms;

/// Go's `text/tabwriter` with minwidth 0, padding 2, padchar ' ': tab-terminated cells are
/// aligned per column block (consecutive lines that have that column).
pub fn tabwrite(text: &str, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let mut widths = vec![Vec::new(); lines.len()];
    format_block(&lines, &mut widths, 0, lines.len(), 0, padding);
    let mut out = String::new();
    for (line, w) in lines.iter().zip(&widths) {
        let mut row = String::new();
        for (i, cell) in line.iter().enumerate() {
            if i + 1 < line.len() {
                let width = w.get(i).copied().unwrap_or(0);
                let _ = write!(row, "{cell:<width$}");
            } else {
                row.push_str(cell);
            }
        }
        out.push_str(&row);
        out.push('\n');
    }
    out
}

fn format_block(
    lines: &[Vec<&str>],
    widths: &mut [Vec<usize>],
    line0: usize,
    line1: usize,
    col: usize,
    pad: usize,
) {
    let mut this = line0;
    while this < line1 {
        if col + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        let start = this;
        let mut width = 0;
        while this < line1 && col + 1 < lines[this].len() {
            width = width.max(lines[this][col].chars().count() + pad);
            this += 1;
        }
        for w in widths.iter_mut().take(this).skip(start) {
            w.push(width);
        }
        format_block(lines, widths, start, this, col + 1, pad);
    }
}

/// `time.RFC1123Z`: `Thu, 01 Jan 2026 00:00:05 +0000` (a zero time, as containerd reports
/// for a container that never started, prints as 1970).
fn rfc1123z(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] +0000"
            ))
            .ok()
        })
        .unwrap_or_default()
}

fn map_lines(
    out: &mut String,
    label: &str,
    map: &std::collections::BTreeMap<String, String>,
    sep: &str,
) {
    if map.is_empty() {
        let _ = writeln!(out, "{label}:\t<none>");
        return;
    }
    for (i, (k, v)) in map.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{label}:\t{k}{sep}{v}");
        } else {
            let _ = writeln!(out, "\t{k}{sep}{v}");
        }
    }
}

/// `DescribeProbe`: `http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3`.
pub fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    let port = |p: &crate::api::meta::IntOrString| match p {
        crate::api::meta::IntOrString::Int(n) => n.to_string(),
        crate::api::meta::IntOrString::String(s) => s.clone(),
    };
    if let Some(e) = &p.exec {
        return format!("exec [{}] {attrs}", e.command.join(" "));
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
        return format!(
            "http-get {scheme}://{}:{}{} {attrs}",
            h.host.as_deref().unwrap_or(""),
            port(&h.port),
            h.path.as_deref().unwrap_or("")
        );
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.as_deref().unwrap_or(""),
            port(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        // kubectl prints the literal `<pod>` (it does not resolve the address).
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or("")
        );
    }
    attrs
}

fn describe_state(out: &mut String, label: &str, s: &ContainerState) {
    if let Some(r) = &s.running {
        let _ = writeln!(out, "    {label}:\tRunning");
        let _ = writeln!(
            out,
            "      Started:\t{}",
            rfc1123z(r.started_at.as_deref().unwrap_or_default())
        );
    } else if let Some(w) = &s.waiting {
        let _ = writeln!(out, "    {label}:\tWaiting");
        if let Some(r) = w.reason.as_deref().filter(|r| !r.is_empty()) {
            let _ = writeln!(out, "      Reason:\t{r}");
        }
    } else if let Some(t) = &s.terminated {
        let _ = writeln!(out, "    {label}:\tTerminated");
        if let Some(r) = &t.reason {
            let _ = writeln!(out, "      Reason:\t{r}");
        }
        if let Some(m) = &t.message {
            let _ = writeln!(out, "      Message:\t{m}");
        }
        let _ = writeln!(out, "      Exit Code:\t{}", t.exit_code);
        if let Some(sig) = t.signal.filter(|s| *s > 0) {
            let _ = writeln!(out, "      Signal:\t{sig}");
        }
        let _ = writeln!(
            out,
            "      Started:\t{}",
            rfc1123z(t.started_at.as_deref().unwrap_or_default())
        );
        let _ = writeln!(
            out,
            "      Finished:\t{}",
            rfc1123z(t.finished_at.as_deref().unwrap_or_default())
        );
    } else {
        let _ = writeln!(out, "    {label}:\tWaiting");
    }
}

fn describe_container(out: &mut String, c: &Container, status: Option<&ContainerStatus>) {
    let _ = writeln!(out, "  {}:", c.name);
    if let Some(s) = status {
        let _ = writeln!(
            out,
            "    Container ID:\t{}",
            s.container_id.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(out, "    Image:\t{}", c.image.as_deref().unwrap_or(""));
    if let Some(s) = status {
        let _ = writeln!(out, "    Image ID:\t{}", s.image_id);
    }
    let ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| {
            let name = p
                .name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            format!(
                "{}/{}{name}",
                p.container_port,
                p.protocol.as_deref().unwrap_or("TCP")
            )
        })
        .collect();
    let host_ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p.host_port.unwrap_or(0),
                p.protocol.as_deref().unwrap_or("TCP")
            )
        })
        .collect();
    let label = if ports.len() > 1 { "Ports" } else { "Port" };
    let _ = writeln!(
        out,
        "    {label}:\t{}",
        if ports.is_empty() {
            "<none>".to_owned()
        } else {
            ports.join(", ")
        }
    );
    let label = if host_ports.len() > 1 {
        "Host Ports"
    } else {
        "Host Port"
    };
    let _ = writeln!(
        out,
        "    {label}:\t{}",
        if host_ports.is_empty() {
            "<none>".to_owned()
        } else {
            host_ports.join(", ")
        }
    );
    for (label, list) in [("Command", &c.command), ("Args", &c.args)] {
        if !list.is_empty() {
            let _ = writeln!(out, "    {label}:");
            for a in list {
                for line in a.split('\n') {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    if let Some(s) = status {
        describe_state(out, "State", &s.state);
        if s.last_state.terminated.is_some() {
            describe_state(out, "Last State", &s.last_state);
        }
        let _ = writeln!(
            out,
            "    Ready:\t{}",
            if s.ready { "True" } else { "False" }
        );
        let _ = writeln!(out, "    Restart Count:\t{}", s.restart_count);
    }
    for (label, map) in [
        ("Limits", &c.resources.limits),
        ("Requests", &c.resources.requests),
    ] {
        if !map.is_empty() {
            let _ = writeln!(out, "    {label}:");
            for (k, v) in map {
                let _ = writeln!(out, "      {k}:\t{}", v.canonical());
            }
        }
    }
    for (label, p) in [
        ("Liveness", &c.liveness_probe),
        ("Readiness", &c.readiness_probe),
        ("Startup", &c.startup_probe),
    ] {
        if let Some(p) = p {
            let _ = writeln!(out, "    {label}:\t{}", describe_probe(p));
        }
    }
    if c.env.is_empty() {
        let _ = writeln!(out, "    Environment:\t<none>");
    } else {
        let _ = writeln!(out, "    Environment:");
        for e in &c.env {
            let value = match (&e.value, &e.value_from) {
                (Some(v), _) => v.clone(),
                (None, Some(from)) => {
                    if let Some(f) = from.get("fieldRef") {
                        format!(
                            " ({}:{})",
                            f.get("apiVersion").and_then(|v| v.as_str()).unwrap_or("v1"),
                            f.get("fieldPath").and_then(|v| v.as_str()).unwrap_or("")
                        )
                    } else if let Some(r) = from.get("configMapKeyRef") {
                        format!(
                            "<set to the key '{}' of config map '{}'>",
                            r.get("key").and_then(|v| v.as_str()).unwrap_or(""),
                            r.get("name").and_then(|v| v.as_str()).unwrap_or("")
                        )
                    } else if let Some(r) = from.get("secretKeyRef") {
                        format!(
                            "<set to the key '{}' in secret '{}'>",
                            r.get("key").and_then(|v| v.as_str()).unwrap_or(""),
                            r.get("name").and_then(|v| v.as_str()).unwrap_or("")
                        )
                    } else {
                        String::new()
                    }
                }
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "      {}:\t{value}", e.name);
        }
    }
    let mut mounts: Vec<_> = c.volume_mounts.iter().collect();
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    if mounts.is_empty() {
        let _ = writeln!(out, "    Mounts:\t<none>");
    } else {
        let _ = writeln!(out, "    Mounts:");
        for m in mounts {
            let mode = if m.read_only == Some(true) {
                "ro"
            } else {
                "rw"
            };
            let sub = m
                .sub_path
                .as_ref()
                .map(|s| format!(",path={s:?}"))
                .unwrap_or_default();
            let _ = writeln!(out, "      {} from {} ({mode}{sub})", m.mount_path, m.name);
        }
    }
}

fn describe_volumes(out: &mut String, pod: &Pod) {
    if pod.spec.volumes.is_empty() {
        let _ = writeln!(out, "Volumes:\t<none>");
        return;
    }
    let _ = writeln!(out, "Volumes:");
    for v in &pod.spec.volumes {
        let _ = writeln!(out, "  {}:", v.name);
        let s = |val: &Option<serde_json::Value>, key: &str| {
            val.as_ref()
                .and_then(|x| x.get(key))
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_owned()
        };
        if let Some(e) = &v.empty_dir {
            let _ = writeln!(
                out,
                "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)"
            );
            let _ = writeln!(out, "    Medium:\t{}", e.medium.as_deref().unwrap_or(""));
            let _ = writeln!(
                out,
                "    SizeLimit:\t{}",
                e.size_limit.map_or("<unset>".to_owned(), |q| q.canonical())
            );
        } else if v.config_map.is_some() {
            let _ = writeln!(
                out,
                "    Type:\tConfigMap (a volume populated by a ConfigMap)"
            );
            let _ = writeln!(out, "    Name:\t{}", s(&v.config_map, "name"));
            let _ = writeln!(out, "    Optional:\tfalse");
        } else if v.secret.is_some() {
            let _ = writeln!(out, "    Type:\tSecret (a volume populated by a Secret)");
            let _ = writeln!(out, "    SecretName:\t{}", s(&v.secret, "secretName"));
            let _ = writeln!(out, "    Optional:\tfalse");
        } else if v.host_path.is_some() {
            let _ = writeln!(out, "    Type:\tHostPath (bare host directory volume)");
            let _ = writeln!(out, "    Path:\t{}", s(&v.host_path, "path"));
            let _ = writeln!(out, "    HostPathType:\t{}", s(&v.host_path, "type"));
        } else if v.persistent_volume_claim.is_some() {
            let _ = writeln!(
                out,
                "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"
            );
            let _ = writeln!(
                out,
                "    ClaimName:\t{}",
                s(&v.persistent_volume_claim, "claimName")
            );
            let _ = writeln!(out, "    ReadOnly:\tfalse");
        } else if v.downward_api.is_some() {
            let _ = writeln!(
                out,
                "    Type:\tDownwardAPI (a volume populated by information about the pod)"
            );
        } else if v.projected.is_some() {
            let _ = writeln!(
                out,
                "    Type:\tProjected (a volume that contains injected data from multiple sources)"
            );
            let _ = writeln!(out, "    TokenExpirationSeconds:\t3607");
            let _ = writeln!(out, "    ConfigMapName:\tkube-root-ca.crt");
            let _ = writeln!(out, "    Optional:\tfalse");
            let _ = writeln!(out, "    DownwardAPI:\ttrue");
        }
    }
}

/// `kubectl describe pod` for the pod at `key`, at the world's current time.
pub fn describe_pod(world: &World, key: &ObjectRef) -> Option<String> {
    let Some(Object::Pod(pod)) = world.api().get(key) else {
        return None;
    };
    let now = world.now();
    let mut out = String::new();
    let m = &pod.metadata;
    let _ = writeln!(out, "Name:\t{}", m.name);
    let _ = writeln!(out, "Namespace:\t{}", m.namespace);
    if let Some(p) = pod.spec.priority {
        let _ = writeln!(out, "Priority:\t{p}");
    }
    if let Some(rc) = &pod.spec.runtime_class_name {
        let _ = writeln!(out, "Runtime Class Name:\t{rc}");
    }
    if let Some(sa) = &pod.spec.service_account_name {
        let _ = writeln!(out, "Service Account:\t{sa}");
    }
    match &pod.spec.node_name {
        Some(n) => {
            let _ = writeln!(
                out,
                "Node:\t{n}/{}",
                pod.status.host_ip.as_deref().unwrap_or("")
            );
        }
        None => {
            let _ = writeln!(out, "Node:\t<none>");
        }
    }
    if let Some(t) = &pod.status.start_time {
        let _ = writeln!(out, "Start Time:\t{}", rfc1123z(t));
    }
    map_lines(&mut out, "Labels", &m.labels, "=");
    map_lines(&mut out, "Annotations", &m.annotations, ": ");
    let phase = pod
        .status
        .phase
        .clone()
        .unwrap_or_else(|| "Pending".to_owned());
    let terminal = matches!(phase.as_str(), "Succeeded" | "Failed");
    match (&m.deletion_timestamp, terminal) {
        (Some(ts), false) => {
            let left = rfc3339_to_ms(ts).saturating_sub(now.as_millis());
            let _ = writeln!(out, "Status:\tTerminating (lasts {})", human_duration(left));
            let _ = writeln!(
                out,
                "Termination Grace Period:\t{}s",
                m.deletion_grace_period_seconds.unwrap_or(0)
            );
        }
        _ => {
            let _ = writeln!(out, "Status:\t{phase}");
        }
    }
    if let Some(r) = &pod.status.reason {
        let _ = writeln!(out, "Reason:\t{r}");
    }
    if let Some(msg) = &pod.status.message {
        let _ = writeln!(out, "Message:\t{msg}");
    }
    let _ = writeln!(out, "IP:\t{}", pod.status.pod_ip.as_deref().unwrap_or(""));
    if pod.status.pod_ips.is_empty() {
        let _ = writeln!(out, "IPs:\t<none>");
    } else {
        let _ = writeln!(out, "IPs:");
        for ip in &pod.status.pod_ips {
            let _ = writeln!(out, "  IP:\t{}", ip.ip);
        }
    }
    if let Some(o) = m.owner_references.first() {
        let _ = writeln!(out, "Controlled By:\t{}/{}", o.kind, o.name);
    }
    if !pod.spec.init_containers.is_empty() {
        let _ = writeln!(out, "Init Containers:");
        for c in &pod.spec.init_containers {
            let s = pod
                .status
                .init_container_statuses
                .iter()
                .find(|s| s.name == c.name);
            describe_container(&mut out, c, s);
        }
    }
    let _ = writeln!(out, "Containers:");
    for c in &pod.spec.containers {
        let s = pod
            .status
            .container_statuses
            .iter()
            .find(|s| s.name == c.name);
        describe_container(&mut out, c, s);
    }
    if !pod.status.conditions.is_empty() {
        let _ = writeln!(out, "Conditions:");
        let _ = writeln!(out, "  Type\tStatus");
        for c in &pod.status.conditions {
            let _ = writeln!(out, "  {} \t{} ", c.type_, c.status);
        }
    }
    describe_volumes(&mut out, pod);
    let qos = pod
        .status
        .qos_class
        .clone()
        .unwrap_or_else(|| crate::kubelet::qos::qos_class(pod).to_owned());
    let _ = writeln!(out, "QoS Class:\t{qos}");
    map_lines(&mut out, "Node-Selectors", &pod.spec.node_selector, "=");
    let mut tolerations: Vec<String> = pod
        .spec
        .tolerations
        .iter()
        .map(|t| {
            let mut s = t.key.clone().unwrap_or_default();
            if let Some(v) = &t.value {
                s.push_str(&format!("={v}"));
            }
            if let Some(e) = &t.effect {
                s.push_str(&format!(":{e}"));
            }
            if t.operator.as_deref() == Some("Exists") {
                s.push_str(" op=Exists");
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    tolerations.sort();
    if tolerations.is_empty() {
        let _ = writeln!(out, "Tolerations:\t<none>");
    }
    for (i, t) in tolerations.iter().enumerate() {
        let label = if i == 0 { "Tolerations:" } else { "" };
        let _ = writeln!(out, "{label}\t{t}");
    }
    let mut text = tabwrite(&out, 2);
    text.push_str(&describe_events(world, key, now));
    Some(text)
}

/// The `Events:` section of `kubectl describe` for one object.
fn describe_events(world: &World, key: &ObjectRef, now: SimTime) -> String {
    let events: Vec<_> = world
        .events()
        .aggregated()
        .into_iter()
        .filter(|a| &a.event.object == key)
        .collect();
    if events.is_empty() {
        return "Events:\t<none>\n".replace('\t', "  ");
    }
    let mut out = String::from(
        "Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n",
    );
    for a in events {
        let age = if a.count > 1 {
            format!(
                "{} (x{} over {})",
                human_duration(now.millis_since(a.last)),
                a.count,
                human_duration(now.millis_since(a.first))
            )
        } else {
            human_duration(now.millis_since(a.first))
        };
        let _ = writeln!(
            out,
            "  {:?}\t{}\t{age}\t{}\t{}",
            a.event.type_,
            a.event.reason,
            a.event.source,
            a.event.message.trim()
        );
    }
    tabwrite(&out, 2)
}

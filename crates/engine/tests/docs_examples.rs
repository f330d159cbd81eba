//! The Kubernetes documentation's task examples (`tests/docs/*/input.yaml`, copied from
//! kubernetes/website) run unmodified and show what the documentation describes. Each
//! expectation quotes or follows the page; see each folder's README.md for the source.

use nodelab_engine::api::pod::{ContainerStatus, Pod};
use nodelab_engine::report::print_pod;
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World, decode_manifests};

fn docs(name: &str, file: &str) -> Vec<nodelab_engine::Manifest> {
    let path = format!(
        "{}/../../tests/docs/{name}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    decode_manifests(&path, &text).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

fn world(name: &str) -> World {
    World::from_manifests(&docs(name, "input.yaml"), Some(1))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(w: &mut World, secs: u64) {
    w.advance_to(SimTime::from_secs(secs));
}

fn pod(w: &World, ns: &str, name: &str) -> Pod {
    match w.api().get(&ObjectRef::new(Kind::Pod, ns, name)) {
        Some(Object::Pod(p)) => p.clone(),
        _ => panic!("pod {ns}/{name} not found"),
    }
}

fn container(p: &Pod, name: &str) -> ContainerStatus {
    p.status
        .container_statuses
        .iter()
        .chain(&p.status.init_container_statuses)
        .find(|s| s.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no status for {name}"))
}

/// Times (seconds) at which events with this reason and message were recorded for a pod.
fn event_times(w: &World, pod: &str, reason: &str, message: &str) -> Vec<f64> {
    w.events()
        .all()
        .iter()
        .filter(|e| e.object.name == pod && e.reason == reason && e.message == message)
        .map(|e| e.time.as_secs_f64())
        .collect()
}

fn status_column(w: &World, ns: &str, name: &str) -> String {
    print_pod(&pod(w, ns, name), w.now()).status
}

#[test]
fn liveness_exec_fails_after_thirty_seconds_and_restarts() {
    let mut w = world("liveness-exec");
    at(&mut w, 30);
    let msg = "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory";
    assert!(
        event_times(&w, "liveness-exec", "Unhealthy", msg).is_empty(),
        "healthy for the first 30 s"
    );
    at(&mut w, 60);
    // "After 35 seconds": three failures (x3 over 10 s at period 5 s), then Killing.
    let failures = event_times(&w, "liveness-exec", "Unhealthy", msg);
    assert_eq!(failures.len(), 3, "{failures:?}");
    let kills = event_times(
        &w,
        "liveness-exec",
        "Killing",
        "Container liveness failed liveness probe, will be restarted",
    );
    assert_eq!(kills.len(), 1);
    assert!(kills[0] > 40.0 && kills[0] < 46.0, "{kills:?}");
    // sh as PID 1 ignores SIGTERM: the container is killed with SIGKILL when the 30 s grace
    // period ends, and then restarted ("wait another 30 seconds ... RESTARTS 1").
    at(&mut w, 100);
    let c = container(&pod(&w, "default", "liveness-exec"), "liveness");
    assert_eq!(c.restart_count, 1);
    let last = c
        .last_state
        .terminated
        .unwrap_or_else(|| panic!("lastState.terminated"));
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("Error"))
    );
    assert_eq!(status_column(&w, "default", "liveness-exec"), "Running");
}

#[test]
fn liveness_http_returns_500_after_ten_seconds() {
    let mut w = world("liveness-http");
    at(&mut w, 30);
    let msg = "Liveness probe failed: HTTP probe failed with statuscode: 500";
    let failures = event_times(&w, "liveness-http", "Unhealthy", msg);
    assert!(!failures.is_empty() && failures[0] > 10.0, "{failures:?}");
    let c = container(&pod(&w, "default", "liveness-http"), "liveness");
    assert!(
        c.restart_count >= 1,
        "restarted once the probe failed three times"
    );
    // agnhost is a Go program without a SIGTERM handler: as PID 1 it exits with status 2.
    assert_eq!(c.last_state.terminated.map(|t| t.exit_code), Some(2));
    at(&mut w, 180);
    let c = container(&pod(&w, "default", "liveness-http"), "liveness");
    assert!(c.restart_count >= 3);
}

#[test]
fn tcp_probes_pass_and_the_pod_is_ready_after_the_first_readiness_probe() {
    let mut w = world("tcp-liveness-readiness");
    at(&mut w, 10);
    assert_eq!(
        print_pod(&pod(&w, "default", "goproxy"), w.now()).ready,
        "0/1"
    );
    at(&mut w, 40);
    let p = pod(&w, "default", "goproxy");
    assert_eq!(print_pod(&p, w.now()).ready, "1/1");
    assert_eq!(container(&p, "goproxy").restart_count, 0);
    assert!(w.events().all().iter().all(|e| e.reason != "Unhealthy"));
}

#[test]
fn grpc_liveness_against_etcd_passes() {
    let mut w = world("grpc-liveness");
    at(&mut w, 120);
    let p = pod(&w, "default", "etcd-with-grpc");
    assert_eq!(status_column(&w, "default", "etcd-with-grpc"), "Running");
    assert_eq!(container(&p, "etcd").restart_count, 0);
}

#[test]
fn memory_within_limit_runs_at_about_150_mib() {
    let mut w = world("memory-request-limit");
    at(&mut w, 30);
    assert_eq!(status_column(&w, "mem-example", "memory-demo"), "Running");
    let key = ObjectRef::new(Kind::Pod, "mem-example", "memory-demo");
    let usage: u64 = w
        .pod_metrics(&key)
        .iter()
        .map(|(_, s)| s.memory_working_set)
        .sum();
    // "The output shows that the Pod is using about 162,900,000 bytes of memory".
    assert!((160_000_000..166_000_000).contains(&usage), "{usage}");
    assert_eq!(
        pod(&w, "mem-example", "memory-demo")
            .status
            .qos_class
            .as_deref(),
        Some("Burstable")
    );
}

#[test]
fn memory_over_limit_is_oom_killed_and_restarted() {
    let mut w = world("memory-request-limit-2");
    let mut statuses = Vec::new();
    for s in 1..=90 {
        at(&mut w, s);
        statuses.push(status_column(&w, "mem-example", "memory-demo-2"));
    }
    assert!(statuses.iter().any(|s| s == "OOMKilled"), "{statuses:?}");
    assert!(
        statuses.iter().any(|s| s == "CrashLoopBackOff"),
        "{statuses:?}"
    );
    let c = container(
        &pod(&w, "mem-example", "memory-demo-2"),
        "memory-demo-2-ctr",
    );
    let last = c
        .last_state
        .terminated
        .unwrap_or_else(|| panic!("lastState"));
    // The page: `lastState: terminated: exitCode: 137 ... reason: OOMKilled`.
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("OOMKilled"))
    );
    assert!(c.restart_count >= 3, "{}", c.restart_count);
}

#[test]
fn requests_larger_than_the_node_stay_pending() {
    for (example, ns, name, resource) in [
        (
            "memory-request-limit-3",
            "mem-example",
            "memory-demo-3",
            "memory",
        ),
        ("cpu-request-limit-2", "cpu-example", "cpu-demo-2", "cpu"),
    ] {
        let mut w = world(example);
        at(&mut w, 60);
        assert_eq!(status_column(&w, ns, name), "Pending");
        let msg = format!(
            "0/1 nodes are available: 1 Insufficient {resource}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."
        );
        assert_eq!(
            event_times(&w, name, "FailedScheduling", &msg).len(),
            1,
            "{example}"
        );
    }
}

#[test]
fn cpu_is_capped_at_the_limit_and_throttled() {
    let mut w = world("cpu-request-limit");
    at(&mut w, 60);
    let key = ObjectRef::new(Kind::Pod, "cpu-example", "cpu-demo");
    let m = w.pod_metrics(&key);
    let (_, stats) = m.first().unwrap_or_else(|| panic!("no metrics"));
    // "the Pod is using 974 milliCPU, which is just a bit less than the limit of 1 CPU".
    assert!(
        stats.cpu_millis <= 1000 && stats.cpu_millis >= 900,
        "{stats:?}"
    );
    assert!(stats.nr_throttled > 0 && stats.nr_throttled <= stats.nr_periods);
}

#[test]
fn qos_classes_match_the_documentation() {
    for (example, name, class) in [
        ("qos-pod", "qos-demo", "Guaranteed"),
        ("qos-pod-2", "qos-demo-2", "Burstable"),
        ("qos-pod-3", "qos-demo-3", "BestEffort"),
        ("qos-pod-4", "qos-demo-4", "Burstable"),
    ] {
        let mut w = world(example);
        at(&mut w, 20);
        let p = pod(&w, "qos-example", name);
        assert_eq!(p.status.qos_class.as_deref(), Some(class), "{example}");
        assert_eq!(
            status_column(&w, "qos-example", name),
            "Running",
            "{example}"
        );
    }
}

#[test]
fn init_containers_wait_for_the_services() {
    let mut w = world("init-containers-myapp");
    at(&mut w, 30);
    assert_eq!(status_column(&w, "default", "myapp-pod"), "Init:0/2");
    let key = ObjectRef::new(Kind::Pod, "default", "myapp-pod");
    let log = w
        .logs(&key, Some("init-myservice"), false)
        .unwrap_or_default();
    assert!(log.iter().any(|l| l.text == "waiting for myservice"));
    assert!(
        log.iter()
            .any(|l| l.text == "nslookup: can't resolve 'myservice.default.svc.cluster.local'")
    );
    // `kubectl apply -f services.yaml`, then the init containers finish.
    let services = docs("init-containers-myapp", "services.yaml");
    w.apply_manifests(&services)
        .unwrap_or_else(|e| panic!("{e}"));
    at(&mut w, 60);
    assert_eq!(status_column(&w, "default", "myapp-pod"), "Running");
    let p = pod(&w, "default", "myapp-pod");
    for init in ["init-myservice", "init-mydb"] {
        let t = container(&p, init)
            .state
            .terminated
            .unwrap_or_else(|| panic!("{init}"));
        assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
    }
    let app = w
        .logs(&key, Some("myapp-container"), false)
        .unwrap_or_default();
    assert_eq!(
        app.first().map(|l| l.text.as_str()),
        Some("The app is running!")
    );
}

#[test]
fn init_container_downloads_the_page_nginx_serves() {
    let mut w = world("init-demo");
    at(&mut w, 30);
    assert_eq!(status_column(&w, "default", "init-demo"), "Running");
    let p = pod(&w, "default", "init-demo");
    let install = container(&p, "install")
        .state
        .terminated
        .unwrap_or_else(|| panic!("install"));
    assert_eq!(install.exit_code, 0);
}

#[test]
fn lifecycle_hooks_run_and_prestop_lets_nginx_quit_gracefully() {
    let mut w = world("lifecycle-events");
    at(&mut w, 20);
    assert_eq!(status_column(&w, "default", "lifecycle-demo"), "Running");
    assert!(
        w.events()
            .all()
            .iter()
            .all(|e| e.reason != "FailedPostStartHook")
    );
    let key = ObjectRef::new(Kind::Pod, "default", "lifecycle-demo");
    assert!(w.delete(&key));
    at(&mut w, 21);
    assert_eq!(
        status_column(&w, "default", "lifecycle-demo"),
        "Terminating"
    );
    // preStop `nginx -s quit; while killall -0 nginx; do sleep 1; done` stops nginx, which
    // exits well within the 30 s grace period; the pod is then removed.
    at(&mut w, 26);
    assert!(w.api().get(&key).is_none());
}

//! The kubelet drives pods only through the CRI: call order (kuberuntime `SyncPod`),
//! teardown and garbage collection, runtimes and RuntimeClass handlers, image pull policies,
//! pull back-off and image garbage collection.

use nodelab_engine::cri::CriCall;
use nodelab_engine::report::print_pod;
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World, decode_manifests};

fn world(yaml: &str) -> World {
    let manifests = decode_manifests("test.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    World::from_manifests(&manifests, Some(1)).unwrap_or_else(|e| panic!("{e}"))
}

fn at(w: &mut World, ms: u64) {
    w.advance_to(SimTime::from_millis(ms));
}

fn pod_ref(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, "default", name)
}

fn status(w: &World, name: &str) -> String {
    match w.api().get(&pod_ref(name)) {
        Some(Object::Pod(p)) => print_pod(p, w.now()).status,
        _ => "<gone>".to_owned(),
    }
}

/// The calls made for pods (the kubelet's timers left out).
fn pod_calls(w: &World) -> Vec<&CriCall> {
    w.cri_calls().iter().filter(|c| !c.periodic()).collect()
}

fn methods(w: &World) -> Vec<&'static str> {
    pod_calls(w).iter().map(|c| c.method).collect()
}

fn events(w: &World, reason: &str) -> Vec<(f64, String)> {
    w.events()
        .all()
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| (e.time.as_secs_f64(), e.message.clone()))
        .collect()
}

const NGINX: &str = "
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - {name: nginx, image: nginx:1.27}
";

#[test]
fn a_fresh_pod_goes_sandbox_status_image_pull_create_start() {
    let mut w = world(NGINX);
    at(&mut w, 30_000);
    assert_eq!(
        methods(&w),
        [
            "RunPodSandbox",
            "PodSandboxStatus",
            "ImageStatus",
            "PullImage",
            // puller.go: GetImageSize after the pull is another ImageStatus.
            "ImageStatus",
            "CreateContainer",
            "StartContainer"
        ]
    );
    let calls = pod_calls(&w);
    let run = calls[0].request.to_json();
    assert_eq!(run["runtimeHandler"], "");
    assert_eq!(
        run["config"]["logDirectory"],
        format!(
            "/var/log/pods/default_web_{}",
            run["config"]["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
        )
    );
    // The sandbox start latency (containerd + runc) separates the two calls.
    assert_eq!(calls[1].time.as_millis() - calls[0].time.as_millis(), 250);
    let create = calls[5].request.to_json();
    assert_eq!(create["config"]["logPath"], "nginx/0.log");
    assert_eq!(create["config"]["metadata"]["attempt"], 0);
    assert_eq!(
        create["config"]["image"]["userSpecifiedImage"],
        "nginx:1.27"
    );
    assert!(
        create["config"]["image"]["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("sha256:")),
        "CreateContainer gets the image id EnsureImageExists resolved"
    );
    // Generic PLEG relists every second: ListPodSandbox then ListContainers.
    let relists: Vec<&str> = w
        .cri_calls()
        .iter()
        .filter(|c| c.method.starts_with("List") && c.time.as_millis() == 5_000)
        .map(|c| c.method)
        .collect();
    assert_eq!(relists, ["ListPodSandbox", "ListContainers"]);
}

#[test]
fn deleting_stops_the_container_with_the_grace_period_then_the_sandbox_and_gc_removes_them() {
    let mut w = world(NGINX);
    at(&mut w, 10_000);
    assert!(w.delete(&pod_ref("web")));
    at(&mut w, 200_000);
    let calls = pod_calls(&w);
    let after: Vec<&CriCall> = calls
        .iter()
        .copied()
        .filter(|c| c.time.as_millis() >= 10_000)
        .collect();
    let names: Vec<&str> = after.iter().map(|c| c.method).collect();
    assert_eq!(
        names,
        [
            "StopContainer",
            "StopPodSandbox",
            "RemoveContainer",
            "RemovePodSandbox"
        ]
    );
    assert_eq!(after[0].request.to_json()["timeout"], 20);
    // nginx exits on SIGTERM at once; the sandbox stops right after. Container GC (every
    // minute) removes the dead container and then the empty sandbox.
    assert!(after[1].time.as_millis() < 11_000);
    assert_eq!(after[2].time.as_millis(), 60_000);
    assert_eq!(after[3].time.as_millis(), 60_000);
    assert_eq!(w.kubelets()["node-1"].runtime.containers().count(), 0);
}

#[test]
fn init_containers_complete_before_app_containers_are_created() {
    let mut w = world(
        "
apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  initContainers:
  - {name: setup, image: busybox:1.36, command: [sh, -c, sleep 2]}
  containers:
  - {name: app, image: busybox:1.36, command: [sh, -c, sleep 3600]}
",
    );
    at(&mut w, 30_000);
    let calls = pod_calls(&w);
    let create = |name: &str| {
        calls
            .iter()
            .find(|c| {
                c.method == "CreateContainer"
                    && c.request.to_json()["config"]["metadata"]["name"] == name
            })
            .map(|c| c.time.as_millis())
    };
    let (setup, app) = (create("setup"), create("app"));
    assert!(setup.is_some() && app.is_some(), "{:?}", methods(&w));
    // The init container runs 2 s; the app container is created only after it exited.
    assert!(app > setup.map(|t| t + 2_000), "{setup:?} {app:?}");
    assert_eq!(status(&w, "init"), "Running");
}

fn with_class(handler: &str, extra: &str) -> String {
    format!(
        "
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {{name: sandboxed}}
handler: {handler}
---
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  runtimeClassName: sandboxed
{extra}  containers:
  - {{name: nginx, image: nginx:1.27}}
"
    )
}

#[test]
fn an_unknown_handler_leaves_the_pod_container_creating_with_failed_create_pod_sandbox() {
    let mut w = world(&with_class("foo", ""));
    at(&mut w, 60_000);
    assert_eq!(status(&w, "web"), "ContainerCreating");
    let failed = events(&w, "FailedCreatePodSandBox");
    assert!(failed.len() >= 3, "the pod worker retries: {failed:?}");
    assert!(
        failed[0].1.starts_with(
            "Failed to create pod sandbox: rpc error: code = Unknown desc = unable to get OCI runtime for sandbox \""
        ) && failed[0].1.ends_with("\": no runtime for \"foo\" is configured"),
        "{}",
        failed[0].1
    );
    // Retries come after the pod worker's error back-off (10 s + up to 5 s jitter).
    let gap = failed[1].0 - failed[0].0;
    assert!((10.0..=15.0).contains(&gap), "{gap}");
    assert!(!methods(&w).contains(&"CreateContainer"));
}

#[test]
fn gvisor_runs_the_pod_with_the_runsc_latency_in_the_timeline() {
    let yaml = with_class("runsc", "")
        .replace("name: sandboxed", "name: gvisor")
        .replace("runtimeClassName: sandboxed", "runtimeClassName: gvisor");
    let mut w = world(&yaml);
    at(&mut w, 30_000);
    assert_eq!(status(&w, "web"), "Running");
    let calls = pod_calls(&w);
    assert_eq!(calls[0].request.to_json()["runtimeHandler"], "runsc");
    // containerd 250 ms + runsc 350 ms before PodSandboxStatus.
    assert_eq!(calls[0].duration_ms, 600);
    assert_eq!(calls[1].method, "PodSandboxStatus");
    assert_eq!(calls[1].time.as_millis(), 600);
    assert_eq!(
        calls[1].response.to_json()["status"]["runtimeHandler"],
        "runsc"
    );
}

#[test]
fn kata_refuses_host_network_pods_and_adds_its_vm_overhead() {
    let yaml = with_class("kata", "  hostNetwork: true\n");
    let mut w = world(&yaml);
    at(&mut w, 5_000);
    assert_eq!(status(&w, "web"), "ContainerCreating");
    let failed = events(&w, "FailedCreatePodSandBox");
    assert!(
        failed[0].1.contains("host networking is not supported"),
        "{failed:?}"
    );
    let mut w = world(&with_class("kata", ""));
    at(&mut w, 30_000);
    assert_eq!(status(&w, "web"), "Running");
    assert_eq!(pod_calls(&w)[0].duration_ms, 250 + 1200);
    // A running kata sandbox costs its VM (160 MiB, kata-qemu's podFixed) plus the shim,
    // on top of the runtime daemon.
    let rt = &w.kubelets()["node-1"].runtime;
    let idle = world(NGINX).kubelets()["node-1"].runtime.overhead_bytes();
    assert_eq!(rt.overhead_bytes() - idle, (160 + 6) * 1024 * 1024);
}

#[test]
fn a_runtime_class_that_does_not_exist_is_rejected_at_admission() {
    let manifests = decode_manifests(
        "p.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  runtimeClassName: nope\n  containers:\n  - {name: c, image: nginx}\n",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let err = World::from_manifests(&manifests, Some(1))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "p.yaml:5:3: spec.runtimeClassName: pods \"web\" is forbidden: pod rejected: RuntimeClass \"nope\" not found"
        )
    );
}

#[test]
fn runtime_class_overhead_becomes_the_pod_overhead() {
    let yaml = "
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: kata}
handler: kata
overhead:
  podFixed: {memory: 160Mi, cpu: 250m}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  runtimeClassName: kata
  containers:
  - {name: nginx, image: nginx:1.27}
";
    let w = world(yaml);
    let Some(Object::Pod(p)) = w.api().get(&pod_ref("web")) else {
        panic!("no pod");
    };
    let overhead: Vec<String> = p
        .spec
        .overhead
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(overhead, ["cpu=250m", "memory=160Mi"]);
}

fn on_runtime(runtime: &str) -> World {
    let mut w = world(&format!(
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nspec:\n  containerRuntime: {runtime}\n---{NGINX}---{}",
        with_class("nope", "").replace("name: web", "name: other")
    ));
    at(&mut w, 30_000);
    w
}

#[test]
fn every_runtime_runs_pods_and_reports_itself() {
    for (runtime, version, scheme, unknown) in [
        (
            "containerd",
            "containerd://2.1.4",
            "containerd://",
            "no runtime for \"nope\" is configured",
        ),
        (
            "cri-o",
            "cri-o://1.33.4",
            "cri-o://",
            "failed to find runtime handler nope from runtime list map[",
        ),
        (
            "cri-dockerd",
            "docker://28.3.3",
            "docker://",
            "failed to get sandbox runtime: no runtime for \"nope\" is configured",
        ),
    ] {
        let w = on_runtime(runtime);
        assert_eq!(status(&w, "web"), "Running", "{runtime}");
        let Some(Object::Node(node)) = w.api().get(&ObjectRef::new(Kind::Node, "", "node-1"))
        else {
            panic!("no node");
        };
        let info = node.status.node_info.clone().unwrap_or_default();
        assert_eq!(info.container_runtime_version, version);
        let Some(Object::Pod(p)) = w.api().get(&pod_ref("web")) else {
            panic!("no pod");
        };
        let id = p.status.container_statuses[0]
            .container_id
            .clone()
            .unwrap_or_default();
        assert!(id.starts_with(scheme), "{runtime}: {id}");
        let version_call = &w.cri_calls()[0];
        assert_eq!(version_call.method, "Version");
        let failed = events(&w, "FailedCreatePodSandBox");
        assert!(failed[0].1.contains(unknown), "{runtime}: {}", failed[0].1);
    }
    // cri-dockerd's sandbox start is the slowest of the three (the extra dockerd hop).
    let start = |rt: &str| {
        let w = on_runtime(rt);
        w.cri_calls()
            .iter()
            .find(|c| {
                c.method == "RunPodSandbox"
                    && c.request.to_json()["config"]["metadata"]["name"] == "web"
            })
            .map_or(0, |c| c.duration_ms)
    };
    assert!(start("cri-dockerd") > start("containerd"));
    assert!(start("containerd") > start("cri-o"));
}

#[test]
fn cri_dockerd_cannot_run_kata() {
    let yaml = format!(
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nspec:\n  containerRuntime: cri-dockerd\n---{}",
        with_class("kata", "")
    );
    let mut w = world(&yaml);
    at(&mut w, 5_000);
    assert_eq!(status(&w, "web"), "ContainerCreating");
    let manifests = decode_manifests(
        "lab.yaml",
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nspec:\n  containerRuntime: cri-dockerd\n  runtimeHandlers: [runc, kata]\n",
    );
    let err = manifests
        .err()
        .map(|e| e[0].to_string())
        .unwrap_or_default();
    assert!(
        err.contains(
            "spec.runtimeHandlers[1]: Invalid value: \"kata\": cri-dockerd cannot run this handler"
        ),
        "{err}"
    );
}

fn pull_pod(name: &str, image: &str, policy: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n  - {{name: c, image: \"{image}\", imagePullPolicy: {policy}}}\n"
    )
}

#[test]
fn pull_policies_always_if_not_present_and_never() {
    let mut w = world(&pull_pod("first", "nginx:1.27", "IfNotPresent"));
    at(&mut w, 20_000);
    let pulls = |w: &World| methods(w).iter().filter(|m| **m == "PullImage").count();
    assert_eq!(pulls(&w), 1);
    let apply = |w: &mut World, yaml: &str| {
        let m = decode_manifests("p.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
        w.apply_manifests(&m).unwrap_or_else(|e| panic!("{e}"));
    };
    apply(&mut w, &pull_pod("cached", "nginx:1.27", "IfNotPresent"));
    at(&mut w, 40_000);
    assert_eq!(pulls(&w), 1, "IfNotPresent uses the stored image");
    assert!(
        events(&w, "Pulled")
            .iter()
            .any(|(_, m)| m == "Container image \"nginx:1.27\" already present on machine and can be accessed by the pod")
    );
    apply(&mut w, &pull_pod("always", "nginx:1.27", "Always"));
    at(&mut w, 60_000);
    assert_eq!(pulls(&w), 2, "Always pulls even when present");
    apply(&mut w, &pull_pod("never-present", "nginx:1.27", "Never"));
    apply(&mut w, &pull_pod("never-absent", "redis:7.4", "Never"));
    at(&mut w, 80_000);
    assert_eq!(pulls(&w), 2);
    assert_eq!(status(&w, "never-present"), "Running");
    assert_eq!(status(&w, "never-absent"), "ErrImageNeverPull");
    assert!(events(&w, "ErrImageNeverPull").iter().any(
        |(_, m)| m == "Container image \"redis:7.4\" is not present with pull policy of Never"
    ));
}

#[test]
fn shared_layers_are_pulled_once() {
    // nginx and httpd share debian:bookworm-slim; pulling httpd after nginx downloads only
    // httpd's own layers.
    let mut w = world(&(pull_pod("a", "nginx:1.27", "IfNotPresent")));
    at(&mut w, 20_000);
    let m = decode_manifests("p.yaml", &pull_pod("b", "httpd:2.4", "IfNotPresent"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    w.apply_manifests(&m).unwrap_or_else(|e| panic!("{e}"));
    at(&mut w, 40_000);
    let pull_ms: Vec<u64> = pod_calls(&w)
        .iter()
        .filter(|c| c.method == "PullImage")
        .map(|c| c.duration_ms)
        .collect();
    // 40 MB/s: httpd is 58,124,012 bytes, of which 28,227,259 are the shared base.
    assert_eq!(pull_ms[1], (58_124_012 - 28_227_259) * 1000 / 40_000_000);
    let fresh = {
        let mut w = world(&pull_pod("b", "httpd:2.4", "IfNotPresent"));
        at(&mut w, 20_000);
        pod_calls(&w)
            .iter()
            .find(|c| c.method == "PullImage")
            .map(|c| c.duration_ms)
    };
    assert_eq!(fresh, Some(58_124_012 * 1000 / 40_000_000));
}

#[test]
fn image_pull_back_off_doubles_from_10s_to_300s_per_image() {
    let mut w = world(&pull_pod("missing", "nginx:does-not-exist", "IfNotPresent"));
    at(&mut w, 0);
    let mut w2 = world(&pull_pod(
        "missing",
        "registry.example.com/nope:1",
        "IfNotPresent",
    ));
    at(&mut w2, 1_500_000);
    let attempts: Vec<f64> = pod_calls(&w2)
        .iter()
        .filter(|c| c.method == "PullImage")
        .map(|c| c.time.as_secs_f64())
        .collect();
    let gaps: Vec<f64> = attempts.windows(2).map(|p| p[1] - p[0]).collect();
    // Each retry waits out the back-off (10, 20, 40, … capped at 300 s); the pod worker's
    // 10–15 s requeue decides how soon after it ends the next attempt comes.
    let floors = [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0];
    for (gap, floor) in gaps.iter().zip(floors) {
        assert!(*gap >= floor && *gap <= floor + 15.0, "{gaps:?}");
    }
    assert!(gaps.len() >= 6, "{gaps:?}");
    assert!(
        events(&w2, "BackOff")
            .iter()
            .any(|(_, m)| m == "Back-off pulling image \"registry.example.com/nope:1\"")
    );
    assert!(matches!(
        status(&w2, "missing").as_str(),
        "ImagePullBackOff" | "ErrImagePull"
    ));
    drop(w);
}

#[test]
fn dead_instances_beyond_one_are_removed_when_a_container_dies_again() {
    let mut w = world(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: crash}\nspec:\n  containers:\n  - {name: c, image: busybox:1.36, command: [sh, -c, exit 1]}\n",
    );
    at(&mut w, 120_000);
    let rt = &w.kubelets()["node-1"].runtime;
    let dead = rt.containers().count();
    assert_eq!(dead, 1, "the pod container deletor keeps one dead instance");
    let removed = methods(&w)
        .iter()
        .filter(|m| **m == "RemoveContainer")
        .count();
    let created = methods(&w)
        .iter()
        .filter(|m| **m == "CreateContainer")
        .count();
    assert_eq!(removed, created - 1);
}

#[test]
fn image_gc_removes_least_recently_used_images_above_the_high_threshold() {
    // 300Mi disk, 30 % used by the system: three images push it past 85 %.
    let mut yaml = String::from(
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nspec:\n  nodes:\n  - {name: node-1, disk: 300Mi}\n  script:\n  - {at: 30s, action: deletePod, pod: a}\n  - {at: 31s, action: deletePod, pod: b}\n",
    );
    yaml.push_str(&pull_pod("a", "nginx:1.27", "IfNotPresent"));
    yaml.push_str(&pull_pod(
        "b",
        "registry.k8s.io/etcd:3.5.21-0",
        "IfNotPresent",
    ));
    yaml.push_str(&pull_pod(
        "c",
        "registry.k8s.io/e2e-test-images/agnhost:2.53",
        "IfNotPresent",
    ));
    let mut w = world(&yaml);
    // First GC at 300 s only detects the images (imageMinimumGCAge: 2 minutes since first
    // detected); the one at 600 s frees space.
    at(&mut w, 601_000);
    let removed: Vec<(u64, String)> = w
        .cri_calls()
        .iter()
        .filter(|c| c.method == "RemoveImage")
        .map(|c| {
            (
                c.time.as_millis(),
                c.request.to_json()["image"]["image"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert!(!removed.is_empty(), "image GC removes unused images");
    assert!(removed.iter().all(|(t, _)| *t == 600_000), "{removed:?}");
    let left: Vec<String> = w.kubelets()["node-1"]
        .runtime
        .images()
        .map(|i| i.reference.full())
        .collect();
    assert!(
        left.contains(&"registry.k8s.io/pause:3.10".to_owned()),
        "pinned"
    );
    assert!(
        left.contains(&"registry.k8s.io/e2e-test-images/agnhost:2.53".to_owned()),
        "in use by pod c"
    );
    assert!(!left.contains(&"docker.io/library/nginx:1.27".to_owned()));
}

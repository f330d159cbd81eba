//! Events' cause chains, recorded where the effect is produced: a liveness kill back to the
//! probe result and the image's behaviour or the lab action; a crash loop's `BackOff` back to
//! the container's exit; a Deployment's pod `Scheduled` back to the Deployment scaling its
//! ReplicaSet. And which components a step touched.

use nodelab_engine::lab::LabAction;
use nodelab_engine::world::{CauseStep, Component};
use nodelab_engine::{Kind, ObjectRef, SimTime, World, decode_manifests};

fn world_from(name: &str, text: &str) -> World {
    let manifests = decode_manifests(name, text).unwrap_or_else(|e| panic!("{e:?}"));
    World::from_manifests(&manifests, Some(1)).unwrap_or_else(|e| panic!("{e}"))
}

fn scenario(path: &str) -> World {
    let file = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    world_from(path, &text)
}

fn first(w: &World, reason: &str) -> usize {
    w.events()
        .all()
        .iter()
        .position(|e| e.reason == reason)
        .unwrap_or_else(|| panic!("no {reason} event"))
}

/// A chain as compact lines, for exact comparison.
fn lines(chain: &[CauseStep]) -> Vec<String> {
    chain
        .iter()
        .map(|s| match s {
            CauseStep::Event {
                time,
                reason,
                object,
                message,
                ..
            } => format!(
                "{}s event {reason} {object}: {message}",
                time.as_millis() / 1000
            ),
            CauseStep::Action {
                time, description, ..
            } => format!("{}s action {description}", time.as_millis() / 1000),
            CauseStep::Probe {
                probe,
                container,
                time,
                output,
            } => format!(
                "{}s probe {probe} {container}: {output}",
                time.as_millis() / 1000
            ),
            CauseStep::Exit {
                container,
                exit_code,
                reason,
                time,
            } => format!(
                "{}s exit {container} {exit_code} {reason}",
                time.as_millis() / 1000
            ),
            CauseStep::Image { container, image } => format!("image {container} {image}"),
        })
        .collect()
}

#[test]
fn liveness_http_killing_goes_back_to_the_probe_and_the_image() {
    let mut w = scenario("lessons/scenarios/liveness-http.yaml");
    w.advance_to(SimTime::from_secs(40));
    let chain = lines(&w.cause_chain(first(&w, "Killing")));
    println!("{chain:#?}");
    assert_eq!(chain.len(), 4, "{chain:#?}");
    assert!(chain[0].contains("event Killing pod/liveness-http: Container liveness failed liveness probe, will be restarted"), "{chain:#?}");
    assert!(chain[1].contains("event Unhealthy pod/liveness-http: Liveness probe failed: HTTP probe failed with statuscode: 500"), "{chain:#?}");
    assert!(
        chain[2].contains("probe Liveness liveness: HTTP probe failed with statuscode: 500"),
        "{chain:#?}"
    );
    assert_eq!(
        chain[3],
        "image liveness registry.k8s.io/e2e-test-images/agnhost:2.40"
    );
    // The probe step is the one whose failure reached the threshold (the third failure):
    // the Unhealthy event and the probe share its time.
    let t = |s: &str| s.split('s').next().unwrap_or_default().to_owned();
    assert_eq!(t(&chain[1]), t(&chain[2]));
    assert_eq!(t(&chain[0]), t(&chain[1]));
}

const NGINX_LIVE: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    livenessProbe:
      httpGet:
        path: /
        port: 80
      periodSeconds: 5
      failureThreshold: 2
";

#[test]
fn a_lab_action_is_the_root_of_a_liveness_kill() {
    let mut w = world_from("web.yaml", NGINX_LIVE);
    w.advance_to(SimTime::from_secs(20));
    let pod = ObjectRef::new(Kind::Pod, "default", "web");
    w.act(LabAction::HttpStatus {
        pod,
        container: None,
        path: "/".to_owned(),
        status: 503,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    w.advance_to(SimTime::from_secs(40));
    let chain = lines(&w.cause_chain(first(&w, "Killing")));
    println!("{chain:#?}");
    assert_eq!(chain.len(), 4, "{chain:#?}");
    assert!(chain[1].contains("Liveness probe failed: HTTP probe failed with statuscode: 503"));
    assert_eq!(chain[3], "20s action web answers 503 on /");
    // The container then exits because the kubelet killed it: the exit's cause is Killing.
    let json = nodelab_engine::report::run_report(&w);
    let events = json["events"].as_array().cloned().unwrap_or_default();
    let killing = events
        .iter()
        .find(|e| e["reason"] == "Killing")
        .cloned()
        .unwrap_or_default();
    assert_eq!(killing["cause"]["kind"], "event");
    let unhealthy = &events[killing["cause"]["index"].as_u64().unwrap_or(0) as usize];
    assert_eq!(unhealthy["reason"], "Unhealthy");
    assert_eq!(unhealthy["cause"]["kind"], "probe");
    assert_eq!(unhealthy["cause"]["then"]["kind"], "action");
    assert_eq!(unhealthy["cause"]["then"]["index"], 0);
}

const CRASHING: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [\"sh\", \"-c\", \"sleep 2; exit 3\"]
";

#[test]
fn crash_loop_back_off_goes_back_to_the_exit_and_the_image() {
    let mut w = world_from("crash.yaml", CRASHING);
    w.advance_to(SimTime::from_secs(60));
    let chain = lines(&w.cause_chain(first(&w, "BackOff")));
    println!("{chain:#?}");
    assert_eq!(chain.len(), 3, "{chain:#?}");
    assert!(chain[0].contains("event BackOff pod/crash: Back-off restarting failed container app in pod crash_default("), "{chain:#?}");
    assert!(chain[1].ends_with("exit app 3 Error"), "{chain:#?}");
    assert_eq!(chain[2], "image app busybox:1.36");
}

#[test]
fn an_exit_action_is_the_root_of_a_back_off() {
    let mut w = world_from("web.yaml", NGINX_LIVE);
    w.advance_to(SimTime::from_secs(15));
    for at in [15, 16] {
        w.advance_to(SimTime::from_secs(at));
        let pod = ObjectRef::new(Kind::Pod, "default", "web");
        let _ = w.act(LabAction::Exit {
            pod,
            container: None,
            code: 137,
        });
        w.advance_to(SimTime::from_secs(at).plus_millis(900));
    }
    w.advance_to(SimTime::from_secs(30));
    let chain = lines(&w.cause_chain(first(&w, "BackOff")));
    println!("{chain:#?}");
    assert_eq!(chain.len(), 3, "{chain:#?}");
    assert!(chain[1].contains("exit nginx 137"), "{chain:#?}");
    assert!(
        chain[2].contains("action process in web exits with 137"),
        "{chain:#?}"
    );
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

#[test]
fn a_deployments_pod_is_scheduled_because_its_replicaset_created_it() {
    let mut w = world_from("deploy.yaml", DEPLOYMENT);
    w.advance_to(SimTime::from_secs(10));
    let chain = w.cause_chain(first(&w, "Scheduled"));
    let text = lines(&chain);
    println!("{text:#?}");
    assert_eq!(text.len(), 3, "{text:#?}");
    let CauseStep::Event { object, .. } = &chain[0] else {
        panic!("{text:#?}")
    };
    let pod = object.trim_start_matches("pod/").to_owned();
    assert!(text[0].contains(&format!("Successfully assigned default/{pod} to node-1")));
    assert!(
        text[1].contains("SuccessfulCreate replicaset/"),
        "{text:#?}"
    );
    assert!(
        text[1].ends_with(&format!("Created pod: {pod}")),
        "{text:#?}"
    );
    assert!(
        text[2].contains("ScalingReplicaSet deployment/web: Scaled up replica set web-"),
        "{text:#?}"
    );
    assert!(text[2].ends_with("from 0 to 2"), "{text:#?}");
}

#[test]
fn activity_lights_the_components_a_step_touched() {
    let mut w = scenario("lessons/scenarios/liveness-http.yaml");
    let node = || "node-1".to_owned();
    // The first step (t = 0): the scheduler binds the pod, the kubelet creates the sandbox
    // through the CRI, kube-proxy writes its first rules.
    w.step();
    let first = w.activity(w.now());
    assert_eq!(
        first,
        [
            Component::ApiServer,
            Component::Scheduler,
            Component::Kubelet { node: node() },
            Component::Cri { node: node() },
            Component::KubeProxy { node: node() },
        ]
    );
    // A later step touches the kubelet alone (the image pull finishing, a probe failing).
    w.step();
    let next = w.activity(w.now());
    assert!(
        next.contains(&Component::Kubelet { node: node() }),
        "{next:?}"
    );
    assert!(!next.contains(&Component::Scheduler), "{next:?}");
    // Between probes nothing but periodic calls happens.
    w.advance_to(SimTime::from_millis(20_500));
    assert_eq!(w.activity(w.now()), []);
    // Over the whole run the liveness kill touched the pod.
    let all = w.activity(SimTime::ZERO);
    assert!(all.contains(&Component::Pod {
        node: node(),
        pod: ObjectRef::new(Kind::Pod, "default", "liveness-http")
    }));
}

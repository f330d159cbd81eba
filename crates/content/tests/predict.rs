//! Each predict query kind on the course's real scenarios. The expected values were read
//! independently from `nodelab run` / `nodelab rules` / `nodelab trace` output on the same
//! files (and agree with Kubernetes' documented behaviour noted beside each).

use nodelab_content::model::{Choice, Localized, Question, QuestionKind, Scalar};
use nodelab_content::predict::{Answer, PredictError, PredictQuery, Response, answer, grade};
use nodelab_engine::{Manifest, decode_manifests};

fn scenario(name: &str) -> Vec<Manifest> {
    let path = format!(
        "{}/../../lessons/scenarios/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("scenario file");
    decode_manifests(&path, &text).expect("scenario decodes")
}

fn q(yaml: &str) -> PredictQuery {
    nodelab_content::source::decode::<PredictQuery>("q.yaml", yaml, 0)
        .map(|l| l.value)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ans(name: &str, query: &str) -> Answer {
    answer(&scenario(name), &q(query)).unwrap_or_else(|e| panic!("{query}: {e}"))
}

#[test]
fn restart_count_and_status_follow_the_crash_loop_back_off() {
    // `nodelab run liveness-http.yaml --until 3m`: RESTARTS `4 (9s ago)`, CrashLoopBackOff.
    assert_eq!(
        ans(
            "liveness-http",
            "restartCount: {pod: liveness-http, container: liveness, at: 3m}"
        ),
        Answer::Number(4)
    );
    assert_eq!(
        ans("liveness-http", "podStatus: {pod: liveness-http, at: 3m}"),
        Answer::Text("CrashLoopBackOff".into())
    );
    assert_eq!(
        ans("liveness-http", "podPhase: {pod: liveness-http, at: 3m}"),
        Answer::Text("Running".into())
    );
    // Five liveness kills (the fifth run is killed at about 2m41s, then an 80 s back-off).
    assert_eq!(
        ans(
            "liveness-http",
            "eventCount: {reason: Killing, object: liveness-http, at: 3m}"
        ),
        Answer::Number(5)
    );
    // The image is pulled once; restarts find it present (IfNotPresent).
    assert_eq!(
        ans("liveness-http", "criCallCount: {method: PullImage, at: 3m}"),
        Answer::Number(1)
    );
}

#[test]
fn oom_kill_reason_exit_code_and_qos() {
    assert_eq!(
        ans("qos-oom", "terminationReason: {pod: memory-demo-2, at: 1m}"),
        Answer::Text("OOMKilled".into())
    );
    assert_eq!(
        ans("qos-oom", "exitCode: {pod: memory-demo-2, at: 1m}"),
        Answer::Number(137)
    );
    assert_eq!(
        ans("qos-oom", "qosClass: {pod: memory-demo-2}"),
        Answer::Text("Burstable".into())
    );
    assert_eq!(
        ans("qos-oom", "qosClass: {pod: qos-demo}"),
        Answer::Text("Guaranteed".into())
    );
    assert_eq!(
        ans("qos-oom", "terminationReason: {pod: qos-demo, at: 1m}"),
        Answer::Text("none".into())
    );
}

#[test]
fn readiness_waits_for_the_startup_probe_and_never_restarts() {
    let s = "probes-startup-readiness";
    assert_eq!(
        ans(s, "ready: {pod: slow-app, at: 10s}"),
        Answer::Bool(false)
    );
    assert_eq!(
        ans(s, "ready: {pod: slow-app, at: 40s}"),
        Answer::Bool(true)
    );
    assert_eq!(
        ans(s, "ready: {pod: slow-app, at: 85s}"),
        Answer::Bool(false)
    );
    assert_eq!(ans(s, "ready: {pod: slow-app, at: 2m}"), Answer::Bool(true));
    assert_eq!(
        ans(s, "restartCount: {pod: slow-app, at: 2m}"),
        Answer::Number(0)
    );
}

#[test]
fn cri_call_order_and_runtime_failures() {
    assert_eq!(
        ans(
            "nginx-pod",
            "criCallOrder: {methods: [StartContainer, PullImage, RunPodSandbox, CreateContainer, PodSandboxStatus]}"
        ),
        Answer::List(
            [
                "RunPodSandbox",
                "PodSandboxStatus",
                "PullImage",
                "CreateContainer",
                "StartContainer"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert_eq!(
        ans("runtime-compare", "podStatus: {pod: web-wasm, at: 1m}"),
        Answer::Text("ContainerCreating".into())
    );
    assert_eq!(
        ans("image-pull", "podStatus: {pod: missing-image, at: 2m}"),
        Answer::Text("ImagePullBackOff".into())
    );
}

#[test]
fn rules_endpoints_and_traffic() {
    // `nodelab rules service-web.yaml --node-name node-1 --until 30s | grep -c -- --to-destination` = 3
    assert_eq!(
        ans(
            "service-web",
            "ruleCount: {node: node-1, contains: '--to-destination', at: 30s}"
        ),
        Answer::Number(3)
    );
    // `nodelab rules proxy-ipvs.yaml --mode ipvs`: three `Masq 1` real servers.
    assert_eq!(
        ans(
            "proxy-ipvs",
            "ruleCount: {node: node-1, contains: Masq, at: 30s}"
        ),
        Answer::Number(3)
    );
    let r = "readiness-endpoints";
    assert_eq!(
        ans(r, "readyEndpoints: {service: web, at: 20s}"),
        Answer::Number(3)
    );
    assert_eq!(
        ans(r, "readyEndpoints: {service: web, at: 1m}"),
        Answer::Number(2)
    );
    assert_eq!(
        ans(
            r,
            "ruleCount: {node: node-1, contains: '--to-destination', at: 1m}"
        ),
        Answer::Number(2)
    );
    assert_eq!(
        ans(
            r,
            "requestsTo: {from: pod/client, to: web, requests: 30, pod: web-2, at: 1m}"
        ),
        Answer::Number(0)
    );
    let a = "session-affinity";
    assert_eq!(
        ans(
            a,
            "distinctEndpoints: {from: pod/client, to: web-sticky, requests: 10, at: 1m}"
        ),
        Answer::Number(1)
    );
    assert_eq!(
        ans(
            a,
            "distinctEndpoints: {from: pod/client, to: web, requests: 30, at: 1m}"
        ),
        Answer::Number(3)
    );
    // `nodelab trace … --from external:203.0.113.10 --to 172.18.0.2:30080`: dropped ("has no
    // local endpoints"); to node-2 (172.18.0.3): pod/web-1.
    let e = "external-traffic-local";
    assert_eq!(
        ans(
            e,
            "endpointFor: {from: 'external:203.0.113.10', to: '172.18.0.2:30080', request: 1, at: 1m}"
        ),
        Answer::Text("none".into())
    );
    assert_eq!(
        ans(
            e,
            "endpointFor: {from: 'external:203.0.113.10', to: '172.18.0.3:30080', request: 1, at: 1m}"
        ),
        Answer::Text("web-1".into())
    );
}

#[test]
fn queries_naming_missing_things_are_errors_not_panics() {
    let m = scenario("nginx-pod");
    assert_eq!(
        answer(&m, &q("restartCount: {pod: nope, at: 1m}")),
        Err(PredictError::NoPod("nope".into()))
    );
    assert!(matches!(
        answer(
            &m,
            &q("restartCount: {pod: nginx, container: sidecar, at: 1m}")
        ),
        Err(PredictError::NoContainer { .. })
    ));
    assert!(matches!(
        answer(&m, &q("podPhase: {pod: nginx, at: soon}")),
        Err(PredictError::BadTime(_))
    ));
    assert!(matches!(
        answer(&m, &q("readyEndpoints: {service: web, at: 1m}")),
        Err(PredictError::NoService(_))
    ));
    assert!(matches!(
        answer(&m, &q("criCallOrder: {methods: [RunPodSandbox, Attach]}")),
        Err(PredictError::Invalid(_))
    ));
}

fn choice(id: &str, value: Option<Scalar>, correct: Option<bool>) -> Choice {
    Choice {
        id: id.into(),
        ko: id.into(),
        en: id.into(),
        correct,
        value,
    }
}

#[test]
fn grading() {
    let mut question = Question {
        id: "x".into(),
        kind: QuestionKind::Predict,
        prompt: Localized::default(),
        options: vec![
            choice("a", Some(Scalar::Str("Running".into())), None),
            choice("b", Some(Scalar::Str("CrashLoopBackOff".into())), None),
        ],
        items: Vec::new(),
        predict: None,
        explanation: Localized::default(),
        lab: None,
    };
    let a = Answer::Text("CrashLoopBackOff".into());
    assert!(grade(
        &question,
        Some(&a),
        &Response::Options(vec!["b".into()])
    ));
    assert!(!grade(
        &question,
        Some(&a),
        &Response::Options(vec!["a".into()])
    ));
    assert!(!grade(
        &question,
        None,
        &Response::Options(vec!["b".into()])
    ));
    let n = Answer::Number(4);
    assert!(grade(&question, Some(&n), &Response::Input(" 4 ".into())));
    assert!(!grade(&question, Some(&n), &Response::Input("5".into())));
    question.kind = QuestionKind::Multiple;
    question.options = vec![
        choice("a", None, Some(true)),
        choice("b", None, Some(true)),
        choice("c", None, Some(false)),
    ];
    assert!(grade(
        &question,
        None,
        &Response::Options(vec!["b".into(), "a".into()])
    ));
    assert!(!grade(
        &question,
        None,
        &Response::Options(vec!["a".into()])
    ));
    assert!(!grade(
        &question,
        None,
        &Response::Options(vec!["a".into(), "a".into(), "b".into()])
    ));
    question.kind = QuestionKind::Order;
    question.items = question.options.clone();
    assert!(grade(
        &question,
        None,
        &Response::Order(vec!["a".into(), "b".into(), "c".into()])
    ));
    assert!(!grade(
        &question,
        None,
        &Response::Order(vec!["b".into(), "a".into(), "c".into()])
    ));
}

//! Invariants of the pod lifecycle, checked over generated pods: back-off bounds and reset,
//! startup-probe gating, readiness and the Ready condition, determinism.
//! `NODELAB_PROP_CASES` sets the number of cases (default 24).

use nodelab_engine::kubelet::LifecycleEvent;
use nodelab_engine::kubelet::prober::{ProbeKind, ProbeResult};
use nodelab_engine::report::run_report;
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World, decode_manifests};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("NODELAB_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn world(yaml: &str, seed: u64) -> World {
    let manifests = decode_manifests("prop.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    World::from_manifests(&manifests, Some(seed)).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn pod_ref(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, "default", name)
}

/// A crashing container: runs `run_s` seconds, exits with `code`.
fn crasher(run_s: u32, code: u8, policy: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: crasher}}\nspec:\n  restartPolicy: {policy}\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sh, -c, 'sleep {run_s}; exit {code}']\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Back-off stays within 10 s..300 s, restarts follow within the back-off plus the pod
    /// worker's requeue (≤ 15 s) and the PLEG period, and the back-off only drops back to
    /// 10 s once more than 10 minutes passed since its last update (each update is a start):
    /// either the container ran that long, or the entry was garbage-collected while it waited
    /// (client-go `Backoff.GC` with the kubelet's `HasExpiredFunc`).
    #[test]
    fn back_off_is_bounded_and_resets_only_after_ten_minutes(
        runs in proptest::collection::vec(prop_oneof![0u32..20, 590u32..700], 1..2),
        code in 0u8..3,
        on_failure in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let policy = if on_failure { "OnFailure" } else { "Always" };
        let mut w = world(&crasher(runs[0], code, policy), seed);
        w.advance_to(SimTime::from_secs(40 * 60));
        let history = w.lifecycle_history(&pod_ref("crasher"), "app");
        let mut last_backoff = 0;
        let mut starts: Vec<SimTime> = Vec::new();
        let mut last_exit: Option<SimTime> = None;
        for e in &history {
            match e {
                LifecycleEvent::BackOff { backoff_ms, .. } => {
                    prop_assert!((10_000..=300_000).contains(backoff_ms), "{history:?}");
                    if *backoff_ms < last_backoff {
                        prop_assert_eq!(*backoff_ms, 10_000);
                        // Starts happen up to ~1 s after the back-off update that allowed them.
                        let ran = match (starts.last(), last_exit) {
                            (Some(s), Some(x)) => x.millis_since(*s),
                            _ => 0,
                        };
                        let gap = match starts.as_slice() {
                            [.., a, b] => b.millis_since(*a),
                            _ => 0,
                        };
                        prop_assert!(
                            ran > 599_000 || gap > 599_000,
                            "back-off dropped within 10 minutes of its last update: {history:?}"
                        );
                    }
                    last_backoff = *backoff_ms;
                }
                LifecycleEvent::Started { time, .. } => {
                    if let Some(x) = last_exit {
                        prop_assert!(time.millis_since(x) <= 300_000 + 15_000 + 1_000, "{history:?}");
                    }
                    starts.push(*time);
                }
                LifecycleEvent::Exited { time, exit_code, .. } => {
                    prop_assert_eq!(*exit_code, i32::from(code));
                    last_exit = Some(*time);
                }
                LifecycleEvent::Killed { .. } => {}
            }
        }
        if code == 0 && on_failure {
            prop_assert_eq!(history.iter().filter(|e| matches!(e, LifecycleEvent::Started { .. })).count(), 1);
        }
    }

    /// A container is never ready (nor started) before its startup probe succeeded, and a
    /// container that is not ready keeps the pod's Ready condition False.
    #[test]
    fn startup_gates_readiness_and_unready_containers_keep_the_pod_unready(
        boot_s in 0u32..40,
        period in 1i32..6,
        threshold in 1i32..15,
        ready_delay in 0u32..30,
        seed in 0u64..1000,
    ) {
        let yaml = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: gated}}\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sh, -c, 'sleep {boot_s}; touch /tmp/started; sleep {ready_delay}; touch /tmp/ready; sleep 3600']\n    startupProbe:\n      exec: {{command: [cat, /tmp/started]}}\n      periodSeconds: {period}\n      failureThreshold: {threshold}\n    readinessProbe:\n      exec: {{command: [cat, /tmp/ready]}}\n      periodSeconds: 2\n"
        );
        let mut w = world(&yaml, seed);
        let key = pod_ref("gated");
        for s in 1..=90u64 {
            w.advance_to(SimTime::from_secs(s));
            let Some(Object::Pod(p)) = w.api().get(&key) else { continue };
            let startup_ok = w
                .probe_history(&key, "app")
                .iter()
                .filter(|(k, _)| *k == ProbeKind::Startup)
                .flat_map(|(_, h)| h.iter())
                .any(|r| r.result == ProbeResult::Success);
            for c in &p.status.container_statuses {
                if c.ready || c.started == Some(true) {
                    prop_assert!(startup_ok, "t={s}: {c:?}");
                }
            }
            let any_unready = p.status.container_statuses.iter().any(|c| !c.ready);
            let pod_ready = p.status.conditions.iter().any(|c| c.type_ == "Ready" && c.status == "True");
            if any_unready {
                prop_assert!(!pod_ready, "t={s}: unready container but Ready=True");
            }
        }
    }

    /// Same manifests and seed give the same trace, also from a checkpoint (a clone).
    #[test]
    fn same_seed_same_trace(run_s in 0u32..30, code in 0u8..3, seed in 0u64..1000) {
        let yaml = format!(
            "{}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.27\n    readinessProbe: {{httpGet: {{path: /, port: 80}}, periodSeconds: 3}}\n",
            crasher(run_s, code, "Always")
        );
        let mut a = world(&yaml, seed);
        let mut b = world(&yaml, seed);
        a.advance_to(SimTime::from_secs(60));
        b.advance_to(SimTime::from_secs(60));
        let mut c = a.clone();
        a.advance_to(SimTime::from_secs(300));
        b.advance_to(SimTime::from_secs(300));
        c.advance_to(SimTime::from_secs(300));
        let (ra, rb, rc) = (run_report(&a), run_report(&b), run_report(&c));
        prop_assert_eq!(&ra, &rb);
        prop_assert_eq!(&ra, &rc);
    }
}

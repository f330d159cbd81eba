//! The lab's transport: seeking, stepping both ways, markers and previews of a `Timeline`
//! must show exactly what a fresh run shows.

use nodelab_engine::api::{Kind, ObjectRef};
use nodelab_engine::kubelet::LifecycleEvent;
use nodelab_engine::kubelet::prober::ProbeKind;
use nodelab_engine::lab::LabAction;
use nodelab_engine::report::run_report;
use nodelab_engine::timeline::{MarkerKind, Timeline, Upcoming};
use nodelab_engine::world::Task;
use nodelab_engine::{SimTime, World, decode_manifests};
use proptest::prelude::*;

const LIVENESS: &str = include_str!("../../../lessons/scenarios/liveness-http.yaml");
const NGINX: &str = include_str!("../../../lessons/scenarios/nginx-pod.yaml");

fn world(text: &str) -> World {
    let manifests = decode_manifests("scenario.yaml", text).expect("the scenario decodes");
    World::from_manifests(&manifests, Some(1)).expect("the scenario loads")
}

fn pod(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, "default", name)
}

/// The world advanced to `t` (the tasks due at `t` included, even at t = 0).
fn advanced(text: &str, t: SimTime) -> World {
    let mut w = world(text);
    w.advance_to(t);
    w
}

/// A fresh run: every action at its time, then on to `t`. At t = 0 with no action there, the
/// world as loaded: the timeline's start, before anything ran.
fn fresh(text: &str, actions: &[(SimTime, LabAction)], t: SimTime) -> World {
    let mut w = world(text);
    if t == SimTime::ZERO && actions.iter().all(|(at, _)| *at > t) {
        return w;
    }
    for (at, a) in actions.iter().filter(|(at, _)| *at <= t) {
        w.advance_to(*at);
        let _ = w.act(a.clone());
    }
    w.advance_to(t);
    w
}

fn report(w: &World) -> String {
    run_report(w).to_string()
}

fn assert_same(timeline: &Timeline, expected: &World) {
    assert_eq!(timeline.now(), expected.now());
    assert_eq!(
        report(timeline.world()),
        report(expected),
        "at {}",
        expected.now()
    );
    assert_eq!(timeline.world().lab_log(), expected.lab_log());
}

/// The nginx scenario's actions of these tests: the server answers 500 at 40 s, the process
/// exits at 95 s.
fn nginx_actions() -> Vec<(SimTime, LabAction)> {
    vec![
        (
            SimTime::from_secs(40),
            LabAction::HttpStatus {
                pod: pod("nginx"),
                container: None,
                path: "/".to_owned(),
                status: 500,
            },
        ),
        (
            SimTime::from_secs(95),
            LabAction::Exit {
                pod: pod("nginx"),
                container: None,
                code: 1,
            },
        ),
    ]
}

/// A timeline where the learner took `actions` while playing forward.
fn played(text: &str, actions: &[(SimTime, LabAction)]) -> Timeline {
    let mut tl = Timeline::new(world(text));
    for (at, a) in actions {
        tl.seek(*at);
        tl.act(a.clone()).expect("the action applies");
    }
    tl
}

#[test]
fn seeking_back_and_forth_equals_a_fresh_run() {
    let mut tl = Timeline::new(world(LIVENESS));
    for secs in [0, 95, 17, 600, 61, 60, 59, 1799, 3, 240, 0, 1200] {
        let t = SimTime::from_secs(secs);
        tl.seek(t);
        assert_same(&tl, &fresh(LIVENESS, &[], t));
    }
    // Millisecond times between checkpoints too.
    for ms in [12_345, 181_007, 3_500] {
        let t = SimTime::from_millis(ms);
        tl.seek(t);
        assert_same(&tl, &fresh(LIVENESS, &[], t));
    }
}

#[test]
fn seeking_replays_the_actions_taken_midway() {
    let actions = nginx_actions();
    let mut tl = played(NGINX, &actions);
    assert_eq!(tl.actions().len(), 2);
    assert!(tl.actions().iter().all(|a| a.error.is_none()));
    for secs in [300, 0, 39, 40, 41, 94, 95, 96, 150, 10, 400] {
        let t = SimTime::from_secs(secs);
        tl.seek(t);
        assert_same(&tl, &fresh(NGINX, &actions, t));
        let seen = actions.iter().filter(|(at, _)| *at <= t).count();
        assert_eq!(tl.applied(), seen, "at {secs}s");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_seek_sequence_equals_a_fresh_run(seeks in proptest::collection::vec(0u64..400_000, 1..6)) {
        let actions = nginx_actions();
        let mut tl = played(NGINX, &actions);
        for ms in seeks {
            let t = SimTime::from_millis(ms);
            tl.seek(t);
            let expected = fresh(NGINX, &actions, t);
            prop_assert_eq!(report(tl.world()), report(&expected));
            prop_assert_eq!(tl.world().lab_log(), expected.lab_log());
        }
    }
}

#[test]
fn steps_land_on_changes_and_step_back_retraces_them() {
    let mut tl = Timeline::new(world(LIVENESS));
    let mut times = vec![tl.now()];
    for _ in 0..40 {
        let before = report(tl.world());
        let p = tl.step().expect("something happens within ten minutes");
        assert_eq!(p.time, tl.now());
        let last = *times.last().expect("a time");
        // The first step runs what is due at the start itself (t = 0); later ones move on.
        assert!(p.time > last || times.len() == 1, "steps move forward");
        assert_ne!(report(tl.world()), before, "a step shows a change");
        // Nothing observable happened strictly between two steps: the state just before the
        // step's time is the state the step started from.
        if times.len() > 1 {
            let just_before = advanced(LIVENESS, SimTime::from_millis(p.time.as_millis() - 1));
            let last = advanced(LIVENESS, last);
            assert_eq!(
                run_report(&just_before)["events"],
                run_report(&last)["events"]
            );
            assert_eq!(
                run_report(&just_before)["criCalls"],
                run_report(&last)["criCalls"]
            );
        }
        times.push(p.time);
        assert_same(&tl, &advanced(LIVENESS, p.time));
    }
    // Step back retraces the same times, the step at t = 0 included; then the untouched start.
    for expected in times[1..times.len() - 1].iter().rev() {
        let t = tl.step_back();
        assert_eq!(t, *expected);
        assert_same(&tl, &advanced(LIVENESS, t));
    }
    assert_eq!(tl.step_back(), SimTime::ZERO);
    assert_same(&tl, &world(LIVENESS));
    assert_eq!(
        tl.world().processed_tasks(),
        0,
        "nothing has run at the start"
    );
}

#[test]
fn steps_stop_at_a_recorded_action_after_a_rewind() {
    let exit_at = SimTime::from_millis(40_500);
    let actions = vec![(
        exit_at,
        LabAction::Exit {
            pod: pod("nginx"),
            container: None,
            code: 1,
        },
    )];
    let mut tl = played(NGINX, &actions);
    tl.rewind();
    assert_eq!(tl.applied(), 0);
    let mut reached = false;
    for _ in 0..200 {
        let p = tl.step().expect("a step");
        if p.time >= exit_at {
            assert_eq!(p.time, exit_at, "the step stops at the action");
            assert!(matches!(p.what, Upcoming::Action(LabAction::Exit { .. })));
            reached = true;
            break;
        }
    }
    assert!(reached);
    assert_eq!(tl.applied(), 1);
    assert_same(&tl, &fresh(NGINX, &actions, exit_at));
}

/// Restart times of liveness-http's container, from a fresh 10-minute run.
fn restart_times() -> Vec<SimTime> {
    let w = fresh(LIVENESS, &[], SimTime::from_secs(600));
    let k = w.kubelet_of(&pod("liveness-http")).expect("bound");
    k.lifecycle_history(&pod("liveness-http"), "liveness")
        .iter()
        .filter_map(|e| match e {
            LifecycleEvent::Started { time, attempt } if *attempt > 0 => Some(*time),
            _ => None,
        })
        .collect()
}

#[test]
fn markers_list_the_liveness_restarts_at_their_times() {
    let mut tl = Timeline::new(world(LIVENESS));
    assert!(tl.markers().is_empty(), "nothing computed yet");
    while tl.extend(3) {}
    assert_eq!(tl.computed(), SimTime::from_secs(30 * 60));
    let markers = tl.markers();
    let restarts: Vec<SimTime> = markers
        .iter()
        .filter(|m| m.kind == MarkerKind::Restart && m.time <= SimTime::from_secs(600))
        .map(|m| m.time)
        .collect();
    let expected = restart_times();
    assert!(expected.len() >= 3, "{expected:?}");
    assert_eq!(restarts, expected);
    // The first restart: three liveness failures 3 s apart after agnhost turns unhealthy at
    // 10 s, then the kill's grace period and a new start.
    let first = &markers
        .iter()
        .find(|m| m.kind == MarkerKind::Restart)
        .expect("a restart");
    assert_eq!(first.object, "pod/liveness-http/liveness");
    assert_eq!(first.detail, "1");
    // The failed probes before it are markers too, and so is the Killing event.
    let failed_probes = markers
        .iter()
        .filter(|m| m.kind == MarkerKind::Probe && m.failed && m.time < first.time)
        .count();
    assert_eq!(failed_probes, 3);
    assert!(
        markers
            .iter()
            .any(|m| m.kind == MarkerKind::Event && m.detail == "Killing" && m.time < first.time)
    );
    // Jumping from marker to marker lands on the restarts in order.
    tl.rewind();
    for t in &expected {
        assert_eq!(tl.next_marker(MarkerKind::Restart), Some(*t));
        tl.seek(*t);
    }
    assert_eq!(tl.next_marker(MarkerKind::Packet), None);
}

#[test]
fn an_action_after_a_rewind_drops_the_old_future() {
    let actions = nginx_actions();
    let mut tl = played(NGINX, &actions);
    tl.seek(SimTime::from_secs(300));
    let packets_before = tl.markers().len();
    assert!(packets_before > 0);
    tl.seek(SimTime::from_secs(60));
    assert_eq!(tl.applied(), 1);
    tl.act(LabAction::DeletePod {
        pod: pod("nginx"),
        grace_period_seconds: Some(0),
    })
    .expect("the pod exists");
    assert_eq!(tl.actions().len(), 2);
    assert!(matches!(
        tl.actions()[1].action,
        LabAction::DeletePod { .. }
    ));
    assert!(tl.computed() <= SimTime::from_secs(60));
    assert!(
        tl.markers()
            .iter()
            .all(|m| m.time <= SimTime::from_secs(60))
    );
    let new_future = vec![
        actions[0].clone(),
        (
            SimTime::from_secs(60),
            LabAction::DeletePod {
                pod: pod("nginx"),
                grace_period_seconds: Some(0),
            },
        ),
    ];
    for secs in [200, 30, 60, 95, 120] {
        let t = SimTime::from_secs(secs);
        tl.seek(t);
        assert_same(&tl, &fresh(NGINX, &new_future, t));
    }
}

#[test]
fn the_preview_describes_what_the_step_then_does() {
    let mut tl = Timeline::new(world(LIVENESS));
    let mut saw_probe = false;
    for _ in 0..60 {
        let preview = tl.preview().expect("a next step");
        let events_before = tl.world().events().all().len();
        let stepped = tl.step().expect("a step");
        assert_eq!(stepped, preview);
        assert_eq!(tl.now(), preview.time);
        if let Upcoming::Task(Task::Probe {
            kind: ProbeKind::Liveness,
            pod: p,
            container,
            ..
        }) = &preview.what
        {
            // The only observable outcome of a probe is a failure's Unhealthy event.
            assert_eq!(
                (p.name.as_str(), container.as_str()),
                ("liveness-http", "liveness")
            );
            let new = &tl.world().events().all()[events_before..];
            assert!(
                new.iter()
                    .any(|e| e.reason == "Unhealthy" && e.time == preview.time),
                "{new:?}"
            );
            saw_probe = true;
        }
    }
    assert!(saw_probe, "a liveness probe failure is a step of its own");
}

//! The lab's transport: a world's run from t = 0 with the lab actions the learner took, kept
//! as checkpoints so that any moment can be shown again exactly (rewind, scrub, step back).
//!
//! A [`Timeline`] owns the world at t = 0 and the recorded actions. Because the engine is
//! deterministic, the state at time `t` is fully given by "start from t = 0, take every
//! recorded action at its time, advance to `t`". Checkpoints (clones of the world, every
//! [`CHECKPOINT_INTERVAL`] of simulated time) make that fast: [`Timeline::seek`] restores the
//! latest checkpoint at or before `t` and replays only the rest. The checkpoints up to the
//! [`Timeline::horizon`] are computed incrementally ([`Timeline::extend`]), and while they are
//! computed the timeline collects [`Marker`]s — restarts, probe results, packets, events — for
//! the scrubber.

use std::cell::OnceCell;
use std::rc::Rc;

use crate::api::{Kind, Object, ObjectRef};
use crate::events::EventType;
use crate::kubelet::LifecycleEvent;
use crate::kubelet::prober::{ProbeKind, ProbeResult};
use crate::lab::LabAction;
use crate::time::SimTime;
use crate::world::{LabRecord, Task, World};

/// Simulated time between two checkpoints. A seek replays at most this much.
pub const CHECKPOINT_INTERVAL: SimTime = SimTime::from_secs(60);

/// The horizon a new timeline computes towards: thirty simulated minutes.
pub const DEFAULT_HORIZON: SimTime = SimTime::from_secs(30 * 60);

/// How far [`Timeline::step`] looks for something observable before it gives up (as
/// [`World::step`] does).
pub const STEP_LIMIT_MS: u64 = 600_000;

/// What a marker on the scrubber stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MarkerKind {
    /// A container started again (its restart count went up).
    Restart,
    /// A probe ran.
    Probe,
    /// Requests went through the cluster network (a traffic action or a packet trace).
    Packet,
    /// An event was recorded.
    Event,
    /// The learner took a lab action.
    Action,
}

impl MarkerKind {
    /// Every kind, in legend order.
    pub const ALL: [MarkerKind; 5] = [
        MarkerKind::Restart,
        MarkerKind::Probe,
        MarkerKind::Packet,
        MarkerKind::Event,
        MarkerKind::Action,
    ];

    /// A stable lower-case name (`restart`, `probe`, `packet`, `event`, `action`).
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::Restart => "restart",
            MarkerKind::Probe => "probe",
            MarkerKind::Packet => "packet",
            MarkerKind::Event => "event",
            MarkerKind::Action => "action",
        }
    }
}

/// One point of interest on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// When.
    pub time: SimTime,
    /// What kind of thing happened.
    pub kind: MarkerKind,
    /// Whether it went wrong: a failed probe, a `Warning` event, a request that failed, an
    /// action the engine refused.
    pub failed: bool,
    /// What it concerns: `pod/NAME/CONTAINER` for restarts and probes, the event's object, the
    /// traffic's destination.
    pub object: String,
    /// A short machine-readable detail: the probe type (`Liveness`…), the event reason, the
    /// restart count, the number of requests.
    pub detail: String,
}

/// What the next [`Timeline::step`] will do.
#[derive(Clone, Debug, PartialEq)]
pub enum Upcoming {
    /// The engine task that makes the next observable change (the UI names it: "kubelet runs
    /// the liveness probe of …", "PLEG relist on node-1", "kube-proxy syncs rules"…).
    Task(Task),
    /// A recorded lab action is taken again before anything observable happens.
    Action(LabAction),
}

/// The next step, described before it is taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// When it happens.
    pub time: SimTime,
    /// What happens.
    pub what: Upcoming,
}

/// A world saved at a moment, with how many recorded actions it has seen.
#[derive(Clone, Debug)]
struct Checkpoint {
    applied: usize,
    world: Rc<World>,
}

/// The next step, computed ahead on a copy of the world.
#[derive(Debug)]
struct Ahead {
    world: World,
    applied: usize,
    /// The outcome of each action the step takes again.
    errors: Vec<Option<String>>,
    preview: Preview,
}

/// A world's run with its recorded lab actions, checkpoints and markers. Cloning it is cheap
/// apart from the current world: checkpoints are shared.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// `checkpoints[0]` is the world at t = 0; times grow by [`CHECKPOINT_INTERVAL`].
    checkpoints: Vec<Checkpoint>,
    world: World,
    actions: Vec<LabRecord>,
    /// How many of `actions` `world` has seen.
    applied: usize,
    horizon: SimTime,
    /// Markers found while computing the checkpoints (actions excluded), in time order.
    markers: Vec<Marker>,
    /// The next step, once asked for.
    ahead: OnceCell<Option<Rc<Ahead>>>,
}

impl Timeline {
    /// A timeline starting from `world` (normally at t = 0) with no action taken. The start
    /// is shown as it is, before the tasks due at that instant run (nothing has happened yet;
    /// the first step runs them).
    pub fn new(world: World) -> Timeline {
        Timeline {
            checkpoints: vec![Checkpoint {
                applied: 0,
                world: Rc::new(world.clone()),
            }],
            world,
            actions: Vec::new(),
            applied: 0,
            horizon: DEFAULT_HORIZON,
            markers: Vec::new(),
            ahead: OnceCell::new(),
        }
    }

    /// The world at the current time.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world at the start of the timeline.
    pub fn initial(&self) -> &World {
        &self.checkpoints[0].world
    }

    /// The current time.
    pub fn now(&self) -> SimTime {
        self.world.now()
    }

    /// The start time (normally zero).
    pub fn start(&self) -> SimTime {
        self.checkpoints[0].world.now()
    }

    /// Every lab action taken, in time order, with the engine's refusal if it refused. Those
    /// after [`Timeline::applied`] are in the future of the current time (after a rewind).
    pub fn actions(&self) -> &[LabRecord] {
        &self.actions
    }

    /// How many of [`Timeline::actions`] the current world has seen.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// How far the timeline reaches: [`DEFAULT_HORIZON`], or further once the learner went
    /// further.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// Up to when checkpoints and markers have been computed.
    pub fn computed(&self) -> SimTime {
        self.last_checkpoint().world.now()
    }

    fn last_checkpoint(&self) -> &Checkpoint {
        // `checkpoints` is never empty: `new` puts t = 0 in and `act` keeps it.
        &self.checkpoints[self.checkpoints.len() - 1]
    }

    /// Markers up to [`Timeline::computed`], plus every recorded action, in time order.
    pub fn markers(&self) -> Vec<Marker> {
        let mut out = self.markers.clone();
        out.extend(self.actions.iter().map(|a| Marker {
            time: a.time,
            kind: MarkerKind::Action,
            failed: a.error.is_some(),
            object: a.action.pod().map(ToString::to_string).unwrap_or_default(),
            detail: a.action.describe(),
        }));
        out.sort_by_key(|m| m.time);
        out
    }

    /// The time of the first marker of `kind` after now, computing further (up to the
    /// horizon) until one is found.
    pub fn next_marker(&mut self, kind: MarkerKind) -> Option<SimTime> {
        let now = self.now();
        if kind == MarkerKind::Action {
            return self.actions.iter().map(|a| a.time).find(|t| *t > now);
        }
        loop {
            if let Some(m) = self.markers.iter().find(|m| m.kind == kind && m.time > now) {
                return Some(m.time);
            }
            if !self.extend(1) {
                return None;
            }
        }
    }

    /// Computes up to `chunks` more checkpoints towards the horizon (each covers
    /// [`CHECKPOINT_INTERVAL`]), collecting markers. Returns whether more remain. A UI calls
    /// this from an idle tick so that the whole horizon becomes scrubbable in the background.
    pub fn extend(&mut self, chunks: usize) -> bool {
        for _ in 0..chunks {
            if self.computed() >= self.horizon {
                return false;
            }
            self.extend_one();
        }
        self.computed() < self.horizon
    }

    fn extend_one(&mut self) {
        let last = self.last_checkpoint();
        let start = last.world.now();
        let mut world = (*last.world).clone();
        let mut applied = last.applied;
        let events_before = world.events().all().len();
        let traffic_before = world.traffic().len();
        let end = start.plus_millis(CHECKPOINT_INTERVAL.as_millis());
        advance(&mut world, &mut self.actions, &mut applied, end);
        self.collect_markers(&world, start, events_before, traffic_before);
        self.checkpoints.push(Checkpoint {
            applied,
            world: Rc::new(world),
        });
    }

    /// Markers of what happened in `(start, world.now()]`.
    fn collect_markers(
        &mut self,
        world: &World,
        start: SimTime,
        events_before: usize,
        traffic_before: usize,
    ) {
        let end = world.now();
        let within = |t: SimTime| t > start && t <= end;
        let mut found = Vec::new();
        for e in world.events().all().iter().skip(events_before) {
            found.push(Marker {
                time: e.time,
                kind: MarkerKind::Event,
                failed: e.type_ == EventType::Warning,
                object: e.object.to_string(),
                detail: e.reason.clone(),
            });
        }
        for run in world.traffic().iter().skip(traffic_before) {
            found.push(Marker {
                time: run.time,
                kind: MarkerKind::Packet,
                failed: run.results.iter().any(|r| r.backend.is_none()),
                object: run.spec.to.clone(),
                detail: run.spec.requests.to_string(),
            });
        }
        for o in world.list(Kind::Pod) {
            let Object::Pod(pod) = o else { continue };
            let key = ObjectRef::new(Kind::Pod, &pod.metadata.namespace, &pod.metadata.name);
            let Some(kubelet) = world.kubelet_of(&key) else {
                continue;
            };
            for c in pod.all_containers() {
                let object = format!("{key}/{}", c.name);
                for l in kubelet.lifecycle_history(&key, &c.name) {
                    if let LifecycleEvent::Started { time, attempt } = l
                        && *attempt > 0
                        && within(*time)
                    {
                        found.push(Marker {
                            time: *time,
                            kind: MarkerKind::Restart,
                            failed: false,
                            object: object.clone(),
                            detail: attempt.to_string(),
                        });
                    }
                }
                for (kind, history) in kubelet.probe_history(&key, &c.name) {
                    for r in history.iter().filter(|r| within(r.time)) {
                        found.push(Marker {
                            time: r.time,
                            kind: MarkerKind::Probe,
                            failed: r.result == ProbeResult::Failure,
                            object: object.clone(),
                            detail: probe_name(kind).to_owned(),
                        });
                    }
                }
            }
        }
        // Stable: same-time markers keep the order they were found in.
        found.sort_by_key(|m| m.time);
        self.markers.extend(found);
    }

    /// Makes sure checkpoints reach `t` (and the horizon covers it).
    fn compute_to(&mut self, t: SimTime) {
        self.horizon = self.horizon.max(t);
        while self.computed() < t {
            self.extend_one();
        }
    }

    /// Shows the world at `t`: restores the latest checkpoint at or before `t` (or keeps the
    /// current world when it is closer), takes the recorded actions again at their times and
    /// advances to `t`. The result equals a fresh run advanced to `t` with the same actions.
    /// Seeking to (or before) the start shows the start as [`Timeline::new`] got it — before
    /// the tasks due at that instant ran — unless an action was recorded at that instant.
    pub fn seek(&mut self, t: SimTime) {
        let start = self.start();
        let t = t.max(start);
        self.ahead = OnceCell::new();
        if t == start && self.actions.first().is_none_or(|a| a.time > start) {
            self.world = (*self.checkpoints[0].world).clone();
            self.applied = 0;
            return;
        }
        self.compute_to(t);
        let idx = self
            .checkpoints
            .partition_point(|c| c.world.now() <= t)
            .saturating_sub(1);
        let cp = &self.checkpoints[idx];
        let now = self.world.now();
        // The untouched start is not a state "advanced to the start": restore from it.
        let untouched = now == start && self.processed_since_start() == 0;
        if untouched || !(now <= t && now >= cp.world.now()) {
            self.world = (*cp.world).clone();
            self.applied = cp.applied;
        }
        advance(&mut self.world, &mut self.actions, &mut self.applied, t);
    }

    /// How many tasks the current world ran since the start.
    fn processed_since_start(&self) -> u64 {
        self.world.processed_tasks() - self.checkpoints[0].world.processed_tasks()
    }

    /// Back to the start.
    pub fn rewind(&mut self) {
        self.seek(self.start());
    }

    /// What the next [`Timeline::step`] will do and when; `None` when nothing observable
    /// happens within [`STEP_LIMIT_MS`].
    pub fn preview(&self) -> Option<Preview> {
        self.ahead().map(|a| a.preview.clone())
    }

    fn ahead(&self) -> Option<Rc<Ahead>> {
        self.ahead
            .get_or_init(|| {
                let mut world = self.world.clone();
                let mut actions = self.actions.clone();
                let mut applied = self.applied;
                let preview = step_world(&mut world, &mut actions, &mut applied)?;
                let errors = actions[self.applied..applied]
                    .iter()
                    .map(|a| a.error.clone())
                    .collect();
                Some(Rc::new(Ahead {
                    world,
                    applied,
                    errors,
                    preview,
                }))
            })
            .clone()
    }

    /// Advances to the next observable change (an event, an object update, a CRI call), or to
    /// the next recorded action if that comes first, and returns what happened. `None` (and
    /// no move) when nothing observable happens within [`STEP_LIMIT_MS`].
    pub fn step(&mut self) -> Option<Preview> {
        let ahead = self.ahead()?;
        let from = self.applied;
        for (record, error) in self.actions[from..ahead.applied]
            .iter_mut()
            .zip(&ahead.errors)
        {
            record.error = error.clone();
        }
        self.applied = ahead.applied;
        self.world = ahead.world.clone();
        let preview = ahead.preview.clone();
        self.ahead = OnceCell::new();
        self.horizon = self.horizon.max(self.now());
        Some(preview)
    }

    /// Goes back to the previous time a [`Timeline::step`] would have stopped at (the start
    /// when there is none). Returns the new time.
    pub fn step_back(&mut self) -> SimTime {
        let target = self.now();
        let mut idx = self
            .checkpoints
            .partition_point(|c| c.world.now() < target)
            .saturating_sub(1);
        loop {
            let cp = &self.checkpoints[idx];
            let mut world = (*cp.world).clone();
            let mut applied = cp.applied;
            let mut actions = self.actions.clone();
            let mut last = None;
            while let Some(p) = step_world(&mut world, &mut actions, &mut applied) {
                if p.time >= target {
                    break;
                }
                last = Some(p.time);
            }
            match last {
                // A step at the start ran what was due then: not the untouched start.
                Some(t) if t == self.start() => {
                    self.world = (*self.checkpoints[0].world).clone();
                    self.applied = 0;
                    advance(&mut self.world, &mut self.actions, &mut self.applied, t);
                    self.ahead = OnceCell::new();
                    return t;
                }
                Some(t) => {
                    self.seek(t);
                    return t;
                }
                None if idx == 0 => {
                    self.rewind();
                    return self.now();
                }
                None => idx -= 1,
            }
        }
    }

    /// Takes a lab action now and records it. Recorded actions after now (a rewind, then an
    /// action) belong to another future and are dropped, with the checkpoints and markers
    /// computed after now.
    pub fn act(&mut self, action: LabAction) -> Result<(), String> {
        let now = self.now();
        // Run everything due by now first, so that replaying "advance to now, then act"
        // reaches exactly this state.
        self.world.advance_to(now);
        self.actions.truncate(self.applied);
        let keep = self
            .checkpoints
            .partition_point(|c| c.world.now() <= now)
            .max(1);
        self.checkpoints.truncate(keep);
        let computed = self.computed();
        self.markers.retain(|m| m.time <= computed);
        let result = self.world.act(action.clone());
        self.actions.push(LabRecord {
            time: now,
            action,
            error: result.clone().err(),
        });
        self.applied = self.actions.len();
        self.ahead = OnceCell::new();
        result
    }
}

/// `Liveness`, `Readiness`, `Startup`.
fn probe_name(kind: ProbeKind) -> &'static str {
    match kind {
        ProbeKind::Liveness => "Liveness",
        ProbeKind::Readiness => "Readiness",
        ProbeKind::Startup => "Startup",
    }
}

/// Advances `world` to `t`, taking the recorded actions from `applied` on that are due by then.
fn advance(world: &mut World, actions: &mut [LabRecord], applied: &mut usize, t: SimTime) {
    while let Some(next) = actions.get_mut(*applied).filter(|a| a.time <= t) {
        world.advance_to(next.time);
        next.error = world.act(next.action.clone()).err();
        *applied += 1;
    }
    world.advance_to(t);
}

/// One step of `world`: to the next observable change or the next recorded action, whichever
/// comes first; actions recorded for the time reached are taken too.
fn step_world(
    world: &mut World,
    actions: &mut [LabRecord],
    applied: &mut usize,
) -> Option<Preview> {
    let due = actions.get(*applied).map(|a| a.time);
    let give_up = world.now().plus_millis(STEP_LIMIT_MS);
    let limit = due.map_or(give_up, |d| d.min(give_up));
    let preview = match world.step_until(limit) {
        Some((time, task)) => Preview {
            time,
            what: Upcoming::Task(task),
        },
        None => {
            let next = actions.get(*applied).filter(|a| a.time <= limit)?;
            Preview {
                time: next.time,
                what: Upcoming::Action(next.action.clone()),
            }
        }
    };
    advance(world, actions, applied, preview.time);
    Some(preview)
}

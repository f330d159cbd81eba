//! The lab: a scenario picker and manifest editor, transport controls, lab actions and the views
//! of the engine's state.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use nodelab_engine::api::lab::Lab as LabObject;
use nodelab_engine::compare::{self, Setup};
use nodelab_engine::lab::LabAction;
use nodelab_engine::net::trace::{Source, Trace};
use nodelab_engine::proxy::{Mode, Scheduler};
use nodelab_engine::report::pod_rows;
use nodelab_engine::timeline::Timeline;
use nodelab_engine::world::{ClientOptions, TrafficSpec};
use nodelab_engine::{
    Document, Kind, Manifest, Object, ObjectRef, SimTime, World, decode_manifests,
};
use yew::prelude::*;

use crate::actions::{ActionPanel, Target, taken_list};
use crate::cri_view::{cri_calls_panel, crictl_panel, use_cri_ui};
use crate::diagram::{node_diagram, use_diagram_ui};
use crate::dom::event_value;
use crate::editor::{Editor, LabNotice};
use crate::events_view::{events_panel, use_events_ui};
use crate::i18n::{Key, Lang, t};
use crate::kubectl_view::{kubectl_panel, use_kubectl_ui};
use crate::pod_view::pod_detail;
use crate::proxy_view::{ProxyProps, proxy_views, use_proxy_ui};
use crate::runtime_view::{compare_panel, runtime_switcher, use_compare_ui};
use crate::scenarios::Scenario;
use crate::share::{self, Shared};
use crate::storage::{self, Notice, UiRecord};
use crate::transport::{Control, DEFAULT_SPEED, EXTEND_CHUNKS, TICK_MS, Transport};

/// Seed of the lab's runs.
pub const SEED: u64 = 1;
/// Wall-clock delay between two background checkpoint computations.
const EXTEND_DELAY_MS: u32 = 30;

/// A lab action the learner took (time, action, the engine's refusal), kept by the engine
/// [`Timeline`] so that rewind and replay give the same run.
pub use nodelab_engine::world::LabRecord as Taken;

/// The kube-proxy mode and IPVS scheduler of a run.
pub type ProxyChoice = (Mode, Scheduler);

/// A packet trace the learner asked for, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Traced {
    /// Simulated time of the trace.
    pub time: SimTime,
    /// The walk, or why it could not start.
    pub result: Result<Trace, String>,
}

/// Which views the lab shows below the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The kubelet's: CRI calls, crictl and the selected pod.
    Node,
    /// kube-proxy's: rules, diffs, packet traces, traffic and scale.
    Proxy,
}

/// Lab state: the scenario and editor text, the engine timeline (the world from t = 0, now, its
/// checkpoints and the lab actions taken) and the selected pod.
#[derive(Clone)]
pub struct LabState {
    scenario: Scenario,
    text: String,
    timeline: Timeline,
    error: Option<String>,
    playing: bool,
    idle: bool,
    /// Play speed (simulated seconds per real second).
    speed: u32,
    /// The pod the learner picked (the views fall back to the first pod when it is gone).
    selected: Option<ObjectRef>,
    /// Why the learner's last action failed.
    action_error: Option<String>,
    /// The container runtime and handler the learner chose (`None`: as the manifests say).
    setup: Option<Setup>,
    /// The kube-proxy mode and scheduler the learner chose (`None`: as the manifests say).
    proxy: Option<ProxyChoice>,
    /// The last packet trace (cleared when the world is rebuilt or rewound).
    trace: Option<Traced>,
}

/// What the learner can do.
pub enum LabMsg {
    /// Load a lesson scenario into the editor and the world.
    Scenario(Scenario),
    /// Load a lesson scenario and advance it to a time (a lesson's "open in lab").
    Open(Scenario, SimTime),
    /// The editor text changed.
    Edit(String),
    /// Load the editor text into a fresh world.
    Apply,
    /// Put the scenario's manifest back.
    Reset,
    /// Load a lesson scenario with this text (the learner's saved edits) and apply it.
    OpenText(Scenario, String),
    /// One play-loop tick.
    Tick,
    /// A transport control (step back, scrub, speed, jumps…).
    Control(Control),
    /// Compute more checkpoints in the background.
    Extend,
    /// Show this pod in the detail views.
    Select(ObjectRef),
    /// Take a lab action now.
    Act(LabAction),
    /// Run the current YAML on this runtime and handler, from t = 0.
    Setup(Setup),
    /// Run the current YAML with kube-proxy in this mode (and IPVS scheduler), from t = 0.
    Proxy(ProxyChoice),
    /// Trace one new connection now, and send it as a one-request traffic action.
    Trace {
        /// The client.
        from: Source,
        /// `host[:port]`.
        to: String,
    },
}

/// Decodes a manifest text, or the errors to show (one per line).
pub fn decode(text: &str) -> Result<Vec<Manifest>, String> {
    decode_manifests("pod.yaml", text).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Builds the world for a manifest text on `setup` and with kube-proxy as `proxy` (or as the
/// manifests say), or the error to show.
fn load(text: &str, setup: Option<Setup>, proxy: Option<ProxyChoice>) -> Result<World, String> {
    let manifests = decode(text)?;
    match (setup, proxy) {
        (None, None) => World::from_manifests(&manifests, Some(SEED)).map_err(|e| e.to_string()),
        (Some(setup), None) => compare::world_for(&manifests, Some(SEED), setup),
        (None, Some((mode, scheduler))) => {
            compare::world_with_proxy(&manifests, Some(SEED), mode, scheduler)
        }
        // Both chosen: the proxy settings go into the Lab document first (what
        // `world_with_proxy` does), then the runtime set-up.
        (Some(setup), Some(choice)) => {
            compare::world_for(&with_proxy(manifests, choice), Some(SEED), setup)
        }
    }
}

/// `manifests` with the Lab's `proxyMode` and `ipvsScheduler` set (a Lab is added when there
/// is none), as [`compare::world_with_proxy`] sets them.
fn with_proxy(mut manifests: Vec<Manifest>, (mode, scheduler): ProxyChoice) -> Vec<Manifest> {
    let mut has_lab = false;
    for m in &mut manifests {
        if let Document::Lab(lab) = &mut m.document {
            has_lab = true;
            lab.spec.proxy_mode = Some(mode.as_str().to_owned());
            lab.spec.ipvs_scheduler = Some(scheduler.as_str().to_owned());
        }
    }
    if !has_lab {
        let mut lab = LabObject::default();
        lab.spec.proxy_mode = Some(mode.as_str().to_owned());
        lab.spec.ipvs_scheduler = Some(scheduler.as_str().to_owned());
        manifests.push(Manifest::synthetic(Document::Lab(lab)));
    }
    manifests
}

impl LabState {
    /// The lab as the lesson opens it.
    pub fn new() -> LabState {
        let scenario = Scenario::ALL[0];
        let text = scenario.manifest();
        let world = load(text, None, None).unwrap_or_else(|_| World::new(SEED));
        LabState {
            scenario,
            text: text.to_owned(),
            timeline: Timeline::new(world),
            error: None,
            playing: false,
            idle: false,
            speed: DEFAULT_SPEED,
            selected: None,
            action_error: None,
            setup: None,
            proxy: None,
            trace: None,
        }
    }

    /// Loads the editor text into a fresh world; keeps the old one on an error. Returns whether
    /// it loaded.
    fn apply(&mut self) -> bool {
        let loaded = match load(&self.text, self.setup, self.proxy) {
            Ok(world) => {
                self.timeline = Timeline::new(world);
                self.error = None;
                self.idle = false;
                self.selected = None;
                self.action_error = None;
                self.trace = None;
                true
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        };
        self.playing = false;
        loaded
    }

    /// The runtime and handler names the switcher shows: the learner's choice, else the first
    /// node's runtime and its default handler.
    pub fn setup_names(&self) -> (&'static str, &'static str) {
        if let Some(s) = self.setup {
            return (s.runtime.name, s.handler.name);
        }
        let runtime = self.world().kubelets().values().next().map(|k| &k.runtime);
        (
            runtime.map_or("containerd", |r| r.profile.name),
            runtime
                .and_then(|r| r.handlers.first())
                .map_or("runc", |h| h.name),
        )
    }

    /// The kube-proxy mode and scheduler the views show: the learner's choice, else the first
    /// node's kube-proxy configuration.
    pub fn proxy_choice(&self) -> ProxyChoice {
        self.proxy.unwrap_or_else(|| {
            self.world()
                .proxies()
                .values()
                .next()
                .map_or((Mode::default(), Scheduler::default()), |p| {
                    (p.config.mode, p.config.scheduler)
                })
        })
    }

    /// Traces one new connection at the current time and sends the same request through the
    /// live world as a one-request traffic action.
    ///
    /// The steps come from a copy of the world taken at this instant: `World::trace` on the
    /// live world would be a real connection (it advances the random generator, adds a
    /// conntrack entry, moves IPVS and affinity state) that is not a lab action, so a rewind
    /// and replay would diverge from what the learner saw. Instead the live world takes the
    /// same request as `LabAction::Traffic` (one request, `GET /`, no pool, no retries — the
    /// very connection `World::trace` opens), which is recorded and replayed; the world is
    /// deterministic, so the copy and the live world pick the same client port and backend.
    fn trace(&mut self, from: Source, to: String) {
        let now = self.timeline.now();
        let mut copy = self.timeline.world().clone();
        copy.advance_to(now);
        let result = copy.trace(&from, &to);
        if result.is_ok() {
            self.act(LabAction::Traffic(TrafficSpec {
                from,
                to,
                requests: 1,
                path: "/".to_owned(),
                client: ClientOptions::default(),
            }));
        }
        self.trace = Some(Traced { time: now, result });
    }

    /// Takes a lab action at the current time. Actions recorded after now (undone by a rewind)
    /// belong to another future and are dropped.
    fn act(&mut self, action: LabAction) {
        self.action_error = self.timeline.act(action).err();
        self.idle = false;
    }

    /// The world at the current time.
    pub fn world(&self) -> &World {
        self.timeline.world()
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.timeline.now()
    }

    /// Every lab action taken, in order, with the engine's refusal if it refused (those after
    /// now, after a rewind, are still recorded until a new action replaces them).
    pub fn actions(&self) -> &[Taken] {
        self.timeline.actions()
    }

    /// The lab as a share link describes it: the manifest `text` loaded, `actions` taken again
    /// at their times, and the world shown at `time`. A manifest that does not load leaves the
    /// default lab with the error shown.
    #[cfg_attr(not(test), allow(dead_code))] // The share link uses `restored`.
    pub fn restore(text: &str, actions: &[Taken], time: SimTime) -> LabState {
        LabState::new().restored(text, actions, time)
    }

    /// [`LabState::restore`] on this state's scenario, seed, runtime and proxy choices.
    fn restored(self, text: &str, actions: &[Taken], time: SimTime) -> LabState {
        let mut s = self;
        s.text = text.to_owned();
        if s.apply() {
            for a in actions {
                s.timeline.seek(a.time);
                // The refusal, if any, is recorded with the action.
                let _ = s.timeline.act(a.action.clone());
            }
            s.timeline.seek(time);
            s.action_error = None;
        }
        s
    }

    /// Carries out a transport control.
    fn control(&mut self, control: Control) {
        let (playing, idle) =
            crate::transport::apply(&mut self.timeline, control, self.playing, &mut self.speed);
        self.playing = playing;
        self.idle = idle;
        if !matches!(
            control,
            Control::Play | Control::Pause | Control::Toggle | Control::Speed(_)
        ) {
            self.action_error = None;
            self.trace = None;
        }
    }

    /// The pod the detail views show: the selected one while it exists, else the first.
    fn shown_pod(&self) -> Option<ObjectRef> {
        if let Some(sel) = &self.selected
            && self.world().api().get(sel).is_some()
        {
            return Some(sel.clone());
        }
        self.world().list(Kind::Pod).next().map(|o| {
            let m = o.meta();
            ObjectRef::new(Kind::Pod, &m.namespace, &m.name)
        })
    }

    /// What the action buttons act on: the shown pod, its containers and its node (or the
    /// first node while it is not scheduled).
    fn target(&self) -> Target {
        let pod = self.shown_pod();
        let spec = pod.as_ref().and_then(|r| match self.world().api().get(r) {
            Some(Object::Pod(p)) => Some(p),
            _ => None,
        });
        let containers = spec
            .map(|p| p.spec.containers.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let node = spec.and_then(|p| p.spec.node_name.clone()).or_else(|| {
            self.world()
                .list(Kind::Node)
                .next()
                .map(|n| n.meta().name.clone())
        });
        Target {
            pod,
            containers,
            node,
        }
    }
}

impl Default for LabState {
    fn default() -> Self {
        LabState::new()
    }
}

// Share links and saved edits (src/share.rs, src/storage.rs).
impl LabState {
    /// Opens `scenario` with `text` (the learner's saved edits). Text that does not load is
    /// kept in the editor with its error, beside the lesson version's world.
    fn open(&mut self, scenario: Scenario, text: String) {
        self.scenario = scenario;
        self.text = scenario.manifest().to_owned();
        self.apply();
        if text != self.text {
            self.text = text;
            self.apply();
        }
    }

    /// What a share link of this state holds: every action recorded (those after now, after
    /// a rewind, too: the link restores the same future).
    pub fn shared(&self) -> Shared {
        let actions: Vec<(SimTime, LabAction)> = self
            .actions()
            .iter()
            .map(|t| (t.time, t.action.clone()))
            .collect();
        Shared {
            v: share::VERSION,
            scenario: self.scenario.id().to_owned(),
            text: self.text.clone(),
            seed: SEED,
            time: self.now().as_millis(),
            script: share::script_of(&actions),
            runtime: self
                .setup
                .map(|s| (s.runtime.name.to_owned(), s.handler.name.to_owned())),
            proxy: self
                .proxy
                .map(|(m, s)| (m.as_str().to_owned(), s.as_str().to_owned())),
        }
    }

    /// The state a share link describes (through [`LabState::restore`]'s replay), or why it
    /// cannot be rebuilt.
    pub fn from_shared(shared: &Shared) -> Result<LabState, String> {
        if shared.seed != SEED {
            return Err(format!(
                "seed {} (this lab runs with seed {SEED})",
                shared.seed
            ));
        }
        let mut s = LabState::new();
        s.scenario = Scenario::from_id(&shared.scenario)
            .ok_or_else(|| format!("unknown scenario {:?}", shared.scenario))?;
        if let Some((runtime, handler)) = &shared.runtime {
            s.setup = Some(
                Setup::named(runtime, handler)
                    .ok_or_else(|| format!("unknown runtime set-up {runtime}/{handler}"))?,
            );
        }
        if let Some((mode, scheduler)) = &shared.proxy {
            let mode = Mode::parse(mode).ok_or_else(|| format!("unknown proxy mode {mode:?}"))?;
            let scheduler = Scheduler::parse(scheduler)
                .ok_or_else(|| format!("unknown IPVS scheduler {scheduler:?}"))?;
            s.proxy = Some((mode, scheduler));
        }
        let actions: Vec<Taken> = share::actions_of(&shared.script)?
            .into_iter()
            .map(|(time, action)| Taken {
                time,
                action,
                error: None,
            })
            .collect();
        let s = s.restored(&shared.text, &actions, SimTime::from_millis(shared.time));
        match &s.error {
            Some(e) => Err(e.clone()),
            None => Ok(s),
        }
    }
}

/// The lab as the page opens it: from a share link in the URL hash (which is then removed,
/// so that a reload shows the saved state), else the learner's saved scenario and edits, else
/// the lesson's default; with the notices to show.
fn boot() -> (LabState, Vec<LabNotice>, UiRecord) {
    let mut notices = Vec::new();
    let mut storage_notices = Vec::new();
    let ui = storage::load_ui(&mut storage_notices);
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let mut state = None;
    if let Some(code) = share::code_in(&hash) {
        match share::decode(code)
            .map_err(|e| e.to_string())
            .and_then(|shared| LabState::from_shared(&shared))
        {
            Ok(s) => state = Some(s),
            Err(why) => notices.push(LabNotice::Share(why)),
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(share::ROUTE),
            );
        }
    }
    let state = state.unwrap_or_else(|| {
        let scenario = ui
            .scenario
            .as_deref()
            .and_then(Scenario::from_id)
            .unwrap_or(Scenario::ALL[0]);
        let text = storage::load_lab(scenario.id(), &mut storage_notices);
        let mut s = LabState::new();
        if scenario != s.scenario || text.is_some() {
            s.open(
                scenario,
                text.unwrap_or_else(|| scenario.manifest().to_owned()),
            );
        }
        s
    });
    notices.extend(storage_notices.into_iter().map(LabNotice::Storage));
    (state, notices, ui)
}

impl Reducible for LabState {
    type Action = LabMsg;

    fn reduce(self: Rc<Self>, msg: LabMsg) -> Rc<Self> {
        let mut s = (*self).clone();
        match msg {
            LabMsg::Scenario(scenario) => {
                s.scenario = scenario;
                s.text = scenario.manifest().to_owned();
                s.apply();
            }
            LabMsg::Open(scenario, at) => {
                s.scenario = scenario;
                s.text = scenario.manifest().to_owned();
                s.setup = None;
                s.proxy = None;
                if s.apply() {
                    s.timeline.seek(at);
                }
            }
            LabMsg::Edit(text) => s.text = text,
            LabMsg::Apply => {
                s.apply();
            }
            LabMsg::Reset => {
                s.text = s.scenario.manifest().to_owned();
                s.apply();
            }
            LabMsg::OpenText(scenario, text) => s.open(scenario, text),
            LabMsg::Control(c) => s.control(c),
            LabMsg::Extend => {
                s.timeline.extend(EXTEND_CHUNKS);
            }
            LabMsg::Setup(setup) => {
                let before = s.setup.replace(setup);
                if !s.apply() {
                    s.setup = before;
                }
            }
            LabMsg::Proxy(choice) => {
                let before = s.proxy.replace(choice);
                if !s.apply() {
                    s.proxy = before;
                }
            }
            LabMsg::Trace { from, to } => s.trace(from, to),
            LabMsg::Tick => crate::transport::tick(&mut s.timeline, s.speed),
            LabMsg::Select(pod) => s.selected = Some(pod),
            LabMsg::Act(action) => s.act(action),
        }
        Rc::new(s)
    }
}

/// Scrolls the rules text (not the page) so that its first highlighted line is in view.
fn scroll_to_first_hit() {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let hit = doc
        .query_selector("[data-testid=rules-text] mark.hit")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let Some(hit) = hit else { return };
    if let Some(pre) = hit.parent_element() {
        // `pre.rules-text` is positioned, so the line's offsetTop is relative to it.
        pre.set_scroll_top((hit.offset_top() - 24).max(0));
    }
}

/// A request from the page around the lab to load a scenario (a lesson's "open in lab").
#[derive(Clone, Debug, PartialEq)]
pub struct LabRequest {
    /// The scenario.
    pub scenario: Scenario,
    /// Simulated time to open at.
    pub at: SimTime,
    /// The view to show (`None`: keep the current one).
    pub view: Option<View>,
    /// Bumped on every request, so that asking for the same scenario again reloads it.
    pub serial: u32,
}

/// What the lab reports to the page around it after every change (the course's live diagrams
/// read it).
pub struct LabSnapshot {
    /// The loaded scenario.
    pub scenario: Scenario,
    /// The world now.
    pub world: World,
    /// The pod the detail views show.
    pub pod: Option<ObjectRef>,
    /// The kube-proxy mode and scheduler the views show.
    pub proxy: ProxyChoice,
}

/// Props of [`Lab`].
#[derive(Properties, PartialEq)]
pub struct LabProps {
    /// UI language.
    pub lang: Lang,
    /// The last load request from the page (a new `serial` loads again).
    #[prop_or_default]
    pub request: Option<LabRequest>,
    /// Called with the lab's state after every change.
    #[prop_or_default]
    pub on_change: Option<Callback<Rc<LabSnapshot>>>,
}

/// The lab panel.
#[component]
pub fn Lab(props: &LabProps) -> Html {
    let lang = props.lang;
    let boot = use_memo((), |_| boot());
    let state = {
        let boot = boot.clone();
        use_reducer(move || boot.0.clone())
    };
    let notices = {
        let boot = boot.clone();
        use_state(move || boot.1.clone())
    };
    // Save the learner's edits of this scenario. The lesson's own text is not saved (a lesson
    // page opening the scenario must not erase the edits); Reset forgets them.
    {
        let notices = notices.clone();
        use_effect_with(
            (state.scenario, state.text.clone()),
            move |(scenario, text)| {
                let not_saved = LabNotice::Storage(Notice::NotSaved);
                if text != scenario.manifest()
                    && !storage::save_lab(scenario.id(), text, scenario.manifest())
                    && !notices.contains(&not_saved)
                {
                    let mut n = (*notices).clone();
                    n.push(not_saved);
                    notices.set(n);
                }
            },
        );
    }
    let previous_logs = use_state(|| false);
    let view = {
        let boot = boot.clone();
        use_state(move || match boot.2.view.as_deref() {
            Some("kube-proxy") => View::Proxy,
            _ => View::Node,
        })
    };
    use_effect_with((state.scenario, *view), |(scenario, view)| {
        // A refusal here is reported by the edits' save above.
        let _ = storage::save_ui(&UiRecord {
            schema: storage::SCHEMA,
            scenario: Some(scenario.id().to_owned()),
            view: Some(
                if *view == View::Proxy {
                    "kube-proxy"
                } else {
                    "node"
                }
                .to_owned(),
            ),
        });
    });
    {
        let state = state.clone();
        let view = view.clone();
        use_effect_with(props.request.clone(), move |request| {
            if let Some(r) = request {
                state.dispatch(LabMsg::Open(r.scenario, r.at));
                if let Some(v) = r.view {
                    view.set(v);
                }
            }
        });
    }
    {
        let on_change = props.on_change.clone();
        // What the page's diagrams read changes with any of these.
        let deps = (
            state.scenario,
            state.world().now(),
            state.world().processed_tasks(),
            state.world().lab_log().len(),
            state.selected.clone(),
            state.proxy_choice(),
            state.setup_names(),
        );
        let state = state.clone();
        use_effect_with(deps, move |_| {
            if let Some(cb) = on_change {
                cb.emit(Rc::new(LabSnapshot {
                    scenario: state.scenario,
                    world: state.world().clone(),
                    pod: state.shown_pod(),
                    proxy: state.proxy_choice(),
                }));
            }
        });
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.playing, move |playing| {
            let interval =
                playing.then(|| Interval::new(TICK_MS, move || dispatcher.dispatch(LabMsg::Tick)));
            move || drop(interval)
        });
    }
    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(LabMsg::Edit(text)))
    };
    let on_scenario = {
        let (state, notices) = (state.clone(), notices.clone());
        Callback::from(move |e: Event| {
            if let Some(s) = Scenario::from_id(&event_value(&e)) {
                let mut found = Vec::new();
                let text = storage::load_lab(s.id(), &mut found);
                if !found.is_empty() {
                    let mut n = (*notices).clone();
                    n.extend(found.into_iter().map(LabNotice::Storage));
                    notices.set(n);
                }
                state.dispatch(match text {
                    Some(text) => LabMsg::OpenText(s, text),
                    None => LabMsg::Scenario(s),
                });
            }
        })
    };
    let on_share = {
        let state = state.clone();
        Callback::from(move |()| {
            let href = web_sys::window()
                .and_then(|w| w.location().href().ok())
                .unwrap_or_default();
            let base = href.split('#').next().unwrap_or_default();
            format!("{base}{}", share::hash(&state.shared()))
        })
    };
    let on_reset = {
        let state = state.clone();
        Callback::from(move |()| {
            let lesson = state.scenario.manifest();
            let _ = storage::save_lab(state.scenario.id(), lesson, lesson);
            state.dispatch(LabMsg::Reset);
        })
    };
    let on_dismiss = {
        let notices = notices.clone();
        Callback::from(move |i: usize| {
            let mut n = (*notices).clone();
            if i < n.len() {
                n.remove(i);
            }
            notices.set(n);
        })
    };
    let on_act = {
        let state = state.clone();
        Callback::from(move |a: LabAction| state.dispatch(LabMsg::Act(a)))
    };
    let on_previous = {
        let previous_logs = previous_logs.clone();
        Callback::from(move |v: bool| previous_logs.set(v))
    };
    let cri_ui = use_cri_ui();
    let compare_ui = use_compare_ui();
    let on_setup = {
        let state = state.clone();
        Callback::from(move |s: Setup| state.dispatch(LabMsg::Setup(s)))
    };
    let proxy_ui = use_proxy_ui();
    // A new trace scrolls the rules text to its first highlighted line.
    use_effect_with(
        (
            state.trace.as_ref().map(|t| t.time),
            *view,
            (*proxy_ui.node).clone(),
        ),
        |_| scroll_to_first_hit(),
    );
    let on_proxy = {
        let state = state.clone();
        Callback::from(move |c: ProxyChoice| state.dispatch(LabMsg::Proxy(c)))
    };
    let on_trace = {
        let state = state.clone();
        Callback::from(move |(from, to): (Source, String)| {
            state.dispatch(LabMsg::Trace { from, to })
        })
    };
    // The error of the last traffic action, shown beside the traffic form.
    let traffic_error = state
        .actions()
        .get(..state.timeline.applied())
        .and_then(<[Taken]>::last)
        .filter(|t| matches!(t.action, LabAction::Traffic(_)))
        .and_then(|t| t.error.clone());
    // The transport: markers change only when more is computed or an action is taken.
    let markers = {
        let timeline = state.timeline.clone();
        use_memo(
            (
                state.timeline.computed(),
                state.timeline.horizon(),
                state.timeline.actions().len(),
            ),
            move |_| Rc::new(timeline.markers()),
        )
    };
    let preview = (!state.playing).then(|| state.timeline.preview()).flatten();
    let on_control = {
        let state = state.clone();
        Callback::from(move |c: Control| state.dispatch(LabMsg::Control(c)))
    };
    // Checkpoints up to the horizon are computed in the background, a chunk at a time.
    {
        let dispatcher = state.dispatcher();
        let pending = state.timeline.computed() < state.timeline.horizon();
        use_effect_with((state.timeline.computed(), pending), move |(_, pending)| {
            let timeout = pending.then(|| {
                gloo_timers::callback::Timeout::new(EXTEND_DELAY_MS, move || {
                    dispatcher.dispatch(LabMsg::Extend)
                })
            });
            move || drop(timeout)
        });
    }
    let rows = pod_rows(state.world());
    let shown = state.shown_pod();
    let (kubectl_ui, events_ui, diagram_ui) = (use_kubectl_ui(), use_events_ui(), use_diagram_ui());
    let on_select = {
        let state = state.clone();
        Callback::from(move |pod: ObjectRef| state.dispatch(LabMsg::Select(pod)))
    };
    let editor_column = html! {
    <div class="editor">
        <label for="scenario">{ t(lang, Key::Scenario) }</label>
        <select id="scenario" data-testid="scenario" onchange={on_scenario}>
            { for Scenario::ALL.iter().map(|s| html! {
                <option value={s.id()} selected={*s == state.scenario}>{ t(lang, s.label()) }</option>
            }) }
        </select>
        <p class="editor-label" id="manifest-label">{ t(lang, Key::Manifest) }</p>
        <Editor {lang} text={AttrValue::from(state.text.clone())} apply_error={state.error.clone()}
            {on_edit} on_apply={state.dispatcher().to_callback().reform(|()| LabMsg::Apply)}
            {on_reset}
            {on_share} notices={(*notices).clone()} {on_dismiss} />
        { runtime_switcher(lang, state.setup_names(), on_setup) }
        { compare_panel(lang, &state.text, &compare_ui) }
    </div>
    };
    let views_column = html! {
    <div class="views">
        <Transport {lang} playing={state.playing} idle={state.idle} now={state.now()}
            horizon={state.timeline.horizon()} computed={state.timeline.computed()}
            speed={state.speed} preview={preview} markers={(*markers).clone()} {on_control} />
        <h3>{ t(lang, Key::Pods) }</h3>
        <div class="table-scroll">
        <table data-testid="pods-table" class="kubectl">
            <thead><tr>
                { for ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"].iter().map(|h| html!{ <th scope="col">{ *h }</th> }) }
            </tr></thead>
            <tbody>
                if rows.is_empty() {
                    <tr><td colspan="7">{ t(lang, Key::NoPods) }</td></tr>
                }
                { for rows.iter().map(|r| {
                    let key = ObjectRef::new(Kind::Pod, &r.namespace, &r.name);
                    let selected = shown.as_ref() == Some(&key);
                    let onclick = {
                        let state = state.clone();
                        Callback::from(move |_: MouseEvent| state.dispatch(LabMsg::Select(key.clone())))
                    };
                    html! {
                        <tr data-pod={r.name.clone()} class={classes!(selected.then_some("selected"))}>
                            <td data-col="name">
                                <button class="pod-select" data-testid="pod-select" data-pod={r.name.clone()}
                                    aria-pressed={if selected { "true" } else { "false" }}
                                    title={t(lang, Key::SelectPod)} {onclick}>{ &r.name }</button>
                            </td>
                            <td data-col="ready">{ &r.ready }</td>
                            <td data-col="status">{ &r.status }</td>
                            <td data-col="restarts">{ &r.restarts }</td>
                            <td data-col="age">{ &r.age }</td>
                            <td data-col="ip">{ &r.ip }</td>
                            <td data-col="node">{ &r.node }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
        </div>
        <ActionPanel {lang} target={state.target()} error={state.action_error.clone()} on_act={on_act.clone()} />
        { taken_list(lang, state.timeline.actions(), state.timeline.applied()) }
        { kubectl_panel(lang, state.world(), &kubectl_ui) }
        { events_panel(lang, state.world(), &events_ui) }
    </div>
    };
    // On a lesson page (the page follows the lab through `on_change`) the lab is one column: its
    // transport and views come first (a lab card loads the scenario, the learner plays it), then
    // the editor. In the DOM as on screen, so the keyboard order matches what is seen.
    let columns = if props.on_change.is_some() {
        html! { <>{ views_column }{ editor_column }</> }
    } else {
        html! { <>{ editor_column }{ views_column }</> }
    };
    html! {
        <section class="lab" data-testid="lab" aria-label={t(lang, Key::LabHeading)}>
            <h2>{ t(lang, Key::LabHeading) }</h2>
            <div class="lab-grid">
                { columns }
            </div>
            <div class="tabs view-tabs" role="tablist" aria-label={t(lang, Key::LabViews)}>
                { for [(View::Node, "node", Key::TabNode), (View::Proxy, "kube-proxy", Key::TabProxy)].into_iter().map(|(v, id, key)| {
                    let selected = *view == v;
                    let onclick = {
                        let view = view.clone();
                        Callback::from(move |_: MouseEvent| view.set(v))
                    };
                    html! {
                        <button role="tab" id={format!("view-tab-{id}")} data-testid="view-tab" data-tab={id}
                            aria-selected={if selected { "true" } else { "false" }} aria-controls="lab-view"
                            class={classes!(selected.then_some("selected"))} {onclick}>{ t(lang, key) }</button>
                    }
                }) }
            </div>
            <div role="tabpanel" id="lab-view" aria-labelledby={if *view == View::Node { "view-tab-node" } else { "view-tab-kube-proxy" }}>
                { node_diagram(lang, state.world(), &diagram_ui, shown.as_ref(), on_select) }
                if *view == View::Node {
                    <div class="cri-views">
                        { cri_calls_panel(lang, state.world(), &cri_ui) }
                        { crictl_panel(lang, state.world(), state.target().node.as_deref(), &cri_ui) }
                    </div>
                    { pod_detail(lang, state.world(), shown.as_ref(), *previous_logs, on_previous) }
                } else {
                    { proxy_views(&ProxyProps {
                        lang,
                        world: state.world(),
                        choice: state.proxy_choice(),
                        trace: state.trace.as_ref(),
                        traffic_error: traffic_error.as_deref(),
                        on_proxy,
                        on_trace,
                        on_act: on_act.clone(),
                    }, &proxy_ui) }
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use nodelab_engine::report::run_report;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn reduce(state: Rc<LabState>, msgs: Vec<LabMsg>) -> Rc<LabState> {
        msgs.into_iter().fold(state, |s, m| s.reduce(m))
    }

    fn nginx() -> ObjectRef {
        ObjectRef::new(Kind::Pod, "default", "nginx")
    }

    fn report(s: &LabState) -> String {
        run_report(s.world()).to_string()
    }

    #[wasm_bindgen_test]
    fn rewind_then_replay_reaches_the_same_world() {
        let ticks = |n| (0..n).map(|_| LabMsg::Tick).collect::<Vec<_>>();
        let mut msgs = ticks(8);
        msgs.push(LabMsg::Act(LabAction::HttpStatus {
            pod: nginx(),
            container: None,
            path: "/".to_owned(),
            status: 500,
        }));
        msgs.push(LabMsg::Act(LabAction::DeletePod {
            pod: nginx(),
            grace_period_seconds: None,
        }));
        msgs.extend(ticks(30));
        let first = reduce(Rc::new(LabState::new()), msgs);
        assert_eq!(first.timeline.actions().len(), 2);
        assert!(first.timeline.actions().iter().all(|t| t.error.is_none()));

        let rewound = reduce(first.clone(), vec![LabMsg::Control(Control::Rewind)]);
        assert_eq!(rewound.timeline.applied(), 0);
        assert_eq!(rewound.world().now(), SimTime::ZERO);
        let again = reduce(rewound, ticks(38));
        assert_eq!(again.timeline.applied(), 2);
        assert_eq!(again.world().now(), first.world().now());
        assert_eq!(report(&again), report(&first));
        assert_eq!(again.world().lab_log(), first.world().lab_log());
    }

    #[wasm_bindgen_test]
    fn steps_stop_at_a_replayed_action() {
        let mut msgs: Vec<LabMsg> = (0..5).map(|_| LabMsg::Control(Control::Step)).collect();
        msgs.push(LabMsg::Act(LabAction::Exit {
            pod: nginx(),
            container: None,
            code: 1,
        }));
        msgs.extend((0..10).map(|_| LabMsg::Control(Control::Step)));
        let first = reduce(Rc::new(LabState::new()), msgs);
        let again = reduce(
            first.clone(),
            // The action was taken at the fifth step's time, so the replayed fifth step takes
            // it too (the state at a time includes the actions recorded for it): 5 + 10 steps.
            std::iter::once(LabMsg::Control(Control::Rewind))
                .chain((0..15).map(|_| LabMsg::Control(Control::Step)))
                .collect(),
        );
        assert_eq!(again.timeline.applied(), 1);
        assert_eq!(again.world().now(), first.world().now());
        assert_eq!(report(&again), report(&first));
    }

    #[wasm_bindgen_test]
    fn an_action_on_a_pod_that_is_not_running_is_an_error() {
        let s = reduce(
            Rc::new(LabState::new()),
            vec![LabMsg::Act(LabAction::Exit {
                pod: nginx(),
                container: None,
                code: 1,
            })],
        );
        assert!(s.action_error.is_some());
        assert_eq!(s.timeline.actions().len(), 1);
        let s = reduce(
            s,
            vec![LabMsg::Act(LabAction::DeletePod {
                pod: ObjectRef::new(Kind::Pod, "default", "missing"),
                grace_period_seconds: None,
            })],
        );
        assert!(
            s.action_error
                .as_deref()
                .is_some_and(|e| e.contains("missing"))
        );
    }

    #[wasm_bindgen_test]
    fn an_action_after_a_rewind_drops_the_recorded_future() {
        let s = reduce(
            Rc::new(LabState::new()),
            vec![
                LabMsg::Tick,
                LabMsg::Act(LabAction::NodeNotReady {
                    node: "node-1".to_owned(),
                }),
                LabMsg::Control(Control::Rewind),
                LabMsg::Select(nginx()),
                LabMsg::Act(LabAction::DeletePod {
                    pod: nginx(),
                    grace_period_seconds: Some(0),
                }),
            ],
        );
        assert_eq!(s.timeline.actions().len(), 1);
        assert_eq!(s.timeline.applied(), 1);
        assert!(matches!(
            s.timeline.actions()[0].action,
            LabAction::DeletePod { .. }
        ));
    }

    #[wasm_bindgen_test]
    fn a_setup_change_reruns_the_current_yaml_from_zero() {
        let runsc = Setup::named("containerd", "runsc").expect("containerd runs runsc");
        let mut msgs: Vec<LabMsg> = vec![
            LabMsg::Tick,
            LabMsg::Edit(
                Scenario::NginxPod
                    .manifest()
                    .replace("nginx:1.27", "nginx:1.27 "),
            ),
        ];
        msgs.push(LabMsg::Setup(runsc));
        msgs.extend((0..10).map(|_| LabMsg::Tick));
        let s = reduce(Rc::new(LabState::new()), msgs);
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(s.setup_names(), ("containerd", "runsc"));
        assert!(s.text.contains("nginx:1.27 "), "the editor text is kept");
        let run = s
            .world()
            .cri_calls()
            .iter()
            .find(|c| c.method == "RunPodSandbox");
        assert_eq!(run.map(|c| c.duration_ms), Some(600));

        // A broken manifest keeps the old world and set-up.
        let broken = reduce(
            s,
            vec![
                LabMsg::Edit("kind: [".to_owned()),
                LabMsg::Setup(Setup::named("cri-o", "runc").expect("cri-o runs runc")),
            ],
        );
        assert!(broken.error.is_some());
        assert_eq!(broken.setup_names(), ("containerd", "runsc"));
    }

    fn client() -> Source {
        Source::Pod(ObjectRef::new(Kind::Pod, "default", "client"))
    }

    #[wasm_bindgen_test]
    fn a_proxy_change_reruns_the_current_yaml_from_zero() {
        let runsc = Setup::named("containerd", "runsc").expect("containerd runs runsc");
        let s = reduce(
            Rc::new(LabState::new()),
            vec![
                LabMsg::Scenario(Scenario::ServiceWeb),
                LabMsg::Setup(runsc),
                LabMsg::Tick,
                LabMsg::Proxy((Mode::Ipvs, Scheduler::Sh)),
            ],
        );
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(s.world().now(), SimTime::ZERO);
        assert_eq!(s.proxy_choice(), (Mode::Ipvs, Scheduler::Sh));
        let configs: Vec<_> = s
            .world()
            .proxies()
            .values()
            .map(|p| {
                (
                    p.config.node_name.as_str(),
                    p.config.mode,
                    p.config.scheduler,
                )
            })
            .collect();
        assert_eq!(
            configs,
            [
                ("node-1", Mode::Ipvs, Scheduler::Sh),
                ("node-2", Mode::Ipvs, Scheduler::Sh)
            ]
        );
        // The runtime set-up chosen before is kept.
        assert_eq!(s.setup_names(), ("containerd", "runsc"));

        // A broken manifest keeps the old world and choice.
        let broken = reduce(
            s,
            vec![
                LabMsg::Edit("kind: [".to_owned()),
                LabMsg::Proxy((Mode::Nftables, Scheduler::Rr)),
            ],
        );
        assert!(broken.error.is_some());
        assert_eq!(broken.proxy_choice(), (Mode::Ipvs, Scheduler::Sh));
    }

    #[wasm_bindgen_test]
    fn a_trace_is_sent_as_a_one_request_traffic_action_and_replays() {
        let mut msgs = vec![LabMsg::Scenario(Scenario::ServiceWeb)];
        msgs.extend((0..30).map(|_| LabMsg::Tick));
        msgs.push(LabMsg::Trace {
            from: client(),
            to: "web".to_owned(),
        });
        let s = reduce(Rc::new(LabState::new()), msgs);
        let traced = s.trace.clone().expect("a trace");
        let trace = traced.result.expect("the trace walks");
        assert_eq!(traced.time, SimTime::from_secs(30));
        assert_eq!(s.timeline.actions().len(), 1);
        let LabAction::Traffic(spec) = &s.timeline.actions()[0].action else {
            panic!("a traffic action, got {:?}", s.timeline.actions()[0].action);
        };
        assert_eq!((spec.requests, spec.to.as_str()), (1, "web"));
        // The live world's request is the traced connection: same outcome, same backend.
        let run = s.world().traffic().last().expect("a traffic run");
        assert_eq!(run.results.len(), 1);
        assert_eq!(run.results[0].outcome, trace.outcome);
        assert_eq!(
            run.results[0].backend,
            trace.backend.as_ref().map(|b| b.addr)
        );

        // Rewind clears the trace; replaying takes the request again, identically.
        let rewound = reduce(s.clone(), vec![LabMsg::Control(Control::Rewind)]);
        assert!(rewound.trace.is_none());
        let again = reduce(rewound, (0..31).map(|_| LabMsg::Tick).collect());
        assert_eq!(again.world().traffic(), s.world().traffic());

        // A trace that cannot start is shown, and nothing is sent.
        let failed = reduce(
            s,
            vec![LabMsg::Trace {
                from: Source::Pod(ObjectRef::new(Kind::Pod, "default", "missing")),
                to: "web".to_owned(),
            }],
        );
        assert!(failed.trace.as_ref().is_some_and(|t| t.result.is_err()));
        assert_eq!(failed.timeline.actions().len(), 1);
    }

    #[wasm_bindgen_test]
    fn restore_rebuilds_the_same_lab() {
        let mut msgs: Vec<LabMsg> = (0..8).map(|_| LabMsg::Tick).collect();
        msgs.push(LabMsg::Act(LabAction::Exit {
            pod: nginx(),
            container: None,
            code: 1,
        }));
        msgs.extend((0..5).map(|_| LabMsg::Tick));
        msgs.push(LabMsg::Control(Control::StepBack));
        let first = reduce(Rc::new(LabState::new()), msgs);
        assert_eq!(first.actions().len(), 1);
        let restored = LabState::restore(&first.text, first.actions(), first.now());
        assert_eq!(restored.now(), first.now());
        assert_eq!(report(&restored), report(&first));
        assert_eq!(restored.actions(), first.actions());
    }

    #[wasm_bindgen_test]
    fn a_share_link_restores_the_same_state() {
        let mut msgs = vec![
            LabMsg::Scenario(Scenario::ServiceWeb),
            LabMsg::Proxy((Mode::Ipvs, Scheduler::Rr)),
        ];
        msgs.extend((0..12).map(|_| LabMsg::Tick));
        msgs.push(LabMsg::Act(LabAction::HttpStatus {
            pod: ObjectRef::new(Kind::Pod, "default", "web-1"),
            container: None,
            path: "/".to_owned(),
            status: 503,
        }));
        msgs.extend((0..7).map(|_| LabMsg::Control(Control::Step)));
        let s = reduce(Rc::new(LabState::new()), msgs);
        assert_eq!(s.actions().len(), 1);
        let code = share::encode(&s.shared());
        let shared = share::decode(&code).expect("the link decodes");
        let again = LabState::from_shared(&shared).expect("the link restores");
        assert_eq!(again.now(), s.now());
        assert_eq!(again.actions(), s.actions());
        assert_eq!(again.scenario, Scenario::ServiceWeb);
        assert_eq!(again.proxy_choice(), (Mode::Ipvs, Scheduler::Rr));
        assert_eq!(report(&again), report(&s));
        assert_eq!(again.world().events().all(), s.world().events().all());

        // A link whose YAML does not load, or names an unknown scenario, is an error.
        let broken = Shared {
            text: "kind: [".to_owned(),
            ..shared.clone()
        };
        assert!(LabState::from_shared(&broken).is_err());
        let unknown = Shared {
            scenario: "nope".to_owned(),
            ..shared
        };
        assert!(LabState::from_shared(&unknown).is_err());
    }

    #[wasm_bindgen_test]
    fn loading_a_scenario_resets_the_lab() {
        let s = reduce(
            Rc::new(LabState::new()),
            vec![
                LabMsg::Tick,
                LabMsg::Act(LabAction::NodeNotReady {
                    node: "node-1".to_owned(),
                }),
                LabMsg::Scenario(Scenario::LivenessHttp),
            ],
        );
        assert!(s.error.is_none());
        assert!(s.timeline.actions().is_empty());
        assert_eq!(s.world().now(), SimTime::ZERO);
        assert_eq!(
            s.shown_pod(),
            Some(ObjectRef::new(Kind::Pod, "default", "liveness-http"))
        );
    }
}

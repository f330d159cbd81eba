//! The lab: a manifest editor, transport controls and the views of the engine's state.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use nodelab_engine::report::pod_rows;
use nodelab_engine::{SimTime, World, decode_manifests};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

/// The lesson's manifest the lab starts with.
pub const LESSON_MANIFEST: &str = include_str!("../lessons/scenarios/nginx-pod.yaml");
/// Seed of the lab's runs.
const SEED: u64 = 1;
/// Wall-clock period of the play loop.
const TICK_MS: u32 = 100;
/// Simulated time per tick while playing (10× real time).
const SIM_MS_PER_TICK: u64 = 1000;

/// Lab state: the editor text, the world at t = 0 (the rewind checkpoint) and now.
#[derive(Clone)]
pub struct LabState {
    text: String,
    initial: World,
    world: World,
    error: Option<String>,
    playing: bool,
    idle: bool,
}

/// What the learner can do.
pub enum LabAction {
    /// The editor text changed.
    Edit(String),
    /// Load the editor text into a fresh world.
    Apply,
    /// Put the lesson's manifest back.
    Reset,
    /// Start the play loop.
    Play,
    /// Stop the play loop.
    Pause,
    /// One play-loop tick.
    Tick,
    /// Advance to the next observable event.
    Step,
    /// Back to t = 0.
    Rewind,
}

/// Builds the world for a manifest text, or the error to show.
fn load(text: &str) -> Result<World, String> {
    let manifests = decode_manifests("pod.yaml", text).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    World::from_manifests(&manifests, Some(SEED)).map_err(|e| e.to_string())
}

impl LabState {
    /// The lab as the lesson opens it.
    pub fn new() -> LabState {
        let world = load(LESSON_MANIFEST).unwrap_or_else(|_| World::new(SEED));
        LabState {
            text: LESSON_MANIFEST.to_owned(),
            initial: world.clone(),
            world,
            error: None,
            playing: false,
            idle: false,
        }
    }
}

impl Default for LabState {
    fn default() -> Self {
        LabState::new()
    }
}

impl Reducible for LabState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            LabAction::Edit(text) => s.text = text,
            LabAction::Apply | LabAction::Reset => {
                if matches!(action, LabAction::Reset) {
                    s.text = LESSON_MANIFEST.to_owned();
                }
                match load(&s.text) {
                    Ok(world) => {
                        s.initial = world.clone();
                        s.world = world;
                        s.error = None;
                        s.idle = false;
                    }
                    Err(e) => s.error = Some(e),
                }
                s.playing = false;
            }
            LabAction::Play => s.playing = true,
            LabAction::Pause => s.playing = false,
            LabAction::Tick => {
                let next = SimTime::from_millis(s.world.now().as_millis() + SIM_MS_PER_TICK);
                s.world.advance_to(next);
            }
            LabAction::Step => s.idle = s.world.step().is_none(),
            LabAction::Rewind => {
                s.world = s.initial.clone();
                s.playing = false;
                s.idle = false;
            }
        }
        Rc::new(s)
    }
}

/// Props of [`Lab`].
#[derive(Properties, PartialEq)]
pub struct LabProps {
    /// UI language.
    pub lang: Lang,
}

/// The lab panel.
#[component]
pub fn Lab(props: &LabProps) -> Html {
    let lang = props.lang;
    let state = use_reducer(LabState::new);
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.playing, move |playing| {
            let interval = playing
                .then(|| Interval::new(TICK_MS, move || dispatcher.dispatch(LabAction::Tick)));
            move || drop(interval)
        });
    }
    let send = |make: fn() -> LabAction| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(make()))
    };
    let on_input = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            state.dispatch(LabAction::Edit(area.value()));
        })
    };
    let rows = pod_rows(&state.world);
    let events = state.world.events().all();
    html! {
        <section class="lab" data-testid="lab" aria-label={t(lang, Key::LabHeading)}>
            <h2>{ t(lang, Key::LabHeading) }</h2>
            <p class="intro">{ t(lang, Key::LabIntro) }</p>
            <div class="lab-grid">
                <div class="editor">
                    <label for="manifest">{ t(lang, Key::Manifest) }</label>
                    <textarea id="manifest" data-testid="manifest-editor" spellcheck="false"
                        value={state.text.clone()} oninput={on_input} rows="16" />
                    <div class="editor-actions">
                        <button data-testid="apply" onclick={send(|| LabAction::Apply)}>{ t(lang, Key::Apply) }</button>
                        <button data-testid="reset" onclick={send(|| LabAction::Reset)}>{ t(lang, Key::Reset) }</button>
                    </div>
                    if let Some(err) = &state.error {
                        <pre class="yaml-error" data-testid="yaml-error" role="alert">{ err }</pre>
                    }
                </div>
                <div class="views">
                    <div class="transport" role="toolbar">
                        if state.playing {
                            <button data-testid="pause" onclick={send(|| LabAction::Pause)}>{ t(lang, Key::Pause) }</button>
                        } else {
                            <button data-testid="play" onclick={send(|| LabAction::Play)}>{ t(lang, Key::Play) }</button>
                        }
                        <button data-testid="step" onclick={send(|| LabAction::Step)}>{ t(lang, Key::Step) }</button>
                        <button data-testid="rewind" onclick={send(|| LabAction::Rewind)}>{ t(lang, Key::Rewind) }</button>
                        <span class="clock">{ t(lang, Key::Time) }{ ": " }
                            <output data-testid="sim-time">{ state.world.now().to_string() }</output></span>
                        if state.idle { <span class="idle">{ t(lang, Key::Idle) }</span> }
                    </div>
                    <h3>{ t(lang, Key::Pods) }</h3>
                    <table data-testid="pods-table" class="kubectl">
                        <thead><tr>
                            { for ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"].iter().map(|h| html!{ <th scope="col">{ *h }</th> }) }
                        </tr></thead>
                        <tbody>
                            if rows.is_empty() {
                                <tr><td colspan="7">{ t(lang, Key::NoPods) }</td></tr>
                            }
                            { for rows.iter().map(|r| html! {
                                <tr data-pod={r.name.clone()}>
                                    <td data-col="name">{ &r.name }</td>
                                    <td data-col="ready">{ &r.ready }</td>
                                    <td data-col="status">{ &r.status }</td>
                                    <td data-col="restarts">{ &r.restarts }</td>
                                    <td data-col="age">{ &r.age }</td>
                                    <td data-col="ip">{ &r.ip }</td>
                                    <td data-col="node">{ &r.node }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    <h3>{ t(lang, Key::Events) }</h3>
                    if events.is_empty() { <p class="empty">{ t(lang, Key::NoEvents) }</p> }
                    <ol data-testid="events" class="events">
                        { for events.iter().map(|e| html! {
                            <li class={classes!("event", format!("{:?}", e.type_).to_lowercase())}>
                                <time>{ e.time.to_string() }</time>
                                <span class="type">{ format!("{:?}", e.type_) }</span>
                                <span class="reason">{ &e.reason }</span>
                                <span class="object">{ e.object.to_string() }</span>
                                <span class="message">{ &e.message }</span>
                            </li>
                        }) }
                    </ol>
                </div>
            </div>
        </section>
    }
}

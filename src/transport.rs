//! The lab's transport controls: play / pause, step (with what the step will do), step back,
//! rewind, a scrubber over the engine [`Timeline`] with its event markers, the speed, and jumps
//! to the next restart / probe / packet. Keyboard: Space plays or pauses, → steps, ← steps back
//! (not while typing in a field).

use std::rc::Rc;

use nodelab_engine::SimTime;
use nodelab_engine::kubelet::prober::ProbeKind;
use nodelab_engine::timeline::{Marker, MarkerKind, Preview, Timeline, Upcoming};
use nodelab_engine::world::Task;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::dom::event_value;
use crate::i18n::{Key, Lang, t};

/// Play speeds, in simulated seconds per real second.
pub const SPEEDS: [u32; 6] = [1, 2, 5, 10, 20, 50];

/// The speed the lab starts with.
pub const DEFAULT_SPEED: u32 = 10;

/// Wall-clock period of the play loop.
pub const TICK_MS: u32 = 100;

/// Checkpoints computed per background tick.
pub const EXTEND_CHUNKS: usize = 1;

/// What the transport asks the lab to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Start playing.
    Play,
    /// Stop playing.
    Pause,
    /// Play if paused, pause if playing (the Space key).
    Toggle,
    /// Advance to the next observable change.
    Step,
    /// Back to the previous observable change.
    StepBack,
    /// Back to t = 0.
    Rewind,
    /// Show the world at this time.
    Seek(SimTime),
    /// Play at this many simulated seconds per second.
    Speed(u32),
    /// Go to the next marker of this kind.
    Jump(MarkerKind),
}

/// Carries out `control` on `timeline`; returns the new `playing` flag and whether a step
/// found nothing to do (idle).
pub fn apply(
    timeline: &mut Timeline,
    control: Control,
    playing: bool,
    speed: &mut u32,
) -> (bool, bool) {
    match control {
        Control::Play => (true, false),
        Control::Pause => (false, false),
        Control::Toggle => (!playing, false),
        Control::Step => (false, timeline.step().is_none()),
        Control::StepBack => {
            timeline.step_back();
            (false, false)
        }
        Control::Rewind => {
            timeline.rewind();
            (false, false)
        }
        Control::Seek(t) => {
            timeline.seek(t);
            (playing, false)
        }
        Control::Speed(s) => {
            *speed = s;
            (playing, false)
        }
        Control::Jump(kind) => {
            if let Some(t) = timeline.next_marker(kind) {
                timeline.seek(t);
            }
            (false, false)
        }
    }
}

/// One play-loop tick at `speed`: simulated time moves `speed × TICK_MS`.
pub fn tick(timeline: &mut Timeline, speed: u32) {
    let next = timeline
        .now()
        .plus_millis(u64::from(speed) * u64::from(TICK_MS));
    timeline.seek(next);
}

/// The preview text of the next step.
pub fn preview_text(lang: Lang, preview: &Preview) -> String {
    let fill = |key: Key, args: &[(&str, &str)]| {
        args.iter()
            .fold(t(lang, key).to_owned(), |s, (k, v)| s.replace(k, v))
    };
    let what = match &preview.what {
        Upcoming::Action(a) => fill(Key::PvAction, &[("{action}", &a.describe())]),
        Upcoming::Task(task) => match task {
            Task::Schedule => t(lang, Key::PvSchedule).to_owned(),
            Task::SyncPod { node, pod } => fill(
                Key::PvSyncPod,
                &[("{node}", node), ("{pod}", &pod.to_string())],
            ),
            Task::OpDone { node, pod, .. } => fill(
                Key::PvOpDone,
                &[("{node}", node), ("{pod}", &pod.to_string())],
            ),
            Task::ContainerWake { pod, .. } => {
                fill(Key::PvContainerWake, &[("{pod}", &pod.to_string())])
            }
            Task::Probe {
                pod,
                container,
                kind,
                ..
            } => {
                let kind = match kind {
                    ProbeKind::Liveness => t(lang, Key::ProbeLiveness),
                    ProbeKind::Readiness => t(lang, Key::ProbeReadiness),
                    ProbeKind::Startup => t(lang, Key::ProbeStartup),
                };
                fill(
                    Key::PvProbe,
                    &[
                        ("{kind}", kind),
                        ("{pod}", &pod.name),
                        ("{container}", container),
                    ],
                )
            }
            Task::PlegRelist { node } => fill(Key::PvPleg, &[("{node}", node)]),
            Task::Housekeeping { node } => fill(Key::PvHousekeeping, &[("{node}", node)]),
            Task::ContainerGc { node } => fill(Key::PvContainerGc, &[("{node}", node)]),
            Task::ImageGc { node } => fill(Key::PvImageGc, &[("{node}", node)]),
            Task::RuntimeStatus { node, .. } => fill(Key::PvRuntimeStatus, &[("{node}", node)]),
            Task::Lab { .. } => t(lang, Key::PvScript).to_owned(),
            Task::NodeLost { node } => fill(Key::PvNodeLost, &[("{node}", node)]),
            Task::ProxySync { node } => fill(Key::PvProxySync, &[("{node}", node)]),
            Task::Controllers => t(lang, Key::PvControllers).to_owned(),
        },
    };
    format!("{} — {what}", preview.time)
}

/// The label of a marker kind.
fn kind_label(lang: Lang, kind: MarkerKind) -> &'static str {
    t(
        lang,
        match kind {
            MarkerKind::Restart => Key::MarkerRestart,
            MarkerKind::Probe => Key::MarkerProbe,
            MarkerKind::Packet => Key::MarkerPacket,
            MarkerKind::Event => Key::MarkerEvent,
            MarkerKind::Action => Key::MarkerAction,
        },
    )
}

/// Width of the marker strip's coordinate system.
const STRIP_W: f64 = 1000.0;

/// One marker's shape at `x` (colour and shape per kind, by CSS class).
fn shape(kind: MarkerKind, x: f64) -> Html {
    match kind {
        MarkerKind::Restart => {
            html! { <polygon points={format!("{x:.1},2 {:.1},9 {x:.1},16 {:.1},9", x + 6.0, x - 6.0)} /> }
        }
        MarkerKind::Probe => html! { <circle cx={format!("{x:.1}")} cy="9" r="3" /> },
        MarkerKind::Packet => {
            html! { <rect x={format!("{:.1}", x - 4.0)} y="5" width="8" height="8" /> }
        }
        MarkerKind::Event => {
            html! { <rect x={format!("{:.1}", x - 1.0)} y="0" width="2" height="18" /> }
        }
        MarkerKind::Action => {
            html! { <polygon points={format!("{:.1},17 {x:.1},1 {:.1},17", x - 6.0, x + 6.0)} /> }
        }
    }
}

/// Props of [`MarkerStrip`].
#[derive(Properties, PartialEq)]
pub struct MarkerStripProps {
    /// UI language.
    pub lang: Lang,
    /// The markers.
    pub markers: Rc<Vec<Marker>>,
    /// The scrubber's end.
    pub horizon: SimTime,
    /// Up to when the markers are known.
    pub computed: SimTime,
}

/// The SVG strip of markers under the scrubber, with its legend. A separate component so that
/// it re-renders only when the markers change.
#[component]
pub fn MarkerStrip(props: &MarkerStripProps) -> Html {
    let lang = props.lang;
    let span = props.horizon.as_millis().max(1) as f64;
    let x_of = |t: SimTime| t.as_millis() as f64 / span * STRIP_W;
    let computed_x = x_of(props.computed).min(STRIP_W);
    html! {
        <div class="marker-strip">
            <svg data-testid="timeline-markers" viewBox={format!("0 0 {STRIP_W} 18")} preserveAspectRatio="none"
                role="img" aria-label={t(lang, Key::TimelineMarkers)} data-count={props.markers.len().to_string()}>
                <rect class="computed" x="0" y="0" width={format!("{computed_x:.1}")} height="18" />
                { for MarkerKind::ALL.iter().map(|kind| html! {
                    <g class={classes!("markers", kind.as_str())} data-kind={kind.as_str()}>
                        { for props.markers.iter().filter(|m| m.kind == *kind).map(|m| html! {
                            <g class={classes!("marker", m.failed.then_some("failed"))} data-time={m.time.as_millis().to_string()}>
                                <title>{ format!("{} {} {} {}", m.time, kind_label(lang, m.kind), m.object, m.detail) }</title>
                                { shape(m.kind, x_of(m.time)) }
                            </g>
                        }) }
                    </g>
                }) }
            </svg>
            <ul class="marker-legend" aria-label={t(lang, Key::MarkerLegend)}>
                { for MarkerKind::ALL.iter().map(|kind| html! {
                    <li class={classes!("markers", kind.as_str())}>
                        <svg viewBox="-8 0 16 18" aria-hidden="true">{ shape(*kind, 0.0) }</svg>
                        { kind_label(lang, *kind) }
                    </li>
                }) }
                <li class="failed-note"><span class="swatch failed" aria-hidden="true"></span>{ t(lang, Key::MarkerFailed) }</li>
            </ul>
        </div>
    }
}

/// Props of [`Transport`].
#[derive(Properties, PartialEq)]
pub struct TransportProps {
    /// UI language.
    pub lang: Lang,
    /// Whether the play loop runs.
    pub playing: bool,
    /// Whether the last step found nothing to do.
    pub idle: bool,
    /// Current simulated time.
    pub now: SimTime,
    /// End of the scrubber.
    pub horizon: SimTime,
    /// Up to when checkpoints and markers exist.
    pub computed: SimTime,
    /// Play speed.
    pub speed: u32,
    /// What the next step does (`None` while playing or when nothing will happen).
    pub preview: Option<Preview>,
    /// The markers.
    pub markers: Rc<Vec<Marker>>,
    /// Carries out a control.
    pub on_control: Callback<Control>,
}

/// Whether a key press belongs to a form field (typing, or the scrubber's own arrows).
fn typing(e: &KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select" | "button")
        || el.get_attribute("contenteditable").is_some()
        || el.closest("[contenteditable]").ok().flatten().is_some()
}

/// The transport toolbar.
#[component]
pub fn Transport(props: &TransportProps) -> Html {
    let lang = props.lang;
    // Keyboard shortcuts on the whole document.
    {
        let on_control = props.on_control.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                if e.ctrl_key() || e.meta_key() || e.alt_key() || typing(&e) {
                    return;
                }
                let control = match e.key().as_str() {
                    " " => Control::Toggle,
                    "ArrowRight" => Control::Step,
                    "ArrowLeft" => Control::StepBack,
                    _ => return,
                };
                e.prevent_default();
                on_control.emit(control);
            });
            let doc = web_sys::window().and_then(|w| w.document());
            if let Some(doc) = &doc {
                let _ = doc
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = doc {
                    let _ = doc.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    let send = |c: Control| {
        let on_control = props.on_control.clone();
        Callback::from(move |_: MouseEvent| on_control.emit(c))
    };
    let on_scrub = {
        let on_control = props.on_control.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(secs) = event_value(&e).parse::<f64>() {
                let ms = (secs.max(0.0) * 1000.0).round() as u64;
                on_control.emit(Control::Seek(SimTime::from_millis(ms)));
            }
        })
    };
    let on_speed = {
        let on_control = props.on_control.clone();
        Callback::from(move |e: Event| {
            if let Ok(s) = event_value(&e).parse::<u32>() {
                on_control.emit(Control::Speed(s));
            }
        })
    };
    let preview = match (&props.preview, props.playing) {
        (_, true) => String::new(),
        (Some(p), false) => preview_text(lang, p),
        (None, false) => t(lang, Key::NothingNext).to_owned(),
    };
    let step_title = if preview.is_empty() {
        t(lang, Key::Step).to_owned()
    } else {
        format!("{}: {preview}", t(lang, Key::Step))
    };
    let now_secs = props.now.as_millis() as f64 / 1000.0;
    let horizon_secs = props.horizon.as_millis().div_ceil(1000);
    html! {
        <div class="transport" role="toolbar" aria-label={t(lang, Key::Transport)} aria-keyshortcuts="Space ArrowRight ArrowLeft">
            <div class="transport-buttons">
                if props.playing {
                    <button data-testid="pause" onclick={send(Control::Pause)} aria-keyshortcuts="Space">{ t(lang, Key::Pause) }</button>
                } else {
                    <button data-testid="play" onclick={send(Control::Play)} aria-keyshortcuts="Space">{ t(lang, Key::Play) }</button>
                }
                <button data-testid="step-back" onclick={send(Control::StepBack)} aria-keyshortcuts="ArrowLeft">{ t(lang, Key::StepBack) }</button>
                <button data-testid="step" onclick={send(Control::Step)} title={step_title} aria-keyshortcuts="ArrowRight">{ t(lang, Key::Step) }</button>
                <button data-testid="rewind" onclick={send(Control::Rewind)}>{ t(lang, Key::Rewind) }</button>
                <label class="speed">{ t(lang, Key::Speed) }
                    <select data-testid="speed" onchange={on_speed}>
                        { for SPEEDS.iter().map(|s| html! {
                            <option value={s.to_string()} selected={*s == props.speed}>{ format!("{s}×") }</option>
                        }) }
                    </select>
                </label>
                <span class="clock">{ t(lang, Key::Time) }{ ": " }
                    <output data-testid="sim-time">{ props.now.to_string() }</output></span>
                if props.idle { <span class="idle">{ t(lang, Key::Idle) }</span> }
            </div>
            <p class="step-preview" data-testid="step-preview" aria-live="polite">
                if !preview.is_empty() {
                    <span class="next-label">{ t(lang, Key::NextUp) }{ " " }</span>{ preview.clone() }
                }
            </p>
            <label class="scrubber">
                <span class="visually-hidden">{ t(lang, Key::Scrubber) }</span>
                <input type="range" data-testid="scrubber" min="0" max={horizon_secs.to_string()} step="0.1"
                    value={format!("{now_secs:.1}")} aria-valuetext={props.now.to_string()} oninput={on_scrub} />
            </label>
            <MarkerStrip {lang} markers={props.markers.clone()} horizon={props.horizon} computed={props.computed} />
            <div class="jumps">
                <button data-testid="jump-restart" onclick={send(Control::Jump(MarkerKind::Restart))}>{ t(lang, Key::JumpRestart) }</button>
                <button data-testid="jump-probe" onclick={send(Control::Jump(MarkerKind::Probe))}>{ t(lang, Key::JumpProbe) }</button>
                <button data-testid="jump-packet" onclick={send(Control::Jump(MarkerKind::Packet))}>{ t(lang, Key::JumpPacket) }</button>
                <span class="shortcuts">{ t(lang, Key::Shortcuts) }</span>
            </div>
        </div>
    }
}

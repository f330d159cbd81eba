//! The scale view: how many rules each kube-proxy mode programs and how many one new
//! connection is checked against as Services grow (`proxy::scale::measure`), measured when the
//! learner opens it.

use gloo_timers::callback::Timeout;
use nodelab_engine::proxy::Mode;
use nodelab_engine::proxy::scale::{self, ScalePoint};
use yew::prelude::*;

use crate::dom::event_open;
use crate::i18n::{Key, Lang, t};

/// Services × endpoints per Service measured, smallest first. In the release build all twelve
/// points took ~150 ms in headless Chromium on a 2-core machine (the 1000 × 10 ones most of
/// it); they are measured one per timer tick so the page never blocks for long.
pub const SIZES: [(usize, usize); 3] = [(10, 10), (100, 10), (1000, 10)];
/// Milliseconds between two measurements (lets the page paint the rows so far).
const TICK_MS: u32 = 16;

/// The scale view's measurements.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ScaleState {
    /// Not opened yet.
    #[default]
    NotMeasured,
    /// Opened; measuring one point per timer tick.
    Measuring {
        /// The points measured so far.
        points: Vec<ScalePoint>,
    },
    /// Measured.
    Done {
        /// One point per size and mode, sizes outermost.
        points: Vec<ScalePoint>,
        /// Wall time the measurements took (ms).
        took_ms: f64,
    },
}

/// Every (mode, Services, endpoints) to measure, sizes outermost.
fn plan() -> Vec<(Mode, usize, usize)> {
    SIZES
        .iter()
        .flat_map(|&(services, endpoints)| {
            Mode::ALL
                .into_iter()
                .map(move |mode| (mode, services, endpoints))
        })
        .collect()
}

/// Measures the next point of the plan after a tick, shows it, and goes on until done.
fn measure_next(state: UseStateHandle<ScaleState>, mut points: Vec<ScalePoint>, took_ms: f64) {
    Timeout::new(TICK_MS, move || {
        let plan = plan();
        let Some(&(mode, services, endpoints)) = plan.get(points.len()) else {
            return;
        };
        let start = js_sys::Date::now();
        points.push(scale::measure(mode, services, endpoints));
        let took_ms = took_ms + js_sys::Date::now() - start;
        if points.len() == plan.len() {
            state.set(ScaleState::Done { points, took_ms });
        } else {
            state.set(ScaleState::Measuring {
                points: points.clone(),
            });
            measure_next(state, points, took_ms);
        }
    })
    .forget();
}

/// A `<details>` that measures on first open and shows the figures as a table.
pub fn scale_panel(lang: Lang, state: &UseStateHandle<ScaleState>) -> Html {
    let ontoggle = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if !event_open(&e) || *state != ScaleState::NotMeasured {
                return;
            }
            state.set(ScaleState::Measuring { points: Vec::new() });
            measure_next(state.clone(), Vec::new(), 0.0);
        })
    };
    html! {
        <details class="panel scale" data-testid="scale" {ontoggle}>
            <summary><h3>{ t(lang, Key::Scale) }</h3></summary>
            <p class="hint">{ t(lang, Key::ScaleIntro) }</p>
            { match &**state {
                ScaleState::NotMeasured => html! {},
                ScaleState::Measuring { points } => html! {
                    <>
                        <p class="empty" data-testid="scale-measuring" aria-live="polite">{ t(lang, Key::ScaleMeasuring) }</p>
                        if !points.is_empty() { { scale_table(lang, points, None) } }
                    </>
                },
                ScaleState::Done { points, took_ms } => scale_table(lang, points, Some(*took_ms)),
            } }
        </details>
    }
}

/// The measurements, one row per size and mode, and how long they took once all are done.
fn scale_table(lang: Lang, points: &[ScalePoint], took_ms: Option<f64>) -> Html {
    html! {
        <>
            <div class="table-scroll">
            <table class="kubectl scale-table" data-testid="scale-table" data-done={took_ms.map(|_| "true")}>
                <thead><tr>
                    <th scope="col">{ t(lang, Key::ScaleServices) }</th>
                    <th scope="col">{ t(lang, Key::ScaleEndpoints) }</th>
                    <th scope="col">{ t(lang, Key::ScaleMode) }</th>
                    <th scope="col">{ t(lang, Key::ScaleRules) }</th>
                    <th scope="col">{ t(lang, Key::ScaleFirst) }</th>
                    <th scope="col">{ t(lang, Key::ScaleLast) }</th>
                </tr></thead>
                <tbody>
                    { for points.iter().map(|p| html! {
                        <tr data-mode={p.mode.as_str()} data-services={p.services.to_string()}>
                            <td>{ p.services }</td>
                            <td>{ p.endpoints }</td>
                            <th scope="row">{ p.mode.as_str() }</th>
                            <td data-col="rules">{ p.rules }</td>
                            <td data-col="first">{ p.evaluated_first }</td>
                            <td data-col="last">{ p.evaluated_last }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            </div>
            if let Some(ms) = took_ms {
                <p class="hint" data-testid="scale-took">{ format!("{} {ms:.0}", t(lang, Key::ScaleTook)) }</p>
            }
        </>
    }
}

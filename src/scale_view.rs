//! The scale view: how many rules each kube-proxy mode programs and how many one new
//! connection is checked against as Services grow (`proxy::scale::measure`), measured when the
//! learner opens it.

use gloo_timers::callback::Timeout;
use nodelab_engine::proxy::Mode;
use nodelab_engine::proxy::scale::{self, ScalePoint};
use yew::prelude::*;

use crate::dom::event_open;
use crate::i18n::{Key, Lang, t};

/// Services × endpoints per Service measured, smallest first.
pub const SIZES: [(usize, usize); 3] = [(10, 10), (100, 10), (1000, 10)];

/// The scale view's measurements.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ScaleState {
    /// Not opened yet.
    #[default]
    NotMeasured,
    /// Opened; measuring after the next paint.
    Measuring,
    /// Measured.
    Done {
        /// One point per size and mode, sizes outermost.
        points: Vec<ScalePoint>,
        /// Wall time the measurements took (ms).
        took_ms: f64,
    },
}

/// Every mode at every size.
pub fn measure_all() -> Vec<ScalePoint> {
    SIZES
        .iter()
        .flat_map(|&(services, endpoints)| {
            Mode::ALL
                .into_iter()
                .map(move |mode| scale::measure(mode, services, endpoints))
        })
        .collect()
}

/// A `<details>` that measures on first open and shows the figures as a table.
pub fn scale_panel(lang: Lang, state: &UseStateHandle<ScaleState>) -> Html {
    let ontoggle = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if !event_open(&e) || *state != ScaleState::NotMeasured {
                return;
            }
            state.set(ScaleState::Measuring);
            let state = state.clone();
            // After the "measuring" text has been painted: the measurement blocks the page.
            Timeout::new(30, move || {
                let start = js_sys::Date::now();
                let points = measure_all();
                state.set(ScaleState::Done {
                    points,
                    took_ms: js_sys::Date::now() - start,
                });
            })
            .forget();
        })
    };
    html! {
        <details class="panel scale" data-testid="scale" {ontoggle}>
            <summary><h3>{ t(lang, Key::Scale) }</h3></summary>
            <p class="hint">{ t(lang, Key::ScaleIntro) }</p>
            { match &**state {
                ScaleState::NotMeasured => html! {},
                ScaleState::Measuring => html! { <p class="empty" data-testid="scale-measuring" aria-live="polite">{ t(lang, Key::ScaleMeasuring) }</p> },
                ScaleState::Done { points, took_ms } => scale_table(lang, points, *took_ms),
            } }
        </details>
    }
}

/// The measurements, one row per size and mode.
fn scale_table(lang: Lang, points: &[ScalePoint], took_ms: f64) -> Html {
    html! {
        <>
            <div class="table-scroll">
            <table class="kubectl scale-table" data-testid="scale-table">
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
            <p class="hint" data-testid="scale-took">{ format!("{} {took_ms:.0}", t(lang, Key::ScaleTook)) }</p>
        </>
    }
}

//! The container runtime and RuntimeClass handler: a switcher that reruns the lab on another
//! set-up, and a side-by-side comparison of two set-ups' start time and memory.

use nodelab_engine::SimTime;
use nodelab_engine::compare::{self, Outcome, Setup};
use nodelab_engine::cri::runtimes::{self, HANDLERS, HandlerProfile, RUNTIMES, RuntimeProfile};
use yew::prelude::*;

use crate::dom::event_value;
use crate::i18n::{Key, Lang, t};
use crate::lab::{SEED, decode};

/// How long each side of a comparison runs.
const COMPARE_UNTIL: SimTime = SimTime::from_secs(120);

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// A runtime and handler by name (`("containerd", "runc")`).
pub type Names = (&'static str, &'static str);

/// A runtime's name for people (`CRI-O` for `cri-o`).
fn runtime_label(r: &RuntimeProfile) -> &'static str {
    match r.name {
        "cri-o" => "CRI-O",
        name => name,
    }
}

/// A handler's name for people, with the handler name RuntimeClass uses.
fn handler_label(h: &HandlerProfile) -> &'static str {
    match h.name {
        "kata" => "Kata Containers (kata)",
        "runsc" => "gVisor (runsc)",
        name => name,
    }
}

/// `containerd + runc`.
fn setup_label(s: &Setup) -> String {
    format!("{} + {}", runtime_label(s.runtime), s.handler.name)
}

/// Two selects, runtime then handler; combinations the runtime cannot run are disabled and
/// say so. `on_change` gets a supported pair.
fn setup_picker(lang: Lang, id: &str, current: Names, on_change: Callback<Names>) -> Html {
    let (runtime, handler) = current;
    let on_runtime = {
        let on_change = on_change.clone();
        Callback::from(move |e: Event| {
            let value = event_value(&e);
            let Some(r) = runtimes::runtime(&value) else {
                return;
            };
            // Keep the handler if the new runtime runs it, else its default.
            let h = if Setup::named(r.name, handler).is_some() {
                handler
            } else {
                r.supports.first().copied().unwrap_or("runc")
            };
            on_change.emit((r.name, h));
        })
    };
    let on_handler = Callback::from(move |e: Event| {
        let value = event_value(&e);
        if let Some(s) = runtimes::handler(&value).and_then(|h| Setup::named(runtime, h.name)) {
            on_change.emit((s.runtime.name, s.handler.name));
        }
    });
    let unsupported = t(lang, Key::Unsupported);
    html! {
        <div class="setup-picker">
            <div class="field">
                <label for={format!("{id}-runtime")}>{ t(lang, Key::ContainerRuntime) }</label>
                <select id={format!("{id}-runtime")} data-testid={format!("{id}-runtime")} onchange={on_runtime}>
                    { for RUNTIMES.iter().map(|r| {
                        let ok = Setup::named(r.name, handler).is_some();
                        html! {
                            <option value={r.name} selected={r.name == runtime} disabled={!ok}>
                                { runtime_label(r) }
                                if !ok { { format!(" — {handler} {unsupported}") } }
                            </option>
                        }
                    }) }
                </select>
            </div>
            <div class="field">
                <label for={format!("{id}-handler")}>{ t(lang, Key::Handler) }</label>
                <select id={format!("{id}-handler")} data-testid={format!("{id}-handler")} onchange={on_handler}>
                    { for HANDLERS.iter().map(|h| {
                        let ok = Setup::named(runtime, h.name).is_some();
                        html! {
                            <option value={h.name} selected={h.name == handler} disabled={!ok}>
                                { handler_label(h) }
                                if !ok { { format!(" — {runtime} {unsupported}") } }
                            </option>
                        }
                    }) }
                </select>
            </div>
        </div>
    }
}

/// The combinations no runtime supports, one line each (`cri-dockerd: kata`).
fn unsupported_combinations() -> Vec<String> {
    RUNTIMES
        .iter()
        .flat_map(|r| {
            HANDLERS
                .iter()
                .filter(|h| !r.supports.contains(&h.name))
                .map(|h| format!("{} + {}", runtime_label(r), h.name))
        })
        .collect()
}

/// The runtime switcher: the lab's runtime and handler, what each is, what the handler lacks
/// and where the figures come from. A change reruns the current YAML from t = 0.
pub fn runtime_switcher(lang: Lang, current: Names, on_setup: Callback<Setup>) -> Html {
    let on_change = Callback::from(move |(r, h): Names| {
        if let Some(s) = Setup::named(r, h) {
            on_setup.emit(s);
        }
    });
    let runtime = runtimes::runtime(current.0);
    let handler = runtimes::handler(current.1);
    let unsupported = unsupported_combinations();
    html! {
        <section class="panel runtime-switcher" data-testid="runtime-switcher" aria-labelledby="runtime-heading">
            <h3 id="runtime-heading">{ t(lang, Key::RuntimeSwitcher) }</h3>
            <p class="hint">{ t(lang, Key::RuntimeSwitcherIntro) }</p>
            { setup_picker(lang, "lab-setup", current, on_change) }
            if !unsupported.is_empty() {
                <p class="hint" data-testid="unsupported-combinations">
                    { t(lang, Key::UnsupportedCombinations) }{ " " }{ unsupported.join(", ") }
                </p>
            }
            <dl class="profile" data-testid="runtime-profile">
                if let Some(r) = runtime {
                    <dt>{ t(lang, Key::ContainerRuntime) }</dt>
                    <dd><strong>{ runtime_label(r) }</strong>{ format!(" {} · {}", r.version, r.endpoint) }</dd>
                    <dt>{ t(lang, Key::Source) }</dt>
                    <dd class="source" data-field="runtime-source">{ r.source }</dd>
                }
                if let Some(h) = handler {
                    <dt>{ t(lang, Key::Handler) }</dt>
                    <dd data-field="handler-description"><strong>{ handler_label(h) }</strong>{ ": " }{ h.description }</dd>
                    <dt>{ t(lang, Key::Lacks) }</dt>
                    <dd data-field="handler-lacks">{ h.lacks }</dd>
                    <dt>{ t(lang, Key::Source) }</dt>
                    <dd class="source" data-field="handler-source">{ h.source }</dd>
                }
            </dl>
            <p class="hint">{ t(lang, Key::EngineTextEnglish) }</p>
        </section>
    }
}

/// The comparison's UI state: the two set-ups and the last result.
#[derive(Clone)]
pub struct CompareUi {
    /// Set-up A.
    pub a: UseStateHandle<Names>,
    /// Set-up B.
    pub b: UseStateHandle<Names>,
    /// The last comparison, or why it failed.
    pub result: UseStateHandle<Option<Result<[Outcome; 2], String>>>,
}

/// The comparison's UI state: containerd + runc against containerd + runsc, not run yet.
#[hook]
pub fn use_compare_ui() -> CompareUi {
    CompareUi {
        a: use_state(|| ("containerd", "runc")),
        b: use_state(|| ("containerd", "runsc")),
        result: use_state(|| None),
    }
}

/// Runs `text` on both set-ups for [`COMPARE_UNTIL`].
fn run_comparison(lang: Lang, text: &str, a: Names, b: Names) -> Result<[Outcome; 2], String> {
    let setup = |(r, h): Names| {
        Setup::named(r, h).ok_or_else(|| format!("{} {r} + {h}", t(lang, Key::UnsupportedSetup)))
    };
    let setups = [setup(a)?, setup(b)?];
    let manifests = decode(text)?;
    compare::side_by_side(&manifests, Some(SEED), setups, COMPARE_UNTIL)
}

/// MiB with one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / MIB)
}

/// Two set-up pickers, a Compare button and the table of figures with their sources.
pub fn compare_panel(lang: Lang, text: &str, ui: &CompareUi) -> Html {
    let pick = |handle: &UseStateHandle<Names>| {
        let handle = handle.clone();
        let result = ui.result.clone();
        Callback::from(move |n: Names| {
            handle.set(n);
            result.set(None);
        })
    };
    let on_compare = {
        let text = text.to_owned();
        let (a, b) = (*ui.a, *ui.b);
        let result = ui.result.clone();
        Callback::from(move |_: MouseEvent| result.set(Some(run_comparison(lang, &text, a, b))))
    };
    html! {
        <section class="panel compare" data-testid="compare" aria-labelledby="compare-heading">
            <h3 id="compare-heading">{ t(lang, Key::Compare) }</h3>
            <p class="hint">{ t(lang, Key::CompareIntro) }</p>
            <div class="compare-pickers">
                <fieldset data-testid="compare-a">
                    <legend>{ t(lang, Key::SetupA) }</legend>
                    { setup_picker(lang, "compare-a", *ui.a, pick(&ui.a)) }
                </fieldset>
                <fieldset data-testid="compare-b">
                    <legend>{ t(lang, Key::SetupB) }</legend>
                    { setup_picker(lang, "compare-b", *ui.b, pick(&ui.b)) }
                </fieldset>
            </div>
            <button data-testid="compare-run" onclick={on_compare}>{ t(lang, Key::CompareButton) }</button>
            { match &*ui.result {
                None => html! {},
                Some(Err(e)) => html! {
                    <p class="action-error" data-testid="compare-error" role="alert">
                        { t(lang, Key::CompareFailed) }{ " " }<span class="detail">{ e }</span>
                    </p>
                },
                Some(Ok(outcomes)) => compare_table(lang, outcomes),
            } }
        </section>
    }
}

/// The figures of both set-ups, one column each, with each figure's source below.
fn compare_table(lang: Lang, outcomes: &[Outcome; 2]) -> Html {
    let row = |key: Key, id: &'static str, cell: &dyn Fn(&Outcome) -> String| {
        html! {
            <tr data-figure={id}>
                <th scope="row">{ t(lang, key) }</th>
                { for outcomes.iter().zip(["a", "b"]).map(|(o, col)| html! {
                    <td data-col={col}>{ cell(o) }</td>
                }) }
            </tr>
        }
    };
    let not_started = t(lang, Key::NotStarted);
    let mut sources: Vec<(String, &'static str)> = Vec::new();
    for o in outcomes {
        for (name, source) in [
            (runtime_label(o.setup.runtime), o.setup.runtime.source),
            (o.setup.handler.name, o.setup.handler.source),
        ] {
            if !sources.iter().any(|(n, _)| n == name) {
                sources.push((name.to_owned(), source));
            }
        }
    }
    html! {
        <>
            <div class="table-scroll">
            <table class="kubectl compare-table" data-testid="compare-table">
                <thead><tr>
                    <th scope="col">{ t(lang, Key::Figure) }</th>
                    { for outcomes.iter().zip(["a", "b"]).map(|(o, col)| html! {
                        <th scope="col" data-col={col}>{ setup_label(&o.setup) }</th>
                    }) }
                </tr></thead>
                <tbody>
                    { row(Key::SandboxStart, "sandbox-ms", &|o| o.sandbox_ms.to_string()) }
                    { row(Key::ScheduledToStarted, "started-ms", &|o| {
                        o.started_ms.map_or_else(|| not_started.to_owned(), |ms| ms.to_string())
                    }) }
                    { row(Key::SandboxMemory, "sandbox-mib", &|o| mib(o.sandbox_overhead_bytes)) }
                    { row(Key::DaemonMemory, "daemon-mib", &|o| mib(o.daemon_bytes)) }
                </tbody>
            </table>
            </div>
            <h4>{ t(lang, Key::Sources) }</h4>
            <dl class="sources" data-testid="compare-sources">
                { for sources.into_iter().map(|(name, source)| html! {
                    <><dt>{ name }</dt><dd class="source">{ source }</dd></>
                }) }
            </dl>
        </>
    }
}

//! The events list with each event's cause chain: click an event (or press Enter / Space on
//! it) to see why it happened, back to the root (a lab action or the image's own behaviour).

use nodelab_engine::World;
use nodelab_engine::world::CauseStep;
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

/// The events view's UI state: which event's cause chain is open.
#[derive(Clone, PartialEq)]
pub struct EventsUi {
    /// Index of the expanded event in `World::events().all()`.
    pub open: UseStateHandle<Option<usize>>,
}

/// Nothing expanded.
#[hook]
pub fn use_events_ui() -> EventsUi {
    EventsUi {
        open: use_state(|| None),
    }
}

/// The events, oldest first; the expanded one shows its cause chain.
pub fn events_panel(lang: Lang, world: &World, ui: &EventsUi) -> Html {
    let events = world.events().all();
    let open = (*ui.open).filter(|i| *i < events.len());
    html! {
        <>
            <h3>{ t(lang, Key::Events) }</h3>
            if events.is_empty() { <p class="empty">{ t(lang, Key::NoEvents) }</p> }
            <ol data-testid="events" class="events">
                { for events.iter().enumerate().map(|(i, e)| {
                    let expanded = open == Some(i);
                    let onclick = {
                        let handle = ui.open.clone();
                        Callback::from(move |_: MouseEvent| {
                            handle.set(if expanded { None } else { Some(i) })
                        })
                    };
                    let type_ = format!("{:?}", e.type_);
                    let chain_id = format!("cause-chain-{i}");
                    html! {
                        <li data-testid="event-row" data-index={i.to_string()} data-reason={e.reason.clone()}
                            class={classes!("event", type_.to_lowercase(), expanded.then_some("expanded"))}>
                            <button class="event-toggle" aria-expanded={if expanded { "true" } else { "false" }}
                                aria-controls={chain_id.clone()} title={t(lang, Key::ShowCause)} {onclick}>
                                <time>{ e.time.to_string() }</time>
                                <span class="type">{ type_.clone() }</span>
                                <span class="reason">{ &e.reason }</span>
                                <span class="object">{ e.object.to_string() }</span>
                                <span class="message">{ &e.message }</span>
                            </button>
                            if expanded {
                                { cause_chain(lang, world, i, &chain_id) }
                            }
                        </li>
                    }
                }) }
            </ol>
        </>
    }
}

/// One event's chain, the event itself first. (Not an `<ol>`: the events list's items are
/// counted as `li`s.)
fn cause_chain(lang: Lang, world: &World, index: usize, id: &str) -> Html {
    let chain = world.cause_chain(index);
    let root_only = chain.len() <= 1;
    html! {
        <div class="cause-chain" id={id.to_owned()} data-testid="cause-chain" role="list"
            aria-label={t(lang, Key::CauseChain)}>
            { for chain.iter().enumerate().map(|(depth, step)| html! {
                <div role="listitem" class="cause-step" data-kind={kind(step)} data-depth={depth.to_string()}>
                    if depth > 0 { <span class="because" aria-hidden="true">{ "← " }</span> }
                    { step_html(lang, step) }
                </div>
            }) }
            if root_only {
                <div role="listitem" class="cause-step root">{ t(lang, Key::NoCause) }</div>
            }
        </div>
    }
}

fn kind(step: &CauseStep) -> &'static str {
    match step {
        CauseStep::Event { .. } => "event",
        CauseStep::Action { .. } => "action",
        CauseStep::Probe { .. } => "probe",
        CauseStep::Exit { .. } => "exit",
        CauseStep::Image { .. } => "image",
    }
}

fn step_html(lang: Lang, step: &CauseStep) -> Html {
    match step {
        CauseStep::Event {
            time,
            reason,
            object,
            message,
            ..
        } => html! {
            <>
                <span class="label">{ t(lang, Key::CauseEvent) }</span>
                <time>{ time.to_string() }</time>
                <span class="reason">{ reason }</span>
                <span class="object">{ object }</span>
                <span class="message">{ message }</span>
            </>
        },
        CauseStep::Action {
            time, description, ..
        } => html! {
            <>
                <span class="label">{ t(lang, Key::CauseAction) }</span>
                <time>{ time.to_string() }</time>
                <span class="message">{ description }</span>
            </>
        },
        CauseStep::Probe {
            probe,
            container,
            time,
            output,
        } => html! {
            <>
                <span class="label">{ t(lang, Key::CauseProbe) }</span>
                <time>{ time.to_string() }</time>
                <span class="reason">{ format!("{probe} / {container}") }</span>
                <span class="message">{ output }</span>
            </>
        },
        CauseStep::Exit {
            container,
            exit_code,
            reason,
            time,
        } => html! {
            <>
                <span class="label">{ t(lang, Key::CauseExit) }</span>
                <time>{ time.to_string() }</time>
                <span class="reason">{ container }</span>
                <span class="message">{ format!("{} {exit_code} ({reason})", t(lang, Key::ExitCode)) }</span>
            </>
        },
        CauseStep::Image { container, image } => html! {
            <>
                <span class="label">{ t(lang, Key::CauseImage) }</span>
                <span class="reason">{ container }</span>
                <span class="message">{ image }</span>
            </>
        },
    }
}

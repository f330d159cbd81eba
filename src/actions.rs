//! Lab action buttons for the selected pod, and the list of actions taken.

use nodelab_engine::ObjectRef;
use nodelab_engine::lab::LabAction;
use yew::prelude::*;

use crate::dom::event_value;
use crate::i18n::{Key, Lang, t};
use crate::lab::Taken;

/// Bytes the "grow memory" button allocates (100Mi).
const GROW_BYTES: u64 = 100 * 1024 * 1024;
/// Exit code of the "exit" button.
const EXIT_CODE: i32 = 1;

/// What the action buttons act on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Target {
    /// The pod, if there is one.
    pub pod: Option<ObjectRef>,
    /// Its app containers, in spec order.
    pub containers: Vec<String>,
    /// The node it runs on (or the first node while it is unscheduled).
    pub node: Option<String>,
}

/// Props of [`ActionPanel`].
#[derive(Properties, PartialEq)]
pub struct ActionPanelProps {
    /// UI language.
    pub lang: Lang,
    /// What the buttons act on.
    pub target: Target,
    /// Why the last action failed, from the engine.
    pub error: Option<String>,
    /// Takes an action.
    pub on_act: Callback<LabAction>,
}

/// The lab action buttons: each one builds a [`LabAction`] for the selected pod and hands it to
/// `on_act`; the engine's refusal comes back as `error` and is shown inline.
#[component]
pub fn ActionPanel(props: &ActionPanelProps) -> Html {
    let lang = props.lang;
    let container = use_state(String::new);
    let http_path = use_state(|| "/".to_owned());
    let http_status = use_state(|| "500".to_owned());
    let file_path = use_state(|| "/tmp/healthy".to_owned());
    let invalid = use_state(|| false);

    let bind = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |e: Event| handle.set(event_value(&e)))
    };
    let bind_input = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| handle.set(event_value(&e)))
    };
    // The chosen container if the pod still has it, else the default (the first).
    let chosen: Option<String> = props
        .target
        .containers
        .iter()
        .find(|c| **c == *container)
        .cloned();
    let pod = props.target.pod.clone();
    let no_pod = pod.is_none();

    // A button that builds an action for the pod (and container) from the inputs.
    let act = |build: Box<dyn Fn(ObjectRef, Option<String>) -> Option<LabAction>>| {
        let pod = pod.clone();
        let chosen = chosen.clone();
        let on_act = props.on_act.clone();
        let invalid = invalid.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(pod) = pod.clone() else {
                return;
            };
            match build(pod, chosen.clone()) {
                Some(action) => {
                    invalid.set(false);
                    on_act.emit(action);
                }
                None => invalid.set(true),
            }
        })
    };
    let on_http = {
        let path = (*http_path).clone();
        let status = (*http_status).clone();
        act(Box::new(move |pod, container| {
            let status = status
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|s| (100..=599).contains(s))?;
            Some(LabAction::HttpStatus {
                pod,
                container,
                path: path.clone(),
                status,
            })
        }))
    };
    let on_delete_file = {
        let path = (*file_path).clone();
        act(Box::new(move |pod, container| {
            Some(LabAction::DeleteFile {
                pod,
                container,
                path: path.clone(),
            })
        }))
    };
    let on_create_file = {
        let path = (*file_path).clone();
        act(Box::new(move |pod, container| {
            Some(LabAction::CreateFile {
                pod,
                container,
                path: path.clone(),
                content: String::new(),
            })
        }))
    };
    let on_exit = act(Box::new(|pod, container| {
        Some(LabAction::Exit {
            pod,
            container,
            code: EXIT_CODE,
        })
    }));
    let on_grow = act(Box::new(|pod, container| {
        Some(LabAction::GrowMemory {
            pod,
            container,
            bytes: GROW_BYTES,
        })
    }));
    let on_hang = act(Box::new(|pod, container| {
        Some(LabAction::Hang { pod, container })
    }));
    let on_delete_pod = act(Box::new(|pod, _| {
        Some(LabAction::DeletePod {
            pod,
            grace_period_seconds: None,
        })
    }));
    let on_node = {
        let node = props.target.node.clone();
        let on_act = props.on_act.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(node) = node.clone() {
                on_act.emit(LabAction::NodeNotReady { node });
            }
        })
    };

    html! {
        <section class="actions panel" data-testid="actions" aria-labelledby="actions-heading">
            <h3 id="actions-heading">{ t(lang, Key::Actions) }
                if let Some(pod) = &props.target.pod { <span class="target">{ format!(" — pod/{}", pod.name) }</span> }
            </h3>
            <p class="hint">{ t(lang, Key::ActionsIntro) }</p>
            if props.target.containers.len() > 1 {
                <div class="field">
                    <label for="action-container">{ t(lang, Key::Container) }</label>
                    <select id="action-container" data-testid="action-container" onchange={bind(&container)}>
                        { for props.target.containers.iter().map(|c| html! {
                            <option value={c.clone()} selected={chosen.as_deref() == Some(c.as_str())}>{ c }</option>
                        }) }
                    </select>
                </div>
            }
            <div class="action-row">
                <label for="action-http-path">{ t(lang, Key::HttpPath) }</label>
                <input id="action-http-path" data-testid="action-http-path" type="text" size="12"
                    value={(*http_path).clone()} oninput={bind_input(&http_path)} />
                <label for="action-http-code">{ t(lang, Key::HttpStatus) }</label>
                <input id="action-http-code" data-testid="action-http-code" type="number" min="100" max="599"
                    class="narrow" value={(*http_status).clone()} oninput={bind_input(&http_status)} />
                <button data-testid="action-http-status" disabled={no_pod} onclick={on_http}>{ t(lang, Key::ActHttpStatus) }</button>
            </div>
            <div class="action-row">
                <label for="action-file-path">{ t(lang, Key::FilePath) }</label>
                <input id="action-file-path" data-testid="action-file-path" type="text" size="14"
                    value={(*file_path).clone()} oninput={bind_input(&file_path)} />
                <button data-testid="action-delete-file" disabled={no_pod} onclick={on_delete_file}>{ t(lang, Key::ActDeleteFile) }</button>
                <button data-testid="action-create-file" disabled={no_pod} onclick={on_create_file}>{ t(lang, Key::ActCreateFile) }</button>
            </div>
            <div class="action-row">
                <button data-testid="action-exit" disabled={no_pod} onclick={on_exit}>{ t(lang, Key::ActExit) }</button>
                <button data-testid="action-grow-memory" disabled={no_pod} onclick={on_grow}>{ t(lang, Key::ActGrowMemory) }</button>
                <button data-testid="action-hang" disabled={no_pod} onclick={on_hang}>{ t(lang, Key::ActHang) }</button>
                <button data-testid="action-delete-pod" class="danger" disabled={no_pod} onclick={on_delete_pod}>{ t(lang, Key::ActDeletePod) }</button>
                <button data-testid="action-node-not-ready" class="danger" disabled={props.target.node.is_none()} onclick={on_node}>
                    { t(lang, Key::ActNodeNotReady) }
                    if let Some(node) = &props.target.node { { format!(" ({node})") } }
                </button>
            </div>
            if *invalid {
                <p class="action-error" data-testid="action-error" role="alert">{ t(lang, Key::InvalidStatus) }</p>
            } else if let Some(err) = &props.error {
                <p class="action-error" data-testid="action-error" role="alert">
                    { t(lang, Key::ActionFailed) }{ " " }<span class="detail">{ err }</span>
                </p>
            }
        </section>
    }
}

/// The actions taken so far; the ones after `applied` were undone by a rewind and will be taken
/// again when the simulation reaches their time.
pub fn taken_list(lang: Lang, taken: &[Taken], applied: usize) -> Html {
    html! {
        <section class="taken panel" aria-labelledby="taken-heading">
            <h3 id="taken-heading">{ t(lang, Key::ActionsTaken) }</h3>
            if taken.is_empty() {
                <p class="empty">{ t(lang, Key::NoActionsTaken) }</p>
            }
            <ol data-testid="actions-taken" class="taken-list">
                { for taken.iter().enumerate().map(|(i, a)| {
                    let pending = i >= applied;
                    html! {
                        <li data-state={if pending { "pending" } else { "done" }}
                            data-error={a.error.is_some().then_some("true")}
                            class={classes!(pending.then_some("pending"), a.error.as_ref().map(|_| "failed"))}>
                            <time>{ a.time.to_string() }</time>
                            <span class="what">{ a.action.describe() }</span>
                            if let Some(err) = &a.error {
                                <span class="error">{ t(lang, Key::ActionFailed) }{ " " }{ err }</span>
                            }
                            if pending {
                                <span class="pending-note">{ t(lang, Key::ActionPending) }</span>
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}

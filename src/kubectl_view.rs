//! The `kubectl get` panel: pods, services and EndpointSlices with `-o wide`, at the world's
//! current time, with kubectl's own columns and cells (engine `report::kubectl`).

use nodelab_engine::World;
use nodelab_engine::report::kubectl::{Resource, get};
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

/// The panel's UI state: which resource is shown.
#[derive(Clone, PartialEq)]
pub struct KubectlUi {
    /// The resource listed.
    pub resource: UseStateHandle<Resource>,
}

/// Services first: pods already have their own table beside the transport controls.
#[hook]
pub fn use_kubectl_ui() -> KubectlUi {
    KubectlUi {
        resource: use_state(|| Resource::Services),
    }
}

/// The namespace the panel lists (kubectl's default).
const NAMESPACE: &str = "default";

/// The panel: a tab per resource, the command line, and the table.
pub fn kubectl_panel(lang: Lang, world: &World, ui: &KubectlUi) -> Html {
    let current = *ui.resource;
    let table = get(world, current, Some(NAMESPACE), true);
    let command = format!("kubectl get {} -o wide", current.short());
    html! {
        <section class="kubectl-panel panel" data-testid="kubectl-panel" aria-labelledby="kubectl-heading">
            <h3 id="kubectl-heading">{ t(lang, Key::KubectlHeading) }</h3>
            <div class="tabs" role="tablist" aria-label={t(lang, Key::KubectlKinds)}>
                { for Resource::ALL.iter().map(|r| {
                    let selected = *r == current;
                    let onclick = {
                        let handle = ui.resource.clone();
                        let r = *r;
                        Callback::from(move |_: MouseEvent| handle.set(r))
                    };
                    html! {
                        <button role="tab" data-testid="kubectl-kind" data-kind={r.plural()}
                            id={format!("kubectl-tab-{}", r.plural())}
                            aria-selected={if selected { "true" } else { "false" }}
                            aria-controls="kubectl-tabpanel"
                            class={classes!(selected.then_some("selected"))} {onclick}>
                            { format!("get {}", r.short()) }
                        </button>
                    }
                }) }
            </div>
            <div role="tabpanel" id="kubectl-tabpanel" aria-labelledby={format!("kubectl-tab-{}", current.plural())}>
                <pre class="command" aria-hidden="true">{ format!("$ {command}") }</pre>
                <div class="table-scroll">
                    <table class="kubectl" data-testid="kubectl-table" data-kind={current.plural()}
                        aria-label={command.clone()}>
                        <thead><tr>
                            { for table.headers.iter().map(|h| html! { <th scope="col">{ *h }</th> }) }
                        </tr></thead>
                        <tbody>
                            if table.rows.is_empty() {
                                <tr><td colspan={table.headers.len().to_string()}>{ t(lang, Key::NoResources) }</td></tr>
                            }
                            { for table.rows.iter().map(|row| html! {
                                <tr>
                                    { for row.iter().zip(&table.headers).map(|(cell, h)| html! {
                                        <td data-col={h.to_lowercase()}>{ cell }</td>
                                    }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
        </section>
    }
}

//! The CRI views: every call the kubelet made to its container runtime, drawn as arrows across
//! the lanes kubelet → runtime → handler → containers, and `crictl pods` / `ps -a` / `images`
//! on a node. All of it is read from the engine at the current simulated time.

use std::collections::BTreeSet;

use nodelab_engine::World;
use nodelab_engine::cri::api::Message;
use nodelab_engine::cri::runtime::Runtime;
use nodelab_engine::cri::{CriCall, CriService};
use nodelab_engine::report::crictl;
use yew::prelude::*;

use crate::dom::event_checked;
use crate::i18n::{Key, Lang, t};

/// At most this many calls are drawn (the newest); older ones are counted, not drawn.
const MAX_ROWS: usize = 200;

/// The lane a call reaches, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lane {
    /// The runtime daemon answers itself: images, status, version and the relists (served
    /// from the runtime's own store).
    Runtime,
    /// A sandbox call: the handler (runc, kata, runsc) builds or tears down the sandbox.
    Handler,
    /// A container call.
    Containers,
}

impl Lane {
    /// `data-lane` and the CSS class suffix.
    fn id(self) -> &'static str {
        match self {
            Lane::Runtime => "runtime",
            Lane::Handler => "handler",
            Lane::Containers => "containers",
        }
    }

    /// How many lanes the arrow spans, counting the kubelet's.
    fn span(self) -> usize {
        match self {
            Lane::Runtime => 2,
            Lane::Handler => 3,
            Lane::Containers => 4,
        }
    }
}

/// The lane a call acts on.
fn lane_of(call: &CriCall) -> Lane {
    if call.service == CriService::ImageService {
        return Lane::Runtime;
    }
    match call.method {
        "RunPodSandbox" | "StopPodSandbox" | "RemovePodSandbox" | "PodSandboxStatus" => {
            Lane::Handler
        }
        "CreateContainer"
        | "StartContainer"
        | "StopContainer"
        | "RemoveContainer"
        | "ContainerStatus"
        | "ExecSync"
        | "UpdateContainerResources"
        | "ContainerStats" => Lane::Containers,
        _ => Lane::Runtime,
    }
}

/// The sandbox id a call names, if any (for a container call: through the container).
fn sandbox_id_of<'a>(
    call: &'a CriCall,
    runtime: &'a Runtime,
    calls: &'a [CriCall],
) -> Option<&'a str> {
    let container = match (&call.request, &call.response) {
        (_, Message::RunPodSandboxResponse(r)) => return Some(&r.pod_sandbox_id),
        (Message::StopPodSandboxRequest(r), _) => return Some(&r.pod_sandbox_id),
        (Message::RemovePodSandboxRequest(r), _) => return Some(&r.pod_sandbox_id),
        (Message::PodSandboxStatusRequest(r), _) => return Some(&r.pod_sandbox_id),
        (Message::CreateContainerRequest(r), _) => return Some(&r.pod_sandbox_id),
        (Message::StartContainerRequest(r), _) => &r.container_id,
        (Message::StopContainerRequest(r), _) => &r.container_id,
        (Message::RemoveContainerRequest(r), _) => &r.container_id,
        (Message::ContainerStatusRequest(r), _) => &r.container_id,
        (Message::ExecSyncRequest(r), _) => &r.container_id,
        (Message::UpdateContainerResourcesRequest(r), _) => &r.container_id,
        (Message::ContainerStatsRequest(r), _) => &r.container_id,
        _ => return None,
    };
    if let Some(c) = runtime.container(container) {
        return Some(&c.sandbox_id);
    }
    // Removed since: the call that created it names its sandbox.
    calls.iter().find_map(|c| match (&c.request, &c.response) {
        (Message::CreateContainerRequest(req), Message::CreateContainerResponse(res))
            if res.container_id == *container && c.node == call.node =>
        {
            Some(req.pod_sandbox_id.as_str())
        }
        _ => None,
    })
}

/// The handler that runs the sandbox a call acts on (`runc`, `kata`, `runsc`), if it acts on
/// one.
fn handler_of(call: &CriCall, world: &World, calls: &[CriCall]) -> Option<&'static str> {
    let runtime = &world.kubelets().get(&call.node)?.runtime;
    let default = runtime.handlers.first().map(|h| h.name);
    let Some(id) = sandbox_id_of(call, runtime, calls) else {
        return match &call.request {
            Message::RunPodSandboxRequest(_) => default,
            _ => None,
        };
    };
    if let Some(s) = runtime.sandbox(id) {
        return Some(s.handler.name);
    }
    // Removed since: the handler the kubelet asked for when it ran the sandbox.
    let asked = calls.iter().find_map(|c| match (&c.request, &c.response) {
        (Message::RunPodSandboxRequest(req), Message::RunPodSandboxResponse(res))
            if res.pod_sandbox_id == id && c.node == call.node =>
        {
            Some(req.runtime_handler.as_str())
        }
        _ => None,
    });
    match asked {
        Some("") | None => default,
        Some(name) => runtime
            .handlers
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.name)
            .or(default),
    }
}

/// `RuntimeService` or `ImageService`.
fn service_name(s: CriService) -> &'static str {
    match s {
        CriService::RuntimeService => "RuntimeService",
        CriService::ImageService => "ImageService",
    }
}

/// A message as indented JSON.
fn pretty(m: &Message) -> String {
    serde_json::to_string_pretty(&m.to_json()).unwrap_or_else(|e| e.to_string())
}

/// Which `crictl` command the crictl panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrictlTab {
    /// `crictl pods`.
    Pods,
    /// `crictl ps -a`.
    PsAll,
    /// `crictl images`.
    Images,
}

impl CrictlTab {
    /// Every tab, in order.
    const ALL: [CrictlTab; 3] = [CrictlTab::Pods, CrictlTab::PsAll, CrictlTab::Images];

    /// The command line, also the tab's label.
    fn command(self) -> &'static str {
        match self {
            CrictlTab::Pods => "crictl pods",
            CrictlTab::PsAll => "crictl ps -a",
            CrictlTab::Images => "crictl images",
        }
    }

    /// `data-tab` and the element id suffix.
    fn id(self) -> &'static str {
        match self {
            CrictlTab::Pods => "pods",
            CrictlTab::PsAll => "ps-a",
            CrictlTab::Images => "images",
        }
    }
}

/// The CRI views' own UI state (what is expanded, shown, picked).
#[derive(Clone)]
pub struct CriUi {
    /// Whether periodic calls (relists, status) are shown.
    pub show_periodic: UseStateHandle<bool>,
    /// Indices (into [`World::cri_calls`]) of the calls whose messages are shown.
    pub expanded: UseStateHandle<BTreeSet<usize>>,
    /// The crictl command shown.
    pub tab: UseStateHandle<CrictlTab>,
}

/// The CRI views' UI state: periodic calls hidden, nothing expanded, `crictl pods`.
#[hook]
pub fn use_cri_ui() -> CriUi {
    CriUi {
        show_periodic: use_state(|| false),
        expanded: use_state(BTreeSet::new),
        tab: use_state(|| CrictlTab::Pods),
    }
}

/// Distinct names, in first-seen order, joined with ", ".
fn distinct(names: impl Iterator<Item = &'static str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen.join(", ")
}

/// The CRI call panel: the calls so far as arrows from the kubelet's lane to the lane each one
/// acts on, oldest first and scrolled to the newest; a call expands to its request and response.
pub fn cri_calls_panel(lang: Lang, world: &World, ui: &CriUi) -> Html {
    let calls = world.cri_calls();
    let show_periodic = *ui.show_periodic;
    let visible: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| show_periodic || !c.periodic())
        .map(|(i, _)| i)
        .collect();
    let hidden = visible.len().saturating_sub(MAX_ROWS);
    let shown = &visible[hidden..];
    let rows: Vec<(usize, &CriCall, Lane, Option<&'static str>)> = shown
        .iter()
        .filter_map(|&i| {
            let call = calls.get(i)?;
            let lane = lane_of(call);
            let handler = match lane {
                Lane::Runtime => None,
                _ => handler_of(call, world, calls),
            };
            Some((i, call, lane, handler))
        })
        .collect();
    let runtimes = distinct(world.kubelets().values().map(|k| k.runtime.profile.name));
    // The handlers of the sandboxes drawn, else each node's default handler.
    let mut handlers = distinct(rows.iter().filter_map(|r| r.3));
    if handlers.is_empty() {
        handlers = distinct(
            world
                .kubelets()
                .values()
                .filter_map(|k| k.runtime.handlers.first().map(|h| h.name)),
        );
    }
    let on_periodic = {
        let show = ui.show_periodic.clone();
        Callback::from(move |e: Event| show.set(event_checked(&e)))
    };
    html! {
        <section class="panel cri" data-testid="cri-panel" aria-labelledby="cri-heading">
            <h3 id="cri-heading">{ t(lang, Key::CriHeading) }</h3>
            <p class="hint">{ t(lang, Key::CriIntro) }</p>
            <label class="check">
                <input type="checkbox" data-testid="cri-show-periodic" checked={show_periodic} onchange={on_periodic} />
                { t(lang, Key::ShowPeriodic) }
            </label>
            <div class="cri-lanes" aria-hidden="true">
                <div class="lane-head" data-testid="cri-lane-kubelet"><span class="lane-kind">{ "kubelet" }</span></div>
                <div class="lane-head" data-testid="cri-lane-runtime">
                    <span class="lane-kind">{ t(lang, Key::LaneRuntime) }</span><strong>{ runtimes.clone() }</strong></div>
                <div class="lane-head" data-testid="cri-lane-handler">
                    <span class="lane-kind">{ t(lang, Key::LaneHandler) }</span><strong>{ handlers.clone() }</strong></div>
                <div class="lane-head" data-testid="cri-lane-containers">
                    <span class="lane-kind">{ t(lang, Key::LaneContainers) }</span></div>
            </div>
            <p class="visually-hidden">
                { format!("kubelet → {} ({runtimes}) → {} ({handlers}) → {}",
                    t(lang, Key::LaneRuntime), t(lang, Key::LaneHandler), t(lang, Key::LaneContainers)) }
            </p>
            if rows.is_empty() {
                <p class="empty" data-testid="cri-empty">{ t(lang, Key::NoCriCalls) }</p>
            } else {
                <div class="cri-scroll">
                    <div>
                        if hidden > 0 {
                            <p class="hint" data-testid="cri-older">{ format!("{} {hidden}", t(lang, Key::CriOlderHidden)) }</p>
                        }
                        <ol class="cri-calls" data-testid="cri-calls" aria-label={t(lang, Key::CriHeading)}>
                            { for rows.into_iter().map(|(i, call, lane, handler)| call_row(lang, ui, i, call, lane, handler)) }
                        </ol>
                    </div>
                </div>
            }
        </section>
    }
}

/// One call: an arrow button (time, service/method, duration, the lane reached) and, when
/// expanded, its request and response.
fn call_row(
    lang: Lang,
    ui: &CriUi,
    index: usize,
    call: &CriCall,
    lane: Lane,
    handler: Option<&'static str>,
) -> Html {
    let open = ui.expanded.contains(&index);
    let toggle = {
        let expanded = ui.expanded.clone();
        Callback::from(move |_: MouseEvent| {
            let mut set = (*expanded).clone();
            if !set.remove(&index) {
                set.insert(index);
            }
            expanded.set(set);
        })
    };
    let detail_id = format!("cri-call-{index}");
    let target = match lane {
        Lane::Runtime => t(lang, Key::LaneRuntime).to_owned(),
        Lane::Handler => handler.unwrap_or("?").to_owned(),
        Lane::Containers => format!(
            "{} ({})",
            t(lang, Key::LaneContainers),
            handler.unwrap_or("?")
        ),
    };
    let failed = matches!(call.response, Message::Error { .. });
    html! {
        <li class={classes!("cri-call", failed.then_some("failed"))} data-testid="cri-call"
            data-method={call.method} data-lane={lane.id()} data-handler={handler}
            data-node={call.node.clone()} data-periodic={if call.periodic() { "true" } else { "false" }}>
            <button class={classes!("cri-arrow", format!("to-{}", lane.id()))}
                style={format!("grid-column: 1 / span {}", lane.span())}
                aria-expanded={if open { "true" } else { "false" }} aria-controls={detail_id.clone()}
                onclick={toggle}>
                <time>{ call.time.to_string() }</time>
                <span class="cri-method"><span class="service">{ service_name(call.service) }{ "/" }</span>
                    <strong data-field="method">{ call.method }</strong></span>
                <span class="duration" data-field="duration" data-ms={call.duration_ms.to_string()}>
                    { format!("{} ms", call.duration_ms) }</span>
                <span class="reach">{ "→ " }{ target }</span>
                if failed { <span class="error-mark">{ t(lang, Key::CriFailed) }</span> }
            </button>
            if open {
                <div class="cri-detail" id={detail_id}>
                    <div>
                        <h5>{ t(lang, Key::Request) }</h5>
                        <pre data-testid="cri-request" tabindex="0">{ pretty(&call.request) }</pre>
                    </div>
                    <div>
                        <h5>{ t(lang, Key::Response) }</h5>
                        <pre data-testid="cri-response" tabindex="0">{ pretty(&call.response) }</pre>
                    </div>
                </div>
            }
        </li>
    }
}

/// `crictl pods`, `crictl ps -a` and `crictl images` on `node` (or the first node), as tabs.
pub fn crictl_panel(lang: Lang, world: &World, node: Option<&str>, ui: &CriUi) -> Html {
    let tab = *ui.tab;
    let node = node
        .filter(|n| world.kubelets().contains_key(*n))
        .or_else(|| world.kubelets().keys().next().map(String::as_str));
    let text = node.and_then(|n| match tab {
        CrictlTab::Pods => crictl::pods(world, Some(n)),
        CrictlTab::PsAll => crictl::ps(world, Some(n), true),
        CrictlTab::Images => crictl::images(world, Some(n)),
    });
    html! {
        <section class="panel crictl" data-testid="crictl" aria-labelledby="crictl-heading">
            <h3 id="crictl-heading">{ t(lang, Key::Crictl) }
                if let Some(n) = node { <span class="target">{ format!(" — {n}") }</span> }
            </h3>
            <div class="tabs" role="tablist" aria-label={t(lang, Key::Crictl)}>
                { for CrictlTab::ALL.iter().map(|&c| {
                    let selected = c == tab;
                    let onclick = {
                        let tab = ui.tab.clone();
                        Callback::from(move |_: MouseEvent| tab.set(c))
                    };
                    html! {
                        <button role="tab" id={format!("crictl-tab-{}", c.id())} data-testid="crictl-tab" data-tab={c.id()}
                            aria-selected={if selected { "true" } else { "false" }}
                            aria-controls="crictl-output" class={classes!(selected.then_some("selected"))} {onclick}>
                            <code>{ c.command() }</code>
                        </button>
                    }
                }) }
            </div>
            <div role="tabpanel" id="crictl-output" aria-labelledby={format!("crictl-tab-{}", tab.id())}>
                if let Some(text) = text {
                    <pre class="describe" data-testid="crictl-output" data-tab={tab.id()} tabindex="0">
                        { format!("$ {}\n{text}", tab.command()) }</pre>
                } else {
                    <p class="empty">{ t(lang, Key::NoNode) }</p>
                }
            </div>
        </section>
    }
}

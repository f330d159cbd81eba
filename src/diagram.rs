//! The node diagram (SVG, not a picture): the control plane (API server, scheduler,
//! controller manager) above each node's kubelet → CRI → runtime / handler → pod sandboxes
//! and their containers, and kube-proxy → its data plane (iptables, IPVS or nftables). The
//! components the last step touched (engine `World::activity`) are lit. Pods are buttons:
//! clicking one selects it in the lab.

use std::cell::RefCell;
use std::rc::Rc;

use nodelab_engine::api::pod::ContainerStatus;
use nodelab_engine::world::Component;
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World};
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

/// Remembers the time of the previous render so the diagram lights what happened since.
#[derive(Clone)]
pub struct DiagramUi {
    last: Rc<RefCell<(SimTime, SimTime)>>,
}

/// The diagram's memory of the previous time shown.
#[hook]
pub fn use_diagram_ui() -> DiagramUi {
    DiagramUi {
        last: use_mut_ref(|| (SimTime::ZERO, SimTime::ZERO)),
    }
}

impl DiagramUi {
    /// The start of the interval whose activity is lit: just after the previously shown
    /// time when the clock moved forward (a step or a tick), the current time otherwise.
    fn since(&self, now: SimTime) -> SimTime {
        let mut last = self.last.borrow_mut();
        let (shown, since) = *last;
        let since = if now > shown {
            shown.plus_millis(1)
        } else if now < shown {
            now
        } else {
            since
        };
        *last = (now, since);
        since
    }
}

const NODE_W: i32 = 330;
const LANE_W: i32 = 190;
const BOX_H: i32 = 34;
const ROW: i32 = 22;

/// The diagram at the world's current time.
pub fn node_diagram(
    lang: Lang,
    world: &World,
    ui: &DiagramUi,
    selected: Option<&ObjectRef>,
    on_select: Callback<ObjectRef>,
) -> Html {
    let now = world.now();
    let active = world.activity(ui.since(now));
    let is = |c: &Component| active.contains(c);
    let nodes: Vec<String> = world.kubelets().keys().cloned().collect();
    let pods_on = |node: &str| -> Vec<(ObjectRef, Vec<(String, &'static str)>)> {
        world
            .list(Kind::Pod)
            .filter_map(|o| match o {
                Object::Pod(p) if p.spec.node_name.as_deref() == Some(node) => {
                    let key = o.reference();
                    let containers = p
                        .spec
                        .containers
                        .iter()
                        .map(|c| {
                            let status = p
                                .status
                                .container_statuses
                                .iter()
                                .find(|s| s.name == c.name);
                            (c.name.clone(), container_state(status))
                        })
                        .collect();
                    Some((key, containers))
                }
                _ => None,
            })
            .collect()
    };
    let columns: Vec<_> = nodes.iter().map(|n| (n.clone(), pods_on(n))).collect();
    let width = (20 + NODE_W * columns.len().max(1) as i32).max(560);
    let pods_h = |pods: &[(ObjectRef, Vec<(String, &'static str)>)]| -> i32 {
        pods.iter()
            .map(|(_, cs)| 28 + ROW * cs.len() as i32 + 8)
            .sum::<i32>()
    };
    let height = 300
        + columns
            .iter()
            .map(|(_, p)| pods_h(p))
            .max()
            .unwrap_or(0)
            .max(40);
    let api_x = width / 2 - 80;
    html! {
        <section class="diagram panel" aria-labelledby="diagram-heading">
            <h3 id="diagram-heading">{ t(lang, Key::Diagram) }</h3>
            <svg data-testid="node-diagram" class="node-diagram" role="group"
                viewBox={format!("0 0 {width} {height}")} width={width.to_string()}
                aria-labelledby="diagram-title">
                <title id="diagram-title">{ t(lang, Key::Diagram) }</title>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                    </marker>
                </defs>
                { component_box(lang, "api-server", None, t(lang, Key::DiagramApiServer), api_x, 10, 160, is(&Component::ApiServer)) }
                { component_box(lang, "scheduler", None, t(lang, Key::DiagramScheduler), 10, 10, 130, is(&Component::Scheduler)) }
                { component_box(lang, "controller-manager", None, t(lang, Key::DiagramControllers), width - 170, 10, 160, is(&Component::ControllerManager)) }
                { for columns.iter().enumerate().map(|(i, (node, pods))| {
                    let x0 = 10 + NODE_W * i as i32;
                    let n = || node.clone();
                    let k = world.kubelets().get(node);
                    let runtime = k.map_or("containerd", |k| k.runtime.profile.name);
                    let handler = k.and_then(|k| k.runtime.handlers.first()).map_or("runc", |h| h.name);
                    let mode = world.proxies().get(node).map(|p| p.config.mode.to_string()).unwrap_or_default();
                    let lane = x0 + 10;
                    let proxy_x = x0 + LANE_W + 25;
                    let mut y = 270;
                    html! {
                        <g class="node" aria-label={format!("{} {node}", t(lang, Key::DiagramNode))}>
                            <rect class="node-frame" x={x0.to_string()} y="62" width={(NODE_W - 10).to_string()}
                                height={(height - 70).to_string()} rx="8" />
                            <text class="node-name" x={(x0 + 8).to_string()} y="78">{ node }</text>
                            { arrow(api_x + 80, 44, lane + LANE_W / 2, 90) }
                            { arrow(api_x + 80, 44, proxy_x + 50, 90) }
                            { component_box(lang, "kubelet", Some(node), "kubelet", lane, 90, LANE_W, is(&Component::Kubelet { node: n() })) }
                            { arrow(lane + LANE_W / 2, 90 + BOX_H, lane + LANE_W / 2, 148) }
                            { component_box(lang, "cri", Some(node), t(lang, Key::DiagramCri), lane, 148, LANE_W, is(&Component::Cri { node: n() })) }
                            { arrow(lane + LANE_W / 2, 148 + BOX_H, lane + LANE_W / 2, 206) }
                            { component_box(lang, "runtime", Some(node), &format!("{runtime} / {handler}"), lane, 206, LANE_W, is(&Component::Cri { node: n() })) }
                            { arrow(lane + LANE_W / 2, 206 + BOX_H, lane + LANE_W / 2, 268) }
                            { component_box(lang, "kube-proxy", Some(node), "kube-proxy", proxy_x, 90, 100, is(&Component::KubeProxy { node: n() })) }
                            { arrow(proxy_x + 50, 90 + BOX_H, proxy_x + 50, 148) }
                            { component_box(lang, "netfilter", Some(node), &mode, proxy_x, 148, 100, is(&Component::KubeProxy { node: n() })) }
                            if pods.is_empty() {
                                <text class="empty" x={(lane + 4).to_string()} y="292">{ t(lang, Key::NoPods) }</text>
                            }
                            { for pods.iter().map(|(key, containers)| {
                                let top = y;
                                let h = 28 + ROW * containers.len() as i32;
                                y += h + 8;
                                let lit = is(&Component::Pod { node: n(), pod: key.clone() });
                                let sel = selected == Some(key);
                                let click = {
                                    let on_select = on_select.clone();
                                    let key = key.clone();
                                    Callback::from(move |_: MouseEvent| on_select.emit(key.clone()))
                                };
                                let keydown = {
                                    let on_select = on_select.clone();
                                    let key = key.clone();
                                    Callback::from(move |e: KeyboardEvent| {
                                        if e.key() == "Enter" || e.key() == " " {
                                            e.prevent_default();
                                            on_select.emit(key.clone());
                                        }
                                    })
                                };
                                let label = format!("{} {} — {}", t(lang, Key::DiagramPod), key.name, t(lang, Key::SelectPod));
                                html! {
                                    <g class={classes!("pod", lit.then_some("active"), sel.then_some("selected"))}
                                        data-testid="diagram-component" data-component="pod" data-node={node.clone()}
                                        data-pod={key.name.clone()} data-active={lit.to_string()}
                                        tabindex="0" role="button" aria-label={label.clone()}
                                        aria-pressed={sel.to_string()} onclick={click} onkeydown={keydown}>
                                        <title>{ label }</title>
                                        <rect x={lane.to_string()} y={top.to_string()} width={LANE_W.to_string()} height={h.to_string()} rx="6" />
                                        <text x={(lane + 8).to_string()} y={(top + 18).to_string()}>{ format!("{} ({})", key.name, t(lang, Key::DiagramSandbox)) }</text>
                                        { for containers.iter().enumerate().map(|(j, (name, state))| {
                                            let cy = top + 26 + ROW * j as i32;
                                            let clabel = format!("{} {name}: {state}", t(lang, Key::DiagramContainer));
                                            html! {
                                                <g class={classes!("container", *state)} data-testid="diagram-component"
                                                    data-component="container" data-container={name.clone()}
                                                    data-state={*state} data-active={lit.to_string()} aria-label={clabel.clone()}>
                                                    <title>{ clabel }</title>
                                                    <rect x={(lane + 10).to_string()} y={cy.to_string()} width={(LANE_W - 20).to_string()} height={(ROW - 4).to_string()} rx="4" />
                                                    <text x={(lane + 16).to_string()} y={(cy + 13).to_string()}>{ format!("{name} · {state}") }</text>
                                                </g>
                                            }
                                        }) }
                                    </g>
                                }
                            }) }
                        </g>
                    }
                }) }
            </svg>
            <p class="legend">
                <span class="swatch active" aria-hidden="true"></span>{ t(lang, Key::DiagramActive) }
            </p>
        </section>
    }
}

/// `running` (ready or not), `waiting`, `terminated` or `unknown` (no status yet).
fn container_state(status: Option<&ContainerStatus>) -> &'static str {
    match status {
        Some(s) if s.state.running.is_some() && s.ready => "ready",
        Some(s) if s.state.running.is_some() => "running",
        Some(s) if s.state.terminated.is_some() => "terminated",
        Some(s) if s.state.waiting.is_some() => "waiting",
        _ => "unknown",
    }
}

fn arrow(x1: i32, y1: i32, x2: i32, y2: i32) -> Html {
    html! {
        <line class="link" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
            marker-end="url(#arrow)" aria-hidden="true" />
    }
}

#[allow(clippy::too_many_arguments)]
fn component_box(
    lang: Lang,
    id: &'static str,
    node: Option<&str>,
    label: &str,
    x: i32,
    y: i32,
    w: i32,
    active: bool,
) -> Html {
    let aria = match (node, active) {
        (Some(n), true) => format!("{label} ({n}) — {}", t(lang, Key::DiagramActive)),
        (Some(n), false) => format!("{label} ({n})"),
        (None, true) => format!("{label} — {}", t(lang, Key::DiagramActive)),
        (None, false) => label.to_owned(),
    };
    html! {
        <g class={classes!("component", active.then_some("active"))} data-testid="diagram-component"
            data-component={id} data-node={node.map(str::to_owned)} data-active={active.to_string()}
            role="group" aria-label={aria.clone()}>
            <title>{ aria }</title>
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={BOX_H.to_string()} rx="6" />
            <text x={(x + w / 2).to_string()} y={(y + 22).to_string()} text-anchor="middle">{ label.to_owned() }</text>
        </g>
    }
}

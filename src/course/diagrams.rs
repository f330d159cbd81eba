//! The lessons' live diagrams: SVG components that read the page lab's world. A diagram
//! follows one scenario; while the page's lab runs another, it is drawn at rest with a button
//! that loads its scenario.

use nodelab_engine::{Kind, Object, ObjectRef, World};
use yew::prelude::*;

use super::{LabTarget, use_course};
use crate::i18n::{Key, Lang, t};
use crate::lab::LabSnapshot;

/// Props of [`Diagram`].
#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    /// One of `nodelab_content::directives::DIAGRAMS`.
    pub name: String,
    /// The scenario it follows.
    pub scenario: String,
    /// Caption.
    #[prop_or_default]
    pub caption: Option<String>,
}

/// Picks the text for `lang`.
fn tr(lang: Lang, ko: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En { en } else { ko }
}

/// A box at (x, y) of size w × h with a label and a second line; `on` lights it.
#[allow(clippy::too_many_arguments)]
fn node(x: i32, y: i32, w: i32, h: i32, label: &str, sub: &str, on: bool, id: &str) -> Html {
    html! {
        <g class={classes!("dg-node", on.then_some("on"))} data-part={id.to_owned()}>
            <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="6" />
            <text x={(x + w / 2).to_string()} y={(y + h / 2 - if sub.is_empty() { -4 } else { 3 }).to_string()} text-anchor="middle">{ label.to_owned() }</text>
            if !sub.is_empty() {
                <text class="dg-sub" x={(x + w / 2).to_string()} y={(y + h / 2 + 13).to_string()} text-anchor="middle">{ sub.to_owned() }</text>
            }
        </g>
    }
}

/// An arrow from (x1, y1) to (x2, y2); `on` lights it.
fn arrow(x1: i32, y1: i32, x2: i32, y2: i32, on: bool) -> Html {
    html! {
        <line class={classes!("dg-edge", on.then_some("on"))} x1={x1.to_string()} y1={y1.to_string()}
            x2={x2.to_string()} y2={y2.to_string()} marker-end="url(#dg-arrow)" />
    }
}

fn defs() -> Html {
    html! {
        <defs>
            <marker id="dg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="dg-arrowhead" />
            </marker>
        </defs>
    }
}

/// A live diagram, or the diagram at rest with a button that loads its scenario.
#[component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let Some(ctx) = use_course() else {
        return Html::default();
    };
    let lang = ctx.lang;
    let live = ctx
        .snapshot
        .as_ref()
        .filter(|s| s.scenario.id() == props.scenario);
    let (title, body, state) = match props.name.as_str() {
        "kubelet-sync" => kubelet_sync(lang, live.map(|s| &**s)),
        "pod-lifecycle" => pod_lifecycle(lang, live.map(|s| &**s)),
        "cri-stack" => cri_stack(lang, live.map(|s| &**s)),
        "proxy-modes" => proxy_modes(lang, live.map(|s| &**s)),
        "service-routing" => service_routing(lang, live.map(|s| &**s)),
        _ => return Html::default(),
    };
    let open = {
        let open = ctx.open.clone();
        let target = LabTarget {
            scenario: props.scenario.clone(),
            at: None,
            view: None,
        };
        Callback::from(move |_: MouseEvent| open.emit(target.clone()))
    };
    let title_id = format!("dg-title-{}-{}", props.name, props.scenario);
    html! {
        <figure class={classes!("diagram", live.is_some().then_some("live"))} data-testid={format!("diagram-{}", props.name)}
            data-live={if live.is_some() { "true" } else { "false" }} data-state={state.clone()}>
            <svg viewBox="0 0 640 230" role="img" aria-labelledby={title_id.clone()} class="dg-svg">
                <title id={title_id}>{ title }</title>
                { defs() }
                { body }
            </svg>
            <figcaption>
                if let Some(c) = &props.caption { <span>{ c }</span> }
                if live.is_some() {
                    <span class="dg-live" aria-live="polite">{ " · " }{ t(lang, Key::CourseDiagramLive) }{ ": " }{ state }</span>
                } else {
                    { " " }
                    <button class="dg-open" data-testid="diagram-open" onclick={open}>
                        { t(lang, Key::CourseDiagramOpen) }{ " (" }{ &props.scenario }{ ")" }
                    </button>
                }
            </figcaption>
        </figure>
    }
}

type Drawn = (String, Html, String);

/// The input of the kubelet's sync loop that caused the last step the lab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncInput {
    /// A Pod added, changed or deleted in the API server (the watch).
    Api,
    /// PLEG's relist noticed a container start or die.
    Pleg,
    /// A probe result.
    Probe,
}

impl SyncInput {
    fn id(self) -> &'static str {
        match self {
            SyncInput::Api => "api",
            SyncInput::Pleg => "pleg",
            SyncInput::Probe => "probe",
        }
    }
}

fn restart_count(world: &World, pod: &ObjectRef) -> i32 {
    match world.api().get(pod) {
        Some(Object::Pod(p)) => p
            .status
            .container_statuses
            .iter()
            .map(|c| c.restart_count)
            .sum(),
        _ => 0,
    }
}

/// Classifies the last event up to now by the sync-loop input behind it: probe failures
/// (`Unhealthy`, `Killing` for a failed probe) come from the probe workers; a restart's
/// `BackOff`, `Pulled`, `Created`, `Started` come from PLEG noticing the container died;
/// `Scheduled` and a first start come from the API watch.
pub fn last_sync_input(world: &World) -> Option<(SyncInput, String)> {
    let now = world.now();
    let e = world.events().all().iter().rev().find(|e| e.time <= now)?;
    let input = match e.reason.as_str() {
        "Unhealthy" | "ProbeWarning" => SyncInput::Probe,
        "Killing" if e.message.contains("probe") => SyncInput::Probe,
        "BackOff" => SyncInput::Pleg,
        "Pulling" | "Pulled" | "Created" | "Started" if restart_count(world, &e.object) > 0 => {
            SyncInput::Pleg
        }
        _ => SyncInput::Api,
    };
    Some((input, format!("{} {}", e.time, e.reason)))
}

fn kubelet_sync(lang: Lang, live: Option<&LabSnapshot>) -> Drawn {
    let last = live.and_then(|s| last_sync_input(&s.world));
    let on = |i: SyncInput| last.as_ref().is_some_and(|(x, _)| *x == i);
    let any = last.is_some();
    let state = last.as_ref().map_or_else(
        || "-".to_owned(),
        |(i, what)| format!("{} ← {}", what, i.id()),
    );
    let body = html! {
        <>
            { node(10, 20, 170, 46, tr(lang, "API 서버 watch", "API server watch"), tr(lang, "Pod 추가·변경·삭제", "Pod add / update / delete"), on(SyncInput::Api), "api") }
            { node(10, 92, 170, 46, "PLEG", tr(lang, "1초마다 relist", "relist every 1 s"), on(SyncInput::Pleg), "pleg") }
            { node(10, 164, 170, 46, tr(lang, "프로브 결과", "probe results"), "liveness / readiness / startup", on(SyncInput::Probe), "probe") }
            { arrow(180, 43, 250, 105, on(SyncInput::Api)) }
            { arrow(180, 115, 250, 115, on(SyncInput::Pleg)) }
            { arrow(180, 187, 250, 125, on(SyncInput::Probe)) }
            { node(250, 92, 110, 46, "syncLoop", "", any, "syncloop") }
            { arrow(360, 115, 400, 115, any) }
            { node(400, 92, 110, 46, tr(lang, "Pod 워커", "pod worker"), "SyncPod", any, "worker") }
            { arrow(510, 115, 540, 115, any) }
            { node(540, 92, 90, 46, "CRI", "gRPC", any, "cri") }
            <text class="dg-caption" x="250" y="180">{ state.clone() }</text>
        </>
    };
    (
        tr(lang, "kubelet 동기화 루프: API 서버 watch, PLEG, 프로브 결과 → syncLoop → Pod 워커 → CRI", "kubelet sync loop: API server watch, PLEG, probe results → syncLoop → pod worker → CRI").to_owned(),
        body,
        state,
    )
}

fn pod_lifecycle(lang: Lang, live: Option<&LabSnapshot>) -> Drawn {
    let pod = live.and_then(|s| {
        let r = s.pod.as_ref()?;
        match s.world.api().get(r) {
            Some(Object::Pod(p)) => Some(p.clone()),
            _ => None,
        }
    });
    let phase = pod
        .as_ref()
        .and_then(|p| p.status.phase.clone())
        .unwrap_or_default();
    let cs = pod
        .as_ref()
        .and_then(|p| p.status.container_statuses.first().cloned());
    let (cstate, reason) = match &cs {
        Some(c) if c.state.running.is_some() => ("running", String::new()),
        Some(c) if c.state.terminated.is_some() => (
            "terminated",
            c.state
                .terminated
                .as_ref()
                .and_then(|t| t.reason.clone())
                .unwrap_or_default(),
        ),
        Some(c) => (
            "waiting",
            c.state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .unwrap_or_default(),
        ),
        None => ("", String::new()),
    };
    let restarts = cs.as_ref().map_or(0, |c| c.restart_count);
    // kubelet's back-off: 10 s doubled per restart, capped at 300 s
    // (pkg/kubelet/kubelet.go: backOffPeriod = 10s, MaxContainerBackOff = 300s).
    let backoff = if reason == "CrashLoopBackOff" {
        let secs = 10u64
            .saturating_mul(1u64 << (restarts.clamp(1, 6) - 1) as u32)
            .min(300);
        format!("back-off {secs}s")
    } else {
        String::new()
    };
    let name = live
        .and_then(|s| s.pod.as_ref())
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let state = if pod.is_some() {
        format!(
            "{name}: {phase} / {cstate}{} / restarts {restarts}{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            },
            if backoff.is_empty() {
                String::new()
            } else {
                format!(" / {backoff}")
            }
        )
    } else {
        "-".to_owned()
    };
    let body = html! {
        <>
            <text class="dg-lane" x="10" y="16">{ tr(lang, "Pod 단계 (phase)", "Pod phase") }</text>
            { node(10, 24, 110, 40, "Pending", "", phase == "Pending", "Pending") }
            { arrow(120, 44, 160, 44, phase != "Pending" && !phase.is_empty()) }
            { node(160, 24, 110, 40, "Running", "", phase == "Running", "Running") }
            { arrow(270, 44, 310, 44, phase == "Succeeded") }
            { node(310, 4, 110, 34, "Succeeded", "", phase == "Succeeded", "Succeeded") }
            { arrow(270, 50, 310, 62, phase == "Failed") }
            { node(310, 46, 110, 34, "Failed", "", phase == "Failed", "Failed") }
            <text class="dg-lane" x="10" y="112">{ tr(lang, "컨테이너 상태", "Container state") }</text>
            { node(10, 120, 130, 44, "waiting", if cstate == "waiting" { &reason } else { "" }, cstate == "waiting", "waiting") }
            { arrow(140, 142, 180, 142, cstate == "running") }
            { node(180, 120, 130, 44, "running", "", cstate == "running", "running") }
            { arrow(310, 142, 350, 142, cstate == "terminated") }
            { node(350, 120, 130, 44, "terminated", if cstate == "terminated" { &reason } else { "" }, cstate == "terminated", "terminated") }
            <path class={classes!("dg-edge", "dg-loop", (restarts > 0).then_some("on"))} d="M 415 164 C 415 215, 75 215, 75 166" marker-end="url(#dg-arrow)" />
            <text class="dg-caption" x="180" y="208">{ format!("{} {restarts}{}", tr(lang, "재시작", "restarts"), if backoff.is_empty() { String::new() } else { format!(" · {backoff}") }) }</text>
            <text class="dg-caption" x="440" y="30">{ name }</text>
        </>
    };
    (
        tr(
            lang,
            "Pod 생명주기: 단계, 컨테이너 상태, 재시작 백오프",
            "Pod lifecycle: phases, container states, restart back-off",
        )
        .to_owned(),
        body,
        state,
    )
}

fn cri_stack(lang: Lang, live: Option<&LabSnapshot>) -> Drawn {
    let world = live.map(|s| &s.world);
    let last = world.and_then(|w| {
        w.cri_calls()
            .iter()
            .rev()
            .find(|c| !c.periodic() && c.time <= w.now())
    });
    let image_lane = last.is_some_and(|c| format!("{:?}", c.service) == "ImageService");
    let runtime = world
        .and_then(|w| w.kubelets().values().next())
        .map(|k| &k.runtime);
    let runtime_name = runtime.map_or("containerd", |r| r.profile.name);
    let handler = runtime
        .and_then(|r| r.handlers.first())
        .map_or("runc", |h| h.name);
    let count = |m: &str| {
        world.map_or(0, |w| {
            w.cri_calls()
                .iter()
                .filter(|c| c.method == m && c.time <= w.now())
                .count()
        })
    };
    let method = last.map_or("", |c| c.method);
    let any = last.is_some();
    let state = last.map_or_else(
        || "-".to_owned(),
        |c| format!("{} {} ({runtime_name}/{handler})", c.time, c.method),
    );
    let body = html! {
        <>
            { node(10, 80, 100, 50, "kubelet", "", any, "kubelet") }
            <text class="dg-lane" x="130" y="50">{ "RuntimeService" }</text>
            <text class="dg-lane" x="130" y="172">{ "ImageService" }</text>
            { arrow(110, 95, 300, 62, any && !image_lane) }
            { arrow(110, 115, 300, 160, image_lane) }
            <text class={classes!("dg-call", (any && !image_lane).then_some("on"))} x="130" y="70">{ if image_lane { "" } else { method } }</text>
            <text class={classes!("dg-call", image_lane.then_some("on"))} x="130" y="150">{ if image_lane { method } else { "" } }</text>
            { node(300, 40, 120, 44, runtime_name, tr(lang, "런타임", "runtime"), any && !image_lane, "runtime") }
            { node(300, 140, 120, 44, tr(lang, "이미지 저장소", "image store"), runtime_name, image_lane, "images") }
            { arrow(420, 62, 450, 62, any && !image_lane) }
            { node(450, 40, 80, 44, handler, tr(lang, "핸들러", "handler"), any && !image_lane, "handler") }
            { arrow(530, 62, 545, 62, any && !image_lane) }
            { node(545, 20, 90, 40, tr(lang, "샌드박스", "sandboxes"), &count("RunPodSandbox").to_string(), method == "RunPodSandbox", "sandboxes") }
            { node(545, 70, 90, 40, tr(lang, "컨테이너", "containers"), &count("CreateContainer").to_string(), matches!(method, "CreateContainer" | "StartContainer" | "StopContainer"), "containers") }
            <text class="dg-caption" x="10" y="215">{ format!("CRI gRPC · {}: {state}", tr(lang, "마지막 호출", "last call")) }</text>
        </>
    };
    (
        tr(
            lang,
            "CRI 스택: kubelet → CRI gRPC → 런타임 → 핸들러 → 샌드박스와 컨테이너",
            "CRI stack: kubelet → CRI gRPC → runtime → handler → sandboxes and containers",
        )
        .to_owned(),
        body,
        state,
    )
}

fn first_node_rules(world: &World) -> Option<usize> {
    let node = world.list(Kind::Node).next()?.meta().name.clone();
    Some(world.dataplane_of(&node)?.rule_count())
}

fn proxy_modes(lang: Lang, live: Option<&LabSnapshot>) -> Drawn {
    let mode = live.map(|s| s.proxy.0.as_str());
    let rules = live.and_then(|s| first_node_rules(&s.world));
    let modes: [(&str, &str, &str); 5] = [
        (
            "userspace",
            tr(lang, "1.26에서 제거", "removed in 1.26"),
            "userspace",
        ),
        (
            "iptables",
            tr(lang, "리눅스 기본", "Linux default"),
            "iptables",
        ),
        (
            "ipvs",
            tr(lang, "1.35에서 deprecated", "deprecated in 1.35"),
            "IPVS",
        ),
        (
            "nftables",
            tr(lang, "1.33에서 GA", "GA in 1.33"),
            "nftables",
        ),
        ("kernelspace", "Windows", "kernelspace"),
    ];
    let state = mode.map_or_else(
        || "-".to_owned(),
        |m| {
            format!(
                "{m}: {} {}",
                rules.unwrap_or(0),
                tr(lang, "개 규칙", "rules")
            )
        },
    );
    let body = html! {
        <>
            { node(250, 10, 140, 44, "kube-proxy", tr(lang, "Service·EndpointSlice watch", "watches Services, EndpointSlices"), mode.is_some(), "kube-proxy") }
            { for modes.iter().enumerate().map(|(i, (id, note, label))| {
                let x = 5 + i as i32 * 127;
                let on = mode == Some(*id);
                let sub = if on { format!("{} · {}", note, rules.map_or(String::new(), |r| format!("{r} rules"))) } else { (*note).to_owned() };
                html! { <>
                    { arrow(320, 54, x + 58, 120, on) }
                    { node(x, 120, 118, 50, label, &sub, on, id) }
                </> }
            }) }
            <text class="dg-caption" x="10" y="210">{ state.clone() }</text>
        </>
    };
    (
        tr(
            lang,
            "kube-proxy 모드: userspace, iptables, IPVS, nftables, kernelspace",
            "kube-proxy modes: userspace, iptables, IPVS, nftables, kernelspace",
        )
        .to_owned(),
        body,
        state,
    )
}

fn service_routing(lang: Lang, live: Option<&LabSnapshot>) -> Drawn {
    let world = live.map(|s| &s.world);
    let svc = world.and_then(|w| {
        w.list(Kind::Service).find_map(|o| match o {
            Object::Service(s) if s.metadata.name != "kubernetes" => Some(s.clone()),
            _ => None,
        })
    });
    let name = svc
        .as_ref()
        .map(|s| s.metadata.name.clone())
        .unwrap_or_else(|| "Service".to_owned());
    let vip = svc
        .as_ref()
        .map(|s| {
            let port = s
                .spec
                .ports
                .first()
                .map_or(String::new(), |p| format!(":{}", p.port));
            format!("{}{port}", s.spec.cluster_ip.clone().unwrap_or_default())
        })
        .unwrap_or_default();
    let mut endpoints: Vec<(String, String, bool)> = Vec::new();
    if let (Some(w), Some(s)) = (world, &svc) {
        for o in w.list(Kind::EndpointSlice) {
            if let Object::EndpointSlice(es) = o
                && es.metadata.labels.get("kubernetes.io/service-name") == Some(&s.metadata.name)
            {
                for e in &es.endpoints {
                    endpoints.push((
                        e.addresses.first().cloned().unwrap_or_default(),
                        e.target_ref
                            .as_ref()
                            .and_then(|r| r.name.clone())
                            .unwrap_or_default(),
                        e.conditions.ready.unwrap_or(true),
                    ));
                }
            }
        }
    }
    let chosen = world
        .and_then(|w| w.traffic().last())
        .and_then(|r| r.results.last())
        .and_then(|r| r.backend)
        .map(|b| b.ip().to_string());
    let mode = live.map_or("", |s| s.proxy.0.as_str());
    let ready = endpoints.iter().filter(|e| e.2).count();
    let state = if svc.is_some() {
        format!(
            "{name} {vip} → {ready}/{} ready{}",
            endpoints.len(),
            chosen
                .as_ref()
                .map_or(String::new(), |c| format!(", last → {c}"))
        )
    } else {
        "-".to_owned()
    };
    let body = html! {
        <>
            { node(5, 90, 90, 44, tr(lang, "클라이언트", "client"), "", chosen.is_some(), "client") }
            { arrow(95, 112, 130, 112, chosen.is_some()) }
            { node(130, 84, 140, 56, &name, &vip, svc.is_some(), "vip") }
            { arrow(270, 112, 300, 112, chosen.is_some()) }
            { node(300, 84, 110, 56, tr(lang, "노드의 규칙", "node rules"), mode, svc.is_some(), "rules") }
            { for endpoints.iter().take(5).enumerate().map(|(i, (ip, pod, ready))| {
                let y = 8 + i as i32 * 44;
                let hit = chosen.as_deref() == Some(ip.as_str());
                let label = format!("{ip} {}", if *ready { "ready" } else { "not ready" });
                html! { <>
                    { arrow(410, 112, 440, y + 18, hit) }
                    <g class={classes!("dg-endpoint", (!*ready).then_some("not-ready"))}>
                        { node(440, y, 195, 36, &label, pod, hit, "endpoint") }
                    </g>
                </> }
            }) }
            if endpoints.is_empty() {
                <text class="dg-caption" x="440" y="112">{ tr(lang, "엔드포인트 없음", "no endpoints") }</text>
            }
        </>
    };
    (
        tr(
            lang,
            "Service 라우팅: 클라이언트 → Service VIP → 규칙 → 엔드포인트",
            "Service routing: client → Service VIP → rules → endpoints",
        )
        .to_owned(),
        body,
        state,
    )
}

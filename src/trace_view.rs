//! A traced packet (its steps, the rules each matched, before ⇒ after, the result) with a small
//! animated diagram client → nodes → backend, and the distribution of the last batch of
//! requests across backends.

use gloo_timers::callback::Interval;
use nodelab_engine::World;
use nodelab_engine::net::trace::{StepKind, Trace, TraceStep};
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};
use crate::lab::Traced;

/// Milliseconds between two animation steps.
const STEP_MS: u32 = 700;
/// Diagram geometry (SVG user units).
const BOX_W: f64 = 130.0;
const BOX_H: f64 = 56.0;
const GAP: f64 = 40.0;
const PAD: f64 = 8.0;

/// Props of [`TraceView`].
#[derive(Properties, PartialEq)]
pub struct TraceViewProps {
    /// UI language.
    pub lang: Lang,
    /// The trace (its result is `Ok`).
    pub traced: Traced,
}

/// A column of the diagram.
#[derive(Clone, Debug, PartialEq)]
struct Column {
    /// `client`, `node`, `backend`.
    role: &'static str,
    /// First line (the client, the node name, the backend pod).
    title: String,
    /// Second line (an address).
    subtitle: String,
}

/// The diagram's columns: the client, each node the packet visits (in order), the backend.
fn columns(lang: Lang, trace: &Trace) -> Vec<Column> {
    let mut cols = vec![Column {
        role: "client",
        title: trace.from.clone(),
        subtitle: t(lang, Key::Client).to_owned(),
    }];
    for step in &trace.steps {
        if let Some(n) = &step.node
            && !cols.iter().any(|c| c.role == "node" && c.title == *n)
        {
            cols.push(Column {
                role: "node",
                title: n.clone(),
                subtitle: "kube-proxy · netfilter".to_owned(),
            });
        }
    }
    cols.push(match &trace.backend {
        Some(b) => Column {
            role: "backend",
            title: b
                .pod
                .as_ref()
                .map_or_else(|| b.addr.to_string(), |p| format!("pod/{}", p.name)),
            subtitle: b.addr.to_string(),
        },
        None => Column {
            role: "backend",
            title: t(lang, Key::Backend).to_owned(),
            subtitle: trace.outcome.describe(),
        },
    });
    cols
}

/// Characters of a box line drawn before it is cut with `…` (the `<title>` has it whole).
const BOX_CHARS: usize = 18;

/// `text`, cut to fit a box.
fn fit(text: &str) -> String {
    if text.chars().count() <= BOX_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(BOX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The column a step happens in.
fn column_of(step: &TraceStep, cols: &[Column], has_backend: bool) -> usize {
    let last = cols.len().saturating_sub(1);
    let node_col = || {
        step.node
            .as_ref()
            .and_then(|n| cols.iter().position(|c| c.role == "node" && c.title == *n))
    };
    match step.kind {
        StepKind::Dns | StepKind::Send | StepKind::Reply => 0,
        StepKind::Deliver if has_backend => last,
        _ => node_col().unwrap_or(0),
    }
}

/// A Hook step rewrote the destination (DNAT) or the source (SNAT / MASQUERADE).
fn rewrites(step: &TraceStep) -> (bool, bool) {
    match (&step.before, &step.after) {
        (Some(b), Some(a)) => (b.dst != a.dst, b.src != a.src),
        _ => (false, false),
    }
}

/// One traced packet: the summary, the diagram with its step controls, and the steps.
#[component]
pub fn TraceView(props: &TraceViewProps) -> Html {
    let lang = props.lang;
    let step = use_state(|| 0usize);
    let playing = use_state(|| true);
    let total = props
        .traced
        .result
        .as_ref()
        .map_or(0, |trace| trace.steps.len());
    {
        // A new trace starts the animation from its first step.
        let (step, playing) = (step.clone(), playing.clone());
        use_effect_with(props.traced.clone(), move |_| {
            step.set(0);
            playing.set(true);
        });
    }
    {
        let (step, playing) = (step.clone(), playing.clone());
        use_effect_with((*playing, *step, total), move |&(on, at, total)| {
            let timer = on.then(|| {
                Interval::new(STEP_MS, move || {
                    if at + 1 >= total {
                        playing.set(false);
                    } else {
                        step.set(at + 1);
                    }
                })
            });
            move || drop(timer)
        });
    }
    let Ok(trace) = &props.traced.result else {
        return html! {};
    };
    let current = (*step).min(total.saturating_sub(1));
    let go = |to: usize| {
        let (step, playing) = (step.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            step.set(to);
        })
    };
    let on_play = {
        let (step, playing) = (step.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            step.set(0);
            playing.set(true);
        })
    };
    let conntrack = trace
        .conntrack
        .as_ref()
        .map(|(node, e)| format!("[{node}] {}", e.line(props.traced.time.as_millis())));
    let backend = trace.backend.as_ref().map(|b| match (&b.pod, &b.node) {
        (Some(p), Some(n)) => format!("{} (pod/{}, {n})", b.addr, p.name),
        (Some(p), None) => format!("{} (pod/{})", b.addr, p.name),
        _ => b.addr.to_string(),
    });
    html! {
        <div class="trace-result" data-testid="trace-result" data-outcome={if trace.outcome.ok() { "ok" } else { "failed" }}>
            <dl class="kv trace-facts">
                <dt>{ t(lang, Key::TracedAt) }</dt>
                <dd>{ props.traced.time.to_string() }</dd>
                <dt>{ t(lang, Key::Result) }</dt>
                <dd data-testid="trace-outcome" class={if trace.outcome.ok() { "ok" } else { "failed" }}>{ trace.outcome.describe() }</dd>
                <dt>{ t(lang, Key::Backend) }</dt>
                <dd data-testid="trace-backend">{ backend.unwrap_or_else(|| "—".to_owned()) }</dd>
                <dt>{ t(lang, Key::SeenSource) }</dt>
                <dd data-testid="trace-seen-source">{ trace.seen_source.map_or_else(|| "—".to_owned(), |s| s.to_string()) }</dd>
                <dt>{ t(lang, Key::RulesEvaluated) }</dt>
                <dd data-testid="trace-evaluated">{ trace.evaluated }</dd>
            </dl>
            if let Some(line) = conntrack {
                <p class="conntrack"><span class="label">{ t(lang, Key::ConntrackEntry) }</span>
                    <code data-testid="trace-conntrack">{ line }</code></p>
            }
            { diagram(lang, trace, current) }
            <div class="action-row" role="group" aria-label={t(lang, Key::PacketPath)}>
                <button data-testid="trace-prev" disabled={current == 0} onclick={go(current.saturating_sub(1))}>
                    { t(lang, Key::PrevStep) }</button>
                <button data-testid="trace-next" disabled={current + 1 >= total} onclick={go(current + 1)}>
                    { t(lang, Key::NextStep) }</button>
                <button data-testid="trace-play" onclick={on_play}>{ t(lang, Key::PlayPath) }</button>
            </div>
            <p class="hint">{ t(lang, Key::EngineTextAsIs) }</p>
            <ol class="trace-steps" data-testid="trace-steps" aria-label={t(lang, Key::TraceSteps)}>
                { for trace.steps.iter().enumerate().map(|(i, s)| step_item(lang, i, s, i == current, go(i))) }
            </ol>
        </div>
    }
}

/// The small SVG: one box per column, links between them, and the packet at `current`'s column.
fn diagram(lang: Lang, trace: &Trace, current: usize) -> Html {
    let cols = columns(lang, trace);
    let has_backend = trace.backend.is_some();
    let width = PAD * 2.0 + cols.len() as f64 * BOX_W + (cols.len() as f64 - 1.0).max(0.0) * GAP;
    let height = PAD * 2.0 + BOX_H + 28.0;
    let x_of = |i: usize| PAD + i as f64 * (BOX_W + GAP);
    let step = trace.steps.get(current);
    let at = step.map_or(0, |s| column_of(s, &cols, has_backend));
    let path: Vec<String> = cols.iter().map(|c| c.title.clone()).collect();
    let now = step.map(|s| {
        format!(
            "{} {}/{}: {}{}",
            t(lang, Key::StepLabel),
            current + 1,
            trace.steps.len(),
            s.node
                .as_deref()
                .map(|n| format!("[{n}] "))
                .unwrap_or_default(),
            s.title
        )
    });
    let label = format!("{}: {}", t(lang, Key::PacketPath), path.join(" → "));
    let cx = x_of(at) + BOX_W / 2.0;
    let cy = PAD + BOX_H + 14.0;
    html! {
        <figure class="packet-path" data-testid="packet-path" data-at={at.to_string()} data-step={current.to_string()}>
            <svg viewBox={format!("0 0 {width} {height}")} role="img" aria-label={label}
                width={width.to_string()} height={height.to_string()} preserveAspectRatio="xMinYMin meet">
                { for (1..cols.len()).map(|i| html! {
                    <line class="link" x1={(x_of(i - 1) + BOX_W).to_string()} y1={(PAD + BOX_H / 2.0).to_string()}
                        x2={x_of(i).to_string()} y2={(PAD + BOX_H / 2.0).to_string()} />
                }) }
                { for cols.iter().enumerate().map(|(i, c)| html! {
                    <g class={classes!("box", c.role, (i == at).then_some("active"))} data-testid="path-box"
                        data-role={c.role} data-name={c.title.clone()}>
                        <title>{ format!("{} — {}", c.title, c.subtitle) }</title>
                        <rect x={x_of(i).to_string()} y={PAD.to_string()} width={BOX_W.to_string()}
                            height={BOX_H.to_string()} rx="6" />
                        <text x={(x_of(i) + 8.0).to_string()} y={(PAD + 22.0).to_string()} class="title">{ fit(&c.title) }</text>
                        <text x={(x_of(i) + 8.0).to_string()} y={(PAD + 42.0).to_string()} class="subtitle">{ fit(&c.subtitle) }</text>
                    </g>
                }) }
                <circle class="packet" data-testid="packet" r="7" cx="0" cy="0"
                    style={format!("transform: translate({cx}px, {cy}px)")} />
            </svg>
            if let Some(now) = now {
                <figcaption aria-live="polite" data-testid="packet-now">{ now }</figcaption>
            }
        </figure>
    }
}

/// One step of the list: node, title, before ⇒ after, the rules matched, the details.
fn step_item(
    lang: Lang,
    i: usize,
    s: &TraceStep,
    current: bool,
    show: Callback<MouseEvent>,
) -> Html {
    let (dnat, snat) = rewrites(s);
    let kind = format!("{:?}", s.kind).to_lowercase();
    html! {
        <li class={classes!("trace-step", kind.clone(), current.then_some("current"))} data-testid="trace-step"
            data-kind={kind.clone()} data-node={s.node.clone()} data-dnat={dnat.then_some("true")} data-snat={snat.then_some("true")}
            aria-current={current.then_some("step")}>
            <div class="step-head">
                <button class="step-show" title={t(lang, Key::ShowStep)} aria-label={format!("{} {}: {}", t(lang, Key::ShowStep), i + 1, s.title)}
                    onclick={show}>{ i + 1 }</button>
                if let Some(n) = &s.node { <span class="node">{ format!("[{n}]") }</span> }
                <span class="title" data-field="title">{ &s.title }</span>
            </div>
            if let (Some(b), Some(a)) = (&s.before, &s.after) && b != a {
                <p class="rewrite" data-field="rewrite">
                    <span class="visually-hidden">{ t(lang, Key::PacketRewrite) }{ ": " }</span>
                    <code>{ b.to_string() }</code>{ " ⇒ " }<code>{ a.to_string() }</code>
                </p>
            }
            if !s.hits.is_empty() {
                <ul class="hits" aria-label={t(lang, Key::RulesMatched)}>
                    { for s.hits.iter().map(|h| html! {
                        <li data-testid="trace-hit" data-table={h.table.clone()} data-chain={h.chain.clone()}>
                            <span class="where">{ format!("{} {}", h.table, h.chain) }</span>
                            <code>{ &h.rule }</code>
                        </li>
                    }) }
                </ul>
            }
            if !s.detail.is_empty() {
                <ul class="detail">
                    { for s.detail.iter().map(|d| html! { <li><code>{ d }</code></li> }) }
                </ul>
            }
        </li>
    }
}

/// The last batch of requests: how many each backend got (or how many failed, and how), with
/// the client options that shaped it.
pub fn distribution_panel(lang: Lang, world: &World) -> Html {
    let Some(run) = world.traffic().last() else {
        return html! { <p class="empty" data-testid="no-traffic">{ t(lang, Key::NoTraffic) }</p> };
    };
    let dist = run.distribution();
    let total: u32 = dist.values().sum();
    let max = dist.values().copied().max().unwrap_or(1).max(1);
    let new = run.results.iter().filter(|r| r.new_connection).count();
    let reused = run.results.len() - new;
    let bars: Vec<(&String, u32, bool)> = dist
        .iter()
        .map(|(label, n)| {
            // Failures are labelled with the outcome; backends with `pod (ip:port)`.
            let ok = run.results.iter().any(|r| match (&r.pod, r.backend) {
                (Some(pod), Some(addr)) => r.outcome.ok() && **label == format!("{pod} ({addr})"),
                _ => false,
            });
            (label, *n, ok)
        })
        .collect();
    html! {
        <figure class="distribution" data-testid="histogram" data-requests={total.to_string()}>
            <figcaption>
                <strong>{ t(lang, Key::Distribution) }</strong>
                { format!(" — {} → {} · {} {} · {}", run.spec.from, run.spec.to,
                    t(lang, Key::Requests), run.spec.requests, run.time) }
            </figcaption>
            <ul class="bars">
                { for bars.iter().map(|(label, n, ok)| {
                    let pct = f64::from(*n) * 100.0 / f64::from(total.max(1));
                    let width = f64::from(*n) * 100.0 / f64::from(max);
                    html! {
                        <li data-testid="histogram-bar" data-label={(*label).clone()} data-count={n.to_string()}
                            class={classes!((!ok).then_some("failed"))}>
                            <span class="bar-label">{ *label }</span>
                            <span class="bar-track" aria-hidden="true">
                                <span class="bar" style={format!("width: {width:.1}%")}></span>
                            </span>
                            <span class="bar-value">{ format!("{n} ({pct:.1}%)") }</span>
                        </li>
                    }
                }) }
            </ul>
            <dl class="kv">
                <dt>{ t(lang, Key::Pool) }</dt>
                <dd data-testid="histogram-pool">{ run.spec.client.pool }</dd>
                <dt>{ t(lang, Key::Retries) }</dt>
                <dd data-testid="histogram-retries">{ run.spec.client.retries }</dd>
                <dt>{ t(lang, Key::NewConnections) }</dt>
                <dd data-testid="histogram-new">{ new }</dd>
                <dt>{ t(lang, Key::ReusedConnections) }</dt>
                <dd data-testid="histogram-reused">{ reused }</dd>
                <dt>{ t(lang, Key::RulesEvaluated) }</dt>
                <dd>{ run.evaluated }</dd>
            </dl>
        </figure>
    }
}

//! The selected pod's views: status and conditions, a probe timeline and a restart / back-off
//! timeline per container, its logs and `kubectl describe pod`. All of it is read from the
//! engine at the current simulated time.

use nodelab_engine::api::pod::{Container, ContainerState, ContainerStatus, Pod};
use nodelab_engine::cri::process::Stream;
use nodelab_engine::kubelet::LifecycleEvent;
use nodelab_engine::kubelet::prober::{ProbeKind, ProbeRecord, ProbeResult};
use nodelab_engine::report::describe::{describe_pod, describe_probe};
use nodelab_engine::report::rfc3339_to_ms;
use nodelab_engine::time::go_duration;
use nodelab_engine::{Object, ObjectRef, SimTime, World};
use yew::prelude::*;

use crate::dom::event_checked;
use crate::i18n::{Key, Lang, t};

/// Every view of one pod; a hint when there is no pod to show.
pub fn pod_detail(
    lang: Lang,
    world: &World,
    pod: Option<&ObjectRef>,
    previous_logs: bool,
    on_previous: Callback<bool>,
) -> Html {
    let found = pod.and_then(|key| match world.api().get(key) {
        Some(Object::Pod(p)) => Some((key, p)),
        _ => None,
    });
    html! {
        <section class="pod-detail" data-testid="pod-detail" aria-labelledby="pod-detail-heading">
            <h3 id="pod-detail-heading">
                { t(lang, Key::SelectedPod) }
                if let Some((key, _)) = found { { format!(": pod/{}", key.name) } }
            </h3>
            if let Some((key, p)) = found {
                <div class="pod-panels">
                    { conditions(lang, p) }
                    { usage(lang, world, key) }
                    { probe_timeline(lang, world, key, p) }
                    { restart_timeline(lang, world, key, p) }
                    { logs(lang, world, key, p, previous_logs, on_previous) }
                    { journal(lang, world, key) }
                    { describe(lang, world, key) }
                </div>
            } else {
                <p class="empty" data-testid="no-pod">{ t(lang, Key::NoPodSelected) }</p>
            }
        </section>
    }
}

/// An RFC 3339 time the engine wrote, shown as simulated time (`12.000s`) with the timestamp
/// in `datetime` and the tooltip.
fn stamp(ts: Option<&str>) -> Html {
    match ts {
        Some(ts) => html! {
            <time datetime={ts.to_owned()} title={ts.to_owned()}>
                { SimTime::from_millis(rfc3339_to_ms(ts)).to_string() }
            </time>
        },
        None => html! { "—" },
    }
}

/// A container state in one line: `Waiting: CrashLoopBackOff`, `Running`, `Terminated: Error
/// (exit code 2)`.
fn state_text(s: &ContainerState) -> Html {
    if let Some(w) = &s.waiting {
        return match &w.reason {
            Some(r) => html! { format!("Waiting: {r}") },
            None => html! { "Waiting" },
        };
    }
    if let Some(r) = &s.running {
        return match &r.started_at {
            Some(at) => html! { <>{ "Running since " }{ stamp(Some(at)) }</> },
            None => html! { "Running" },
        };
    }
    if let Some(term) = &s.terminated {
        return html! { format!(
            "Terminated: {} (exit code {})",
            term.reason.as_deref().unwrap_or("—"),
            term.exit_code
        ) };
    }
    html! { "—" }
}

/// A yes/no cell.
fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "—",
    }
}

/// The status and conditions panel.
fn conditions(lang: Lang, p: &Pod) -> Html {
    let st = &p.status;
    let fact = |label: Key, test: &'static str, value: Option<&str>| {
        html! {
            <div class="fact"><dt>{ t(lang, label) }</dt>
                <dd data-field={test}>{ value.unwrap_or("—").to_owned() }</dd></div>
        }
    };
    let statuses: Vec<(&ContainerStatus, bool)> = st
        .init_container_statuses
        .iter()
        .map(|c| (c, true))
        .chain(st.container_statuses.iter().map(|c| (c, false)))
        .collect();
    html! {
        <section class="panel" data-testid="conditions" aria-labelledby="conditions-heading">
            <h4 id="conditions-heading">{ t(lang, Key::Conditions) }</h4>
            <dl class="facts">
                { fact(Key::Phase, "phase", st.phase.as_deref()) }
                { fact(Key::QosClass, "qosClass", st.qos_class.as_deref()) }
                { fact(Key::PodIp, "podIP", st.pod_ip.as_deref()) }
                { fact(Key::NodeLabel, "nodeName", p.spec.node_name.as_deref()) }
            </dl>
            if st.conditions.is_empty() {
                <p class="empty">{ t(lang, Key::NoConditions) }</p>
            } else {
                <div class="table-scroll">
                <table class="kubectl conditions">
                    <thead><tr>
                        <th scope="col">{ t(lang, Key::ConditionType) }</th>
                        <th scope="col">{ t(lang, Key::ConditionStatus) }</th>
                        <th scope="col">{ t(lang, Key::Reason) }</th>
                        <th scope="col">{ t(lang, Key::Message) }</th>
                        <th scope="col">{ t(lang, Key::LastTransition) }</th>
                    </tr></thead>
                    <tbody>
                        { for st.conditions.iter().map(|c| html! {
                            <tr data-condition={c.type_.clone()}>
                                <th scope="row" data-col="type">{ &c.type_ }</th>
                                <td data-col="status" class={classes!("cond", c.status.to_lowercase())}>{ &c.status }</td>
                                <td data-col="reason">{ c.reason.as_deref().unwrap_or("") }</td>
                                <td data-col="message">{ c.message.as_deref().unwrap_or("") }</td>
                                <td data-col="lastTransitionTime">{ stamp(c.last_transition_time.as_deref()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
            <h5>{ t(lang, Key::ContainerStatuses) }</h5>
            if statuses.is_empty() {
                <p class="empty">{ t(lang, Key::NoContainerStatuses) }</p>
            } else {
                <div class="table-scroll">
                <table class="kubectl container-statuses">
                    <thead><tr>
                        <th scope="col">{ t(lang, Key::Container) }</th>
                        <th scope="col">{ t(lang, Key::State) }</th>
                        <th scope="col">{ t(lang, Key::Ready) }</th>
                        <th scope="col">{ t(lang, Key::Started) }</th>
                        <th scope="col">{ t(lang, Key::RestartCount) }</th>
                        <th scope="col">{ t(lang, Key::LastState) }</th>
                    </tr></thead>
                    <tbody>
                        { for statuses.iter().map(|(c, init)| html! {
                            <tr data-container={c.name.clone()} data-init={init.then_some("true")}>
                                <th scope="row" data-col="name">{ &c.name }{ if *init { " (init)" } else { "" } }</th>
                                <td data-col="state">{ state_text(&c.state) }</td>
                                <td data-col="ready">{ yes_no(Some(c.ready)) }</td>
                                <td data-col="started">{ yes_no(c.started) }</td>
                                <td data-col="restartCount">{ c.restart_count }</td>
                                <td data-col="lastState">{ state_text(&c.last_state) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
        </section>
    }
}

/// `kubectl top pod --containers`: CPU, working-set memory and CFS throttling per running
/// container, against its limits.
fn usage(lang: Lang, world: &World, key: &ObjectRef) -> Html {
    let metrics = world.pod_metrics(key);
    html! {
        <section class="panel" data-testid="usage" aria-labelledby="usage-heading">
            <h4 id="usage-heading">{ t(lang, Key::Usage) }</h4>
            if metrics.is_empty() {
                <p class="empty">{ t(lang, Key::NoUsage) }</p>
            } else {
                <table class="kubectl">
                    <thead><tr>
                        <th scope="col">{ t(lang, Key::Container) }</th>
                        <th scope="col">{ "CPU(cores)" }</th>
                        <th scope="col">{ "MEMORY(bytes)" }</th>
                        <th scope="col">{ t(lang, Key::Throttled) }</th>
                    </tr></thead>
                    <tbody>
                        { for metrics.iter().map(|(name, s)| html! {
                            <tr data-container={name.clone()}>
                                <th scope="row">{ name }</th>
                                <td data-col="cpu">{ format!("{}m", s.cpu_millis) }</td>
                                <td data-col="memory">{ format!("{}Mi", s.memory_working_set / (1024 * 1024)) }</td>
                                <td data-col="throttled">{ format!("{}/{}", s.nr_throttled, s.nr_periods) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

/// The localized name of a probe result.
fn result_text(lang: Lang, r: ProbeResult) -> &'static str {
    match r {
        ProbeResult::Success => t(lang, Key::Success),
        ProbeResult::Failure => t(lang, Key::Failure),
        ProbeResult::Unknown => t(lang, Key::Unknown),
    }
}

/// `Success`, `Failure`, `Unknown`: the marks' `data-result`.
fn result_id(r: ProbeResult) -> &'static str {
    match r {
        ProbeResult::Success => "Success",
        ProbeResult::Failure => "Failure",
        ProbeResult::Unknown => "Unknown",
    }
}

/// `failure 2/3`: the run of equal results against the threshold that flips the verdict.
fn run_text(lang: Lang, r: &ProbeRecord, success_threshold: i32, failure_threshold: i32) -> String {
    let threshold = match r.result {
        ProbeResult::Success => success_threshold.to_string(),
        ProbeResult::Failure => failure_threshold.to_string(),
        ProbeResult::Unknown => "—".to_owned(),
    };
    format!("{} {}/{threshold}", result_text(lang, r.result), r.run)
}

/// The probe timeline: per container, one lane per probe with a mark per attempt, placed by
/// time on a 0 … now scale.
fn probe_timeline(lang: Lang, world: &World, key: &ObjectRef, p: &Pod) -> Html {
    let span = world.now().as_millis().max(1);
    let left = |at: SimTime| {
        format!(
            "left: {:.3}%",
            at.as_millis().min(span) as f64 * 100.0 / span as f64
        )
    };
    let lane = |c: &Container, kind: ProbeKind, records: &[ProbeRecord]| {
        let Some(probe) = kind.of(c) else {
            return html! {};
        };
        let st = probe.success_threshold.unwrap_or(1);
        let ft = probe.failure_threshold.unwrap_or(3);
        let label = format!("{} — {}", kind.name(), describe_probe(probe));
        let title = |r: &ProbeRecord| {
            let mut s = format!(
                "{} · {} · {}",
                r.time,
                kind.name(),
                run_text(lang, r, st, ft)
            );
            if !r.output.is_empty() {
                s.push_str(" · ");
                s.push_str(&r.output);
            }
            if r.flipped {
                s.push_str(&format!(
                    " · {} → {}",
                    t(lang, Key::VerdictFlipped),
                    result_id(r.verdict)
                ));
            }
            s
        };
        html! {
            <div class="lane" data-probe={kind.name()}>
                <div class="lane-label"><strong>{ kind.name() }</strong>
                    <code class="probe-spec">{ describe_probe(probe) }</code></div>
                if records.is_empty() {
                    <p class="empty">{ t(lang, Key::NoAttempts) }</p>
                } else {
                    <ol class="marks" aria-label={label}>
                        { for records.iter().map(|r| {
                            let text = title(r);
                            html! {
                                <li class={classes!("mark", result_id(r.result).to_lowercase(), r.flipped.then_some("flip"))}
                                    data-result={result_id(r.result)}
                                    data-run={r.run.to_string()}
                                    data-flip={r.flipped.then(|| result_id(r.verdict))}
                                    style={left(r.time)} title={text.clone()}>
                                    <span class="visually-hidden">{ text }</span>
                                    if r.flipped { <span class="flip-label" aria-hidden="true">{ result_id(r.verdict) }</span> }
                                </li>
                            }
                        }) }
                    </ol>
                    <div class="axis" aria-hidden="true"><span>{ "0s" }</span><span>{ world.now().to_string() }</span></div>
                    <details class="attempts">
                        <summary>{ t(lang, Key::AllAttempts) }{ format!(" ({})", records.len()) }</summary>
                        <div class="table-scroll">
                        <table class="kubectl">
                            <thead><tr>
                                <th scope="col">{ t(lang, Key::Time) }</th>
                                <th scope="col">{ t(lang, Key::Result) }</th>
                                <th scope="col">{ t(lang, Key::Run) }</th>
                                <th scope="col">{ t(lang, Key::Verdict) }</th>
                                <th scope="col">{ t(lang, Key::Output) }</th>
                            </tr></thead>
                            <tbody>
                                { for records.iter().map(|r| html! {
                                    <tr data-result={result_id(r.result)} class={classes!(r.flipped.then_some("flip"))}>
                                        <td>{ r.time.to_string() }</td>
                                        <td>{ result_text(lang, r.result) }</td>
                                        <td>{ run_text(lang, r, st, ft) }</td>
                                        <td>{ result_id(r.verdict) }
                                            if r.flipped { <strong>{ format!(" ← {}", t(lang, Key::VerdictFlipped)) }</strong> }</td>
                                        <td>{ &r.output }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                        </div>
                    </details>
                }
            </div>
        }
    };
    html! {
        <section class="panel" data-testid="probe-timeline" aria-labelledby="probe-heading">
            <h4 id="probe-heading">{ t(lang, Key::ProbeTimeline) }</h4>
            { for p.all_containers().map(|c| {
                let history = world.probe_history(key, &c.name);
                let kinds: Vec<ProbeKind> = ProbeKind::ALL.into_iter().filter(|k| k.of(c).is_some()).collect();
                html! {
                    <div class="probe-container" data-container={c.name.clone()}>
                        <h5>{ &c.name }</h5>
                        if kinds.is_empty() {
                            <p class="empty">{ t(lang, Key::NoProbes) }</p>
                        }
                        { for kinds.iter().map(|k| {
                            let records = history.iter().find(|(hk, _)| hk == k).map(|(_, r)| r.as_slice()).unwrap_or(&[]);
                            lane(c, *k, records)
                        }) }
                    </div>
                }
            }) }
        </section>
    }
}

/// One lifecycle event as `(kind, time, text)`.
fn lifecycle_item(lang: Lang, e: &LifecycleEvent) -> (&'static str, SimTime, String, String) {
    match e {
        LifecycleEvent::Started { time, attempt } => (
            "Started",
            *time,
            t(lang, Key::LcStarted).to_owned(),
            format!("{} {attempt}", t(lang, Key::LcRestartNo)),
        ),
        LifecycleEvent::Exited {
            time,
            exit_code,
            reason,
        } => (
            "Exited",
            *time,
            t(lang, Key::LcExited).to_owned(),
            format!("{reason}, {} {exit_code}", t(lang, Key::LcExitCode)),
        ),
        LifecycleEvent::Killed { time, message } => (
            "Killed",
            *time,
            t(lang, Key::LcKilled).to_owned(),
            message.clone(),
        ),
        LifecycleEvent::BackOff { time, backoff_ms } => (
            "BackOff",
            *time,
            t(lang, Key::LcBackOff).to_owned(),
            go_duration(*backoff_ms),
        ),
    }
}

/// The restart / back-off timeline per container, in time order.
fn restart_timeline(lang: Lang, world: &World, key: &ObjectRef, p: &Pod) -> Html {
    html! {
        <section class="panel" data-testid="restart-timeline" aria-labelledby="restart-heading">
            <h4 id="restart-heading">{ t(lang, Key::RestartTimeline) }</h4>
            { for p.all_containers().map(|c| {
                let mut items: Vec<_> = world
                    .lifecycle_history(key, &c.name)
                    .iter()
                    .map(|e| lifecycle_item(lang, e))
                    .collect();
                items.sort_by_key(|(_, time, _, _)| *time);
                html! {
                    <div class="lifecycle" data-container={c.name.clone()}>
                        <h5>{ &c.name }</h5>
                        if items.is_empty() {
                            <p class="empty">{ t(lang, Key::NothingYet) }</p>
                        } else {
                            <ol class="lifecycle-list">
                                { for items.into_iter().map(|(kind, time, label, detail)| html! {
                                    <li data-kind={kind} class={kind.to_lowercase()}>
                                        <time>{ time.to_string() }</time>
                                        <span class="what">{ label }</span>
                                        <span class="detail">{ detail }</span>
                                    </li>
                                }) }
                            </ol>
                        }
                    </div>
                }
            }) }
        </section>
    }
}

/// `kubectl logs [--previous]` per container.
fn logs(
    lang: Lang,
    world: &World,
    key: &ObjectRef,
    p: &Pod,
    previous: bool,
    on_previous: Callback<bool>,
) -> Html {
    let onchange = Callback::from(move |e: Event| on_previous.emit(event_checked(&e)));
    html! {
        <section class="panel" data-testid="logs" aria-labelledby="logs-heading">
            <h4 id="logs-heading">{ t(lang, Key::Logs) }</h4>
            <label class="check">
                <input type="checkbox" data-testid="logs-previous" checked={previous} {onchange} />
                { " " }{ t(lang, Key::PreviousLogs) }
            </label>
            { for p.all_containers().map(|c| {
                let lines = world.logs(key, Some(&c.name), previous).unwrap_or_default();
                html! {
                    <div class="log" data-container={c.name.clone()}>
                        <h5>{ &c.name }</h5>
                        if lines.is_empty() {
                            <p class="empty">{ t(lang, Key::NoLogs) }</p>
                        } else {
                            <pre class="log-lines" tabindex="0">
                                { for lines.iter().map(|l| html! {
                                    <span class={classes!("line", matches!(l.stream, Stream::Stderr).then_some("stderr"))}>
                                        <time>{ l.time.to_string() }</time>{ " " }{ &l.text }{ "\n" }
                                    </span>
                                }) }
                            </pre>
                        }
                    </div>
                }
            }) }
        </section>
    }
}

/// The node journal lines about this pod (mounts, CNI, sandbox, kills, exits).
fn journal(lang: Lang, world: &World, key: &ObjectRef) -> Html {
    let lines: Vec<Html> = world
        .journal()
        .iter()
        .filter(|e| &e.pod == key)
        .map(|e| {
            html! {
                <li data-unit={e.unit}>
                    <time>{ e.time.to_string() }</time>{ " " }
                    <span class="unit">{ format!("{} {}:", e.node, e.unit) }</span>{ " " }
                    { e.message.clone() }
                </li>
            }
        })
        .collect();
    html! {
        <section class="panel wide" data-testid="journal" aria-labelledby="journal-heading">
            <h4 id="journal-heading">{ t(lang, Key::Journal) }</h4>
            <p class="hint">{ t(lang, Key::JournalIntro) }</p>
            <ol class="journal">{ for lines }</ol>
        </section>
    }
}

/// `kubectl describe pod`.
fn describe(lang: Lang, world: &World, key: &ObjectRef) -> Html {
    let text = describe_pod(world, key).unwrap_or_default();
    html! {
        <section class="panel wide" aria-labelledby="describe-heading">
            <h4 id="describe-heading">{ t(lang, Key::Describe) }{ format!(" {}", key.name) }</h4>
            <pre class="describe" data-testid="describe" tabindex="0">{ text }</pre>
        </section>
    }
}

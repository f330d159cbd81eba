//! The kube-proxy views: the mode and IPVS scheduler (which rerun the lab), the rules a node's
//! kube-proxy programmed with the last traced packet's matches highlighted, what changed
//! between two syncs, and the request forms (packet trace, traffic) with their results.

use nodelab_engine::lab::LabAction;
use nodelab_engine::net::trace::Source;
use nodelab_engine::proxy::diff::{DiffLine, diff};
use nodelab_engine::proxy::kube_proxy::KubeProxy;
use nodelab_engine::proxy::{self, Mode, RuleHit, Scheduler};
use nodelab_engine::world::{ClientOptions, TrafficSpec};
use nodelab_engine::{Kind, Object, World};
use yew::prelude::*;

use crate::dom::{event_checked, event_value};
use crate::i18n::{Key, Lang, t};
use crate::lab::{ProxyChoice, Traced};
use crate::scale_view::{ScaleState, scale_panel};
use crate::trace_view::{TraceView, distribution_panel};

/// The address an outside client has unless the learner types another (TEST-NET-3).
const DEFAULT_EXTERNAL_IP: &str = "203.0.113.10";
/// Requests the traffic form sends by default.
const DEFAULT_REQUESTS: &str = "100";
/// At most this many requests per batch (each one is a full packet walk).
const MAX_REQUESTS: u32 = 10_000;
/// At most this many pooled connections or retries.
const MAX_CLIENT_OPTION: u32 = 1_000;
/// The iptables tables a `RuleHit::table` may name; in `iptables-save` text a hit only
/// matches lines of its own `*table` section.
const IPTABLES_TABLES: [&str; 4] = ["nat", "filter", "mangle", "raw"];

/// The kube-proxy views' own UI state.
#[derive(Clone)]
pub struct ProxyUi {
    /// The node whose rules are shown ("": the first).
    pub node: UseStateHandle<String>,
    /// nftables: show `nft list table ip kube-proxy` instead of the `nft -f` transaction.
    pub nft_list: UseStateHandle<bool>,
    /// The two syncs compared (indices into the node's syncs); `None`: the last two.
    pub diff: UseStateHandle<Option<(usize, usize)>>,
    /// The request source: `pod/NAME`, `node/NAME` or `external` ("": the default).
    pub from: UseStateHandle<String>,
    /// The outside client's address when `from` is `external`.
    pub external_ip: UseStateHandle<String>,
    /// The destination ("": the first Service).
    pub to: UseStateHandle<String>,
    /// Requests to send.
    pub requests: UseStateHandle<String>,
    /// Client connection pool size.
    pub pool: UseStateHandle<String>,
    /// Client retries.
    pub retries: UseStateHandle<String>,
    /// The traffic form's numbers are out of range.
    pub invalid: UseStateHandle<bool>,
    /// The request source could not be parsed (why).
    pub source_error: UseStateHandle<Option<String>>,
    /// The scale view's measurements.
    pub scale: UseStateHandle<ScaleState>,
}

/// The kube-proxy views' UI state: the first node, the default forms, nothing measured.
#[hook]
pub fn use_proxy_ui() -> ProxyUi {
    ProxyUi {
        node: use_state(String::new),
        nft_list: use_state(|| false),
        diff: use_state(|| None),
        from: use_state(String::new),
        external_ip: use_state(|| DEFAULT_EXTERNAL_IP.to_owned()),
        to: use_state(String::new),
        requests: use_state(|| DEFAULT_REQUESTS.to_owned()),
        pool: use_state(|| "0".to_owned()),
        retries: use_state(|| "0".to_owned()),
        invalid: use_state(|| false),
        source_error: use_state(|| None),
        scale: use_state(ScaleState::default),
    }
}

/// What the kube-proxy views show and what they can do.
pub struct ProxyProps<'a> {
    /// UI language.
    pub lang: Lang,
    /// The world now.
    pub world: &'a World,
    /// The mode and scheduler the lab runs with.
    pub choice: ProxyChoice,
    /// The last packet trace.
    pub trace: Option<&'a Traced>,
    /// Why the last traffic action failed.
    pub traffic_error: Option<&'a str>,
    /// Reruns the lab with another mode or scheduler.
    pub on_proxy: Callback<ProxyChoice>,
    /// Traces a request.
    pub on_trace: Callback<(Source, String)>,
    /// Takes a lab action (traffic).
    pub on_act: Callback<LabAction>,
}

/// The label of a mode's radio button.
fn mode_key(mode: Mode) -> Key {
    match mode {
        Mode::Iptables => Key::ModeIptables,
        Mode::Ipvs => Key::ModeIpvs,
        Mode::Nftables => Key::ModeNftables,
        Mode::Userspace => Key::ModeUserspace,
    }
}

/// What an IPVS scheduler does, in words.
fn scheduler_key(s: Scheduler) -> Key {
    match s {
        Scheduler::Rr => Key::SchedRr,
        Scheduler::Wrr => Key::SchedWrr,
        Scheduler::Lc => Key::SchedLc,
        Scheduler::Wlc => Key::SchedWlc,
        Scheduler::Lblc => Key::SchedLblc,
        Scheduler::Lblcr => Key::SchedLblcr,
        Scheduler::Sh => Key::SchedSh,
        Scheduler::Dh => Key::SchedDh,
        Scheduler::Sed => Key::SchedSed,
        Scheduler::Nq => Key::SchedNq,
        Scheduler::Mh => Key::SchedMh,
    }
}

/// The command whose output a mode's rules view imitates.
fn tool(mode: Mode, nft_list: bool) -> &'static str {
    match mode {
        Mode::Iptables => "iptables-save",
        Mode::Userspace => "iptables-save · kube-proxy log",
        Mode::Ipvs => "ipvsadm -Ln · ipset list · iptables-save",
        Mode::Nftables if nft_list => "nft list table ip kube-proxy",
        Mode::Nftables => "nft -f",
    }
}

/// Every kube-proxy view, top to bottom.
pub fn proxy_views(p: &ProxyProps<'_>, ui: &ProxyUi) -> Html {
    let lang = p.lang;
    let proxies = p.world.proxies();
    let node = proxies
        .keys()
        .find(|n| **n == *ui.node)
        .or_else(|| proxies.keys().next())
        .cloned();
    let proxy = node.as_ref().and_then(|n| proxies.get(n));
    html! {
        <div class="proxy-views" data-testid="proxy-views">
            { settings(p, ui, node.as_deref()) }
            <div class="proxy-grid">
                { match (proxy, node.as_deref()) {
                    (Some(proxy), Some(node)) => html! {
                        <>
                            { rules_panel(lang, proxy, node, p.trace, ui) }
                            { diff_panel(lang, proxy, ui) }
                        </>
                    },
                    _ => html! { <p class="empty">{ t(lang, Key::NoNode) }</p> },
                } }
            </div>
            { requests_panel(p, ui) }
            { scale_panel(lang, &ui.scale) }
        </div>
    }
}

/// Mode radio buttons, the IPVS scheduler and the node picker.
fn settings(p: &ProxyProps<'_>, ui: &ProxyUi, node: Option<&str>) -> Html {
    let lang = p.lang;
    let (mode, scheduler) = p.choice;
    let on_scheduler = {
        let on_proxy = p.on_proxy.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = Scheduler::parse(&event_value(&e)) {
                on_proxy.emit((mode, s));
            }
        })
    };
    let on_node = {
        let handle = ui.node.clone();
        Callback::from(move |e: Event| handle.set(event_value(&e)))
    };
    let nodes: Vec<&String> = p.world.proxies().keys().collect();
    html! {
        <section class="panel proxy-settings" data-testid="proxy-settings" aria-labelledby="proxy-heading">
            <h3 id="proxy-heading">{ t(lang, Key::ProxyHeading) }</h3>
            <p class="hint">{ t(lang, Key::ProxyIntro) }</p>
            <div class="proxy-settings-row">
                <fieldset class="modes">
                    <legend>{ t(lang, Key::ProxyMode) }</legend>
                    { for Mode::ALL.into_iter().map(|m| {
                        let onchange = {
                            let on_proxy = p.on_proxy.clone();
                            Callback::from(move |e: Event| {
                                if event_checked(&e) {
                                    on_proxy.emit((m, scheduler));
                                }
                            })
                        };
                        let id = format!("proxy-mode-{}", m.as_str());
                        html! {
                            <label class="check" for={id.clone()}>
                                <input type="radio" name="proxy-mode" id={id} value={m.as_str()}
                                    data-testid="proxy-mode" data-mode={m.as_str()}
                                    checked={m == mode} {onchange} />
                                { t(lang, mode_key(m)) }
                            </label>
                        }
                    }) }
                </fieldset>
                <div class="field">
                    <label for="ipvs-scheduler">{ t(lang, Key::IpvsScheduler) }</label>
                    <select id="ipvs-scheduler" data-testid="ipvs-scheduler" disabled={mode != Mode::Ipvs}
                        aria-describedby="ipvs-scheduler-hint" onchange={on_scheduler}>
                        { for Scheduler::ALL.into_iter().map(|s| html! {
                            <option value={s.as_str()} selected={s == scheduler}>
                                { format!("{} — {}", s.as_str(), t(lang, scheduler_key(s))) }
                            </option>
                        }) }
                    </select>
                    <p class="hint" id="ipvs-scheduler-hint">{ t(lang, Key::SchedulerIpvsOnly) }</p>
                </div>
                if nodes.len() > 1 {
                    <div class="field">
                        <label for="proxy-node">{ t(lang, Key::ProxyNode) }</label>
                        <select id="proxy-node" data-testid="proxy-node" onchange={on_node}>
                            { for nodes.iter().map(|n| html! {
                                <option value={(*n).clone()} selected={Some(n.as_str()) == node}>{ *n }</option>
                            }) }
                        </select>
                    </div>
                }
            </div>
        </section>
    }
}

/// The rules a trace matched on `node`.
fn hits_on<'a>(trace: Option<&'a Traced>, node: &str) -> Vec<&'a RuleHit> {
    let Some(Ok(trace)) = trace.map(|t| &t.result) else {
        return Vec::new();
    };
    trace
        .steps
        .iter()
        .filter(|s| s.node.as_deref() == Some(node))
        .flat_map(|s| &s.hits)
        .collect()
}

/// `text` with runs of whitespace collapsed to one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `RuleHit::table` of nftables hits.
const NFT_TABLE: &str = "ip kube-proxy";

/// An nftables rule or element with whitespace collapsed and no space before commas (the
/// transaction writes `… , 1 : goto …` where `nft list` writes `…, 1 : goto …`).
fn nft_norm(text: &str) -> String {
    squeeze(text).replace(" ,", ",")
}

/// Where the reader of an nftables text is: the chain, map or set block it is in (`nft list`
/// view) and whether that block holds elements.
#[derive(Default)]
struct NftBlock {
    name: Option<String>,
    elements: bool,
}

/// `rest` without the leading `ip kube-proxy `.
fn in_nft_table(rest: &str) -> Option<&str> {
    rest.strip_prefix(NFT_TABLE)?.strip_prefix(' ')
}

/// The chain (or map / set) and the rule (or element) one line of either nftables view holds.
fn nft_line(line: &str, block: &mut NftBlock) -> Option<(String, String)> {
    if let Some(rest) = line.strip_prefix("add rule ").and_then(in_nft_table) {
        let (chain, rule) = rest.split_once(' ')?;
        return Some((chain.to_owned(), rule.to_owned()));
    }
    if let Some(rest) = line.strip_prefix("add element ").and_then(in_nft_table) {
        let (map, elements) = rest.split_once(' ')?;
        let element = elements.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
        return Some((map.to_owned(), element.to_owned()));
    }
    if line.starts_with("add ") || line.starts_with("flush ") || line.starts_with("delete ") {
        return None;
    }
    for (keyword, elements) in [("chain ", false), ("map ", true), ("set ", true)] {
        if let Some(name) = line
            .strip_prefix(keyword)
            .and_then(|r| r.strip_suffix(" {"))
        {
            *block = NftBlock {
                name: Some(name.to_owned()),
                elements,
            };
            return None;
        }
    }
    if line == "}" {
        *block = NftBlock::default();
        return None;
    }
    let name = block.name.clone()?;
    if !block.elements {
        return Some((name, line.to_owned()));
    }
    // `elements = { a : goto x,` … `b : goto y }`, one element per line.
    let item = line.strip_prefix("elements = {").unwrap_or(line).trim();
    let item = item.strip_suffix(',').unwrap_or(item).trim_end();
    let item = item.strip_suffix('}').unwrap_or(item).trim_end();
    Some((name, item.to_owned()))
}

/// For each line of `text`, whether a hit names it.
///
/// - iptables (`nat`, `filter`, …): the rule's exact text (ignoring indentation), inside its
///   own `*table` … `COMMIT` section.
/// - nftables (`ip kube-proxy`): hits carry the `nft list` text of the rule (or map element)
///   and its chain (or map); in the list view the line must sit in that block, in the `nft -f`
///   transaction it is an `add rule` / `add element` line of that chain or map. A few rules are
///   written differently in the two views (mark arithmetic), so the transaction may miss them.
/// - IPVS (`ipvs`): the chain is the virtual server (`TCP 10.96.0.2:80 rr`) and the rule the real
///   server (`-> 10.244.0.3:80 Masq 1`), while `ipvsadm -Ln` pads its columns and prints the
///   connection counters after them: both are compared with whitespace collapsed, the real
///   server line by prefix and only under its virtual server.
pub fn hit_lines(text: &str, hits: &[&RuleHit]) -> Vec<bool> {
    let ipvs: Vec<(String, String)> = hits
        .iter()
        .filter(|h| h.table == "ipvs")
        .map(|h| (squeeze(&h.chain), squeeze(&h.rule)))
        .collect();
    let nft: Vec<(&str, String)> = hits
        .iter()
        .filter(|h| h.table == NFT_TABLE)
        .map(|h| (h.chain.as_str(), nft_norm(&h.rule)))
        .collect();
    let mut section: Option<&str> = None;
    let mut virtual_server: Option<String> = None;
    let mut block = NftBlock::default();
    text.lines()
        .map(|raw| {
            if let Some(table) = raw.strip_prefix('*') {
                section = Some(table.trim());
                return false;
            }
            if raw == "COMMIT" {
                section = None;
                return false;
            }
            let line = raw.trim();
            if line.is_empty() {
                virtual_server = None;
                return false;
            }
            let iptables = hits.iter().any(|h| {
                h.table != "ipvs"
                    && h.table != NFT_TABLE
                    && h.rule.trim() == line
                    && match section {
                        Some(s) if IPTABLES_TABLES.contains(&h.table.as_str()) => s == h.table,
                        _ => true,
                    }
            });
            if iptables {
                return true;
            }
            if !nft.is_empty()
                && let Some((chain, rule)) = nft_line(line, &mut block)
            {
                let rule = nft_norm(&rule);
                if nft.iter().any(|(c, r)| *c == chain && *r == rule) {
                    return true;
                }
            }
            if ipvs.is_empty() {
                return false;
            }
            let squeezed = squeeze(line);
            if !raw.starts_with(char::is_whitespace)
                && ["TCP ", "UDP ", "SCTP "]
                    .iter()
                    .any(|p| squeezed.starts_with(p))
            {
                virtual_server = Some(squeezed.clone());
            }
            ipvs.iter().any(|(vs, rs)| {
                squeezed == *vs
                    || (virtual_server.as_ref() == Some(vs)
                        && (squeezed == *rs || squeezed.starts_with(&format!("{rs} "))))
            })
        })
        .collect()
}

/// The node's programmed rules, monospace, with the last traced packet's rules highlighted.
fn rules_panel(
    lang: Lang,
    proxy: &KubeProxy,
    node: &str,
    trace: Option<&Traced>,
    ui: &ProxyUi,
) -> Html {
    let mode = proxy.config.mode;
    let plane = proxy.dataplane();
    let list = plane.list_view();
    let nft_list = *ui.nft_list && list.is_some();
    let text = match (&list, nft_list) {
        (Some(l), true) => l.clone(),
        _ => plane.render(),
    };
    let hits = hits_on(trace, node);
    let marks = hit_lines(&text, &hits);
    let matched = marks.iter().filter(|m| **m).count();
    // Nodes where the last trace matched rules, when this one has none of them.
    let elsewhere: Vec<String> = match trace.map(|t| &t.result) {
        Some(Ok(trace)) if hits.is_empty() => {
            let mut nodes: Vec<String> = Vec::new();
            for s in trace.steps.iter().filter(|s| !s.hits.is_empty()) {
                if let Some(n) = &s.node
                    && !nodes.contains(n)
                {
                    nodes.push(n.clone());
                }
            }
            nodes
        }
        _ => Vec::new(),
    };
    let last_sync = proxy.syncs().last().map(|s| s.time);
    let on_view = {
        let handle = ui.nft_list.clone();
        Callback::from(move |e: Event| handle.set(event_value(&e) == "list"))
    };
    html! {
        <section class="panel rules" data-testid="rules" data-mode={mode.as_str()} data-node={node.to_owned()}
            aria-labelledby="rules-heading">
            <h3 id="rules-heading">{ t(lang, Key::Rules) }
                <span class="target">{ format!(" — {node} · ") }<code>{ tool(mode, nft_list) }</code></span>
            </h3>
            <dl class="facts">
                <dt>{ t(lang, Key::RuleCount) }</dt>
                <dd data-testid="rule-count">{ plane.rule_count() }</dd>
                <dt>{ t(lang, Key::LastSync) }</dt>
                <dd data-testid="last-sync">{ last_sync.map_or_else(|| "—".to_owned(), |s| s.to_string()) }</dd>
                if trace.is_some() {
                    <dt>{ t(lang, Key::MatchedHere) }</dt>
                    <dd data-testid="rules-matched">{ matched }</dd>
                }
            </dl>
            if list.is_some() {
                <div class="field inline">
                    <label for="rules-view">{ t(lang, Key::RulesView) }</label>
                    <select id="rules-view" data-testid="rules-view" onchange={on_view}>
                        <option value="transaction" selected={!nft_list}>{ t(lang, Key::NftTransaction) }</option>
                        <option value="list" selected={nft_list}>{ "nft list table ip kube-proxy" }</option>
                    </select>
                </div>
            }
            if last_sync.is_none() {
                <p class="empty">{ t(lang, Key::NoSync) }</p>
            } else if text.trim().is_empty() {
                <p class="empty" data-testid="rules-empty">{ t(lang, Key::NoRulesText) }</p>
            } else {
                if matched > 0 { <p class="hint">{ t(lang, Key::HighlightNote) }</p> }
                if !elsewhere.is_empty() {
                    <p class="hint" data-testid="hits-elsewhere">{ t(lang, Key::HitsElsewhere) }{ " " }{ elsewhere.join(", ") }</p>
                }
                <pre class="rules-text" data-testid="rules-text" tabindex="0" aria-label={t(lang, Key::Rules)}>
                    { for text.lines().zip(marks).map(|(line, hit)| if hit {
                        html! { <mark class="rule-line hit" data-hit="true">{ line }{ "\n" }</mark> }
                    } else {
                        html! { <span class="rule-line">{ line }{ "\n" }</span> }
                    }) }
                </pre>
            }
        </section>
    }
}

/// `#3 — 12.000s`.
fn sync_label(lang: Lang, i: usize, time: impl std::fmt::Display) -> String {
    format!("{} #{} — {time}", t(lang, Key::SyncNumber), i + 1)
}

/// What changed between two syncs of the node's rules.
fn diff_panel(lang: Lang, proxy: &KubeProxy, ui: &ProxyUi) -> Html {
    let syncs = proxy.syncs();
    let n = syncs.len();
    let (a, b) = ui
        .diff
        .filter(|(a, b)| *a < n && *b < n)
        .unwrap_or((n.saturating_sub(2), n.saturating_sub(1)));
    let pick = |which: usize| {
        let handle = ui.diff.clone();
        Callback::from(move |e: Event| {
            let Ok(i) = event_value(&e).parse::<usize>() else {
                return;
            };
            handle.set(Some(if which == 0 { (i, b) } else { (a, i) }));
        })
    };
    let select = |id: &'static str, key: Key, chosen: usize, which: usize| {
        html! {
            <div class="field">
                <label for={id}>{ t(lang, key) }</label>
                <select {id} data-testid={id} onchange={pick(which)}>
                    { for syncs.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == chosen}>{ sync_label(lang, i, s.time) }</option>
                    }) }
                </select>
            </div>
        }
    };
    let body = match (syncs.get(a), syncs.get(b)) {
        (Some(old), Some(new)) if n >= 2 => {
            let lines = diff(
                &proxy::dataplane(&old.state).render(),
                &proxy::dataplane(&new.state).render(),
            );
            diff_lines(lang, &lines)
        }
        _ => {
            html! { <p class="empty" data-testid="diff-need-two">{ t(lang, Key::DiffNeedTwo) }</p> }
        }
    };
    html! {
        <section class="panel rules-diff" data-testid="rules-diff" aria-labelledby="diff-heading">
            <h3 id="diff-heading">{ t(lang, Key::RulesDiff) }</h3>
            <p class="hint">{ t(lang, Key::RulesDiffIntro) }</p>
            if n >= 2 {
                <div class="action-row">
                    { select("diff-from", Key::DiffFrom, a, 0) }
                    { select("diff-to", Key::DiffTo, b, 1) }
                </div>
            }
            { body }
        </section>
    }
}

/// The changed lines of a diff, `+`/`-` prefixed, with `⋯` where unchanged lines are skipped.
fn diff_lines(lang: Lang, lines: &[DiffLine]) -> Html {
    let added = lines
        .iter()
        .filter(|l| matches!(l, DiffLine::Added(_)))
        .count();
    let removed = lines
        .iter()
        .filter(|l| matches!(l, DiffLine::Removed(_)))
        .count();
    if added + removed == 0 {
        return html! { <p class="empty" data-testid="diff-none">{ t(lang, Key::DiffNoChanges) }</p> };
    }
    let mut rows: Vec<Html> = Vec::new();
    let mut skipped = false;
    for line in lines {
        match line {
            DiffLine::Same(_) => skipped = true,
            DiffLine::Added(text) | DiffLine::Removed(text) => {
                if skipped && !rows.is_empty() {
                    rows.push(html! { <span class="skip" aria-hidden="true">{ "⋯\n" }</span> });
                }
                skipped = false;
                let (class, sign) = match line {
                    DiffLine::Added(_) => ("added", "+"),
                    _ => ("removed", "-"),
                };
                rows.push(html! {
                    <span class={classes!("diff-line", class)} data-change={class}>{ sign }{ text }{ "\n" }</span>
                });
            }
        }
    }
    html! {
        <>
            <p data-testid="diff-summary">
                <span class="added">{ format!("+{added} ") }{ t(lang, Key::DiffAdded) }</span>{ " · " }
                <span class="removed">{ format!("−{removed} ") }{ t(lang, Key::DiffRemoved) }</span>
            </p>
            <pre class="rules-text diff" data-testid="diff-lines" tabindex="0" aria-label={t(lang, Key::RulesDiff)}>
                { for rows }
            </pre>
        </>
    }
}

/// A request source the form offers: value and label.
fn sources(world: &World) -> Vec<String> {
    let mut out: Vec<String> = world
        .list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p)
                if p.status.phase.as_deref() == Some("Running") && p.status.pod_ip.is_some() =>
            {
                let m = &p.metadata;
                Some(if m.namespace == "default" {
                    format!("pod/{}", m.name)
                } else {
                    format!("pod/{}/{}", m.namespace, m.name)
                })
            }
            _ => None,
        })
        .collect();
    out.extend(world.proxies().keys().map(|n| format!("node/{n}")));
    out
}

/// Pods some Service selects (a client is best taken from elsewhere).
fn is_backend(world: &World, value: &str) -> bool {
    let Some(name) = value.strip_prefix("pod/") else {
        return false;
    };
    let (ns, name) = name.split_once('/').unwrap_or(("default", name));
    let labels = world.list(Kind::Pod).find_map(|o| match o {
        Object::Pod(p) if p.metadata.namespace == ns && p.metadata.name == name => {
            Some(&p.metadata.labels)
        }
        _ => None,
    });
    let Some(labels) = labels else { return false };
    world.list(Kind::Service).any(|o| match o {
        Object::Service(s) => {
            s.metadata.namespace == ns
                && !s.spec.selector.is_empty()
                && s.spec
                    .selector
                    .iter()
                    .all(|(k, v)| labels.get(k) == Some(v))
        }
        _ => false,
    })
}

/// Destinations to suggest: each Service by name, its cluster IP:port and node ports.
fn destinations(world: &World) -> Vec<String> {
    let node_ip = world.proxies().values().next().map(|p| p.config.node_ip);
    let mut out = Vec::new();
    for o in world.list(Kind::Service) {
        let Object::Service(s) = o else { continue };
        let m = &s.metadata;
        out.push(if m.namespace == "default" {
            m.name.clone()
        } else {
            format!("{}.{}", m.name, m.namespace)
        });
        if let Some(ip) = s.spec.cluster_ip.as_deref().filter(|ip| *ip != "None") {
            out.extend(s.spec.ports.iter().map(|p| format!("{ip}:{}", p.port)));
        }
        if let Some(node_ip) = node_ip {
            out.extend(
                s.spec
                    .ports
                    .iter()
                    .filter_map(|p| p.node_port)
                    .map(|np| format!("{node_ip}:{np}")),
            );
        }
    }
    out
}

/// The client and destination both forms use, and the forms themselves.
fn requests_panel(p: &ProxyProps<'_>, ui: &ProxyUi) -> Html {
    let lang = p.lang;
    let sources = sources(p.world);
    let from = if sources.contains(&*ui.from) || *ui.from == "external" {
        (*ui.from).clone()
    } else {
        sources
            .iter()
            .find(|s| s.starts_with("pod/") && !is_backend(p.world, s))
            .or_else(|| sources.first())
            .cloned()
            .unwrap_or_else(|| "external".to_owned())
    };
    let destinations = destinations(p.world);
    let to = if ui.to.trim().is_empty() {
        destinations.first().cloned().unwrap_or_default()
    } else {
        ui.to.trim().to_owned()
    };
    let source = {
        let from = from.clone();
        let ip = (*ui.external_ip).clone();
        move || -> Result<Source, String> {
            if from == "external" {
                Source::parse(&format!("external:{}", ip.trim()))
            } else {
                Source::parse(&from)
            }
        }
    };
    let on_from = {
        let handle = ui.from.clone();
        Callback::from(move |e: Event| handle.set(event_value(&e)))
    };
    let on_external = {
        let handle = ui.external_ip.clone();
        Callback::from(move |e: InputEvent| handle.set(event_value(&e)))
    };
    let on_to = {
        let handle = ui.to.clone();
        Callback::from(move |e: InputEvent| handle.set(event_value(&e)))
    };
    let on_trace = {
        let source = source.clone();
        let to = to.clone();
        let on_trace = p.on_trace.clone();
        let source_error = ui.source_error.clone();
        Callback::from(move |_: MouseEvent| match source() {
            Ok(s) => {
                source_error.set(None);
                on_trace.emit((s, to.clone()));
            }
            Err(e) => source_error.set(Some(e)),
        })
    };
    let numbers = (
        ui.requests
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_REQUESTS).contains(n)),
        ui.pool
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_CLIENT_OPTION),
        ui.retries
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_CLIENT_OPTION),
    );
    let on_send = {
        let to = to.clone();
        let on_act = p.on_act.clone();
        let invalid = ui.invalid.clone();
        let source_error = ui.source_error.clone();
        Callback::from(move |_: MouseEvent| {
            let (Some(requests), Some(pool), Some(retries)) = numbers else {
                invalid.set(true);
                return;
            };
            invalid.set(false);
            match source() {
                Ok(from) => {
                    source_error.set(None);
                    on_act.emit(LabAction::Traffic(TrafficSpec {
                        from,
                        to: to.clone(),
                        requests,
                        path: "/".to_owned(),
                        client: ClientOptions { pool, retries },
                    }));
                }
                Err(e) => source_error.set(Some(e)),
            }
        })
    };
    let bind = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| handle.set(event_value(&e)))
    };
    html! {
        <section class="panel requests" data-testid="requests" aria-labelledby="requests-heading">
            <h3 id="requests-heading" class="visually-hidden">{ t(lang, Key::Trace) }{ " · " }{ t(lang, Key::Traffic) }</h3>
            <div class="action-row endpoints-row">
                <label for="trace-from">{ t(lang, Key::TraceFrom) }</label>
                <select id="trace-from" data-testid="trace-from" onchange={on_from}>
                    { for sources.iter().map(|s| html! {
                        <option value={s.clone()} selected={*s == from}>{ s }</option>
                    }) }
                    <option value="external" selected={from == "external"}>{ t(lang, Key::ExternalClient) }</option>
                </select>
                if from == "external" {
                    <label for="trace-external">{ t(lang, Key::ExternalIp) }</label>
                    <input id="trace-external" data-testid="trace-external" type="text" size="14"
                        value={(*ui.external_ip).clone()} oninput={on_external} />
                }
                <label for="trace-to">{ t(lang, Key::TraceTo) }</label>
                <input id="trace-to" data-testid="trace-to" type="text" size="18" list="trace-destinations"
                    value={to.clone()} oninput={on_to} />
                <datalist id="trace-destinations">
                    { for destinations.iter().map(|d| html! { <option value={d.clone()} /> }) }
                </datalist>
            </div>
            if let Some(e) = &*ui.source_error {
                <p class="action-error" role="alert" data-testid="source-error">{ e }</p>
            }
            <div class="requests-grid">
                <section class="trace" data-testid="trace-panel" aria-labelledby="trace-heading">
                    <h4 id="trace-heading">{ t(lang, Key::Trace) }</h4>
                    <p class="hint">{ t(lang, Key::TraceIntro) }</p>
                    <button data-testid="trace-run" onclick={on_trace}>{ t(lang, Key::TraceButton) }</button>
                    { match p.trace {
                        None => html! { <p class="empty">{ t(lang, Key::NoTrace) }</p> },
                        Some(Traced { result: Err(e), .. }) => html! {
                            <p class="action-error" role="alert" data-testid="trace-error">
                                { t(lang, Key::TraceFailed) }{ " " }<span class="detail">{ e }</span>
                            </p>
                        },
                        Some(traced) => html! { <TraceView {lang} traced={traced.clone()} /> },
                    } }
                </section>
                <section class="traffic" data-testid="traffic-panel" aria-labelledby="traffic-heading">
                    <h4 id="traffic-heading">{ t(lang, Key::Traffic) }</h4>
                    <p class="hint">{ t(lang, Key::TrafficIntro) }</p>
                    <div class="action-row">
                        <label for="traffic-requests">{ t(lang, Key::Requests) }</label>
                        <input id="traffic-requests" data-testid="traffic-requests" type="number" class="narrow"
                            min="1" max={MAX_REQUESTS.to_string()} value={(*ui.requests).clone()} oninput={bind(&ui.requests)} />
                    </div>
                    <fieldset class="client-options">
                        <legend>{ t(lang, Key::ClientOptions) }</legend>
                        <div class="action-row">
                            <label for="traffic-pool">{ t(lang, Key::Pool) }</label>
                            <input id="traffic-pool" data-testid="traffic-pool" type="number" class="narrow"
                                min="0" max={MAX_CLIENT_OPTION.to_string()} value={(*ui.pool).clone()} oninput={bind(&ui.pool)} />
                        </div>
                        <div class="action-row">
                            <label for="traffic-retries">{ t(lang, Key::Retries) }</label>
                            <input id="traffic-retries" data-testid="traffic-retries" type="number" class="narrow"
                                min="0" max={MAX_CLIENT_OPTION.to_string()} value={(*ui.retries).clone()} oninput={bind(&ui.retries)} />
                        </div>
                    </fieldset>
                    <button data-testid="traffic-send" onclick={on_send}>{ t(lang, Key::SendButton) }</button>
                    if *ui.invalid {
                        <p class="action-error" role="alert" data-testid="traffic-invalid">{ t(lang, Key::InvalidTraffic) }</p>
                    } else if let Some(e) = p.traffic_error {
                        <p class="action-error" role="alert" data-testid="traffic-error">
                            { t(lang, Key::ActionFailed) }{ " " }<span class="detail">{ e }</span>
                        </p>
                    }
                    { distribution_panel(lang, p.world) }
                </section>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn hit(table: &str, rule: &str) -> RuleHit {
        RuleHit {
            table: table.to_owned(),
            chain: String::new(),
            rule: rule.to_owned(),
        }
    }

    fn hit_in(chain: &str, rule: &str) -> RuleHit {
        RuleHit {
            table: NFT_TABLE.to_owned(),
            chain: chain.to_owned(),
            rule: rule.to_owned(),
        }
    }

    #[wasm_bindgen_test]
    fn hits_match_lines_of_their_own_table_only() {
        let text = "*filter\n-A KUBE-X -j ACCEPT\nCOMMIT\n*nat\n-A KUBE-X -j ACCEPT\n  -A KUBE-Y -j DNAT\nCOMMIT\n";
        let nat = hit("nat", "-A KUBE-X -j ACCEPT");
        let y = hit("nat", "-A KUBE-Y -j DNAT");
        assert_eq!(
            hit_lines(text, &[&nat, &y]),
            [false, false, false, false, true, true, false]
        );
        // Other data planes name no iptables table: the text alone decides.
        let other = hit("userspace", "-A KUBE-X -j ACCEPT");
        assert_eq!(
            hit_lines(text, &[&other]),
            [false, true, false, false, true, false, false]
        );
    }

    #[wasm_bindgen_test]
    fn nftables_hits_match_in_both_views_inside_their_chain_or_map() {
        let hits = [
            hit_in("nat-prerouting", "jump services"),
            hit_in("service-ips", "10.96.0.3 . tcp . 80 : goto service-B"),
            hit_in("svc", "numgen random mod 2 vmap { 0 : goto a, 1 : goto b }"),
        ];
        let hits: Vec<&RuleHit> = hits.iter().collect();
        // `nft list table ip kube-proxy`.
        let list = "table ip kube-proxy {\n\
                    \tmap service-ips {\n\
                    \t\ttype ipv4_addr . inet_proto . inet_service : verdict\n\
                    \t\telements = { 10.96.0.2 . tcp . 80 : goto service-A,\n\
                    \t\t\t     10.96.0.3 . tcp . 80 : goto service-B }\n\
                    \t}\n\
                    \tchain nat-output {\n\
                    \t\tjump services\n\
                    \t}\n\
                    \tchain nat-prerouting {\n\
                    \t\tjump services\n\
                    \t}\n\
                    \tchain svc {\n\
                    \t\tnumgen random mod 2 vmap { 0 : goto a, 1 : goto b }\n\
                    \t}\n\
                    }\n";
        assert_eq!(
            hit_lines(list, &hits),
            [
                false, false, false, false, true, false, false, false, false, false, true, false,
                false, true, false, false
            ]
        );
        // The `nft -f` transaction.
        let transaction = "add rule ip kube-proxy nat-output jump services\n\
                           add rule ip kube-proxy nat-prerouting jump services\n\
                           add element ip kube-proxy service-ips { 10.96.0.2 . tcp . 80 : goto service-A }\n\
                           add element ip kube-proxy service-ips { 10.96.0.3 . tcp . 80 : goto service-B }\n\
                           add rule ip kube-proxy svc numgen random mod 2 vmap { 0 : goto a , 1 : goto b }\n";
        assert_eq!(
            hit_lines(transaction, &hits),
            [false, true, false, true, true]
        );
    }

    #[wasm_bindgen_test]
    fn ipvs_hits_match_their_virtual_server_and_real_server_lines() {
        // `ipvsadm -Ln` as the IPVS mode renders it.
        let text = "IP Virtual Server version 1.2.1 (size=4096)\n\
                    Prot LocalAddress:Port Scheduler Flags\n  \
                    -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n\
                    TCP  10.96.0.2:80 rr\n  \
                    -> 10.244.0.3:80                Masq    1      0          0         \n  \
                    -> 10.244.1.2:80                Masq    1      0          0         \n\
                    TCP  10.96.0.3:80 rr\n  \
                    -> 10.244.0.3:80                Masq    1      0          0         \n";
        let rs = RuleHit {
            table: "ipvs".to_owned(),
            chain: "TCP 10.96.0.2:80 rr".to_owned(),
            rule: "-> 10.244.0.3:80 Masq 1".to_owned(),
        };
        assert_eq!(
            hit_lines(text, &[&rs]),
            [false, false, false, true, true, false, false, false]
        );
    }
}

//! The manifest editor: one tab per object of the lab's YAML, syntax highlighting under a
//! transparent textarea, inline errors while typing (line:column and field path, in a list
//! and as gutter markers), object templates, the YAML download, the share link and the
//! storage notices.
//!
//! The lab's text stays one string; tabs are views of its documents
//! ([`nodelab_engine::api::documents`]), and an edit in a tab writes that document back in
//! place, so every other byte (comments, blank lines, `---` lines) is kept.

use gloo_timers::callback::Timeout;
use nodelab_engine::api::documents::{self, Doc};
use nodelab_engine::{SourceError, decode_manifests};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::dom::event_value;
use crate::i18n::{Key, Lang, t};
use crate::storage::Notice;

/// How long typing must pause before the text is checked.
const CHECK_DELAY_MS: u32 = 250;

/// The file name of the download.
pub const DOWNLOAD_NAME: &str = "nodelab-lab.yaml";

/// Something the lab tells the learner above the editor.
#[derive(Clone, Debug, PartialEq)]
pub enum LabNotice {
    /// About saved data.
    Storage(Notice),
    /// A share link did not open (why).
    Share(String),
}

// ---------------------------------------------------------------------------------------
// Highlighting

/// A token class of the highlighter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Indentation, spaces, flow punctuation and anything else.
    Plain,
    /// A mapping key.
    Key,
    /// `:`, `- `, `|`, `>`.
    Punct,
    /// A string scalar (quoted, plain or block).
    Str,
    /// A number.
    Num,
    /// `true`, `false`, `null`, `~` (and YAML 1.1's `yes`/`no`/`on`/`off`).
    Bool,
    /// A `#` comment.
    Comment,
    /// A `---` or `...` document marker.
    Marker,
}

impl Tok {
    fn class(self) -> Option<&'static str> {
        match self {
            Tok::Plain => None,
            Tok::Key => Some("hl-key"),
            Tok::Punct => Some("hl-punct"),
            Tok::Str => Some("hl-str"),
            Tok::Num => Some("hl-num"),
            Tok::Bool => Some("hl-bool"),
            Tok::Comment => Some("hl-comment"),
            Tok::Marker => Some("hl-marker"),
        }
    }
}

/// Where a `#` starts a comment in `s` (at the start or after a space, outside quotes).
fn comment_start(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (prev == ' ' || prev == '[' || prev == '{' || prev == ',' || i == 0) =>
            {
                quote = Some(c);
            }
            None if c == '#' && (prev == ' ' || prev == '\t' || i == 0) => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

/// Where the `:` of a `key: value` (or `key:`) is in `s`, outside quotes.
fn key_colon(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if let Some(q @ (b'"' | b'\'')) = bytes.first() {
        let close = s[1..].find(*q as char)? + 1;
        let after = &s[close + 1..];
        return after
            .trim_start()
            .starts_with(':')
            .then(|| close + 1 + after.find(':').unwrap_or(0));
    }
    if matches!(bytes.first(), Some(b'[' | b'{' | b'#' | b'|' | b'>')) {
        return None;
    }
    let mut i = 0;
    while let Some(off) = s[i..].find(':') {
        let at = i + off;
        let next = bytes.get(at + 1);
        if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The class of a plain scalar.
fn scalar_class(v: &str) -> Tok {
    match v {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL" | "~"
        | "yes" | "Yes" | "no" | "No" | "on" | "On" | "off" | "Off" => Tok::Bool,
        _ if v.parse::<f64>().is_ok()
            || (v.starts_with("0x") && i64::from_str_radix(&v[2..], 16).is_ok())
            || (v.starts_with("0o") && i64::from_str_radix(&v[2..], 8).is_ok()) =>
        {
            Tok::Num
        }
        _ => Tok::Str,
    }
}

/// Tokens of a value (what follows `key: ` or `- `), comment included.
fn value_tokens<'a>(s: &'a str, out: &mut Vec<(Tok, &'a str)>) {
    let (body, comment) = match comment_start(s) {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    let trimmed = body.trim_end();
    let (lead, rest) = body.split_at(body.len() - body.trim_start().len());
    if !lead.is_empty() {
        out.push((Tok::Plain, lead));
    }
    let core = rest.trim_end();
    if !core.is_empty() {
        let class = if core.starts_with('"') || core.starts_with('\'') {
            Tok::Str
        } else if core.starts_with(['|', '>']) {
            Tok::Punct
        } else if core.starts_with(['[', '{', '&', '*', '!']) {
            Tok::Plain
        } else {
            scalar_class(core)
        };
        out.push((class, core));
    }
    let tail = &body[trimmed.len().max(lead.len())..];
    if !tail.is_empty() {
        out.push((Tok::Plain, tail));
    }
    if let Some(c) = comment {
        out.push((Tok::Comment, c));
    }
}

/// Whether a value starts a block scalar (`|`, `|-`, `>+`, `|2`…).
fn opens_block(value: &str) -> bool {
    let v = match comment_start(value) {
        Some(i) => &value[..i],
        None => value,
    }
    .trim();
    v.starts_with(['|', '>'])
        && v[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

/// Tokens of each line of `text` (line breaks not included). Block scalars' lines are
/// strings; the rest is read line by line: markers, comments, sequence dashes, keys, values.
pub fn highlight(text: &str) -> Vec<Vec<(Tok, &str)>> {
    let mut lines = Vec::new();
    // Inside a block scalar: the indentation of the key that opened it.
    let mut block: Option<usize> = None;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut out = Vec::new();
        let indent = line.len() - line.trim_start().len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                out.push((Tok::Str, line));
                lines.push(out);
                continue;
            }
            block = None;
        }
        if line.starts_with("---") || line.starts_with("...") {
            let (marker, rest) = line.split_at(3);
            out.push((Tok::Marker, marker));
            if !rest.is_empty() {
                value_tokens(rest, &mut out);
            }
            lines.push(out);
            continue;
        }
        let (lead, mut rest) = line.split_at(indent);
        if !lead.is_empty() {
            out.push((Tok::Plain, lead));
        }
        let mut key_indent = indent;
        while rest == "-" || rest.starts_with("- ") {
            out.push((Tok::Punct, "-"));
            let after = &rest[1..];
            let spaces = after.len() - after.trim_start().len();
            if spaces > 0 {
                out.push((Tok::Plain, &after[..spaces]));
            }
            key_indent += 1 + spaces;
            rest = &after[spaces..];
        }
        if rest.starts_with('#') {
            out.push((Tok::Comment, rest));
        } else if let Some(colon) = key_colon(rest) {
            out.push((Tok::Key, &rest[..colon]));
            out.push((Tok::Punct, ":"));
            let value = &rest[colon + 1..];
            if opens_block(value) {
                block = Some(key_indent);
            }
            value_tokens(value, &mut out);
        } else if !rest.is_empty() {
            if opens_block(rest) {
                block = Some(key_indent.saturating_sub(1));
            }
            value_tokens(rest, &mut out);
        }
        lines.push(out);
    }
    lines
}

// ---------------------------------------------------------------------------------------
// Templates

/// An object the "add object" menu can add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// The docs' nginx Pod.
    Pod,
    /// The docs' nginx Deployment.
    Deployment,
    /// The docs' Service.
    Service,
    /// The docs' gVisor RuntimeClass.
    RuntimeClass,
    /// The lab's settings.
    Lab,
}

impl Template {
    /// In menu order.
    pub const ALL: [Template; 5] = [
        Template::Pod,
        Template::Deployment,
        Template::Service,
        Template::RuntimeClass,
        Template::Lab,
    ];

    /// The `kind` (the menu's option value and label).
    pub fn kind(self) -> &'static str {
        match self {
            Template::Pod => "Pod",
            Template::Deployment => "Deployment",
            Template::Service => "Service",
            Template::RuntimeClass => "RuntimeClass",
            Template::Lab => "Lab",
        }
    }

    /// The template, with `NAME` where the object's name goes.
    fn text(self) -> &'static str {
        match self {
            // kubernetes/website content/en/examples/pods/simple-pod.yaml (CC BY 4.0).
            Template::Pod => {
                "# A Pod with one nginx container (the Kubernetes docs' pods/simple-pod.yaml).\n\
                 apiVersion: v1\n\
                 kind: Pod\n\
                 metadata:\n  name: NAME\n\
                 spec:\n  containers:\n  - name: nginx\n    image: nginx:1.14.2\n    ports:\n    - containerPort: 80\n"
            }
            // kubernetes/website content/en/examples/controllers/nginx-deployment.yaml.
            Template::Deployment => {
                "# Three nginx replicas (the Kubernetes docs' controllers/nginx-deployment.yaml).\n\
                 apiVersion: apps/v1\n\
                 kind: Deployment\n\
                 metadata:\n  name: NAME\n  labels:\n    app: nginx\n\
                 spec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: nginx\n  \
                 template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      \
                 containers:\n      - name: nginx\n        image: nginx:1.14.2\n        ports:\n        \
                 - containerPort: 80\n"
            }
            // kubernetes/website content/en/docs/concepts/services-networking/service.md
            // ("Defining a Service").
            Template::Service => {
                "# A ClusterIP Service: port 80 to the selected Pods' port 9376\n\
                 # (the Kubernetes docs' \"Defining a Service\" example).\n\
                 apiVersion: v1\n\
                 kind: Service\n\
                 metadata:\n  name: NAME\n\
                 spec:\n  selector:\n    app.kubernetes.io/name: MyApp\n  ports:\n  \
                 - protocol: TCP\n    port: 80\n    targetPort: 9376\n"
            }
            // kubernetes/website content/en/docs/concepts/containers/runtime-class.md.
            Template::RuntimeClass => {
                "# Pods with runtimeClassName: NAME run under the runsc (gVisor) handler\n\
                 # (the Kubernetes docs' RuntimeClass example).\n\
                 apiVersion: node.k8s.io/v1\n\
                 kind: RuntimeClass\n\
                 metadata:\n  name: NAME\n\
                 handler: runsc\n"
            }
            Template::Lab => {
                "# The lab's settings (not a Kubernetes object; left out of the download).\n\
                 apiVersion: nodelab.dev/v1alpha1\n\
                 kind: Lab\n\
                 metadata:\n  name: NAME\n\
                 spec:\n  nodes:\n  - name: node-1\n  containerRuntime: containerd\n  \
                 proxyMode: iptables\n"
            }
        }
    }

    /// The name the docs' example uses.
    fn base_name(self) -> &'static str {
        match self {
            Template::Pod => "nginx",
            Template::Deployment => "nginx-deployment",
            Template::Service => "my-service",
            Template::RuntimeClass => "gvisor",
            Template::Lab => "lab",
        }
    }

    /// The template for a text whose documents are `docs`: named as the docs name it, or
    /// with `-2`, `-3`… when an object of that kind already has that name.
    pub fn render(self, docs: &[Doc]) -> String {
        let used = |name: &str| {
            docs.iter()
                .any(|d| d.kind.as_deref() == Some(self.kind()) && d.name.as_deref() == Some(name))
        };
        let base = self.base_name();
        let name = std::iter::once(base.to_owned())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(|n| !used(n))
            .unwrap_or_default();
        self.text().replace("NAME", &name)
    }
}

// ---------------------------------------------------------------------------------------
// Checking

/// The errors of each document, for one text.
#[derive(Clone, Debug, Default, PartialEq)]
struct Checked {
    /// The text checked.
    text: String,
    /// Per document (same order as the split), the decoder's errors, lines relative to the
    /// document's body.
    errors: Vec<Vec<SourceError>>,
}

/// Decodes and validates every document on its own, as `kubectl apply` would each object.
fn check(text: &str) -> Checked {
    let errors = documents::split(text)
        .iter()
        .map(|d| {
            decode_manifests(&d.label(), &text[d.body.clone()])
                .err()
                .unwrap_or_default()
        })
        .collect();
    Checked {
        text: text.to_owned(),
        errors,
    }
}

/// Byte offset of the start of 1-based `line` in `text`.
fn line_offset(text: &str, line: u64) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth((line - 2) as usize)
        .map_or(text.len(), |(i, _)| i + 1)
}

// ---------------------------------------------------------------------------------------
// Browser helpers

/// A `data:` URL of `text` as a YAML file.
fn data_url(text: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(text).into();
    format!("data:application/yaml;charset=utf-8,{encoded}")
}

/// Copies `text` with the asynchronous clipboard API when the page has it; `false` when not.
/// A refusal (no permission) is swallowed: the link is also shown in a field.
fn copy_to_clipboard(text: &str) -> bool {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Some(clipboard) = get(&window, "navigator")
        .and_then(|n| get(&n, "clipboard"))
        .filter(|c| c.is_object())
    else {
        return false;
    };
    let Some(write) =
        get(&clipboard, "writeText").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(p) => {
            if let Ok(promise) = p.dyn_into::<js_sys::Promise>() {
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = promise.catch(&ignore);
                ignore.forget();
            }
            true
        }
        Err(_) => false,
    }
}

// ---------------------------------------------------------------------------------------
// The component

/// Props of [`Editor`].
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// UI language.
    pub lang: Lang,
    /// The lab's whole YAML text.
    pub text: AttrValue,
    /// Why the last Apply failed (shown when typing shows no error).
    pub apply_error: Option<String>,
    /// The new whole text after an edit.
    pub on_edit: Callback<String>,
    /// Apply.
    pub on_apply: Callback<()>,
    /// Reset to the lesson's version.
    pub on_reset: Callback<()>,
    /// Makes the share link of the current state.
    pub on_share: Callback<(), String>,
    /// Notices to show above the editor.
    pub notices: Vec<LabNotice>,
    /// Dismisses notice `i`.
    pub on_dismiss: Callback<usize>,
}

/// Storage and share notices, each with a dismiss button (above the editor, and on course
/// pages for the quiz progress).
pub fn notices_view(lang: Lang, notices: &[LabNotice], on_dismiss: &Callback<usize>) -> Html {
    html! {
        { for notices.iter().enumerate().map(|(i, n)| {
            let (testid, text) = match n {
                LabNotice::Storage(Notice::Corrupt { key, moved_to }) => (
                    "storage-notice",
                    format!("{} {key} → {moved_to}", t(lang, Key::StorageCorrupt)),
                ),
                LabNotice::Storage(Notice::NotSaved) => {
                    ("storage-notice", t(lang, Key::StorageFull).to_owned())
                }
                LabNotice::Share(why) => ("share-notice", format!("{} {why}", t(lang, Key::ShareBroken))),
            };
            let onclick = {
                let on_dismiss = on_dismiss.clone();
                Callback::from(move |_: MouseEvent| on_dismiss.emit(i))
            };
            html! {
                <div class="notice" role="status" data-testid={testid}>
                    <span>{ text }</span>
                    <button class="dismiss" data-testid="notice-dismiss" aria-label={t(lang, Key::Dismiss)}
                        title={t(lang, Key::Dismiss)} {onclick}>{ "×" }</button>
                </div>
            }
        }) }
    }
}

/// The manifest editor.
#[component]
pub fn Editor(props: &EditorProps) -> Html {
    let lang = props.lang;
    let text = props.text.to_string();
    let docs = documents::split(&text);
    let active_state = use_state(|| 0usize);
    let active = (*active_state).min(docs.len().saturating_sub(1));
    let checked = use_state(|| check(&text));
    let share_url = use_state(|| None::<(String, bool)>);
    let area = use_node_ref();
    // The download's data URL, rebuilt only when the text changes (not on every clock tick).
    let download_href = use_memo(text.clone(), |text| data_url(&documents::without_lab(text)));
    // Where to put the cursor once a tab switch has rendered: (tab, byte offset).
    let goto = use_state(|| None::<(usize, usize)>);
    {
        let checked = checked.clone();
        use_effect_with(text.clone(), move |text| {
            let text = text.clone();
            let timer = (checked.text != text)
                .then(|| Timeout::new(CHECK_DELAY_MS, move || checked.set(check(&text))));
            move || drop(timer)
        });
    }
    {
        let area = area.clone();
        let goto_handle = goto.clone();
        use_effect_with((*goto, active), move |(target, active)| {
            if let Some((tab, offset)) = *target
                && tab == *active
                && let Some(el) = area.cast::<HtmlTextAreaElement>()
            {
                let _ = el.focus();
                let o = offset as u32;
                let _ = el.set_selection_range(o, o);
                goto_handle.set(None);
            }
        });
    }

    let body = docs
        .get(active)
        .map_or("", |d| &text[d.body.clone()])
        .to_owned();
    let line_count = body.split('\n').count().max(1);
    // Errors of the checked text, if the documents still line up with the current split.
    let current_errors: Vec<(usize, &SourceError)> = checked
        .errors
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < docs.len())
        .flat_map(|(i, errs)| errs.iter().map(move |e| (i, e)))
        .collect();
    let active_errors: Vec<&SourceError> = current_errors
        .iter()
        .filter(|(i, _)| *i == active)
        .map(|(_, e)| *e)
        .collect();

    let on_input = {
        let (text, docs, on_edit) = (text.clone(), docs.clone(), props.on_edit.clone());
        Callback::from(move |e: InputEvent| {
            let el: HtmlTextAreaElement = e.target_unchecked_into();
            on_edit.emit(documents::replace(&text, &docs, active, &el.value()));
        })
    };
    let on_add = {
        let (text, docs, on_edit) = (text.clone(), docs.clone(), props.on_edit.clone());
        let active_state = active_state.clone();
        Callback::from(move |e: Event| {
            let kind = event_value(&e);
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlElement>() {
                let _ = js_sys::Reflect::set(&select, &"value".into(), &"".into());
            }
            let Some(template) = Template::ALL.into_iter().find(|t| t.kind() == kind) else {
                return;
            };
            let new = documents::append(&text, &template.render(&docs));
            active_state.set(documents::split(&new).len().saturating_sub(1));
            on_edit.emit(new);
        })
    };
    let on_remove = {
        let (text, docs, on_edit) = (text.clone(), docs.clone(), props.on_edit.clone());
        let active_state = active_state.clone();
        Callback::from(move |_: MouseEvent| {
            on_edit.emit(documents::remove(&text, &docs, active));
            active_state.set(active.saturating_sub(1));
        })
    };
    let on_share = {
        let (share, share_url) = (props.on_share.clone(), share_url.clone());
        Callback::from(move |_: MouseEvent| {
            let url = share.emit(());
            let copied = copy_to_clipboard(&url);
            share_url.set(Some((url, copied)));
        })
    };
    let has_lab = docs.iter().any(Doc::is_lab);
    let gutter_errors = |line: usize| -> Vec<&SourceError> {
        active_errors
            .iter()
            .copied()
            .filter(|e| e.line as usize == line)
            .collect()
    };
    let live = !current_errors.is_empty();
    let apply_error = props.apply_error.clone().filter(|_| !live);

    html! {
        <div class="manifest-editor">
            { notices_view(lang, &props.notices, &props.on_dismiss) }
            <div class="editor-tabs" role="tablist" aria-label={t(lang, Key::EditorTabs)}>
                { for docs.iter().enumerate().map(|(i, d)| {
                    let label = d.label();
                    let selected = i == active;
                    let has_error = checked.errors.get(i).is_some_and(|e| !e.is_empty());
                    let onclick = {
                        let active_state = active_state.clone();
                        Callback::from(move |_: MouseEvent| active_state.set(i))
                    };
                    html! {
                        <button role="tab" data-testid="editor-tab" data-object={label.clone()}
                            id={format!("editor-tab-{i}")} aria-controls="manifest"
                            aria-selected={if selected { "true" } else { "false" }}
                            class={classes!("editor-tab", selected.then_some("selected"), has_error.then_some("has-error"))}
                            {onclick}>
                            { label }
                            if has_error {
                                <span class="tab-error" aria-hidden="true">{ " ●" }</span>
                                <span class="visually-hidden">{ format!(" ({})", t(lang, Key::ErrorLine)) }</span>
                            }
                        </button>
                    }
                }) }
            </div>
            <div class="code-scroll">
                <div class="code-grid">
                    <div class="gutter" data-testid="editor-gutter" aria-hidden="true">
                        { for (1..=line_count).map(|n| {
                            let errs = gutter_errors(n);
                            if errs.is_empty() {
                                html! { <div class="gl">{ n }</div> }
                            } else {
                                let title = errs.iter().map(|e| format!("{}:{} {}{}", e.line, e.column,
                                    if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) }, e.message))
                                    .collect::<Vec<_>>().join("\n");
                                html! { <div class="gl err" data-line={n.to_string()} title={title}>{ "● " }{ n }</div> }
                            }
                        }) }
                    </div>
                    <div class="code">
                        <pre class="code-hl" aria-hidden="true">
                            { for highlight(&body).into_iter().map(|line| html! {
                                <>
                                    { for line.into_iter().map(|(tok, s)| match tok.class() {
                                        Some(c) => html! { <span class={c}>{ s }</span> },
                                        None => html! { { s } },
                                    }) }
                                    { "\n" }
                                </>
                            }) }
                        </pre>
                        <textarea id="manifest" data-testid="manifest-editor" spellcheck="false" wrap="off"
                            autocapitalize="off" autocomplete="off"
                            aria-labelledby={format!("manifest-label editor-tab-{active}")}
                            ref={area.clone()}
                            style={format!("height: calc({line_count} * var(--code-lh) + 2 * var(--code-pad))")}
                            value={body} oninput={on_input} />
                    </div>
                </div>
            </div>
            if live || apply_error.is_some() {
                <div class="yaml-error" data-testid="yaml-error" role="alert" aria-label={t(lang, Key::EditorErrors)}>
                <ul>
                    { for current_errors.iter().map(|(i, e)| {
                        let label = docs.get(*i).map(Doc::label).unwrap_or_default();
                        let onclick = {
                            let (active_state, goto) = (active_state.clone(), goto.clone());
                            let doc_text = docs.get(*i).map(|d| text[d.body.clone()].to_owned()).unwrap_or_default();
                            let (tab, line, column) = (*i, e.line, e.column);
                            Callback::from(move |_: MouseEvent| {
                                let offset = line_offset(&doc_text, line) + column.saturating_sub(1) as usize;
                                active_state.set(tab);
                                goto.set(Some((tab, offset.min(doc_text.len()))));
                            })
                        };
                        html! {
                            <li data-object={label.clone()}>
                                <button class="err-goto" {onclick}>
                                    <span class="err-object">{ label }</span>{ " " }
                                    <span class="err-pos">{ format!("{}:{}", e.line, e.column) }</span>{ " " }
                                    if !e.path.is_empty() { <code class="err-path">{ &e.path }</code>{ ": " } }
                                    <span class="err-msg">{ &e.message }</span>
                                </button>
                            </li>
                        }
                    }) }
                    if let Some(err) = apply_error {
                        <li class="apply-error"><pre>{ err }</pre></li>
                    }
                </ul>
                </div>
            }
            <div class="editor-actions">
                <button data-testid="apply" onclick={props.on_apply.reform(|_: MouseEvent| ())}>{ t(lang, Key::Apply) }</button>
                <button data-testid="reset" onclick={props.on_reset.reform(|_: MouseEvent| ())}>{ t(lang, Key::Reset) }</button>
                <select data-testid="add-object" aria-label={t(lang, Key::AddObject)} onchange={on_add}>
                    <option value="" selected=true>{ t(lang, Key::AddObject) }</option>
                    { for Template::ALL.iter().map(|tpl| html! {
                        <option value={tpl.kind()} disabled={*tpl == Template::Lab && has_lab}>{ tpl.kind() }</option>
                    }) }
                </select>
                if let Some(d) = docs.get(active) {
                    <button data-testid="remove-object" data-object={d.label()}
                        aria-label={format!("{} {}", t(lang, Key::RemoveObject), d.label())}
                        title={format!("{} {}", t(lang, Key::RemoveObject), d.label())}
                        onclick={on_remove}>{ "− " }{ d.label() }</button>
                }
                <a class="button" data-testid="download-yaml" download={DOWNLOAD_NAME}
                    href={(*download_href).clone()}
                    title={t(lang, Key::DownloadHint)}>{ t(lang, Key::DownloadYaml) }</a>
                <button data-testid="share-link" onclick={on_share}>{ t(lang, Key::ShareLink) }</button>
            </div>
            if let Some((url, copied)) = &*share_url {
                <div class="share-box">
                    <label for="share-url">{ t(lang, Key::ShareUrl) }</label>
                    <input id="share-url" data-testid="share-url" readonly=true value={url.clone()} />
                    if *copied { <span class="copied">{ t(lang, Key::ShareCopied) }</span> }
                </div>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(line: &str) -> Vec<(Tok, String)> {
        highlight(line)
            .remove(0)
            .into_iter()
            .map(|(t, s)| (t, s.to_owned()))
            .collect()
    }

    fn tok(t: Tok, s: &str) -> (Tok, String) {
        (t, s.to_owned())
    }

    #[test]
    fn highlighting_covers_every_byte_of_every_line() {
        let text = include_str!("../lessons/scenarios/service-web.yaml");
        let joined: Vec<String> = highlight(text)
            .into_iter()
            .map(|l| l.into_iter().map(|(_, s)| s).collect())
            .collect();
        assert_eq!(joined.join("\n"), text);
    }

    #[test]
    fn keys_values_and_comments_get_their_classes() {
        use Tok::*;
        assert_eq!(
            classes("  name: web # the app"),
            [
                tok(Plain, "  "),
                tok(Key, "name"),
                tok(Punct, ":"),
                tok(Plain, " "),
                tok(Str, "web"),
                tok(Plain, " "),
                tok(Comment, "# the app")
            ]
        );
        assert_eq!(
            classes("  - containerPort: 80"),
            [
                tok(Plain, "  "),
                tok(Punct, "-"),
                tok(Plain, " "),
                tok(Key, "containerPort"),
                tok(Punct, ":"),
                tok(Plain, " "),
                tok(Num, "80")
            ]
        );
        assert_eq!(classes("--- # two")[0], tok(Marker, "---"));
        assert_eq!(classes("a: true")[3], tok(Bool, "true"));
        assert_eq!(classes("a: \"x: #y\"")[3], tok(Str, "\"x: #y\""));
        assert_eq!(classes("image: nginx:1.27")[3], tok(Str, "nginx:1.27"));
        assert_eq!(classes("# only")[0], tok(Comment, "# only"));
        assert_eq!(classes("- \"a\"")[2], tok(Str, "\"a\""));
    }

    #[test]
    fn block_scalars_are_strings() {
        let lines = highlight("cmd: |\n  a: b\n  # not a comment\nnext: 1\n");
        assert_eq!(lines[1], [(Tok::Str, "  a: b")]);
        assert_eq!(lines[2], [(Tok::Str, "  # not a comment")]);
        assert_eq!(lines[3][0], (Tok::Key, "next"));
    }

    #[test]
    fn templates_decode_and_get_free_names() {
        let empty = documents::split("");
        for tpl in Template::ALL {
            let text = tpl.render(&empty);
            assert!(
                decode_manifests("t.yaml", &text).is_ok(),
                "{tpl:?}: {:?}",
                decode_manifests("t.yaml", &text).err()
            );
            assert_eq!(documents::split(&text)[0].kind.as_deref(), Some(tpl.kind()));
        }
        let text = "kind: Service\nmetadata:\n  name: my-service\n---\nkind: Pod\nmetadata:\n  name: my-service-2\n";
        let svc = Template::Service.render(&documents::split(text));
        assert!(svc.contains("  name: my-service-2\n"), "{svc}");
    }

    #[test]
    fn each_document_is_checked_on_its_own() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - name: c\n    image: nginx\n---\nkind: [\n";
        let c = check(text);
        assert_eq!(c.errors.len(), 2);
        let e = &c.errors[0][0];
        assert_eq!(
            (e.file.as_str(), e.line, e.column, e.path.as_str()),
            ("Pod/a", 6, 3, "spec.restartPolicy")
        );
        assert!(
            e.message.starts_with("Unsupported value: \"Sometimes\""),
            "{}",
            e.message
        );
        assert_eq!(
            (c.errors[1][0].line, c.errors[1][0].column),
            (1, 7),
            "{:?}",
            c.errors[1]
        );
        assert_eq!(line_offset("a\nbc\nd", 3), 5);
        assert_eq!(line_offset("a\nbc\nd", 1), 0);
    }
}

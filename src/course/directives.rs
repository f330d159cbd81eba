//! The widgets lesson directives render as: lab cards, live diagrams, callouts, notes areas.

use nodelab_content::directives::{
    CalloutDirective, Directive, DirectiveBody, LabDirective, NotesDirective,
};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::diagrams::Diagram;
use super::markdown;
use super::progress::{load_note, save_note};
use super::{LabTarget, use_course};
use crate::i18n::{Key, t};

/// Renders one directive.
pub fn directive(d: &Directive) -> Html {
    match &d.body {
        DirectiveBody::Lab(l) => html! { <LabCard lab={l.clone()} /> },
        DirectiveBody::Diagram(dg) => html! {
            <Diagram name={dg.name.clone()} scenario={dg.scenario.clone()} caption={dg.caption.clone()} />
        },
        DirectiveBody::Callout(c) => callout(c),
        DirectiveBody::Notes(n) => html! { <Notes notes={n.clone()} /> },
    }
}

/// Props of [`LabCard`].
#[derive(Properties, PartialEq)]
pub struct LabCardProps {
    /// The directive.
    pub lab: LabDirective,
}

/// An embedded lab: its caption and a button that loads it into the page's lab.
#[component]
pub fn LabCard(props: &LabCardProps) -> Html {
    let Some(ctx) = use_course() else {
        return Html::default();
    };
    let lang = ctx.lang;
    let l = &props.lab;
    let active = ctx
        .snapshot
        .as_ref()
        .is_some_and(|s| s.scenario.id() == l.scenario);
    let onclick = {
        let open = ctx.open.clone();
        let target = LabTarget {
            scenario: l.scenario.clone(),
            at: l.at.clone(),
            view: l.view.clone(),
        };
        Callback::from(move |_: MouseEvent| open.emit(target.clone()))
    };
    html! {
        <figure class={classes!("lab-card", active.then_some("active"))} data-testid="lab-card" data-scenario={l.scenario.clone()}>
            <figcaption>
                <span class="lab-card-label">{ t(lang, Key::CourseLabCard) }{ " · " }<code>{ &l.scenario }</code>
                    if let Some(at) = &l.at { { " · " }{ at } }
                </span>
                if let Some(c) = &l.caption { <p>{ c }</p> }
            </figcaption>
            <button data-testid="open-lab" data-scenario={l.scenario.clone()} {onclick}
                aria-label={format!("{} {}", t(lang, Key::CourseOpenLab), l.scenario)}>
                { t(lang, Key::CourseOpenLab) }
            </button>
        </figure>
    }
}

/// A callout box; its body is Markdown.
pub fn callout(c: &CalloutDirective) -> Html {
    let kind = match c.kind.as_str() {
        "correction" | "warning" | "note" => c.kind.as_str(),
        _ => "note",
    };
    html! {
        <aside class={classes!("callout", format!("callout-{kind}"))} data-testid="callout" data-kind={kind.to_owned()}
            role="note" aria-label={c.title.clone()}>
            <p class="callout-title"><strong>{ &c.title }</strong></p>
            <div class="callout-body">{ markdown::render(&c.body, &[], &|_| Html::default()) }</div>
        </aside>
    }
}

/// Props of [`Notes`].
#[derive(Properties, PartialEq)]
pub struct NotesProps {
    /// The directive.
    pub notes: NotesDirective,
}

/// A notes area saved in localStorage as the learner types.
#[component]
pub fn Notes(props: &NotesProps) -> Html {
    let id = props.notes.id.clone();
    let text = {
        let id = id.clone();
        use_state(move || load_note(&id))
    };
    let lang = use_course().map_or(crate::i18n::Lang::Ko, |c| c.lang);
    let oninput = {
        let text = text.clone();
        let id = id.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            let v = area.value();
            save_note(&id, &v);
            text.set(v);
        })
    };
    let field = format!("notes-{id}");
    html! {
        <div class="notes" data-testid="notes" data-notes={id.clone()}>
            <label for={field.clone()}>{ &props.notes.prompt }</label>
            <textarea id={field} data-testid="notes-text" rows="4" value={(*text).clone()} {oninput}
                placeholder={t(lang, Key::CourseNotesPlaceholder)} />
            <p class="notes-hint">{ t(lang, Key::CourseNotesSaved) }</p>
        </div>
    }
}

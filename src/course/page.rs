//! A section page: the course table of contents with progress, the section's prose (with its
//! directives) and quiz, and the page's one lab beside them.

use std::rc::Rc;

use nodelab_content::directives::DirectiveBody;
use nodelab_content::lessons::LoadedSection;
use yew::prelude::*;

use super::directives::directive;
use super::markdown;
use super::progress::{self, Answered, Progress};
use super::quiz::Quiz;
use super::{CourseCtx, LabTarget, SESSION, lessons, session};
use crate::editor::{LabNotice, notices_view};
use crate::i18n::{Key, Lang, t};
use crate::lab::{Lab, LabRequest, LabSnapshot};
use crate::storage::Notice;

/// Props of [`CoursePage`].
#[derive(Properties, PartialEq)]
pub struct CoursePageProps {
    /// UI and lesson language.
    pub lang: Lang,
    /// Section id.
    pub section: String,
}

/// The first lab directive of a section: what its page opens with.
pub fn first_lab(section: &LoadedSection) -> Option<LabTarget> {
    section.ko_directives.iter().find_map(|d| match &d.body {
        DirectiveBody::Lab(l) => Some(LabTarget {
            scenario: l.scenario.clone(),
            at: l.at.clone(),
            view: l.view.clone(),
        }),
        _ => None,
    })
}

/// The link of a section.
pub fn href(section: &str) -> String {
    format!("#/{SESSION}/{section}")
}

/// A section page (the caller checks the section exists; an unknown one shows "not found").
#[component]
pub fn CoursePage(props: &CoursePageProps) -> Html {
    let lang = props.lang;
    let snapshot = use_state(|| None::<Rc<LabSnapshot>>);
    let request = use_state(|| None::<LabRequest>);
    let serial = use_mut_ref(|| 0u32);
    // Progress that could not be read is set aside by the store; say so, as the lab does.
    let saved = use_memo((), |_| {
        let mut found = Vec::new();
        let progress = Rc::new(Progress::load(&mut found));
        let notices: Vec<LabNotice> = found.into_iter().map(LabNotice::Storage).collect();
        (progress, notices)
    });
    let progress = {
        let saved = saved.clone();
        use_state(move || saved.0.clone())
    };
    let notices = {
        let saved = saved.clone();
        use_state(move || saved.1.clone())
    };
    let on_dismiss = {
        let notices = notices.clone();
        Callback::from(move |i: usize| {
            let mut n = (*notices).clone();
            if i < n.len() {
                n.remove(i);
            }
            notices.set(n);
        })
    };

    let open = {
        let request = request.clone();
        let serial = serial.clone();
        use_callback((), move |target: LabTarget, _| {
            let n = {
                let mut s = serial.borrow_mut();
                *s += 1;
                *s
            };
            if let Some(r) = target.request(n) {
                request.set(Some(r));
                // On narrow screens the lab is below the prose: bring it into view.
                if let Some(lab) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("course-lab"))
                {
                    lab.scroll_into_view();
                }
            }
        })
    };
    let record = {
        let progress = progress.clone();
        let notices = notices.clone();
        use_callback(
            (),
            move |(id, section, correct): (String, String, bool), _| {
                let mut p = (**progress).clone();
                p.answers.insert(id, Answered { section, correct });
                if !p.save() && !notices.contains(&LabNotice::Storage(Notice::NotSaved)) {
                    let mut n = (*notices).clone();
                    n.push(LabNotice::Storage(Notice::NotSaved));
                    notices.set(n);
                }
                progress.set(Rc::new(p));
            },
        )
    };
    let reset = {
        let progress = progress.clone();
        Callback::from(move |_: MouseEvent| {
            progress::clear();
            progress.set(Rc::new(Progress::default()));
        })
    };
    let on_change = {
        let snapshot = snapshot.clone();
        use_callback((), move |s: Rc<LabSnapshot>, _| snapshot.set(Some(s)))
    };

    let loaded = session();
    let index = loaded.and_then(|s| s.sections.iter().position(|x| x.id == props.section));
    // Open the section's first lab when the page (or the section) opens.
    {
        let open = open.clone();
        use_effect_with(props.section.clone(), move |id| {
            let first = session()
                .and_then(|s| s.sections.iter().find(|x| &x.id == id))
                .and_then(first_lab);
            if let Some(target) = first {
                open.emit(target);
            }
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        });
    }
    // The prose is parsed once per section and language; its widgets follow the lab through
    // the context.
    let prose = use_memo((props.section.clone(), lang), |(id, lang)| {
        let Some(sec) = session().and_then(|s| s.sections.iter().find(|x| &x.id == id)) else {
            return Html::default();
        };
        let (text, dirs) = match lang {
            Lang::En => (sec.en.as_deref(), &sec.en_directives),
            Lang::Ko => (sec.ko.as_deref(), &sec.ko_directives),
        };
        markdown::render(text.unwrap_or_default(), dirs, &directive)
    });

    let (Some(loaded), Some(index)) = (loaded, index) else {
        return html! { <p data-testid="not-found">{ t(lang, Key::NotFound) }</p> };
    };
    let info = &loaded.session.sections[index];
    let section = &loaded.sections[index];
    let tag = lang.tag();
    fn ids_of(s: &LoadedSection) -> Vec<&str> {
        s.quiz.questions.iter().map(|q| q.id.as_str()).collect()
    }
    let total: usize = loaded.sections.iter().map(|s| s.quiz.questions.len()).sum();
    let (answered, correct) = progress.count(loaded.sections.iter().flat_map(|s| ids_of(s)));
    let course = lessons().course.as_ref();
    let crumbs: Vec<String> = course
        .and_then(|c| {
            c.weeks.iter().find_map(|w| {
                w.days.iter().find_map(|d| {
                    d.sessions
                        .iter()
                        .find(|s| s.id == loaded.session.id)
                        .map(|s| {
                            vec![
                                w.title.get(tag).to_owned(),
                                d.title.get(tag).to_owned(),
                                s.title.get(tag).to_owned(),
                            ]
                        })
                })
            })
        })
        .unwrap_or_else(|| vec![t(lang, Key::Breadcrumb).to_owned()]);
    let prev = index.checked_sub(1).map(|i| &loaded.session.sections[i]);
    let next = loaded.session.sections.get(index + 1);
    let last = next.is_none();
    let ctx = CourseCtx {
        lang,
        snapshot: (*snapshot).clone(),
        open,
        progress: (*progress).clone(),
        record,
    };
    let pct = (correct * 100).checked_div(total).unwrap_or(0);

    html! {
        <ContextProvider<CourseCtx> context={ctx}>
        <div class="course" data-testid="course">
            <nav class="course-toc" aria-label={t(lang, Key::CourseContents)}>
                <p class="toc-session">{ loaded.session.title.get(tag) }</p>
                <div class="course-progress" data-testid="course-progress" data-answered={answered.to_string()} data-correct={correct.to_string()} data-total={total.to_string()}>
                    <progress max={total.max(1).to_string()} value={correct.to_string()} aria-label={t(lang, Key::CourseProgress)} />
                    <span>{ format!("{} {correct}/{total} · {} {answered}/{total} ({pct}%)", t(lang, Key::CourseCorrect), t(lang, Key::CourseAnswered)) }</span>
                </div>
                <ol class="toc">
                    { for loaded.session.sections.iter().zip(&loaded.sections).map(|(si, sl)| {
                        let ids = ids_of(sl);
                        let (a, c) = progress.count(ids.iter().copied());
                        let n = ids.len();
                        let current = si.id == info.id;
                        let complete = n > 0 && c == n;
                        html! {
                            <li class={classes!(current.then_some("current"), complete.then_some("complete"))}>
                                <a href={href(&si.id)} data-testid="toc-link" data-section={si.id.clone()}
                                    aria-current={current.then_some("page")}>
                                    <span class="toc-tick" aria-hidden="true">{ if complete { "✓" } else if a > 0 { "◐" } else { "○" } }</span>
                                    <span class="toc-title">{ si.title.get(tag) }</span>
                                    <span class="toc-meta" data-testid="toc-progress" data-section={si.id.clone()}>
                                        { format!("{}{} · {c}/{n}", si.minutes, t(lang, Key::CourseMinutes)) }
                                    </span>
                                </a>
                            </li>
                        }
                    }) }
                </ol>
                <a class="toc-lab" href={format!("#/{SESSION}/lab")}>{ t(lang, Key::CourseFreeLab) }</a>
                <button data-testid="progress-reset" class="progress-reset" onclick={reset}>{ t(lang, Key::CourseReset) }</button>
            </nav>
            <article class="course-prose" data-testid="section" data-section={info.id.clone()} lang={tag}>
                { notices_view(lang, &notices, &on_dismiss) }
                <nav aria-label="breadcrumb" class="crumbs" data-testid="course-breadcrumb">
                    { for crumbs.iter().enumerate().map(|(i, c)| html! { <>
                        if i > 0 { { " › " } }
                        <span>{ c }</span>
                    </> }) }
                </nav>
                <h1 data-testid="section-title">{ info.title.get(tag) }</h1>
                <p class="section-minutes">{ format!("{} {}{}", t(lang, Key::CourseTimeBudget), info.minutes, t(lang, Key::CourseMinutes)) }</p>
                if index == 0 {
                    <section class="objectives" data-testid="objectives" aria-labelledby="objectives-heading">
                        <h2 id="objectives-heading">{ t(lang, Key::CourseObjectives) }</h2>
                        <ul>
                            { for (if lang == Lang::En { &loaded.session.objectives.en } else { &loaded.session.objectives.ko }).iter().map(|o| html! { <li>{ o }</li> }) }
                        </ul>
                    </section>
                }
                <div class="prose">{ (*prose).clone() }</div>
                if last {
                    <section class="references" data-testid="references" aria-labelledby="references-heading">
                        <h2 id="references-heading">{ t(lang, Key::CourseReferences) }</h2>
                        <ul>
                            { for loaded.session.references.iter().map(|r| html! {
                                <li><a href={r.url.clone()} target="_blank" rel="noopener">{ r.title.get(tag) }</a></li>
                            }) }
                        </ul>
                    </section>
                    <aside class="next-session" data-testid="next-session">
                        <h2>{ t(lang, Key::CourseNextSession) }</h2>
                        <p>{ loaded.session.next.get(tag) }</p>
                    </aside>
                }
                <Quiz key={info.id.clone()} section={info.id.clone()} questions={section.quiz.questions.clone()} />
                <nav class="pager" aria-label={t(lang, Key::CoursePager)}>
                    if let Some(p) = prev {
                        <a class="prev" data-testid="prev-section" href={href(&p.id)}>{ "← " }{ p.title.get(tag) }</a>
                    }
                    if let Some(n) = next {
                        <a class="next" data-testid="next-section" href={href(&n.id)}>{ n.title.get(tag) }{ " →" }</a>
                    }
                </nav>
            </article>
            <div class="course-lab" id="course-lab">
                <Lab {lang} request={(*request).clone()} on_change={ctx_on_change(on_change)} />
            </div>
        </div>
        </ContextProvider<CourseCtx>>
    }
}

fn ctx_on_change(cb: Callback<Rc<LabSnapshot>>) -> Option<Callback<Rc<LabSnapshot>>> {
    Some(cb)
}

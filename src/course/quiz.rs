//! The section quizzes: single choice (radio), multiple choice (checkboxes), ordering (move
//! up / down buttons) and predict-questions graded against the answer the content crate's
//! engine query computes (lazily, when the learner checks, and cached).

use std::cell::RefCell;
use std::collections::BTreeMap;

use nodelab_content::model::{Choice, Question, QuestionKind};
use nodelab_content::{Answer, Response, grade};
use yew::prelude::*;

use super::{LabTarget, lessons, use_course};
use crate::dom::event_value;
use crate::i18n::{Key, Lang, t};

thread_local! {
    /// Engine answers by question id (a scenario run is not free: compute each once).
    static ANSWERS: RefCell<BTreeMap<String, Result<Answer, String>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The engine's answer to a predict-question (cached).
pub fn engine_answer(q: &Question) -> Result<Answer, String> {
    if let Some(hit) = ANSWERS.with(|a| a.borrow().get(&q.id).cloned()) {
        return hit;
    }
    let result = match &q.predict {
        None => Err("not a predict-question".to_owned()),
        Some(p) => match lessons().scenarios.get(&p.scenario) {
            None => Err(format!("scenario {} not found", p.scenario)),
            Some(text) => crate::lab::decode(text)
                .and_then(|m| nodelab_content::answer(&m, &p.query).map_err(|e| e.to_string())),
        },
    };
    ANSWERS.with(|a| a.borrow_mut().insert(q.id.clone(), result.clone()));
    result
}

/// A deterministic shuffle of `ids` by `seed` (xorshift, Fisher–Yates).
pub fn shuffle(ids: &[String], seed: u64) -> Vec<String> {
    let mut out = ids.to_vec();
    let mut x = seed | 1;
    for i in (1..out.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

fn seed_of(id: &str, attempt: u32) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) ^ u64::from(attempt).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The order items are shown in on `attempt`: shuffled, never already in the right order.
pub fn item_order(q: &Question, attempt: u32) -> Vec<String> {
    let ids: Vec<String> = q.items.iter().map(|i| i.id.clone()).collect();
    let mut out = shuffle(&ids, seed_of(&q.id, attempt));
    if out == ids && out.len() > 1 {
        out.rotate_left(1);
    }
    out
}

/// The order options are shown in: as written first, shuffled on every retry.
pub fn option_order(q: &Question, attempt: u32) -> Vec<String> {
    let ids: Vec<String> = q.options.iter().map(|o| o.id.clone()).collect();
    if attempt == 0 {
        ids
    } else {
        shuffle(&ids, seed_of(&q.id, attempt))
    }
}

fn text(lang: Lang, c: &Choice) -> &str {
    if lang == Lang::En { &c.en } else { &c.ko }
}

/// Props of [`Quiz`].
#[derive(Properties, PartialEq)]
pub struct QuizProps {
    /// The section id (progress is kept per section).
    pub section: String,
    /// The questions.
    pub questions: Vec<Question>,
}

/// A section's quiz.
#[component]
pub fn Quiz(props: &QuizProps) -> Html {
    let Some(ctx) = use_course() else {
        return Html::default();
    };
    if props.questions.is_empty() {
        return Html::default();
    }
    let lang = ctx.lang;
    html! {
        <section class="quiz" data-testid="quiz" aria-labelledby="quiz-heading">
            <h2 id="quiz-heading">{ t(lang, Key::CourseQuiz) }</h2>
            { for props.questions.iter().enumerate().map(|(i, q)| html! {
                <QuestionCard key={q.id.clone()} number={i + 1} section={props.section.clone()} question={q.clone()} />
            }) }
        </section>
    }
}

/// Props of [`QuestionCard`].
#[derive(Properties, PartialEq)]
pub struct QuestionProps {
    /// 1-based number.
    pub number: usize,
    /// Section id.
    pub section: String,
    /// The question.
    pub question: Question,
}

/// A checked answer.
#[derive(Clone, PartialEq)]
struct Checked {
    correct: bool,
    /// The engine's answer (predict-questions), or why it could not be computed.
    answer: Option<Result<Answer, String>>,
}

/// One question with its inputs, check / retry buttons and feedback.
#[component]
pub fn QuestionCard(props: &QuestionProps) -> Html {
    let q = &props.question;
    let attempt = use_state(|| 0u32);
    let chosen = use_state(Vec::<String>::new);
    let order = {
        let q = q.clone();
        use_state(move || item_order(&q, 0))
    };
    let input = use_state(String::new);
    let checked = use_state(|| None::<Checked>);
    let Some(ctx) = use_course() else {
        return Html::default();
    };
    let lang = ctx.lang;
    let uses_order =
        q.kind == QuestionKind::Order || (q.kind == QuestionKind::Predict && !q.items.is_empty());
    let uses_options = matches!(q.kind, QuestionKind::Single | QuestionKind::Multiple)
        || (q.kind == QuestionKind::Predict && !q.options.is_empty());
    let multiple = q.kind == QuestionKind::Multiple;
    let done = checked.is_some();

    let on_check = {
        let q = q.clone();
        let chosen = chosen.clone();
        let order = order.clone();
        let input = input.clone();
        let checked = checked.clone();
        let record = ctx.record.clone();
        let section = props.section.clone();
        Callback::from(move |_: MouseEvent| {
            let answer = (q.kind == QuestionKind::Predict).then(|| engine_answer(&q));
            let response = if uses_order {
                Response::Order((*order).clone())
            } else if uses_options {
                Response::Options((*chosen).clone())
            } else {
                Response::Input((*input).clone())
            };
            let correct = grade(&q, answer.as_ref().and_then(|a| a.as_ref().ok()), &response);
            record.emit((q.id.clone(), section.clone(), correct));
            checked.set(Some(Checked { correct, answer }));
        })
    };
    let on_retry = {
        let q = q.clone();
        let attempt = attempt.clone();
        let chosen = chosen.clone();
        let order = order.clone();
        let input = input.clone();
        let checked = checked.clone();
        Callback::from(move |_: MouseEvent| {
            let next = *attempt + 1;
            attempt.set(next);
            chosen.set(Vec::new());
            order.set(item_order(&q, next));
            input.set(String::new());
            checked.set(None);
        })
    };
    let prompt = q.prompt.get(lang.tag()).to_owned();
    let saved = ctx.progress.answers.get(&q.id);
    let name = format!("q-{}", q.id);

    let options = uses_options.then(|| {
        let ids = option_order(q, *attempt);
        html! {
            <fieldset class="q-options" disabled={done}>
                <legend class="visually-hidden">{ &prompt }</legend>
                { for ids.iter().filter_map(|id| q.options.iter().find(|o| &o.id == id)).map(|o| {
                    let id = o.id.clone();
                    let is_on = chosen.contains(&id);
                    let onchange = {
                        let chosen = chosen.clone();
                        let id = id.clone();
                        Callback::from(move |_: Event| {
                            let mut v = if multiple { (*chosen).clone() } else { Vec::new() };
                            if let Some(pos) = v.iter().position(|x| *x == id) {
                                v.remove(pos);
                            } else {
                                v.push(id.clone());
                            }
                            chosen.set(v);
                        })
                    };
                    let field = format!("{name}-{}", o.id);
                    html! {
                        <div class="q-option">
                            <input type={if multiple { "checkbox" } else { "radio" }} id={field.clone()} name={name.clone()}
                                data-testid="quiz-option" data-option={o.id.clone()} checked={is_on} {onchange} />
                            <label for={field}>{ text(lang, o) }</label>
                        </div>
                    }
                }) }
            </fieldset>
        }
    });

    let ordering = uses_order.then(|| {
        let n = order.len();
        html! {
            <ol class="q-order" data-testid="quiz-order">
                { for order.iter().enumerate().filter_map(|(i, id)| q.items.iter().find(|it| &it.id == id).map(|it| (i, it))).map(|(i, it)| {
                    let mv = |delta: isize| {
                        let order = order.clone();
                        Callback::from(move |_: MouseEvent| {
                            let mut v = (*order).clone();
                            let j = i as isize + delta;
                            if j >= 0 && (j as usize) < v.len() {
                                v.swap(i, j as usize);
                                order.set(v);
                            }
                        })
                    };
                    let label = text(lang, it).to_owned();
                    html! {
                        <li data-testid="order-item" data-item={it.id.clone()}>
                            <span>{ &label }</span>
                            <button data-testid="move-up" disabled={done || i == 0} onclick={mv(-1)}
                                aria-label={format!("{} {label}", t(lang, Key::CourseMoveUp))}>{ "↑" }</button>
                            <button data-testid="move-down" disabled={done || i + 1 == n} onclick={mv(1)}
                                aria-label={format!("{} {label}", t(lang, Key::CourseMoveDown))}>{ "↓" }</button>
                        </li>
                    }
                }) }
            </ol>
        }
    });

    let free = (!uses_order && !uses_options).then(|| {
        let oninput = {
            let input = input.clone();
            Callback::from(move |e: InputEvent| input.set(event_value(&e)))
        };
        let field = format!("{name}-input");
        html! {
            <div class="q-input">
                <label for={field.clone()}>{ t(lang, Key::CourseYourAnswer) }</label>
                <input id={field} data-testid="predict-input" inputmode="numeric" disabled={done}
                    value={(*input).clone()} {oninput} />
            </div>
        }
    });

    let can_check = if uses_options {
        !chosen.is_empty()
    } else if uses_order {
        true
    } else {
        !input.trim().is_empty()
    };
    let feedback = checked.as_ref().map(|c| {
        let lab = q.lab.as_ref().map(|l| {
            let open = ctx.open.clone();
            let target = LabTarget { scenario: l.scenario.clone(), at: l.at.clone(), view: l.view.clone() };
            let onclick = Callback::from(move |_: MouseEvent| open.emit(target.clone()));
            html! {
                <button data-testid="quiz-lab-link" {onclick}>
                    { t(lang, Key::CourseShowInLab) }{ " (" }{ &l.scenario }{ l.at.as_ref().map_or(String::new(), |a| format!(" @ {a}")) }{ ")" }
                </button>
            }
        });
        let engine = c.answer.as_ref().map(|a| match a {
            Ok(a) => html! { <p class="q-engine" data-testid="engine-answer">{ t(lang, Key::CourseEngineAnswer) }{ ": " }<strong>{ a.canonical() }</strong></p> },
            Err(e) => html! { <p class="q-engine error">{ e }</p> },
        });
        html! {
            <div class={classes!("q-feedback", if c.correct { "right" } else { "wrong" })} data-testid="quiz-feedback"
                data-correct={if c.correct { "true" } else { "false" }} role="status">
                <p class="q-verdict"><strong>{ if c.correct { t(lang, Key::CourseRight) } else { t(lang, Key::CourseWrong) } }</strong></p>
                { engine.unwrap_or_default() }
                <p>{ q.explanation.get(lang.tag()) }</p>
                { lab.unwrap_or_default() }
            </div>
        }
    });
    html! {
        <article class="question" data-testid="question" data-question={q.id.clone()} data-kind={format!("{:?}", q.kind).to_lowercase()}>
            <h3><span class="q-number">{ format!("{}. ", props.number) }</span>{ &prompt }</h3>
            if let Some(s) = saved {
                <p class="q-saved" data-testid="quiz-saved" data-correct={if s.correct { "true" } else { "false" }}>
                    { if s.correct { t(lang, Key::CourseSavedRight) } else { t(lang, Key::CourseSavedWrong) } }
                </p>
            }
            { options.unwrap_or_default() }
            { ordering.unwrap_or_default() }
            { free.unwrap_or_default() }
            <div class="q-actions">
                if done {
                    <button data-testid="quiz-retry" onclick={on_retry}>{ t(lang, Key::CourseRetry) }</button>
                } else {
                    <button data-testid="quiz-check" disabled={!can_check} onclick={on_check}>{ t(lang, Key::CourseCheck) }</button>
                }
            </div>
            { feedback.unwrap_or_default() }
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[wasm_bindgen_test]
    fn shuffles_are_permutations_and_differ_between_attempts() {
        let v = ids(&["a", "b", "c", "d", "e"]);
        let s1 = shuffle(&v, seed_of("q", 1));
        let s2 = shuffle(&v, seed_of("q", 2));
        let mut sorted = s1.clone();
        sorted.sort();
        assert_eq!(sorted, v);
        assert_ne!(s1, s2);
    }

    #[wasm_bindgen_test]
    fn every_predict_question_has_an_engine_answer() {
        for s in &lessons().sessions {
            for sec in &s.sections {
                for q in sec
                    .quiz
                    .questions
                    .iter()
                    .filter(|q| q.kind == QuestionKind::Predict)
                {
                    assert!(engine_answer(q).is_ok(), "{}: {:?}", q.id, engine_answer(q));
                }
            }
        }
    }
}

//! `nodelab check lessons`: every file parses, every scenario runs, every question is well
//! formed in both languages, every predict-question's answer is computed by the engine, and
//! the Korean and English Markdown carry the same directives.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use nodelab_engine::api::yaml::Positions;
use nodelab_engine::{Manifest, SimTime, World, decode_manifests};

use crate::directives::{CALLOUT_KINDS, DIAGRAMS, Directive, DirectiveBody};
use crate::lessons::{Lessons, LoadedSection};
use crate::model::{LAB_VIEWS, LabLink, Localized, Question, QuestionKind};
use crate::predict::{self, Answer};
use crate::source::ContentError;

/// How long each scenario is simulated to prove it runs.
pub const CHECK_DURATION: SimTime = SimTime::from_secs(5 * 60);

/// What the check found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Sections in the course.
    pub sections: usize,
    /// Scenarios that decoded and ran.
    pub labs: usize,
    /// Questions.
    pub questions: usize,
    /// Predict-questions.
    pub predict: usize,
    /// The engine's answer for each predict-question, by question id.
    pub answers: BTreeMap<String, Answer>,
    /// Problems, one per line.
    pub problems: Vec<ContentError>,
    /// Things worth knowing that do not fail the check (prose not written yet).
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// The summary line: `sections: N, labs: N, questions: N (predict: N)`.
    pub fn summary(&self) -> String {
        format!(
            "sections: {}, labs: {}, questions: {} (predict: {})",
            self.sections, self.labs, self.questions, self.predict
        )
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        write!(f, "{}", self.summary())
    }
}

/// Decodes and runs one scenario for [`CHECK_DURATION`].
pub fn run_scenario(name: &str, text: &str) -> Result<Vec<Manifest>, Vec<ContentError>> {
    let located = |e: &nodelab_engine::SourceError| ContentError {
        file: e.file.clone(),
        line: e.line,
        column: e.column,
        path: e.path.clone(),
        message: e.message.clone(),
    };
    let manifests =
        decode_manifests(name, text).map_err(|es| es.iter().map(located).collect::<Vec<_>>())?;
    let mut world = World::from_manifests(&manifests, None).map_err(|e| vec![located(&e)])?;
    world.advance_to(CHECK_DURATION);
    Ok(manifests)
}

fn at(file: &str, positions: &Positions, path: &str, message: impl Into<String>) -> ContentError {
    ContentError::at(file, positions.key(path), path, message)
}

/// Checks a loaded lessons folder. `load_problems` are the loader's (they are kept, so one
/// report has everything).
pub fn check(lessons: &Lessons, load_problems: Vec<ContentError>) -> CheckReport {
    let mut r = CheckReport {
        problems: load_problems,
        ..CheckReport::default()
    };
    // Scenarios.
    let mut scenarios: BTreeMap<&str, Option<Vec<Manifest>>> = BTreeMap::new();
    for (name, text) in &lessons.scenarios {
        let file = format!("scenarios/{name}.yaml");
        match run_scenario(&file, text) {
            Ok(m) => {
                r.labs += 1;
                scenarios.insert(name, Some(m));
            }
            Err(errors) => {
                r.problems.extend(errors);
                scenarios.insert(name, None);
            }
        }
    }
    let Some(course) = &lessons.course else {
        return r;
    };
    check_localized_tree(course, &lessons.course_positions, &mut r.problems);
    let any_prose = lessons
        .sessions
        .iter()
        .flat_map(|s| &s.sections)
        .any(|s| s.ko.is_some() || s.en.is_some());
    let mut question_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut notes_ids: BTreeMap<String, String> = BTreeMap::new();
    for session in &lessons.sessions {
        let sfile = format!("{}/session.yaml", session.folder);
        let pos = &session.positions;
        let s = &session.session;
        localized(&sfile, pos, "title", &s.title, &mut r.problems);
        localized(&sfile, pos, "next", &s.next, &mut r.problems);
        if s.objectives.ko.len() != s.objectives.en.len() || s.objectives.ko.is_empty() {
            r.problems.push(at(
                &sfile,
                pos,
                "objectives",
                format!(
                    "objectives: {} in Korean, {} in English (need the same, at least one)",
                    s.objectives.ko.len(),
                    s.objectives.en.len()
                ),
            ));
        }
        for (i, o) in s.objectives.ko.iter().chain(&s.objectives.en).enumerate() {
            if o.trim().is_empty() {
                r.problems.push(at(
                    &sfile,
                    pos,
                    "objectives",
                    format!("objective {i} is empty"),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, sec) in s.sections.iter().enumerate() {
            let path = format!("sections[{i}]");
            if !seen.insert(sec.id.as_str()) {
                r.problems.push(at(
                    &sfile,
                    pos,
                    &format!("{path}.id"),
                    format!("duplicate section id {:?}", sec.id),
                ));
            }
            if sec.minutes == 0 {
                r.problems.push(at(
                    &sfile,
                    pos,
                    &format!("{path}.minutes"),
                    "minutes must be > 0",
                ));
            }
            localized(
                &sfile,
                pos,
                &format!("{path}.title"),
                &sec.title,
                &mut r.problems,
            );
        }
        for (i, reference) in s.references.iter().enumerate() {
            localized(
                &sfile,
                pos,
                &format!("references[{i}].title"),
                &reference.title,
                &mut r.problems,
            );
            if !reference.url.starts_with("https://") {
                r.problems.push(at(
                    &sfile,
                    pos,
                    &format!("references[{i}].url"),
                    "must be an https:// URL",
                ));
            }
        }
        if let Some(map) = &session.seed_map {
            let mfile = format!("{}/seed-map.yaml", session.folder);
            for (i, e) in map.entries.iter().enumerate() {
                if !seen.contains(e.section.as_str()) {
                    r.problems.push(at(
                        &mfile,
                        &session.seed_map_positions,
                        &format!("entries[{i}].section"),
                        format!("unknown section {:?}", e.section),
                    ));
                }
                if e.phrase.trim().is_empty() || e.item.trim().is_empty() {
                    r.problems.push(at(
                        &mfile,
                        &session.seed_map_positions,
                        &format!("entries[{i}]"),
                        "item and phrase must not be empty",
                    ));
                }
            }
        }
        for section in &session.sections {
            r.sections += 1;
            let dir = format!("{}/{}", session.folder, section.id);
            check_prose(section, &dir, any_prose, &scenarios, &mut notes_ids, &mut r);
            for (qi, q) in section.quiz.questions.iter().enumerate() {
                r.questions += 1;
                let path = format!("questions[{qi}]");
                if let Some(first) = question_ids.insert(q.id.clone(), section.quiz_file.clone()) {
                    r.problems.push(at(
                        &section.quiz_file,
                        &section.quiz_positions,
                        &format!("{path}.id"),
                        format!("duplicate question id {:?} (also in {first})", q.id),
                    ));
                }
                check_question(
                    q,
                    &section.quiz_file,
                    &section.quiz_positions,
                    &path,
                    &scenarios,
                    &mut r,
                );
            }
        }
    }
    r
}

fn check_localized_tree(
    course: &crate::model::Course,
    pos: &Positions,
    problems: &mut Vec<ContentError>,
) {
    localized("course.yaml", pos, "title", &course.title, problems);
    for (wi, w) in course.weeks.iter().enumerate() {
        localized(
            "course.yaml",
            pos,
            &format!("weeks[{wi}].title"),
            &w.title,
            problems,
        );
        for (di, d) in w.days.iter().enumerate() {
            localized(
                "course.yaml",
                pos,
                &format!("weeks[{wi}].days[{di}].title"),
                &d.title,
                problems,
            );
            for (si, s) in d.sessions.iter().enumerate() {
                localized(
                    "course.yaml",
                    pos,
                    &format!("weeks[{wi}].days[{di}].sessions[{si}].title"),
                    &s.title,
                    problems,
                );
            }
        }
    }
}

fn localized(
    file: &str,
    pos: &Positions,
    path: &str,
    text: &Localized,
    out: &mut Vec<ContentError>,
) {
    for (lang, t) in [("ko", &text.ko), ("en", &text.en)] {
        if t.trim().is_empty() {
            out.push(at(
                file,
                pos,
                &format!("{path}.{lang}"),
                "missing translation (empty)",
            ));
        }
    }
}

fn check_prose(
    section: &LoadedSection,
    dir: &str,
    any_prose: bool,
    scenarios: &BTreeMap<&str, Option<Vec<Manifest>>>,
    notes_ids: &mut BTreeMap<String, String>,
    r: &mut CheckReport,
) {
    match (&section.ko, &section.en) {
        (None, None) if !any_prose => {
            r.warnings.push(format!("{dir}: no ko.md / en.md yet"));
            return;
        }
        (None, _) | (_, None) => {
            for (lang, text) in [("ko", &section.ko), ("en", &section.en)] {
                if text.is_none() {
                    r.problems.push(ContentError::file(
                        &format!("{dir}/{lang}.md"),
                        "file not found",
                    ));
                }
            }
            return;
        }
        _ => {}
    }
    for (lang, ds) in [
        ("ko", &section.ko_directives),
        ("en", &section.en_directives),
    ] {
        let file = format!("{dir}/{lang}.md");
        for d in ds {
            check_directive(&file, d, scenarios, &mut r.problems);
            if let (DirectiveBody::Notes(n), "ko") = (&d.body, lang)
                && let Some(first) = notes_ids.insert(n.id.clone(), file.clone())
            {
                r.problems.push(ContentError {
                    file: file.clone(),
                    line: d.line,
                    column: 1,
                    path: "id".to_owned(),
                    message: format!("duplicate notes id {:?} (also in {first})", n.id),
                });
            }
        }
    }
    let ko: Vec<String> = section
        .ko_directives
        .iter()
        .map(|d| d.body.shape())
        .collect();
    let en: Vec<String> = section
        .en_directives
        .iter()
        .map(|d| d.body.shape())
        .collect();
    if ko != en {
        let i = ko.iter().zip(&en).take_while(|(a, b)| a == b).count();
        let (line, what) = match (section.en_directives.get(i), ko.get(i)) {
            (Some(d), Some(k)) => (
                d.line,
                format!("has `{}` where ko.md has `{k}`", d.body.shape()),
            ),
            (Some(d), None) => (d.line, format!("has an extra `{}`", d.body.shape())),
            (None, Some(k)) => (0, format!("lacks `{k}` (directive {} of ko.md)", i + 1)),
            (None, None) => (0, "differs".to_owned()),
        };
        r.problems.push(ContentError {
            file: format!("{dir}/en.md"),
            line,
            column: u64::from(line > 0),
            path: String::new(),
            message: format!("directives differ from ko.md: en.md {what}"),
        });
    }
}

fn check_directive(
    file: &str,
    d: &Directive,
    scenarios: &BTreeMap<&str, Option<Vec<Manifest>>>,
    out: &mut Vec<ContentError>,
) {
    let mut bad = |path: &str, message: String| {
        out.push(ContentError {
            file: file.to_owned(),
            line: d.line,
            column: 1,
            path: format!("{}.{path}", d.body.kind()),
            message,
        });
    };
    let scenario_known = |s: &str| scenarios.contains_key(s);
    match &d.body {
        DirectiveBody::Lab(l) => {
            if !scenario_known(&l.scenario) {
                bad("scenario", format!("unknown scenario {:?}", l.scenario));
            }
            if let Some(v) = &l.view
                && !LAB_VIEWS.contains(&v.as_str())
            {
                bad("view", format!("unknown view {v:?} (want node or proxy)"));
            }
            if let Some(t) = &l.at
                && let Err(e) = nodelab_engine::time::parse_duration(t)
            {
                bad("at", e);
            }
        }
        DirectiveBody::Diagram(g) => {
            if !DIAGRAMS.contains(&g.name.as_str()) {
                bad(
                    "name",
                    format!(
                        "unknown diagram {:?} (known: {})",
                        g.name,
                        DIAGRAMS.join(", ")
                    ),
                );
            }
            if !scenario_known(&g.scenario) {
                bad("scenario", format!("unknown scenario {:?}", g.scenario));
            }
        }
        DirectiveBody::Callout(c) => {
            if !CALLOUT_KINDS.contains(&c.kind.as_str()) {
                bad(
                    "kind",
                    format!(
                        "unknown callout kind {:?} (want correction, note or warning)",
                        c.kind
                    ),
                );
            }
            if c.title.trim().is_empty() || c.body.trim().is_empty() {
                bad("body", "title and body must not be empty".to_owned());
            }
            if c.kind == "correction" && !c.body.contains("https://") {
                bad(
                    "body",
                    "a correction must cite its source (an https:// URL)".to_owned(),
                );
            }
        }
        DirectiveBody::Notes(n) => {
            if n.id.trim().is_empty() || n.prompt.trim().is_empty() {
                bad("id", "id and prompt must not be empty".to_owned());
            }
        }
    }
}

fn check_lab_link(
    file: &str,
    pos: &Positions,
    path: &str,
    link: &LabLink,
    scenarios: &BTreeMap<&str, Option<Vec<Manifest>>>,
    out: &mut Vec<ContentError>,
) {
    if !scenarios.contains_key(link.scenario.as_str()) {
        out.push(at(
            file,
            pos,
            &format!("{path}.scenario"),
            format!("unknown scenario {:?}", link.scenario),
        ));
    }
    if let Some(v) = &link.view
        && !LAB_VIEWS.contains(&v.as_str())
    {
        out.push(at(
            file,
            pos,
            &format!("{path}.view"),
            format!("unknown view {v:?} (want node or proxy)"),
        ));
    }
    if let Some(t) = &link.at
        && let Err(e) = nodelab_engine::time::parse_duration(t)
    {
        out.push(at(file, pos, &format!("{path}.at"), e));
    }
}

fn check_question(
    q: &Question,
    file: &str,
    pos: &Positions,
    path: &str,
    scenarios: &BTreeMap<&str, Option<Vec<Manifest>>>,
    r: &mut CheckReport,
) {
    let p = &mut r.problems;
    let mut bad = |sub: &str, message: String| {
        let full = if sub.is_empty() {
            path.to_owned()
        } else {
            format!("{path}.{sub}")
        };
        p.push(at(file, pos, &full, message));
    };
    if q.id.trim().is_empty() {
        bad("id", "id must not be empty".to_owned());
    }
    for (name, text) in [("prompt", &q.prompt), ("explanation", &q.explanation)] {
        for (lang, t) in [("ko", &text.ko), ("en", &text.en)] {
            if t.trim().is_empty() {
                bad(
                    &format!("{name}.{lang}"),
                    "missing translation (empty)".to_owned(),
                );
            }
        }
    }
    for (list, choices) in [("options", &q.options), ("items", &q.items)] {
        let mut ids = BTreeSet::new();
        for (i, c) in choices.iter().enumerate() {
            if !ids.insert(c.id.as_str()) {
                bad(
                    &format!("{list}[{i}].id"),
                    format!("duplicate id {:?}", c.id),
                );
            }
            for (lang, t) in [("ko", &c.ko), ("en", &c.en)] {
                if t.trim().is_empty() {
                    bad(
                        &format!("{list}[{i}].{lang}"),
                        "missing translation (empty)".to_owned(),
                    );
                }
            }
        }
    }
    let predict_kind = q.kind == QuestionKind::Predict;
    if q.predict.is_some() != predict_kind {
        bad(
            "predict",
            if predict_kind {
                "a predict question needs `predict`"
            } else {
                "only predict questions have `predict`"
            }
            .to_owned(),
        );
    }
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if q.options.len() < 2 {
                bad(
                    "options",
                    format!("a {:?} question needs at least 2 options", q.kind).to_lowercase(),
                );
            }
            if !q.items.is_empty() {
                bad(
                    "items",
                    "only order and predict questions have items".to_owned(),
                );
            }
            for (i, o) in q.options.iter().enumerate() {
                if o.correct.is_none() {
                    bad(
                        &format!("options[{i}].correct"),
                        "Required value: say whether the option is correct".to_owned(),
                    );
                }
                if o.value.is_some() {
                    bad(
                        &format!("options[{i}].value"),
                        "only predict options have a value".to_owned(),
                    );
                }
            }
            let correct = q.options.iter().filter(|o| o.correct == Some(true)).count();
            if q.kind == QuestionKind::Single && correct != 1 {
                bad(
                    "options",
                    format!(
                        "a single-choice question needs exactly 1 correct option, has {correct}"
                    ),
                );
            }
            if q.kind == QuestionKind::Multiple && correct == 0 {
                bad(
                    "options",
                    "a multiple-choice question needs at least 1 correct option".to_owned(),
                );
            }
        }
        QuestionKind::Order => {
            if q.items.len() < 2 {
                bad(
                    "items",
                    format!(
                        "an order question needs at least 2 items, has {}",
                        q.items.len()
                    ),
                );
            }
            if !q.options.is_empty() {
                bad(
                    "options",
                    "an order question has items, not options".to_owned(),
                );
            }
            for (i, c) in q.items.iter().enumerate() {
                if c.correct.is_some() || c.value.is_some() {
                    bad(
                        &format!("items[{i}]"),
                        "order items are written in the correct order; no correct/value".to_owned(),
                    );
                }
            }
        }
        QuestionKind::Predict => {
            for (list, choices) in [("options", &q.options), ("items", &q.items)] {
                for (i, c) in choices.iter().enumerate() {
                    if c.correct.is_some() {
                        bad(
                            &format!("{list}[{i}].correct"),
                            "predict answers come from the engine: give `value`, not `correct`"
                                .to_owned(),
                        );
                    }
                    if c.value.is_none() {
                        bad(&format!("{list}[{i}].value"), "Required value".to_owned());
                    }
                }
            }
            if !q.options.is_empty() && !q.items.is_empty() {
                bad(
                    "",
                    "a predict question has options or items, not both".to_owned(),
                );
            }
        }
    }
    if let Some(link) = &q.lab {
        check_lab_link(
            file,
            pos,
            &format!("{path}.lab"),
            link,
            scenarios,
            &mut r.problems,
        );
    }
    let Some(pr) = &q.predict else { return };
    r.predict += 1;
    let manifests = match scenarios.get(pr.scenario.as_str()) {
        None => {
            r.problems.push(at(
                file,
                pos,
                &format!("{path}.predict.scenario"),
                format!("unknown scenario {:?}", pr.scenario),
            ));
            return;
        }
        Some(None) => return, // the scenario's own problems are reported
        Some(Some(m)) => m,
    };
    let answer = match predict::answer(manifests, &pr.query) {
        Ok(a) => a,
        Err(e) => {
            r.problems.push(at(
                file,
                pos,
                &format!("{path}.predict.query"),
                format!("the engine cannot answer: {e}"),
            ));
            return;
        }
    };
    let mut bad = |sub: &str, message: String| {
        r.problems
            .push(at(file, pos, &format!("{path}.{sub}"), message));
    };
    match &answer {
        Answer::List(list) => {
            let mut want: Vec<String> = list.clone();
            let mut have: Vec<String> = q
                .items
                .iter()
                .filter_map(|i| i.value.as_ref().map(|v| v.canonical()))
                .collect();
            want.sort();
            have.sort();
            if q.items.is_empty() {
                bad(
                    "items",
                    "the answer is an order: give the items to order (with `value`)".to_owned(),
                );
            } else if want != have {
                bad(
                    "items",
                    format!("item values {have:?} are not the answer's items {want:?}"),
                );
            }
        }
        other => {
            if !q.items.is_empty() {
                bad(
                    "items",
                    format!("the answer ({other}) is not an order; use options"),
                );
            }
            if q.options.is_empty() {
                if !matches!(other, Answer::Number(_)) {
                    bad(
                        "options",
                        format!(
                            "the answer ({other}) is not a number: give options to choose from"
                        ),
                    );
                }
            } else {
                let matching = predict::matching_options(q, other);
                if matching.len() != 1 {
                    bad(
                        "options",
                        format!(
                            "exactly one option's value must be the engine's answer {:?}; {} match",
                            other.canonical(),
                            matching.len()
                        ),
                    );
                }
            }
        }
    }
    r.answers.insert(q.id.clone(), answer);
}

//! Loading a lessons folder, from disk or from embedded `(path, text)` pairs (the web app
//! `include_str!`s the files: there is no filesystem in wasm).

use std::collections::BTreeMap;
use std::path::Path;

use nodelab_engine::api::yaml::Positions;

use crate::directives::{self, Directive};
use crate::model::{Course, Quiz, SeedMap, Session};
use crate::source::{ContentError, Located, decode};

/// A loaded lessons folder.
#[derive(Clone, Debug, Default)]
pub struct Lessons {
    /// `course.yaml` (None if missing or broken).
    pub course: Option<Course>,
    /// Where `course.yaml`'s fields were written.
    pub course_positions: Positions,
    /// The sessions `course.yaml` lists, in course order.
    pub sessions: Vec<LoadedSession>,
    /// Scenario texts by name (`scenarios/<name>.yaml`).
    pub scenarios: BTreeMap<String, String>,
}

/// One session folder.
#[derive(Clone, Debug, Default)]
pub struct LoadedSession {
    /// Folder name under the lessons folder.
    pub folder: String,
    /// `session.yaml`.
    pub session: Session,
    /// Where `session.yaml`'s fields were written.
    pub positions: Positions,
    /// `seed-map.yaml`, if present.
    pub seed_map: Option<SeedMap>,
    /// Where `seed-map.yaml`'s fields were written.
    pub seed_map_positions: Positions,
    /// The sections `session.yaml` lists, in order.
    pub sections: Vec<LoadedSection>,
}

/// One section folder.
#[derive(Clone, Debug, Default)]
pub struct LoadedSection {
    /// Section id (= folder name).
    pub id: String,
    /// `quiz.yaml` path relative to the lessons folder.
    pub quiz_file: String,
    /// `quiz.yaml` (empty if missing or broken).
    pub quiz: Quiz,
    /// Where `quiz.yaml`'s fields were written.
    pub quiz_positions: Positions,
    /// `ko.md` text, if present.
    pub ko: Option<String>,
    /// `en.md` text, if present.
    pub en: Option<String>,
    /// Directives of `ko.md`.
    pub ko_directives: Vec<Directive>,
    /// Directives of `en.md`.
    pub en_directives: Vec<Directive>,
}

fn parse<T: serde::de::DeserializeOwned>(
    files: &BTreeMap<String, &str>,
    path: &str,
    problems: &mut Vec<ContentError>,
    required: bool,
) -> Option<Located<T>> {
    match files.get(path) {
        None => {
            if required {
                problems.push(ContentError::file(path, "file not found"));
            }
            None
        }
        Some(text) => match decode::<T>(path, text, 0) {
            Ok(v) => Some(v),
            Err(e) => {
                problems.push(e);
                None
            }
        },
    }
}

/// Loads a lessons folder from `(path, text)` pairs, paths relative to the folder with `/`
/// separators (`course.yaml`, `session-7/kubelet/quiz.yaml`, `scenarios/nginx-pod.yaml`).
/// Returns what could be loaded and every parse problem (with file, line, column and field
/// path). Cross-file checks are [`crate::check::check`]'s.
pub fn load_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Lessons, Vec<ContentError>) {
    let files: BTreeMap<String, &str> = files
        .into_iter()
        .map(|(p, t)| (p.trim_start_matches("./").to_owned(), t))
        .collect();
    let mut problems = Vec::new();
    let mut lessons = Lessons::default();
    for (path, text) in &files {
        if let Some(name) = path
            .strip_prefix("scenarios/")
            .and_then(|n| n.strip_suffix(".yaml"))
            && !name.contains('/')
        {
            lessons
                .scenarios
                .insert(name.to_owned(), (*text).to_owned());
        }
    }
    let Some(course) = parse::<Course>(&files, "course.yaml", &mut problems, true) else {
        return (lessons, problems);
    };
    lessons.course_positions = course.positions.clone();
    for (wi, week) in course.value.weeks.iter().enumerate() {
        for (di, day) in week.days.iter().enumerate() {
            for (si, entry) in day.sessions.iter().enumerate() {
                let path = format!("{}/session.yaml", entry.folder);
                let Some(session) = parse::<Session>(&files, &path, &mut problems, true) else {
                    continue;
                };
                if session.value.id != entry.id {
                    problems.push(course.error(
                        &format!("weeks[{wi}].days[{di}].sessions[{si}].id"),
                        format!(
                            "session id {:?} does not match {path}'s id {:?}",
                            entry.id, session.value.id
                        ),
                    ));
                }
                let seed_map = parse::<SeedMap>(
                    &files,
                    &format!("{}/seed-map.yaml", entry.folder),
                    &mut problems,
                    false,
                );
                let mut loaded = LoadedSession {
                    folder: entry.folder.clone(),
                    session: session.value.clone(),
                    positions: session.positions.clone(),
                    seed_map_positions: seed_map
                        .as_ref()
                        .map(|s| s.positions.clone())
                        .unwrap_or_default(),
                    seed_map: seed_map.map(|s| s.value),
                    sections: Vec::new(),
                };
                for section in &session.value.sections {
                    let dir = format!("{}/{}", entry.folder, section.id);
                    let quiz_file = format!("{dir}/quiz.yaml");
                    let quiz = parse::<Quiz>(&files, &quiz_file, &mut problems, true);
                    let md = |lang: &str| {
                        files
                            .get(&format!("{dir}/{lang}.md"))
                            .map(|t| (*t).to_owned())
                    };
                    let (ko, en) = (md("ko"), md("en"));
                    let mut dirs = |lang: &str, text: &Option<String>| match text {
                        Some(t) => {
                            let (ds, errors) = directives::extract(&format!("{dir}/{lang}.md"), t);
                            problems.extend(errors);
                            ds
                        }
                        None => Vec::new(),
                    };
                    let ko_directives = dirs("ko", &ko);
                    let en_directives = dirs("en", &en);
                    loaded.sections.push(LoadedSection {
                        id: section.id.clone(),
                        quiz_file,
                        quiz_positions: quiz
                            .as_ref()
                            .map(|q| q.positions.clone())
                            .unwrap_or_default(),
                        quiz: quiz.map(|q| q.value).unwrap_or_default(),
                        ko,
                        en,
                        ko_directives,
                        en_directives,
                    });
                }
                lessons.sessions.push(loaded);
            }
        }
    }
    lessons.course = Some(course.value);
    (lessons, problems)
}

/// Reads every `.yaml` and `.md` file below `dir` and loads them with [`load_files`]. File
/// names in problems are relative to `dir`, except for files that could not be read.
pub fn load_dir(dir: &Path) -> (Lessons, Vec<ContentError>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    collect(dir, dir, &mut files, &mut problems);
    let (lessons, more) = load_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    problems.extend(more);
    (lessons, problems)
}

fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, String)>,
    problems: &mut Vec<ContentError>,
) {
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(e) => e.flatten().map(|e| e.path()).collect(),
        Err(e) => {
            problems.push(ContentError::file(
                &dir.display().to_string(),
                e.to_string(),
            ));
            return;
        }
    };
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, out, problems);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "md") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            match std::fs::read_to_string(&path) {
                Ok(t) => out.push((rel, t)),
                Err(e) => problems.push(ContentError::file(
                    &path.display().to_string(),
                    e.to_string(),
                )),
            }
        }
    }
}

//! nodelab-content: the course's lessons, quizzes and lab scenarios — the model, a loader
//! (from a folder, or from embedded `(path, text)` pairs for the web app), Markdown directive
//! extraction, engine-computed answers for predict-questions, and `nodelab check lessons`.
//!
//! The format is documented for authors in `lessons/README.md`.

pub mod check;
pub mod directives;
pub mod lessons;
pub mod model;
pub mod predict;
pub mod source;

use std::path::Path;

pub use check::{CHECK_DURATION, CheckReport, run_scenario};
pub use lessons::{Lessons, LoadedSection, LoadedSession, load_dir, load_files};
pub use model::{Course, Localized, Question, QuestionKind, Quiz, Session};
pub use predict::{Answer, PredictQuery, Response, answer, grade};
pub use source::ContentError;

/// Loads and checks a lessons folder: what `nodelab check lessons DIR` prints. File names
/// in problems are prefixed with `dir`.
pub fn check_dir(dir: &Path) -> CheckReport {
    let (lessons, problems) = load_dir(dir);
    let mut report = check::check(&lessons, problems);
    let prefix = dir.display().to_string();
    let prefix = prefix.trim_end_matches('/');
    for p in &mut report.problems {
        if !p.file.starts_with(prefix) {
            p.file = format!("{prefix}/{}", p.file);
        }
    }
    report
}

/// Loads and checks embedded lesson files (see [`load_files`]).
pub fn check_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> CheckReport {
    let (lessons, problems) = load_files(files);
    check::check(&lessons, problems)
}

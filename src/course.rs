//! The course pages: session 7's sections with their prose, live diagrams, quizzes and the
//! page's lab. The course itself (sessions, sections, quizzes, directives) comes from
//! `nodelab-content`, loaded from the lesson files embedded at build time.

pub mod diagrams;
pub mod directives;
pub mod markdown;
pub mod page;
pub mod progress;
pub mod quiz;

use std::rc::Rc;

use nodelab_content::lessons::{Lessons, LoadedSession, load_files};
use nodelab_engine::SimTime;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::lab::{LabRequest, LabSnapshot, View};
use crate::scenarios::{Scenario, files::FILES};

pub use page::CoursePage;
use progress::Progress;

/// The route segment of the session the app teaches (`#/session-7/<section>`).
pub const SESSION: &str = "session-7";

thread_local! {
    static LESSONS: &'static Lessons = Box::leak(Box::new(load_files(FILES.iter().copied()).0));
}

/// The course, loaded once.
pub fn lessons() -> &'static Lessons {
    LESSONS.with(|l| *l)
}

/// The session the app teaches.
pub fn session() -> Option<&'static LoadedSession> {
    lessons()
        .sessions
        .iter()
        .find(|s| s.session.id == SESSION)
        .or_else(|| lessons().sessions.first())
}

/// The id of the session's first section (where `#/` goes).
pub fn first_section() -> Option<&'static str> {
    session()
        .and_then(|s| s.session.sections.first())
        .map(|s| s.id.as_str())
}

/// A lab a lesson points at: a directive or a quiz's answer link.
#[derive(Clone, Debug, PartialEq)]
pub struct LabTarget {
    /// Scenario name.
    pub scenario: String,
    /// Time to open at (`90s`, `3m`).
    pub at: Option<String>,
    /// `node` or `proxy`.
    pub view: Option<String>,
}

impl LabTarget {
    /// The request the page's lab gets (None for an unknown scenario).
    pub fn request(&self, serial: u32) -> Option<LabRequest> {
        Some(LabRequest {
            scenario: Scenario::from_id(&self.scenario)?,
            at: self
                .at
                .as_deref()
                .and_then(|t| nodelab_engine::time::parse_duration(t).ok())
                .map_or(SimTime::ZERO, SimTime::from_millis),
            view: match self.view.as_deref() {
                Some("proxy") => Some(View::Proxy),
                Some("node") => Some(View::Node),
                _ => None,
            },
            serial,
        })
    }
}

/// What the widgets inside a lesson share: the language, the page lab's state, the way to
/// load a lab, and the learner's progress.
#[derive(Clone)]
pub struct CourseCtx {
    /// UI and lesson language.
    pub lang: Lang,
    /// The page lab's last reported state.
    pub snapshot: Option<Rc<LabSnapshot>>,
    /// Loads a scenario into the page's lab.
    pub open: Callback<LabTarget>,
    /// Saved progress.
    pub progress: Rc<Progress>,
    /// Records an answer: `(question id, section id, correct)`.
    pub record: Callback<(String, String, bool)>,
}

impl PartialEq for CourseCtx {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang
            && match (&self.snapshot, &other.snapshot) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
            && self.open == other.open
            && self.progress == other.progress
            && self.record == other.record
    }
}

/// The shared course context (panics never: a missing provider gives `None`).
#[hook]
pub fn use_course() -> Option<CourseCtx> {
    use_context::<CourseCtx>()
}

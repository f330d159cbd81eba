//! The course model: what `course.yaml`, `session.yaml`, `seed-map.yaml` and each section's
//! `quiz.yaml` hold (see `lessons/README.md` for the format).

use serde::{Deserialize, Serialize};

use crate::predict::PredictQuery;

/// A text in both course languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// Korean (the default language).
    pub ko: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text in `lang` (`"en"`; anything else gives Korean).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.ko }
    }
}

/// A list of texts in both languages (objectives).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedList {
    /// Korean items.
    pub ko: Vec<String>,
    /// English items, one per Korean item.
    pub en: Vec<String>,
}

/// `course.yaml`: the course tree, weeks › days › sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    /// Stable id.
    pub id: String,
    /// Course title.
    pub title: Localized,
    /// Weeks in order.
    pub weeks: Vec<Week>,
}

/// One week of the course.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Week {
    /// Stable id (`week-2`).
    pub id: String,
    /// Title (`2주차` / `Week 2`).
    pub title: Localized,
    /// Days in order.
    pub days: Vec<Day>,
}

/// One day of a week.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    /// Stable id (`day-1`).
    pub id: String,
    /// Title.
    pub title: Localized,
    /// Sessions in order.
    pub sessions: Vec<SessionEntry>,
}

/// A session as the course lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionEntry {
    /// Stable id; must equal the `id` in the session's `session.yaml`.
    pub id: String,
    /// Folder under `lessons/` holding `session.yaml`.
    pub folder: String,
    /// Title.
    pub title: Localized,
}

/// `session.yaml`: one session's objectives, sections, references and teaser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: Localized,
    /// Learning objectives (same count in both languages).
    pub objectives: LocalizedList,
    /// Sections in teaching order.
    pub sections: Vec<SectionInfo>,
    /// Further reading.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The "next session" teaser.
    pub next: Localized,
}

/// A section as its session lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionInfo {
    /// Stable id; also the section's folder name.
    pub id: String,
    /// Planned minutes.
    pub minutes: u32,
    /// Title.
    pub title: Localized,
}

/// A reference link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Link text.
    pub title: Localized,
    /// Absolute `https://` URL.
    pub url: String,
}

/// `seed-map.yaml`: where each heading and bullet of the seed lesson is taught.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMap {
    /// The seed file name (under the shared seed folder).
    pub seed: String,
    /// One entry per seed heading or bullet.
    pub entries: Vec<SeedEntry>,
}

/// One seed item and where it is taught.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEntry {
    /// The seed's heading or bullet, normalised (markers, tree glyphs and `**` removed).
    pub item: String,
    /// The section that teaches it.
    pub section: String,
    /// A phrase that must occur in that section's `ko.md` (case and spacing ignored).
    pub phrase: String,
}

/// `quiz.yaml`: a section's questions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    /// Questions in order.
    pub questions: Vec<Question>,
}

/// The four kinds of question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Exactly one option is correct.
    Single,
    /// One or more options are correct; the learner must pick exactly those.
    Multiple,
    /// Put `items` (written in the correct order) in order.
    Order,
    /// The engine computes the answer from a scenario.
    Predict,
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique across the course.
    pub id: String,
    /// Kind.
    pub kind: QuestionKind,
    /// The question.
    pub prompt: Localized,
    /// `single` / `multiple`: options with `correct`; `predict`: candidate answers with
    /// `value` (the engine's answer picks one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// `order`: the items in the correct order; `predict` with a list answer: the items
    /// (any order) with `value`, the engine gives the order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Choice>,
    /// `predict`: the scenario and query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predict: Option<Predict>,
    /// Why the answer is what it is.
    pub explanation: Localized,
    /// Opens the lab in the state that shows the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab: Option<LabLink>,
}

/// An option of a choice question or an item of an ordering question.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Id, unique within the question.
    pub id: String,
    /// Korean text.
    pub ko: String,
    /// English text.
    pub en: String,
    /// `single` / `multiple`: whether it is a right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// `predict`: the answer this option stands for (compared with the engine's answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Scalar>,
}

/// A YAML scalar written as an option's `value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text.
    Str(String),
}

impl Scalar {
    /// The canonical text, as [`crate::predict::Answer::canonical`] writes answers.
    pub fn canonical(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Str(s) => s.trim().to_owned(),
        }
    }
}

/// A predict-question's scenario and query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predict {
    /// Scenario name (a file in `lessons/scenarios` without `.yaml`).
    pub scenario: String,
    /// What to compute.
    pub query: PredictQuery,
}

/// A link that opens a lab.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabLink {
    /// Scenario name.
    pub scenario: String,
    /// Simulated time to open at (`90s`, `3m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `node` or `proxy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
}

/// The lab views a link or directive may open.
pub const LAB_VIEWS: &[&str] = &["node", "proxy"];

//! Quiz progress per section and for the course, saved in localStorage under a schema
//! version (`nodelab.v1.progress`), and the notes areas' texts (`nodelab.v1.notes.<id>`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// localStorage key of the progress (the `v1` is the schema version).
pub const PROGRESS_KEY: &str = "nodelab.v1.progress";
/// Prefix of a notes area's localStorage key.
pub const NOTES_PREFIX: &str = "nodelab.v1.notes.";

/// The last answer to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answered {
    /// The section the question is in.
    pub section: String,
    /// Whether it was right.
    pub correct: bool,
}

/// Every question answered so far, by question id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Answers by question id.
    pub answers: BTreeMap<String, Answered>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl Progress {
    /// Parses the stored JSON (anything unreadable is no progress).
    pub fn from_json(text: &str) -> Progress {
        let mut answers = BTreeMap::new();
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        if value.get("version").and_then(Value::as_u64) == Some(1)
            && let Some(map) = value.get("answers").and_then(Value::as_object)
        {
            for (id, a) in map {
                if let (Some(section), Some(correct)) = (
                    a.get("section").and_then(Value::as_str),
                    a.get("correct").and_then(Value::as_bool),
                ) {
                    answers.insert(
                        id.clone(),
                        Answered {
                            section: section.to_owned(),
                            correct,
                        },
                    );
                }
            }
        }
        Progress { answers }
    }

    /// The JSON stored.
    pub fn to_json(&self) -> String {
        let answers: Map<String, Value> = self
            .answers
            .iter()
            .map(|(id, a)| {
                (
                    id.clone(),
                    json!({"section": a.section, "correct": a.correct}),
                )
            })
            .collect();
        json!({"version": 1, "answers": answers}).to_string()
    }

    /// The saved progress.
    pub fn load() -> Progress {
        storage()
            .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
            .map(|t| Progress::from_json(&t))
            .unwrap_or_default()
    }

    /// Saves it.
    pub fn save(&self) {
        if let Some(s) = storage() {
            let _ = s.set_item(PROGRESS_KEY, &self.to_json());
        }
    }

    /// `(answered, correct)` among `ids`.
    pub fn count<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
        ids.into_iter()
            .filter_map(|id| self.answers.get(id))
            .fold((0, 0), |(n, c), a| (n + 1, c + usize::from(a.correct)))
    }
}

/// The saved text of notes area `id`.
pub fn load_note(id: &str) -> String {
    storage()
        .and_then(|s| s.get_item(&format!("{NOTES_PREFIX}{id}")).ok().flatten())
        .unwrap_or_default()
}

/// Saves the text of notes area `id`.
pub fn save_note(id: &str, text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&format!("{NOTES_PREFIX}{id}"), text);
    }
}

/// Removes the progress (the notes are the learner's own writing and stay).
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(PROGRESS_KEY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn round_trips_and_counts() {
        let mut p = Progress::default();
        p.answers.insert(
            "a".into(),
            Answered {
                section: "kubelet".into(),
                correct: true,
            },
        );
        p.answers.insert(
            "b".into(),
            Answered {
                section: "kubelet".into(),
                correct: false,
            },
        );
        let text = p.to_json();
        assert_eq!(
            text,
            r#"{"version":1,"answers":{"a":{"section":"kubelet","correct":true},"b":{"section":"kubelet","correct":false}}}"#
        );
        assert_eq!(Progress::from_json(&text), p);
        assert_eq!(p.count(["a", "b", "c"]), (2, 1));
        // Another schema version is not read.
        assert_eq!(
            Progress::from_json(&text.replace("\"version\":1", "\"version\":2")),
            Progress::default()
        );
    }
}

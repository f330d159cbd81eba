//! Quiz progress per section and for the course, saved in localStorage under a schema
//! version (`nodelab.v1.progress`), and the notes areas' texts (`nodelab.v1.notes.<id>`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::storage::{Notice, SCHEMA, Store};

/// localStorage key of the progress (the `v1` is the schema version).
pub const PROGRESS_KEY: &str = "nodelab.v1.progress";
/// Prefix of a notes area's localStorage key.
pub const NOTES_PREFIX: &str = "nodelab.v1.notes.";

/// The last answer to one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answered {
    /// The section the question is in.
    pub section: String,
    /// Whether it was right.
    pub correct: bool,
}

/// Every question answered so far, by question id, stored as a schema record like the lab's
/// (`{"schema":1,"answers":{…}}`); unreadable or other-schema data is set aside by
/// [`Store::read`] with a notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// [`SCHEMA`].
    pub schema: u32,
    /// Answers by question id.
    pub answers: BTreeMap<String, Answered>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress {
            schema: SCHEMA,
            answers: BTreeMap::new(),
        }
    }
}

impl Progress {
    /// The saved progress; bad data is moved aside and reported in `notices`.
    pub fn load(notices: &mut Vec<Notice>) -> Progress {
        Store::open()
            .and_then(|s| s.read(PROGRESS_KEY, notices))
            .unwrap_or_default()
    }

    /// Saves it; `false` when the browser refused (quota, private mode).
    pub fn save(&self) -> bool {
        Store::open().is_some_and(|s| s.save(PROGRESS_KEY, Some(self)))
    }

    /// `(answered, correct)` among `ids`.
    pub fn count<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
        ids.into_iter()
            .filter_map(|id| self.answers.get(id))
            .fold((0, 0), |(n, c), a| (n + 1, c + usize::from(a.correct)))
    }
}

/// The saved text of notes area `id` (the learner's own free text, stored as it is).
pub fn load_note(id: &str) -> String {
    Store::open()
        .and_then(|s| s.text(&format!("{NOTES_PREFIX}{id}")))
        .unwrap_or_default()
}

/// Saves the text of notes area `id`; `false` when the browser refused.
pub fn save_note(id: &str, text: &str) -> bool {
    Store::open().is_some_and(|s| s.set_text(&format!("{NOTES_PREFIX}{id}"), text))
}

/// Removes the progress (the notes are the learner's own writing and stay).
pub fn clear() {
    if let Some(s) = Store::open() {
        s.save::<Progress>(PROGRESS_KEY, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{self, Bad};
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
        let text = storage::write(&p);
        assert_eq!(
            text,
            r#"{"schema":1,"answers":{"a":{"section":"kubelet","correct":true},"b":{"section":"kubelet","correct":false}}}"#
        );
        assert_eq!(storage::parse::<Progress>(&text), Ok(p.clone()));
        assert_eq!(p.count(["a", "b", "c"]), (2, 1));
        // Another schema version, or something else entirely, is refused (and set aside by
        // `Store::read`), never read as progress.
        assert_eq!(
            storage::parse::<Progress>(&text.replace("\"schema\":1", "\"schema\":2")),
            Err(Bad::Schema(2))
        );
        assert_eq!(
            storage::parse::<Progress>(r#"{"schema":1,"answers":{"a":{"correct":"yes"}}}"#),
            Err(Bad::Unreadable)
        );
    }
}

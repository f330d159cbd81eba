//! What the lab keeps in `localStorage`: the learner's edits per lesson scenario and the UI
//! choices, each under a key with the schema version (`nodelab.v1.lab.<scenario>`,
//! `nodelab.v1.ui`) and as JSON that says its schema (`{"schema":1,…}`).
//!
//! Data that does not parse, or has another schema, is moved aside to
//! `nodelab.corrupt.<key>.<n>` (kept for a curious learner, never read again) and the lab says
//! so; a full or missing storage is a notice too. Nothing here panics. The parsing and naming
//! rules are pure functions, tested natively; [`Store`] is the thin `web_sys` part.

use serde::{Deserialize, Serialize};

/// The schema version of every record.
pub const SCHEMA: u32 = 1;

/// The key of a scenario's edits.
pub fn lab_key(scenario: &str) -> String {
    format!("nodelab.v{SCHEMA}.lab.{scenario}")
}

/// The key of the UI choices.
pub const UI_KEY: &str = "nodelab.v1.ui";

/// A scenario's edited YAML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabRecord {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The editor's text.
    pub text: String,
}

/// The UI choices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UiRecord {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The scenario the learner had open.
    #[serde(default)]
    pub scenario: Option<String>,
    /// The view tab (`node`, `kube-proxy`).
    #[serde(default)]
    pub view: Option<String>,
}

/// Something the learner should know about their saved data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Saved data under `key` could not be read; it was moved to `moved_to`.
    Corrupt {
        /// The key it was under.
        key: String,
        /// Where it is now (empty if moving failed too).
        moved_to: String,
    },
    /// Saving failed (storage full or disabled); edits are kept only until the page closes.
    NotSaved,
}

/// Why a stored value was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bad {
    /// Not the JSON of the record.
    Unreadable,
    /// Another schema version.
    Schema(u32),
}

/// Reads a record, checking the schema first.
pub fn parse<T: for<'de> Deserialize<'de>>(raw: &str) -> Result<T, Bad> {
    #[derive(Deserialize)]
    struct Versioned {
        schema: u32,
    }
    let v: Versioned = serde_json::from_str(raw).map_err(|_| Bad::Unreadable)?;
    if v.schema != SCHEMA {
        return Err(Bad::Schema(v.schema));
    }
    serde_json::from_str(raw).map_err(|_| Bad::Unreadable)
}

/// The JSON of a record.
pub fn write<T: Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

/// Where to move bad data under `key`: `nodelab.corrupt.<key>.<n>` with the first `n` from 1
/// that `taken` says is free.
pub fn corrupt_key(key: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| format!("nodelab.corrupt.{key}.{n}"))
        .find(|k| !taken(k))
        .unwrap_or_default()
}

/// `localStorage`, if the browser lets the page have it.
pub struct Store(web_sys::Storage);

impl Store {
    /// The page's local storage.
    pub fn open() -> Option<Store> {
        web_sys::window()?.local_storage().ok()?.map(Store)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.get_item(key).ok().flatten()
    }

    /// A plain text value (no schema: e.g. a notes area's own text).
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)
    }

    /// Saves a plain text value; `false` when the browser refused.
    pub fn set_text(&self, key: &str, text: &str) -> bool {
        self.0.set_item(key, text).is_ok()
    }

    /// Reads a record; bad data is moved aside and reported in `notices`.
    pub fn read<T: for<'de> Deserialize<'de>>(
        &self,
        key: &str,
        notices: &mut Vec<Notice>,
    ) -> Option<T> {
        let raw = self.get(key)?;
        match parse(&raw) {
            Ok(record) => Some(record),
            Err(_) => {
                let aside = corrupt_key(key, |k| self.get(k).is_some());
                let moved = self.0.set_item(&aside, &raw).is_ok();
                let _ = self.0.remove_item(key);
                notices.push(Notice::Corrupt {
                    key: key.to_owned(),
                    moved_to: if moved { aside } else { String::new() },
                });
                None
            }
        }
    }

    /// Saves a record (or removes the key for `None`); `false` when the browser refused.
    pub fn save<T: Serialize>(&self, key: &str, record: Option<&T>) -> bool {
        match record {
            Some(r) => self.0.set_item(key, &write(r)).is_ok(),
            None => self.0.remove_item(key).is_ok(),
        }
    }
}

/// The saved edits of `scenario`, if any (notices for bad data).
pub fn load_lab(scenario: &str, notices: &mut Vec<Notice>) -> Option<String> {
    let record: LabRecord = Store::open()?.read(&lab_key(scenario), notices)?;
    Some(record.text)
}

/// Saves `text` as the edits of `scenario`, or forgets them when the text is the lesson's
/// own. `false` when the browser refused (quota, private mode).
pub fn save_lab(scenario: &str, text: &str, lesson: &str) -> bool {
    let Some(store) = Store::open() else {
        return false;
    };
    let record = (text != lesson).then(|| LabRecord {
        schema: SCHEMA,
        text: text.to_owned(),
    });
    store.save(&lab_key(scenario), record.as_ref())
}

/// The saved UI choices (notices for bad data).
pub fn load_ui(notices: &mut Vec<Notice>) -> UiRecord {
    Store::open()
        .and_then(|s| s.read(UI_KEY, notices))
        .unwrap_or_default()
}

/// Saves the UI choices; `false` when the browser refused.
pub fn save_ui(ui: &UiRecord) -> bool {
    Store::open().is_some_and(|s| s.save(UI_KEY, Some(ui)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn records_round_trip_and_are_versioned() {
        let r = LabRecord {
            schema: SCHEMA,
            text: "kind: Pod\n# ✓\n".to_owned(),
        };
        let raw = write(&r);
        assert_eq!(raw, r##"{"schema":1,"text":"kind: Pod\n# ✓\n"}"##);
        assert_eq!(parse::<LabRecord>(&raw), Ok(r));
        assert_eq!(lab_key("service-web"), "nodelab.v1.lab.service-web");
        let ui: Result<UiRecord, _> = parse(r#"{"schema":1,"scenario":"service-web"}"#);
        assert_eq!(ui.map(|u| u.scenario), Ok(Some("service-web".to_owned())));
    }

    #[test]
    fn bad_data_is_refused() {
        assert_eq!(parse::<LabRecord>("{not json"), Err(Bad::Unreadable));
        assert_eq!(parse::<LabRecord>("\"kind: Pod\""), Err(Bad::Unreadable));
        assert_eq!(
            parse::<LabRecord>(r#"{"schema":2,"text":"x"}"#),
            Err(Bad::Schema(2))
        );
        assert_eq!(
            parse::<LabRecord>(r#"{"schema":1,"text":5}"#),
            Err(Bad::Unreadable)
        );
        assert_eq!(parse::<LabRecord>(r#"{"schema":1}"#), Err(Bad::Unreadable));
    }

    #[test]
    fn corrupt_data_goes_to_the_first_free_slot() {
        let taken: BTreeSet<&str> = [
            "nodelab.corrupt.nodelab.v1.ui.1",
            "nodelab.corrupt.nodelab.v1.ui.2",
        ]
        .into();
        assert_eq!(
            corrupt_key(UI_KEY, |k| taken.contains(k)),
            "nodelab.corrupt.nodelab.v1.ui.3"
        );
        assert_eq!(
            corrupt_key("nodelab.v1.lab.x", |_| false),
            "nodelab.corrupt.nodelab.v1.lab.x.1"
        );
    }
}

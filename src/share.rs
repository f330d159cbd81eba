//! Share links: the lab's whole state in the URL hash, `#/session-7/lab?s=<code>`, where the
//! code is base64url (no padding) of the raw-deflated JSON of a [`Shared`]. Opening the link
//! runs the same YAML from t = 0 with the same seed, runtime and proxy choices, takes the same
//! lab actions at the same simulated times and advances to the same time; the engine is
//! deterministic, so the state is the same, byte for byte.
//!
//! The lab actions travel in the Lab object's own format: a `kind: Lab` document whose
//! `spec.script` holds one step per action (`at: 12345ms`), read back by the engine's decoder
//! and validation — one format for scripted and shared actions, and no second decoder in the
//! page.
//!
//! Encoding and decoding are pure (no DOM) and tested natively; a link that does not decode is
//! an error the lab shows as a notice (it then opens the default lab), never a panic.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nodelab_engine::api::decode::LAB_API_VERSION;
use nodelab_engine::api::lab::{Lab, LabSpec};
use nodelab_engine::lab::LabAction;
use nodelab_engine::time::parse_duration;
use nodelab_engine::{Document, SimTime, decode_manifests};
use serde::{Deserialize, Serialize};

/// Format version of [`Shared`]; a link with another version is refused.
pub const VERSION: u32 = 1;

/// The hash route of the lab, without the query.
pub const ROUTE: &str = "#/session-7/lab";

/// The largest inflated state accepted (a lab's YAML is a few KiB; this stops a crafted link
/// from inflating into hundreds of megabytes).
const MAX_INFLATED: usize = 1 << 20;

/// Everything needed to rebuild a lab state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    /// [`VERSION`].
    pub v: u32,
    /// The scenario id (`service-web`): what Reset goes back to.
    pub scenario: String,
    /// The editor's YAML text, exactly.
    pub text: String,
    /// The run's seed.
    pub seed: u64,
    /// The simulated time to advance to, in milliseconds.
    pub time: u64,
    /// The lab actions taken, in order: a `kind: Lab` document (as JSON) with one script step
    /// per action ([`script_of`], [`actions_of`]).
    #[serde(default)]
    pub script: String,
    /// The learner's runtime and handler choice (`["cri-o", "runc"]`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<(String, String)>,
    /// The learner's kube-proxy mode and IPVS scheduler choice (`["ipvs", "rr"]`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<(String, String)>,
}

/// Why a link did not open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// Not base64url.
    Encoding,
    /// Not a deflate stream, or too large once inflated.
    Compression,
    /// Not the JSON of a state (the message says what is wrong).
    Json(String),
    /// Made by another version of the app.
    Version(u32),
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::Encoding => f.write_str("not base64url"),
            ShareError::Compression => f.write_str("not a deflate stream (or too large)"),
            ShareError::Json(m) => write!(f, "not a lab state: {m}"),
            ShareError::Version(v) => write!(f, "format version {v}, expected {VERSION}"),
        }
    }
}

/// The code of a state (what follows `?s=`).
pub fn encode(state: &Shared) -> String {
    // Serializing plain data with string keys cannot fail.
    let json = serde_json::to_vec(state).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&json, 9))
}

/// The state of a code.
pub fn decode(code: &str) -> Result<Shared, ShareError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(code.trim().trim_end_matches('='))
        .map_err(|_| ShareError::Encoding)?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED)
        .map_err(|_| ShareError::Compression)?;
    // Check the version before the rest, so that a future format says so.
    #[derive(Deserialize)]
    struct Versioned {
        v: u32,
    }
    let json = String::from_utf8(json).map_err(|e| ShareError::Json(e.to_string()))?;
    let versioned: Versioned =
        serde_json::from_str(&json).map_err(|e| ShareError::Json(e.to_string()))?;
    if versioned.v != VERSION {
        return Err(ShareError::Version(versioned.v));
    }
    serde_json::from_str(&json).map_err(|e| ShareError::Json(e.to_string()))
}

/// The Lab document (JSON, which is YAML too) whose script takes `actions` at their times.
pub fn script_of(actions: &[(SimTime, LabAction)]) -> String {
    let lab = Lab {
        api_version: LAB_API_VERSION.to_owned(),
        kind: "Lab".to_owned(),
        spec: LabSpec {
            script: actions
                .iter()
                .map(|(t, a)| a.to_step(t.as_millis()))
                .collect(),
            ..LabSpec::default()
        },
        ..Lab::default()
    };
    serde_json::to_string(&lab).unwrap_or_default()
}

/// The actions of a [`script_of`] document, decoded and validated as a Lab's script is.
pub fn actions_of(script: &str) -> Result<Vec<(SimTime, LabAction)>, String> {
    if script.trim().is_empty() {
        return Ok(Vec::new());
    }
    let manifests = decode_manifests("script", script).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let Some(Document::Lab(lab)) = manifests.into_iter().next().map(|m| m.document) else {
        return Err("the script is not a Lab document".to_owned());
    };
    lab.spec
        .script
        .iter()
        .map(|step| {
            let at = parse_duration(&step.at)?;
            let action = LabAction::from_step(step)
                .ok_or_else(|| format!("script step {:?} is incomplete", step.action))?;
            Ok((SimTime::from_millis(at), action))
        })
        .collect()
}

/// The hash of a share link for `state`.
pub fn hash(state: &Shared) -> String {
    format!("{ROUTE}?s={}", encode(state))
}

/// The code in a location hash (`#/session-7/lab?s=CODE&…` → `CODE`), if it has one.
pub fn code_in(hash: &str) -> Option<&str> {
    let (_, query) = hash.split_once('?')?;
    query.split('&').find_map(|kv| kv.strip_prefix("s="))
}

#[cfg(test)]
mod tests {
    use nodelab_engine::{Kind, ObjectRef};

    use super::*;

    fn actions() -> Vec<(SimTime, LabAction)> {
        vec![
            (
                SimTime::from_millis(8_000),
                LabAction::HttpStatus {
                    pod: ObjectRef::new(Kind::Pod, "default", "web-1"),
                    container: None,
                    path: "/".to_owned(),
                    status: 503,
                },
            ),
            (
                SimTime::from_millis(9_123),
                LabAction::NodeNotReady {
                    node: "node-2".to_owned(),
                },
            ),
        ]
    }

    #[test]
    fn actions_travel_as_a_lab_script() {
        let script = script_of(&actions());
        assert!(
            script.contains(r#""script":[{"at":"8000ms","action":"httpStatus","pod":"web-1","path":"/","status":503}"#),
            "{script}"
        );
        assert_eq!(actions_of(&script), Ok(actions()));
        assert_eq!(actions_of(""), Ok(vec![]));
        // The Lab decoder's validation applies: an unknown action is refused with its path.
        let bad = script.replace("nodeNotReady", "explode");
        let err = actions_of(&bad).err().unwrap_or_default();
        assert!(
            err.contains("spec.script[1].action: Unsupported value: \"explode\""),
            "{err}"
        );
        assert!(actions_of("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}").is_err());
    }

    fn sample() -> Shared {
        Shared {
            v: VERSION,
            scenario: "service-web".to_owned(),
            text: "# comment ✓ 한국어\napiVersion: v1\nkind: Pod\n---\n".to_owned(),
            seed: 1,
            time: 42_300,
            script: script_of(&actions()),
            runtime: Some(("cri-o".to_owned(), "runc".to_owned())),
            proxy: Some(("ipvs".to_owned(), "sh".to_owned())),
        }
    }

    #[test]
    fn a_state_round_trips_through_a_link() {
        let state = sample();
        let link = hash(&state);
        assert!(link.starts_with("#/session-7/lab?s="), "{link}");
        let code = code_in(&link).unwrap_or_default();
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "URL-safe: {code}"
        );
        assert_eq!(decode(code), Ok(state));
        // A longer text compresses: the link is shorter than the YAML, despite base64.
        let big = Shared {
            text: include_str!("../lessons/scenarios/service-web.yaml").to_owned(),
            ..sample()
        };
        assert!(encode(&big).len() < big.text.len() * 3 / 4);
        assert_eq!(decode(&encode(&big)), Ok(big));
    }

    #[test]
    fn corrupt_links_are_errors() {
        let code = encode(&sample());
        assert_eq!(decode("not base64!"), Err(ShareError::Encoding));
        assert_eq!(decode("aGVsbG8"), Err(ShareError::Compression));
        // A truncated stream does not inflate.
        assert_eq!(
            decode(&code[..(code.len() / 2) & !3]),
            Err(ShareError::Compression)
        );
        let json = |s: &str| {
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(s.as_bytes(), 6))
        };
        assert!(matches!(decode(&json("[1,2]")), Err(ShareError::Json(_))));
        assert_eq!(
            decode(&json(r#"{"v":2,"anything":true}"#)),
            Err(ShareError::Version(2))
        );
        assert!(matches!(
            decode(&json(r#"{"v":1,"scenario":"x","text":"","seed":"one","time":0}"#)),
            Err(ShareError::Json(m)) if m.contains("invalid type")
        ));
        // A deflate bomb stops at the limit.
        let bomb = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(
            &vec![b' '; 4 << 20],
            9,
        ));
        assert_eq!(decode(&bomb), Err(ShareError::Compression));
    }

    #[test]
    fn the_code_is_found_in_the_hash() {
        assert_eq!(code_in("#/session-7/lab?s=abc"), Some("abc"));
        assert_eq!(code_in("#/session-7/lab?x=1&s=abc"), Some("abc"));
        assert_eq!(code_in("#/session-7/lab"), None);
        assert_eq!(code_in("#/session-7/lab?s="), Some(""));
    }
}

//! From manifest text to typed objects: YAML parse, strict decoding (unknown fields are errors,
//! with a hint for near misses), defaulting and validation — each error naming the file, line,
//! column and field path.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::field::FieldError;
use super::lab::Lab;
use super::object::{Kind, Object};
use super::yaml::{self, Pos, Positions};
use super::{defaults, validation};

/// What one YAML document holds.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a handful per file; boxing would only add indirection"
)]
pub enum Document {
    /// A Kubernetes object.
    Object(Object),
    /// The lab's settings.
    Lab(Lab),
}

/// One decoded, defaulted and validated document, with where its fields were written.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// File name as given.
    pub file: String,
    /// The document.
    pub document: Document,
    /// Field positions, to point later errors (e.g. from the API server) at the source.
    pub positions: Positions,
}

impl Manifest {
    /// A document made by the program rather than read from a file (`<generated>`).
    pub fn synthetic(document: Document) -> Manifest {
        Manifest {
            file: "<generated>".to_owned(),
            document,
            positions: Positions::default(),
        }
    }

    /// A located error about `path` in this manifest.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> SourceError {
        SourceError::new(&self.file, self.positions.key(path), path, message)
    }
}

/// A problem in a manifest file: `FILE:LINE:COLUMN: field.path: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    /// File name as given.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// Field path, empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl SourceError {
    fn new(file: &str, pos: Pos, path: &str, message: impl Into<String>) -> SourceError {
        SourceError {
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// The API group of the `Lab` kind.
pub const LAB_API_VERSION: &str = "nodelab.dev/v1alpha1";

/// Decodes, defaults and validates every document of `text`. Stops at the first document with
/// errors and returns all of that document's errors (validation reports every field at once,
/// as the API server does).
pub fn decode_manifests(file: &str, text: &str) -> Result<Vec<Manifest>, Vec<SourceError>> {
    decode(file, text, true)
}

/// Like [`decode_manifests`] (YAML and typed decoding with positions, defaulting) but without
/// the API server's validation of Kubernetes objects: what kube-proxy receives is whatever
/// is stored, and `nodelab rules` feeds it as kube-proxy's own tests do (e.g. node ports
/// outside the API server's range).
pub fn decode_manifests_unvalidated(
    file: &str,
    text: &str,
) -> Result<Vec<Manifest>, Vec<SourceError>> {
    decode(file, text, false)
}

fn decode(file: &str, text: &str, validate: bool) -> Result<Vec<Manifest>, Vec<SourceError>> {
    let docs = yaml::parse_documents(text)
        .map_err(|e| vec![SourceError::new(file, e.pos, "", e.message)])?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in &docs {
        let (json, positions) = yaml::to_json(doc);
        if json.is_null() {
            continue;
        }
        let document = decode_document(file, json, &positions, validate)?;
        out.push(Manifest {
            file: file.to_owned(),
            document,
            positions,
        });
    }
    Ok(out)
}

fn decode_document(
    file: &str,
    json: Value,
    positions: &Positions,
    validate: bool,
) -> Result<Document, Vec<SourceError>> {
    let at = |path: &str, message: String| {
        vec![SourceError::new(file, positions.key(path), path, message)]
    };
    let Value::Object(map) = &json else {
        return Err(at(
            "",
            "a manifest must be a mapping with apiVersion, kind and metadata".to_owned(),
        ));
    };
    let field = |name: &str| {
        map.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    if api_version.is_empty() {
        return Err(at(
            "apiVersion",
            "Required value: apiVersion not set".to_owned(),
        ));
    }
    if kind.is_empty() {
        return Err(at("kind", "Required value: kind not set".to_owned()));
    }
    if kind == "Lab" && api_version == LAB_API_VERSION {
        let lab: Lab = typed(file, json, positions)?;
        if let Err((field, message)) = lab.spec.validate() {
            return Err(at(&format!("spec.{field}"), message));
        }
        for (i, step) in lab.spec.script.iter().enumerate() {
            if let Err((field, message)) = step.validate() {
                return Err(at(&format!("spec.script[{i}].{field}"), message));
            }
        }
        return Ok(Document::Lab(lab));
    }
    let Some(k) = Kind::from_type(&api_version, &kind) else {
        return Err(at(
            "kind",
            format!("no matches for kind {kind:?} in version {api_version:?}"),
        ));
    };
    let mut object = match k {
        Kind::Namespace => Object::Namespace(typed(file, json, positions)?),
        Kind::Node => Object::Node(typed(file, json, positions)?),
        Kind::RuntimeClass => Object::RuntimeClass(typed(file, json, positions)?),
        Kind::ConfigMap => Object::ConfigMap(typed(file, json, positions)?),
        Kind::Secret => Object::Secret(typed(file, json, positions)?),
        Kind::PersistentVolumeClaim => Object::PersistentVolumeClaim(typed(file, json, positions)?),
        Kind::Service => Object::Service(typed(file, json, positions)?),
        Kind::EndpointSlice => Object::EndpointSlice(typed(file, json, positions)?),
        Kind::Deployment => Object::Deployment(typed(file, json, positions)?),
        Kind::ReplicaSet => Object::ReplicaSet(typed(file, json, positions)?),
        Kind::Pod => Object::Pod(typed(file, json, positions)?),
    };
    defaults::apply(&mut object);
    if validate {
        validation::validate(&object).map_err(|errors| locate(file, positions, &errors))?;
    }
    Ok(Document::Object(object))
}

/// Points each field error at the position of its field.
pub fn locate(file: &str, positions: &Positions, errors: &[FieldError]) -> Vec<SourceError> {
    errors
        .iter()
        .map(|e| SourceError::new(file, positions.key(&e.path), &e.path, e.detail.clone()))
        .collect()
}

/// Strictly decodes one typed object, turning serde's error into a located one.
fn typed<T: DeserializeOwned>(
    file: &str,
    json: Value,
    positions: &Positions,
) -> Result<T, Vec<SourceError>> {
    super::value_de::from_value(json).map_err(|(path, e)| {
        let inner = e.to_string();
        let (pos, message) = match unknown_field(&inner) {
            Some((name, expected)) => {
                let mut msg = format!("unknown field {name:?}");
                if let Some(hint) = closest(&name, &expected) {
                    msg.push_str(&format!(", did you mean {hint:?}?"));
                }
                (positions.key(&path), msg)
            }
            None => (positions.value(&path), inner),
        };
        vec![SourceError::new(file, pos, &path, message)]
    })
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" into the name and the list.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (name, tail) = rest.split_once('`')?;
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((name.to_owned(), expected))
}

/// The known field closest to a misspelled one, if it is close enough to be a typo.
fn closest(name: &str, expected: &[String]) -> Option<String> {
    expected
        .iter()
        .map(|e| {
            (
                strsim::damerau_levenshtein(&name.to_lowercase(), &e.to_lowercase()),
                e,
            )
        })
        .filter(|(d, e)| *d <= 2.max(e.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match decode_manifests("pod.yaml", text) {
            Ok(_) => vec![],
            Err(errs) => errs.iter().map(ToString::to_string).collect(),
        }
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n";

    #[test]
    fn a_plain_pod_decodes_and_is_defaulted() {
        let m = decode_manifests("pod.yaml", POD).map_err(|e| format!("{e:?}"));
        let Ok(
            [
                Manifest {
                    document: Document::Object(Object::Pod(pod)),
                    ..
                },
            ],
        ) = m.as_deref()
        else {
            panic!("expected one pod, got {m:?}");
        };
        assert_eq!(pod.metadata.namespace, "default");
        assert_eq!(pod.spec.restart_policy.as_deref(), Some("Always"));
        assert_eq!(
            pod.spec.containers[0].image_pull_policy.as_deref(),
            Some("IfNotPresent")
        );
    }

    #[test]
    fn a_typo_names_the_field_and_suggests_the_right_one() {
        let text = POD.replace("  containers:", "  contaners:");
        assert_eq!(
            errors(&text),
            [
                r#"pod.yaml:6:3: spec.contaners: unknown field "contaners", did you mean "containers"?"#
            ]
        );
    }

    #[test]
    fn a_wrong_type_points_at_the_value() {
        let text = format!("{POD}    ports:\n    - containerPort: eighty\n");
        assert_eq!(
            errors(&text),
            [
                r#"pod.yaml:10:22: spec.containers[0].ports[0].containerPort: invalid type: string "eighty", expected i32"#
            ]
        );
    }

    #[test]
    fn bad_indentation_is_a_syntax_error_with_position() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   labels: {}\n";
        let errs = errors(text);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("pod.yaml:5:"), "{errs:?}");
    }

    #[test]
    fn validation_errors_use_the_api_server_wording() {
        let text = POD.replace("    image: nginx:1.27\n", "");
        assert_eq!(
            errors(&text),
            ["pod.yaml:7:5: spec.containers[0].image: Required value"]
        );
    }

    #[test]
    fn unknown_kinds_are_rejected() {
        let errs = errors("apiVersion: v1\nkind: Pdo\nmetadata:\n  name: x\n");
        assert_eq!(
            errs,
            [r#"pod.yaml:2:1: kind: no matches for kind "Pdo" in version "v1""#]
        );
    }
}

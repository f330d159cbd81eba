//! Field errors in the API server's words (`k8s.io/apimachinery/pkg/util/validation/field`).

use std::fmt;

/// One problem with one field, printed as the API server prints it:
/// `spec.containers[0].image: Required value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Field path, e.g. `spec.containers[0].image`.
    pub path: String,
    /// What is wrong, with the API server's wording.
    pub detail: String,
}

impl FieldError {
    /// `Required value`, with an optional explanation.
    pub fn required(path: impl Into<String>, why: &str) -> FieldError {
        let detail = if why.is_empty() {
            "Required value".to_owned()
        } else {
            format!("Required value: {why}")
        };
        FieldError {
            path: path.into(),
            detail,
        }
    }

    /// `Invalid value: <value>: <why>`; `value` is already rendered (strings quoted).
    pub fn invalid(path: impl Into<String>, value: impl fmt::Display, why: &str) -> FieldError {
        FieldError {
            path: path.into(),
            detail: format!("Invalid value: {value}: {why}"),
        }
    }

    /// `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(path: impl Into<String>, value: &str, supported: &[&str]) -> FieldError {
        let list = supported
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        FieldError {
            path: path.into(),
            detail: format!("Unsupported value: {value:?}: supported values: {list}"),
        }
    }

    /// `Duplicate value: "x"`.
    pub fn duplicate(path: impl Into<String>, value: &str) -> FieldError {
        FieldError {
            path: path.into(),
            detail: format!("Duplicate value: {value:?}"),
        }
    }

    /// `Not found: "x"`.
    pub fn not_found(path: impl Into<String>, value: &str) -> FieldError {
        FieldError {
            path: path.into(),
            detail: format!("Not found: {value:?}"),
        }
    }

    /// `Forbidden: <why>`.
    pub fn forbidden(path: impl Into<String>, why: &str) -> FieldError {
        FieldError {
            path: path.into(),
            detail: format!("Forbidden: {why}"),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.detail)
    }
}

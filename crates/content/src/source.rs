//! Located problems in lesson files, and strict YAML decoding that reports them.

use std::fmt;

use nodelab_engine::api::yaml::{self, Pos, Positions};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A problem in a lessons file: `FILE:LINE:COLUMN: field.path: message` (line and column
/// are 0 when the problem is about the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentError {
    /// File, relative to the lessons folder (or prefixed with it by the folder loader).
    pub file: String,
    /// 1-based line, 0 if unknown.
    pub line: u64,
    /// 1-based column, 0 if unknown.
    pub column: u64,
    /// Field path (`questions[2].prompt.en`), empty for the whole document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ContentError {
    /// A problem about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> ContentError {
        ContentError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            path: String::new(),
            message: message.into(),
        }
    }

    /// A problem at a position.
    pub fn at(file: &str, pos: Pos, path: &str, message: impl Into<String>) -> ContentError {
        ContentError {
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A decoded YAML document with the positions of its fields.
#[derive(Clone, Debug)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where each field path was written.
    pub positions: Positions,
    /// File name.
    pub file: String,
    /// Lines before the document's first line (for YAML inside Markdown).
    pub line_offset: u64,
}

impl<T> Located<T> {
    /// A problem about the field at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) -> ContentError {
        let mut pos = self.positions.key(path);
        pos.line += self.line_offset;
        ContentError::at(&self.file, pos, path, message)
    }
}

/// Decodes one YAML document strictly (unknown fields are errors) into `T`. `line_offset`
/// is added to every line (a directive body starts below its fence).
pub fn decode<T: DeserializeOwned>(
    file: &str,
    text: &str,
    line_offset: u64,
) -> Result<Located<T>, ContentError> {
    let shift = |mut p: Pos| {
        p.line += line_offset;
        p
    };
    let docs = yaml::parse_documents(text)
        .map_err(|e| ContentError::at(file, shift(e.pos), "", e.message))?;
    let (json, positions) = match docs.first() {
        Some(doc) => yaml::to_json(doc),
        None => (Value::Null, Positions::default()),
    };
    if docs.len() > 1 {
        return Err(ContentError::file(
            file,
            "expected one YAML document, found several",
        ));
    }
    match serde_path_to_error::deserialize::<_, T>(json) {
        Ok(value) => Ok(Located {
            value,
            positions,
            file: file.to_owned(),
            line_offset,
        }),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let message = e.into_inner().to_string();
            let pos = if message.starts_with("unknown field") || message.starts_with("missing") {
                positions.key(&path)
            } else {
                positions.value(&path)
            };
            Err(ContentError::at(file, shift(pos), &path, message))
        }
    }
}

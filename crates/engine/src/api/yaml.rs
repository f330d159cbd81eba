//! YAML documents as a tree that remembers where every key and value was written.
//!
//! serde-saphyr parses the text (multi-document, YAML 1.2 with the usual 1.1 booleans) into
//! [`Spanned`] nodes; [`to_json`] then turns a document into a `serde_json::Value` for typed
//! decoding, plus a [`Positions`] table that maps each field path (`spec.containers[0].image`)
//! to its line and column so that later errors can point at the source.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

/// A line and column in a source file, both 1-based.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl Pos {
    fn of<T>(s: &Spanned<T>) -> Pos {
        Pos {
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }
}

/// Where each field path of one document was written: the key's position and the value's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Positions {
    by_path: BTreeMap<String, (Pos, Pos)>,
    root: Pos,
}

impl Positions {
    /// Position of the key at `path`, or of the nearest ancestor that was written.
    pub fn key(&self, path: &str) -> Pos {
        self.lookup(path).map_or(self.root, |(k, _)| k)
    }

    /// Position of the value at `path`, or of the nearest ancestor's key.
    pub fn value(&self, path: &str) -> Pos {
        match self.by_path.get(path) {
            Some((_, v)) => *v,
            None => self.key(path),
        }
    }

    fn lookup(&self, path: &str) -> Option<(Pos, Pos)> {
        let mut p = path;
        loop {
            if let Some(found) = self.by_path.get(p) {
                return Some(*found);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// A parsed YAML node.
#[derive(Debug)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer too large for `i64`.
    UInt(u64),
    /// A float.
    Float(f64),
    /// A string scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Spanned<Node>>),
    /// A mapping, in source order.
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(i64::try_from(v).map_or(Node::UInt(v), Node::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A YAML syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What it found wrong.
    pub message: String,
}

/// Parses every document of a multi-document YAML text. Empty documents are skipped.
pub fn parse_documents(text: &str) -> Result<Vec<Spanned<Node>>, SyntaxError> {
    serde_saphyr::from_multiple::<Spanned<Node>>(text).map_err(|e| {
        let pos = e.location().map_or(Pos { line: 1, column: 1 }, |l| Pos {
            line: l.line(),
            column: l.column(),
        });
        let full = e.without_snippet().to_string();
        // The parser prefixes "error: line L column C: "; we print the position ourselves.
        let message = full
            .split_once(": ")
            .filter(|(head, _)| head.starts_with("error"))
            .map_or(full.as_str(), |(_, rest)| rest);
        let message = message
            .strip_prefix(&format!("line {} column {}: ", pos.line, pos.column))
            .unwrap_or(message);
        let message = message.lines().next().unwrap_or_default();
        let message = message
            .strip_suffix(&format!(" at line {}, column {}", pos.line, pos.column))
            .unwrap_or(message);
        SyntaxError {
            pos,
            message: message.to_owned(),
        }
    })
}

/// Converts a document to JSON and records where each field path was written.
pub fn to_json(doc: &Spanned<Node>) -> (Value, Positions) {
    let mut positions = Positions {
        by_path: BTreeMap::new(),
        root: Pos::of(doc),
    };
    let value = convert(doc, "", &mut positions);
    (value, positions)
}

fn convert(node: &Spanned<Node>, path: &str, positions: &mut Positions) -> Value {
    match &node.value {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => Value::from(*i),
        Node::UInt(u) => Value::from(*u),
        Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Node::Str(s) => Value::String(s.clone()),
        Node::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    positions
                        .by_path
                        .insert(p.clone(), (Pos::of(item), Pos::of(item)));
                    convert(item, &p, positions)
                })
                .collect(),
        ),
        Node::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let p = if path.is_empty() {
                    k.value.clone()
                } else {
                    format!("{path}.{}", k.value)
                };
                positions
                    .by_path
                    .insert(p.clone(), (Pos::of(k), Pos::of(v)));
                map.insert(k.value.clone(), convert(v, &p, positions));
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_keys_and_values() {
        let docs = parse_documents("a: 1\nb:\n  c:\n  - x: v\n").map_err(|e| e.message);
        let docs = docs.as_deref().unwrap_or_default();
        assert_eq!(docs.len(), 1);
        let (json, pos) = to_json(&docs[0]);
        assert_eq!(json, serde_json::json!({"a": 1, "b": {"c": [{"x": "v"}]}}));
        assert_eq!(pos.key("b.c[0].x"), Pos { line: 4, column: 5 });
        assert_eq!(pos.value("b.c[0].x"), Pos { line: 4, column: 8 });
        // A path that was never written falls back to its nearest written ancestor.
        assert_eq!(pos.key("b.c[0].missing"), Pos { line: 4, column: 5 });
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse_documents("a: b\n  c: d\n").err();
        assert_eq!(
            err.as_ref().map(|e| e.pos),
            Some(Pos { line: 2, column: 4 })
        );
        assert_eq!(
            err.map(|e| e.message),
            Some("mapping values are not allowed in this context".to_owned())
        );
    }

    #[test]
    fn yaml_1_1_booleans_resolve_as_kubectl_resolves_them() {
        // sigs.k8s.io/yaml (go-yaml v2) reads `yes`, `on` and `y` as true when decoding into
        // unstructured objects, so `enabled: yes` in a string field is a type error there too.
        let docs = parse_documents("a: yes\nb: on\nc: 'yes'\n").map_err(|e| e.message);
        let (json, _) = to_json(&docs.as_deref().unwrap_or_default()[0]);
        assert_eq!(json, serde_json::json!({"a": true, "b": true, "c": "yes"}));
    }

    #[test]
    fn several_documents() {
        let docs = parse_documents("a: 1\n---\nb: 2\n---\n")
            .map(|d| d.len())
            .map_err(|e| e.message);
        assert_eq!(docs, Ok(2));
    }
}

//! Directives: fenced blocks in lesson Markdown whose info string is `lab`, `diagram`,
//! `callout` or `notes`, with a YAML body.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::source::{ContentError, decode};

/// The info strings that make a fenced block a directive.
pub const DIRECTIVE_KINDS: &[&str] = &["lab", "diagram", "callout", "notes"];

/// The live diagrams a `diagram` directive may name.
pub const DIAGRAMS: &[&str] = &[
    "kubelet-sync",
    "pod-lifecycle",
    "cri-stack",
    "proxy-modes",
    "service-routing",
];

/// The kinds of callout.
pub const CALLOUT_KINDS: &[&str] = &["correction", "note", "warning"];

/// An embedded lab.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabDirective {
    /// Scenario name.
    pub scenario: String,
    /// `node` or `proxy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
    /// Simulated time to open at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A live diagram tied to a lab.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagramDirective {
    /// One of [`DIAGRAMS`].
    pub name: String,
    /// The lab it follows.
    pub scenario: String,
    /// Caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A callout box.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalloutDirective {
    /// One of [`CALLOUT_KINDS`].
    pub kind: String,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
}

/// A notes area saved locally.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesDirective {
    /// Unique across the course.
    pub id: String,
    /// The prompt shown above it.
    pub prompt: String,
}

/// One directive's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum DirectiveBody {
    /// ```` ```lab ````
    Lab(LabDirective),
    /// ```` ```diagram ````
    Diagram(DiagramDirective),
    /// ```` ```callout ````
    Callout(CalloutDirective),
    /// ```` ```notes ````
    Notes(NotesDirective),
}

impl DirectiveBody {
    /// The info string.
    pub fn kind(&self) -> &'static str {
        match self {
            DirectiveBody::Lab(_) => "lab",
            DirectiveBody::Diagram(_) => "diagram",
            DirectiveBody::Callout(_) => "callout",
            DirectiveBody::Notes(_) => "notes",
        }
    }

    /// What must be the same in the Korean and English files (everything but the texts).
    pub fn shape(&self) -> String {
        match self {
            DirectiveBody::Lab(l) => format!(
                "lab scenario={} view={} at={}",
                l.scenario,
                l.view.as_deref().unwrap_or("-"),
                l.at.as_deref().unwrap_or("-")
            ),
            DirectiveBody::Diagram(d) => format!("diagram name={} scenario={}", d.name, d.scenario),
            DirectiveBody::Callout(c) => format!("callout kind={}", c.kind),
            DirectiveBody::Notes(n) => format!("notes id={}", n.id),
        }
    }
}

/// A directive and where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// 1-based line of the opening fence.
    pub line: u64,
    /// Byte range of the whole fenced block in the Markdown text (to splice the rendered
    /// widget in its place).
    pub range: (usize, usize),
    /// Content.
    pub body: DirectiveBody,
}

/// Finds every directive in `markdown` (CommonMark fenced code blocks with one of
/// [`DIRECTIVE_KINDS`] as the info string) and decodes its YAML body. Bodies that do not
/// decode are reported with their line in the Markdown file.
pub fn extract(file: &str, markdown: &str) -> (Vec<Directive>, Vec<ContentError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let word = info.split_whitespace().next().unwrap_or_default();
                if DIRECTIVE_KINDS.contains(&word) {
                    open = Some((word.to_owned(), range.start, String::new()));
                }
            }
            Event::Text(text) => {
                if let Some((_, _, body)) = &mut open {
                    body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((kind, start, body)) = open.take() {
                    let line = line_of(markdown, start);
                    match decode_body(file, &kind, &body, line) {
                        Ok(body) => out.push(Directive {
                            line,
                            range: (start, range.end),
                            body,
                        }),
                        Err(e) => errors.push(e),
                    }
                }
            }
            _ => {}
        }
    }
    (out, errors)
}

fn decode_body(
    file: &str,
    kind: &str,
    body: &str,
    line: u64,
) -> Result<DirectiveBody, ContentError> {
    Ok(match kind {
        "lab" => DirectiveBody::Lab(decode(file, body, line)?.value),
        "diagram" => DirectiveBody::Diagram(decode(file, body, line)?.value),
        "callout" => DirectiveBody::Callout(decode(file, body, line)?.value),
        _ => DirectiveBody::Notes(decode(file, body, line)?.value),
    })
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> u64 {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_directives_with_lines_and_ignores_other_code() {
        let md = "# T\n\n```yaml\nkind: Pod\n```\n\ntext\n\n```lab\nscenario: nginx-pod\nview: node\n```\n\n```callout\nkind: note\ntitle: Hi\nbody: |\n  **x**\n```\n";
        let (ds, errors) = extract("a.md", md);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].line, 9);
        assert_eq!(ds[0].body.shape(), "lab scenario=nginx-pod view=node at=-");
        assert_eq!(
            &md[ds[0].range.0..ds[0].range.1],
            "```lab\nscenario: nginx-pod\nview: node\n```"
        );
        assert_eq!(
            ds[1].body,
            DirectiveBody::Callout(CalloutDirective {
                kind: "note".into(),
                title: "Hi".into(),
                body: "**x**\n".into()
            })
        );
    }

    #[test]
    fn a_bad_body_is_reported_at_its_markdown_line() {
        let md = "para\n\n```notes\nid: a\npromt: x\n```\n";
        let (ds, errors) = extract("s/ko.md", md);
        assert!(ds.is_empty());
        assert_eq!(errors.len(), 1);
        let e = errors[0].to_string();
        assert!(e.starts_with("s/ko.md:5:1: "), "{e}");
        assert!(e.contains("unknown field `promt`"), "{e}");
    }
}

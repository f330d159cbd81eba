//! A multi-document YAML text cut into its documents, lexically and losslessly, so that an
//! editor can show one tab per object and write the learner's text back byte for byte.
//!
//! The cut follows YAML's document marker: a line that is `---` alone or `---` followed by a
//! space (`--- # web`) starts a new document (YAML 1.2 §9.1.1, "directives end marker"). The
//! marker line itself is kept apart ([`Doc::separator`]) so that a tab shows only its document,
//! and [`replace`] puts it back unchanged. Documents that hold only comments and blank lines
//! (a file's leading comment block followed by `---`, a trailing `---`) are not tabs of their
//! own: they are kept with the next document (or the previous one, at the end of the text),
//! because the decoder skips empty documents too.
//!
//! Nothing here parses YAML: a document that does not parse still gets its tab, and its kind
//! and name are read from its top-level `kind:` and `metadata.name:` lines when they are there.

use std::ops::Range;

/// One document of a text: byte ranges into the text, and what it seems to hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    /// The `---` line that starts it (with its line break), empty for the first document.
    pub separator: Range<usize>,
    /// The document's own text (what an editor tab shows).
    pub body: Range<usize>,
    /// 1-based line of the text where `body` starts.
    pub line: usize,
    /// The top-level `kind:` value, if a line says it.
    pub kind: Option<String>,
    /// The `metadata:` block's `name:` value, if a line says it.
    pub name: Option<String>,
}

impl Doc {
    /// The tab label: `Pod/nginx`, `Lab` for the lab object (its name says nothing), `Pod`
    /// without a name, `?` without a kind.
    pub fn label(&self) -> String {
        match (self.kind.as_deref(), self.name.as_deref()) {
            (Some("Lab"), _) => "Lab".to_owned(),
            (Some(kind), Some(name)) => format!("{kind}/{name}"),
            (Some(kind), None) => kind.to_owned(),
            (None, Some(name)) => format!("?/{name}"),
            (None, None) => "?".to_owned(),
        }
    }

    /// Whether this is the lab's own settings object (`kind: Lab`), not a Kubernetes object.
    pub fn is_lab(&self) -> bool {
        self.kind.as_deref() == Some("Lab")
    }
}

/// Whether `line` (without its line break) is a document start marker.
fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Whether `text` holds nothing but blank lines and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    })
}

/// Cuts `text` into documents. The pieces cover the text exactly, in order: for every `i`,
/// `docs[i].separator.start` is `docs[i - 1].body.end` (0 for the first) and
/// `docs[i].separator.end` is `docs[i].body.start`; the last body ends at `text.len()`. There
/// is always at least one document (an empty text is one empty document).
pub fn split(text: &str) -> Vec<Doc> {
    // Raw pieces: (separator, body, first line of body).
    let mut raw: Vec<(Range<usize>, Range<usize>, usize)> = Vec::new();
    let (mut sep, mut body_start, mut body_line) = (0..0, 0, 1);
    let (mut offset, mut line_no) = (0, 1);
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_marker(bare) {
            raw.push((sep.clone(), body_start..offset, body_line));
            sep = offset..offset + line.len();
            body_start = offset + line.len();
            body_line = line_no + 1;
        }
        offset += line.len();
        line_no += 1;
    }
    raw.push((sep, body_start..text.len(), body_line));

    // Blank pieces join the next piece (their body then runs over its marker); a blank last
    // piece joins the previous one.
    let mut merged: Vec<(Range<usize>, Range<usize>, usize)> = Vec::new();
    let mut pending: Option<(Range<usize>, usize, usize)> = None; // (separator, body start, line)
    for (sep, body, line) in raw {
        let (sep, body, line) = match pending.take() {
            Some((psep, pstart, pline)) => (psep, pstart..body.end, pline),
            None => (sep, body, line),
        };
        if is_blank(&text[body.clone()]) {
            pending = Some((sep, body.start, line));
        } else {
            merged.push((sep, body, line));
        }
    }
    if let Some((sep, start, line)) = pending {
        match merged.last_mut() {
            Some(last) => last.1.end = text.len(),
            None => merged.push((sep, start..text.len(), line)),
        }
    }
    merged
        .into_iter()
        .map(|(separator, body, line)| {
            let (kind, name) = identify(&text[body.clone()]);
            Doc {
                separator,
                body,
                line,
                kind,
                name,
            }
        })
        .collect()
}

/// A scalar written on a line, without quotes and trailing comment.
fn scalar(value: &str) -> Option<String> {
    let v = value.trim();
    let v = if let Some(q) = v.strip_prefix('"') {
        q.split('"').next().unwrap_or_default()
    } else if let Some(q) = v.strip_prefix('\'') {
        q.split('\'').next().unwrap_or_default()
    } else {
        v.split(" #").next().unwrap_or_default().trim()
    };
    (!v.is_empty()).then(|| v.to_owned())
}

/// The top-level `kind:` and the `metadata:` block's `name:` of one document, read line by line.
fn identify(body: &str) -> (Option<String>, Option<String>) {
    let (mut kind, mut name) = (None, None);
    let mut in_metadata = false;
    let mut meta_indent: Option<usize> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || is_marker(line) {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_metadata = false;
            meta_indent = None;
            if let Some(v) = trimmed.strip_prefix("kind:") {
                kind = kind.or_else(|| scalar(v));
            } else if trimmed.strip_prefix("metadata:").is_some() {
                in_metadata = true;
            }
            continue;
        }
        if in_metadata {
            // Only direct children of metadata (the first indentation seen), not labels' names.
            let level = *meta_indent.get_or_insert(indent);
            if indent == level
                && let Some(v) = trimmed.strip_prefix("name:")
            {
                name = name.or_else(|| scalar(v));
            }
        }
    }
    (kind, name)
}

/// `text` with document `index`'s body replaced by `body`. Every other byte is kept; a body
/// that is followed by another document gets a final line break if it has none, so that the
/// next `---` stays on a line of its own. An index out of range leaves the text as it is.
pub fn replace(text: &str, docs: &[Doc], index: usize, body: &str) -> String {
    let Some(doc) = docs.get(index) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + body.len());
    out.push_str(&text[..doc.body.start]);
    out.push_str(body);
    if doc.body.end < text.len() && !body.is_empty() && !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&text[doc.body.end..]);
    out
}

/// `text` without document `index` (its body and its own `---` line; the first document takes
/// the second's marker with it so that the text does not start with a stray `---`).
pub fn remove(text: &str, docs: &[Doc], index: usize) -> String {
    let Some(doc) = docs.get(index) else {
        return text.to_owned();
    };
    let cut = if index == 0 {
        // Keep the text's leading part up to the first document's body start (nothing, or a
        // merged comment block is part of the body anyway) and drop the next marker.
        match docs.get(1) {
            Some(next) => doc.body.start..next.body.start,
            None => doc.body.clone(),
        }
    } else {
        doc.separator.start..doc.body.end
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..cut.start]);
    out.push_str(&text[cut.end..]);
    out
}

/// `text` with `body` appended as a new last document (after a `---` line).
pub fn append(text: &str, body: &str) -> String {
    let mut out = text.to_owned();
    if !is_blank(text) {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    out.push_str(body);
    out
}

/// `text` without the documents whose kind is `Lab` (for a file `kubectl apply -f` takes).
pub fn without_lab(text: &str) -> String {
    let docs = split(text);
    let mut out = text.to_owned();
    for i in (0..docs.len()).rev() {
        if docs[i].is_lab() {
            out = remove(&out, &split(&out), i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE_WEB: &str = include_str!("../../../../lessons/scenarios/service-web.yaml");

    fn labels(text: &str) -> Vec<String> {
        split(text).iter().map(Doc::label).collect()
    }

    fn bodies(text: &str) -> Vec<&str> {
        split(text)
            .into_iter()
            .map(|d| &text[d.body.clone()])
            .collect()
    }

    /// The pieces cover the text exactly and in order.
    fn assert_covers(text: &str) {
        let docs = split(text);
        let mut at = 0;
        for d in &docs {
            assert_eq!(d.separator.start, at, "{text:?}");
            assert_eq!(d.separator.end, d.body.start, "{text:?}");
            at = d.body.end;
        }
        assert_eq!(at, text.len(), "{text:?}");
    }

    #[test]
    fn the_service_scenario_has_a_tab_per_object() {
        assert_eq!(
            labels(SERVICE_WEB),
            [
                "Lab",
                "Service/web",
                "Pod/client",
                "Pod/web-1",
                "Pod/web-2",
                "Pod/web-3"
            ]
        );
        assert_covers(SERVICE_WEB);
        let docs = split(SERVICE_WEB);
        // The Lab keeps the file's leading comments; the Service body starts after its `---`.
        assert!(bodies(SERVICE_WEB)[0].starts_with("# A ClusterIP Service"));
        assert_eq!(docs[1].line, 15);
        assert!(bodies(SERVICE_WEB)[1].starts_with("apiVersion: v1\nkind: Service\n"));
        assert_eq!(&SERVICE_WEB[docs[1].separator.clone()], "---\n");
    }

    #[test]
    fn replacing_a_body_keeps_every_other_byte() {
        let text = "# head\nkind: Pod\nmetadata:\n  name: a # x\n--- # second\nkind: Service\nmetadata:\n  name: b\n";
        let docs = split(text);
        assert_eq!(labels(text), ["Pod/a", "Service/b"]);
        assert_eq!(&text[docs[1].separator.clone()], "--- # second\n");
        // Unchanged bodies join back to the same text.
        assert_eq!(replace(text, &docs, 1, &text[docs[1].body.clone()]), text);
        let edited = replace(text, &docs, 0, "kind: Pod\nmetadata:\n  name: c");
        assert_eq!(
            edited,
            "kind: Pod\nmetadata:\n  name: c\n--- # second\nkind: Service\nmetadata:\n  name: b\n"
        );
        assert_eq!(labels(&edited), ["Pod/c", "Service/b"]);
        // The last body keeps exactly what was typed.
        assert_eq!(
            replace(text, &docs, 1, "kind: Service"),
            "# head\nkind: Pod\nmetadata:\n  name: a # x\n--- # second\nkind: Service"
        );
    }

    #[test]
    fn comment_only_and_empty_documents_join_a_neighbour() {
        let text = "# only a comment\n---\nkind: Pod\nmetadata:\n  name: a\n---\n\n---\nkind: Lab\n---\n# trailing\n";
        assert_covers(text);
        assert_eq!(labels(text), ["Pod/a", "Lab"]);
        let b = bodies(text);
        assert_eq!(
            b[0],
            "# only a comment\n---\nkind: Pod\nmetadata:\n  name: a\n"
        );
        assert_eq!(b[1], "\n---\nkind: Lab\n---\n# trailing\n");
        assert_eq!(split(text)[1].line, 7);
        // A text starting with a marker.
        assert_eq!(labels("---\nkind: Pod\n"), ["Pod"]);
        assert_covers("---\nkind: Pod\n");
        assert_eq!(split("")[0].body, 0..0);
        assert_eq!(labels("   \n# x\n"), ["?"]);
    }

    #[test]
    fn markers_are_whole_lines_only() {
        let text = "a: |\n  ---x\nb: '--- not'\n---\t# tab\nkind: Pod\r\n";
        assert_eq!(split(text).len(), 2);
        assert_covers(text);
        assert_eq!(split(text)[1].line, 5);
    }

    #[test]
    fn names_come_from_metadata_only() {
        let text = "kind: Deployment\nmetadata:\n  labels:\n    name: label\n  name: \"web\"\nspec:\n  template:\n    metadata:\n      name: inner\n";
        assert_eq!(labels(text), ["Deployment/web"]);
        let text = "kind: Deployment\nmetadata:\n  name: 'web' # the app\n  labels:\n    name: x\n";
        assert_eq!(labels(text), ["Deployment/web"]);
        assert_eq!(labels("metadata:\n  name: x\n"), ["?/x"]);
        assert_eq!(labels("kind: [\n"), ["["]);
    }

    #[test]
    fn removing_and_appending_documents() {
        let docs = split(SERVICE_WEB);
        let no_service = remove(SERVICE_WEB, &docs, 1);
        assert_eq!(
            labels(&no_service),
            ["Lab", "Pod/client", "Pod/web-1", "Pod/web-2", "Pod/web-3"]
        );
        let no_lab = remove(SERVICE_WEB, &docs, 0);
        assert!(no_lab.starts_with("apiVersion: v1\nkind: Service\n"));
        assert_eq!(no_lab, without_lab(SERVICE_WEB));
        let last = remove(SERVICE_WEB, &docs, 5);
        assert!(last.ends_with("periodSeconds: 5\n") && !last.ends_with("---\n"));
        assert_eq!(labels(&last).len(), 5);
        assert_eq!(remove("kind: Pod\n", &split("kind: Pod\n"), 0), "");

        let added = append("kind: Pod\nmetadata:\n  name: a", "kind: Service\n");
        assert_eq!(
            added,
            "kind: Pod\nmetadata:\n  name: a\n---\nkind: Service\n"
        );
        assert_eq!(append("# c\n", "kind: Pod\n"), "# c\nkind: Pod\n");
    }

    #[test]
    fn without_lab_drops_only_the_lab() {
        let text = "kind: Pod\nmetadata:\n  name: a\n---\napiVersion: nodelab.dev/v1alpha1\nkind: Lab\n---\nkind: Service\n";
        assert_eq!(
            without_lab(text),
            "kind: Pod\nmetadata:\n  name: a\n---\nkind: Service\n"
        );
        assert_eq!(without_lab("kind: Pod\n"), "kind: Pod\n");
    }
}

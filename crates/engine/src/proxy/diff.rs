//! What changed between two syncs of a node's rules (e.g. when an endpoint's readiness
//! flips): a line diff of the rendered text.

use similar::{ChangeTag, TextDiff};

/// One line of a rules diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the newer rules.
    Added(String),
    /// Only in the older rules.
    Removed(String),
}

/// The line diff from `old` to `new`.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| {
            let text = c.value().trim_end_matches('\n').to_owned();
            match c.tag() {
                ChangeTag::Equal => DiffLine::Same(text),
                ChangeTag::Insert => DiffLine::Added(text),
                ChangeTag::Delete => DiffLine::Removed(text),
            }
        })
        .collect()
}

/// Only the changed lines, `+`/`-` prefixed, as `diff` prints them.
pub fn changes(old: &str, new: &str) -> String {
    let mut out = String::new();
    for line in diff(old, new) {
        match line {
            DiffLine::Added(t) => out.push_str(&format!("+{t}\n")),
            DiffLine::Removed(t) => out.push_str(&format!("-{t}\n")),
            DiffLine::Same(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_added_and_removed_lines_in_order() {
        let old = "*nat\n-A KUBE-SVC-X -j KUBE-SEP-A\n-A KUBE-SVC-X -j KUBE-SEP-B\nCOMMIT\n";
        let new = "*nat\n-A KUBE-SVC-X -j KUBE-SEP-B\nCOMMIT\n";
        assert_eq!(changes(old, new), "--A KUBE-SVC-X -j KUBE-SEP-A\n");
        assert_eq!(
            diff(old, new)[1],
            DiffLine::Removed("-A KUBE-SVC-X -j KUBE-SEP-A".to_owned())
        );
    }
}

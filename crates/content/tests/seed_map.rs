//! Every heading and bullet of the seed lesson maps to course content.
//!
//! The seed (a copy of `seed/000_d577e6137e40ae5b.txt`, Week 2 › Day 1 › Session 7, in
//! `tests/data/`) is read, and every Markdown heading, `- ` bullet, and every item and group
//! line of its text-tree code blocks (`├── x`, `└── x`, `Group:`) is extracted (Mermaid
//! blocks are diagrams, not text, and are skipped). Each must have an entry in
//! `lessons/session-7/seed-map.yaml`, and that entry's phrase must occur in its section's
//! `ko.md` (case and spacing ignored).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nodelab_content::model::SeedMap;
use nodelab_content::source::decode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed's headings and bullets, normalised as seed-map.yaml writes them.
fn seed_items(seed: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut in_code, mut in_mermaid) = (false, false);
    for line in seed.lines() {
        let line = line.trim_end();
        if line.starts_with("```") {
            if in_code {
                in_code = false;
                in_mermaid = false;
            } else {
                in_code = true;
                in_mermaid = line.starts_with("```mermaid");
            }
            continue;
        }
        if in_mermaid {
            continue;
        }
        let item = if in_code {
            if let Some(rest) = line
                .strip_prefix("├── ")
                .or_else(|| line.strip_prefix("└── "))
            {
                Some(rest)
            } else if !line.trim().is_empty() {
                line.strip_suffix(':')
            } else {
                None
            }
        } else if line.starts_with('#') {
            Some(line.trim_start_matches('#').trim_start())
        } else {
            line.strip_prefix("- ")
        };
        if let Some(item) = item {
            let item = item.replace("**", "").trim().to_owned();
            if !items.contains(&item) {
                items.push(item);
            }
        }
    }
    items
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn the_seed_extraction_finds_headings_bullets_and_tree_items() {
    let seed = "# T\n\n## A (5분)\n- **x** y\n\n```mermaid\ngraph TB\n- not this\n```\n\n```\nGroup:\n├── one\n└── **two**\n```\n";
    assert_eq!(
        seed_items(seed),
        ["T", "A (5분)", "x y", "Group", "one", "two"]
    );
}

#[test]
fn every_seed_heading_and_bullet_maps_to_a_phrase_in_its_sections_ko_md() {
    let root = root();
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed-000_d577e6137e40ae5b.txt"),
    )
    .expect("the seed copy is part of the repository");
    let items = seed_items(&seed);
    assert!(items.len() > 100, "extracted only {} items", items.len());
    let map_file = root.join("lessons/session-7/seed-map.yaml");
    let text = std::fs::read_to_string(&map_file).expect("lessons/session-7/seed-map.yaml");
    let map: SeedMap = match decode("lessons/session-7/seed-map.yaml", &text, 0) {
        Ok(m) => m.value,
        Err(e) => panic!("{e}"),
    };
    let mapped: BTreeSet<&str> = map.entries.iter().map(|e| e.item.as_str()).collect();
    let mut failures = Vec::new();
    for item in &items {
        if !mapped.contains(item.as_str()) {
            failures.push(format!("seed item not mapped in seed-map.yaml: {item:?}"));
        }
    }
    for e in &map.entries {
        if !items.contains(&e.item) {
            failures.push(format!(
                "seed-map.yaml entry is not a seed heading or bullet: {:?}",
                e.item
            ));
        }
    }
    let mut missing_files = BTreeSet::new();
    for e in &map.entries {
        let ko = root
            .join("lessons/session-7")
            .join(&e.section)
            .join("ko.md");
        match std::fs::read_to_string(&ko) {
            Ok(text) => {
                if !normalise(&text).contains(&normalise(&e.phrase)) {
                    failures.push(format!(
                        "{}/ko.md lacks the phrase {:?} (for seed item {:?})",
                        e.section, e.phrase, e.item
                    ));
                }
            }
            Err(_) => {
                missing_files.insert(format!("lessons/session-7/{}/ko.md", e.section));
            }
        }
    }
    for f in missing_files {
        failures.push(format!("{f} is missing (the prose is not written yet?)"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

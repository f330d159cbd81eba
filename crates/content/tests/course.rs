//! The course in `lessons/` passes `check` and meets issue 7's quiz requirements.

use std::collections::BTreeSet;
use std::path::Path;

use nodelab_content::{QuestionKind, check_dir, check_files, load_dir};

fn lessons() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons")
}

#[test]
fn the_course_passes_the_check_with_enough_questions() {
    let report = check_dir(&lessons());
    assert!(report.problems.is_empty(), "{report}");
    assert!(report.questions >= 40, "{}", report.summary());
    assert!(report.predict >= 8, "{}", report.summary());
    assert_eq!(report.sections, 6, "{}", report.summary());
    assert!(report.labs >= 11, "{}", report.summary());
    assert_eq!(report.answers.len(), report.predict);
}

#[test]
fn every_kind_is_used_and_predict_questions_cover_kubelet_cri_and_services() {
    let (lessons, problems) = load_dir(&lessons());
    assert!(problems.is_empty(), "{problems:?}");
    let mut kinds = BTreeSet::new();
    let mut predict_sections = BTreeSet::new();
    for section in lessons.sessions.iter().flat_map(|s| &s.sections) {
        for q in &section.quiz.questions {
            kinds.insert(format!("{:?}", q.kind));
            if q.kind == QuestionKind::Predict {
                predict_sections.insert(section.id.clone());
            }
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    for s in ["kubelet", "cri", "services"] {
        assert!(predict_sections.contains(s), "no predict question in {s}");
    }
}

#[test]
fn embedded_files_load_like_the_folder() {
    // What the web app does: include_str! every file and hand over (path, text) pairs.
    let root = lessons();
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("lessons folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "md") {
                let rel = path.strip_prefix(&root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                files.push((rel, std::fs::read_to_string(&path).expect("readable")));
            }
        }
    }
    let embedded = check_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let folder = check_dir(&root);
    assert!(embedded.problems.is_empty(), "{embedded}");
    assert_eq!(embedded.summary(), folder.summary());
    assert_eq!(embedded.answers, folder.answers);
}

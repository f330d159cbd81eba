//! `nodelab check lessons DIR` on broken lesson folders (temporary fixtures): every problem
//! is named with file, line, column and field path, the exit code is 2, and the last line
//! is the summary.

use std::path::PathBuf;
use std::process::Command;

/// A fresh lessons folder under the target's temp dir holding `files`.
fn fixture(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nodelab-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    dir
}

fn check(dir: &PathBuf) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nodelab"))
        .arg("check")
        .arg("lessons")
        .arg(dir)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const COURSE: &str = "id: c\ntitle: {ko: 코스, en: Course}\nweeks:\n- id: w\n  title: {ko: 주, en: Week}\n  days:\n  - id: d\n    title: {ko: 일, en: Day}\n    sessions:\n    - {id: s, folder: s, title: {ko: 세션, en: Session}}\n";
const SESSION: &str = "id: s\ntitle: {ko: 세션, en: Session}\nobjectives: {ko: [하나], en: [one]}\nsections:\n- {id: a, minutes: 5, title: {ko: 가, en: A}}\nnext: {ko: 다음, en: Next}\n";
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\nspec:\n  containers:\n  - {name: nginx, image: nginx:1.27}\n";

fn base(quiz: &str) -> Vec<(&'static str, String)> {
    vec![
        ("course.yaml", COURSE.to_owned()),
        ("s/session.yaml", SESSION.to_owned()),
        ("scenarios/nginx-pod.yaml", POD.to_owned()),
        ("s/a/quiz.yaml", quiz.to_owned()),
    ]
}

fn run(name: &str, files: Vec<(&'static str, String)>) -> (i32, String, String) {
    let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = fixture(name, &pairs);
    let result = check(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[test]
fn a_good_folder_passes_with_the_summary_line() {
    let quiz = "questions:\n- id: q1\n  kind: predict\n  prompt: {ko: 재시작?, en: Restarts?}\n  predict:\n    scenario: nginx-pod\n    query: {restartCount: {pod: nginx, at: 1m}}\n  explanation: {ko: 없음, en: None}\n";
    let (code, stdout, stderr) = run("good", base(quiz));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "sections: 1, labs: 1, questions: 1 (predict: 1)\n");
}

#[test]
fn missing_translation_and_bad_single_choice_are_located() {
    let quiz = "questions:\n- id: q1\n  kind: single\n  prompt: {ko: 질문}\n  options:\n  - {id: a, ko: 가, en: A, correct: true}\n  explanation: {ko: 설명, en: Why}\n";
    let (code, stdout, stderr) = run("translation", base(quiz));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("s/a/quiz.yaml:4:3: questions[0].prompt: missing field `en`"),
        "{stderr}"
    );
    assert_eq!(
        stdout.lines().last(),
        Some("sections: 1, labs: 1, questions: 0 (predict: 0)")
    );

    let quiz = "questions:\n- id: q1\n  kind: single\n  prompt: {ko: 질문, en: Q}\n  options:\n  - {id: a, ko: 가, en: A, correct: true}\n  - {id: b, ko: 나, en: B, correct: true}\n  explanation: {ko: 설명, en: Why}\n- id: q1\n  kind: order\n  prompt: {ko: 질문, en: Q}\n  items:\n  - {id: a, ko: 가, en: A}\n  explanation: {ko: 설명, en: Why}\n";
    let (code, _, stderr) = run("single", base(quiz));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("s/a/quiz.yaml:5:3: questions[0].options: a single-choice question needs exactly 1 correct option, has 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("s/a/quiz.yaml:9:3: questions[1].id: duplicate question id \"q1\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("questions[1].items: an order question needs at least 2 items, has 1"),
        "{stderr}"
    );
}

#[test]
fn unknown_scenarios_missing_pods_and_unmatched_options_are_reported() {
    let quiz = "questions:\n- id: q1\n  kind: predict\n  prompt: {ko: 질문, en: Q}\n  predict:\n    scenario: nope\n    query: {podPhase: {pod: nginx, at: 1m}}\n  explanation: {ko: 설명, en: Why}\n- id: q2\n  kind: predict\n  prompt: {ko: 질문, en: Q}\n  predict:\n    scenario: nginx-pod\n    query: {podPhase: {pod: ghost, at: 1m}}\n  explanation: {ko: 설명, en: Why}\n- id: q3\n  kind: predict\n  prompt: {ko: 질문, en: Q}\n  options:\n  - {id: a, ko: 가, en: A, value: Pending}\n  - {id: b, ko: 나, en: B, value: Failed}\n  predict:\n    scenario: nginx-pod\n    query: {podPhase: {pod: nginx, at: 1m}}\n  explanation: {ko: 설명, en: Why}\n  lab: {scenario: nginx-pod, view: sideways}\n";
    let (code, _, stderr) = run("predict", base(quiz));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "s/a/quiz.yaml:6:5: questions[0].predict.scenario: unknown scenario \"nope\""
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("s/a/quiz.yaml:14:5: questions[1].predict.query: the engine cannot answer: pods \"ghost\" not found in the scenario"),
        "{stderr}"
    );
    assert!(
        stderr.contains("questions[2].options: exactly one option's value must be the engine's answer \"Running\"; 0 match"),
        "{stderr}"
    );
    assert!(
        stderr.contains("questions[2].lab.view: unknown view \"sideways\""),
        "{stderr}"
    );
}

#[test]
fn directive_problems_and_ko_en_mismatch_are_reported() {
    let mut files = base("questions: []\n");
    files.push((
        "s/a/ko.md",
        "# 가\n\n```lab\nscenario: nginx-pod\n```\n\n```diagram\nname: pie-chart\nscenario: nginx-pod\n```\n\n```notes\nid: n1\nprompt: 메모\n```\n".to_owned(),
    ));
    files.push((
        "s/a/en.md",
        "# A\n\n```lab\nscenario: nginx-pod\n```\n\n```callout\nkind: correction\ntitle: T\nbody: no source\n```\n".to_owned(),
    ));
    let (code, _, stderr) = run("directives", files);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("s/a/ko.md:7:1: diagram.name: unknown diagram \"pie-chart\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("s/a/en.md:7:1: callout.body: a correction must cite its source"),
        "{stderr}"
    );
    assert!(
        stderr.contains("s/a/en.md:7:1: directives differ from ko.md: en.md has `callout kind=correction` where ko.md has `diagram name=pie-chart scenario=nginx-pod`"),
        "{stderr}"
    );
}

#[test]
fn a_yaml_syntax_error_and_a_broken_scenario_are_located() {
    let mut files = base("questions: [\n");
    files[2].1 =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n"
            .to_owned();
    let (code, stdout, stderr) = run("syntax", files);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("s/a/quiz.yaml:1:12: unclosed bracket"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("/scenarios/nginx-pod.yaml:4:21: spec.containers[0].image: Required value\n"),
        "{stderr}"
    );
    assert_eq!(stdout, "sections: 1, labs: 0, questions: 0 (predict: 0)\n");
}

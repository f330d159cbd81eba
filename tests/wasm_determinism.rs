//! In the browser (wasm32, headless Chromium): the engine produces byte-for-byte the JSON the
//! native CLI produced for the golden scenario, so a seed reproduces a run everywhere.
#![cfg(target_arch = "wasm32")]

use nodelab_engine::report::run_report;
use nodelab_engine::{SimTime, World, decode_manifests};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const INPUT: &str = include_str!("scenarios/nginx-pod/input.yaml");
/// Written by the native `nodelab run --until 60s --seed 1 --format json` (golden test).
const EXPECTED: &str = include_str!("scenarios/nginx-pod/expected.json");

fn report_json() -> String {
    let manifests = decode_manifests("input.yaml", INPUT).map_err(|e| format!("{e:?}"));
    let world =
        manifests.and_then(|m| World::from_manifests(&m, Some(1)).map_err(|e| e.to_string()));
    match world {
        Ok(mut w) => {
            w.advance_to(SimTime::from_secs(60));
            serde_json::to_string_pretty(&run_report(&w)).unwrap_or_default() + "\n"
        }
        Err(e) => e,
    }
}

#[wasm_bindgen_test]
fn wasm_run_matches_the_native_golden_bytes() {
    // The native file names the input by its path; the report itself has no file names.
    assert_eq!(report_json(), EXPECTED);
}

#[wasm_bindgen_test]
fn two_wasm_runs_are_identical() {
    assert_eq!(report_json(), report_json());
}

#[wasm_bindgen_test]
fn a_yaml_error_is_reported_not_panicked() {
    let errs = decode_manifests(
        "x.yaml",
        "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n   b: c\n",
    )
    .err();
    assert!(errs.is_some_and(|e| e[0].to_string().starts_with("x.yaml:5:")));
}

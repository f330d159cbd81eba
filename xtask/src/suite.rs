//! `cargo xtask test`: every check and test suite, in order, with one summed result.
//!
//! Each step streams its output to the terminal and is captured to count results: formatting,
//! lint and build steps count as one check each; test suites count their tests, parsed from
//! libtest's `test result: ok. N passed; M failed; …` lines (native and wasm-bindgen-test-runner
//! alike) and from the `# pass N` / `# fail N` summary of `node --test`'s TAP reporter. A step
//! that exits non-zero without reporting a failure (a compile error, a crash) counts one failure.
//! The last line printed is exactly `N passed, M failed`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use crate::dist;
use crate::proc::{self, cmd, root};
use crate::server;
use crate::setup::{self, CHROMEDRIVER};

/// How a step's results are counted.
#[derive(Clone, Copy)]
enum Count {
    /// One check: passed if the command exits successfully.
    Check,
    /// libtest output (`cargo test`, wasm-bindgen-test-runner).
    Libtest,
    /// `node --test --test-reporter=tap` output.
    NodeTap,
}

/// Results of one step.
struct StepResult {
    /// Step name.
    name: String,
    /// Tests or checks passed.
    passed: u64,
    /// Tests or checks failed.
    failed: u64,
    /// Wall time.
    took: Duration,
}

/// The running tally of all steps.
#[derive(Default)]
struct Tally {
    /// Every step run so far.
    steps: Vec<StepResult>,
}

impl Tally {
    /// Runs `command` as step `name`, counting its results as `count` says. Returns whether the
    /// step passed.
    fn step(&mut self, name: &str, count: Count, command: &mut Command) -> bool {
        banner(name, command);
        let start = Instant::now();
        let (passed, failed) = match proc::run_tee(command) {
            Ok((status, output)) => counts(count, status.success(), &output),
            Err(message) => {
                eprintln!("xtask: {message}");
                (0, 1)
            }
        };
        self.record(name, passed, failed, start.elapsed())
    }

    /// Runs an in-process action as a one-check step.
    fn check(&mut self, name: &str, action: impl FnOnce() -> Result<(), String>) -> bool {
        println!("\n==> {name}");
        let start = Instant::now();
        let failed = match action() {
            Ok(()) => 0,
            Err(message) => {
                eprintln!("xtask: {name}: {message}");
                1
            }
        };
        self.record(name, 1 - failed, failed, start.elapsed())
    }

    /// Records a step that could not run because something it needs failed: one failure.
    fn blocked(&mut self, name: &str, because: &str) {
        println!("\n==> {name}\nxtask: not run: {because}");
        self.record(name, 0, 1, Duration::ZERO);
    }

    /// Adds a step's result; returns whether it passed.
    fn record(&mut self, name: &str, passed: u64, failed: u64, took: Duration) -> bool {
        println!(
            "--- {name}: {passed} passed, {failed} failed ({:.1}s)",
            took.as_secs_f64()
        );
        self.steps.push(StepResult {
            name: name.to_owned(),
            passed,
            failed,
            took,
        });
        failed == 0
    }

    /// Prints the per-step summary and, last, the total line; returns the exit code.
    fn finish(self) -> ExitCode {
        println!("\nsummary:");
        for step in &self.steps {
            let mark = if step.failed == 0 { "ok  " } else { "FAIL" };
            println!(
                "  {mark} {:<44} {:>5} passed {:>4} failed {:>7.1}s",
                step.name,
                step.passed,
                step.failed,
                step.took.as_secs_f64()
            );
        }
        let passed: u64 = self.steps.iter().map(|s| s.passed).sum();
        let failed: u64 = self.steps.iter().map(|s| s.failed).sum();
        println!("{passed} passed, {failed} failed");
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Prints the heading of a step.
fn banner(name: &str, command: &Command) {
    println!("\n==> {name}\n$ {}", proc::describe(command));
}

/// `(passed, failed)` for a step's output.
fn counts(count: Count, success: bool, output: &str) -> (u64, u64) {
    let (passed, failed) = match count {
        Count::Check => return if success { (1, 0) } else { (0, 1) },
        Count::Libtest => libtest_counts(output),
        Count::NodeTap => tap_counts(output),
    };
    if !success && failed == 0 {
        (passed, failed + 1)
    } else {
        (passed, failed)
    }
}

/// Sums every `test result: … N passed; M failed; …` line.
fn libtest_counts(output: &str) -> (u64, u64) {
    let mut totals = (0, 0);
    for line in output.lines() {
        let Some((_, rest)) = line.split_once("test result: ") else {
            continue;
        };
        for field in rest.split(';') {
            let mut words = field.split_whitespace().rev();
            let (Some(kind), Some(number)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = number.parse::<u64>() else {
                continue;
            };
            match kind {
                "passed" => totals.0 += n,
                "failed" => totals.1 += n,
                _ => {}
            }
        }
    }
    totals
}

/// Sums TAP summary comments `# pass N`, `# fail N` and `# cancelled N` (cancelled counts as
/// failed: a test killed by a timeout or a failing hook).
fn tap_counts(output: &str) -> (u64, u64) {
    let mut totals = (0, 0);
    for line in output.lines() {
        let Some(comment) = line.trim_start().strip_prefix("# ") else {
            continue;
        };
        let mut words = comment.split_whitespace();
        let (Some(kind), Some(number), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = number.parse::<u64>() else {
            continue;
        };
        match kind {
            "pass" => totals.0 += n,
            "fail" | "cancelled" => totals.1 += n,
            _ => {}
        }
    }
    totals
}

/// A `cargo` command with the given arguments.
fn cargo(args: &[&str]) -> Command {
    let mut command = cmd("cargo");
    command.args(args);
    command
}

/// The wasm-bindgen tests of the web app, run in headless Chromium through chromedriver.
fn wasm_test_command() -> Command {
    let mut command = cargo(&[
        "test",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "nodelab",
    ]);
    command
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", CHROMEDRIVER)
        // Browser capabilities (Chromium binary and flags); the runner reads it from the cwd by
        // default, the absolute path makes that independent of where cargo runs the test.
        .env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            root().join("webdriver.json"),
        )
        // Run in the browser even when a test file does not say `run_in_browser`.
        .env("WASM_BINDGEN_USE_BROWSER", "1")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "30");
    command
}

/// `node --test` over `files` in tests/e2e, against the app at `url`.
fn e2e_command(url: &str, files: &[&str]) -> Command {
    let mut command = cmd("node");
    command
        .current_dir(root().join("tests/e2e"))
        .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
        .args(files)
        .env("NODELAB_URL", url);
    command
}

/// One browser-test run: serve `dir` under `prefix`, run `files` against it.
fn e2e(tally: &mut Tally, name: &str, dir: &Path, prefix: &str, files: &[&str]) {
    match server::spawn(dir, prefix) {
        Ok(addr) => {
            let url = format!("http://{addr}{prefix}");
            println!("\nxtask: serving {} at {url}", dir.display());
            tally.step(name, Count::NodeTap, &mut e2e_command(&url, files));
        }
        Err(message) => tally.blocked(name, &message),
    }
}

/// Runs every step and prints the totals; the process exit code reflects any failure.
pub fn run() -> ExitCode {
    let mut tally = Tally::default();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    println!("==> setup{}", if ci { " (CI)" } else { "" });
    if let Err(message) = setup::run(setup::Scope::All) {
        eprintln!("xtask: setup failed: {message}");
        tally.record("setup", 0, 1, Duration::ZERO);
        return tally.finish();
    }

    tally.step(
        "fmt",
        Count::Check,
        &mut cargo(&["fmt", "--all", "--check"]),
    );
    tally.step(
        "clippy (native, all targets)",
        Count::Check,
        &mut cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    tally.step(
        "clippy (wasm32, nodelab)",
        Count::Check,
        &mut cargo(&[
            "clippy",
            "-p",
            "nodelab",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    tally.step(
        "native tests",
        Count::Libtest,
        &mut cargo(&["test", "--workspace"]),
    );
    tally.step(
        "wasm tests (headless chromium)",
        Count::Libtest,
        &mut wasm_test_command(),
    );

    let root_dist = root().join("dist");
    if tally.check("release build (public url /)", || {
        dist::build("/", &root_dist)
    }) {
        e2e(
            &mut tally,
            "browser tests at /",
            &root_dist,
            "/",
            &[
                "smoke.test.mjs",
                "lab.test.mjs",
                "pod.test.mjs",
                "cri.test.mjs",
                "proxy.test.mjs",
                "editor.test.mjs",
                "views.test.mjs",
                "course.test.mjs",
                "offline.test.mjs",
                "a11y.test.mjs",
                "transport.test.mjs",
            ],
        );
    } else {
        tally.blocked("browser tests at /", "the release build failed");
    }

    let sub_dist: PathBuf = root().join("target/dist-subpath");
    if tally.check("release build (public url /nodelab/)", || {
        dist::build("/nodelab/", &sub_dist)
    }) {
        e2e(
            &mut tally,
            "browser smoke tests at /nodelab/",
            &sub_dist,
            "/nodelab/",
            &["smoke.test.mjs", "offline.test.mjs"],
        );
    } else {
        tally.blocked(
            "browser smoke tests at /nodelab/",
            "the release build failed",
        );
    }

    tally.step(
        "lessons check",
        Count::Check,
        &mut cargo(&[
            "run",
            "--quiet",
            "-p",
            "nodelab-cli",
            "--",
            "check",
            "lessons",
        ]),
    );

    tally.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_results() {
        let output = "\
running 3 tests
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.2s
   Doc-tests nodelab_engine
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(libtest_counts(output), (8, 2));
        assert_eq!(counts(Count::Libtest, false, output), (8, 2));
    }

    #[test]
    fn a_failing_command_without_results_is_one_failure() {
        assert_eq!(
            counts(Count::Libtest, false, "error[E0425]: cannot find value"),
            (0, 1)
        );
        assert_eq!(
            counts(Count::NodeTap, false, "Error: Cannot find module"),
            (0, 1)
        );
        assert_eq!(counts(Count::Check, true, ""), (1, 0));
        assert_eq!(counts(Count::Check, false, ""), (0, 1));
    }

    #[test]
    fn sums_tap_summaries() {
        let output = "\
TAP version 13
# Subtest: the lab renders
ok 1 - the lab renders
1..7
# tests 7
# suites 0
# pass 5
# fail 1
# cancelled 1
# skipped 0
# todo 0
# duration_ms 1234.5
";
        assert_eq!(tap_counts(output), (5, 2));
        assert_eq!(tap_counts("    # pass 3 extra words"), (0, 0));
    }
}

//! nodelab-content: the course's lessons, quizzes and lab scenarios, and their validation.
//!
//! This first slice checks lab scenario files: every scenario under a lessons folder must
//! decode, validate and run in the engine.

use std::fmt;
use std::path::{Path, PathBuf};

use nodelab_engine::{SimTime, World, decode_manifests};

/// How long `check` simulates each scenario.
pub const CHECK_DURATION: SimTime = SimTime::from_secs(5 * 60);

/// What `check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Scenario files that ran.
    pub labs: usize,
    /// Problems, one line each (`FILE:LINE:COLUMN: path: message`).
    pub problems: Vec<String>,
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        write!(f, "labs: {}, problems: {}", self.labs, self.problems.len())
    }
}

/// Checks every `*.yaml` file below `dir`'s `scenarios` folders: it must decode and the engine
/// must accept and run it.
pub fn check(dir: &Path) -> CheckReport {
    let mut report = CheckReport::default();
    let mut files = Vec::new();
    collect_yaml(dir, &mut files, &mut report.problems);
    files.sort();
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                report.problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        match check_scenario(&name, &text) {
            Ok(()) => report.labs += 1,
            Err(errors) => report.problems.extend(errors),
        }
    }
    report
}

/// Decodes and runs one scenario text.
pub fn check_scenario(name: &str, text: &str) -> Result<(), Vec<String>> {
    let manifests = decode_manifests(name, text)
        .map_err(|es| es.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut world = World::from_manifests(&manifests, None).map_err(|e| vec![e.to_string()])?;
    world.advance_to(CHECK_DURATION);
    Ok(())
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out, problems);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && path.parent().is_some_and(|p| p.ends_with("scenarios"))
        {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_scenario_is_reported_with_its_position() {
        let err = check_scenario(
            "s.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n",
        );
        assert_eq!(
            err,
            Err(vec![
                "s.yaml:4:21: spec.containers[0].image: Required value".to_owned()
            ])
        );
    }

    #[test]
    fn the_course_scenarios_pass() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons");
        let report = check(&dir);
        assert!(report.problems.is_empty(), "{report}");
        assert!(report.labs >= 1, "{report}");
    }
}

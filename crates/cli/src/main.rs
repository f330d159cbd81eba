//! `nodelab`: run the nodelab engine from a terminal (see DESIGN.md, "CLI contract").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nodelab_engine::report::describe::describe_pod;
use nodelab_engine::report::{events_table, pods_table, run_report, top_table};
use nodelab_engine::time::parse_duration;
use nodelab_engine::{Kind, Manifest, ObjectRef, SimTime, World, decode_manifests};

/// Exit code for bad input (unreadable file, invalid manifest, bad flag).
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "nodelab",
    version,
    about = "Simulate a Kubernetes worker node: kubelet, CRI and kube-proxy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load manifests and simulate from t=0, then print events and pods.
    Run {
        /// Multi-document YAML files: Kubernetes objects plus an optional Lab.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How long to simulate (e.g. 60s, 5m, 1h30m).
        #[arg(long, default_value = "5m")]
        until: String,
        /// Seed of the run's random generator (overrides the Lab's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Apply more manifests later in the run: `DURATION=FILE` (e.g. `30s=services.yaml`).
        #[arg(long = "apply-at", value_name = "DURATION=FILE")]
        apply_at: Vec<String>,
        /// Also print `kubectl describe pod` for this pod (`NAME` or `NAMESPACE/NAME`; text).
        #[arg(long, value_name = "POD")]
        describe: Vec<String>,
        /// Also print the container log (`POD[:CONTAINER]`, like `kubectl logs`; text).
        #[arg(long, value_name = "POD[:CONTAINER]")]
        logs: Vec<String>,
        /// Also print `kubectl top pod` for the running pods (text).
        #[arg(long)]
        top: bool,
        /// Also print the node journal: volume set-up, CNI ADD/DEL, sandbox and container
        /// steps (text).
        #[arg(long)]
        journal: bool,
    },
    /// Validate a lessons folder: every scenario parses and runs.
    Check {
        /// The lessons folder.
        #[arg(default_value = "lessons")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run {
            files,
            until,
            seed,
            format,
            apply_at,
            describe,
            logs,
            top,
            journal,
        } => match run(
            &files,
            &until,
            seed,
            format,
            &apply_at,
            &describe,
            &logs,
            (top, journal),
        ) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                ExitCode::from(EXIT_BAD_INPUT)
            }
        },
        Command::Check { dir } => {
            let report = nodelab_content::check(&dir);
            println!("{report}");
            if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn load(file: &Path) -> Result<Vec<Manifest>, Vec<String>> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| vec![format!("nodelab: cannot read {name}: {e}")])?;
    decode_manifests(&name, &text).map_err(|es| es.iter().map(ToString::to_string).collect())
}

/// `NAME` or `NAMESPACE/NAME` as a pod reference.
fn pod_ref(text: &str) -> ObjectRef {
    let (ns, name) = text.split_once('/').unwrap_or(("default", text));
    ObjectRef::new(Kind::Pod, ns, name.trim_start_matches("pod/"))
}

/// Loads, simulates and renders; `Err` holds one message per problem.
#[allow(clippy::too_many_arguments)]
fn run(
    files: &[PathBuf],
    until: &str,
    seed: Option<u64>,
    format: Format,
    apply_at: &[String],
    describe: &[String],
    logs: &[String],
    (top, journal): (bool, bool),
) -> Result<String, Vec<String>> {
    let until = parse_duration(until).map_err(|e| vec![format!("nodelab: --until: {e}")])?;
    let mut manifests: Vec<Manifest> = Vec::new();
    for file in files {
        manifests.extend(load(file)?);
    }
    let mut later = Vec::new();
    for spec in apply_at {
        let (at, file) = spec.split_once('=').ok_or_else(|| {
            vec![format!(
                "nodelab: --apply-at {spec:?}: expected DURATION=FILE"
            )]
        })?;
        let at = parse_duration(at).map_err(|e| vec![format!("nodelab: --apply-at: {e}")])?;
        later.push((at, load(Path::new(file))?));
    }
    later.sort_by_key(|(at, _)| *at);
    let mut world = World::from_manifests(&manifests, seed).map_err(|e| vec![e.to_string()])?;
    for (at, docs) in later {
        world.advance_to(SimTime::from_millis(at.min(until)));
        world
            .apply_manifests(&docs)
            .map_err(|e| vec![e.to_string()])?;
    }
    world.advance_to(SimTime::from_millis(until));
    Ok(match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&run_report(&world))
                .map_err(|e| vec![e.to_string()])?;
            s.push('\n');
            s
        }
        Format::Text => {
            let mut out = format!("{}\n{}", events_table(&world), pods_table(&world));
            if top {
                out.push_str(&format!("\n{}", top_table(&world)));
            }
            if journal {
                out.push('\n');
                for entry in world.journal() {
                    out.push_str(&entry.line());
                    out.push('\n');
                }
            }
            for d in describe {
                let text = describe_pod(&world, &pod_ref(d))
                    .ok_or_else(|| vec![format!("nodelab: --describe: pods {d:?} not found")])?;
                out.push_str(&format!("\n{text}"));
            }
            for l in logs {
                let (pod, container) = l
                    .split_once(':')
                    .map_or((l.as_str(), None), |(p, c)| (p, Some(c)));
                let lines = world
                    .logs(&pod_ref(pod), container, false)
                    .ok_or_else(|| vec![format!("nodelab: --logs: no container log for {l:?}")])?;
                out.push('\n');
                for line in lines {
                    out.push_str(&line.text);
                    out.push('\n');
                }
            }
            out
        }
    })
}

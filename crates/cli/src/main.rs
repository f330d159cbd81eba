//! `nodelab`: run the nodelab engine from a terminal (see DESIGN.md, "CLI contract").

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nodelab_engine::report::{events_table, pods_table, run_report};
use nodelab_engine::time::parse_duration;
use nodelab_engine::{Manifest, SimTime, World, decode_manifests};

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
        } => match run(&files, &until, seed, format) {
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

/// Loads, simulates and renders; `Err` holds one message per problem.
fn run(
    files: &[PathBuf],
    until: &str,
    seed: Option<u64>,
    format: Format,
) -> Result<String, Vec<String>> {
    let until = parse_duration(until).map_err(|e| vec![format!("nodelab: --until: {e}")])?;
    let mut manifests: Vec<Manifest> = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file)
            .map_err(|e| vec![format!("nodelab: cannot read {name}: {e}")])?;
        let decoded = decode_manifests(&name, &text)
            .map_err(|es| es.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        manifests.extend(decoded);
    }
    let mut world = World::from_manifests(&manifests, seed).map_err(|e| vec![e.to_string()])?;
    world.advance_to(SimTime::from_millis(until));
    Ok(match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&run_report(&world))
                .map_err(|e| vec![e.to_string()])?;
            s.push('\n');
            s
        }
        Format::Text => format!("{}\n{}", events_table(&world), pods_table(&world)),
    })
}

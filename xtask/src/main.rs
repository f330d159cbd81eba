//! `cargo xtask`: nodelab's own automation.
//!
//! ```text
//! cargo xtask setup                      install the toolchain (idempotent, offline-safe)
//! cargo xtask serve                      trunk serve at http://127.0.0.1:8080/
//! cargo xtask dist [--public-url /P/]    release build into dist/ (GitHub Pages ready)
//! cargo xtask test                       every check and test suite; ends with "N passed, N failed"
//! cargo xtask bench                      size and speed metrics; writes target/bench.json
//! ```

mod bench;
mod dist;
mod pins;
mod proc;
mod server;
mod setup;
mod suite;

use std::process::ExitCode;

/// Usage text printed for `help` and for unknown commands.
const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                      install wasm32 target, trunk, wasm-bindgen-cli, wasm-opt (npm binaryen),
                             chromium + chromium-driver (apt, needs root) and the e2e test packages
  serve                      trunk serve at http://127.0.0.1:8080/
  dist [--public-url /P/]    release build into dist/, plus 404.html and .nojekyll (default url: /)
  test                       fmt, clippy, native + wasm tests, release build, browser tests
  bench                      wasm size and engine speed; writes target/bench.json
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(setup::Scope::All),
        Some("serve") => dist::serve(),
        Some("dist") => dist_command(&args[1..]),
        Some("test") => return suite::run(),
        Some("bench") => bench::run(),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `dist [--public-url /PATH/]`: set up the build tools, then build into `dist/`.
fn dist_command(args: &[String]) -> Result<(), String> {
    let public_url = match args {
        [] => "/".to_owned(),
        [flag, url] if flag == "--public-url" => url.clone(),
        [flag] if flag.starts_with("--public-url=") => {
            flag.trim_start_matches("--public-url=").to_owned()
        }
        _ => {
            return Err(format!(
                "usage: cargo xtask dist [--public-url /PATH/]; got {args:?}"
            ));
        }
    };
    setup::run(setup::Scope::Build)?;
    dist::build(&public_url, &proc::root().join("dist"))
}

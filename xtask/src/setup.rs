//! `cargo xtask setup`: install everything the build and the tests need.
//!
//! Idempotent and offline-safe: every step first checks whether it is already satisfied (one
//! line, fast) and only then installs, using nothing but the package registries (crates.io via
//! `cargo install`, npm, Debian apt). No step downloads a prebuilt binary from anywhere else.

use std::fs;
use std::path::Path;

use crate::pins::Pins;
use crate::proc::{self, cmd, probe, root, tools_dir};

/// How much to set up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What `trunk build` / `trunk serve` need: wasm32 target, trunk, wasm-bindgen, wasm-opt.
    Build,
    /// Everything, including Chromium, chromedriver and the browser-test packages.
    All,
}

/// Debian packages providing the browser and its WebDriver (matched versions).
const BROWSER_PACKAGES: [&str; 2] = ["chromium", "chromium-driver"];

/// Where the browser tests and the wasm-bindgen test runner expect them.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The WebDriver for [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The lowest Node.js major version playwright-core and `node --test` are used with.
const MIN_NODE_MAJOR: u32 = 20;

/// Runs every setup step in `scope`, printing one line per step.
pub fn run(scope: Scope) -> Result<(), String> {
    let pins = Pins::load()?;
    wasm_target()?;
    apt_packages(scope)?;
    node()?;
    trunk(&pins)?;
    wasm_bindgen(&pins)?;
    wasm_opt(&pins)?;
    if scope == Scope::All {
        npm_ci(
            "browser-test packages (tests/e2e)",
            &root().join("tests/e2e"),
        )?;
    }
    Ok(())
}

/// Prints a setup line.
fn say(what: &str, state: &str) {
    println!("setup: {what}: {state}");
}

/// The `wasm32-unknown-unknown` standard library for the active toolchain.
fn wasm_target() -> Result<(), String> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let libdir = probe(cmd("rustc").args(["--print", "target-libdir", "--target", TARGET]));
    let installed = libdir.is_some_and(|dir| {
        fs::read_dir(dir.trim()).is_ok_and(|mut entries| entries.next().is_some())
    });
    if installed {
        say(TARGET, "ok");
        return Ok(());
    }
    say(TARGET, "installing with rustup");
    proc::run(cmd("rustup").args(["target", "add", TARGET]))
}

/// Debian packages: Node.js + npm when missing, and (scope `All`) Chromium + chromedriver.
fn apt_packages(scope: Scope) -> Result<(), String> {
    let mut missing: Vec<&str> = Vec::new();
    if probe(cmd("node").arg("--version")).is_none() || probe(cmd("npm").arg("--version")).is_none()
    {
        missing.extend(["nodejs", "npm"]);
    }
    if scope == Scope::All && !(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()) {
        missing.extend(BROWSER_PACKAGES);
    }
    let what = if scope == Scope::All {
        "apt packages (node, chromium, chromedriver)"
    } else {
        "apt packages (node)"
    };
    if missing.is_empty() {
        say(what, "ok");
        return Ok(());
    }
    let list = missing.join(" ");
    if !proc::is_root() {
        return Err(format!(
            "missing Debian packages: {list}. apt-get needs root; run as root or install them: \
             sudo apt-get update && sudo apt-get install -y {list}"
        ));
    }
    say(what, &format!("installing {list} with apt-get"));
    proc::run(cmd("apt-get").arg("update"))?;
    proc::run(
        cmd("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing),
    )
}

/// Node.js must be recent enough for playwright-core and the `node --test` flags used.
fn node() -> Result<(), String> {
    let version = probe(cmd("node").arg("--version")).ok_or("node is not installed")?;
    let version = version.trim();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
        .ok_or_else(|| format!("cannot read the node version from {version:?}"))?;
    if major < MIN_NODE_MAJOR {
        return Err(format!(
            "node {version} is too old; nodelab needs Node.js {MIN_NODE_MAJOR} or newer"
        ));
    }
    say("node", &format!("ok ({version})"));
    Ok(())
}

/// trunk, from crates.io with its own lockfile.
fn trunk(pins: &Pins) -> Result<(), String> {
    let want = format!("trunk {}", pins.trunk);
    if probe(cmd("trunk").arg("--version")).is_some_and(|out| out.trim() == want) {
        say("trunk", &format!("ok ({})", pins.trunk));
        return Ok(());
    }
    say(
        "trunk",
        &format!(
            "installing {} with cargo install (takes minutes)",
            pins.trunk
        ),
    );
    proc::run(cmd("cargo").args(["install", "--locked", "trunk", "--version", &pins.trunk]))
}

/// wasm-bindgen and wasm-bindgen-test-runner, matching the `wasm-bindgen` crate in Cargo.lock.
///
/// Installed without `--locked`: wasm-bindgen-cli's own lockfile pins a crate version that the
/// registry no longer has.
fn wasm_bindgen(pins: &Pins) -> Result<(), String> {
    let want = format!("{} {}", "wasm-bindgen", pins.wasm_bindgen);
    let runner_want = format!("{} {}", "wasm-bindgen-test-runner", pins.wasm_bindgen);
    let bindgen_ok =
        probe(cmd("wasm-bindgen").arg("--version")).is_some_and(|out| out.trim() == want);
    let runner_ok = probe(cmd("wasm-bindgen-test-runner").arg("--version"))
        .is_some_and(|out| out.trim() == runner_want);
    if bindgen_ok && runner_ok {
        say("wasm-bindgen-cli", &format!("ok ({})", pins.wasm_bindgen));
        return Ok(());
    }
    say(
        "wasm-bindgen-cli",
        &format!(
            "installing {} with cargo install (takes minutes)",
            pins.wasm_bindgen
        ),
    );
    proc::run(cmd("cargo").args([
        "install",
        "--force",
        "wasm-bindgen-cli",
        "--version",
        &pins.wasm_bindgen,
    ]))
}

/// wasm-opt from the npm `binaryen` package, into the git-ignored tools folder.
fn wasm_opt(pins: &Pins) -> Result<(), String> {
    let dir = tools_dir();
    let source = root().join("xtask/tools");
    for file in ["package.json", "package-lock.json"] {
        let committed = fs::read(source.join(file))
            .map_err(|err| format!("reading xtask/tools/{file}: {err}"))?;
        if fs::read(dir.join(file)).ok().as_ref() != Some(&committed) {
            fs::create_dir_all(&dir).map_err(|err| format!("creating {}: {err}", dir.display()))?;
            fs::write(dir.join(file), committed)
                .map_err(|err| format!("writing {}: {err}", dir.display()))?;
        }
    }
    npm_ci(
        &format!(
            "wasm-opt (npm binaryen {}, {})",
            pins.binaryen,
            pins.wasm_opt_tag()
        ),
        &dir,
    )
}

/// `npm ci` in `dir` unless every package in its package-lock.json is already installed there.
fn npm_ci(what: &str, dir: &Path) -> Result<(), String> {
    if npm_packages_installed(dir) {
        say(what, "ok");
        return Ok(());
    }
    say(what, "installing with npm ci");
    proc::run(
        cmd("npm")
            .current_dir(dir)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

/// Whether `dir/node_modules` holds exactly the versions `dir/package-lock.json` lists.
fn npm_packages_installed(dir: &Path) -> bool {
    let Ok(text) = fs::read_to_string(dir.join("package-lock.json")) else {
        return false;
    };
    let Ok(lock) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    let Some(packages) = lock.get("packages").and_then(serde_json::Value::as_object) else {
        return false;
    };
    packages
        .iter()
        .filter(|(path, entry)| {
            !path.is_empty() && entry.get("optional") != Some(&serde_json::Value::Bool(true))
        })
        .all(|(path, entry)| {
            let installed = fs::read_to_string(dir.join(path).join("package.json"))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
            let version = |json: Option<&serde_json::Value>| {
                json.and_then(|j| j.get("version"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            version(installed.as_ref()).is_some()
                && version(installed.as_ref()) == version(Some(entry))
        })
}

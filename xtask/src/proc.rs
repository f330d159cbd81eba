//! Running external programs: the repository root, the tool search path, and commands whose
//! output is both streamed to the terminal and captured for parsing.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;

/// The repository root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Where `setup` installs npm-provided build tools (git-ignored, wiped by `cargo clean`).
pub fn tools_dir() -> PathBuf {
    root().join("target").join("tools")
}

/// Cargo's binary directory (`$CARGO_HOME/bin`, by default `~/.cargo/bin`), if known.
fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo").join("bin"))
}

/// `PATH` for child processes: the npm tools folder (wasm-opt) and cargo's bin directory (trunk,
/// wasm-bindgen) come first, so freshly installed, pinned tools win over anything else.
pub fn tool_path() -> OsString {
    let mut dirs = vec![tools_dir().join("node_modules").join(".bin")];
    dirs.extend(cargo_bin_dir());
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A command for `program`, run in the repository root with [`tool_path`] as its `PATH`.
pub fn cmd(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env("PATH", tool_path());
    command
}

/// A readable rendering of a command line, for messages.
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` with inherited stdio; an error unless it exits successfully.
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|err| format!("cannot run `{}`: {err}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// Runs `command` quietly and returns its stdout (and stderr) text if it exits successfully.
/// Used for version probes, where a missing program is an ordinary answer (`None`).
pub fn probe(command: &mut Command) -> Option<String> {
    let output = command.stdin(Stdio::null()).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Some(text)
}

/// Runs `command`, streaming its stdout and stderr to ours as they arrive, and returns its exit
/// status together with everything it printed (stdout, then stderr) for parsing.
pub fn run_tee(command: &mut Command) -> Result<(ExitStatus, String), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run `{}`: {err}", describe(command)))?;
    let stdout = child
        .stdout
        .take()
        .map(|pipe| thread::spawn(move || copy_to(pipe, std::io::stdout())));
    let stderr = child
        .stderr
        .take()
        .map(|pipe| thread::spawn(move || copy_to(pipe, std::io::stderr())));
    let mut text = String::new();
    for handle in [stdout, stderr].into_iter().flatten() {
        let bytes = handle.join().unwrap_or_default();
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    let status = child
        .wait()
        .map_err(|err| format!("waiting for `{}`: {err}", describe(command)))?;
    Ok((status, text))
}

/// Copies `source` to `sink` chunk by chunk (flushing each), returning a copy of all bytes read.
fn copy_to(mut source: impl Read, mut sink: impl Write) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 8192];
    while let Ok(n) = source.read(&mut buffer) {
        if n == 0 {
            break;
        }
        let chunk = &buffer[..n];
        // The terminal going away must not stop the capture the counts are parsed from.
        let _ = sink.write_all(chunk).and_then(|()| sink.flush());
        seen.extend_from_slice(chunk);
    }
    seen
}

/// Whether this process runs as root (apt-get needs it).
pub fn is_root() -> bool {
    probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

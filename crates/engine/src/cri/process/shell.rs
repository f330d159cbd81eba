//! Placeholder for the POSIX-shell interpreter (being written on branch `shell`).

use super::{Host, Signal, Stream};
use crate::time::SimTime;

/// A parsed script plus its execution state.
#[derive(Clone, Debug)]
pub struct Shell {
    done: bool,
}
/// Why a script cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);
/// What the shell is doing after `run`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellState {
    /// Blocked until this time.
    Sleeping {
        /// Wake time.
        until: SimTime,
    },
    /// Blocked with no end.
    Blocked,
    /// Finished.
    Exited(i32),
}
/// Result of an exec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecResult {
    /// Exit code.
    pub exit_code: i32,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
    /// Elapsed.
    pub elapsed_ms: u64,
    /// Timed out.
    pub timed_out: bool,
}
impl Shell {
    /// Parse.
    pub fn parse(_script: &str, _args: &[String]) -> Result<Shell, ParseError> {
        Ok(Shell { done: false })
    }
    /// From argv.
    pub fn from_argv(_argv: &[String]) -> Result<Shell, ParseError> {
        Ok(Shell { done: false })
    }
    /// Run.
    pub fn run(&mut self, _host: &mut dyn Host) -> ShellState {
        if self.done { ShellState::Exited(0) } else { ShellState::Blocked }
    }
    /// Signal.
    pub fn signal(&mut self, _sig: Signal, _is_pid1: bool) -> bool {
        false
    }
    /// Output.
    pub fn take_output(&mut self) -> Vec<(Stream, String)> {
        Vec::new()
    }
    /// Exec.
    pub fn exec(_argv: &[String], _host: &mut dyn Host, _budget_ms: u64) -> ExecResult {
        ExecResult { exit_code: 0, stdout: String::new(), stderr: String::new(), elapsed_ms: 0, timed_out: false }
    }
}

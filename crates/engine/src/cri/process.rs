//! Process models: what runs inside a simulated container. A model decides exit codes, files,
//! listening ports, HTTP answers and memory/CPU use over time; probes, hooks and traffic
//! query it through the runtime.
//!
//! Every model is a resumable state machine driven by simulated time: [`Host`] is the
//! container and cluster as the process sees them (files, environment, DNS, HTTP).

pub mod shell;

use std::collections::BTreeMap;

use crate::time::SimTime;

/// A POSIX signal the runtime can deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signal {
    /// SIGTERM (15): the default stop signal.
    Term,
    /// SIGKILL (9): cannot be caught.
    Kill,
    /// SIGQUIT (3): nginx's graceful stop.
    Quit,
    /// SIGINT (2).
    Int,
}

impl Signal {
    /// The signal number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Term => 15,
            Signal::Kill => 9,
            Signal::Quit => 3,
            Signal::Int => 2,
        }
    }

    /// The name used by `trap` and `kill -s` (`TERM`, `KILL`, …).
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "TERM",
            Signal::Kill => "KILL",
            Signal::Quit => "QUIT",
            Signal::Int => "INT",
        }
    }

    /// Parses `TERM`, `SIGTERM`, `15`, … (case-insensitive).
    pub fn parse(text: &str) -> Option<Signal> {
        let t = text.trim().to_ascii_uppercase();
        let t = t.strip_prefix("SIG").unwrap_or(&t);
        [Signal::Term, Signal::Kill, Signal::Quit, Signal::Int]
            .into_iter()
            .find(|s| s.name() == t || s.number().to_string() == t)
    }
}

/// An output stream of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A file-system failure, rendered like busybox does (`No such file or directory`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    /// ENOENT.
    #[error("No such file or directory")]
    NotFound,
    /// EISDIR.
    #[error("Is a directory")]
    IsDir,
    /// ENOTDIR.
    #[error("Not a directory")]
    NotDir,
    /// EROFS (a read-only mount such as a ConfigMap volume).
    #[error("Read-only file system")]
    ReadOnly,
    /// EEXIST.
    #[error("File exists")]
    Exists,
    /// ENOTEMPTY.
    #[error("Directory not empty")]
    NotEmpty,
}

/// The answer of the cluster's DNS to a lookup, after the resolver applied the search list
/// from `/etc/resolv.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsAnswer {
    /// The DNS server address (`10.96.0.10`).
    pub server: String,
    /// The name that resolved (fully qualified, e.g. `myservice.default.svc.cluster.local`),
    /// or the queried name when nothing resolved.
    pub name: String,
    /// IPv4 addresses; empty means NXDOMAIN.
    pub addresses: Vec<String>,
}

/// The outcome of an HTTP request a process makes (wget, an httpGet hook, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpOutcome {
    /// The server answered.
    Response {
        /// IP and port connected to (`10.96.14.2:80`).
        remote: String,
        /// Status code.
        status: u16,
        /// Reason phrase (`OK`, `Not Found`).
        reason: String,
        /// Body.
        body: String,
        /// How long the exchange took.
        elapsed_ms: u64,
    },
    /// The host name did not resolve.
    BadAddress,
    /// Nothing listens on the port (`connect: connection refused`).
    Refused {
        /// IP and port tried.
        remote: String,
    },
    /// No answer before the timeout (`i/o timeout`, `context deadline exceeded`).
    Timeout {
        /// IP and port tried.
        remote: String,
    },
}

/// The container and the cluster as a process sees them. Paths are absolute; the host maps
/// them onto the container's root file system and its volume mounts.
pub trait Host {
    /// Current simulated time.
    fn now(&self) -> SimTime;
    /// Reads a whole file.
    fn read_file(&self, path: &str) -> Result<String, FsError>;
    /// Writes (or with `append`, appends to) a file, creating it.
    fn write_file(&mut self, path: &str, data: &str, append: bool) -> Result<(), FsError>;
    /// Removes a file, or with `recursive` a directory tree.
    fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError>;
    /// Whether a file exists.
    fn is_file(&self, path: &str) -> bool;
    /// Whether a directory exists.
    fn is_dir(&self, path: &str) -> bool;
    /// Creates a directory (with `parents`, like `mkdir -p`).
    fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError>;
    /// Names in a directory, sorted.
    fn list_dir(&self, path: &str) -> Result<Vec<String>, FsError>;
    /// The process environment (Kubernetes env vars, service links, `HOSTNAME`, `PATH`, …).
    fn env(&self) -> BTreeMap<String, String>;
    /// The pod's hostname.
    fn hostname(&self) -> String;
    /// Resolves a name through the pod's resolver (search list applied).
    fn lookup(&self, name: &str) -> DnsAnswer;
    /// An HTTP GET to `url` (`http://host[:port]/path`) with a timeout.
    fn http_get(&mut self, url: &str, timeout_ms: u64) -> HttpOutcome;
    /// Runs a program the image ships that is not a shell applet (`nginx -s quit`,
    /// `redis-cli ping`, …): `Some((exit code, stdout, stderr))`, or `None` when the image
    /// has no such program.
    fn run_program(&mut self, argv: &[String]) -> Option<(i32, String, String)>;
    /// Names of the processes running in the container (for `killall`, `pidof`, `ps`).
    fn process_names(&self) -> Vec<String>;
    /// Sends a signal to the container's processes called `name`; whether any matched.
    fn signal_process(&mut self, name: &str, signal: Signal) -> bool;
}

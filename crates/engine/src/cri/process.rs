//! Process models: what runs inside a simulated container. A model decides exit codes, files,
//! listening ports, HTTP answers and memory/CPU use over time; probes, hooks and traffic
//! query it through the runtime.
//!
//! Every model is a resumable state machine driven by simulated time: [`Host`] is the
//! container and cluster as the process sees them (files, environment, DNS, HTTP).

pub mod programs;
pub mod shell;

use std::collections::BTreeMap;

use crate::time::SimTime;
use programs::{Program, Reply, Run, TermBehaviour};

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
    /// ENOSPC: the simulated file system is full.
    #[error("No space left on device")]
    NoSpace,
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
    /// `now` is the caller's clock (an exec'd command's time runs ahead of the host's).
    fn run_program(&mut self, argv: &[String], now: SimTime) -> Option<(i32, String, String)>;
    /// Names of the processes running in the container at `now` (for `killall`, `pidof`).
    fn process_names(&self, now: SimTime) -> Vec<String>;
    /// Sends a signal at `now` to the container's processes called `name`; whether any
    /// matched.
    fn signal_process(&mut self, name: &str, signal: Signal, now: SimTime) -> bool;
}

/// What the lab changed about a process (lab actions): forced HTTP answers, a hang, extra
/// memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Status code per HTTP path (`*` for every path).
    pub http_status: BTreeMap<String, u16>,
    /// Stops answering: requests and probes time out.
    pub hung: bool,
    /// Memory added on top of the program's own (bytes).
    pub extra_memory: u64,
}

/// How a process answers a connection on a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Nothing listens: `connect: connection refused`.
    Refused,
    /// Accepts but never answers: the client times out.
    Hang,
    /// A TCP listener that speaks no HTTP.
    NotHttp,
    /// An HTTP response.
    Http(Reply),
}

/// A container's main process: its program plus the lab's overrides and a pending exit.
#[derive(Clone, Debug)]
pub struct Process {
    /// The program it runs.
    pub program: Program,
    /// When it started.
    pub started_at: SimTime,
    /// When the program asked to be woken next.
    next_wake: Option<SimTime>,
    /// An exit already decided (after a signal): time and code.
    exit: Option<(SimTime, i32)>,
    /// Lab changes.
    pub overrides: Overrides,
}

impl Process {
    /// Starts `program` at `host.now()`; output goes to `log`.
    pub fn start(
        program: Program,
        host: &mut dyn Host,
        log: &mut Vec<(Stream, String)>,
    ) -> (Process, Run) {
        let mut p = Process {
            program,
            started_at: host.now(),
            next_wake: None,
            exit: None,
            overrides: Overrides::default(),
        };
        let run = p.wake(host, log);
        (p, run)
    }

    /// Runs the process at `host.now()` if it is due; returns what it does next.
    pub fn wake(&mut self, host: &mut dyn Host, log: &mut Vec<(Stream, String)>) -> Run {
        let now = host.now();
        if let Some((at, code)) = self.exit
            && at <= now
        {
            return Run::Exited(code);
        }
        if now != self.started_at && self.next_wake.is_none_or(|w| w > now) {
            return Run::Running(self.next_event());
        }
        match self.program.run(self.started_at, host, log) {
            Run::Running(wake) => {
                self.next_wake = wake;
                Run::Running(self.next_event())
            }
            exited => exited,
        }
    }

    /// When the process next needs to run.
    pub fn next_event(&self) -> Option<SimTime> {
        match (self.next_wake, self.exit.map(|(t, _)| t)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Delivers a catchable signal; returns whether the process reacts to it.
    pub fn signal(&mut self, signal: Signal, now: SimTime) -> bool {
        match self.program.on_term() {
            TermBehaviour::Ignore => false,
            TermBehaviour::Exit { after_ms, code } => {
                let at = now.plus_millis(after_ms);
                if self.exit.is_none_or(|(t, _)| t > at) {
                    self.exit = Some((at, code));
                }
                true
            }
            TermBehaviour::Shell => {
                let Program::Shell(sh) = &mut self.program else {
                    return false;
                };
                let handled = sh.signal(signal, true);
                if handled {
                    self.next_wake = Some(now);
                }
                handled
            }
        }
    }

    /// When the process would exit if sent its stop signal now (`None`: it ignores it).
    pub fn exit_after_term(&self, now: SimTime) -> Option<SimTime> {
        match self.program.on_term() {
            TermBehaviour::Exit { after_ms, .. } => Some(now.plus_millis(after_ms)),
            TermBehaviour::Ignore | TermBehaviour::Shell => None,
        }
    }

    /// How the process answers `GET path` on `port` at `now`.
    pub fn answer(
        &self,
        port: u16,
        path: &str,
        now: SimTime,
        read: &dyn Fn(&str) -> Option<String>,
        hostname: &str,
    ) -> Answer {
        if !self.program.ports().contains(&port) {
            return Answer::Refused;
        }
        if self.overrides.hung {
            return Answer::Hang;
        }
        let forced = self
            .overrides
            .http_status
            .get(path)
            .or_else(|| self.overrides.http_status.get("*"));
        if let Some(status) = forced {
            return Answer::Http(Reply {
                status: *status,
                body: String::new(),
            });
        }
        match self.program.http(
            port,
            path,
            now.millis_since(self.started_at),
            read,
            hostname,
        ) {
            Some(reply) => Answer::Http(reply),
            None => Answer::NotHttp,
        }
    }

    /// Working-set memory at `now`, in bytes.
    pub fn memory(&self, now: SimTime) -> u64 {
        self.program.memory(now.millis_since(self.started_at)) + self.overrides.extra_memory
    }

    /// When memory first exceeds `limit` (from now on), if it will.
    pub fn memory_exceeds_at(&self, limit: u64, now: SimTime) -> Option<SimTime> {
        if self.memory(now) > limit {
            return Some(now);
        }
        let room = limit.saturating_sub(self.overrides.extra_memory);
        self.program
            .memory_exceeds_at(self.started_at, room)
            .map(|t| t.max(now))
    }
}

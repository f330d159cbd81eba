//! The [`Host`] a container's process sees: its writable layer, the pod's volumes through its
//! mounts, its environment, and the network (DNS and HTTP) through a [`Network`].

use std::collections::BTreeMap;

use super::fs::{FsTree, normalize};
use super::process::{DnsAnswer, FsError, Host, HttpOutcome, Signal};
use crate::time::SimTime;

/// A volume mount inside a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountPoint {
    /// Path in the container.
    pub container_path: String,
    /// Pod volume name.
    pub volume: String,
    /// Sub-path inside the volume.
    pub sub_path: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// DNS and HTTP as seen from one pod.
pub trait Network {
    /// Resolves `name` with the pod's search list.
    fn lookup(&self, name: &str) -> DnsAnswer;
    /// `GET url` with a timeout.
    fn http_get(&self, url: &str, timeout_ms: u64, now: SimTime) -> HttpOutcome;
}

/// A network with no names and nothing listening (used in tests and for the sandbox).
pub struct NoNetwork;

impl Network for NoNetwork {
    fn lookup(&self, name: &str) -> DnsAnswer {
        DnsAnswer {
            server: crate::apiserver::DNS_SERVICE_IP.to_string(),
            name: name.to_owned(),
            addresses: Vec::new(),
        }
    }
    fn http_get(&self, _url: &str, _timeout_ms: u64, _now: SimTime) -> HttpOutcome {
        HttpOutcome::BadAddress
    }
}

/// The main process of the container, as seen by an exec'd command (for `killall`,
/// `nginx -s quit`): its name and when it exits.
#[derive(Clone, Debug, Default)]
pub struct MainProcess {
    /// `comm` of PID 1.
    pub comm: String,
    /// When it exits (already decided, or after a signal sent during this exec).
    pub exits_at: Option<SimTime>,
    /// Its exit time if sent the stop signal now (`None`: ignores it).
    pub term_exit: Option<u64>,
}

/// One container's view of the node, lent for one run of a process.
pub struct ContainerHost<'a> {
    /// Current time (advanced by exec'd commands that sleep).
    pub now: SimTime,
    /// The container's writable layer.
    pub rootfs: &'a mut FsTree,
    /// The pod's volumes by name.
    pub volumes: &'a mut BTreeMap<String, FsTree>,
    /// Mounts of this container.
    pub mounts: &'a [MountPoint],
    /// Environment variables.
    pub env: &'a BTreeMap<String, String>,
    /// Pod hostname.
    pub hostname: &'a str,
    /// DNS and HTTP.
    pub net: &'a dyn Network,
    /// PID 1, when the running code is an exec'd command.
    pub main: Option<MainProcess>,
    /// Signals sent to PID 1 during the run, delivered by the runtime afterwards.
    pub signals: Vec<Signal>,
}

impl ContainerHost<'_> {
    /// The tree and relative path a container path lands in.
    fn resolve(&self, path: &str) -> (Option<&MountPoint>, String) {
        let path = format!("/{}", normalize(path));
        let mount = self
            .mounts
            .iter()
            .filter(|m| {
                let mp = format!("/{}", normalize(&m.container_path));
                path == mp || path.starts_with(&format!("{}/", mp.trim_end_matches('/')))
            })
            .max_by_key(|m| m.container_path.len());
        match mount {
            Some(m) => {
                let mp = format!("/{}", normalize(&m.container_path));
                let rest = path.strip_prefix(&mp).unwrap_or_default();
                (Some(m), normalize(&format!("{}/{}", m.sub_path, rest)))
            }
            None => (None, normalize(&path)),
        }
    }

    fn tree(&self, path: &str) -> (Option<&FsTree>, String) {
        let (mount, rel) = self.resolve(path);
        match mount {
            Some(m) => (self.volumes.get(&m.volume), rel),
            None => (Some(&*self.rootfs), rel),
        }
    }

    fn tree_mut(&mut self, path: &str) -> Result<(&mut FsTree, String), FsError> {
        let (mount, rel) = self.resolve(path);
        match mount.cloned() {
            Some(m) if m.read_only => Err(FsError::ReadOnly),
            Some(m) => self
                .volumes
                .get_mut(&m.volume)
                .map(|t| (t, rel))
                .ok_or(FsError::NotFound),
            None => Ok((&mut *self.rootfs, rel)),
        }
    }
}

impl Host for ContainerHost<'_> {
    fn now(&self) -> SimTime {
        self.now
    }
    fn read_file(&self, path: &str) -> Result<String, FsError> {
        match self.tree(path) {
            (Some(t), rel) => t.read(&rel),
            (None, _) => Err(FsError::NotFound),
        }
    }
    fn write_file(&mut self, path: &str, data: &str, append: bool) -> Result<(), FsError> {
        let (t, rel) = self.tree_mut(path)?;
        t.write(&rel, data, append)
    }
    fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        let (t, rel) = self.tree_mut(path)?;
        t.remove(&rel, recursive)
    }
    fn is_file(&self, path: &str) -> bool {
        matches!(self.tree(path), (Some(t), rel) if t.is_file(&rel))
    }
    fn is_dir(&self, path: &str) -> bool {
        matches!(self.tree(path), (Some(t), rel) if t.is_dir(&rel))
    }
    fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        let (t, rel) = self.tree_mut(path)?;
        t.mkdir(&rel, parents)
    }
    fn list_dir(&self, path: &str) -> Result<Vec<String>, FsError> {
        match self.tree(path) {
            (Some(t), rel) => t.list(&rel),
            (None, _) => Err(FsError::NotFound),
        }
    }
    fn env(&self) -> BTreeMap<String, String> {
        self.env.clone()
    }
    fn hostname(&self) -> String {
        self.hostname.to_owned()
    }
    fn lookup(&self, name: &str) -> DnsAnswer {
        self.net.lookup(name)
    }
    fn http_get(&mut self, url: &str, timeout_ms: u64) -> HttpOutcome {
        self.net.http_get(url, timeout_ms, self.now)
    }
    fn run_program(&mut self, argv: &[String], now: SimTime) -> Option<(i32, String, String)> {
        let comm = self.main.as_ref().map(|m| m.comm.clone())?;
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        match (comm.as_str(), args.as_slice()) {
            ("nginx", [_, "-s", "quit" | "stop"]) => {
                self.signal_process("nginx", Signal::Quit, now);
                Some((0, String::new(), String::new()))
            }
            ("nginx", [_, "-s", "reload"]) => {
                Some((0, String::new(), "signal process started".to_owned()))
            }
            ("redis-server", [cli, "ping"]) if cli.ends_with("redis-cli") => {
                Some((0, "PONG\n".to_owned(), String::new()))
            }
            _ => None,
        }
    }
    fn process_names(&self, now: SimTime) -> Vec<String> {
        match &self.main {
            Some(m) if m.exits_at.is_none_or(|t| t > now) => vec![m.comm.clone()],
            _ => Vec::new(),
        }
    }
    fn signal_process(&mut self, name: &str, signal: Signal, now: SimTime) -> bool {
        let Some(main) = self.main.as_mut() else {
            return false;
        };
        if main.comm != name || main.exits_at.is_some_and(|t| t <= now) {
            return false;
        }
        if let Some(after) = main.term_exit {
            let at = now.plus_millis(after);
            main.exits_at = Some(main.exits_at.map_or(at, |t| t.min(at)));
        }
        self.signals.push(signal);
        true
    }
}

//! The programs the catalog's images run, chosen from the image and the container's
//! `command`/`args` the way the runtime builds the process's argv (entrypoint + cmd).
//!
//! Each program's behaviour follows its upstream source: agnhost subcommands
//! (`test/images/agnhost` in kubernetes/kubernetes), nginx and redis signal handling, the
//! `stress` tools' flags. PID 1 of a container ignores any signal it installed no handler for
//! (pid_namespaces(7)), which is why a shell or `stress` waits out the grace period.

use super::shell::{Shell, ShellState};
use super::{Host, Stream};
use crate::cri::images::ImageRef;
use crate::time::{SimTime, parse_duration};

/// One MiB.
const MI: u64 = 1024 * 1024;
/// Working set of `stress` besides its hogs: the Kubernetes memory task shows 162,856,960
/// bytes for `--vm-bytes 150M` (157,286,400 of them the hog).
const STRESS_BASE: u64 = 162_856_960 - 150 * MI;
/// How fast a memory hog touches newly allocated pages (1 GiB/s, typical for a small VM).
const ALLOC_BYTES_PER_MS: u64 = 1024 * 1024;

/// What a program does.
#[derive(Clone, Debug)]
pub enum Program {
    /// A busybox/alpine shell script or applet.
    Shell(Box<Shell>),
    /// nginx serving `/usr/share/nginx/html` on port 80.
    Nginx,
    /// Apache httpd serving `/usr/local/apache2/htdocs` on port 80.
    Httpd,
    /// redis-server on 6379.
    Redis,
    /// etcd: client URLs (HTTP `/health` and gRPC health) on `port`.
    Etcd {
        /// Client port (from `--listen-client-urls`).
        port: u16,
    },
    /// goproxy: an HTTP proxy on 8080.
    GoProxy,
    /// `agnhost liveness` (and the old `registry.k8s.io/liveness` image): `/healthz` on 8080
    /// answers 200 for the first 10 seconds, then 500.
    AgnhostLiveness,
    /// `agnhost netexec`: `/`, `/hostname`, `/echo`, `/healthz`, `/clientip`, `/exit`.
    Netexec {
        /// `--http-port` (default 8080).
        port: u16,
    },
    /// `agnhost serve-hostname` (port 9376): answers every request with the hostname.
    ServeHostname {
        /// `--port`.
        port: u16,
    },
    /// `pause` (also `agnhost pause`): sleeps until signalled.
    Pause,
    /// `stress` (polinux/stress): `--vm N --vm-bytes B` memory hogs, `--cpu N` spinners.
    Stress {
        /// Bytes each vm worker keeps allocated.
        vm_bytes: u64,
        /// vm workers.
        vm_workers: u64,
        /// cpu workers.
        cpu_workers: u64,
        /// `--timeout`.
        timeout_ms: Option<u64>,
        /// `--vm-hang N`: each vm worker sleeps after touching its memory instead of
        /// re-allocating at once, so it uses little CPU.
        vm_hang: bool,
    },
    /// vish/stress: `-cpus N`, `-mem-total`, `-mem-alloc-size`, `-mem-alloc-sleep`.
    VishStress {
        /// CPU demand in millicores.
        cpu_millis: u64,
        /// Memory to allocate in total.
        mem_total: u64,
        /// Bytes per allocation.
        alloc_size: u64,
        /// Pause between allocations.
        alloc_sleep_ms: u64,
    },
    /// A program that prints an error and exits at once.
    Fail {
        /// Exit code.
        code: i32,
        /// What it prints on stderr.
        message: String,
    },
}

/// How a program reacts to SIGTERM (or the image's stop signal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermBehaviour {
    /// No handler installed: PID 1 ignores it and is killed when the grace period ends.
    Ignore,
    /// Exits after `after_ms` with `code`.
    Exit {
        /// Shutdown time.
        after_ms: u64,
        /// Exit code.
        code: i32,
    },
    /// A shell: its `trap` decides.
    Shell,
}

/// An HTTP answer of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: String,
}

/// Where the runtime stands after asking the program to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// Still running; wake it again at this time (`None`: only a signal or a request wakes it).
    Running(Option<SimTime>),
    /// Exited with this code.
    Exited(i32),
}

/// Why the runtime could not start the process: runc's error, which becomes `StartError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartFailure(pub String);

/// Images that ship a busybox-style shell and applets.
fn has_shell(repo: &str) -> bool {
    !matches!(
        repo,
        "docker.io/vish/stress" | "registry.k8s.io/pause" | "registry.k8s.io/goproxy"
    )
}

/// busybox applets a container may run as its entrypoint.
const APPLETS: &[&str] = &[
    "sh", "ash", "sleep", "echo", "cat", "true", "false", "env", "printenv", "nslookup", "wget",
    "tail", "ls", "date", "printf", "touch", "mkdir", "rm", "test", "hostname", "yes", "seq",
    "top", "watch", "ping",
];

fn base(arg: &str) -> &str {
    arg.rsplit('/').next().unwrap_or(arg)
}

fn not_found(name: &str) -> StartFailure {
    StartFailure(format!(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"{name}\": executable file not found in $PATH: unknown"
    ))
}

/// Parses a byte size as the stress tools write it: `150M`, `250M`, `1G`, `100Mi`, `4Ki`, `512`.
fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: f64 = num.parse().ok()?;
    let mult = match unit
        .trim_end_matches(['i', 'B', 'b'])
        .to_ascii_uppercase()
        .as_str()
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => MI as f64,
        "G" => (1024 * MI) as f64,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// `--flag value` / `--flag=value` / `-flag value` lookup.
fn flag<'a>(argv: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().map(String::as_str);
            }
            if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
    }
    None
}

impl Program {
    /// The program a container runs: the image's entrypoint, overridden by `command`, with
    /// `args` (or the image's default cmd).
    pub fn resolve(
        image: &ImageRef,
        command: &[String],
        args: &[String],
    ) -> Result<Program, StartFailure> {
        let repo = image.repo();
        let argv: Vec<String> = if command.is_empty() {
            let entry: &[&str] = match repo.as_str() {
                "registry.k8s.io/e2e-test-images/agnhost" => &["/agnhost"],
                "docker.io/vish/stress" => &["/stress"],
                _ => &[],
            };
            let default_cmd: &[&str] = match repo.as_str() {
                "docker.io/library/nginx" => &["nginx", "-g", "daemon off;"],
                "docker.io/library/httpd" => &["httpd-foreground"],
                "docker.io/library/redis" => &["redis-server"],
                "registry.k8s.io/pause" => &["/pause"],
                "registry.k8s.io/goproxy" => &["/goproxy"],
                "registry.k8s.io/liveness" => &["/server"],
                "registry.k8s.io/etcd" => &["/usr/local/bin/etcd"],
                "registry.k8s.io/coredns/coredns" => &["/coredns"],
                "docker.io/polinux/stress" => &["stress"],
                _ if entry.is_empty() => &["sh"],
                _ => &[],
            };
            let cmd: Vec<String> = if args.is_empty() {
                default_cmd.iter().map(|s| (*s).to_owned()).collect()
            } else {
                args.to_vec()
            };
            entry.iter().map(|s| (*s).to_owned()).chain(cmd).collect()
        } else {
            command.iter().chain(args).cloned().collect()
        };
        let Some(first) = argv.first() else {
            return Err(StartFailure(
                "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: no command specified: unknown".to_owned(),
            ));
        };
        let name = base(first);
        let shell_ok = has_shell(&repo);
        if shell_ok && matches!(name, "sh" | "ash" | "bash") {
            if name == "bash"
                && repo != "docker.io/library/nginx"
                && repo != "docker.io/library/redis"
            {
                return Err(not_found(first));
            }
            return Ok(shell(&argv));
        }
        let rest = argv.get(1..).unwrap_or_default();
        let program = match (repo.as_str(), name) {
            ("docker.io/library/nginx", "nginx") => Program::Nginx,
            ("docker.io/library/httpd", "httpd-foreground" | "httpd") => Program::Httpd,
            ("docker.io/library/redis", "redis-server") => Program::Redis,
            ("registry.k8s.io/etcd", "etcd") => {
                let urls = flag(rest, &["--listen-client-urls"]).unwrap_or("http://0.0.0.0:2379");
                let port = urls
                    .split(',')
                    .next()
                    .and_then(|u| u.rsplit(':').next())
                    .and_then(|p| p.trim_end_matches('/').parse().ok())
                    .unwrap_or(2379);
                Program::Etcd { port }
            }
            ("registry.k8s.io/goproxy", "goproxy") => Program::GoProxy,
            ("registry.k8s.io/liveness", "server") => Program::AgnhostLiveness,
            ("registry.k8s.io/pause", "pause") => Program::Pause,
            ("registry.k8s.io/coredns/coredns", "coredns") => Program::Pause,
            ("registry.k8s.io/e2e-test-images/agnhost", "agnhost") => {
                match rest.first().map(String::as_str) {
                    Some("liveness") => Program::AgnhostLiveness,
                    Some("netexec") => Program::Netexec {
                        port: flag(rest, &["--http-port"])
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(8080),
                    },
                    Some("serve-hostname") => Program::ServeHostname {
                        port: flag(rest, &["--port"])
                            .and_then(|p| p.parse().ok())
                            .unwrap_or(9376),
                    },
                    Some("pause") => Program::Pause,
                    other => Program::Fail {
                        code: 1,
                        message: format!(
                            "Error: unknown command {:?} for \"agnhost\"",
                            other.unwrap_or_default()
                        ),
                    },
                }
            }
            ("docker.io/polinux/stress", "stress") => {
                let num = |names: &[&str]| {
                    flag(rest, names)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                let vm_workers = num(&["--vm", "-m"]);
                Program::Stress {
                    vm_bytes: flag(rest, &["--vm-bytes"])
                        .and_then(parse_bytes)
                        .unwrap_or(256 * MI),
                    vm_workers,
                    cpu_workers: num(&["--cpu", "-c"]),
                    vm_hang: flag(rest, &["--vm-hang"]).is_some_and(|v| v != "0"),
                    timeout_ms: flag(rest, &["--timeout", "-t"]).and_then(|t| {
                        t.parse::<u64>()
                            .ok()
                            .map(|s| s * 1000)
                            .or_else(|| parse_duration(t).ok())
                    }),
                }
            }
            ("docker.io/vish/stress", "stress") => Program::VishStress {
                cpu_millis: flag(rest, &["-cpus", "--cpus"])
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
                    * 1000,
                mem_total: flag(rest, &["-mem-total", "--mem-total"])
                    .and_then(parse_bytes)
                    .unwrap_or(0),
                alloc_size: flag(rest, &["-mem-alloc-size", "--mem-alloc-size"])
                    .and_then(parse_bytes)
                    .unwrap_or(4096)
                    .max(1),
                alloc_sleep_ms: flag(rest, &["-mem-alloc-sleep", "--mem-alloc-sleep"])
                    .and_then(|d| parse_duration(d).ok())
                    .unwrap_or(1)
                    .max(1),
            },
            (_, n) if shell_ok && APPLETS.contains(&n) => shell(&argv),
            _ => return Err(not_found(first)),
        };
        Ok(program)
    }

    /// The process name (`comm`) `ps` and `killall` see.
    pub fn comm(&self) -> &'static str {
        match self {
            Program::Shell(_) => "sh",
            Program::Nginx => "nginx",
            Program::Httpd => "httpd",
            Program::Redis => "redis-server",
            Program::Etcd { .. } => "etcd",
            Program::GoProxy => "goproxy",
            Program::AgnhostLiveness | Program::Netexec { .. } | Program::ServeHostname { .. } => {
                "agnhost"
            }
            Program::Pause => "pause",
            Program::Stress { .. } | Program::VishStress { .. } => "stress",
            Program::Fail { .. } => "agnhost",
        }
    }

    /// Runs the program at `host.now()` (first call: its start), returning what it does next.
    pub fn run(
        &mut self,
        started_at: SimTime,
        host: &mut dyn Host,
        log: &mut Vec<(Stream, String)>,
    ) -> Run {
        let now = host.now();
        let first = now == started_at;
        let say = |log: &mut Vec<(Stream, String)>, s: Stream, t: String| {
            if first {
                log.push((s, t));
            }
        };
        match self {
            Program::Shell(sh) => {
                let state = sh.run(host);
                log.extend(sh.take_output());
                match state {
                    ShellState::Sleeping { until } => Run::Running(Some(until)),
                    ShellState::Blocked => Run::Running(None),
                    ShellState::Exited(code) => Run::Exited(code),
                }
            }
            Program::Fail { code, message } => {
                say(log, Stream::Stderr, message.clone());
                Run::Exited(*code)
            }
            Program::Stress {
                vm_workers,
                cpu_workers,
                timeout_ms,
                ..
            } => {
                say(
                    log,
                    Stream::Stdout,
                    format!(
                        "stress: info: [1] dispatching hogs: {cpu_workers} cpu, 0 io, {vm_workers} vm, 0 hdd"
                    ),
                );
                match timeout_ms {
                    Some(t) if now.millis_since(started_at) >= *t => {
                        log.push((
                            Stream::Stdout,
                            format!(
                                "stress: info: [1] successful run completed in {}s",
                                *t / 1000
                            ),
                        ));
                        Run::Exited(0)
                    }
                    Some(t) => Run::Running(Some(started_at.plus_millis(*t))),
                    None => Run::Running(None),
                }
            }
            Program::Nginx => {
                say(
                    log,
                    Stream::Stderr,
                    "/docker-entrypoint.sh: Configuration complete; ready for start up".to_owned(),
                );
                say(
                    log,
                    Stream::Stderr,
                    "[notice] 1#1: start worker processes".to_owned(),
                );
                Run::Running(None)
            }
            Program::Redis => {
                say(
                    log,
                    Stream::Stdout,
                    "1:M * Ready to accept connections tcp".to_owned(),
                );
                Run::Running(None)
            }
            Program::AgnhostLiveness => {
                say(
                    log,
                    Stream::Stderr,
                    "Started HTTP server on port 8080".to_owned(),
                );
                Run::Running(None)
            }
            Program::Netexec { port } => {
                say(
                    log,
                    Stream::Stderr,
                    format!("Started HTTP server on port {port}"),
                );
                Run::Running(None)
            }
            Program::ServeHostname { port } => {
                say(log, Stream::Stderr, format!("Serving on port {port}."));
                Run::Running(None)
            }
            Program::Httpd
            | Program::Etcd { .. }
            | Program::GoProxy
            | Program::Pause
            | Program::VishStress { .. } => Run::Running(None),
        }
    }

    /// The image's stop signal handling (nginx's image stops with SIGQUIT, a graceful stop).
    pub fn on_term(&self) -> TermBehaviour {
        match self {
            Program::Shell(_) => TermBehaviour::Shell,
            // C programs with handlers: graceful stops.
            Program::Nginx | Program::Httpd => TermBehaviour::Exit {
                after_ms: 100,
                code: 0,
            },
            Program::Redis => TermBehaviour::Exit {
                after_ms: 200,
                code: 0,
            },
            Program::Pause => TermBehaviour::Exit {
                after_ms: 0,
                code: 0,
            },
            // Go programs that call signal.Notify and shut down cleanly.
            Program::Etcd { .. } | Program::Netexec { .. } | Program::ServeHostname { .. } => {
                TermBehaviour::Exit {
                    after_ms: 50,
                    code: 0,
                }
            }
            // Go programs without signal.Notify: the runtime re-raises the signal, which PID 1
            // ignores, and then exits with status 2 (runtime.dieFromSignal).
            Program::AgnhostLiveness | Program::GoProxy | Program::VishStress { .. } => {
                TermBehaviour::Exit {
                    after_ms: 0,
                    code: 2,
                }
            }
            // C stress installs no handler.
            Program::Stress { .. } | Program::Fail { .. } => TermBehaviour::Ignore,
        }
    }

    /// Ports the program listens on once started.
    pub fn ports(&self) -> Vec<u16> {
        match self {
            Program::Nginx | Program::Httpd => vec![80],
            Program::Redis => vec![6379],
            Program::Etcd { port } => vec![*port, 2380],
            Program::GoProxy | Program::AgnhostLiveness => vec![8080],
            Program::Netexec { port } => vec![*port, 8081],
            Program::ServeHostname { port } => vec![*port],
            _ => Vec::new(),
        }
    }

    /// The HTTP answer to `GET path` on `port` (`None` when the port speaks no HTTP).
    /// `read` reads the container's files; `hostname` is the pod's.
    pub fn http(
        &self,
        port: u16,
        path: &str,
        elapsed_ms: u64,
        read: &dyn Fn(&str) -> Option<String>,
        hostname: &str,
    ) -> Option<Reply> {
        if !self.ports().contains(&port) {
            return None;
        }
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let ok = |body: String| Some(Reply { status: 200, body });
        let not_found = Some(Reply {
            status: 404,
            body: "404 page not found\n".to_owned(),
        });
        match self {
            Program::Nginx | Program::Httpd => {
                let root = if matches!(self, Program::Nginx) {
                    "/usr/share/nginx/html"
                } else {
                    "/usr/local/apache2/htdocs"
                };
                let file = if route.ends_with('/') {
                    format!("{root}{route}index.html")
                } else {
                    format!("{root}{route}")
                };
                match read(&file) {
                    Some(body) => ok(body),
                    None if route.ends_with('/') => Some(Reply {
                        status: 403,
                        body: "<html>\r\n<head><title>403 Forbidden</title></head>\r\n</html>\r\n"
                            .to_owned(),
                    }),
                    None => Some(Reply {
                        status: 404,
                        body: "<html>\r\n<head><title>404 Not Found</title></head>\r\n</html>\r\n"
                            .to_owned(),
                    }),
                }
            }
            Program::AgnhostLiveness => match route {
                // test/images/agnhost/liveness/server.go: healthy for the first 10 seconds.
                "/healthz" if elapsed_ms > 10_000 => Some(Reply {
                    status: 500,
                    body: format!("error: {}", elapsed_ms as f64 / 1000.0),
                }),
                "/healthz" => ok("ok".to_owned()),
                "/started" => ok(crate::time::go_duration(elapsed_ms)),
                _ => not_found,
            },
            Program::Netexec { .. } => match route {
                "/" => ok(format!("NOW: {}", elapsed_ms)),
                "/hostname" => ok(hostname.to_owned()),
                "/healthz" => ok(String::new()),
                "/echo" => ok(query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("msg="))
                    .unwrap_or_default()
                    .to_owned()),
                _ => not_found,
            },
            Program::ServeHostname { .. } => ok(hostname.to_owned()),
            Program::Etcd { .. } => match route {
                "/health" => ok("{\"health\":\"true\",\"reason\":\"\"}".to_owned()),
                _ => not_found,
            },
            Program::GoProxy => Some(Reply {
                status: 500,
                body: "This is a proxy server. Does not respond to non-proxy requests.\n"
                    .to_owned(),
            }),
            _ => None,
        }
    }

    /// The gRPC health status on `port` (`SERVING`), when the program serves gRPC health.
    pub fn grpc_health(&self, port: u16) -> Option<&'static str> {
        match self {
            Program::Etcd { port: p } if *p == port => Some("SERVING"),
            _ => None,
        }
    }

    /// Working-set memory `elapsed_ms` after start (bytes).
    pub fn memory(&self, elapsed_ms: u64) -> u64 {
        match self {
            Program::Shell(_) => 600 * 1024,
            Program::Pause | Program::Fail { .. } => 300 * 1024,
            Program::Nginx => 3 * MI,
            Program::Httpd => 6 * MI,
            Program::Redis => 3 * MI,
            Program::Etcd { .. } => 24 * MI,
            Program::GoProxy => 2 * MI,
            Program::AgnhostLiveness | Program::Netexec { .. } | Program::ServeHostname { .. } => {
                5 * MI
            }
            Program::Stress {
                vm_bytes,
                vm_workers,
                ..
            } => {
                STRESS_BASE
                    + vm_bytes
                        .saturating_mul(*vm_workers)
                        .min(elapsed_ms.saturating_mul(ALLOC_BYTES_PER_MS))
            }
            Program::VishStress {
                mem_total,
                alloc_size,
                alloc_sleep_ms,
                ..
            } => {
                2 * MI + (*mem_total).min((elapsed_ms / alloc_sleep_ms).saturating_mul(*alloc_size))
            }
        }
    }

    /// The first time after `started_at` at which memory exceeds `limit`, if it ever does
    /// (memory only grows in these models).
    pub fn memory_exceeds_at(&self, started_at: SimTime, limit: u64) -> Option<SimTime> {
        let peak = self.memory(u64::MAX / 2);
        if peak <= limit {
            return None;
        }
        // Binary search the monotonic curve.
        let (mut lo, mut hi) = (0u64, 1u64);
        while self.memory(hi) <= limit {
            hi *= 2;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.memory(mid) > limit {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(started_at.plus_millis(lo))
    }

    /// CPU the program wants, in millicores.
    pub fn cpu_demand(&self) -> u64 {
        match self {
            Program::Stress {
                cpu_workers,
                vm_workers,
                vm_hang,
                ..
            } => cpu_workers * 1000 + if *vm_hang { 0 } else { vm_workers * 1000 },
            Program::VishStress { cpu_millis, .. } => *cpu_millis,
            Program::Etcd { .. } => 15,
            Program::Shell(_) | Program::Pause | Program::Fail { .. } => 0,
            _ => 1,
        }
    }
}

/// A shell running `argv`; a script that does not parse exits 2 as `sh` does.
fn shell(argv: &[String]) -> Program {
    match Shell::from_argv(argv) {
        Ok(sh) => Program::Shell(Box::new(sh)),
        Err(e) => Program::Fail {
            code: 2,
            message: e.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|| panic!("bad test image {s}"))
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn documentation_images_resolve() {
        let p = Program::resolve(
            &image("polinux/stress"),
            &strings(&["stress"]),
            &strings(&["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]),
        );
        let Ok(p) = p else { panic!("stress resolves") };
        // 250M of pages touched at 1 MiB/ms on top of a 5.3 MiB base: past a 100Mi limit
        // after (100 − 5.3125) ms, i.e. in the 95th millisecond.
        assert_eq!(
            p.memory_exceeds_at(SimTime::ZERO, 100 * MI),
            Some(SimTime::from_millis(95))
        );
        let p = Program::resolve(&image("vish/stress"), &[], &strings(&["-cpus", "2"]));
        assert_eq!(p.map(|p| p.cpu_demand()), Ok(2000));
        let p = Program::resolve(
            &image("registry.k8s.io/e2e-test-images/agnhost:2.40"),
            &[],
            &strings(&["liveness"]),
        );
        let Ok(p) = p else { panic!("agnhost resolves") };
        let read = |_: &str| None;
        assert_eq!(
            p.http(8080, "/healthz", 9_000, &read, "h")
                .map(|r| r.status),
            Some(200)
        );
        assert_eq!(
            p.http(8080, "/healthz", 11_000, &read, "h")
                .map(|r| r.status),
            Some(500)
        );
        assert_eq!(p.http(80, "/healthz", 1, &read, "h"), None);
    }

    #[test]
    fn missing_executables_fail_like_runc() {
        let e = Program::resolve(&image("nginx"), &strings(&["foo"]), &[]);
        assert!(
            matches!(e, Err(StartFailure(m)) if m.contains("exec: \"foo\": executable file not found in $PATH"))
        );
        let e = Program::resolve(&image("registry.k8s.io/pause:3.10"), &strings(&["sh"]), &[]);
        assert!(e.is_err());
    }
}

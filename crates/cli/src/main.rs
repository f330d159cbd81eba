//! `nodelab`: run the nodelab engine from a terminal (see DESIGN.md, "CLI contract").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nodelab_engine::report::describe::describe_pod;
use nodelab_engine::report::{
    cri_trace, events_table, pods_table, run_report, top_table, traffic_table,
};
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
        /// Also print the CRI calls as a gRPC trace (text): `--cri` for the calls made for
        /// pods, `--cri=all` with the periodic ones (PLEG relists, Status, image GC).
        #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "pods")]
        cri: Option<CriTrace>,
    },
    /// Simulate like `run`, then show one node's runtime the way `crictl` does.
    Crictl {
        #[command(subcommand)]
        view: CrictlView,
    },
    /// Feed Services and EndpointSlices to one node's kube-proxy and print what it programs,
    /// in the real tool's format (`iptables-save`; `ipvsadm -Ln` with ipsets and iptables;
    /// the `nft -f` transaction).
    Rules {
        /// Multi-document YAML: Services and EndpointSlices (used as written), or workloads
        /// to simulate first.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// kube-proxy's mode.
        #[arg(long, default_value = "iptables")]
        mode: String,
        /// The IPVS scheduler (`--mode ipvs`).
        #[arg(long, default_value = "rr")]
        scheduler: String,
        /// The node kube-proxy runs on (endpoints with this `nodeName` are local).
        #[arg(long)]
        node_name: Option<String>,
        /// The node's IP.
        #[arg(long)]
        node_ip: Option<String>,
        /// `--cluster-cidr` (the pod network; traffic from outside it is masqueraded).
        #[arg(long, default_value = "10.244.0.0/16")]
        cluster_cidr: String,
        /// The Service CIDR.
        #[arg(long, default_value = "10.96.0.0/12")]
        service_cidr: String,
        /// For nftables: `list` prints `nft list table ip kube-proxy` instead of the
        /// transaction.
        #[arg(long, value_enum, default_value_t = RulesView::Programmed)]
        view: RulesView,
        /// Use the settings of kube-proxy's own unit tests (`NewFakeProxier`: marks written
        /// `0x4000`, no `--random-fully`) so the output can be compared with their expected
        /// text; without it the output is what a v1.33 kube-proxy on a current node writes.
        #[arg(long)]
        as_upstream_test: bool,
        /// With workloads: the simulated time to read the objects at.
        #[arg(long, default_value = "1m")]
        until: String,
        /// With workloads: the seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Simulate, then trace one request step by step: DNS, each netfilter / IPVS / nft
    /// decision with the rule matched, NAT, conntrack, the chosen endpoint, the reply.
    Trace {
        /// Multi-document YAML files: Kubernetes objects plus an optional Lab.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The client: `pod/NAME`, `pod/NAMESPACE/NAME`, `node/NAME` or `external:IP`.
        #[arg(long)]
        from: String,
        /// The destination: `HOST[:PORT]` (a Service name, cluster IP, node IP and node
        /// port, load-balancer or external IP).
        #[arg(long)]
        to: String,
        /// When to send it (simulated time).
        #[arg(long, default_value = "1m")]
        at: String,
        /// Seed of the run's random generator.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Simulate, then list objects as `kubectl get` prints them.
    Get {
        /// `pods` (`po`), `svc` (`services`) or `endpointslices`.
        resource: String,
        /// Multi-document YAML files: Kubernetes objects plus an optional Lab.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format: only `wide` (extra columns).
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// The namespace to list.
        #[arg(short = 'n', long, default_value = "default")]
        namespace: String,
        /// List every namespace (adds a NAMESPACE column).
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
        /// Simulated time to look at (e.g. 60s, 5m).
        #[arg(long, default_value = "5m")]
        until: String,
        /// Seed of the run's random generator.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Simulate, then show one object as `kubectl describe` does (`pod/NAME`).
    Describe {
        /// `pod/NAME`, `pods/NAME` or `pod/NAMESPACE/NAME`.
        object: String,
        /// Multi-document YAML files: Kubernetes objects plus an optional Lab.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Simulated time to look at (e.g. 60s, 5m).
        #[arg(long, default_value = "5m")]
        until: String,
        /// Seed of the run's random generator.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Validate a lessons folder (`nodelab check lessons [DIR]`): every file parses, every
    /// scenario runs, every question is complete in both languages, every predict answer is
    /// computed by the engine; ends with `sections: N, labs: N, questions: N (predict: N)`.
    Check {
        /// `lessons` and then the folder (default `lessons`); a lone folder also works.
        #[arg(num_args = 0..=2, value_name = "lessons [DIR]")]
        args: Vec<String>,
        /// Also print each predict-question's computed answer.
        #[arg(long)]
        answers: bool,
    },
}

/// Which CRI calls `--cri` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CriTrace {
    /// The calls made for pods.
    Pods,
    /// Every call, periodic ones included.
    All,
}

/// The simulation a `crictl` view looks at.
#[derive(clap::Args)]
struct Sim {
    /// Multi-document YAML files: Kubernetes objects plus an optional Lab.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Simulated time to look at (e.g. 60s, 5m).
    #[arg(long, default_value = "5m")]
    until: String,
    /// Seed of the run's random generator.
    #[arg(long)]
    seed: Option<u64>,
    /// The node whose runtime to show (default: the first node).
    #[arg(long)]
    node: Option<String>,
}

/// `crictl` subcommands.
#[derive(Subcommand)]
enum CrictlView {
    /// `crictl pods`: the pod sandboxes.
    Pods {
        #[command(flatten)]
        sim: Sim,
    },
    /// `crictl ps`: running containers (`-a`: all).
    Ps {
        /// Show every container, exited ones too.
        #[arg(short = 'a', long = "all")]
        all: bool,
        #[command(flatten)]
        sim: Sim,
    },
    /// `crictl images`: the node's image store.
    Images {
        #[command(flatten)]
        sim: Sim,
    },
    /// `crictl inspect ID`: one container's status and info as JSON (an id prefix will do).
    Inspect {
        /// Container id or prefix.
        id: String,
        #[command(flatten)]
        sim: Sim,
    },
    /// `crictl inspectp ID`: one pod sandbox's status and info as JSON.
    Inspectp {
        /// Sandbox id or prefix.
        id: String,
        #[command(flatten)]
        sim: Sim,
    },
}

/// Which text `nodelab rules` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesView {
    /// What kube-proxy programs (for nftables: the `nft -f` transaction).
    Programmed,
    /// nftables only: `nft list table ip kube-proxy`.
    List,
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
            cri,
        } => report(run(
            &files,
            &until,
            seed,
            format,
            &apply_at,
            &describe,
            &logs,
            (top, journal, cri),
        )),
        Command::Crictl { view } => report(crictl(&view)),
        Command::Rules {
            files,
            mode,
            scheduler,
            node_name,
            node_ip,
            cluster_cidr,
            service_cidr,
            view,
            as_upstream_test,
            until,
            seed,
        } => report(rules(
            &files,
            RulesFlags {
                mode,
                scheduler,
                node_name,
                node_ip,
                cluster_cidr,
                service_cidr,
                as_upstream_test,
            },
            view,
            &until,
            seed,
        )),
        Command::Trace {
            files,
            from,
            to,
            at,
            seed,
        } => report(trace(&files, &from, &to, &at, seed)),
        Command::Get {
            resource,
            files,
            output,
            namespace,
            all_namespaces,
            until,
            seed,
        } => {
            let namespace = (!all_namespaces).then_some(namespace);
            report(get(
                &resource,
                &files,
                output.as_deref(),
                namespace.as_deref(),
                &until,
                seed,
            ))
        }
        Command::Describe {
            object,
            files,
            until,
            seed,
        } => report(describe(&object, &files, &until, seed)),
        Command::Check { args, answers } => check(&args, answers),
    }
}

/// `nodelab check lessons [DIR]`: problems and warnings on stderr, then (with `--answers`)
/// the computed answers and the summary line on stdout; exit 2 on problems.
fn check(args: &[String], answers: bool) -> ExitCode {
    let dir = match args {
        [] => "lessons",
        [what, dir] if what == "lessons" => dir.as_str(),
        [dir] => dir.as_str(),
        [what, _] => {
            eprintln!("nodelab check: expected `lessons [DIR]`, got {what:?}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        _ => "lessons",
    };
    let report = nodelab_content::check_dir(Path::new(dir));
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for p in &report.problems {
        eprintln!("{p}");
    }
    if answers {
        for (id, answer) in &report.answers {
            println!("{id}: {answer}");
        }
    }
    println!("{}", report.summary());
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

/// Prints a command's output, or its errors with exit code 2.
fn report(result: Result<String, Vec<String>>) -> ExitCode {
    match result {
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
    }
}

/// Simulates `sim` and renders one `crictl` view of its node.
fn crictl(view: &CrictlView) -> Result<String, Vec<String>> {
    use nodelab_engine::report::crictl;
    let sim = match view {
        CrictlView::Pods { sim }
        | CrictlView::Ps { sim, .. }
        | CrictlView::Images { sim }
        | CrictlView::Inspect { sim, .. }
        | CrictlView::Inspectp { sim, .. } => sim,
    };
    let until = parse_duration(&sim.until).map_err(|e| vec![format!("nodelab: --until: {e}")])?;
    let mut manifests = Vec::new();
    for file in &sim.files {
        manifests.extend(load(file)?);
    }
    let mut world = World::from_manifests(&manifests, sim.seed).map_err(|e| vec![e.to_string()])?;
    world.advance_to(SimTime::from_millis(until));
    let node = sim.node.as_deref();
    if let Some(n) = node
        && !world.kubelets().contains_key(n)
    {
        return Err(vec![format!("nodelab: --node: nodes {n:?} not found")]);
    }
    let out = match view {
        CrictlView::Pods { .. } => crictl::pods(&world, node),
        CrictlView::Ps { all, .. } => crictl::ps(&world, node, *all),
        CrictlView::Images { .. } => crictl::images(&world, node),
        CrictlView::Inspect { id, .. } => crictl::inspect(&world, node, id),
        CrictlView::Inspectp { id, .. } => crictl::inspectp(&world, node, id),
    };
    out.ok_or_else(|| match view {
        // crictl's own wording for an id that matches nothing.
        CrictlView::Inspect { id, .. } | CrictlView::Inspectp { id, .. } => {
            vec![format!(
                "nodelab crictl: no such container or sandbox {id:?}"
            )]
        }
        _ => vec!["nodelab crictl: the run has no nodes".to_owned()],
    })
}

/// kube-proxy's flags as `nodelab rules` takes them.
struct RulesFlags {
    mode: String,
    scheduler: String,
    node_name: Option<String>,
    node_ip: Option<String>,
    cluster_cidr: String,
    service_cidr: String,
    as_upstream_test: bool,
}

/// Feeds the files' Services and EndpointSlices to one kube-proxy and renders its rules.
fn rules(
    files: &[PathBuf],
    flags: RulesFlags,
    view: RulesView,
    until: &str,
    seed: Option<u64>,
) -> Result<String, Vec<String>> {
    use nodelab_engine::proxy::{Mode, ProxyConfig, Scheduler, dataplane, feed};
    let bad =
        |flag: &str, value: &str, why: String| vec![format!("nodelab: --{flag} {value:?}: {why}")];
    let mode = Mode::parse(&flags.mode).ok_or_else(|| {
        bad(
            "mode",
            &flags.mode,
            "want iptables, ipvs, nftables or userspace".to_owned(),
        )
    })?;
    let scheduler = Scheduler::parse(&flags.scheduler).ok_or_else(|| {
        bad(
            "scheduler",
            &flags.scheduler,
            "want rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq or mh".to_owned(),
        )
    })?;
    let defaults = ProxyConfig::default();
    let node_ip = match &flags.node_ip {
        Some(ip) => ip
            .parse()
            .map_err(|_| bad("node-ip", ip, "not an IPv4 address".to_owned()))?,
        None => defaults.node_ip,
    };
    let config = ProxyConfig {
        node_name: flags.node_name.clone().unwrap_or(defaults.node_name),
        node_ip,
        zone: None,
        cluster_cidr: Some(
            flags
                .cluster_cidr
                .parse()
                .map_err(|e| bad("cluster-cidr", &flags.cluster_cidr, format!("{e}")))?,
        ),
        service_cidr: flags
            .service_cidr
            .parse()
            .map_err(|e| bad("service-cidr", &flags.service_cidr, format!("{e}")))?,
        mode,
        scheduler,
    };
    let until = parse_duration(until).map_err(|e| vec![format!("nodelab: --until: {e}")])?;
    let mut manifests = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file)
            .map_err(|e| vec![format!("nodelab: cannot read {name}: {e}")])?;
        manifests.extend(
            nodelab_engine::api::decode::decode_manifests_unvalidated(&name, &text)
                .map_err(|es| es.iter().map(ToString::to_string).collect::<Vec<_>>())?,
        );
    }
    let state = feed::proxy_state(
        &manifests,
        config,
        flags.node_ip.is_some(),
        SimTime::from_millis(until),
        seed,
    )
    .map_err(|e| vec![e.to_string()])?;
    let plane: Box<dyn nodelab_engine::proxy::Dataplane> = match (mode, flags.as_upstream_test) {
        (Mode::Iptables, true) => {
            Box::new(nodelab_engine::proxy::iptables::Iptables::with_options(
                &state,
                nodelab_engine::proxy::iptables::IptablesOptions::upstream_test(),
            ))
        }
        // `NewFakeProxier` in pkg/proxy/nftables/proxier_test.go writes the mark `0x4000`.
        (Mode::Nftables, true) => Box::new(
            nodelab_engine::proxy::nftables::Nftables::with_mark_text(&state, "0x4000"),
        ),
        _ => dataplane(&state),
    };
    match view {
        RulesView::Programmed => Ok(plane.render()),
        RulesView::List => plane.list_view().ok_or_else(|| {
            vec![format!(
                "nodelab: --view list: only nftables mode has a second view (mode is {mode})"
            )]
        }),
    }
}

/// Simulates the files to `at` and traces one request.
fn trace(
    files: &[PathBuf],
    from: &str,
    to: &str,
    at: &str,
    seed: Option<u64>,
) -> Result<String, Vec<String>> {
    let source = nodelab_engine::net::trace::Source::parse(from)
        .map_err(|e| vec![format!("nodelab: --from: {e}")])?;
    let at = parse_duration(at).map_err(|e| vec![format!("nodelab: --at: {e}")])?;
    let mut manifests = Vec::new();
    for file in files {
        manifests.extend(load(file)?);
    }
    let mut world = World::from_manifests(&manifests, seed).map_err(|e| vec![e.to_string()])?;
    world.advance_to(SimTime::from_millis(at));
    let trace = world
        .trace(&source, to)
        .map_err(|e| vec![format!("nodelab: {e}")])?;
    Ok(trace.render())
}

/// Loads the files and simulates them to `until` (a duration).
fn simulate(files: &[PathBuf], until: &str, seed: Option<u64>) -> Result<World, Vec<String>> {
    let until = parse_duration(until).map_err(|e| vec![format!("nodelab: --until: {e}")])?;
    let mut manifests = Vec::new();
    for file in files {
        manifests.extend(load(file)?);
    }
    let mut world = World::from_manifests(&manifests, seed).map_err(|e| vec![e.to_string()])?;
    world.advance_to(SimTime::from_millis(until));
    Ok(world)
}

/// `nodelab get RESOURCE FILE... [-o wide]`: `kubectl get` at `until`.
fn get(
    resource: &str,
    files: &[PathBuf],
    output: Option<&str>,
    namespace: Option<&str>,
    until: &str,
    seed: Option<u64>,
) -> Result<String, Vec<String>> {
    use nodelab_engine::report::kubectl::{Resource, get};
    let Some(resource) = Resource::parse(resource) else {
        // kubectl's wording for a resource type it does not know.
        return Err(vec![format!(
            "nodelab get: the server doesn't have a resource type {resource:?} (nodelab lists pods, svc and endpointslices)"
        )]);
    };
    let wide = match output {
        None => false,
        Some("wide") => true,
        Some(other) => {
            return Err(vec![format!(
                "nodelab get: -o {other:?}: unable to match a printer (nodelab supports -o wide)"
            )]);
        }
    };
    let world = simulate(files, until, seed)?;
    Ok(get(&world, resource, namespace, wide).render(namespace))
}

/// `nodelab describe pod/NAME FILE...`: `kubectl describe pod` at `until`.
fn describe(
    object: &str,
    files: &[PathBuf],
    until: &str,
    seed: Option<u64>,
) -> Result<String, Vec<String>> {
    let Some((kind, rest)) = object.split_once('/') else {
        return Err(vec![format!(
            "nodelab describe: {object:?}: expected pod/NAME (or pod/NAMESPACE/NAME)"
        )]);
    };
    if !matches!(kind, "pod" | "pods" | "po") {
        return Err(vec![format!(
            "nodelab describe: {kind:?}: nodelab describes pods only (pod/NAME)"
        )]);
    }
    if rest.is_empty() {
        return Err(vec![format!(
            "nodelab describe: {object:?}: expected pod/NAME (or pod/NAMESPACE/NAME)"
        )]);
    }
    let world = simulate(files, until, seed)?;
    let key = pod_ref(rest);
    describe_pod(&world, &key).ok_or_else(|| {
        vec![format!(
            "Error from server (NotFound): pods {:?} not found",
            key.name
        )]
    })
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
    (top, journal, cri): (bool, bool, Option<CriTrace>),
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
            if !world.traffic().is_empty() {
                out.push_str(&format!("\n{}", traffic_table(&world)));
            }
            if top {
                out.push_str(&format!("\n{}", top_table(&world)));
            }
            if let Some(which) = cri {
                out.push('\n');
                out.push_str(&cri_trace(&world, which == CriTrace::All));
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

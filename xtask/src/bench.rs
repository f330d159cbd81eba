//! `cargo xtask bench`: a few numbers to watch, printed as a table and written to
//! `target/bench.json` as `{"metrics":[{"name","value","unit","target","better"}]}`.
//!
//! - `wasm_gzip_kb`: the release wasm in `dist/` (rebuilt first), gzip -9, in KiB.
//! - `iptables_rules_5000x10_ms`: programming and rendering iptables mode for 5,000
//!   Services × 10 endpoints (`nodelab_engine::bench::iptables_rules()`).
//! - `engine_events_per_s`: engine tasks per second for `nodelab_engine::bench::run_reference()`.
//! - `pod_lifecycle_per_s`: pods per second from creation to Ready for
//!   `nodelab_engine::bench::run_pod_lifecycle()` (1,000 pods on 20 nodes).
//!
//! - Browser numbers, measured in one headless-Chromium run (`tests/e2e/bench/measure.mjs`,
//!   which documents each precisely) against the release `dist/` and a hello-world Yew page
//!   built the same way (`bench/hello`, into `target/bench-hello`), both served on 127.0.0.1:
//!   `cold_load_ms`, `cold_load_ratio_vs_hello`, `step_update_ms`, `scrub_ms` (not measurable
//!   while the page has no `[data-testid=scrubber]`: value `null`, status `n/a`) and
//!   `transfer_gzip_kb` (every response of a first load, each gzipped -9, summed).
//!
//! Speed is only meaningful optimized, so a debug build of xtask re-runs itself with `--release`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use crate::dist;
use crate::proc::{self, cmd, root};
use crate::{server, setup};

/// Which direction is good for a metric.
#[derive(Clone, Copy)]
enum Better {
    /// Smaller values are better.
    Lower,
    /// Larger values are better.
    Higher,
}

/// One measured number.
struct Metric {
    /// Stable name.
    name: &'static str,
    /// Measured value; `None` when it could not be measured (printed `n/a`, JSON `null`).
    value: Option<f64>,
    /// Unit of `value` and `target`.
    unit: &'static str,
    /// The value to stay on the good side of.
    target: f64,
    /// Which side is good.
    better: Better,
}

impl Metric {
    /// Whether the value meets the target.
    fn meets_target(&self) -> Option<bool> {
        let value = self.value?;
        Some(match self.better {
            Better::Lower => value <= self.target,
            Better::Higher => value >= self.target,
        })
    }
}

/// Measures, prints the table and writes `target/bench.json`.
pub fn run() -> Result<(), String> {
    if cfg!(debug_assertions) {
        println!("bench: re-running xtask with --release so the engine is optimized");
        return proc::run(cmd("cargo").args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
        ]));
    }
    let mut metrics = vec![
        wasm_gzip_kb()?,
        engine_events_per_s(),
        pod_lifecycle_per_s(),
        iptables_rules_5000x10_ms(),
    ];
    metrics.extend(browser_metrics()?);

    println!(
        "{:<26} {:>14} {:<10} {:>10}  status",
        "name", "value", "unit", "target"
    );
    for m in &metrics {
        let status = match m.meets_target() {
            Some(true) => "ok",
            Some(false) => "MISSED",
            None => "n/a",
        };
        let (op, prec) = match m.better {
            Better::Lower => ("<=", 1),
            Better::Higher => (">=", 0),
        };
        let value = m
            .value
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.prec$}"));
        println!(
            "{:<26} {:>14} {:<10} {op}{:>8}  {status}",
            m.name, value, m.unit, m.target
        );
    }

    let json = json!({
        "metrics": metrics.iter().map(|m| json!({
            "name": m.name,
            "value": m.value,
            "unit": m.unit,
            "target": m.target,
            "better": match m.better { Better::Lower => "lower", Better::Higher => "higher" },
        })).collect::<Vec<_>>(),
    });
    let path = root().join("target/bench.json");
    let text =
        serde_json::to_string_pretty(&json).map_err(|err| format!("serializing metrics: {err}"))?;
    fs::write(&path, text + "\n").map_err(|err| format!("writing {}: {err}", path.display()))?;
    println!("bench: wrote {}", path.display());
    Ok(())
}

/// Gzip -9 size of the release wasm, after a fresh release build into `dist/` (which may hold
/// an older build, or a debug one from a plain `trunk serve`).
fn wasm_gzip_kb() -> Result<Metric, String> {
    let dist_dir = root().join("dist");
    setup::run(setup::Scope::Build)?;
    dist::build("/", &dist_dir)?;
    let wasm = find_wasm(&dist_dir).ok_or("the release build produced no .wasm file in dist/")?;
    let bytes = fs::read(&wasm).map_err(|err| format!("reading {}: {err}", wasm.display()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(&bytes)
        .map_err(|err| format!("gzip: {err}"))?;
    let gzipped = encoder.finish().map_err(|err| format!("gzip: {err}"))?;
    Ok(Metric {
        name: "wasm_gzip_kb",
        value: Some((gzipped.len() as f64 / 1024.0 * 10.0).round() / 10.0),
        unit: "KiB",
        target: 350.0,
        better: Better::Lower,
    })
}

/// The largest `.wasm` file directly in `dir`.
fn find_wasm(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .max_by_key(|path| fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

/// The engine's reference workload throughput: tasks processed per wall-clock second for
/// `nodelab_engine::bench::run_reference` (3 nodes, 30 pods, 30 simulated minutes), best of 3.
fn engine_events_per_s() -> Metric {
    let best = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let tasks = nodelab_engine::bench::run_reference();
            tasks as f64 / start.elapsed().as_secs_f64().max(1e-9)
        })
        .fold(0.0, f64::max);
    Metric {
        name: "engine_events_per_s",
        value: Some(best.round()),
        unit: "events/s",
        target: 100_000.0,
        better: Better::Higher,
    }
}

/// Pods taken from creation to Ready per wall-clock second: 1,000 nginx pods with a readiness
/// probe on 20 nodes (`nodelab_engine::bench::run_pod_lifecycle`), best of 3. Decoding the
/// manifests is not part of the lifecycle and is done before the clock starts.
fn pod_lifecycle_per_s() -> Metric {
    let manifests = nodelab_engine::bench::pod_lifecycle_manifests();
    let best = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let (ready, world) = nodelab_engine::bench::run_pod_lifecycle(&manifests);
            let rate = ready as f64 / start.elapsed().as_secs_f64().max(1e-9);
            drop(world);
            rate
        })
        .fold(0.0, f64::max);
    Metric {
        name: "pod_lifecycle_per_s",
        value: Some(best.round()),
        unit: "pods/s",
        target: 50_000.0,
        better: Better::Higher,
    }
}

/// Milliseconds to program iptables mode and render `iptables-save` for 5,000 Services × 10
/// endpoints (`nodelab_engine::bench::iptables_rules`), best of 3. Building kube-proxy's
/// view of the objects is done before the clock starts.
fn iptables_rules_5000x10_ms() -> Metric {
    let state = nodelab_engine::bench::rules_state();
    let best = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let bytes = nodelab_engine::bench::iptables_rules(&state);
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(bytes);
            ms
        })
        .fold(f64::INFINITY, f64::min);
    Metric {
        name: "iptables_rules_5000x10_ms",
        value: Some((best * 10.0).round() / 10.0),
        unit: "ms",
        target: 100.0,
        better: Better::Lower,
    }
}

/// Builds the hello-world baseline (`bench/hello`) with Trunk in release, as the app is built.
fn build_hello() -> Result<PathBuf, String> {
    let out = root().join("target/bench-hello");
    proc::run(
        cmd("trunk")
            .current_dir(root().join("bench/hello"))
            .args(["build", "--release", "--public-url", "/", "--dist"])
            .arg(&out),
    )?;
    Ok(out)
}

/// Serves the release `dist/` and the hello page, runs `tests/e2e/bench/measure.mjs` in
/// headless Chromium and reads its JSON.
fn browser_metrics() -> Result<Vec<Metric>, String> {
    setup::run(setup::Scope::All)?;
    let hello = build_hello()?;
    let app_addr = server::spawn(&root().join("dist"), "/")?;
    let hello_addr = server::spawn(&hello, "/")?;
    let (status, out) = proc::run_tee(
        cmd("node")
            .current_dir(root().join("tests/e2e"))
            .arg("bench/measure.mjs")
            .args(["--app", &format!("http://{app_addr}/")])
            .args(["--hello", &format!("http://{hello_addr}/")]),
    )?;
    if !status.success() {
        return Err(format!("bench/measure.mjs failed ({status})"));
    }
    let json: serde_json::Value = out
        .lines()
        .find_map(|line| serde_json::from_str(line.trim()).ok())
        .ok_or("bench/measure.mjs printed no JSON")?;
    let get = |name: &str| json.get(name).and_then(serde_json::Value::as_f64);
    let metric = |name: &'static str, unit: &'static str, target: f64| Metric {
        name,
        value: get(name),
        unit,
        target,
        better: Better::Lower,
    };
    Ok(vec![
        metric("cold_load_ms", "ms", 1000.0),
        metric("cold_load_ratio_vs_hello", "x", 1.5),
        metric("step_update_ms", "ms", 16.0),
        metric("scrub_ms", "ms", 50.0),
        metric("transfer_gzip_kb", "KiB", 500.0),
    ])
}

//! Times `run_pod_lifecycle` (what `cargo xtask bench` reports as `pod_lifecycle_per_s`).
fn main() {
    let m = nodelab_engine::bench::pod_lifecycle_manifests();
    let s = std::time::Instant::now();
    let mut w = nodelab_engine::World::from_manifests(&m, Some(1)).unwrap_or_else(|_| std::process::exit(1));
    let a = s.elapsed().as_secs_f64();
    for i in 1..=10 {
        w.advance_to(nodelab_engine::SimTime::from_secs(i));
        println!("t={i}s elapsed {:.3}s tasks {}", s.elapsed().as_secs_f64(), w.processed_tasks());
    }
    println!("from_manifests {a:.3}s");
    let s = std::time::Instant::now();
    let n = nodelab_engine::bench::run_pod_lifecycle(&m);
    let e = s.elapsed().as_secs_f64();
    println!("{n} pods in {e:.3}s = {:.0} pods/s", n as f64 / e);
}

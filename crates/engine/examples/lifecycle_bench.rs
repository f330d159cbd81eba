//! Local profiling aid (not committed).
fn main() {
    let m = nodelab_engine::bench::pod_lifecycle_manifests();
    for _ in 0..3 {
        let s = std::time::Instant::now();
        let (n, w) = nodelab_engine::bench::run_pod_lifecycle(&m);
        let e = s.elapsed().as_secs_f64();
        drop(w);
        println!("{n} pods in {e:.3}s = {:.0} pods/s", n as f64 / e);
    }
}

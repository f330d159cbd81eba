//! The reference scenario `cargo xtask bench` times (`engine_events_per_s`).

use crate::api::decode_manifests;
use crate::time::SimTime;
use crate::world::World;

/// Simulated length of the reference run.
pub const REFERENCE_DURATION: SimTime = SimTime::from_secs(30 * 60);

/// Three nodes and thirty nginx pods, simulated for thirty minutes. Returns the number of
/// engine tasks processed.
pub fn run_reference() -> u64 {
    let mut text = String::from(
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nmetadata: {name: bench}\nspec:\n  nodes:\n",
    );
    for n in 1..=3 {
        text.push_str(&format!("  - name: node-{n}\n"));
    }
    for i in 0..30 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web-{i}}}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n"
        ));
    }
    let Ok(manifests) = decode_manifests("bench.yaml", &text) else {
        return 0;
    };
    let Ok(mut world) = World::from_manifests(&manifests, Some(1)) else {
        return 0;
    };
    world.advance_to(REFERENCE_DURATION);
    world.processed_tasks()
}

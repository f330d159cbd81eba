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

/// Pods and nodes of the pod-lifecycle benchmark.
pub const LIFECYCLE_PODS: usize = 1000;
/// Nodes of the pod-lifecycle benchmark.
pub const LIFECYCLE_NODES: usize = 20;

/// The manifests of the pod-lifecycle benchmark: 20 nodes and 1,000 nginx pods with a
/// readiness probe.
pub fn pod_lifecycle_manifests() -> Vec<crate::api::Manifest> {
    let mut text = String::from(
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nmetadata: {name: bench}\nspec:\n  nodes:\n",
    );
    for n in 1..=LIFECYCLE_NODES {
        text.push_str(&format!("  - name: node-{n}\n"));
    }
    for i in 0..LIFECYCLE_PODS {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web-{i}}}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    readinessProbe:\n      httpGet: {{path: /, port: 80}}\n      periodSeconds: 1\n"
        ));
    }
    decode_manifests("bench.yaml", &text).unwrap_or_default()
}

/// Creates the benchmark's pods and runs until every one is Ready (at most two simulated
/// minutes). Returns how many pods became Ready (all of them, unless something is broken)
/// and the world, so that the caller can stop its clock before the world is dropped.
pub fn run_pod_lifecycle(manifests: &[crate::api::Manifest]) -> (usize, Option<World>) {
    let Ok(mut world) = World::from_manifests(manifests, Some(1)) else {
        return (0, None);
    };
    let ready = |w: &World| {
        w.list(crate::api::Kind::Pod)
            .filter(|o| match o {
                crate::api::Object::Pod(p) => p
                    .status
                    .conditions
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True"),
                _ => false,
            })
            .count()
    };
    let mut t = SimTime::ZERO;
    while t < SimTime::from_secs(120) {
        t = t.plus_millis(1000);
        world.advance_to(t);
        if ready(&world) == LIFECYCLE_PODS {
            break;
        }
    }
    (ready(&world), Some(world))
}

/// Services and endpoints per Service of the rule-generation benchmark.
pub const RULES_SERVICES: usize = 5_000;
/// Endpoints per Service of the rule-generation benchmark.
pub const RULES_ENDPOINTS: usize = 10;

/// kube-proxy's view for the rule-generation benchmark: 5,000 Services × 10 endpoints.
pub fn rules_state() -> crate::proxy::ProxyState {
    crate::proxy::scale::synthetic_state(
        crate::proxy::ProxyConfig::default(),
        RULES_SERVICES,
        RULES_ENDPOINTS,
    )
}

/// What the rule-generation benchmark times: programming iptables mode from `state` and
/// rendering its `iptables-save` text. Returns the text's length.
pub fn iptables_rules(state: &crate::proxy::ProxyState) -> usize {
    use crate::proxy::Dataplane;
    crate::proxy::iptables::Iptables::new(state).render().len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_lifecycle_pod_becomes_ready() {
        let manifests = super::pod_lifecycle_manifests();
        assert_eq!(
            super::run_pod_lifecycle(&manifests).0,
            super::LIFECYCLE_PODS
        );
    }
}

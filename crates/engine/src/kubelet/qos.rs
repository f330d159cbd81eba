//! QoS classes (`pkg/apis/core/v1/helper/qos/qos.go`): only cpu and memory count.

use crate::api::pod::Pod;

/// `Guaranteed`, `Burstable` or `BestEffort` for a pod.
pub fn qos_class(pod: &Pod) -> &'static str {
    let containers: Vec<_> = pod.all_containers().collect();
    let tracked = |m: &std::collections::BTreeMap<String, crate::api::quantity::Quantity>| {
        m.iter()
            .any(|(k, q)| (k == "cpu" || k == "memory") && !q.is_zero())
    };
    if containers
        .iter()
        .all(|c| !tracked(&c.resources.requests) && !tracked(&c.resources.limits))
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = c.resources.limits.get(*r);
            let request = c.resources.requests.get(*r).or(limit);
            limit.is_some_and(|l| !l.is_zero() && request == Some(l))
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// oom_score_adj of a Guaranteed container (`pkg/kubelet/qos/policy.go`).
pub const GUARANTEED_OOM_SCORE_ADJ: i64 = -997;
/// oom_score_adj of a BestEffort container.
pub const BEST_EFFORT_OOM_SCORE_ADJ: i64 = 1000;

/// `GetContainerOOMScoreAdjust`: Guaranteed −997, BestEffort 1000, Burstable
/// `1000 − 1000·memoryRequest/nodeMemoryCapacity` kept within [3, 999].
pub fn oom_score_adj(pod: &Pod, container: &crate::api::pod::Container, node_memory: i64) -> i64 {
    match qos_class(pod) {
        "Guaranteed" => GUARANTEED_OOM_SCORE_ADJ,
        "BestEffort" => BEST_EFFORT_OOM_SCORE_ADJ,
        _ => {
            let request = container
                .resources
                .requests
                .get("memory")
                .map_or(0, |q| q.value());
            let adj = 1000 - (1000 * request) / node_memory.max(1);
            if adj < 3 {
                3
            } else if adj >= 1000 {
                999
            } else {
                adj
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Document, Object, decode_manifests};

    fn pod(resources: &str) -> Pod {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources: {resources}\n"
        );
        match decode_manifests("p.yaml", &text).map(|mut m| m.remove(0).document) {
            Ok(Document::Object(Object::Pod(p))) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn classes_follow_the_documented_rules() {
        assert_eq!(qos_class(&pod("{}")), "BestEffort");
        assert_eq!(
            qos_class(&pod("{limits: {cpu: 500m, memory: 200Mi}}")),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&pod(
                "{limits: {cpu: 500m, memory: 200Mi}, requests: {cpu: 500m, memory: 200Mi}}"
            )),
            "Guaranteed"
        );
        assert_eq!(qos_class(&pod("{requests: {memory: 100Mi}}")), "Burstable");
        assert_eq!(
            qos_class(&pod("{limits: {memory: 200Mi}, requests: {memory: 100Mi}}")),
            "Burstable"
        );
    }
}

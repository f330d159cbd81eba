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

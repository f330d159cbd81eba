//! What the workload controllers share, after `pkg/controller/controller_utils.go` and
//! `controller_ref_manager.go`: controller references, the pod-template hash, which pods count
//! (active, ready, available), the order in which surplus pods are deleted, and pod creation
//! and deletion through the API server.

use std::collections::BTreeMap;

use crate::api::apps::PodTemplateSpec;
use crate::api::meta::{ObjectMeta, OwnerReference};
use crate::api::pod::Pod;
use crate::api::{Kind, Object, ObjectRef};
use crate::apiserver::ApiError;
use crate::ctx::Ctx;
use crate::events::EventType;

/// The label a Deployment adds to its ReplicaSets' selector and template
/// (`apps.DefaultDeploymentUniqueLabelKey`).
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// The annotation that orders pods for deletion on scale-down (`PodDeletionCost`, beta and on
/// by default since v1.22).
pub const POD_DELETION_COST_ANNOTATION: &str = "controller.kubernetes.io/pod-deletion-cost";

/// `k8s.io/apimachinery/pkg/util/rand`'s alphabet: consonants and digits, no vowels, so that
/// generated names spell no words.
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `metav1.NewControllerRef`: the owner reference a controller puts on what it creates, with
/// `controller: true` and `blockOwnerDeletion: true`.
pub fn controller_ref(kind: Kind, owner: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: kind.api_version().to_owned(),
        kind: kind.name().to_owned(),
        name: owner.name.clone(),
        uid: owner.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// `metav1.GetControllerOf`: the owner reference with `controller: true`, if any.
pub fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .iter()
        .find(|r| r.controller == Some(true))
}

/// What `ControllerRefManager.ClaimObject` does with one candidate object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Controlled by this owner and matching its selector: keep it.
    Keep,
    /// An orphan matching the selector: adopt it (add a controller reference).
    Adopt,
    /// Controlled by this owner but no longer matching: release it (drop the reference).
    Release,
    /// Someone else's, or an orphan that does not match: leave it alone.
    Ignore,
}

/// `ClaimObject`: the decision for an object with `meta`, given the owner's uid, whether the
/// object's labels match the owner's selector and whether the owner is being deleted (a
/// deleting owner adopts nothing). Objects being deleted are not adopted either.
pub fn claim(meta: &ObjectMeta, owner_uid: &str, matches: bool, owner_deleting: bool) -> Claim {
    match controller_of(meta) {
        Some(r) if r.uid == owner_uid => {
            if matches {
                Claim::Keep
            } else if owner_deleting {
                Claim::Ignore
            } else {
                Claim::Release
            }
        }
        Some(_) => Claim::Ignore,
        None if matches && !owner_deleting && meta.deletion_timestamp.is_none() => Claim::Adopt,
        None => Claim::Ignore,
    }
}

/// Drops the owner reference with `uid` (a release).
pub fn release(meta: &mut ObjectMeta, uid: &str) {
    meta.owner_references.retain(|r| r.uid != uid);
}

/// FNV-1a, 32 bits (Go's `hash/fnv.New32a`).
pub fn fnv32a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// `rand.SafeEncodeString`: each character becomes the letter of [`ALPHANUMS`] at its code
/// point modulo 27, so digits map to `4`–`9`, `b`, `c`, `d`, `f`.
pub fn safe_encode_string(s: &str) -> String {
    s.chars()
        .map(|c| ALPHANUMS[c as usize % ALPHANUMS.len()] as char)
        .collect()
}

/// `controller.ComputeHash`: the `pod-template-hash` of a template, the suffix of the
/// ReplicaSet a Deployment creates for it.
///
/// Upstream feeds FNV-32a with the template printed by `spew` in Go's `%#v` syntax
/// (`hashutil.DeepHashObject`), then appends the collision count as 8 little-endian bytes and
/// safe-encodes the decimal sum. Reproducing Go's `%#v` of the whole `PodTemplateSpec` type
/// is impractical, so this hashes the template's JSON serialization (stable: struct fields in
/// declaration order, maps sorted) instead. The rest is the same, so the hash has the same
/// form (up to 10 characters from `4-9bcdf`) and changes exactly when the template does, but
/// its value differs from a real cluster's for the same manifest.
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let mut bytes = serde_json::to_vec(template).unwrap_or_default();
    if let Some(n) = collision_count {
        // binary.LittleEndian.PutUint32 into an 8-byte buffer: the upper 4 bytes stay zero.
        bytes.extend_from_slice(&(n as u32).to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
    }
    safe_encode_string(&fnv32a(&bytes).to_string())
}

/// Milliseconds since simulated t = 0 of an RFC 3339 timestamp, `None` when unset.
pub fn timestamp_ms(ts: Option<&str>) -> Option<u64> {
    ts.map(crate::report::rfc3339_to_ms)
}

/// `controller.IsPodActive`: not `Succeeded`, not `Failed` and not being deleted.
pub fn is_pod_active(pod: &Pod) -> bool {
    !matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"))
        && pod.metadata.deletion_timestamp.is_none()
}

/// `podutil.IsPodReady`: the `Ready` condition is `True`.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod.status
        .conditions
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// When a ready pod became ready (its `Ready` condition's `lastTransitionTime`), in ms.
pub fn ready_since_ms(pod: &Pod) -> Option<u64> {
    pod.status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")
        .and_then(|c| timestamp_ms(c.last_transition_time.as_deref()))
}

/// `podutil.IsPodAvailable`: ready, and ready for more than `min_ready_seconds` (strictly:
/// `lastTransitionTime + minReadySeconds` before now).
pub fn is_pod_available(pod: &Pod, min_ready_seconds: i32, now_ms: u64) -> bool {
    if !is_pod_ready(pod) {
        return false;
    }
    if min_ready_seconds <= 0 {
        return true;
    }
    ready_since_ms(pod).is_some_and(|since| since + min_ready_seconds as u64 * 1000 < now_ms)
}

/// When a ready pod becomes available, in ms (the first millisecond after
/// `lastTransitionTime + minReadySeconds`).
pub fn available_at_ms(pod: &Pod, min_ready_seconds: i32) -> Option<u64> {
    ready_since_ms(pod).map(|since| since + min_ready_seconds.max(0) as u64 * 1000 + 1)
}

/// `podPhaseToOrdinal`: Pending < Unknown < Running (anything else counts as Pending).
fn phase_ordinal(pod: &Pod) -> u8 {
    match pod.status.phase.as_deref() {
        Some("Unknown") => 1,
        Some("Running") => 2,
        _ => 0,
    }
}

/// `GetDeletionCostFromPodAnnotations`: the pod-deletion-cost annotation as an int32, 0 when
/// absent or not a number.
fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .get(POD_DELETION_COST_ANNOTATION)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `maxContainerRestarts`: the most restarts of any app container, then of any sidecar.
fn max_restarts(pod: &Pod) -> (i32, i32) {
    let regular = pod
        .status
        .container_statuses
        .iter()
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0);
    let sidecar = pod
        .status
        .init_container_statuses
        .iter()
        .filter(|s| {
            pod.spec
                .init_containers
                .iter()
                .any(|c| c.name == s.name && c.restart_policy.as_deref() == Some("Always"))
        })
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0);
    (regular, sidecar)
}

/// `logarithmicRankDiff`: compares how long ago two times were on a base-2 logarithmic scale
/// of nanoseconds (`int64(math.Log2(d))`, exact here as an integer log).
fn log_rank_diff(t1_ms: u64, t2_ms: u64, now_ms: u64) -> i64 {
    let rank = |t: u64| match now_ms.saturating_sub(t).checked_mul(1_000_000) {
        Some(d) if d > 0 => i64::from(d.ilog2()),
        _ => -1,
    };
    rank(t1_ms) - rank(t2_ms)
}

/// A pod and its rank (how many related active pods share its node), as
/// `ActivePodsWithRanks` sorts them.
#[derive(Clone, Debug)]
pub struct RankedPod {
    /// The pod.
    pub pod: Pod,
    /// Related active pods on the same node.
    pub rank: usize,
}

/// `ActivePodsWithRanks.Less`: whether `a` should be deleted before `b`. In order: unassigned
/// before assigned; Pending before Unknown before Running; not ready before ready; lower
/// pod-deletion-cost first; more co-located related pods first; ready for less time first and
/// created more recently first (both on a logarithmic scale, ties broken by uid); more
/// container restarts first.
pub fn delete_before(a: &RankedPod, b: &RankedPod, now_ms: u64) -> bool {
    let (pa, pb) = (&a.pod, &b.pod);
    let (na, nb) = (
        pa.spec.node_name.as_deref().unwrap_or(""),
        pb.spec.node_name.as_deref().unwrap_or(""),
    );
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return na.is_empty();
    }
    if phase_ordinal(pa) != phase_ordinal(pb) {
        return phase_ordinal(pa) < phase_ordinal(pb);
    }
    if is_pod_ready(pa) != is_pod_ready(pb) {
        return !is_pod_ready(pa);
    }
    if deletion_cost(pa) != deletion_cost(pb) {
        return deletion_cost(pa) < deletion_cost(pb);
    }
    if a.rank != b.rank {
        return a.rank > b.rank;
    }
    let by_age = |t1: Option<u64>, t2: Option<u64>| -> Option<bool> {
        if t1 == t2 {
            return None;
        }
        Some(match (t1, t2) {
            // afterOrZero: a zero time sorts first.
            (None, _) => true,
            (_, None) => false,
            (Some(t1), Some(t2)) => match log_rank_diff(t1, t2, now_ms) {
                0 => pa.metadata.uid < pb.metadata.uid,
                d => d < 0,
            },
        })
    };
    if is_pod_ready(pa)
        && is_pod_ready(pb)
        && let Some(r) = by_age(ready_since_ms(pa), ready_since_ms(pb))
    {
        return r;
    }
    let (ra, rb) = (max_restarts(pa), max_restarts(pb));
    if ra.0 != rb.0 {
        return ra.0 > rb.0;
    }
    if ra.1 != rb.1 {
        return ra.1 > rb.1;
    }
    let created = |p: &Pod| timestamp_ms(p.metadata.creation_timestamp.as_deref());
    by_age(created(pa), created(pb)).unwrap_or(false)
}

/// `getPodsToDelete`: the `n` pods to delete first. Each pod is ranked by the active
/// `related` pods (those of every ReplicaSet of the same owner) on its node
/// (`getPodsRankedByRelatedPodsOnSameNode`). Ties keep the store's (name) order, where
/// upstream's order is the informer cache's.
pub fn pods_to_delete(pods: &[Pod], related: &[Pod], n: usize, now_ms: u64) -> Vec<Pod> {
    if n >= pods.len() {
        return pods.to_vec();
    }
    let mut on_node: BTreeMap<&str, usize> = BTreeMap::new();
    for p in related.iter().filter(|p| is_pod_active(p)) {
        *on_node
            .entry(p.spec.node_name.as_deref().unwrap_or(""))
            .or_default() += 1;
    }
    let mut ranked: Vec<RankedPod> = pods
        .iter()
        .map(|p| RankedPod {
            pod: p.clone(),
            rank: on_node
                .get(p.spec.node_name.as_deref().unwrap_or(""))
                .copied()
                .unwrap_or(0),
        })
        .collect();
    // Insertion sort, as Go's `sort.Sort` does for up to 12 elements. `Less` is not a strict
    // weak order (equal ready times fall through to the creation time, unequal ones on the
    // same logarithmic rank to the uid), which Rust's `sort_by` may refuse with a panic.
    for i in 1..ranked.len() {
        let mut j = i;
        while j > 0 && delete_before(&ranked[j], &ranked[j - 1], now_ms) {
            ranked.swap(j, j - 1);
            j -= 1;
        }
    }
    ranked.into_iter().take(n).map(|r| r.pod).collect()
}

/// `GetPodFromTemplate` + `getPodsPrefix`: a pod from a controller's template, named by the
/// API server from `generateName` `<owner>-`, with the template's labels, annotations and
/// finalizers and a controller reference to the owner.
pub fn pod_from_template(template: &PodTemplateSpec, owner_kind: Kind, owner: &ObjectMeta) -> Pod {
    let prefix = format!("{}-", owner.name);
    let prefix = if crate::api::validation::is_dns1123_subdomain(&format!("{prefix}a")) {
        prefix
    } else {
        owner.name.clone()
    };
    Pod {
        metadata: ObjectMeta {
            generate_name: prefix,
            namespace: owner.namespace.clone(),
            labels: template.metadata.labels.clone(),
            annotations: template.metadata.annotations.clone(),
            finalizers: template.metadata.finalizers.clone(),
            owner_references: vec![controller_ref(owner_kind, owner)],
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        ..Pod::default()
    }
}

/// `RealPodControl.CreatePods`: creates a pod from `template` through the API server (the
/// same defaulting, validation and admission as `kubectl apply`) and records
/// `SuccessfulCreate` on the owner. `Err` is the API server's message (the caller records
/// `FailedCreate`); an admission error names the pod by its `generateName`, as the API server
/// does before it generates the name.
pub fn create_pod(
    ctx: &mut Ctx<'_>,
    template: &PodTemplateSpec,
    owner_kind: Kind,
    owner: &ObjectMeta,
    source: &str,
) -> Result<ObjectRef, String> {
    let pod = pod_from_template(template, owner_kind, owner);
    let prefix = pod.metadata.generate_name.clone();
    let owner_ref = ObjectRef::new(owner_kind, &owner.namespace, &owner.name);
    match ctx.api.apply(Object::Pod(pod), ctx.now, ctx.rng) {
        Ok(key) => {
            let msg = format!("Created pod: {}", key.name);
            // Caused by whatever last changed the owner (a Deployment scaling its ReplicaSet).
            let cause = ctx
                .events
                .change_of(&owner_ref)
                .map(|index| crate::events::Cause::Event { index });
            let index = ctx.event_caused(
                EventType::Normal,
                &owner_ref,
                "SuccessfulCreate",
                msg,
                source,
                None,
                cause,
            );
            ctx.events.note_change(key.clone(), index);
            Ok(key)
        }
        Err(e) => {
            let e = match e {
                ApiError::Forbidden {
                    resource,
                    message,
                    field,
                    ..
                } => ApiError::Forbidden {
                    resource,
                    name: prefix,
                    message,
                    field,
                },
                other => other,
            };
            Err(e.to_string())
        }
    }
}

/// Deletes a pod as the API server does for a `DELETE` without options: a pod bound to a
/// node and not finished gets `deletionTimestamp` (now + its `terminationGracePeriodSeconds`)
/// and stays `Terminating` until its kubelet has stopped it; any other pod goes at once.
/// Returns whether it existed.
pub fn delete_pod(ctx: &mut Ctx<'_>, key: &ObjectRef) -> bool {
    let Some(Object::Pod(pod)) = ctx.api.get(key) else {
        return false;
    };
    let grace = pod
        .spec
        .termination_grace_period_seconds
        .unwrap_or(crate::api::defaults::DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    let terminal = matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
    if pod.spec.node_name.is_some() && grace > 0 && !terminal {
        if pod.metadata.deletion_timestamp.is_none() {
            let at = ctx.now.plus_millis(grace as u64 * 1000).rfc3339();
            ctx.api.modify_pod(key, |p| {
                p.metadata.deletion_timestamp = Some(at);
                p.metadata.deletion_grace_period_seconds = Some(grace);
            });
        }
    } else {
        ctx.api.remove(key);
    }
    true
}

/// Non-zero counts only: the API omits zero `int32` status fields (`omitempty`).
pub fn non_zero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::PodCondition;

    #[test]
    fn fnv32a_matches_the_reference_vectors() {
        // FNV-1a test vectors (draft-eastlake-fnv, "" and "a" and "foobar").
        assert_eq!(fnv32a(b""), 0x811c_9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn safe_encoding_maps_digits_onto_the_rand_alphabet() {
        // '0' is 48 → 48 % 27 = 21 → '4'; '6' is 54 → 0 → 'b'; '9' is 57 → 3 → 'f'.
        assert_eq!(safe_encode_string("0123456789"), "456789bcdf");
    }

    #[test]
    fn the_hash_changes_with_the_template_and_the_collision_count() {
        let mut t = PodTemplateSpec::default();
        t.metadata.labels.insert("app".to_owned(), "web".to_owned());
        let h = compute_hash(&t, None);
        assert!(!h.is_empty() && h.len() <= 10, "{h}");
        assert!(h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
        assert_eq!(h, compute_hash(&t.clone(), None));
        assert_ne!(h, compute_hash(&t, Some(1)));
        t.metadata.labels.insert("app".to_owned(), "api".to_owned());
        assert_ne!(h, compute_hash(&t, None));
    }

    fn pod(name: &str, node: &str, phase: &str, ready_at: Option<u64>, created: u64) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = name.to_owned();
        p.metadata.uid = format!("uid-{name}");
        p.metadata.creation_timestamp = Some(crate::time::SimTime(created).rfc3339());
        if !node.is_empty() {
            p.spec.node_name = Some(node.to_owned());
        }
        p.status.phase = Some(phase.to_owned());
        if let Some(t) = ready_at {
            p.status.conditions.push(PodCondition {
                type_: "Ready".to_owned(),
                status: "True".to_owned(),
                last_probe_time: None,
                last_transition_time: Some(crate::time::SimTime(t).rfc3339()),
                reason: None,
                message: None,
            });
        }
        p
    }

    #[test]
    fn surplus_pods_are_deleted_in_upstream_preference_order() {
        let now = 600_000;
        let pods = vec![
            pod("running-old", "n1", "Running", Some(10_000), 5_000),
            pod("running-new", "n1", "Running", Some(400_000), 390_000),
            pod("not-ready", "n1", "Running", None, 5_000),
            pod("pending", "n1", "Pending", None, 5_000),
            pod("unscheduled", "", "Pending", None, 5_000),
        ];
        let names: Vec<String> = pods_to_delete(&pods, &pods, 4, now)
            .into_iter()
            .map(|p| p.metadata.name)
            .collect();
        assert_eq!(
            names,
            ["unscheduled", "pending", "not-ready", "running-new"],
            "unscheduled < pending < not ready < ready for less time"
        );
    }

    #[test]
    fn a_crowded_node_loses_its_pods_first() {
        let now = 600_000;
        let pods = vec![
            pod("a", "n1", "Running", Some(10_000), 5_000),
            pod("b", "n2", "Running", Some(10_000), 5_000),
            pod("c", "n2", "Running", Some(10_000), 5_000),
        ];
        let first = pods_to_delete(&pods, &pods, 1, now);
        assert_eq!(first[0].metadata.name, "b", "n2 has two related pods");
    }

    #[test]
    fn equal_logarithmic_age_falls_back_to_the_uid() {
        // 300 s and 310 s ago are both 2^38 ns ≤ d < 2^39 ns: same rank.
        assert_eq!(log_rank_diff(300_000, 290_000, 600_000), 0);
        assert!(log_rank_diff(590_000, 10_000, 600_000) < 0);
        let now = 600_000;
        let pods = vec![
            pod("z", "n1", "Running", Some(300_000), 1_000),
            pod("y", "n1", "Running", Some(290_000), 1_000),
        ];
        let first = pods_to_delete(&pods, &pods, 1, now);
        assert_eq!(first[0].metadata.name, "y", "uid-y < uid-z");
    }

    #[test]
    fn claiming_adopts_orphans_and_releases_strays() {
        let mut meta = ObjectMeta::default();
        assert_eq!(claim(&meta, "u1", true, false), Claim::Adopt);
        assert_eq!(claim(&meta, "u1", true, true), Claim::Ignore);
        assert_eq!(claim(&meta, "u1", false, false), Claim::Ignore);
        let owner = ObjectMeta {
            uid: "u1".to_owned(),
            ..ObjectMeta::default()
        };
        meta.owner_references
            .push(controller_ref(Kind::ReplicaSet, &owner));
        assert_eq!(claim(&meta, "u1", true, false), Claim::Keep);
        assert_eq!(claim(&meta, "u1", false, false), Claim::Release);
        assert_eq!(claim(&meta, "u2", true, false), Claim::Ignore);
    }
}

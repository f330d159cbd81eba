//! The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`,
//! `replica_set_utils.go`): keeps `spec.replicas` active pods matching the selector, creating
//! pods from the template (`<rs>-<5 random characters>`) and deleting the surplus in
//! [`util::pods_to_delete`] order, then writes the counts to `status`.
//!
//! Simplified: the controller reads the store directly, so it needs no expectations cache;
//! a failed pod creation is retried on the next sync instead of after the work queue's
//! exponential back-off, and its `FailedCreate` event is recorded once per distinct error.

use crate::api::apps::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use crate::api::pod::Pod;
use crate::api::{Kind, Object, ObjectRef};
use crate::ctx::Ctx;
use crate::events::EventType;
use crate::world::Task;

use super::util::{self, Claim};

/// The reporting name of events this controller records.
pub const CONTROLLER_NAME: &str = "replicaset-controller";

/// At most this many pods are created or deleted in one sync (`BurstReplicas`).
pub const BURST_REPLICAS: usize = 500;

/// The first batch of pod creations (`controller.SlowStartInitialBatchSize`); each following
/// batch doubles, and a batch with an error ends the sync.
pub const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;

/// Syncs every ReplicaSet.
pub fn sync_all(ctx: &mut Ctx<'_>) {
    let keys: Vec<ObjectRef> = ctx
        .api
        .list(Kind::ReplicaSet)
        .map(Object::reference)
        .collect();
    for key in keys {
        sync_replica_set(ctx, &key);
    }
}

/// `syncReplicaSet`: claim the pods, create or delete to reach `spec.replicas`, update status.
pub fn sync_replica_set(ctx: &mut Ctx<'_>, key: &ObjectRef) {
    let Some(Object::ReplicaSet(rs)) = ctx.api.get(key).cloned() else {
        return;
    };
    let pods = claim_pods(ctx, &rs);
    let result = if rs.metadata.deletion_timestamp.is_none() {
        manage_replicas(ctx, &rs, &pods)
    } else {
        Ok(())
    };
    // Upstream computes the status from the pods it saw before creating or deleting any; the
    // watch events of those changes bring the next sync.
    let status = calculate_status(&rs, &pods, result.as_ref().err(), ctx);
    let spec_replicas = rs.spec.replicas.unwrap_or(1);
    if status != rs.status
        && let Some(Object::ReplicaSet(mut stored)) = ctx.api.get(key).cloned()
    {
        stored.status = status.clone();
        ctx.api.update(Object::ReplicaSet(stored));
    }
    // Requeue to notice pods becoming available after minReadySeconds. Upstream re-adds the
    // key after minReadySeconds; this wakes at the first moment one more pod counts as
    // available, an absolute time, so repeated syncs ask for the same wake-up.
    let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
    if result.is_ok()
        && min_ready > 0
        && status.ready_replicas.unwrap_or(0) == spec_replicas
        && status.available_replicas.unwrap_or(0) != spec_replicas
    {
        let now = ctx.now.as_millis();
        let next = pods
            .iter()
            .filter(|p| util::is_pod_ready(p) && !util::is_pod_available(p, min_ready, now))
            .filter_map(|p| util::available_at_ms(p, min_ready))
            .min();
        if let Some(at) = next {
            ctx.queue.push(
                crate::time::SimTime::from_millis(at.max(now)),
                Task::Controllers,
            );
        }
    }
}

/// `claimPods`: the active pods of the namespace this ReplicaSet controls, after adopting
/// matching orphans and releasing owned pods that no longer match its selector.
fn claim_pods(ctx: &mut Ctx<'_>, rs: &ReplicaSet) -> Vec<Pod> {
    let uid = rs.metadata.uid.clone();
    let deleting = rs.metadata.deletion_timestamp.is_some();
    // Decide on references first; clone only the pods this ReplicaSet ends up with.
    let decisions: Vec<(ObjectRef, Claim)> = ctx
        .api
        .list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p)
                if p.metadata.namespace == rs.metadata.namespace && util::is_pod_active(p) =>
            {
                let matches = rs.spec.selector.matches(&p.metadata.labels);
                match util::claim(&p.metadata, &uid, matches, deleting) {
                    Claim::Ignore => None,
                    c => Some((o.reference(), c)),
                }
            }
            _ => None,
        })
        .collect();
    let mut claimed = Vec::new();
    for (key, decision) in decisions {
        match decision {
            Claim::Adopt => {
                let owner = util::controller_ref(Kind::ReplicaSet, &rs.metadata);
                ctx.api
                    .modify_pod(&key, |p| p.metadata.owner_references.push(owner));
            }
            Claim::Release => {
                ctx.api
                    .modify_pod(&key, |p| util::release(&mut p.metadata, &uid));
                continue;
            }
            Claim::Keep | Claim::Ignore => {}
        }
        if let Some(Object::Pod(p)) = ctx.api.get(&key) {
            claimed.push(p.clone());
        }
    }
    claimed
}

/// `manageReplicas`: creates missing pods in slow-start batches or deletes the surplus.
/// `Err` holds the API server's error for the status condition.
fn manage_replicas(ctx: &mut Ctx<'_>, rs: &ReplicaSet, pods: &[Pod]) -> Result<(), String> {
    let want = rs.spec.replicas.unwrap_or(1).max(0) as usize;
    if pods.len() < want {
        let diff = (want - pods.len()).min(BURST_REPLICAS);
        // Record FailedCreate only for an error the status does not already carry.
        let known_failure = rs
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "ReplicaFailure")
            .and_then(|c| c.message.clone());
        let mut remaining = diff;
        let mut batch = SLOW_START_INITIAL_BATCH_SIZE.min(remaining);
        while batch > 0 {
            let mut error = None;
            for _ in 0..batch {
                let created = util::create_pod(
                    ctx,
                    &rs.spec.template,
                    Kind::ReplicaSet,
                    &rs.metadata,
                    CONTROLLER_NAME,
                );
                if let Err(e) = created {
                    error.get_or_insert(e);
                }
            }
            if let Some(e) = error {
                if known_failure.as_deref() != Some(e.as_str()) {
                    let owner =
                        ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
                    ctx.event(
                        EventType::Warning,
                        &owner,
                        "FailedCreate",
                        format!("Error creating: {e}"),
                        CONTROLLER_NAME,
                        None,
                    );
                }
                return Err(e);
            }
            remaining -= batch;
            batch = (2 * batch).min(remaining);
        }
    } else if pods.len() > want {
        let diff = (pods.len() - want).min(BURST_REPLICAS);
        let related = related_pods(ctx, rs);
        let now = ctx.now.as_millis();
        let owner = ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
        for pod in util::pods_to_delete(pods, &related, diff, now) {
            let key = ObjectRef::new(Kind::Pod, &pod.metadata.namespace, &pod.metadata.name);
            if util::delete_pod(ctx, &key) {
                ctx.event(
                    EventType::Normal,
                    &owner,
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", pod.metadata.name),
                    CONTROLLER_NAME,
                    None,
                );
            }
        }
    }
    Ok(())
}

/// `getIndirectlyRelatedPods`: the pods controlled by any ReplicaSet that has the same
/// controller as `rs` (the other revisions of its Deployment), or by `rs` itself.
fn related_pods(ctx: &Ctx<'_>, rs: &ReplicaSet) -> Vec<Pod> {
    let owner_uid = util::controller_of(&rs.metadata).map(|r| r.uid.clone());
    let mut uids = vec![rs.metadata.uid.clone()];
    if let Some(owner_uid) = owner_uid {
        uids.extend(ctx.api.list(Kind::ReplicaSet).filter_map(|o| match o {
            Object::ReplicaSet(other)
                if other.metadata.namespace == rs.metadata.namespace
                    && util::controller_of(&other.metadata).is_some_and(|r| r.uid == owner_uid) =>
            {
                Some(other.metadata.uid.clone())
            }
            _ => None,
        }));
    }
    ctx.api
        .list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p)
                if p.metadata.namespace == rs.metadata.namespace
                    && util::controller_of(&p.metadata).is_some_and(|r| uids.contains(&r.uid)) =>
            {
                Some(p.clone())
            }
            _ => None,
        })
        .collect()
}

/// `calculateStatus` and `updateReplicaSetStatus`: counts over the claimed pods, the
/// `ReplicaFailure` condition from the last create/delete error, `observedGeneration`.
fn calculate_status(
    rs: &ReplicaSet,
    pods: &[Pod],
    error: Option<&String>,
    ctx: &Ctx<'_>,
) -> ReplicaSetStatus {
    let mut status = rs.status.clone();
    let now = ctx.now.as_millis();
    let min_ready = rs.spec.min_ready_seconds.unwrap_or(0);
    let template_labels = &rs.spec.template.metadata.labels;
    let mut fully_labeled = 0;
    let mut ready = 0;
    let mut available = 0;
    for p in pods {
        if template_labels
            .iter()
            .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
        {
            fully_labeled += 1;
        }
        if util::is_pod_ready(p) {
            ready += 1;
            if util::is_pod_available(p, min_ready, now) {
                available += 1;
            }
        }
    }
    let has_failure = status
        .conditions
        .iter()
        .any(|c| c.type_ == "ReplicaFailure");
    match error {
        Some(message) if !has_failure => {
            let want = rs.spec.replicas.unwrap_or(1) as usize;
            let reason = if pods.len() < want {
                "FailedCreate"
            } else {
                "FailedDelete"
            };
            status.conditions.push(ReplicaSetCondition {
                type_: "ReplicaFailure".to_owned(),
                status: "True".to_owned(),
                last_transition_time: Some(ctx.now.rfc3339()),
                reason: Some(reason.to_owned()),
                message: Some(message.clone()),
            });
        }
        None if has_failure => status.conditions.retain(|c| c.type_ != "ReplicaFailure"),
        _ => {}
    }
    status.replicas = pods.len() as i32;
    status.fully_labeled_replicas = util::non_zero(fully_labeled);
    status.ready_replicas = util::non_zero(ready);
    status.available_replicas = util::non_zero(available);
    status.observed_generation = rs.metadata.generation;
    status
}

//! The Deployment controller (`pkg/controller/deployment`: `deployment_controller.go`,
//! `sync.go`, `rolling.go`, `recreate.go`, `progress.go`, `util/deployment_util.go`).
//!
//! A Deployment owns one ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`
//! ([`util::compute_hash`]). A template change creates a new ReplicaSet; a `RollingUpdate`
//! then scales it up and the old ones down as far as `maxSurge` and `maxUnavailable` allow
//! (25 % each by default), step by step as new pods become available; `Recreate` scales the
//! old ones to zero and waits for their pods to be gone first. A change of `replicas` alone is
//! a scaling event, spread over the active ReplicaSets in proportion. The controller keeps
//! `status` and the `Available` / `Progressing` conditions with upstream's reasons and
//! messages, and records `ScalingReplicaSet` events in the wording of current releases
//! (`Scaled up replica set <rs> from 0 to 3`, `Scaled down replica set <rs> from 3 to 2`, as
//! the website's "Update a Deployment Without Downtime" task shows; older releases
//! printed `... to 3` and `... to 2 from 3`).
//!
//! Simplified: no rollback through the deprecated `rollbackTo` field; a `strategy` written
//! without some of its fields is read with upstream's defaults (`RollingUpdate`, 25 %/25 %)
//! where the API server would have stored them; the progress-deadline re-check is a timer at
//! `lastUpdateTime + progressDeadlineSeconds + 1 s` rather than a rate-limited work queue.

use std::collections::BTreeMap;

use crate::api::apps::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use crate::api::meta::{IntOrString, ObjectMeta};
use crate::api::{Kind, Object, ObjectRef};
use crate::ctx::Ctx;
use crate::events::EventType;
use crate::time::SimTime;
use crate::world::Task;

use super::util::{self, Claim, POD_TEMPLATE_HASH_LABEL};

/// The reporting name of events this controller records.
pub const CONTROLLER_NAME: &str = "deployment-controller";

/// The revision of a Deployment and of each of its ReplicaSets.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// Earlier revisions of a ReplicaSet that a rollback brought back.
pub const REVISION_HISTORY_ANNOTATION: &str = "deployment.kubernetes.io/revision-history";
/// `spec.replicas` of the Deployment when it last scaled the ReplicaSet.
pub const DESIRED_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/desired-replicas";
/// `spec.replicas + maxSurge` of the Deployment when it last scaled the ReplicaSet.
pub const MAX_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/max-replicas";
/// Annotations not copied from a Deployment to its ReplicaSets (`annotationsToSkip`).
const ANNOTATIONS_TO_SKIP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    "deprecated.deployment.rollback.to",
];
/// Longest `revision-history` annotation (`maxRevHistoryLengthInChars`).
const MAX_REV_HISTORY_LENGTH_IN_CHARS: usize = 2000;

/// Progressing: a ReplicaSet was scaled during the rollout.
pub const REPLICA_SET_UPDATED_REASON: &str = "ReplicaSetUpdated";
/// Progressing: the new ReplicaSet could not be created.
pub const FAILED_RS_CREATE_REASON: &str = "ReplicaSetCreateError";
/// Progressing: a new ReplicaSet was created.
pub const NEW_REPLICA_SET_REASON: &str = "NewReplicaSetCreated";
/// Progressing: an existing ReplicaSet has the current template.
pub const FOUND_NEW_RS_REASON: &str = "FoundNewReplicaSet";
/// Progressing: the rollout is complete.
pub const NEW_RS_AVAILABLE_REASON: &str = "NewReplicaSetAvailable";
/// Progressing: no progress within `progressDeadlineSeconds`.
pub const TIMED_OUT_REASON: &str = "ProgressDeadlineExceeded";
/// Progressing: the Deployment is paused.
pub const PAUSED_DEPLOY_REASON: &str = "DeploymentPaused";
/// Progressing: the Deployment was resumed.
pub const RESUMED_DEPLOY_REASON: &str = "DeploymentResumed";
/// Available: at least `replicas - maxUnavailable` pods are available.
pub const MINIMUM_REPLICAS_AVAILABLE: &str = "MinimumReplicasAvailable";
/// Available: fewer than `replicas - maxUnavailable` pods are available.
pub const MINIMUM_REPLICAS_UNAVAILABLE: &str = "MinimumReplicasUnavailable";

/// Syncs every Deployment.
pub fn sync_all(ctx: &mut Ctx<'_>) {
    let keys: Vec<ObjectRef> = ctx
        .api
        .list(Kind::Deployment)
        .map(Object::reference)
        .collect();
    for key in keys {
        sync_deployment(ctx, &key);
    }
}

/// `syncDeployment`: claim the ReplicaSets, then pause handling, a scaling event or a
/// rollout step, then the status.
pub fn sync_deployment(ctx: &mut Ctx<'_>, key: &ObjectRef) {
    let Some(Object::Deployment(mut d)) = ctx.api.get(key).cloned() else {
        return;
    };
    let mut rss = claim_replica_sets(ctx, &d);
    if d.metadata.deletion_timestamp.is_some() {
        let (new, _) = all_replica_sets_and_sync_revision(ctx, &mut d, &mut rss, false);
        sync_deployment_status(ctx, &mut d, &rss, new);
        return;
    }
    check_paused_conditions(ctx, &mut d);
    if d.spec.paused == Some(true) || is_scaling_event(ctx, &mut d, &mut rss) {
        sync(ctx, &mut d, &mut rss);
        return;
    }
    if strategy(&d).recreate {
        rollout_recreate(ctx, &mut d, &mut rss);
    } else {
        rollout_rolling(ctx, &mut d, &mut rss);
    }
}

// ---------------------------------------------------------------------------------------
// Strategy arithmetic (`deployment_util.go`, `intstr.GetScaledValueFromIntOrPercent`).

/// The rollout strategy as the controller reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strategy {
    /// `type: Recreate`.
    pub recreate: bool,
    /// `rollingUpdate.maxSurge` (default `25%`).
    pub max_surge: IntOrString,
    /// `rollingUpdate.maxUnavailable` (default `25%`).
    pub max_unavailable: IntOrString,
}

/// The Deployment's strategy, with upstream's defaults for what is not written.
pub fn strategy(d: &Deployment) -> Strategy {
    let s = d.spec.strategy.as_ref();
    let field = |name: &str| {
        s.and_then(|s| s.get("rollingUpdate"))
            .and_then(|r| r.get(name))
            .and_then(|v| serde_json::from_value::<IntOrString>(v.clone()).ok())
            .unwrap_or_else(|| IntOrString::String("25%".to_owned()))
    };
    Strategy {
        recreate: s.and_then(|s| s.get("type")).and_then(|t| t.as_str()) == Some("Recreate"),
        max_surge: field("maxSurge"),
        max_unavailable: field("maxUnavailable"),
    }
}

/// `GetScaledValueFromIntOrPercent`: a number, or a percentage of `total` rounded up or down.
/// A string that is not a percentage is an error upstream (validation rejects it); 0 here.
pub fn scaled_value(v: &IntOrString, total: i32, round_up: bool) -> i32 {
    match v {
        IntOrString::Int(n) => *n,
        IntOrString::String(s) => {
            let Some(p) = s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) else {
                return 0;
            };
            let scaled = p * i64::from(total);
            let value = if round_up {
                scaled.div_euclid(100) + i64::from(scaled.rem_euclid(100) != 0)
            } else {
                scaled.div_euclid(100)
            };
            value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        }
    }
}

/// `ResolveFenceposts`: maxSurge rounded up, maxUnavailable rounded down; if both are zero,
/// maxUnavailable becomes 1.
pub fn resolve_fenceposts(
    max_surge: &IntOrString,
    max_unavailable: &IntOrString,
    desired: i32,
) -> (i32, i32) {
    let surge = scaled_value(max_surge, desired, true);
    let unavailable = scaled_value(max_unavailable, desired, false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

fn replicas(d: &Deployment) -> i32 {
    d.spec.replicas.unwrap_or(1)
}

fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

/// `MaxSurge`: 0 unless rolling.
pub fn max_surge(d: &Deployment) -> i32 {
    let s = strategy(d);
    if s.recreate {
        return 0;
    }
    resolve_fenceposts(&s.max_surge, &s.max_unavailable, replicas(d)).0
}

/// `MaxUnavailable`: 0 unless rolling with replicas, and never more than `replicas`.
pub fn max_unavailable(d: &Deployment) -> i32 {
    let s = strategy(d);
    if s.recreate || replicas(d) == 0 {
        return 0;
    }
    resolve_fenceposts(&s.max_surge, &s.max_unavailable, replicas(d))
        .1
        .min(replicas(d))
}

/// `NewRSNewReplicas`: how far the new ReplicaSet may grow now. Rolling: up to
/// `replicas + maxSurge` pods in all ReplicaSets (by `spec.replicas`), never past `replicas`;
/// Recreate: `replicas`.
pub fn new_rs_new_replicas(d: &Deployment, all_spec_replicas: i32, new_rs_replicas: i32) -> i32 {
    let s = strategy(d);
    if s.recreate {
        return replicas(d);
    }
    let surge = scaled_value(&s.max_surge, replicas(d), true);
    let max_total = replicas(d) + surge;
    if all_spec_replicas >= max_total {
        return new_rs_replicas;
    }
    let up = (max_total - all_spec_replicas).min(replicas(d) - new_rs_replicas);
    new_rs_replicas + up
}

// ---------------------------------------------------------------------------------------
// ReplicaSets of a Deployment.

/// `getReplicaSetsForDeployment`: the namespace's ReplicaSets this Deployment controls,
/// adopting matching orphans and releasing those that no longer match, oldest first
/// (`ReplicaSetsByCreationTimestamp`).
fn claim_replica_sets(ctx: &mut Ctx<'_>, d: &Deployment) -> Vec<ReplicaSet> {
    let candidates: Vec<ReplicaSet> = ctx
        .api
        .list(Kind::ReplicaSet)
        .filter_map(|o| match o {
            Object::ReplicaSet(rs) if rs.metadata.namespace == d.metadata.namespace => {
                Some(rs.clone())
            }
            _ => None,
        })
        .collect();
    let uid = d.metadata.uid.clone();
    let deleting = d.metadata.deletion_timestamp.is_some();
    let mut out = Vec::new();
    for mut rs in candidates {
        let matches = d.spec.selector.matches(&rs.metadata.labels);
        match util::claim(&rs.metadata, &uid, matches, deleting) {
            Claim::Keep => out.push(rs),
            Claim::Adopt => {
                rs.metadata
                    .owner_references
                    .push(util::controller_ref(Kind::Deployment, &d.metadata));
                ctx.api.update(Object::ReplicaSet(rs.clone()));
                out.push(reload(ctx, &rs));
            }
            Claim::Release => {
                util::release(&mut rs.metadata, &uid);
                ctx.api.update(Object::ReplicaSet(rs));
            }
            Claim::Ignore => {}
        }
    }
    sort_by_creation(&mut out);
    out
}

fn sort_by_creation(rss: &mut [ReplicaSet]) {
    rss.sort_by_key(|rs| {
        (
            util::timestamp_ms(rs.metadata.creation_timestamp.as_deref()),
            rs.metadata.name.clone(),
        )
    });
}

fn reload(ctx: &Ctx<'_>, rs: &ReplicaSet) -> ReplicaSet {
    let key = ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
    match ctx.api.get(&key) {
        Some(Object::ReplicaSet(stored)) => stored.clone(),
        _ => rs.clone(),
    }
}

/// Writes a ReplicaSet the controller changed. A change of `spec` increments
/// `metadata.generation`, as the registry's update strategy does.
fn update_rs(ctx: &mut Ctx<'_>, rs: &mut ReplicaSet) {
    let key = ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
    if let Some(Object::ReplicaSet(stored)) = ctx.api.get(&key)
        && stored.spec != rs.spec
    {
        rs.metadata.generation = Some(stored.metadata.generation.unwrap_or(0) + 1);
    }
    ctx.api.update(Object::ReplicaSet(rs.clone()));
    *rs = reload(ctx, rs);
}

/// Writes the Deployment's annotations and status (`UpdateStatus`; the status subresource
/// of Deployments keeps annotation changes).
fn update_deployment(ctx: &mut Ctx<'_>, d: &mut Deployment) {
    ctx.api.update(Object::Deployment(d.clone()));
    let key = ObjectRef::new(Kind::Deployment, &d.metadata.namespace, &d.metadata.name);
    if let Some(Object::Deployment(stored)) = ctx.api.get(&key) {
        d.metadata.resource_version = stored.metadata.resource_version.clone();
    }
}

/// `EqualIgnoreHash`: templates equal apart from the `pod-template-hash` label.
fn equal_ignore_hash(
    a: &crate::api::apps::PodTemplateSpec,
    b: &crate::api::apps::PodTemplateSpec,
) -> bool {
    let strip = |t: &crate::api::apps::PodTemplateSpec| {
        let mut t = t.clone();
        t.metadata.labels.remove(POD_TEMPLATE_HASH_LABEL);
        t
    };
    strip(a) == strip(b)
}

/// `FindNewReplicaSet`: the oldest ReplicaSet with the Deployment's template.
fn find_new(d: &Deployment, rss: &[ReplicaSet]) -> Option<usize> {
    rss.iter()
        .position(|rs| equal_ignore_hash(&rs.spec.template, &d.spec.template))
}

fn revision(meta: &ObjectMeta) -> Option<i64> {
    meta.annotations
        .get(REVISION_ANNOTATION)
        .and_then(|r| r.parse().ok())
}

/// `SetReplicasAnnotations`: desired-replicas and max-replicas; whether they changed.
fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let mut changed = false;
    for (k, v) in [
        (DESIRED_REPLICAS_ANNOTATION, desired),
        (MAX_REPLICAS_ANNOTATION, max),
    ] {
        let v = v.to_string();
        if rs.metadata.annotations.get(k) != Some(&v) {
            rs.metadata.annotations.insert(k.to_owned(), v);
            changed = true;
        }
    }
    changed
}

/// `SetNewReplicaSetAnnotations`: copies the Deployment's annotations (except
/// [`ANNOTATIONS_TO_SKIP`]), raises the revision to `new_revision` (keeping the old one in
/// the revision history when a rollback brings an old ReplicaSet back), and sets the replica
/// annotations of a ReplicaSet about to be created. Whether anything changed.
fn set_new_replica_set_annotations(
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_revision: i64,
    exists: bool,
) -> bool {
    let mut changed = false;
    for (k, v) in &d.metadata.annotations {
        if ANNOTATIONS_TO_SKIP.contains(&k.as_str()) || rs.metadata.annotations.get(k) == Some(v) {
            continue;
        }
        rs.metadata.annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    let old = rs.metadata.annotations.get(REVISION_ANNOTATION).cloned();
    let old_revision = match old.as_deref() {
        None | Some("") => 0,
        Some(o) => match o.parse::<i64>() {
            Ok(n) => n,
            Err(_) => return false,
        },
    };
    if old_revision < new_revision {
        rs.metadata
            .annotations
            .insert(REVISION_ANNOTATION.to_owned(), new_revision.to_string());
        changed = true;
        if let Some(old) = old.filter(|o| !o.is_empty()) {
            let history = rs
                .metadata
                .annotations
                .get(REVISION_HISTORY_ANNOTATION)
                .cloned()
                .unwrap_or_default();
            if history.is_empty() {
                rs.metadata
                    .annotations
                    .insert(REVISION_HISTORY_ANNOTATION.to_owned(), old);
            } else {
                let mut revisions: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                let mut start = 0;
                while total > MAX_REV_HISTORY_LENGTH_IN_CHARS && start < revisions.len() {
                    total -= revisions[start].len() + 1;
                    start += 1;
                }
                if total <= MAX_REV_HISTORY_LENGTH_IN_CHARS {
                    revisions = revisions.split_off(start);
                    revisions.push(&old);
                    let joined = revisions.join(",");
                    rs.metadata
                        .annotations
                        .insert(REVISION_HISTORY_ANNOTATION.to_owned(), joined);
                }
            }
        }
    }
    if !exists && set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)) {
        changed = true;
    }
    changed
}

/// `SetDeploymentRevision`: the Deployment's revision annotation; whether it changed.
fn set_deployment_revision(d: &mut Deployment, revision: &str) -> bool {
    if d.metadata
        .annotations
        .get(REVISION_ANNOTATION)
        .map(String::as_str)
        == Some(revision)
    {
        return false;
    }
    d.metadata
        .annotations
        .insert(REVISION_ANNOTATION.to_owned(), revision.to_owned());
    true
}

/// `getAllReplicaSetsAndSyncRevision` + `getNewReplicaSet`: the index of the ReplicaSet with
/// the current template (created now when `create` and there is none) and the indices of the
/// others. Syncs revisions and the Deployment's revision annotation.
fn all_replica_sets_and_sync_revision(
    ctx: &mut Ctx<'_>,
    d: &mut Deployment,
    rss: &mut Vec<ReplicaSet>,
    create: bool,
) -> (Option<usize>, Vec<usize>) {
    let existing = find_new(d, rss);
    let max_old_revision = rss
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != existing)
        .filter_map(|(_, rs)| revision(&rs.metadata))
        .max()
        .unwrap_or(0);
    let new_revision = max_old_revision + 1;
    let new = match existing {
        Some(i) => {
            let mut rs = rss[i].clone();
            let annotations_updated =
                set_new_replica_set_annotations(d, &mut rs, new_revision, true);
            if annotations_updated
                || rs.spec.min_ready_seconds.unwrap_or(0) != d.spec.min_ready_seconds.unwrap_or(0)
            {
                rs.spec.min_ready_seconds = d.spec.min_ready_seconds;
                update_rs(ctx, &mut rs);
                rss[i] = rs;
            } else {
                let rev = rs
                    .metadata
                    .annotations
                    .get(REVISION_ANNOTATION)
                    .cloned()
                    .unwrap_or_default();
                let mut needs_update = set_deployment_revision(d, &rev);
                if has_progress_deadline(d) && condition(&d.status, "Progressing").is_none() {
                    let msg = format!("Found new replica set {:?}", rs.metadata.name);
                    let c = new_condition(ctx, "Progressing", "True", FOUND_NEW_RS_REASON, msg);
                    set_condition(&mut d.status, c);
                    needs_update = true;
                }
                if needs_update {
                    update_deployment(ctx, d);
                }
            }
            Some(i)
        }
        None if create => create_new_replica_set(ctx, d, rss, new_revision),
        None => None,
    };
    let old = (0..rss.len()).filter(|i| Some(*i) != new).collect();
    (new, old)
}

/// The create branch of `getNewReplicaSet`: a ReplicaSet `<deployment>-<hash>` with the
/// template, `pod-template-hash` in its labels, selector and template labels, a controller
/// reference to the Deployment, and as many replicas as [`new_rs_new_replicas`] allows.
fn create_new_replica_set(
    ctx: &mut Ctx<'_>,
    d: &mut Deployment,
    rss: &mut Vec<ReplicaSet>,
    new_revision: i64,
) -> Option<usize> {
    let mut template = d.spec.template.clone();
    let hash = util::compute_hash(&template, d.status.collision_count);
    template
        .metadata
        .labels
        .insert(POD_TEMPLATE_HASH_LABEL.to_owned(), hash.clone());
    let mut selector = d.spec.selector.clone();
    selector
        .match_labels
        .insert(POD_TEMPLATE_HASH_LABEL.to_owned(), hash.clone());
    let name = format!("{}-{hash}", d.metadata.name);
    let mut rs = ReplicaSet {
        metadata: ObjectMeta {
            name: name.clone(),
            namespace: d.metadata.namespace.clone(),
            owner_references: vec![util::controller_ref(Kind::Deployment, &d.metadata)],
            labels: template.metadata.labels.clone(),
            ..ObjectMeta::default()
        },
        ..ReplicaSet::default()
    };
    rs.spec.replicas = Some(0);
    rs.spec.min_ready_seconds = d.spec.min_ready_seconds;
    rs.spec.selector = selector;
    rs.spec.template = template;
    let all: i32 = rss.iter().map(rs_replicas).sum();
    let count = new_rs_new_replicas(d, all, 0);
    rs.spec.replicas = Some(count);
    set_new_replica_set_annotations(d, &mut rs, new_revision, false);
    let key = ObjectRef::new(Kind::ReplicaSet, &d.metadata.namespace, &name);
    let deployment_ref = ObjectRef::new(Kind::Deployment, &d.metadata.namespace, &d.metadata.name);
    // The API server's create refuses an existing name (AlreadyExists): either it is this
    // Deployment's ReplicaSet after all, or the hash collided and collisionCount goes up.
    let already_exists = match ctx.api.get(&key).cloned() {
        Some(Object::ReplicaSet(existing)) => {
            let ours =
                util::controller_of(&existing.metadata).is_some_and(|r| r.uid == d.metadata.uid);
            if !ours || !equal_ignore_hash(&d.spec.template, &existing.spec.template) {
                d.status.collision_count = Some(d.status.collision_count.unwrap_or(0) + 1);
                update_deployment(ctx, d);
                return None;
            }
            true
        }
        _ => false,
    };
    let created = if already_exists {
        Ok(key)
    } else {
        ctx.api
            .apply(Object::ReplicaSet(rs.clone()), ctx.now, ctx.rng)
    };
    match created {
        Ok(_) => {}
        Err(e) => {
            let msg = format!("Failed to create new replica set {name:?}: {e}");
            if has_progress_deadline(d) {
                let c = new_condition(
                    ctx,
                    "Progressing",
                    "False",
                    FAILED_RS_CREATE_REASON,
                    msg.clone(),
                );
                set_condition(&mut d.status, c);
                update_deployment(ctx, d);
            }
            ctx.event(
                EventType::Warning,
                &deployment_ref,
                FAILED_RS_CREATE_REASON,
                msg,
                CONTROLLER_NAME,
                None,
            );
            return None;
        }
    }
    let created = reload(ctx, &rs);
    if !already_exists && count > 0 {
        let index = ctx.event(
            EventType::Normal,
            &deployment_ref,
            "ScalingReplicaSet",
            format!("Scaled up replica set {name} from 0 to {count}"),
            CONTROLLER_NAME,
            None,
        );
        let rs_ref = ObjectRef::new(Kind::ReplicaSet, &deployment_ref.namespace, &name);
        ctx.events.note_change(rs_ref, index);
    }
    let mut needs_update = set_deployment_revision(d, &new_revision.to_string());
    if !already_exists && has_progress_deadline(d) {
        let msg = format!("Created new replica set {name:?}");
        let c = new_condition(ctx, "Progressing", "True", NEW_REPLICA_SET_REASON, msg);
        set_condition(&mut d.status, c);
        needs_update = true;
    }
    if needs_update {
        update_deployment(ctx, d);
    }
    rss.push(created);
    Some(rss.len() - 1)
}

// ---------------------------------------------------------------------------------------
// Scaling (`sync.go`).

/// `scaleReplicaSet`: sets `spec.replicas` and the replica annotations; records
/// `Scaled up|down replica set <rs> from <old> to <new>` when the size changed.
fn scale_replica_set(
    ctx: &mut Ctx<'_>,
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_scale: i32,
    operation: &str,
) -> bool {
    let size_needs_update = rs_replicas(rs) != new_scale;
    let desired = replicas(d);
    let max = desired + max_surge(d);
    let annotations_need_update = rs.metadata.annotations.get(DESIRED_REPLICAS_ANNOTATION)
        != Some(&desired.to_string())
        || rs.metadata.annotations.get(MAX_REPLICAS_ANNOTATION) != Some(&max.to_string());
    if !size_needs_update && !annotations_need_update {
        return false;
    }
    let old = rs_replicas(rs);
    rs.spec.replicas = Some(new_scale);
    set_replicas_annotations(rs, desired, max);
    update_rs(ctx, rs);
    if size_needs_update {
        let deployment_ref =
            ObjectRef::new(Kind::Deployment, &d.metadata.namespace, &d.metadata.name);
        let index = ctx.event(
            EventType::Normal,
            &deployment_ref,
            "ScalingReplicaSet",
            format!(
                "Scaled {operation} replica set {} from {old} to {new_scale}",
                rs.metadata.name
            ),
            CONTROLLER_NAME,
            None,
        );
        let rs_ref = ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
        ctx.events.note_change(rs_ref, index);
    }
    size_needs_update
}

/// `scaleReplicaSetAndRecordEvent`.
fn scale_and_record(
    ctx: &mut Ctx<'_>,
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_scale: i32,
) -> bool {
    if rs_replicas(rs) == new_scale {
        return false;
    }
    let op = if rs_replicas(rs) < new_scale {
        "up"
    } else {
        "down"
    };
    scale_replica_set(ctx, d, rs, new_scale, op)
}

/// `isScalingEvent`: an active ReplicaSet was last scaled for a different `replicas`.
fn is_scaling_event(ctx: &mut Ctx<'_>, d: &mut Deployment, rss: &mut Vec<ReplicaSet>) -> bool {
    let _ = all_replica_sets_and_sync_revision(ctx, d, rss, false);
    rss.iter().filter(|rs| rs_replicas(rs) > 0).any(|rs| {
        rs.metadata
            .annotations
            .get(DESIRED_REPLICAS_ANNOTATION)
            .and_then(|v| v.parse::<i32>().ok())
            .is_some_and(|desired| desired != replicas(d))
    })
}

/// `sync`: for scaling events and paused Deployments: scale, clean up when paused, status.
fn sync(ctx: &mut Ctx<'_>, d: &mut Deployment, rss: &mut Vec<ReplicaSet>) {
    let (new, old) = all_replica_sets_and_sync_revision(ctx, d, rss, false);
    scale(ctx, d, rss, new, &old);
    if d.spec.paused == Some(true) {
        cleanup_deployment(ctx, d, rss, &old);
    }
    sync_deployment_status(ctx, d, rss, new);
}

/// `scale`: the only active (or the newest) ReplicaSet takes all replicas; a saturated new
/// one leaves the old ones at zero; otherwise a rolling Deployment spreads the difference to
/// `replicas + maxSurge` over the active ReplicaSets in proportion to their size
/// (`GetProportion`), leftovers to the largest.
fn scale(
    ctx: &mut Ctx<'_>,
    d: &Deployment,
    rss: &mut [ReplicaSet],
    new: Option<usize>,
    old: &[usize],
) {
    // FindActiveOrLatest.
    let active: Vec<usize> = new
        .iter()
        .chain(old)
        .copied()
        .filter(|i| rs_replicas(&rss[*i]) > 0)
        .collect();
    let active_or_latest = match active.len() {
        0 => new.or_else(|| {
            old.iter().copied().max_by_key(|i| {
                (
                    util::timestamp_ms(rss[*i].metadata.creation_timestamp.as_deref()),
                    rss[*i].metadata.name.clone(),
                )
            })
        }),
        1 => Some(active[0]),
        _ => None,
    };
    if let Some(i) = active_or_latest {
        if rs_replicas(&rss[i]) != replicas(d) {
            scale_and_record(ctx, d, &mut rss[i], replicas(d));
        }
        return;
    }
    if let Some(n) = new
        && is_saturated(d, &rss[n])
    {
        for &i in old {
            if rs_replicas(&rss[i]) > 0 {
                scale_and_record(ctx, d, &mut rss[i], 0);
            }
        }
        return;
    }
    if strategy(d).recreate {
        return;
    }
    let all_replicas: i32 = active.iter().map(|i| rs_replicas(&rss[*i])).sum();
    let allowed = if replicas(d) > 0 {
        replicas(d) + max_surge(d)
    } else {
        0
    };
    let to_add = allowed - all_replicas;
    let mut order = active.clone();
    let key = |rs: &ReplicaSet| {
        (
            util::timestamp_ms(rs.metadata.creation_timestamp.as_deref()),
            rs.metadata.name.clone(),
        )
    };
    let operation = if to_add > 0 {
        // ReplicaSetsBySizeNewer: larger first, then newer first.
        order.sort_by(|a, b| {
            rs_replicas(&rss[*b])
                .cmp(&rs_replicas(&rss[*a]))
                .then_with(|| key(&rss[*b]).cmp(&key(&rss[*a])))
        });
        "up"
    } else if to_add < 0 {
        // ReplicaSetsBySizeOlder: larger first, then older first.
        order.sort_by(|a, b| {
            rs_replicas(&rss[*b])
                .cmp(&rs_replicas(&rss[*a]))
                .then_with(|| key(&rss[*a]).cmp(&key(&rss[*b])))
        });
        "down"
    } else {
        ""
    };
    let mut added = 0;
    let mut sizes: BTreeMap<usize, i32> = BTreeMap::new();
    for &i in &order {
        let current = rs_replicas(&rss[i]);
        if to_add != 0 {
            let p = proportion(&rss[i], d, to_add, added);
            sizes.insert(i, current + p);
            added += p;
        } else {
            sizes.insert(i, current);
        }
    }
    for (pos, &i) in order.iter().enumerate() {
        let mut size = sizes.get(&i).copied().unwrap_or(0);
        if pos == 0 && to_add != 0 {
            size = (size + to_add - added).max(0);
        }
        scale_replica_set(ctx, d, &mut rss[i], size, operation);
    }
}

/// `GetProportion`: this ReplicaSet's share of `to_add`, bounded by what is left.
fn proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// `getReplicaSetFraction`: the change that keeps this ReplicaSet's share of
/// `replicas + maxSurge` (against the max-replicas it was last scaled for).
fn replica_set_fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    if replicas(d) == 0 {
        return -rs_replicas(rs);
    }
    let max = replicas(d) + max_surge(d);
    let before = rs
        .metadata
        .annotations
        .get(MAX_REPLICAS_ANNOTATION)
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|v| *v != 0)
        .unwrap_or_else(|| d.status.replicas.unwrap_or(0).max(1));
    let size = f64::from(rs_replicas(rs) * max) / f64::from(before);
    // integer.RoundToInt32: half away from zero.
    let rounded = if size < 0.0 { size - 0.5 } else { size + 0.5 } as i32;
    rounded - rs_replicas(rs)
}

/// `IsSaturated`: the new ReplicaSet has all replicas, was scaled for them and has them all
/// available.
fn is_saturated(d: &Deployment, rs: &ReplicaSet) -> bool {
    let desired = rs
        .metadata
        .annotations
        .get(DESIRED_REPLICAS_ANNOTATION)
        .and_then(|v| v.parse::<i32>().ok());
    rs_replicas(rs) == replicas(d)
        && desired == Some(replicas(d))
        && rs.status.available_replicas.unwrap_or(0) == replicas(d)
}

/// `cleanupDeployment`: deletes the oldest unused ReplicaSets beyond
/// `revisionHistoryLimit` (only those scaled to zero with no pods and their spec observed).
fn cleanup_deployment(ctx: &mut Ctx<'_>, d: &Deployment, rss: &[ReplicaSet], old: &[usize]) {
    let Some(limit) = d.spec.revision_history_limit.filter(|l| *l != i32::MAX) else {
        return;
    };
    let mut cleanable: Vec<&ReplicaSet> = old
        .iter()
        .map(|i| &rss[*i])
        .filter(|rs| rs.metadata.deletion_timestamp.is_none())
        .collect();
    let diff = cleanable.len() as i64 - i64::from(limit);
    if diff <= 0 {
        return;
    }
    // ReplicaSetsByRevision: lowest revision first, then oldest.
    cleanable.sort_by_key(|rs| {
        (
            revision(&rs.metadata).unwrap_or(0),
            util::timestamp_ms(rs.metadata.creation_timestamp.as_deref()),
            rs.metadata.name.clone(),
        )
    });
    for rs in cleanable.into_iter().take(diff as usize) {
        if rs.status.replicas != 0
            || rs_replicas(rs) != 0
            || rs.metadata.generation > rs.status.observed_generation
        {
            continue;
        }
        let key = ObjectRef::new(Kind::ReplicaSet, &rs.metadata.namespace, &rs.metadata.name);
        ctx.api.remove(&key);
    }
}

// ---------------------------------------------------------------------------------------
// Rollouts (`rolling.go`, `recreate.go`).

/// `rolloutRolling`: create the new ReplicaSet if needed, scale it up if possible, else scale
/// old ones down if possible, clean up when complete, then the rollout status.
fn rollout_rolling(ctx: &mut Ctx<'_>, d: &mut Deployment, rss: &mut Vec<ReplicaSet>) {
    let (new, old) = all_replica_sets_and_sync_revision(ctx, d, rss, true);
    // No new ReplicaSet: its creation failed (the error is in the status) or its name
    // collided (collisionCount went up); the Deployment's update brings the next sync.
    let Some(n) = new else {
        return;
    };
    if reconcile_new_replica_set(ctx, d, rss, n) {
        sync_rollout_status(ctx, d, rss, new);
        return;
    }
    match reconcile_old_replica_sets(ctx, d, rss, n, &old) {
        Some(true) => {
            sync_rollout_status(ctx, d, rss, new);
            return;
        }
        Some(false) => {}
        // Upstream returns an error and requeues; the ReplicaSet's status update that is
        // still to come brings the next sync here.
        None => return,
    }
    if deployment_complete(d, &d.status) {
        cleanup_deployment(ctx, d, rss, &old);
    }
    sync_rollout_status(ctx, d, rss, new);
}

/// `reconcileNewReplicaSet`: scale the new ReplicaSet toward `replicas`, within maxSurge.
fn reconcile_new_replica_set(
    ctx: &mut Ctx<'_>,
    d: &Deployment,
    rss: &mut [ReplicaSet],
    n: usize,
) -> bool {
    let want = replicas(d);
    let current = rs_replicas(&rss[n]);
    if current == want {
        return false;
    }
    if current > want {
        return scale_and_record(ctx, d, &mut rss[n], want);
    }
    let all: i32 = rss.iter().map(rs_replicas).sum();
    let count = new_rs_new_replicas(d, all, current);
    scale_and_record(ctx, d, &mut rss[n], count)
}

/// `reconcileOldReplicaSets`: scale old ReplicaSets down as far as maxUnavailable allows,
/// unhealthy replicas first (`cleanupUnhealthyReplicas`), then
/// `scaleDownOldReplicaSetsForRollingUpdate`, oldest ReplicaSets first. Whether anything was
/// scaled down; `None` where upstream fails the sync: a ReplicaSet reports more available
/// pods than it now wants (it was just scaled down and its controller has not caught up).
fn reconcile_old_replica_sets(
    ctx: &mut Ctx<'_>,
    d: &Deployment,
    rss: &mut [ReplicaSet],
    n: usize,
    old: &[usize],
) -> Option<bool> {
    let mut old_active: Vec<usize> = old
        .iter()
        .copied()
        .filter(|i| rs_replicas(&rss[*i]) > 0)
        .collect();
    let old_pods: i32 = old_active.iter().map(|i| rs_replicas(&rss[*i])).sum();
    if old_pods == 0 {
        return Some(false);
    }
    let all_pods: i32 = rss.iter().map(rs_replicas).sum();
    let min_available = replicas(d) - max_unavailable(d);
    let new_unavailable = rs_replicas(&rss[n]) - rss[n].status.available_replicas.unwrap_or(0);
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Some(false);
    }
    old_active.sort_by_key(|i| {
        (
            util::timestamp_ms(rss[*i].metadata.creation_timestamp.as_deref()),
            rss[*i].metadata.name.clone(),
        )
    });
    // cleanupUnhealthyReplicas.
    let mut cleaned = 0;
    for &i in &old_active {
        if cleaned >= max_scaled_down {
            break;
        }
        let spec = rs_replicas(&rss[i]);
        let available = rss[i].status.available_replicas.unwrap_or(0);
        if spec == 0 || spec == available {
            continue;
        }
        let down = (max_scaled_down - cleaned).min(spec - available);
        if down < 0 {
            return None;
        }
        scale_and_record(ctx, d, &mut rss[i], spec - down);
        cleaned += down;
    }
    // scaleDownOldReplicaSetsForRollingUpdate.
    let available: i32 = rss
        .iter()
        .map(|rs| rs.status.available_replicas.unwrap_or(0))
        .sum();
    let mut scaled_down = 0;
    if available > min_available {
        let total = available - min_available;
        for &i in &old_active {
            if scaled_down >= total {
                break;
            }
            let spec = rs_replicas(&rss[i]);
            if spec == 0 {
                continue;
            }
            let down = spec.min(total - scaled_down);
            scale_and_record(ctx, d, &mut rss[i], spec - down);
            scaled_down += down;
        }
    }
    Some(cleaned + scaled_down > 0)
}

/// `rolloutRecreate`: old ReplicaSets to zero; once none of their pods runs, create or scale
/// up the new one.
fn rollout_recreate(ctx: &mut Ctx<'_>, d: &mut Deployment, rss: &mut Vec<ReplicaSet>) {
    let (mut new, mut old) = all_replica_sets_and_sync_revision(ctx, d, rss, false);
    let mut scaled_down = false;
    for &i in &old {
        if rs_replicas(&rss[i]) > 0 && scale_and_record(ctx, d, &mut rss[i], 0) {
            scaled_down = true;
        }
    }
    if scaled_down || old_pods_running(ctx, rss, new, &old) {
        sync_rollout_status(ctx, d, rss, new);
        return;
    }
    if new.is_none() {
        (new, old) = all_replica_sets_and_sync_revision(ctx, d, rss, true);
    }
    if let Some(n) = new {
        let want = replicas(d);
        scale_and_record(ctx, d, &mut rss[n], want);
    }
    if deployment_complete(d, &d.status) {
        cleanup_deployment(ctx, d, rss, &old);
    }
    sync_rollout_status(ctx, d, rss, new);
}

/// `oldPodsRunning`: old ReplicaSets still report pods, or a pod they control has not
/// finished (terminating pods count).
fn old_pods_running(ctx: &Ctx<'_>, rss: &[ReplicaSet], new: Option<usize>, old: &[usize]) -> bool {
    if old.iter().map(|i| rss[*i].status.replicas).sum::<i32>() > 0 {
        return true;
    }
    let new_uid = new.map(|n| rss[n].metadata.uid.clone());
    let old_uids: Vec<&str> = rss
        .iter()
        .map(|rs| rs.metadata.uid.as_str())
        .filter(|u| Some(*u) != new_uid.as_deref())
        .collect();
    ctx.api.list(Kind::Pod).any(|o| match o {
        Object::Pod(p) => {
            util::controller_of(&p.metadata).is_some_and(|r| old_uids.contains(&r.uid.as_str()))
                && !matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed"))
        }
        _ => false,
    })
}

// ---------------------------------------------------------------------------------------
// Status (`sync.go` calculateStatus, `progress.go`).

fn condition<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    status.conditions.iter().find(|c| c.type_ == type_)
}

/// `NewDeploymentCondition`: both times now.
fn new_condition(
    ctx: &Ctx<'_>,
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
) -> DeploymentCondition {
    let now = ctx.now.rfc3339();
    DeploymentCondition {
        type_: type_.to_owned(),
        status: status.to_owned(),
        last_update_time: Some(now.clone()),
        last_transition_time: Some(now),
        reason: Some(reason.to_owned()),
        message: Some(message),
    }
}

/// `SetDeploymentCondition`: no change for the same status and reason; the transition time
/// is kept while the status stays; the condition moves to the end of the list.
fn set_condition(status: &mut DeploymentStatus, mut c: DeploymentCondition) {
    if let Some(current) = condition(status, &c.type_) {
        if current.status == c.status && current.reason == c.reason {
            return;
        }
        if current.status == c.status {
            c.last_transition_time = current.last_transition_time.clone();
        }
    }
    status.conditions.retain(|x| x.type_ != c.type_);
    status.conditions.push(c);
}

fn has_progress_deadline(d: &Deployment) -> bool {
    d.spec
        .progress_deadline_seconds
        .is_some_and(|s| s != i32::MAX)
}

/// `DeploymentComplete`: all replicas updated and available, the spec observed.
fn deployment_complete(d: &Deployment, s: &DeploymentStatus) -> bool {
    let want = Some(replicas(d));
    let want = |v: Option<i32>| v.or(Some(0)) == want;
    want(s.updated_replicas)
        && want(s.replicas)
        && want(s.available_replicas)
        && s.observed_generation >= d.metadata.generation
}

/// `DeploymentProgressing`: more updated, fewer old, more ready or more available pods than
/// the stored status says.
fn deployment_progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = &d.status;
    let v = |x: Option<i32>| x.unwrap_or(0);
    let old_old = v(old.replicas) - v(old.updated_replicas);
    let new_old = v(new.replicas) - v(new.updated_replicas);
    v(new.updated_replicas) > v(old.updated_replicas)
        || new_old < old_old
        || v(new.ready_replicas) > v(old.ready_replicas)
        || v(new.available_replicas) > v(old.available_replicas)
}

/// `DeploymentTimedOut`: no progress reported for `progressDeadlineSeconds`.
fn deployment_timed_out(ctx: &Ctx<'_>, d: &Deployment, s: &DeploymentStatus) -> bool {
    let Some(deadline) = d
        .spec
        .progress_deadline_seconds
        .filter(|_| has_progress_deadline(d))
    else {
        return false;
    };
    let Some(c) = condition(s, "Progressing") else {
        return false;
    };
    match c.reason.as_deref() {
        Some(NEW_RS_AVAILABLE_REASON) => false,
        Some(TIMED_OUT_REASON) => true,
        _ => util::timestamp_ms(c.last_update_time.as_deref())
            .is_some_and(|from| from + deadline.max(0) as u64 * 1000 < ctx.now.as_millis()),
    }
}

/// `calculateStatus`: counts over the ReplicaSets and the `Available` condition.
fn calculate_status(
    ctx: &Ctx<'_>,
    d: &Deployment,
    rss: &[ReplicaSet],
    new: Option<usize>,
) -> DeploymentStatus {
    let available: i32 = rss
        .iter()
        .map(|rs| rs.status.available_replicas.unwrap_or(0))
        .sum();
    let total: i32 = rss.iter().map(rs_replicas).sum();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: util::non_zero(rss.iter().map(|rs| rs.status.replicas).sum()),
        updated_replicas: util::non_zero(new.map_or(0, |n| rss[n].status.replicas)),
        ready_replicas: util::non_zero(
            rss.iter()
                .map(|rs| rs.status.ready_replicas.unwrap_or(0))
                .sum(),
        ),
        available_replicas: util::non_zero(available),
        unavailable_replicas: util::non_zero((total - available).max(0)),
        conditions: d.status.conditions.clone(),
        collision_count: d.status.collision_count,
    };
    let c = if available >= replicas(d) - max_unavailable(d) {
        new_condition(
            ctx,
            "Available",
            "True",
            MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.".to_owned(),
        )
    } else {
        new_condition(
            ctx,
            "Available",
            "False",
            MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.".to_owned(),
        )
    };
    set_condition(&mut status, c);
    status
}

/// `syncDeploymentStatus`: writes the calculated status if it changed.
fn sync_deployment_status(
    ctx: &mut Ctx<'_>,
    d: &mut Deployment,
    rss: &[ReplicaSet],
    new: Option<usize>,
) {
    let status = calculate_status(ctx, d, rss, new);
    if status != d.status {
        d.status = status;
        update_deployment(ctx, d);
    }
}

/// `syncRolloutStatus`: the status plus the `Progressing` condition (complete, progressing
/// or timed out) and any `ReplicaFailure` of the ReplicaSets; when nothing changed and the
/// rollout is not done, a re-check at the progress deadline (`requeueStuckDeployment`).
fn sync_rollout_status(
    ctx: &mut Ctx<'_>,
    d: &mut Deployment,
    rss: &[ReplicaSet],
    new: Option<usize>,
) {
    let mut status = calculate_status(ctx, d, rss, new);
    if !has_progress_deadline(d) {
        status.conditions.retain(|c| c.type_ != "Progressing");
    }
    let current = condition(&d.status, "Progressing").cloned();
    let complete_before = status.replicas == status.updated_replicas
        && current
            .as_ref()
            .is_some_and(|c| c.reason.as_deref() == Some(NEW_RS_AVAILABLE_REASON));
    let new_name = new.map(|n| rss[n].metadata.name.clone());
    let about = |what: &str| match &new_name {
        Some(n) => format!("ReplicaSet {n:?} {what}"),
        None => format!("Deployment {:?} {what}", d.metadata.name),
    };
    if has_progress_deadline(d) && !complete_before {
        if deployment_complete(d, &status) {
            let msg = about("has successfully progressed.");
            let c = new_condition(ctx, "Progressing", "True", NEW_RS_AVAILABLE_REASON, msg);
            set_condition(&mut status, c);
        } else if deployment_progressing(d, &status) {
            let msg = about("is progressing.");
            let mut c = new_condition(ctx, "Progressing", "True", REPLICA_SET_UPDATED_REASON, msg);
            if let Some(cur) = &current {
                if cur.status == "True" {
                    c.last_transition_time = cur.last_transition_time.clone();
                }
                status.conditions.retain(|x| x.type_ != "Progressing");
            }
            set_condition(&mut status, c);
        } else if deployment_timed_out(ctx, d, &status) {
            let msg = about("has timed out progressing.");
            let c = new_condition(ctx, "Progressing", "False", TIMED_OUT_REASON, msg);
            set_condition(&mut status, c);
        }
    }
    // getReplicaFailures: the new ReplicaSet's, else any old one's.
    let failure_of = |rs: &ReplicaSet| {
        rs.status
            .conditions
            .iter()
            .find(|c| c.type_ == "ReplicaFailure")
            .cloned()
    };
    let failure = new
        .and_then(|n| failure_of(&rss[n]))
        .or_else(|| rss.iter().find_map(failure_of));
    match failure {
        Some(f) => set_condition(
            &mut status,
            DeploymentCondition {
                type_: f.type_,
                status: f.status,
                last_update_time: f.last_transition_time.clone(),
                last_transition_time: f.last_transition_time,
                reason: f.reason,
                message: f.message,
            },
        ),
        None => status.conditions.retain(|c| c.type_ != "ReplicaFailure"),
    }
    if status == d.status {
        requeue_stuck_deployment(ctx, d, &status);
        return;
    }
    d.status = status;
    update_deployment(ctx, d);
}

/// `requeueStuckDeployment`: a rollout without progress is looked at again one second after
/// its deadline (`lastUpdateTime + progressDeadlineSeconds`), to time it out.
fn requeue_stuck_deployment(ctx: &mut Ctx<'_>, d: &Deployment, status: &DeploymentStatus) {
    let Some(deadline) = d
        .spec
        .progress_deadline_seconds
        .filter(|_| has_progress_deadline(d))
    else {
        return;
    };
    let Some(c) = condition(&d.status, "Progressing") else {
        return;
    };
    if deployment_complete(d, status) || c.reason.as_deref() == Some(TIMED_OUT_REASON) {
        return;
    }
    if let Some(from) = util::timestamp_ms(c.last_update_time.as_deref()) {
        let at = from + deadline.max(0) as u64 * 1000 + 1000;
        ctx.queue.push(
            SimTime::from_millis(at.max(ctx.now.as_millis())),
            Task::Controllers,
        );
    }
}

/// `checkPausedConditions`: `Progressing` becomes `Unknown` with `DeploymentPaused` while
/// paused and `DeploymentResumed` after.
fn check_paused_conditions(ctx: &mut Ctx<'_>, d: &mut Deployment) {
    if !has_progress_deadline(d) {
        return;
    }
    let reason = condition(&d.status, "Progressing").and_then(|c| c.reason.clone());
    if reason.as_deref() == Some(TIMED_OUT_REASON) {
        return;
    }
    let paused_cond = reason.as_deref() == Some(PAUSED_DEPLOY_REASON);
    let paused = d.spec.paused == Some(true);
    let c = if paused && !paused_cond {
        new_condition(
            ctx,
            "Progressing",
            "Unknown",
            PAUSED_DEPLOY_REASON,
            "Deployment is paused".to_owned(),
        )
    } else if !paused && paused_cond {
        new_condition(
            ctx,
            "Progressing",
            "Unknown",
            RESUMED_DEPLOY_REASON,
            "Deployment is resumed".to_owned(),
        )
    } else {
        return;
    };
    set_condition(&mut d.status, c);
    update_deployment(ctx, d);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(replicas: i32, strategy: serde_json::Value) -> Deployment {
        let mut d = Deployment::default();
        d.spec.replicas = Some(replicas);
        d.spec.strategy = Some(strategy);
        d
    }

    #[test]
    fn percentages_round_up_for_surge_and_down_for_unavailable() {
        let pct = |s: &str| IntOrString::String(s.to_owned());
        assert_eq!(scaled_value(&pct("25%"), 3, true), 1);
        assert_eq!(scaled_value(&pct("25%"), 3, false), 0);
        assert_eq!(scaled_value(&pct("25%"), 10, true), 3);
        assert_eq!(scaled_value(&pct("25%"), 10, false), 2);
        assert_eq!(scaled_value(&IntOrString::Int(2), 10, false), 2);
        assert_eq!(scaled_value(&pct("2"), 10, false), 0, "not a percentage");
        // Both resolve to zero: maxUnavailable becomes 1.
        assert_eq!(resolve_fenceposts(&pct("0%"), &pct("25%"), 1), (0, 1));
    }

    #[test]
    fn defaults_are_25_percent_each_way() {
        let d = deployment(
            3,
            serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
        );
        assert_eq!((max_surge(&d), max_unavailable(&d)), (1, 0));
        let partial = deployment(4, serde_json::json!({"type": "RollingUpdate"}));
        assert_eq!((max_surge(&partial), max_unavailable(&partial)), (1, 1));
        let recreate = deployment(4, serde_json::json!({"type": "Recreate"}));
        assert_eq!((max_surge(&recreate), max_unavailable(&recreate)), (0, 0));
        assert_eq!(new_rs_new_replicas(&recreate, 4, 0), 4);
    }

    #[test]
    fn the_new_replica_set_grows_within_max_surge() {
        let d = deployment(
            3,
            serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}),
        );
        // First step of a rollout: 3 old pods, room for one more.
        assert_eq!(new_rs_new_replicas(&d, 3, 0), 1);
        // Surge used up.
        assert_eq!(new_rs_new_replicas(&d, 4, 1), 1);
        // Never past replicas.
        assert_eq!(new_rs_new_replicas(&d, 2, 2), 3);
        // A fresh Deployment starts at full size.
        assert_eq!(new_rs_new_replicas(&d, 0, 0), 3);
    }

    #[test]
    fn conditions_keep_transition_time_while_status_stays() {
        let mut s = DeploymentStatus::default();
        let c = |status: &str, reason: &str, t: &str| DeploymentCondition {
            type_: "Progressing".to_owned(),
            status: status.to_owned(),
            last_update_time: Some(t.to_owned()),
            last_transition_time: Some(t.to_owned()),
            reason: Some(reason.to_owned()),
            message: None,
        };
        set_condition(&mut s, c("True", NEW_REPLICA_SET_REASON, "t1"));
        set_condition(&mut s, c("True", NEW_REPLICA_SET_REASON, "t2"));
        assert_eq!(s.conditions[0].last_update_time.as_deref(), Some("t1"));
        set_condition(&mut s, c("True", NEW_RS_AVAILABLE_REASON, "t3"));
        assert_eq!(s.conditions[0].last_transition_time.as_deref(), Some("t1"));
        assert_eq!(s.conditions[0].last_update_time.as_deref(), Some("t3"));
        set_condition(&mut s, c("False", TIMED_OUT_REASON, "t4"));
        assert_eq!(s.conditions[0].last_transition_time.as_deref(), Some("t4"));
    }
}

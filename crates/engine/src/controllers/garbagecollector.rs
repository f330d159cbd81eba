//! The garbage collector (`pkg/controller/garbagecollector`), for the owners the workload
//! controllers create: a ReplicaSet whose Deployment is gone, and a pod whose ReplicaSet is
//! gone, are deleted — background propagation, what `kubectl delete` asks for by default.
//! Owners are matched by uid, so a new object with the old name does not adopt the old
//! one's dependents. An object with several owners loses only the references to absent ones;
//! it is deleted when none is left. References to kinds the simulation does not run
//! controllers for are left alone.

use crate::api::meta::OwnerReference;
use crate::api::{Kind, Object, ObjectRef};
use crate::ctx::Ctx;

use super::util;

/// Deletes dependents whose owners are gone: ReplicaSets first, then pods, so a deleted
/// Deployment takes its pods in the same pass.
pub fn sync(ctx: &mut Ctx<'_>) {
    for kind in [Kind::ReplicaSet, Kind::Pod] {
        let dependents: Vec<(ObjectRef, Vec<OwnerReference>)> = ctx
            .api
            .list(kind)
            .filter(|o| !o.meta().owner_references.is_empty())
            .map(|o| (o.reference(), o.meta().owner_references.clone()))
            .collect();
        for (key, owners) in dependents {
            let absent: Vec<&OwnerReference> = owners
                .iter()
                .filter(|r| owner_absent(ctx, &key.namespace, r))
                .collect();
            if absent.is_empty() {
                continue;
            }
            if absent.len() == owners.len() {
                match kind {
                    Kind::Pod => {
                        util::delete_pod(ctx, &key);
                    }
                    _ => {
                        ctx.api.remove(&key);
                    }
                }
                continue;
            }
            let gone: Vec<String> = absent.iter().map(|r| r.uid.clone()).collect();
            if let Some(mut object) = ctx.api.get(&key).cloned() {
                object
                    .meta_mut()
                    .owner_references
                    .retain(|r| !gone.contains(&r.uid));
                match object {
                    Object::Pod(p) => ctx.api.modify_pod(&key, |stored| {
                        stored.metadata.owner_references = p.metadata.owner_references
                    }),
                    other => ctx.api.update(other),
                }
            }
        }
    }
}

/// Whether the owner a reference names is known to be gone: an `apps/v1` Deployment or
/// ReplicaSet with that name and uid does not exist in the namespace.
fn owner_absent(ctx: &Ctx<'_>, namespace: &str, r: &OwnerReference) -> bool {
    let kind = match (r.api_version.as_str(), r.kind.as_str()) {
        ("apps/v1", "Deployment") => Kind::Deployment,
        ("apps/v1", "ReplicaSet") => Kind::ReplicaSet,
        _ => return false,
    };
    ctx.api
        .get(&ObjectRef::new(kind, namespace, &r.name))
        .is_none_or(|o| o.meta().uid != r.uid)
}

//! kube-controller-manager's controllers, run after every change of the objects they watch:
//! each one reads the API server's store and writes through it, as the real ones do through
//! their informers and clients.

pub mod deployment;
pub mod garbagecollector;
pub mod replicaset;
pub mod util;

use crate::api::Kind;
use crate::ctx::Ctx;

/// Whether a change to an object of `kind` wakes the controllers.
pub fn watches(kind: Kind) -> bool {
    matches!(kind, Kind::Deployment | Kind::ReplicaSet | Kind::Pod)
}

/// Runs each controller once over the whole store: the garbage collector, then the
/// Deployment and ReplicaSet controllers. Their writes are new watch events, which run
/// them again until nothing changes.
pub fn sync(ctx: &mut Ctx<'_>) {
    garbagecollector::sync(ctx);
    deployment::sync_all(ctx);
    replicaset::sync_all(ctx);
}

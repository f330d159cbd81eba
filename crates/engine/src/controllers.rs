//! The control-plane controllers the simulation runs — kube-controller-manager's and the
//! cloud controller's — each reconciling from the API server's store and writing through it,
//! as the real ones do through their informers and clients.

pub mod deployment;
pub mod endpointslice;
pub mod garbagecollector;
pub mod replicaset;
pub mod service_lb;
pub mod util;

use crate::api::Kind;
use crate::ctx::Ctx;

/// Whether a change to an object of `kind` wakes the controllers.
pub fn watches(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Deployment
            | Kind::ReplicaSet
            | Kind::Pod
            | Kind::Service
            | Kind::EndpointSlice
            | Kind::Node
    )
}

/// Runs each controller once over the whole store: the service (load-balancer) controller,
/// the EndpointSlice controller, the garbage collector, then the Deployment and ReplicaSet
/// controllers. Their writes are new watch events, which run them again until nothing
/// changes.
pub fn sync(ctx: &mut Ctx<'_>) {
    service_lb::sync(ctx);
    endpointslice::sync(ctx);
    garbagecollector::sync(ctx);
    deployment::sync_all(ctx);
    replicaset::sync_all(ctx);
}

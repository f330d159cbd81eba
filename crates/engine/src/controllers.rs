//! The control-plane controllers the simulation runs (kube-controller-manager's and the
//! cloud controller's), each reconciling from the API server's state.

pub mod endpointslice;
pub mod service_lb;

use crate::ctx::Ctx;

/// Runs every controller once over the current state. Called by the world after it delivers
/// watch events; each controller writes only what changed, so repeated calls settle.
pub fn sync(ctx: &mut Ctx<'_>) {
    service_lb::sync(ctx);
    endpointslice::sync(ctx);
}

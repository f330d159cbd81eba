//! kube-proxy's ipvs mode (placeholder until implemented).

use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

/// What ipvs mode programs on one node.
pub struct Ipvs {
    _state: ProxyState,
}

impl Ipvs {
    /// Programs the node from kube-proxy's view.
    pub fn new(state: &ProxyState) -> Ipvs {
        Ipvs {
            _state: state.clone(),
        }
    }
}

impl Dataplane for Ipvs {
    fn render(&self) -> String {
        String::new()
    }

    fn rule_count(&self) -> usize {
        0
    }

    fn hook(&self, _hook: Hook, _packet: &mut Packet, _ctx: &mut HookCtx<'_>) -> Verdict {
        Verdict::Accept
    }
}

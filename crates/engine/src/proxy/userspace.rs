//! kube-proxy's userspace mode (placeholder until implemented).

use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

/// What userspace mode programs on one node.
pub struct Userspace {
    _state: ProxyState,
}

impl Userspace {
    /// Programs the node from kube-proxy's view.
    pub fn new(state: &ProxyState) -> Userspace {
        Userspace {
            _state: state.clone(),
        }
    }
}

impl Dataplane for Userspace {
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

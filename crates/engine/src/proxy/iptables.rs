//! kube-proxy's iptables mode (placeholder until implemented).

use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

/// What iptables mode programs on one node.
pub struct Iptables {
    _state: ProxyState,
}

impl Iptables {
    /// Programs the node from kube-proxy's view.
    pub fn new(state: &ProxyState) -> Iptables {
        Iptables {
            _state: state.clone(),
        }
    }
}

impl Dataplane for Iptables {
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

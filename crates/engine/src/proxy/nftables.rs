//! kube-proxy's nftables mode (placeholder until implemented).

use super::{Dataplane, Hook, HookCtx, ProxyState, Verdict};
use crate::net::packet::Packet;

/// What nftables mode programs on one node.
pub struct Nftables {
    _state: ProxyState,
}

impl Nftables {
    /// Programs the node from kube-proxy's view.
    pub fn new(state: &ProxyState) -> Nftables {
        Nftables {
            _state: state.clone(),
        }
    }
}

impl Dataplane for Nftables {
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

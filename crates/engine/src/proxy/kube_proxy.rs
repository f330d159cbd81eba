//! One node's kube-proxy process: it watches Services and EndpointSlices, and on a change
//! re-programs its data plane no more often than `minSyncPeriod` (1 s, the
//! BoundedFrequencyRunner in `pkg/proxy/iptables/proxier.go`). It keeps each sync's input so
//! the lab can show what changed between two syncs.

use std::fmt;
use std::rc::Rc;

use super::{Dataplane, ProxyConfig, ProxyRuntime, ProxyState, dataplane};
use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;
use crate::net::conntrack::Conntrack;
use crate::time::SimTime;

/// `iptables.minSyncPeriod` / `nftables.minSyncPeriod` default (1 s).
pub const MIN_SYNC_PERIOD_MS: u64 = 1_000;

/// One sync of the rules.
#[derive(Clone, Debug)]
pub struct SyncRecord {
    /// When the rules were written.
    pub time: SimTime,
    /// What kube-proxy knew then.
    pub state: Rc<ProxyState>,
}

/// A node's kube-proxy: configuration, the programmed data plane, the state the data plane
/// keeps between packets, and the node's conntrack table.
#[derive(Clone)]
pub struct KubeProxy {
    /// Flags.
    pub config: ProxyConfig,
    state: Rc<ProxyState>,
    dataplane: Rc<dyn Dataplane>,
    /// `recent` lists, affinity sets, IPVS counters.
    pub runtime: ProxyRuntime,
    /// The node's connection tracking table.
    pub conntrack: Conntrack,
    syncs: Vec<SyncRecord>,
    /// A sync is queued.
    pub sync_queued: bool,
}

impl fmt::Debug for KubeProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubeProxy")
            .field("config", &self.config)
            .field("syncs", &self.syncs.len())
            .finish_non_exhaustive()
    }
}

impl KubeProxy {
    /// A kube-proxy that has not synced yet (nothing programmed).
    pub fn new(config: ProxyConfig) -> KubeProxy {
        let state = ProxyState {
            config: config.clone(),
            ..ProxyState::default()
        };
        KubeProxy {
            dataplane: Rc::from(dataplane(&state)),
            state: Rc::new(state),
            config,
            runtime: ProxyRuntime::default(),
            conntrack: Conntrack::default(),
            syncs: Vec::new(),
            sync_queued: false,
        }
    }

    /// When the next sync may run if a change arrives at `now`.
    pub fn next_sync_at(&self, now: SimTime) -> SimTime {
        match self.syncs.last() {
            Some(last) => now.max(last.time.plus_millis(MIN_SYNC_PERIOD_MS)),
            None => now,
        }
    }

    /// `syncProxyRules`: rebuilds kube-proxy's view from the API server and re-programs the
    /// data plane if anything changed. Returns whether it did.
    pub fn sync(&mut self, now: SimTime, api: &ApiServer) -> bool {
        self.sync_queued = false;
        let services = api.list(Kind::Service).filter_map(|o| match o {
            Object::Service(s) => Some(s),
            _ => None,
        });
        let slices = api.list(Kind::EndpointSlice).filter_map(|o| match o {
            Object::EndpointSlice(s) => Some(s),
            _ => None,
        });
        let state = ProxyState::from_objects(self.config.clone(), services, slices);
        if !self.syncs.is_empty() && state == *self.state {
            return false;
        }
        self.install(now, state);
        true
    }

    /// Programs `state` directly (as `nodelab rules` does with objects from files).
    pub fn install(&mut self, now: SimTime, state: ProxyState) {
        self.dataplane = Rc::from(dataplane(&state));
        self.state = Rc::new(state);
        self.syncs.push(SyncRecord {
            time: now,
            state: Rc::clone(&self.state),
        });
    }

    /// What kube-proxy currently knows.
    pub fn state(&self) -> &ProxyState {
        &self.state
    }

    /// The programmed data plane.
    pub fn dataplane(&self) -> &dyn Dataplane {
        self.dataplane.as_ref()
    }

    /// The data plane as a shared handle (so a caller can use it while it mutates the
    /// proxy's runtime state).
    pub fn shared_dataplane(&self) -> Rc<dyn Dataplane> {
        Rc::clone(&self.dataplane)
    }

    /// Every sync so far, oldest first.
    pub fn syncs(&self) -> &[SyncRecord] {
        &self.syncs
    }

    /// The last sync at or before `t`.
    pub fn sync_at(&self, t: SimTime) -> Option<&SyncRecord> {
        self.syncs.iter().rev().find(|s| s.time <= t)
    }
}

//! nodelab-engine: a deterministic simulation of a Kubernetes worker node — the API server's
//! object store, the scheduler, each node's kubelet, its container runtime behind the CRI, and
//! kube-proxy.
//!
//! Time is an input ([`World::advance_to`], [`World::step`]), randomness comes from one seeded
//! generator, and iteration order is stable, so the same inputs and seed give the same trace
//! on every platform.

pub mod api;
pub mod rng;
pub mod sched;
pub mod time;

pub mod apiserver;
pub mod bench;
pub mod compare;
pub mod controllers;
pub mod cri;
pub mod ctx;
pub mod events;
pub mod journal;
pub mod kubelet;
pub mod lab;
pub mod net;
pub mod proxy;
pub mod report;
pub mod scheduler;
pub mod timeline;
pub mod world;

pub use api::{Document, Kind, Manifest, Object, ObjectRef, SourceError, decode_manifests};
pub use time::SimTime;
pub use world::World;

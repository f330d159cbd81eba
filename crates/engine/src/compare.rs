//! Runtime and handler comparisons: the same pods run on a chosen container runtime and
//! RuntimeClass handler, and a side-by-side run of two such set-ups that reports start time
//! and memory overhead with the source of each figure.

use std::collections::BTreeMap;

use crate::api::node::{Overhead, RuntimeClass};
use crate::api::quantity::Quantity;
use crate::api::{Document, Kind, Manifest, Object, ObjectRef};
use crate::cri::runtimes::{self, HandlerProfile, RuntimeProfile};
use crate::time::SimTime;
use crate::world::World;

/// A container runtime plus the RuntimeClass handler pods run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    /// `containerd`, `cri-o` or `cri-dockerd`.
    pub runtime: &'static RuntimeProfile,
    /// `runc`, `kata` or `runsc`.
    pub handler: &'static HandlerProfile,
}

impl Setup {
    /// A set-up by names; `None` when either is unknown or the runtime cannot run the handler.
    pub fn named(runtime: &str, handler: &str) -> Option<Setup> {
        let runtime = runtimes::runtime(runtime)?;
        let handler = runtimes::handler(handler)?;
        runtime
            .supports
            .contains(&handler.name)
            .then_some(Setup { runtime, handler })
    }

    /// The RuntimeClass pods use for this handler (none for runc): `kata` (with Kata's pod
    /// overhead, as kata-deploy installs it) or `gvisor` → `runsc`.
    pub fn runtime_class(&self) -> Option<RuntimeClass> {
        let (name, overhead) = match self.handler.name {
            "kata" => (
                "kata",
                Some(Overhead {
                    pod_fixed: BTreeMap::from([
                        (
                            "cpu".to_owned(),
                            Quantity::parse("250m").unwrap_or_else(|_| Quantity::from_units(0)),
                        ),
                        (
                            "memory".to_owned(),
                            Quantity::from_bytes(self.handler.sandbox_memory_bytes as i64),
                        ),
                    ]),
                }),
            ),
            "runsc" => ("gvisor", None),
            _ => return None,
        };
        let mut rc = RuntimeClass {
            api_version: Kind::RuntimeClass.api_version().to_owned(),
            kind: "RuntimeClass".to_owned(),
            handler: self.handler.name.to_owned(),
            overhead,
            ..RuntimeClass::default()
        };
        rc.metadata.name = name.to_owned();
        Some(rc)
    }
}

/// Builds a world that runs `manifests` with kube-proxy in `mode` (and, for IPVS, with
/// `scheduler`) on every node: the Lab's proxy settings are replaced (a Lab is added when
/// the manifests have none).
pub fn world_with_proxy(
    manifests: &[Manifest],
    seed: Option<u64>,
    mode: crate::proxy::Mode,
    scheduler: crate::proxy::Scheduler,
) -> Result<World, String> {
    let mut docs: Vec<Manifest> = manifests.to_vec();
    let set = |spec: &mut crate::api::lab::LabSpec| {
        spec.proxy_mode = Some(mode.as_str().to_owned());
        spec.ipvs_scheduler = Some(scheduler.as_str().to_owned());
    };
    let mut has_lab = false;
    for m in &mut docs {
        if let Document::Lab(lab) = &mut m.document {
            has_lab = true;
            set(&mut lab.spec);
        }
    }
    if !has_lab {
        let mut lab = crate::api::lab::Lab::default();
        set(&mut lab.spec);
        docs.push(Manifest::synthetic(Document::Lab(lab)));
    }
    World::from_manifests(&docs, seed).map_err(|e| e.to_string())
}

/// Builds a world that runs `manifests` on `setup`: the Lab's runtime is replaced and every
/// pod without a RuntimeClass gets the set-up's class (created if the manifests lack it).
pub fn world_for(manifests: &[Manifest], seed: Option<u64>, setup: Setup) -> Result<World, String> {
    let mut docs: Vec<Manifest> = manifests.to_vec();
    let mut has_lab = false;
    let class = setup.runtime_class();
    for m in &mut docs {
        match &mut m.document {
            Document::Lab(lab) => {
                has_lab = true;
                lab.spec.container_runtime = Some(setup.runtime.name.to_owned());
                lab.spec.runtime_handlers.clear();
                for n in &mut lab.spec.nodes {
                    n.container_runtime = None;
                }
            }
            Document::Object(Object::Pod(pod)) => {
                if let Some(rc) = &class
                    && pod.spec.runtime_class_name.is_none()
                {
                    pod.spec.runtime_class_name = Some(rc.metadata.name.clone());
                }
            }
            Document::Object(_) => {}
        }
    }
    if !has_lab {
        let mut lab = crate::api::lab::Lab::default();
        lab.spec.container_runtime = Some(setup.runtime.name.to_owned());
        docs.push(Manifest::synthetic(Document::Lab(lab)));
    }
    if let Some(rc) = class {
        let exists = docs.iter().any(|m| {
            matches!(&m.document, Document::Object(Object::RuntimeClass(c)) if c.metadata.name == rc.metadata.name)
        });
        if !exists {
            docs.push(Manifest::synthetic(Document::Object(Object::RuntimeClass(
                rc,
            ))));
        }
    }
    World::from_manifests(&docs, seed).map_err(|e| e.to_string())
}

/// What one set-up's run showed for the first pod.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The set-up.
    pub setup: Setup,
    /// `RunPodSandbox` duration (ms).
    pub sandbox_ms: u64,
    /// From the pod's `Scheduled` event to its first container's `Started` event (ms; image
    /// pulls included), if it started.
    pub started_ms: Option<u64>,
    /// Memory one sandbox costs on the node beyond its containers (shim + handler, bytes).
    pub sandbox_overhead_bytes: u64,
    /// The runtime daemon's memory (bytes).
    pub daemon_bytes: u64,
}

/// Runs `manifests` on both set-ups for `until` and reports each one's figures for the first
/// pod (in name order).
pub fn side_by_side(
    manifests: &[Manifest],
    seed: Option<u64>,
    setups: [Setup; 2],
    until: SimTime,
) -> Result<[Outcome; 2], String> {
    let run = |setup: Setup| -> Result<Outcome, String> {
        let mut world = world_for(manifests, seed, setup)?;
        world.advance_to(until);
        let pod = world
            .api()
            .list(Kind::Pod)
            .next()
            .map(|o| o.reference())
            .ok_or("no pod in the manifests")?;
        Ok(outcome(&world, &pod, setup))
    };
    Ok([run(setups[0])?, run(setups[1])?])
}

fn outcome(world: &World, pod: &ObjectRef, setup: Setup) -> Outcome {
    let sandbox_ms = world
        .cri_calls()
        .iter()
        .find(|c| c.method == "RunPodSandbox")
        .map_or(0, |c| c.duration_ms);
    let event_at = |reason: &str| {
        world
            .events()
            .for_object(pod)
            .find(|e| e.reason == reason)
            .map(|e| e.time.as_millis())
    };
    let created = event_at("Scheduled").unwrap_or(0);
    let runtime = world.kubelet_of(pod).map(|k| &k.runtime);
    Outcome {
        setup,
        sandbox_ms,
        started_ms: event_at("Started").map(|t| t.saturating_sub(created)),
        sandbox_overhead_bytes: runtime.map_or(0, |r| r.sandbox_overhead(setup.handler)),
        daemon_bytes: setup.runtime.daemon_memory_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nginx() -> Vec<Manifest> {
        crate::decode_manifests(
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: nginx, image: nginx:1.27}\n",
        )
        .unwrap_or_default()
    }

    #[test]
    fn unsupported_combinations_have_no_setup() {
        assert!(Setup::named("cri-dockerd", "kata").is_none());
        assert!(Setup::named("containerd", "nope").is_none());
        assert!(Setup::named("cri-o", "runsc").is_some());
    }

    #[test]
    fn side_by_side_shows_gvisor_starting_slower_and_costing_more_memory_than_runc() {
        let (Some(runc), Some(runsc)) = (
            Setup::named("containerd", "runc"),
            Setup::named("containerd", "runsc"),
        ) else {
            panic!("set-ups exist");
        };
        let [a, b] = side_by_side(&nginx(), Some(1), [runc, runsc], SimTime::from_secs(60))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((a.sandbox_ms, b.sandbox_ms), (250, 600));
        let (Some(sa), Some(sb)) = (a.started_ms, b.started_ms) else {
            panic!("both started: {a:?} {b:?}");
        };
        assert_eq!(sb - sa, 350 + 20 + 120, "runsc: sandbox, create and start");
        assert_eq!(
            b.sandbox_overhead_bytes - a.sandbox_overhead_bytes,
            (23 - 4) * 1024 * 1024
        );
    }

    #[test]
    fn kata_worlds_get_the_runtime_class_and_its_overhead() {
        let Some(kata) = Setup::named("containerd", "kata") else {
            panic!("kata on containerd");
        };
        let w = world_for(&nginx(), Some(1), kata).unwrap_or_else(|e| panic!("{e}"));
        let Some(Object::Pod(p)) = w.api().get(&ObjectRef::new(Kind::Pod, "default", "web")) else {
            panic!("no pod");
        };
        assert_eq!(p.spec.runtime_class_name.as_deref(), Some("kata"));
        assert_eq!(
            p.spec
                .overhead
                .get("memory")
                .map(ToString::to_string)
                .as_deref(),
            Some("160Mi")
        );
    }
}

//! Views of a world for the lab's panels: an event's cause chain and which node components
//! the last step touched.

use crate::api::ObjectRef;
use crate::events::Cause;
use crate::time::SimTime;

use super::World;

/// One link of a cause chain, newest first, as data a UI translates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CauseStep {
    /// A recorded event.
    Event {
        /// Index in `World::events().all()`.
        index: usize,
        /// When.
        time: SimTime,
        /// Reason (`Killing`).
        reason: String,
        /// The object it is about (`pod/liveness-http`).
        object: String,
        /// Message.
        message: String,
    },
    /// A lab action.
    Action {
        /// Index in `World::lab_log()`.
        index: usize,
        /// When it was taken.
        time: SimTime,
        /// The action itself.
        action: crate::lab::LabAction,
        /// One-line English description ([`crate::lab::LabAction::describe`]).
        description: String,
    },
    /// One probe attempt's result.
    Probe {
        /// `Liveness`, `Readiness` or `Startup`.
        probe: String,
        /// Container.
        container: String,
        /// When.
        time: SimTime,
        /// What the prober saw.
        output: String,
    },
    /// A container instance exited.
    Exit {
        /// Container.
        container: String,
        /// Exit code.
        exit_code: i32,
        /// Reason (`Error`, `Completed`, `OOMKilled`).
        reason: String,
        /// When.
        time: SimTime,
    },
    /// The image's own behaviour (no lab action involved).
    Image {
        /// Container.
        container: String,
        /// Image.
        image: String,
    },
}

/// A part of the node diagram.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// The API server (an object was created, changed or deleted).
    ApiServer,
    /// The scheduler.
    Scheduler,
    /// The controller manager (Deployment, ReplicaSet, EndpointSlice… controllers).
    ControllerManager,
    /// A node's kubelet (it recorded an event).
    Kubelet {
        /// Node.
        node: String,
    },
    /// A node's CRI: the kubelet called the runtime (periodic calls not counted).
    Cri {
        /// Node.
        node: String,
    },
    /// A pod on a node (its sandbox or containers changed).
    Pod {
        /// Node.
        node: String,
        /// The pod.
        pod: ObjectRef,
    },
    /// A node's kube-proxy re-programmed its rules.
    KubeProxy {
        /// Node.
        node: String,
    },
}

impl World {
    /// The chain of causes of the event at `index` in [`World::events`]`.all()`: the event
    /// itself first, then what caused it, back to a root (a lab action, the image's own
    /// behaviour, or an event with no recorded cause). Empty for an unknown index.
    pub fn cause_chain(&self, index: usize) -> Vec<CauseStep> {
        let events = self.events.all();
        let mut out = Vec::new();
        let mut next = Some(Cause::Event { index });
        // Each event's cause is an earlier event, so the walk ends; the bound is a guard.
        while let Some(cause) = next.take() {
            if out.len() > events.len() + 8 {
                break;
            }
            match cause {
                Cause::Event { index: i } => {
                    let Some(e) = events.get(i) else { break };
                    if let Some(CauseStep::Event { index: prev, .. }) = out.last()
                        && i >= *prev
                    {
                        break;
                    }
                    out.push(CauseStep::Event {
                        index: i,
                        time: e.time,
                        reason: e.reason.clone(),
                        object: e.object.to_string(),
                        message: e.message.clone(),
                    });
                    next = e.cause.clone();
                }
                Cause::Action { index: i } => {
                    if let Some(r) = self.lab_log.get(i) {
                        out.push(CauseStep::Action {
                            index: i,
                            time: r.time,
                            action: r.action.clone(),
                            description: r.action.describe(),
                        });
                    }
                }
                Cause::Probe {
                    probe,
                    container,
                    time,
                    output,
                    then,
                } => {
                    out.push(CauseStep::Probe {
                        probe,
                        container,
                        time,
                        output,
                    });
                    next = then.map(|b| *b);
                }
                Cause::Exit {
                    container,
                    exit_code,
                    reason,
                    time,
                    then,
                } => {
                    out.push(CauseStep::Exit {
                        container,
                        exit_code,
                        reason,
                        time,
                    });
                    next = then.map(|b| *b);
                }
                Cause::Image { container, image } => {
                    out.push(CauseStep::Image { container, image });
                }
            }
        }
        out
    }

    /// The components that did something from `since` (inclusive) up to now: event sources
    /// (scheduler, controllers, kubelets and the pods their events are about), non-periodic
    /// CRI calls and kube-proxy rule syncs. `activity(now())` after a step is what that step
    /// touched. Sorted, no repeats.
    pub fn activity(&self, since: SimTime) -> Vec<Component> {
        let now = self.now;
        let within = |t: SimTime| t >= since && t <= now;
        let mut out = std::collections::BTreeSet::new();
        for e in self.events.all().iter().rev() {
            if e.time < since {
                break;
            }
            if !within(e.time) {
                continue;
            }
            match (e.source.as_str(), &e.host) {
                ("kubelet", Some(node)) => {
                    out.insert(Component::Kubelet { node: node.clone() });
                    if e.object.kind == crate::api::Kind::Pod {
                        out.insert(Component::Pod {
                            node: node.clone(),
                            pod: e.object.clone(),
                        });
                    }
                }
                ("default-scheduler", _) => {
                    out.insert(Component::Scheduler);
                    out.insert(Component::ApiServer);
                }
                (_, None) => {
                    out.insert(Component::ControllerManager);
                    out.insert(Component::ApiServer);
                }
                _ => {}
            }
        }
        for call in self.cri_log.iter().rev() {
            if call.time < since {
                break;
            }
            if within(call.time) && !call.periodic() {
                out.insert(Component::Kubelet {
                    node: call.node.clone(),
                });
                out.insert(Component::Cri {
                    node: call.node.clone(),
                });
            }
        }
        for (node, proxy) in &self.proxies {
            if proxy.syncs().iter().rev().any(|s| within(s.time)) {
                out.insert(Component::KubeProxy { node: node.clone() });
            }
        }
        out.into_iter().collect()
    }
}

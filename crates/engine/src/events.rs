//! Kubernetes Events as components record them (`k8s.io/client-go/tools/record`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::ObjectRef;
use crate::time::SimTime;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EventType {
    /// Something expected happened.
    Normal,
    /// Something went wrong.
    Warning,
}

/// One recorded occurrence of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it happened.
    pub time: SimTime,
    /// Normal or Warning.
    pub type_: EventType,
    /// CamelCase reason (`Scheduled`, `Pulling`, `BackOff`, …).
    pub reason: String,
    /// The object it is about.
    pub object: ObjectRef,
    /// Human-readable message in Kubernetes' wording.
    pub message: String,
    /// Reporting component: `default-scheduler`, `kubelet`, …
    pub source: String,
    /// Node of a kubelet or kube-proxy source.
    pub host: Option<String>,
    /// Why it happened, as the component that recorded it knew (not part of a Kubernetes
    /// Event; it makes the cause chain exact instead of guessed).
    pub cause: Option<Cause>,
}

/// Why an event was recorded: an earlier event, a lab action, or a fact of the node (a
/// probe result, a container exit, the image's own behaviour) that itself may have a cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Cause {
    /// An earlier event.
    Event {
        /// Its index in [`EventLog::all`].
        index: usize,
    },
    /// A lab action (something the learner or the scenario's script did).
    Action {
        /// Its index in `World::lab_log`.
        index: usize,
    },
    /// One probe attempt's result.
    Probe {
        /// `Liveness`, `Readiness` or `Startup`.
        probe: String,
        /// Container name.
        container: String,
        /// When the probe ran.
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// What the prober saw (`HTTP probe failed with statuscode: 500`).
        output: String,
        /// What made the container answer that way.
        then: Option<Box<Cause>>,
    },
    /// A container instance exited.
    Exit {
        /// Container name.
        container: String,
        /// Exit code.
        exit_code: i32,
        /// `Completed`, `Error`, `OOMKilled`, …
        reason: String,
        /// `finishedAt`.
        #[serde(serialize_with = "crate::cri::secs")]
        time: SimTime,
        /// What made it exit (the kubelet's kill, a lab action, the image's behaviour).
        then: Option<Box<Cause>>,
    },
    /// The container's image behaving as it does on its own (its process model), with no
    /// lab action involved: agnhost `liveness` failing after 10 s, a shell script exiting.
    Image {
        /// Container name.
        container: String,
        /// Image.
        image: String,
    },
}

/// The recorded events, in order.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    events: Vec<Event>,
    /// The latest event whose effect created or changed an object (a `SuccessfulCreate`
    /// for its pod, a `ScalingReplicaSet` for its ReplicaSet).
    changed_by: BTreeMap<ObjectRef, usize>,
}

impl EventLog {
    /// Records an event; returns its index.
    pub fn record(&mut self, event: Event) -> usize {
        self.events.push(event);
        self.events.len() - 1
    }

    /// Notes that the event at `index` created or changed `object`.
    pub fn note_change(&mut self, object: ObjectRef, index: usize) {
        self.changed_by.insert(object, index);
    }

    /// The latest event noted as having created or changed `object`.
    pub fn change_of(&self, object: &ObjectRef) -> Option<usize> {
        self.changed_by.get(object).copied()
    }

    /// Every occurrence in time order.
    pub fn all(&self) -> &[Event] {
        &self.events
    }

    /// Occurrences about one object.
    pub fn for_object<'a>(&'a self, object: &'a ObjectRef) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| &e.object == object)
    }

    /// Events as `kubectl get events` lists them: repeats of the same source, object, reason and
    /// message collapse into one row with a count and the first and last time (the recorder's
    /// EventCorrelator), in order of last occurrence.
    pub fn aggregated(&self) -> Vec<AggregatedEvent<'_>> {
        let mut out: Vec<AggregatedEvent<'_>> = Vec::new();
        for (index, e) in self.events.iter().enumerate() {
            let same = |a: &AggregatedEvent<'_>| {
                a.event.object == e.object
                    && a.event.reason == e.reason
                    && a.event.message == e.message
                    && a.event.source == e.source
            };
            if let Some(pos) = out.iter().position(same) {
                let mut agg = out.remove(pos);
                agg.count += 1;
                agg.last = e.time;
                agg.last_index = index;
                out.push(agg);
            } else {
                out.push(AggregatedEvent {
                    event: e,
                    count: 1,
                    first: e.time,
                    last: e.time,
                    last_index: index,
                });
            }
        }
        out
    }
}

/// One row of the aggregated event list.
#[derive(Clone, Debug)]
pub struct AggregatedEvent<'a> {
    /// The first occurrence.
    pub event: &'a Event,
    /// How many times it happened.
    pub count: u32,
    /// First time.
    pub first: SimTime,
    /// Last time.
    pub last: SimTime,
    /// Index of the last occurrence in [`EventLog::all`] (whose cause chain a UI shows).
    pub last_index: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;

    fn ev(t: u64, reason: &str) -> Event {
        Event {
            time: SimTime(t),
            type_: EventType::Normal,
            reason: reason.to_owned(),
            object: ObjectRef::new(Kind::Pod, "default", "p"),
            message: "m".to_owned(),
            source: "kubelet".to_owned(),
            host: None,
            cause: None,
        }
    }

    #[test]
    fn repeats_collapse_with_count_and_times() {
        let mut log = EventLog::default();
        log.record(ev(1, "BackOff"));
        log.record(ev(2, "Pulled"));
        log.record(ev(3, "BackOff"));
        let agg = log.aggregated();
        assert_eq!(agg.len(), 2);
        assert_eq!(
            (
                agg[1].event.reason.as_str(),
                agg[1].count,
                agg[1].first,
                agg[1].last
            ),
            ("BackOff", 2, SimTime(1), SimTime(3))
        );
    }
}

//! Kubernetes Events as components record them (`k8s.io/client-go/tools/record`).

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
}

/// The recorded events, in order.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    events: Vec<Event>,
}

impl EventLog {
    /// Records an event.
    pub fn record(&mut self, event: Event) {
        self.events.push(event);
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
        for e in &self.events {
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
                out.push(agg);
            } else {
                out.push(AggregatedEvent {
                    event: e,
                    count: 1,
                    first: e.time,
                    last: e.time,
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

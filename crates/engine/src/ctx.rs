//! What a component may touch while it handles one task: the clock, the API server, the
//! event log, the CRI call log, the queue and the random generator.

use crate::api::ObjectRef;
use crate::apiserver::ApiServer;
use crate::cri::CriCall;
use crate::events::{Cause, Event, EventLog, EventType};
use crate::rng::SimRng;
use crate::sched::EventQueue;
use crate::time::SimTime;
use crate::world::Task;

/// Mutable access to the shared parts of the world, lent to one component at a time.
pub struct Ctx<'a> {
    /// Current time.
    pub now: SimTime,
    /// The object store.
    pub api: &'a mut ApiServer,
    /// Recorded events.
    pub events: &'a mut EventLog,
    /// CRI calls.
    pub cri_log: &'a mut Vec<CriCall>,
    /// Node journal lines.
    pub journal: &'a mut Vec<crate::journal::JournalEntry>,
    /// Future work.
    pub queue: &'a mut EventQueue<Task>,
    /// The one random generator.
    pub rng: &'a mut SimRng,
    /// The lab action being taken (its index in `World::lab_log`), if any.
    pub action: Option<usize>,
}

impl Ctx<'_> {
    /// Records an event from `source` (on `host`, for node components); returns its index.
    pub fn event(
        &mut self,
        type_: EventType,
        object: &ObjectRef,
        reason: &str,
        message: String,
        source: &str,
        host: Option<&str>,
    ) -> usize {
        self.event_caused(type_, object, reason, message, source, host, None)
    }

    /// Records an event with its cause; returns its index.
    #[allow(clippy::too_many_arguments)]
    pub fn event_caused(
        &mut self,
        type_: EventType,
        object: &ObjectRef,
        reason: &str,
        message: String,
        source: &str,
        host: Option<&str>,
        cause: Option<Cause>,
    ) -> usize {
        self.events.record(Event {
            time: self.now,
            type_,
            reason: reason.to_owned(),
            object: object.clone(),
            message,
            source: source.to_owned(),
            host: host.map(str::to_owned),
            cause,
        })
    }

    /// Writes a journal line for `node`'s `unit` about `pod`.
    pub fn log(&mut self, node: &str, unit: &'static str, pod: &ObjectRef, message: String) {
        self.journal.push(crate::journal::JournalEntry {
            time: self.now,
            node: node.to_owned(),
            unit,
            pod: pod.clone(),
            message,
        });
    }

    /// Schedules `task` `delay_ms` from now.
    pub fn after(&mut self, delay_ms: u64, task: Task) {
        self.queue.push(self.now.plus_millis(delay_ms), task);
    }
}

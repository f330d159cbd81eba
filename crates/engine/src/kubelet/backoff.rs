//! Per-key exponential back-off, as client-go's `flowcontrol.Backoff` with the kubelet's
//! settings: 10 s initial, doubling, capped at 300 s, no jitter, and an entry reset once
//! 600 s passed since its last update (`pkg/kubelet/kubelet.go`: `initialCrashLoopBackOff`,
//! `MaxCrashLoopBackOff`, `HasExpiredFunc`; the same figures for image pulls:
//! `imageBackOffPeriod`, `MaxImageBackOff`).

use std::collections::BTreeMap;

use crate::time::SimTime;

/// First back-off (10 s).
pub const INITIAL_MS: u64 = 10_000;
/// Cap (300 s, `v1beta1.MaxContainerBackOff`).
pub const MAX_MS: u64 = 300_000;
/// An entry not updated for longer than this is forgotten (600 s).
pub const RESET_MS: u64 = 600_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    backoff_ms: u64,
    last_update: SimTime,
}

/// Back-off entries by key (`<pod>_<ns>_<uid>_<container>` or `<podUID>_<image>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    entries: BTreeMap<String, Entry>,
}

impl Backoff {
    fn expired(entry: &Entry, event_time: SimTime) -> bool {
        event_time.millis_since(entry.last_update) > RESET_MS
    }

    /// `IsInBackOffSince(key, eventTime)`: whether less than the current back-off has passed
    /// between `event_time` (the last exit) and `now`.
    pub fn in_backoff_since(&self, key: &str, event_time: SimTime, now: SimTime) -> bool {
        match self.entries.get(key) {
            Some(e) if !Self::expired(e, event_time) => now.millis_since(event_time) < e.backoff_ms,
            _ => false,
        }
    }

    /// `IsInBackOffSinceUpdate(key, now)`: whether less than the back-off passed since the
    /// last update (image pulls).
    pub fn in_backoff_since_update(&self, key: &str, now: SimTime) -> bool {
        match self.entries.get(key) {
            Some(e) if !Self::expired(e, now) => now.millis_since(e.last_update) < e.backoff_ms,
            _ => false,
        }
    }

    /// `Next(key, eventTime)`: starts at 10 s or doubles (max 300 s); `last_update = now`.
    pub fn next(&mut self, key: &str, event_time: SimTime, now: SimTime) {
        let backoff_ms = match self.entries.get(key) {
            Some(e) if !Self::expired(e, event_time) => (e.backoff_ms * 2).min(MAX_MS),
            _ => INITIAL_MS,
        };
        self.entries.insert(
            key.to_owned(),
            Entry {
                backoff_ms,
                last_update: now,
            },
        );
    }

    /// The current back-off of `key` (`Get`), 0 when none.
    pub fn get(&self, key: &str) -> u64 {
        self.entries.get(key).map_or(0, |e| e.backoff_ms)
    }

    /// Forgets entries not updated for the reset period (`GC`).
    pub fn gc(&mut self, now: SimTime) {
        self.entries.retain(|_, e| !Self::expired(e, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn doubles_from_ten_seconds_to_five_minutes() {
        let mut b = Backoff::default();
        let mut seen = Vec::new();
        let mut now = t(0);
        for _ in 0..8 {
            b.next("k", now, now);
            seen.push(b.get("k") / 1000);
            now = now.plus_millis(b.get("k"));
        }
        assert_eq!(seen, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn in_backoff_until_the_period_has_passed_since_the_exit() {
        let mut b = Backoff::default();
        assert!(!b.in_backoff_since("k", t(5), t(5)));
        b.next("k", t(5), t(5));
        assert!(b.in_backoff_since("k", t(5), t(14)));
        assert!(!b.in_backoff_since("k", t(5), t(15)));
    }

    #[test]
    fn resets_after_ten_minutes_without_an_update() {
        let mut b = Backoff::default();
        b.next("k", t(0), t(0));
        b.next("k", t(10), t(10));
        assert_eq!(b.get("k"), 20_000);
        // The container ran for 10 minutes and 1 second after its last start, then crashed.
        b.next("k", t(611), t(611));
        assert_eq!(b.get("k"), 10_000);
    }

    proptest! {
        /// Back-off never exceeds 300 s, and it only drops back to 10 s when more than 10
        /// minutes passed since the previous update.
        #[test]
        fn bounded_and_resets_only_after_ten_minutes(gaps in proptest::collection::vec(0u64..900, 1..40)) {
            let mut b = Backoff::default();
            let mut now = t(0);
            let mut prev: Option<(u64, SimTime)> = None;
            for gap in gaps {
                now = now.plus_millis(gap * 1000);
                b.next("k", now, now);
                let cur = b.get("k");
                prop_assert!(cur <= MAX_MS);
                prop_assert!(cur >= INITIAL_MS);
                if let Some((p, at)) = prev {
                    if now.millis_since(at) > RESET_MS {
                        prop_assert_eq!(cur, INITIAL_MS);
                    } else {
                        prop_assert_eq!(cur, (p * 2).min(MAX_MS));
                    }
                }
                prev = Some((cur, now));
            }
        }
    }
}

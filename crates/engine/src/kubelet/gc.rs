//! Garbage collection of images (`pkg/kubelet/images/image_gc_manager.go`) and the timing of
//! container and sandbox collection (`pkg/kubelet/kuberuntime/kuberuntime_gc.go`). The
//! kubelet drives both through the CRI; this module keeps the image records and decides what
//! to free.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::SimTime;

/// `ContainerGCPeriod`: dead containers and sandboxes are collected every minute.
pub const CONTAINER_GC_PERIOD_MS: u64 = 60_000;
/// `ImageGCPeriod`: images are collected every 5 minutes.
pub const IMAGE_GC_PERIOD_MS: u64 = 300_000;
/// `imageGCHighThresholdPercent` default: collect when the image file system is this full.
pub const IMAGE_GC_HIGH_PERCENT: u64 = 85;
/// `imageGCLowThresholdPercent` default: collect down to this.
pub const IMAGE_GC_LOW_PERCENT: u64 = 80;
/// `imageMinimumGCAge` default: images younger than 2 minutes are never collected.
pub const IMAGE_MINIMUM_GC_AGE_MS: u64 = 120_000;

/// What the kubelet remembers of one image (`imageRecord`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    first_detected: SimTime,
    last_used: SimTime,
    size: u64,
    pinned: bool,
}

/// One image the collector may look at: id, size, pinned, and whether a container (of any
/// state) uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Image id (`sha256:…`).
    pub id: String,
    /// Size in bytes.
    pub size: u64,
    /// Pinned by the runtime (the sandbox image).
    pub pinned: bool,
    /// Used by a container the runtime still has.
    pub in_use: bool,
}

/// The image garbage collector's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageGc {
    records: BTreeMap<String, Record>,
}

/// The outcome of one image collection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Images to remove, least recently used first.
    pub remove: Vec<String>,
    /// Bytes that had to be freed.
    pub needed: u64,
    /// Bytes the removals free.
    pub freed: u64,
}

impl ImageGc {
    /// `detectImages`: new images get `firstDetected = now`; images in use get
    /// `lastUsed = now`; records of images gone are dropped.
    pub fn detect(&mut self, now: SimTime, images: &[Seen]) {
        let present: BTreeSet<&str> = images.iter().map(|i| i.id.as_str()).collect();
        self.records.retain(|id, _| present.contains(id.as_str()));
        for i in images {
            let r = self.records.entry(i.id.clone()).or_insert(Record {
                first_detected: now,
                last_used: SimTime::ZERO,
                size: i.size,
                pinned: i.pinned,
            });
            r.size = i.size;
            r.pinned = i.pinned;
            if i.in_use {
                r.last_used = now;
            }
        }
    }

    /// `GarbageCollect`: when usage reaches the high threshold, pick unused, unpinned images
    /// older than the minimum age, least recently used first (ties: first detected), until
    /// usage would be at the low threshold.
    pub fn plan(&self, now: SimTime, used: u64, capacity: u64, in_use: &BTreeSet<String>) -> Plan {
        if capacity == 0 || used * 100 / capacity < IMAGE_GC_HIGH_PERCENT {
            return Plan::default();
        }
        let available = capacity.saturating_sub(used);
        let needed = (capacity * (100 - IMAGE_GC_LOW_PERCENT) / 100).saturating_sub(available);
        let mut candidates: Vec<(&String, &Record)> = self
            .records
            .iter()
            .filter(|(id, r)| {
                !r.pinned
                    && !in_use.contains(*id)
                    && now.millis_since(r.first_detected) >= IMAGE_MINIMUM_GC_AGE_MS
            })
            .collect();
        candidates.sort_by_key(|(id, r)| (r.last_used, r.first_detected, (*id).clone()));
        let mut plan = Plan {
            needed,
            ..Plan::default()
        };
        for (id, r) in candidates {
            if plan.freed >= needed {
                break;
            }
            plan.freed += r.size;
            plan.remove.push(id.clone());
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str, size: u64, in_use: bool) -> Seen {
        Seen {
            id: id.to_owned(),
            size,
            pinned: id == "pause",
            in_use,
        }
    }

    #[test]
    fn nothing_is_collected_below_the_high_threshold() {
        let mut gc = ImageGc::default();
        gc.detect(SimTime::ZERO, &[seen("a", 10, false)]);
        let plan = gc.plan(SimTime::from_secs(600), 84, 100, &BTreeSet::new());
        assert!(plan.remove.is_empty());
    }

    #[test]
    fn least_recently_used_unpinned_old_images_go_first_down_to_the_low_threshold() {
        let mut gc = ImageGc::default();
        gc.detect(
            SimTime::ZERO,
            &[
                seen("pause", 1, true),
                seen("old", 3, true),
                seen("older", 3, false),
            ],
        );
        // "old" stops being used at 60 s; "older" was never used; "young" appears late.
        gc.detect(
            SimTime::from_secs(60),
            &[
                seen("pause", 1, true),
                seen("old", 3, true),
                seen("older", 3, false),
            ],
        );
        gc.detect(
            SimTime::from_secs(500),
            &[
                seen("pause", 1, false),
                seen("old", 3, false),
                seen("older", 3, false),
                seen("young", 3, false),
            ],
        );
        let now = SimTime::from_secs(560);
        // 90 of 100 used: free until 20 are available, i.e. 10 bytes.
        let plan = gc.plan(now, 90, 100, &BTreeSet::new());
        assert_eq!(plan.needed, 10);
        assert_eq!(plan.remove, ["older", "old"]);
        assert_eq!(
            plan.freed, 6,
            "young is under 2 minutes old, pause is pinned"
        );
        let busy = BTreeSet::from(["older".to_owned()]);
        assert_eq!(gc.plan(now, 90, 100, &busy).remove, ["old"]);
    }
}

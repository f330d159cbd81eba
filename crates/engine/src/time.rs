//! Simulated time: milliseconds since the start of a run, with the formats Kubernetes uses
//! to print times and durations.

use std::fmt;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Unix time (seconds) of simulated t = 0: 2026-01-01T00:00:00Z. Fixed so that every run
/// prints the same timestamps.
pub const EPOCH_UNIX_SECONDS: i64 = 1_767_225_600;

/// A point in simulated time, in milliseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// A time from whole milliseconds.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }

    /// A time from whole seconds.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1000)
    }

    /// Milliseconds since t = 0.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since t = 0, as a float with millisecond precision.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Unix time in nanoseconds (the CRI's `int64` timestamps).
    pub const fn as_nanos(self) -> i64 {
        EPOCH_UNIX_SECONDS * 1_000_000_000 + self.0 as i64 * 1_000_000
    }

    /// This time plus `ms` milliseconds (saturating).
    pub const fn plus_millis(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub const fn millis_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The wall-clock timestamp this time maps to, in RFC 3339 with second precision, as the
    /// Kubernetes API serializes `metav1.Time` (e.g. `2026-01-01T00:00:05Z`).
    pub fn rfc3339(self) -> String {
        let secs = EPOCH_UNIX_SECONDS + (self.0 / 1000) as i64;
        match OffsetDateTime::from_unix_timestamp(secs) {
            Ok(t) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => "1970-01-01T00:00:00Z".to_owned(),
        }
    }
}

impl fmt::Display for SimTime {
    /// Seconds with millisecond precision, e.g. `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

impl Serialize for SimTime {
    /// Serialized as `metav1.Time`: an RFC 3339 string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// Parses a duration given on the command line or in a Lab (`90s`, `5m`, `1h30m`, `250ms`).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    humantime::parse_duration(text.trim())
        .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
        .map_err(|e| format!("invalid duration {text:?}: {e}"))
}

/// Formats an age the way kubectl does (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`):
/// `45s`, `3m20s`, `12m`, `5h4m`, `3d4h`, …
pub fn human_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    let days = hours / 24;
    let dy = days % 365;
    if hours < 24 * 365 * 8 && dy != 0 {
        return format!("{}y{dy}d", days / 365);
    }
    format!("{}y", days / 365)
}

/// Formats a duration as Go's `time.Duration.String()` does for whole milliseconds, which is how
/// the kubelet prints durations in event messages: `1.5s`, `40s`, `5m0s`, `1h2m3s`, `250ms`.
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let total_secs = ms / 1000;
    let frac = ms % 1000;
    let secs = total_secs % 60;
    let mins = (total_secs / 60) % 60;
    let hours = total_secs / 3600;
    let mut sec_part = secs.to_string();
    if frac != 0 {
        let f = format!("{frac:03}");
        sec_part.push('.');
        sec_part.push_str(f.trim_end_matches('0'));
    }
    match (hours, total_secs / 60) {
        (0, 0) => format!("{sec_part}s"),
        (0, _) => format!("{mins}m{sec_part}s"),
        _ => format!("{hours}h{mins}m{sec_part}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_counts_from_the_fixed_epoch() {
        assert_eq!(SimTime::ZERO.rfc3339(), "2026-01-01T00:00:00Z");
        assert_eq!(
            SimTime::from_millis(61_999).rfc3339(),
            "2026-01-01T00:01:01Z"
        );
        assert_eq!(SimTime::from_secs(86_400).rfc3339(), "2026-01-02T00:00:00Z");
    }

    #[test]
    fn human_duration_matches_kubectl() {
        // Cases from apimachinery's duration_test.go (TestHumanDuration).
        let cases = [
            (1, "1s"),
            (70, "70s"),
            (190, "3m10s"),
            (180, "3m"),
            (600, "10m"),
            (2 * 3600 + 59 * 60, "179m"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (8 * 3600, "8h"),
            (49 * 3600, "2d1h"),
            (8 * 86400, "8d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs * 1000), want, "{secs}s");
        }
    }

    #[test]
    fn go_duration_matches_time_duration_string() {
        assert_eq!(go_duration(10_000), "10s");
        assert_eq!(go_duration(300_000), "5m0s");
        assert_eq!(go_duration(1_500), "1.5s");
        assert_eq!(go_duration(250), "250ms");
        assert_eq!(go_duration(3_723_000), "1h2m3s");
        assert_eq!(go_duration(2_345), "2.345s");
    }

    #[test]
    fn parse_duration_accepts_go_and_human_forms() {
        assert_eq!(parse_duration("60s"), Ok(60_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert!(parse_duration("soon").is_err());
    }
}

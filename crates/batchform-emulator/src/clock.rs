//! The emulator's clock: real time plus an offset that tests advance, never running backwards,
//! and the ETags derived from it.
//!
//! Lifecycles are evaluated lazily from timestamps against this clock, so advancing it (or
//! restarting the process on a persisted state) moves every pool and node forward in one step.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use batchform_batch::wire::Timestamp;

/// The clock's persisted part.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clock {
    /// How far the emulator's time is ahead of real time, in microseconds.
    offset_micros: i64,
    /// The latest time handed out, so time never runs backwards across restarts.
    last: Option<Timestamp>,
    /// The latest ETag value handed out, so two writes in one tick still differ.
    last_etag: u64,
}

impl Clock {
    /// The current emulator time, at microsecond precision (what the SDKs parse exactly).
    pub fn now(&mut self) -> Timestamp {
        let real = Utc::now() + TimeDelta::microseconds(self.offset_micros);
        let now = truncate_to_micros(real).max(self.last.unwrap_or(real));
        let now = truncate_to_micros(now);
        self.last = Some(now);
        now
    }

    /// Moves the emulator's time forward.
    pub fn advance(&mut self, by: std::time::Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.offset_micros = self.offset_micros.saturating_add(micros);
    }

    pub fn offset(&self) -> TimeDelta {
        TimeDelta::microseconds(self.offset_micros)
    }

    /// A fresh ETag for a write at `at`: the .NET tick count in hex, like `0x8D413091E739A56`,
    /// strictly greater than any handed out before.
    pub fn etag(&mut self, at: Timestamp) -> String {
        let epoch = Utc
            .with_ymd_and_hms(1, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH);
        let ticks = (at - epoch)
            .num_microseconds()
            .and_then(|us| u64::try_from(us).ok())
            .map_or(0, |us| us * 10);
        let value = ticks.max(self.last_etag + 1);
        self.last_etag = value;
        format!("0x{value:X}")
    }
}

fn truncate_to_micros(t: Timestamp) -> Timestamp {
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// Adds a std duration to a timestamp, saturating far in the future.
pub fn after(t: Timestamp, d: std::time::Duration) -> Timestamp {
    let delta = TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
    t.checked_add_signed(delta)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_strictly_increase_and_look_like_the_service() {
        let mut clock = Clock::default();
        let t = clock.now();
        let a = clock.etag(t);
        let b = clock.etag(t);
        assert!(a.starts_with("0x8D") || a.starts_with("0x8E"), "{a}");
        assert_ne!(a, b);
        assert!(
            u64::from_str_radix(&b[2..], 16).unwrap() > u64::from_str_radix(&a[2..], 16).unwrap()
        );
    }

    #[test]
    fn advancing_moves_time_forward() {
        let mut clock = Clock::default();
        let before = clock.now();
        clock.advance(std::time::Duration::from_secs(3600));
        assert!(clock.now() - before >= TimeDelta::seconds(3600));
    }
}

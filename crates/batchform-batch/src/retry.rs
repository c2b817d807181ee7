//! When and how long to wait before trying a request again.
//!
//! Throttling (429) and "busy" (503) mean the service did not take the request, so any request
//! may be sent again. A 500/502/504 or a broken connection after the request was sent leaves it
//! unknown whether a write happened: only idempotent requests are repeated blindly; the caller
//! checks the others (see `apply`).

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

/// Exponential backoff with full jitter, capped, honouring the service's `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            base: Duration::from_millis(200),
            max: Duration::from_secs(30),
        }
    }
}

/// What kind of failure an attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The service answered with this status.
    Status(StatusCode),
    /// No connection was made: the request was never sent.
    Connect,
    /// The connection broke or timed out after the request may have been sent.
    Transport,
}

impl Failure {
    /// Whether a retry is safe for a request that is (or is not) idempotent.
    pub fn retryable(self, idempotent: bool) -> bool {
        match self {
            Failure::Connect => true,
            Failure::Status(status) => match status.as_u16() {
                429 | 503 => true,
                500 | 502 | 504 => idempotent,
                _ => false,
            },
            Failure::Transport => idempotent,
        }
    }

    /// Whether the request may have been carried out although no success came back.
    pub fn ambiguous(self) -> bool {
        match self {
            Failure::Connect => false,
            Failure::Status(status) => matches!(status.as_u16(), 500 | 502 | 504),
            Failure::Transport => true,
        }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1` (`attempt` counts from 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max);
        }
        let ceiling = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max);
        // Full jitter: clients that failed together do not retry together.
        let millis = rand::rng().random_range(0..=ceiling.as_millis().max(1) as u64);
        Duration::from_millis(millis)
    }
}

/// The `Retry-After` header, in seconds (the only form the Batch service is known to use).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_always_retried_but_ambiguous_failures_only_when_idempotent() {
        let status = |code| Failure::Status(StatusCode::from_u16(code).unwrap());
        for code in [429, 503] {
            assert!(status(code).retryable(false) && !status(code).ambiguous());
        }
        for code in [500, 502, 504] {
            assert!(
                status(code).retryable(true)
                    && !status(code).retryable(false)
                    && status(code).ambiguous()
            );
        }
        for code in [400, 404, 409, 412] {
            assert!(!status(code).retryable(true));
        }
        assert!(Failure::Connect.retryable(false));
        assert!(!Failure::Transport.retryable(false) && Failure::Transport.retryable(true));
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let policy = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        for attempt in 1..10 {
            let ceiling = (Duration::from_millis(100) * (1 << attempt)).min(Duration::from_secs(2));
            assert!(policy.delay(attempt, None) <= ceiling);
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
    }
}

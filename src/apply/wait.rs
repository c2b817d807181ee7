//! Waiting on the service's asynchronous states: poll with backoff until done, or time out.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// Polling intervals: quick at first (most transitions are short), then backing off.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }
}

/// What one look found.
pub enum Poll<T> {
    Ready(T),
    Pending,
}

/// Why a wait ended without the state it waited for.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E> {
    #[error("gave up after {0:?}")]
    TimedOut(Duration),
    #[error(transparent)]
    Failed(E),
}

/// Calls `look` until it is ready, with growing pauses, for at most `timeout`.
pub async fn until<T, E, F, Fut>(
    backoff: Backoff,
    timeout: Duration,
    mut look: F,
) -> Result<T, WaitError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let deadline = Instant::now() + timeout;
    let mut pause = backoff.first;
    loop {
        if let Poll::Ready(value) = look().await.map_err(WaitError::Failed)? {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WaitError::TimedOut(timeout));
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 3 / 2).min(backoff.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn polls_until_ready_with_growing_pauses() {
        let mut looks = 0;
        let started = Instant::now();
        let result: Result<u32, WaitError<()>> =
            until(Backoff::default(), Duration::from_secs(60), || {
                looks += 1;
                let n = looks;
                async move {
                    Ok(if n == 5 {
                        Poll::Ready(n)
                    } else {
                        Poll::Pending
                    })
                }
            })
            .await;
        assert_eq!(result.unwrap(), 5);
        // 100 + 150 + 225 + 337.5 ms of (virtual) pauses between five looks, to the timer's millisecond.
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_micros(812_500) && elapsed <= Duration::from_millis(814),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn times_out() {
        let result: Result<(), WaitError<()>> =
            until(Backoff::default(), Duration::from_secs(2), || async {
                Ok(Poll::Pending)
            })
            .await;
        assert!(matches!(result, Err(WaitError::TimedOut(_))));
    }
}

//! Bounded retries of commits that collided with a concurrent transaction.

use crate::ports::CommitError;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// Attempts before a collision is reported to the caller.
pub(crate) const MAX_ATTEMPTS: u32 = 10;

/// Runs `attempt` until it does not end in [`CommitError::Contention`], at
/// most [`MAX_ATTEMPTS`] times, sleeping a jittered, growing delay between.
pub(crate) async fn on_contention<T, F, Fut>(mut attempt: F) -> Result<T, CommitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CommitError>>,
{
    let mut n = 0;
    loop {
        match attempt().await {
            Err(CommitError::Contention) if n + 1 < MAX_ATTEMPTS => {
                n += 1;
                tokio::time::sleep(backoff(n)).await;
            }
            other => return other,
        }
    }
}

/// Full jitter over an exponential ceiling: 10 ms, 20 ms, … capped at 320 ms.
pub(crate) fn backoff(attempt: u32) -> Duration {
    jittered(attempt, 5)
}

/// Full jitter over 10 ms × 2^attempt, the exponent capped at `max_doubling`.
pub(crate) fn jittered(attempt: u32, max_doubling: u32) -> Duration {
    let ceiling = 10u64 << attempt.min(max_doubling);
    // A fresh RandomState is randomly seeded: enough entropy for jitter.
    let random = RandomState::new().hash_one(attempt);
    Duration::from_millis(1 + random % ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn contention_is_retried_until_it_clears() {
        let calls = AtomicU32::new(0);
        let result = on_contention(|| async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(CommitError::Contention)
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn persistent_contention_is_reported_after_the_last_attempt() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = on_contention(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CommitError::Contention)
        })
        .await;
        assert!(matches!(result, Err(CommitError::Contention)));
        assert_eq!(calls.load(Ordering::SeqCst), MAX_ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = on_contention(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CommitError::VersionConflict)
        })
        .await;
        assert!(matches!(result, Err(CommitError::VersionConflict)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

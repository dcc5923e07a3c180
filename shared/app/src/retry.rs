//! The one retry policy of the bundle: full jitter over an exponential
//! ceiling, bounded by a number of attempts and by time. Commands against
//! concurrent writers, intake commits that collide, deliveries that are
//! throttled and store reads left unprocessed all retry through it, each
//! with its own bounds ([`RetryPolicy::COMMANDS`] and its siblings).
//!
//! The retries of a lost race (the policies marked `contention`) are
//! counted here, in `ContentionRetries`, so that every command and intake
//! commit that retries is counted without each caller doing it.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;
use tokio::time::Instant;

/// When to try again, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first delay; it doubles with every retry.
    pub base: Duration,
    /// Largest ceiling of one delay.
    pub max_delay: Duration,
    /// Attempts at most, the first included.
    pub max_attempts: u32,
    /// No attempt starts once this much time has passed since the first.
    pub budget: Duration,
    /// Its retries follow a race lost to another writer: each is counted
    /// in [`crate::metrics::CONTENTION_RETRIES`].
    pub contention: bool,
}

impl RetryPolicy {
    /// A command on one project racing other writers (tests/integration/staff.rs runs
    /// 100 at once): delays up to 2.56 s so that they spread out instead of
    /// reloading in lockstep, within the staff functions' timeout
    /// (`infra/template.yaml`, 29 s) so that a client gets an answer.
    pub const COMMANDS: Self = Self::new(20, 2_560, 50, 25_000).of_contention();
    /// A transaction that collided with another on the same items (intake).
    pub const CONTENTION: Self = Self::new(20, 320, 10, 10_000).of_contention();
    /// One event publication within a dispatch; what still fails is given
    /// back to the outbox for a later dispatch.
    pub const EVENTS: Self = Self::new(20, 320, 4, 5_000);
    /// One mail within a dispatch: SES throttles per second, so the first
    /// retry already waits longer.
    pub const MAIL: Self = Self::new(80, 320, 4, 5_000);
    /// Keys a batch read left unprocessed (DynamoDB under load).
    pub const STORE_READS: Self = Self::new(40, 320, 5, 2_000);

    const fn new(base_ms: u64, max_delay_ms: u64, max_attempts: u32, budget_ms: u64) -> Self {
        Self {
            base: Duration::from_millis(base_ms),
            max_delay: Duration::from_millis(max_delay_ms),
            max_attempts,
            budget: Duration::from_millis(budget_ms),
            contention: false,
        }
    }

    const fn of_contention(self) -> Self {
        Self { contention: true, ..self }
    }

    /// The same bounds, with at most `attempts` attempts.
    pub fn with_attempts(self, max_attempts: u32) -> Self {
        Self { max_attempts, ..self }
    }

    /// The delay before retry number `retry` (1 for the first retry): a
    /// random duration up to `base × 2^(retry-1)`, capped at `max_delay`.
    pub fn delay(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let ceiling = self.base.saturating_mul(1 << doublings).min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX).max(1);
        // A fresh RandomState is randomly seeded: enough entropy for jitter.
        let random = RandomState::new().hash_one(retry);
        Duration::from_millis(1 + random % ceiling_ms)
    }

    /// Counts the attempts of one operation.
    pub fn start(&self) -> Attempts {
        Attempts { policy: *self, made: 1, started: Instant::now() }
    }

    /// Runs `op` until it succeeds, fails with an error `retryable` refuses,
    /// or the policy's bounds are reached (the last error is returned).
    pub async fn run<T, E, Fut>(
        &self,
        mut op: impl FnMut() -> Fut,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempts = self.start();
        loop {
            match op().await {
                Err(e) if retryable(&e) && attempts.wait().await => {}
                other => return other,
            }
        }
    }
}

/// The attempts made so far of one operation under a [`RetryPolicy`].
#[derive(Debug)]
pub struct Attempts {
    policy: RetryPolicy,
    made: u32,
    started: Instant,
}

impl Attempts {
    /// Waits before the next attempt and returns `true`, or returns `false`
    /// at once when the policy allows no further attempt.
    pub async fn wait(&mut self) -> bool {
        let delay = self.policy.delay(self.made);
        let late = self.started.elapsed() + delay > self.policy.budget;
        if self.made >= self.policy.max_attempts || late {
            return false;
        }
        if self.policy.contention {
            crate::metrics::contention_retry();
        }
        tokio::time::sleep(delay).await;
        self.made += 1;
        true
    }

    /// Attempts made so far, the first included.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Time since the first attempt.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn delays_are_jittered_under_a_doubling_ceiling_up_to_the_cap() {
        let p = RetryPolicy::CONTENTION;
        for retry in 1..=8u32 {
            let ceiling = Duration::from_millis((20u64 << (retry - 1)).min(320));
            let delays: Vec<Duration> = (0..50).map(|_| p.delay(retry)).collect();
            assert!(
                delays.iter().all(|d| *d >= Duration::from_millis(1) && *d <= ceiling),
                "{retry}"
            );
        }
        let spread: std::collections::BTreeSet<Duration> = (0..50).map(|_| p.delay(6)).collect();
        assert!(spread.len() > 10, "jittered, not fixed: {spread:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retryable_error_is_retried_until_it_clears() {
        let calls = AtomicU32::new(0);
        let result: Result<u32, &str> = RetryPolicy::CONTENTION
            .run(
                || async {
                    if calls.fetch_add(1, Ordering::SeqCst) < 3 { Err("busy") } else { Ok(7) }
                },
                |_| true,
            )
            .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_stop_at_the_bound_with_the_last_error() {
        let calls = AtomicU32::new(0);
        let result: Result<(), &str> = RetryPolicy::CONTENTION
            .run(
                || async {
                    Err(if calls.fetch_add(1, Ordering::SeqCst) < 100 { "busy" } else { "?" })
                },
                |_| true,
            )
            .await;
        assert_eq!(result, Err("busy"));
        assert_eq!(calls.load(Ordering::SeqCst), RetryPolicy::CONTENTION.max_attempts);
    }

    #[tokio::test(start_paused = true)]
    async fn no_attempt_starts_after_the_time_budget() {
        let policy = RetryPolicy { budget: Duration::from_secs(1), ..RetryPolicy::COMMANDS };
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), &str> = policy
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    Err("busy")
                },
                |_| true,
            )
            .await;
        assert_eq!(result, Err("busy"));
        assert!(calls.load(Ordering::SeqCst) < 4, "{} attempts", calls.load(Ordering::SeqCst));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), &str> = RetryPolicy::CONTENTION
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("conflict")
                },
                |e| *e == "busy",
            )
            .await;
        assert_eq!(result, Err("conflict"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_after_a_lost_race_are_counted_and_delivery_retries_are_not() {
        let tally = crate::metrics::tally::Tally::default();
        let _local = ::metrics::set_default_local_recorder(&tally);
        let calls = AtomicU32::new(0);
        let flaky = || async {
            if calls.fetch_add(1, Ordering::SeqCst) % 3 < 2 { Err("busy") } else { Ok(()) }
        };
        RetryPolicy::CONTENTION.run(flaky, |_| true).await.unwrap();
        RetryPolicy::EVENTS.run(flaky, |_| true).await.unwrap();
        let mut attempts = RetryPolicy::COMMANDS.start();
        assert!(attempts.wait().await);
        assert_eq!(tally.count(crate::metrics::CONTENTION_RETRIES, &[]), 3);
    }
}

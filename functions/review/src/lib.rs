//! The handler of the `review` function (`src/main.rs` only wires it).
//!
//! A schedule of the template invokes it daily with `{"review": "sweep"}`
//! (`events/scheduler/review-sweep.json`): it re-projects the projects
//! whose forecast is due for review (`app::review`), announcing
//! each change of health. Invoked once by hand with
//! `{"review": "backfill"}` after the upgrade that brought forecasting, it
//! assesses the projects stored before it. Any other payload is refused by
//! the runtime (it does not deserialize): a mistyped backfill fails rather
//! than running a sweep in its place.

use app::ports::StoreError;
use app::{ReviewReport, Reviewer};
use serde::Deserialize;

/// The payload of the schedule, or of the one-off backfill.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub review: ReviewKind,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// The projects due for review (the daily schedule).
    Sweep,
    /// The projects in progress without a forecast (once, by hand).
    Backfill,
}

/// Runs the review the request asks for. A store error fails the
/// invocation; the next sweep takes up what is still due.
pub async fn handle(
    reviewer: &Reviewer,
    request: ReviewRequest,
) -> Result<ReviewReport, StoreError> {
    match request.review {
        ReviewKind::Sweep => reviewer.sweep().await,
        ReviewKind::Backfill => reviewer.backfill().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_sweep_and_the_backfill_are_the_only_requests() {
        let kind = |payload| serde_json::from_value::<ReviewRequest>(payload).map(|r| r.review);
        assert_eq!(kind(json!({ "review": "sweep" })).ok(), Some(ReviewKind::Sweep));
        assert_eq!(kind(json!({ "review": "backfill" })).ok(), Some(ReviewKind::Backfill));
        for other in [
            json!({}),
            json!({ "review": "backfil" }),
            json!({ "review": "sweep", "at": "2026-12-15" }),
            json!({ "escalation": "sweep" }),
        ] {
            assert!(kind(other.clone()).is_err(), "{other}");
        }
    }
}

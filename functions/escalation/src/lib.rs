//! The handler of the `escalation` function (`src/main.rs` only wires it).
//!
//! A schedule of the template invokes it every 15 minutes with
//! `{"escalation": "sweep"}` (`events/scheduler/escalation-sweep.json`):
//! the sweep escalates the blocked tasks whose escalation is due
//! (`app::escalation`) and answers what it did. Any other payload
//! is refused by the runtime (it does not deserialize), so that a mistaken
//! invocation fails loudly instead of passing for the schedule.

use app::ports::StoreError;
use app::{EscalationReport, Escalator};
use serde::Deserialize;

/// The schedule's payload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRequest {
    pub escalation: SweepKind,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    Sweep,
}

/// Runs the sweep the request asks for. A store error fails the
/// invocation; the next scheduled sweep takes up what is still due.
pub async fn handle(
    escalator: &Escalator,
    request: SweepRequest,
) -> Result<EscalationReport, StoreError> {
    let SweepRequest { escalation: SweepKind::Sweep } = request;
    escalator.sweep().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_schedules_payload_is_a_request() {
        let request: SweepRequest =
            serde_json::from_value(json!({ "escalation": "sweep" })).expect("the schedule's");
        assert_eq!(request.escalation, SweepKind::Sweep);
        for other in [
            json!({}),
            json!({ "escalation": "sweeps" }),
            json!({ "escalation": "sweep", "dry_run": true }),
            json!({ "review": "sweep" }),
        ] {
            assert!(serde_json::from_value::<SweepRequest>(other.clone()).is_err(), "{other}");
        }
    }
}

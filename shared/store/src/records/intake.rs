//! The record of a won deal: its intake, latest revision and cancellation.
//! The table's own format, which keeps the answers it replays in the
//! shared formats ([`wire::DealAccepted`], [`wire::ChangedProject`]).

use super::values::is_zero;
use chrono::{DateTime, Utc};
use domain::{deal_changes, intake};
use serde::{Deserialize, Serialize};
use wire::{ChangedProject, DealAccepted};

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum IntakeState mirrors intake::IntakeState { Pending, Complete }
}

#[derive(Serialize, Deserialize)]
pub struct Intake {
    deal_id: String,
    fingerprint: String,
    state: IntakeState,
    /// The projects the deal became, as the first delivery was answered.
    response: DealAccepted,
    received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "is_zero")]
    version: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lines: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revision: Option<Revision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cancellation: Option<Cancellation>,
}

#[derive(Serialize, Deserialize)]
struct Revision {
    number: u32,
    fingerprint: String,
    state: IntakeState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<Changed>,
    received_at: DateTime<Utc>,
}

/// The answer to a revision, as its first complete delivery gave it.
#[derive(Serialize, Deserialize)]
struct Changed {
    projects: Vec<ChangedProject>,
}

#[derive(Serialize, Deserialize)]
struct Cancellation {
    cancelled_at: DateTime<Utc>,
    reason: String,
    received_at: DateTime<Utc>,
}

impl Revision {
    fn of(r: &intake::RevisionRecord) -> Self {
        Self {
            number: r.number,
            fingerprint: r.fingerprint.clone(),
            state: r.state.into(),
            result: r.result.as_ref().map(|c| Changed { projects: wire::each(&c.projects) }),
            received_at: r.received_at,
        }
    }

    fn into_domain(self, deal_id: &str) -> intake::RevisionRecord {
        let number = self.number;
        intake::RevisionRecord {
            number,
            fingerprint: self.fingerprint,
            state: self.state.into(),
            result: self.result.map(|c| deal_changes::DealChanged {
                deal_id: deal_id.to_owned(),
                revision: number,
                projects: wire::back(c.projects),
            }),
            received_at: self.received_at,
        }
    }
}

impl Intake {
    /// The stored `state` of a complete intake, for the adapters' updates.
    pub const COMPLETE: &str = "complete";
}

impl From<&intake::DealRecord> for Intake {
    fn from(r: &intake::DealRecord) -> Self {
        Self {
            deal_id: r.deal_id.clone(),
            fingerprint: r.fingerprint.clone(),
            state: r.state.into(),
            response: (&r.response).into(),
            received_at: r.received_at,
            version: r.version,
            lines: r.lines.clone(),
            revision: r.revision.as_ref().map(Revision::of),
            cancellation: r.cancellation.as_ref().map(|c| Cancellation {
                cancelled_at: c.cancelled_at,
                reason: c.reason.clone(),
                received_at: c.received_at,
            }),
        }
    }
}

impl From<Intake> for intake::DealRecord {
    fn from(r: Intake) -> Self {
        let revision = r.revision.map(|rev| rev.into_domain(&r.deal_id));
        Self {
            deal_id: r.deal_id,
            fingerprint: r.fingerprint,
            state: r.state.into(),
            response: r.response.into(),
            received_at: r.received_at,
            version: r.version,
            lines: r.lines,
            revision,
            cancellation: r.cancellation.map(|c| intake::DealCancellation {
                cancelled_at: c.cancelled_at,
                reason: c.reason,
                received_at: c.received_at,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{FINGERPRINT, STATE};

    #[test]
    fn the_attributes_updated_in_place_are_the_serialized_ones() {
        assert_eq!(serde_json::json!(IntakeState::Complete), Intake::COMPLETE);
        let record = Intake {
            deal_id: "D".into(),
            fingerprint: "f".into(),
            state: IntakeState::Pending,
            response: DealAccepted { deal_id: "D".into(), projects: Vec::new() },
            received_at: chrono::DateTime::UNIX_EPOCH,
            version: 0,
            lines: Vec::new(),
            revision: None,
            cancellation: None,
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            (json[STATE].as_str(), json[FINGERPRINT].as_str()),
            (Some("pending"), Some("f"))
        );
    }
}

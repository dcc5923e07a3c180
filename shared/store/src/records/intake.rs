//! The record of a won deal: its intake, latest revision and cancellation.

use super::values::{LineOutcome, ProjectStatus, is_zero};
use chrono::{DateTime, Utc};
use domain::ProjectId;
use domain::deal_changes as dam;
use domain::intake as d;
use serde::{Deserialize, Serialize};

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum IntakeState mirrors d::IntakeState { Pending, Complete }
}

#[derive(Serialize, Deserialize)]
pub struct Intake {
    deal_id: String,
    fingerprint: String,
    state: IntakeState,
    response: Accepted,
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
struct ChangedProject {
    id: String,
    line_id: String,
    status: ProjectStatus,
    outcome: LineOutcome,
}

#[derive(Serialize, Deserialize)]
struct Cancellation {
    cancelled_at: DateTime<Utc>,
    reason: String,
    received_at: DateTime<Utc>,
}

impl Revision {
    fn of(r: &d::RevisionRecord) -> Self {
        let project = |p: &dam::ChangedProject| ChangedProject {
            id: p.id.to_string(),
            line_id: p.line_id.clone(),
            status: p.status.into(),
            outcome: p.outcome.into(),
        };
        Self {
            number: r.number,
            fingerprint: r.fingerprint.clone(),
            state: r.state.into(),
            result: r
                .result
                .as_ref()
                .map(|c| Changed { projects: c.projects.iter().map(project).collect() }),
            received_at: r.received_at,
        }
    }

    fn into_domain(self, deal_id: &str) -> d::RevisionRecord {
        let number = self.number;
        let project = |p: ChangedProject| dam::ChangedProject {
            id: ProjectId::from_raw(p.id),
            line_id: p.line_id,
            status: p.status.into(),
            outcome: p.outcome.into(),
        };
        d::RevisionRecord {
            number,
            fingerprint: self.fingerprint,
            state: self.state.into(),
            result: self.result.map(|c| dam::DealChanged {
                deal_id: deal_id.to_owned(),
                revision: number,
                projects: c.projects.into_iter().map(project).collect(),
            }),
            received_at: self.received_at,
        }
    }
}

impl Intake {
    /// The stored `state` of a complete intake, for the adapters' updates.
    pub const COMPLETE: &str = "complete";
}

/// The projects the deal became, as the first delivery was answered.
#[derive(Serialize, Deserialize)]
struct Accepted {
    deal_id: String,
    projects: Vec<Summary>,
}

#[derive(Serialize, Deserialize)]
struct Summary {
    id: String,
    line_id: String,
    service_type: String,
    service_name: String,
    subscription_id: String,
    status: ProjectStatus,
    template_version: u32,
    /// The project's path in the staff API. Read by no one since the HTTP
    /// layer makes it; still written because the previous release requires
    /// it, so that a rollback replays deals received since.
    #[serde(default, skip_deserializing)]
    href: String,
}

impl From<&d::DealRecord> for Intake {
    fn from(r: &d::DealRecord) -> Self {
        let projects = r
            .response
            .projects
            .iter()
            .map(|p| Summary {
                id: p.id.to_string(),
                line_id: p.line_id.clone(),
                service_type: p.service_type.clone(),
                service_name: p.service_name.clone(),
                subscription_id: p.subscription_id.clone(),
                status: p.status.into(),
                template_version: p.template_version,
                href: format!("/v1/projects/{}", p.id),
            })
            .collect();
        Self {
            deal_id: r.deal_id.clone(),
            fingerprint: r.fingerprint.clone(),
            state: r.state.into(),
            response: Accepted { deal_id: r.response.deal_id.clone(), projects },
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

impl From<Intake> for d::DealRecord {
    fn from(r: Intake) -> Self {
        let projects = r
            .response
            .projects
            .into_iter()
            .map(|p| d::ProjectSummary {
                id: ProjectId::from_raw(p.id),
                line_id: p.line_id,
                service_type: p.service_type,
                service_name: p.service_name,
                subscription_id: p.subscription_id,
                status: p.status.into(),
                template_version: p.template_version,
            })
            .collect();
        let revision = r.revision.map(|rev| rev.into_domain(&r.deal_id));
        Self {
            deal_id: r.deal_id,
            fingerprint: r.fingerprint,
            state: r.state.into(),
            response: d::DealAccepted { deal_id: r.response.deal_id, projects },
            received_at: r.received_at,
            version: r.version,
            lines: r.lines,
            revision,
            cancellation: r.cancellation.map(|c| d::DealCancellation {
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
            response: Accepted { deal_id: "D".into(), projects: Vec::new() },
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

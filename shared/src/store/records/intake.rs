//! The idempotency record of a won deal.

use super::values::ProjectStatus;
use crate::domain::ProjectId;
use crate::domain::intake as d;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum IntakeState mirrors d::IntakeState { Pending, Complete }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Intake {
    deal_id: String,
    fingerprint: String,
    state: IntakeState,
    response: Accepted,
    received_at: DateTime<Utc>,
}

impl Intake {
    /// The stored `state` of a complete intake, for the adapters' updates.
    pub(crate) const COMPLETE: &str = "complete";
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

impl From<&d::IntakeRecord> for Intake {
    fn from(r: &d::IntakeRecord) -> Self {
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
        }
    }
}

impl From<Intake> for d::IntakeRecord {
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
        Self {
            deal_id: r.deal_id,
            fingerprint: r.fingerprint,
            state: r.state.into(),
            response: d::DealAccepted { deal_id: r.response.deal_id, projects },
            received_at: r.received_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::{FINGERPRINT, STATE};

    #[test]
    fn the_attributes_updated_in_place_are_the_serialized_ones() {
        assert_eq!(serde_json::json!(IntakeState::Complete), Intake::COMPLETE);
        let record = Intake {
            deal_id: "D".into(),
            fingerprint: "f".into(),
            state: IntakeState::Pending,
            response: Accepted { deal_id: "D".into(), projects: Vec::new() },
            received_at: chrono::DateTime::UNIX_EPOCH,
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            (json[STATE].as_str(), json[FINGERPRINT].as_str()),
            (Some("pending"), Some("f"))
        );
    }
}

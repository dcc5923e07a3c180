//! Exactly-once intake of won deals.
//!
//! A deal is planned in full before anything is written: the projects, their
//! outbox entries and the response are all functions of the deal, so every
//! delivery of the same deal plans the same writes and the same answer.

use super::deal::DealWon;
use super::ids::ProjectId;
use super::project::{Change, Project, ProjectStatus};
use super::template::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The idempotency record of one deal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntakeRecord {
    pub deal_id: String,
    /// Fingerprint of the deal's content; a different body under the same id is a conflict.
    pub fingerprint: String,
    pub state: IntakeState,
    /// The `201` body, replayed verbatim on every later delivery.
    pub response: DealAccepted,
    pub received_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeState {
    /// Claimed: some projects may still be missing (a delivery stopped half-way).
    Pending,
    /// Every project of the deal exists.
    Complete,
}

/// The response body of `POST /v1/crm/deals/won`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DealAccepted {
    pub deal_id: String,
    pub projects: Vec<ProjectSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub line_id: String,
    pub service_type: String,
    pub service_name: String,
    pub subscription_id: String,
    pub status: ProjectStatus,
    pub template_version: u32,
    pub href: String,
}

/// Everything one deal writes, in commit order.
#[derive(Debug)]
pub struct IntakePlan {
    pub record: IntakeRecord,
    pub projects: Vec<(Project, Change)>,
}

/// Content fingerprint of a deal: SHA-256 of its canonical JSON. Two bodies
/// that differ only in whitespace, key order or date notation are the same deal.
pub fn fingerprint(deal: &DealWon) -> String {
    // A struct of strings, dates and enums always serializes.
    let canonical = serde_json::to_vec(deal).unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}

/// Plans the intake of `deal`; `template_for` gives the template of a service type.
pub fn plan(
    deal: &DealWon,
    template_for: impl Fn(&str) -> Template,
    now: DateTime<Utc>,
) -> IntakePlan {
    let projects: Vec<(Project, Change)> = deal
        .installable_lines()
        .map(|line| Project::open(deal, line, &template_for(&line.service_type), now))
        .collect();
    let response = DealAccepted {
        deal_id: deal.deal_id.clone(),
        projects: projects
            .iter()
            .map(|(p, _)| {
                let line = &p.services[0];
                ProjectSummary {
                    id: p.id.clone(),
                    line_id: p.line_id.clone(),
                    service_type: line.service_type.clone(),
                    service_name: line.name.clone(),
                    subscription_id: line.subscription_id.clone(),
                    status: p.status,
                    template_version: p.template.version,
                    href: format!("/v1/projects/{}", p.id),
                }
            })
            .collect(),
    };
    let record = IntakeRecord {
        deal_id: deal.deal_id.clone(),
        fingerprint: fingerprint(deal),
        state: IntakeState::Pending,
        response,
        received_at: now,
    };
    IntakePlan { record, projects }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::tests::sample;

    fn now() -> DateTime<Utc> {
        "2026-11-20T10:05:00Z".parse().unwrap()
    }

    #[test]
    fn one_project_per_line_needing_installation() {
        let plan = plan(&sample(), Template::default_for, now());
        let lines: Vec<_> =
            plan.record.response.projects.iter().map(|p| p.line_id.as_str()).collect();
        assert_eq!(lines, ["L1", "L2"]);
        assert_eq!(plan.projects.len(), 2);
        assert_eq!(plan.record.state, IntakeState::Pending);
    }

    #[test]
    fn planning_twice_gives_the_same_ids_and_response() {
        let a = plan(&sample(), Template::default_for, now());
        let b = plan(&sample(), Template::default_for, now() + chrono::Duration::minutes(3));
        assert_eq!(a.record.response, b.record.response);
        assert_eq!(a.record.fingerprint, b.record.fingerprint);
        let ids = |p: &IntakePlan| {
            p.projects
                .iter()
                .map(|(p, c)| (p.id.clone(), c.outbox[0].id.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
    }

    #[test]
    fn the_fingerprint_ignores_notation_but_not_content() {
        let deal = sample();
        let json = serde_json::to_string(&deal)
            .unwrap()
            .replace("2026-11-20T10:00:00Z", "2026-11-20T11:00:00+01:00");
        let renotated: DealWon = serde_json::from_str(&json).unwrap();
        assert_eq!(fingerprint(&deal), fingerprint(&renotated));
        let mut changed = deal.clone();
        changed.services[1].name = "Trunk SIP 20 canaux".into();
        assert_ne!(fingerprint(&deal), fingerprint(&changed));
    }

    #[test]
    fn a_deal_without_installations_plans_no_project() {
        let mut deal = sample();
        deal.services.retain(|s| !s.needs_installation());
        let plan = plan(&deal, Template::default_for, now());
        assert!(plan.projects.is_empty() && plan.record.response.projects.is_empty());
    }
}

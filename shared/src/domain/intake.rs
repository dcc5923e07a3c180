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
use sha2::{Digest, Sha256};

/// The idempotency record of one deal.
#[derive(Clone, Debug, PartialEq)]
pub struct IntakeRecord {
    pub deal_id: String,
    /// Fingerprint of the deal's content; a different body under the same id is a conflict.
    pub fingerprint: String,
    pub state: IntakeState,
    /// The projects of the first answer (`201`), given again on every later delivery.
    pub response: DealAccepted,
    pub received_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntakeState {
    /// Claimed: some projects may still be missing (a delivery stopped half-way).
    Pending,
    /// Every project of the deal exists.
    Complete,
}

/// What a deal became: its projects, in the order of its lines.
#[derive(Clone, Debug, PartialEq)]
pub struct DealAccepted {
    pub deal_id: String,
    pub projects: Vec<ProjectSummary>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub line_id: String,
    pub service_type: String,
    pub service_name: String,
    pub subscription_id: String,
    pub status: ProjectStatus,
    pub template_version: u32,
}

/// Everything one deal writes, in commit order.
#[derive(Debug)]
pub struct IntakePlan {
    pub record: IntakeRecord,
    pub projects: Vec<(Project, Change)>,
}

/// Content fingerprint of a deal: SHA-256 of its canonical JSON (the
/// serialization of [`DealWon`]: its field names and order are part of every
/// stored fingerprint). Two bodies that differ only in whitespace, key order
/// or date notation are the same deal.
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
    fn the_fingerprint_is_the_content_s_and_stays_the_same_across_releases() {
        let deal = sample();
        // Stored in every intake record: were it to change, every later
        // delivery of a deal received before would be taken for a conflict.
        assert_eq!(
            fingerprint(&deal),
            "43544279ad3ff6c7a283ded3f389dfe876aa68ae2897beaa0fa8fa7361b96eab"
        );
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

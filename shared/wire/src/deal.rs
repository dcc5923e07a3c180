//! The answers to the CRM that the table keeps, so that a delivery again
//! is answered as the first one was.

use crate::ids::ProjectId;
use crate::values::{LineOutcome, ProjectStatus};
use domain::deal_changes;
use domain::intake;
use serde::{Deserialize, Serialize};

/// The staff API's path of a project: the `href` of intake answers (the
/// API's route table checks that it is its project route).
pub fn project_href(id: &domain::ProjectId) -> String {
    format!("/v1/projects/{id}")
}

/// The response body of `POST /v1/crm/deals/won`.
// Kept with the deal's record, to answer a delivery again as the first.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DealAccepted {
    pub deal_id: String,
    pub projects: Vec<ProjectSummary>,
}

impl From<&intake::DealAccepted> for DealAccepted {
    fn from(a: &intake::DealAccepted) -> Self {
        Self { deal_id: a.deal_id.clone(), projects: crate::each(&a.projects) }
    }
}

impl From<DealAccepted> for intake::DealAccepted {
    fn from(a: DealAccepted) -> Self {
        Self { deal_id: a.deal_id, projects: crate::back(a.projects) }
    }
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub line_id: String,
    pub service_type: String,
    pub service_name: String,
    pub subscription_id: String,
    pub status: ProjectStatus,
    pub template_version: u32,
    /// The project in the staff API.
    // Made from the id, so readers ignore it; still stored, because the
    // release before this one requires it to replay deals after a rollback.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub href: String,
}

impl From<&intake::ProjectSummary> for ProjectSummary {
    fn from(p: &intake::ProjectSummary) -> Self {
        Self {
            id: (&p.id).into(),
            line_id: p.line_id.clone(),
            service_type: p.service_type.clone(),
            service_name: p.service_name.clone(),
            subscription_id: p.subscription_id.clone(),
            status: p.status.into(),
            template_version: p.template_version,
            href: project_href(&p.id),
        }
    }
}

impl From<ProjectSummary> for intake::ProjectSummary {
    fn from(p: ProjectSummary) -> Self {
        Self {
            id: p.id.into(),
            line_id: p.line_id,
            service_type: p.service_type,
            service_name: p.service_name,
            subscription_id: p.subscription_id,
            status: p.status.into(),
            template_version: p.template_version,
        }
    }
}

/// A project of the deal and what the revision did to it.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedProject {
    pub id: ProjectId,
    pub line_id: String,
    pub status: ProjectStatus,
    pub outcome: LineOutcome,
}

impl From<&deal_changes::ChangedProject> for ChangedProject {
    fn from(p: &deal_changes::ChangedProject) -> Self {
        Self {
            id: (&p.id).into(),
            line_id: p.line_id.clone(),
            status: p.status.into(),
            outcome: p.outcome.into(),
        }
    }
}

impl From<ChangedProject> for deal_changes::ChangedProject {
    fn from(p: ChangedProject) -> Self {
        Self {
            id: p.id.into(),
            line_id: p.line_id,
            status: p.status.into(),
            outcome: p.outcome.into(),
        }
    }
}

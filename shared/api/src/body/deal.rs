//! The CRM's deals (won, changed, cancelled), and the answers they get.

use super::values::{Contact, Language, LineOutcome, ProjectId, ProjectStatus, ServiceLine};
use super::{back, rules};
use chrono::{DateTime, NaiveDate, Utc};
use domain::deal as d;
use domain::deal_changes as da;
use domain::intake as di;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealWon {
    #[schema(value_type = rules::Identifier)]
    deal_id: String,
    won_at: DateTime<Utc>,
    account: Account,
    technical_contact: Contact,
    #[schema(value_type = rules::Email)]
    owner: String,
    /// On or after the day of `won_at`.
    target_go_live: NaiveDate,
    #[schema(min_items = 1, max_items = 50)]
    services: Vec<ServiceLine>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    #[schema(value_type = rules::Identifier)]
    id: String,
    #[schema(value_type = rules::Name)]
    name: String,
    /// The language of customer mail; French unless the CRM says otherwise.
    #[serde(default)]
    language: Language,
}

impl From<DealWon> for d::DealWon {
    fn from(deal: DealWon) -> Self {
        Self {
            deal_id: deal.deal_id,
            won_at: deal.won_at,
            account: d::Account {
                id: deal.account.id,
                name: deal.account.name,
                language: deal.account.language.into(),
            },
            technical_contact: deal.technical_contact.into(),
            owner: deal.owner,
            target_go_live: deal.target_go_live,
            services: back(deal.services),
        }
    }
}

/// The response body of `POST /v1/crm/deals/won`.
#[derive(Serialize, ToSchema)]
pub struct DealAccepted {
    deal_id: String,
    projects: Vec<ProjectSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectSummary {
    id: ProjectId,
    line_id: String,
    service_type: String,
    service_name: String,
    subscription_id: String,
    status: ProjectStatus,
    template_version: u32,
    /// The project in the staff API.
    href: String,
}

impl From<&di::DealAccepted> for DealAccepted {
    fn from(a: &di::DealAccepted) -> Self {
        let projects = a
            .projects
            .iter()
            .map(|p| ProjectSummary {
                id: (&p.id).into(),
                line_id: p.line_id.clone(),
                service_type: p.service_type.clone(),
                service_name: p.service_name.clone(),
                subscription_id: p.subscription_id.clone(),
                status: p.status.into(),
                template_version: p.template_version,
                href: crate::routes::project_href(&p.id),
            })
            .collect();
        Self { deal_id: a.deal_id.clone(), projects }
    }
}

/// The deal as it now is, at a revision: `POST /v1/crm/deals/changed`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealChange {
    /// Increased by the CRM with every change; the won deal is revision 0.
    #[schema(minimum = 1)]
    revision: u32,
    #[schema(value_type = rules::Identifier)]
    deal_id: String,
    won_at: DateTime<Utc>,
    account: Account,
    technical_contact: Contact,
    #[schema(value_type = rules::Email)]
    owner: String,
    target_go_live: NaiveDate,
    #[schema(min_items = 1, max_items = 50)]
    services: Vec<ServiceLine>,
}

impl From<DealChange> for da::DealChange {
    fn from(c: DealChange) -> Self {
        let deal = DealWon {
            deal_id: c.deal_id,
            won_at: c.won_at,
            account: c.account,
            technical_contact: c.technical_contact,
            owner: c.owner,
            target_go_live: c.target_go_live,
            services: c.services,
        };
        Self { deal: deal.into(), revision: c.revision }
    }
}

/// The response body of `POST /v1/crm/deals/changed`.
#[derive(Serialize, ToSchema)]
pub struct DealChanged {
    deal_id: String,
    revision: u32,
    projects: Vec<ChangedProject>,
}

/// A project of the deal and what the revision did to it.
#[derive(Serialize, ToSchema)]
pub struct ChangedProject {
    id: ProjectId,
    line_id: String,
    status: ProjectStatus,
    outcome: LineOutcome,
}

impl From<&da::DealChanged> for DealChanged {
    fn from(c: &da::DealChanged) -> Self {
        let project = |p: &da::ChangedProject| ChangedProject {
            id: (&p.id).into(),
            line_id: p.line_id.clone(),
            status: p.status.into(),
            outcome: p.outcome.into(),
        };
        Self {
            deal_id: c.deal_id.clone(),
            revision: c.revision,
            projects: c.projects.iter().map(project).collect(),
        }
    }
}

/// `POST /v1/crm/deals/cancelled`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealCancel {
    #[schema(value_type = rules::Identifier)]
    deal_id: String,
    /// Not in the future.
    cancelled_at: DateTime<Utc>,
    #[schema(value_type = rules::Paragraph)]
    reason: String,
}

impl From<DealCancel> for da::DealCancel {
    fn from(c: DealCancel) -> Self {
        Self { deal_id: c.deal_id, cancelled_at: c.cancelled_at, reason: c.reason }
    }
}

/// The response body of `POST /v1/crm/deals/cancelled`: the cancellation as
/// first received, and every project of the deal (a live one stays live).
#[derive(Serialize, ToSchema)]
pub struct DealCancelled {
    deal_id: String,
    cancelled_at: DateTime<Utc>,
    reason: String,
    projects: Vec<DealProject>,
}

#[derive(Serialize, ToSchema)]
pub struct DealProject {
    id: ProjectId,
    line_id: String,
    status: ProjectStatus,
}

impl From<&da::DealCancelled> for DealCancelled {
    fn from(c: &da::DealCancelled) -> Self {
        let project = |p: &da::DealProject| DealProject {
            id: (&p.id).into(),
            line_id: p.line_id.clone(),
            status: p.status.into(),
        };
        Self {
            deal_id: c.deal_id.clone(),
            cancelled_at: c.cancelled_at,
            reason: c.reason.clone(),
            projects: c.projects.iter().map(project).collect(),
        }
    }
}

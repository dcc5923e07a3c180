//! The CRM's won deal, and the answer it gets.

use super::back;
use super::values::{Contact, Language, ProjectId, ProjectStatus, ServiceLine};
use crate::domain::deal as d;
use crate::domain::intake as di;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealWon {
    deal_id: String,
    won_at: DateTime<Utc>,
    account: Account,
    technical_contact: Contact,
    owner: String,
    target_go_live: NaiveDate,
    services: Vec<ServiceLine>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    id: String,
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
                href: crate::http::routes::project_href(&p.id),
            })
            .collect();
        Self { deal_id: a.deal_id.clone(), projects }
    }
}

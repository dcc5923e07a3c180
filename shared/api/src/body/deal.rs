//! The CRM's deals (won, changed, cancelled), and the answers they get.
//! The deals are request shapes; the answer to a won deal is the one the
//! table keeps ([`wire::DealAccepted`]); the answers to a change and a
//! cancellation are made anew from the deal's record, which keeps less.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{deal, deal_changes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wire::{ChangedProject, Contact, Language, ProjectId, ProjectStatus, ServiceLine, back, rules};

#[derive(Deserialize, ToSchema)]
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
pub struct Account {
    #[schema(value_type = rules::Identifier)]
    id: String,
    #[schema(value_type = rules::Name)]
    name: String,
    /// The language of customer mail; French unless the CRM says otherwise.
    #[serde(default)]
    language: Language,
}

impl From<DealWon> for deal::DealWon {
    fn from(deal: DealWon) -> Self {
        Self {
            deal_id: deal.deal_id,
            won_at: deal.won_at,
            account: deal::Account {
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

/// The deal as it now is, at a revision: `POST /v1/crm/deals/changed`.
#[derive(Deserialize, ToSchema)]
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

impl From<DealChange> for deal_changes::DealChange {
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

impl From<&deal_changes::DealChanged> for DealChanged {
    fn from(c: &deal_changes::DealChanged) -> Self {
        Self { deal_id: c.deal_id.clone(), revision: c.revision, projects: wire::each(&c.projects) }
    }
}

/// `POST /v1/crm/deals/cancelled`.
#[derive(Deserialize, ToSchema)]
pub struct DealCancel {
    #[schema(value_type = rules::Identifier)]
    deal_id: String,
    /// Not in the future.
    cancelled_at: DateTime<Utc>,
    #[schema(value_type = rules::Paragraph)]
    reason: String,
}

impl From<DealCancel> for deal_changes::DealCancel {
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

impl From<&deal_changes::DealCancelled> for DealCancelled {
    fn from(c: &deal_changes::DealCancelled) -> Self {
        let project = |p: &deal_changes::DealProject| DealProject {
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

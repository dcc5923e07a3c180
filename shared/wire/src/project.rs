//! What a project records of its holds, its cancellation, its contact's
//! undeliverable mail and its history: the same in the API and the table.

use crate::values::Category;
use chrono::{DateTime, NaiveDate, Utc};
use domain::hold_and_cancel;
use domain::mail_feedback;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why and since when a project is on hold.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub reason: String,
    pub category: Category,
    /// When the team expects to resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    pub since: DateTime<Utc>,
    /// Who put it on hold.
    pub by: String,
}

impl From<&hold_and_cancel::Hold> for Hold {
    fn from(h: &hold_and_cancel::Hold) -> Self {
        Self {
            reason: h.reason.clone(),
            category: h.category.into(),
            until: h.until,
            since: h.since,
            by: h.by.clone(),
        }
    }
}

impl From<Hold> for hold_and_cancel::Hold {
    fn from(h: Hold) -> Self {
        Self {
            reason: h.reason,
            category: h.category.into(),
            until: h.until,
            since: h.since,
            by: h.by,
        }
    }
}

/// Why, when and by whom a project was cancelled (`by` is `crm` when the
/// deal changed or was cancelled in the CRM).
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

impl From<&hold_and_cancel::Cancellation> for Cancellation {
    fn from(c: &hold_and_cancel::Cancellation) -> Self {
        Self { reason: c.reason.clone(), at: c.at, by: c.by.clone() }
    }
}

impl From<Cancellation> for hold_and_cancel::Cancellation {
    fn from(c: Cancellation) -> Self {
        Self { reason: c.reason, at: c.at, by: c.by }
    }
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Undeliverable {
    /// The address the reports were about.
    pub email: String,
    pub feedback: Feedback,
    /// The receiving server's diagnostic, or the complaint's type.
    pub detail: String,
    pub since: DateTime<Utc>,
}

wire_enum! {
    /// `bounce`: the address does not accept mail; `complaint`: the
    /// recipient reported it as spam.
    pub enum Feedback mirrors mail_feedback::Feedback { Bounce, Complaint } as "snake_case"
}

impl From<&mail_feedback::Undeliverable> for Undeliverable {
    fn from(u: &mail_feedback::Undeliverable) -> Self {
        let (email, detail) = (u.email.clone(), u.detail.clone());
        Self { email, feedback: u.feedback.into(), detail, since: u.since }
    }
}

impl From<Undeliverable> for mail_feedback::Undeliverable {
    fn from(u: Undeliverable) -> Self {
        Self { email: u.email, feedback: u.feedback.into(), detail: u.detail, since: u.since }
    }
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The project version this change produced.
    pub version: u64,
    /// Rank within that change.
    pub seq: u16,
    pub at: DateTime<Utc>,
    /// `sub` of the staff member, or `crm` / `system`.
    pub actor: String,
    /// What happened, e.g. `project.created`, `milestone.completed`, `task.updated`.
    pub action: String,
    /// What it happened to: the project, a milestone key, a task id.
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

impl From<&domain::history::HistoryEntry> for HistoryEntry {
    fn from(h: &domain::history::HistoryEntry) -> Self {
        Self {
            version: h.version,
            seq: h.seq,
            at: h.at,
            actor: h.actor.clone(),
            action: h.action.clone(),
            subject: h.subject.clone(),
            before: h.before.clone(),
            after: h.after.clone(),
        }
    }
}

impl From<HistoryEntry> for domain::history::HistoryEntry {
    fn from(h: HistoryEntry) -> Self {
        Self {
            version: h.version,
            seq: h.seq,
            at: h.at,
            actor: h.actor,
            action: h.action,
            subject: h.subject,
            before: h.before,
            after: h.after,
        }
    }
}

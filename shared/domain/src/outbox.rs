//! Outbox entries: mail and events committed with the change that caused
//! them, delivered afterwards by the dispatcher.

use super::deal::Language;
use super::ids::{OutboxId, ProjectId};
use super::milestone::CustomerMail;

/// Every mail the module sends: the customer mails of milestones, and the
/// internal escalation mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTemplate {
    OrderConfirmed,
    DeliveryConfirmed,
    GoLive,
    TaskEscalated,
    /// Internal: a project went at risk or late.
    ProjectJeopardy,
    /// Internal: mail to the technical contact bounced or was complained of.
    ContactUndeliverable,
}

impl MailTemplate {
    /// The file-name stem of the template (`templates/mail/<slug>.<lang>.*`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::OrderConfirmed => "order_confirmed",
            Self::DeliveryConfirmed => "delivery_confirmed",
            Self::GoLive => "go_live",
            Self::TaskEscalated => "task_escalated",
            Self::ProjectJeopardy => "project_jeopardy",
            Self::ContactUndeliverable => "contact_undeliverable",
        }
    }

    /// Whether the mail goes to the customer (and so links to the
    /// project's status page) rather than to the deployment team.
    pub fn is_for_customer(self) -> bool {
        match self {
            Self::OrderConfirmed | Self::DeliveryConfirmed | Self::GoLive => true,
            Self::TaskEscalated | Self::ProjectJeopardy | Self::ContactUndeliverable => false,
        }
    }
}

impl From<CustomerMail> for MailTemplate {
    fn from(mail: CustomerMail) -> Self {
        match mail {
            CustomerMail::OrderConfirmed => Self::OrderConfirmed,
            CustomerMail::DeliveryConfirmed => Self::DeliveryConfirmed,
            CustomerMail::GoLive => Self::GoLive,
        }
    }
}
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    /// Stable across redeliveries: the EventBridge `event_id`, the mail's Message-ID.
    pub id: OutboxId,
    pub project_id: ProjectId,
    pub created_at: DateTime<Utc>,
    pub message: OutboxMessage,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutboxMessage {
    /// An EventBridge event; `detail` already holds `event_id` and `project_id`.
    Event { detail_type: String, detail: Value },
    /// A customer mail; `context` is a snapshot of what the template shows,
    /// taken when the milestone was reached.
    Mail { template: MailTemplate, to: String, language: Language, context: Value },
}

impl OutboxEntry {
    pub fn detail_type(&self) -> Option<&str> {
        match &self.message {
            OutboxMessage::Event { detail_type, .. } => Some(detail_type),
            OutboxMessage::Mail { .. } => None,
        }
    }
}

/// Where an entry stands in its delivery, as the console shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Not delivered yet: waiting, held by a dispatcher, or given back
    /// after a failed attempt (`last_error` then says why).
    Pending {
        attempts: u32,
        last_error: Option<String>,
    },
    Sent {
        at: DateTime<Utc>,
    },
    /// Given up on: it can never be delivered as it is.
    Failed {
        at: DateTime<Utc>,
        reason: String,
    },
}

/// An outbox entry with its delivery state.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRecord {
    pub entry: OutboxEntry,
    pub delivery: Delivery,
}

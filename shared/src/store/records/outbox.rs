//! Outbox entries: what to deliver, as committed with their change.

use super::values::Language;
use crate::domain::outbox as d;
use crate::domain::{OutboxId, ProjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum MailTemplate mirrors d::MailTemplate {
        OrderConfirmed, DeliveryConfirmed, GoLive, TaskEscalated, ProjectJeopardy
    }
}

/// The entry as committed; the adapters keep its delivery state beside it.
#[derive(Serialize, Deserialize)]
pub(crate) struct OutboxEntry {
    id: String,
    project_id: String,
    created_at: DateTime<Utc>,
    message: Message,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Message {
    Event { detail_type: String, detail: Value },
    Mail { template: MailTemplate, to: String, language: Language, context: Value },
}

impl From<&d::OutboxEntry> for OutboxEntry {
    fn from(e: &d::OutboxEntry) -> Self {
        let message = match &e.message {
            d::OutboxMessage::Event { detail_type, detail } => {
                Message::Event { detail_type: detail_type.clone(), detail: detail.clone() }
            }
            d::OutboxMessage::Mail { template, to, language, context } => Message::Mail {
                template: (*template).into(),
                to: to.clone(),
                language: (*language).into(),
                context: context.clone(),
            },
        };
        Self {
            id: e.id.to_string(),
            project_id: e.project_id.to_string(),
            created_at: e.created_at,
            message,
        }
    }
}

impl From<OutboxEntry> for d::OutboxEntry {
    fn from(e: OutboxEntry) -> Self {
        let message = match e.message {
            Message::Event { detail_type, detail } => {
                d::OutboxMessage::Event { detail_type, detail }
            }
            Message::Mail { template, to, language, context } => d::OutboxMessage::Mail {
                template: template.into(),
                to,
                language: language.into(),
                context,
            },
        };
        Self {
            id: OutboxId::from_raw(e.id),
            project_id: ProjectId::from_raw(e.project_id),
            created_at: e.created_at,
            message,
        }
    }
}

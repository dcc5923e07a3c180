//! Outbox entries: what to deliver, as committed with their change.

use crate::corrupt;
use crate::keys::{DELIVERY_CLAIMED, DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_SENT};
use app::ports::StoreError;
use chrono::{DateTime, Utc};
use domain::outbox;
use domain::{OutboxId, ProjectId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wire::Language;

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum MailTemplate mirrors outbox::MailTemplate {
        OrderConfirmed, DeliveryConfirmed, GoLive, TaskEscalated, ProjectJeopardy,
        ContactUndeliverable
    }
}

/// The entry as committed; the adapters keep its delivery state beside it.
#[derive(Serialize, Deserialize)]
pub struct OutboxEntry {
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

impl From<&outbox::OutboxEntry> for OutboxEntry {
    fn from(e: &outbox::OutboxEntry) -> Self {
        let message = match &e.message {
            outbox::OutboxMessage::Event { detail_type, detail } => {
                Message::Event { detail_type: detail_type.clone(), detail: detail.clone() }
            }
            outbox::OutboxMessage::Mail { template, to, language, context } => Message::Mail {
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

impl From<OutboxEntry> for outbox::OutboxEntry {
    fn from(e: OutboxEntry) -> Self {
        let message = match e.message {
            Message::Event { detail_type, detail } => {
                outbox::OutboxMessage::Event { detail_type, detail }
            }
            Message::Mail { template, to, language, context } => outbox::OutboxMessage::Mail {
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

/// The delivery state an adapter keeps beside an entry (DynamoDB
/// attributes, SQLite columns), under the same names in both.
pub struct DeliveryState {
    /// One of the `keys::DELIVERY_*` values.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the entry was sent or given up on (RFC 3339).
    pub at: Option<String>,
}

impl DeliveryState {
    /// The state as the domain sees it; `key` names the item in errors.
    pub fn read(self, key: &str) -> Result<outbox::Delivery, StoreError> {
        let at = |at: Option<String>| -> Result<DateTime<Utc>, StoreError> {
            let at = at.ok_or_else(|| corrupt(key, "a settled entry without its time"))?;
            let at = DateTime::parse_from_rfc3339(&at).map_err(|e| corrupt(key, e))?;
            Ok(at.with_timezone(&Utc))
        };
        match self.state.as_str() {
            DELIVERY_PENDING | DELIVERY_CLAIMED => Ok(outbox::Delivery::Pending {
                attempts: self.attempts,
                last_error: self.last_error,
            }),
            DELIVERY_SENT => Ok(outbox::Delivery::Sent { at: at(self.at)? }),
            DELIVERY_FAILED => Ok(outbox::Delivery::Failed {
                at: at(self.at)?,
                reason: self.last_error.unwrap_or_default(),
            }),
            other => Err(corrupt(key, format!("unknown delivery state {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(state: &str, at: Option<&str>) -> DeliveryState {
        DeliveryState {
            state: state.into(),
            attempts: 2,
            last_error: Some("throttled".into()),
            at: at.map(str::to_owned),
        }
    }

    #[test]
    fn claimed_entries_read_as_pending_and_settled_ones_with_their_time() {
        let pending =
            outbox::Delivery::Pending { attempts: 2, last_error: Some("throttled".into()) };
        assert_eq!(state(DELIVERY_CLAIMED, None).read("k").unwrap(), pending);
        let at = "2026-11-20T10:00:00.5+00:00";
        let sent = state(DELIVERY_SENT, Some(at)).read("k").unwrap();
        assert_eq!(sent, outbox::Delivery::Sent { at: at.parse().unwrap() });
        assert!(matches!(
            state(DELIVERY_FAILED, Some(at)).read("k").unwrap(),
            outbox::Delivery::Failed { reason, .. } if reason == "throttled"
        ));
    }

    #[test]
    fn a_settled_entry_without_its_time_or_an_unknown_state_is_corrupt() {
        assert!(matches!(state(DELIVERY_SENT, None).read("k"), Err(StoreError::Corrupt { .. })));
        assert!(matches!(state("lost", None).read("k"), Err(StoreError::Corrupt { .. })));
    }
}

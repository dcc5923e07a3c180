//! TEMPORARY: stand-ins until the store's project outbox and the OIDC module land.
use crate::domain::ProjectId;
use crate::domain::outbox::OutboxEntry;
use crate::ports::StoreError;
use chrono::{DateTime, Utc};

pub enum Delivery {
    Pending { attempts: u32, last_error: Option<String> },
    Sent { at: DateTime<Utc> },
    Failed { at: DateTime<Utc>, reason: String },
}
pub struct OutboxRecord {
    pub entry: OutboxEntry,
    pub delivery: Delivery,
}
#[async_trait::async_trait]
pub trait ProjectOutbox: Send + Sync {
    async fn project_outbox(&self, id: &ProjectId) -> Result<Vec<OutboxRecord>, StoreError>;
}
#[async_trait::async_trait]
impl ProjectOutbox for NoOutbox {
    async fn project_outbox(&self, _id: &ProjectId) -> Result<Vec<OutboxRecord>, StoreError> {
        Ok(Vec::new())
    }
}
pub struct NoOutbox;

//! What both store adapters of the storage ports ([`app::ports`]) share:
//! the stored records ([`records`]), every key format ([`keys`]), the
//! commit size rule and the pagination cursors.
//!
//! The adapters are crates of their own: `store-dynamodb` (the cloud
//! store, one table; loading a project is one Query, every commit one
//! TransactWriteItems) and `store-sqlite` (the embedded store of the local
//! runner, with the same semantics). Both pass the same contract suite
//! (`tests/integration/contract.rs`).

#[macro_use]
extern crate wire;

pub mod keys;
pub mod records;

use app::ports::StoreError;

/// Most items one commit may write (DynamoDB's TransactWriteItems limit).
pub const MAX_COMMIT_ITEMS: usize = domain::template::MAX_CHANGE_ITEMS;

/// How many items a commit writes: the same count on every adapter, so
/// that a commit DynamoDB would refuse is refused everywhere.
pub fn commit_items(commit: &app::ports::Commit) -> usize {
    let project = commit.project.as_ref().map_or(0, |w| {
        let c = &w.change;
        1 + c.milestones.len()
            + c.tasks.len()
            + c.history.len()
            + c.outbox.len()
            + usize::from(c.account.is_some())
            + usize::from(c.facts.is_some())
    });
    project + usize::from(commit.deal.is_some())
}

/// Opaque pagination cursors: hex of a JSON value only the adapter reads.
pub fn encode_cursor(value: &impl serde::Serialize) -> Option<String> {
    serde_json::to_vec(value).ok().map(hex::encode)
}

pub fn decode_cursor<T: serde::de::DeserializeOwned>(cursor: &str) -> Result<T, StoreError> {
    let bytes = hex::decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)
}

pub fn corrupt(key: &str, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Corrupt { key: key.to_owned(), source: e.into() }
}

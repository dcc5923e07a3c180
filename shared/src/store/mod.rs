//! Store adapters of the storage ports ([`crate::ports`]): each adapter
//! implements all of them, which [`Store`] names for wiring and tests.
//!
//! - [`dynamodb`]: the cloud store, one table ([`keys`] defines every key);
//!   loading a project is one Query, every commit one TransactWriteItems.
//! - [`sqlite`]: the embedded store of the local runner, with the same
//!   semantics (atomic commit, version guard, outbox, intake records).
//!
//! Both are checked by the same contract suite (`tests/contract.rs`).

#![cfg_attr(not(any(feature = "dynamodb", feature = "sqlite")), allow(dead_code))]

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod keys;
#[cfg(any(feature = "dynamodb", feature = "sqlite"))]
mod records;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::ports::{
    Accounts, DealRecords, EscalationSchedule, GoLives, Listings, Outbox, ProjectOutbox, Projects,
    ReviewSchedule, StoreError, TemplateStore,
};

/// Every storage port: what a store adapter provides. Wiring hands each use
/// case the ports it uses out of one `Arc<dyn Store>`.
pub trait Store:
    Projects
    + DealRecords
    + Accounts
    + TemplateStore
    + Outbox
    + ProjectOutbox
    + Listings
    + EscalationSchedule
    + ReviewSchedule
    + GoLives
{
}

impl<T> Store for T where
    T: Projects
        + DealRecords
        + Accounts
        + TemplateStore
        + Outbox
        + ProjectOutbox
        + Listings
        + EscalationSchedule
        + ReviewSchedule
        + GoLives
{
}

/// Most items one commit may write (DynamoDB's TransactWriteItems limit).
pub const MAX_COMMIT_ITEMS: usize = 100;

/// How many items a commit writes: the same count on every adapter, so
/// that a commit DynamoDB would refuse is refused everywhere.
pub(crate) fn commit_items(commit: &crate::ports::Commit) -> usize {
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
pub(crate) fn encode_cursor(value: &impl serde::Serialize) -> Option<String> {
    serde_json::to_vec(value).ok().map(hex::encode)
}

pub(crate) fn decode_cursor<T: serde::de::DeserializeOwned>(cursor: &str) -> Result<T, StoreError> {
    let bytes = hex::decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)
}

pub(crate) fn corrupt(
    key: &str,
    e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> StoreError {
    StoreError::Corrupt { key: key.to_owned(), source: e.into() }
}

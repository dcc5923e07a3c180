//! Store adapters of [`crate::ports::ProjectStore`].
//!
//! - [`dynamodb`]: the cloud store, one table ([`keys`] defines every key);
//!   loading a project is one Query, every commit one TransactWriteItems.
//! - [`sqlite`]: the embedded store of the local runner, with the same
//!   semantics (atomic commit, version guard, outbox, intake records).
//!
//! Both are checked by the same contract suite (`tests/contract.rs`).

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
pub mod keys;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::domain::project::Project;
use crate::ports::StoreError;
use serde_json::{Map, Value};

/// Most items one commit may write (DynamoDB's TransactWriteItems limit).
pub const MAX_COMMIT_ITEMS: usize = 100;

/// The fields of a project stored on its own item: everything but the
/// milestones and tasks, which are items of their own.
pub(crate) fn project_header(project: &Project) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(project).map_err(|e| corrupt(project.id.as_str(), e))? {
        Value::Object(mut fields) => {
            fields.remove("milestones");
            fields.remove("tasks");
            Ok(fields)
        }
        _ => Err(corrupt(project.id.as_str(), "a project serializes to an object")),
    }
}

pub(crate) fn corrupt(key: &str, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Corrupt { key: key.to_owned(), source: e.into() }
}

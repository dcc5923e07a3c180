//! The audit trail of a project: who changed what, when, before and after.

use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
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
    pub before: Option<Value>,
    pub after: Option<Value>,
}

//! Every key format of the single table, and nothing else builds one.
//!
//! | item | `pk` | `sk` |
//! |---|---|---|
//! | project header | `PROJECT#<id>` | `PROJECT` |
//! | milestone | `PROJECT#<id>` | `MILESTONE#<position:02>` |
//! | task | `PROJECT#<id>` | `TASK#<task id>` |
//! | history entry | `PROJECT#<id>#HISTORY` | `<version:012>#<seq:04>` |
//! | outbox entry | `OUTBOX#<id>` | `OUTBOX` |
//! | deal intake record | `DEAL#<deal id>` | `INTAKE` |
//!
//! Loading a project is one Query on its `pk`; history lives in its own
//! partition so that commands never read it. Pending outbox entries carry
//! the sparse index [`OUTBOX_PENDING_INDEX`] attributes until delivered.

use chrono::{DateTime, SecondsFormat, Utc};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// What an item is: one of the `ENTITY_*` values (the stream filter uses it).
pub const ENTITY: &str = "entity";

pub const ENTITY_PROJECT: &str = "project";
pub const ENTITY_MILESTONE: &str = "milestone";
pub const ENTITY_TASK: &str = "task";
pub const ENTITY_HISTORY: &str = "history";
pub const ENTITY_OUTBOX: &str = "outbox";
pub const ENTITY_INTAKE: &str = "intake";

/// The project's version attribute, the optimistic concurrency guard.
pub const VERSION: &str = "version";
pub const FINGERPRINT: &str = "fingerprint";
pub const STATE: &str = "state";

/// Sparse GSI of undelivered outbox entries, oldest first.
pub const OUTBOX_PENDING_INDEX: &str = "outbox_pending";
pub const OUTBOX_PENDING_PK: &str = "outbox_pending_pk";
pub const OUTBOX_PENDING_SK: &str = "outbox_pending_sk";
pub const OUTBOX_PENDING_PARTITION: &str = "OUTBOX#PENDING";

pub const PROJECT_SK: &str = "PROJECT";
pub const OUTBOX_SK: &str = "OUTBOX";
pub const INTAKE_SK: &str = "INTAKE";

pub fn project_pk(project_id: &str) -> String {
    format!("PROJECT#{project_id}")
}

pub fn milestone_sk(position: u16) -> String {
    format!("MILESTONE#{position:02}")
}

pub fn task_sk(task_id: &str) -> String {
    format!("TASK#{task_id}")
}

pub fn history_pk(project_id: &str) -> String {
    format!("PROJECT#{project_id}#HISTORY")
}

pub fn history_sk(version: u64, seq: u16) -> String {
    format!("{version:012}#{seq:04}")
}

pub fn outbox_pk(entry_id: &str) -> String {
    format!("OUTBOX#{entry_id}")
}

/// Sorts pending entries by creation time, then id.
pub fn outbox_pending_sk(created_at: DateTime<Utc>, entry_id: &str) -> String {
    format!("{}#{entry_id}", created_at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub fn intake_pk(deal_id: &str) -> String {
    format!("DEAL#{deal_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_as_their_numbers() {
        assert!(milestone_sk(2) < milestone_sk(10));
        assert!(history_sk(9, 0) < history_sk(10, 0));
        assert!(history_sk(10, 1) < history_sk(10, 2));
    }

    #[test]
    fn pending_outbox_sort_keys_order_by_time() {
        let a = outbox_pending_sk("2026-11-20T10:00:00Z".parse().unwrap(), "z");
        let b = outbox_pending_sk("2026-11-20T10:00:00.001Z".parse().unwrap(), "a");
        assert!(a < b);
    }
}

//! The customer account as this module knows it: onboarding until its
//! first project goes live, then active (the account becomes Active once).

use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Onboarding,
    Active,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub status: AccountStatus,
    pub first_seen_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    /// The project whose go-live activated the account.
    pub activated_by: Option<String>,
}

impl AccountRecord {
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }
}

/// What a change does to its account; the store applies it atomically with
/// the rest of the change.
#[derive(Clone, Debug, PartialEq)]
pub enum AccountChange {
    /// A deal for the account arrived: keep a record, onboarding unless it
    /// already exists (then only its name is refreshed).
    Seen { id: String, name: String, at: DateTime<Utc> },
    /// The account's first go-live: onboarding → active. The store refuses
    /// it if the account is already active (another project was first).
    Activated { id: String, at: DateTime<Utc>, project_id: String },
}

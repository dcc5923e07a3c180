//! The customer account as this module keeps it.

use chrono::{DateTime, Utc};
use domain::account;
use serde::{Deserialize, Serialize};

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AccountStatus mirrors account::AccountStatus { Onboarding, Active }
}

impl AccountStatus {
    /// The stored values, for the adapters' conditional writes.
    pub const ONBOARDING: &str = "onboarding";
    pub const ACTIVE: &str = "active";
}

#[derive(Serialize, Deserialize)]
pub struct Account {
    id: String,
    name: String,
    status: AccountStatus,
    first_seen_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activated_at: Option<DateTime<Utc>>,
    /// The project whose go-live activated the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activated_by: Option<String>,
}

impl From<&account::AccountRecord> for Account {
    fn from(a: &account::AccountRecord) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            status: a.status.into(),
            first_seen_at: a.first_seen_at,
            activated_at: a.activated_at,
            activated_by: a.activated_by.clone(),
        }
    }
}

impl Account {
    /// The record of an account first seen now: onboarding.
    pub fn seen(id: &str, name: &str, at: DateTime<Utc>) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            status: AccountStatus::Onboarding,
            first_seen_at: at,
            activated_at: None,
            activated_by: None,
        }
    }

    /// The record of an account activated now by `project_id`, first seen now.
    pub fn activated(id: &str, at: DateTime<Utc>, project_id: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            status: AccountStatus::Active,
            first_seen_at: at,
            activated_at: Some(at),
            activated_by: Some(project_id.to_owned()),
        }
    }
}

impl From<Account> for account::AccountRecord {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            name: a.name,
            status: a.status.into(),
            first_seen_at: a.first_seen_at,
            activated_at: a.activated_at,
            activated_by: a.activated_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_are_the_serialized_ones() {
        assert_eq!(serde_json::json!(AccountStatus::Onboarding), AccountStatus::ONBOARDING);
        assert_eq!(serde_json::json!(AccountStatus::Active), AccountStatus::ACTIVE);
    }
}

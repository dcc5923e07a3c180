//! Customer accounts: read by go-live, written by the changes that see or
//! activate them.

use super::{SqliteStore, json, parse, strings, unavailable};
use app::ports::{Accounts, CommitError, StoreError};
use async_trait::async_trait;
use domain::account::{AccountChange, AccountRecord};
use rusqlite::{Transaction, params};
use store::records::{self, AccountStatus};

#[async_trait]
impl Accounts for SqliteStore {
    async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            let found = strings(conn, "SELECT body FROM accounts WHERE id = ?1", &id)?;
            found.first().map(|b| parse::<records::Account, _>(&id, b)).transpose()
        })
        .await
    }
}

/// An upsert that keeps the status, or the one-time move to active
/// (refused if already active).
pub(super) fn write_account(
    tx: &Transaction<'_>,
    change: &AccountChange,
) -> Result<(), CommitError> {
    match change {
        AccountChange::Seen { id, name, at } => {
            tx.execute(
                "INSERT INTO accounts (id, status, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET body = json_set(accounts.body, '$.name', ?4)",
                params![
                    id,
                    AccountStatus::ONBOARDING,
                    json(id, &records::Account::seen(id, name, *at))?,
                    name
                ],
            )
            .map_err(unavailable)?;
        }
        AccountChange::Activated { id, at, project_id } => {
            let record = records::Account::activated(id, *at, project_id);
            let written = tx
                .execute(
                    "INSERT INTO accounts (id, status, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET status = ?2,
                        body = json_set(accounts.body,
                            '$.status', ?2, '$.activated_at', ?4, '$.activated_by', ?5)
                     WHERE accounts.status = ?6",
                    params![
                        id,
                        AccountStatus::ACTIVE,
                        json(id, &record)?,
                        at.to_rfc3339(),
                        project_id,
                        AccountStatus::ONBOARDING
                    ],
                )
                .map_err(unavailable)?;
            if written == 0 {
                return Err(CommitError::AccountAlreadyActive);
            }
        }
    }
    Ok(())
}

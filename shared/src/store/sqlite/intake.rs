//! Deal intake records: the claim and the completion ride in commits.

use super::{SqliteStore, json, parse, unavailable};
use crate::domain::intake::IntakeRecord;
use crate::ports::{CommitError, IntakeRecords, IntakeWrite, StoreError};
use crate::store::records;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

#[async_trait]
impl IntakeRecords for SqliteStore {
    async fn intake_record(&self, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
        let deal_id = deal_id.to_owned();
        self.run(move |conn| intake_record(conn, &deal_id)).await
    }
}

fn intake_record(conn: &Connection, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM intake WHERE deal_id = ?1", [deal_id], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    body.map(|b| parse::<records::Intake, _>(deal_id, &b)).transpose()
}

/// The claim (refused with the stored record) or the completion (refused
/// without the right fingerprint).
pub(super) fn write_intake(tx: &Transaction<'_>, write: &IntakeWrite) -> Result<(), CommitError> {
    match write {
        IntakeWrite::Claim(record) => {
            let body = json(&record.deal_id, &records::Intake::from(record))?;
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO intake (deal_id, fingerprint, body) VALUES (?1, ?2, ?3)",
                    params![record.deal_id, record.fingerprint, body],
                )
                .map_err(unavailable)?;
            if inserted == 0 {
                let stored = intake_record(tx, &record.deal_id)?;
                return Err(CommitError::IntakeExists(stored.map(Box::new)));
            }
        }
        IntakeWrite::Complete { deal_id, fingerprint } => {
            let updated = tx
                .execute(
                    "UPDATE intake SET body = json_set(body, '$.state', ?3)
                     WHERE deal_id = ?1 AND fingerprint = ?2",
                    params![deal_id, fingerprint, records::Intake::COMPLETE],
                )
                .map_err(unavailable)?;
            if updated == 0 {
                return Err(CommitError::IntakeExists(None));
            }
        }
    }
    Ok(())
}

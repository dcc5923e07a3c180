//! Deal records: the claim and completion of intake, the replacement and
//! the check at a version ride in commits.

use super::{SqliteStore, json, parse, unavailable};
use app::ports::{CommitError, DealRecords, DealWrite, StoreError};
use async_trait::async_trait;
use domain::intake::DealRecord;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use store::records;

#[async_trait]
impl DealRecords for SqliteStore {
    async fn deal_record(&self, deal_id: &str) -> Result<Option<DealRecord>, StoreError> {
        let deal_id = deal_id.to_owned();
        self.run(move |conn| deal_record(conn, &deal_id)).await
    }
}

fn deal_record(conn: &Connection, deal_id: &str) -> Result<Option<DealRecord>, StoreError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM intake WHERE deal_id = ?1", [deal_id], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    body.map(|b| parse::<records::Intake, _>(deal_id, &b)).transpose()
}

/// The claim (refused with the stored record), the completion (refused
/// without the right fingerprint), the replacement or the check (refused
/// unless the record is at the version given).
pub(super) fn write_intake(tx: &Transaction<'_>, write: &DealWrite) -> Result<(), CommitError> {
    match write {
        DealWrite::Claim(record) => {
            let body = json(&record.deal_id, &records::Intake::from(record.as_ref()))?;
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO intake (deal_id, fingerprint, body) VALUES (?1, ?2, ?3)",
                    params![record.deal_id, record.fingerprint, body],
                )
                .map_err(unavailable)?;
            if inserted == 0 {
                let stored = deal_record(tx, &record.deal_id)?;
                return Err(CommitError::IntakeExists(stored.map(Box::new)));
            }
        }
        DealWrite::Complete { deal_id, fingerprint } => {
            let updated = tx
                .execute(
                    "UPDATE intake SET body = json_set(body, '$.state', ?3)
                     WHERE deal_id = ?1 AND fingerprint = ?2
                       AND coalesce(json_extract(body, '$.version'), 0) = 0",
                    params![deal_id, fingerprint, records::Intake::COMPLETE],
                )
                .map_err(unavailable)?;
            if updated == 0 {
                return Err(CommitError::IntakeExists(None));
            }
        }
        DealWrite::Replace { record, expected } => {
            ensure_version(tx, &record.deal_id, *expected)?;
            let body = json(&record.deal_id, &records::Intake::from(record.as_ref()))?;
            tx.execute(
                "UPDATE intake SET body = ?2 WHERE deal_id = ?1",
                params![record.deal_id, body],
            )
            .map_err(unavailable)?;
        }
        DealWrite::Check { deal_id, version } => ensure_version(tx, deal_id, *version)?,
    }
    Ok(())
}

/// The deal's record exists at `version`, or the commit fails.
fn ensure_version(tx: &Transaction<'_>, deal_id: &str, version: u64) -> Result<(), CommitError> {
    match deal_record(tx, deal_id)? {
        Some(record) if record.version == version => Ok(()),
        _ => Err(CommitError::DealChanged),
    }
}

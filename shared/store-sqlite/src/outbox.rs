//! The outbox: rows inserted by commits, pending until delivered; claimed
//! under a lease, then sent, given back, or given up on. Rows are kept:
//! a project's outbox shows them all.

use super::{SqliteStore, json, parse, unavailable};
use app::ports::{Claim, Claimed, CommitError, Lease, Outbox, ProjectOutbox, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::outbox::{OutboxEntry, OutboxRecord};
use domain::{OutboxId, ProjectId};
use rusqlite::{OptionalExtension, Transaction, params};
use store::keys::{DELIVERY_CLAIMED, outbox_pending_sk};
use store::records;

#[async_trait]
impl Outbox for SqliteStore {
    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, body FROM outbox
                     WHERE delivered_at IS NULL ORDER BY pending_key LIMIT ?1",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in rows {
                let (id, body) = row.map_err(unavailable)?;
                entries.push(parse::<records::OutboxEntry, _>(&id, &body)?);
            }
            Ok(entries)
        })
        .await
    }

    async fn claim_outbox(
        &self,
        id: &OutboxId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Claim, StoreError> {
        let id = id.to_string();
        let until = (now + lease).timestamp_millis();
        self.run(move |conn| {
            let claimed = conn
                .execute(
                    "UPDATE outbox
                     SET delivery = 'claimed', claimed_until = ?2, attempts = attempts + 1
                     WHERE id = ?1
                       AND (delivery = 'pending' OR (delivery = 'claimed' AND claimed_until < ?3))",
                    params![id, until, now.timestamp_millis()],
                )
                .map_err(unavailable)?;
            let row: Option<(String, u32, String)> = conn
                .query_row(
                    "SELECT delivery, attempts, body FROM outbox WHERE id = ?1",
                    [&id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(match row {
                None => Claim::Missing,
                Some((_, attempts, body)) if claimed == 1 => {
                    let entry = parse::<records::OutboxEntry, _>(&id, &body)?;
                    Claim::Claimed(Claimed { entry, lease: Lease(until), attempts })
                }
                Some((delivery, _, _)) if delivery == DELIVERY_CLAIMED => Claim::Busy,
                Some(_) => Claim::Done,
            })
        })
        .await
    }

    async fn mark_sent(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let assignments = "delivery = 'sent', delivered_at = ?3, claimed_until = NULL";
        self.settle(id, lease, assignments, now.to_rfc3339(), None).await
    }

    async fn release_outbox(
        &self,
        id: &OutboxId,
        lease: Lease,
        error: &str,
    ) -> Result<bool, StoreError> {
        let assignments = "delivery = 'pending', claimed_until = NULL, last_error = ?3";
        self.settle(id, lease, assignments, error.to_owned(), None).await
    }

    async fn mark_failed(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let assignments =
            "delivery = 'failed', delivered_at = ?3, claimed_until = NULL, last_error = ?4";
        self.settle(id, lease, assignments, now.to_rfc3339(), Some(error.to_owned())).await
    }
}

#[async_trait]
impl ProjectOutbox for SqliteStore {
    async fn project_outbox(&self, id: &ProjectId) -> Result<Vec<OutboxRecord>, StoreError> {
        let project = id.to_string();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, body, delivery, attempts, last_error, delivered_at FROM outbox
                     WHERE project_id = ?1 ORDER BY pending_key",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([&project], |row| {
                    let state = records::DeliveryState {
                        state: row.get(2)?,
                        attempts: row.get(3)?,
                        last_error: row.get(4)?,
                        at: row.get(5)?,
                    };
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, state))
                })
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in rows {
                let (id, body, state) = row.map_err(unavailable)?;
                let delivery = state.read(&id)?;
                let entry = parse::<records::OutboxEntry, _>(&id, &body)?;
                entries.push(OutboxRecord { entry, delivery });
            }
            Ok(entries)
        })
        .await
    }
}

impl SqliteStore {
    /// Updates a claimed outbox entry if `lease` still holds it (`?1` is
    /// the id, `?2` the lease, `?3` and `?4` the given values).
    async fn settle(
        &self,
        id: &OutboxId,
        lease: Lease,
        assignments: &'static str,
        third: String,
        fourth: Option<String>,
    ) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.run(move |conn| {
            let sql = format!(
                "UPDATE outbox SET {assignments}
                 WHERE id = ?1 AND delivery = 'claimed' AND claimed_until = ?2"
            );
            let updated = match fourth {
                Some(fourth) => conn.execute(&sql, params![id, lease.0, third, fourth]),
                None => conn.execute(&sql, params![id, lease.0, third]),
            }
            .map_err(unavailable)?;
            Ok(updated == 1)
        })
        .await
    }
}

/// A new entry, pending: inserted once (its id is derived from the change).
pub(super) fn write_entry(tx: &Transaction<'_>, entry: &OutboxEntry) -> Result<(), CommitError> {
    let id = entry.id.as_str();
    let inserted = tx
        .execute(
            "INSERT OR IGNORE INTO outbox (id, project_id, pending_key, body)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                entry.project_id.as_str(),
                outbox_pending_sk(entry.created_at, id),
                json(id, &records::OutboxEntry::from(entry))?
            ],
        )
        .map_err(unavailable)?;
    if inserted == 0 {
        return Err(CommitError::AlreadyExists);
    }
    Ok(())
}

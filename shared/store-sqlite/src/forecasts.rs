//! Forecasting's reads: the review schedule (a partial index of projects by
//! their next review) and the facts of past go-lives.

use super::{SqliteStore, json, parse, sortable, unavailable};
use app::ports::{CommitError, DueReviews, GoLives, ReviewSchedule, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ProjectId;
use domain::go_live_facts::GoLiveFacts;
use rusqlite::{Transaction, params};
use store::records;

#[async_trait]
impl ReviewSchedule for SqliteStore {
    async fn due_reviews(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueReviews, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id FROM projects WHERE review_at IS NOT NULL AND review_at <= ?1
                     ORDER BY review_at, id LIMIT ?2",
                )
                .map_err(unavailable)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let projects: Vec<ProjectId> = stmt
                .query_map(params![sortable(now), limit], |row| {
                    row.get::<_, String>(0).map(ProjectId::from_raw)
                })
                .map_err(unavailable)?
                .collect::<Result<_, _>>()
                .map_err(unavailable)?;
            Ok(DueReviews { read: projects.len(), projects })
        })
        .await
    }
}

#[async_trait]
impl GoLives for SqliteStore {
    async fn recent_go_lives(
        &self,
        service_type: &str,
        limit: usize,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        let service_type = service_type.to_owned();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let sql = "SELECT project_id, body FROM go_lives WHERE service_type = ?1
                       ORDER BY go_live_date DESC, project_id DESC LIMIT ?2";
            facts(conn, sql, params![service_type, limit])
        })
        .await
    }

    async fn go_lives_in_month(
        &self,
        month: &str,
        service_type: Option<&str>,
    ) -> Result<Vec<GoLiveFacts>, StoreError> {
        let (month, service_type) = (month.to_owned(), service_type.map(str::to_owned));
        self.run(move |conn| {
            let sql = "SELECT project_id, body FROM go_lives
                       WHERE month = ?1 AND (?2 IS NULL OR service_type = ?2)
                       ORDER BY service_type, project_id";
            facts(conn, sql, params![month, service_type])
        })
        .await
    }
}

fn facts(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<GoLiveFacts>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(args, |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
        .map_err(unavailable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unavailable)?;
    rows.iter().map(|(id, body)| parse::<records::GoLiveFacts, _>(id, body)).collect()
}

/// The facts of a go-live, within the go-live's transaction.
pub(super) fn write_go_live(tx: &Transaction<'_>, facts: &GoLiveFacts) -> Result<(), CommitError> {
    let id = facts.project_id.as_str();
    tx.execute(
        "INSERT OR REPLACE INTO go_lives (project_id, month, service_type, go_live_date, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id,
            facts.month(),
            facts.service_type,
            facts.go_live_date.to_string(),
            json(id, &records::GoLiveFacts::from(facts))?
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

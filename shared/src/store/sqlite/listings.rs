//! Listings: keyset pagination over the rows' indexed columns, with an
//! opaque cursor naming the last row read.

use super::{SqliteStore, parse, unavailable};
use crate::domain::project::ProjectOverview;
use crate::domain::task::AssignedTask;
use crate::ports::{Listings, Page, PageRequest, ProjectFilter, StoreError, TaskFilter};
use crate::store::keys::owner_key;
use crate::store::records;
use crate::store::{corrupt, decode_cursor, encode_cursor};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl Listings for SqliteStore {
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, StoreError> {
        let filter = filter.clone();
        self.run(move |conn| {
            // Newest first: the cursor is the last row's (created_at, id).
            let after: Option<(String, String)> =
                page.cursor.as_deref().map(decode_cursor).transpose()?;
            let (after_created, after_id) =
                after.unwrap_or_else(|| ("\u{10ffff}".into(), String::new()));
            let mut stmt = conn
                .prepare_cached(
                    "SELECT created_at, id, header FROM projects
                     WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR account_id = ?2)
                       AND (?6 IS NULL OR health = ?6) AND (?7 IS NULL OR owner = ?7)
                       AND (created_at, id) < (?3, ?4)
                     ORDER BY created_at DESC, id DESC LIMIT ?5",
                )
                .map_err(unavailable)?;
            // A health is that of a project in progress: it names the status.
            let health = filter.health.map(|h| h.as_str());
            let status = filter.status.filter(|_| health.is_none()).map(|s| s.as_str());
            let owner = filter.owner.as_deref().map(owner_key);
            let limit = sql_limit(page.limit);
            let (account, after) = (filter.account_id, (after_created, after_id));
            let args = params![status, account, after.0, after.1, limit, health, owner];
            let rows = stmt
                .query_map(args, |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            paged(rows, page.limit, |(created, id, header)| {
                Ok(((created.clone(), id.clone()), parse::<records::ProjectHeader, _>(id, header)?))
            })
        })
        .await
    }

    async fn list_tasks(
        &self,
        filter: &TaskFilter,
        page: PageRequest,
    ) -> Result<Page<AssignedTask>, StoreError> {
        let (assignee, status) = match filter.clone() {
            TaskFilter::Assignee { assignee, status } => (Some(assignee), status),
            TaskFilter::Status(status) => (None, Some(status)),
        };
        self.run(move |conn| {
            // Soonest due first; the cursor is the last row's (due_date, project_id, id).
            let after: Option<(String, String, String)> =
                page.cursor.as_deref().map(decode_cursor).transpose()?;
            let (due, project, task) = after.unwrap_or_default();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT due_date, project_id, id, body FROM tasks
                     WHERE (?1 IS NULL OR assignee = ?1) AND (?2 IS NULL OR status = ?2)
                       AND (due_date, project_id, id) > (?3, ?4, ?5)
                     ORDER BY due_date, project_id, id LIMIT ?6",
                )
                .map_err(unavailable)?;
            let args = params![
                assignee,
                status.map(|s| s.as_str()),
                due,
                project,
                task,
                sql_limit(page.limit)
            ];
            let rows = stmt
                .query_map(args, |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                })
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            paged(rows, page.limit, |(due, project, id, body)| {
                let task: records::Task = serde_json::from_str(body).map_err(|e| corrupt(id, e))?;
                let assigned = records::AssignedTask::new(project.clone(), task);
                Ok(((due.clone(), project.clone(), id.clone()), assigned.into()))
            })
        })
        .await
    }
}

/// Rows fetched with one extra (see [`sql_limit`]) become a page whose
/// cursor is the last kept row's sort key.
fn paged<R, K: serde::Serialize, T>(
    rows: Vec<R>,
    limit: usize,
    item: impl Fn(&R) -> Result<(K, T), StoreError>,
) -> Result<Page<T>, StoreError> {
    let more = rows.len() > limit;
    let mut items = Vec::new();
    let mut last = None;
    for row in rows.iter().take(limit) {
        let (key, value) = item(row)?;
        items.push(value);
        last = Some(key);
    }
    let next_cursor = if more { last.as_ref().and_then(encode_cursor) } else { None };
    Ok(Page { items, next_cursor })
}

/// One row more than the page, to know whether another page follows.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1
}

//! Listings: keyset pagination over the rows' indexed columns, with an
//! opaque cursor naming the last row read.

use super::{SqliteStore, parse, unavailable};
use app::ports::{Listings, Page, PageRequest, ProjectFilter, StoreError, TaskFilter};
use async_trait::async_trait;
use domain::project::ProjectOverview;
use domain::task::{AssignedTask, TaskStatus};
use rusqlite::types::Value;
use store::keys::owner_key;
use store::records;
use store::{corrupt, decode_cursor, encode_cursor};

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
            let (filters, mut args) = project_filters(filter).into_parts();
            args.extend([after_created.into(), after_id.into(), sql_limit(page.limit).into()]);
            let mut stmt = conn.prepare_cached(&projects_sql(&filters)).map_err(unavailable)?;
            let args = rusqlite::params_from_iter(args);
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
            let (filters, mut args) = task_filters(assignee, status).into_parts();
            args.extend([due.into(), project.into(), task.into(), sql_limit(page.limit).into()]);
            let mut stmt = conn.prepare_cached(&tasks_sql(&filters)).map_err(unavailable)?;
            let args = rusqlite::params_from_iter(args);
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

/// The terms of the filters a listing asks for, and their values. Only
/// those are written: an `(? IS NULL OR column = ?)` term would keep SQLite
/// from the index that leads with the column, and it would scan the table.
#[derive(Default)]
struct Filters {
    terms: String,
    args: Vec<Value>,
}

impl Filters {
    fn with(mut self, term: &str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.terms.push_str(term);
            self.terms.push_str(" AND ");
            self.args.push(value.into());
        }
        self
    }

    fn into_parts(self) -> (String, Vec<Value>) {
        (self.terms, self.args)
    }
}

fn projects_sql(filters: &str) -> String {
    format!(
        "SELECT created_at, id, header FROM projects WHERE {filters} (created_at, id) < (?, ?)
         ORDER BY created_at DESC, id DESC LIMIT ?"
    )
}

fn tasks_sql(filters: &str) -> String {
    format!(
        "SELECT due_date, project_id, id, body FROM tasks
         WHERE {filters} (due_date, project_id, id) > (?, ?, ?)
         ORDER BY due_date, project_id, id LIMIT ?"
    )
}

fn task_filters(assignee: Option<String>, status: Option<TaskStatus>) -> Filters {
    Filters::default()
        .with("assignee = ?", assignee)
        .with("status = ?", status.map(|s| s.as_str().to_owned()))
}

fn project_filters(filter: ProjectFilter) -> Filters {
    // A health is that of a project in progress: it names the status.
    let health = filter.health.map(|h| h.as_str().to_owned());
    let status = filter.status.filter(|_| health.is_none()).map(|s| s.as_str().to_owned());
    Filters::default()
        .with("status = ?", status)
        .with("account_id = ?", filter.account_id)
        // The literal term lets SQLite use the partial index (health <> 'none').
        .with("health = ? AND health <> 'none'", health)
        .with("owner = ?", filter.owner.as_deref().map(owner_key))
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

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ProjectStatus;
    use domain::forecast::Health;

    /// What SQLite would do for a query: one line per step of its plan.
    async fn plan(sql: String, mut args: Vec<Value>) -> String {
        let placeholders = sql.matches('?').count();
        args.resize(placeholders, Value::Text(String::new()));
        let store = SqliteStore::in_memory().expect("a store");
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let plan = store.run(move |conn| {
            let mut stmt = conn.prepare(&explain).map_err(unavailable)?;
            let args = rusqlite::params_from_iter(args);
            let steps = stmt.query_map(args, |row| row.get::<_, String>(3)).map_err(unavailable)?;
            steps.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        });
        plan.await.expect("a plan").join("; ")
    }

    #[tokio::test]
    async fn each_project_filter_reads_its_index_not_the_table() {
        let health = ProjectFilter { health: Some(Health::Late), ..Default::default() };
        let status = ProjectFilter { status: Some(ProjectStatus::OnHold), ..Default::default() };
        let owner = ProjectFilter { owner: Some("a@b.fr".into()), ..Default::default() };
        let account = ProjectFilter { account_id: Some("ACC-1".into()), ..Default::default() };
        let cases = [
            (health, "projects_by_health"),
            (status, "projects_by_status"),
            (owner, "projects_by_owner"),
            (account, "projects_by_account"),
        ];
        for (filter, index) in cases {
            let (filters, args) = project_filters(filter).into_parts();
            let plan = plan(projects_sql(&filters), args).await;
            assert!(plan.contains(&format!("USING INDEX {index}")), "{index}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "sorted in memory: {plan}");
        }
    }

    #[tokio::test]
    async fn each_task_filter_reads_its_index_not_the_table() {
        let cases = [
            (Some("tech@b.fr".to_owned()), None, "tasks_by_assignee"),
            (None, Some(TaskStatus::Blocked), "tasks_by_status"),
        ];
        for (assignee, status, index) in cases {
            let (filters, args) = task_filters(assignee, status).into_parts();
            let plan = plan(tasks_sql(&filters), args).await;
            assert!(plan.contains(&format!("USING INDEX {index}")), "{index}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "sorted in memory: {plan}");
        }
    }
}

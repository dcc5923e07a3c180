//! The embedded store of the local runner: one SQLite file.
//!
//! SQLite (bundled through rusqlite) rather than a key-value engine such as
//! redb: real transactions give the same all-or-nothing commit as DynamoDB's
//! TransactWriteItems, secondary indexes serve the listing queries without
//! hand-kept index tables, and anyone can open `.local/deployments.db` with
//! the `sqlite3` shell to see what the bundle did.
//!
//! One connection behind a mutex serialises writers, which is all a local
//! runner needs; calls run on tokio's blocking pool.

use super::keys::outbox_pending_sk;
use super::{
    MAX_COMMIT_ITEMS, commit_items, corrupt, decode_cursor, encode_cursor, project_header,
};
use crate::domain::account::{AccountChange, AccountRecord, AccountStatus};
use crate::domain::history::HistoryEntry;
use crate::domain::intake::IntakeRecord;
use crate::domain::outbox::OutboxEntry;
use crate::domain::project::{Project, ProjectOverview};
use crate::domain::task::AssignedTask;
use crate::domain::template::Template;
use crate::domain::{OutboxId, ProjectId};
use crate::ports::{
    Accounts, Claim, Claimed, Commit, CommitError, DueEscalations, EscalationSchedule, Guard,
    IntakeRecords, IntakeWrite, Lease, Listings, Outbox, Page, PageRequest, ProjectFilter,
    Projects, StoreError, TaskFilter, TemplateStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many a database file has had.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE projects (
        id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,
        account_id TEXT NOT NULL, created_at TEXT NOT NULL, header TEXT NOT NULL);
    CREATE INDEX projects_by_status ON projects (status, created_at, id);
    CREATE INDEX projects_by_account ON projects (account_id, created_at, id);
    CREATE TABLE milestones (
        project_id TEXT NOT NULL REFERENCES projects (id), position INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (project_id, position));
    CREATE TABLE tasks (
        project_id TEXT NOT NULL REFERENCES projects (id), id TEXT NOT NULL, assignee TEXT NOT NULL,
        status TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (project_id, id));
    CREATE TABLE history (
        project_id TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (project_id, version, seq));
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL, pending_key TEXT NOT NULL,
        delivered_at TEXT, body TEXT NOT NULL);
    CREATE INDEX outbox_pending ON outbox (pending_key) WHERE delivered_at IS NULL;
    CREATE TABLE intake (deal_id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, body TEXT NOT NULL);
    ",
    "
    ALTER TABLE tasks ADD COLUMN due_date TEXT NOT NULL DEFAULT '';
    UPDATE tasks SET due_date = json_extract(body, '$.due_date');
    CREATE INDEX tasks_by_assignee ON tasks (assignee, due_date, project_id, id);
    CREATE INDEX tasks_by_status ON tasks (status, due_date, project_id, id);
    ",
    "
    ALTER TABLE outbox ADD COLUMN delivery TEXT NOT NULL DEFAULT 'pending';
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
    ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN last_error TEXT;
    ",
    "
    CREATE TABLE accounts (id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL);
    ",
    "
    CREATE TABLE templates (
        service_type TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (service_type, version));
    ",
    "
    ALTER TABLE tasks ADD COLUMN next_escalation_at TEXT;
    CREATE INDEX escalation_due ON tasks (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
    ",
];

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: i64 =
        conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(unavailable)?;
    for (n, migration) in
        (1i64..).zip(MIGRATIONS).skip(usize::try_from(applied).unwrap_or(usize::MAX))
    {
        let tx = conn.transaction().map_err(unavailable)?;
        tx.execute_batch(migration).map_err(unavailable)?;
        tx.pragma_update(None, "user_version", n).map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
    }
    Ok(())
}

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// SQLite integers are signed; versions never come near the bound.
fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn json(key: &str, value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt(key, e))
}

fn parse<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(key, e))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(unavailable)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(unavailable)?;
        // The runner and a one-off command (`escalate --at`) may share the file.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        Self::with(conn)
    }

    /// A private database that lives as long as the store (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with(Connection::open_in_memory().map_err(unavailable)?)
    }

    fn with(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON").map_err(unavailable)?;
        migrate(&mut conn)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

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
            let sql = format!("UPDATE outbox SET {assignments} WHERE id = ?1 AND delivery = 'claimed' AND claimed_until = ?2");
            let updated = match fourth {
                Some(fourth) => conn.execute(&sql, params![id, lease.0, third, fourth]),
                None => conn.execute(&sql, params![id, lease.0, third]),
            }
            .map_err(unavailable)?;
            Ok(updated == 1)
        })
        .await
    }

    /// Runs `f` on the connection, off the async threads.
    async fn run<T, E>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(unavailable(e)))?
    }
}

fn write(conn: &mut Connection, commit: &Commit) -> Result<(), CommitError> {
    let items = commit_items(commit);
    if items > MAX_COMMIT_ITEMS {
        return Err(CommitError::TooLarge { items });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
    // Same precedence as DynamoDB's cancellation reasons: the intake record first.
    match &commit.intake {
        Some(IntakeWrite::Claim(record)) => {
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO intake (deal_id, fingerprint, body) VALUES (?1, ?2, ?3)",
                    params![record.deal_id, record.fingerprint, json(&record.deal_id, record)?],
                )
                .map_err(unavailable)?;
            if inserted == 0 {
                return Err(CommitError::IntakeExists(
                    intake_record(&tx, &record.deal_id)?.map(Box::new),
                ));
            }
        }
        Some(IntakeWrite::Complete { deal_id, fingerprint }) => {
            let updated = tx
                .execute(
                    "UPDATE intake SET body = json_set(body, '$.state', 'complete') WHERE deal_id = ?1 AND fingerprint = ?2",
                    params![deal_id, fingerprint],
                )
                .map_err(unavailable)?;
            if updated == 0 {
                return Err(CommitError::IntakeExists(None));
            }
        }
        None => {}
    }
    if let Some(write) = &commit.project {
        let p = &write.project;
        let id = p.id.as_str();
        let header = json(id, &project_header(p)?)?;
        let created_at = p.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let written = match write.guard {
            Guard::Create => tx.execute(
                "INSERT OR IGNORE INTO projects (id, version, status, account_id, created_at, header) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, sql_int(p.version), p.status.as_str(), p.account.id, created_at, header],
            ),
            Guard::Version(expected) => tx.execute(
                "UPDATE projects SET version = ?2, status = ?3, header = ?4 WHERE id = ?1 AND version = ?5",
                params![id, sql_int(p.version), p.status.as_str(), header, sql_int(expected)],
            ),
        }
        .map_err(unavailable)?;
        if written == 0 {
            return Err(match write.guard {
                Guard::Create => CommitError::AlreadyExists,
                Guard::Version(_) => CommitError::VersionConflict,
            });
        }
        let change = &write.change;
        for key in &change.milestones {
            let m = p
                .milestones
                .iter()
                .find(|m| &m.key == key)
                .ok_or_else(|| corrupt(id, "changed milestone missing"))?;
            tx.execute(
                "INSERT OR REPLACE INTO milestones (project_id, position, body) VALUES (?1, ?2, ?3)",
                params![id, m.position, json(id, m)?],
            )
            .map_err(unavailable)?;
        }
        for task_id in &change.tasks {
            let t = p
                .tasks
                .iter()
                .find(|t| &t.id == task_id)
                .ok_or_else(|| corrupt(id, "changed task missing"))?;
            tx.execute(
                "INSERT OR REPLACE INTO tasks (project_id, id, assignee, status, due_date, next_escalation_at, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    t.id.as_str(),
                    t.assignee,
                    t.status.as_str(),
                    t.due_date.to_string(),
                    t.next_escalation_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                    json(id, t)?
                ],
            )
            .map_err(unavailable)?;
        }
        for h in &change.history {
            tx.execute(
                "INSERT INTO history (project_id, version, seq, body) VALUES (?1, ?2, ?3, ?4)",
                params![id, sql_int(h.version), h.seq, json(id, h)?],
            )
            .map_err(unavailable)?;
        }
        if let Some(account) = &change.account {
            write_account(&tx, account)?;
        }
        for entry in &change.outbox {
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO outbox (id, project_id, pending_key, body) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        entry.id.as_str(),
                        id,
                        outbox_pending_sk(entry.created_at, entry.id.as_str()),
                        json(id, entry)?
                    ],
                )
                .map_err(unavailable)?;
            if inserted == 0 {
                return Err(CommitError::AlreadyExists);
            }
        }
    }
    tx.commit().map_err(unavailable)?;
    Ok(())
}

fn write_account(
    tx: &rusqlite::Transaction<'_>,
    change: &AccountChange,
) -> Result<(), CommitError> {
    match change {
        AccountChange::Seen { id, name, at } => {
            let record = AccountRecord {
                id: id.clone(),
                name: name.clone(),
                status: AccountStatus::Onboarding,
                first_seen_at: *at,
                activated_at: None,
                activated_by: None,
            };
            tx.execute(
                "INSERT INTO accounts (id, status, body) VALUES (?1, 'onboarding', ?2)
                 ON CONFLICT (id) DO UPDATE SET body = json_set(accounts.body, '$.name', ?3)",
                params![id, json(id, &record)?, name],
            )
            .map_err(unavailable)?;
        }
        AccountChange::Activated { id, at, project_id } => {
            let record = AccountRecord {
                id: id.clone(),
                name: id.clone(),
                status: AccountStatus::Active,
                first_seen_at: *at,
                activated_at: Some(*at),
                activated_by: Some(project_id.clone()),
            };
            let written = tx
                .execute(
                    "INSERT INTO accounts (id, status, body) VALUES (?1, 'active', ?2)
                     ON CONFLICT (id) DO UPDATE SET status = 'active',
                        body = json_set(accounts.body, '$.status', 'active', '$.activated_at', ?3, '$.activated_by', ?4)
                     WHERE accounts.status = 'onboarding'",
                    params![id, json(id, &record)?, at.to_rfc3339(), project_id],
                )
                .map_err(unavailable)?;
            if written == 0 {
                return Err(CommitError::AccountAlreadyActive);
            }
        }
    }
    Ok(())
}

fn intake_record(conn: &Connection, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM intake WHERE deal_id = ?1", [deal_id], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    body.map(|b| parse(deal_id, &b)).transpose()
}

fn strings(conn: &Connection, sql: &str, param: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt.query_map([param], |row| row.get(0)).map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

fn load(conn: &Connection, id: &str) -> Result<Option<Project>, StoreError> {
    let header: Option<String> = conn
        .query_row("SELECT header FROM projects WHERE id = ?1", [id], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    let Some(header) = header else { return Ok(None) };
    let mut fields: serde_json::Map<String, Value> = parse(id, &header)?;
    let list = |sql: &str| -> Result<Value, StoreError> {
        strings(conn, sql, id)?
            .iter()
            .map(|b| parse::<Value>(id, b))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    };
    fields.insert(
        "milestones".into(),
        list("SELECT body FROM milestones WHERE project_id = ?1 ORDER BY position")?,
    );
    fields
        .insert("tasks".into(), list("SELECT body FROM tasks WHERE project_id = ?1 ORDER BY id")?);
    serde_json::from_value(Value::Object(fields)).map(Some).map_err(|e| corrupt(id, e))
}

#[async_trait]
impl Projects for SqliteStore {
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, StoreError> {
        let id = id.to_string();
        self.run(move |conn| load(conn, &id)).await
    }

    async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        self.run(move |conn| write(conn, &commit)).await
    }

    async fn history(&self, id: &ProjectId) -> Result<Vec<HistoryEntry>, StoreError> {
        let id = id.to_string();
        self.run(move |conn| {
            let sql = "SELECT body FROM history WHERE project_id = ?1 ORDER BY version, seq";
            strings(conn, sql, &id)?.iter().map(|b| parse(&id, b)).collect()
        })
        .await
    }
}

#[async_trait]
impl IntakeRecords for SqliteStore {
    async fn intake_record(&self, deal_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
        let deal_id = deal_id.to_owned();
        self.run(move |conn| intake_record(conn, &deal_id)).await
    }
}

#[async_trait]
impl Accounts for SqliteStore {
    async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            let found = strings(conn, "SELECT body FROM accounts WHERE id = ?1", &id)?;
            found.first().map(|b| parse(&id, b)).transpose()
        })
        .await
    }
}

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn current_templates(
        &self,
        service_types: &[String],
    ) -> Result<Vec<Template>, StoreError> {
        let types = service_types.to_vec();
        self.run(move |conn| {
            let mut templates: Vec<Template> = Vec::new();
            for t in types {
                if templates.iter().any(|known| known.service_type == t) {
                    continue;
                }
                let sql = "SELECT body FROM templates WHERE service_type = ?1 ORDER BY version DESC LIMIT 1";
                if let Some(body) = strings(conn, sql, &t)?.first() {
                    templates.push(parse(&t, body)?);
                }
            }
            Ok(templates)
        })
        .await
    }

    async fn save_template(&self, template: &Template) -> Result<(), CommitError> {
        let template = template.clone();
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let current: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM templates WHERE service_type = ?1",
                    [&template.service_type],
                    |r| r.get(0),
                )
                .map_err(unavailable)?;
            if current != i64::from(template.version) - 1 {
                return Err(CommitError::VersionConflict);
            }
            tx.execute(
                "INSERT INTO templates (service_type, version, body) VALUES (?1, ?2, ?3)",
                params![
                    template.service_type,
                    template.version,
                    json(&template.service_type, &template)?
                ],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, body FROM outbox WHERE delivered_at IS NULL ORDER BY pending_key LIMIT ?1")
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            for row in rows {
                let (id, body) = row.map_err(unavailable)?;
                entries.push(parse(&id, &body)?);
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
                    "UPDATE outbox SET delivery = 'claimed', claimed_until = ?2, attempts = attempts + 1
                     WHERE id = ?1 AND (delivery = 'pending' OR (delivery = 'claimed' AND claimed_until < ?3))",
                    params![id, until, now.timestamp_millis()],
                )
                .map_err(unavailable)?;
            let row: Option<(String, u32, String)> = conn
                .query_row("SELECT delivery, attempts, body FROM outbox WHERE id = ?1", [&id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()
                .map_err(unavailable)?;
            Ok(match row {
                None => Claim::Missing,
                Some((_, attempts, body)) if claimed == 1 => {
                    Claim::Claimed(Claimed { entry: parse(&id, &body)?, lease: Lease(until), attempts })
                }
                Some((delivery, _, _)) if delivery == "claimed" => Claim::Busy,
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
        self.settle(
            id,
            lease,
            "delivery = 'sent', delivered_at = ?3, claimed_until = NULL",
            now.to_rfc3339(),
            None,
        )
        .await
    }

    async fn release_outbox(
        &self,
        id: &OutboxId,
        lease: Lease,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.settle(
            id,
            lease,
            "delivery = 'pending', claimed_until = NULL, last_error = ?3",
            error.to_owned(),
            None,
        )
        .await
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
impl Listings for SqliteStore {
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, StoreError> {
        let filter = filter.clone();
        self.run(move |conn| {
            // Keyset pagination, newest first: the cursor is the last row's (created_at, id).
            let after: Option<(String, String)> =
                page.cursor.as_deref().map(decode_cursor).transpose()?;
            let (after_created, after_id) =
                after.unwrap_or_else(|| ("\u{10ffff}".into(), String::new()));
            let mut stmt = conn
                .prepare_cached(
                    "SELECT created_at, id, header FROM projects
                     WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR account_id = ?2)
                       AND (created_at, id) < (?3, ?4)
                     ORDER BY created_at DESC, id DESC LIMIT ?5",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(
                    params![
                        filter.status.map(|s| s.as_str()),
                        filter.account_id,
                        after_created,
                        after_id,
                        sql_limit(page.limit)
                    ],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                        ))
                    },
                )
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            paged(rows, page.limit, |(created, id, header)| {
                Ok(((created.clone(), id.clone()), parse(id, header)?))
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
            let rows = stmt
                .query_map(
                    params![
                        assignee,
                        status.map(|s| s.as_str()),
                        due,
                        project,
                        task,
                        sql_limit(page.limit)
                    ],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                        ))
                    },
                )
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            paged(rows, page.limit, |(due, project, id, body)| {
                let task = parse(id, body)?;
                Ok((
                    (due.clone(), project.clone(), id.clone()),
                    AssignedTask { project_id: ProjectId::from_raw(project.clone()), task },
                ))
            })
        })
        .await
    }
}

#[async_trait]
impl EscalationSchedule for SqliteStore {
    async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueEscalations, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT project_id, id FROM tasks WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ?1
                     ORDER BY next_escalation_at, project_id, id LIMIT ?2",
                )
                .map_err(unavailable)?;
            let now = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let tasks: Vec<(ProjectId, crate::domain::TaskId)> = stmt
                .query_map(params![now, i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                    Ok((ProjectId::from_raw(row.get::<_, String>(0)?), crate::domain::TaskId::from_raw(row.get::<_, String>(1)?)))
                })
                .map_err(unavailable)?
                .collect::<Result<_, _>>()
                .map_err(unavailable)?;
            Ok(DueEscalations { read: tasks.len(), tasks })
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

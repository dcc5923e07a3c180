//! The embedded store of the local runner: one SQLite file, one file of
//! this module per port (`projects`, `intake`, `accounts`, `templates`,
//! `outbox`, `listings`, `escalations`, `forecasts`).
//!
//! SQLite (bundled through rusqlite) rather than a key-value engine such as
//! redb: real transactions give the same all-or-nothing commit as DynamoDB's
//! TransactWriteItems, secondary indexes serve the listing queries without
//! hand-kept index tables, and anyone can open `.local/deployments.db` with
//! the `sqlite3` shell to see what the bundle did. Rows keep the columns
//! that queries need and the typed record of `store::records` as JSON.
//!
//! One connection behind a mutex serialises writers, which is all a local
//! runner needs; calls run on tokio's blocking pool.

mod accounts;
mod escalations;
mod forecasts;
mod intake;
mod listings;
mod outbox;
mod projects;
mod templates;

use app::ports::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::{Arc, Mutex};
use store::corrupt;

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
        project_id TEXT NOT NULL REFERENCES projects (id), position INTEGER NOT NULL,
        body TEXT NOT NULL, PRIMARY KEY (project_id, position));
    CREATE TABLE tasks (
        project_id TEXT NOT NULL REFERENCES projects (id), id TEXT NOT NULL, assignee TEXT NOT NULL,
        status TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (project_id, id));
    CREATE TABLE history (
        project_id TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
        body TEXT NOT NULL, PRIMARY KEY (project_id, version, seq));
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
        service_type TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (service_type, version));
    ",
    "
    ALTER TABLE tasks ADD COLUMN next_escalation_at TEXT;
    CREATE INDEX escalation_due ON tasks (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
    ",
    "
    ALTER TABLE projects ADD COLUMN health TEXT NOT NULL DEFAULT 'none';
    ALTER TABLE projects ADD COLUMN review_at TEXT;
    CREATE INDEX projects_by_health ON projects (health, created_at, id) WHERE health <> 'none';
    CREATE INDEX review_due ON projects (review_at) WHERE review_at IS NOT NULL;
    CREATE TABLE go_lives (
        project_id TEXT PRIMARY KEY, month TEXT NOT NULL, service_type TEXT NOT NULL,
        go_live_date TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX go_lives_by_month ON go_lives (month, service_type);
    CREATE INDEX go_lives_by_service ON go_lives (service_type, go_live_date, project_id);
    ",
    "
    ALTER TABLE projects ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    UPDATE projects SET owner = lower(json_extract(header, '$.owner'));
    CREATE INDEX projects_by_owner ON projects (owner, created_at, id);
    CREATE INDEX outbox_by_project ON outbox (project_id, pending_key);
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

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// SQLite integers are signed; versions never come near the bound.
fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A time as the text columns hold it: sortable, to the millisecond.
fn sortable(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A record as the JSON of its row.
fn json(key: &str, record: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| corrupt(key, e))
}

/// The record `R` of a row's JSON, as the domain's `D`.
fn parse<R: DeserializeOwned + Into<D>, D>(key: &str, text: &str) -> Result<D, StoreError> {
    serde_json::from_str::<R>(text).map(Into::into).map_err(|e| corrupt(key, e))
}

/// The one text column of every row `sql` selects for `param`.
fn strings(conn: &Connection, sql: &str, param: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt.query_map([param], |row| row.get(0)).map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

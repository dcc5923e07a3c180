//! The project aggregate: load, history, and the atomic commit of a change
//! (one IMMEDIATE transaction, the header row guarded by the version).

use super::{SqliteStore, json, parse, sortable, sql_int, strings, unavailable};
use app::ports::{Commit, CommitError, Guard, ProjectWrite, Projects, StoreError};
use async_trait::async_trait;
use domain::ProjectId;
use domain::history::HistoryEntry;
use domain::project::Project;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use store::keys::owner_key;
use store::records;
use store::{MAX_COMMIT_ITEMS, commit_items, corrupt};

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
            strings(conn, sql, &id)?
                .iter()
                .map(|b| parse::<records::HistoryEntry, _>(&id, b))
                .collect()
        })
        .await
    }
}

fn load(conn: &Connection, id: &str) -> Result<Option<Project>, StoreError> {
    let header: Option<String> = conn
        .query_row("SELECT header FROM projects WHERE id = ?1", [id], |row| row.get(0))
        .optional()
        .map_err(unavailable)?;
    let Some(header) = header else { return Ok(None) };
    let header: records::ProjectHeader =
        serde_json::from_str(&header).map_err(|e| corrupt(id, e))?;
    let rows = |sql: &str| -> Result<Vec<String>, StoreError> { strings(conn, sql, id) };
    let milestones = rows("SELECT body FROM milestones WHERE project_id = ?1 ORDER BY position")?
        .iter()
        .map(|b| serde_json::from_str::<records::Milestone>(b).map_err(|e| corrupt(id, e)))
        .collect::<Result<_, _>>()?;
    let tasks = rows("SELECT body FROM tasks WHERE project_id = ?1 ORDER BY id")?
        .iter()
        .map(|b| serde_json::from_str::<records::Task>(b).map_err(|e| corrupt(id, e)))
        .collect::<Result<_, _>>()?;
    Ok(Some(header.into_project(milestones, tasks)))
}

/// Writes a commit, intake record first (the same precedence as DynamoDB's
/// cancellation reasons), all in one transaction.
fn write(conn: &mut Connection, commit: &Commit) -> Result<(), CommitError> {
    let items = commit_items(commit);
    if items > MAX_COMMIT_ITEMS {
        return Err(CommitError::TooLarge { items });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
    if let Some(intake) = &commit.deal {
        super::intake::write_intake(&tx, intake)?;
    }
    if let Some(write) = &commit.project {
        write_project(&tx, write)?;
    }
    tx.commit().map_err(unavailable)?;
    Ok(())
}

fn write_project(tx: &Transaction<'_>, write: &ProjectWrite) -> Result<(), CommitError> {
    write_header(tx, write)?;
    let (p, change) = (&write.project, &write.change);
    let id = p.id.as_str();
    for key in &change.milestones {
        let m = p.milestone(key.as_str()).ok_or_else(|| corrupt(id, "no such milestone"))?;
        tx.execute(
            "INSERT OR REPLACE INTO milestones (project_id, position, body) VALUES (?1, ?2, ?3)",
            params![id, m.position, json(id, &records::Milestone::from(m))?],
        )
        .map_err(unavailable)?;
    }
    for task_id in &change.tasks {
        let t = p.task(task_id.as_str()).ok_or_else(|| corrupt(id, "no such task"))?;
        tx.execute(
            "INSERT OR REPLACE INTO tasks
                (project_id, id, assignee, status, due_date, next_escalation_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                t.id.as_str(),
                t.assignee,
                t.status.as_str(),
                t.due_date.to_string(),
                t.next_escalation_at.map(sortable),
                json(id, &records::Task::from(t))?
            ],
        )
        .map_err(unavailable)?;
    }
    for h in &change.history {
        tx.execute(
            "INSERT INTO history (project_id, version, seq, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, sql_int(h.version), h.seq, json(id, &records::HistoryEntry::from(h))?],
        )
        .map_err(unavailable)?;
    }
    if let Some(account) = &change.account {
        super::accounts::write_account(tx, account)?;
    }
    for entry in &change.outbox {
        super::outbox::write_entry(tx, entry)?;
    }
    if let Some(facts) = &change.facts {
        super::forecasts::write_go_live(tx, facts)?;
    }
    Ok(())
}

/// The header row, guarded as the commit says.
fn write_header(tx: &Transaction<'_>, write: &ProjectWrite) -> Result<(), CommitError> {
    let p = &write.project;
    let id = p.id.as_str();
    let header = json(id, &records::ProjectHeader::from(p))?;
    let (version, status) = (sql_int(p.version), p.status.as_str());
    let (health, review_at) = (p.forecast.health.as_str(), p.forecast.review_at.map(sortable));
    let owner = owner_key(&p.owner);
    let written = match write.guard {
        Guard::Create => tx.execute(
            "INSERT OR IGNORE INTO projects
                (id, version, status, account_id, created_at, header, health, review_at, owner)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                version,
                status,
                p.account.id,
                sortable(p.created_at),
                header,
                health,
                review_at,
                owner
            ],
        ),
        Guard::Version(expected) => tx.execute(
            "UPDATE projects SET version = ?2, status = ?3, header = ?4, health = ?5,
                review_at = ?6, owner = ?8
             WHERE id = ?1 AND version = ?7",
            params![id, version, status, header, health, review_at, sql_int(expected), owner],
        ),
    }
    .map_err(unavailable)?;
    match (written, write.guard) {
        (0, Guard::Create) => Err(CommitError::AlreadyExists),
        (0, Guard::Version(_)) => Err(CommitError::VersionConflict),
        _ => Ok(()),
    }
}

//! The escalation schedule: a partial index of tasks by the time of their
//! next escalation, read up to now.

use super::{SqliteStore, sortable, unavailable};
use app::ports::{DueEscalations, EscalationSchedule, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{ProjectId, TaskId};
use rusqlite::params;

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
                    "SELECT project_id, id FROM tasks
                     WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ?1
                     ORDER BY next_escalation_at, project_id, id LIMIT ?2",
                )
                .map_err(unavailable)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let tasks: Vec<(ProjectId, TaskId)> = stmt
                .query_map(params![sortable(now), limit], |row| {
                    Ok((
                        ProjectId::from_raw(row.get::<_, String>(0)?),
                        TaskId::from_raw(row.get::<_, String>(1)?),
                    ))
                })
                .map_err(unavailable)?
                .collect::<Result<_, _>>()
                .map_err(unavailable)?;
            Ok(DueEscalations { read: tasks.len(), tasks })
        })
        .await
    }
}

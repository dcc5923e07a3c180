//! Use case: the scheduled escalation sweep.
//!
//! Reads only the tasks whose escalation is due (a sparse index keyed by
//! the next escalation time), then raises each by one level through the
//! project's version-guarded commit. Two sweeps that overlap both try; the
//! version guard lets one commit and the other, reloading, finds nothing
//! left to do, so no task escalates twice at the same level. Each level
//! reached and committed is counted in `Escalations`.

use super::commands::{CommandError, Commands};
use crate::ports::{Clock, EscalationSchedule, StoreError};
use domain::task::EscalationPolicy;
use domain::{ProjectId, TaskId};
use serde::Serialize;
use std::sync::Arc;

/// Most escalations one sweep takes on; the next sweep continues.
pub const SWEEP_LIMIT: usize = 200;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EscalationReport {
    /// (project, task, level reached) of each escalation this sweep made.
    pub escalated: Vec<(ProjectId, TaskId, u8)>,
    /// Index entries read to find the due tasks.
    pub read: usize,
    /// Tasks that could not be escalated this time (retried next sweep).
    pub failed: usize,
}

pub struct Escalator {
    schedule: Arc<dyn EscalationSchedule>,
    commands: Arc<Commands>,
    clock: Arc<dyn Clock>,
    policy: EscalationPolicy,
    contact: String,
}

impl Escalator {
    /// Escalations go through `commands` (the version-guarded change of a
    /// project); `contact` receives level-2 escalations (`ESCALATION_EMAIL`).
    pub fn new(
        schedule: Arc<dyn EscalationSchedule>,
        commands: Arc<Commands>,
        clock: Arc<dyn Clock>,
        contact: impl Into<String>,
    ) -> Self {
        Self {
            schedule,
            commands,
            clock,
            policy: EscalationPolicy::STANDARD,
            contact: contact.into(),
        }
    }

    pub async fn sweep(&self) -> Result<EscalationReport, StoreError> {
        let due = self.schedule.due_escalations(self.clock.now(), SWEEP_LIMIT).await?;
        let mut report = EscalationReport { read: due.read, ..EscalationReport::default() };
        for (project, task) in due.tasks {
            match self.commands.escalate(&project, &task, &self.policy, &self.contact).await {
                Ok(Some(level)) => {
                    tracing::info!(project_id = %project, task_id = %task, level, "task escalated");
                    crate::metrics::escalation();
                    report.escalated.push((project, task, level));
                }
                Ok(None) => {}
                Err(CommandError::NotFound) => {
                    tracing::warn!(project_id = %project, "escalation of a missing project")
                }
                Err(e) => {
                    let (project_id, task_id) = (project.as_str(), task.as_str());
                    tracing::warn!(project_id, task_id, error = %e, "escalation failed, to retry");
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }
}

//! Use cases that change a project: complete or reopen a milestone, add or
//! change a task, go live, hold, resume or cancel. Each loads the project
//! (one Query), applies the domain change and commits it with its history
//! and outbox (one transaction), guarded by the version it loaded. On a
//! concurrent change it reloads and applies the command again, so no change
//! is lost; a command that no longer fits the reloaded project fails with
//! the domain's reason.
//!
//! Counted: the staff commands' answers (`Commands`), and each committed
//! change of a project's health, whatever the command (`JeopardyChanges`);
//! the retries after a lost race are counted by the retry policy.

use crate::metrics::{self, CommandOutcome};
use crate::ports::{Accounts, Clock, Commit, CommitError, Guard, ProjectWrite, Projects};
use crate::retry::RetryPolicy;
use chrono::{DateTime, Utc};
use domain::account::AccountRecord;
use domain::activation::{Activation, ActivationError};
use domain::forecast::Health;
use domain::hold_and_cancel::{HoldRequest, LifecycleError};
use domain::mail_feedback::MailFeedback;
use domain::milestone_changes::{CompleteMilestone, MilestoneError};
use domain::project::{Change, Project};
use domain::staff::Staff;
use domain::task::{EscalationPolicy, Task};
use domain::task_changes::{NewTask, TaskError, TaskPatch};
use domain::{ProjectId, TaskId};
use std::sync::Arc;
use thiserror::Error;

/// Why a command was not applied. `E` is the domain's reason.
#[derive(Debug, Error)]
pub enum CommandError<E> {
    #[error("no such project")]
    NotFound,
    #[error("not allowed for this member")]
    Forbidden,
    #[error(transparent)]
    Rejected(E),
    #[error("the project kept changing concurrently")]
    Busy,
    #[error("the change could not be recorded")]
    Store(#[source] CommitError),
}

pub struct Commands {
    projects: Arc<dyn Projects>,
    /// Read by go-live only: whether the account is already active.
    accounts: Arc<dyn Accounts>,
    clock: Arc<dyn Clock>,
    /// Commands on one project within this process take turns (striped by
    /// project id), so they do not race each other through the store; the
    /// version guard still arbitrates between processes (Lambda instances).
    turns: [tokio::sync::Mutex<()>; TURN_STRIPES],
}

const TURN_STRIPES: usize = 64;

/// The result of a domain change: what to commit (nothing for a no-op) and
/// what the caller gets back.
type Applied<T> = (Option<Change>, T);

impl Commands {
    pub fn new(
        projects: Arc<dyn Projects>,
        accounts: Arc<dyn Accounts>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let turns = std::array::from_fn(|_| tokio::sync::Mutex::new(()));
        Self { projects, accounts, clock, turns }
    }

    fn turn(&self, id: &ProjectId) -> &tokio::sync::Mutex<()> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        id.hash(&mut hasher);
        &self.turns[hasher.finish() as usize % TURN_STRIPES]
    }

    /// Load, apply, commit; again from the load on a version conflict.
    async fn update<T, E>(
        &self,
        id: &ProjectId,
        mut apply: impl FnMut(&mut Project, DateTime<Utc>) -> Result<Applied<T>, CommandError<E>>,
    ) -> Result<(Project, T), CommandError<E>> {
        self.update_with_account(id, false, |p, _, now| apply(p, now)).await
    }

    /// [`Self::update`], also reading the project's account record when
    /// `with_account` (one GetItem) for changes that depend on it.
    async fn update_with_account<T, E>(
        &self,
        id: &ProjectId,
        with_account: bool,
        mut apply: impl FnMut(
            &mut Project,
            Option<&AccountRecord>,
            DateTime<Utc>,
        ) -> Result<Applied<T>, CommandError<E>>,
    ) -> Result<(Project, T), CommandError<E>> {
        let _turn = self.turn(id).lock().await;
        let mut attempts = RetryPolicy::COMMANDS.start();
        loop {
            if let Some(done) = self.attempt(id, with_account, &mut apply).await? {
                return Ok(done);
            }
            tracing::debug!(project_id = %id, attempt = attempts.made(), "concurrent change");
            if !attempts.wait().await {
                let elapsed = attempts.elapsed();
                tracing::warn!(project_id = %id, ?elapsed, "gave up against concurrent changes");
                return Err(CommandError::Busy);
            }
        }
    }

    /// Loads, applies and commits once; `None` when a concurrent change won
    /// the race (the command is to be applied again to what it wrote).
    async fn attempt<T, E>(
        &self,
        id: &ProjectId,
        with_account: bool,
        apply: &mut impl FnMut(
            &mut Project,
            Option<&AccountRecord>,
            DateTime<Utc>,
        ) -> Result<Applied<T>, CommandError<E>>,
    ) -> Result<Option<(Project, T)>, CommandError<E>> {
        let store_error = |e| CommandError::Store(CommitError::Store(e));
        let mut project =
            self.projects.load(id).await.map_err(store_error)?.ok_or(CommandError::NotFound)?;
        let account = match with_account {
            true => self.accounts.account(&project.account.id).await.map_err(store_error)?,
            false => None,
        };
        let expected = project.version;
        let now = self.clock.now();
        let (change, out) = apply(&mut project, account.as_ref(), now)?;
        let Some(mut change) = change else { return Ok(Some((project, out))) };
        // Every change re-projects the project, in the same commit.
        project.reassess(&mut change, now);
        let announced = metrics::announced_healths(&change);
        let write =
            ProjectWrite { guard: Guard::Version(expected), project: project.clone(), change };
        match self.projects.commit(Commit { project: Some(write), deal: None }).await {
            Ok(()) => {
                metrics::jeopardy_changes(&announced);
                Ok(Some((project, out)))
            }
            Err(
                CommitError::VersionConflict
                | CommitError::Contention
                | CommitError::AccountAlreadyActive,
            ) => Ok(None),
            Err(e) => Err(CommandError::Store(e)),
        }
    }

    /// Takes the project live; the account is activated only by its first project.
    pub async fn activate(
        &self,
        id: &ProjectId,
        input: Activation,
        staff: &Staff,
    ) -> Result<Project, CommandError<ActivationError>> {
        let (project, ()) = counted(
            self.update_with_account(id, true, |p, account, now| {
                let active = account.is_some_and(AccountRecord::is_active);
                let change =
                    p.activate(&input, active, &staff.sub, now).map_err(CommandError::Rejected)?;
                Ok((change, ()))
            })
            .await,
        )?;
        Ok(project)
    }

    /// Raises a due escalation of one task by one level; the level reached,
    /// or `None` when there was nothing to do (a concurrent sweep did it).
    pub async fn escalate(
        &self,
        id: &ProjectId,
        task: &TaskId,
        policy: &EscalationPolicy,
        contact: &str,
    ) -> Result<Option<u8>, CommandError<std::convert::Infallible>> {
        let (_, level) = self
            .update(id, |p, now| {
                let change = p.escalate_task(task, policy, contact, now);
                let level =
                    change.as_ref().and_then(|_| p.task(task.as_str())).map(|t| t.escalation_level);
                Ok((change, level))
            })
            .await?;
        Ok(level)
    }

    /// Re-projects the project as of now; the health it changed to, or
    /// `None` when it kept its health (a concurrent sweep did it, or
    /// nothing changed).
    pub async fn review(
        &self,
        id: &ProjectId,
    ) -> Result<Option<Health>, CommandError<std::convert::Infallible>> {
        // `update` reassesses after `review` did: the second finds nothing new.
        let (_, changed) = self
            .update(id, |p, now| {
                let before = p.forecast.health;
                let change = p.review(now);
                let health = p.forecast.health;
                Ok((change, (health != before).then_some(health)))
            })
            .await?;
        Ok(changed)
    }

    /// Records SES's report that mail to the technical contact does not
    /// arrive; whether it changed the project (a report about a former
    /// address, or a repeat, changes nothing).
    pub async fn contact_undeliverable(
        &self,
        id: &ProjectId,
        report: &MailFeedback,
    ) -> Result<bool, CommandError<std::convert::Infallible>> {
        let (_, changed) = self
            .update(id, |p, now| {
                let change = p.contact_undeliverable(report, now);
                let changed = change.is_some();
                Ok((change, changed))
            })
            .await?;
        Ok(changed)
    }

    /// Puts the project on hold; a repeat changes nothing.
    pub async fn hold(
        &self,
        id: &ProjectId,
        request: HoldRequest,
        staff: &Staff,
    ) -> Result<Project, CommandError<LifecycleError>> {
        self.lifecycle(id, |p, now| p.hold(&request, &staff.sub, now)).await
    }

    /// Resumes a project on hold; resuming one in progress changes nothing.
    pub async fn resume(
        &self,
        id: &ProjectId,
        staff: &Staff,
    ) -> Result<Project, CommandError<LifecycleError>> {
        self.lifecycle(id, |p, now| p.resume(&staff.sub, now)).await
    }

    /// Cancels the project; a repeat changes nothing.
    pub async fn cancel(
        &self,
        id: &ProjectId,
        reason: &str,
        staff: &Staff,
    ) -> Result<Project, CommandError<LifecycleError>> {
        self.lifecycle(id, |p, now| p.cancel(reason, &staff.sub, now)).await
    }

    async fn lifecycle(
        &self,
        id: &ProjectId,
        change: impl Fn(&mut Project, DateTime<Utc>) -> Result<Option<Change>, LifecycleError>,
    ) -> Result<Project, CommandError<LifecycleError>> {
        let (project, ()) = counted(
            self.update(id, |p, now| Ok((change(p, now).map_err(CommandError::Rejected)?, ())))
                .await,
        )?;
        Ok(project)
    }

    pub async fn complete_milestone(
        &self,
        id: &ProjectId,
        key: &str,
        input: CompleteMilestone,
        staff: &Staff,
    ) -> Result<Project, CommandError<MilestoneError>> {
        let (project, ()) = counted(
            self.update(id, |p, now| {
                let change = p
                    .complete_milestone(key, input.clone(), &staff.sub, now)
                    .map_err(CommandError::Rejected)?;
                Ok((change, ()))
            })
            .await,
        )?;
        Ok(project)
    }

    pub async fn reopen_milestone(
        &self,
        id: &ProjectId,
        key: &str,
        reason: &str,
        staff: &Staff,
    ) -> Result<Project, CommandError<MilestoneError>> {
        let (project, ()) = counted(
            self.update(id, |p, now| {
                let change = p
                    .reopen_milestone(key, reason, &staff.sub, now)
                    .map_err(CommandError::Rejected)?;
                Ok((Some(change), ()))
            })
            .await,
        )?;
        Ok(project)
    }

    pub async fn add_task(
        &self,
        id: &ProjectId,
        milestone: &str,
        new: NewTask,
        staff: &Staff,
    ) -> Result<Task, CommandError<TaskError>> {
        let (project, task_id) = counted(
            self.update(id, |p, now| {
                let (task_id, change) = p
                    .add_task(milestone, new.clone(), &staff.sub, now)
                    .map_err(CommandError::Rejected)?;
                Ok((Some(change), task_id))
            })
            .await,
        )?;
        task_of(&project, &task_id)
    }

    /// Changes a task. A technician must be its assignee and may change its
    /// status only; one who has no task in the project does not see it.
    pub async fn change_task(
        &self,
        id: &ProjectId,
        task_id: &str,
        patch: TaskPatch,
        staff: &Staff,
    ) -> Result<Task, CommandError<TaskError>> {
        let (project, ()) = counted(
            self.update(id, |p, now| {
                if !staff.can_see(p) {
                    return Err(CommandError::NotFound);
                }
                if let Some(task) = p.task(task_id)
                    && !staff.may_change_task(&task.assignee, patch.reassigns_or_reschedules())
                {
                    return Err(CommandError::Forbidden);
                }
                let change = p
                    .change_task(task_id, patch.clone(), &staff.sub, now)
                    .map_err(CommandError::Rejected)?;
                Ok((change, ()))
            })
            .await,
        )?;
        task_of(&project, &TaskId::from_raw(task_id))
    }
}

/// A staff command's answer, counted in `Commands`: committed (a repeat
/// that changed nothing included), refused (a domain rule, a role, a
/// project the member cannot see), contended (gave up after retries). A
/// store failure is the store's alarm, not counted here.
fn counted<T, E>(result: Result<T, CommandError<E>>) -> Result<T, CommandError<E>> {
    let outcome = match &result {
        Ok(_) => Some(CommandOutcome::Committed),
        Err(CommandError::Rejected(_) | CommandError::Forbidden | CommandError::NotFound) => {
            Some(CommandOutcome::Refused)
        }
        Err(CommandError::Busy) => Some(CommandOutcome::Contended),
        Err(CommandError::Store(_)) => None,
    };
    if let Some(outcome) = outcome {
        metrics::command(outcome);
    }
    result
}

fn task_of<E>(project: &Project, id: &TaskId) -> Result<Task, CommandError<E>> {
    project.task(id.as_str()).cloned().ok_or(CommandError::NotFound)
}

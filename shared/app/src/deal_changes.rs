//! Use cases: the CRM changes a won deal, or cancels it (contract v1.1, README).
//!
//! Exactly once per revision, like intake. A delivery reads the deal's
//! record; a new revision is claimed by replacing the record at the
//! version read (one conditional write), which also makes any earlier
//! revision stop: every project write of a change carries a check that the
//! record is still at the claimed version. Each project then takes the
//! revision in its own version-guarded commit (with its history and outbox
//! entries), and the record is replaced once more with the answer. A
//! delivery that finds its revision claimed but not complete (a concurrent
//! or crashed one) applies it too: projects that took it already say so
//! (`Project::deal_change`), so nothing is written twice. A cancellation
//! marks the record first, then cancels every project not live.

use super::deals::DealPorts;
use crate::ports::{Commit, CommitError, DealWrite, Guard, ProjectWrite, StoreError};
use crate::retry::{Attempts, RetryPolicy};
use domain::ProjectId;
use domain::deal_changes::{
    ChangedProject, DealCancel, DealCancelled, DealChange, DealChanged, DealProject, Step,
};
use domain::intake::{DealCancellation, DealRecord, RevisionError, RevisionStep};
use domain::project::{CRM_ACTOR, Project};
use domain::validation::FieldError;
use thiserror::Error;

pub struct DealChanges {
    ports: DealPorts,
}

#[derive(Debug, Error)]
pub enum DealChangeError {
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    #[error("the deal was never received")]
    UnknownDeal,
    #[error(transparent)]
    Refused(#[from] RevisionError),
    #[error("the deal kept changing concurrently")]
    Busy,
    #[error("the change could not be recorded")]
    Store(#[source] CommitError),
}

impl From<StoreError> for DealChangeError {
    fn from(e: StoreError) -> Self {
        Self::Store(CommitError::Store(e))
    }
}

/// The outcome of one pass: done, or to do again from the record (another
/// delivery moved it, or a project moved under ours).
enum Pass<T> {
    Done(T),
    Again,
}

/// A line of the deal and its project as loaded (if it has one).
type Line = (String, Option<Project>);

impl DealChanges {
    pub fn new(ports: DealPorts) -> Self {
        Self { ports }
    }

    /// Applies a revision of the deal; the answer of its first complete delivery.
    pub async fn change(&self, change: DealChange) -> Result<DealChanged, DealChangeError> {
        change.validate(self.ports.clock.now()).map_err(DealChangeError::Invalid)?;
        let fingerprint = change.fingerprint();
        let mut attempts = RetryPolicy::COMMANDS.start();
        loop {
            if let Pass::Done(result) =
                self.change_once(&change, &fingerprint, &mut attempts).await?
            {
                return Ok(result);
            }
            if !attempts.wait().await {
                return Err(DealChangeError::Busy);
            }
        }
    }

    async fn change_once(
        &self,
        change: &DealChange,
        fingerprint: &str,
        attempts: &mut Attempts,
    ) -> Result<Pass<DealChanged>, DealChangeError> {
        let record = self.record(&change.deal.deal_id).await?;
        let (record, lines) =
            match record.revision_step(change, fingerprint, self.ports.clock.now())? {
                RevisionStep::Replay(result) => return Ok(Pass::Done(result)),
                RevisionStep::Finish => {
                    let lines = self.checked_lines(change, &record).await?;
                    (record, lines)
                }
                RevisionStep::Claim(claimed) => {
                    // Checked before the claim: a refused change writes nothing.
                    self.checked_lines(change, &claimed).await?;
                    let replace =
                        DealWrite::Replace { record: claimed.clone(), expected: record.version };
                    match self.ports.commit(Commit { project: None, deal: Some(replace) }).await {
                        Ok(()) => {}
                        Err(CommitError::DealChanged) => return Ok(Pass::Again),
                        Err(e) => return Err(DealChangeError::Store(e)),
                    }
                    // Read again: until the claim, an earlier revision could
                    // still write, and a step that writes nothing checks nothing.
                    let lines = self.checked_lines(change, &claimed).await?;
                    (*claimed, lines)
                }
            };
        let Pass::Done(projects) = self.apply(change, &record, lines, attempts).await? else {
            return Ok(Pass::Again);
        };
        let result = DealChanged {
            deal_id: change.deal.deal_id.clone(),
            revision: change.revision,
            projects,
        };
        let complete = record.with_result(result.clone());
        let replace = DealWrite::Replace { record: Box::new(complete), expected: record.version };
        match self.ports.commit(Commit { project: None, deal: Some(replace) }).await {
            Ok(()) => Ok(Pass::Done(result)),
            // Completed by a concurrent delivery (its answer is the one),
            // superseded or cancelled: the record says which.
            Err(CommitError::DealChanged) => Ok(Pass::Again),
            Err(e) => Err(DealChangeError::Store(e)),
        }
    }

    /// The deal's lines with their projects, the revision checked against
    /// them. `record` has claimed the revision, its new lines with it.
    async fn checked_lines(
        &self,
        change: &DealChange,
        record: &DealRecord,
    ) -> Result<Vec<Line>, DealChangeError> {
        let lines = self.load_all(&change.deal.deal_id, record.project_lines()).await?;
        let loaded: Vec<Project> = lines.iter().filter_map(|(_, p)| p.clone()).collect();
        change.check_against(&loaded).map_err(DealChangeError::Invalid)?;
        Ok(lines)
    }

    /// Every line's project as it stands: one Query each, concurrently.
    async fn load_all(&self, deal_id: &str, lines: Vec<String>) -> Result<Vec<Line>, StoreError> {
        let mut loads = tokio::task::JoinSet::new();
        for (i, line) in lines.iter().enumerate() {
            let (projects, id) =
                (self.ports.projects.clone(), ProjectId::for_deal_line(deal_id, line));
            loads.spawn(async move { (i, projects.load(&id).await) });
        }
        let mut loaded: Vec<Option<Project>> = vec![None; lines.len()];
        while let Some(joined) = loads.join_next().await {
            let (i, project) = joined.map_err(|e| StoreError::Unavailable(Box::new(e)))?;
            loaded[i] = project?;
        }
        Ok(lines.into_iter().zip(loaded).collect())
    }

    /// Every line takes the revision; the answer's projects, in line order.
    async fn apply(
        &self,
        change: &DealChange,
        record: &DealRecord,
        lines: Vec<Line>,
        attempts: &mut Attempts,
    ) -> Result<Pass<Vec<ChangedProject>>, DealChangeError> {
        let templates = self.ports.templates(new_service_types(change, &lines)).await?;
        let template_for = |service_type: &str| templates.of(service_type);
        let mut answers = Vec::new();
        for (line, mut project) in lines {
            loop {
                let step = change.step(&line, project.take(), template_for, self.ports.clock.now());
                let answer = step.answer();
                let Some(write) = write_of(step) else { break answers.extend(answer) };
                let check =
                    DealWrite::Check { deal_id: record.deal_id.clone(), version: record.version };
                match self.ports.commit(Commit { project: Some(write), deal: Some(check) }).await {
                    Ok(()) => break answers.extend(answer),
                    Err(CommitError::DealChanged) => return Ok(Pass::Again),
                    Err(CommitError::VersionConflict | CommitError::AlreadyExists) => {}
                    Err(e) => return Err(DealChangeError::Store(e)),
                }
                if !attempts.wait().await {
                    return Err(DealChangeError::Busy);
                }
                let id = ProjectId::for_deal_line(&record.deal_id, &line);
                project = self.ports.projects.load(&id).await?;
            }
        }
        Ok(Pass::Done(answers))
    }

    /// Cancels the deal: every project not live becomes cancelled. A repeat
    /// writes nothing and answers with the first cancellation.
    pub async fn cancel(&self, cancel: DealCancel) -> Result<DealCancelled, DealChangeError> {
        cancel.validate(self.ports.clock.now()).map_err(DealChangeError::Invalid)?;
        let mut attempts = RetryPolicy::COMMANDS.start();
        let requested = DealCancellation {
            cancelled_at: cancel.cancelled_at,
            reason: cancel.reason.trim().to_owned(),
            received_at: self.ports.clock.now(),
        };
        let record = loop {
            let record = self.record(&cancel.deal_id).await?;
            let Some(cancelled) = record.cancelled(requested.clone()) else { break record };
            let replace = DealWrite::Replace {
                record: Box::new(cancelled.clone()),
                expected: record.version,
            };
            match self.ports.commit(Commit { project: None, deal: Some(replace) }).await {
                Ok(()) => break cancelled,
                Err(CommitError::DealChanged) if attempts.wait().await => {}
                Err(CommitError::DealChanged) => return Err(DealChangeError::Busy),
                Err(e) => return Err(DealChangeError::Store(e)),
            }
        };
        // The first cancellation stands; a repeat answers with it.
        let cancellation = record.cancellation.clone().unwrap_or(requested);
        let mut projects = Vec::new();
        let lines = self.load_all(&record.deal_id, record.project_lines()).await?;
        for (line, project) in lines {
            let Some(project) = project else { continue };
            let project = self.cancel_project(project, &cancellation.reason, &mut attempts).await?;
            projects.push(DealProject { id: project.id, line_id: line, status: project.status });
        }
        Ok(DealCancelled {
            deal_id: record.deal_id,
            cancelled_at: cancellation.cancelled_at,
            reason: cancellation.reason,
            projects,
        })
    }

    /// Cancels one project of a cancelled deal unless it is final already.
    async fn cancel_project(
        &self,
        mut project: Project,
        reason: &str,
        attempts: &mut Attempts,
    ) -> Result<Project, DealChangeError> {
        loop {
            let loaded = project.version;
            let now = self.ports.clock.now();
            let Ok(Some(mut change)) = project.cancel(reason, CRM_ACTOR, now) else {
                return Ok(project);
            };
            project.reassess(&mut change, now);
            let write =
                ProjectWrite { guard: Guard::Version(loaded), project: project.clone(), change };
            match self.ports.commit(Commit { project: Some(write), deal: None }).await {
                Ok(()) => return Ok(project),
                Err(CommitError::VersionConflict) if attempts.wait().await => {}
                Err(CommitError::VersionConflict) => return Err(DealChangeError::Busy),
                Err(e) => return Err(DealChangeError::Store(e)),
            }
            let id = project.id.clone();
            project = self.ports.projects.load(&id).await?.ok_or(DealChangeError::Busy)?;
        }
    }

    async fn record(&self, deal_id: &str) -> Result<DealRecord, DealChangeError> {
        self.ports.records.deal_record(deal_id).await?.ok_or(DealChangeError::UnknownDeal)
    }
}

/// The service types of the installable lines without a project yet.
fn new_service_types(change: &DealChange, lines: &[Line]) -> Vec<String> {
    change
        .deal
        .installable_lines()
        .filter(|l| lines.iter().any(|(line, p)| *line == l.line_id && p.is_none()))
        .map(|l| l.service_type.clone())
        .collect()
}

/// The write of a step, if it has one.
fn write_of(step: Step) -> Option<ProjectWrite> {
    match step {
        Step::Settled(_) => None,
        Step::Create(project, change) => {
            Some(ProjectWrite { guard: Guard::Create, project: *project, change })
        }
        Step::Update { project, change, loaded } => {
            Some(ProjectWrite { guard: Guard::Version(loaded), project: *project, change })
        }
    }
}

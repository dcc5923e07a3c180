//! What the staff routers share: their state, path and paging checks, and
//! the mapping of use-case errors to problem documents.

use super::auth::Authenticator;
use super::problem::{Kind, Problem};
use crate::app::{CommandError, Commands, Queries, QueryError};
use crate::domain::project::MilestoneError;
use crate::domain::task::TransitionError;
use crate::domain::validation::is_machine_key;
use crate::domain::work::TaskError;
use crate::domain::{ProjectId, TaskId};
use crate::ports::PageRequest;
use axum::Extension;
use std::sync::Arc;

/// Page sizes of every listing.
pub const DEFAULT_PAGE: usize = 25;
pub const MAX_PAGE: usize = 100;
const MAX_CURSOR: usize = 2048;

#[derive(Clone)]
pub struct StaffState {
    pub commands: Arc<Commands>,
    pub queries: Arc<Queries>,
}

impl StaffState {
    /// The staff use cases on one store.
    pub fn new(store: Arc<dyn crate::store::Store>, clock: Arc<dyn crate::ports::Clock>) -> Self {
        Self {
            commands: Arc::new(Commands::new(store.clone(), store.clone(), clock)),
            queries: Arc::new(Queries::new(store.clone(), store)),
        }
    }
}

/// The layer that lets the [`crate::domain::staff::Staff`] extractor authenticate.
pub fn authenticated(auth: Authenticator) -> Extension<Authenticator> {
    Extension(auth)
}

/// A project id from a URL; one this service could not have issued is simply not found.
pub fn project_id(raw: &str) -> Result<ProjectId, Problem> {
    if ProjectId::is_well_formed(raw) {
        Ok(ProjectId::from_raw(raw))
    } else {
        Err(not_found("project"))
    }
}

pub fn milestone_key(raw: &str) -> Result<&str, Problem> {
    if is_machine_key(raw) { Ok(raw) } else { Err(not_found("milestone")) }
}

pub fn task_id(raw: &str) -> Result<&str, Problem> {
    if TaskId::is_well_formed(raw) { Ok(raw) } else { Err(not_found("task")) }
}

fn not_found(what: &str) -> Problem {
    Problem::new(Kind::NotFound).detail(format!("no such {what}"))
}

/// Checks `limit` and `cursor` query parameters.
pub fn page(cursor: Option<String>, limit: Option<usize>) -> Result<PageRequest, Problem> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::invalid("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    if cursor.as_ref().is_some_and(|c| c.is_empty() || c.len() > MAX_CURSOR) {
        return Err(Problem::invalid("cursor", "is not a cursor this service issued"));
    }
    Ok(PageRequest { cursor, limit })
}

fn store_failure(error: &dyn std::error::Error) -> Problem {
    tracing::error!(error = %error, source = ?error.source(), "store failure");
    Problem::new(Kind::ServiceUnavailable).detail("please retry later")
}

/// A commit that failed: `503` when retrying may help, `500` when it cannot.
pub fn commit_failure(error: &crate::ports::CommitError) -> Problem {
    if let crate::ports::CommitError::TooLarge { items } = error {
        tracing::error!(items, "a change exceeds one transaction");
        return Problem::new(Kind::Internal);
    }
    store_failure(error)
}

pub fn query_problem(e: QueryError) -> Problem {
    match e {
        QueryError::NotFound => not_found("project"),
        QueryError::Forbidden => Problem::new(Kind::Forbidden),
        QueryError::InvalidCursor => {
            Problem::invalid("cursor", "is not a cursor this service issued")
        }
        QueryError::Invalid(errors) => Problem::from(errors),
        QueryError::Store(e) => store_failure(&e),
    }
}

pub fn command_problem<E>(e: CommandError<E>, rule: impl FnOnce(E) -> Problem) -> Problem {
    match e {
        CommandError::NotFound => not_found("project"),
        CommandError::Forbidden => Problem::new(Kind::Forbidden)
            .detail("a technician changes the status of their own tasks only"),
        CommandError::Rejected(e) => rule(e),
        CommandError::Busy => Problem::new(Kind::ConcurrentModification),
        CommandError::Store(e) => commit_failure(&e),
    }
}

pub fn milestone_problem(e: MilestoneError) -> Problem {
    let detail = e.to_string();
    match e {
        MilestoneError::Unknown(_) => Problem::new(Kind::NotFound).detail(detail),
        MilestoneError::OutOfOrder { required } => Problem::new(Kind::MilestoneOutOfOrder)
            .detail(detail)
            .with("required_milestone", required),
        MilestoneError::OpenTasks { tasks } => {
            Problem::new(Kind::OpenTasks).detail(detail).with("open_tasks", tasks)
        }
        MilestoneError::ActivationOnly => Problem::new(Kind::ActivationRequired).detail(detail),
        MilestoneError::ProjectLive => Problem::new(Kind::ProjectLive),
        MilestoneError::InstallationDateNotApplicable
        | MilestoneError::InstallationDateOutOfRange => {
            Problem::invalid("installation_date", detail)
        }
        MilestoneError::NotReopenable { last_completed } => Problem::new(Kind::NotReopenable)
            .detail(detail)
            .with("last_completed_milestone", last_completed),
        MilestoneError::ReasonRequired => Problem::invalid("reason", "must not be blank"),
    }
}

pub fn task_problem(e: TaskError) -> Problem {
    let detail = e.to_string();
    match e {
        TaskError::UnknownMilestone(_) | TaskError::UnknownTask(_) => {
            Problem::new(Kind::NotFound).detail(detail)
        }
        TaskError::MilestoneCompleted(milestone) => {
            Problem::new(Kind::MilestoneCompleted).detail(detail).with("milestone", milestone)
        }
        TaskError::ProjectLive => Problem::new(Kind::ProjectLive),
        TaskError::TooManyTasks => Problem::new(Kind::TaskLimitReached).detail(detail),
        TaskError::Transition(TransitionError::ReasonRequired) => {
            Problem::invalid("blocked_reason", detail)
        }
        TaskError::Transition(TransitionError::MilestoneCompleted) => {
            Problem::new(Kind::MilestoneCompleted).detail(detail)
        }
        TaskError::Transition(TransitionError::NotAllowed { from, to }) => {
            Problem::new(Kind::InvalidTransition).detail(detail).with("from", from).with("to", to)
        }
        TaskError::Invalid(errors) => Problem::from(errors),
    }
}

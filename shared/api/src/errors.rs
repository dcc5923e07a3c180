//! Every use-case error as a problem document, in one place: what a client
//! is told (status, stable `type`, detail, extension members) for each
//! reason a use case gives. Store failures are logged here and answered
//! without internal detail.

use super::body;
use super::extract::not_found;
use super::problem::{Kind, Problem};
use app::ports::{CommitError, StoreError};
use app::{CommandError, DealChangeError, IntakeError, QueryError, TemplatesError};
use domain::activation::ActivationError;
use domain::hold_and_cancel::LifecycleError;
use domain::intake::RevisionError;
use domain::milestone_changes::MilestoneError;
use domain::project::ProjectStatus;
use domain::task::TransitionError;
use domain::task_changes::TaskError;
use domain::template::TemplateError;
use domain::validation;

/// `503` when retrying may help; the cause goes to the log only.
pub fn store_failure(error: &dyn std::error::Error) -> Problem {
    tracing::error!(error = %error, source = ?error.source(), "store failure");
    Problem::new(Kind::ServiceUnavailable).detail("please retry later")
}

/// A commit that failed: `503` when retrying may help, `500` when it cannot.
pub fn commit_failure(error: &CommitError) -> Problem {
    if let CommitError::TooLarge { items } = error {
        tracing::error!(items, "a change exceeds one transaction");
        return Problem::new(Kind::Internal);
    }
    store_failure(error)
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        store_failure(&e)
    }
}

impl From<Vec<domain::validation::FieldError>> for Problem {
    /// A `422` listing every invalid field.
    fn from(errors: Vec<domain::validation::FieldError>) -> Self {
        Problem::new(Kind::ValidationFailed).errors(errors)
    }
}

impl<E: Into<Problem>> From<CommandError<E>> for Problem {
    fn from(e: CommandError<E>) -> Self {
        match e {
            CommandError::NotFound => not_found("project"),
            CommandError::Forbidden => Problem::new(Kind::Forbidden)
                .detail("a technician changes the status of their own tasks only"),
            CommandError::Rejected(e) => e.into(),
            CommandError::Busy => Problem::new(Kind::ConcurrentModification),
            CommandError::Store(e) => commit_failure(&e),
        }
    }
}

impl From<std::convert::Infallible> for Problem {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<QueryError> for Problem {
    fn from(e: QueryError) -> Self {
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
}

impl From<MilestoneError> for Problem {
    fn from(e: MilestoneError) -> Self {
        let detail = e.to_string();
        let key = |k: &domain::milestone::MilestoneKey| body::MilestoneKey::from(k);
        match e {
            MilestoneError::Unknown(_) => Problem::new(Kind::NotFound).detail(detail),
            MilestoneError::OutOfOrder { required } => Problem::new(Kind::MilestoneOutOfOrder)
                .detail(detail)
                .with("required_milestone", key(&required)),
            MilestoneError::OpenTasks { tasks } => {
                let tasks: Vec<body::OpenTask> = tasks.iter().map(Into::into).collect();
                Problem::new(Kind::OpenTasks).detail(detail).with("open_tasks", tasks)
            }
            MilestoneError::ActivationOnly => Problem::new(Kind::ActivationRequired).detail(detail),
            MilestoneError::Frozen(status) => frozen(status, detail),
            MilestoneError::InstallationDateNotApplicable
            | MilestoneError::InstallationDateOutOfRange => {
                Problem::invalid("installation_date", detail)
            }
            MilestoneError::NotReopenable { last_completed } => Problem::new(Kind::NotReopenable)
                .detail(detail)
                .with("last_completed_milestone", last_completed.as_ref().map(key)),
            MilestoneError::ReasonRequired => Problem::invalid("reason", validation::BLANK),
        }
    }
}

impl From<TaskError> for Problem {
    fn from(e: TaskError) -> Self {
        let detail = e.to_string();
        match e {
            TaskError::UnknownMilestone(_) | TaskError::UnknownTask(_) => {
                Problem::new(Kind::NotFound).detail(detail)
            }
            TaskError::MilestoneCompleted(milestone) => Problem::new(Kind::MilestoneCompleted)
                .detail(detail)
                .with("milestone", body::MilestoneKey::from(&milestone)),
            TaskError::Frozen(status) => frozen(status, detail),
            TaskError::TooManyTasks => Problem::new(Kind::TaskLimitReached).detail(detail),
            TaskError::TooManyBlocked => Problem::new(Kind::BlockedTaskLimitReached).detail(detail),
            TaskError::Transition(TransitionError::ReasonRequired) => {
                Problem::invalid("blocked_reason", detail)
            }
            TaskError::Transition(TransitionError::MilestoneCompleted) => {
                Problem::new(Kind::MilestoneCompleted).detail(detail)
            }
            TaskError::Transition(TransitionError::NotAllowed { from, to }) => {
                Problem::new(Kind::InvalidTransition)
                    .detail(detail)
                    .with("from", body::TaskStatus::from(from))
                    .with("to", body::TaskStatus::from(to))
            }
            TaskError::Invalid(errors) => Problem::from(errors),
        }
    }
}

/// A command the project's status refuses, naming that status.
fn frozen(status: ProjectStatus, detail: String) -> Problem {
    let kind = match status {
        // As v1 answered it: the type says it all.
        ProjectStatus::Live => return Problem::new(Kind::ProjectLive),
        ProjectStatus::OnHold => Kind::ProjectOnHold,
        ProjectStatus::Cancelled => Kind::ProjectCancelled,
        // A running project refuses nothing for its status; a race at most.
        ProjectStatus::InProgress => Kind::ConcurrentModification,
    };
    Problem::new(kind).detail(detail).with("project_status", body::ProjectStatus::from(status))
}

impl From<LifecycleError> for Problem {
    fn from(e: LifecycleError) -> Self {
        let detail = e.to_string();
        match e {
            LifecycleError::Frozen(status) => frozen(status, detail),
            LifecycleError::Invalid(errors) => Problem::from(errors),
        }
    }
}

impl From<ActivationError> for Problem {
    fn from(e: ActivationError) -> Self {
        let detail = e.to_string();
        match e {
            ActivationError::Frozen(status) => frozen(status, detail),
            ActivationError::MilestonesPending { pending } => {
                let keys: Vec<&str> = pending.iter().map(|k| k.as_str()).collect();
                let pending: Vec<body::MilestoneKey> = pending.iter().map(Into::into).collect();
                Problem::new(Kind::MilestonesPending)
                    .detail(format!("complete {} first", keys.join(", ")))
                    .with("pending_milestones", pending)
            }
            ActivationError::Invalid(errors) => Problem::from(errors),
        }
    }
}

impl From<TemplatesError> for Problem {
    fn from(e: TemplatesError) -> Self {
        match e {
            TemplatesError::Rejected(TemplateError::Stale { current }) => {
                Problem::new(Kind::TemplateVersionConflict)
                    .detail(e.to_string())
                    .with("current_version", current)
            }
            TemplatesError::Rejected(TemplateError::Invalid(errors)) => Problem::from(errors),
            TemplatesError::Store(e) => commit_failure(&e),
        }
    }
}

/// The intake of deal `deal_id` failed.
pub fn intake_problem(deal_id: &str, error: IntakeError) -> Problem {
    match error {
        IntakeError::Invalid(errors) => Problem::from(errors),
        IntakeError::Conflict { .. } => {
            tracing::warn!(%deal_id, "deal delivered again with different content");
            Problem::new(Kind::DealConflict)
                .detail(format!("deal {deal_id} was already received with different content"))
        }
        IntakeError::Store(e) => {
            tracing::error!(%deal_id, "deal intake failed");
            commit_failure(&e)
        }
    }
}

/// A change or cancellation of deal `deal_id` failed.
pub fn deal_change_problem(deal_id: &str, error: DealChangeError) -> Problem {
    match error {
        DealChangeError::Invalid(errors) => Problem::from(errors),
        DealChangeError::UnknownDeal => {
            Problem::new(Kind::NotFound).detail(format!("deal {deal_id} was never received"))
        }
        DealChangeError::Refused(RevisionError::Cancelled) => Problem::new(Kind::DealCancelled)
            .detail(format!("deal {deal_id} is cancelled: it takes no further change")),
        DealChangeError::Refused(e @ RevisionError::Stale { current }) => {
            tracing::warn!(%deal_id, current, "a deal revision arrived after a later one");
            Problem::new(Kind::StaleRevision)
                .detail(e.to_string())
                .with("current_revision", current)
        }
        DealChangeError::Refused(e @ RevisionError::Conflict { .. }) => {
            tracing::warn!(%deal_id, "a deal revision delivered again with different content");
            Problem::new(Kind::DealConflict).detail(e.to_string())
        }
        // Not a 409: the CRM must deliver again until the change is complete.
        DealChangeError::Busy => {
            tracing::warn!(%deal_id, "deal change gave up against concurrent writers");
            Problem::new(Kind::ServiceUnavailable).detail("the deal kept changing: please retry")
        }
        DealChangeError::Store(e) => {
            tracing::error!(%deal_id, "deal change failed");
            commit_failure(&e)
        }
    }
}

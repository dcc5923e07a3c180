//! Domain refusals as readable messages, in the member's language, with
//! the status code the API gives the same refusal.

use super::{Notice, PageError, unavailable};
use crate::i18n::{Lang, word};
use app::{CommandError, TemplatesError};
use axum::http::StatusCode;
use domain::activation::ActivationError;
use domain::hold_and_cancel::LifecycleError;
use domain::milestone_changes::MilestoneError;
use domain::project::ProjectStatus;
use domain::task_changes::TaskError;
use domain::template::TemplateError;
use domain::validation::FieldError;

/// A refused command: shown on its page, or an error page.
pub enum Refused {
    Page(PageError),
    Message(StatusCode, Notice),
}

/// A domain reason, as the member reads it.
pub trait Refusal {
    fn message(&self, lang: Lang) -> (StatusCode, Notice);
}

fn conflict(lang: Lang, key: &str, items: Vec<String>) -> (StatusCode, Notice) {
    (StatusCode::CONFLICT, Notice::error(word(lang, key), items))
}

fn invalid(lang: Lang, errors: &[FieldError]) -> (StatusCode, Notice) {
    let items = errors.iter().map(|e| format!("{} : {}", e.field, e.message)).collect();
    (StatusCode::UNPROCESSABLE_ENTITY, Notice::error(word(lang, "refused_invalid"), items))
}

fn frozen(lang: Lang, status: ProjectStatus) -> (StatusCode, Notice) {
    let text = format!(
        "{} {}.",
        word(lang, "refused_frozen"),
        word(lang, &format!("status_{}", status.as_str())).to_lowercase()
    );
    (StatusCode::CONFLICT, Notice::error(text, Vec::new()))
}

impl Refusal for MilestoneError {
    fn message(&self, lang: Lang) -> (StatusCode, Notice) {
        match self {
            Self::Unknown(_) => {
                (StatusCode::NOT_FOUND, Notice::error(word(lang, "error_404"), vec![]))
            }
            Self::OutOfOrder { required } => {
                conflict(lang, "refused_order", vec![required.to_string()])
            }
            Self::OpenTasks { tasks } => conflict(
                lang,
                "refused_open_tasks",
                tasks.iter().map(|t| t.title.clone()).collect(),
            ),
            Self::ActivationOnly => conflict(lang, "refused_activation_only", vec![]),
            Self::Frozen(status) => frozen(lang, *status),
            Self::InstallationDateNotApplicable | Self::InstallationDateOutOfRange => {
                let text = format!("{} {self}", word(lang, "refused_installation_date"));
                (StatusCode::UNPROCESSABLE_ENTITY, Notice::error(text, vec![]))
            }
            Self::NotReopenable { .. } => conflict(lang, "refused_not_reopenable", vec![]),
            Self::ReasonRequired => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Notice::error(word(lang, "refused_reason"), vec![]),
            ),
        }
    }
}

impl Refusal for TaskError {
    fn message(&self, lang: Lang) -> (StatusCode, Notice) {
        match self {
            Self::UnknownMilestone(_) | Self::UnknownTask(_) => {
                (StatusCode::NOT_FOUND, Notice::error(word(lang, "error_404"), vec![]))
            }
            Self::MilestoneCompleted(_) => conflict(lang, "refused_milestone_done", vec![]),
            Self::Frozen(status) => frozen(lang, *status),
            Self::TooManyTasks => conflict(lang, "refused_too_many", vec![]),
            Self::TooManyBlocked => conflict(lang, "refused_too_many_blocked", vec![]),
            Self::Transition(e) => conflict(lang, "refused_transition", vec![e.to_string()]),
            Self::Invalid(errors) => invalid(lang, errors),
        }
    }
}

impl Refusal for ActivationError {
    fn message(&self, lang: Lang) -> (StatusCode, Notice) {
        match self {
            Self::MilestonesPending { pending } => {
                conflict(lang, "refused_pending", pending.iter().map(ToString::to_string).collect())
            }
            Self::Frozen(status) => frozen(lang, *status),
            Self::Invalid(errors) => invalid(lang, errors),
        }
    }
}

impl Refusal for LifecycleError {
    fn message(&self, lang: Lang) -> (StatusCode, Notice) {
        match self {
            Self::Frozen(status) => frozen(lang, *status),
            Self::Invalid(errors) => invalid(lang, errors),
        }
    }
}

impl Refusal for TemplateError {
    fn message(&self, lang: Lang) -> (StatusCode, Notice) {
        match self {
            Self::Stale { current } => conflict(lang, "refused_stale", vec![current.to_string()]),
            Self::Invalid(errors) => invalid(lang, errors),
        }
    }
}

/// A command's failure: its refusal as a message, or an error page.
pub fn of_command<E: Refusal>(e: CommandError<E>, lang: Lang) -> Refused {
    match e {
        CommandError::NotFound => Refused::Page(PageError::NotFound),
        CommandError::Forbidden => Refused::Page(PageError::Forbidden),
        CommandError::Rejected(e) => {
            let (status, notice) = e.message(lang);
            Refused::Message(status, notice)
        }
        CommandError::Busy => Refused::Message(
            StatusCode::CONFLICT,
            Notice::error(word(lang, "refused_busy"), vec![]),
        ),
        CommandError::Store(e) => Refused::Page(unavailable(e)),
    }
}

/// A template save's failure.
pub fn of_templates(e: TemplatesError, lang: Lang) -> Refused {
    match e {
        TemplatesError::Rejected(e) => {
            let (status, notice) = e.message(lang);
            Refused::Message(status, notice)
        }
        TemplatesError::Store(e) => Refused::Page(unavailable(e)),
    }
}

//! The bodies of the staff commands: request shapes only (a command's
//! input is not what the API or the table gives back). Unknown members
//! are refused by the extractor (`crate::extract`).

use chrono::NaiveDate;
use domain::milestone_changes::CompleteMilestone;
use domain::validation::{Errors, FieldError, MAX_TEXT};
use domain::{activation, hold_and_cancel, task_changes};
use serde::Deserialize;
use utoipa::ToSchema;
use wire::{Category, ServiceSummary, TaskStatus, back, rules};

#[derive(Deserialize, ToSchema)]
pub struct NewTask {
    #[schema(value_type = rules::Name)]
    title: String,
    #[schema(value_type = rules::Email)]
    assignee: String,
    due_date: NaiveDate,
    #[serde(default)]
    #[schema(value_type = Option<rules::Paragraph>)]
    description: Option<String>,
}

impl From<NewTask> for task_changes::NewTask {
    fn from(t: NewTask) -> Self {
        Self {
            title: t.title,
            assignee: t.assignee,
            due_date: t.due_date,
            description: t.description,
        }
    }
}

/// A partial change of a task; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
pub struct TaskPatch {
    #[serde(default)]
    status: Option<TaskStatus>,
    /// Only with `blocked` (or a task already blocked).
    #[serde(default)]
    #[schema(value_type = Option<rules::Paragraph>)]
    blocked_reason: Option<String>,
    /// Why the task is blocked, as a category (with `blocked`).
    #[serde(default)]
    blocked_category: Option<Category>,
    #[serde(default)]
    #[schema(value_type = Option<rules::Email>)]
    assignee: Option<String>,
    #[serde(default)]
    due_date: Option<NaiveDate>,
}

impl From<TaskPatch> for task_changes::TaskPatch {
    fn from(p: TaskPatch) -> Self {
        Self {
            status: p.status.map(Into::into),
            blocked_reason: p.blocked_reason,
            blocked_category: p.blocked_category.map(Into::into),
            assignee: p.assignee,
            due_date: p.due_date,
        }
    }
}

/// Go-live: the day billing starts, and the technical configuration of
/// every service line of the project as installed.
#[derive(Deserialize, ToSchema)]
pub struct Activation {
    go_live_date: NaiveDate,
    technical_summary: Vec<ServiceSummary>,
}

impl From<Activation> for activation::Activation {
    fn from(a: Activation) -> Self {
        Self { go_live_date: a.go_live_date, technical_summary: back(a.technical_summary) }
    }
}

#[derive(Default, Deserialize, ToSchema)]
pub struct CompleteBody {
    #[schema(value_type = Option<rules::Paragraph>)]
    note: Option<String>,
    /// Planned installation date, when delivery is confirmed.
    installation_date: Option<NaiveDate>,
}

impl CompleteBody {
    /// The completion, its note checked.
    pub fn into_input(self) -> Result<CompleteMilestone, Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("note", self.note.as_deref(), MAX_TEXT);
        e.into_result()?;
        Ok(CompleteMilestone { note: self.note, installation_date: self.installation_date })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenBody {
    /// Required.
    #[schema(value_type = rules::Paragraph, required)]
    reason: Option<String>,
}

impl ReopenBody {
    /// The reason, which is required.
    pub fn into_reason(self) -> Result<String, Vec<FieldError>> {
        required_reason(self.reason)
    }
}

/// A reason a command requires: present and not blank.
fn required_reason(reason: Option<String>) -> Result<String, Vec<FieldError>> {
    let Some(reason) = reason else { return Err(vec![required("reason")]) };
    let mut e = Errors::new();
    e.text("reason", &reason, MAX_TEXT);
    e.into_result().map(|()| reason)
}

fn required(field: &str) -> FieldError {
    FieldError { field: field.into(), message: "is required".into() }
}

/// Puts a project on hold.
#[derive(Deserialize, ToSchema)]
pub struct HoldBody {
    #[schema(value_type = rules::Paragraph, required)]
    reason: Option<String>,
    #[schema(value_type = Category, required)]
    category: Option<Category>,
    /// When the team expects to resume (informative).
    #[serde(default)]
    until: Option<NaiveDate>,
}

impl HoldBody {
    /// The hold, its reason and category required.
    pub fn into_request(self) -> Result<hold_and_cancel::HoldRequest, Vec<FieldError>> {
        let reason = required_reason(self.reason);
        let Some(category) = self.category else {
            let mut errors = reason.err().unwrap_or_default();
            errors.push(required("category"));
            return Err(errors);
        };
        Ok(hold_and_cancel::HoldRequest {
            reason: reason?,
            category: category.into(),
            until: self.until,
        })
    }
}

/// Cancels a project.
#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    #[schema(value_type = rules::Paragraph, required)]
    reason: Option<String>,
}

impl CancelBody {
    /// The reason, which is required.
    pub fn into_reason(self) -> Result<String, Vec<FieldError>> {
        required_reason(self.reason)
    }
}

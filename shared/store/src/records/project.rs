//! A project's items: its header, its milestones and tasks, its history.
//!
//! The header, milestones and tasks are the table's own formats: they keep
//! what the API shows differently or not at all (the forecast's basis and
//! threshold, the applied revision, the progress for listings, time on
//! hold, paused escalations, blocked time by category). Their values are
//! the shared formats of [`wire`]; the history entry is one of them.

use super::forecast::Forecast;
use super::values::is_zero;
use chrono::{DateTime, NaiveDate, Utc};
use domain::milestone::MilestoneKey;
use domain::{ProjectId, TaskId, deal_changes, forecast, milestone, project, task};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wire::{
    AccountInfo, Basis, Cancellation, Category, Contact, CustomerMail, Hold, LineOutcome,
    MilestoneStatus, Names, ProjectStatus, ServiceLine, ServiceSummary, TaskStatus, TemplateRef,
    Undeliverable, back, each,
};

pub use wire::HistoryEntry;

/// Projects stored before forecasting followed their template.
fn basis() -> Basis {
    Basis::Template
}

fn at_risk_days() -> u16 {
    forecast::DEFAULT_AT_RISK_DAYS
}

/// A project's own item: everything but its milestones and tasks (items of
/// their own), plus its progress, so that listings read it alone.
#[derive(Serialize, Deserialize)]
pub struct ProjectHeader {
    id: String,
    deal_id: String,
    line_id: String,
    won_at: DateTime<Utc>,
    account: AccountInfo,
    technical_contact: Contact,
    owner: String,
    services: Vec<ServiceLine>,
    target_go_live: NaiveDate,
    status: ProjectStatus,
    template: TemplateRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    installation_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    go_live_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    technical_summary: Vec<ServiceSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hold: Option<Hold>,
    #[serde(default, skip_serializing_if = "is_zero")]
    held_seconds: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cancellation: Option<Cancellation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deal_change: Option<AppliedRevision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact_undeliverable: Option<Undeliverable>,
    #[serde(default = "basis")]
    basis: Basis,
    #[serde(default = "at_risk_days")]
    at_risk_days: u16,
    #[serde(default)]
    forecast: Option<Forecast>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: u64,
    progress: Progress,
}

#[derive(Serialize, Deserialize)]
struct AppliedRevision {
    revision: u32,
    outcome: LineOutcome,
}

impl From<deal_changes::AppliedRevision> for AppliedRevision {
    fn from(a: deal_changes::AppliedRevision) -> Self {
        Self { revision: a.revision, outcome: a.outcome.into() }
    }
}

impl From<AppliedRevision> for deal_changes::AppliedRevision {
    fn from(a: AppliedRevision) -> Self {
        Self { revision: a.revision, outcome: a.outcome.into() }
    }
}

#[derive(Serialize, Deserialize)]
struct Progress {
    completed: u16,
    total: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_milestone: Option<String>,
}

impl From<&project::Project> for ProjectHeader {
    fn from(p: &project::Project) -> Self {
        let progress = p.progress();
        Self {
            id: p.id.to_string(),
            deal_id: p.deal_id.clone(),
            line_id: p.line_id.clone(),
            won_at: p.won_at,
            account: (&p.account).into(),
            technical_contact: (&p.technical_contact).into(),
            owner: p.owner.clone(),
            services: each(&p.services),
            target_go_live: p.target_go_live,
            status: p.status.into(),
            template: (&p.template).into(),
            installation_date: p.installation_date,
            go_live_date: p.go_live_date,
            technical_summary: each(&p.technical_summary),
            hold: p.hold.as_ref().map(Into::into),
            held_seconds: p.held_seconds,
            cancellation: p.cancellation.as_ref().map(Into::into),
            deal_change: p.deal_change.map(Into::into),
            contact_undeliverable: p.contact_undeliverable.as_ref().map(Into::into),
            basis: p.basis.into(),
            at_risk_days: p.at_risk_days,
            forecast: Some((&p.forecast).into()),
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
            progress: Progress {
                completed: progress.completed,
                total: progress.total,
                next_milestone: progress.next_milestone.map(|k| k.to_string()),
            },
        }
    }
}

impl ProjectHeader {
    /// The whole project, with its milestones (in position order) and tasks.
    pub fn into_project(self, milestones: Vec<Milestone>, tasks: Vec<Task>) -> project::Project {
        project::Project {
            id: ProjectId::from_raw(self.id),
            deal_id: self.deal_id,
            line_id: self.line_id,
            won_at: self.won_at,
            account: self.account.into(),
            technical_contact: self.technical_contact.into(),
            owner: self.owner,
            services: back(self.services),
            target_go_live: self.target_go_live,
            status: self.status.into(),
            template: self.template.into(),
            installation_date: self.installation_date,
            go_live_date: self.go_live_date,
            technical_summary: back(self.technical_summary),
            hold: self.hold.map(Into::into),
            held_seconds: self.held_seconds,
            cancellation: self.cancellation.map(Into::into),
            deal_change: self.deal_change.map(Into::into),
            contact_undeliverable: self.contact_undeliverable.map(Into::into),
            basis: self.basis.into(),
            at_risk_days: self.at_risk_days,
            forecast: self.forecast.map_or_else(forecast::Forecast::unassessed, Into::into),
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            milestones: back(milestones),
            tasks: back(tasks),
        }
    }
}

impl From<ProjectHeader> for project::ProjectOverview {
    fn from(h: ProjectHeader) -> Self {
        Self {
            id: ProjectId::from_raw(h.id),
            deal_id: h.deal_id,
            line_id: h.line_id,
            account: h.account.into(),
            technical_contact: h.technical_contact.into(),
            owner: h.owner,
            services: back(h.services),
            target_go_live: h.target_go_live,
            status: h.status.into(),
            template: h.template.into(),
            installation_date: h.installation_date,
            go_live_date: h.go_live_date,
            hold: h.hold.map(Into::into),
            cancellation: h.cancellation.map(Into::into),
            deal_revision: h.deal_change.map_or(0, |c| c.revision),
            basis: h.basis.into(),
            forecast: h.forecast.map_or_else(forecast::Forecast::unassessed, Into::into),
            created_at: h.created_at,
            updated_at: h.updated_at,
            version: h.version,
            progress: project::Progress {
                completed: h.progress.completed,
                total: h.progress.total,
                next_milestone: h.progress.next_milestone.map(MilestoneKey::from_raw),
            },
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Milestone {
    key: String,
    position: u16,
    name: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_mail: Option<CustomerMail>,
    #[serde(default)]
    activation: bool,
    expected_days: u16,
    #[serde(default, skip_serializing_if = "is_zero")]
    held_seconds: i64,
    status: MilestoneStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl From<&milestone::Milestone> for Milestone {
    fn from(m: &milestone::Milestone) -> Self {
        Self {
            key: m.key.to_string(),
            position: m.position,
            name: (&m.name).into(),
            customer_mail: m.customer_mail.map(Into::into),
            activation: m.activation,
            expected_days: m.expected_days,
            held_seconds: m.held_seconds,
            status: m.status.into(),
            completed_at: m.completed_at,
            completed_by: m.completed_by.clone(),
            note: m.note.clone(),
        }
    }
}

impl From<Milestone> for milestone::Milestone {
    fn from(m: Milestone) -> Self {
        Self {
            key: MilestoneKey::from_raw(m.key),
            position: m.position,
            name: m.name.into(),
            customer_mail: m.customer_mail.map(Into::into),
            activation: m.activation,
            expected_days: m.expected_days,
            held_seconds: m.held_seconds,
            status: m.status.into(),
            completed_at: m.completed_at,
            completed_by: m.completed_by,
            note: m.note,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Task {
    id: String,
    milestone_key: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    assignee: String,
    due_date: NaiveDate,
    status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked_category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked_since: Option<DateTime<Utc>>,
    #[serde(default)]
    blocked_seconds: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    blocked_by_category: BTreeMap<Category, i64>,
    #[serde(default)]
    escalation_level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_escalation_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    escalation_paused_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    block_held_seconds: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&task::Task> for Task {
    fn from(t: &task::Task) -> Self {
        Self {
            id: t.id.to_string(),
            milestone_key: t.milestone_key.to_string(),
            title: t.title.clone(),
            description: t.description.clone(),
            assignee: t.assignee.clone(),
            due_date: t.due_date,
            status: t.status.into(),
            blocked_reason: t.blocked_reason.clone(),
            blocked_category: t.blocked_category.map(Into::into),
            blocked_since: t.blocked_since,
            blocked_seconds: t.blocked_seconds,
            blocked_by_category: t
                .blocked_by_category
                .iter()
                .map(|(c, s)| ((*c).into(), *s))
                .collect(),
            escalation_level: t.escalation_level,
            next_escalation_at: t.next_escalation_at,
            escalation_paused_seconds: t.escalation_paused_seconds,
            block_held_seconds: t.block_held_seconds,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl From<Task> for task::Task {
    fn from(t: Task) -> Self {
        Self {
            id: TaskId::from_raw(t.id),
            milestone_key: MilestoneKey::from_raw(t.milestone_key),
            title: t.title,
            description: t.description,
            assignee: t.assignee,
            due_date: t.due_date,
            status: t.status.into(),
            blocked_reason: t.blocked_reason,
            blocked_category: t.blocked_category.map(Into::into),
            blocked_since: t.blocked_since,
            blocked_seconds: t.blocked_seconds,
            blocked_by_category: t
                .blocked_by_category
                .into_iter()
                .map(|(c, s)| (c.into(), s))
                .collect(),
            escalation_level: t.escalation_level,
            next_escalation_at: t.next_escalation_at,
            escalation_paused_seconds: t.escalation_paused_seconds,
            block_held_seconds: t.block_held_seconds,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A task item read through a task index: the task and its project.
#[derive(Deserialize)]
pub struct AssignedTask {
    project_id: String,
    #[serde(flatten)]
    task: Task,
}

impl AssignedTask {
    pub fn new(project_id: String, task: Task) -> Self {
        Self { project_id, task }
    }
}

impl From<AssignedTask> for task::AssignedTask {
    fn from(a: AssignedTask) -> Self {
        Self { project_id: ProjectId::from_raw(a.project_id), task: a.task.into() }
    }
}

//! A project as the staff API shows it: whole, with its history, or as a
//! listing shows it; its milestones and tasks.
//!
//! Types of the API's own, because the table keeps more or other: the
//! project shows its forecast against its target, its contact with the
//! mail feedback and the deal's revision number (the table keeps the basis,
//! the at-risk threshold, the applied revision and the progress apart);
//! milestones and tasks leave out what only the forecast and the escalation
//! read (time on hold, paused escalations, blocked time by category). Their
//! values (lines, holds, history...) are the shared formats of [`wire`].

use super::forecast::Forecast;
use chrono::{DateTime, NaiveDate, Utc};
use domain::{history, milestone, project, task};
use serde::Serialize;
use utoipa::ToSchema;
use wire::{
    AccountInfo, Cancellation, Category, Contact, CustomerMail, HistoryEntry, Hold, MilestoneKey,
    MilestoneStatus, Names, ProjectId, ProjectStatus, ServiceLine, ServiceSummary, TaskId,
    TaskStatus, TemplateRef, Undeliverable, each,
};

#[derive(Serialize, ToSchema)]
pub struct Project {
    id: ProjectId,
    deal_id: String,
    line_id: String,
    won_at: DateTime<Utc>,
    account: AccountInfo,
    technical_contact: ProjectContact,
    owner: String,
    services: Vec<ServiceLine>,
    target_go_live: NaiveDate,
    status: ProjectStatus,
    template: TemplateRef,
    /// Planned installation date, given when delivery is confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    installation_date: Option<NaiveDate>,
    /// Set at go-live (*Mise en service*): billing starts that day.
    #[serde(skip_serializing_if = "Option::is_none")]
    go_live_date: Option<NaiveDate>,
    /// The technical configuration recorded at go-live, per service line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    technical_summary: Vec<ServiceSummary>,
    /// The hold in force, while `on_hold`.
    #[serde(skip_serializing_if = "Option::is_none")]
    hold: Option<Hold>,
    /// Time spent on hold over all past holds, in seconds.
    held_seconds: i64,
    /// Set once cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    cancellation: Option<Cancellation>,
    /// The CRM revision of the deal the project reflects (0: as won).
    deal_revision: u32,
    forecast: Forecast,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Incremented by every change of the project.
    version: u64,
    milestones: Vec<Milestone>,
    tasks: Vec<Task>,
}

/// The technical contact of a project, and whether mail reaches them.
#[derive(Serialize, ToSchema)]
pub struct ProjectContact {
    #[schema(value_type = super::rules::Name)]
    name: String,
    #[schema(value_type = super::rules::Email)]
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::rules::Phone>)]
    phone: Option<String>,
    /// Set when SES reported mail to this address as bounced (for good) or
    /// complained of; cleared when the CRM gives the contact another address.
    #[serde(skip_serializing_if = "Option::is_none")]
    undeliverable: Option<Undeliverable>,
}

impl ProjectContact {
    fn of(p: &project::Project) -> Self {
        let undeliverable = p.contact_undeliverable.as_ref().map(Into::into);
        let c = &p.technical_contact;
        let (name, email, phone) = (c.name.clone(), c.email.clone(), c.phone.clone());
        Self { name, email, phone, undeliverable }
    }
}

impl From<&project::Project> for Project {
    fn from(p: &project::Project) -> Self {
        Self {
            id: (&p.id).into(),
            deal_id: p.deal_id.clone(),
            line_id: p.line_id.clone(),
            won_at: p.won_at,
            account: (&p.account).into(),
            technical_contact: ProjectContact::of(p),
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
            deal_revision: p.deal_revision(),
            forecast: Forecast::new(&p.forecast, p.target_go_live, p.basis),
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
            milestones: each(&p.milestones),
            tasks: each(&p.tasks),
        }
    }
}

/// A project with its milestones, tasks and history.
#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    #[serde(flatten)]
    project: Project,
    history: Vec<HistoryEntry>,
}

impl ProjectView {
    pub fn new(project: &project::Project, history: &[history::HistoryEntry]) -> Self {
        Self { project: project.into(), history: each(history) }
    }
}

/// A project as listings show it: everything but its milestones and tasks.
#[derive(Serialize, ToSchema)]
pub struct ProjectOverview {
    id: ProjectId,
    deal_id: String,
    line_id: String,
    account: AccountInfo,
    technical_contact: Contact,
    owner: String,
    services: Vec<ServiceLine>,
    target_go_live: NaiveDate,
    status: ProjectStatus,
    template: TemplateRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    installation_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    go_live_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hold: Option<Hold>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancellation: Option<Cancellation>,
    deal_revision: u32,
    forecast: Forecast,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: u64,
    progress: Progress,
}

/// How far a project has come.
#[derive(Serialize, ToSchema)]
pub struct Progress {
    completed: u16,
    total: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_milestone: Option<MilestoneKey>,
}

impl From<&project::ProjectOverview> for ProjectOverview {
    fn from(p: &project::ProjectOverview) -> Self {
        Self {
            id: (&p.id).into(),
            deal_id: p.deal_id.clone(),
            line_id: p.line_id.clone(),
            account: (&p.account).into(),
            technical_contact: (&p.technical_contact).into(),
            owner: p.owner.clone(),
            services: each(&p.services),
            target_go_live: p.target_go_live,
            status: p.status.into(),
            template: (&p.template).into(),
            installation_date: p.installation_date,
            go_live_date: p.go_live_date,
            hold: p.hold.as_ref().map(Into::into),
            cancellation: p.cancellation.as_ref().map(Into::into),
            deal_revision: p.deal_revision,
            forecast: Forecast::new(&p.forecast, p.target_go_live, p.basis),
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
            progress: Progress {
                completed: p.progress.completed,
                total: p.progress.total,
                next_milestone: p.progress.next_milestone.as_ref().map(Into::into),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Milestone {
    key: MilestoneKey,
    /// 1-based rank; milestones complete in this order.
    position: u16,
    name: Names,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_mail: Option<CustomerMail>,
    #[serde(default)]
    activation: bool,
    expected_days: u16,
    status: MilestoneStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl From<&milestone::Milestone> for Milestone {
    fn from(m: &milestone::Milestone) -> Self {
        Self {
            key: (&m.key).into(),
            position: m.position,
            name: (&m.name).into(),
            customer_mail: m.customer_mail.map(Into::into),
            activation: m.activation,
            expected_days: m.expected_days,
            status: m.status.into(),
            completed_at: m.completed_at,
            completed_by: m.completed_by.clone(),
            note: m.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Task {
    id: TaskId,
    milestone_key: MilestoneKey,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    assignee: String,
    due_date: NaiveDate,
    status: TaskStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_category: Option<Category>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_since: Option<DateTime<Utc>>,
    /// Time spent blocked over all past blocks, in seconds.
    #[serde(default)]
    blocked_seconds: i64,
    /// Escalations so far of the current block (0, 1: the project owner, 2:
    /// the escalation contact).
    #[serde(default)]
    escalation_level: u8,
    /// When the next escalation is due; set only while blocked, not at the
    /// last level, and the project is in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_escalation_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&task::Task> for Task {
    fn from(t: &task::Task) -> Self {
        Self {
            id: (&t.id).into(),
            milestone_key: (&t.milestone_key).into(),
            title: t.title.clone(),
            description: t.description.clone(),
            assignee: t.assignee.clone(),
            due_date: t.due_date,
            status: t.status.into(),
            blocked_reason: t.blocked_reason.clone(),
            blocked_category: t.blocked_category.map(Into::into),
            blocked_since: t.blocked_since,
            blocked_seconds: t.blocked_seconds,
            escalation_level: t.escalation_level,
            next_escalation_at: t.next_escalation_at,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A task with the project it belongs to, as task lists show it.
#[derive(Serialize, ToSchema)]
pub struct AssignedTask {
    project_id: ProjectId,
    #[serde(flatten)]
    task: Task,
}

impl From<&task::AssignedTask> for AssignedTask {
    fn from(a: &task::AssignedTask) -> Self {
        Self { project_id: (&a.project_id).into(), task: (&a.task).into() }
    }
}

/// A task that keeps its milestone from completing (in `open-tasks` problems).
#[derive(Serialize)]
pub struct OpenTask {
    id: TaskId,
    title: String,
    status: TaskStatus,
}

impl From<&domain::milestone_changes::OpenTask> for OpenTask {
    fn from(t: &domain::milestone_changes::OpenTask) -> Self {
        Self { id: (&t.id).into(), title: t.title.clone(), status: t.status.into() }
    }
}

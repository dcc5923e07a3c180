//! The deployment project aggregate and the changes it accepts.

use super::account::AccountChange;
use super::activation::ServiceSummary;
use super::amendment::AppliedRevision;
use super::deal::{Contact, DealWon, Language, ServiceLine};
use super::deliverability::Undeliverable;
use super::events::{self, DomainEvent};
use super::facts::GoLiveFacts;
use super::forecast::{Basis, Forecast};
use super::history::HistoryEntry;
use super::ids::{OutboxId, ProjectId, TaskId};
use super::lifecycle::{Cancellation, Hold};
use super::milestone::{CustomerMail, Milestone, MilestoneKey, MilestoneStatus};
use super::outbox::{MailTemplate, OutboxEntry, OutboxMessage};
use super::task::{Task, TaskStatus};
use super::template::{MilestoneTemplate, TaskTemplate, Template, TemplateRef};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use thiserror::Error;

/// The actor recorded for changes made on the CRM's behalf.
pub const CRM_ACTOR: &str = "crm";

/// Where a project stands (API.md v1.1): `in_progress` and `on_hold` move
/// between each other; `cancelled` and `live` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectStatus {
    InProgress,
    OnHold,
    Cancelled,
    Live,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::OnHold => "on_hold",
            Self::Cancelled => "cancelled",
            Self::Live => "live",
        }
    }

    /// The status in words, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::InProgress => "in progress",
            Self::OnHold => "on hold",
            Self::Cancelled => "cancelled",
            Self::Live => "live",
        }
    }

    /// Cancelled and live projects never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Cancelled | Self::Live)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
    pub language: Language,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    pub id: ProjectId,
    pub deal_id: String,
    pub line_id: String,
    pub won_at: DateTime<Utc>,
    pub account: AccountInfo,
    pub technical_contact: Contact,
    pub owner: String,
    pub services: Vec<ServiceLine>,
    pub target_go_live: NaiveDate,
    pub status: ProjectStatus,
    pub template: TemplateRef,
    /// Planned installation date, given when delivery is confirmed.
    pub installation_date: Option<NaiveDate>,
    /// Set at go-live (*Mise en service*): billing starts that day.
    pub go_live_date: Option<NaiveDate>,
    /// The technical configuration recorded at go-live, per service line.
    pub technical_summary: Vec<ServiceSummary>,
    /// The hold in force, while `on_hold`.
    pub hold: Option<Hold>,
    /// Time spent on hold over all past holds, in seconds.
    pub held_seconds: i64,
    /// Why, when and by whom the project was cancelled.
    pub cancellation: Option<Cancellation>,
    /// The last CRM revision of the deal that changed this project.
    pub deal_change: Option<AppliedRevision>,
    /// Set when SES reported mail to the technical contact as bounced or
    /// complained of; cleared when the contact's address changes.
    pub contact_undeliverable: Option<Undeliverable>,
    /// Where its milestones' expected durations come from.
    pub basis: Basis,
    /// Less slack than this many days is `at_risk` (from the template).
    pub at_risk_days: u16,
    /// The forecast as of the project's last change or review.
    pub forecast: Forecast,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the store's optimistic concurrency guard.
    pub version: u64,
    pub milestones: Vec<Milestone>,
    pub tasks: Vec<Task>,
}

/// How far a project has come, kept on its header for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub completed: u16,
    pub total: u16,
    pub next_milestone: Option<MilestoneKey>,
}

/// A project as listings show it: everything but its milestones and tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectOverview {
    pub id: ProjectId,
    pub deal_id: String,
    pub line_id: String,
    pub account: AccountInfo,
    pub technical_contact: Contact,
    pub owner: String,
    pub services: Vec<ServiceLine>,
    pub target_go_live: NaiveDate,
    pub status: ProjectStatus,
    pub template: TemplateRef,
    pub installation_date: Option<NaiveDate>,
    pub go_live_date: Option<NaiveDate>,
    pub hold: Option<Hold>,
    pub cancellation: Option<Cancellation>,
    pub deal_revision: u32,
    pub basis: Basis,
    pub forecast: Forecast,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    pub progress: Progress,
}

/// What one change touched, to be committed atomically by the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Change {
    pub milestones: Vec<MilestoneKey>,
    pub tasks: Vec<TaskId>,
    pub history: Vec<HistoryEntry>,
    pub outbox: Vec<OutboxEntry>,
    pub account: Option<AccountChange>,
    /// Written by the go-live, for forecasting and analytics.
    pub facts: Option<GoLiveFacts>,
}

/// Collects the history and outbox of one change under the new version.
pub(crate) struct Recorder<'a> {
    project: &'a ProjectId,
    version: u64,
    at: DateTime<Utc>,
    actor: &'a str,
    change: Change,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(
        project: &'a ProjectId,
        version: u64,
        at: DateTime<Utc>,
        actor: &'a str,
    ) -> Self {
        Self { project, version, at, actor, change: Change::default() }
    }

    /// A recorder that goes on with `change`, already at `version`.
    pub(crate) fn resume(
        project: &'a ProjectId,
        version: u64,
        at: DateTime<Utc>,
        actor: &'a str,
        change: &mut Change,
    ) -> Self {
        Self { project, version, at, actor, change: std::mem::take(change) }
    }

    pub(crate) fn history(
        &mut self,
        action: &str,
        subject: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        let seq = self.change.history.len() as u16;
        self.change.history.push(HistoryEntry {
            version: self.version,
            seq,
            at: self.at,
            actor: self.actor.to_owned(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            before,
            after,
        });
    }

    fn next_id(&self) -> OutboxId {
        OutboxId::derived(self.project, self.version, self.change.outbox.len())
    }

    pub(crate) fn event(&mut self, event: DomainEvent) {
        let id = self.next_id();
        let message = event.into_message(&id, self.project);
        self.push(id, message);
    }

    pub(crate) fn mail(
        &mut self,
        template: impl Into<MailTemplate>,
        to: &str,
        language: Language,
        context: Value,
    ) {
        let id = self.next_id();
        self.push(
            id,
            OutboxMessage::Mail { template: template.into(), to: to.to_owned(), language, context },
        );
    }

    pub(crate) fn finish(self) -> Change {
        self.change
    }

    fn push(&mut self, id: OutboxId, message: OutboxMessage) {
        self.change.outbox.push(OutboxEntry {
            id,
            project_id: self.project.clone(),
            created_at: self.at,
            message,
        });
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MilestoneError {
    #[error("the project has no milestone {0}")]
    Unknown(MilestoneKey),
    #[error("milestone {required} must be completed first")]
    OutOfOrder { required: MilestoneKey },
    #[error("tasks of this milestone are not done")]
    OpenTasks { tasks: Vec<OpenTask> },
    #[error("the activation milestone is completed by activating the project")]
    ActivationOnly,
    #[error("the project is {}: its milestones are frozen", .0.label())]
    Frozen(ProjectStatus),
    #[error("an installation date is given only when delivery is confirmed")]
    InstallationDateNotApplicable,
    #[error("the installation date must fall between the deal and two years after it")]
    InstallationDateOutOfRange,
    #[error("only the last completed milestone can be reopened")]
    NotReopenable { last_completed: Option<MilestoneKey> },
    #[error("a reason is required")]
    ReasonRequired,
}

/// A task that keeps its milestone from completing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenTask {
    pub id: TaskId,
    pub title: String,
    pub status: TaskStatus,
}

/// Input of [`Project::complete_milestone`].
#[derive(Clone, Debug, Default)]
pub struct CompleteMilestone {
    pub note: Option<String>,
    pub installation_date: Option<NaiveDate>,
}

impl Project {
    /// A new project for one service line of a won deal, with the milestones
    /// and default tasks of `template`, at version 1.
    pub fn open(
        deal: &DealWon,
        line: &ServiceLine,
        template: &Template,
        now: DateTime<Utc>,
    ) -> (Self, Change) {
        let account = &deal.account;
        let mut project = Self {
            id: ProjectId::for_deal_line(&deal.deal_id, &line.line_id),
            deal_id: deal.deal_id.clone(),
            line_id: line.line_id.clone(),
            won_at: deal.won_at,
            account: AccountInfo {
                id: account.id.clone(),
                name: account.name.clone(),
                language: account.language,
            },
            technical_contact: deal.technical_contact.clone(),
            owner: deal.owner.clone(),
            services: vec![line.clone()],
            target_go_live: deal.target_go_live,
            status: ProjectStatus::InProgress,
            template: template.reference(),
            installation_date: None,
            go_live_date: None,
            technical_summary: Vec::new(),
            hold: None,
            held_seconds: 0,
            cancellation: None,
            deal_change: None,
            contact_undeliverable: None,
            basis: template.basis,
            at_risk_days: template.at_risk_days,
            forecast: Forecast::unassessed(),
            created_at: now,
            updated_at: now,
            version: 1,
            milestones: milestones_of(template),
            tasks: default_tasks(template, &deal.owner, now),
        };
        let mut change = project.created(line, now);
        project.reassess(&mut change, now);
        (project, change)
    }

    /// The change that records a new project: all of its items, its first
    /// history entry, its announcement, and its account seen.
    fn created(&self, line: &ServiceLine, now: DateTime<Utc>) -> Change {
        let mut rec = Recorder::new(&self.id, 1, now, CRM_ACTOR);
        let after =
            json!({ "deal_id": self.deal_id, "line_id": self.line_id, "template": self.template });
        rec.history("project.created", self.id.as_str(), None, Some(after));
        rec.event(DomainEvent::ProjectCreated(events::ProjectCreated {
            deal_id: self.deal_id.clone(),
            line_id: line.line_id.clone(),
            account_id: self.account.id.clone(),
            account_name: self.account.name.clone(),
            language: self.account.language,
            service_type: line.service_type.clone(),
            service_name: line.name.clone(),
            installation: line.installation,
            subscription_id: line.subscription_id.clone(),
            owner: self.owner.clone(),
            target_go_live: self.target_go_live,
            template_version: self.template.version,
            milestones: self.milestones.iter().map(|m| m.key.to_string()).collect(),
            created_at: now,
        }));
        let mut change = rec.finish();
        change.milestones = self.milestones.iter().map(|m| m.key.clone()).collect();
        change.tasks = self.tasks.iter().map(|t| t.id.clone()).collect();
        let (id, name) = (self.account.id.clone(), self.account.name.clone());
        change.account = Some(AccountChange::Seen { id, name, at: now });
        change
    }

    pub fn progress(&self) -> Progress {
        let count = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        Progress {
            completed: count(self.milestones.iter().filter(|m| m.is_completed()).count()),
            total: count(self.milestones.len()),
            next_milestone: self.next_milestone().map(|m| m.key.clone()),
        }
    }

    pub fn milestone(&self, key: &str) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.key.as_str() == key)
    }

    /// The first milestone not yet completed: the only one that may complete.
    pub fn next_milestone(&self) -> Option<&Milestone> {
        self.milestones.iter().find(|m| !m.is_completed())
    }

    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id.as_str() == id)
    }

    /// Completes milestone `key`. `Ok(None)` when it is already completed
    /// (a retried request must not mail the customer twice).
    pub fn complete_milestone(
        &mut self,
        key: &str,
        input: CompleteMilestone,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, MilestoneError> {
        let Some(index) = self.completable(key, &input)? else { return Ok(None) };
        let version = self.version + 1;
        let m = &mut self.milestones[index];
        m.status = MilestoneStatus::Completed;
        m.completed_at = Some(now);
        m.completed_by = Some(actor.to_owned());
        m.note = input.note.clone();
        let (key, position, mail) = (m.key.clone(), m.position, m.customer_mail);
        if input.installation_date.is_some() {
            self.installation_date = input.installation_date;
        }
        self.version = version;
        self.updated_at = now;

        let mut rec = Recorder::new(&self.id, version, now, actor);
        let after = json!({
            "status": "completed",
            "note": input.note,
            "installation_date": input.installation_date,
        });
        rec.history(
            "milestone.completed",
            key.as_str(),
            Some(json!({ "status": "pending" })),
            Some(after),
        );
        rec.event(DomainEvent::MilestoneCompleted(events::MilestoneCompleted {
            account_id: self.account.id.clone(),
            milestone_key: key.to_string(),
            position,
            completed_at: now,
            completed_by: actor.to_owned(),
            next_milestone: self.next_milestone().map(|m| m.key.to_string()),
        }));
        if let Some(template) = mail {
            let to = &self.technical_contact.email;
            rec.mail(template, to, self.account.language, self.mail_context());
        }
        let mut change = rec.finish();
        change.milestones.push(key);
        Ok(Some(change))
    }

    /// Where milestone `key` stands, if it may complete with `input` now;
    /// `None` if it is completed already.
    fn completable(
        &self,
        key: &str,
        input: &CompleteMilestone,
    ) -> Result<Option<usize>, MilestoneError> {
        let index = self
            .milestones
            .iter()
            .position(|m| m.key.as_str() == key)
            .ok_or_else(|| MilestoneError::Unknown(MilestoneKey::from_raw(key)))?;
        let milestone = &self.milestones[index];
        // A completion retried on a live project stays the no-op it was; a
        // project on hold or cancelled takes no milestone command at all.
        if self.status != ProjectStatus::Live {
            self.ensure_running().map_err(MilestoneError::Frozen)?;
        }
        if milestone.is_completed() {
            return Ok(None);
        }
        self.ensure_running().map_err(MilestoneError::Frozen)?;
        if milestone.activation {
            return Err(MilestoneError::ActivationOnly);
        }
        if let Some(next) = self.next_milestone()
            && next.key.as_str() != key
        {
            return Err(MilestoneError::OutOfOrder { required: next.key.clone() });
        }
        let open: Vec<OpenTask> = self
            .tasks
            .iter()
            .filter(|t| t.milestone_key.as_str() == key && t.status != TaskStatus::Done)
            .map(|t| OpenTask { id: t.id.clone(), title: t.title.clone(), status: t.status })
            .collect();
        if !open.is_empty() {
            return Err(MilestoneError::OpenTasks { tasks: open });
        }
        if let Some(date) = input.installation_date {
            if milestone.customer_mail != Some(CustomerMail::DeliveryConfirmed) {
                return Err(MilestoneError::InstallationDateNotApplicable);
            }
            let won = self.won_at.date_naive();
            if date < won || date > won + Days::new(2 * 366) {
                return Err(MilestoneError::InstallationDateOutOfRange);
            }
        }
        Ok(Some(index))
    }

    /// Undoes the last completion, before go-live, with a reason for the record.
    pub fn reopen_milestone(
        &mut self,
        key: &str,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, MilestoneError> {
        let index = self
            .milestones
            .iter()
            .position(|m| m.key.as_str() == key)
            .ok_or_else(|| MilestoneError::Unknown(MilestoneKey::from_raw(key)))?;
        self.ensure_running().map_err(MilestoneError::Frozen)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(MilestoneError::ReasonRequired);
        }
        let last_completed = self.milestones.iter().rposition(Milestone::is_completed);
        if last_completed != Some(index) {
            return Err(MilestoneError::NotReopenable {
                last_completed: last_completed.map(|i| self.milestones[i].key.clone()),
            });
        }
        let version = self.version + 1;
        let m = &mut self.milestones[index];
        let before = json!({
            "status": "completed",
            "completed_at": m.completed_at,
            "completed_by": m.completed_by,
            "note": m.note,
        });
        m.status = MilestoneStatus::Pending;
        m.completed_at = None;
        m.completed_by = None;
        m.note = None;
        let key = m.key.clone();
        self.version = version;
        self.updated_at = now;
        let mut rec = Recorder::new(&self.id, version, now, actor);
        rec.history(
            "milestone.reopened",
            key.as_str(),
            Some(before),
            Some(json!({ "status": "pending", "reason": reason })),
        );
        let mut change = rec.finish();
        change.milestones.push(key);
        change.milestones.extend(self.take_back_hold(index));
        Ok(change)
    }

    /// Reopened, milestone `index` is current again, and its span covers
    /// the time the next one was current: so does the hold counted there.
    fn take_back_hold(&mut self, index: usize) -> Option<MilestoneKey> {
        let next = self.milestones.get_mut(index + 1).filter(|m| m.held_seconds > 0)?;
        let held = std::mem::take(&mut next.held_seconds);
        let key = next.key.clone();
        self.milestones[index].held_seconds += held;
        Some(key)
    }

    /// What customer mail templates show: a snapshot of the project.
    pub fn mail_context(&self) -> Value {
        let services: Vec<Value> = self
            .services
            .iter()
            .map(|s| {
                let mut service = serde_json::to_value(s).unwrap_or_default();
                if let Some(summary) =
                    self.technical_summary.iter().find(|t| t.line_id == s.line_id)
                {
                    service["summary"] = serde_json::to_value(summary).unwrap_or_default();
                }
                service
            })
            .collect();
        json!({
            "project_id": self.id,
            "account_name": self.account.name,
            "contact_name": self.technical_contact.name,
            "owner": self.owner,
            "services": services,
            "installation_date": self.installation_date,
            "target_go_live": self.target_go_live,
            "go_live_date": self.go_live_date,
        })
    }
}

/// The milestones of a new project: the template's, in order, pending.
fn milestones_of(template: &Template) -> Vec<Milestone> {
    let milestone = |(m, position): (&MilestoneTemplate, u16)| Milestone {
        key: m.key.clone(),
        position,
        name: m.name.clone(),
        customer_mail: m.customer_mail,
        activation: m.activation,
        expected_days: m.expected_days,
        held_seconds: 0,
        status: MilestoneStatus::Pending,
        completed_at: None,
        completed_by: None,
        note: None,
    };
    template.milestones.iter().zip(1u16..).map(milestone).collect()
}

/// The default tasks of the template, assigned to the deal's owner, due
/// their offset after today.
fn default_tasks(template: &Template, owner: &str, now: DateTime<Utc>) -> Vec<Task> {
    let today = now.date_naive();
    let task = |(i, (m, t)): (usize, (&MilestoneTemplate, &TaskTemplate))| {
        let due = today.checked_add_days(Days::new(t.due_offset_days.into())).unwrap_or(today);
        Task::new(TaskId::derived(1, i), m.key.clone(), &t.title, None, owner, due, now)
    };
    let all = template.milestones.iter().flat_map(|m| m.default_tasks.iter().map(move |t| (m, t)));
    all.enumerate().map(task).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::deal::tests::sample;
    use crate::domain::outbox::OutboxMessage;
    use chrono::Duration;

    pub(crate) fn now() -> DateTime<Utc> {
        "2026-11-20T10:05:00Z".parse().unwrap()
    }

    pub(crate) fn project() -> (Project, Change) {
        let deal = sample();
        let line = &deal.services[0];
        Project::open(&deal, line, &Template::default_for(&line.service_type), now())
    }

    fn with_task(project: &mut Project, milestone: &str, status: TaskStatus) -> TaskId {
        let id = TaskId::from_raw(format!("t{}", project.tasks.len()));
        project.tasks.push(Task {
            id: id.clone(),
            milestone_key: MilestoneKey::from_raw(milestone),
            title: "Task".into(),
            description: None,
            assignee: "tech@bluerocktel.fr".into(),
            due_date: now().date_naive(),
            status,
            blocked_reason: None,
            blocked_category: None,
            blocked_since: None,
            blocked_seconds: 0,
            blocked_by_category: Default::default(),
            escalation_level: 0,
            next_escalation_at: None,
            escalation_paused_seconds: None,
            block_held_seconds: 0,
            created_at: now(),
            updated_at: now(),
        });
        id
    }

    #[test]
    fn a_new_project_is_prefilled_from_the_deal_line() {
        let (p, change) = project();
        assert_eq!(p.id, ProjectId::for_deal_line("D-2026-0042", "L1"));
        assert_eq!(p.account.name, "Boulangerie Martin SARL");
        assert_eq!(p.technical_contact.email, "claire@boulangerie-martin.fr");
        assert_eq!(p.services.len(), 1);
        assert_eq!(p.services[0].subscription_id, "SUB-9001");
        assert_eq!(p.target_go_live, NaiveDate::from_ymd_opt(2027, 1, 15).unwrap());
        assert_eq!((p.status, p.version), (ProjectStatus::InProgress, 1));
        assert!(p.milestones.iter().all(|m| m.status == MilestoneStatus::Pending));
        assert_eq!(change.milestones.len(), 6);
        assert_eq!(change.history.len(), 1);
    }

    #[test]
    fn a_new_project_announces_itself_with_a_stable_event_id() {
        let (p, change) = project();
        assert_eq!(change.outbox.len(), 1);
        let entry = &change.outbox[0];
        assert_eq!(entry.detail_type(), Some(events::detail_type::DEPLOYMENT_PROJECT_CREATED));
        let OutboxMessage::Event { detail, .. } = &entry.message else { panic!("an event") };
        assert_eq!(detail["event_id"], entry.id.as_str());
        assert_eq!(detail["project_id"], p.id.as_str());
        assert_eq!(detail["subscription_id"], "SUB-9001");
        assert_eq!(project().1.outbox[0].id, entry.id, "the same deal yields the same event id");
    }

    #[test]
    fn default_tasks_of_the_template_get_due_dates_from_their_offsets() {
        let deal = sample();
        let mut template = Template::default_for("fibre_ftto");
        template.milestones[1].default_tasks.push(crate::domain::template::TaskTemplate {
            title: "Order the ONT".into(),
            due_offset_days: 3,
        });
        let (p, change) = Project::open(&deal, &deal.services[0], &template, now());
        assert_eq!(p.tasks.len(), 1);
        assert_eq!(p.tasks[0].milestone_key.as_str(), "equipment_ordered");
        assert_eq!(p.tasks[0].due_date, (now() + Duration::days(3)).date_naive());
        assert_eq!(change.tasks, [p.tasks[0].id.clone()]);
    }

    #[test]
    fn milestones_complete_strictly_in_order() {
        let (mut p, _) = project();
        let err =
            p.complete_milestone("delivery_confirmed", CompleteMilestone::default(), "pm", now());
        assert_eq!(
            err,
            Err(MilestoneError::OutOfOrder { required: MilestoneKey::from_raw("order_confirmed") })
        );
        assert!(
            p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now())
                .unwrap()
                .is_some()
        );
        let err =
            p.complete_milestone("delivery_confirmed", CompleteMilestone::default(), "pm", now());
        assert_eq!(
            err,
            Err(MilestoneError::OutOfOrder {
                required: MilestoneKey::from_raw("equipment_ordered")
            })
        );
        assert_eq!(p.version, 2);
    }

    #[test]
    fn a_milestone_with_open_tasks_cannot_complete() {
        let (mut p, _) = project();
        let open = with_task(&mut p, "order_confirmed", TaskStatus::Blocked);
        with_task(&mut p, "order_confirmed", TaskStatus::Done);
        with_task(&mut p, "equipment_ordered", TaskStatus::Todo);
        let err =
            p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now());
        let expected = OpenTask { id: open, title: "Task".into(), status: TaskStatus::Blocked };
        assert_eq!(err, Err(MilestoneError::OpenTasks { tasks: vec![expected] }));
    }

    #[test]
    fn completing_twice_is_a_no_op() {
        let (mut p, _) = project();
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now()).unwrap();
        let again =
            p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now());
        assert_eq!(again, Ok(None));
        assert_eq!(p.version, 2);
    }

    #[test]
    fn key_milestones_mail_the_technical_contact() {
        let (mut p, _) = project();
        let change = p
            .complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now())
            .unwrap()
            .unwrap();
        let kinds: Vec<_> = change
            .outbox
            .iter()
            .map(|e| match &e.message {
                OutboxMessage::Event { detail_type, .. } => detail_type.clone(),
                OutboxMessage::Mail { template, to, .. } => format!("mail {template:?} to {to}"),
            })
            .collect();
        assert_eq!(
            kinds,
            ["MilestoneCompleted", "mail OrderConfirmed to claire@boulangerie-martin.fr"]
        );
        p.complete_milestone("equipment_ordered", CompleteMilestone::default(), "pm", now())
            .unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 10);
        let input = CompleteMilestone { note: None, installation_date: date };
        let change =
            p.complete_milestone("delivery_confirmed", input, "pm", now()).unwrap().unwrap();
        assert_eq!(p.installation_date, date);
        let OutboxMessage::Mail { context, .. } = &change.outbox[1].message else {
            panic!("a mail")
        };
        assert_eq!(context["installation_date"], "2026-12-10");
    }

    #[test]
    fn go_live_completes_only_through_activation() {
        let (mut p, _) = project();
        for key in [
            "order_confirmed",
            "equipment_ordered",
            "delivery_confirmed",
            "installation_done",
            "customer_acceptance",
        ] {
            p.complete_milestone(key, CompleteMilestone::default(), "pm", now()).unwrap();
        }
        let err = p.complete_milestone("go_live", CompleteMilestone::default(), "pm", now());
        assert_eq!(err, Err(MilestoneError::ActivationOnly));
    }

    #[test]
    fn an_installation_date_belongs_to_delivery_confirmation() {
        let (mut p, _) = project();
        let input = CompleteMilestone {
            note: None,
            installation_date: NaiveDate::from_ymd_opt(2026, 12, 10),
        };
        let err = p.complete_milestone("order_confirmed", input, "pm", now());
        assert_eq!(err, Err(MilestoneError::InstallationDateNotApplicable));
    }

    #[test]
    fn only_the_last_completed_milestone_reopens_with_a_reason() {
        let (mut p, _) = project();
        let none = p.reopen_milestone("order_confirmed", "oops", "admin", now());
        assert_eq!(none, Err(MilestoneError::NotReopenable { last_completed: None }));
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now()).unwrap();
        p.complete_milestone("equipment_ordered", CompleteMilestone::default(), "pm", now())
            .unwrap();
        let err = p.reopen_milestone("order_confirmed", "oops", "admin", now());
        assert_eq!(
            err,
            Err(MilestoneError::NotReopenable {
                last_completed: Some(MilestoneKey::from_raw("equipment_ordered"))
            })
        );
        assert_eq!(
            p.reopen_milestone("equipment_ordered", "  ", "admin", now()),
            Err(MilestoneError::ReasonRequired)
        );
        let change =
            p.reopen_milestone("equipment_ordered", "Wrong supplier", "admin", now()).unwrap();
        assert_eq!(p.next_milestone().unwrap().key.as_str(), "equipment_ordered");
        assert_eq!(p.version, 4);
        assert_eq!(change.history[0].action, "milestone.reopened");
        assert!(change.outbox.is_empty());
    }

    #[test]
    fn an_installation_date_lies_between_the_deal_and_two_years_after() {
        let (mut p, _) = project();
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now()).unwrap();
        p.complete_milestone("equipment_ordered", CompleteMilestone::default(), "pm", now())
            .unwrap();
        for date in ["2026-11-19", "2029-01-01"] {
            let input = CompleteMilestone { note: None, installation_date: date.parse().ok() };
            assert_eq!(
                p.complete_milestone("delivery_confirmed", input, "pm", now()),
                Err(MilestoneError::InstallationDateOutOfRange)
            );
        }
    }

    #[test]
    fn unknown_milestones_are_reported() {
        let (mut p, _) = project();
        let err = p.complete_milestone("nope", CompleteMilestone::default(), "pm", now());
        assert_eq!(err, Err(MilestoneError::Unknown(MilestoneKey::from_raw("nope"))));
    }
}

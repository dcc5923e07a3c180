//! The deployment project aggregate and the changes it accepts.

use super::account::AccountChange;
use super::activation::ServiceSummary;
use super::deal::{Contact, DealWon, Language, ServiceLine};
use super::deal_changes::AppliedRevision;
use super::events::{self, DomainEvent};
use super::forecast::{Basis, Forecast};
use super::go_live_facts::GoLiveFacts;
use super::history::HistoryEntry;
use super::hold_and_cancel::{Cancellation, Hold};
use super::ids::{OutboxId, ProjectId, TaskId};
use super::mail_feedback::Undeliverable;
use super::milestone::{Milestone, MilestoneKey, MilestoneStatus};
use super::outbox::{MailTemplate, OutboxEntry, OutboxMessage};
use super::task::Task;
use super::template::{MilestoneTemplate, TaskTemplate, Template, TemplateRef};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// The actor recorded for changes made on the CRM's behalf.
pub const CRM_ACTOR: &str = "crm";

/// Where a project stands (contract v1.1, README): `in_progress` and `on_hold` move
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
mod tests {
    use super::*;
    use crate::fixtures::{now, project, sample};
    use crate::outbox::OutboxMessage;
    use chrono::Duration;

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
        template.milestones[1].default_tasks.push(crate::template::TaskTemplate {
            title: "Order the ONT".into(),
            due_offset_days: 3,
        });
        let (p, change) = Project::open(&deal, &deal.services[0], &template, now());
        assert_eq!(p.tasks.len(), 1);
        assert_eq!(p.tasks[0].milestone_key.as_str(), "equipment_ordered");
        assert_eq!(p.tasks[0].due_date, (now() + Duration::days(3)).date_naive());
        assert_eq!(change.tasks, [p.tasks[0].id.clone()]);
    }
}

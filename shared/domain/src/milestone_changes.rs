//! Milestone changes (the `milestones` function): a milestone completes
//! strictly after the one before it, once its tasks are done, and only the
//! last completed one reopens, with a reason.

use super::events::{self, DomainEvent};
use super::ids::TaskId;
use super::milestone::{CustomerMail, Milestone, MilestoneKey, MilestoneStatus};
use super::project::{Change, Project, ProjectStatus, Recorder};
use super::task::TaskStatus;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::json;
use thiserror::Error;

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{now, project};
    use crate::outbox::OutboxMessage;
    use crate::task::Task;

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

//! Escalation of overdue blocked tasks: one level per sweep at most, to the
//! project owner first, then to the escalation contact.

use super::Language;
use super::events::{self, DomainEvent};
use super::ids::TaskId;
use super::outbox::MailTemplate;
use super::project::{Change, Project, Recorder};
use super::task::{EscalationPolicy, Task, TaskStatus};
use chrono::{DateTime, Utc};
use serde_json::json;

/// The actor recorded for escalations.
pub const ESCALATION_ACTOR: &str = "escalation";

impl Project {
    /// Raises task `id` one level if its escalation is due at `now`.
    /// `Ok(None)` when there is nothing to do: unknown or unblocked task,
    /// not due yet, last level reached (a sweep that lost a race finds it so).
    pub fn escalate_task(
        &mut self,
        id: &TaskId,
        policy: &EscalationPolicy,
        contact: &str,
        now: DateTime<Utc>,
    ) -> Option<Change> {
        // A project on hold keeps its clocks stopped; a final one has none.
        self.ensure_running().ok()?;
        let index = self.tasks.iter().position(|t| &t.id == id)?;
        let task = &self.tasks[index];
        let due = task.next_escalation_at.is_some_and(|at| at <= now);
        if task.status != TaskStatus::Blocked
            || !due
            || task.escalation_level >= EscalationPolicy::MAX_LEVEL
        {
            return None;
        }
        let level = task.escalation_level + 1;
        let notified = if level == 1 { self.owner.clone() } else { contact.to_owned() };
        let version = self.version + 1;
        let mut task = task.clone();
        let before = json!({
            "escalation_level": task.escalation_level,
            "next_escalation_at": task.next_escalation_at,
        });
        task.escalation_level = level;
        task.next_escalation_at =
            (level < EscalationPolicy::MAX_LEVEL).then(|| now + policy.level_two_after);
        task.updated_at = now;

        let mut rec = Recorder::new(&self.id, version, now, ESCALATION_ACTOR);
        let after = json!({
            "escalation_level": level,
            "notified": notified,
            "next_escalation_at": task.next_escalation_at,
        });
        rec.history("task.escalated", task.id.as_str(), Some(before), Some(after));
        rec.event(DomainEvent::TaskEscalated(events::TaskEscalated {
            account_id: self.account.id.clone(),
            task_id: task.id.clone(),
            milestone_key: task.milestone_key.to_string(),
            title: task.title.clone(),
            assignee: task.assignee.clone(),
            blocked_reason: task.blocked_reason.clone().unwrap_or_default(),
            blocked_since: task.blocked_since.unwrap_or(now),
            due_date: task.due_date,
            level,
            notified: notified.clone(),
            escalated_at: now,
        }));
        let context = self.escalation_context(&task);
        // Internal mail: in French, the team's language.
        rec.mail(MailTemplate::TaskEscalated, &notified, Language::Fr, context);
        let change = rec.finish();
        Some(self.replace_task(index, task, version, now, change))
    }

    /// What the escalation mail shows of the project and of `task`, now escalated.
    fn escalation_context(&self, task: &Task) -> serde_json::Value {
        let milestone = self.milestone(task.milestone_key.as_str());
        json!({
            "project_id": self.id,
            "account_name": self.account.name,
            "service_name": self.services.first().map(|s| s.name.clone()).unwrap_or_default(),
            "owner": self.owner,
            "task_title": task.title,
            "milestone_name": milestone.map(|m| m.name.fr.clone()).unwrap_or_default(),
            "assignee": task.assignee,
            "due_date": task.due_date,
            "blocked_since": task.blocked_since.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            "blocked_reason": task.blocked_reason,
            "level": task.escalation_level,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fixtures::{now, project};
    use crate::outbox::OutboxMessage;
    use crate::task_changes::{NewTask, TaskPatch};
    use chrono::Duration;

    const CONTACT: &str = "escalade@bluerocktel.fr";

    /// A project with one task due in 3 days, blocked now.
    pub(crate) fn blocked() -> (Project, TaskId) {
        let (mut p, _) = project();
        let new = NewTask {
            title: "Survey".into(),
            assignee: "tech@bluerocktel.fr".into(),
            due_date: (now() + Duration::days(3)).date_naive(),
            description: None,
        };
        let (id, _) = p.add_task("order_confirmed", new, "pm", now()).unwrap();
        let patch = TaskPatch {
            status: Some(TaskStatus::Blocked),
            blocked_reason: Some("No access".into()),
            ..TaskPatch::default()
        };
        p.change_task(id.as_str(), patch, "tech", now()).unwrap();
        (p, id)
    }

    fn escalate(p: &mut Project, id: &TaskId, at: DateTime<Utc>) -> Option<Change> {
        p.escalate_task(id, &EscalationPolicy::STANDARD, CONTACT, at)
    }

    #[test]
    fn a_blocked_task_escalates_to_the_owner_then_the_contact_then_stops() {
        let (mut p, id) = blocked();
        assert!(
            escalate(&mut p, &id, now() + Duration::hours(47)).is_none(),
            "not due before the threshold"
        );
        let first = escalate(&mut p, &id, now() + Duration::hours(48)).expect("level 1");
        let OutboxMessage::Event { detail, .. } = &first.outbox[0].message else {
            panic!("an event")
        };
        assert_eq!(
            (detail["level"].as_u64(), detail["notified"].as_str()),
            (Some(1), Some("sophie.durand@bluerocktel.fr"))
        );
        let OutboxMessage::Mail { to, template, .. } = &first.outbox[1].message else {
            panic!("a mail")
        };
        assert_eq!(
            (to.as_str(), *template),
            ("sophie.durand@bluerocktel.fr", MailTemplate::TaskEscalated)
        );
        assert!(
            escalate(&mut p, &id, now() + Duration::hours(49)).is_none(),
            "one level per due time"
        );
        let second = escalate(&mut p, &id, now() + Duration::hours(72)).expect("level 2");
        let OutboxMessage::Mail { to, .. } = &second.outbox[1].message else { panic!("a mail") };
        assert_eq!(to, CONTACT);
        assert!(
            escalate(&mut p, &id, now() + Duration::days(30)).is_none(),
            "nothing after the last level"
        );
        assert_eq!(p.task(id.as_str()).unwrap().next_escalation_at, None);
    }

    #[test]
    fn unblocking_clears_the_escalation() {
        let (mut p, id) = blocked();
        escalate(&mut p, &id, now() + Duration::hours(48)).unwrap();
        let patch = TaskPatch { status: Some(TaskStatus::InProgress), ..TaskPatch::default() };
        p.change_task(id.as_str(), patch, "tech", now() + Duration::hours(50)).unwrap();
        let task = p.task(id.as_str()).unwrap();
        assert_eq!((task.escalation_level, task.next_escalation_at), (0, None));
        assert!(escalate(&mut p, &id, now() + Duration::days(10)).is_none());
    }
}

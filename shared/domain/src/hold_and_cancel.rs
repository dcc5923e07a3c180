//! A project's status beyond its milestones (contract v1.1, README): on hold and
//! resumed by the deployment team, cancelled by the team or the CRM.
//!
//! A hold freezes milestone and task commands and stops the escalation
//! clock: each blocked task keeps how far its next escalation was when the
//! hold began, and resuming re-arms it that far from the resumption, so
//! time on hold never counts toward an escalation.

use super::events::{self, DomainEvent};
use super::project::{Change, Project, ProjectStatus, Recorder};
use super::validation::{Errors, FieldError, MAX_TEXT};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use thiserror::Error;

/// Why work stopped: the category of a hold or of a blocked task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Customer,
    Carrier,
    SiteAccess,
    Equipment,
    Internal,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Carrier => "carrier",
            Self::SiteAccess => "site_access",
            Self::Equipment => "equipment",
            Self::Internal => "internal",
            Self::Other => "other",
        }
    }
}

/// The hold of a project on hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub reason: String,
    pub category: Category,
    /// When the team expects to resume (informative: resuming is a command).
    pub until: Option<NaiveDate>,
    pub since: DateTime<Utc>,
    pub by: String,
}

/// How a project ended without going live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    pub reason: String,
    pub at: DateTime<Utc>,
    /// A staff member's `sub`, or `crm`.
    pub by: String,
}

/// Input of [`Project::hold`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRequest {
    pub reason: String,
    pub category: Category,
    pub until: Option<NaiveDate>,
}

/// Furthest ahead a hold's expected end may lie.
const MAX_HOLD_DAYS: i64 = 366;

impl HoldRequest {
    fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.text("reason", &self.reason, MAX_TEXT);
        if let Some(until) = self.until {
            let today = now.date_naive();
            if until < today || until > today + Duration::days(MAX_HOLD_DAYS) {
                e.add("until", format!("must be between today and {MAX_HOLD_DAYS} days from now"));
            }
        }
        e.into_result()
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LifecycleError {
    #[error("the project is {}: its status can no longer change", .0.label())]
    Frozen(ProjectStatus),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
}

fn reason_of(reason: &str) -> Result<String, LifecycleError> {
    let mut e = Errors::new();
    e.text("reason", reason, MAX_TEXT);
    e.into_result().map_err(LifecycleError::Invalid)?;
    Ok(reason.trim().to_owned())
}

impl Project {
    /// `Ok` while the project runs; otherwise the status that stops commands.
    pub fn ensure_running(&self) -> Result<(), ProjectStatus> {
        match self.status {
            ProjectStatus::InProgress => Ok(()),
            status => Err(status),
        }
    }

    /// Whether the project may move to `target`: `Ok(false)` when it is
    /// there already (a repeat changes nothing), refused from a final status.
    fn may_move_to(&self, target: ProjectStatus) -> Result<bool, LifecycleError> {
        match self.status {
            status if status == target => Ok(false),
            status if status.is_final() => Err(LifecycleError::Frozen(status)),
            _ => Ok(true),
        }
    }

    /// Puts the project on hold. `Ok(None)` if it already is.
    pub fn hold(
        &mut self,
        request: &HoldRequest,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, LifecycleError> {
        request.validate(now).map_err(LifecycleError::Invalid)?;
        if !self.may_move_to(ProjectStatus::OnHold)? {
            return Ok(None);
        }
        let reason = request.reason.trim().to_owned();
        let hold = Hold {
            reason: reason.clone(),
            category: request.category,
            until: request.until,
            since: now,
            by: actor.to_owned(),
        };
        let version = self.bump(now);
        let mut rec = Recorder::new(&self.id, version, now, actor);
        let after = json!({
            "status": ProjectStatus::OnHold.as_str(),
            "reason": reason,
            "category": hold.category,
            "until": hold.until,
        });
        rec.history("project.held", self.id.as_str(), Some(self.status_value()), Some(after));
        rec.event(DomainEvent::ProjectHeld(events::ProjectHeld {
            account_id: self.account.id.clone(),
            deal_id: self.deal_id.clone(),
            line_id: self.line_id.clone(),
            reason,
            category: hold.category,
            until: hold.until,
            held_at: now,
            held_by: actor.to_owned(),
        }));
        let mut change = rec.finish();
        change.tasks = self.pause_escalations(now);
        self.status = ProjectStatus::OnHold;
        self.hold = Some(hold);
        Ok(Some(change))
    }

    /// Resumes a project on hold. `Ok(None)` if it is in progress already.
    pub fn resume(
        &mut self,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, LifecycleError> {
        if !self.may_move_to(ProjectStatus::InProgress)? {
            return Ok(None);
        }
        let Some(hold) = self.hold.clone() else { return Ok(None) };
        let held = (now - hold.since).num_seconds().max(0);
        let version = self.bump(now);
        let mut rec = Recorder::new(&self.id, version, now, actor);
        let before = json!({
            "status": ProjectStatus::OnHold.as_str(),
            "reason": hold.reason,
            "category": hold.category,
            "since": hold.since,
        });
        let after = json!({ "status": ProjectStatus::InProgress.as_str(), "held_seconds": held });
        rec.history("project.resumed", self.id.as_str(), Some(before), Some(after));
        rec.event(DomainEvent::ProjectResumed(events::ProjectResumed {
            account_id: self.account.id.clone(),
            deal_id: self.deal_id.clone(),
            line_id: self.line_id.clone(),
            category: hold.category,
            held_since: hold.since,
            resumed_at: now,
            resumed_by: actor.to_owned(),
            held_seconds: held,
        }));
        let mut change = rec.finish();
        change.tasks = self.resume_escalations(now, held);
        self.status = ProjectStatus::InProgress;
        self.hold = None;
        change.milestones.extend(self.add_held(held));
        Ok(Some(change))
    }

    /// Cancels the project (a hold ends with it); `Ok(None)` if it already
    /// is. Its tasks stay as they are, but none escalates any more.
    pub fn cancel(
        &mut self,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, LifecycleError> {
        let reason = reason_of(reason)?;
        if !self.may_move_to(ProjectStatus::Cancelled)? {
            return Ok(None);
        }
        let previous = self.status;
        let version = self.bump(now);
        let mut rec = Recorder::new(&self.id, version, now, actor);
        let after = json!({ "status": ProjectStatus::Cancelled.as_str(), "reason": reason });
        rec.history("project.cancelled", self.id.as_str(), Some(self.status_value()), Some(after));
        let line = self.services.first();
        rec.event(DomainEvent::ProjectCancelled(events::ProjectCancelled {
            account_id: self.account.id.clone(),
            deal_id: self.deal_id.clone(),
            line_id: self.line_id.clone(),
            service_type: line.map(|l| l.service_type.clone()).unwrap_or_default(),
            subscription_id: line.map(|l| l.subscription_id.clone()).unwrap_or_default(),
            reason: reason.clone(),
            previous_status: previous.as_str().to_owned(),
            cancelled_at: now,
            cancelled_by: actor.to_owned(),
        }));
        let mut change = rec.finish();
        change.tasks = self.stop_escalations();
        if let Some(hold) = self.hold.take() {
            change.milestones.extend(self.add_held((now - hold.since).num_seconds().max(0)));
        }
        self.status = ProjectStatus::Cancelled;
        self.cancellation = Some(Cancellation { reason, at: now, by: actor.to_owned() });
        Ok(Some(change))
    }

    /// Moves the project to its next version, as of `now`; that version.
    pub(crate) fn bump(&mut self, now: DateTime<Utc>) -> u64 {
        self.version += 1;
        self.updated_at = now;
        self.version
    }

    /// Counts a hold that ended, for the project and its current
    /// milestone; that milestone, to be written.
    fn add_held(&mut self, seconds: i64) -> Option<super::MilestoneKey> {
        self.held_seconds += seconds;
        let current = self.milestones.iter_mut().find(|m| !m.is_completed())?;
        current.held_seconds += seconds;
        Some(current.key.clone())
    }

    fn status_value(&self) -> serde_json::Value {
        json!({ "status": self.status.as_str() })
    }

    /// Stops every escalation clock, keeping how far each next escalation was.
    fn pause_escalations(&mut self, now: DateTime<Utc>) -> Vec<super::TaskId> {
        let mut paused = Vec::new();
        for task in &mut self.tasks {
            if let Some(at) = task.next_escalation_at.take() {
                task.escalation_paused_seconds = Some((at - now).num_seconds());
                paused.push(task.id.clone());
            }
        }
        paused
    }

    /// Re-arms the paused escalations, each as far ahead as it was; blocked
    /// tasks remember the hold, so that a later reschedule leaves it out.
    fn resume_escalations(&mut self, now: DateTime<Utc>, held: i64) -> Vec<super::TaskId> {
        let mut resumed = Vec::new();
        for task in &mut self.tasks {
            let blocked = task.status == super::TaskStatus::Blocked;
            if blocked {
                task.block_held_seconds += held;
            }
            if let Some(left) = task.escalation_paused_seconds.take() {
                task.next_escalation_at = Some(now + Duration::seconds(left));
            }
            if blocked {
                resumed.push(task.id.clone());
            }
        }
        resumed
    }

    /// Clears every escalation ahead, running or paused.
    fn stop_escalations(&mut self) -> Vec<super::TaskId> {
        let mut stopped = Vec::new();
        for task in &mut self.tasks {
            let running = task.next_escalation_at.take().is_some();
            let paused = task.escalation_paused_seconds.take().is_some();
            if running || paused {
                stopped.push(task.id.clone());
            }
        }
        stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::tests::blocked;
    use crate::fixtures::{now, project};
    use crate::milestone_changes::{CompleteMilestone, MilestoneError};
    use crate::outbox::OutboxMessage;
    use crate::task::EscalationPolicy;
    use crate::task_changes::{TaskError, TaskPatch};

    fn request() -> HoldRequest {
        HoldRequest { reason: "Site closed".into(), category: Category::SiteAccess, until: None }
    }

    fn detail_types(change: &Change) -> Vec<String> {
        change.outbox.iter().filter_map(|e| e.detail_type().map(str::to_owned)).collect()
    }

    #[test]
    fn a_hold_freezes_milestone_and_task_commands_naming_the_status() {
        let (mut p, _) = project();
        let change = p.hold(&request(), "pm", now()).unwrap().unwrap();
        assert_eq!((p.status, p.version), (ProjectStatus::OnHold, 2));
        assert_eq!(detail_types(&change), ["DeploymentProjectHeld"]);
        assert_eq!(change.history[0].action, "project.held");
        let done = CompleteMilestone::default();
        assert_eq!(
            p.complete_milestone("order_confirmed", done, "pm", now()),
            Err(MilestoneError::Frozen(ProjectStatus::OnHold))
        );
        let patch = TaskPatch { status: Some(crate::TaskStatus::Done), ..Default::default() };
        assert_eq!(
            p.change_task("T-1", patch, "pm", now()),
            Err(TaskError::Frozen(ProjectStatus::OnHold))
        );
    }

    #[test]
    fn repeating_a_transition_changes_nothing() {
        let (mut p, _) = project();
        assert_eq!(p.resume("pm", now()), Ok(None), "resuming a running project");
        p.hold(&request(), "pm", now()).unwrap();
        assert_eq!(p.hold(&request(), "pm", now()), Ok(None));
        p.resume("pm", now()).unwrap().unwrap();
        p.cancel("Customer withdrew", "pm", now()).unwrap().unwrap();
        assert_eq!(p.cancel("Again", "pm", now()), Ok(None));
        assert_eq!(p.version, 4);
    }

    #[test]
    fn final_projects_refuse_hold_resume_and_cancel() {
        let (mut p, _) = project();
        p.cancel("Customer withdrew", "pm", now()).unwrap();
        let frozen = Err(LifecycleError::Frozen(ProjectStatus::Cancelled));
        assert_eq!(p.hold(&request(), "pm", now()), frozen);
        assert_eq!(p.resume("pm", now()), frozen);
        p.status = ProjectStatus::Live;
        let live = Err(LifecycleError::Frozen(ProjectStatus::Live));
        assert_eq!(p.cancel("too late", "pm", now()), live);
        assert_eq!(p.hold(&request(), "pm", now()), live);
    }

    #[test]
    fn a_hold_needs_a_reason_and_an_end_within_a_year() {
        let (mut p, _) = project();
        let blank = HoldRequest { reason: " ".into(), ..request() };
        let past = HoldRequest { until: Some(now().date_naive().pred_opt().unwrap()), ..request() };
        for bad in [blank, past] {
            assert!(matches!(p.hold(&bad, "pm", now()), Err(LifecycleError::Invalid(_))));
        }
        assert!(matches!(p.cancel("", "pm", now()), Err(LifecycleError::Invalid(_))));
        assert_eq!(p.version, 1, "nothing changed");
    }

    #[test]
    fn time_on_hold_does_not_count_toward_an_escalation() {
        let (mut p, task) = blocked();
        let due = p.task(task.as_str()).unwrap().next_escalation_at.unwrap();
        let held_at = now() + Duration::hours(1);
        let change = p.hold(&request(), "pm", held_at).unwrap().unwrap();
        assert_eq!(change.tasks, std::slice::from_ref(&task));
        let policy = EscalationPolicy::STANDARD;
        let long_after = due + Duration::days(10);
        assert_eq!(p.escalate_task(&task, &policy, "c@x.fr", long_after), None, "no clock on hold");
        let resumed_at = held_at + Duration::days(3);
        let change = p.resume("pm", resumed_at).unwrap().unwrap();
        assert_eq!(change.tasks, std::slice::from_ref(&task));
        assert_eq!(detail_types(&change), ["DeploymentProjectResumed"]);
        let next = p.task(task.as_str()).unwrap().next_escalation_at;
        assert_eq!(next, Some(due + Duration::days(3)), "as far ahead as when the hold began");
        assert_eq!(p.held_seconds, 3 * 86_400);
        assert!(p.escalate_task(&task, &policy, "c@x.fr", due + Duration::days(3)).is_some());
    }

    #[test]
    fn a_due_date_moved_after_a_resumption_still_leaves_the_hold_out() {
        let (mut p, task) = blocked();
        // Blocked at now(), due in 3 days: the 48 h threshold comes first.
        p.hold(&request(), "pm", now() + Duration::hours(1)).unwrap();
        p.resume("pm", now() + Duration::days(3) + Duration::hours(1)).unwrap();
        let later = (now() + Duration::days(20)).date_naive();
        let patch = TaskPatch { due_date: Some(later), ..TaskPatch::default() };
        p.change_task(task.as_str(), patch, "pm", now() + Duration::days(4)).unwrap();
        let next = p.task(task.as_str()).unwrap().next_escalation_at;
        assert_eq!(next, Some(now() + Duration::hours(48) + Duration::days(3)), "48 h blocked");
    }

    #[test]
    fn an_overdue_escalation_is_due_again_right_after_resuming() {
        let (mut p, task) = blocked();
        let due = p.task(task.as_str()).unwrap().next_escalation_at.unwrap();
        let held_at = due + Duration::hours(2);
        p.hold(&request(), "pm", held_at).unwrap();
        p.resume("pm", held_at + Duration::days(3)).unwrap();
        let next = p.task(task.as_str()).unwrap().next_escalation_at.unwrap();
        assert_eq!(next, due + Duration::days(3), "two hours overdue, as when it was held");
    }

    #[test]
    fn cancelling_ends_the_hold_stops_escalations_and_names_the_subscription() {
        let (mut p, task) = blocked();
        p.hold(&request(), "pm", now()).unwrap();
        let change = p.cancel(" Customer withdrew ", "pm", now() + Duration::days(1)).unwrap();
        let change = change.unwrap();
        assert_eq!(p.status, ProjectStatus::Cancelled);
        assert_eq!((p.hold.as_ref(), p.held_seconds), (None, 86_400));
        let t = p.task(task.as_str()).unwrap();
        assert_eq!((t.next_escalation_at, t.escalation_paused_seconds), (None, None));
        let OutboxMessage::Event { detail_type, detail } = &change.outbox[0].message else {
            panic!("an event")
        };
        assert_eq!(detail_type, "DeploymentProjectCancelled");
        assert_eq!(detail["subscription_id"], "SUB-9001");
        assert_eq!(detail["previous_status"], "on_hold");
        assert_eq!(detail["reason"], "Customer withdrew");
        assert_eq!(p.cancellation.as_ref().map(|c| c.by.as_str()), Some("pm"));
    }

    #[test]
    fn a_cancelled_project_never_goes_live() {
        use crate::activation::{Activation, ActivationError};
        let (mut p, _) = project();
        p.cancel("Customer withdrew", "pm", now()).unwrap();
        let input = Activation { go_live_date: now().date_naive(), technical_summary: Vec::new() };
        assert_eq!(
            p.activate(&input, false, "pm", now()),
            Err(ActivationError::Frozen(ProjectStatus::Cancelled))
        );
    }
}

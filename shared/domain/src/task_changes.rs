//! Task changes on a project: adding tasks to a milestone and changing them.

use super::events::{self, DomainEvent};
use super::hold_and_cancel::Category;
use super::ids::TaskId;
use super::milestone::MilestoneKey;
use super::project::{Change, Project, ProjectStatus, Recorder};
use super::task::{Block, EscalationPolicy, Task, TaskStatus, TransitionError};
use super::validation::{Errors, FieldError, MAX_NAME, MAX_TEXT};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use thiserror::Error;

/// Most tasks one project holds: keeps a project within one Query page.
pub const MAX_TASKS: usize = 200;
/// Most tasks of one project blocked at once: a hold or a cancellation
/// rewrites each (its escalation stops), and all of it must fit in one
/// commit (DynamoDB's 100 items, with the project, its history and event).
pub const MAX_BLOCKED_TASKS: usize = 90;
/// How far after the deal a due date may lie.
const MAX_DUE_DAYS: u64 = 5 * 366;

#[derive(Clone, Debug, PartialEq)]
pub struct NewTask {
    pub title: String,
    pub assignee: String,
    pub due_date: NaiveDate,
    pub description: Option<String>,
}

/// A partial change of a task; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskPatch {
    pub status: Option<TaskStatus>,
    pub blocked_reason: Option<String>,
    pub blocked_category: Option<Category>,
    pub assignee: Option<String>,
    pub due_date: Option<NaiveDate>,
}

impl TaskPatch {
    /// Whether the patch touches more than the status (and its reason):
    /// what only managers may do.
    pub fn reassigns_or_reschedules(&self) -> bool {
        self.assignee.is_some() || self.due_date.is_some()
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TaskError {
    #[error("the project has no milestone {0}")]
    UnknownMilestone(MilestoneKey),
    #[error("the project has no task {0}")]
    UnknownTask(TaskId),
    #[error("milestone {0} is completed: its tasks are frozen")]
    MilestoneCompleted(MilestoneKey),
    #[error("the project is {}: its tasks are frozen", .0.label())]
    Frozen(ProjectStatus),
    #[error("the project already has {MAX_TASKS} tasks")]
    TooManyTasks,
    #[error("the project already has {MAX_BLOCKED_TASKS} blocked tasks: put it on hold instead")]
    TooManyBlocked,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
}

fn check_due_date(e: &mut Errors, field: &str, due: NaiveDate, project: &Project) {
    let earliest = project.won_at.date_naive();
    let latest = earliest.checked_add_days(Days::new(MAX_DUE_DAYS)).unwrap_or(earliest);
    if due < earliest || due > latest {
        e.add(field, format!("must be between {earliest} and {latest}"));
    }
}

impl Project {
    /// Adds a task to an open milestone; returns its id and the change.
    pub fn add_task(
        &mut self,
        milestone: &str,
        new: NewTask,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(TaskId, Change), TaskError> {
        self.ensure_running().map_err(TaskError::Frozen)?;
        let m = self
            .milestone(milestone)
            .ok_or_else(|| TaskError::UnknownMilestone(MilestoneKey::from_raw(milestone)))?;
        if m.is_completed() {
            return Err(TaskError::MilestoneCompleted(m.key.clone()));
        }
        let key = m.key.clone();
        let mut e = Errors::new();
        e.text("title", &new.title, MAX_NAME);
        e.email("assignee", &new.assignee);
        e.optional_text("description", new.description.as_deref(), MAX_TEXT);
        check_due_date(&mut e, "due_date", new.due_date, self);
        e.into_result().map_err(TaskError::Invalid)?;
        if self.tasks.len() >= MAX_TASKS {
            return Err(TaskError::TooManyTasks);
        }

        let version = self.version + 1;
        let task = Task::new(
            TaskId::derived(version, 0),
            key,
            &new.title,
            new.description.as_deref(),
            &new.assignee,
            new.due_date,
            now,
        );
        let id = task.id.clone();
        let mut rec = Recorder::new(&self.id, version, now, actor);
        rec.history("task.added", id.as_str(), None, serde_json::to_value(&task).ok());
        self.tasks.push(task);
        self.version = version;
        self.updated_at = now;
        let mut change = rec.finish();
        change.tasks.push(id.clone());
        Ok((id, change))
    }

    /// Applies `patch` to a task. `Ok(None)` when it changes nothing.
    pub fn change_task(
        &mut self,
        id: &str,
        patch: TaskPatch,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, TaskError> {
        self.ensure_running().map_err(TaskError::Frozen)?;
        let index = self
            .tasks
            .iter()
            .position(|t| t.id.as_str() == id)
            .ok_or_else(|| TaskError::UnknownTask(TaskId::from_raw(id)))?;
        let current = &self.tasks[index];
        let milestone_key = current.milestone_key.clone();
        let milestone_open =
            self.milestone(milestone_key.as_str()).is_some_and(|m| !m.is_completed());
        self.check_patch(current, &patch)?;
        let target = patch.status.unwrap_or(current.status);
        let blocked = self.tasks.iter().filter(|t| t.status == TaskStatus::Blocked).count();
        if target == TaskStatus::Blocked
            && current.status != TaskStatus::Blocked
            && blocked >= MAX_BLOCKED_TASKS
        {
            return Err(TaskError::TooManyBlocked);
        }
        // Only `done → in_progress` has a rule of its own about a closed
        // milestone; any other change to a frozen task is refused here.
        let reopening_done = current.status == TaskStatus::Done && target == TaskStatus::InProgress;
        if !milestone_open && !reopening_done {
            return Err(TaskError::MilestoneCompleted(milestone_key));
        }
        let Some(task) = patched(current, patch, milestone_open, now)? else { return Ok(None) };

        let version = self.version + 1;
        let (old, new) = diff(current, &task);
        let mut rec = Recorder::new(&self.id, version, now, actor);
        rec.history("task.updated", id, Some(old), Some(new));
        if task.status == TaskStatus::Blocked && current.status != TaskStatus::Blocked {
            rec.event(DomainEvent::TaskBlocked(events::TaskBlocked {
                account_id: self.account.id.clone(),
                task_id: task.id.clone(),
                milestone_key: milestone_key.to_string(),
                title: task.title.clone(),
                assignee: task.assignee.clone(),
                blocked_reason: task.blocked_reason.clone().unwrap_or_default(),
                blocked_category: task.blocked_category,
                blocked_at: now,
                due_date: task.due_date,
            }));
        }
        let change = rec.finish();
        Ok(Some(self.replace_task(index, task, version, now, change)))
    }

    /// The field rules of a patch of `task`, every error at once.
    fn check_patch(&self, task: &Task, patch: &TaskPatch) -> Result<(), TaskError> {
        let mut e = Errors::new();
        if let Some(assignee) = &patch.assignee {
            e.email("assignee", assignee);
        }
        if let Some(due) = patch.due_date {
            check_due_date(&mut e, "due_date", due, self);
        }
        e.optional_text("blocked_reason", patch.blocked_reason.as_deref(), MAX_TEXT);
        let target = patch.status.unwrap_or(task.status);
        if target != TaskStatus::Blocked {
            if patch.blocked_reason.is_some() {
                e.add("blocked_reason", "applies only to a blocked task");
            }
            if patch.blocked_category.is_some() {
                e.add("blocked_category", "applies only to a blocked task");
            }
        }
        if *patch == TaskPatch::default() {
            e.add(
                "",
                "give at least one of status, blocked_reason, blocked_category, assignee, due_date",
            );
        }
        e.into_result().map_err(TaskError::Invalid)
    }

    /// Stores a changed task as part of the project's new `version`; the
    /// change to commit, with that task in it.
    pub(crate) fn replace_task(
        &mut self,
        index: usize,
        task: Task,
        version: u64,
        now: DateTime<Utc>,
        mut change: Change,
    ) -> Change {
        change.tasks.push(task.id.clone());
        self.tasks[index] = task;
        self.version = version;
        self.updated_at = now;
        change
    }
}

/// `task` with `patch` applied, or `None` when nothing changes.
fn patched(
    task: &Task,
    patch: TaskPatch,
    milestone_open: bool,
    now: DateTime<Utc>,
) -> Result<Option<Task>, TaskError> {
    let mut task = task.clone();
    let mut changed = false;
    if patch.status.is_some() || patch.blocked_reason.is_some() || patch.blocked_category.is_some()
    {
        let target = patch.status.unwrap_or(task.status);
        let block =
            Block { reason: patch.blocked_reason.as_deref(), category: patch.blocked_category };
        changed |= task.transition(target, block, milestone_open, now)?;
    }
    if let Some(assignee) = patch.assignee.map(|a| a.trim().to_ascii_lowercase())
        && assignee != task.assignee
    {
        task.assignee = assignee;
        changed = true;
    }
    if let Some(due) = patch.due_date
        && due != task.due_date
    {
        task.due_date = due;
        // A new due date moves an escalation that has not happened yet.
        task.schedule_escalation(&EscalationPolicy::STANDARD);
        changed = true;
    }
    task.updated_at = now;
    Ok(changed.then_some(task))
}

/// The fields that differ between two versions of a task, before and after.
fn diff(before: &Task, after: &Task) -> (Value, Value) {
    let fields = [
        "status",
        "blocked_reason",
        "blocked_category",
        "blocked_since",
        "blocked_seconds",
        "assignee",
        "due_date",
        "escalation_level",
        "next_escalation_at",
    ];
    let (b, a) = (
        serde_json::to_value(before).unwrap_or_default(),
        serde_json::to_value(after).unwrap_or_default(),
    );
    let (mut old, mut new) = (Map::new(), Map::new());
    for field in fields {
        let (x, y) = (
            b.get(field).cloned().unwrap_or(Value::Null),
            a.get(field).cloned().unwrap_or(Value::Null),
        );
        if x != y {
            old.insert(field.into(), x);
            new.insert(field.into(), y);
        }
    }
    (json!(old), json!(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{now, project};
    use crate::milestone_changes::CompleteMilestone;
    use crate::outbox::OutboxMessage;
    use chrono::Duration;

    fn new_task(milestone_due: i64) -> NewTask {
        NewTask {
            title: "Survey the site".into(),
            assignee: "Tech.One@bluerocktel.fr".into(),
            due_date: (now() + Duration::days(milestone_due)).date_naive(),
            description: Some("Bring the ladder".into()),
        }
    }

    fn status(s: TaskStatus) -> TaskPatch {
        TaskPatch { status: Some(s), ..TaskPatch::default() }
    }

    fn blocked(reason: &str) -> TaskPatch {
        TaskPatch {
            status: Some(TaskStatus::Blocked),
            blocked_reason: Some(reason.into()),
            ..TaskPatch::default()
        }
    }

    #[test]
    fn a_task_is_added_to_an_open_milestone() {
        let (mut p, _) = project();
        let (id, change) = p.add_task("order_confirmed", new_task(3), "pm", now()).unwrap();
        let task = p.task(id.as_str()).unwrap();
        assert_eq!(
            (task.status, task.assignee.as_str()),
            (TaskStatus::Todo, "tech.one@bluerocktel.fr")
        );
        assert_eq!(p.version, 2);
        assert_eq!(change.tasks, [id]);
        assert_eq!(change.history[0].action, "task.added");
    }

    #[test]
    fn new_tasks_are_validated_field_by_field() {
        let (mut p, _) = project();
        let bad = NewTask {
            title: " ".into(),
            assignee: "nobody".into(),
            due_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            description: None,
        };
        let Err(TaskError::Invalid(errors)) = p.add_task("order_confirmed", bad, "pm", now())
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "assignee", "due_date"]);
        assert_eq!(
            p.add_task("nope", new_task(1), "pm", now()).unwrap_err(),
            TaskError::UnknownMilestone(MilestoneKey::from_raw("nope"))
        );
    }

    #[test]
    fn tasks_of_a_completed_milestone_are_frozen() {
        let (mut p, _) = project();
        let (id, _) = p.add_task("order_confirmed", new_task(1), "pm", now()).unwrap();
        p.change_task(id.as_str(), status(TaskStatus::InProgress), "pm", now()).unwrap();
        p.change_task(id.as_str(), status(TaskStatus::Done), "pm", now()).unwrap();
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now()).unwrap();
        let frozen = TaskError::MilestoneCompleted(MilestoneKey::from_raw("order_confirmed"));
        assert_eq!(p.add_task("order_confirmed", new_task(1), "pm", now()).unwrap_err(), frozen);
        let patch =
            TaskPatch { assignee: Some("other@bluerocktel.fr".into()), ..TaskPatch::default() };
        assert_eq!(p.change_task(id.as_str(), patch, "pm", now()).unwrap_err(), frozen);
        let reopen =
            p.change_task(id.as_str(), status(TaskStatus::InProgress), "pm", now()).unwrap_err();
        assert_eq!(reopen, TaskError::Transition(TransitionError::MilestoneCompleted));
    }

    #[test]
    fn blocking_announces_the_task_once() {
        let (mut p, _) = project();
        let (id, _) = p.add_task("order_confirmed", new_task(1), "pm", now()).unwrap();
        let change =
            p.change_task(id.as_str(), blocked("Carrier delay"), "tech", now()).unwrap().unwrap();
        assert_eq!(change.outbox.len(), 1);
        let OutboxMessage::Event { detail_type, detail } = &change.outbox[0].message else {
            panic!("an event")
        };
        assert_eq!(detail_type, "TaskBlocked");
        assert_eq!(detail["blocked_reason"], "Carrier delay");
        assert_eq!(detail["task_id"], id.as_str());
        let refined = p
            .change_task(id.as_str(), blocked("Carrier delay, new ETA"), "tech", now())
            .unwrap()
            .unwrap();
        assert!(refined.outbox.is_empty(), "a new reason is not a new block");
    }

    #[test]
    fn a_block_reason_is_required_and_only_for_blocked_tasks() {
        let (mut p, _) = project();
        let (id, _) = p.add_task("order_confirmed", new_task(1), "pm", now()).unwrap();
        let err =
            p.change_task(id.as_str(), status(TaskStatus::Blocked), "tech", now()).unwrap_err();
        assert_eq!(err, TaskError::Transition(TransitionError::ReasonRequired));
        let reason_alone = TaskPatch { blocked_reason: Some("x".into()), ..TaskPatch::default() };
        assert!(matches!(
            p.change_task(id.as_str(), reason_alone, "tech", now()),
            Err(TaskError::Invalid(_))
        ));
        assert!(matches!(
            p.change_task(id.as_str(), TaskPatch::default(), "tech", now()),
            Err(TaskError::Invalid(_))
        ));
    }

    #[test]
    fn history_records_only_what_changed() {
        let (mut p, _) = project();
        let (id, _) = p.add_task("order_confirmed", new_task(1), "pm", now()).unwrap();
        let later = now() + Duration::hours(1);
        let patch = TaskPatch {
            status: Some(TaskStatus::InProgress),
            due_date: Some((now() + Duration::days(9)).date_naive()),
            ..TaskPatch::default()
        };
        let change = p.change_task(id.as_str(), patch, "pm", later).unwrap().unwrap();
        let h = &change.history[0];
        assert_eq!(h.before.as_ref().unwrap()["status"], "todo");
        assert_eq!(h.after.as_ref().unwrap()["status"], "in_progress");
        assert!(h.after.as_ref().unwrap().get("assignee").is_none());
        assert_eq!(
            p.change_task(id.as_str(), status(TaskStatus::InProgress), "pm", later).unwrap(),
            None
        );
    }

    #[test]
    fn unknown_tasks_are_reported() {
        let (mut p, _) = project();
        assert_eq!(
            p.change_task("T-9", status(TaskStatus::Done), "pm", now()).unwrap_err(),
            TaskError::UnknownTask(TaskId::from_raw("T-9"))
        );
    }

    #[test]
    fn no_more_than_ninety_tasks_are_blocked_at_once() {
        let (mut p, _) = project();
        for _ in 0..=MAX_BLOCKED_TASKS {
            let (id, _) = p.add_task("order_confirmed", new_task(3), "pm", now()).unwrap();
            if p.tasks.iter().filter(|t| t.status == TaskStatus::Blocked).count()
                < MAX_BLOCKED_TASKS
            {
                p.change_task(id.as_str(), blocked("Carrier"), "pm", now()).unwrap();
            } else {
                let refused = p.change_task(id.as_str(), blocked("Carrier"), "pm", now());
                assert_eq!(refused, Err(TaskError::TooManyBlocked));
            }
        }
        let held = p.hold(
            &crate::hold_and_cancel::HoldRequest {
                reason: "Site closed".into(),
                category: crate::hold_and_cancel::Category::SiteAccess,
                until: None,
            },
            "pm",
            now(),
        );
        let change = held.unwrap().unwrap();
        // The project, each blocked task, the history entry and the event.
        assert!(change.tasks.len() + 3 <= 100, "{} items", change.tasks.len() + 3);
    }
}

//! Tasks: work items of a milestone, assigned to a team member.

use super::hold_and_cancel::Category;
use super::ids::TaskId;
use super::milestone::MilestoneKey;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
    Blocked,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Blocked => "blocked",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Task {
    pub id: TaskId,
    pub milestone_key: MilestoneKey,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub assignee: String,
    pub due_date: NaiveDate,
    pub status: TaskStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    /// Why it is blocked, as a category (optional, as the contract v1.1 has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_category: Option<Category>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_since: Option<DateTime<Utc>>,
    /// Time spent blocked over all past blocks, in seconds.
    pub blocked_seconds: i64,
    /// The same, project hold excluded, by the category each block ended with.
    #[serde(skip)]
    pub blocked_by_category: BTreeMap<Category, i64>,
    /// Escalations so far of the current block (0 to [`EscalationPolicy::MAX_LEVEL`]).
    pub escalation_level: u8,
    /// When the next escalation is due; set only while blocked, not at the
    /// last level, and the project runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_escalation_at: Option<DateTime<Utc>>,
    /// While the project is on hold: how far the next escalation was when
    /// the hold began (negative if it was overdue), to re-arm on resumption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_paused_seconds: Option<i64>,
    /// Time the project spent on hold during the current block, which the
    /// blocked-time threshold does not count.
    #[serde(skip_serializing_if = "is_zero")]
    pub block_held_seconds: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// When blocked tasks escalate: when overdue (the day after the due date)
/// or once blocked longer than the threshold, whichever comes first, to the
/// project owner (level 1); if still blocked a while later, to the
/// escalation contact (level 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EscalationPolicy {
    pub blocked_threshold: chrono::Duration,
    pub level_two_after: chrono::Duration,
}

impl EscalationPolicy {
    pub const MAX_LEVEL: u8 = 2;
    pub const STANDARD: Self = Self {
        blocked_threshold: chrono::Duration::hours(48),
        level_two_after: chrono::Duration::hours(24),
    };
}

impl Task {
    /// A new task, to do. Titles and descriptions are trimmed, assignees lower-cased.
    pub fn new(
        id: TaskId,
        milestone_key: MilestoneKey,
        title: &str,
        description: Option<&str>,
        assignee: &str,
        due_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            milestone_key,
            title: title.trim().to_owned(),
            description: description.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned),
            assignee: assignee.trim().to_ascii_lowercase(),
            due_date,
            status: TaskStatus::Todo,
            blocked_reason: None,
            blocked_category: None,
            blocked_since: None,
            blocked_seconds: 0,
            blocked_by_category: BTreeMap::new(),
            escalation_level: 0,
            next_escalation_at: None,
            escalation_paused_seconds: None,
            block_held_seconds: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// The first moment the task counts as overdue.
    pub fn overdue_from(&self) -> DateTime<Utc> {
        let next_day = self.due_date.succ_opt().unwrap_or(self.due_date);
        next_day.and_hms_opt(0, 0, 0).map_or(self.created_at, |t| t.and_utc())
    }

    /// Schedules the first escalation of a block that has not escalated yet.
    pub fn schedule_escalation(&mut self, policy: &EscalationPolicy) {
        if self.status == TaskStatus::Blocked && self.escalation_level == 0 {
            let held = chrono::Duration::seconds(self.block_held_seconds);
            let threshold = self.blocked_since.map(|since| since + policy.blocked_threshold + held);
            self.next_escalation_at =
                Some(threshold.map_or(self.overdue_from(), |t| t.min(self.overdue_from())));
        }
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A task with the project it belongs to, as task lists show it.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignedTask {
    pub project_id: super::ids::ProjectId,
    pub task: Task,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TransitionError {
    #[error("a task cannot go from {} to {}", from.as_str(), to.as_str())]
    NotAllowed { from: TaskStatus, to: TaskStatus },
    #[error("a blocked task needs a non-empty blocked_reason")]
    ReasonRequired,
    #[error("a done task can be reopened only while its milestone is open")]
    MilestoneCompleted,
}

/// What a change into (or within) `blocked` says: why, and its category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block<'a> {
    pub reason: Option<&'a str>,
    pub category: Option<Category>,
}

impl Task {
    /// Applies a status change; `Ok(false)` when nothing changes.
    ///
    /// `todo → in_progress → done`; any non-done status → `blocked` with a
    /// reason (and optionally a category); `blocked → todo | in_progress`
    /// adds the time spent blocked; `done → in_progress` only while the
    /// milestone is open.
    pub fn transition(
        &mut self,
        to: TaskStatus,
        block: Block<'_>,
        milestone_open: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, TransitionError> {
        use TaskStatus::*;
        let reason = block.reason.map(str::trim).filter(|r| !r.is_empty());
        match (self.status, to) {
            (Blocked, Blocked) => return self.refine_block(reason, block.category, now),
            (from, to) if from == to => return Ok(false),
            (Todo | InProgress, Blocked) => {
                let reason = reason.ok_or(TransitionError::ReasonRequired)?;
                self.blocked_reason = Some(reason.to_owned());
                self.blocked_category = block.category;
                self.blocked_since = Some(now);
                self.block_held_seconds = 0;
                self.status = to;
                self.escalation_level = 0;
                self.schedule_escalation(&EscalationPolicy::STANDARD);
            }
            (Blocked, Todo | InProgress) => {
                if let Some(since) = self.blocked_since.take() {
                    let blocked = (now - since).num_seconds().max(0);
                    self.blocked_seconds += blocked;
                    let category = self.blocked_category.unwrap_or(Category::Other);
                    let active = (blocked - self.block_held_seconds).max(0);
                    *self.blocked_by_category.entry(category).or_insert(0) += active;
                }
                self.blocked_reason = None;
                self.blocked_category = None;
                self.block_held_seconds = 0;
                // Unblocking clears any escalation in progress.
                self.escalation_level = 0;
                self.next_escalation_at = None;
            }
            (Done, InProgress) if !milestone_open => {
                return Err(TransitionError::MilestoneCompleted);
            }
            (Todo, InProgress) | (InProgress, Done) | (Done, InProgress) => {}
            (from, to) => return Err(TransitionError::NotAllowed { from, to }),
        }
        self.status = to;
        self.updated_at = now;
        Ok(true)
    }

    /// Blocked again: only the reason or category change; the block keeps its start.
    fn refine_block(
        &mut self,
        reason: Option<&str>,
        category: Option<Category>,
        now: DateTime<Utc>,
    ) -> Result<bool, TransitionError> {
        if reason.is_none() && category.is_none() {
            return Err(TransitionError::ReasonRequired);
        }
        let reason = reason.map(str::to_owned).or_else(|| self.blocked_reason.clone());
        let category = category.or(self.blocked_category);
        if (&reason, category) == (&self.blocked_reason, self.blocked_category) {
            return Ok(false);
        }
        self.blocked_reason = reason;
        self.blocked_category = category;
        self.updated_at = now;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;
    use chrono::Duration;

    fn why(reason: &str) -> Block<'_> {
        Block { reason: Some(reason), category: None }
    }

    fn t0() -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse().unwrap()
    }

    fn task(status: TaskStatus) -> Task {
        Task {
            id: TaskId::from_raw("t1"),
            milestone_key: MilestoneKey::from_raw("order_confirmed"),
            title: "Check the order".into(),
            description: None,
            assignee: "tech@bluerocktel.fr".into(),
            due_date: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
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
            created_at: t0(),
            updated_at: t0(),
        }
    }

    #[test]
    fn the_happy_path_is_todo_in_progress_done() {
        let mut t = task(Todo);
        assert_eq!(t.transition(InProgress, Block::default(), true, t0()), Ok(true));
        assert_eq!(t.transition(Done, Block::default(), true, t0()), Ok(true));
        assert_eq!(t.status, Done);
    }

    #[test]
    fn steps_cannot_be_skipped_or_reversed() {
        assert_eq!(
            task(Todo).transition(Done, Block::default(), true, t0()),
            Err(TransitionError::NotAllowed { from: Todo, to: Done })
        );
        assert_eq!(
            task(InProgress).transition(Todo, Block::default(), true, t0()),
            Err(TransitionError::NotAllowed { from: InProgress, to: Todo })
        );
        assert_eq!(
            task(Done).transition(Blocked, why("x"), true, t0()),
            Err(TransitionError::NotAllowed { from: Done, to: Blocked })
        );
        assert_eq!(
            task(Blocked).transition(Done, Block::default(), true, t0()),
            Err(TransitionError::NotAllowed { from: Blocked, to: Done })
        );
    }

    #[test]
    fn blocking_needs_a_reason_and_records_when() {
        for blank in [None, Some(""), Some("   ")] {
            let block = Block { reason: blank, category: None };
            assert_eq!(
                task(Todo).transition(Blocked, block, true, t0()),
                Err(TransitionError::ReasonRequired)
            );
        }
        let mut t = task(InProgress);
        t.transition(Blocked, why(" Carrier delay "), true, t0()).unwrap();
        assert_eq!(t.blocked_reason.as_deref(), Some("Carrier delay"));
        assert_eq!(t.blocked_since, Some(t0()));
    }

    #[test]
    fn unblocking_clears_the_reason_and_adds_the_time_blocked() {
        let mut t = task(Todo);
        t.transition(Blocked, why("No access to site"), true, t0()).unwrap();
        t.transition(InProgress, Block::default(), true, t0() + Duration::hours(2)).unwrap();
        assert_eq!((t.blocked_reason.as_ref(), t.blocked_since), (None, None));
        assert_eq!(t.blocked_seconds, 7200);
        t.transition(Blocked, why("Again"), true, t0() + Duration::hours(3)).unwrap();
        t.transition(Todo, Block::default(), true, t0() + Duration::hours(4)).unwrap();
        assert_eq!(t.blocked_seconds, 7200 + 3600);
        assert_eq!(t.status, Todo);
    }

    #[test]
    fn a_block_schedules_its_escalation_at_the_earlier_of_overdue_and_threshold() {
        // Due 2026-12-05, blocked 2026-12-01 08:00: the 48 h threshold comes first.
        let mut t = task(Todo);
        t.transition(Blocked, why("x"), true, t0()).unwrap();
        assert_eq!(t.next_escalation_at, Some(t0() + Duration::hours(48)));
        // Blocked on the 4th: overdue from the 6th at midnight comes first.
        let mut t = task(Todo);
        let late = t0() + Duration::days(3);
        t.transition(Blocked, why("x"), true, late).unwrap();
        assert_eq!(t.next_escalation_at, Some("2026-12-06T00:00:00Z".parse().unwrap()));
        t.transition(InProgress, Block::default(), true, late + Duration::hours(1)).unwrap();
        assert_eq!((t.next_escalation_at, t.escalation_level), (None, 0), "unblocking clears it");
    }

    #[test]
    fn done_reopens_only_while_the_milestone_is_open() {
        assert_eq!(
            task(Done).transition(InProgress, Block::default(), false, t0()),
            Err(TransitionError::MilestoneCompleted)
        );
        assert_eq!(task(Done).transition(InProgress, Block::default(), true, t0()), Ok(true));
    }

    #[test]
    fn same_status_is_a_no_op_except_a_new_block_reason() {
        assert_eq!(task(Todo).transition(Todo, Block::default(), true, t0()), Ok(false));
        let mut t = task(Todo);
        t.transition(Blocked, why("a"), true, t0()).unwrap();
        assert_eq!(t.transition(Blocked, why("a"), true, t0() + Duration::hours(1)), Ok(false));
        assert_eq!(t.transition(Blocked, why("b"), true, t0() + Duration::hours(1)), Ok(true));
        assert_eq!((t.blocked_reason.as_deref(), t.blocked_since), (Some("b"), Some(t0())));
    }

    #[test]
    fn a_block_takes_a_category_that_a_new_block_refines_and_unblocking_clears() {
        let mut t = task(Todo);
        let block = Block { reason: Some("Carrier late"), category: Some(Category::Carrier) };
        t.transition(Blocked, block, true, t0()).unwrap();
        assert_eq!(t.blocked_category, Some(Category::Carrier));
        let recategorised = Block { reason: None, category: Some(Category::Equipment) };
        assert_eq!(t.transition(Blocked, recategorised, true, t0()), Ok(true));
        assert_eq!(
            (t.blocked_reason.as_deref(), t.blocked_category),
            (Some("Carrier late"), Some(Category::Equipment))
        );
        assert_eq!(t.transition(Blocked, recategorised, true, t0()), Ok(false));
        t.transition(InProgress, Block::default(), true, t0()).unwrap();
        assert_eq!(t.blocked_category, None);
    }
}

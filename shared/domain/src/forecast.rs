//! Forecast and jeopardy (contract v1.1, README): when a project will go live at the
//! pace it is going, and whether that is in time.
//!
//! Completed milestones are pinned to their actual dates. The current one
//! (the first not completed) ends at the later of its start plus its
//! expected duration (time on hold added) and today, one day later when
//! one of its tasks is blocked or overdue. Later milestones follow with
//! their expected durations. The slack to the target gives the `health`.
//!
//! Without progress the projection only changes on a few days (the current
//! milestone's expected end, a task falling due): [`Forecast::review_at`]
//! is the first of them where it would differ, so that a sweep re-projects
//! only the projects due, never the whole table.

use super::events::{self, DomainEvent};
use super::hold_and_cancel::Category;
use super::ids::TaskId;
use super::milestone::{Milestone, MilestoneKey};
use super::outbox::MailTemplate;
use super::project::{Change, Project, ProjectStatus, Recorder};
use super::task::{Task, TaskStatus};
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

/// The actor recorded for changes of health as time passes.
pub const FORECAST_ACTOR: &str = "forecast";
/// Default `at_risk` threshold: less slack than this is at risk.
pub const DEFAULT_AT_RISK_DAYS: u16 = 5;
/// Default number of go-lives of a service type before its durations are learned.
pub const DEFAULT_HISTORY_MIN_GO_LIVES: u16 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// On hold, cancelled or live: no clock runs.
    None,
    OnTrack,
    AtRisk,
    Late,
}

impl Health {
    pub const ALL: [Self; 4] = [Self::None, Self::OnTrack, Self::AtRisk, Self::Late];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Late => "late",
        }
    }

    /// Worth telling the project's owner.
    pub fn in_jeopardy(self) -> bool {
        matches!(self, Self::AtRisk | Self::Late)
    }
}

/// Where the expected durations of a project's milestones come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The template's `expected_days`.
    #[default]
    Template,
    /// Learned from the go-lives of the same service type.
    History,
}

/// Why a project is where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The current milestone overran its expected end.
    MilestoneLate {
        milestone: MilestoneKey,
        expected_by: NaiveDate,
    },
    /// A task of the current milestone is blocked (`other` when no category was given).
    TaskBlocked {
        task_id: TaskId,
        category: Category,
    },
    /// A task of the current milestone is past its due date.
    TaskOverdue {
        task_id: TaskId,
        due_date: NaiveDate,
    },
    OnHold {
        category: Category,
    },
}

/// A project's forecast as of one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// The go-live date at this pace (the actual one once live); none once cancelled.
    pub projected_go_live: Option<NaiveDate>,
    pub health: Health,
    pub reasons: Vec<Reason>,
    /// When the projection would next change without progress (midnight
    /// UTC); none when it cannot (on hold, final, late and past its end).
    pub review_at: Option<DateTime<Utc>>,
}

impl Forecast {
    /// A project not assessed yet.
    pub fn unassessed() -> Self {
        Self { projected_go_live: None, health: Health::None, reasons: Vec::new(), review_at: None }
    }
}

/// The projection alone, as of one day: what the review compares.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Projection {
    date: Option<NaiveDate>,
    reasons: Vec<Reason>,
}

impl Project {
    /// Days between the target and the projected go-live (negative: late).
    pub fn slack_days(&self) -> Option<i64> {
        let projected = self.forecast.projected_go_live?;
        Some((self.target_go_live - projected).num_days())
    }

    /// The forecast as of `now`.
    pub fn assess(&self, now: DateTime<Utc>) -> Forecast {
        let today = now.date_naive();
        let projection = self.projection(now, today);
        let health = match (self.status, projection.date) {
            (ProjectStatus::InProgress, Some(date)) => {
                let slack = (self.target_go_live - date).num_days();
                if slack < 0 {
                    Health::Late
                } else if slack < i64::from(self.at_risk_days) {
                    Health::AtRisk
                } else {
                    Health::OnTrack
                }
            }
            _ => Health::None,
        };
        let review_at = self.next_review(now, &projection);
        Forecast {
            projected_go_live: projection.date,
            health,
            reasons: projection.reasons,
            review_at,
        }
    }

    /// Brings the stored forecast up to date within `change` (at the
    /// project's current version): a new health is recorded in the history,
    /// announced by `ProjectJeopardyChanged` and, into jeopardy, mailed to
    /// the owner. A project assessed for the first time (new, or stored
    /// before forecasting) announces nothing when it is on track.
    pub fn reassess(&mut self, change: &mut Change, now: DateTime<Utc>) {
        let new = self.assess(now);
        let old = std::mem::replace(&mut self.forecast, new);
        let health = self.forecast.health;
        // New (or stored before forecasting): on track is no news.
        let first = old == Forecast::unassessed();
        if old.health == health || (first && health == Health::OnTrack) {
            return;
        }
        let mut rec = Recorder::resume(&self.id, self.version, now, FORECAST_ACTOR, change);
        rec.history(
            "project.health_changed",
            self.id.as_str(),
            Some(json!({ "health": old.health, "projected_go_live": old.projected_go_live })),
            Some(json!({ "health": health, "projected_go_live": self.forecast.projected_go_live })),
        );
        rec.event(DomainEvent::JeopardyChanged(self.jeopardy(old.health, now)));
        if health.in_jeopardy() {
            let context = self.jeopardy_context();
            rec.mail(MailTemplate::ProjectJeopardy, &self.owner, super::Language::Fr, context);
        }
        *change = rec.finish();
    }

    /// Re-projects the project as time passed; `None` when nothing changed
    /// (a second sweep over the same project writes nothing).
    pub fn review(&mut self, now: DateTime<Utc>) -> Option<Change> {
        if self.assess(now) == self.forecast {
            return None;
        }
        self.bump(now);
        let mut change = Change::default();
        self.reassess(&mut change, now);
        Some(change)
    }

    fn jeopardy(&self, previous: Health, now: DateTime<Utc>) -> events::JeopardyChanged {
        events::JeopardyChanged {
            account_id: self.account.id.clone(),
            deal_id: self.deal_id.clone(),
            line_id: self.line_id.clone(),
            owner: self.owner.clone(),
            previous_health: previous,
            health: self.forecast.health,
            projected_go_live: self.forecast.projected_go_live,
            target_go_live: self.target_go_live,
            slack_days: self.slack_days(),
            basis: self.basis,
            reasons: self.forecast.reasons.clone(),
            changed_at: now,
        }
    }

    /// What the owner's jeopardy mail shows.
    fn jeopardy_context(&self) -> serde_json::Value {
        let next = self.next_milestone();
        json!({
            "project_id": self.id,
            "account_name": self.account.name,
            "service_name": self.services.first().map(|s| s.name.clone()).unwrap_or_default(),
            "health": self.forecast.health,
            "projected_go_live": self.forecast.projected_go_live,
            "target_go_live": self.target_go_live,
            "slack_days": self.slack_days(),
            "current_milestone": next.map(|m| json!({ "fr": m.name.fr, "en": m.name.en })),
            "milestone_names": self
                .milestones
                .iter()
                .map(|m| (m.key.to_string(), json!({ "fr": m.name.fr, "en": m.name.en })))
                .collect::<serde_json::Map<_, _>>(),
            "reasons": self.forecast.reasons,
        })
    }

    /// Where the project ends at this pace, as of `today`.
    fn projection(&self, now: DateTime<Utc>, today: NaiveDate) -> Projection {
        let mut reasons = Vec::new();
        let date = match self.status {
            ProjectStatus::Cancelled => None,
            ProjectStatus::Live => self.go_live_date,
            ProjectStatus::InProgress | ProjectStatus::OnHold => {
                if let Some(hold) = &self.hold {
                    reasons.push(Reason::OnHold { category: hold.category });
                }
                Some(self.open_projection(now, today, &mut reasons))
            }
        };
        Projection { date, reasons }
    }

    /// The projection of a project still open: pinned, current, to come.
    fn open_projection(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
        reasons: &mut Vec<Reason>,
    ) -> NaiveDate {
        let mut start = self.created_at;
        let mut end = today;
        let mut current = true;
        for m in &self.milestones {
            if let Some(done) = m.completed_at.filter(|_| m.is_completed()) {
                (start, end) = (done, done.date_naive());
                continue;
            }
            if current {
                current = false;
                end = self.current_end(m, start, now, today, reasons);
            } else {
                end = add_days(end, m.expected_days);
            }
        }
        end
    }

    /// When the current milestone `m`, started at `start`, ends.
    fn current_end(
        &self,
        m: &Milestone,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        today: NaiveDate,
        reasons: &mut Vec<Reason>,
    ) -> NaiveDate {
        let on_hold = self.hold.as_ref().map_or(0, |h| (now - h.since).num_seconds().max(0));
        let expected_by = expected_by(m, start, on_hold);
        if today > expected_by {
            reasons.push(Reason::MilestoneLate { milestone: m.key.clone(), expected_by });
        }
        let before = reasons.len();
        let of_milestone = self.tasks.iter().filter(|t| t.milestone_key == m.key);
        reasons.extend(of_milestone.filter_map(|t| task_reason(t, today)));
        let slipping = reasons.len() > before;
        let floor = if slipping { add_days(today, 1) } else { today };
        expected_by.max(floor)
    }

    /// The first midnight after `now` at which the projection would differ
    /// from `today`'s without progress; only the current milestone's
    /// expected end and its tasks' due dates can move it.
    fn next_review(&self, now: DateTime<Utc>, today: &Projection) -> Option<DateTime<Utc>> {
        if self.status != ProjectStatus::InProgress {
            return None;
        }
        let day = now.date_naive();
        let mut candidates = vec![add_days(day, 1)];
        if let Some(m) = self.next_milestone() {
            // As in `open_projection`: the current milestone starts when the
            // one before it completed (the project's creation for the first).
            let before = self.milestones.iter().take_while(|m| m.is_completed()).last();
            let start = before.and_then(|m| m.completed_at).unwrap_or(self.created_at);
            let expected_by = expected_by(m, start, 0);
            candidates.extend([expected_by, add_days(expected_by, 1)]);
            let of_milestone = self.tasks.iter().filter(|t| t.milestone_key == m.key);
            candidates.extend(of_milestone.map(|t| add_days(t.due_date, 1)));
        }
        candidates.retain(|d| *d > day);
        candidates.sort_unstable();
        candidates.dedup();
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        candidates.into_iter().filter_map(midnight).find(|at| {
            let projection = self.projection(*at, at.date_naive());
            projection != *today
        })
    }
}

/// The day milestone `m`, current since `start`, is expected to end: its
/// expected days later, plus the time the project spent on hold meanwhile
/// (`holding`: seconds of a hold still running).
fn expected_by(m: &Milestone, start: DateTime<Utc>, holding: i64) -> NaiveDate {
    let held = Duration::seconds(m.held_seconds + holding);
    (start + Duration::days(m.expected_days.into()) + held).date_naive()
}

/// What a task says of its milestone's pace on `today`, if anything.
fn task_reason(task: &Task, today: NaiveDate) -> Option<Reason> {
    match task.status {
        TaskStatus::Blocked => Some(Reason::TaskBlocked {
            task_id: task.id.clone(),
            category: task.blocked_category.unwrap_or(Category::Other),
        }),
        TaskStatus::Done => None,
        _ if task.due_date < today => {
            Some(Reason::TaskOverdue { task_id: task.id.clone(), due_date: task.due_date })
        }
        _ => None,
    }
}

fn add_days(date: NaiveDate, days: u16) -> NaiveDate {
    date.checked_add_days(Days::new(days.into())).unwrap_or(date)
}

#[cfg(test)]
mod tests;

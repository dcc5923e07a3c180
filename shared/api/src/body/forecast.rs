//! A project's forecast as the API shows it (API.md v1.1, "Forecast and jeopardy").

use super::values::{Category, MilestoneKey, TaskId};
use chrono::NaiveDate;
use domain::forecast as df;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mirror_enum! {
    /// `none` for projects on hold, cancelled or live.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Health mirrors df::Health { None, OnTrack, AtRisk, Late }
}

/// The healths a listing filters by: those of projects in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthFilter {
    OnTrack,
    AtRisk,
    Late,
}

impl From<HealthFilter> for df::Health {
    fn from(h: HealthFilter) -> Self {
        match h {
            HealthFilter::OnTrack => Self::OnTrack,
            HealthFilter::AtRisk => Self::AtRisk,
            HealthFilter::Late => Self::Late,
        }
    }
}

mirror_enum! {
    /// `template`: the milestones' expected durations as the template has
    /// them; `history`: learned from the go-lives of the same service type.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Basis mirrors df::Basis { Template, History }
}

/// Why a project is where it is.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The current milestone overran its expected end.
    MilestoneLate {
        milestone: MilestoneKey,
        expected_by: NaiveDate,
    },
    /// A task of the current milestone is blocked (`other` without a category).
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

impl From<&df::Reason> for Reason {
    fn from(r: &df::Reason) -> Self {
        match r {
            df::Reason::MilestoneLate { milestone, expected_by } => {
                Self::MilestoneLate { milestone: milestone.into(), expected_by: *expected_by }
            }
            df::Reason::TaskBlocked { task_id, category } => {
                Self::TaskBlocked { task_id: task_id.into(), category: (*category).into() }
            }
            df::Reason::TaskOverdue { task_id, due_date } => {
                Self::TaskOverdue { task_id: task_id.into(), due_date: *due_date }
            }
            df::Reason::OnHold { category } => Self::OnHold { category: (*category).into() },
        }
    }
}

/// When the project will go live at its pace, against its target.
#[derive(Serialize, ToSchema)]
pub struct Forecast {
    /// The actual go-live date once live; null once cancelled.
    projected_go_live: Option<NaiveDate>,
    target_go_live: NaiveDate,
    /// Target minus projected, in days (negative: late); null once cancelled.
    slack_days: Option<i64>,
    health: Health,
    basis: Basis,
    reasons: Vec<Reason>,
}

impl Forecast {
    pub fn new(forecast: &df::Forecast, target_go_live: NaiveDate, basis: df::Basis) -> Self {
        let projected = forecast.projected_go_live;
        Self {
            projected_go_live: projected,
            target_go_live,
            slack_days: projected.map(|p| (target_go_live - p).num_days()),
            health: forecast.health.into(),
            basis: basis.into(),
            reasons: forecast.reasons.iter().map(Into::into).collect(),
        }
    }
}

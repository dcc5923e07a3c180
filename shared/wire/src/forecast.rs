//! A forecast's health, basis and reasons.

use crate::ids::{MilestoneKey, TaskId};
use crate::values::Category;
use chrono::NaiveDate;
use domain::forecast;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// `none` for projects on hold, cancelled or live.
    pub enum Health mirrors forecast::Health { None, OnTrack, AtRisk, Late } as "snake_case"
}

wire_enum! {
    /// `template`: the milestones' expected durations as the template has
    /// them; `history`: learned from the go-lives of the same service type.
    pub enum Basis mirrors forecast::Basis { Template, History } as "snake_case"
}

/// Why a project is where it is.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl From<&forecast::Reason> for Reason {
    fn from(r: &forecast::Reason) -> Self {
        match r {
            forecast::Reason::MilestoneLate { milestone, expected_by } => {
                Self::MilestoneLate { milestone: milestone.into(), expected_by: *expected_by }
            }
            forecast::Reason::TaskBlocked { task_id, category } => {
                Self::TaskBlocked { task_id: task_id.into(), category: (*category).into() }
            }
            forecast::Reason::TaskOverdue { task_id, due_date } => {
                Self::TaskOverdue { task_id: task_id.into(), due_date: *due_date }
            }
            forecast::Reason::OnHold { category } => Self::OnHold { category: (*category).into() },
        }
    }
}

impl From<Reason> for forecast::Reason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::MilestoneLate { milestone, expected_by } => {
                Self::MilestoneLate { milestone: milestone.into(), expected_by }
            }
            Reason::TaskBlocked { task_id, category } => {
                Self::TaskBlocked { task_id: task_id.into(), category: category.into() }
            }
            Reason::TaskOverdue { task_id, due_date } => {
                Self::TaskOverdue { task_id: task_id.into(), due_date }
            }
            Reason::OnHold { category } => Self::OnHold { category: category.into() },
        }
    }
}

//! A project's stored forecast, and the facts of a go-live.

use super::values::Category;
use chrono::{DateTime, NaiveDate, Utc};
use domain::forecast as df;
use domain::go_live_facts as dfa;
use domain::milestone::MilestoneKey;
use domain::{ProjectId, TaskId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Health mirrors df::Health { None, OnTrack, AtRisk, Late }
}

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Basis mirrors df::Basis { Template, History }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Reason {
    MilestoneLate { milestone: String, expected_by: NaiveDate },
    TaskBlocked { task_id: String, category: Category },
    TaskOverdue { task_id: String, due_date: NaiveDate },
    OnHold { category: Category },
}

impl From<&df::Reason> for Reason {
    fn from(r: &df::Reason) -> Self {
        match r {
            df::Reason::MilestoneLate { milestone, expected_by } => {
                Self::MilestoneLate { milestone: milestone.to_string(), expected_by: *expected_by }
            }
            df::Reason::TaskBlocked { task_id, category } => {
                Self::TaskBlocked { task_id: task_id.to_string(), category: (*category).into() }
            }
            df::Reason::TaskOverdue { task_id, due_date } => {
                Self::TaskOverdue { task_id: task_id.to_string(), due_date: *due_date }
            }
            df::Reason::OnHold { category } => Self::OnHold { category: (*category).into() },
        }
    }
}

impl From<Reason> for df::Reason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::MilestoneLate { milestone, expected_by } => {
                Self::MilestoneLate { milestone: MilestoneKey::from_raw(milestone), expected_by }
            }
            Reason::TaskBlocked { task_id, category } => {
                Self::TaskBlocked { task_id: TaskId::from_raw(task_id), category: category.into() }
            }
            Reason::TaskOverdue { task_id, due_date } => {
                Self::TaskOverdue { task_id: TaskId::from_raw(task_id), due_date }
            }
            Reason::OnHold { category } => Self::OnHold { category: category.into() },
        }
    }
}

/// Absent from projects stored before forecasting: they read unassessed,
/// and their next change assesses them.
#[derive(Serialize, Deserialize)]
pub(super) struct Forecast {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    projected_go_live: Option<NaiveDate>,
    health: Health,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    review_at: Option<DateTime<Utc>>,
}

impl From<&df::Forecast> for Forecast {
    fn from(f: &df::Forecast) -> Self {
        Self {
            projected_go_live: f.projected_go_live,
            health: f.health.into(),
            reasons: f.reasons.iter().map(Into::into).collect(),
            review_at: f.review_at,
        }
    }
}

impl From<Forecast> for df::Forecast {
    fn from(f: Forecast) -> Self {
        Self {
            projected_go_live: f.projected_go_live,
            health: f.health.into(),
            reasons: f.reasons.into_iter().map(Into::into).collect(),
            review_at: f.review_at,
        }
    }
}

/// The facts of one go-live; seconds throughout.
#[derive(Serialize, Deserialize)]
pub struct GoLiveFacts {
    project_id: String,
    service_type: String,
    won_at: DateTime<Utc>,
    go_live_date: NaiveDate,
    target_go_live: NaiveDate,
    lead_time_days: i64,
    milestones: Vec<MilestoneSeconds>,
    // Never an empty map: one reaches stream readers as `{}`, which the SDK
    // cannot read (seen on DynamoDB Local's stream).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    blocked_seconds: BTreeMap<Category, i64>,
    #[serde(default)]
    held_seconds: i64,
}

#[derive(Serialize, Deserialize)]
struct MilestoneSeconds {
    key: String,
    seconds: i64,
}

impl From<&dfa::GoLiveFacts> for GoLiveFacts {
    fn from(f: &dfa::GoLiveFacts) -> Self {
        Self {
            project_id: f.project_id.to_string(),
            service_type: f.service_type.clone(),
            won_at: f.won_at,
            go_live_date: f.go_live_date,
            target_go_live: f.target_go_live,
            lead_time_days: f.lead_time_days,
            milestones: f
                .milestones
                .iter()
                .map(|(key, seconds)| MilestoneSeconds { key: key.to_string(), seconds: *seconds })
                .collect(),
            blocked_seconds: f.blocked_seconds.iter().map(|(c, s)| ((*c).into(), *s)).collect(),
            held_seconds: f.held_seconds,
        }
    }
}

impl From<GoLiveFacts> for dfa::GoLiveFacts {
    fn from(f: GoLiveFacts) -> Self {
        Self {
            project_id: ProjectId::from_raw(f.project_id),
            service_type: f.service_type,
            won_at: f.won_at,
            go_live_date: f.go_live_date,
            target_go_live: f.target_go_live,
            lead_time_days: f.lead_time_days,
            milestones: f
                .milestones
                .into_iter()
                .map(|m| (MilestoneKey::from_raw(m.key), m.seconds))
                .collect(),
            blocked_seconds: f.blocked_seconds.into_iter().map(|(c, s)| (c.into(), s)).collect(),
            held_seconds: f.held_seconds,
        }
    }
}

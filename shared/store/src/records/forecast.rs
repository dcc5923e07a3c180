//! A project's stored forecast, and the facts of a go-live: formats of the
//! table's own (the API shows a forecast against the project's target, and
//! no facts). Health and reasons are the shared formats ([`wire`]).

use chrono::{DateTime, NaiveDate, Utc};
use domain::milestone::MilestoneKey;
use domain::{ProjectId, forecast, go_live_facts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wire::{Category, Health, Reason};

/// Absent from projects stored before forecasting: they read unassessed,
/// and their next change assesses them.
#[derive(Serialize, Deserialize)]
pub struct Forecast {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    projected_go_live: Option<NaiveDate>,
    health: Health,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    review_at: Option<DateTime<Utc>>,
}

impl From<&forecast::Forecast> for Forecast {
    fn from(f: &forecast::Forecast) -> Self {
        Self {
            projected_go_live: f.projected_go_live,
            health: f.health.into(),
            reasons: f.reasons.iter().map(Into::into).collect(),
            review_at: f.review_at,
        }
    }
}

impl From<Forecast> for forecast::Forecast {
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

impl From<&go_live_facts::GoLiveFacts> for GoLiveFacts {
    fn from(f: &go_live_facts::GoLiveFacts) -> Self {
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

impl From<GoLiveFacts> for go_live_facts::GoLiveFacts {
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

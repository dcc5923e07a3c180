//! A project's forecast as the API shows it: against the project's target,
//! with its slack (the table keeps the forecast alone, with its next review,
//! and the basis on the project). Its health, basis and reasons are the
//! shared formats of [`wire::forecast`].

use chrono::NaiveDate;
use domain::forecast;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wire::{Basis, Health, Reason};

/// The healths a listing filters by: those of projects in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthFilter {
    OnTrack,
    AtRisk,
    Late,
}

impl From<HealthFilter> for forecast::Health {
    fn from(h: HealthFilter) -> Self {
        match h {
            HealthFilter::OnTrack => Self::OnTrack,
            HealthFilter::AtRisk => Self::AtRisk,
            HealthFilter::Late => Self::Late,
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
    pub fn new(f: &forecast::Forecast, target_go_live: NaiveDate, basis: forecast::Basis) -> Self {
        let projected = f.projected_go_live;
        Self {
            projected_go_live: projected,
            target_go_live,
            slack_days: projected.map(|p| (target_go_live - p).num_days()),
            health: f.health.into(),
            basis: basis.into(),
            reasons: f.reasons.iter().map(Into::into).collect(),
        }
    }
}

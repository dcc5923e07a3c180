//! Deployment analytics as the API shows them (JSON; CSV has the same rows).

use app::AnalyticsReport;
use domain::analytics;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use wire::{Category, MilestoneKey};

/// The go-lives of the months `from` to `to`, per service type.
#[derive(Serialize, ToSchema)]
pub struct Analytics {
    /// `YYYY-MM`.
    pub from: String,
    pub to: String,
    pub service_types: Vec<ServiceStats>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceStats {
    pub service_type: String,
    /// Projects that went live in the window.
    pub count: usize,
    /// Days from the deal's win to the go-live date (nearest-rank percentiles).
    pub lead_time_days: Percentiles,
    /// Share of go-lives on or before their target, 0 to 1.
    pub on_time_rate: f64,
    /// Days each milestone took, time on hold left out.
    pub milestones: Vec<MilestoneStats>,
    /// Total days tasks were blocked, by category (`other`: none given).
    #[schema(value_type = BTreeMap<Category, f64>)]
    pub blocked_days: BTreeMap<&'static str, f64>,
    /// Total days the projects spent on hold.
    pub held_days: f64,
}

#[derive(Serialize, ToSchema)]
pub struct Percentiles {
    pub p50: f64,
    pub p85: f64,
    pub p95: f64,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneStats {
    pub key: MilestoneKey,
    pub count: usize,
    pub p50_days: f64,
    pub p85_days: f64,
}

impl From<&AnalyticsReport> for Analytics {
    fn from(r: &AnalyticsReport) -> Self {
        Self {
            from: r.window.from.to_string(),
            to: r.window.to.to_string(),
            service_types: r.service_types.iter().map(Into::into).collect(),
        }
    }
}

impl From<&analytics::ServiceStats> for ServiceStats {
    fn from(s: &analytics::ServiceStats) -> Self {
        Self {
            service_type: s.service_type.clone(),
            count: s.count,
            lead_time_days: Percentiles {
                p50: s.lead_time_days.p50,
                p85: s.lead_time_days.p85,
                p95: s.lead_time_days.p95,
            },
            on_time_rate: s.on_time_rate,
            milestones: s
                .milestones
                .iter()
                .map(|m| MilestoneStats {
                    key: (&m.key).into(),
                    count: m.count,
                    p50_days: m.p50_days,
                    p85_days: m.p85_days,
                })
                .collect(),
            blocked_days: s.blocked_days.iter().map(|(c, d)| (c.as_str(), *d)).collect(),
            held_days: s.held_days,
        }
    }
}

impl Analytics {
    /// The same figures as CSV rows of `service_type,metric,key,value`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("service_type,metric,key,value\r\n");
        for s in &self.service_types {
            let mut row = |metric: &str, key: &str, value: String| {
                out.push_str(&format!("{},{metric},{key},{value}\r\n", s.service_type));
            };
            row("count", "", s.count.to_string());
            row("lead_time_days", "p50", s.lead_time_days.p50.to_string());
            row("lead_time_days", "p85", s.lead_time_days.p85.to_string());
            row("lead_time_days", "p95", s.lead_time_days.p95.to_string());
            row("on_time_rate", "", s.on_time_rate.to_string());
            for m in &s.milestones {
                let key = m.key.as_str();
                row("milestone_count", key, m.count.to_string());
                row("milestone_days_p50", key, m.p50_days.to_string());
                row("milestone_days_p85", key, m.p85_days.to_string());
            }
            for (category, days) in &s.blocked_days {
                row("blocked_days", category, days.to_string());
            }
            row("held_days", "", s.held_days.to_string());
        }
        out
    }
}

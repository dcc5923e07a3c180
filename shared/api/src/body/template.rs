//! A template as a client sends it to save the next version: its
//! milestones, and the server-owned fields of a `GET`, optional. A template
//! as read is the stored format ([`wire::Template`]).

use chrono::{DateTime, Utc};
use domain::template;
use serde::Deserialize;
use utoipa::ToSchema;
use wire::{MilestoneTemplate, back};

/// A template as a client sends it: the milestones, plus the server-owned
/// fields of a previous `GET`, which may come back unchanged or be left out.
#[derive(Deserialize, ToSchema)]
pub struct TemplateInput {
    #[serde(default)]
    service_type: Option<String>,
    /// The version the edit started from: a stale one is a conflict.
    #[serde(default)]
    version: Option<u32>,
    /// 2 to 12, keys unique, exactly one `activation` milestone and it last;
    /// at most 60 default tasks in all.
    #[schema(min_items = 2, max_items = 12)]
    milestones: Vec<MilestoneTemplate>,
    /// Absent: as in the current version (default 5).
    #[serde(default)]
    #[schema(maximum = 365)]
    at_risk_days: Option<u16>,
    /// Absent: as in the current version (default 10).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    history_min_go_lives: Option<u16>,
    /// As read; ignored.
    #[serde(default)]
    #[allow(dead_code)]
    updated_at: Option<DateTime<Utc>>,
    /// As read; ignored.
    #[serde(default)]
    #[allow(dead_code)]
    updated_by: Option<String>,
}

impl From<TemplateInput> for template::TemplateInput {
    fn from(t: TemplateInput) -> Self {
        Self {
            service_type: t.service_type,
            version: t.version,
            milestones: back(t.milestones),
            at_risk_days: t.at_risk_days,
            history_min_go_lives: t.history_min_go_lives,
        }
    }
}

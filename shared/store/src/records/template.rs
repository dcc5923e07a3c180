//! Milestone templates, one item per version.

use super::values::{CustomerMail, Names, back, each};
use chrono::{DateTime, Utc};
use domain::forecast::{Basis, DEFAULT_AT_RISK_DAYS, DEFAULT_HISTORY_MIN_GO_LIVES};
use domain::milestone::MilestoneKey;
use domain::template as d;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Template {
    service_type: String,
    version: u32,
    milestones: Vec<MilestoneTemplate>,
    #[serde(default = "at_risk_days")]
    at_risk_days: u16,
    #[serde(default = "history_min_go_lives")]
    history_min_go_lives: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_by: Option<String>,
}

/// Versions saved before forecasting have the defaults.
fn at_risk_days() -> u16 {
    DEFAULT_AT_RISK_DAYS
}

fn history_min_go_lives() -> u16 {
    DEFAULT_HISTORY_MIN_GO_LIVES
}

#[derive(Serialize, Deserialize)]
struct MilestoneTemplate {
    key: String,
    name: Names,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_mail: Option<CustomerMail>,
    #[serde(default)]
    activation: bool,
    expected_days: u16,
    #[serde(default)]
    default_tasks: Vec<TaskTemplate>,
}

#[derive(Serialize, Deserialize)]
struct TaskTemplate {
    title: String,
    due_offset_days: u16,
}

impl From<&d::Template> for Template {
    fn from(t: &d::Template) -> Self {
        Self {
            service_type: t.service_type.clone(),
            version: t.version,
            milestones: each(&t.milestones),
            at_risk_days: t.at_risk_days,
            history_min_go_lives: t.history_min_go_lives,
            updated_at: t.updated_at,
            updated_by: t.updated_by.clone(),
        }
    }
}

impl From<Template> for d::Template {
    fn from(t: Template) -> Self {
        Self {
            service_type: t.service_type,
            version: t.version,
            milestones: back(t.milestones),
            at_risk_days: t.at_risk_days,
            history_min_go_lives: t.history_min_go_lives,
            basis: Basis::Template,
            updated_at: t.updated_at,
            updated_by: t.updated_by,
        }
    }
}

impl From<&d::MilestoneTemplate> for MilestoneTemplate {
    fn from(m: &d::MilestoneTemplate) -> Self {
        Self {
            key: m.key.to_string(),
            name: (&m.name).into(),
            customer_mail: m.customer_mail.map(Into::into),
            activation: m.activation,
            expected_days: m.expected_days,
            default_tasks: m
                .default_tasks
                .iter()
                .map(|t| TaskTemplate {
                    title: t.title.clone(),
                    due_offset_days: t.due_offset_days,
                })
                .collect(),
        }
    }
}

impl From<MilestoneTemplate> for d::MilestoneTemplate {
    fn from(m: MilestoneTemplate) -> Self {
        Self {
            key: MilestoneKey::from_raw(m.key),
            name: m.name.into(),
            customer_mail: m.customer_mail.map(Into::into),
            activation: m.activation,
            expected_days: m.expected_days,
            default_tasks: m
                .default_tasks
                .into_iter()
                .map(|t| d::TaskTemplate { title: t.title, due_offset_days: t.due_offset_days })
                .collect(),
        }
    }
}

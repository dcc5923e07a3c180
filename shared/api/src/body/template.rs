//! Milestone templates, as read and as edited.

use super::values::{CustomerMail, MilestoneKey, Names};
use super::{back, each, rules};
use chrono::{DateTime, Utc};
use domain::template as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Template {
    service_type: String,
    version: u32,
    milestones: Vec<MilestoneTemplate>,
    /// A project with less slack than this many days is `at_risk`.
    at_risk_days: u16,
    /// Go-lives of this service type after which new projects use learned durations.
    history_min_go_lives: u16,
    /// When and by whom this version was saved (absent for the built-in default).
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_by: Option<String>,
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

/// A template as a client sends it: the milestones, plus the server-owned
/// fields of a previous `GET`, which may come back unchanged or be left out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

impl From<TemplateInput> for d::TemplateInput {
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

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneTemplate {
    key: MilestoneKey,
    name: Names,
    /// The customer mail sent when this milestone is reached, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_mail: Option<CustomerMail>,
    /// The go-live milestone: completed only by activation, always last.
    #[serde(default)]
    activation: bool,
    #[schema(maximum = 365)]
    expected_days: u16,
    #[serde(default)]
    #[schema(max_items = 10)]
    default_tasks: Vec<TaskTemplate>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskTemplate {
    #[schema(value_type = rules::Name)]
    title: String,
    /// Due date of the task, in days after the project's creation.
    #[schema(maximum = 365)]
    due_offset_days: u16,
}

impl From<&d::MilestoneTemplate> for MilestoneTemplate {
    fn from(m: &d::MilestoneTemplate) -> Self {
        Self {
            key: (&m.key).into(),
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
            key: m.key.into(),
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

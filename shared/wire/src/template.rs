//! Milestone templates: as the table keeps each version, as the API shows
//! it, and the milestones a client sends back to save the next one.

#[cfg(feature = "openapi")]
use crate::rules;
use crate::values::{CustomerMail, Names};
use crate::{MilestoneKey, back, each};
use chrono::{DateTime, Utc};
use domain::forecast::{Basis, DEFAULT_AT_RISK_DAYS, DEFAULT_HISTORY_MIN_GO_LIVES};
use domain::template;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub service_type: String,
    pub version: u32,
    pub milestones: Vec<MilestoneTemplate>,
    /// A project with less slack than this many days is `at_risk`.
    #[serde(default = "at_risk_days")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub at_risk_days: u16,
    /// Go-lives of this service type after which new projects use learned durations.
    #[serde(default = "history_min_go_lives")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub history_min_go_lives: u16,
    /// When and by whom this version was saved (absent for the built-in default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

/// Versions saved before forecasting have the defaults.
fn at_risk_days() -> u16 {
    DEFAULT_AT_RISK_DAYS
}

fn history_min_go_lives() -> u16 {
    DEFAULT_HISTORY_MIN_GO_LIVES
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneTemplate {
    pub key: MilestoneKey,
    pub name: Names,
    /// The customer mail sent when this milestone is reached, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_mail: Option<CustomerMail>,
    /// The go-live milestone: completed only by activation, always last.
    #[serde(default)]
    pub activation: bool,
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub expected_days: u16,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub default_tasks: Vec<TaskTemplate>,
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskTemplate {
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub title: String,
    /// Due date of the task, in days after the project's creation.
    #[cfg_attr(feature = "openapi", schema(maximum = 365))]
    pub due_offset_days: u16,
}

impl From<&template::Template> for Template {
    fn from(t: &template::Template) -> Self {
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

/// A stored version; its basis is the template's until history is learned.
impl From<Template> for template::Template {
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

impl From<&template::MilestoneTemplate> for MilestoneTemplate {
    fn from(m: &template::MilestoneTemplate) -> Self {
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

impl From<MilestoneTemplate> for template::MilestoneTemplate {
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
                .map(|t| template::TaskTemplate {
                    title: t.title,
                    due_offset_days: t.due_offset_days,
                })
                .collect(),
        }
    }
}

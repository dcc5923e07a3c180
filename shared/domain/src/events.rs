//! The events we publish (the contract, README: the events we emit):
//! names and details.
//!
//! Every name lives here once; the IaC, the schemas in `events/schemas/` and
//! the dispatcher refer to these constants.

use super::activation::ServiceSummary;
use super::deal::{Contact, Installation, Language, Site};
use super::forecast::{Basis, Health, Reason};
use super::hold_and_cancel::Category;
use super::ids::{OutboxId, ProjectId, TaskId};
use super::outbox::OutboxMessage;
use super::project::AccountInfo;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

/// The EventBridge `source` of every event of this service.
pub const SOURCE: &str = "bluerocktel.deployments";

/// EventBridge detail-types, exactly as the contract names them (README).
pub mod detail_type {
    pub const DEPLOYMENT_PROJECT_CREATED: &str = "DeploymentProjectCreated";
    pub const MILESTONE_COMPLETED: &str = "MilestoneCompleted";
    pub const TASK_BLOCKED: &str = "TaskBlocked";
    pub const TASK_ESCALATED: &str = "TaskEscalated";
    pub const SUBSCRIPTION_ACTIVATION_REQUESTED: &str = "SubscriptionActivationRequested";
    pub const CUSTOMER_ACCOUNT_ACTIVATED: &str = "CustomerAccountActivated";
    pub const HELPDESK_ACCOUNT_CONFIGURED: &str = "HelpdeskAccountConfigured";
    pub const DEPLOYMENT_PROJECT_UPDATED: &str = "DeploymentProjectUpdated";
    pub const DEPLOYMENT_PROJECT_HELD: &str = "DeploymentProjectHeld";
    pub const DEPLOYMENT_PROJECT_RESUMED: &str = "DeploymentProjectResumed";
    pub const DEPLOYMENT_PROJECT_CANCELLED: &str = "DeploymentProjectCancelled";
    pub const PROJECT_JEOPARDY_CHANGED: &str = "ProjectJeopardyChanged";

    pub const ALL: [&str; 12] = [
        DEPLOYMENT_PROJECT_CREATED,
        MILESTONE_COMPLETED,
        TASK_BLOCKED,
        TASK_ESCALATED,
        SUBSCRIPTION_ACTIVATION_REQUESTED,
        CUSTOMER_ACCOUNT_ACTIVATED,
        HELPDESK_ACCOUNT_CONFIGURED,
        DEPLOYMENT_PROJECT_UPDATED,
        DEPLOYMENT_PROJECT_HELD,
        DEPLOYMENT_PROJECT_RESUMED,
        DEPLOYMENT_PROJECT_CANCELLED,
        PROJECT_JEOPARDY_CHANGED,
    ];
}

/// Something that happened to a project, as the outside world sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum DomainEvent {
    ProjectCreated(ProjectCreated),
    MilestoneCompleted(MilestoneCompleted),
    TaskBlocked(TaskBlocked),
    TaskEscalated(TaskEscalated),
    SubscriptionActivationRequested(SubscriptionActivationRequested),
    CustomerAccountActivated(CustomerAccountActivated),
    HelpdeskAccountConfigured(HelpdeskAccountConfigured),
    ProjectUpdated(ProjectUpdated),
    ProjectHeld(ProjectHeld),
    ProjectResumed(ProjectResumed),
    ProjectCancelled(ProjectCancelled),
    JeopardyChanged(JeopardyChanged),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskEscalated {
    pub account_id: String,
    pub task_id: TaskId,
    pub milestone_key: String,
    pub title: String,
    pub assignee: String,
    pub blocked_reason: String,
    pub blocked_since: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub level: u8,
    pub notified: String,
    pub escalated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubscriptionActivationRequested {
    pub account_id: String,
    pub deal_id: String,
    pub subscription_ids: Vec<String>,
    /// Billing starts on this day: the go-live date.
    pub effective_date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CustomerAccountActivated {
    pub account_id: String,
    pub account_name: String,
    pub activated_at: DateTime<Utc>,
    pub go_live_date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HelpdeskAccountConfigured {
    pub account: AccountInfo,
    pub technical_contact: Contact,
    pub owner: String,
    pub go_live_date: NaiveDate,
    pub services: Vec<ConfiguredService>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfiguredService {
    pub line_id: String,
    pub service_type: String,
    pub name: String,
    pub subscription_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_summary: Option<ServiceSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectCreated {
    pub deal_id: String,
    pub line_id: String,
    pub account_id: String,
    pub account_name: String,
    pub language: Language,
    pub service_type: String,
    pub service_name: String,
    pub installation: Installation,
    pub subscription_id: String,
    pub owner: String,
    pub target_go_live: NaiveDate,
    pub template_version: u32,
    pub milestones: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MilestoneCompleted {
    pub account_id: String,
    pub milestone_key: String,
    pub position: u16,
    pub completed_at: DateTime<Utc>,
    pub completed_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_milestone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskBlocked {
    pub account_id: String,
    pub task_id: TaskId,
    pub milestone_key: String,
    pub title: String,
    pub assignee: String,
    pub blocked_reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_category: Option<Category>,
    pub blocked_at: DateTime<Utc>,
    pub due_date: NaiveDate,
}

/// A CRM change of the deal altered the project: the fields it changed,
/// and the project's values of every field a change may touch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectUpdated {
    pub account_id: String,
    pub deal_id: String,
    pub line_id: String,
    pub revision: u32,
    pub changed: Vec<String>,
    pub account_name: String,
    pub language: Language,
    pub technical_contact: Contact,
    pub owner: String,
    pub target_go_live: NaiveDate,
    pub service_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectHeld {
    pub account_id: String,
    pub deal_id: String,
    pub line_id: String,
    pub reason: String,
    pub category: Category,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    pub held_at: DateTime<Utc>,
    pub held_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectResumed {
    pub account_id: String,
    pub deal_id: String,
    pub line_id: String,
    /// The category of the hold that ends.
    pub category: Category,
    pub held_since: DateTime<Utc>,
    pub resumed_at: DateTime<Utc>,
    pub resumed_by: String,
    /// The length of the hold that ends.
    pub held_seconds: i64,
}

/// Billing must never activate `subscription_id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectCancelled {
    pub account_id: String,
    pub deal_id: String,
    pub line_id: String,
    pub service_type: String,
    pub subscription_id: String,
    pub reason: String,
    pub previous_status: String,
    pub cancelled_at: DateTime<Utc>,
    /// A staff member's e-mail, or `crm`.
    pub cancelled_by: String,
}

/// A project's `health` changed: why, and where it now stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JeopardyChanged {
    pub account_id: String,
    pub deal_id: String,
    pub line_id: String,
    pub owner: String,
    pub previous_health: Health,
    pub health: Health,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected_go_live: Option<NaiveDate>,
    pub target_go_live: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_days: Option<i64>,
    pub basis: Basis,
    pub reasons: Vec<Reason>,
    pub changed_at: DateTime<Utc>,
}

impl DomainEvent {
    pub fn detail_type(&self) -> &'static str {
        match self {
            Self::ProjectCreated(_) => detail_type::DEPLOYMENT_PROJECT_CREATED,
            Self::MilestoneCompleted(_) => detail_type::MILESTONE_COMPLETED,
            Self::TaskBlocked(_) => detail_type::TASK_BLOCKED,
            Self::TaskEscalated(_) => detail_type::TASK_ESCALATED,
            Self::SubscriptionActivationRequested(_) => {
                detail_type::SUBSCRIPTION_ACTIVATION_REQUESTED
            }
            Self::CustomerAccountActivated(_) => detail_type::CUSTOMER_ACCOUNT_ACTIVATED,
            Self::HelpdeskAccountConfigured(_) => detail_type::HELPDESK_ACCOUNT_CONFIGURED,
            Self::ProjectUpdated(_) => detail_type::DEPLOYMENT_PROJECT_UPDATED,
            Self::ProjectHeld(_) => detail_type::DEPLOYMENT_PROJECT_HELD,
            Self::ProjectResumed(_) => detail_type::DEPLOYMENT_PROJECT_RESUMED,
            Self::ProjectCancelled(_) => detail_type::DEPLOYMENT_PROJECT_CANCELLED,
            Self::JeopardyChanged(_) => detail_type::PROJECT_JEOPARDY_CHANGED,
        }
    }

    /// The outbox message publishing this event; `detail` starts with the
    /// stable `event_id` and the `project_id` every consumer relies on.
    pub fn into_message(self, event_id: &OutboxId, project_id: &ProjectId) -> OutboxMessage {
        let detail_type = self.detail_type().to_owned();
        let body = match self {
            Self::ProjectCreated(d) => serde_json::to_value(d),
            Self::MilestoneCompleted(d) => serde_json::to_value(d),
            Self::TaskBlocked(d) => serde_json::to_value(d),
            Self::TaskEscalated(d) => serde_json::to_value(d),
            Self::SubscriptionActivationRequested(d) => serde_json::to_value(d),
            Self::CustomerAccountActivated(d) => serde_json::to_value(d),
            Self::HelpdeskAccountConfigured(d) => serde_json::to_value(d),
            Self::ProjectUpdated(d) => serde_json::to_value(d),
            Self::ProjectHeld(d) => serde_json::to_value(d),
            Self::ProjectResumed(d) => serde_json::to_value(d),
            Self::ProjectCancelled(d) => serde_json::to_value(d),
            Self::JeopardyChanged(d) => serde_json::to_value(d),
        };
        let mut detail = serde_json::Map::new();
        detail.insert("event_id".into(), Value::String(event_id.to_string()));
        detail.insert("project_id".into(), Value::String(project_id.to_string()));
        // Details are plain structs of strings, numbers and dates: they
        // always serialize to objects.
        if let Ok(Value::Object(fields)) = body {
            detail.extend(fields);
        }
        OutboxMessage::Event { detail_type, detail: Value::Object(detail) }
    }
}

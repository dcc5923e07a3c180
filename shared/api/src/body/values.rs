//! Values nested in several bodies: identifiers, enumerations, contacts,
//! service lines.

use super::rules;
use domain::activation as da;
use domain::deal as dd;
use domain::deal_changes as dam;
use domain::hold_and_cancel as dl;
use domain::milestone as dm;
use domain::project as dp;
use domain::task as dt;
use domain::template as dtpl;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct ProjectId(String);

impl From<&domain::ProjectId> for ProjectId {
    fn from(id: &domain::ProjectId) -> Self {
        Self(id.to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct TaskId(String);

impl From<&domain::TaskId> for TaskId {
    fn from(id: &domain::TaskId) -> Self {
        Self(id.to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = rules::MachineKey)]
pub struct MilestoneKey(String);

impl MilestoneKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&dm::MilestoneKey> for MilestoneKey {
    fn from(key: &dm::MilestoneKey) -> Self {
        Self(key.to_string())
    }
}

impl From<MilestoneKey> for dm::MilestoneKey {
    fn from(key: MilestoneKey) -> Self {
        Self::from_raw(key.0)
    }
}

mirror_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Language mirrors dd::Language { Fr, En }
}

/// French unless the CRM says otherwise.
impl Default for Language {
    fn default() -> Self {
        Self::Fr
    }
}

mirror_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Installation mirrors dd::Installation { Physical, Logical, None }
}

mirror_enum! {
    /// The automatic customer mails of the product.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CustomerMail mirrors dm::CustomerMail { OrderConfirmed, DeliveryConfirmed, GoLive }
}

mirror_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum MilestoneStatus mirrors dm::MilestoneStatus { Pending, Completed }
}

mirror_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ProjectStatus mirrors dp::ProjectStatus { InProgress, OnHold, Cancelled, Live }
}

mirror_enum! {
    /// Why work stopped: of a hold, or of a blocked task.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Category mirrors dl::Category {
        Customer, Carrier, SiteAccess, Equipment, Internal, Other
    }
}

mirror_enum! {
    /// What a revision of the deal did to a project.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum LineOutcome mirrors dam::LineOutcome {
        Created, Updated, Unchanged, Cancelled, NotChangedLive
    }
}

mirror_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum TaskStatus mirrors dt::TaskStatus { Todo, InProgress, Done, Blocked }
}

#[derive(Serialize, ToSchema)]
pub struct AccountInfo {
    id: String,
    name: String,
    language: Language,
}

impl From<&dp::AccountInfo> for AccountInfo {
    fn from(a: &dp::AccountInfo) -> Self {
        Self { id: a.id.clone(), name: a.name.clone(), language: a.language.into() }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(value_type = rules::Name)]
    name: String,
    #[schema(value_type = rules::Email)]
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<rules::Phone>)]
    phone: Option<String>,
}

impl From<&dd::Contact> for Contact {
    fn from(c: &dd::Contact) -> Self {
        Self { name: c.name.clone(), email: c.email.clone(), phone: c.phone.clone() }
    }
}

impl From<Contact> for dd::Contact {
    fn from(c: Contact) -> Self {
        Self { name: c.name, email: c.email, phone: c.phone }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceLine {
    #[schema(value_type = rules::Identifier)]
    line_id: String,
    #[schema(value_type = rules::MachineKey)]
    service_type: String,
    #[schema(value_type = rules::Name)]
    name: String,
    installation: Installation,
    #[schema(value_type = rules::Identifier)]
    subscription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    site: Option<Site>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    #[schema(value_type = rules::Name)]
    label: String,
    #[schema(value_type = rules::Paragraph)]
    address: String,
}

impl From<&dd::ServiceLine> for ServiceLine {
    fn from(l: &dd::ServiceLine) -> Self {
        Self {
            line_id: l.line_id.clone(),
            service_type: l.service_type.clone(),
            name: l.name.clone(),
            installation: l.installation.into(),
            subscription_id: l.subscription_id.clone(),
            site: l
                .site
                .as_ref()
                .map(|s| Site { label: s.label.clone(), address: s.address.clone() }),
        }
    }
}

impl From<ServiceLine> for dd::ServiceLine {
    fn from(l: ServiceLine) -> Self {
        Self {
            line_id: l.line_id,
            service_type: l.service_type,
            name: l.name,
            installation: l.installation.into(),
            subscription_id: l.subscription_id,
            site: l.site.map(|s| dd::Site { label: s.label, address: s.address }),
        }
    }
}

/// The technical configuration of one service line, as installed.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSummary {
    /// A service line of the project, each described once.
    line_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<rules::Name>)]
    circuit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<rules::Paragraph>)]
    ip_addressing: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100, value_type = Vec<rules::Number>)]
    numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<rules::Paragraph>)]
    equipment: Option<String>,
    /// Anything else worth knowing (VLAN, SIP realm, ...): keys up to 64
    /// characters, values up to 2000, neither blank.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(schema_with = rules::details)]
    details: BTreeMap<String, String>,
}

impl From<&da::ServiceSummary> for ServiceSummary {
    fn from(s: &da::ServiceSummary) -> Self {
        Self {
            line_id: s.line_id.clone(),
            circuit_id: s.circuit_id.clone(),
            ip_addressing: s.ip_addressing.clone(),
            numbers: s.numbers.clone(),
            equipment: s.equipment.clone(),
            details: s.details.clone(),
        }
    }
}

impl From<ServiceSummary> for da::ServiceSummary {
    fn from(s: ServiceSummary) -> Self {
        Self {
            line_id: s.line_id,
            circuit_id: s.circuit_id,
            ip_addressing: s.ip_addressing,
            numbers: s.numbers,
            equipment: s.equipment,
            details: s.details,
        }
    }
}

/// A name in the two languages of the product.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Names {
    #[schema(value_type = rules::Name)]
    fr: String,
    #[schema(value_type = rules::Name)]
    en: String,
}

impl From<&dm::Names> for Names {
    fn from(n: &dm::Names) -> Self {
        Self { fr: n.fr.clone(), en: n.en.clone() }
    }
}

impl From<Names> for dm::Names {
    fn from(n: Names) -> Self {
        Self { fr: n.fr, en: n.en }
    }
}

/// Which template a project was created from.
#[derive(Serialize, ToSchema)]
pub struct TemplateRef {
    service_type: String,
    version: u32,
}

impl From<&dtpl::TemplateRef> for TemplateRef {
    fn from(t: &dtpl::TemplateRef) -> Self {
        Self { service_type: t.service_type.clone(), version: t.version }
    }
}

/// A task that keeps its milestone from completing (in `open-tasks` problems).
#[derive(Serialize)]
pub struct OpenTask {
    id: TaskId,
    title: String,
    status: TaskStatus,
}

impl From<&domain::milestone_changes::OpenTask> for OpenTask {
    fn from(t: &domain::milestone_changes::OpenTask) -> Self {
        Self { id: (&t.id).into(), title: t.title.clone(), status: t.status.into() }
    }
}

//! Values nested in projects, deals and templates: enumerations, contacts,
//! service lines, names.

#[cfg(feature = "openapi")]
use crate::rules;
use domain::deal;
use domain::milestone;
use domain::project;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

wire_enum! {
    pub enum Language mirrors deal::Language { Fr, En } as "lowercase"
}

/// French unless the CRM says otherwise.
impl Default for Language {
    fn default() -> Self {
        Self::Fr
    }
}

wire_enum! {
    pub enum Installation mirrors deal::Installation { Physical, Logical, None } as "lowercase"
}

wire_enum! {
    /// The automatic customer mails of the product.
    pub enum CustomerMail mirrors milestone::CustomerMail {
        OrderConfirmed, DeliveryConfirmed, GoLive
    } as "snake_case"
}

wire_enum! {
    pub enum MilestoneStatus mirrors milestone::MilestoneStatus { Pending, Completed }
    as "snake_case"
}

wire_enum! {
    pub enum ProjectStatus mirrors project::ProjectStatus { InProgress, OnHold, Cancelled, Live }
    as "snake_case"
}

wire_enum! {
    /// Why work stopped: of a hold, or of a blocked task.
    pub enum Category mirrors domain::hold_and_cancel::Category {
        Customer, Carrier, SiteAccess, Equipment, Internal, Other
    } as "snake_case"
}

wire_enum! {
    /// What a revision of the deal did to a project.
    pub enum LineOutcome mirrors domain::deal_changes::LineOutcome {
        Created, Updated, Unchanged, Cancelled, NotChangedLive
    } as "snake_case"
}

wire_enum! {
    pub enum TaskStatus mirrors domain::task::TaskStatus { Todo, InProgress, Done, Blocked }
    as "snake_case"
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    pub id: String,
    pub name: String,
    pub language: Language,
}

impl From<&project::AccountInfo> for AccountInfo {
    fn from(a: &project::AccountInfo) -> Self {
        Self { id: a.id.clone(), name: a.name.clone(), language: a.language.into() }
    }
}

impl From<AccountInfo> for project::AccountInfo {
    fn from(a: AccountInfo) -> Self {
        Self { id: a.id, name: a.name, language: a.language.into() }
    }
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Email))]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<rules::Phone>))]
    pub phone: Option<String>,
}

impl From<&deal::Contact> for Contact {
    fn from(c: &deal::Contact) -> Self {
        Self { name: c.name.clone(), email: c.email.clone(), phone: c.phone.clone() }
    }
}

impl From<Contact> for deal::Contact {
    fn from(c: Contact) -> Self {
        Self { name: c.name, email: c.email, phone: c.phone }
    }
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLine {
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Identifier))]
    pub line_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::MachineKey))]
    pub service_type: String,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub name: String,
    pub installation: Installation,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Identifier))]
    pub subscription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Paragraph))]
    pub address: String,
}

impl From<&deal::ServiceLine> for ServiceLine {
    fn from(l: &deal::ServiceLine) -> Self {
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

impl From<ServiceLine> for deal::ServiceLine {
    fn from(l: ServiceLine) -> Self {
        Self {
            line_id: l.line_id,
            service_type: l.service_type,
            name: l.name,
            installation: l.installation.into(),
            subscription_id: l.subscription_id,
            site: l.site.map(|s| deal::Site { label: s.label, address: s.address }),
        }
    }
}

/// The technical configuration of one service line, as installed.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceSummary {
    /// A service line of the project, each described once.
    pub line_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<rules::Name>))]
    pub circuit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<rules::Paragraph>))]
    pub ip_addressing: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 100, value_type = Vec<rules::Number>))]
    pub numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<rules::Paragraph>))]
    pub equipment: Option<String>,
    /// Anything else worth knowing (VLAN, SIP realm, ...): keys up to 64
    /// characters, values up to 2000, neither blank.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(schema_with = rules::details))]
    pub details: BTreeMap<String, String>,
}

impl From<&domain::activation::ServiceSummary> for ServiceSummary {
    fn from(s: &domain::activation::ServiceSummary) -> Self {
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

impl From<ServiceSummary> for domain::activation::ServiceSummary {
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
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Names {
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub fr: String,
    #[cfg_attr(feature = "openapi", schema(value_type = rules::Name))]
    pub en: String,
}

impl From<&milestone::Names> for Names {
    fn from(n: &milestone::Names) -> Self {
        Self { fr: n.fr.clone(), en: n.en.clone() }
    }
}

impl From<Names> for milestone::Names {
    fn from(n: Names) -> Self {
        Self { fr: n.fr, en: n.en }
    }
}

/// Which template a project was created from.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateRef {
    pub service_type: String,
    pub version: u32,
}

impl From<&domain::template::TemplateRef> for TemplateRef {
    fn from(t: &domain::template::TemplateRef) -> Self {
        Self { service_type: t.service_type.clone(), version: t.version }
    }
}

impl From<TemplateRef> for domain::template::TemplateRef {
    fn from(t: TemplateRef) -> Self {
        Self { service_type: t.service_type, version: t.version }
    }
}

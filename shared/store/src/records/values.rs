//! Value types nested in several records.

use domain::activation as da;
use domain::deal as dd;
use domain::deal_changes as dam;
use domain::hold_and_cancel as dl;
use domain::milestone as dm;
use domain::project as dp;
use domain::template as dt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Language mirrors dd::Language { Fr, En }
}

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Installation mirrors dd::Installation { Physical, Logical, None }
}

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CustomerMail mirrors dm::CustomerMail {
        OrderConfirmed, DeliveryConfirmed, GoLive
    }
}

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ProjectStatus mirrors dp::ProjectStatus {
        InProgress, OnHold, Cancelled, Live
    }
}

mirror_enum! {
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Category mirrors dl::Category {
        Customer, Carrier, SiteAccess, Equipment, Internal, Other
    }
}

mirror_enum! {
    #[derive(Clone, Copy, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum LineOutcome mirrors dam::LineOutcome {
        Created, Updated, Unchanged, Cancelled, NotChangedLive
    }
}

#[derive(Serialize, Deserialize)]
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

impl From<AccountInfo> for dp::AccountInfo {
    fn from(a: AccountInfo) -> Self {
        Self { id: a.id, name: a.name, language: a.language.into() }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Contact {
    name: String,
    email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[derive(Serialize, Deserialize)]
pub struct Site {
    label: String,
    address: String,
}

#[derive(Serialize, Deserialize)]
pub struct ServiceLine {
    line_id: String,
    service_type: String,
    name: String,
    installation: Installation,
    subscription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    site: Option<Site>,
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

/// The technical configuration of a line recorded at go-live.
#[derive(Serialize, Deserialize)]
pub struct ServiceSummary {
    line_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    circuit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_addressing: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equipment: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
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

/// A name in the product's two languages.
#[derive(Serialize, Deserialize)]
pub struct Names {
    fr: String,
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

/// Which template (and version) a project was created from.
#[derive(Serialize, Deserialize)]
pub struct TemplateRef {
    service_type: String,
    version: u32,
}

impl From<&dt::TemplateRef> for TemplateRef {
    fn from(t: &dt::TemplateRef) -> Self {
        Self { service_type: t.service_type.clone(), version: t.version }
    }
}

impl From<TemplateRef> for dt::TemplateRef {
    fn from(t: TemplateRef) -> Self {
        Self { service_type: t.service_type, version: t.version }
    }
}

/// Whether a counter is at its default, which records leave out.
pub fn is_zero<N: Default + PartialEq>(n: &N) -> bool {
    *n == N::default()
}

/// Maps each element of a slice into a record.
pub fn each<'a, D: 'a, R: From<&'a D>>(items: &'a [D]) -> Vec<R> {
    items.iter().map(R::from).collect()
}

/// Maps each record back into the domain.
pub fn back<R, D: From<R>>(items: Vec<R>) -> Vec<D> {
    items.into_iter().map(D::from).collect()
}

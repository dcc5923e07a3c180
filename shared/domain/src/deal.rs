//! The CRM's "deal won" message (the contract's CRM webhook, README) and its rules.

use super::validation::{Errors, FieldError, MAX_ID, MAX_NAME, MAX_TEXT, is_machine_key};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// Most service lines one deal may carry.
pub const MAX_SERVICE_LINES: usize = 50;
/// How far in the future a `won_at` may be (clock skew between systems).
pub const WON_AT_FUTURE_TOLERANCE: Duration = Duration::minutes(5);

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DealWon {
    pub deal_id: String,
    pub won_at: DateTime<Utc>,
    pub account: Account,
    pub technical_contact: Contact,
    pub owner: String,
    pub target_go_live: NaiveDate,
    pub services: Vec<ServiceLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// The language of customer mail; French unless the CRM says otherwise.
    pub language: Language,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Fr,
    En,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceLine {
    pub line_id: String,
    pub service_type: String,
    pub name: String,
    pub installation: Installation,
    pub subscription_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Installation {
    Physical,
    Logical,
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    pub label: String,
    pub address: String,
}

impl ServiceLine {
    /// Services with nothing to install physically or logically get no project.
    pub fn needs_installation(&self) -> bool {
        self.installation != Installation::None
    }
}

impl DealWon {
    /// The lines that become projects, in the order the CRM sent them.
    pub fn installable_lines(&self) -> impl Iterator<Item = &ServiceLine> {
        self.services.iter().filter(|line| line.needs_installation())
    }

    /// Every business rule of an incoming deal, all errors at once.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.identifier("deal_id", &self.deal_id);
        if self.won_at > now + WON_AT_FUTURE_TOLERANCE {
            e.add("won_at", "must not be in the future");
        }
        e.identifier("account.id", &self.account.id);
        e.text("account.name", &self.account.name, MAX_NAME);
        e.text("technical_contact.name", &self.technical_contact.name, MAX_NAME);
        e.email("technical_contact.email", &self.technical_contact.email);
        if let Some(phone) = &self.technical_contact.phone
            && !is_phone(phone)
        {
            e.add("technical_contact.phone", "must be a phone number such as +33612345678");
        }
        e.email("owner", &self.owner);
        if self.target_go_live < self.won_at.date_naive() {
            e.add("target_go_live", "must not be before won_at");
        }
        if self.services.is_empty() {
            e.add("services", "must list at least one service");
        } else if self.services.len() > MAX_SERVICE_LINES {
            e.add("services", format!("must list at most {MAX_SERVICE_LINES} services"));
        }
        for (i, line) in self.services.iter().enumerate() {
            let at = |field: &str| format!("services[{i}].{field}");
            e.identifier(&at("line_id"), &line.line_id);
            if self.services[..i].iter().any(|other| other.line_id == line.line_id) {
                e.add(at("line_id"), "must be unique within the deal");
            }
            if !is_machine_key(&line.service_type) {
                e.add(
                    at("service_type"),
                    format!("must be 1 to {MAX_ID} lower-case letters, digits or _"),
                );
            }
            e.text(&at("name"), &line.name, MAX_NAME);
            e.identifier(&at("subscription_id"), &line.subscription_id);
            if let Some(site) = &line.site {
                e.text(&at("site.label"), &site.label, MAX_NAME);
                e.text(&at("site.address"), &site.address, MAX_TEXT);
            }
        }
        e.into_result()
    }
}

fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (4..=20).contains(&digits)
        && value.len() <= 32
        && value.chars().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')') || (c == '+' && i == 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    fn now() -> DateTime<Utc> {
        "2026-11-28T09:00:00Z".parse().unwrap()
    }

    fn fields(deal: &DealWon) -> Vec<String> {
        deal.validate(now()).err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn sample_deal_is_valid() {
        assert_eq!(sample().validate(now()), Ok(()));
    }

    #[test]
    fn only_lines_needing_installation_become_projects() {
        let deal = sample();
        let lines: Vec<_> = deal.installable_lines().map(|l| l.line_id.as_str()).collect();
        assert_eq!(lines, ["L1", "L2"]);
    }

    #[test]
    fn every_invalid_field_is_named() {
        let mut deal = sample();
        deal.deal_id = "D 42".into();
        deal.technical_contact.email = "not-an-email".into();
        deal.services[1].line_id = "L1".into();
        deal.services[0].service_type = "Fibre".into();
        deal.target_go_live = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            fields(&deal),
            [
                "deal_id",
                "technical_contact.email",
                "target_go_live",
                "services[0].service_type",
                "services[1].line_id"
            ]
        );
    }

    #[test]
    fn a_deal_needs_services_and_a_past_won_at() {
        let mut deal = sample();
        deal.services.clear();
        deal.won_at = now() + Duration::hours(1);
        deal.target_go_live = (now() + Duration::days(30)).date_naive();
        assert_eq!(fields(&deal), ["won_at", "services"]);
    }

    #[test]
    fn phone_numbers_are_checked_when_present() {
        assert!(is_phone("+33612345678"));
        assert!(is_phone("04 72 00 00 00"));
        assert!(!is_phone("call me"));
        assert!(!is_phone("33+6"));
        let mut deal = sample();
        deal.technical_contact.phone = None;
        assert_eq!(deal.validate(now()), Ok(()));
    }
}

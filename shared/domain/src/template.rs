//! Milestone templates per service type ("Settings → Deployment templates").
//!
//! A project copies its template's milestones when it is created and records
//! which version it came from, so later edits never change running projects.

use super::forecast::{Basis, DEFAULT_AT_RISK_DAYS, DEFAULT_HISTORY_MIN_GO_LIVES};
use super::go_live_facts::LEARNING_WINDOW;
use super::milestone::{CustomerMail, MilestoneKey, Names};
use super::validation::{Errors, FieldError, MAX_NAME, is_machine_key};
use serde::Serialize;

/// Version of the built-in default template; stored templates start at 1.
pub const DEFAULT_VERSION: u32 = 0;
/// Most items one change may write: what one transaction of the store
/// takes (DynamoDB's TransactWriteItems limit).
pub const MAX_CHANGE_ITEMS: usize = 100;
/// Bounds that keep a project within one store transaction.
pub const MAX_MILESTONES: usize = 12;
pub const MAX_DEFAULT_TASKS: usize = 10;
/// Default tasks of a whole template: a new project (header, milestones,
/// tasks, history, outbox, account, intake record) must fit one transaction.
pub const MAX_TEMPLATE_TASKS: usize = 60;
pub const MAX_EXPECTED_DAYS: u16 = 365;

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub service_type: String,
    pub version: u32,
    pub milestones: Vec<MilestoneTemplate>,
    /// Less slack than this many days is `at_risk`.
    pub at_risk_days: u16,
    /// Go-lives of the service type after which durations are learned.
    pub history_min_go_lives: u16,
    /// Where `expected_days` come from: as edited, or learned when a
    /// project is planned (never stored).
    pub basis: Basis,
    /// When and by whom this version was saved (absent for the built-in default).
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub updated_by: Option<String>,
}

/// An edit of a template: its milestones, with the service type and the
/// version it started from when the editor gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateInput {
    pub service_type: Option<String>,
    /// The version the edit started from: a stale one is a conflict.
    pub version: Option<u32>,
    pub milestones: Vec<MilestoneTemplate>,
    /// Absent: as in the current version.
    pub at_risk_days: Option<u16>,
    pub history_min_go_lives: Option<u16>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneTemplate {
    pub key: MilestoneKey,
    pub name: Names,
    /// The customer mail sent when this milestone is reached, if any.
    pub customer_mail: Option<CustomerMail>,
    /// The go-live milestone: completed only by activation, always last.
    pub activation: bool,
    pub expected_days: u16,
    pub default_tasks: Vec<TaskTemplate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskTemplate {
    pub title: String,
    /// Due date of the task, in days after the project's creation.
    pub due_offset_days: u16,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("the template changed since it was read (now at version {current})")]
    Stale { current: u32 },
    #[error("the template is invalid")]
    Invalid(Vec<FieldError>),
}

/// Which template a project was created from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateRef {
    pub service_type: String,
    pub version: u32,
}

/// A milestone of the default template: key, names (fr, en), customer
/// mail, expected days.
type DefaultMilestone = (&'static str, &'static str, &'static str, Option<CustomerMail>, u16);

/// The product's milestones (DESIGN.md §1.2), in order.
const DEFAULT_MILESTONES: [DefaultMilestone; 6] = [
    (
        MilestoneKey::ORDER_CONFIRMED,
        "Commande confirmée",
        "Order confirmed",
        Some(CustomerMail::OrderConfirmed),
        2,
    ),
    (MilestoneKey::EQUIPMENT_ORDERED, "Équipement commandé", "Equipment ordered", None, 5),
    (
        MilestoneKey::DELIVERY_CONFIRMED,
        "Livraison confirmée",
        "Delivery confirmed",
        Some(CustomerMail::DeliveryConfirmed),
        15,
    ),
    (MilestoneKey::INSTALLATION_DONE, "Installation terminée", "Installation done", None, 7),
    (MilestoneKey::CUSTOMER_ACCEPTANCE, "Acceptation client", "Customer acceptance", None, 5),
    (MilestoneKey::GO_LIVE, "Mise en service", "Go-live", Some(CustomerMail::GoLive), 2),
];

impl Template {
    /// The seed's six milestones, used by every service type without a stored template.
    pub fn default_for(service_type: &str) -> Self {
        let milestone =
            |&(key, fr, en, customer_mail, expected_days): &DefaultMilestone| MilestoneTemplate {
                key: MilestoneKey::from_raw(key),
                name: Names { fr: fr.into(), en: en.into() },
                customer_mail,
                activation: key == MilestoneKey::GO_LIVE,
                expected_days,
                default_tasks: Vec::new(),
            };
        Self {
            service_type: service_type.to_owned(),
            version: DEFAULT_VERSION,
            milestones: DEFAULT_MILESTONES.iter().map(milestone).collect(),
            at_risk_days: DEFAULT_AT_RISK_DAYS,
            history_min_go_lives: DEFAULT_HISTORY_MIN_GO_LIVES,
            basis: Basis::Template,
            updated_at: None,
            updated_by: None,
        }
    }

    /// The next version of `current` (stored or default) edited as `input`.
    pub fn edited(
        current: &Template,
        input: TemplateInput,
        actor: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Template, TemplateError> {
        if let Some(version) = input.version
            && version != current.version
        {
            return Err(TemplateError::Stale { current: current.version });
        }
        let mut e = Errors::new();
        if input.service_type.as_deref().is_some_and(|t| t != current.service_type) {
            e.add("service_type", "must be the service type of the URL");
        }
        e.into_result().map_err(TemplateError::Invalid)?;
        let next = Template {
            service_type: current.service_type.clone(),
            version: current.version + 1,
            milestones: input.milestones,
            at_risk_days: input.at_risk_days.unwrap_or(current.at_risk_days),
            history_min_go_lives: input
                .history_min_go_lives
                .unwrap_or(current.history_min_go_lives),
            basis: Basis::Template,
            updated_at: Some(now),
            updated_by: Some(actor.to_owned()),
        };
        next.validate().map_err(TemplateError::Invalid)?;
        Ok(next)
    }

    pub fn reference(&self) -> TemplateRef {
        TemplateRef { service_type: self.service_type.clone(), version: self.version }
    }

    /// The structural rules of a template, every error at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !is_machine_key(&self.service_type) {
            e.add("service_type", "must be lower-case letters, digits or _");
        }
        if self.milestones.len() < 2 || self.milestones.len() > MAX_MILESTONES {
            e.add("milestones", format!("must list 2 to {MAX_MILESTONES} milestones"));
        }
        self.check_totals(&mut e);
        for (i, m) in self.milestones.iter().enumerate() {
            let at = |field: &str| format!("milestones[{i}].{field}");
            if !is_machine_key(m.key.as_str()) {
                e.add(at("key"), "must be lower-case letters, digits or _");
            } else if self.milestones[..i].iter().any(|other| other.key == m.key) {
                e.add(at("key"), "must be unique within the template");
            }
            e.text(&at("name.fr"), &m.name.fr, MAX_NAME);
            e.text(&at("name.en"), &m.name.en, MAX_NAME);
            if m.customer_mail == Some(CustomerMail::GoLive) && !m.activation {
                e.add(at("customer_mail"), "the go_live mail belongs to the activation milestone");
            }
            if m.expected_days > MAX_EXPECTED_DAYS {
                e.add(at("expected_days"), format!("must be at most {MAX_EXPECTED_DAYS}"));
            }
            if m.default_tasks.len() > MAX_DEFAULT_TASKS {
                e.add(at("default_tasks"), format!("must list at most {MAX_DEFAULT_TASKS} tasks"));
            }
            for (j, t) in m.default_tasks.iter().enumerate() {
                e.text(&at(&format!("default_tasks[{j}].title")), &t.title, MAX_NAME);
                if t.due_offset_days > MAX_EXPECTED_DAYS {
                    e.add(
                        at(&format!("default_tasks[{j}].due_offset_days")),
                        format!("must be at most {MAX_EXPECTED_DAYS}"),
                    );
                }
            }
        }
        e.into_result()
    }

    /// The rules of the template as a whole: one activation milestone,
    /// last; the default tasks in all; the forecasting settings.
    fn check_totals(&self, e: &mut Errors) {
        let activations = self.milestones.iter().filter(|m| m.activation).count();
        if activations != 1 || !self.milestones.last().is_some_and(|m| m.activation) {
            e.add("milestones", "must have exactly one activation milestone, and it must be last");
        }
        if self.at_risk_days > MAX_EXPECTED_DAYS {
            e.add("at_risk_days", format!("must be at most {MAX_EXPECTED_DAYS}"));
        }
        let learning = 1..=LEARNING_WINDOW as u16;
        if !learning.contains(&self.history_min_go_lives) {
            e.add("history_min_go_lives", format!("must be 1 to {LEARNING_WINDOW}"));
        }
        let tasks: usize = self.milestones.iter().map(|m| m.default_tasks.len()).sum();
        if tasks > MAX_TEMPLATE_TASKS {
            e.add(
                "milestones",
                format!("must hold at most {MAX_TEMPLATE_TASKS} default tasks in all"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template_is_the_seeds_six_milestones_in_order() {
        let t = Template::default_for("fibre_ftto");
        let keys: Vec<_> = t.milestones.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "order_confirmed",
                "equipment_ordered",
                "delivery_confirmed",
                "installation_done",
                "customer_acceptance",
                "go_live"
            ]
        );
        let fr: Vec<_> = t.milestones.iter().map(|m| m.name.fr.as_str()).collect();
        assert_eq!(
            fr,
            [
                "Commande confirmée",
                "Équipement commandé",
                "Livraison confirmée",
                "Installation terminée",
                "Acceptation client",
                "Mise en service"
            ]
        );
        assert_eq!(t.version, DEFAULT_VERSION);
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn default_template_mails_the_customer_at_the_three_key_milestones() {
        let t = Template::default_for("x");
        let mails: Vec<_> = t
            .milestones
            .iter()
            .filter_map(|m| m.customer_mail.map(|c| (m.key.as_str(), c)))
            .collect();
        assert_eq!(
            mails,
            [
                ("order_confirmed", CustomerMail::OrderConfirmed),
                ("delivery_confirmed", CustomerMail::DeliveryConfirmed),
                ("go_live", CustomerMail::GoLive)
            ]
        );
    }

    #[test]
    fn activation_must_be_unique_and_last() {
        let mut t = Template::default_for("x");
        t.milestones.swap(4, 5);
        assert!(t.validate().unwrap_err().iter().any(|e| e.field == "milestones"));
        let mut t = Template::default_for("x");
        t.milestones[0].activation = true;
        assert!(t.validate().unwrap_err().iter().any(|e| e.field == "milestones"));
    }

    #[test]
    fn a_new_project_of_the_largest_template_fits_one_transaction() {
        let items = 1 + MAX_MILESTONES + MAX_TEMPLATE_TASKS + 1 + 1 + 1 + 1;
        assert!(items <= MAX_CHANGE_ITEMS, "{items} items");
        let mut t = Template::default_for("x");
        for m in &mut t.milestones {
            m.default_tasks =
                vec![TaskTemplate { title: "t".into(), due_offset_days: 1 }; MAX_DEFAULT_TASKS];
        }
        assert_eq!(t.validate(), Ok(()), "6 × 10 = {MAX_TEMPLATE_TASKS} tasks fit");
        let mut extra = t.milestones[0].clone();
        extra.key = MilestoneKey::from_raw("site_survey");
        extra.default_tasks.truncate(1);
        t.milestones.insert(1, extra);
        assert!(
            t.validate().unwrap_err().iter().any(|e| e.message.contains("default tasks in all"))
        );
    }

    #[test]
    fn an_edit_makes_the_next_version_and_refuses_a_stale_base() {
        let current = Template::default_for("sip_trunk");
        let input = TemplateInput {
            service_type: None,
            version: Some(0),
            milestones: current.milestones[1..].to_vec(),
            at_risk_days: Some(3),
            history_min_go_lives: None,
        };
        let now = "2026-11-28T09:00:00Z".parse().unwrap();
        let next = Template::edited(&current, input.clone(), "admin@bluerocktel.fr", now).unwrap();
        assert_eq!(
            (next.version, next.milestones.len(), next.updated_by.as_deref()),
            (1, 5, Some("admin@bluerocktel.fr"))
        );
        assert_eq!((next.at_risk_days, next.history_min_go_lives), (3, 10), "absent: kept");
        let stale = Template::edited(&next, input.clone(), "admin", now);
        assert_eq!(stale, Err(TemplateError::Stale { current: 1 }));
        let other =
            TemplateInput { service_type: Some("fibre_ftto".into()), version: None, ..input };
        assert!(matches!(
            Template::edited(&current, other, "admin", now),
            Err(TemplateError::Invalid(_))
        ));
    }

    #[test]
    fn milestone_keys_must_be_unique() {
        let mut t = Template::default_for("x");
        t.milestones[1].key = MilestoneKey::from_raw("order_confirmed");
        let errors = t.validate().unwrap_err();
        assert_eq!(errors[0].field, "milestones[1].key");
    }
}

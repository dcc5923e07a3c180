//! Go-live (*Mise en service*): the project becomes live, billing starts on
//! the go-live date, the account becomes active the first time, and the
//! helpdesk learns the technical configuration. One change, one commit.

use super::account::AccountChange;
use super::events::{self, DomainEvent};
use super::milestone::{CustomerMail, MilestoneKey, MilestoneStatus};
use super::project::{Change, Project, ProjectStatus, Recorder};
use super::validation::{Errors, FieldError, MAX_NAME, MAX_TEXT};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use thiserror::Error;

/// Most free key/values one service's summary carries.
pub const MAX_DETAILS: usize = 30;
/// Most phone numbers one service's summary lists.
pub const MAX_NUMBERS: usize = 100;

/// The technical configuration of one service line, as installed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceSummary {
    pub line_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_addressing: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equipment: Option<String>,
    /// Anything else worth knowing (VLAN, SIP realm, ...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// Input of [`Project::activate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    pub go_live_date: NaiveDate,
    pub technical_summary: Vec<ServiceSummary>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ActivationError {
    #[error("milestones must be completed before go-live")]
    MilestonesPending { pending: Vec<MilestoneKey> },
    #[error("the project is {}: it cannot go live", .0.label())]
    Frozen(ProjectStatus),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
}

impl Activation {
    fn validate(&self, project: &Project, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if self.go_live_date > today {
            e.add("go_live_date", "must not be in the future");
        }
        if self.go_live_date < project.won_at.date_naive() {
            e.add(
                "go_live_date",
                format!("must not be before the deal was won ({})", project.won_at.date_naive()),
            );
        }
        for service in &project.services {
            if !self.technical_summary.iter().any(|s| s.line_id == service.line_id) {
                e.add(
                    "technical_summary",
                    format!("must describe service line {}", service.line_id),
                );
            }
        }
        for (i, s) in self.technical_summary.iter().enumerate() {
            let at = |field: &str| format!("technical_summary[{i}].{field}");
            if !project.services.iter().any(|l| l.line_id == s.line_id) {
                e.add(at("line_id"), "is not a service line of this project");
            } else if self.technical_summary[..i].iter().any(|o| o.line_id == s.line_id) {
                e.add(at("line_id"), "is described twice");
            }
            e.optional_text(&at("circuit_id"), s.circuit_id.as_deref(), MAX_NAME);
            e.optional_text(&at("ip_addressing"), s.ip_addressing.as_deref(), MAX_TEXT);
            e.optional_text(&at("equipment"), s.equipment.as_deref(), MAX_TEXT);
            if s.numbers.len() > MAX_NUMBERS {
                e.add(at("numbers"), format!("must list at most {MAX_NUMBERS} numbers"));
            }
            for (j, n) in s.numbers.iter().enumerate() {
                e.text(&at(&format!("numbers[{j}]")), n, 32);
            }
            if s.details.len() > MAX_DETAILS {
                e.add(at("details"), format!("must hold at most {MAX_DETAILS} entries"));
            }
            for (key, value) in &s.details {
                e.text(&at(&format!("details.{key}")), key, 64);
                e.text(&at(&format!("details.{key}")), value, MAX_TEXT);
            }
        }
        e.into_result()
    }
}

/// A milestone completed by go-live: its key, position and customer mail.
type Completed = (MilestoneKey, u16, Option<CustomerMail>);

impl Project {
    /// Takes the project live. `Ok(None)` if it already is (a retried
    /// request must not start billing twice). `account_active` tells whether
    /// an earlier project of the account already went live.
    pub fn activate(
        &mut self,
        input: &Activation,
        account_active: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Change>, ActivationError> {
        match self.status {
            ProjectStatus::Live => return Ok(None),
            ProjectStatus::InProgress => {}
            status => return Err(ActivationError::Frozen(status)),
        }
        let pending: Vec<MilestoneKey> = self
            .milestones
            .iter()
            .filter(|m| !m.activation && !m.is_completed())
            .map(|m| m.key.clone())
            .collect();
        if !pending.is_empty() {
            return Err(ActivationError::MilestonesPending { pending });
        }
        input.validate(self, now.date_naive()).map_err(ActivationError::Invalid)?;
        let completed = self.go_live(input, actor, now);

        let mut rec = Recorder::new(&self.id, self.version, now, actor);
        let after = json!({
            "status": "live",
            "go_live_date": input.go_live_date,
            "technical_summary": input.technical_summary,
        });
        rec.history(
            "project.activated",
            self.id.as_str(),
            Some(json!({ "status": "in_progress" })),
            Some(after),
        );
        for event in self.go_live_events(&completed, input, account_active, actor, now) {
            rec.event(event);
        }
        if completed.iter().any(|(_, _, mail)| *mail == Some(CustomerMail::GoLive)) {
            let to = &self.technical_contact.email;
            rec.mail(CustomerMail::GoLive, to, self.account.language, self.mail_context());
        }
        let mut change = rec.finish();
        change.milestones = completed.into_iter().map(|(key, _, _)| key).collect();
        if !account_active {
            let (id, project_id) = (self.account.id.clone(), self.id.to_string());
            change.account = Some(AccountChange::Activated { id, at: now, project_id });
        }
        change.facts = self.go_live_facts();
        Ok(Some(change))
    }

    /// Completes the activation milestone and makes the project live, at
    /// its next version; what it completed.
    fn go_live(&mut self, input: &Activation, actor: &str, now: DateTime<Utc>) -> Vec<Completed> {
        let mut completed = Vec::new();
        for m in self.milestones.iter_mut().filter(|m| m.activation) {
            m.status = MilestoneStatus::Completed;
            m.completed_at = Some(now);
            m.completed_by = Some(actor.to_owned());
            completed.push((m.key.clone(), m.position, m.customer_mail));
        }
        self.status = ProjectStatus::Live;
        self.go_live_date = Some(input.go_live_date);
        self.technical_summary = input.technical_summary.clone();
        self.version += 1;
        self.updated_at = now;
        completed
    }

    /// What go-live tells the world: the milestones completed, billing to
    /// start, the account activated (the first time), the helpdesk briefed.
    fn go_live_events(
        &self,
        completed: &[Completed],
        input: &Activation,
        account_active: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Vec<DomainEvent> {
        let account_id = self.account.id.clone();
        let mut events: Vec<DomainEvent> = completed
            .iter()
            .map(|(key, position, _)| {
                DomainEvent::MilestoneCompleted(events::MilestoneCompleted {
                    account_id: account_id.clone(),
                    milestone_key: key.to_string(),
                    position: *position,
                    completed_at: now,
                    completed_by: actor.to_owned(),
                    next_milestone: None,
                })
            })
            .collect();
        let subscription_ids = self.services.iter().map(|s| s.subscription_id.clone()).collect();
        events.push(DomainEvent::SubscriptionActivationRequested(
            events::SubscriptionActivationRequested {
                account_id: account_id.clone(),
                deal_id: self.deal_id.clone(),
                subscription_ids,
                effective_date: input.go_live_date,
            },
        ));
        if !account_active {
            events.push(DomainEvent::CustomerAccountActivated(events::CustomerAccountActivated {
                account_id,
                account_name: self.account.name.clone(),
                activated_at: now,
                go_live_date: input.go_live_date,
            }));
        }
        events.push(DomainEvent::HelpdeskAccountConfigured(self.helpdesk_brief(input)));
        events
    }

    /// The account's new technical configuration, line by line.
    fn helpdesk_brief(&self, input: &Activation) -> events::HelpdeskAccountConfigured {
        let summary_of =
            |line_id: &str| input.technical_summary.iter().find(|s| s.line_id == line_id).cloned();
        let services = self
            .services
            .iter()
            .map(|line| events::ConfiguredService {
                line_id: line.line_id.clone(),
                service_type: line.service_type.clone(),
                name: line.name.clone(),
                subscription_id: line.subscription_id.clone(),
                site: line.site.clone(),
                technical_summary: summary_of(&line.line_id),
            })
            .collect();
        events::HelpdeskAccountConfigured {
            account: self.account.clone(),
            technical_contact: self.technical_contact.clone(),
            owner: self.owner.clone(),
            go_live_date: input.go_live_date,
            services,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{now, project};
    use crate::milestone_changes::CompleteMilestone;
    use crate::outbox::OutboxMessage;
    use chrono::Duration;

    fn ready() -> Project {
        let (mut p, _) = project();
        for key in [
            "order_confirmed",
            "equipment_ordered",
            "delivery_confirmed",
            "installation_done",
            "customer_acceptance",
        ] {
            p.complete_milestone(key, CompleteMilestone::default(), "pm", now()).unwrap();
        }
        p
    }

    fn activation() -> Activation {
        Activation {
            go_live_date: now().date_naive(),
            technical_summary: vec![ServiceSummary {
                line_id: "L1".into(),
                circuit_id: Some("FTTO-LYO-004211".into()),
                ip_addressing: Some("203.0.113.16/29".into()),
                numbers: vec![],
                equipment: Some("Cisco C1111-4P".into()),
                details: BTreeMap::from([("vlan".into(), "120".into())]),
            }],
        }
    }

    fn kinds(change: &Change) -> Vec<String> {
        change
            .outbox
            .iter()
            .map(|e| match &e.message {
                OutboxMessage::Event { detail_type, .. } => detail_type.clone(),
                OutboxMessage::Mail { template, .. } => format!("mail {template:?}"),
            })
            .collect()
    }

    #[test]
    fn going_live_requests_billing_activates_the_account_and_briefs_the_helpdesk() {
        let mut p = ready();
        let change = p.activate(&activation(), false, "pm", now()).unwrap().unwrap();
        assert_eq!(
            kinds(&change),
            [
                "MilestoneCompleted",
                "SubscriptionActivationRequested",
                "CustomerAccountActivated",
                "HelpdeskAccountConfigured",
                "mail GoLive"
            ]
        );
        assert_eq!(p.status, ProjectStatus::Live);
        assert!(p.milestones.iter().all(|m| m.is_completed()));
        let OutboxMessage::Event { detail, .. } = &change.outbox[1].message else {
            panic!("an event")
        };
        assert_eq!(detail["subscription_ids"], json!(["SUB-9001"]));
        assert_eq!(detail["effective_date"], now().date_naive().to_string());
        assert!(matches!(change.account, Some(AccountChange::Activated { .. })));
    }

    #[test]
    fn an_account_already_active_is_not_activated_again() {
        let mut p = ready();
        let change = p.activate(&activation(), true, "pm", now()).unwrap().unwrap();
        assert!(!kinds(&change).contains(&"CustomerAccountActivated".to_owned()));
        assert_eq!(change.account, None);
    }

    #[test]
    fn activating_twice_is_a_no_op() {
        let mut p = ready();
        p.activate(&activation(), false, "pm", now()).unwrap();
        assert_eq!(p.activate(&activation(), false, "pm", now()), Ok(None));
    }

    #[test]
    fn every_milestone_before_go_live_must_be_completed() {
        let (mut p, _) = project();
        p.complete_milestone("order_confirmed", CompleteMilestone::default(), "pm", now()).unwrap();
        let Err(ActivationError::MilestonesPending { pending }) =
            p.activate(&activation(), false, "pm", now())
        else {
            panic!()
        };
        assert_eq!(pending.len(), 4);
        assert_eq!(pending[0].as_str(), "equipment_ordered");
    }

    #[test]
    fn the_go_live_date_is_neither_future_nor_before_the_deal() {
        let mut p = ready();
        let mut future = activation();
        future.go_live_date = (now() + Duration::days(1)).date_naive();
        let Err(ActivationError::Invalid(errors)) = p.activate(&future, false, "pm", now()) else {
            panic!()
        };
        assert_eq!(errors[0].field, "go_live_date");
        let mut early = activation();
        early.go_live_date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(matches!(p.activate(&early, false, "pm", now()), Err(ActivationError::Invalid(_))));
    }

    #[test]
    fn the_summary_describes_exactly_the_projects_services() {
        let mut p = ready();
        let mut wrong = activation();
        wrong.technical_summary[0].line_id = "L9".into();
        let Err(ActivationError::Invalid(errors)) = p.activate(&wrong, false, "pm", now()) else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["technical_summary", "technical_summary[0].line_id"]);
    }

    #[test]
    fn a_live_project_is_final() {
        let mut p = ready();
        p.activate(&activation(), false, "pm", now()).unwrap();
        assert_eq!(
            p.reopen_milestone("customer_acceptance", "why", "admin", now()),
            Err(crate::milestone_changes::MilestoneError::Frozen(ProjectStatus::Live))
        );
        let new = crate::task_changes::NewTask {
            title: "x".into(),
            assignee: "t@bluerocktel.fr".into(),
            due_date: now().date_naive(),
            description: None,
        };
        assert_eq!(
            p.add_task("go_live", new, "pm", now()).unwrap_err(),
            crate::task_changes::TaskError::Frozen(ProjectStatus::Live)
        );
    }
}

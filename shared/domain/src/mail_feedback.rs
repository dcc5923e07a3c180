//! Customer mail that does not arrive. SES reports a permanent bounce or a
//! complaint for the address it was sent to; when that address is still
//! the project's technical contact, the project records the contact as
//! undeliverable, its owner is told by mail (sales must correct the contact
//! in the CRM), and the flag holds until a deal change gives the project
//! another address.
//!
//! Transient bounces (a full mailbox, a greylisting server) are SES's to
//! retry and change nothing here.

use super::project::{Change, Project, Recorder};
use super::{Language, outbox::MailTemplate};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// The actor of the changes SES's reports cause.
pub const MAIL_FEEDBACK_ACTOR: &str = "ses";

/// What the recipient's side said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// The address does not accept mail, for good.
    Bounce,
    /// The recipient marked the mail as spam.
    Complaint,
}

impl Feedback {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounce => "bounce",
            Self::Complaint => "complaint",
        }
    }
}

/// A report of one mail that did not arrive (or was not wanted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailFeedback {
    pub feedback: Feedback,
    /// The addresses it concerns (a mail may have several recipients).
    pub recipients: Vec<String>,
    /// The receiving server's diagnostic, or the complaint's type.
    pub detail: String,
    /// When the recipient's side reported it.
    pub at: DateTime<Utc>,
}

/// Why mail to the technical contact does not arrive, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undeliverable {
    /// The address that failed (the contact's address at the time).
    pub email: String,
    pub feedback: Feedback,
    pub detail: String,
    pub since: DateTime<Utc>,
}

/// Longest diagnostic kept (SMTP replies can run long).
const MAX_DETAIL: usize = 500;

impl Project {
    /// Records that mail to the technical contact does not arrive. `None`
    /// when the report is about another address (the contact has changed
    /// since), when the contact is already known undeliverable, or when the
    /// project has ended (no customer mail is left to send).
    pub fn contact_undeliverable(
        &mut self,
        report: &MailFeedback,
        now: DateTime<Utc>,
    ) -> Option<Change> {
        let email = self.technical_contact.email.clone();
        let concerned = report.recipients.iter().any(|r| r.trim().eq_ignore_ascii_case(&email));
        let known = self.contact_undeliverable.as_ref().is_some_and(|u| u.email == email);
        if !concerned || known || self.status.is_final() {
            return None;
        }
        let flag = Undeliverable {
            email: email.clone(),
            feedback: report.feedback,
            detail: report.detail.chars().take(MAX_DETAIL).collect(),
            since: report.at,
        };
        let version = self.bump(now);
        let mut rec = Recorder::new(&self.id, version, now, MAIL_FEEDBACK_ACTOR);
        let after = json!({ "email": email, "feedback": flag.feedback, "detail": flag.detail });
        rec.history("contact.undeliverable", &email, None, Some(after));
        let context = self.undeliverable_context(&flag);
        rec.mail(MailTemplate::ContactUndeliverable, &self.owner, Language::Fr, context);
        self.contact_undeliverable = Some(flag);
        Some(rec.finish())
    }

    /// What the owner's mail shows.
    fn undeliverable_context(&self, flag: &Undeliverable) -> serde_json::Value {
        json!({
            "project_id": self.id,
            "deal_id": self.deal_id,
            "account_name": self.account.name,
            "service_name": self.services.first().map(|s| s.name.clone()).unwrap_or_default(),
            "contact_name": self.technical_contact.name,
            "email": flag.email,
            "feedback": flag.feedback,
            "detail": flag.detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::project;
    use crate::outbox::OutboxMessage;

    fn at() -> DateTime<Utc> {
        crate::fixtures::now() + chrono::Duration::days(1)
    }

    fn bounce(to: &str) -> MailFeedback {
        MailFeedback {
            feedback: Feedback::Bounce,
            recipients: vec![to.to_owned()],
            detail: "smtp; 550 5.1.1 user unknown".into(),
            at: at(),
        }
    }

    #[test]
    fn a_bounce_of_the_contact_flags_it_and_mails_the_owner() {
        let (mut p, _) = project();
        let contact = p.technical_contact.email.to_uppercase();
        let change = p.contact_undeliverable(&bounce(&contact), at()).expect("a change");
        let flag = p.contact_undeliverable.clone().expect("flagged");
        assert_eq!(flag.email, p.technical_contact.email);
        assert_eq!(flag.feedback, Feedback::Bounce);
        assert_eq!(change.history[0].action, "contact.undeliverable");
        assert_eq!(change.history[0].actor, MAIL_FEEDBACK_ACTOR);
        let [entry] = change.outbox.as_slice() else { panic!("one mail: {:?}", change.outbox) };
        let OutboxMessage::Mail { template, to, context, .. } = &entry.message else {
            panic!("a mail")
        };
        assert_eq!(*template, MailTemplate::ContactUndeliverable);
        assert_eq!(to, &p.owner);
        assert_eq!(context["email"], json!(p.technical_contact.email));
    }

    #[test]
    fn a_second_report_for_the_same_address_changes_nothing() {
        let (mut p, _) = project();
        let to = p.technical_contact.email.clone();
        p.contact_undeliverable(&bounce(&to), at()).expect("a change");
        let version = p.version;
        assert!(p.contact_undeliverable(&bounce(&to), at()).is_none());
        assert_eq!(p.version, version);
    }

    #[test]
    fn a_report_about_a_former_address_is_ignored() {
        let (mut p, _) = project();
        assert!(p.contact_undeliverable(&bounce("old@example.com"), at()).is_none());
        assert!(p.contact_undeliverable.is_none());
    }

    #[test]
    fn an_ended_project_records_nothing() {
        let (mut p, _) = project();
        p.cancel("no longer needed", "pm@bluerocktel.fr", at()).expect("cancelled");
        let to = p.technical_contact.email.clone();
        assert!(p.contact_undeliverable(&bounce(&to), at()).is_none());
    }
}

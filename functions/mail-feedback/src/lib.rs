//! The handler of the `mail-feedback` function (`src/main.rs` only wires it).
//!
//! SES publishes the bounces and complaints of the stack's configuration
//! set to EventBridge (`infra/template.yaml`); a rule hands each to this
//! function. A report names the project through the tag customer mail
//! carries (`app::ports::TAG_PROJECT_ID`); a permanent bounce or a
//! complaint marks the project's technical contact undeliverable
//! (`Commands::contact_undeliverable`), counted in `MailBounces`.
//! A transient bounce is SES's to retry and is only logged.
//!
//! An error (the store unreachable) fails the invocation: the rule invokes
//! asynchronously, so Lambda retries it twice (within 6 hours), then sends
//! it to the dead-letter queue; the rule's own retries and queue cover only
//! failures to reach Lambda.

use app::ports::TAG_PROJECT_ID;
use app::{CommandError, Commands};
use chrono::{DateTime, Utc};
use domain::ProjectId;
use domain::mail_feedback::{Feedback, MailFeedback};
use serde::Deserialize;
use std::collections::BTreeMap;

/// An SES event as EventBridge delivers it (`detail-type` "Email Bounced"
/// or "Email Complaint Received"); the fields this function reads.
#[derive(Debug, Deserialize)]
pub struct SesEvent {
    pub detail: SesDetail,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SesDetail {
    pub event_type: String,
    pub mail: SesMail,
    #[serde(default)]
    pub bounce: Option<Bounce>,
    #[serde(default)]
    pub complaint: Option<Complaint>,
}

#[derive(Debug, Deserialize)]
pub struct SesMail {
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bounce {
    /// `Permanent`, `Transient` or `Undetermined`.
    pub bounce_type: String,
    #[serde(default)]
    pub bounce_sub_type: String,
    pub bounced_recipients: Vec<BouncedRecipient>,
    pub timestamp: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BouncedRecipient {
    pub email_address: String,
    #[serde(default)]
    pub diagnostic_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Complaint {
    pub complained_recipients: Vec<Recipient>,
    #[serde(default)]
    pub complaint_feedback_type: Option<String>,
    pub timestamp: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub email_address: String,
}

/// What became of one report.
#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    /// The project's contact is now marked undeliverable.
    Marked(ProjectId),
    /// A permanent report with nothing to change (a repeat, a former
    /// address, an ended project).
    Unchanged(ProjectId),
    /// Not ours to act on, and why (a transient bounce, a mail without a
    /// project, a project that no longer exists).
    Ignored(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("the report could not be recorded: {0}")]
    Store(String),
}

impl SesDetail {
    /// The report this event makes, when it is a permanent one.
    pub fn feedback(&self) -> Option<MailFeedback> {
        if let Some(b) = self.bounce.as_ref().filter(|b| b.bounce_type == "Permanent") {
            let detail = b.bounced_recipients.iter().find_map(|r| r.diagnostic_code.clone());
            return Some(MailFeedback {
                feedback: Feedback::Bounce,
                recipients: b.bounced_recipients.iter().map(|r| r.email_address.clone()).collect(),
                detail: detail.unwrap_or_else(|| format!("{} bounce", b.bounce_sub_type)),
                at: b.timestamp,
            });
        }
        let c = self.complaint.as_ref()?;
        Some(MailFeedback {
            feedback: Feedback::Complaint,
            recipients: c.complained_recipients.iter().map(|r| r.email_address.clone()).collect(),
            detail: c.complaint_feedback_type.clone().unwrap_or_else(|| "complaint".into()),
            at: c.timestamp,
        })
    }

    /// The project the mail was about, from its tag.
    pub fn project_id(&self) -> Option<ProjectId> {
        let raw = self.mail.tags.get(TAG_PROJECT_ID)?.first()?;
        ProjectId::is_well_formed(raw).then(|| ProjectId::from_raw(raw.as_str()))
    }
}

pub async fn handle(commands: &Commands, event: SesEvent) -> Result<Handled, FeedbackError> {
    let detail = event.detail;
    let Some(report) = detail.feedback() else {
        tracing::info!(event_type = %detail.event_type, "not a permanent report: left to SES");
        return Ok(Handled::Ignored("not permanent"));
    };
    let kind = report.feedback.as_str();
    metrics::counter!(app::metrics::MAIL_BOUNCES, app::metrics::FEEDBACK => kind).increment(1);
    let Some(id) = detail.project_id() else {
        tracing::warn!(feedback = kind, "a report for mail without a project tag");
        return Ok(Handled::Ignored("no project"));
    };
    let span = tracing::info_span!("mail_feedback", project_id = %id, feedback = kind);
    let _entered = span.enter();
    match commands.contact_undeliverable(&id, &report).await {
        Ok(true) => {
            tracing::warn!("technical contact marked undeliverable");
            Ok(Handled::Marked(id))
        }
        Ok(false) => Ok(Handled::Unchanged(id)),
        Err(CommandError::NotFound) => Ok(Handled::Ignored("no such project")),
        Err(e) => Err(FeedbackError::Store(e.to_string())),
    }
}

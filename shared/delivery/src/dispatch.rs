//! Use case: deliver outbox entries (mail to the mail service, events to
//! the bus), each at most once in the normal case.
//!
//! Each entry is claimed with a conditional write (a lease) before it is
//! sent and marked sent after, so duplicate or concurrent deliveries of the
//! same stream batch, and the sweep, skip what another dispatcher holds or
//! has sent. A failure that may pass gives the entry back for a retry (the
//! stream retries the batch; the sweep picks up whatever is left); one that
//! never will is recorded and given up.
//!
//! A customer mail links to the project's status page: the link is signed
//! when the mail is composed (the stored context stays as committed), and a
//! mail whose link cannot be signed waits for a retry rather than going out
//! without it.
//!
//! Each entry settled is counted in `OutboxEntries` by channel and outcome
//! (sent, retried, dead); an entry skipped (delivered, held elsewhere) is not.

use crate::mail::{Envelope, MailRenderer, compose};
use app::metrics::{self, Channel, OutboxOutcome};
use app::ports::{
    Claim, Claimed, Clock, DeliveryError, EventPublisher, Lease, MAX_EVENTS_PER_CALL, Mailer,
    Outbox, OutgoingEvent, OutgoingMail, StoreError, WebhookSecrets,
};
use app::retry::RetryPolicy;
use app::status_link;
use chrono::{DateTime, Duration, Utc};
use config::Secret;
use domain::outbox::{OutboxEntry, OutboxMessage};
use domain::{OutboxId, ProjectId};
use std::collections::HashSet;
use std::sync::Arc;

/// How a dispatcher behaves; the defaults suit Lambda and the local runner.
#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// `From` of customer mail (`MAIL_FROM`).
    pub mail_from: String,
    /// How long a claim holds: longer than one delivery with its retries.
    pub lease: Duration,
    /// Retries of one publication within a dispatch (throttling, transient errors).
    pub events: RetryPolicy,
    /// Retries of one mail within a dispatch.
    pub mail: RetryPolicy,
    /// Claims of one entry before it is given up as undeliverable.
    pub max_claims: u32,
}

impl DispatchSettings {
    pub fn new(mail_from: impl Into<String>) -> Self {
        Self {
            mail_from: mail_from.into(),
            lease: Duration::seconds(120),
            events: RetryPolicy::EVENTS,
            mail: RetryPolicy::MAIL,
            max_claims: 20,
        }
    }

    /// The same settings, with at most `attempts` sends of an entry per dispatch.
    pub fn with_attempts(self, attempts: u32) -> Self {
        let (events, mail) =
            (self.events.with_attempts(attempts), self.mail.with_attempts(attempts));
        Self { events, mail, ..self }
    }
}

/// The links to customer status pages in mail: where the pages are served
/// (`PUBLIC_URL`) and the console secrets that sign the links.
#[derive(Clone)]
pub struct StatusLinks {
    public_url: String,
    secrets: Arc<dyn WebhookSecrets>,
}

impl std::fmt::Debug for StatusLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusLinks").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

impl StatusLinks {
    pub fn new(public_url: impl Into<String>, secrets: Arc<dyn WebhookSecrets>) -> Self {
        Self { public_url: public_url.into(), secrets }
    }

    /// Links signed with secrets fixed at start-up (the local runner, tests).
    pub fn fixed(public_url: impl Into<String>, secrets: Vec<Secret>) -> Self {
        Self::new(public_url, Arc::new(app::secrets::FixedSecrets(secrets)))
    }

    /// The link to `project`'s status page in a mail composed at `now`;
    /// why it cannot be signed (never the secret itself).
    pub async fn link(&self, project: &ProjectId, now: DateTime<Utc>) -> Result<String, String> {
        let secrets = self.secrets.current().await.map_err(|e| match &e {
            StoreError::Unavailable(source) => format!("cannot read the console secret: {source}"),
            other => format!("cannot read the console secret: {other}"),
        })?;
        if secrets.first().is_none_or(|s| s.expose().is_empty()) {
            return Err("no console secret to sign the status link".into());
        }
        Ok(status_link::link(&self.public_url, &secrets, project, now))
    }
}

/// The channel an entry goes out through.
fn channel(entry: &OutboxEntry) -> Channel {
    match entry.message {
        OutboxMessage::Event { .. } => Channel::Event,
        OutboxMessage::Mail { .. } => Channel::Mail,
    }
}

/// What became of the entries handed to [`Dispatcher::dispatch`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Delivered by this call.
    pub sent: Vec<OutboxId>,
    /// Already delivered, held by another dispatcher, or unknown.
    pub skipped: Vec<OutboxId>,
    /// Not delivered this time; given back for a retry.
    pub retry: Vec<OutboxId>,
    /// Never deliverable; recorded as failed.
    pub dead: Vec<OutboxId>,
}

enum Outcome {
    Sent,
    Retry(String),
    Dead(String),
}

pub struct Dispatcher {
    outbox: Arc<dyn Outbox>,
    mailer: Arc<dyn Mailer>,
    publisher: Arc<dyn EventPublisher>,
    clock: Arc<dyn Clock>,
    renderer: MailRenderer,
    settings: DispatchSettings,
    links: StatusLinks,
}

impl Dispatcher {
    pub fn new(
        outbox: Arc<dyn Outbox>,
        mailer: Arc<dyn Mailer>,
        publisher: Arc<dyn EventPublisher>,
        clock: Arc<dyn Clock>,
        renderer: MailRenderer,
        settings: DispatchSettings,
        links: StatusLinks,
    ) -> Self {
        Self { outbox, mailer, publisher, clock, renderer, settings, links }
    }

    /// Delivers the given entries (in any state: delivered or held ones are skipped).
    pub async fn dispatch(&self, ids: &[OutboxId]) -> DispatchReport {
        let mut report = DispatchReport::default();
        let mut seen = HashSet::new();
        let mut events: Vec<(OutgoingEvent, Lease)> = Vec::new();
        let mut mails: Vec<(OutboxEntry, Lease)> = Vec::new();
        for id in ids.iter().filter(|id| seen.insert(*id)) {
            match self.outbox.claim_outbox(id, self.clock.now(), self.settings.lease).await {
                Ok(Claim::Claimed(Claimed { entry, lease, attempts })) => {
                    if attempts > self.settings.max_claims {
                        let reason = format!("gave up after {} attempts", self.settings.max_claims);
                        let dead = Outcome::Dead(reason);
                        self.settle(&entry.id, channel(&entry), lease, dead, &mut report).await;
                        continue;
                    }
                    match entry.message {
                        OutboxMessage::Event { detail_type, detail } => {
                            let event = OutgoingEvent {
                                entry_id: entry.id,
                                detail_type,
                                detail,
                                time: entry.created_at,
                            };
                            events.push((event, lease));
                        }
                        OutboxMessage::Mail { .. } => mails.push((entry, lease)),
                    }
                }
                Ok(Claim::Done | Claim::Busy | Claim::Missing) => report.skipped.push(id.clone()),
                Err(e) => {
                    tracing::warn!(outbox_id = %id, error = %e, "cannot claim outbox entry");
                    report.retry.push(id.clone());
                }
            }
        }
        for chunk in events.chunks(MAX_EVENTS_PER_CALL) {
            let batch: Vec<OutgoingEvent> = chunk.iter().map(|(event, _)| event.clone()).collect();
            for ((event, lease), outcome) in chunk.iter().zip(self.publish(&batch).await) {
                self.settle(&event.entry_id, Channel::Event, *lease, outcome, &mut report).await;
            }
        }
        for (entry, lease) in &mails {
            let outcome = self.mail(entry).await;
            self.settle(&entry.id, Channel::Mail, *lease, outcome, &mut report).await;
        }
        report
    }

    /// Delivers entries still pending `min_age` after they were written: the
    /// safety net for lost stream batches and entries given back. Oldest first.
    pub async fn sweep(
        &self,
        min_age: Duration,
        limit: usize,
    ) -> Result<DispatchReport, StoreError> {
        let cutoff = self.clock.now() - min_age;
        let due: Vec<OutboxId> = self
            .outbox
            .pending_outbox(limit)
            .await?
            .into_iter()
            .take_while(|e| e.created_at <= cutoff)
            .map(|e| e.id)
            .collect();
        Ok(self.dispatch(&due).await)
    }

    async fn settle(
        &self,
        id: &OutboxId,
        channel: Channel,
        lease: Lease,
        outcome: Outcome,
        report: &mut DispatchReport,
    ) {
        let now = self.clock.now();
        let recorded = match &outcome {
            Outcome::Sent => self.outbox.mark_sent(id, lease, now).await,
            Outcome::Retry(error) => self.outbox.release_outbox(id, lease, error).await,
            Outcome::Dead(error) => self.outbox.mark_failed(id, lease, now, error).await,
        };
        match recorded {
            Ok(true) => {}
            // Our lease ended mid-delivery and another dispatcher took the entry over.
            Ok(false) => {
                tracing::warn!(outbox_id = %id, "lease lost before the outcome was recorded")
            }
            // The lease still holds the entry; once it ends the sweep will see it again.
            Err(e) => {
                tracing::error!(outbox_id = %id, error = %e, "cannot record the delivery outcome")
            }
        }
        let counted = match outcome {
            Outcome::Sent => {
                tracing::info!(outbox_id = %id, channel = channel.as_str(), "delivered");
                report.sent.push(id.clone());
                OutboxOutcome::Sent
            }
            Outcome::Retry(error) => {
                let channel = channel.as_str();
                tracing::warn!(outbox_id = %id, channel, %error, "delivery failed, will retry");
                report.retry.push(id.clone());
                OutboxOutcome::Retried
            }
            Outcome::Dead(error) => {
                let channel = channel.as_str();
                tracing::error!(outbox_id = %id, channel, %error, "undeliverable, given up");
                report.dead.push(id.clone());
                OutboxOutcome::Dead
            }
        };
        metrics::outbox_entry(channel, counted);
    }

    /// Publishes a chunk, retrying the entries (or the call) that failed for
    /// a reason that may pass: a partial failure is never taken for success.
    async fn publish(&self, events: &[OutgoingEvent]) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = events.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..events.len()).collect();
        let mut last_error = String::new();
        let mut attempts = self.settings.events.start();
        while !pending.is_empty() {
            let batch: Vec<OutgoingEvent> = pending.iter().map(|&i| events[i].clone()).collect();
            let results = match self.publisher.publish(&batch).await {
                Ok(results) => results,
                Err(e) => vec![Err(e); batch.len()],
            };
            let mut still = Vec::new();
            for (n, &i) in pending.iter().enumerate() {
                let missing = || Err(DeliveryError::Transient("no result for entry".into()));
                match results.get(n).cloned().unwrap_or_else(missing) {
                    Ok(()) => outcomes[i] = Some(Outcome::Sent),
                    Err(DeliveryError::Permanent(e)) => outcomes[i] = Some(Outcome::Dead(e)),
                    Err(e) => {
                        last_error = e.to_string();
                        still.push(i);
                    }
                }
            }
            pending = still;
            if pending.is_empty() || !attempts.wait().await {
                break;
            }
        }
        let retry = || Outcome::Retry(last_error.clone());
        outcomes.into_iter().map(|o| o.unwrap_or_else(retry)).collect()
    }

    /// Renders, composes and sends one mail, retrying what may pass.
    async fn mail(&self, entry: &OutboxEntry) -> Outcome {
        let status_url = match &entry.message {
            OutboxMessage::Mail { template, .. } if template.is_for_customer() => {
                match self.links.link(&entry.project_id, self.clock.now()).await {
                    Ok(url) => Some(url),
                    Err(reason) => return Outcome::Retry(reason),
                }
            }
            _ => None,
        };
        let mail = match self.compose(entry, status_url) {
            Ok(mail) => mail,
            Err(reason) => return Outcome::Dead(reason),
        };
        let transient = |e: &DeliveryError| !matches!(e, DeliveryError::Permanent(_));
        match self.settings.mail.run(|| self.mailer.send(&mail), transient).await {
            Ok(()) => Outcome::Sent,
            Err(DeliveryError::Permanent(e)) => Outcome::Dead(e),
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }

    /// The message of a mail entry, with the link to the status page if
    /// given; why it can never be sent otherwise.
    fn compose(
        &self,
        entry: &OutboxEntry,
        status_url: Option<String>,
    ) -> Result<OutgoingMail, String> {
        let OutboxMessage::Mail { template, to, language, context } = &entry.message else {
            return Err("not a mail".into());
        };
        let mut context = context.clone();
        if let Some(url) = status_url {
            let fields = context.as_object_mut().ok_or("the mail context is not an object")?;
            fields.insert("status_url".into(), url.into());
        }
        let rendered = self
            .renderer
            .render(*template, *language, &context)
            .map_err(|e| format!("{e}: {:?}", std::error::Error::source(&e)))?;
        let envelope = Envelope {
            entry_id: entry.id.as_str(),
            from: &self.settings.mail_from,
            to,
            reply_to: context.get("owner").and_then(|o| o.as_str()),
            date: entry.created_at.into(),
        };
        let raw = compose(&envelope, &rendered).map_err(|e| e.to_string())?;
        let from = self.settings.mail_from.clone();
        let project_id = entry.project_id.clone();
        Ok(OutgoingMail { entry_id: entry.id.clone(), project_id, from, to: to.clone(), raw })
    }
}

//! Ports: the traits through which use cases reach the outside world, one
//! per concern. A use case holds only the ports it uses (the dispatcher sees
//! the outbox, not the projects).
//!
//! - time: [`Clock`];
//! - storage: [`Projects`], [`DealRecords`], [`Accounts`],
//!   [`TemplateStore`], [`Outbox`], [`ProjectOutbox`], [`Listings`],
//!   [`EscalationSchedule`],
//!   [`ReviewSchedule`], [`GoLives`], with the vocabulary of a commit
//!   ([`Commit`], [`Guard`], [`CommitError`]);
//! - delivery: [`Mailer`], [`EventPublisher`];
//! - secrets: [`WebhookSecrets`].
//!
//! Adapters live elsewhere: [`store`] (DynamoDB, embedded SQLite; every
//! store adapter passes the contract suite of `tests/integration/contract.rs`),
//! [`delivery`], [`crate::clock`], [`crate::secrets`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::account::AccountRecord;
use domain::forecast::Health;
use domain::go_live_facts::GoLiveFacts;
use domain::history::HistoryEntry;
use domain::intake::DealRecord;
use domain::outbox::{OutboxEntry, OutboxRecord};
use domain::project::{Change, Project, ProjectOverview, ProjectStatus};
use domain::task::{AssignedTask, TaskStatus};
use domain::template::Template;
use domain::{OutboxId, ProjectId};
use thiserror::Error;

/// Where time comes from, so that rules depending on it can be tested.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// How a commit is guarded against concurrent writers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// The project must not exist yet.
    Create,
    /// The stored project must still be at this version.
    Version(u64),
}

/// The project part of a commit: its new state and what changed.
#[derive(Clone, Debug)]
pub struct ProjectWrite {
    pub guard: Guard,
    pub project: Project,
    pub change: Change,
}

/// What the record of a deal does in a commit.
#[derive(Clone, Debug)]
pub enum DealWrite {
    /// Insert the record; fails with [`CommitError::IntakeExists`] if one exists.
    Claim(Box<DealRecord>),
    /// Mark the record's intake complete; it must exist with this
    /// fingerprint and never have been replaced (version 0).
    Complete { deal_id: String, fingerprint: String },
    /// Replace the record, still at version `expected`; fails with
    /// [`CommitError::DealChanged`] otherwise.
    Replace { record: Box<DealRecord>, expected: u64 },
    /// Write nothing, but only while the record is at `version`; fails with
    /// [`CommitError::DealChanged`] otherwise (a change's project writes
    /// carry it, so a later revision or a cancellation stops them).
    Check { deal_id: String, version: u64 },
}

/// One atomic write: all of it lands, or none of it.
#[derive(Clone, Debug, Default)]
pub struct Commit {
    pub project: Option<ProjectWrite>,
    pub deal: Option<DealWrite>,
}

impl Commit {
    /// Entries that this commit adds to the outbox.
    pub fn outbox(&self) -> &[OutboxEntry] {
        self.project.as_ref().map_or(&[], |p| &p.change.outbox)
    }
}

/// A store that cannot answer; the request may be retried later.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the pagination cursor is not one this service issued")]
    InvalidCursor,
    #[error("stored item {key} cannot be read")]
    Corrupt {
        key: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why a commit did not land. Nothing of it was written.
#[derive(Debug, Error)]
pub enum CommitError {
    /// [`Guard::Create`] found the project already there.
    #[error("the project already exists")]
    AlreadyExists,
    /// [`Guard::Version`] found another version: reload and re-apply.
    #[error("the project changed concurrently")]
    VersionConflict,
    /// [`DealWrite::Claim`] found a record (returned as it is stored), or
    /// [`DealWrite::Complete`] found none with that fingerprint at version 0.
    #[error("the deal was already received")]
    IntakeExists(Option<Box<DealRecord>>),
    /// [`DealWrite::Replace`] or [`DealWrite::Check`] found the deal's
    /// record at another version (or none): read it again.
    #[error("the deal's record changed concurrently")]
    DealChanged,
    /// Another transaction held an item; retrying shortly is safe.
    #[error("the commit collided with a concurrent transaction")]
    Contention,
    /// The change would activate an account that another project already
    /// activated: reload and apply again.
    #[error("the account is already active")]
    AccountAlreadyActive,
    #[error("the commit has {items} items, more than one transaction holds")]
    TooLarge { items: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which projects a listing shows; newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    pub account_id: Option<String>,
    /// Projects in progress of this health (`none` lists nothing).
    pub health: Option<Health>,
    /// Projects of this owner (an e-mail, compared case-insensitively).
    pub owner: Option<String>,
}

/// Which tasks a listing shows; soonest due first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskFilter {
    Assignee { assignee: String, status: Option<TaskStatus> },
    Status(TaskStatus),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// The `next_cursor` of the previous page, if any.
    pub cursor: Option<String>,
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more items may follow.
    pub next_cursor: Option<String>,
}

/// The secrets the CRM signs its webhooks with (several while rotating).
#[async_trait]
pub trait WebhookSecrets: Send + Sync {
    /// The secrets in force, as last read.
    async fn current(&self) -> Result<Vec<config::Secret>, StoreError>;

    /// Reads the secrets again if the last read is old enough to be stale
    /// (a rotation since); `true` if they were read again.
    async fn refresh(&self) -> bool;
}

/// Why a mail or event was not delivered.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DeliveryError {
    /// The service asked us to slow down: back off, then retry.
    #[error("throttled: {0}")]
    Throttled(String),
    /// A failure that may pass (network, 5xx): retry later.
    #[error("transient failure: {0}")]
    Transient(String),
    /// The message can never be delivered as it is (rejected, malformed).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// A composed customer mail, ready to hand to the mail service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The outbox entry: also the mail's Message-ID.
    pub entry_id: OutboxId,
    /// The project it is about: tagged on the message, so that SES's
    /// bounce and complaint reports name it (`mail-feedback`).
    pub project_id: ProjectId,
    pub from: String,
    pub to: String,
    /// The RFC 5322 message.
    pub raw: Vec<u8>,
}

/// An event for the bus.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingEvent {
    pub entry_id: OutboxId,
    pub detail_type: String,
    /// Carries the stable `event_id` (the entry id) and `project_id`.
    pub detail: serde_json::Value,
    pub time: DateTime<Utc>,
}

/// Message tags a mailer gives each customer mail, which SES returns in its
/// bounce and complaint reports (`mail.tags`): which outbox entry, which
/// project (ids are UUIDs, within the tag alphabet).
pub const TAG_OUTBOX_ID: &str = "outbox_id";
pub const TAG_PROJECT_ID: &str = "project_id";

/// Sends customer mail (SES v2 in the cloud, `.eml` files locally).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError>;
}

/// Most events one publish call carries (EventBridge's PutEvents limit).
pub const MAX_EVENTS_PER_CALL: usize = 10;

/// Publishes events (EventBridge in the cloud, a JSON-lines file locally).
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes up to [`MAX_EVENTS_PER_CALL`] events. `Err` when the call
    /// as a whole failed; otherwise one result per event, in order (a bus
    /// may accept some entries of a call and refuse others).
    async fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError>;
}

/// Proof of a claim: only its holder may settle the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease(pub i64);

/// An entry taken for delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    pub entry: OutboxEntry,
    pub lease: Lease,
    /// Claims so far, this one included.
    pub attempts: u32,
}

/// The outcome of trying to take an outbox entry for delivery.
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// Ours to deliver until the lease ends.
    Claimed(Claimed),
    /// Already delivered (or given up on): nothing to do.
    Done,
    /// Another dispatcher holds it and its lease has not ended.
    Busy,
    /// No such entry.
    Missing,
}

/// Blocked tasks whose escalation is due, and what finding them cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueEscalations {
    pub tasks: Vec<(ProjectId, domain::TaskId)>,
    /// Index entries the store read to find them (they are all due: the
    /// index holds only tasks with an escalation ahead, sorted by its time).
    pub read: usize,
}

/// Projects whose forecast is due for review, and what finding them cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueReviews {
    pub projects: Vec<ProjectId>,
    /// Index entries read to find them (all due, as for escalations).
    pub read: usize,
}

/// The project aggregate: loaded whole, changed by atomic commits, with
/// its history beside it.
#[async_trait]
pub trait Projects: Send + Sync {
    /// The project with its milestones and tasks (not its history).
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, StoreError>;

    /// Writes `commit` atomically, or nothing at all.
    async fn commit(&self, commit: Commit) -> Result<(), CommitError>;

    /// The project's history, oldest first.
    async fn history(&self, id: &ProjectId) -> Result<Vec<HistoryEntry>, StoreError>;
}

/// The records of deals: intake, latest change, cancellation (written
/// through [`Commit::deal`]).
#[async_trait]
pub trait DealRecords: Send + Sync {
    async fn deal_record(&self, deal_id: &str) -> Result<Option<DealRecord>, StoreError>;
}

/// The customer accounts as this module knows them (written through a
/// change's [`Change::account`]).
#[async_trait]
pub trait Accounts: Send + Sync {
    async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError>;
}

/// Milestone templates per service type, every version kept.
#[async_trait]
pub trait TemplateStore: Send + Sync {
    /// The current stored template of each given service type (types
    /// without one are left out): one read for all of them.
    async fn current_templates(
        &self,
        service_types: &[String],
    ) -> Result<Vec<Template>, StoreError>;

    /// Stores `template` as its type's new current version, kept beside the
    /// earlier ones. Fails with [`CommitError::VersionConflict`] unless the
    /// current version is `template.version - 1` (0: none stored yet).
    async fn save_template(&self, template: &Template) -> Result<(), CommitError>;
}

/// The outbox as the dispatcher sees it: entries to deliver, each claimed
/// by one dispatcher at a time (written through a change's [`Change::outbox`]).
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Entries not yet delivered, oldest first, at most `limit`.
    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Takes an undelivered entry (or one whose previous lease ended) for
    /// delivery until `now + lease`; at most one dispatcher holds it.
    async fn claim_outbox(
        &self,
        id: &OutboxId,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Claim, StoreError>;

    /// Records a claimed entry as delivered: it leaves the pending index and
    /// expires (TTL) a while later. `Ok(false)` if `lease` no longer holds
    /// (it ended and another dispatcher took the entry).
    async fn mark_sent(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives a claimed entry back after a failed delivery, for a later
    /// retry. `Ok(false)` if `lease` no longer holds.
    async fn release_outbox(
        &self,
        id: &OutboxId,
        lease: Lease,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// Gives up on an entry that can never be delivered (kept, with the
    /// reason). `Ok(false)` if `lease` no longer holds.
    async fn mark_failed(
        &self,
        id: &OutboxId,
        lease: Lease,
        now: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError>;
}

/// The outbox of one project as its managers see it: what was sent to
/// whom and when, what is still waiting and what was given up on.
#[async_trait]
pub trait ProjectOutbox: Send + Sync {
    /// Every entry of the project with its delivery state, oldest first;
    /// sent entries until they expire
    /// ([`SENT_RETENTION_DAYS`](store::keys::SENT_RETENTION_DAYS)).
    async fn project_outbox(&self, id: &ProjectId) -> Result<Vec<OutboxRecord>, StoreError>;
}

/// Listings of the staff API, each a page of one index.
#[async_trait]
pub trait Listings: Send + Sync {
    async fn list_projects(
        &self,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<ProjectOverview>, StoreError>;

    async fn list_tasks(
        &self,
        filter: &TaskFilter,
        page: PageRequest,
    ) -> Result<Page<AssignedTask>, StoreError>;
}

/// When blocked tasks are due to escalate (kept by every commit of a task).
#[async_trait]
pub trait EscalationSchedule: Send + Sync {
    /// Blocked tasks whose next escalation is at or before `now`, soonest first.
    async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<DueEscalations, StoreError>;
}

/// When projects' forecasts are next due for review (kept by every commit
/// of a project header).
#[async_trait]
pub trait ReviewSchedule: Send + Sync {
    /// Projects whose review is at or before `now`, soonest first.
    async fn due_reviews(&self, now: DateTime<Utc>, limit: usize)
    -> Result<DueReviews, StoreError>;
}

/// The facts of past go-lives (written through a change's [`Change::facts`]).
#[async_trait]
pub trait GoLives: Send + Sync {
    /// The most recent go-lives of `service_type`, newest first, at most `limit`.
    async fn recent_go_lives(
        &self,
        service_type: &str,
        limit: usize,
    ) -> Result<Vec<GoLiveFacts>, StoreError>;

    /// The go-lives of one month (`YYYY-MM`), of one service type if given.
    async fn go_lives_in_month(
        &self,
        month: &str,
        service_type: Option<&str>,
    ) -> Result<Vec<GoLiveFacts>, StoreError>;
}

/// Every storage port: what a store adapter provides. Wiring hands each use
/// case the ports it uses out of one `Arc<dyn Store>`.
pub trait Store:
    Projects
    + DealRecords
    + Accounts
    + TemplateStore
    + Outbox
    + ProjectOutbox
    + Listings
    + EscalationSchedule
    + ReviewSchedule
    + GoLives
{
}

impl<T> Store for T where
    T: Projects
        + DealRecords
        + Accounts
        + TemplateStore
        + Outbox
        + ProjectOutbox
        + Listings
        + EscalationSchedule
        + ReviewSchedule
        + GoLives
{
}

//! Every business metric of the bundle: its CloudWatch name, its dimension
//! and the values that dimension takes. The one place the code, the
//! dashboard and the alarms of `infra/template.yaml` read them from (the
//! drift test in `tests/infra.rs` compares them).
//!
//! The code records through the `metrics` facade; in Lambda the recorder
//! writes CloudWatch embedded metric format lines to stdout after each
//! invocation (`telemetry`), locally nothing is recorded. All are counts.

/// The CloudWatch namespace of every metric below.
pub const NAMESPACE: &str = "BlueRockTEL/Deployments";

/// Static dimension on every metric: the stack's name (`METRICS_STACK`), so
/// that two stacks in one account keep their figures apart.
pub const STACK_DIMENSION: &str = "Stack";

/// A CRM request (won, changed, cancelled), by [`Outcome`](DEALS_RECEIVED_OUTCOMES).
pub const DEALS_RECEIVED: &str = "DealsReceived";
/// Dimension of [`DEALS_RECEIVED`].
pub const OUTCOME: &str = "Outcome";
/// `created`: written (a new deal, a change or a cancellation applied);
/// `replayed`: answered from what was already written; `conflict`: an older
/// revision or a different body under the same id; `rejected_signature`:
/// refused before reading the body; `invalid`: any other 4xx.
pub const DEALS_RECEIVED_OUTCOMES: [&str; 5] =
    ["created", "replayed", "conflict", "rejected_signature", "invalid"];

/// A staff command (milestone, task, hold, go-live, …) committed or refused.
pub const COMMANDS: &str = "Commands";
/// `committed`, `refused` (a domain rule), `contended` (gave up after retries).
pub const COMMANDS_OUTCOMES: [&str; 3] = ["committed", "refused", "contended"];
/// A retry of a command or an intake commit that lost a race (no dimension
/// but the stack).
pub const CONTENTION_RETRIES: &str = "ContentionRetries";

/// An outbox entry handled by the dispatcher, by [`CHANNEL`] and [`OUTCOME`].
pub const OUTBOX_ENTRIES: &str = "OutboxEntries";
/// Dimension of [`OUTBOX_ENTRIES`]: `mail`, `event`.
pub const CHANNEL: &str = "Channel";
pub const CHANNELS: [&str; 2] = ["mail", "event"];
/// `sent`, `retried` (given back for a later dispatch), `dead` (attempts
/// exhausted or refused for good: an operator must look).
pub const OUTBOX_OUTCOMES: [&str; 3] = ["sent", "retried", "dead"];

/// A blocked task escalated (one per escalation level reached).
pub const ESCALATIONS: &str = "Escalations";

/// A project's health changed, by [`HEALTH`] (the new health).
pub const JEOPARDY_CHANGES: &str = "JeopardyChanges";
/// Dimension of [`JEOPARDY_CHANGES`]: `on_track`, `at_risk`, `late`.
pub const HEALTH: &str = "Health";
pub const HEALTHS: [&str; 3] = ["on_track", "at_risk", "late"];

/// SES reported a customer mail as undeliverable, by [`FEEDBACK`].
pub const MAIL_BOUNCES: &str = "MailBounces";
/// Dimension of [`MAIL_BOUNCES`]: `bounce` (permanent), `complaint`.
pub const FEEDBACK: &str = "Feedback";
pub const FEEDBACKS: [&str; 2] = ["bounce", "complaint"];

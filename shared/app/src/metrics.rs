//! Every business metric of the bundle: its CloudWatch name, its dimension
//! and the values that dimension takes. The one place the code, the
//! dashboard and the alarms of `infra/template.yaml` read them from (the
//! drift test in `tests/integration/infra.rs` compares them).
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

/// Every metric above, for the recorder to declare as counts (the EMF
/// `Unit` CloudWatch shows); the dashboard and alarms sum them.
pub const ALL: [&str; 7] = [
    DEALS_RECEIVED,
    COMMANDS,
    CONTENTION_RETRIES,
    OUTBOX_ENTRIES,
    ESCALATIONS,
    JEOPARDY_CHANGES,
    MAIL_BOUNCES,
];

/// Declares every metric a count to the installed recorder (the EMF
/// `Unit` of each line).
pub fn describe() {
    for name in ALL {
        ::metrics::describe_counter!(name, ::metrics::Unit::Count, "");
    }
}

/// What became of a CRM request ([`DEALS_RECEIVED_OUTCOMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DealOutcome {
    Created,
    Replayed,
    Conflict,
    RejectedSignature,
    Invalid,
}

impl DealOutcome {
    pub fn as_str(self) -> &'static str {
        DEALS_RECEIVED_OUTCOMES[self as usize]
    }
}

/// What became of a staff command ([`COMMANDS_OUTCOMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandOutcome {
    Committed,
    Refused,
    Contended,
}

impl CommandOutcome {
    pub fn as_str(self) -> &'static str {
        COMMANDS_OUTCOMES[self as usize]
    }
}

/// Where an outbox entry goes ([`CHANNELS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Mail,
    Event,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        CHANNELS[self as usize]
    }
}

/// What the dispatcher did with an entry ([`OUTBOX_OUTCOMES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxOutcome {
    Sent,
    Retried,
    Dead,
}

impl OutboxOutcome {
    pub fn as_str(self) -> &'static str {
        OUTBOX_OUTCOMES[self as usize]
    }
}

/// One CRM request answered.
pub fn deal_received(outcome: DealOutcome) {
    ::metrics::counter!(DEALS_RECEIVED, OUTCOME => outcome.as_str()).increment(1);
}

/// One staff command answered.
pub fn command(outcome: CommandOutcome) {
    ::metrics::counter!(COMMANDS, OUTCOME => outcome.as_str()).increment(1);
}

/// One more attempt after losing a race to another writer.
pub fn contention_retry() {
    ::metrics::counter!(CONTENTION_RETRIES).increment(1);
}

/// One outbox entry handled by the dispatcher.
pub fn outbox_entry(channel: Channel, outcome: OutboxOutcome) {
    ::metrics::counter!(OUTBOX_ENTRIES, CHANNEL => channel.as_str(), OUTCOME => outcome.as_str())
        .increment(1);
}

/// One escalation level reached and committed.
pub fn escalation() {
    ::metrics::counter!(ESCALATIONS).increment(1);
}

/// The changes of health a change announces (its `ProjectJeopardyChanged`
/// events), as named in [`HEALTHS`]; a project leaving the clock (no
/// health) is not one. Taken before the commit, counted after it by
/// [`jeopardy_changes`], whichever use case wrote it.
pub fn announced_healths(change: &domain::project::Change) -> Vec<&'static str> {
    use domain::events::detail_type::PROJECT_JEOPARDY_CHANGED;
    use domain::outbox::OutboxMessage;
    let health = |entry: &domain::outbox::OutboxEntry| match &entry.message {
        OutboxMessage::Event { detail_type, detail } if detail_type == PROJECT_JEOPARDY_CHANGED => {
            let health = detail.get("health")?.as_str()?;
            HEALTHS.into_iter().find(|h| *h == health)
        }
        _ => None,
    };
    change.outbox.iter().filter_map(health).collect()
}

/// Changes of health committed (from [`announced_healths`]).
pub fn jeopardy_changes(healths: &[&'static str]) {
    for health in healths {
        ::metrics::counter!(JEOPARDY_CHANGES, HEALTH => *health).increment(1);
    }
}

/// A recorder for the unit tests: counts per metric and labels, set for
/// the test's thread (`::metrics::set_default_local_recorder`), so that
/// tests running at once do not see each other's counts.
#[cfg(any(test, feature = "fixtures"))]
pub mod tally {
    use ::metrics::{Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata};
    use ::metrics::{Recorder, SharedString, Unit};
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Tally(Arc<Mutex<BTreeMap<String, u64>>>);

    struct One(Arc<Mutex<BTreeMap<String, u64>>>, String);

    impl CounterFn for One {
        fn increment(&self, value: u64) {
            *self.0.lock().unwrap().entry(self.1.clone()).or_default() += value;
        }
        fn absolute(&self, value: u64) {
            self.0.lock().unwrap().insert(self.1.clone(), value);
        }
    }

    /// `Name{Label=value,...}`, labels in the order recorded.
    fn spelled(name: &str, labels: &[(&str, &str)]) -> String {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{name}{{{}}}", labels.join(","))
    }

    impl Tally {
        /// The count of `name` with exactly these labels.
        pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
            self.0.lock().unwrap().get(&spelled(name, labels)).copied().unwrap_or(0)
        }

        /// Every count recorded, spelled `Name{Label=value}`.
        pub fn all(&self) -> BTreeMap<String, u64> {
            self.0.lock().unwrap().clone()
        }
    }

    impl Recorder for Tally {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
            let name = spelled(key.name(), &labels);
            Counter::from_arc(Arc::new(One(self.0.clone(), name)))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::forecast::Health;

    #[test]
    fn the_typed_values_are_the_declared_dimension_values() {
        use DealOutcome::*;
        let deals =
            [Created, Replayed, Conflict, RejectedSignature, Invalid].map(DealOutcome::as_str);
        assert_eq!(deals, DEALS_RECEIVED_OUTCOMES);
        assert_eq!(deals[3], "rejected_signature");
        let commands =
            [CommandOutcome::Committed, CommandOutcome::Refused, CommandOutcome::Contended];
        assert_eq!(commands.map(CommandOutcome::as_str), COMMANDS_OUTCOMES);
        assert_eq!([Channel::Mail, Channel::Event].map(Channel::as_str), CHANNELS);
        let outbox = [OutboxOutcome::Sent, OutboxOutcome::Retried, OutboxOutcome::Dead];
        assert_eq!(outbox.map(OutboxOutcome::as_str), OUTBOX_OUTCOMES);
    }

    #[test]
    fn every_health_with_a_clock_is_a_declared_value() {
        let clocked: Vec<&str> =
            Health::ALL.into_iter().filter(|h| *h != Health::None).map(Health::as_str).collect();
        assert_eq!(clocked, HEALTHS);
    }

    #[test]
    fn helpers_count_under_the_declared_names_and_dimensions() {
        let tally = tally::Tally::default();
        ::metrics::with_local_recorder(&tally, || {
            deal_received(DealOutcome::RejectedSignature);
            deal_received(DealOutcome::RejectedSignature);
            outbox_entry(Channel::Mail, OutboxOutcome::Dead);
            jeopardy_changes(&["late"]);
        });
        assert_eq!(tally.count(DEALS_RECEIVED, &[(OUTCOME, "rejected_signature")]), 2);
        assert_eq!(tally.count(OUTBOX_ENTRIES, &[(CHANNEL, "mail"), (OUTCOME, "dead")]), 1);
        assert_eq!(tally.count(JEOPARDY_CHANGES, &[(HEALTH, "late")]), 1);
        assert_eq!(tally.all().len(), 3, "{:?}", tally.all());
    }
}

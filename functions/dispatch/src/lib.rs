//! The handler of the `dispatch` function (`src/main.rs` only wires it).
//!
//! The two invocations of `dispatch`:
//!
//! - a DynamoDB Streams batch (filtered to outbox inserts by the event
//!   source mapping): the entries are delivered, and the records of entries
//!   that must be retried are reported as batch item failures;
//! - a scheduled event: the sweep delivers entries still pending a few
//!   minutes after they were written (lost batches, given-back entries).

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use delivery::Dispatcher;
use domain::OutboxId;
use serde::Deserialize;
use serde_json::{Value, json};
use store::keys;

/// Entries younger than this are the stream's to deliver.
pub const SWEEP_MIN_AGE: chrono::Duration = chrono::Duration::minutes(2);
/// Most entries one sweep takes on: few enough to deliver well within the
/// function's timeout; the next run continues.
pub const SWEEP_LIMIT: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DispatchEvent {
    Stream(StreamEvent),
    Scheduled(SweepRequest),
}

/// The schedule's payload: `{"sweep": "outbox"}` (`events/scheduler/outbox-sweep.json`).
/// Anything else is refused, so that a malformed stream batch fails loudly
/// instead of passing for a sweep.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRequest {
    pub sweep: SweepKind,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    Outbox,
}

/// The outbox entry a stream record announces, if it is an outbox insert.
fn outbox_id(record: &EventRecord) -> Option<OutboxId> {
    if record.event_name != "INSERT" {
        return None;
    }
    match record.change.keys.get(keys::PK) {
        Some(serde_dynamo::AttributeValue::S(pk)) => keys::outbox_id_of(pk).map(OutboxId::from_raw),
        _ => None,
    }
}

pub async fn handle(
    dispatcher: &Dispatcher,
    event: DispatchEvent,
) -> Result<Value, lambda_runtime::Error> {
    match event {
        DispatchEvent::Stream(batch) => {
            let entries: Vec<(Option<String>, OutboxId)> = batch
                .records
                .iter()
                .filter_map(|r| outbox_id(r).map(|id| (r.change.sequence_number.clone(), id)))
                .collect();
            let ids: Vec<OutboxId> = entries.iter().map(|(_, id)| id.clone()).collect();
            let report = dispatcher.dispatch(&ids).await;
            let failures = entries
                .into_iter()
                .filter(|(_, id)| report.retry.contains(id))
                .map(|(sequence, _)| {
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = sequence;
                    failure
                })
                .collect();
            tracing::info!(
                sent = report.sent.len(),
                skipped = report.skipped.len(),
                retry = report.retry.len(),
                dead = report.dead.len(),
                "stream batch dispatched"
            );
            let mut response = DynamoDbEventResponse::default();
            response.batch_item_failures = failures;
            Ok(serde_json::to_value(response)?)
        }
        DispatchEvent::Scheduled(SweepRequest { sweep: SweepKind::Outbox }) => {
            let report = dispatcher.sweep(SWEEP_MIN_AGE, SWEEP_LIMIT).await?;
            tracing::info!(
                sent = report.sent.len(),
                skipped = report.skipped.len(),
                retry = report.retry.len(),
                dead = report.dead.len(),
                "sweep done"
            );
            Ok(json!({
                "sent": report.sent.len(),
                "skipped": report.skipped.len(),
                "retry": report.retry.len(),
                "dead": report.dead.len(),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::clock::ManualClock;
    use app::ports::Store;
    use app::ports::{Commit, EventPublisher, Guard, ProjectWrite};
    use config::Secret;
    use delivery::mail::MailRenderer;
    use delivery::memory::{MemoryMailer, MemoryPublisher};
    use delivery::{DispatchSettings, StatusLinks};
    use domain::DealWon;
    use domain::intake;
    use domain::template::Template;
    use std::sync::Arc;
    use store_sqlite::SqliteStore;

    const BATCH: &str = include_str!("../../../events/dynamodb/outbox-insert.json");
    const SCHEDULE: &str = include_str!("../../../events/scheduler/outbox-sweep.json");

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-11-20T10:05:00Z".parse().unwrap()
    }

    /// A store holding the L1 project of the sample deal and its created event.
    async fn store() -> Arc<dyn Store> {
        let body: api::body::DealWon =
            serde_json::from_str(include_str!("../../../events/crm/deal-won.json")).unwrap();
        let deal = DealWon::from(body);
        let mut plan = intake::plan(&deal, Template::default_for, now());
        let (project, change) = plan.projects.remove(0);
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let write = ProjectWrite { guard: Guard::Create, project, change };
        store.commit(Commit { project: Some(write), deal: None }).await.unwrap();
        store
    }

    fn dispatcher(
        store: Arc<dyn Store>,
        publisher: Arc<dyn EventPublisher>,
        clock: Arc<ManualClock>,
    ) -> Dispatcher {
        let settings = DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>");
        Dispatcher::new(
            store,
            Arc::new(MemoryMailer::default()),
            publisher,
            clock,
            MailRenderer::new().unwrap(),
            settings,
            StatusLinks::fixed("https://deploiements.example", vec![Secret::new("s")]),
        )
    }

    fn parse(json: &str) -> DispatchEvent {
        serde_json::from_str(json).expect("a dispatch event")
    }

    #[tokio::test]
    async fn a_stream_batch_delivers_its_entries_and_skips_unknown_ones() {
        let publisher = Arc::new(MemoryPublisher::default());
        let d = dispatcher(store().await, publisher.clone(), Arc::new(ManualClock::new(now())));
        let response = handle(&d, parse(BATCH)).await.unwrap();
        assert_eq!(response["batchItemFailures"], json!([]));
        let published = publisher.published();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].detail_type, "DeploymentProjectCreated");
        assert_eq!(published[0].detail["event_id"], "e5437a9d-031e-5f65-8181-f0c5342195d1");
    }

    #[test]
    fn only_stream_batches_and_the_sweep_request_are_accepted() {
        assert!(matches!(parse(SCHEDULE), DispatchEvent::Scheduled(_)));
        assert!(matches!(parse(BATCH), DispatchEvent::Stream(_)));
        assert!(serde_json::from_str::<DispatchEvent>(r#"{"Records": "garbage"}"#).is_err());
        assert!(serde_json::from_str::<DispatchEvent>(r#"{"sweep": "everything"}"#).is_err());
        assert!(serde_json::from_str::<DispatchEvent>("{}").is_err());
    }

    #[tokio::test]
    async fn a_batch_delivered_twice_is_sent_once() {
        let publisher = Arc::new(MemoryPublisher::default());
        let d = dispatcher(store().await, publisher.clone(), Arc::new(ManualClock::new(now())));
        handle(&d, parse(BATCH)).await.unwrap();
        handle(&d, parse(BATCH)).await.unwrap();
        assert_eq!(publisher.published().len(), 1);
    }

    #[tokio::test]
    async fn undelivered_records_are_reported_and_the_sweep_delivers_them_later() {
        let store = store().await;
        let clock = Arc::new(ManualClock::new(now()));
        let response = handle(
            &dispatcher(store.clone(), Arc::new(delivery::memory::UnreachableBus), clock.clone()),
            parse(BATCH),
        )
        .await
        .unwrap();
        assert_eq!(
            response["batchItemFailures"],
            json!([{ "itemIdentifier": "11100000000000000001" }])
        );
        assert_eq!(store.pending_outbox(10).await.unwrap().len(), 1, "given back, not lost");

        let publisher = Arc::new(MemoryPublisher::default());
        let d = dispatcher(store.clone(), publisher.clone(), clock.clone());
        handle(&d, parse(SCHEDULE)).await.unwrap();
        assert!(publisher.published().is_empty(), "too young for the sweep: the stream retries it");
        clock.set(now() + SWEEP_MIN_AGE + chrono::Duration::seconds(1));
        let summary = handle(&d, parse(SCHEDULE)).await.unwrap();
        assert_eq!(summary["sent"], 1);
        assert_eq!(publisher.published().len(), 1);
        assert!(store.pending_outbox(10).await.unwrap().is_empty());
    }
}

//! Events through Amazon EventBridge (`PutEvents` on `EVENT_BUS_NAME`).

use app::ports::{DeliveryError, EventPublisher, OutgoingEvent};
use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use domain::events::SOURCE;

pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self { client, bus: bus.into() }
    }

    pub fn from_config(sdk: &aws_config::SdkConfig, bus: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), bus)
    }
}

/// Only a malformed entry is refused for good; any other code (throttling,
/// internal errors, but also access or KMS problems an operator can fix) is
/// retried, so that no event is dropped for a passing misconfiguration.
fn entry_error(code: &str, message: &str) -> DeliveryError {
    let text = format!("{code}: {message}");
    match code {
        "ThrottlingException" => DeliveryError::Throttled(text),
        "MalformedDetail" | "InvalidArgument" => DeliveryError::Permanent(text),
        _ => DeliveryError::Transient(text),
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<Result<(), DeliveryError>>, DeliveryError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let entries = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .source(SOURCE)
                    .detail_type(&e.detail_type)
                    .detail(e.detail.to_string())
                    .event_bus_name(&self.bus)
                    .time(DateTime::from_secs(e.time.timestamp()))
                    .build()
            })
            .collect();
        let out =
            self.client.put_events().set_entries(Some(entries)).send().await.map_err(|e| {
                let text = format!(
                    "{}: {}",
                    e.code().unwrap_or("SdkError"),
                    e.message().unwrap_or_default()
                );
                match e.code() {
                    Some("ThrottlingException") => DeliveryError::Throttled(text),
                    _ => DeliveryError::Transient(text),
                }
            })?;
        // FailedEntryCount > 0 means some entries were refused: read each one.
        let results = out.entries();
        Ok((0..events.len())
            .map(|i| match results.get(i) {
                None => Err(DeliveryError::Transient(
                    "PutEvents returned no result for the entry".into(),
                )),
                Some(r) => match r.error_code() {
                    None => Ok(()),
                    Some(code) => Err(entry_error(code, r.error_message().unwrap_or_default())),
                },
            })
            .collect())
    }
}

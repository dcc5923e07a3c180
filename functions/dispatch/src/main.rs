//! Lambda `dispatch`: delivers outbox entries. Invoked by the table's stream
//! (outbox inserts) and by a schedule (the sweep); see `handler`.
//!
//! Wiring only: settings, SDK clients and the dispatcher are built once per
//! execution environment, outside the handler (`src/lib.rs`).

use lambda_runtime::{LambdaEvent, service_fn};
use shared::app::{DispatchSettings, Dispatcher};
use shared::clock::SystemClock;
use shared::config::{DispatchConfig, process_env};
use shared::delivery::eventbridge::EventBridgePublisher;
use shared::delivery::ses::SesMailer;
use shared::mail::MailRenderer;
use shared::store::dynamodb::DynamoStore;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init_lambda();
    let config = DispatchConfig::from_env(&process_env())?;
    let sdk = shared::aws::sdk_config().await;
    let dispatcher = Dispatcher::new(
        Arc::new(DynamoStore::from_config(&sdk, config.table_name)),
        Arc::new(SesMailer::from_config(&sdk, config.configuration_set)),
        Arc::new(EventBridgePublisher::from_config(&sdk, config.event_bus_name)),
        Arc::new(SystemClock),
        MailRenderer::new()?,
        DispatchSettings::new(config.mail_from),
    );
    let dispatcher = &dispatcher;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<dispatch::DispatchEvent>| {
        dispatch::handle(dispatcher, event.payload)
    }))
    .await
}

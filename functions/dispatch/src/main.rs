//! Lambda `dispatch`: delivers outbox entries. Invoked by the table's stream
//! (outbox inserts) and by a schedule (the sweep); see `handler`.
//!
//! Wiring only: settings, SDK clients and the dispatcher are built once per
//! execution environment, outside the handler (`src/lib.rs`).

use app::clock::SystemClock;
use config::{DispatchConfig, process_env};
use delivery::mail::MailRenderer;
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use delivery_aws::eventbridge::EventBridgePublisher;
use delivery_aws::ses::SesMailer;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use store_dynamodb::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let config = DispatchConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    // Read when the first customer mail is composed, not here.
    let console_secret = cloud::wiring::secrets(&sdk, config.console_secret);
    let dispatcher = Dispatcher::new(
        Arc::new(DynamoStore::from_config(&sdk, config.table_name)),
        Arc::new(SesMailer::from_config(&sdk, config.configuration_set)),
        Arc::new(EventBridgePublisher::from_config(&sdk, config.event_bus_name)),
        Arc::new(SystemClock),
        MailRenderer::new()?,
        DispatchSettings::new(config.mail_from),
        StatusLinks::new(config.public_url, console_secret),
    );
    let dispatcher = &dispatcher;
    telemetry::run(service_fn(move |event: LambdaEvent<dispatch::DispatchEvent>| {
        dispatch::handle(dispatcher, event.payload)
    }))
    .await
}

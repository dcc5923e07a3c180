//! Lambda `dispatch`: delivers outbox entries. Invoked by the table's stream
//! (outbox inserts) and by a schedule (the sweep); see `handler`.
//!
//! Wiring only: settings, SDK clients and the dispatcher are built once per
//! execution environment, outside the handler (`src/lib.rs`).

use lambda_runtime::{LambdaEvent, service_fn};
use shared::app::{DispatchSettings, Dispatcher, StatusLinks};
use shared::clock::SystemClock;
use shared::config::{DispatchConfig, WebhookSecretSource, process_env};
use shared::delivery::eventbridge::EventBridgePublisher;
use shared::delivery::ses::SesMailer;
use shared::mail::MailRenderer;
use shared::ports::WebhookSecrets;
use shared::secrets::{FixedSecrets, SecretsManagerSecrets};
use shared::store::dynamodb::DynamoStore;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init_lambda();
    let config = DispatchConfig::from_env(&process_env())?;
    let sdk = shared::aws::sdk_config().await;
    // Read when the first customer mail is composed, not here.
    let console_secret: Arc<dyn WebhookSecrets> = match config.console_secret {
        WebhookSecretSource::SecretsManager(id) => {
            Arc::new(SecretsManagerSecrets::from_config(&sdk, id))
        }
        WebhookSecretSource::Fixed(secrets) => Arc::new(FixedSecrets(secrets)),
    };
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
    shared::telemetry::run(service_fn(move |event: LambdaEvent<dispatch::DispatchEvent>| {
        dispatch::handle(dispatcher, event.payload)
    }))
    .await
}

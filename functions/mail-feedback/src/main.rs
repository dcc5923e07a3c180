//! Lambda `mail-feedback`: SES bounce and complaint reports, delivered by
//! an EventBridge rule, mark the project's technical contact undeliverable
//! (see `src/lib.rs`).
//!
//! Wiring only: settings, the store and the commands are built once per
//! execution environment, outside the handler.

use app::Commands;
use app::clock::SystemClock;
use config::{MailFeedbackConfig, process_env};
use lambda_runtime::{LambdaEvent, service_fn};
use mail_feedback::SesEvent;
use std::sync::Arc;
use store_dynamodb::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let config = MailFeedbackConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let commands = Commands::new(store.clone(), store, Arc::new(SystemClock));
    let commands = &commands;
    telemetry::run(service_fn(move |event: LambdaEvent<SesEvent>| async move {
        let handled = mail_feedback::handle(commands, event.payload).await?;
        Ok::<String, lambda_runtime::Error>(format!("{handled:?}"))
    }))
    .await
}

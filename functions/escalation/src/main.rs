//! Lambda `escalation`: run by a schedule (every 15 minutes), escalates the
//! blocked tasks whose escalation is due (see `src/lib.rs`).
//!
//! Wiring only: settings, the store and the escalator are built once per
//! execution environment, outside the handler.

use app::clock::SystemClock;
use app::{Commands, Escalator};
use config::{EscalationConfig, process_env};
use escalation::SweepRequest;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use std::sync::Arc;
use store_dynamodb::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let config = EscalationConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let clock = Arc::new(SystemClock);
    let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
    let escalator = Escalator::new(store, commands, clock, config.escalation_email);
    let escalator = &escalator;
    telemetry::run(service_fn(move |event: LambdaEvent<SweepRequest>| async move {
        let report = escalation::handle(escalator, event.payload).await?;
        Ok::<Value, lambda_runtime::Error>(serde_json::to_value(report)?)
    }))
    .await
}

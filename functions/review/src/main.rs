//! Lambda `review`: run by a schedule (daily), re-projects the projects
//! whose forecast is due for review; invoked once by hand, backfills the
//! forecasts of older projects (see `src/lib.rs`).
//!
//! Wiring only: settings, the store and the reviewer are built once per
//! execution environment, outside the handler.

use app::clock::SystemClock;
use app::{Commands, Reviewer};
use config::{StaffConfig, process_env};
use lambda_runtime::{LambdaEvent, service_fn};
use review::ReviewRequest;
use serde_json::Value;
use std::sync::Arc;
use store_dynamodb::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init_lambda();
    let config = StaffConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let clock = Arc::new(SystemClock);
    let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
    let reviewer = Reviewer::new(store.clone(), store, commands, clock);
    let reviewer = &reviewer;
    telemetry::run(service_fn(move |event: LambdaEvent<ReviewRequest>| async move {
        let report = review::handle(reviewer, event.payload).await?;
        Ok::<Value, lambda_runtime::Error>(serde_json::to_value(report)?)
    }))
    .await
}

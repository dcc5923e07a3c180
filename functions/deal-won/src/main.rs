//! Lambda `deal-won`: the CRM webhooks `POST /v1/crm/deals/won`,
//! `/v1/crm/deals/changed` and `/v1/crm/deals/cancelled` (the routes of
//! `api::crm`).
//!
//! Wiring only: settings, SDK clients and the router are built once per
//! execution environment, outside the handler.

use api::crm;
use app::clock::SystemClock;
use config::{DealWonConfig, process_env};
use std::sync::Arc;
use store_dynamodb::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let config = DealWonConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let secrets = cloud::wiring::secrets(&sdk, config.webhook_secrets);
    let state = crm::CrmState::new(store, secrets, Arc::new(SystemClock));
    telemetry::run_http(api::app([crm::router(state)])).await
}

//! Lambda `deal-won`: the CRM webhooks `POST /v1/crm/deals/won`,
//! `/v1/crm/deals/changed` and `/v1/crm/deals/cancelled` (the routes of
//! `shared::http::crm`).
//!
//! Wiring only: settings, SDK clients and the router are built once per
//! execution environment, outside the handler.

use shared::clock::SystemClock;
use shared::config::{DealWonConfig, WebhookSecretSource, process_env};
use shared::http::{self, crm};
use shared::ports::WebhookSecrets;
use shared::secrets::{FixedSecrets, SecretsManagerSecrets};
use shared::store::dynamodb::DynamoStore;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let config = DealWonConfig::from_env(&process_env())?;
    let sdk = shared::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let clock = Arc::new(SystemClock);
    let secrets: Arc<dyn WebhookSecrets> = match config.webhook_secrets {
        WebhookSecretSource::SecretsManager(id) => {
            Arc::new(SecretsManagerSecrets::from_config(&sdk, id))
        }
        WebhookSecretSource::Fixed(secrets) => Arc::new(FixedSecrets(secrets)),
    };
    let state = crm::CrmState::new(store, secrets, clock);
    shared::telemetry::run_http(http::app([crm::router(state)])).await
}

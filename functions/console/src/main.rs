//! Lambda `console`: the web console under `/console/` (OpenID Connect
//! sign-in, no development sign-in) and the customers' status pages.
//!
//! Wiring only: the console on the table, signed with the console secret
//! (Secrets Manager), signing staff in with the identity provider the
//! API's authorizer trusts. The pages live in the `console` crate.

use app::clock::SystemClock;
use config::{ConsoleConfig, process_env};
use std::sync::Arc;
use store_dynamodb::DynamoStore;
use web_console::{ConsoleState, cloud_router, oidc::HttpIdentityProvider};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = console_app().await?;
    telemetry::run_http(app).await
}

async fn console_app() -> Result<axum::Router, Error> {
    let config = ConsoleConfig::from_env(&process_env())?;
    let sdk = cloud::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let secrets = cloud::wiring::secrets(&sdk, config.secret);
    let mut oidc = config.oidc;
    if let Some(id) = config.client_id_secret {
        oidc.client_id = cloud::secrets_manager::published_client_id(&sdk, &id).await?;
    }
    let provider = HttpIdentityProvider::new(&oidc)?;
    let state = ConsoleState::on(store, secrets, Arc::new(SystemClock), true);
    Ok(cloud_router(state, Arc::new(provider), oidc, config.logout))
}

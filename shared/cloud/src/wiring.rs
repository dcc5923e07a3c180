//! What the functions build once per execution environment: the staff
//! functions' settings, store, use cases and router; the secrets a
//! function reads (Secrets Manager, or fixed).

use crate::secrets_manager::SecretsManagerSecrets;
use api::auth::{ApiGatewayClaims, Authenticator};
use api::staff::StaffState;
use app::Templates;
use app::clock::SystemClock;
use app::ports::{Store, WebhookSecrets};
use app::secrets::FixedSecrets;
use axum::Router;
use config::{ConfigError, StaffConfig, WebhookSecretSource, process_env};
use std::sync::Arc;
use store_dynamodb::DynamoStore;

/// The store, and the claims the authorizer's tokens name members by.
async fn store() -> Result<(Arc<dyn Store>, ApiGatewayClaims), ConfigError> {
    let config = StaffConfig::from_env(&process_env())?;
    let sdk = crate::aws::sdk_config().await;
    let claims = ApiGatewayClaims { names: config.claims };
    Ok((Arc::new(DynamoStore::from_config(&sdk, config.table_name)), claims))
}

/// The application of the `templates` function.
pub async fn templates_app() -> Result<Router, ConfigError> {
    let (store, claims) = store().await?;
    let templates = Templates::new(store, Arc::new(SystemClock));
    Ok(api::app([api::templates::router(Arc::new(templates), Arc::new(claims))]))
}

/// The application of a staff function serving `router`, with claims from
/// API Gateway's JWT authorizer.
pub async fn staff_app(
    router: fn(StaffState, Authenticator) -> Router,
) -> Result<Router, ConfigError> {
    let (store, claims) = store().await?;
    let state = StaffState::new(store, Arc::new(SystemClock));
    Ok(api::app([router(state, Arc::new(claims))]))
}

/// The secrets named by `source`: read from Secrets Manager, or fixed.
pub fn secrets(
    sdk: &aws_config::SdkConfig,
    source: WebhookSecretSource,
) -> Arc<dyn WebhookSecrets> {
    match source {
        WebhookSecretSource::SecretsManager(id) => {
            Arc::new(SecretsManagerSecrets::from_config(sdk, id))
        }
        WebhookSecretSource::Fixed(secrets) => Arc::new(FixedSecrets(secrets)),
    }
}

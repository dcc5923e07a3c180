//! The dependencies of a staff function, built once per execution
//! environment: settings, the DynamoDB store, the use cases, the router.

use crate::app::Templates;
use crate::clock::SystemClock;
use crate::config::{ConfigError, StaffConfig, process_env};
use crate::http::auth::{ApiGatewayClaims, Authenticator};
use crate::http::staff::StaffState;
use crate::store::Store;
use crate::store::dynamodb::DynamoStore;
use axum::Router;
use std::sync::Arc;

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
    Ok(crate::http::app([crate::http::templates::router(Arc::new(templates), Arc::new(claims))]))
}

/// The application of a staff function serving `router`, with claims from
/// API Gateway's JWT authorizer.
pub async fn staff_app(
    router: fn(StaffState, Authenticator) -> Router,
) -> Result<Router, ConfigError> {
    let (store, claims) = store().await?;
    let state = StaffState::new(store, Arc::new(SystemClock));
    Ok(crate::http::app([router(state, Arc::new(claims))]))
}

/// The application of the `console` function: the console on the table,
/// signed with the console secret (Secrets Manager), signing staff in with
/// the identity provider the API's authorizer trusts.
#[cfg(all(feature = "console", feature = "secretsmanager"))]
pub async fn console_app() -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    use crate::config::{ConsoleConfig, WebhookSecretSource};
    use crate::console::{ConsoleState, cloud_router, oidc::HttpIdentityProvider};
    use crate::ports::WebhookSecrets;
    use crate::secrets::{FixedSecrets, SecretsManagerSecrets};
    let config = ConsoleConfig::from_env(&process_env())?;
    let sdk = crate::aws::sdk_config().await;
    let store = Arc::new(DynamoStore::from_config(&sdk, config.table_name));
    let secrets: Arc<dyn WebhookSecrets> = match config.secret {
        WebhookSecretSource::SecretsManager(id) => {
            Arc::new(SecretsManagerSecrets::from_config(&sdk, id))
        }
        WebhookSecretSource::Fixed(secrets) => Arc::new(FixedSecrets(secrets)),
    };
    let mut oidc = config.oidc;
    if let Some(id) = config.client_id_secret {
        oidc.client_id = published_client_id(&sdk, &id).await?;
    }
    let provider = HttpIdentityProvider::new(&oidc)?;
    let state = ConsoleState::new(store, secrets, Arc::new(SystemClock), true);
    Ok(cloud_router(state, Arc::new(provider), oidc, config.logout))
}

/// The console's client id as the stack published it (`{"client_id": ...}`).
#[cfg(all(feature = "console", feature = "secretsmanager"))]
async fn published_client_id(
    sdk: &aws_config::SdkConfig,
    secret_id: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    #[derive(serde::Deserialize)]
    struct Published {
        client_id: String,
    }
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let out = client.get_secret_value().secret_id(secret_id).send().await?;
    let published: Published = serde_json::from_str(out.secret_string().unwrap_or_default())?;
    Ok(published.client_id)
}

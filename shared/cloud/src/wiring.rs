//! What the functions build once per execution environment: a staff
//! function's store and the claims its members are named by; the secrets a
//! function reads (Secrets Manager, or fixed).

use crate::secrets_manager::SecretsManagerSecrets;
use app::ports::{Store, WebhookSecrets};
use app::secrets::FixedSecrets;
use config::{ClaimNames, ConfigError, StaffConfig, WebhookSecretSource, process_env};
use std::sync::Arc;
use store_dynamodb::DynamoStore;

/// A staff function's table, and the claims of the authorizer's tokens.
pub async fn staff_table() -> Result<(Arc<dyn Store>, ClaimNames), ConfigError> {
    let config = StaffConfig::from_env(&process_env())?;
    let sdk = crate::aws::sdk_config().await;
    Ok((Arc::new(DynamoStore::from_config(&sdk, config.table_name)), config.claims))
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

//! Adapters of [`WebhookSecrets`]: secrets fixed at start-up, or read from
//! AWS Secrets Manager (feature `secretsmanager`).

#[cfg(feature = "secretsmanager")]
pub mod secrets_manager;

#[cfg(feature = "secretsmanager")]
pub use secrets_manager::SecretsManagerSecrets;

use crate::config::Secret;
use crate::ports::{StoreError, WebhookSecrets};
use async_trait::async_trait;

/// Secrets fixed at start-up (the local runner, tests).
pub struct FixedSecrets(pub Vec<Secret>);

#[async_trait]
impl WebhookSecrets for FixedSecrets {
    async fn current(&self) -> Result<Vec<Secret>, StoreError> {
        Ok(self.0.clone())
    }

    async fn refresh(&self) -> bool {
        false
    }
}

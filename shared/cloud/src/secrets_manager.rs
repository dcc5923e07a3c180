//! The CRM webhook secrets in AWS Secrets Manager: a JSON secret
//! `{"current": "...", "previous": "..."}` ("previous" empty outside a
//! rotation). Read on first use, not at start-up; read again when a
//! signature fails to verify and the last read is a minute old, so a warm
//! function picks up a rotation without a redeploy.

use app::ports::{StoreError, WebhookSecrets};
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use config::Secret;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// The console's client id as the stack published it (`{"client_id": ...}`).
pub async fn published_client_id(
    sdk: &aws_config::SdkConfig,
    secret_id: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    #[derive(Deserialize)]
    struct Published {
        client_id: String,
    }
    let out = Client::new(sdk).get_secret_value().secret_id(secret_id).send().await?;
    let published: Published = serde_json::from_str(out.secret_string().unwrap_or_default())?;
    Ok(published.client_id)
}

/// The least time between two reads forced by failing signatures.
pub const MIN_REFRESH: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct Stored {
    current: String,
    #[serde(default)]
    previous: Option<String>,
}

pub struct SecretsManagerSecrets {
    client: Client,
    secret_id: String,
    min_refresh: Duration,
    cached: RwLock<Option<(Vec<Secret>, Instant)>>,
}

impl SecretsManagerSecrets {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
            min_refresh: MIN_REFRESH,
            cached: RwLock::new(None),
        }
    }

    /// Allows forced reads closer together than [`MIN_REFRESH`] (tests).
    pub fn with_min_refresh(mut self, min_refresh: Duration) -> Self {
        self.min_refresh = min_refresh;
        self
    }

    pub fn from_config(sdk: &aws_config::SdkConfig, secret_id: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), secret_id)
    }

    async fn read(&self) -> Result<Vec<Secret>, StoreError> {
        let out = self.client.get_secret_value().secret_id(&self.secret_id).send().await.map_err(
            |e| StoreError::Unavailable(Box::new(aws_sdk_secretsmanager::Error::from(e))),
        )?;
        let text = out.secret_string().unwrap_or_default();
        let stored: Stored = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
            key: self.secret_id.clone(),
            source: Box::new(e),
        })?;
        let mut secrets = vec![Secret::new(stored.current)];
        secrets.extend(stored.previous.filter(|p| !p.is_empty()).map(Secret::new));
        Ok(secrets)
    }
}

#[async_trait]
impl WebhookSecrets for SecretsManagerSecrets {
    async fn current(&self) -> Result<Vec<Secret>, StoreError> {
        if let Some((secrets, _)) = self.cached.read().await.as_ref() {
            return Ok(secrets.clone());
        }
        let mut cached = self.cached.write().await;
        if let Some((secrets, _)) = cached.as_ref() {
            return Ok(secrets.clone());
        }
        let secrets = self.read().await?;
        *cached = Some((secrets.clone(), Instant::now()));
        Ok(secrets)
    }

    async fn refresh(&self) -> bool {
        let mut cached = self.cached.write().await;
        if cached.as_ref().is_some_and(|(_, at)| at.elapsed() < self.min_refresh) {
            return false;
        }
        match self.read().await {
            Ok(secrets) => {
                *cached = Some((secrets, Instant::now()));
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the webhook secrets again");
                false
            }
        }
    }
}

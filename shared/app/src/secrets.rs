//! Secrets fixed at start-up (an adapter of [`WebhookSecrets`]; the cloud's,
//! in Secrets Manager, is `cloud::secrets_manager`), and how a signature is
//! checked against the secrets in force.

use crate::ports::{StoreError, WebhookSecrets};
use config::Secret;

/// Checks something signed (`check`) against the secrets in force; when
/// the outcome asks for it (`stale`: no key in force verified it) and the
/// secrets are read anew (a rotation since the last read), checks once
/// more. The outcome, with the secrets it was checked against.
pub async fn check_fresh<R>(
    secrets: &dyn WebhookSecrets,
    check: impl Fn(&[Secret]) -> R,
    stale: impl Fn(&R) -> bool,
) -> Result<(R, Vec<Secret>), StoreError> {
    let current = secrets.current().await?;
    let outcome = check(&current);
    if !stale(&outcome) || !secrets.refresh().await {
        return Ok((outcome, current));
    }
    let current = secrets.current().await?;
    Ok((check(&current), current))
}
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

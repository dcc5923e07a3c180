//! The AWS SDK configuration shared by every client of a function.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

/// Loads region, credentials and endpoints (`AWS_ENDPOINT_URL*` included)
/// from the environment. Makes no network call: credentials resolve lazily.
///
/// The HTTP client is rustls with the `ring` provider: one TLS stack, and no
/// aws-lc start-up entropy cost in a cold start.
pub async fn sdk_config() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .load()
        .await
}

/// Counts the requests a client sends, per operation (`Query`,
/// `TransactWriteItems`, …), retries included: the measure of "round trips
/// per command" used by tests and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct CallCounter(std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, u32>>>);

impl CallCounter {
    /// Requests sent so far, by operation name.
    pub fn counts(&self) -> std::collections::BTreeMap<String, u32> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn total(&self) -> u32 {
        self.counts().values().sum()
    }

    pub fn reset(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let operation = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map_or_else(|| "unknown".to_owned(), |m| m.name().to_owned());
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(operation).or_default() += 1;
        Ok(())
    }
}

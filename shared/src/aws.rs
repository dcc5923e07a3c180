//! The AWS SDK configuration shared by every client of a function.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
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

//! The AWS SDK configuration shared by every client of a function.
//!
//! Built for a cold start that does no more than the first request needs:
//! the TLS connector is made at the first request, not as each client is
//! built, and trusts the roots AWS endpoints chain to, compiled in, rather
//! than reading and parsing the system's whole certificate store.

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::meta::region::ProvideRegion;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

/// Amazon Trust Services' roots (Amazon Root CA 1–4 and the Starfield
/// Services G2 root that cross-signs them): every AWS service endpoint's
/// certificate chains to one of them. Five certificates parse in
/// microseconds; the system's store (~150 files, read and parsed once per
/// client) cost a cold start most of its milliseconds.
pub const AWS_ROOTS_PEM: &str = include_str!("aws_roots.pem");

/// Loads region, credentials and endpoints (`AWS_ENDPOINT_URL*` included)
/// from the environment. Makes no network call: credentials resolve lazily.
///
/// Lambda puts the function's credentials and region in the environment,
/// where the default chains look first: when they are there, they are used
/// as such, and the chains' other providers (profile, web identity with its
/// STS client, container, instance metadata) are not built at start-up.
///
/// The HTTP client is rustls with the `ring` provider (one TLS stack, and
/// no aws-lc start-up entropy cost), trusting [`AWS_ROOTS_PEM`] only.
pub async fn sdk_config() -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(aws_roots())
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(AtFirstRequest(http)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        );
    let environment = EnvironmentVariableCredentialsProvider::new();
    if environment.provide_credentials().await.is_ok() {
        loader = loader.credentials_provider(environment);
    }
    // Likewise the region: the default chain would build an instance
    // metadata client that Lambda never needs.
    if let Some(region) = EnvironmentVariableRegionProvider::new().region().await {
        loader = loader.region(region);
    }
    loader.load().await
}

/// A TLS context trusting [`AWS_ROOTS_PEM`], not the system's store.
fn aws_roots() -> TlsContext {
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(AWS_ROOTS_PEM);
    // Infallible today; were it to fail, the SDK's default context stands.
    TlsContext::builder().with_trust_store(trust).build().unwrap_or_default()
}

/// The SDK's hyper client, minus its check at client construction: that
/// check builds a TLS connector (trust store included) for every client a
/// function makes, at start-up, and throws it away. The connector is built
/// once, at the first request, and cached by the client as before.
#[derive(Debug)]
struct AtFirstRequest(SharedHttpClient);

impl HttpClient for AtFirstRequest {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_http_client::Connector;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn the_sdk_trusts_amazon_trust_services_roots_only_and_each_of_them_parses() {
        let roots = [
            "CN = Amazon Root CA 1",
            "CN = Amazon Root CA 2",
            "CN = Amazon Root CA 3",
            "CN = Amazon Root CA 4",
            "CN = Starfield Services Root Certificate Authority - G2",
        ];
        assert_eq!(AWS_ROOTS_PEM.matches("-----BEGIN CERTIFICATE-----").count(), roots.len());
        for root in roots {
            assert!(AWS_ROOTS_PEM.contains(root), "{root} is in the bundle");
        }
        // What the first request does: parse each root into the trust
        // store of a rustls connector (the SDK panics on one it cannot use).
        let tls = Connector::builder().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
        let _connector = tls.tls_context(aws_roots()).build();
    }

    #[test]
    #[should_panic(expected = "valid PEM certificate")]
    fn a_root_that_does_not_parse_is_refused_when_the_connector_is_built() {
        let trust = TrustStore::empty().with_pem_certificate(
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        );
        let context = TlsContext::builder().with_trust_store(trust).build().unwrap();
        let tls = Connector::builder().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
        let _connector = tls.tls_context(context).build();
    }

    /// A DynamoDB client on a port where nothing listens, its connectors
    /// counted.
    async fn counted_client() -> (aws_sdk_dynamodb::Client, Arc<AtomicU32>) {
        use aws_sdk_dynamodb::config::{Credentials, Region, retry::RetryConfig};
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let built = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&built);
        let http = aws_smithy_http_client::Builder::new().build_with_connector_fn(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            Connector::builder().build_http()
        });
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-3"))
            .credentials_provider(Credentials::new("id", "secret", None, None, "test"))
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .http_client(SharedHttpClient::new(AtFirstRequest(http)))
            .build();
        (aws_sdk_dynamodb::Client::from_conf(config), built)
    }

    #[tokio::test]
    async fn clients_are_built_without_a_connector_and_the_first_request_makes_the_only_one() {
        let (client, built) = counted_client().await;
        let _second_client = client.clone();
        assert_eq!(built.load(Ordering::SeqCst), 0, "no connector before a request");
        for _ in 0..2 {
            let refused = client.describe_table().table_name("t").send().await;
            assert!(refused.is_err(), "nothing listens there");
        }
        assert_eq!(built.load(Ordering::SeqCst), 1, "one connector, kept for later requests");
    }
}

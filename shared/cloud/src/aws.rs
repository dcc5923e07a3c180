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
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::origin::Origin;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use std::sync::Arc;
use std::time::Duration;

/// Amazon Trust Services' roots (Amazon Root CA 1–4 and the Starfield
/// Services G2 root that cross-signs them): every AWS service endpoint's
/// certificate chains to one of them. Five certificates parse in
/// microseconds; the system's store (~150 files, read and parsed once per
/// client) cost a cold start most of its milliseconds.
pub const AWS_ROOTS_PEM: &str = include_str!("aws_roots.pem");

/// The configuration every client of a function shares, from Lambda's
/// environment: its credentials (`AWS_ACCESS_KEY_ID`, ...) and region
/// (`AWS_REGION`), and the endpoints `AWS_ENDPOINT_URL` and
/// `AWS_ENDPOINT_URL_<SERVICE>` when set (the local stand-ins). Makes no
/// network call: credentials resolve at the first request.
///
/// Built by hand rather than by `aws_config`'s loader: Lambda always puts
/// credentials and region in the environment, and the loader's other
/// sources (profiles, web identity through STS, SSO, containers, instance
/// metadata) cost every function's binary their code (a third of a MB,
/// STS and its XML included) for a case that never arises.
///
/// The HTTP client is rustls with the `ring` provider (one TLS stack, and
/// no aws-lc start-up entropy cost), trusting [`AWS_ROOTS_PEM`] only.
pub async fn sdk_config() -> SdkConfig {
    let credentials = EnvironmentVariableCredentialsProvider::new();
    let region = EnvironmentVariableRegionProvider::new().region().await;
    configured(
        SharedCredentialsProvider::new(credentials),
        region,
        Arc::new(|name: &str| std::env::var(name).ok()),
    )
}

/// Reads a variable of the environment.
type Variables = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The shared configuration: `credentials`, `region`, and the endpoints the
/// `variables` name.
fn configured(
    credentials: SharedCredentialsProvider,
    region: Option<Region>,
    variables: Variables,
) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(aws_roots())
        .build_https();
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .build();
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(AtFirstRequest(http)))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard())
        .sleep_impl(TokioSleep::new())
        .time_source(SystemTimeSource::new())
        .credentials_provider(credentials);
    config.set_region(region);
    config.set_endpoint_url(variables(ENDPOINT_URL));
    // From the environment, as the loader marks it: were it marked as set in
    // code, each client would take it over its service's own endpoint.
    config.insert_origin("endpoint_url", Origin::shared_environment_variable());
    config.service_config(ServiceVariables(variables)).build()
}

/// Every service's endpoint (`AWS_ENDPOINT_URL`): the local stand-ins.
const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// A service's own settings from the environment, as the clients ask for
/// them: `<key>_<SERVICE ID>` (`AWS_ENDPOINT_URL_DYNAMODB`,
/// `AWS_ENDPOINT_URL_SECRETS_MANAGER`), the SDK's naming.
struct ServiceVariables(Variables);

impl std::fmt::Debug for ServiceVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceVariables")
    }
}

impl LoadServiceConfig for ServiceVariables {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        (self.0)(&service_variable(key.env(), key.service_id()))
    }
}

/// The variable of `service_id`'s own value of `variable`.
fn service_variable(variable: &str, service_id: &str) -> String {
    format!("{variable}_{}", service_id.to_uppercase().replace(' ', "_"))
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

    /// A client of the shared configuration goes to its service's own
    /// endpoint, not to the one of every service (moto serves DynamoDB too:
    /// a mistake there went unseen).
    #[tokio::test]
    async fn a_client_goes_to_its_service_s_own_endpoint_before_the_shared_one() {
        use aws_credential_types::Credentials;
        let own = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shared = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = |l: &tokio::net::TcpListener| format!("http://{}", l.local_addr().unwrap());
        let (own_url, shared_url) = (url(&own), url(&shared));
        let variables: Variables = Arc::new(move |name: &str| match name {
            "AWS_ENDPOINT_URL_DYNAMODB" => Some(own_url.clone()),
            ENDPOINT_URL => Some(shared_url.clone()),
            _ => None,
        });
        let credentials = Credentials::new("id", "secret", None, None, "test");
        let region = Some(Region::new("eu-west-3"));
        let config = configured(SharedCredentialsProvider::new(credentials), region, variables);
        let client = aws_sdk_dynamodb::Client::new(&config);
        let call = tokio::spawn(async move { client.list_tables().send().await });
        let reached = tokio::select! {
            _ = own.accept() => "DynamoDB's own",
            _ = shared.accept() => "the shared one",
        };
        call.abort();
        assert_eq!(reached, "DynamoDB's own");
    }

    #[test]
    fn a_service_s_own_endpoint_variable_is_named_as_the_sdk_names_it() {
        assert_eq!(service_variable(ENDPOINT_URL, "DynamoDB"), "AWS_ENDPOINT_URL_DYNAMODB");
        assert_eq!(
            service_variable(ENDPOINT_URL, "Secrets Manager"),
            "AWS_ENDPOINT_URL_SECRETS_MANAGER"
        );
    }

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

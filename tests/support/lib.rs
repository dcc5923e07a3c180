//! Shared helpers of the integration tests.
//!
//! Tests that need DynamoDB Local find it through `AWS_ENDPOINT_URL_DYNAMODB`,
//! which `tests/run` sets after starting it; without it they fail with a
//! message saying so, never skip. Every test gets its own table.
//!
//! The stand-ins run on the same (two, often busy) cores as the tests: the
//! tests' clients wait for them longer than the functions wait for AWS
//! ([`sdk_config`]), and no test asserts how fast anything is.

pub mod alone;
pub mod apigw;
pub mod browser;
pub mod contracts;
pub mod draft4;
pub mod envelopes;
pub mod fixtures;
pub mod moto;
pub mod scenario;
pub mod sink;
pub mod snapshots;

use api::signature;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use axum::body::Body;
use axum::http::Request;
use cloud::aws::CallCounter;
use config::Secret;
use std::sync::atomic::{AtomicU32, Ordering};
use store_dynamodb::{DynamoStore, create_table};
use store_sqlite::SqliteStore;

/// The local stand-ins' endpoints and credentials, as `tests/run` and
/// `tests/bench/run` export them: what a function binary started by a test
/// or the benchmark is given.
pub fn stand_in_env() -> Vec<(&'static str, String)> {
    needs("DynamoDB Local and moto", "dynamodb_local");
    let names = [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ];
    let value = |k: &str| {
        std::env::var(k)
            .unwrap_or_else(|_| panic!("{k} is not set: run through tests/run or tests/bench/run"))
    };
    names.into_iter().map(|k| (k, value(k))).collect()
}

/// How long a test waits for what happens in the background (a
/// dispatcher's next round, a child process's next line) before it fails:
/// a guard, not a measure, generous for two busy cores.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// The secret the test routers accept.
pub const SECRET: &str = "test-webhook-secret";

/// The sample deal of the contract, byte for byte as in `events/crm/deal-won.json`.
pub fn sample_deal() -> Vec<u8> {
    include_bytes!("../../events/crm/deal-won.json").to_vec()
}

/// The sample deal as the domain knows it, parsed as the API parses it.
pub fn sample_deal_won() -> domain::DealWon {
    let body: api::body::DealWon =
        serde_json::from_slice(&sample_deal()).expect("events/crm/deal-won.json parses");
    body.into()
}

/// The sample deal with its JSON edited by `edit`.
pub fn edited_deal(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut deal: serde_json::Value =
        serde_json::from_slice(&sample_deal()).expect("sample parses");
    edit(&mut deal);
    serde_json::to_vec(&deal).expect("serializes")
}

/// A table or file name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `tests/run --quick` starts no stand-in and says so (`TESTS_TIER=quick`);
/// it skips the tests whose path names one (`dynamodb_local`, `moto`,
/// `browser`). A test that reaches for `stand_in` there is misnamed: it
/// fails, saying what to name it.
pub fn needs(stand_in: &str, name: &str) {
    if std::env::var("TESTS_TIER").is_ok_and(|tier| tier == "quick") {
        panic!(
            "this test needs {stand_in}, which the quick tier (tests/run --quick) does not \
             start: name it for it, `{name}` in its module's name or its own (as in \
             `…::{name}::…` or `…_on_{name}`), and the quick tier skips it"
        );
    }
}

fn dynamodb_local_endpoint() -> String {
    needs("DynamoDB Local", "dynamodb_local");
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "DynamoDB Local is not running: AWS_ENDPOINT_URL_DYNAMODB is not set. \
             Run the tests with `tests/run`, which installs and starts it."
        )
    })
}

/// How long the tests' clients wait for a stand-in (the functions' own
/// [`cloud::aws::sdk_config`] waits 2 s to connect and 5 s per attempt,
/// sized for AWS). DynamoDB Local and moto share two cores with the tests
/// and, on CI or beside other builds, with more: a request has taken over
/// 5 s there (a table filled four 80-item transactions at a time while the
/// rest of the suite ran), so an attempt may take a minute, an operation
/// five. A slow answer is not an error.
pub const STAND_IN_CONNECT: std::time::Duration = std::time::Duration::from_secs(10);
pub const STAND_IN_ATTEMPT: std::time::Duration = std::time::Duration::from_secs(60);
pub const STAND_IN_OPERATION: std::time::Duration = std::time::Duration::from_secs(300);

/// Attempts of one DynamoDB Local operation. On busy cores DynamoDB Local
/// answers some requests `InternalServerError`, "timed out because it [took]
/// too long waiting for a lock. This request will succeed in actual
/// DynamoDB API": the SDK retries that (a 5xx) with a back-off of up to
/// [`STAND_IN_BACKOFF`], from a retry budget of its own, never exhausted
/// (the SDK's default, 500 tokens for a process, is spent by ~35 retries).
/// The tests count operations, not attempts ([`OperationCounter`]).
pub const DYNAMODB_LOCAL_ATTEMPTS: u32 = 10;
pub const STAND_IN_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

/// The SDK configuration of the tests' clients of the stand-ins: the
/// functions' (region, credentials and endpoints from the environment),
/// with the stand-ins' timeouts.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(STAND_IN_CONNECT)
        .operation_attempt_timeout(STAND_IN_ATTEMPT)
        .operation_timeout(STAND_IN_OPERATION)
        .build();
    let functions = cloud::aws::sdk_config().await.into_builder();
    functions.timeout_config(timeouts).retry_config(RetryConfig::standard()).build()
}

/// A client for DynamoDB Local whose operations are counted, retrying
/// what DynamoDB Local fails under load ([`DYNAMODB_LOCAL_ATTEMPTS`]).
pub async fn dynamodb_client() -> (Client, OperationCounter) {
    use aws_sdk_dynamodb::config::retry::{RetryPartition, TokenBucket};
    dynamodb_local_endpoint();
    let sdk = sdk_config().await;
    let counter = OperationCounter::default();
    let retries = RetryConfig::standard()
        .with_max_attempts(DYNAMODB_LOCAL_ATTEMPTS)
        .with_max_backoff(STAND_IN_BACKOFF);
    let budget = RetryPartition::custom("dynamodb-local").token_bucket(TokenBucket::unlimited());
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .retry_config(retries)
        .retry_partition(budget.build())
        .interceptor(counter.clone())
        .build();
    (Client::from_conf(config), counter)
}

/// Creates `table`, this test's own (its name is [`unique_name`]'s), on
/// DynamoDB Local, as the IaC declares it. On a busy machine a `CreateTable`
/// attempt may fail (time out, or wait too long for a lock) after DynamoDB
/// Local made the table, and the SDK's retry then meets it
/// (`ResourceInUseException`): with more than one attempt sent, that table
/// is this call's own, and it is taken once ACTIVE. A table of that name
/// found at the first attempt is not.
pub async fn create_own_table(
    client: &Client,
    table: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use aws_sdk_dynamodb::client::Waiters;
    let attempts = CallCounter::default();
    let config = client.config().to_builder().interceptor(attempts.clone()).build();
    let client = Client::from_conf(config);
    let Err(e) = create_table(&client, table).await else { return Ok(()) };
    let in_use = matches!(
        e.downcast_ref::<aws_sdk_dynamodb::Error>(),
        Some(aws_sdk_dynamodb::Error::ResourceInUseException(_))
    );
    if !in_use || attempts.total() < 2 {
        return Err(e);
    }
    client.wait_until_table_exists().table_name(table).wait(STAND_IN_OPERATION).await?;
    Ok(())
}

/// Counts the operations a client sends, by name (`Query`,
/// `TransactWriteItems`, …), each once whatever the attempts it took: the
/// round trips a use case makes by design. (`cloud::aws::CallCounter`, the
/// benchmark's, counts attempts, retries included; the tests' clients retry
/// what DynamoDB Local fails on busy cores, which real DynamoDB would not.)
#[derive(Clone, Debug, Default)]
pub struct OperationCounter(
    std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, u32>>>,
);

impl OperationCounter {
    /// Operations sent so far, by name.
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

impl aws_smithy_runtime_api::client::interceptors::Intercept for OperationCounter {
    fn name(&self) -> &'static str {
        "OperationCounter"
    }

    /// Once per operation, before its first attempt.
    fn modify_before_retry_loop(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
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

/// A store on a fresh table of DynamoDB Local, with its operation counter.
pub async fn dynamo_store_counted() -> (DynamoStore, OperationCounter) {
    let (client, counter) = dynamodb_client().await;
    let table = unique_name("deployments");
    create_own_table(&client, &table).await.unwrap_or_else(|e| {
        panic!("cannot create a table on DynamoDB Local at {}: {e:?}", dynamodb_local_endpoint())
    });
    counter.reset();
    (DynamoStore::new(client, table), counter)
}

pub async fn dynamo_store() -> DynamoStore {
    dynamo_store_counted().await.0
}

/// A fresh embedded store.
pub fn sqlite_store() -> SqliteStore {
    SqliteStore::in_memory().expect("an in-memory SQLite database opens")
}

/// A CRM deal-won request for `body`, signed at unix time `t` with `secret`.
pub fn deal_request(body: Vec<u8>, secret: &str, t: i64) -> Request<Body> {
    crm_request(api::routes::DEAL_WON, body, secret, t)
}

/// A request to CRM webhook `path` for `body`, signed at unix time `t` with `secret`.
pub fn crm_request(path: &str, body: Vec<u8>, secret: &str, t: i64) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header(signature::HEADER, signature::sign(&Secret::new(secret), t, &body))
        .body(Body::from(body))
        .expect("a valid request")
}

/// The CRM application exactly as the `deal-won` function wires it, on the
/// given store and clock, accepting [`SECRET`].
pub fn crm_app(
    store: std::sync::Arc<dyn app::ports::Store>,
    clock: std::sync::Arc<dyn app::ports::Clock>,
) -> axum::Router {
    crm_app_with_secret(store, clock, SECRET)
}

pub fn crm_app_with_secret(
    store: std::sync::Arc<dyn app::ports::Store>,
    clock: std::sync::Arc<dyn app::ports::Clock>,
    secret: &str,
) -> axum::Router {
    use api::crm;
    let secrets = std::sync::Arc::new(app::secrets::FixedSecrets(vec![Secret::new(secret)]));
    let state = crm::CrmState::new(store, secrets, clock);
    api::app([crm::router(state)])
}

/// The escalation sweep on `store`, escalating level 2 to `contact`.
pub fn escalator(
    store: std::sync::Arc<dyn app::ports::Store>,
    clock: std::sync::Arc<dyn app::ports::Clock>,
    contact: &str,
) -> app::Escalator {
    use std::sync::Arc;
    let commands = Arc::new(app::Commands::new(store.clone(), store.clone(), clock.clone()));
    app::Escalator::new(store, commands, clock, contact)
}

/// Commits each new project of `projects` (with its creating change),
/// `at_once` transactions at a time (the next starts as soon as one ends):
/// how the at-scale tests and benchmarks fill a table.
pub async fn create_all(
    store: &std::sync::Arc<dyn app::ports::Store>,
    projects: impl IntoIterator<Item = (domain::Project, domain::project::Change)>,
    at_once: usize,
) {
    use app::ports::{Commit, Guard, ProjectWrite};
    let mut writes = tokio::task::JoinSet::<Result<(), app::ports::CommitError>>::new();
    for (project, change) in projects {
        if writes.len() >= at_once.max(1) {
            writes.join_next().await.expect("a write").expect("joined").expect("committed");
        }
        let store = store.clone();
        writes.spawn(async move {
            let write = ProjectWrite { guard: Guard::Create, project, change };
            store.commit(Commit { project: Some(write), deal: None }).await
        });
    }
    while let Some(write) = writes.join_next().await {
        write.expect("joined").expect("committed");
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: axum::http::StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The slug of a problem document's `type` (empty for any other body).
    pub fn problem_type(&self) -> String {
        if self.content_type != "application/problem+json" {
            return String::new();
        }
        let json = self.json();
        json["type"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends `request` through `app` in-process.
pub async fn send(app: &axum::Router, request: Request<Body>) -> Reply {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app.clone().oneshot(request).await.expect("routers are infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.into_body().collect().await.expect("a body").to_bytes().to_vec();
    Reply { status, content_type, headers, body }
}

/// How many times [`send_retrying_503`] sends a request again.
pub const RETRIES_OF_503: usize = 10;

/// Sends the request `request` builds through `app`, and again while it is
/// answered `503` (at most [`RETRIES_OF_503`] times), as the CRM retries a
/// webhook and a client a command. A `503` is the API's "busy, retry": a
/// command or deal change that lost its races to concurrent writers until
/// its retry budget ran out (`RetryPolicy::COMMANDS`: 25 s, counted on the
/// clock). Tests sending many at once would otherwise pass or fail with
/// the machine's speed; every other answer is returned as it is.
pub async fn send_retrying_503(app: &axum::Router, request: impl Fn() -> Request<Body>) -> Reply {
    let mut reply = send(app, request()).await;
    for _ in 0..RETRIES_OF_503 {
        if reply.status != axum::http::StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        reply = send(app, request()).await;
    }
    reply
}

/// The console's signing secret in tests.
pub const CONSOLE_SECRET: &str = "test-console-secret";

/// The signing key of staff tokens in tests.
pub const JWT_SECRET: &str = "test-jwt-secret";

/// Every route of the bundle, as the local runner serves it, on the given
/// store and clock (webhook secret [`SECRET`], token key [`JWT_SECRET`]).
pub fn bundle_app(
    store: std::sync::Arc<dyn app::ports::Store>,
    clock: std::sync::Arc<dyn app::ports::Clock>,
) -> axum::Router {
    let config = config::LocalConfig {
        port: 0,
        data_dir: std::env::temp_dir(),
        webhook_secrets: vec![Secret::new(SECRET)],
        jwt_secret: Secret::new(JWT_SECRET),
        mail_from: config::local_defaults::MAIL_FROM.to_owned(),
        escalation_email: config::local_defaults::ESCALATION_EMAIL.to_owned(),
        console_secrets: vec![Secret::new(CONSOLE_SECRET)],
        public_url: "http://127.0.0.1".to_owned(),
    };
    deployments_local::router(store, clock, &config).expect("the bundle's router")
}

/// A bearer token for `sub` with `roles`, valid for an hour from now.
pub fn token(sub: &str, roles: &[&str]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    deployments_local::auth::mint(&Secret::new(JWT_SECRET), sub, roles, now, 3600).expect("a token")
}

/// A staff API request, with a bearer token if given and a JSON body if given.
pub fn staff_request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(&body).expect("serializes"))),
        None => request.body(Body::empty()),
    }
    .expect("a valid request")
}

/// Runs each case of a test file against both store adapters: a module
/// `dynamodb_local` (a fresh table on DynamoDB Local) and a module
/// `embedded_sqlite` (a fresh in-memory database). `|store| fixture` turns
/// the `Arc<dyn Store>` into what the cases take; each case is
/// `cases::<name>(fixture)`.
#[macro_export]
macro_rules! suite_per_store {
    (|$store:ident| $fixture:expr; $($case:ident),* $(,)?) => {
        mod dynamodb_local {
            use super::*;
            $crate::suite_per_store!(
                @cases $crate::dynamo_store().await, |$store| $fixture; $($case),*
            );
        }
        mod embedded_sqlite {
            use super::*;
            $crate::suite_per_store!(@cases $crate::sqlite_store(), |$store| $fixture; $($case),*);
        }
    };
    (@cases $make:expr, |$store:ident| $fixture:expr; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let $store: ::std::sync::Arc<dyn ::app::ports::Store> =
                    ::std::sync::Arc::new($make);
                cases::$case($fixture).await;
            }
        )*
    };
}

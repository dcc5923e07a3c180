//! The hello-world function of the benchmark's baselines (`bench-hello`,
//! current-thread, the floor every function is measured against; and
//! `bench-hello-mt`, `#[tokio::main]`'s multi-thread runtime, the baseline
//! before issue 23, kept to report both ratios).

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

/// Echoes each event back, wrapped.
pub async fn serve() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, lambda_runtime::Error>(json!({ "hello": event.payload }))
    }))
    .await
}

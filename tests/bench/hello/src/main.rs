//! The benchmark's baseline: the smallest useful Rust Lambda, echoing its event.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, lambda_runtime::Error>(json!({ "hello": event.payload }))
    }))
    .await
}

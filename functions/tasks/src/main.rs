//! Lambda `tasks`: POST .../milestones/{key}/tasks and PATCH .../tasks/{task_id}.
//!
//! Wiring only (`cloud::wiring::staff_table`, `api::staff::lambda_app`); the
//! routes live in `api::tasks`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let (store, claims) = cloud::wiring::staff_table().await?;
    telemetry::run_http(api::staff::lambda_app(store, claims, api::tasks::router)).await
}

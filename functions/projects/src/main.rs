//! Lambda `projects`: GET /v1/projects, GET /v1/projects/{id}, GET /v1/tasks.
//!
//! Wiring only (`cloud::wiring::staff_table`, `api::staff::lambda_app`); the
//! routes live in `api::projects`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let (store, claims) = cloud::wiring::staff_table().await?;
    telemetry::run_http(api::staff::lambda_app(store, claims, api::projects::router)).await
}

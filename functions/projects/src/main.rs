//! Lambda `projects`: GET /v1/projects, GET /v1/projects/{id}, GET /v1/tasks.
//!
//! Wiring only (see `cloud::wiring`); the routes live in `api::projects`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = cloud::wiring::staff_app(api::projects::router).await?;
    telemetry::run_http(app).await
}

//! Lambda `projects`: GET /v1/projects, GET /v1/projects/{id}, GET /v1/tasks.
//!
//! Wiring only (see `shared::wiring`); the routes live in `shared::http::projects`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::staff_app(shared::http::projects::router).await?;
    shared::telemetry::run_http(app).await
}

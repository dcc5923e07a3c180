//! Lambda `activation`: go-live, POST /v1/projects/{project_id}/activate.
//!
//! Wiring only (see `shared::wiring`); the route lives in `shared::http::activation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::staff_app(shared::http::activation::router).await?;
    shared::telemetry::run_http(app).await
}

//! Lambda `activation`: a project's changes of status,
//! `POST /v1/projects/{project_id}/activate` (go-live), `/hold`, `/resume`
//! and `/cancel`.
//!
//! Wiring only (see `shared::wiring`); the routes live in `shared::http::activation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::staff_app(shared::http::activation::router).await?;
    shared::telemetry::run_http(app).await
}

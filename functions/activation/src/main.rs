//! Lambda `activation`: a project's changes of status,
//! `POST /v1/projects/{project_id}/activate` (go-live), `/hold`, `/resume`
//! and `/cancel`.
//!
//! Wiring only (see `cloud::wiring`); the routes live in `api::activation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = cloud::wiring::staff_app(api::activation::router).await?;
    telemetry::run_http(app).await
}

//! Lambda `activation`: a project's changes of status,
//! `POST /v1/projects/{project_id}/activate` (go-live), `/hold`, `/resume`
//! and `/cancel`.
//!
//! Wiring only (`cloud::wiring::staff_table`, `api::staff::lambda_app`); the
//! routes live in `api::activation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let (store, claims) = cloud::wiring::staff_table().await?;
    telemetry::run_http(api::staff::lambda_app(store, claims, api::activation::router)).await
}

//! Lambda `templates`: GET and PUT /v1/settings/deployment-templates/{service_type}.
//!
//! Wiring only (see `cloud::wiring`); the routes live in `api::templates`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = cloud::wiring::templates_app().await?;
    telemetry::run_http(app).await
}

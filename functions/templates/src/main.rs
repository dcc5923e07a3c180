//! Lambda `templates`: GET and PUT /v1/settings/deployment-templates/{service_type}.
//!
//! Wiring only (see `shared::wiring`); the routes live in `shared::http::templates`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::templates_app().await?;
    shared::telemetry::run_http(app).await
}

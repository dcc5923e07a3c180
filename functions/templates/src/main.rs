//! Lambda `templates`: GET and PUT /v1/settings/deployment-templates/{service_type}.
//!
//! Wiring only (`cloud::wiring::staff_table`, `api::staff::lambda_app`); the
//! routes live in `api::templates`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let (store, claims) = cloud::wiring::staff_table().await?;
    telemetry::run_http(api::staff::lambda_templates_app(store, claims)).await
}

//! Lambda `milestones`: POST .../milestones/{key}/complete and .../reopen.
//!
//! Wiring only (see `cloud::wiring`); the routes live in `api::milestones`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = cloud::wiring::staff_app(api::milestones::router).await?;
    telemetry::run_http(app).await
}

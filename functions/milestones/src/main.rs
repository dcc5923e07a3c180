//! Lambda `milestones`: POST .../milestones/{key}/complete and .../reopen.
//!
//! Wiring only (see `shared::wiring`); the routes live in `shared::http::milestones`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::staff_app(shared::http::milestones::router).await?;
    shared::telemetry::run_http(app).await
}

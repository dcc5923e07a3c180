//! Lambda `tasks`: POST .../milestones/{key}/tasks and PATCH .../tasks/{task_id}.
//!
//! Wiring only (see `cloud::wiring`); the routes live in `api::tasks`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init_lambda();
    let app = cloud::wiring::staff_app(api::tasks::router).await?;
    telemetry::run_http(app).await
}

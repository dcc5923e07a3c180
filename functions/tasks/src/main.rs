//! Lambda `tasks`: POST .../milestones/{key}/tasks and PATCH .../tasks/{task_id}.
//!
//! Wiring only (see `shared::wiring`); the routes live in `shared::http::tasks`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::staff_app(shared::http::tasks::router).await?;
    shared::telemetry::run_http(app).await
}

//! Lambda `console`: the web console under `/console/` (OpenID Connect
//! sign-in, no development sign-in) and the customers' status pages.
//!
//! Wiring only (see `shared::wiring::console_app`); the pages live in
//! `shared::console`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init_lambda();
    let app = shared::wiring::console_app().await?;
    shared::telemetry::run_http(app).await
}

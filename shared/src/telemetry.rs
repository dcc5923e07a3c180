//! Structured logs: JSON in Lambda (CloudWatch parses it), readable locally.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// JSON lines without colours or timestamps (Lambda adds its own).
pub fn init_lambda() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(true)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
}

pub fn init_local() {
    tracing_subscriber::fmt().with_env_filter(filter()).with_target(false).init();
}

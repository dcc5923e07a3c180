//! Structured logs: JSON in Lambda (CloudWatch parses it), readable locally.
//!
//! `RUST_LOG` is read as a list of `level` or `target=level` directives
//! (tracing-subscriber's `Targets`), which needs no regular-expression
//! engine in the binaries; an unreadable value falls back to `info`.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

fn filter() -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// JSON lines without colours or timestamps (Lambda adds its own).
pub fn init_lambda() {
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_ansi(false)
        .without_time()
        .with_target(false);
    tracing_subscriber::registry().with(format.with_filter(filter())).init();
}

pub fn init_local() {
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(false).with_filter(filter()))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives_parse_without_regular_expressions() {
        let targets: Targets = "warn,shared=debug".parse().unwrap();
        assert!(targets.would_enable("shared::app", &tracing::Level::DEBUG));
        assert!(!targets.would_enable("hyper", &tracing::Level::INFO));
    }
}

//! Structured logs and business metrics.
//!
//! In Lambda ([`init_lambda`], then [`run`] or [`run_http`]): one JSON
//! object per line on stdout, as Lambda's JSON log format reads them:
//! `timestamp` (RFC 3339, UTC, milliseconds), `level` (`TRACE` … `ERROR`,
//! so that the function's `ApplicationLogLevel` filters them), `message`,
//! and the fields of the enclosing spans flattened to the top level: the
//! invocation's `requestId`, `coldStart` and `xrayTraceId`, a use case's
//! `deal_id` or `project_id`. Metrics recorded through the `metrics` facade
//! (`app::metrics`) are written after each invocation as CloudWatch
//! embedded metric format lines. Locally ([`init_local`]):
//! readable lines, and no recorder, so recording costs nothing.
//!
//! The level is `AWS_LAMBDA_LOG_LEVEL` (set by Lambda from the function's
//! logging configuration), else `RUST_LOG` read as `level` or
//! `target=level` directives (tracing-subscriber's `Targets`, so no
//! regular-expression engine in the binaries), else `info`.

use serde_json::{Map, Value};
use std::io::Write;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

pub use invocation::{Invocations, run, run_http};

/// What a log line holds besides its fields.
const RESERVED: [&str; 3] = ["timestamp", "level", "message"];

/// The lowest level logged: Lambda's level first, then `RUST_LOG`'s directives.
fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    if let Some(level) = lambda_level.and_then(lambda_level_filter) {
        return Targets::new().with_default(level);
    }
    rust_log
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// A level of Lambda's logging configuration (`FATAL` is tracing's `ERROR`).
fn lambda_level_filter(level: &str) -> Option<LevelFilter> {
    match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(LevelFilter::TRACE),
        "DEBUG" => Some(LevelFilter::DEBUG),
        "INFO" => Some(LevelFilter::INFO),
        "WARN" => Some(LevelFilter::WARN),
        "ERROR" | "FATAL" => Some(LevelFilter::ERROR),
        _ => None,
    }
}

fn env_filter() -> Targets {
    let lambda = std::env::var(config::vars::AWS_LAMBDA_LOG_LEVEL).ok();
    filter(lambda.as_deref(), std::env::var(config::vars::RUST_LOG).ok().as_deref())
}

/// JSON lines on stdout, and the metrics recorder when built with `emf`.
pub fn init_lambda() {
    let lines = JsonLines::new(std::io::stdout);
    tracing_subscriber::registry().with(lines.with_filter(env_filter())).init();
    emf::install();
}

pub fn init_local() {
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(false).with_filter(env_filter()))
        .init();
}

/// Writes each event as one JSON object on one line, its spans' fields
/// flattened beside its own (the innermost wins a name both use).
pub struct JsonLines<W> {
    writer: W,
}

impl<W> JsonLines<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    pub fn new(writer: W) -> Self {
        Self { writer }
    }
}

/// The fields of a span or an event, as JSON values.
#[derive(Default)]
struct Fields(Map<String, Value>);

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }
    /// The error and its sources, `: `-separated (what an operator needs).
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.put(field, Value::from(text));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

/// One log line: the reserved keys first, then the fields (any field named
/// like a reserved key is left out, so that no key appears twice).
fn line(timestamp: &str, level: &Level, message: &str, fields: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(160 + 32 * fields.len());
    out.push_str("{\"timestamp\":\"");
    out.push_str(timestamp);
    out.push_str("\",\"level\":\"");
    out.push_str(level.as_str());
    out.push_str("\",\"message\":");
    out.push_str(&Value::from(message).to_string());
    for (key, value) in fields.iter().filter(|(k, _)| !RESERVED.contains(&k.as_str())) {
        out.push(',');
        out.push_str(&Value::from(key.as_str()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push_str("}\n");
    out
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<Fields>() {
            Some(fields) => values.record(fields),
            None => {
                let mut fields = Fields::default();
                values.record(&mut fields);
                extensions.insert(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        for span in ctx.event_scope(event).into_iter().flat_map(|scope| scope.from_root()) {
            if let Some(own) = span.extensions().get::<Fields>() {
                fields.extend(own.0.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        let mut own = Fields::default();
        event.record(&mut own);
        let message = match own.0.remove("message") {
            Some(Value::String(text)) => text,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        fields.extend(own.0);
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let text = line(&now, event.metadata().level(), &message, &fields);
        // One write per line, so that lines from concurrent tasks never interleave.
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

/// The CloudWatch embedded metric format recorder, flushed after each
/// invocation by [`Invocations`].
mod emf {
    use app::metrics::{NAMESPACE, STACK_DIMENSION};
    use metrics_cloudwatch_embedded::{Builder, Collector};
    use std::io::Write;
    use std::sync::OnceLock;

    static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();

    /// The process's recorder: namespace, the `Stack` dimension when
    /// `METRICS_STACK` names one, every metric declared a count.
    pub(super) fn install() {
        let mut builder = Builder::new().cloudwatch_namespace(NAMESPACE);
        let stack = std::env::var(config::vars::METRICS_STACK).unwrap_or_default();
        if !stack.is_empty() {
            builder = builder.with_dimension(STACK_DIMENSION, stack);
        }
        match builder.init() {
            Ok(collector) => {
                let _ = COLLECTOR.set(collector);
                app::metrics::describe();
            }
            Err(e) => tracing::warn!(error = %e, "no metrics recorder: nothing will be counted"),
        }
    }

    /// Names the invocation on the metric lines that follow.
    pub(super) fn start(request_id: &str) {
        if let Some(collector) = COLLECTOR.get() {
            collector.set_property("requestId", request_id.to_owned());
        }
    }

    /// Writes what was counted since the last flush, one line per set of
    /// dimensions, in one write.
    pub(super) fn flush() {
        let Some(collector) = COLLECTOR.get() else { return };
        let mut lines = Vec::new();
        if let Err(e) = collector.flush(&mut lines) {
            tracing::warn!(error = %e, "metrics not written");
        }
        let _ = std::io::stdout().write_all(&lines);
    }
}

/// The invocation span and the metrics flush, around every invocation.
mod invocation {
    use lambda_http::lambda_runtime::{
        Diagnostic, LambdaEvent, LambdaInvocation, Runtime, tower::Layer, tower::Service,
    };
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Poll};
    use tracing::Instrument;
    use tracing::instrument::Instrumented;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    /// Whether this execution environment has been invoked before.
    static INVOKED: AtomicBool = AtomicBool::new(false);

    /// Serves `handler` (the function's events) with [`Invocations`], as
    /// `lambda_runtime::run` would with its own tracing layer.
    pub async fn run<F, A, R>(handler: F) -> Result<(), lambda_http::Error>
    where
        F: Service<LambdaEvent<A>, Response = R>,
        F::Future: Future<Output = Result<R, F::Error>>,
        F::Error: Into<Diagnostic> + std::fmt::Debug,
        A: for<'de> serde::Deserialize<'de>,
        R: serde::Serialize,
    {
        Runtime::new(handler).layer(Invocations).run().await
    }

    /// Serves an HTTP application (API Gateway's HTTP API events) with [`Invocations`].
    pub async fn run_http(app: axum::Router) -> Result<(), lambda_http::Error> {
        run(lambda_http::Adapter::from(app)).await
    }

    /// The layer: each invocation in a span naming its `requestId`,
    /// `coldStart` (true for the first of the execution environment) and
    /// `xrayTraceId`; the metrics counted during it written when it ends
    /// (after its answer was sent, before the next event is asked for, so
    /// within the invocation for Lambda).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Invocations;

    impl<S> Layer<S> for Invocations {
        type Service = Invocation<S>;

        fn layer(&self, inner: S) -> Invocation<S> {
            Invocation { inner }
        }
    }

    pub struct Invocation<S> {
        inner: S,
    }

    impl<S> Service<LambdaInvocation> for Invocation<S>
    where
        S: Service<LambdaInvocation, Response = (), Error = BoxError>,
    {
        type Response = ();
        type Error = BoxError;
        type Future = Flushed<Instrumented<S::Future>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, req: LambdaInvocation) -> Self::Future {
            let cold = !INVOKED.swap(true, Ordering::Relaxed);
            let span = tracing::info_span!(
                "invocation",
                requestId = %req.context.request_id,
                coldStart = cold,
                xrayTraceId = tracing::field::Empty,
            );
            if let Some(trace) = &req.context.xray_trace_id {
                span.record("xrayTraceId", trace.as_str());
            }
            super::emf::start(&req.context.request_id);
            let future = {
                let _entered = span.enter();
                self.inner.call(req)
            };
            Flushed { inner: Box::pin(future.instrument(span)) }
        }
    }

    /// An invocation's future, writing the metrics once it completes.
    pub struct Flushed<F> {
        inner: Pin<Box<F>>,
    }

    impl<F: Future> Future for Flushed<F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let done = self.inner.as_mut().poll(cx);
            if done.is_ready() {
                super::emf::flush();
            }
            done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn rust_log_directives_parse_without_regular_expressions() {
        let targets: Targets = "warn,shared=debug".parse().unwrap();
        assert!(targets.would_enable("shared::app", &Level::DEBUG));
        assert!(!targets.would_enable("hyper", &Level::INFO));
    }

    #[test]
    fn lambda_log_level_comes_before_rust_log_and_info_is_the_default() {
        let lambda = filter(Some("WARN"), Some("debug"));
        assert!(!lambda.would_enable("shared", &Level::INFO));
        assert!(lambda.would_enable("shared", &Level::WARN));
        assert!(filter(Some("FATAL"), None).would_enable("shared", &Level::ERROR));
        assert!(!filter(Some("FATAL"), None).would_enable("shared", &Level::WARN));
        let rust_log = filter(None, Some("debug"));
        assert!(rust_log.would_enable("shared", &Level::DEBUG));
        let unreadable = filter(Some("LOUD"), Some("=?"));
        assert!(unreadable.would_enable("shared", &Level::INFO));
        assert!(!unreadable.would_enable("shared", &Level::DEBUG));
    }

    /// The lines written while `f` runs under a [`JsonLines`] subscriber.
    fn logged(f: impl FnOnce()) -> Vec<Value> {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = sink.clone();
        let lines = JsonLines::new(move || writer.clone());
        let subscriber = tracing_subscriber::registry().with(lines.with_filter(filter(None, None)));
        tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
    }

    #[test]
    fn span_fields_are_flattened_beside_the_event_fields() {
        let lines = logged(|| {
            let invocation = tracing::info_span!("invocation", requestId = "r-1", coldStart = true);
            let _i = invocation.enter();
            let deal = tracing::info_span!("deal", deal_id = "D-42");
            let _d = deal.enter();
            tracing::info!(projects = 2, "deal \"received\"");
            tracing::debug!("not at info");
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "deal \"received\"");
        assert_eq!(line["requestId"], "r-1");
        assert_eq!(line["coldStart"], true);
        assert_eq!(line["deal_id"], "D-42");
        assert_eq!(line["projects"], 2);
        assert!(line.get("span").is_none() && line.get("fields").is_none());
        let stamp = line["timestamp"].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
        assert_eq!(parsed.offset().local_minus_utc(), 0);
        assert!(stamp.ends_with('Z') && stamp.len() == "2026-01-01T00:00:00.000Z".len(), "{stamp}");
    }

    #[test]
    fn errors_carry_their_sources_and_reserved_names_stay_unique() {
        #[derive(Debug, thiserror::Error)]
        #[error("commit failed")]
        struct Outer(#[source] std::io::Error);
        let lines = logged(|| {
            let error = Outer(std::io::Error::other("throttled"));
            let error: &(dyn std::error::Error + 'static) = &error;
            tracing::warn!(error, level = "spoofed", "retrying");
        });
        assert_eq!(lines[0]["error"], "commit failed: throttled");
        assert_eq!(lines[0]["level"], "WARN", "the field never repeats the key (the last wins)");
    }
}

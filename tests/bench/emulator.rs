//! A Lambda Runtime API emulator on loopback: hands events to a function
//! process through `/2018-06-01/runtime/invocation/next`, with the headers
//! Lambda sends, and times each invocation until its `/response` (or
//! `/error`) comes back.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, oneshot};

pub const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-3:123456789012:function:bench";

/// The end of one invocation, as the function reported it.
#[derive(Debug)]
pub struct Outcome {
    /// From handing the event out to receiving the answer.
    pub latency: Duration,
    pub ok: bool,
    pub body: Bytes,
}

struct Invocation {
    id: String,
    event: Vec<u8>,
    done: oneshot::Sender<Outcome>,
}

struct Pending {
    handed_out: Instant,
    done: oneshot::Sender<Outcome>,
}

#[derive(Clone)]
struct Shared {
    queue: Arc<Mutex<mpsc::Receiver<Invocation>>>,
    pending: Arc<std::sync::Mutex<HashMap<String, Pending>>>,
    first_poll: Arc<std::sync::Mutex<Option<oneshot::Sender<Instant>>>>,
}

pub struct Emulator {
    pub addr: SocketAddr,
    queue: mpsc::Sender<Invocation>,
    first_poll: Option<oneshot::Receiver<Instant>>,
    server: tokio::task::JoinHandle<()>,
    next_id: u64,
}

async fn next(State(shared): State<Shared>) -> Response {
    if let Some(first) = shared.first_poll.lock().unwrap().take() {
        let _ = first.send(Instant::now());
    }
    let Some(invocation) = shared.queue.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
            + Duration::from_secs(30);
    let mut headers = HeaderMap::new();
    let header = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static(""));
    headers.insert("lambda-runtime-aws-request-id", header(&invocation.id));
    headers.insert("lambda-runtime-deadline-ms", header(&deadline.as_millis().to_string()));
    headers.insert("lambda-runtime-invoked-function-arn", header(FUNCTION_ARN));
    headers.insert(
        "lambda-runtime-trace-id",
        header(&format!("Root=1-67890abc-{};Parent=53995c3f42cd8ad8;Sampled=0", invocation.id)),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    shared
        .pending
        .lock()
        .unwrap()
        .insert(invocation.id, Pending { handed_out: Instant::now(), done: invocation.done });
    (StatusCode::OK, headers, invocation.event).into_response()
}

fn finish(shared: &Shared, id: &str, ok: bool, body: Bytes) -> StatusCode {
    let received = Instant::now();
    match shared.pending.lock().unwrap().remove(id) {
        Some(p) => {
            let _ = p.done.send(Outcome { latency: received - p.handed_out, ok, body });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&shared, &id, true, body)
}

async fn error(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&shared, &id, false, body)
}

async fn init_error(body: Bytes) -> StatusCode {
    eprintln!("function failed to start: {}", String::from_utf8_lossy(&body));
    StatusCode::ACCEPTED
}

impl Emulator {
    pub async fn start() -> Self {
        let (queue, rx) = mpsc::channel(1);
        let (first_tx, first_rx) = oneshot::channel();
        let shared = Shared {
            queue: Arc::new(Mutex::new(rx)),
            pending: Arc::default(),
            first_poll: Arc::new(std::sync::Mutex::new(Some(first_tx))),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, queue, first_poll: Some(first_rx), server, next_id: 0 }
    }

    /// When the function first asked for work: the end of its cold start.
    pub async fn first_poll(&mut self, timeout: Duration) -> Option<Instant> {
        let rx = self.first_poll.take()?;
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    pub async fn invoke(&mut self, event: Vec<u8>) -> Option<Outcome> {
        self.next_id += 1;
        let (done, outcome) = oneshot::channel();
        let invocation = Invocation { id: format!("bench-{:012}", self.next_id), event, done };
        self.queue.send(invocation).await.ok()?;
        tokio::time::timeout(Duration::from_secs(30), outcome).await.ok()?.ok()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

//! The console benchmark (BENCHMARKS.md, "Console"): server time of the
//! projects list and of a project page with 500 projects on the embedded
//! store (a SQLite file, as the local runner keeps it), through the
//! router in-process, and the weight of each page with what it loads. Run
//! by `tests/bench/run`; prints a table and writes `target/bench/console.json`.

use app::clock::ManualClock;
use app::ports::Clock;
use app::ports::Store;
use axum::body::Body;
use axum::http::Request;
use domain::ProjectId;
use domain::project::Project;
use domain::template::Template;
use integration_tests::fixtures::{MANAGER, console_session, t0};
use integration_tests::{bundle_app, create_all, send, staff_request, token};
use std::sync::Arc;
use std::time::Instant;

const PROJECTS: usize = 500;
const RUNS: usize = 1_000;
const TASKS: usize = 12;

/// 500 projects of 500 deals, each with its creating change.
async fn fill(store: &Arc<dyn Store>) -> ProjectId {
    let template = Template::default_for("fibre_ftto");
    let projects = (0..PROJECTS).map(|i| {
        let mut deal = integration_tests::sample_deal_won();
        deal.deal_id = format!("D-BENCH-{i:04}");
        deal.account.name = format!("Client {i:04}");
        Project::open(
            &deal,
            &deal.services[0],
            &template,
            t0() + chrono::Duration::minutes(i as i64),
        )
    });
    create_all(store, projects, 16).await;
    ProjectId::for_deal_line(&format!("D-BENCH-{:04}", PROJECTS - 1), "L1")
}

/// Adds tasks to the measured project through the API, as a manager would.
async fn with_tasks(app: &axum::Router, project: &ProjectId) {
    let pm = token(MANAGER, &["manager"]);
    for i in 0..TASKS {
        let milestone = ["order_confirmed", "equipment_ordered", "delivery_confirmed"][i % 3];
        let path = format!("/v1/projects/{project}/milestones/{milestone}/tasks");
        let body = serde_json::json!({
            "title": format!("Task {i}"), "assignee": "tech.one@bluerocktel.fr",
            "due_date": "2026-12-15",
        });
        let reply = send(app, staff_request("POST", &path, Some(&pm), Some(body))).await;
        assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
    }
}

/// Median and p99 (ms) of GET `path` as the manager, and the page's bytes.
async fn measure(app: &axum::Router, path: &str, cookie: &str) -> (f64, f64, usize) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let request = Request::get(path).header("cookie", cookie).body(Body::empty());
        let started = Instant::now();
        let reply = send(app, request.expect("a request")).await;
        samples.push(started.elapsed());
        assert_eq!(reply.status, 200, "{path}");
        bytes = reply.body.len();
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((RUNS as f64 * q).ceil() as usize).clamp(1, RUNS) - 1];
    (at(0.5).as_secs_f64() * 1e3, at(0.99).as_secs_f64() * 1e3, bytes)
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("console-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let sqlite = store_sqlite::SqliteStore::open(&dir.join("bench.db")).expect("opens");
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let app = bundle_app(store.clone(), clock);
    let project = fill(&store).await;
    with_tasks(&app, &project).await;
    let (cookie, _) = console_session(MANAGER, &["manager"], false);
    let assets = ["/console/assets/console.css", "/console/assets/htmx-2.0.8.min.js"];
    let mut asset_bytes = 0;
    for asset in assets {
        asset_bytes += send(&app, Request::get(asset).body(Body::empty()).expect("a request"))
            .await
            .body
            .len();
    }
    let rows = [
        ("projects list (25 of 500 projects)", measure(&app, "/console/projects", &cookie).await),
        (
            "project page (6 milestones, 12 tasks, history, deliveries)",
            measure(&app, &format!("/console/projects/{project}"), &cookie).await,
        ),
    ];
    report(&rows, asset_bytes);
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(rows: &[(&str, (f64, f64, usize))], asset_bytes: usize) {
    println!("| page | median ms | p99 ms | HTML bytes | with CSS + htmx |\n|---|---|---|---|---|");
    for (page, (p50, p99, bytes)) in rows {
        println!("| {page} | {p50:.2} | {p99:.2} | {bytes} | {} |", bytes + asset_bytes);
    }
    let json: Vec<_> = rows
        .iter()
        .map(|(page, (p50, p99, bytes))| {
            serde_json::json!({
                "page": page, "median_ms": p50, "p99_ms": p99, "html_bytes": bytes,
                "with_assets_bytes": bytes + asset_bytes,
            })
        })
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let out = serde_json::to_string_pretty(&json).expect("serializes");
    std::fs::write(dir.join("console.json"), out).expect("written");
}

//! The forecast and analytics benchmark (BENCHMARKS.md, "Forecast and
//! analytics"): the forecast of a 20-milestone project with 60 tasks, and
//! the analytics of 5,000 go-lives, pure and through each store (one Query
//! per month). Run by `tests/bench/run` with the local stand-ins started;
//! prints a table and writes `target/bench/forecast.json`.

use app::Analytics;
use app::ports::Store;
use chrono::{DateTime, Duration, Utc};
use domain::analytics::{CATEGORIES, Window, summarize};
use domain::go_live_facts::GoLiveFacts;
use domain::hold_and_cancel::Category;
use domain::milestone_changes::CompleteMilestone;
use domain::project::{Change, Project};
use domain::task::Block;
use domain::template::Template;
use domain::{MilestoneKey, ProjectId, TaskId, TaskStatus};
use integration_tests::fixtures::t0;
use std::sync::Arc;
use std::time::{Duration as Elapsed, Instant};

const MILESTONES: usize = 20;
const TASKS: usize = 60;
const GO_LIVES: usize = 5_000;
const SERVICE_TYPES: [&str; 3] = ["fibre_ftto", "sip_trunk", "sdwan"];

/// A project of 20 milestones, 8 completed, with 60 tasks on the current
/// one, 10 of them blocked (templates stop at 12 milestones; the domain does not).
fn twenty_milestone_project() -> Project {
    let mut template = Template::default_for("fibre_ftto");
    let extra = template.milestones[1].clone();
    for i in 0..MILESTONES - template.milestones.len() {
        let mut m = extra.clone();
        m.key = MilestoneKey::from_raw(format!("step_{i:02}"));
        template.milestones.insert(1, m);
    }
    let deal = integration_tests::sample_deal_won();
    let (mut project, _) = Project::open(&deal, &deal.services[0], &template, t0());
    for day in 1..=8 {
        let key = project.next_milestone().expect("open").key.to_string();
        let at = t0() + Duration::days(day * 3);
        project.complete_milestone(&key, CompleteMilestone::default(), "pm", at).expect("in order");
    }
    let current = project.next_milestone().expect("open").key.clone();
    for i in 0..TASKS {
        let due = (t0() + Duration::days(20 + i as i64 % 15)).date_naive();
        let id = TaskId::from_raw(format!("T-{i:03}"));
        let mut task = domain::Task::new(id, current.clone(), "Task", None, "t@x.fr", due, t0());
        if i % 6 == 0 {
            let block = Block { reason: Some("Waiting"), category: Some(Category::Carrier) };
            task.transition(TaskStatus::Blocked, block, true, t0()).expect("blockable");
        }
        project.tasks.push(task);
    }
    project
}

/// 5,000 go-lives over the 12 months of 2027, three service types.
fn go_lives() -> Vec<GoLiveFacts> {
    let keys = ["order_confirmed", "equipment_ordered", "delivery_confirmed", "installation_done"];
    (0..GO_LIVES)
        .map(|i| {
            let go_live = (t0() + Duration::days(42 + (i % 365) as i64)).date_naive();
            GoLiveFacts {
                project_id: ProjectId::from_raw(format!("bench-{i:05}")),
                service_type: SERVICE_TYPES[i % 3].into(),
                won_at: t0(),
                go_live_date: go_live,
                target_go_live: go_live + Duration::days((i % 11) as i64 - 5),
                lead_time_days: 42 + (i % 365) as i64,
                milestones: keys
                    .iter()
                    .enumerate()
                    .map(|(k, key)| {
                        (MilestoneKey::from_raw(*key), ((i * 7 + k * 13) % 40) as i64 * 43_200)
                    })
                    .collect(),
                blocked_seconds: [(CATEGORIES[i % 6], (i % 5) as i64 * 3_600)]
                    .into_iter()
                    .collect(),
                held_seconds: (i % 3) as i64 * 86_400,
            }
        })
        .collect()
}

/// Median and p99 of `runs` timed calls of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut samples: Vec<Elapsed> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((runs as f64 * q).ceil() as usize).clamp(1, runs) - 1];
    (at(0.5).as_secs_f64() * 1e3, at(0.99).as_secs_f64() * 1e3)
}

/// Writes the go-lives into `store` as go-live commits do (16 at a time).
async fn load(store: &Arc<dyn Store>, facts: &[GoLiveFacts]) {
    let deal = integration_tests::sample_deal_won();
    let template = Template::default_for("fibre_ftto");
    let projects = facts.iter().map(|f| {
        let (mut project, _) = Project::open(&deal, &deal.services[0], &template, t0());
        project.id = f.project_id.clone();
        (project, Change { facts: Some(f.clone()), ..Change::default() })
    });
    integration_tests::create_all(store, projects, 16).await;
}

/// The analytics of the whole year through `store`: (median, p99) of 10 runs.
async fn through(store: Arc<dyn Store>, facts: &[GoLiveFacts]) -> (f64, f64) {
    load(&store, facts).await;
    let analytics = Analytics::new(store);
    let window = Window::new("2027-01", "2027-12").expect("a window");
    let mut samples = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let report = analytics.deployments(window, None).await.expect("read");
        samples.push(started.elapsed());
        let count: usize = report.service_types.iter().map(|s| s.count).sum();
        assert_eq!(count, facts.iter().filter(|f| f.month().starts_with("2027")).count());
    }
    samples.sort_unstable();
    (samples[4].as_secs_f64() * 1e3, samples[9].as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let project = twenty_milestone_project();
    let now: DateTime<Utc> = t0() + Duration::days(30);
    assert!(project.assess(now).projected_go_live.is_some());
    let forecast = time(10_000, || {
        std::hint::black_box(project.assess(std::hint::black_box(now)));
    });
    let facts = go_lives();
    let pure = time(50, || {
        std::hint::black_box(summarize(std::hint::black_box(&facts)));
    });
    let sqlite = through(Arc::new(integration_tests::sqlite_store()), &facts).await;
    let dynamo = through(Arc::new(integration_tests::dynamo_store().await), &facts).await;
    let rows = [
        ("forecast of a 20-milestone project, 60 tasks (assess)", forecast),
        ("analytics of 5,000 go-lives, in memory (summarize)", pure),
        ("analytics of 5,000 go-lives, embedded SQLite (12 months)", sqlite),
        ("analytics of 5,000 go-lives, DynamoDB Local (12 Queries)", dynamo),
    ];
    println!("| what | median ms | p99 ms |\n|---|---|---|");
    for (what, (p50, p99)) in &rows {
        println!("| {what} | {p50:.3} | {p99:.3} |");
    }
    let json: Vec<_> = rows
        .iter()
        .map(|(what, (p50, p99))| {
            serde_json::json!({ "what": what, "median_ms": p50, "p99_ms": p99 })
        })
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let out = serde_json::to_string_pretty(&json).expect("serializes");
    std::fs::write(dir.join("forecast.json"), out).expect("written");
}

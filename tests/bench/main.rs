//! `lambda-bench`: every function's release binary, and two hello-world
//! baselines, run under the Runtime API emulator (`emulator.rs`) against the
//! local stand-ins (DynamoDB Local, moto). Measures the cold init (spawn to
//! the first poll for work, median of several starts, each after a start
//! of each baseline, whose medians in the same window give the ratios:
//! `bench-hello` on a current-thread runtime as every function, the floor;
//! `bench-hello-mt` on `#[tokio::main]`'s multi-thread one, the baseline
//! before issue 23), the
//! first invoke after each of those starts (connections to the stand-ins
//! made then: what a cold start's caller waits for beyond init), warm
//! invoke latency (1,000 invokes of a sample event), and
//! resident memory after 1,000 and 10,000 invokes. Writes
//! `target/bench/results.json` and prints a table.
//! Run it through `tests/bench/run`, which builds and starts what it needs;
//! `BENCH_BIN_DIR` names another directory of binaries, `BENCH_ONLY` a
//! comma-separated list of the functions to measure (beside the baseline).

mod emulator;

use app::clock::SystemClock;
use app::ports::Store;
use config::Secret;
use emulator::Emulator;
use integration_tests::apigw::{api_event, signed_deal_event};
use integration_tests::fixtures::{MANAGER, TECH, project};
use integration_tests::{dynamo_store, sample_deal, stand_in_env};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cold starts per function, each after one of the baseline: the machine
/// is shared (builds beside the bench move init by milliseconds), so the
/// ratio to the baseline is taken over the same seconds.
const COLD_STARTS: usize = 20;
/// Quiet before each cold start: the stand-ins (DynamoDB Local's JVM above
/// all) keep a core busy for a while after serving a first invoke, which
/// moved one function's init ratio by 0.3 between two runs of one build.
const SETTLE: Duration = Duration::from_millis(150);
const WARM_INVOKES: usize = 1_000;
const TOTAL_INVOKES: usize = 10_000;
const WEBHOOK_SECRET: &str = "bench-webhook-secret";
const MAIL_FROM: &str = "BlueRockTEL <deploiements@bench.bluerocktel.test>";

struct Scenario {
    name: &'static str,
    binary: PathBuf,
    env: Vec<(&'static str, String)>,
    event: Box<dyn Fn() -> Vec<u8>>,
}

#[derive(serde::Serialize)]
struct Measure {
    name: String,
    init_ms_median: f64,
    /// The baseline's median init over the starts interleaved with these.
    baseline_init_ms: f64,
    init_vs_baseline: f64,
    /// The multi-thread baseline's, likewise.
    baseline_mt_init_ms: f64,
    init_vs_baseline_mt: f64,
    first_invoke_ms: f64,
    warm_p50_ms: f64,
    warm_p99_ms: f64,
    peak_rss_mb: f64,
    rss_after_1000_mb: f64,
    rss_after_10000_mb: f64,
    binary_bytes: u64,
    errors: usize,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

/// `field` of /proc/<pid>/status, in MB.
fn memory_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    (kb / 1024.0 * 100.0).round() / 100.0
}

fn spawn(scenario: &Scenario, emulator: &Emulator) -> Child {
    let mut command = Command::new(&scenario.binary);
    command
        .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", scenario.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", scenario.name))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/28/[$LATEST]bench")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &scenario.env {
        command.env(k, v);
    }
    command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", scenario.binary.display()))
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// One cold start: spawn to the first poll for work, and the latency of
/// the invocation it then answers.
async fn cold_start(scenario: &Scenario) -> (Duration, Duration) {
    tokio::time::sleep(SETTLE).await;
    let mut emulator = Emulator::start().await;
    let spawned = Instant::now();
    let child = spawn(scenario, &emulator);
    let polled = emulator
        .first_poll(Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("{} never asked for work", scenario.name));
    let outcome = emulator
        .invoke((scenario.event)())
        .await
        .unwrap_or_else(|| panic!("{} did not answer", scenario.name));
    let body = String::from_utf8_lossy(&outcome.body);
    assert!(outcome.ok, "{} failed its first invocation: {body}", scenario.name);
    stop(child);
    (polled - spawned, outcome.latency)
}

/// Medians of a function's cold starts, and of the baselines', started
/// in turn.
struct ColdStarts {
    init: f64,
    first_invoke: f64,
    baseline_init: f64,
    baseline_mt_init: f64,
}

/// The two baselines: current-thread (the floor), multi-thread (before).
struct Baselines<'a> {
    current_thread: &'a Scenario,
    multi_thread: &'a Scenario,
}

async fn cold_starts(scenario: &Scenario, baselines: &Baselines<'_>) -> ColdStarts {
    let (mut inits, mut firsts) = (Vec::new(), Vec::new());
    let (mut current, mut multi) = (Vec::new(), Vec::new());
    for _ in 0..COLD_STARTS {
        current.push(cold_start(baselines.current_thread).await.0);
        multi.push(cold_start(baselines.multi_thread).await.0);
        let (init, first) = cold_start(scenario).await;
        inits.push(init);
        firsts.push(first);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        ms(v[v.len() / 2])
    };
    ColdStarts {
        init: median(inits),
        first_invoke: median(firsts),
        baseline_init: median(current),
        baseline_mt_init: median(multi),
    }
}

async fn measure(scenario: &Scenario, baselines: &Baselines<'_>) -> Measure {
    let cold = cold_starts(scenario, baselines).await;
    let mut errors = 0;
    let mut emulator = Emulator::start().await;
    let child = spawn(scenario, &emulator);
    let pid = child.id();
    let mut latencies = Vec::with_capacity(WARM_INVOKES);
    let mut rss_after_1000 = 0.0;
    for n in 1..=TOTAL_INVOKES {
        let outcome = emulator
            .invoke((scenario.event)())
            .await
            .unwrap_or_else(|| panic!("{} stopped answering", scenario.name));
        errors += usize::from(!outcome.ok);
        if n <= WARM_INVOKES {
            latencies.push(outcome.latency);
        }
        if n == WARM_INVOKES {
            rss_after_1000 = memory_mb(pid, "VmRSS:");
        }
    }
    let rss_after_10000 = memory_mb(pid, "VmRSS:");
    let peak = memory_mb(pid, "VmHWM:");
    stop(child);
    latencies.sort();
    let pct = |p: usize| ms(latencies[(latencies.len() * p / 100).min(latencies.len() - 1)]);
    Measure {
        name: scenario.name.to_owned(),
        init_ms_median: cold.init,
        baseline_init_ms: cold.baseline_init,
        init_vs_baseline: ratio(cold.init, cold.baseline_init),
        baseline_mt_init_ms: cold.baseline_mt_init,
        init_vs_baseline_mt: ratio(cold.init, cold.baseline_mt_init),
        first_invoke_ms: cold.first_invoke,
        warm_p50_ms: pct(50),
        warm_p99_ms: pct(99),
        peak_rss_mb: peak,
        rss_after_1000_mb: rss_after_1000,
        rss_after_10000_mb: rss_after_10000,
        binary_bytes: std::fs::metadata(&scenario.binary).map(|m| m.len()).unwrap_or(0),
        errors,
    }
}

/// `a / b`, to two decimals.
fn ratio(a: f64, b: f64) -> f64 {
    (a / b * 100.0).round() / 100.0
}

/// The data the scenarios act on, and the cloud stand-ins the dispatcher needs.
async fn seed() -> (String, String, String) {
    let dynamo = dynamo_store().await;
    let table = dynamo.table().to_owned();
    let store: Arc<dyn Store> = Arc::new(dynamo);
    let clock = Arc::new(SystemClock);
    let deal = integration_tests::sample_deal_won();
    let ports = app::DealPorts::new(
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        clock.clone(),
    );
    app::Intake::new(ports).receive(deal).await.expect("the sample deal is received");
    let pm = domain::staff::Staff::new(MANAGER, vec![domain::staff::Role::Manager]);
    let new = domain::task_changes::NewTask {
        title: "Survey the site".into(),
        assignee: TECH.into(),
        due_date: chrono::Utc::now().date_naive() + chrono::Days::new(7),
        description: None,
    };
    let l1 = project("L1");
    let task = app::Commands::new(store.clone(), store, clock)
        .add_task(&l1, "order_confirmed", new, &pm)
        .await
        .expect("a task")
        .id;
    let sdk = cloud::aws::sdk_config().await;
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity("bench.bluerocktel.test")
        .send()
        .await
        .expect("an SES identity on moto");
    let bus = integration_tests::unique_name("bench");
    aws_sdk_eventbridge::Client::new(&sdk)
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("a bus on moto");
    (table, bus, task.to_string())
}

/// What the scenarios act on, as `seed` made it.
struct Seeded {
    bin_dir: PathBuf,
    aws: Vec<(&'static str, String)>,
    table: String,
    bus: String,
    task: String,
}

impl Seeded {
    /// The environment of a function: the stand-ins, the table, and `extra`.
    fn env(&self, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut env = self.aws.clone();
        env.push(("TABLE_NAME", self.table.clone()));
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        env
    }

    fn scenario(
        &self,
        name: &'static str,
        binary: &str,
        event: Box<dyn Fn() -> Vec<u8>>,
    ) -> Scenario {
        Scenario { name, binary: self.bin_dir.join(binary), env: self.env(&[]), event }
    }
}

/// The CRM webhook, with the sample deal signed afresh on every call.
fn deal_won(s: &Seeded) -> Scenario {
    let deal = String::from_utf8(sample_deal()).unwrap();
    let mut scenario = s.scenario(
        "deal-won",
        "deal-won",
        Box::new(move || signed_deal_event(&deal, WEBHOOK_SECRET)),
    );
    scenario.env = s.env(&[("CRM_WEBHOOK_SECRET", WEBHOOK_SECRET)]);
    scenario
}

/// The functions behind API Gateway, each with a request it serves.
fn http_scenarios(s: &Seeded) -> Vec<Scenario> {
    let l1 = project("L1").to_string();
    let l2 = project("L2").to_string();
    let manager = Some((MANAGER, "[manager]"));
    let technician = Some((TECH, "[technician]"));
    let complete = format!("/v1/projects/{l2}/milestones/order_confirmed/complete");
    let patch = format!("/v1/projects/{l1}/tasks/{}", s.task);
    let start = r#"{"status":"in_progress"}"#;
    let activate = format!("/v1/projects/{l1}/activate");
    let go_live = json!({
        "go_live_date": chrono::Utc::now().date_naive(),
        "technical_summary": [{ "line_id": "L1" }]
    })
    .to_string();
    let template = "/v1/settings/deployment-templates/sip_trunk";
    vec![
        deal_won(s),
        s.scenario(
            "projects",
            "projects",
            Box::new(move || api_event("GET", "/v1/tasks", None, technician, json!({}))),
        ),
        s.scenario(
            "milestones",
            "milestones",
            Box::new(move || api_event("POST", &complete, None, manager, json!({}))),
        ),
        s.scenario(
            "tasks",
            "tasks",
            Box::new(move || api_event("PATCH", &patch, Some(start), technician, json!({}))),
        ),
        s.scenario(
            "activation",
            "activation",
            Box::new(move || api_event("POST", &activate, Some(&go_live), manager, json!({}))),
        ),
        s.scenario(
            "templates",
            "templates",
            Box::new(move || api_event("GET", template, None, manager, json!({}))),
        ),
    ]
}

/// The console: the customer's status page of L1 (a signed link, one Query).
fn console(s: &Seeded) -> Scenario {
    const SECRET: &str = "bench-console-secret";
    let expires = chrono::Utc::now() + chrono::Duration::days(30);
    let token = app::status_link::token(&[Secret::new(SECRET)], &project("L1"), expires);
    let path = format!("/console/status/{token}");
    let mut scenario = s.scenario(
        "console",
        "console",
        Box::new(move || api_event("GET", &path, None, None, json!({}))),
    );
    scenario.env = s.env(&[
        ("CONSOLE_SECRET", SECRET),
        ("OIDC_ISSUER", "https://idp.bench.bluerocktel.test"),
        ("OIDC_CLIENT_ID", "console"),
    ]);
    scenario
}

/// The baselines, then the functions behind API Gateway, then the ones
/// invoked by the stream and the schedules.
fn scenarios(s: &Seeded) -> Vec<Scenario> {
    let hello = |name, binary| {
        let mut baseline = s.scenario(name, binary, Box::new(|| br#"{"hello":"world"}"#.to_vec()));
        baseline.env = s.aws.clone();
        baseline
    };
    let baseline = hello("baseline (hello)", "bench-hello");
    let baseline_mt = hello("hello, multi-thread", "bench-hello-mt");
    let batch = || include_bytes!("../../events/dynamodb/outbox-insert.json").to_vec();
    let mut dispatch = s.scenario("dispatch", "dispatch", Box::new(batch));
    dispatch.env = s.env(&[
        ("EVENT_BUS_NAME", &s.bus),
        ("MAIL_FROM", MAIL_FROM),
        ("PUBLIC_URL", "https://deploiements.bench.bluerocktel.test"),
        ("CONSOLE_SECRET", "bench-console-secret"),
    ]);
    // The schedules' payloads, as the template sends them (tests/integration/samples.rs).
    let sweep = || include_bytes!("../../events/scheduler/escalation-sweep.json").to_vec();
    let mut escalation = s.scenario("escalation", "escalation", Box::new(sweep));
    escalation.env = s.env(&[("ESCALATION_EMAIL", "escalade@bluerocktel.fr")]);
    let daily = || include_bytes!("../../events/scheduler/review-sweep.json").to_vec();
    let review = s.scenario("review", "review", Box::new(daily));
    let bounce = || include_bytes!("../../events/ses/bounce.json").to_vec();
    let mail_feedback = s.scenario("mail-feedback", "mail-feedback", Box::new(bounce));
    let mut all = vec![baseline, baseline_mt];
    all.extend(http_scenarios(s));
    all.push(console(s));
    all.extend([dispatch, escalation, review, mail_feedback]);
    all
}

/// Prints the table of measures and writes `target/bench/results.json`.
fn report(baseline: Measure, results: Vec<Measure>) {
    let columns = [
        "init ms", "base ms", "x base", "mt ms", "x mt", "1st ms", "p50 ms", "p99 ms", "peak MB",
        "1k MB", "10k MB",
    ];
    let cells = columns.map(|c| format!("{c:>8}")).join(" ");
    println!("{:<18} {cells} {:>11} {:>6}", "function", "binary", "errors");
    for m in std::iter::once(&baseline).chain(&results) {
        let values = [
            m.init_ms_median,
            m.baseline_init_ms,
            m.init_vs_baseline,
            m.baseline_mt_init_ms,
            m.init_vs_baseline_mt,
            m.first_invoke_ms,
            m.warm_p50_ms,
            m.warm_p99_ms,
            m.peak_rss_mb,
            m.rss_after_1000_mb,
            m.rss_after_10000_mb,
        ];
        let cells = values.map(|v| format!("{v:>8.2}")).join(" ");
        println!("{:<18} {cells} {:>11} {:>6}", m.name, m.binary_bytes, m.errors);
    }
    std::fs::create_dir_all("target/bench").unwrap();
    let report = json!({ "baseline": baseline, "functions": results });
    std::fs::write("target/bench/results.json", serde_json::to_vec_pretty(&report).unwrap())
        .unwrap();
    eprintln!("written target/bench/results.json");
}

#[tokio::main]
async fn main() {
    let bin_dir =
        PathBuf::from(std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| "target/release".into()));
    let (table, bus, task) = seed().await;
    let seeded = Seeded { bin_dir, aws: stand_in_env(), table, bus, task };
    let scenarios = scenarios(&seeded);
    // `BENCH_ONLY=deal-won,dispatch`: the baseline and those functions only
    // (to compare two builds of a few functions without measuring all).
    let only = std::env::var("BENCH_ONLY").ok();
    let chosen = |name: &str| only.as_deref().is_none_or(|o| o.split(',').any(|f| f == name));
    let baselines = Baselines { current_thread: &scenarios[0], multi_thread: &scenarios[1] };
    let mut results = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        if i > 1 && !chosen(scenario.name) {
            continue;
        }
        eprintln!("measuring {} ...", scenario.name);
        results.push(measure(scenario, &baselines).await);
    }
    let baseline = results.remove(0);
    report(baseline, results);
}

//! `lambda-bench`: every function's release binary, and a hello-world
//! baseline, run under the Runtime API emulator (`emulator.rs`) against the
//! local stand-ins (DynamoDB Local, moto). Measures the cold init (spawn to
//! the first poll for work, median of several starts), warm invoke latency
//! (1,000 invokes of a sample event), and resident memory after 1,000 and
//! 10,000 invokes. Writes `target/bench/results.json` and prints a table.
//! Run it through `tests/bench/run`, which builds and starts what it needs.

mod emulator;

use emulator::Emulator;
use integration_tests::{dynamo_store, sample_deal};
use serde_json::{Value, json};
use shared::clock::SystemClock;
use shared::config::Secret;
use shared::domain::ProjectId;
use shared::http::signature;
use shared::store::Store;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const COLD_STARTS: usize = 10;
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

async fn measure(scenario: &Scenario) -> Measure {
    let mut inits = Vec::new();
    let mut errors = 0;
    for _ in 0..COLD_STARTS {
        let mut emulator = Emulator::start().await;
        let spawned = Instant::now();
        let child = spawn(scenario, &emulator);
        let polled = emulator
            .first_poll(Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("{} never asked for work", scenario.name));
        inits.push(polled - spawned);
        let outcome = emulator
            .invoke((scenario.event)())
            .await
            .unwrap_or_else(|| panic!("{} did not answer", scenario.name));
        if !outcome.ok {
            panic!(
                "{} failed its first invocation: {}",
                scenario.name,
                String::from_utf8_lossy(&outcome.body)
            );
        }
        stop(child);
    }
    inits.sort();

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
        init_ms_median: ms(inits[inits.len() / 2]),
        warm_p50_ms: pct(50),
        warm_p99_ms: pct(99),
        peak_rss_mb: peak,
        rss_after_1000_mb: rss_after_1000,
        rss_after_10000_mb: rss_after_10000,
        binary_bytes: std::fs::metadata(&scenario.binary).map(|m| m.len()).unwrap_or(0),
        errors,
    }
}

/// An API Gateway HTTP API (v2) event, as Lambda hands it to the staff and CRM functions.
fn apigw(
    method: &str,
    path: &str,
    body: Option<&str>,
    claims: Option<(&str, &str)>,
    headers: Value,
) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_str(include_str!("../../events/apigw/list-tasks.json")).unwrap();
    event["routeKey"] = json!(format!("{method} {path}"));
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!("");
    event.as_object_mut().unwrap().remove("queryStringParameters");
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    event["headers"] = headers;
    match claims {
        Some((sub, roles)) => {
            event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(sub);
            event["requestContext"]["authorizer"]["jwt"]["claims"]["roles"] = json!(roles);
        }
        None => {
            event["requestContext"].as_object_mut().unwrap().remove("authorizer");
        }
    }
    if let Some(body) = body {
        event["body"] = json!(body);
        event["headers"]["content-type"] = json!("application/json");
    }
    serde_json::to_vec(&event).unwrap()
}

/// The data the scenarios act on, and the cloud stand-ins the dispatcher needs.
async fn seed() -> (String, String, String) {
    let dynamo = dynamo_store().await;
    let table = dynamo.table().to_owned();
    let store: Arc<dyn Store> = Arc::new(dynamo);
    let clock = Arc::new(SystemClock);
    let deal = integration_tests::sample_deal_won();
    shared::app::Intake::new(store.clone(), store.clone(), store.clone(), clock.clone())
        .receive(deal)
        .await
        .expect("the sample deal is received");
    let pm = shared::domain::staff::Staff::new(
        "sophie.durand@bluerocktel.fr",
        vec![shared::domain::staff::Role::Manager],
    );
    let new = shared::domain::work::NewTask {
        title: "Survey the site".into(),
        assignee: "tech.one@bluerocktel.fr".into(),
        due_date: chrono::Utc::now().date_naive() + chrono::Days::new(7),
        description: None,
    };
    let l1 = ProjectId::for_deal_line("D-2026-0042", "L1");
    let task = shared::app::Commands::new(store.clone(), store, clock)
        .add_task(&l1, "order_confirmed", new, &pm)
        .await
        .expect("a task")
        .id;
    let sdk = shared::aws::sdk_config().await;
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

#[tokio::main]
async fn main() {
    let bin_dir =
        PathBuf::from(std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| "target/release".into()));
    let (table, bus, task) = seed().await;
    let l1 = ProjectId::for_deal_line("D-2026-0042", "L1").to_string();
    let l2 = ProjectId::for_deal_line("D-2026-0042", "L2").to_string();
    let aws: Vec<(&'static str, String)> = [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ]
    .into_iter()
    .map(|k| {
        (k, std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set: run tests/bench/run")))
    })
    .collect();
    let with = |extra: &[(&'static str, &str)]| {
        let mut env = aws.clone();
        env.push(("TABLE_NAME", table.clone()));
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        env
    };
    let binary = |name: &str| bin_dir.join(name);
    let manager = Some(("sophie.durand@bluerocktel.fr", "[manager]"));
    let technician = Some(("tech.one@bluerocktel.fr", "[technician]"));
    let deal = String::from_utf8(sample_deal()).unwrap();

    let scenarios = vec![
        Scenario {
            name: "baseline (hello)",
            binary: binary("bench-hello"),
            env: aws.clone(),
            event: Box::new(|| br#"{"hello":"world"}"#.to_vec()),
        },
        Scenario {
            name: "deal-won",
            binary: binary("deal-won"),
            env: with(&[("CRM_WEBHOOK_SECRET", WEBHOOK_SECRET)]),
            event: Box::new(move || {
                let t = chrono::Utc::now().timestamp();
                let signed = signature::sign(&Secret::new(WEBHOOK_SECRET), t, deal.as_bytes());
                apigw(
                    "POST",
                    "/v1/crm/deals/won",
                    Some(&deal),
                    None,
                    json!({ "x-signature": signed }),
                )
            }),
        },
        Scenario {
            name: "projects",
            binary: binary("projects"),
            env: with(&[]),
            event: Box::new(move || apigw("GET", "/v1/tasks", None, technician, json!({}))),
        },
        Scenario {
            name: "milestones",
            binary: binary("milestones"),
            env: with(&[]),
            event: {
                let path = format!("/v1/projects/{l2}/milestones/order_confirmed/complete");
                Box::new(move || apigw("POST", &path, None, manager, json!({})))
            },
        },
        Scenario {
            name: "tasks",
            binary: binary("tasks"),
            env: with(&[]),
            event: {
                let path = format!("/v1/projects/{l1}/tasks/{task}");
                Box::new(move || {
                    apigw(
                        "PATCH",
                        &path,
                        Some(r#"{"status":"in_progress"}"#),
                        technician,
                        json!({}),
                    )
                })
            },
        },
        Scenario {
            name: "activation",
            binary: binary("activation"),
            env: with(&[]),
            event: {
                let path = format!("/v1/projects/{l1}/activate");
                let body = json!({ "go_live_date": chrono::Utc::now().date_naive(), "technical_summary": [{ "line_id": "L1" }] }).to_string();
                Box::new(move || apigw("POST", &path, Some(&body), manager, json!({})))
            },
        },
        Scenario {
            name: "templates",
            binary: binary("templates"),
            env: with(&[]),
            event: Box::new(move || {
                apigw(
                    "GET",
                    "/v1/settings/deployment-templates/sip_trunk",
                    None,
                    manager,
                    json!({}),
                )
            }),
        },
        Scenario {
            name: "dispatch",
            binary: binary("dispatch"),
            env: with(&[("EVENT_BUS_NAME", &bus), ("MAIL_FROM", MAIL_FROM)]),
            event: Box::new(|| include_bytes!("../../events/dynamodb/outbox-insert.json").to_vec()),
        },
        Scenario {
            name: "escalation",
            binary: binary("escalation"),
            env: with(&[("ESCALATION_EMAIL", "escalade@bluerocktel.fr")]),
            event: Box::new(|| br#"{"escalation":"sweep"}"#.to_vec()),
        },
    ];

    let mut results = Vec::new();
    for scenario in &scenarios {
        eprintln!("measuring {} ...", scenario.name);
        results.push(measure(scenario).await);
    }
    let baseline = results.remove(0);
    println!(
        "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>6}",
        "function", "init ms", "p50 ms", "p99 ms", "peak MB", "1k MB", "10k MB", "binary", "errors"
    );
    for m in std::iter::once(&baseline).chain(&results) {
        println!(
            "{:<18} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>11} {:>6}",
            m.name,
            m.init_ms_median,
            m.warm_p50_ms,
            m.warm_p99_ms,
            m.peak_rss_mb,
            m.rss_after_1000_mb,
            m.rss_after_10000_mb,
            m.binary_bytes,
            m.errors
        );
    }
    std::fs::create_dir_all("target/bench").unwrap();
    let report = json!({ "baseline": baseline, "functions": results });
    std::fs::write("target/bench/results.json", serde_json::to_vec_pretty(&report).unwrap())
        .unwrap();
    eprintln!("written target/bench/results.json");
}

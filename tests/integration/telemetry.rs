//! The logs and metrics of the functions, as CloudWatch would read them.
//!
//! - `deal-won`'s debug binary served through the Runtime API emulator on
//!   DynamoDB Local: every line of its output is JSON; log lines carry the
//!   invocation's `requestId` and `coldStart` at the top level; the metric
//!   lines are embedded metric format CloudWatch accepts, counting
//!   `DealsReceived` by outcome, once per invocation, under exactly the
//!   dimensions (`Stack`, `Outcome`) the template's alarms filter on.
//! - The use cases on the embedded store, under the same recorder, in a
//!   process of their own (`support/alone.rs`): staff commands, contention
//!   retries, escalations, jeopardy changes and outbox entries count what
//!   they commit.

#[allow(dead_code, reason = "the benchmark's emulator: this test uses part of it")]
#[path = "../bench/emulator.rs"]
mod emulator;

use app::metrics::{self as names, NAMESPACE, STACK_DIMENSION};
use app::ports::Store;
use app::ports::{Commit, CommitError, EventPublisher, Projects};
use app::{Commands, Reviewer};
use async_trait::async_trait;
use config::Secret;
use delivery::mail::MailRenderer;
use delivery::memory::{MemoryMailer, MemoryPublisher};
use delivery::{DispatchSettings, Dispatcher, StatusLinks};
use domain::outbox::OutboxMessage;
use domain::{Project, ProjectId};
use emulator::Emulator;
use integration_tests::apigw::signed_deal_event;
use integration_tests::fixtures::{Bundle, MANAGER, PM, TECH, TECH1, project};
use integration_tests::{CONSOLE_SECRET, PATIENCE, dynamo_store, sample_deal, sqlite_store};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Instant;

const SECRET: &str = "telemetry-webhook-secret";
const STACK: &str = "deployments-telemetry";

/// The debug binary of `deal-won`, built if it is not up to date (a no-op
/// after `cargo build --workspace --bins`, as tests/run does first: with
/// `--workspace`, its dependencies are built with the same features as
/// the rest of the workspace's, where `-p deal-won` would build them again).
fn binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--workspace", "--bin", "deal-won"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status();
    assert!(built.is_ok_and(|s| s.success()), "cargo build --workspace --bin deal-won");
    // target/debug/deps/telemetry-… → target/debug
    let exe = std::env::current_exe().expect("the test's path");
    exe.parent().and_then(|deps| deps.parent()).expect("the target dir").join("deal-won")
}

/// `deal-won` under the emulator, on `table`, as Lambda starts it.
fn spawn(emulator: &Emulator, table: &str) -> Child {
    let mut command = Command::new(binary());
    command
        .envs(integration_tests::stand_in_env())
        .env_remove("RUST_LOG")
        .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "deal-won")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .env("TABLE_NAME", table)
        .env("CRM_WEBHOOK_SECRET", SECRET)
        .env("METRICS_STACK", STACK)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the deal-won binary starts")
}

/// Every line the child writes on stdout and stderr, as it writes them.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().expect("piped"));
    let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().expect("piped"));
    for pipe in [stdout, stderr] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// The lines received until one satisfies `last` (the metrics of the last
/// invocation: written after its answer), or [`PATIENCE`] without it.
fn lines_until(rx: &mpsc::Receiver<String>, last: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = last(&line);
        lines.push(line);
        if done {
            break;
        }
    }
    lines
}

/// Checks one embedded-metric-format line as CloudWatch reads it: the
/// namespace, each dimension named present as a string, each metric a
/// count with its value. The (metric, value) pairs it declares.
fn emf_metrics(line: &Value) -> Vec<(String, f64)> {
    let aws = &line["_aws"];
    assert!(aws["Timestamp"].as_u64().is_some(), "_aws.Timestamp in ms: {line}");
    let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics");
    let mut found = Vec::new();
    for directive in directives {
        assert_eq!(directive["Namespace"], NAMESPACE, "{line}");
        for set in directive["Dimensions"].as_array().expect("Dimensions") {
            let set = set.as_array().expect("a dimension set");
            assert!(!set.is_empty() && set.len() <= 30, "{line}");
            for key in set {
                let key = key.as_str().expect("a dimension name");
                assert!(line[key].is_string(), "dimension {key} present in {line}");
            }
        }
        for metric in directive["Metrics"].as_array().expect("Metrics") {
            let name = metric["Name"].as_str().expect("a metric name").to_owned();
            assert_eq!(metric["Unit"], "Count", "{line}");
            let value = line[&name].as_f64().unwrap_or_else(|| panic!("{name}'s value: {line}"));
            found.push((name, value));
        }
    }
    assert_eq!(line[STACK_DIMENSION], STACK, "{line}");
    found
}

/// Each log line has what Lambda's JSON log format reads.
fn assert_log_line(log: &Value) {
    let stamp = log["timestamp"].as_str().expect("a timestamp");
    assert!(chrono::DateTime::parse_from_rfc3339(stamp).is_ok() && stamp.ends_with('Z'), "{log}");
    let level = log["level"].as_str().expect("a level");
    assert!(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level), "{log}");
    assert!(log["message"].is_string(), "{log}");
}

#[tokio::test]
async fn deal_won_logs_json_lines_per_invocation_and_counts_outcomes_in_emf_on_dynamodb_local() {
    let table = dynamo_store().await.table().to_owned();
    let mut emulator = Emulator::start().await;
    let mut child = spawn(&emulator, &table);
    let output = lines_of(&mut child);
    assert!(emulator.first_poll(PATIENCE).await.is_some(), "the function polls");
    let deal = String::from_utf8(sample_deal()).unwrap();
    let mut statuses = Vec::new();
    for secret in [SECRET, SECRET, "not-the-secret"] {
        let outcome = emulator.invoke(signed_deal_event(&deal, secret)).await.expect("an answer");
        assert!(outcome.ok, "{}", String::from_utf8_lossy(&outcome.body));
        let answer: Value = serde_json::from_slice(&outcome.body).expect("a JSON answer");
        statuses.push(answer["statusCode"].as_u64().expect("an HTTP answer"));
    }
    assert_eq!(statuses, [201, 200, 401]);
    let text = lines_until(&output, |l| l.contains("_aws") && l.contains("bench-000000000003"));
    let _ = child.kill();
    let _ = child.wait();
    let lines: Vec<Value> = text
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let (metrics, logs): (Vec<&Value>, Vec<&Value>) =
        lines.iter().partition(|l| l.get("_aws").is_some());

    logs.iter().for_each(|log| assert_log_line(log));
    let of = |id: &str| -> Vec<&&Value> { logs.iter().filter(|l| l["requestId"] == id).collect() };
    let (first, second) = (of("bench-000000000001"), of("bench-000000000002"));
    assert!(!first.is_empty() && !second.is_empty(), "each invocation logs: {text:#?}");
    assert!(first.iter().all(|l| l["coldStart"] == true), "{first:?}");
    assert!(second.iter().all(|l| l["coldStart"] == false), "{second:?}");
    assert!(first.iter().any(|l| l["deal_id"] == "D-2026-0042"), "deal_id on top: {first:?}");
    assert!(of("bench-000000000003").iter().any(|l| l["level"] == "WARN"), "{text:#?}");

    assert_deal_lines_carry_the_alarmed_dimensions(&metrics);
    let mut counted = Vec::new();
    for line in &metrics {
        for (name, value) in emf_metrics(line) {
            if name == names::DEALS_RECEIVED {
                let (request, outcome) = (&line["requestId"], &line[names::OUTCOME]);
                counted.push((request.clone(), outcome.clone(), value));
            }
        }
    }
    let expected = [
        (json!("bench-000000000001"), json!("created"), 1.0),
        (json!("bench-000000000002"), json!("replayed"), 1.0),
        (json!("bench-000000000003"), json!("rejected_signature"), 1.0),
    ];
    assert_eq!(counted, expected, "one count per invocation, flushed after it: {text:#?}");
}

/// The dimensions (name, value) of each alarm of `infra/template.yaml` on
/// `metric`, alone or in its metric math, the stack's name written
/// `AWS::StackName` (its `!Ref`).
fn alarmed_dimensions(metric: &str) -> Vec<BTreeMap<String, String>> {
    use yaml_rust2::{Yaml, YamlLoader};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    let text = std::fs::read_to_string(path).expect("the template");
    let template = YamlLoader::load_from_str(&text).expect("YAML").remove(0);
    let text_of = |y: &Yaml| y.as_str().unwrap_or_default().to_owned();
    let dimensions = |m: &Yaml| -> BTreeMap<String, String> {
        let each = m["Dimensions"].as_vec().into_iter().flatten();
        each.map(|d| (text_of(&d["Name"]), text_of(&d["Value"]))).collect()
    };
    let mut found = Vec::new();
    for resource in template["Resources"].as_hash().expect("Resources").values() {
        if text_of(&resource["Type"]) != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let p = &resource["Properties"];
        let math = p["Metrics"].as_vec().into_iter().flatten();
        let watched = std::iter::once(p).chain(math.map(|q| &q["MetricStat"]["Metric"]));
        for m in watched.filter(|m| text_of(&m["MetricName"]) == metric) {
            assert_eq!(text_of(&m["Namespace"]), NAMESPACE, "an alarm on {metric}");
            found.push(dimensions(m));
        }
    }
    found
}

/// The dimensions `app::metrics` records `metric` with, besides the
/// stack's.
fn declared_dimensions(metric: &str) -> &'static [&'static str] {
    match metric {
        names::DEALS_RECEIVED | names::COMMANDS => &[names::OUTCOME],
        names::OUTBOX_ENTRIES => &[names::CHANNEL, names::OUTCOME],
        names::JEOPARDY_CHANGES => &[names::HEALTH],
        names::MAIL_BOUNCES => &[names::FEEDBACK],
        _ => &[],
    }
}

/// The one dimension set of an EMF line, checked to hold no name twice.
fn dimension_set(line: &Value) -> BTreeSet<&str> {
    let directives = line["_aws"]["CloudWatchMetrics"].as_array().expect("directives");
    let sets: Vec<Vec<&str>> = directives
        .iter()
        .flat_map(|d| d["Dimensions"].as_array().into_iter().flatten())
        .map(|set| set.as_array().into_iter().flatten().filter_map(Value::as_str).collect())
        .collect();
    let [set] = sets.as_slice() else { panic!("one dimension set: {line}") };
    let names: BTreeSet<&str> = set.iter().copied().collect();
    assert_eq!(names.len(), set.len(), "no dimension twice: {line}");
    names
}

/// Each of deal-won's metric lines has exactly the dimension set its
/// metrics are declared with, the stack's and theirs, nothing else:
/// CloudWatch files a metric under its exact set, and the template's
/// alarms on `DealsReceived` filter on `Stack` and `Outcome`; the refused
/// request's line is the one the rejected-signature alarm watches.
fn assert_deal_lines_carry_the_alarmed_dimensions(metrics: &[&Value]) {
    let alarms = alarmed_dimensions(names::DEALS_RECEIVED);
    assert!(!alarms.is_empty(), "an alarm watches {}", names::DEALS_RECEIVED);
    let deals: BTreeSet<&str> = [STACK_DIMENSION, names::OUTCOME].into();
    for alarm in &alarms {
        assert_eq!(alarm.keys().map(String::as_str).collect::<BTreeSet<_>>(), deals);
    }
    let mut seen = Vec::new();
    for line in metrics {
        let set = dimension_set(line);
        for (name, _) in emf_metrics(line) {
            let mut declared: BTreeSet<&str> = declared_dimensions(&name).iter().copied().collect();
            declared.insert(STACK_DIMENSION);
            assert_eq!(set, declared, "{name}'s dimensions: {line}");
        }
        if line.get(names::DEALS_RECEIVED).is_some() {
            let value = |d: &str| line[d].as_str().unwrap_or_default().to_owned();
            let stack = if value(STACK_DIMENSION) == STACK { "AWS::StackName" } else { "" };
            seen.push(BTreeMap::from([
                (STACK_DIMENSION.to_owned(), stack.to_owned()),
                (names::OUTCOME.to_owned(), value(names::OUTCOME)),
            ]));
        }
    }
    assert_eq!(seen.len(), 3, "one DealsReceived line per invocation: {metrics:?}");
    for alarm in &alarms {
        assert!(seen.contains(alarm), "a line the alarm on {alarm:?} sees: {seen:?}");
    }
}

/// The recorder a Lambda installs (`telemetry::init_lambda`), in
/// this process, writing to the test's buffer.
fn collector() -> &'static metrics_cloudwatch_embedded::Collector {
    static COLLECTOR: OnceLock<&'static metrics_cloudwatch_embedded::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(|| {
        let collector = metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .with_dimension(STACK_DIMENSION, STACK)
            .init()
            .expect("the only recorder of this process");
        names::describe();
        collector
    })
}

/// The counts written since the last call, as `Name{Dimension=value,…}`
/// (the stack left out), each line checked as CloudWatch reads it.
fn flushed() -> BTreeMap<String, f64> {
    let mut out = Vec::new();
    collector().flush(&mut out).expect("flushes");
    let mut counts = BTreeMap::new();
    for text in String::from_utf8(out).expect("utf-8").lines() {
        let line: Value = serde_json::from_str(text).expect("each EMF line is JSON");
        let dimensions = line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0].clone();
        let labels: Vec<String> = dimensions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|d| *d != STACK_DIMENSION)
            .map(|d| format!("{d}={}", line[d].as_str().unwrap_or_default()))
            .collect();
        for (name, value) in emf_metrics(&line) {
            *counts.entry(format!("{name}{{{}}}", labels.join(","))).or_default() += value;
        }
    }
    counts
}

fn count(counts: &BTreeMap<String, f64>, key: &str) -> f64 {
    counts.get(key).copied().unwrap_or(0.0)
}

/// A store on which another writer wins the next `lost` commits.
struct Racing {
    store: Arc<dyn Store>,
    lost: AtomicU32,
}

#[async_trait]
impl Projects for Racing {
    async fn load(&self, id: &ProjectId) -> Result<Option<Project>, app::ports::StoreError> {
        self.store.load(id).await
    }
    async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let lost = self.lost.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match lost {
            Ok(_) => Err(CommitError::VersionConflict),
            Err(_) => self.store.commit(commit).await,
        }
    }
    async fn history(
        &self,
        id: &ProjectId,
    ) -> Result<Vec<domain::history::HistoryEntry>, app::ports::StoreError> {
        self.store.history(id).await
    }
}

/// Staff commands: two committed, one refused; then one that loses two
/// races first, counted as two contention retries and one commit.
async fn staff_commands_count_their_answers_and_lost_races(bundle: &Bundle) {
    let l1 = project("L1");
    let task = json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-11-21" });
    let task = bundle.add_task(&l1, "order_confirmed", task).await;
    let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    let path = format!("/v1/projects/{l1}/tasks/{task}");
    assert!(bundle.call("PATCH", &path, Some(TECH1), Some(block)).await.status.is_success());
    // Out of order: the domain refuses it (the command ran, and said no).
    let refused = bundle.complete(&l1, "delivery_confirmed", PM, None).await;
    assert_eq!(refused.status, 409, "the milestones before it are pending");
    let counts = flushed();
    assert_eq!(count(&counts, "Commands{Outcome=committed}"), 2.0, "{counts:?}");
    assert_eq!(count(&counts, "Commands{Outcome=refused}"), 1.0, "{counts:?}");

    let racing = Arc::new(Racing { store: bundle.store.clone(), lost: AtomicU32::new(2) });
    let commands = Commands::new(racing, bundle.store.clone(), bundle.clock.clone());
    let manager = domain::staff::Staff::new(MANAGER, vec![domain::staff::Role::Manager]);
    let new = domain::task_changes::NewTask {
        title: "Order the router".into(),
        assignee: TECH.into(),
        due_date: "2026-12-01".parse().unwrap(),
        description: None,
    };
    commands.add_task(&l1, "order_confirmed", new, &manager).await.expect("committed at last");
    let counts = flushed();
    assert_eq!(count(&counts, "ContentionRetries{}"), 2.0, "{counts:?}");
    assert_eq!(count(&counts, "Commands{Outcome=committed}"), 1.0, "{counts:?}");
}

/// The escalation sweep counts each level it commits; the review sweep
/// each change of health it commits, by the new health.
/// A CRM revision that brings the target closer: each project it puts at
/// risk or late is counted, as a staff command's or a review's would be.
async fn crm_changes_count_the_health_they_change(bundle: &Bundle) {
    let _ = flushed();
    let mut change: Value = serde_json::from_slice(&sample_deal()).unwrap();
    change["revision"] = json!(1);
    change["target_go_live"] = json!("2026-12-28");
    let reply = bundle.crm(api::routes::DEAL_CHANGED, &change).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let counted: BTreeMap<String, f64> =
        flushed().into_iter().filter(|(k, _)| k.starts_with(names::JEOPARDY_CHANGES)).collect();
    let mut listed = BTreeMap::new();
    for health in ["at_risk", "late"] {
        let path = format!("/v1/projects?health={health}");
        let items = bundle.call("GET", &path, Some(PM), None).await.json()["items"].clone();
        let n = items.as_array().map_or(0, Vec::len);
        if n > 0 {
            listed.insert(format!("JeopardyChanges{{Health={health}}}"), n as f64);
        }
    }
    assert!(listed.contains_key("JeopardyChanges{Health=at_risk}"), "L1: {listed:?}");
    assert_eq!(counted, listed, "one count per project whose health the change moved");
}

async fn sweeps_count_escalations_and_health_changes(bundle: &Bundle) {
    let commands =
        Arc::new(Commands::new(bundle.store.clone(), bundle.store.clone(), bundle.clock.clone()));
    let escalator = integration_tests::escalator(
        bundle.store.clone(),
        bundle.clock.clone(),
        "escalade@bluerocktel.fr",
    );
    bundle.clock.set("2026-11-22T00:15:00Z".parse().unwrap());
    let _ = flushed();
    let escalated = escalator.sweep().await.expect("a sweep").escalated.len();
    assert_eq!(escalated, 1);
    assert_eq!(count(&flushed(), "Escalations{}"), 1.0);

    bundle.clock.set("2027-06-01T08:00:00Z".parse().unwrap());
    let reviewer =
        Reviewer::new(bundle.store.clone(), bundle.store.clone(), commands, bundle.clock.clone());
    let report = reviewer.sweep().await.expect("a sweep");
    assert!(!report.changed.is_empty(), "months late: {report:?}");
    let mut changes: BTreeMap<String, f64> = BTreeMap::new();
    for (_, health) in &report.changed {
        *changes.entry(format!("JeopardyChanges{{Health={}}}", health.as_str())).or_default() +=
            1.0;
    }
    let counted: BTreeMap<String, f64> =
        flushed().into_iter().filter(|(k, _)| k.starts_with(names::JEOPARDY_CHANGES)).collect();
    assert_eq!(counted, changes, "once per committed change");
    assert!(reviewer.sweep().await.expect("again").changed.is_empty());
    assert!(flushed().keys().all(|k| !k.starts_with(names::JEOPARDY_CHANGES)), "none again");
}

fn dispatcher(bundle: &Bundle, publisher: Arc<dyn EventPublisher>, claims: u32) -> Dispatcher {
    let mut settings = DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>");
    settings.max_claims = claims;
    Dispatcher::new(
        bundle.store.clone(),
        Arc::new(MemoryMailer::default()),
        publisher,
        bundle.clock.clone(),
        MailRenderer::new().expect("templates compile"),
        settings.with_attempts(1),
        StatusLinks::fixed("https://deploiements.example", vec![Secret::new(CONSOLE_SECRET)]),
    )
}

/// The dispatcher counts each entry by channel: mail sent and events given
/// back while the bus is down; then the events given up.
async fn the_dispatcher_counts_entries_by_channel_and_outcome(bundle: &Bundle) {
    let pending = bundle.store.pending_outbox(1000).await.expect("the outbox");
    let events = pending.iter().filter(|e| matches!(e.message, OutboxMessage::Event { .. }));
    let events = events.count() as f64;
    let mails = pending.len() as f64 - events;
    assert!(events > 0.0 && mails > 0.0, "{pending:?}");
    let _ = flushed();
    let down = dispatcher(bundle, Arc::new(delivery::memory::UnreachableBus), 20);
    down.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    let counts = flushed();
    assert_eq!(count(&counts, "OutboxEntries{Channel=mail,Outcome=sent}"), mails, "{counts:?}");
    assert_eq!(count(&counts, "OutboxEntries{Channel=event,Outcome=retried}"), events);

    let no_more_claims = dispatcher(bundle, Arc::new(MemoryPublisher::default()), 1);
    no_more_claims.sweep(chrono::Duration::zero(), 1000).await.expect("a sweep");
    let counts = flushed();
    assert_eq!(count(&counts, "OutboxEntries{Channel=event,Outcome=dead}"), events, "{counts:?}");
    assert_eq!(counts.len(), 1, "{counts:?}");
}

/// In a process of its own: the recorder counts every command of its process.
#[test]
fn use_cases_count_what_they_commit() {
    let name = "use_cases_count_what_they_commit";
    integration_tests::alone::in_a_process_of_its_own(module_path!(), name, || async {
        let _ = collector();
        let bundle = Bundle::with_sample_deal(Arc::new(sqlite_store())).await;
        assert_eq!(count(&flushed(), "DealsReceived{Outcome=created}"), 1.0);
        staff_commands_count_their_answers_and_lost_races(&bundle).await;
        crm_changes_count_the_health_they_change(&bundle).await;
        sweeps_count_escalations_and_health_changes(&bundle).await;
        the_dispatcher_counts_entries_by_channel_and_outcome(&bundle).await;
    });
}

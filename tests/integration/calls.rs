//! DynamoDB round trips per use case, counted by an SDK interceptor on
//! DynamoDB Local: loading a project is one Query, a change one
//! transaction, intake a read of the deal's record, one Query per service
//! type (its recent go-lives) and one transaction per project, a replayed
//! deal the read of its record alone, a CRM revision two reads per project
//! and one transaction per project it changes, the analytics of a window one
//! Query per month, and never a Scan.

use app::ports::Store;
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::go_live_facts::GoLiveFacts;
use domain::project::{Change, Project};
use domain::template::Template;
use integration_tests::fixtures::{Bundle, Member, PM, ROOT, TECH, project};
use integration_tests::{OperationCounter, dynamo_store_counted};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

fn calls(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// The bundle on a counted DynamoDB Local table.
struct Counted {
    bundle: Bundle,
    counter: OperationCounter,
}

integration_tests::on_bundle!(Counted);

impl Counted {
    /// The DynamoDB requests of a staff call, which must answer `expected`.
    async fn call(
        &self,
        method: &str,
        path: &str,
        who: Member,
        body: Option<Value>,
        expected: StatusCode,
    ) -> BTreeMap<String, u32> {
        self.counter.reset();
        let reply = self.bundle.call(method, path, Some(who), body).await;
        assert_eq!(reply.status, expected, "{}", String::from_utf8_lossy(&reply.body));
        self.counts()
    }

    fn counts(&self) -> BTreeMap<String, u32> {
        let counts = self.counter.counts();
        assert!(!counts.contains_key("Scan"), "no Scan, ever: {counts:?}");
        counts
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_use_case_makes_the_expected_round_trips_on_dynamodb_local() {
    let (store, counter) = dynamo_store_counted().await;
    let c = Counted { bundle: Bundle::new(Arc::new(store)), counter };

    intake_reads_the_record_first(&c).await;
    changes_load_once_and_commit_once(&c).await;
    reads_are_queries(&c).await;
    sweeps_read_only_what_is_due(&c).await;
    order_changes_read_each_project_around_the_claim(&c).await;
    analytics_read_one_query_per_month(&c).await;
}

/// Intake: the deal's record (none yet), one read of the templates, one
/// Query per service type for its recent go-lives (learned durations), one
/// transaction per project. A replay, and a different body under the same
/// id, are answered after the read of the record alone.
async fn intake_reads_the_record_first(c: &Counted) {
    let deal = integration_tests::sample_deal();
    c.counter.reset();
    let reply = c.receive(deal.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let intake =
        calls(&[("BatchGetItem", 1), ("GetItem", 1), ("Query", 2), ("TransactWriteItems", 2)]);
    assert_eq!(c.counts(), intake);

    let record_only = calls(&[("GetItem", 1)]);
    c.counter.reset();
    let replay = c.receive(deal.clone()).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.body, reply.body, "a replay answers the first answer");
    assert_eq!(c.counts(), record_only);

    let mut other: Value = serde_json::from_slice(&deal).unwrap();
    other["account"]["name"] = json!("Another name");
    c.counter.reset();
    let conflict = c.receive(serde_json::to_vec(&other).unwrap()).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert_eq!(c.counts(), record_only);
}

async fn changes_load_once_and_commit_once(c: &Counted) {
    let p = format!("/v1/projects/{}", project("L1"));
    let (ok, created) = (StatusCode::OK, StatusCode::CREATED);
    let change = calls(&[("Query", 1), ("TransactWriteItems", 1)]);
    let complete = format!("{p}/milestones/order_confirmed/complete");
    assert_eq!(c.call("POST", &complete, PM, None, ok).await, change);
    let task = json!({ "title": "Survey", "assignee": TECH, "due_date": "2026-12-01" });
    let tasks = format!("{p}/milestones/equipment_ordered/tasks");
    assert_eq!(c.call("POST", &tasks, PM, Some(task), created).await, change);
    let status = json!({ "status": "in_progress" });
    let patch = format!("{p}/tasks/T-000003-00");
    assert_eq!(c.call("PATCH", &patch, PM, Some(status), ok).await, change);
    // A no-op reads and writes nothing more.
    assert_eq!(c.call("POST", &complete, PM, None, ok).await, calls(&[("Query", 1)]));
    // Go-live also reads the account record (refused here: milestones pending).
    let body = json!({ "go_live_date": "2026-11-20", "technical_summary": [{ "line_id": "L1" }] });
    let activate = format!("{p}/activate");
    let refused = c.call("POST", &activate, PM, Some(body), StatusCode::CONFLICT).await;
    assert_eq!(refused, calls(&[("GetItem", 1), ("Query", 1)]));
}

/// Queries on the table or an index.
async fn reads_are_queries(c: &Counted) {
    let ok = StatusCode::OK;
    let one = calls(&[("Query", 1)]);
    let p = format!("/v1/projects/{}", project("L1"));
    assert_eq!(c.call("GET", &p, PM, None, ok).await, calls(&[("Query", 2)]));
    assert_eq!(c.call("GET", "/v1/projects?status=in_progress", PM, None, ok).await, one);
    assert_eq!(c.call("GET", &format!("/v1/tasks?assignee={TECH}"), PM, None, ok).await, one);
    let template = "/v1/settings/deployment-templates/sip_trunk";
    assert_eq!(c.call("GET", template, ROOT, None, ok).await, calls(&[("BatchGetItem", 1)]));
}

async fn sweeps_read_only_what_is_due(c: &Counted) {
    let store: Arc<dyn Store> = c.store.clone();
    // The escalation sweep with nothing due: one Query of its index.
    c.counter.reset();
    let escalator =
        integration_tests::escalator(store.clone(), c.clock.clone(), "escalade@bluerocktel.fr");
    assert!(escalator.sweep().await.unwrap().escalated.is_empty());
    assert_eq!(c.counts(), calls(&[("Query", 1)]));

    // Delivery: per entry, a conditional claim and a conditional settlement.
    let pending: Vec<_> =
        store.pending_outbox(100).await.unwrap().into_iter().map(|e| e.id).collect();
    let dispatcher = delivery::Dispatcher::new(
        store,
        Arc::new(delivery::memory::MemoryMailer::default()),
        Arc::new(delivery::memory::MemoryPublisher::default()),
        c.clock.clone(),
        delivery::mail::MailRenderer::new().unwrap(),
        delivery::DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
        delivery::StatusLinks::fixed(
            "https://deploiements.example",
            vec![config::Secret::new(integration_tests::CONSOLE_SECRET)],
        ),
    );
    c.counter.reset();
    let report = dispatcher.dispatch(&pending).await;
    assert_eq!(report.sent.len(), pending.len());
    let n = u32::try_from(pending.len()).unwrap();
    assert_eq!(c.counts(), calls(&[("UpdateItem", 2 * n)]));
}

/// A new revision reads the deal's record and each of its projects twice
/// (around the claim), then writes the claim, one transaction per project it
/// changes, and the answer; a replay reads the record only. A cancellation
/// marks the record, reads each project once and cancels those still running.
async fn order_changes_read_each_project_around_the_claim(c: &Counted) {
    use api::routes::{DEAL_CANCELLED, DEAL_CHANGED};
    let parse = |text: &str| -> Value { serde_json::from_str(text).expect("a sample") };
    let change = parse(include_str!("../../events/crm/deal-changed.json"));
    let cancel = parse(include_str!("../../events/crm/deal-cancelled.json"));
    let send = |path: &'static str, body: &Value| {
        c.counter.reset();
        let body = body.clone();
        async move {
            let reply = c.crm(path, &body).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
            c.counts()
        }
    };
    // L1 updated, L2 cancelled, L4 created (its template and its type's
    // go-lives read once). Each project is read before the claim (a change
    // that cannot apply writes nothing) and after it (what an earlier
    // revision wrote until then).
    let applied =
        calls(&[("BatchGetItem", 1), ("GetItem", 1), ("Query", 7), ("TransactWriteItems", 5)]);
    assert_eq!(send(DEAL_CHANGED, &change).await, applied);
    assert_eq!(send(DEAL_CHANGED, &change).await, calls(&[("GetItem", 1)]));
    // The record marked, then L1 and L4 (L2 is cancelled already); the CRM
    // cancels on 2026-11-27.
    c.clock.set(integration_tests::fixtures::live_at());
    let cancelled = calls(&[("GetItem", 1), ("Query", 3), ("TransactWriteItems", 3)]);
    assert_eq!(send(DEAL_CANCELLED, &cancel).await, cancelled);
    assert_eq!(send(DEAL_CANCELLED, &cancel).await, calls(&[("GetItem", 1), ("Query", 3)]));
}

/// Analytics of a window of N months: N Queries (each month's go-lives fit
/// one page), whatever the service types, the go-lives or the empty months,
/// and no other request.
async fn analytics_read_one_query_per_month(c: &Counted) {
    let store: Arc<dyn Store> = c.store.clone();
    let types = ["fibre_ftto", "sip_trunk"];
    let lives = (1..=12).flat_map(|month| {
        types.into_iter().flat_map(move |t| (0..3).map(move |n| went_live(month, t, n)))
    });
    integration_tests::create_all(&store, lives, 8).await;
    for (from, to, filter, months, go_lives) in [
        ("2027-01", "2027-01", "", 1, 6),
        ("2027-03", "2027-05", "", 3, 18),
        ("2027-01", "2027-12", "&service_type=sip_trunk", 12, 36),
        ("2027-07", "2028-06", "", 12, 36),
        ("2028-01", "2028-06", "", 6, 0),
    ] {
        let path = format!("/v1/analytics/deployments?from={from}&to={to}{filter}");
        c.counter.reset();
        let reply = c.bundle.call("GET", &path, Some(PM), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let found: u64 = reply.json()["service_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_u64().unwrap())
            .sum();
        assert_eq!(found, go_lives, "{path}");
        assert_eq!(c.counts(), calls(&[("Query", months)]), "{path}");
    }
}

/// Project `n` of `service_type`, live on day `10 + n` of `month` of 2027
/// (at the pace of its template): written with its go-live facts.
fn went_live(month: u32, service_type: &str, n: u32) -> (Project, Change) {
    let mut deal = integration_tests::sample_deal_won();
    deal.deal_id = format!("D-FACTS-{month:02}-{service_type}-{n}");
    let line = deal.services.iter().find(|s| s.service_type == service_type).unwrap().clone();
    let template = Template::default_for(service_type);
    let (project, mut change) =
        Project::open(&deal, &line, &template, integration_tests::fixtures::t0());
    let go_live_date = NaiveDate::from_ymd_opt(2027, month, 10 + n).unwrap();
    change.facts = Some(GoLiveFacts {
        project_id: project.id.clone(),
        service_type: service_type.to_owned(),
        won_at: deal.won_at,
        go_live_date,
        target_go_live: deal.target_go_live,
        lead_time_days: (go_live_date - deal.won_at.date_naive()).num_days(),
        milestones: template
            .milestones
            .iter()
            .map(|m| (m.key.clone(), i64::from(m.expected_days) * 86_400))
            .collect(),
        blocked_seconds: BTreeMap::new(),
        held_seconds: 0,
    });
    (project, change)
}

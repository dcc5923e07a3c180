//! DynamoDB round trips per use case, counted by an SDK interceptor on
//! DynamoDB Local: loading a project is one Query, a change one
//! transaction, intake one transaction per project, and never a Scan.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use integration_tests::{
    SECRET, bundle_app, deal_request, dynamo_store_counted, sample_deal, send, staff_request, token,
};
use serde_json::json;
use shared::aws::CallCounter;
use shared::clock::ManualClock;
use shared::domain::ProjectId;
use shared::ports::Clock;
use shared::store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().unwrap()
}

fn calls(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Runs `request` and returns the DynamoDB requests it made.
async fn counted(
    app: &axum::Router,
    counter: &CallCounter,
    request: axum::http::Request<axum::body::Body>,
    expected: StatusCode,
) -> BTreeMap<String, u32> {
    counter.reset();
    let reply = send(app, request).await;
    assert_eq!(reply.status, expected, "{}", String::from_utf8_lossy(&reply.body));
    let counts = counter.counts();
    assert!(!counts.contains_key("Scan"), "no Scan, ever: {counts:?}");
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_use_case_makes_the_expected_round_trips() {
    let (store, counter) = dynamo_store_counted().await;
    let store: Arc<dyn Store> = Arc::new(store);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let app = bundle_app(store.clone(), clock.clone());
    let pm = token("sophie.durand@bluerocktel.fr", &["manager"]);
    let admin = token("root@bluerocktel.fr", &["admin"]);
    let p = ProjectId::for_deal_line("D-2026-0042", "L1");
    let get = |path: &str, t: &str| staff_request("GET", path, Some(t), None);
    let post = |path: &str, t: &str, body: Option<serde_json::Value>| {
        staff_request("POST", path, Some(t), body)
    };

    // Intake: one read of the templates, one transaction per project.
    let intake = counted(
        &app,
        &counter,
        deal_request(sample_deal(), SECRET, t0().timestamp()),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(intake, calls(&[("BatchGetItem", 1), ("TransactWriteItems", 2)]));

    // A change: one Query to load, one transaction to commit.
    let complete = counted(
        &app,
        &counter,
        post(&format!("/v1/projects/{p}/milestones/order_confirmed/complete"), &pm, None),
        StatusCode::OK,
    )
    .await;
    assert_eq!(complete, calls(&[("Query", 1), ("TransactWriteItems", 1)]));
    let task = json!({ "title": "Survey", "assignee": "tech.one@bluerocktel.fr", "due_date": "2026-12-01" });
    let add = counted(
        &app,
        &counter,
        post(&format!("/v1/projects/{p}/milestones/equipment_ordered/tasks"), &pm, Some(task)),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(add, calls(&[("Query", 1), ("TransactWriteItems", 1)]));
    let patch = staff_request(
        "PATCH",
        &format!("/v1/projects/{p}/tasks/T-000003-00"),
        Some(&pm),
        Some(json!({ "status": "in_progress" })),
    );
    assert_eq!(
        counted(&app, &counter, patch, StatusCode::OK).await,
        calls(&[("Query", 1), ("TransactWriteItems", 1)])
    );
    // A no-op reads and writes nothing more.
    let again = counted(
        &app,
        &counter,
        post(&format!("/v1/projects/{p}/milestones/order_confirmed/complete"), &pm, None),
        StatusCode::OK,
    )
    .await;
    assert_eq!(again, calls(&[("Query", 1)]));
    // Go-live also reads the account record (refused here: milestones pending).
    let body = json!({ "go_live_date": "2026-11-20", "technical_summary": [{ "line_id": "L1" }] });
    let activate = counted(
        &app,
        &counter,
        post(&format!("/v1/projects/{p}/activate"), &pm, Some(body)),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(activate, calls(&[("GetItem", 1), ("Query", 1)]));

    // Reads: Queries on the table or an index.
    assert_eq!(
        counted(&app, &counter, get(&format!("/v1/projects/{p}"), &pm), StatusCode::OK).await,
        calls(&[("Query", 2)])
    );
    assert_eq!(
        counted(&app, &counter, get("/v1/projects?status=in_progress", &pm), StatusCode::OK).await,
        calls(&[("Query", 1)])
    );
    assert_eq!(
        counted(
            &app,
            &counter,
            get("/v1/tasks?assignee=tech.one@bluerocktel.fr", &pm),
            StatusCode::OK
        )
        .await,
        calls(&[("Query", 1)])
    );
    let template = counted(
        &app,
        &counter,
        get("/v1/settings/deployment-templates/sip_trunk", &admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(template, calls(&[("BatchGetItem", 1)]));

    // The escalation sweep with nothing due: one Query of its index.
    counter.reset();
    let report =
        integration_tests::escalator(store.clone(), clock.clone(), "escalade@bluerocktel.fr")
            .sweep()
            .await
            .unwrap();
    assert!(report.escalated.is_empty());
    assert_eq!(counter.counts(), calls(&[("Query", 1)]));

    // Delivery: per entry, a conditional claim and a conditional settlement.
    let pending: Vec<_> =
        store.pending_outbox(100).await.unwrap().into_iter().map(|e| e.id).collect();
    let dispatcher = shared::app::Dispatcher::new(
        store.clone(),
        Arc::new(shared::delivery::memory::MemoryMailer::default()),
        Arc::new(shared::delivery::memory::MemoryPublisher::default()),
        clock,
        shared::mail::MailRenderer::new().unwrap(),
        shared::app::DispatchSettings::new("BlueRockTEL <deploiements@bluerocktel.fr>"),
    );
    counter.reset();
    let report = dispatcher.dispatch(&pending).await;
    assert_eq!(report.sent.len(), pending.len());
    let n = u32::try_from(pending.len()).unwrap();
    assert_eq!(counter.counts(), calls(&[("UpdateItem", 2 * n)]));
}

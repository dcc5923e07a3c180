//! Each sample invoked as its function receives it, on a fresh DynamoDB
//! Local table: the API Gateway events through the router of the function
//! serving their route, the schedule payloads and the stream batch through
//! their function's handler.

use super::scheduler_payload;
use axum::http::StatusCode;
use config::local_defaults;
use integration_tests::apigw::{resign, sample, time_of};
use integration_tests::fixtures::{Bundle, PM, TECH, TECH1, live_at, project, t0};
use integration_tests::{Reply, dynamo_store};
use serde_json::{Value, json};
use std::sync::Arc;

/// Why the tests sign again: five minutes after the sample's time its
/// stored signature is refused, the one made at that moment accepted; a
/// stored session cookie never signs anyone in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_credentials_expire_and_the_tests_make_them_again() {
    let b = Bundle::new(Arc::new(dynamo_store().await));
    let event = sample("deal-won");
    let later = time_of(&event) + chrono::Duration::seconds(301);
    b.clock.set(later);
    let invoke = |e: Value| {
        let (store, clock) = (b.store.clone(), b.clock.clone());
        async move { integration_tests::apigw::invoke(&e, store, clock).await }
    };
    assert_eq!(invoke(event.clone()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(invoke(resign(&event, later.timestamp())).await.status, StatusCode::CREATED);
    let console = sample("console");
    let stale = invoke(console.clone()).await;
    assert_ne!(
        stale.headers.get("location").map(|l| l.as_bytes()),
        Some(&b"/console/projects"[..])
    );
    let signed_in = invoke(resign(&console, later.timestamp())).await;
    assert_eq!(signed_in.headers["location"], "/console/projects");
}

/// The sample deal received at `t0` on a fresh DynamoDB Local table.
async fn world() -> Bundle {
    Bundle::with_sample_deal(Arc::new(dynamo_store().await)).await
}

/// Sample `name` as API Gateway hands it to its function at the time it
/// names (the bundle's clock moved there), credentials made again.
async fn invoke(b: &Bundle, name: &str) -> Reply {
    let event = sample(name);
    b.clock.set(time_of(&event));
    let event = resign(&event, time_of(&event).timestamp());
    let reply = integration_tests::apigw::invoke(&event, b.store.clone(), b.clock.clone()).await;
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{name}: {text}");
    reply
}

/// Milestones before go-live completed on L1, as the manager.
async fn walk_to_acceptance(b: &Bundle) {
    let date = json!({ "installation_date": "2026-12-10" });
    for key in integration_tests::fixtures::BEFORE_GO_LIVE {
        let body = (key == "delivery_confirmed").then(|| date.clone());
        let reply = b.complete(&project("L1"), key, PM, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{key}");
    }
}

fn ids(reply: &Reply, list: &str) -> Vec<String> {
    let items = reply.json()[list].as_array().cloned().unwrap_or_default();
    items.iter().filter_map(|p| p["id"].as_str().map(str::to_owned)).collect()
}

fn milestone(view: &Value, key: &str) -> Value {
    let milestones = view["milestones"].as_array().cloned().unwrap_or_default();
    milestones.into_iter().find(|m| m["key"] == key).unwrap_or_else(|| panic!("no {key}"))
}

mod crm {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deal_won_creates_a_project_per_installed_line() {
        let b = Bundle::new(Arc::new(dynamo_store().await));
        let reply = invoke(&b, "deal-won").await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(ids(&reply, "projects"), [project("L1").to_string(), project("L2").to_string()]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deal_changed_updates_l1_cancels_l2_and_creates_l4() {
        let reply = invoke(&world().await, "deal-changed").await;
        assert_eq!(reply.status, StatusCode::OK);
        let projects = reply.json()["projects"].clone();
        let outcomes: Vec<(&str, &str)> = projects
            .as_array()
            .expect("projects")
            .iter()
            .filter_map(|p| Some((p["line_id"].as_str()?, p["outcome"].as_str()?)))
            .collect();
        assert_eq!(outcomes, [("L1", "updated"), ("L2", "cancelled"), ("L4", "created")]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deal_cancelled_cancels_every_project() {
        let reply = invoke(&world().await, "deal-cancelled").await;
        assert_eq!(reply.status, StatusCode::OK);
        let projects = reply.json()["projects"].as_array().cloned().expect("projects");
        assert_eq!(projects.len(), 2);
        assert!(projects.iter().all(|p| p["status"] == "cancelled"), "{projects:?}");
    }
}

mod projects {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn list_projects_lists_both_projects_in_progress() {
        let reply = invoke(&world().await, "list-projects").await;
        assert_eq!(reply.status, StatusCode::OK);
        let mut listed = ids(&reply, "items");
        listed.sort();
        let mut expected = vec![project("L1").to_string(), project("L2").to_string()];
        expected.sort();
        assert_eq!(listed, expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn get_project_shows_l1_with_its_six_milestones() {
        let reply = invoke(&world().await, "get-project").await;
        assert_eq!(reply.status, StatusCode::OK);
        let view = reply.json();
        assert_eq!(view["id"], project("L1").as_str());
        assert_eq!(view["milestones"].as_array().map(Vec::len), Some(6));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn list_tasks_shows_the_technicians_blocked_task() {
        let b = world().await;
        let task =
            json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-12-01" });
        let id = b.add_task(&project("L1"), "order_confirmed", task).await;
        let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
        let path = format!("/v1/projects/{}/tasks/{id}", project("L1"));
        assert_eq!(b.call("PATCH", &path, Some(TECH1), Some(block)).await.status, 200);
        let reply = invoke(&b, "list-tasks").await;
        assert_eq!(reply.status, StatusCode::OK);
        let items = reply.json()["items"].clone();
        assert_eq!(items.as_array().map(Vec::len), Some(1), "{items}");
        assert_eq!(
            (items[0]["id"].as_str(), items[0]["status"].as_str()),
            (Some(&*id), Some("blocked"))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn openapi_serves_the_document_of_every_route() {
        let reply = invoke(&world().await, "openapi").await;
        assert_eq!(reply.status, StatusCode::OK);
        let document = reply.json();
        assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
        for route in api::routes::SERVED {
            assert!(document["paths"].get(route.path).is_some(), "{} documented", route.path);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn analytics_counts_the_go_live_of_january() {
        let b = world().await;
        walk_to_acceptance(&b).await;
        b.clock.set(live_at());
        let activate =
            sample("activate")["body"].as_str().map(serde_json::from_str).expect("a body");
        let path = format!("/v1/projects/{}/activate", project("L1"));
        assert_eq!(
            b.call("POST", &path, Some(PM), Some(activate.expect("JSON"))).await.status,
            200
        );
        let reply = invoke(&b, "analytics").await;
        assert_eq!(reply.status, StatusCode::OK);
        let stats = reply.json()["service_types"].clone();
        assert_eq!(stats.as_array().map(Vec::len), Some(1), "{stats}");
        assert_eq!(
            (stats[0]["service_type"].as_str(), stats[0]["count"].as_u64()),
            (Some("fibre_ftto"), Some(1))
        );
    }
}

mod milestones {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn complete_milestone_completes_order_confirmed_with_its_note() {
        let reply = invoke(&world().await, "complete-milestone").await;
        assert_eq!(reply.status, StatusCode::OK);
        let order = milestone(&reply.json(), "order_confirmed");
        assert_eq!(
            (order["status"].as_str(), order["note"].as_str()),
            (Some("completed"), Some("Validated with sales"))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reopen_milestone_reopens_order_confirmed() {
        let b = world().await;
        assert_eq!(b.complete(&project("L1"), "order_confirmed", PM, None).await.status, 200);
        let reply = invoke(&b, "reopen-milestone").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(milestone(&reply.json(), "order_confirmed")["status"], "pending");
    }
}

mod tasks {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn add_task_adds_the_technicians_task() {
        let reply = invoke(&world().await, "add-task").await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let task = reply.json();
        assert_eq!(
            (task["id"].as_str(), task["assignee"].as_str()),
            (Some("T-000002-00"), Some(TECH))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn change_task_blocks_the_technicians_own_task() {
        let b = world().await;
        let body = sample("add-task")["body"].as_str().map(serde_json::from_str).expect("a body");
        let added = b.add_task(&project("L1"), "equipment_ordered", body.expect("JSON")).await;
        assert_eq!(added, "T-000002-00", "the task the sample changes");
        let reply = invoke(&b, "change-task").await;
        assert_eq!(reply.status, StatusCode::OK);
        let task = reply.json();
        assert_eq!(
            (task["status"].as_str(), task["blocked_category"].as_str()),
            (Some("blocked"), Some("site_access"))
        );
    }
}

mod activation {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn activate_takes_l1_live_on_its_go_live_date() {
        let b = world().await;
        walk_to_acceptance(&b).await;
        let reply = invoke(&b, "activate").await;
        assert_eq!(reply.status, StatusCode::OK);
        let view = reply.json();
        assert_eq!(view["status"], "live");
        assert_eq!(milestone(&view, "go_live")["status"], "completed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hold_puts_l2_on_hold_until_its_date() {
        let reply = invoke(&world().await, "hold").await;
        assert_eq!(reply.status, StatusCode::OK);
        let view = reply.json();
        assert_eq!(
            (view["id"].as_str(), view["status"].as_str()),
            (Some(project("L2").as_str()), Some("on_hold"))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn resume_takes_l2_back_in_progress() {
        let b = world().await;
        let hold = sample("hold")["body"].as_str().map(serde_json::from_str).expect("a body");
        let path = format!("/v1/projects/{}/hold", project("L2"));
        assert_eq!(b.call("POST", &path, Some(PM), Some(hold.expect("JSON"))).await.status, 200);
        let reply = invoke(&b, "resume").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["status"], "in_progress");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancel_cancels_l2() {
        let reply = invoke(&world().await, "cancel").await;
        assert_eq!(reply.status, StatusCode::OK);
        let view = reply.json();
        assert_eq!(
            (view["id"].as_str(), view["status"].as_str()),
            (Some(project("L2").as_str()), Some("cancelled"))
        );
    }
}

mod templates {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn get_template_reads_the_fibre_template() {
        let reply = invoke(&world().await, "get-template").await;
        assert_eq!(reply.status, StatusCode::OK);
        let template = reply.json();
        assert_eq!(template["service_type"], "fibre_ftto");
        assert_eq!(template["milestones"][0]["key"], "order_confirmed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn put_template_saves_version_1_with_its_default_task() {
        let reply = invoke(&world().await, "put-template").await;
        assert_eq!(reply.status, StatusCode::OK);
        let template = reply.json();
        assert_eq!(
            (template["version"].as_u64(), template["updated_by"].as_str()),
            (Some(1), Some("root@bluerocktel.fr"))
        );
        let task = &template["milestones"][3]["default_tasks"][0]["title"];
        assert_eq!(task, "Tester les appels entrants et sortants");
    }
}

mod console {
    use super::*;

    fn page(reply: &Reply) -> String {
        String::from_utf8_lossy(&reply.body).into_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_console_sends_a_manager_to_the_projects() {
        let reply = invoke(&world().await, "console").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.headers["location"], "/console/projects");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_console_page_shows_the_project_to_its_manager() {
        let reply = invoke(&world().await, "console-project").await;
        assert_eq!(reply.status, StatusCode::OK);
        let page = page(&reply);
        assert!(
            page.contains("Boulangerie Martin SARL · L1") && page.contains("D-2026-0042"),
            "{page}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_status_page_shows_the_customer_their_project() {
        let reply = invoke(&world().await, "console-status-page").await;
        assert_eq!(reply.status, StatusCode::OK);
        let page = page(&reply);
        assert!(page.contains("lang=\"fr\"") && page.contains("Commande confirmée"), "{page}");
    }
}

mod schedules {
    use super::*;
    use integration_tests::envelopes::assert_valid_event;
    use integration_tests::sink::LocalSink;

    /// The detail-type and event id of every event the sink received, each
    /// checked against its envelope.
    fn published(sink: &LocalSink) -> Vec<(String, String)> {
        let events = sink.events();
        events.iter().for_each(assert_valid_event);
        let field = |e: &Value, f: &str| e.pointer(f).and_then(Value::as_str).map(str::to_owned);
        events
            .iter()
            .filter_map(|e| Some((field(e, "/detail-type")?, field(e, "/detail/event_id")?)))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_outbox_sweep_delivers_what_no_stream_batch_did() {
        let b = world().await;
        let pending = b.store.pending_outbox(100).await.expect("the outbox").len();
        b.clock.set(t0() + dispatch::SWEEP_MIN_AGE + chrono::Duration::seconds(1));
        let event: dispatch::DispatchEvent =
            serde_json::from_value(scheduler_payload("outbox-sweep")).expect("a dispatch event");
        assert!(matches!(event, dispatch::DispatchEvent::Scheduled(_)));
        let sink = LocalSink::new();
        let dispatcher = sink.dispatcher(b.store.clone(), b.clock.clone());
        let summary = dispatch::handle(&dispatcher, event).await.expect("a sweep");
        assert_eq!(
            (summary["sent"].as_u64(), summary["dead"].as_u64()),
            (Some(pending as u64), Some(0))
        );
        let created = published(&sink).into_iter().filter(|(t, _)| t == "DeploymentProjectCreated");
        assert_eq!(created.count(), 2, "one per project");
        assert!(b.store.pending_outbox(100).await.expect("the outbox").is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_stream_batch_delivers_its_outbox_insert_and_skips_the_unknown_one() {
        let b = world().await;
        let event: dispatch::DispatchEvent =
            serde_json::from_str(include_str!("../../../events/dynamodb/outbox-insert.json"))
                .expect("a dispatch event");
        assert!(matches!(event, dispatch::DispatchEvent::Stream(_)));
        let sink = LocalSink::new();
        let dispatcher = sink.dispatcher(b.store.clone(), b.clock.clone());
        let response = dispatch::handle(&dispatcher, event).await.expect("a batch");
        assert_eq!(response["batchItemFailures"], json!([]));
        let created = (
            "DeploymentProjectCreated".to_owned(),
            "e5437a9d-031e-5f65-8181-f0c5342195d1".to_owned(),
        );
        assert_eq!(published(&sink), [created]);
    }

    /// The `escalation` function's handler, given the schedule's payload.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_escalation_sweep_escalates_the_overdue_blocked_task() {
        let b = world().await;
        let task =
            json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-11-21" });
        let id = b.add_task(&project("L1"), "order_confirmed", task).await;
        let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
        let path = format!("/v1/projects/{}/tasks/{id}", project("L1"));
        assert_eq!(b.call("PATCH", &path, Some(TECH1), Some(block)).await.status, 200);
        let request: escalation::SweepRequest =
            serde_json::from_value(scheduler_payload("escalation-sweep")).expect("a request");
        b.clock.set("2026-11-22T00:15:00Z".parse().expect("a time"));
        let contact = local_defaults::ESCALATION_EMAIL;
        let escalator = integration_tests::escalator(b.store.clone(), b.clock.clone(), contact);
        let report = escalation::handle(&escalator, request).await.expect("a sweep");
        let report = serde_json::to_value(report).expect("JSON");
        assert_eq!(report["escalated"], json!([[project("L1").as_str(), id, 1]]));
        let view = b.call("GET", &format!("/v1/projects/{}", project("L1")), Some(PM), None).await;
        let tasks = view.json()["tasks"].clone();
        let task = tasks.as_array().into_iter().flatten().find(|t| t["id"] == id.as_str());
        assert_eq!(task.map(|t| t["escalation_level"].clone()), Some(json!(1)), "{tasks}");
    }

    /// The `review` function's handler, given the daily schedule's payload:
    /// a sweep (not the backfill), which announces each change of health.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_review_sweep_announces_the_projects_whose_health_changed() {
        let b = world().await;
        let request: review::ReviewRequest =
            serde_json::from_value(scheduler_payload("review-sweep")).expect("a request");
        assert_eq!(request.review, review::ReviewKind::Sweep, "the daily schedule sweeps");
        b.clock.set("2026-12-15T00:05:00Z".parse().expect("a time"));
        let clock = b.clock.clone();
        let commands =
            Arc::new(app::Commands::new(b.store.clone(), b.store.clone(), clock.clone()));
        let reviewer = app::Reviewer::new(b.store.clone(), b.store.clone(), commands, clock);
        let report = review::handle(&reviewer, request).await.expect("a sweep");
        let report = serde_json::to_value(report).expect("JSON");
        assert_eq!(report["failed"], 0);
        let changed = report["changed"].as_array().cloned().unwrap_or_default();
        let l1 = changed.iter().find(|c| c[0] == project("L1").as_str());
        let health = l1.map(|c| c[1].clone()).unwrap_or_else(|| panic!("L1: {report}"));
        let view = b.call("GET", &format!("/v1/projects/{}", project("L1")), Some(PM), None).await;
        assert_eq!(view.json()["forecast"]["health"], health, "the change is stored");
    }
}

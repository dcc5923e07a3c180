//! Every sample of `events/` invoked as its function receives it, on
//! DynamoDB Local: each API Gateway event of `events/apigw/` (one at least
//! per route of the HTTP API) parsed by `lambda_http` and sent through the
//! router of the function serving its route, with the sample deal received
//! first so that its ids exist; each schedule payload of
//! `events/scheduler/` (one per schedule of the template) and the stream
//! batch of `events/dynamodb/` given to the handler of its function.

use api::routes::Served;
use axum::http::StatusCode;
use config::{Secret, local_defaults};
use integration_tests::apigw::{resign, route_of, routes, sample, samples, time_of};
use integration_tests::fixtures::{Bundle, PM, TECH, TECH1, live_at, project, t0};
use integration_tests::{Reply, dynamo_store};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The functions whose routes API Gateway's JWT authorizer guards.
fn is_staff_route(route: &Served) -> bool {
    !matches!(route.function, "deal-won" | "console") && route.path != api::routes::OPENAPI
}

#[test]
fn every_route_has_a_sample_and_every_sample_names_a_route() {
    let mut covered = BTreeSet::new();
    for (name, event) in samples() {
        let route = route_of(&event)
            .unwrap_or_else(|| panic!("{name}: {} is no route of the API", event["routeKey"]));
        covered.insert(*route);
    }
    let missing: Vec<_> = routes().filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "routes without a sample in events/apigw/: {missing:#?}");
}

/// The values a route template's `{name}`s (and `{proxy+}`) take in `path`.
fn path_parameters(template: &str, path: &str) -> Option<serde_json::Map<String, Value>> {
    let mut params = serde_json::Map::new();
    let mut segments = path.trim_start_matches('/').split('/');
    for expected in template.trim_start_matches('/').split('/') {
        if let Some(name) = expected.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest: Vec<&str> = segments.by_ref().collect();
            params.insert(name.to_owned(), json!(rest.join("/")));
            return (!rest.is_empty()).then_some(params);
        }
        let segment = segments.next().filter(|s| !s.is_empty())?;
        match expected.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => drop(params.insert(name.to_owned(), json!(segment))),
            None if expected == segment => {}
            None => return None,
        }
    }
    segments.next().is_none().then_some(params)
}

/// A sample says the same thing everywhere API Gateway repeats it, and
/// carries the authorizer's claims exactly on the staff routes.
fn assert_coherent(name: &str, event: &Value) {
    let route = route_of(event).expect("a route");
    let context = &event["requestContext"];
    let path = event["rawPath"].as_str().unwrap_or_default();
    assert_eq!(context["routeKey"], event["routeKey"], "{name}");
    assert_eq!(context["http"]["path"], path, "{name}");
    let method = context["http"]["method"].as_str().unwrap_or_default();
    assert!(route.method == "ANY" || route.method == method, "{name}: {method}");
    let params = path_parameters(route.path, path)
        .unwrap_or_else(|| panic!("{name}: {path} is not on {}", route.path));
    let declared = event.get("pathParameters").cloned().unwrap_or(json!({}));
    assert_eq!(Value::Object(params), declared, "{name}: pathParameters");
    if let Some(body) = event["body"].as_str() {
        assert_eq!(event["headers"]["content-length"], body.len().to_string(), "{name}");
    }
    let claims = &context["authorizer"]["jwt"]["claims"];
    assert_eq!(is_staff_route(route), claims.is_object(), "{name}: claims on staff routes only");
    if is_staff_route(route) {
        let roles = claims["roles"].as_str().unwrap_or_default();
        assert!(claims["sub"].as_str().is_some_and(|s| s.contains('@')), "{name}: sub");
        assert!(roles.starts_with('[') && roles.ends_with(']'), "{name}: roles as flattened");
    }
}

#[test]
fn samples_repeat_their_route_path_and_body_as_api_gateway_does() {
    for (name, event) in samples() {
        assert_coherent(&name, &event);
    }
}

/// The CRM samples carry the CRM's bodies of `events/crm/` byte for byte,
/// signed with the local default secret at the time of the event (which is
/// why the tests sign them again: the signature is stale 300 s later).
#[test]
fn crm_samples_wrap_the_crm_bodies_signed_at_their_time() {
    let secret = Secret::new(local_defaults::SECRET);
    for (name, body) in [
        ("deal-won", include_str!("../events/crm/deal-won.json")),
        ("deal-changed", include_str!("../events/crm/deal-changed.json")),
        ("deal-cancelled", include_str!("../events/crm/deal-cancelled.json")),
    ] {
        let event = sample(name);
        assert_eq!(event["body"], body, "{name}");
        let at = time_of(&event).timestamp();
        let signed = api::signature::sign(&secret, at, body.as_bytes());
        assert_eq!(event["headers"]["x-signature"], signed, "{name}");
    }
}

/// The status page sample's link is the one a mail sent with the sample
/// deal's order confirmation carries (the local default console secret).
#[test]
fn the_status_page_sample_holds_the_link_of_the_order_mail() {
    let secrets = [Secret::new(local_defaults::CONSOLE_SECRET)];
    let link = app::status_link::link("", &secrets, &project("L1"), t0());
    assert_eq!(sample("console-status-page")["rawPath"], link);
}

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

/// The payload each schedule of the template sends, by function and file
/// of `events/scheduler/`.
const SCHEDULES: [(&str, &str); 3] =
    [("dispatch", "outbox-sweep"), ("escalation", "escalation-sweep"), ("review", "review-sweep")];

fn scheduler_payload(name: &str) -> Value {
    let path = format!("{}/../events/scheduler/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// (function, input) of every `ScheduleV2` event of the SAM template.
fn template_schedules() -> BTreeSet<(String, String)> {
    use yaml_rust2::{Yaml, YamlLoader};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    let text = std::fs::read_to_string(path).expect("the template");
    let template = YamlLoader::load_from_str(&text).expect("YAML").remove(0);
    let text_of = |y: &Yaml| y.as_str().unwrap_or_default().to_owned();
    let mut found = BTreeSet::new();
    for (_, resource) in template["Resources"].as_hash().expect("Resources") {
        let binary = text_of(&resource["Metadata"]["BuildProperties"]["Binary"]);
        for (_, event) in resource["Properties"]["Events"].as_hash().into_iter().flatten() {
            if text_of(&event["Type"]) == "ScheduleV2" {
                let input: Value = serde_json::from_str(&text_of(&event["Properties"]["Input"]))
                    .unwrap_or_else(|e| panic!("{binary}: a schedule Input that is not JSON: {e}"));
                found.insert((binary.clone(), input.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_schedule_of_the_template_has_its_payload_and_no_other_is_kept() {
    let samples: BTreeSet<(String, String)> = SCHEDULES
        .iter()
        .map(|(function, name)| ((*function).to_owned(), scheduler_payload(name).to_string()))
        .collect();
    assert_eq!(template_schedules(), samples);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/scheduler");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("events/scheduler")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files.sort();
    let mut expected: Vec<String> = SCHEDULES.iter().map(|(_, n)| format!("{n}.json")).collect();
    expected.sort();
    assert_eq!(files, expected);
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
            serde_json::from_str(include_str!("../events/dynamodb/outbox-insert.json"))
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

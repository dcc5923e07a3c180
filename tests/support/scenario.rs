//! The life of the sample deal's L1 project through every route of the API,
//! on a moving clock: the scenario whose responses and stored items the
//! contract snapshots hold still.

use crate::fixtures::{Bundle, Member, PM, ROOT, TECH, TECH1, live_at, project, t0};
use crate::{Reply, SECRET, deal_request, edited_deal, sample_deal, send};
use api::routes::{DEAL_CANCELLED, DEAL_CHANGED};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};

/// Named responses, in the order the scenario got them.
pub struct Walk {
    pub replies: Vec<(&'static str, Reply)>,
    /// Problem documents, one per kind the scenario provoked.
    pub problems: Vec<(&'static str, Reply)>,
    pub task: String,
}

/// A staff request that must succeed.
async fn ok(b: &Bundle, method: &str, path: &str, who: Member, body: Option<Value>) -> Reply {
    let reply = b.call(method, path, Some(who), body).await;
    assert!(reply.status.is_success(), "{method} {path}: {}", String::from_utf8_lossy(&reply.body));
    reply
}

/// Walks L1 from the won deal to go-live, reading everything on the way.
pub async fn walk(b: &Bundle) -> Walk {
    b.clock.set(t0());
    let mut replies = Vec::new();
    let won = b.receive(sample_deal()).await;
    assert_eq!(won.status, StatusCode::CREATED);
    let replay = b.receive(sample_deal()).await;
    let same = (replay.status, &replay.body) == (StatusCode::OK, &won.body);
    assert!(same, "a replay answers the same body");
    replies.push(("deal_won", won));
    edit_a_template(b, &mut replies).await;
    let task = work_a_task(b, &mut replies).await;
    complete_the_milestones(b, &mut replies).await;
    go_live_and_read(b, &mut replies).await;
    let mut problems = staff_problems(b).await;
    problems.extend(crm_problems(b).await);
    problems.extend(change_the_order(b, &mut replies).await);
    Walk { replies, problems, task }
}

type Replies = Vec<(&'static str, Reply)>;

async fn edit_a_template(b: &Bundle, replies: &mut Replies) {
    let path = "/v1/settings/deployment-templates/sip_trunk";
    let template = ok(b, "GET", path, ROOT, None).await;
    let mut edited: Value = template.json();
    edited["milestones"][3]["default_tasks"] =
        json!([{ "title": "Tester les appels", "due_offset_days": 7 }]);
    replies.push(("template_get", template));
    replies.push(("template_put", ok(b, "PUT", path, ROOT, Some(edited)).await));
}

/// A task of L1 added, blocked, worked and done; its id.
async fn work_a_task(b: &Bundle, replies: &mut Replies) -> String {
    let p = format!("/v1/projects/{}", project("L1"));
    let new = json!({
        "title": "Survey the site", "assignee": TECH, "due_date": "2026-12-01",
        "description": "Bring the ladder"
    });
    let added =
        ok(b, "POST", &format!("{p}/milestones/order_confirmed/tasks"), PM, Some(new)).await;
    let task = added.json()["id"].as_str().expect("a task id").to_owned();
    replies.push(("task_add", added));
    let path = format!("{p}/tasks/{task}");
    let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    replies.push(("task_patch", ok(b, "PATCH", &path, TECH1, Some(block)).await));
    b.clock.set(t0() + Duration::hours(2));
    for status in ["in_progress", "done"] {
        ok(b, "PATCH", &path, TECH1, Some(json!({ "status": status }))).await;
    }
    task
}

/// Every milestone before go-live, the first one reopened once.
async fn complete_the_milestones(b: &Bundle, replies: &mut Replies) {
    let p = format!("/v1/projects/{}", project("L1"));
    let complete = |key: &str| format!("{p}/milestones/{key}/complete");
    let note = json!({ "note": "Validated with sales" });
    let first = ok(b, "POST", &complete("order_confirmed"), PM, Some(note)).await;
    replies.push(("milestone_complete", first));
    let reason = json!({ "reason": "Wrong subscription" });
    let reopen = format!("{p}/milestones/order_confirmed/reopen");
    replies.push(("milestone_reopen", ok(b, "POST", &reopen, ROOT, Some(reason)).await));
    let date = json!({ "installation_date": "2026-12-10" });
    for (key, body) in [
        ("order_confirmed", None),
        ("equipment_ordered", None),
        ("delivery_confirmed", Some(date)),
        ("installation_done", None),
        ("customer_acceptance", None),
    ] {
        ok(b, "POST", &complete(key), PM, body).await;
    }
}

async fn go_live_and_read(b: &Bundle, replies: &mut Replies) {
    let p = format!("/v1/projects/{}", project("L1"));
    b.clock.set(live_at());
    let activation = json!({
        "go_live_date": "2027-01-11",
        "technical_summary": [{
            "line_id": "L1", "circuit_id": "FTTO-LYO-004211", "ip_addressing": "203.0.113.16/29",
            "numbers": ["+33478000000"], "equipment": "Cisco C1111-4P", "details": { "vlan": "120" }
        }]
    });
    replies.push(("activate", ok(b, "POST", &format!("{p}/activate"), PM, Some(activation)).await));
    replies.push(("project_view", ok(b, "GET", &p, PM, None).await));
    replies.push(("projects_page", ok(b, "GET", "/v1/projects?limit=1", PM, None).await));
    let tasks = format!("/v1/tasks?assignee={TECH}");
    replies.push(("tasks_page", ok(b, "GET", &tasks, PM, None).await));
    replies.push(("openapi", send(&b.app, get("/v1/openapi.json")).await));
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("a request")
}

/// One of each problem of the staff API, on the walked data.
async fn staff_problems(b: &Bundle) -> Replies {
    let p2 = format!("/v1/projects/{}", project("L2"));
    let late_task = json!({ "title": "x", "assignee": TECH, "due_date": "2027-01-20" });
    let live_tasks = format!("/v1/projects/{}/milestones/go_live/tasks", project("L1"));
    let invalid = json!({ "title": " ", "assignee": "nobody", "due_date": "2020-01-01" });
    let out_of_order = format!("{p2}/milestones/installation_done/complete");
    vec![
        ("unauthenticated", b.call("GET", "/v1/projects", None, None).await),
        ("forbidden", b.call("GET", "/v1/projects", Some(TECH1), None).await),
        ("not_found", b.call("GET", "/v1/projects/not-a-project", Some(PM), None).await),
        ("out_of_order", b.call("POST", &out_of_order, Some(PM), None).await),
        ("project_live", b.call("POST", &live_tasks, Some(PM), Some(late_task)).await),
        (
            "validation",
            b.call(
                "POST",
                &format!("{p2}/milestones/order_confirmed/tasks"),
                Some(PM),
                Some(invalid),
            )
            .await,
        ),
    ]
}

/// After L1's go-live: L2 held and resumed, the deal changed then cancelled
/// by the CRM (L1 stays live); the problems each step makes possible.
async fn change_the_order(b: &Bundle, replies: &mut Replies) -> Replies {
    let p2 = format!("/v1/projects/{}", project("L2"));
    let hold = json!({ "reason": "Carrier works on the street", "category": "carrier",
        "until": "2027-01-20" });
    replies.push(("project_hold", ok(b, "POST", &format!("{p2}/hold"), PM, Some(hold)).await));
    let complete = format!("{p2}/milestones/order_confirmed/complete");
    let mut problems = vec![("project_on_hold", b.call("POST", &complete, Some(PM), None).await)];
    b.clock.set(live_at() + Duration::days(3));
    replies.push(("project_resume", ok(b, "POST", &format!("{p2}/resume"), PM, None).await));
    let revision = |n: i64| {
        let mut deal: Value = serde_json::from_slice(&sample_deal()).expect("the sample parses");
        deal["revision"] = json!(n);
        deal["technical_contact"]["email"] = json!("it@boulangerie-martin.fr");
        deal
    };
    let changed = b.crm(DEAL_CHANGED, &revision(2)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", String::from_utf8_lossy(&changed.body));
    replies.push(("deal_changed", changed));
    problems.push(("stale_revision", b.crm(DEAL_CHANGED, &revision(1)).await));
    let cancel = json!({ "deal_id": "D-2026-0042", "cancelled_at": "2027-01-14T09:00:00Z",
        "reason": "The customer moved to another operator" });
    let cancelled = b.crm(DEAL_CANCELLED, &cancel).await;
    assert_eq!(cancelled.status, StatusCode::OK);
    replies.push(("deal_cancelled", cancelled));
    let again = json!({ "reason": "Already cancelled by the CRM" });
    replies.push(("project_cancel", ok(b, "POST", &format!("{p2}/cancel"), PM, Some(again)).await));
    problems.push(("deal_cancelled", b.crm(DEAL_CHANGED, &revision(3)).await));
    problems
        .push(("project_cancelled", b.call("POST", &format!("{p2}/resume"), Some(PM), None).await));
    problems
}

/// One of each problem of the CRM webhook, and of unknown routes and methods.
async fn crm_problems(b: &Bundle) -> Replies {
    let app = &b.app;
    let signed = |body: Vec<u8>| deal_request(body, SECRET, live_at().timestamp());
    let mut text_plain = signed(sample_deal());
    text_plain.headers_mut().insert("content-type", "text/plain".parse().expect("a header"));
    let bad_email =
        edited_deal(|d| d["technical_contact"]["email"] = "claire-at-boulangerie".into());
    let changed = edited_deal(|d| d["services"][1]["name"] = "Trunk SIP 20 canaux".into());
    let wrong_secret = deal_request(sample_deal(), "wrong", live_at().timestamp());
    let delete = Request::delete("/v1/projects").body(Body::empty()).expect("a request");
    vec![
        ("invalid_signature", send(app, wrong_secret).await),
        ("unsupported_media_type", send(app, text_plain).await),
        ("malformed_json", send(app, signed(b"{\"deal_id\": ".to_vec())).await),
        ("invalid_deal", send(app, signed(bad_email)).await),
        ("deal_conflict", send(app, signed(changed)).await),
        ("unknown_route", send(app, get("/v1/nowhere")).await),
        ("method_not_allowed", send(app, delete).await),
    ]
}

//! The life of the sample deal's L1 project through every route of the API,
//! on a moving clock: the scenario whose responses and stored items the
//! contract snapshots hold still.

use crate::{Reply, SECRET, deal_request, edited_deal, sample_deal, send, staff_request, token};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use shared::clock::ManualClock;
use shared::domain::ProjectId;

pub const MANAGER: &str = "sophie.durand@bluerocktel.fr";
pub const ADMIN: &str = "root@bluerocktel.fr";
pub const TECH: &str = "tech.one@bluerocktel.fr";

/// When the deal arrives.
pub fn t0() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().expect("a time")
}

/// When L1 goes live.
pub fn live_at() -> DateTime<Utc> {
    "2027-01-11T16:00:00Z".parse().expect("a time")
}

pub fn l1() -> ProjectId {
    ProjectId::for_deal_line("D-2026-0042", "L1")
}

pub fn l2() -> ProjectId {
    ProjectId::for_deal_line("D-2026-0042", "L2")
}

/// Named responses, in the order the scenario got them.
pub struct Walk {
    pub replies: Vec<(&'static str, Reply)>,
    /// Problem documents, one per kind the scenario provoked.
    pub problems: Vec<(&'static str, Reply)>,
    pub task: String,
}

struct Caller<'a> {
    app: &'a axum::Router,
}

impl Caller<'_> {
    async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> Reply {
        let token = who.map(|(sub, role)| token(sub, &[role]));
        send(self.app, staff_request(method, path, token.as_deref(), body)).await
    }

    async fn ok(&self, method: &str, path: &str, who: (&str, &str), body: Option<Value>) -> Reply {
        let reply = self.call(method, path, Some(who), body).await;
        assert!(
            reply.status.is_success(),
            "{method} {path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply
    }
}

const PM: (&str, &str) = (MANAGER, "manager");
const ROOT: (&str, &str) = (ADMIN, "admin");
const TECHNICIAN: (&str, &str) = (TECH, "technician");

/// Walks L1 from the won deal to go-live, reading everything on the way.
pub async fn walk(app: &axum::Router, clock: &ManualClock) -> Walk {
    clock.set(t0());
    let c = Caller { app };
    let mut replies = Vec::new();
    let won = send(app, deal_request(sample_deal(), SECRET, t0().timestamp())).await;
    assert_eq!(won.status, StatusCode::CREATED);
    let replay = send(app, deal_request(sample_deal(), SECRET, t0().timestamp())).await;
    assert_eq!(
        (replay.status, &replay.body),
        (StatusCode::OK, &won.body),
        "a replay answers the same body"
    );
    replies.push(("deal_won", won));

    let template_path = "/v1/settings/deployment-templates/sip_trunk";
    let template = c.ok("GET", template_path, ROOT, None).await;
    let mut edited: Value = template.json();
    edited["milestones"][3]["default_tasks"] =
        json!([{ "title": "Tester les appels", "due_offset_days": 7 }]);
    replies.push(("template_get", template));
    replies.push(("template_put", c.ok("PUT", template_path, ROOT, Some(edited)).await));

    let p = format!("/v1/projects/{}", l1());
    let new = json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-12-01", "description": "Bring the ladder" });
    let added = c.ok("POST", &format!("{p}/milestones/order_confirmed/tasks"), PM, Some(new)).await;
    let task = added.json()["id"].as_str().expect("a task id").to_owned();
    replies.push(("task_add", added));
    let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
    replies.push((
        "task_patch",
        c.ok("PATCH", &format!("{p}/tasks/{task}"), TECHNICIAN, Some(block)).await,
    ));
    clock.set(t0() + Duration::hours(2));
    for status in ["in_progress", "done"] {
        c.ok("PATCH", &format!("{p}/tasks/{task}"), TECHNICIAN, Some(json!({ "status": status })))
            .await;
    }

    let complete = |key: &str| format!("{p}/milestones/{key}/complete");
    let note = json!({ "note": "Validated with sales" });
    replies.push((
        "milestone_complete",
        c.ok("POST", &complete("order_confirmed"), PM, Some(note)).await,
    ));
    let reason = json!({ "reason": "Wrong subscription" });
    let reopen = format!("{p}/milestones/order_confirmed/reopen");
    replies.push(("milestone_reopen", c.ok("POST", &reopen, ROOT, Some(reason)).await));
    c.ok("POST", &complete("order_confirmed"), PM, None).await;
    c.ok("POST", &complete("equipment_ordered"), PM, None).await;
    let date = json!({ "installation_date": "2026-12-10" });
    c.ok("POST", &complete("delivery_confirmed"), PM, Some(date)).await;
    c.ok("POST", &complete("installation_done"), PM, None).await;
    c.ok("POST", &complete("customer_acceptance"), PM, None).await;

    clock.set(live_at());
    let activation = json!({
        "go_live_date": "2027-01-11",
        "technical_summary": [{
            "line_id": "L1", "circuit_id": "FTTO-LYO-004211", "ip_addressing": "203.0.113.16/29",
            "numbers": ["+33478000000"], "equipment": "Cisco C1111-4P", "details": { "vlan": "120" }
        }]
    });
    replies.push(("activate", c.ok("POST", &format!("{p}/activate"), PM, Some(activation)).await));
    replies.push(("project_view", c.ok("GET", &p, PM, None).await));
    replies.push(("projects_page", c.ok("GET", "/v1/projects?limit=1", PM, None).await));
    let tasks = format!("/v1/tasks?assignee={TECH}");
    replies.push(("tasks_page", c.ok("GET", &tasks, PM, None).await));
    let openapi =
        send(app, Request::get("/v1/openapi.json").body(Body::empty()).expect("a request")).await;
    replies.push(("openapi", openapi));

    let problems = provoke_problems(app, &c).await;
    Walk { replies, problems, task }
}

/// One of each problem the API answers, on the same data.
async fn provoke_problems(app: &axum::Router, c: &Caller<'_>) -> Vec<(&'static str, Reply)> {
    let p2 = format!("/v1/projects/{}", l2());
    let signed = |body: Vec<u8>| deal_request(body, SECRET, live_at().timestamp());
    let mut text_plain = signed(sample_deal());
    text_plain.headers_mut().insert("content-type", "text/plain".parse().expect("a header"));
    let bad_email =
        edited_deal(|d| d["technical_contact"]["email"] = "claire-at-boulangerie".into());
    let changed = edited_deal(|d| d["services"][1]["name"] = "Trunk SIP 20 canaux".into());
    vec![
        ("unauthenticated", c.call("GET", "/v1/projects", None, None).await),
        ("forbidden", c.call("GET", "/v1/projects", Some(TECHNICIAN), None).await),
        ("not_found", c.call("GET", "/v1/projects/not-a-project", Some(PM), None).await),
        (
            "out_of_order",
            c.call("POST", &format!("{p2}/milestones/installation_done/complete"), Some(PM), None)
                .await,
        ),
        (
            "project_live",
            c.call(
                "POST",
                &format!("/v1/projects/{}/milestones/go_live/tasks", l1()),
                Some(PM),
                Some(json!({ "title": "x", "assignee": TECH, "due_date": "2027-01-20" })),
            )
            .await,
        ),
        (
            "validation",
            c.call(
                "POST",
                &format!("{p2}/milestones/order_confirmed/tasks"),
                Some(PM),
                Some(json!({ "title": " ", "assignee": "nobody", "due_date": "2020-01-01" })),
            )
            .await,
        ),
        (
            "invalid_signature",
            send(app, deal_request(sample_deal(), "wrong", live_at().timestamp())).await,
        ),
        ("unsupported_media_type", send(app, text_plain).await),
        ("malformed_json", send(app, signed(b"{\"deal_id\": ".to_vec())).await),
        ("invalid_deal", send(app, signed(bad_email)).await),
        ("deal_conflict", send(app, signed(changed)).await),
        (
            "unknown_route",
            send(app, Request::get("/v1/nowhere").body(Body::empty()).expect("a request")).await,
        ),
        (
            "method_not_allowed",
            send(app, Request::delete("/v1/projects").body(Body::empty()).expect("a request"))
                .await,
        ),
    ]
}

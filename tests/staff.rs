//! The staff API end to end (milestones, tasks, reads, history, roles), on
//! DynamoDB Local and on the embedded store, through the routers the
//! functions serve.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use integration_tests::{
    Reply, SECRET, bundle_app, deal_request, sample_deal, send, staff_request, token,
};
use serde_json::{Value, json};
use shared::clock::ManualClock;
use shared::domain::ProjectId;
use shared::domain::events::detail_type;
use shared::domain::outbox::OutboxMessage;
use shared::ports::Clock;
use shared::store::Store;
use std::sync::Arc;

const MANAGER: &str = "sophie.durand@bluerocktel.fr";
const ADMIN: &str = "root@bluerocktel.fr";
const TECH: &str = "tech.one@bluerocktel.fr";
const OTHER_TECH: &str = "tech.two@bluerocktel.fr";
const OUTSIDER_TECH: &str = "tech.three@bluerocktel.fr";

fn t0() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().unwrap()
}

struct Fixture {
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    app: axum::Router,
    project: ProjectId,
}

impl Fixture {
    /// The sample deal received, its L1 project ready.
    async fn new(store: Arc<dyn Store>) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let app = bundle_app(store.clone(), clock.clone() as Arc<dyn Clock>);
        let reply = send(&app, deal_request(sample_deal(), SECRET, t0().timestamp())).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        Self { store, clock, app, project: ProjectId::for_deal_line("D-2026-0042", "L1") }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> Reply {
        let token = who.map(|(sub, role)| token(sub, &[role]));
        send(&self.app, staff_request(method, path, token.as_deref(), body)).await
    }

    fn url(&self, rest: &str) -> String {
        format!("/v1/projects/{}{rest}", self.project)
    }

    async fn complete(&self, key: &str, who: (&str, &str), body: Option<Value>) -> Reply {
        self.call("POST", &self.url(&format!("/milestones/{key}/complete")), Some(who), body).await
    }

    async fn add_task(&self, milestone: &str, assignee: &str) -> String {
        let body = json!({ "title": format!("Task for {assignee}"), "assignee": assignee, "due_date": "2026-12-01" });
        let reply = self
            .call(
                "POST",
                &self.url(&format!("/milestones/{milestone}/tasks")),
                Some((MANAGER, "manager")),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    async fn patch(&self, task: &str, who: (&str, &str), body: Value) -> Reply {
        self.call("PATCH", &self.url(&format!("/tasks/{task}")), Some(who), Some(body)).await
    }

    async fn version(&self) -> u64 {
        self.store.load(&self.project).await.unwrap().unwrap().version
    }

    /// Outbox entries of the project: (detail-type or mail template, detail).
    async fn outbox(&self) -> Vec<(String, Value)> {
        let mut entries = self.store.pending_outbox(10_000).await.unwrap();
        entries.retain(|e| e.project_id == self.project);
        entries.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        entries
            .into_iter()
            .map(|e| match e.message {
                OutboxMessage::Event { detail_type, detail } => (detail_type, detail),
                OutboxMessage::Mail { template, to, context, .. } => {
                    (format!("mail:{}", template.slug()), json!({ "to": to, "context": context }))
                }
            })
            .collect()
    }
}

fn status_of(reply: &Reply) -> (StatusCode, String) {
    let kind = if reply.content_type == "application/problem+json" {
        reply.json()["type"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        String::new()
    };
    (reply.status, kind)
}

mod cases {
    use super::*;

    const PM: (&str, &str) = (MANAGER, "manager");
    const ROOT: (&str, &str) = (ADMIN, "admin");
    const TECH1: (&str, &str) = (TECH, "technician");

    pub async fn a_project_walks_through_milestones_one_to_five(f: Fixture) {
        // Out of order: the problem names the milestone that comes first.
        let reply = f.complete("delivery_confirmed", PM, None).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-out-of-order".into()));
        assert_eq!(reply.json()["required_milestone"], "order_confirmed");

        // A task holds its milestone until done.
        let task = f.add_task("order_confirmed", TECH).await;
        let reply = f.complete("order_confirmed", PM, None).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "open-tasks".into()));
        assert_eq!(reply.json()["open_tasks"][0]["id"], task.as_str());

        // The technician works it: blocked (reason required), then unblocked.
        assert_eq!(
            f.patch(&task, TECH1, json!({ "status": "in_progress" })).await.status,
            StatusCode::OK
        );
        let reply = f.patch(&task, TECH1, json!({ "status": "blocked" })).await;
        assert_eq!(
            status_of(&reply),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation-failed".into())
        );
        assert_eq!(reply.json()["errors"][0]["field"], "blocked_reason");
        let reply = f
            .patch(
                &task,
                TECH1,
                json!({ "status": "blocked", "blocked_reason": "No access to the building" }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["blocked_since"], "2026-11-20T10:05:00Z");
        f.clock.set(t0() + Duration::hours(2));
        let reply = f.patch(&task, TECH1, json!({ "status": "in_progress" })).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["blocked_seconds"], 7200);
        assert!(reply.json().get("blocked_reason").is_none());
        let reply = f.patch(&task, TECH1, json!({ "status": "todo" })).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "invalid-transition".into()));
        assert_eq!(f.patch(&task, TECH1, json!({ "status": "done" })).await.status, StatusCode::OK);

        // Milestone 1 completes once; a second completion changes nothing.
        let reply = f
            .complete("order_confirmed", PM, Some(json!({ "note": "Validated with sales" })))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let version = f.version().await;
        assert_eq!(f.complete("order_confirmed", PM, None).await.status, StatusCode::OK);
        assert_eq!(f.version().await, version, "re-completing is a no-op");

        // Its tasks are now frozen.
        let reply = f.patch(&task, PM, json!({ "due_date": "2026-12-20" })).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));
        let reply = f.patch(&task, TECH1, json!({ "status": "in_progress" })).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));
        let body = json!({ "title": "Late", "assignee": TECH, "due_date": "2026-12-01" });
        let reply =
            f.call("POST", &f.url("/milestones/order_confirmed/tasks"), Some(PM), Some(body)).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));

        // Milestones 2 to 5; delivery carries the planned installation date.
        assert_eq!(f.complete("equipment_ordered", PM, None).await.status, StatusCode::OK);
        let reply = f
            .complete("installation_done", PM, Some(json!({ "installation_date": "2026-12-10" })))
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        let reply = f
            .complete("equipment_ordered", PM, Some(json!({ "installation_date": "2026-12-10" })))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "already completed: a no-op, whatever the body");
        let reply = f
            .complete("delivery_confirmed", PM, Some(json!({ "installation_date": "2026-12-10" })))
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["installation_date"], "2026-12-10");
        assert_eq!(f.complete("installation_done", PM, None).await.status, StatusCode::OK);
        assert_eq!(f.complete("customer_acceptance", PM, None).await.status, StatusCode::OK);
        let reply = f.complete("go_live", PM, None).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "activation-required".into()));

        // Reopen: admin only, reason required, last completed only.
        let reopen = |key: &str| f.url(&format!("/milestones/{key}/reopen"));
        let reason = json!({ "reason": "Customer found a fault" });
        assert_eq!(
            f.call("POST", &reopen("customer_acceptance"), Some(PM), Some(reason.clone()))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let reply =
            f.call("POST", &reopen("customer_acceptance"), Some(ROOT), Some(json!({}))).await;
        assert_eq!(
            status_of(&reply),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation-failed".into())
        );
        let reply =
            f.call("POST", &reopen("installation_done"), Some(ROOT), Some(reason.clone())).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "not-reopenable".into()));
        assert_eq!(
            f.call("POST", &reopen("customer_acceptance"), Some(ROOT), Some(reason)).await.status,
            StatusCode::OK
        );
        assert_eq!(f.complete("customer_acceptance", PM, None).await.status, StatusCode::OK);

        // Unknown things are 404.
        assert_eq!(f.complete("nowhere", PM, None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            f.patch("T-999999-00", PM, json!({ "status": "done" })).await.status,
            StatusCode::NOT_FOUND
        );
        let missing = ProjectId::for_deal_line("D-0", "L0");
        let reply = f
            .call(
                "POST",
                &format!("/v1/projects/{missing}/milestones/order_confirmed/complete"),
                Some(PM),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);

        // The project reads back with its whole history, in order.
        let view = f.call("GET", &f.url(""), Some(PM), None).await.json();
        let completed: Vec<_> =
            view["milestones"].as_array().unwrap().iter().map(|m| m["status"].clone()).collect();
        assert_eq!(
            completed,
            ["completed", "completed", "completed", "completed", "completed", "pending"]
        );
        let actions: Vec<_> = view["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(actions.first().map(String::as_str), Some("project.created"));
        assert_eq!(actions.iter().filter(|a| *a == "milestone.completed").count(), 6);
        assert_eq!(actions.iter().filter(|a| *a == "milestone.reopened").count(), 1);
        assert_eq!(actions.iter().filter(|a| *a == "task.updated").count(), 4);
        let blocked = view["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["after"]["status"] == "blocked")
            .unwrap();
        assert_eq!(
            (blocked["actor"].as_str(), blocked["before"]["status"].as_str()),
            (Some(TECH), Some("in_progress"))
        );
        let versions: Vec<u64> = view["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["version"].as_u64().unwrap())
            .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "one entry per version, in order");
        assert_eq!(view["version"].as_u64(), versions.last().copied());

        // Every effect was committed to the outbox exactly once.
        let outbox = f.outbox().await;
        let count = |kind: &str| outbox.iter().filter(|(k, _)| k == kind).count();
        assert_eq!(count(detail_type::MILESTONE_COMPLETED), 6);
        assert_eq!(count(detail_type::TASK_BLOCKED), 1);
        assert_eq!(count("mail:order_confirmed"), 1);
        assert_eq!(count("mail:delivery_confirmed"), 1);
        let delivery = outbox.iter().find(|(k, _)| k == "mail:delivery_confirmed").unwrap();
        assert_eq!(delivery.1["to"], "claire@boulangerie-martin.fr");
        assert_eq!(delivery.1["context"]["installation_date"], "2026-12-10");
    }

    pub async fn a_hundred_concurrent_patches_to_different_tasks_all_land(f: Fixture) {
        let mut tasks = Vec::new();
        for _ in 0..100 {
            tasks.push(f.add_task("order_confirmed", TECH).await);
        }
        let initial = f.version().await;
        let history_before = f.store.history(&f.project).await.unwrap().len();
        // Four independent instances of the bundle on one store, as several
        // Lambda instances would be: they race each other through the
        // version guard (within one instance, commands on a project take turns).
        let apps: Vec<axum::Router> = (0..4)
            .map(|_| bundle_app(f.store.clone(), f.clock.clone() as Arc<dyn Clock>))
            .collect();
        let started = std::time::Instant::now();
        let patches: Vec<_> = tasks
            .iter()
            .enumerate()
            .map(|(i, task)| {
                let app = apps[i % apps.len()].clone();
                let request = staff_request(
                    "PATCH",
                    &f.url(&format!("/tasks/{task}")),
                    Some(&token(TECH, &["technician"])),
                    Some(json!({ "status": "in_progress" })),
                );
                tokio::spawn(async move { send(&app, request).await })
            })
            .collect();
        for patch in patches {
            let reply = patch.await.unwrap();
            assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        }
        eprintln!("100 concurrent PATCHes applied in {:?}", started.elapsed());
        assert_eq!(f.version().await, initial + 100);
        assert_eq!(f.store.history(&f.project).await.unwrap().len(), history_before + 100);
        let project = f.store.load(&f.project).await.unwrap().unwrap();
        assert!(project.tasks.iter().all(|t| t.status == shared::domain::TaskStatus::InProgress));
    }

    pub async fn the_role_matrix_holds_on_every_staff_route(f: Fixture) {
        let own = f.add_task("order_confirmed", TECH).await;
        let others = f.add_task("order_confirmed", OTHER_TECH).await;
        let tech = (TECH, "technician");
        let other = (OTHER_TECH, "technician");
        let outsider = (OUTSIDER_TECH, "technician");
        let (manager, admin) = (PM, ROOT);
        let new_task = json!({ "title": "Matrix", "assignee": TECH, "due_date": "2026-12-01" });
        let reason = json!({ "reason": "matrix" });
        type Case<'a> = (&'a str, String, Option<Value>, Option<(&'a str, &'a str)>, StatusCode);
        let cases: Vec<Case> = vec![
            ("GET", "/v1/projects".into(), None, None, StatusCode::UNAUTHORIZED),
            ("GET", "/v1/projects".into(), None, Some(tech), StatusCode::FORBIDDEN),
            ("GET", "/v1/projects".into(), None, Some(manager), StatusCode::OK),
            ("GET", "/v1/projects".into(), None, Some(admin), StatusCode::OK),
            ("GET", f.url(""), None, None, StatusCode::UNAUTHORIZED),
            ("GET", f.url(""), None, Some(tech), StatusCode::OK),
            ("GET", f.url(""), None, Some(outsider), StatusCode::NOT_FOUND),
            ("GET", f.url(""), None, Some(manager), StatusCode::OK),
            ("GET", f.url(""), None, Some(admin), StatusCode::OK),
            // A permitted manager reaches the rule: out of order.
            (
                "POST",
                f.url("/milestones/equipment_ordered/complete"),
                None,
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/complete"),
                None,
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/complete"),
                None,
                Some(admin),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/complete"),
                None,
                Some(manager),
                StatusCode::CONFLICT,
            ),
            // A permitted admin reaches the rule: nothing to reopen.
            (
                "POST",
                f.url("/milestones/order_confirmed/reopen"),
                Some(reason.clone()),
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                "POST",
                f.url("/milestones/order_confirmed/reopen"),
                Some(reason.clone()),
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/order_confirmed/reopen"),
                Some(reason.clone()),
                Some(manager),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/order_confirmed/reopen"),
                Some(reason),
                Some(admin),
                StatusCode::CONFLICT,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/tasks"),
                Some(new_task.clone()),
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/tasks"),
                Some(new_task.clone()),
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/tasks"),
                Some(new_task.clone()),
                Some(admin),
                StatusCode::FORBIDDEN,
            ),
            (
                "POST",
                f.url("/milestones/equipment_ordered/tasks"),
                Some(new_task),
                Some(manager),
                StatusCode::CREATED,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "status": "in_progress" })),
                None,
                StatusCode::UNAUTHORIZED,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "status": "in_progress" })),
                Some(tech),
                StatusCode::OK,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "assignee": OTHER_TECH })),
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "status": "done" })),
                Some(other),
                StatusCode::FORBIDDEN,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "status": "done" })),
                Some(outsider),
                StatusCode::NOT_FOUND,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{own}")),
                Some(json!({ "status": "done" })),
                Some(admin),
                StatusCode::FORBIDDEN,
            ),
            (
                "PATCH",
                f.url(&format!("/tasks/{others}")),
                Some(json!({ "due_date": "2026-12-24" })),
                Some(manager),
                StatusCode::OK,
            ),
            ("GET", "/v1/tasks".into(), None, None, StatusCode::UNAUTHORIZED),
            ("GET", "/v1/tasks?assignee=me".into(), None, Some(tech), StatusCode::OK),
            (
                "GET",
                format!("/v1/tasks?assignee={OTHER_TECH}"),
                None,
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
            (
                "GET",
                format!("/v1/tasks?assignee={OTHER_TECH}"),
                None,
                Some(manager),
                StatusCode::OK,
            ),
            ("GET", "/v1/tasks?assignee=any&status=todo".into(), None, Some(admin), StatusCode::OK),
            (
                "GET",
                "/v1/tasks?assignee=any&status=todo".into(),
                None,
                Some(tech),
                StatusCode::FORBIDDEN,
            ),
        ];
        for (method, path, body, who, expected) in cases {
            let reply = f.call(method, &path, who, body).await;
            assert_eq!(
                reply.status,
                expected,
                "{method} {path} as {who:?}: {}",
                String::from_utf8_lossy(&reply.body)
            );
            if expected == StatusCode::UNAUTHORIZED {
                assert_eq!(reply.content_type, "application/problem+json");
            }
        }
        // Tokens that are expired, forged or garbled are 401 like no token.
        let now = Utc::now().timestamp();
        let expired = deployments_local::auth::mint(
            &shared::config::Secret::new(integration_tests::JWT_SECRET),
            MANAGER,
            &["manager"],
            now - 7200,
            3600,
        )
        .unwrap();
        let forged = deployments_local::auth::mint(
            &shared::config::Secret::new("guess"),
            MANAGER,
            &["manager"],
            now,
            3600,
        )
        .unwrap();
        for bad in [expired.as_str(), forged.as_str(), "garbage"] {
            let reply = send(&f.app, staff_request("GET", "/v1/projects", Some(bad), None)).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
    }

    pub async fn task_lists_page_by_assignee_and_status(f: Fixture) {
        for _ in 0..3 {
            f.add_task("order_confirmed", TECH).await;
        }
        let first = f.add_task("equipment_ordered", TECH).await;
        f.patch(&first, (TECH, "technician"), json!({ "status": "in_progress" })).await;
        let tech_token = token(TECH, &["technician"]);
        let page1 =
            send(&f.app, staff_request("GET", "/v1/tasks?limit=2", Some(&tech_token), None))
                .await
                .json();
        assert_eq!(page1["items"].as_array().unwrap().len(), 2);
        let cursor = page1["next_cursor"].as_str().expect("a second page");
        let page2 = send(
            &f.app,
            staff_request(
                "GET",
                &format!("/v1/tasks?limit=2&cursor={cursor}"),
                Some(&tech_token),
                None,
            ),
        )
        .await
        .json();
        assert_eq!(page2["items"].as_array().unwrap().len(), 2);
        let in_progress = send(
            &f.app,
            staff_request("GET", "/v1/tasks?status=in_progress", Some(&tech_token), None),
        )
        .await
        .json();
        let ids: Vec<_> =
            in_progress["items"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
        assert_eq!(ids, [first.as_str()]);
        assert_eq!(in_progress["items"][0]["project_id"], f.project.as_str());
        let reply =
            send(&f.app, staff_request("GET", "/v1/tasks?limit=500", Some(&tech_token), None))
                .await;
        assert_eq!(
            status_of(&reply),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation-failed".into())
        );
        let reply =
            send(&f.app, staff_request("GET", "/v1/tasks?cursor=zz", Some(&tech_token), None))
                .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reply =
            send(&f.app, staff_request("GET", "/v1/tasks?colour=red", Some(&tech_token), None))
                .await;
        assert_eq!(reply.json()["errors"][0]["field"], "colour");
    }

    pub async fn project_lists_filter_by_status_and_account(f: Fixture) {
        let pm = token(MANAGER, &["manager"]);
        let list =
            |query: &str| staff_request("GET", &format!("/v1/projects{query}"), Some(&pm), None);
        let all = send(&f.app, list("")).await.json();
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert_eq!(all["items"][0]["progress"]["next_milestone"], "order_confirmed");
        let page = send(&f.app, list("?limit=1")).await.json();
        let cursor = page["next_cursor"].as_str().expect("more pages").to_owned();
        let rest = send(&f.app, list(&format!("?limit=1&cursor={cursor}"))).await.json();
        assert_eq!(rest["items"].as_array().unwrap().len(), 1);
        assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);
        assert_eq!(
            send(&f.app, list("?status=in_progress&account_id=ACC-1001")).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            send(&f.app, list("?status=live")).await.json()["items"].as_array().unwrap().len(),
            0
        );
        assert_eq!(
            send(&f.app, list("?account_id=ACC-9")).await.json()["items"].as_array().unwrap().len(),
            0
        );
        assert_eq!(
            send(&f.app, list("?status=paused")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    a_project_walks_through_milestones_one_to_five,
    a_hundred_concurrent_patches_to_different_tasks_all_land,
    the_role_matrix_holds_on_every_staff_route,
    task_lists_page_by_assignee_and_status,
    project_lists_filter_by_status_and_account,
);

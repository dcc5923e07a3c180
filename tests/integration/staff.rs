//! The staff API end to end (milestones, tasks, reads, history, roles), on
//! DynamoDB Local and on the embedded store, through the routers the
//! functions serve.

use app::ports::Clock;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use domain::ProjectId;
use domain::events::detail_type;
use domain::outbox::OutboxMessage;
use integration_tests::fixtures::{
    Bundle, MANAGER, Member, OTHER_TECH, OUTSIDER_TECH, PM, ROOT, TECH, TECH1, expired_token,
    project, t0,
};
use integration_tests::{Reply, bundle_app, send, send_retrying_503, staff_request, token};
use serde_json::{Value, json};
use std::sync::Arc;

/// The sample deal received; its L1 project is the one the cases work on.
struct Fixture {
    bundle: Bundle,
    project: ProjectId,
}

integration_tests::on_bundle!(Fixture);

impl Fixture {
    async fn new(store: Arc<dyn app::ports::Store>) -> Self {
        Self { bundle: Bundle::with_sample_deal(store).await, project: project("L1") }
    }

    fn url(&self, rest: &str) -> String {
        format!("/v1/projects/{}{rest}", self.project)
    }

    async fn complete(&self, key: &str, who: Member, body: Option<Value>) -> Reply {
        self.bundle.complete(&self.project, key, who, body).await
    }

    async fn add_task(&self, milestone: &str, assignee: &str) -> String {
        let body = json!({
            "title": format!("Task for {assignee}"), "assignee": assignee, "due_date": "2026-12-01"
        });
        self.bundle.add_task(&self.project, milestone, body).await
    }

    async fn patch(&self, task: &str, who: Member, body: Value) -> Reply {
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
    (reply.status, reply.problem_type())
}

mod cases {
    use super::*;

    pub async fn a_project_walks_through_milestones_one_to_five(f: Fixture) {
        let task = a_task_holds_its_milestone_until_done(&f).await;
        milestone_one_completes_once_and_freezes_its_tasks(&f, &task).await;
        milestones_two_to_five_complete_in_order(&f).await;
        only_the_last_completed_reopens(&f).await;
        unknown_things_are_404(&f).await;
        the_history_reads_back_in_order(&f).await;
        every_effect_is_in_the_outbox_once(&f).await;
    }

    /// Out of order, a milestone names the one that comes first; a task
    /// holds its milestone until done. The task's id.
    async fn a_task_holds_its_milestone_until_done(f: &Fixture) -> String {
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
        task
    }

    /// Milestone 1 completes once (a second completion changes nothing);
    /// its tasks are then frozen.
    async fn milestone_one_completes_once_and_freezes_its_tasks(f: &Fixture, task: &str) {
        let reply = f
            .complete("order_confirmed", PM, Some(json!({ "note": "Validated with sales" })))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let version = f.version().await;
        assert_eq!(f.complete("order_confirmed", PM, None).await.status, StatusCode::OK);
        assert_eq!(f.version().await, version, "re-completing is a no-op");

        // Its tasks are now frozen.
        let reply = f.patch(task, PM, json!({ "due_date": "2026-12-20" })).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));
        let reply = f.patch(task, TECH1, json!({ "status": "in_progress" })).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));
        let body = json!({ "title": "Late", "assignee": TECH, "due_date": "2026-12-01" });
        let reply =
            f.call("POST", &f.url("/milestones/order_confirmed/tasks"), Some(PM), Some(body)).await;
        assert_eq!(status_of(&reply), (StatusCode::CONFLICT, "milestone-completed".into()));
    }

    /// Milestones 2 to 5; delivery carries the planned installation date.
    async fn milestones_two_to_five_complete_in_order(f: &Fixture) {
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
    }

    /// Reopen: admin only, reason required, last completed only.
    async fn only_the_last_completed_reopens(f: &Fixture) {
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
    }

    /// Unknown things are 404.
    async fn unknown_things_are_404(f: &Fixture) {
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
    }

    /// The project reads back with its whole history, in order.
    async fn the_history_reads_back_in_order(f: &Fixture) {
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
    }

    /// Every effect was committed to the outbox exactly once.
    async fn every_effect_is_in_the_outbox_once(f: &Fixture) {
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
                let (path, bearer) =
                    (f.url(&format!("/tasks/{task}")), token(TECH, &["technician"]));
                let body = json!({ "status": "in_progress" });
                let request =
                    move || staff_request("PATCH", &path, Some(&bearer), Some(body.clone()));
                tokio::spawn(async move { send_retrying_503(&app, request).await })
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
        assert!(project.tasks.iter().all(|t| t.status == domain::TaskStatus::InProgress));
    }

    /// Who calls (none: no token), with which body, and the status they get.
    type Call = (Option<Member>, Option<Value>, u16);

    /// Calls `method path` as each of `calls` in turn; a `401` is a problem document.
    async fn check(f: &Fixture, method: &str, path: &str, calls: Vec<Call>) {
        for (who, body, expected) in calls {
            let reply = f.call(method, path, who, body).await;
            let said = String::from_utf8_lossy(&reply.body);
            assert_eq!(reply.status.as_u16(), expected, "{method} {path} as {who:?}: {said}");
            if expected == 401 {
                assert_eq!(reply.content_type, "application/problem+json");
            }
        }
    }

    const OTHER: Member = (OTHER_TECH, "technician");
    const OUTSIDER: Member = (OUTSIDER_TECH, "technician");

    pub async fn the_role_matrix_holds_on_every_staff_route(f: Fixture) {
        let own = f.add_task("order_confirmed", TECH).await;
        let others = f.add_task("order_confirmed", OTHER_TECH).await;
        let calls = |who: &[Option<Member>], codes: &[u16], body: Option<Value>| -> Vec<Call> {
            who.iter().zip(codes).map(|(w, c)| (*w, body.clone(), *c)).collect()
        };
        let (tech, pm, root, outsider) = (Some(TECH1), Some(PM), Some(ROOT), Some(OUTSIDER));
        check(
            &f,
            "GET",
            "/v1/projects",
            calls(&[None, tech, pm, root], &[401, 403, 200, 200], None),
        )
        .await;
        let view = calls(&[None, tech, outsider, pm, root], &[401, 200, 404, 200, 200], None);
        check(&f, "GET", &f.url(""), view).await;
        // A permitted manager reaches the rule: out of order.
        let complete = f.url("/milestones/equipment_ordered/complete");
        check(&f, "POST", &complete, calls(&[None, tech, root, pm], &[401, 403, 403, 409], None))
            .await;
        // A permitted admin reaches the rule: nothing to reopen.
        let reason = Some(json!({ "reason": "matrix" }));
        let reopen = calls(&[None, tech, pm, root], &[401, 403, 403, 409], reason);
        check(&f, "POST", &f.url("/milestones/order_confirmed/reopen"), reopen).await;
        let new_task =
            Some(json!({ "title": "Matrix", "assignee": TECH, "due_date": "2026-12-01" }));
        let add = calls(&[None, tech, root, pm], &[401, 403, 403, 201], new_task);
        check(&f, "POST", &f.url("/milestones/equipment_ordered/tasks"), add).await;
        let (start, done) = (json!({ "status": "in_progress" }), json!({ "status": "done" }));
        let patches = vec![
            (None, Some(start.clone()), 401),
            (tech, Some(start), 200),
            (tech, Some(json!({ "assignee": OTHER_TECH })), 403),
            (Some(OTHER), Some(done.clone()), 403),
            (outsider, Some(done.clone()), 404),
            (root, Some(done), 403),
        ];
        check(&f, "PATCH", &f.url(&format!("/tasks/{own}")), patches).await;
        let reschedule = Some(json!({ "due_date": "2026-12-24" }));
        check(&f, "PATCH", &f.url(&format!("/tasks/{others}")), vec![(pm, reschedule, 200)]).await;
        task_lists_follow_the_roles(&f).await;
        tokens_that_are_expired_forged_or_garbled_are_401(&f).await;
    }

    async fn task_lists_follow_the_roles(f: &Fixture) {
        let (tech, pm, root) = (Some(TECH1), Some(PM), Some(ROOT));
        check(f, "GET", "/v1/tasks", vec![(None, None, 401)]).await;
        check(f, "GET", "/v1/tasks?assignee=me", vec![(tech, None, 200)]).await;
        let others = format!("/v1/tasks?assignee={OTHER_TECH}");
        check(f, "GET", &others, vec![(tech, None, 403), (pm, None, 200)]).await;
        let any = "/v1/tasks?assignee=any&status=todo";
        check(f, "GET", any, vec![(root, None, 200), (tech, None, 403)]).await;
    }

    async fn tokens_that_are_expired_forged_or_garbled_are_401(f: &Fixture) {
        let now = Utc::now().timestamp();
        let expired = expired_token(MANAGER, &["manager"]);
        let guess = config::Secret::new("guess");
        let forged =
            deployments_local::auth::mint(&guess, MANAGER, &["manager"], now, 3600).unwrap();
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
        f.patch(&first, TECH1, json!({ "status": "in_progress" })).await;
        let f = &f;
        let list = |query: &str| {
            let path = format!("/v1/tasks{query}");
            async move { f.call("GET", &path, Some(TECH1), None).await }
        };
        let page1 = list("?limit=2").await.json();
        assert_eq!(page1["items"].as_array().unwrap().len(), 2);
        let cursor = page1["next_cursor"].as_str().expect("a second page");
        let page2 = list(&format!("?limit=2&cursor={cursor}")).await.json();
        assert_eq!(page2["items"].as_array().unwrap().len(), 2);
        let in_progress = list("?status=in_progress").await.json();
        let ids: Vec<_> =
            in_progress["items"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
        assert_eq!(ids, [first.as_str()]);
        assert_eq!(in_progress["items"][0]["project_id"], f.project.as_str());
        let invalid = (StatusCode::UNPROCESSABLE_ENTITY, "validation-failed".to_owned());
        assert_eq!(status_of(&list("?limit=500").await), invalid);
        assert_eq!(list("?cursor=zz").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(list("?colour=red").await.json()["errors"][0]["field"], "colour");
    }

    pub async fn project_lists_filter_by_status_and_account(f: Fixture) {
        let f = &f;
        let list = |query: &str| {
            let path = format!("/v1/projects{query}");
            async move { f.call("GET", &path, Some(PM), None).await }
        };
        let all = list("").await.json();
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert_eq!(all["items"][0]["progress"]["next_milestone"], "order_confirmed");
        let page = list("?limit=1").await.json();
        let cursor = page["next_cursor"].as_str().expect("more pages").to_owned();
        let rest = list(&format!("?limit=1&cursor={cursor}")).await.json();
        assert_eq!(rest["items"].as_array().unwrap().len(), 1);
        assert_ne!(rest["items"][0]["id"], page["items"][0]["id"]);
        let count = |reply: Reply| reply.json()["items"].as_array().unwrap().len();
        assert_eq!(count(list("?status=in_progress&account_id=ACC-1001").await), 2);
        assert_eq!(count(list("?status=live").await), 0);
        assert_eq!(count(list("?account_id=ACC-9").await), 0);
        assert_eq!(list("?status=paused").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    a_project_walks_through_milestones_one_to_five,
    a_hundred_concurrent_patches_to_different_tasks_all_land,
    the_role_matrix_holds_on_every_staff_route,
    task_lists_page_by_assignee_and_status,
    project_lists_filter_by_status_and_account,
);

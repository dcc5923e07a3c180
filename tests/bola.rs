//! Object-level authorization: every route with an id, called by the
//! technician owning a task of the project, another technician, a manager,
//! an admin, nobody, and an expired token. On both stores.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use integration_tests::{
    JWT_SECRET, SECRET, bundle_app, deal_request, sample_deal, send, staff_request, token,
};
use serde_json::{Value, json};
use shared::clock::ManualClock;
use shared::config::Secret;
use shared::domain::ProjectId;
use shared::ports::Clock;
use shared::store::Store;
use std::sync::Arc;

const OWNER_TECH: &str = "tech.one@bluerocktel.fr";
const OTHER_TECH: &str = "tech.two@bluerocktel.fr";

fn t0() -> DateTime<Utc> {
    "2026-11-20T10:05:00Z".parse().unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Caller {
    OwnerTech,
    OtherTech,
    Manager,
    Admin,
    Nobody,
    Expired,
}

use Caller::*;

impl Caller {
    fn token(self) -> Option<String> {
        match self {
            OwnerTech => Some(token(OWNER_TECH, &["technician"])),
            OtherTech => Some(token(OTHER_TECH, &["technician"])),
            Manager => Some(token("sophie.durand@bluerocktel.fr", &["manager"])),
            Admin => Some(token("root@bluerocktel.fr", &["admin"])),
            Nobody => None,
            Expired => {
                let now = Utc::now().timestamp();
                let secret = Secret::new(JWT_SECRET);
                Some(
                    deployments_local::auth::mint(
                        &secret,
                        "sophie.durand@bluerocktel.fr",
                        &["manager", "admin"],
                        now - 7200,
                        3600,
                    )
                    .unwrap(),
                )
            }
        }
    }
}

struct Fixture {
    app: axum::Router,
    project: ProjectId,
    task: String,
}

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
        let app = bundle_app(store, clock);
        assert_eq!(
            send(&app, deal_request(sample_deal(), SECRET, t0().timestamp())).await.status,
            StatusCode::CREATED
        );
        let project = ProjectId::for_deal_line("D-2026-0042", "L1");
        let body = json!({ "title": "Survey", "assignee": OWNER_TECH, "due_date": "2026-12-01" });
        let path = format!("/v1/projects/{project}/milestones/order_confirmed/tasks");
        let reply =
            send(&app, staff_request("POST", &path, Manager.token().as_deref(), Some(body))).await;
        let task = reply.json()["id"].as_str().unwrap().to_owned();
        Self { app, project, task }
    }
}

mod cases {
    use super::*;

    pub async fn every_route_with_an_id_checks_who_is_asking(f: Fixture) {
        let p = f.project.clone();
        let t = f.task.clone();
        let new_task =
            json!({ "title": "Matrix", "assignee": OWNER_TECH, "due_date": "2026-12-01" });
        let activation =
            json!({ "go_live_date": "2026-11-20", "technical_summary": [{ "line_id": "L1" }] });
        let default = shared::domain::template::Template::default_for("sip_trunk");
        let template = || json!({ "milestones": json!(shared::http::body::Template::from(&default))["milestones"] });
        type Row = (&'static str, String, Option<Value>, [StatusCode; 6]);
        use StatusCode as S;
        // Columns: owner technician, other technician, manager, admin, no token, expired token.
        let rows: Vec<Row> = vec![
            (
                "GET",
                format!("/v1/projects/{p}"),
                None,
                [S::OK, S::NOT_FOUND, S::OK, S::OK, S::UNAUTHORIZED, S::UNAUTHORIZED],
            ),
            (
                "PATCH",
                format!("/v1/projects/{p}/tasks/{t}"),
                Some(json!({ "status": "in_progress" })),
                [S::OK, S::NOT_FOUND, S::OK, S::FORBIDDEN, S::UNAUTHORIZED, S::UNAUTHORIZED],
            ),
            // The manager reaches the rules: a task is still open.
            (
                "POST",
                format!("/v1/projects/{p}/milestones/order_confirmed/complete"),
                None,
                [
                    S::FORBIDDEN,
                    S::FORBIDDEN,
                    S::CONFLICT,
                    S::FORBIDDEN,
                    S::UNAUTHORIZED,
                    S::UNAUTHORIZED,
                ],
            ),
            // The admin reaches the rules: nothing completed to reopen.
            (
                "POST",
                format!("/v1/projects/{p}/milestones/order_confirmed/reopen"),
                Some(json!({ "reason": "r" })),
                [
                    S::FORBIDDEN,
                    S::FORBIDDEN,
                    S::FORBIDDEN,
                    S::CONFLICT,
                    S::UNAUTHORIZED,
                    S::UNAUTHORIZED,
                ],
            ),
            (
                "POST",
                format!("/v1/projects/{p}/milestones/order_confirmed/tasks"),
                Some(new_task),
                [
                    S::FORBIDDEN,
                    S::FORBIDDEN,
                    S::CREATED,
                    S::FORBIDDEN,
                    S::UNAUTHORIZED,
                    S::UNAUTHORIZED,
                ],
            ),
            // The manager reaches the rules: milestones pending.
            (
                "POST",
                format!("/v1/projects/{p}/activate"),
                Some(activation),
                [
                    S::FORBIDDEN,
                    S::FORBIDDEN,
                    S::CONFLICT,
                    S::FORBIDDEN,
                    S::UNAUTHORIZED,
                    S::UNAUTHORIZED,
                ],
            ),
            (
                "GET",
                "/v1/settings/deployment-templates/sip_trunk".into(),
                None,
                [S::FORBIDDEN, S::FORBIDDEN, S::OK, S::OK, S::UNAUTHORIZED, S::UNAUTHORIZED],
            ),
            (
                "PUT",
                "/v1/settings/deployment-templates/sip_trunk".into(),
                Some(template()),
                [S::FORBIDDEN, S::FORBIDDEN, S::FORBIDDEN, S::OK, S::UNAUTHORIZED, S::UNAUTHORIZED],
            ),
        ];
        for (method, path, body, expected) in rows {
            for (caller, status) in
                [OwnerTech, OtherTech, Manager, Admin, Nobody, Expired].into_iter().zip(expected)
            {
                let reply = send(
                    &f.app,
                    staff_request(method, &path, caller.token().as_deref(), body.clone()),
                )
                .await;
                assert_eq!(
                    reply.status,
                    status,
                    "{method} {path} as {caller:?}: {}",
                    String::from_utf8_lossy(&reply.body)
                );
                assert!(
                    reply.status.is_success() || reply.content_type == "application/problem+json",
                    "{method} {path}"
                );
            }
        }
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    every_route_with_an_id_checks_who_is_asking,
);

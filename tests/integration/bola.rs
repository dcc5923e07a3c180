//! Object-level authorization: every route with an id, called by the
//! technician owning a task of the project, another technician, a manager,
//! an admin, nobody, and an expired token. On both stores.

use app::ports::Store;
use domain::ProjectId;
use integration_tests::fixtures::{
    ADMIN, Bundle, MANAGER, OTHER_TECH, TECH as OWNER_TECH, expired_token, project,
};
use integration_tests::{send, staff_request, token};
use serde_json::{Value, json};
use std::sync::Arc;

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
            Manager => Some(token(MANAGER, &["manager"])),
            Admin => Some(token(ADMIN, &["admin"])),
            Nobody => None,
            Expired => Some(expired_token(MANAGER, &["manager", "admin"])),
        }
    }
}

/// The sample deal received, L1 holding a task of the owner technician.
struct Fixture {
    bundle: Bundle,
    project: ProjectId,
    task: String,
}

integration_tests::on_bundle!(Fixture);

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let bundle = Bundle::with_sample_deal(store).await;
        let project = project("L1");
        let body = json!({ "title": "Survey", "assignee": OWNER_TECH, "due_date": "2026-12-01" });
        let task = bundle.add_task(&project, "order_confirmed", body).await;
        Self { bundle, project, task }
    }
}

mod cases {
    pub use super::console_cases::every_console_route_checks_who_is_asking;
    use super::*;

    /// A route, its body, and the status each caller gets, in the order of
    /// [`CALLERS`]: owner technician, other technician, manager, admin, no
    /// token, expired token.
    type Row = (&'static str, String, Option<Value>, [u16; 6]);

    const CALLERS: [Caller; 6] = [OwnerTech, OtherTech, Manager, Admin, Nobody, Expired];

    fn rows(f: &Fixture) -> Vec<Row> {
        let (p, t) = (&f.project, &f.task);
        let new_task =
            json!({ "title": "Matrix", "assignee": OWNER_TECH, "due_date": "2026-12-01" });
        let activation =
            json!({ "go_live_date": "2026-11-20", "technical_summary": [{ "line_id": "L1" }] });
        let default = domain::template::Template::default_for("sip_trunk");
        let template = json!(api::body::Template::from(&default))["milestones"].clone();
        let settings = "/v1/settings/deployment-templates/sip_trunk".to_owned();
        let milestone =
            |action: &str| format!("/v1/projects/{p}/milestones/order_confirmed/{action}");
        vec![
            ("GET", format!("/v1/projects/{p}"), None, [200, 404, 200, 200, 401, 401]),
            (
                "PATCH",
                format!("/v1/projects/{p}/tasks/{t}"),
                Some(json!({ "status": "in_progress" })),
                [200, 404, 200, 403, 401, 401],
            ),
            // The manager reaches the rules: a task is still open.
            ("POST", milestone("complete"), None, [403, 403, 409, 403, 401, 401]),
            // The admin reaches the rules: nothing completed to reopen.
            (
                "POST",
                milestone("reopen"),
                Some(json!({ "reason": "r" })),
                [403, 403, 403, 409, 401, 401],
            ),
            ("POST", milestone("tasks"), Some(new_task), [403, 403, 201, 403, 401, 401]),
            // The manager reaches the rules: milestones pending.
            (
                "POST",
                format!("/v1/projects/{p}/activate"),
                Some(activation),
                [403, 403, 409, 403, 401, 401],
            ),
            ("GET", settings.clone(), None, [403, 403, 200, 200, 401, 401]),
            // Analytics span every project: managers and admins only.
            (
                "GET",
                "/v1/analytics/deployments?from=2026-11&to=2027-01".to_owned(),
                None,
                [403, 403, 200, 200, 401, 401],
            ),
            (
                "PUT",
                settings,
                Some(json!({ "milestones": template })),
                [403, 403, 403, 200, 401, 401],
            ),
        ]
        .into_iter()
        .chain(status_rows(p))
        .collect()
    }

    /// Last: each changes the project's status for the rows after it.
    fn status_rows(p: &ProjectId) -> Vec<Row> {
        vec![
            (
                "POST",
                format!("/v1/projects/{p}/hold"),
                Some(json!({ "reason": "Site closed", "category": "site_access" })),
                [403, 403, 200, 403, 401, 401],
            ),
            ("POST", format!("/v1/projects/{p}/resume"), None, [403, 403, 200, 403, 401, 401]),
            (
                "POST",
                format!("/v1/projects/{p}/cancel"),
                Some(json!({ "reason": "Duplicate" })),
                [403, 403, 200, 403, 401, 401],
            ),
        ]
    }

    pub async fn every_route_with_an_id_checks_who_is_asking(f: Fixture) {
        for (method, path, body, expected) in rows(&f) {
            for (caller, status) in CALLERS.into_iter().zip(expected) {
                let request = staff_request(method, &path, caller.token().as_deref(), body.clone());
                let reply = send(&f.app, request).await;
                let said = String::from_utf8_lossy(&reply.body);
                assert_eq!(reply.status.as_u16(), status, "{method} {path} as {caller:?}: {said}");
                let problem = reply.content_type == "application/problem+json";
                assert!(reply.status.is_success() || problem, "{method} {path}");
            }
        }
    }
}

/// The console's pages and forms, with a session instead of a token:
/// the same rules, the page's own statuses (a form that works answers
/// `303` to the project; no session, or an expired one, `303` to sign-in).
mod console_cases {
    use super::*;
    use integration_tests::fixtures::console_session;

    type Row = (&'static str, String, Vec<(&'static str, &'static str)>, [u16; 6]);

    fn session(caller: Caller) -> Option<(String, String)> {
        let (sub, roles, expired): (&str, &[&str], bool) = match caller {
            OwnerTech => (OWNER_TECH, &["technician"], false),
            OtherTech => (OTHER_TECH, &["technician"], false),
            Manager => (MANAGER, &["manager"], false),
            Admin => (ADMIN, &["admin"], false),
            Nobody => return None,
            Expired => (MANAGER, &["manager", "admin"], true),
        };
        Some(console_session(sub, roles, expired))
    }

    fn rows(f: &Fixture) -> Vec<Row> {
        let (p, t) = (&f.project, &f.task);
        let project = format!("/console/projects/{p}");
        let milestone = |action: &str| format!("{project}/milestones/order_confirmed/{action}");
        let task = vec![("title", "Matrix"), ("assignee", OWNER_TECH), ("due_date", "2026-12-01")];
        let go_live = vec![("go_live_date", "2026-11-20"), ("line_id", "L1")];
        let template = "/console/templates/sip_trunk".to_owned();
        vec![
            ("GET", project.clone(), vec![], [200, 404, 200, 200, 303, 303]),
            (
                "POST",
                format!("{project}/tasks/{t}"),
                vec![("status", "in_progress")],
                [303, 404, 303, 403, 303, 303],
            ),
            ("POST", milestone("complete"), vec![], [403, 403, 409, 403, 303, 303]),
            ("POST", milestone("reopen"), vec![("reason", "r")], [403, 403, 403, 409, 303, 303]),
            ("POST", milestone("tasks"), task, [403, 403, 303, 403, 303, 303]),
            ("POST", format!("{project}/activate"), go_live, [403, 403, 409, 403, 303, 303]),
            ("GET", "/console/projects".to_owned(), vec![], [403, 403, 200, 200, 303, 303]),
            ("GET", "/console/attention".to_owned(), vec![], [403, 403, 200, 200, 303, 303]),
            ("GET", "/console/my-tasks".to_owned(), vec![], [200, 200, 200, 200, 303, 303]),
            ("GET", template.clone(), vec![], [403, 403, 200, 200, 303, 303]),
            ("GET", analytics(""), vec![], [403, 403, 200, 200, 303, 303]),
            ("GET", analytics(".csv"), vec![], [403, 403, 200, 200, 303, 303]),
            ("POST", template, two_milestones(), [403, 403, 403, 303, 303, 303]),
            (
                "POST",
                format!("{project}/hold"),
                vec![("reason", "Closed"), ("category", "site_access")],
                [403, 403, 303, 403, 303, 303],
            ),
            ("POST", format!("{project}/resume"), vec![], [403, 403, 303, 403, 303, 303]),
            (
                "POST",
                format!("{project}/cancel"),
                vec![("reason", "Duplicate")],
                [403, 403, 303, 403, 303, 303],
            ),
        ]
    }

    fn analytics(suffix: &str) -> String {
        format!("/console/analytics{suffix}?from=2026-11&to=2027-01")
    }

    /// The template form of a plan of two milestones, from version 0.
    fn two_milestones() -> Vec<(&'static str, &'static str)> {
        let milestone = |key, fr, en, days, activation| {
            [("key", key), ("name_fr", fr), ("name_en", en)]
                .into_iter()
                .chain([("expected_days", days), ("activation", activation)])
        };
        std::iter::once(("version", "0"))
            .chain(milestone("order_confirmed", "Commande", "Order", "2", "no"))
            .chain(milestone("go_live", "MES", "Go-live", "1", "yes"))
            .collect()
    }

    fn request(method: &str, path: &str, caller: Caller, fields: &[(&str, &str)]) -> Request {
        let mut builder = axum::http::Request::builder().method(method).uri(path);
        let mut form = form_urlencoded::Serializer::new(String::new());
        if let Some((cookie, csrf)) = session(caller) {
            builder = builder.header("cookie", cookie);
            form.append_pair("csrf", &csrf);
        }
        form.extend_pairs(fields);
        let body = if method == "POST" { form.finish() } else { String::new() };
        builder
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body))
            .expect("a request")
    }

    type Request = axum::http::Request<axum::body::Body>;

    pub async fn every_console_route_checks_who_is_asking(f: Fixture) {
        for (method, path, fields, expected) in rows(&f) {
            for (caller, status) in CALLERS.into_iter().zip(expected) {
                let reply = send(&f.app, request(method, &path, caller, &fields)).await;
                let said = String::from_utf8_lossy(&reply.body);
                assert_eq!(reply.status.as_u16(), status, "{method} {path} as {caller:?}: {said}");
                let location = reply.headers.get("location").and_then(|l| l.to_str().ok());
                if matches!(caller, Nobody | Expired) {
                    assert!(location.is_some_and(|l| l.starts_with("/console/sign-in")), "{path}");
                }
            }
        }
    }

    const CALLERS: [Caller; 6] = [OwnerTech, OtherTech, Manager, Admin, Nobody, Expired];
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    every_route_with_an_id_checks_who_is_asking,
    every_console_route_checks_who_is_asking,
);

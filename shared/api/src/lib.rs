//! HTTP: the axum routers shared by the Lambda functions and the local runner.
//!
//! A function serves its router through `lambda_http::run`; the local runner
//! merges all routers and serves them with `axum::serve`. Both go through
//! the same extractors, limits and problem documents.
//!
//! - [`body`]: the request and response bodies and their OpenAPI schemas
//!   (the formats shared with the table are the `wire` crate's);
//! - [`extract`]: typed paths, JSON bodies and queries, rejected as problems;
//!   request bodies read strictly (`strict`: an unknown member is a `422`);
//! - [`auth`]: who is calling ([`auth::Allowed`] checks their role first);
//! - [`errors`]: every use-case error as a problem document; [`problem`]:
//!   the documents and their stable `type`s;
//! - one module of handlers per function: [`crm`], [`projects`],
//!   [`milestones`], [`tasks`], [`activation`], [`templates`];
//! - [`openapi`]: the document served at `GET /v1/openapi.json`;
//! - [`routes`]: every route path and the function that serves it;
//!   [`staff::lambda_app`]: a staff function's application in Lambda.

pub mod activation;
pub mod auth;
pub mod body;
pub mod crm;
pub mod errors;
pub mod extract;
pub mod milestones;
pub mod openapi;
pub mod problem;
pub mod projects;
pub mod signature;
pub mod staff;
mod strict;
pub mod tasks;
pub mod templates;

pub use extract::MAX_BODY_BYTES;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use problem::{Kind, Problem};

/// Every route path, defined once (the IaC is checked against this list).
pub mod routes {
    pub const DEAL_WON: &str = "/v1/crm/deals/won";
    pub const DEAL_CHANGED: &str = "/v1/crm/deals/changed";
    pub const DEAL_CANCELLED: &str = "/v1/crm/deals/cancelled";
    pub const PROJECTS: &str = "/v1/projects";
    pub const PROJECT: &str = "/v1/projects/{project_id}";
    pub const COMPLETE_MILESTONE: &str =
        "/v1/projects/{project_id}/milestones/{milestone_key}/complete";
    pub const REOPEN_MILESTONE: &str =
        "/v1/projects/{project_id}/milestones/{milestone_key}/reopen";
    pub const MILESTONE_TASKS: &str = "/v1/projects/{project_id}/milestones/{milestone_key}/tasks";
    pub const TASK: &str = "/v1/projects/{project_id}/tasks/{task_id}";
    pub const TASKS: &str = "/v1/tasks";
    pub const ACTIVATE: &str = "/v1/projects/{project_id}/activate";
    pub const HOLD: &str = "/v1/projects/{project_id}/hold";
    pub const RESUME: &str = "/v1/projects/{project_id}/resume";
    pub const CANCEL: &str = "/v1/projects/{project_id}/cancel";
    pub const TEMPLATE: &str = "/v1/settings/deployment-templates/{service_type}";
    pub const ANALYTICS: &str = "/v1/analytics/deployments";
    pub const OPENAPI: &str = "/v1/openapi.json";

    /// A route and the function (binary) that serves it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Served {
        pub function: &'static str,
        pub method: &'static str,
        pub path: &'static str,
    }

    const fn served(function: &'static str, method: &'static str, path: &'static str) -> Served {
        Served { function, method, path }
    }

    /// Every route of the bundle, by function: the SAM template must
    /// declare exactly these (tests/integration/infra.rs), and each function's router
    /// serves exactly its own.
    pub const SERVED: &[Served] = &[
        served("deal-won", "POST", DEAL_WON),
        served("deal-won", "POST", DEAL_CHANGED),
        served("deal-won", "POST", DEAL_CANCELLED),
        served("projects", "GET", PROJECTS),
        served("projects", "GET", PROJECT),
        served("projects", "GET", TASKS),
        served("projects", "GET", OPENAPI),
        served("projects", "GET", ANALYTICS),
        served("milestones", "POST", COMPLETE_MILESTONE),
        served("milestones", "POST", REOPEN_MILESTONE),
        served("tasks", "POST", MILESTONE_TASKS),
        served("tasks", "PATCH", TASK),
        served("activation", "POST", ACTIVATE),
        served("activation", "POST", HOLD),
        served("activation", "POST", RESUME),
        served("activation", "POST", CANCEL),
        served("templates", "GET", TEMPLATE),
        served("templates", "PUT", TEMPLATE),
    ];
}

/// The console's routes at the HTTP API (the `console` function's router
/// serves its pages under them): `ANY`, as API Gateway spells a proxy.
pub const CONSOLE_ROUTES: &[routes::Served] = &[
    routes::Served { function: "console", method: "ANY", path: "/console" },
    routes::Served { function: "console", method: "ANY", path: "/console/{proxy+}" },
];

/// The application served by a function or the local runner: the given
/// routers, the body limit, and problem documents for unknown paths and methods.
pub fn app(routers: impl IntoIterator<Item = Router>) -> Router {
    routers
        .into_iter()
        .fold(Router::new(), Router::merge)
        .fallback(|| async { Problem::new(Kind::NotFound) })
        .method_not_allowed_fallback(|| async { Problem::new(Kind::MethodNotAllowed) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(problems_everywhere))
}

/// Error responses made by the framework itself (an undecodable path, say)
/// become problem documents too; no detail of theirs is passed on.
async fn problems_everywhere(response: axum::response::Response) -> axum::response::Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == problem::CONTENT_TYPE.as_bytes());
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut replaced =
        axum::response::IntoResponse::into_response(Problem::new(problem::kind_for(status)));
    *replaced.status_mut() = status;
    if let Some(allow) = allow {
        replaced.headers_mut().insert(header::ALLOW, allow);
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn the_href_of_intake_answers_is_the_project_route() {
        let id = domain::ProjectId::for_deal_line("D-1", "L1");
        assert_eq!(wire::project_href(&id), routes::PROJECT.replace("{project_id}", id.as_str()));
    }

    #[tokio::test]
    async fn framework_errors_become_problem_documents() {
        use tower::ServiceExt;
        let route = axum::routing::get(|_: axum::extract::Path<String>| async { "ok" });
        let router = app([Router::new().route("/v1/projects/{id}", route)]);
        // A path segment that is not UTF-8 once decoded: axum's own 400.
        let request =
            axum::http::Request::get("/v1/projects/%FF").body(axum::body::Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], problem::CONTENT_TYPE);
    }
}

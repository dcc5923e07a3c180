//! HTTP: the axum routers shared by the Lambda functions and the local runner.
//!
//! A function serves its router through `lambda_http::run`; the local runner
//! merges all routers and serves them with `axum::serve`. Both go through
//! the same extractors, limits and problem documents.

pub mod activation;
pub mod auth;
pub mod crm;
pub mod milestones;
pub mod openapi;
pub mod problem;
pub mod projects;
pub mod signature;
pub mod staff;
pub mod tasks;
pub mod templates;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use problem::{Kind, Problem};
use serde::de::DeserializeOwned;

use crate::domain::validation::FieldError;

/// Every route path, defined once (the IaC is checked against this list).
pub mod routes {
    pub const DEAL_WON: &str = "/v1/crm/deals/won";
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
    pub const TEMPLATE: &str = "/v1/settings/deployment-templates/{service_type}";
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
    /// declare exactly these (tests/infra.rs), and each function's router
    /// serves exactly its own.
    pub const SERVED: &[Served] = &[
        served("deal-won", "POST", DEAL_WON),
        served("projects", "GET", PROJECTS),
        served("projects", "GET", PROJECT),
        served("projects", "GET", TASKS),
        served("projects", "GET", OPENAPI),
        served("milestones", "POST", COMPLETE_MILESTONE),
        served("milestones", "POST", REOPEN_MILESTONE),
        served("tasks", "POST", MILESTONE_TASKS),
        served("tasks", "PATCH", TASK),
        served("activation", "POST", ACTIVATE),
        served("templates", "GET", TEMPLATE),
        served("templates", "PUT", TEMPLATE),
    ];
}

/// Largest request body accepted by any route (API.md: 256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

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

/// The body, or the problem explaining why it could not be read.
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(Kind::PayloadTooLarge)
                .detail(format!("at most {MAX_BODY_BYTES} bytes are accepted"))
        } else {
            Problem::new(Kind::MalformedJson).detail("the body could not be read")
        }
    })
}

/// Rejects bodies that do not declare themselves as JSON.
pub fn require_json(headers: &HeaderMap) -> Result<(), Problem> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if is_json { Ok(()) } else { Err(Problem::new(Kind::UnsupportedMediaType)) }
}

/// A JSON request body read, checked as JSON and parsed into `T`.
pub fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<T, Problem> {
    let raw = body(raw)?;
    require_json(headers)?;
    parse_json(&raw)
}

/// Parses a query string into `T`, naming the offending parameter on error.
pub fn parse_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, Problem> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
        raw.unwrap_or_default().as_bytes(),
    ));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let message = e.inner().to_string();
        let field = message
            .strip_prefix("unknown field `")
            .or_else(|| message.strip_prefix("missing field `"))
            .and_then(|rest| rest.split('`').next())
            .map_or_else(|| e.path().to_string(), str::to_owned);
        Problem::invalid(&field, message)
    })
}

/// Parses a JSON body into `T`: `400` when it is not JSON at all, `422`
/// naming the field when it is JSON of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Problem::new(Kind::MalformedJson).detail(format!(
            "line {}, column {}: {}",
            e.line(),
            e.column(),
            json_error_category(&e)
        ))
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        let mut field = e.path().to_string();
        if field == "." {
            field.clear();
        }
        // Serde reports a missing field at its parent: name the field itself.
        if let Some(name) =
            message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next())
        {
            field = if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
        }
        Problem::new(Kind::ValidationFailed).errors(vec![FieldError { field, message }])
    })
}

fn json_error_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Io => "unreadable input",
        serde_json::error::Category::Data => "unexpected data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::Account;

    fn field_of(body: &str) -> String {
        let problem = parse_json::<Account>(body.as_bytes()).unwrap_err();
        let json = serde_json::to_value(&problem).unwrap();
        json["errors"][0]["field"].as_str().unwrap().to_owned()
    }

    #[test]
    fn malformed_json_is_a_400() {
        let problem = parse_json::<Account>(b"{\"id\":").unwrap_err();
        assert_eq!(problem.kind(), Kind::MalformedJson);
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(field_of(r#"{"id": 5, "name": "n"}"#), "id");
        assert_eq!(field_of(r#"{"name": "n"}"#), "id");
        assert_eq!(field_of(r#"{"id": "a", "name": "n", "language": "de"}"#), "language");
        assert_eq!(field_of(r#"{"id": "a", "name": "n", "admin": true}"#), "admin");
    }

    #[tokio::test]
    async fn framework_errors_become_problem_documents() {
        use tower::ServiceExt;
        let router = app([Router::new().route(
            "/v1/projects/{id}",
            axum::routing::get(|_: axum::extract::Path<String>| async { "ok" }),
        )]);
        // A path segment that is not UTF-8 once decoded: axum's own 400.
        let request =
            axum::http::Request::get("/v1/projects/%FF").body(axum::body::Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], problem::CONTENT_TYPE);
    }

    #[test]
    fn only_json_media_types_are_accepted() {
        let mut headers = HeaderMap::new();
        assert!(require_json(&headers).is_err());
        for (value, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("+json", false),
            ("text/x+json", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(require_json(&headers).is_ok(), ok, "{value}");
        }
    }
}

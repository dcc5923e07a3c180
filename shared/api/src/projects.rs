//! Reads of the staff API (function `projects`): `GET /v1/projects`,
//! `GET /v1/projects/{project_id}`, `GET /v1/tasks`,
//! `GET /v1/analytics/deployments`, and the OpenAPI document.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, Page};
use super::extract::{ProjectPath, QueryParams};
use super::openapi::StaffProblems;
use super::problem::Problem;
use super::routes;
use super::staff::{StaffState, authenticated, page};
use app::ports::ProjectFilter;
use app::queries::Assignee;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use domain::analytics::Window;
use domain::validation::{is_email, is_identifier, is_machine_key};
use serde::Deserialize;

pub fn router(state: StaffState, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::PROJECTS, get(list_projects))
        .route(routes::PROJECT, get(get_project))
        .route(routes::TASKS, get(list_tasks))
        .route(routes::ANALYTICS, get(analytics))
        .layer(authenticated(auth))
        .route(routes::OPENAPI, get(openapi_json))
        .with_state(state)
}

/// This document: the OpenAPI 3.1 description of the API (anyone).
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "projects",
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json"),
    )
)]
pub(crate) async fn openapi_json() -> Response {
    static SPEC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let spec = SPEC.get_or_init(|| super::openapi::spec().to_json().unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], spec.clone()).into_response()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProjectsQuery {
    status: Option<body::ProjectStatus>,
    /// Projects in progress of this health.
    health: Option<body::HealthFilter>,
    #[param(value_type = Option<body::rules::Identifier>)]
    account_id: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 2048)]
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<usize>,
}

/// Projects, newest first (managers, admins).
#[utoipa::path(
    get,
    path = "/v1/projects",
    tag = "projects",
    params(ProjectsQuery),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "A page of projects", body = Page<body::ProjectOverview>),
        StaffProblems,
    )
)]
pub(crate) async fn list_projects(
    State(state): State<StaffState>,
    _staff: Allowed<may::ListProjects>,
    QueryParams(q): QueryParams<ProjectsQuery>,
) -> Result<Json<Page<body::ProjectOverview>>, Problem> {
    if q.account_id.as_deref().is_some_and(|a| !is_identifier(a)) {
        return Err(Problem::invalid("account_id", "is not an account id"));
    }
    let page = page(q.cursor, q.limit)?;
    let filter = ProjectFilter {
        status: q.status.map(Into::into),
        account_id: q.account_id,
        health: q.health.map(Into::into),
        owner: None,
    };
    let projects = state.queries.projects(&filter, page).await?;
    Ok(Json(Page::of(projects)))
}

/// A project with its milestones, tasks and history.
#[utoipa::path(
    get,
    path = "/v1/projects/{project_id}",
    tag = "projects",
    params(("project_id" = String, Path, description = "The project's id")),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The project", body = body::ProjectView), StaffProblems)
)]
pub(crate) async fn get_project(
    State(state): State<StaffState>,
    staff: Allowed<may::ViewProject>,
    ProjectPath(id): ProjectPath,
) -> Result<Json<body::ProjectView>, Problem> {
    let view = state.queries.project(&id, &staff).await?;
    Ok(Json(body::ProjectView::new(&view.project, &view.history)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TasksQuery {
    /// `me`, an assignee's e-mail, or `any` (with a status). Absent: the
    /// caller's own tasks, or for managers and admins filtering by status,
    /// the team's.
    #[param(value_type = Option<body::rules::Assignee>)]
    assignee: Option<String>,
    status: Option<body::TaskStatus>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 2048)]
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<usize>,
}

/// Tasks, soonest due first.
#[utoipa::path(
    get,
    path = "/v1/tasks",
    tag = "tasks",
    params(TasksQuery),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "A page of tasks", body = Page<body::AssignedTask>),
        StaffProblems,
    )
)]
pub(crate) async fn list_tasks(
    State(state): State<StaffState>,
    staff: Allowed<may::ListTasks>,
    QueryParams(q): QueryParams<TasksQuery>,
) -> Result<Json<Page<body::AssignedTask>>, Problem> {
    let assignee = match q.assignee.as_deref().map(str::trim) {
        None => Assignee::Unspecified,
        Some("me") => Assignee::Me,
        Some("any") => Assignee::Anyone,
        Some(email) if is_email(email) => Assignee::Email(email.to_ascii_lowercase()),
        Some(_) => {
            return Err(Problem::invalid("assignee", "must be me, any or an e-mail address"));
        }
    };
    let page = page(q.cursor, q.limit)?;
    let tasks = state.queries.tasks(assignee, q.status.map(Into::into), &staff, page).await?;
    Ok(Json(Page::of(tasks)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AnalyticsQuery {
    /// First month of the window, `YYYY-MM`.
    #[param(pattern = r"^\d{4}-(0[1-9]|1[0-2])$")]
    from: String,
    /// Last month of the window, `YYYY-MM`, at most 36 months from `from`.
    #[param(pattern = r"^\d{4}-(0[1-9]|1[0-2])$")]
    to: String,
    /// Only this service type.
    #[param(pattern = r"^[a-z][a-z0-9_]{0,63}$")]
    service_type: Option<String>,
}

/// Deployment analytics: the projects that went live in the window, per
/// service type (managers, admins). `Accept: text/csv` answers CSV rows of
/// `service_type,metric,key,value` with the same figures.
#[utoipa::path(
    get,
    path = "/v1/analytics/deployments",
    tag = "projects",
    params(AnalyticsQuery),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The analytics of the window", content(
            (body::Analytics = "application/json"),
            (String = "text/csv"),
        )),
        StaffProblems,
    )
)]
pub(crate) async fn analytics(
    State(state): State<StaffState>,
    _staff: Allowed<may::ViewAnalytics>,
    headers: axum::http::HeaderMap,
    QueryParams(q): QueryParams<AnalyticsQuery>,
) -> Result<Response, Problem> {
    let window = Window::new(&q.from, &q.to)?;
    if q.service_type.as_deref().is_some_and(|t| !is_machine_key(t)) {
        return Err(Problem::invalid("service_type", "must be lower-case letters, digits or _"));
    }
    let report = state.analytics.deployments(window, q.service_type.as_deref()).await?;
    let body = body::Analytics::from(&report);
    // Caches must keep the two representations apart.
    let vary = (axum::http::header::VARY, "Accept");
    if wants_csv(&headers) {
        let csv = (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8");
        return Ok(([csv, vary], body.to_csv()).into_response());
    }
    Ok(([vary], Json(body)).into_response())
}

/// Whether the client prefers CSV to JSON (`Accept`, with its q-values):
/// named, CSV wins over a wildcard as welcome; JSON when both are named as
/// welcome, or nothing is said.
fn wants_csv(headers: &axum::http::HeaderMap) -> bool {
    let (mut csv, mut json, mut any) = (0.0_f32, 0.0_f32, 0.0_f32);
    let accept = headers.get_all(axum::http::header::ACCEPT).iter();
    for range in accept.filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/csv" => csv = csv.max(q),
            "application/json" => json = json.max(q),
            "application/*" | "*/*" => any = any.max(q),
            _ => {}
        }
    }
    csv > 0.0 && csv > json && csv >= any
}

#[cfg(test)]
mod tests {
    use super::wants_csv;

    fn accept(value: &str) -> bool {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(axum::http::header::ACCEPT, value.parse().unwrap());
        wants_csv(&headers)
    }

    #[test]
    fn csv_is_answered_only_when_preferred_to_json() {
        assert!(accept("text/csv"));
        assert!(accept("Text/CSV; charset=utf-8"));
        assert!(accept("text/csv, application/json;q=0.5"));
        assert!(!accept("application/json, text/csv;q=0.1"));
        assert!(!accept("text/csv;q=0"));
        assert!(accept("text/csv, */*"), "named beats a wildcard");
        assert!(!accept("text/csv, application/json"), "both named: JSON");
        assert!(!accept("text/csv;q=0.5, */*"));
        assert!(!accept("*/*"));
        assert!(!wants_csv(&axum::http::HeaderMap::new()));
    }
}

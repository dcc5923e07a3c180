//! Task commands (function `tasks`): add a task to a milestone, change one.

use super::auth::{Authenticator, require};
use super::problem::Problem;
use super::staff::{
    StaffState, authenticated, command_problem, milestone_key, project_id, task_id, task_problem,
};
use super::{json_body, routes};
use crate::domain::staff::{Action, Staff};
use crate::domain::work::{NewTask, TaskPatch};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{patch, post};

pub fn router(state: StaffState, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::MILESTONE_TASKS, post(add))
        .route(routes::TASK, patch(change))
        .layer(authenticated(auth))
        .with_state(state)
}

/// Adds a task to an open milestone (managers).
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/milestones/{milestone_key}/tasks",
    tag = "tasks",
    params(("project_id" = String, Path), ("milestone_key" = String, Path)),
    request_body(content = NewTask, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 201, description = "The task", body = crate::domain::task::Task, headers(("Location" = String, description = "The task's URL"))),
        super::openapi::Conflicts,
        super::openapi::StaffProblems
    )
)]
pub(crate) async fn add(
    State(state): State<StaffState>,
    staff: Staff,
    Path((id, key)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::AddTask)?;
    let (id, key) = (project_id(&id)?, milestone_key(&key)?);
    let new: NewTask = json_body(&headers, raw)?;
    let task = state
        .commands
        .add_task(&id, key, new, &staff)
        .await
        .map_err(|e| command_problem(e, task_problem))?;
    tracing::info!(project_id = %id, task_id = %task.id, "task added");
    let location = format!("/v1/projects/{id}/tasks/{}", task.id);
    let mut response = (StatusCode::CREATED, Json(task)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Changes a task's status, assignee or due date (managers; a technician,
/// the status of their own tasks).
#[utoipa::path(
    patch,
    path = "/v1/projects/{project_id}/tasks/{task_id}",
    tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body(content = TaskPatch, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The task", body = crate::domain::task::Task), super::openapi::Conflicts, super::openapi::StaffProblems)
)]
pub(crate) async fn change(
    State(state): State<StaffState>,
    staff: Staff,
    Path((id, task)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::ChangeTask)?;
    let (id, task) = (project_id(&id)?, task_id(&task)?);
    let patch: TaskPatch = json_body(&headers, raw)?;
    let task = state
        .commands
        .change_task(&id, task, patch, &staff)
        .await
        .map_err(|e| command_problem(e, task_problem))?;
    tracing::info!(project_id = %id, task_id = %task.id, status = task.status.as_str(), "task changed");
    Ok(Json(task).into_response())
}

//! Task commands (function `tasks`): add a task to a milestone, change one.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, NewTask, TaskPatch};
use super::extract::{JsonBody, MilestonePath, TaskPath};
use super::openapi::{Conflicts, StaffProblems};
use super::problem::Problem;
use super::routes;
use super::staff::{StaffState, authenticated};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
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
        (status = 201, description = "The task", body = body::Task,
            headers(("Location" = String, description = "The task's URL"))),
        Conflicts,
        StaffProblems
    )
)]
pub(crate) async fn add(
    State(state): State<StaffState>,
    staff: Allowed<may::AddTask>,
    MilestonePath(id, key): MilestonePath,
    JsonBody(new): JsonBody<NewTask>,
) -> Result<Response, Problem> {
    let task = state.commands.add_task(&id, &key, new.into(), &staff).await?;
    tracing::info!(project_id = %id, task_id = %task.id, "task added");
    let location = format!("/v1/projects/{id}/tasks/{}", task.id);
    let mut response = (StatusCode::CREATED, Json(body::Task::from(&task))).into_response();
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
    responses((status = 200, description = "The task", body = body::Task), Conflicts, StaffProblems)
)]
pub(crate) async fn change(
    State(state): State<StaffState>,
    staff: Allowed<may::ChangeTask>,
    TaskPath(id, task): TaskPath,
    JsonBody(patch): JsonBody<TaskPatch>,
) -> Result<Json<body::Task>, Problem> {
    let task = state.commands.change_task(&id, task.as_str(), patch.into(), &staff).await?;
    let status = task.status.as_str();
    tracing::info!(project_id = %id, task_id = %task.id, status, "task changed");
    Ok(Json((&task).into()))
}

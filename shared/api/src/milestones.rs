//! Milestone commands (function `milestones`): complete the next milestone,
//! reopen the last one.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, CompleteBody, ReopenBody};
use super::extract::{JsonBody, MilestonePath, OptionalJson};
use super::openapi::{Conflicts, StaffProblems};
use super::problem::Problem;
use super::routes;
use super::staff::{StaffState, authenticated};
use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::post;

pub fn router(state: StaffState, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::COMPLETE_MILESTONE, post(complete))
        .route(routes::REOPEN_MILESTONE, post(reopen))
        .layer(authenticated(auth))
        .with_state(state)
}

/// Completes the next milestone (managers). Completing a completed one is a no-op.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/milestones/{milestone_key}/complete",
    tag = "projects",
    params(("project_id" = String, Path), ("milestone_key" = String, Path)),
    request_body(content = Option<CompleteBody>, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The project", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn complete(
    State(state): State<StaffState>,
    staff: Allowed<may::CompleteMilestone>,
    MilestonePath(id, key): MilestonePath,
    OptionalJson(input): OptionalJson<CompleteBody>,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.complete_milestone(&id, &key, input.into_input()?, &staff).await?;
    let version = project.version;
    tracing::info!(project_id = %id, milestone = key, version, "milestone completed");
    Ok(Json((&project).into()))
}

/// Undoes the last completion before go-live (admins; a reason is required).
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/milestones/{milestone_key}/reopen",
    tag = "projects",
    params(("project_id" = String, Path), ("milestone_key" = String, Path)),
    request_body(content = ReopenBody, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The project", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn reopen(
    State(state): State<StaffState>,
    staff: Allowed<may::ReopenMilestone>,
    MilestonePath(id, key): MilestonePath,
    JsonBody(input): JsonBody<ReopenBody>,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.reopen_milestone(&id, &key, &input.into_reason()?, &staff).await?;
    let version = project.version;
    tracing::info!(project_id = %id, milestone = key, version, "milestone reopened");
    Ok(Json((&project).into()))
}

//! The status of a project (function `activation`): go-live
//! (`POST /v1/projects/{project_id}/activate`), hold, resume and cancel.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, Activation, CancelBody, HoldBody};
use super::extract::{JsonBody, ProjectPath};
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
        .route(routes::ACTIVATE, post(activate))
        .route(routes::HOLD, post(hold))
        .route(routes::RESUME, post(resume))
        .route(routes::CANCEL, post(cancel))
        .layer(authenticated(auth))
        .with_state(state)
}

/// Go-live (*Mise en service*): completes go_live, starts billing from the
/// go-live date, activates the account (the first time), briefs the helpdesk.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/activate",
    tag = "projects",
    params(("project_id" = String, Path)),
    request_body(content = Activation, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The live project", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn activate(
    State(state): State<StaffState>,
    staff: Allowed<may::Activate>,
    ProjectPath(id): ProjectPath,
    JsonBody(input): JsonBody<Activation>,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.activate(&id, input.into(), &staff).await?;
    tracing::info!(project_id = %id, go_live_date = ?project.go_live_date, "project live");
    Ok(Json((&project).into()))
}

/// Puts the project on hold: milestone and task commands are refused and
/// no escalation runs until it resumes. A repeat is a no-op.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/hold",
    tag = "projects",
    params(("project_id" = String, Path)),
    request_body(content = HoldBody, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The project on hold", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn hold(
    State(state): State<StaffState>,
    staff: Allowed<may::HoldProject>,
    ProjectPath(id): ProjectPath,
    JsonBody(input): JsonBody<HoldBody>,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.hold(&id, input.into_request()?, &staff).await?;
    tracing::info!(project_id = %id, "project on hold");
    Ok(Json((&project).into()))
}

/// Resumes a project on hold; its escalations re-arm, time on hold not
/// counted. Resuming a project in progress is a no-op.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/resume",
    tag = "projects",
    params(("project_id" = String, Path)),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The project in progress", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn resume(
    State(state): State<StaffState>,
    staff: Allowed<may::ResumeProject>,
    ProjectPath(id): ProjectPath,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.resume(&id, &staff).await?;
    tracing::info!(project_id = %id, "project resumed");
    Ok(Json((&project).into()))
}

/// Cancels the project (final): billing is told never to activate its
/// subscription. A repeat is a no-op; a live project cannot be cancelled.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/cancel",
    tag = "projects",
    params(("project_id" = String, Path)),
    request_body(content = CancelBody, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The cancelled project", body = body::Project),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn cancel(
    State(state): State<StaffState>,
    staff: Allowed<may::CancelProject>,
    ProjectPath(id): ProjectPath,
    JsonBody(input): JsonBody<CancelBody>,
) -> Result<Json<body::Project>, Problem> {
    let project = state.commands.cancel(&id, &input.into_reason()?, &staff).await?;
    tracing::info!(project_id = %id, "project cancelled");
    Ok(Json((&project).into()))
}

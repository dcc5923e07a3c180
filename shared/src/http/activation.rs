//! Go-live (function `activation`): `POST /v1/projects/{project_id}/activate`.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, Activation};
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

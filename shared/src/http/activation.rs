//! Go-live (function `activation`): `POST /v1/projects/{project_id}/activate`.

use super::auth::{Authenticator, require};
use super::problem::{Kind, Problem};
use super::staff::{StaffState, authenticated, command_problem, project_id};
use super::{json_body, routes};
use crate::domain::activation::{Activation, ActivationError};
use crate::domain::staff::{Action, Staff};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;

pub fn router(state: StaffState, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::ACTIVATE, post(activate))
        .layer(authenticated(auth))
        .with_state(state)
}

fn activation_problem(e: ActivationError) -> Problem {
    match e {
        ActivationError::MilestonesPending { pending } => Problem::new(Kind::MilestonesPending)
            .detail(pending_detail(&pending))
            .with("pending_milestones", pending),
        ActivationError::Invalid(errors) => Problem::from(errors),
    }
}

fn pending_detail(pending: &[crate::domain::milestone::MilestoneKey]) -> String {
    let keys: Vec<&str> = pending.iter().map(|k| k.as_str()).collect();
    format!("complete {} first", keys.join(", "))
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
    responses((status = 200, description = "The live project", body = crate::domain::project::Project), super::openapi::Conflicts, super::openapi::StaffProblems)
)]
pub(crate) async fn activate(
    State(state): State<StaffState>,
    staff: Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::Activate)?;
    let id = project_id(&id)?;
    let input: Activation = json_body(&headers, raw)?;
    let project = state
        .commands
        .activate(&id, input, &staff)
        .await
        .map_err(|e| command_problem(e, activation_problem))?;
    tracing::info!(project_id = %id, go_live_date = ?project.go_live_date, "project live");
    Ok(Json(project).into_response())
}

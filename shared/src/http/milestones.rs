//! Milestone commands (function `milestones`): complete the next milestone,
//! reopen the last one.

use super::auth::{Authenticator, require};
use super::problem::Problem;
use super::staff::{
    StaffState, authenticated, command_problem, milestone_key, milestone_problem, project_id,
};
use super::{body, json_body, parse_json, require_json, routes};
use crate::domain::project::CompleteMilestone;
use crate::domain::staff::{Action, Staff};
use crate::domain::validation::{Errors, MAX_TEXT};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;

pub fn router(state: StaffState, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::COMPLETE_MILESTONE, post(complete))
        .route(routes::REOPEN_MILESTONE, post(reopen))
        .layer(authenticated(auth))
        .with_state(state)
}

#[derive(Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompleteBody {
    note: Option<String>,
    /// Planned installation date, when delivery is confirmed.
    installation_date: Option<NaiveDate>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReopenBody {
    reason: Option<String>,
}

/// An optional JSON body: empty means all defaults.
fn optional_json<T: serde::de::DeserializeOwned + Default>(
    headers: &HeaderMap,
    raw: &Bytes,
) -> Result<T, Problem> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    require_json(headers)?;
    parse_json(raw)
}

/// Completes the next milestone (managers). Completing a completed one is a no-op.
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/milestones/{milestone_key}/complete",
    tag = "projects",
    params(("project_id" = String, Path), ("milestone_key" = String, Path)),
    request_body(content = Option<CompleteBody>, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The project", body = crate::domain::project::Project), super::openapi::Conflicts, super::openapi::StaffProblems)
)]
pub(crate) async fn complete(
    State(state): State<StaffState>,
    staff: Staff,
    Path((id, key)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::CompleteMilestone)?;
    let (id, key) = (project_id(&id)?, milestone_key(&key)?);
    let input: CompleteBody = optional_json(&headers, &body(raw)?)?;
    let mut e = Errors::new();
    e.optional_text("note", input.note.as_deref(), MAX_TEXT);
    e.into_result().map_err(Problem::from)?;
    let input = CompleteMilestone { note: input.note, installation_date: input.installation_date };
    let project = state
        .commands
        .complete_milestone(&id, key, input, &staff)
        .await
        .map_err(|e| command_problem(e, milestone_problem))?;
    tracing::info!(project_id = %id, milestone = key, version = project.version, "milestone completed");
    Ok(Json(project).into_response())
}

/// Undoes the last completion before go-live (admins; a reason is required).
#[utoipa::path(
    post,
    path = "/v1/projects/{project_id}/milestones/{milestone_key}/reopen",
    tag = "projects",
    params(("project_id" = String, Path), ("milestone_key" = String, Path)),
    request_body(content = ReopenBody, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The project", body = crate::domain::project::Project), super::openapi::Conflicts, super::openapi::StaffProblems)
)]
pub(crate) async fn reopen(
    State(state): State<StaffState>,
    staff: Staff,
    Path((id, key)): Path<(String, String)>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::ReopenMilestone)?;
    let (id, key) = (project_id(&id)?, milestone_key(&key)?);
    let input: ReopenBody = json_body(&headers, raw)?;
    let reason = input.reason.ok_or_else(|| Problem::invalid("reason", "is required"))?;
    let mut e = Errors::new();
    e.text("reason", &reason, MAX_TEXT);
    e.into_result().map_err(Problem::from)?;
    let project = state
        .commands
        .reopen_milestone(&id, key, &reason, &staff)
        .await
        .map_err(|e| command_problem(e, milestone_problem))?;
    tracing::info!(project_id = %id, milestone = key, version = project.version, "milestone reopened");
    Ok(Json(project).into_response())
}

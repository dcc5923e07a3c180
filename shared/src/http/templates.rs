//! "Settings → Deployment templates" (function `templates`):
//! `GET` and `PUT /v1/settings/deployment-templates/{service_type}`.

use super::auth::{Authenticator, require};
use super::problem::{Kind, Problem};
use super::staff::{authenticated, commit_failure};
use super::{json_body, routes};
use crate::app::{Templates, TemplatesError};
use crate::domain::staff::{Action, Staff};
use crate::domain::template::{TemplateError, TemplateInput};
use crate::domain::validation::is_machine_key;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use std::sync::Arc;

pub fn router(templates: Arc<Templates>, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::TEMPLATE, get(read).put(replace))
        .layer(authenticated(auth))
        .with_state(templates)
}

fn service_type(raw: &str) -> Result<&str, Problem> {
    if is_machine_key(raw) {
        Ok(raw)
    } else {
        Err(Problem::new(Kind::NotFound).detail("no such service type"))
    }
}

fn problem(e: TemplatesError) -> Problem {
    match e {
        TemplatesError::Rejected(TemplateError::Stale { current }) => {
            Problem::new(Kind::TemplateVersionConflict)
                .detail(e.to_string())
                .with("current_version", current)
        }
        TemplatesError::Rejected(TemplateError::Invalid(errors)) => Problem::from(errors),
        TemplatesError::Store(e) => commit_failure(&e),
    }
}

/// The current template of a service type (the default if none was saved).
#[utoipa::path(
    get,
    path = "/v1/settings/deployment-templates/{service_type}",
    tag = "settings",
    params(("service_type" = String, Path)),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The template", body = crate::domain::template::Template), super::openapi::StaffProblems)
)]
pub(crate) async fn read(
    State(templates): State<Arc<Templates>>,
    staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, Problem> {
    require(&staff, Action::ReadTemplates)?;
    let template = templates.current(service_type(&raw)?).await.map_err(problem)?;
    Ok(Json(template).into_response())
}

/// Saves the next version of a service type's template (admins).
#[utoipa::path(
    put,
    path = "/v1/settings/deployment-templates/{service_type}",
    tag = "settings",
    params(("service_type" = String, Path)),
    request_body(content = TemplateInput, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The saved template", body = crate::domain::template::Template), super::openapi::Conflicts, super::openapi::StaffProblems)
)]
pub(crate) async fn replace(
    State(templates): State<Arc<Templates>>,
    staff: Staff,
    Path(raw): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    require(&staff, Action::WriteTemplates)?;
    let service_type = service_type(&raw)?;
    let input: TemplateInput = json_body(&headers, bytes)?;
    let saved = templates.replace(service_type, input, &staff).await.map_err(problem)?;
    tracing::info!(service_type, version = saved.version, "deployment template saved");
    Ok(Json(saved).into_response())
}

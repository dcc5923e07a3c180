//! "Settings → Deployment templates" (function `templates`):
//! `GET` and `PUT /v1/settings/deployment-templates/{service_type}`.

use super::auth::{Allowed, Authenticator, may};
use super::body::{self, TemplateInput};
use super::extract::{JsonBody, ServiceTypePath};
use super::openapi::{Conflicts, StaffProblems};
use super::problem::Problem;
use super::routes;
use super::staff::authenticated;
use app::Templates;
use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::get;
use std::sync::Arc;

pub fn router(templates: Arc<Templates>, auth: Authenticator) -> Router {
    Router::new()
        .route(routes::TEMPLATE, get(read).put(replace))
        .layer(authenticated(auth))
        .with_state(templates)
}

/// The current template of a service type (the default if none was saved).
#[utoipa::path(
    get,
    path = "/v1/settings/deployment-templates/{service_type}",
    tag = "settings",
    params(("service_type" = String, Path)),
    security(("staff_jwt" = [])),
    responses((status = 200, description = "The template", body = body::Template), StaffProblems)
)]
pub(crate) async fn read(
    State(templates): State<Arc<Templates>>,
    _staff: Allowed<may::ReadTemplates>,
    ServiceTypePath(service_type): ServiceTypePath,
) -> Result<Json<body::Template>, Problem> {
    let template = templates.current(&service_type).await?;
    Ok(Json((&template).into()))
}

/// Saves the next version of a service type's template (admins).
#[utoipa::path(
    put,
    path = "/v1/settings/deployment-templates/{service_type}",
    tag = "settings",
    params(("service_type" = String, Path)),
    request_body(content = TemplateInput, content_type = "application/json"),
    security(("staff_jwt" = [])),
    responses(
        (status = 200, description = "The saved template", body = body::Template),
        Conflicts,
        StaffProblems,
    )
)]
pub(crate) async fn replace(
    State(templates): State<Arc<Templates>>,
    staff: Allowed<may::WriteTemplates>,
    ServiceTypePath(service_type): ServiceTypePath,
    JsonBody(input): JsonBody<TemplateInput>,
) -> Result<Json<body::Template>, Problem> {
    let saved = templates.replace(&service_type, input.into(), &staff).await?;
    tracing::info!(service_type, version = saved.version, "deployment template saved");
    Ok(Json((&saved).into()))
}

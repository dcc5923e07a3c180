//! The customer's status page, `GET /console/status/<token>`: the
//! milestones reached, the planned installation, the projected go-live and
//! the project manager's address, in the customer's language. Its view is
//! built from a closed list of fields, so nothing internal (tasks,
//! assignees, blocked reasons, history) can reach it; any token that does
//! not open a project is the same plain `404`.

use super::ConsoleState;
use super::i18n::Lang;
use super::view::Page;
use app::status_link;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::project::{Project, ProjectStatus};
use serde::Serialize;

pub fn router() -> Router<ConsoleState> {
    Router::new().route(&format!("{}/{{token}}", status_link::PATH), get(status_page))
}

/// What the customer sees, and nothing else.
#[derive(Debug, Serialize)]
pub struct StatusView {
    pub customer: String,
    pub services: String,
    pub status: &'static str,
    pub steps: Vec<Step>,
    pub installation_date: Option<String>,
    pub projected: Option<String>,
    pub live_on: Option<String>,
    pub contact: String,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub name: String,
    pub reached: bool,
    pub date: Option<String>,
}

impl StatusView {
    pub fn of(project: &Project, lang: Lang) -> Self {
        let steps = project
            .milestones
            .iter()
            .map(|m| Step {
                name: lang.pick(&m.name.fr, &m.name.en).to_owned(),
                reached: m.is_completed(),
                date: m.completed_at.map(|at| at.date_naive().to_string()),
            })
            .collect();
        let in_progress = project.status == ProjectStatus::InProgress;
        Self {
            customer: project.account.name.clone(),
            services: project
                .services
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            status: project.status.as_str(),
            steps,
            installation_date: project.installation_date.map(|d| d.to_string()),
            projected: project
                .forecast
                .projected_go_live
                .filter(|_| in_progress)
                .map(|d| d.to_string()),
            live_on: project.go_live_date.map(|d| d.to_string()),
            contact: project.owner.clone(),
        }
    }
}

async fn status_page(State(state): State<ConsoleState>, Path(token): Path<String>) -> Response {
    let now = state.clock.now();
    let Some(id) = verified(&state, &token, now).await else { return not_found() };
    let project = match state.projects.load(&id).await {
        Ok(Some(project)) => project,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "status page: store unavailable");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let lang = Lang::from(project.account.language);
    let view = StatusView::of(&project, lang);
    match state.views.render("status.html", lang, serde_json::json!({ "s": view })) {
        Ok(html) => Page::ok(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "status page cannot be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The project a token opens; verified again after reading the secret
/// anew, in case the dispatcher signed it with one rotated in since.
async fn verified(
    state: &ConsoleState,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<domain::ProjectId> {
    let check = |secrets: &[config::Secret]| status_link::verify(secrets, token, now);
    app::secrets::check_fresh(&*state.secrets, check, Option::is_none).await.ok()?.0
}

/// The same bare `404` for every token that opens nothing: no hint of why.
fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(axum::http::header::CONTENT_TYPE, "text/plain")], "Not Found")
        .into_response()
}

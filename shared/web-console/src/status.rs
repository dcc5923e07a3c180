//! The customer's status page, `GET /console/status/<token>`: the
//! milestones reached, the planned installation, the projected go-live and
//! the project manager's address, in the customer's language. Its view is
//! built from a closed list of fields, so nothing internal (tasks,
//! assignees, blocked reasons, history) can reach it; any token that does
//! not open a project is the same plain `404`.

use super::ConsoleState;
use super::i18n::{Lang, Strings};
use super::routes;
use super::view::Page;
use app::status_link;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use domain::project::{Project, ProjectStatus};

pub fn router() -> Router<ConsoleState> {
    Router::new().route(&routes::pattern::status(), get(status_page))
}

/// The status page, in the customer's language (no console layout).
#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    t: &'static Strings,
    lang: Lang,
    s: StatusView,
}

/// What the customer sees, and nothing else: copied out of the project
/// field by field, so that nothing else can reach the template.
#[derive(Debug)]
pub struct StatusView {
    pub customer: String,
    pub services: String,
    pub status: ProjectStatus,
    pub steps: Vec<Step>,
    pub installation_date: Option<NaiveDate>,
    pub projected: Option<NaiveDate>,
    pub live_on: Option<NaiveDate>,
    pub contact: String,
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub reached: bool,
    pub date: Option<NaiveDate>,
}

impl StatusView {
    pub fn of(project: &Project, lang: Lang) -> Self {
        let steps = project
            .milestones
            .iter()
            .map(|m| Step {
                name: lang.pick(&m.name.fr, &m.name.en).to_owned(),
                reached: m.is_completed(),
                date: m.completed_at.map(|at| at.date_naive()),
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
            status: project.status,
            steps,
            installation_date: project.installation_date,
            projected: project.forecast.projected_go_live.filter(|_| in_progress),
            live_on: project.go_live_date,
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
    let view = StatusPage { t: Strings::of(lang), lang, s: StatusView::of(&project, lang) };
    match Page::render(StatusCode::OK, &view) {
        Some(page) => page.into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
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

//! The console's screens, one module each. Every handler takes the member
//! from the session ([`Member`], or [`Posted`] for a form with its CSRF
//! token), checks the API's permission for its action, calls the use case
//! in-process and renders a whole page; htmx swaps it in place when
//! JavaScript runs. A domain refusal re-renders the page with a readable
//! message and the API's status code.

mod analytics;
mod project;
mod projects;
mod refusal;
mod tasks;
mod templates;

use super::ConsoleState;
use super::i18n::Lang;
use super::session::Member;
use super::view::Page;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::staff::{Action, Role};
use serde::Serialize;
use serde_json::{Map, Value, json};

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .merge(projects::router())
        .merge(project::router())
        .merge(tasks::router())
        .merge(templates::router())
        .merge(analytics::router())
}

/// Managers and admins start on the projects; technicians on their tasks.
async fn home(member: Member) -> Redirect {
    match member.may(Action::ListProjects) {
        true => Redirect::to("/console/projects"),
        false => Redirect::to("/console/my-tasks"),
    }
}

/// A message shown at the top of a page.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub kind: &'static str,
    pub text: String,
    pub items: Vec<String>,
}

impl Notice {
    pub fn error(text: String, items: Vec<String>) -> Self {
        Self { kind: "error", text, items }
    }
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    Unavailable,
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The member may attempt `action` (the API's rule), or a `403` page.
pub fn allow(member: &Member, action: Action) -> Result<(), PageError> {
    member.may(action).then_some(()).ok_or(PageError::Forbidden)
}

/// What every page of a signed-in member shows around its content.
fn frame(member: &Member, section: &str) -> Map<String, Value> {
    let here_q: String = form_urlencoded::byte_serialize(member.here.as_bytes()).collect();
    let oversees = member.has(Role::Manager) || member.has(Role::Admin);
    let me = json!({ "sub": member.sub, "oversees": oversees });
    let mut frame = Map::new();
    frame.insert("me".into(), me);
    frame.insert("csrf".into(), member.csrf.clone().into());
    frame.insert("here".into(), member.here.clone().into());
    frame.insert("here_q".into(), here_q.into());
    frame.insert("section".into(), section.into());
    frame
}

/// Renders `template` for `member` with `context` (an object) and the frame.
pub fn page(
    state: &ConsoleState,
    member: &Member,
    (template, section): (&str, &str),
    status: StatusCode,
    context: Value,
) -> Response {
    let mut all = frame(member, section);
    if let Value::Object(context) = context {
        all.extend(context);
    }
    match state.views.render(template, member.lang, Value::Object(all)) {
        Ok(html) => Page { status, html }.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console page cannot be rendered");
            error_page(state, Some(member), member.lang, PageError::Unavailable)
        }
    }
}

/// The page of a [`PageError`].
pub fn error_page(
    state: &ConsoleState,
    member: Option<&Member>,
    lang: Lang,
    error: PageError,
) -> Response {
    let status = error.status();
    let key = match error {
        PageError::NotFound => "error_404",
        PageError::Forbidden => "error_403",
        PageError::Unavailable => "error_503",
    };
    let mut context = member.map(|m| frame(m, "")).unwrap_or_default();
    context.insert("code".into(), status.as_u16().into());
    context.insert("message_key".into(), key.into());
    match state.views.render("error.html", lang, Value::Object(context)) {
        Ok(html) => Page { status, html }.into_response(),
        Err(_) => status.into_response(),
    }
}

/// Turns a page's result into its response.
pub fn respond(
    state: &ConsoleState,
    member: &Member,
    result: Result<Response, PageError>,
) -> Response {
    result.unwrap_or_else(|e| error_page(state, Some(member), member.lang, e))
}

/// A use case's store failure: logged, and a `503` page without detail.
pub fn unavailable(e: impl std::fmt::Display) -> PageError {
    tracing::error!(error = %e, "console: store unavailable");
    PageError::Unavailable
}

/// A refusal is shown on the page of what was refused, not at the form's
/// action: the member as if there (the language switch comes back to it),
/// and what marks the response so (htmx then shows that address, so a
/// reload or Back never re-posts).
pub fn shown_at(member: &Member, path: String) -> (Member, impl FnOnce(Response) -> Response) {
    let mut at = member.clone();
    at.here = path.clone();
    let mark = move |mut response: Response| {
        if let Ok(value) = axum::http::HeaderValue::from_str(&path) {
            response.headers_mut().insert("hx-replace-url", value);
        }
        response
    };
    (at, mark)
}

/// The state of the router, for handlers that only render.
pub type St = State<ConsoleState>;

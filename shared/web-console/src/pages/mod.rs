//! The console's screens, one module each, each with its view (a struct
//! deriving `Template`). Every handler takes the member from the session
//! ([`Member`], or [`Posted`](crate::session::Posted) for a form with its
//! CSRF token), checks the API's permission for its action, calls the use
//! case in-process and renders a whole page; htmx swaps it in place when
//! JavaScript runs. A refusal re-renders the page with a readable message
//! and the API's status code ([`refusal`]).

mod analytics;
mod project;
mod projects;
mod refusal;
mod tasks;
mod templates;

use super::ConsoleState;
use super::i18n::{Lang, Strings};
use super::routes;
use super::session::Member;
use super::view::{ErrorPage, Frame, Page};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::staff::Action;

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route(routes::BASE, get(home))
        .route(routes::home(), get(home))
        .merge(projects::router())
        .merge(project::router())
        .merge(tasks::router())
        .merge(templates::router())
        .merge(analytics::router())
}

/// Managers and admins start on the projects; technicians on their tasks.
async fn home(member: Member) -> Redirect {
    match member.may(Action::ListProjects) {
        true => Redirect::to(routes::projects()),
        false => Redirect::to(routes::my_tasks()),
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

/// `view`, a page of `member`'s, with `status`; the `503` page if it
/// cannot be rendered.
pub fn page(member: &Member, status: StatusCode, view: &impl Template) -> Response {
    match Page::render(status, view) {
        Some(page) => page.into_response(),
        None => error_page(Some(member), member.lang, PageError::Unavailable),
    }
}

/// The page of a [`PageError`].
pub fn error_page(member: Option<&Member>, lang: Lang, error: PageError) -> Response {
    let t = Strings::of(lang);
    let status = error.status();
    let message = match error {
        PageError::NotFound => t.error_404,
        PageError::Forbidden => t.error_403,
        PageError::Unavailable => t.error_503,
    };
    let frame = match member {
        Some(member) => Frame::of(member, crate::view::Section::None),
        None => Frame::outside(lang, ""),
    };
    let view = ErrorPage { t, frame, code: status.as_u16(), message, retry: None };
    match Page::render(status, &view) {
        Some(page) => page.into_response(),
        None => status.into_response(),
    }
}

/// Turns a page's result into its response.
pub fn respond(member: &Member, result: Result<Response, PageError>) -> Response {
    result.unwrap_or_else(|e| error_page(Some(member), member.lang, e))
}

/// A query's store failure: logged, and a `503` page without detail.
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

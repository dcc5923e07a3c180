//! Projects: the portfolio, filtered by status, health and owner, with
//! target against projected go-live; a page at a time.

use super::{PageError, allow, page, respond, unavailable};
use crate::ConsoleState;
use crate::i18n::Strings;
use crate::routes;
use crate::session::Member;
use crate::view::{Frame, Section};
use app::ports::{PageRequest, ProjectFilter};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::forecast::Health;
use domain::project::{ProjectOverview, ProjectStatus};
use domain::staff::Action;
use serde::Deserialize;

/// Projects per page.
const PAGE: usize = 25;
/// The filters' choices, in the order the form offers them.
const STATUSES: [ProjectStatus; 4] = [
    ProjectStatus::InProgress,
    ProjectStatus::OnHold,
    ProjectStatus::Cancelled,
    ProjectStatus::Live,
];
const HEALTHS: [Health; 3] = [Health::OnTrack, Health::AtRisk, Health::Late];

pub fn router() -> Router<ConsoleState> {
    Router::new().route(routes::projects(), get(projects))
}

/// The portfolio page: the filters as chosen, a page of projects, the
/// links to the first and the next page.
#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    status: Option<ProjectStatus>,
    health: Option<Health>,
    mine: bool,
    projects: &'a [ProjectOverview],
    paged: bool,
    first_href: String,
    next_href: Option<String>,
}

#[derive(Deserialize, Default)]
struct Filters {
    status: Option<String>,
    health: Option<String>,
    owner: Option<String>,
    cursor: Option<String>,
}

fn parse_status(raw: &str) -> Option<ProjectStatus> {
    STATUSES.into_iter().find(|s| s.as_str() == raw)
}

fn parse_health(raw: &str) -> Option<Health> {
    HEALTHS.into_iter().find(|h| h.as_str() == raw)
}

async fn projects(
    State(state): State<ConsoleState>,
    member: Member,
    Query(f): Query<Filters>,
) -> Response {
    let result = list(&state, &member, f).await;
    respond(&member, result)
}

async fn list(state: &ConsoleState, member: &Member, f: Filters) -> Result<Response, PageError> {
    allow(member, Action::ListProjects)?;
    let status = f.status.as_deref().and_then(parse_status);
    let health = f.health.as_deref().and_then(parse_health);
    let mine = f.owner.as_deref() == Some("me");
    let filter =
        ProjectFilter { status, account_id: None, health, owner: mine.then(|| member.sub.clone()) };
    let cursor = f.cursor.filter(|c| !c.is_empty() && c.len() <= 2048);
    let paged = cursor.is_some();
    let found = state.queries.projects(&filter, PageRequest { cursor, limit: PAGE }).await;
    let found = match found {
        Err(app::QueryError::InvalidCursor) => return Err(PageError::NotFound),
        other => other.map_err(unavailable)?,
    };
    let query = |cursor: Option<&str>| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        status.map(|s| q.append_pair("status", s.as_str()));
        health.map(|h| q.append_pair("health", h.as_str()));
        if mine {
            q.append_pair("owner", "me");
        }
        cursor.map(|c| q.append_pair("cursor", c));
        format!("{}?{}", routes::projects(), q.finish())
    };
    let view = ProjectsPage {
        t: Strings::of(member.lang),
        frame: Frame::of(member, Section::Projects),
        status,
        health,
        mine,
        projects: &found.items,
        paged,
        first_href: query(None),
        next_href: found.next_cursor.as_deref().map(|c| query(Some(c))),
    };
    Ok(page(member, StatusCode::OK, &view))
}

//! Projects: the portfolio, filtered by status, health and owner, with
//! target against projected go-live; a page at a time.

use super::{PageError, allow, page, respond, unavailable};
use crate::ConsoleState;
use crate::session::Member;
use app::ports::{PageRequest, ProjectFilter};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::forecast::Health;
use domain::project::{ProjectOverview, ProjectStatus};
use domain::staff::Action;
use serde::Deserialize;
use serde_json::{Value, json};

/// Projects per page.
const PAGE: usize = 25;

pub fn router() -> Router<ConsoleState> {
    Router::new().route("/console/projects", get(projects))
}

#[derive(Deserialize, Default)]
struct Filters {
    status: Option<String>,
    health: Option<String>,
    owner: Option<String>,
    cursor: Option<String>,
}

fn parse_status(raw: &str) -> Option<ProjectStatus> {
    use ProjectStatus::*;
    [InProgress, OnHold, Cancelled, Live].into_iter().find(|s| s.as_str() == raw)
}

fn parse_health(raw: &str) -> Option<Health> {
    use Health::*;
    [OnTrack, AtRisk, Late].into_iter().find(|h| h.as_str() == raw)
}

async fn projects(
    State(state): State<ConsoleState>,
    member: Member,
    Query(f): Query<Filters>,
) -> Response {
    let result = list(&state, &member, f).await;
    respond(&state, &member, result)
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
        format!("/console/projects?{}", q.finish())
    };
    let context = json!({
        "filter": {
            "status": status.map(|s| s.as_str()),
            "health": health.map(|h| h.as_str()),
            "mine": mine,
        },
        "projects": found.items.iter().map(row).collect::<Vec<_>>(),
        "paged": paged,
        "first_href": query(None),
        "next_href": found.next_cursor.as_deref().map(|c| query(Some(c))),
    });
    Ok(page(state, member, ("projects.html", "projects"), StatusCode::OK, context))
}

fn row(p: &ProjectOverview) -> Value {
    json!({
        "id": p.id.as_str(),
        "customer": p.account.name,
        "line_id": p.line_id,
        "services": p.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
        "owner": p.owner,
        "status": p.status.as_str(),
        "health": p.forecast.health.as_str(),
        "target": p.target_go_live.to_string(),
        "projected": p.forecast.projected_go_live.map(|d| d.to_string()),
        "completed": p.progress.completed,
        "total": p.progress.total,
    })
}

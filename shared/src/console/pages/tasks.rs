//! My tasks (everyone's own, soonest due first) and, for managers and
//! admins, the blocked and overdue tasks of the whole team with their age,
//! escalation level and category.

use super::{PageError, allow, page, respond, unavailable};
use crate::app::queries::Assignee;
use crate::console::ConsoleState;
use crate::console::session::Member;
use crate::domain::lifecycle::Category;
use crate::domain::staff::{Action, Role};
use crate::domain::task::{AssignedTask, TaskStatus};
use crate::ports::PageRequest;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

/// Most tasks a list shows (the listings' largest page).
const LIMIT: usize = 100;

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route("/console/my-tasks", get(my_tasks))
        .route("/console/attention", get(attention))
}

async fn my_tasks(State(state): State<ConsoleState>, member: Member) -> Response {
    let result = async {
        allow(&member, Action::ListTasks)?;
        // Open tasks by status: done ones would crowd them out of a page.
        let mut mine = Vec::new();
        for status in [TaskStatus::Blocked, TaskStatus::InProgress, TaskStatus::Todo] {
            let request = PageRequest { cursor: None, limit: LIMIT };
            let found = state.queries.tasks(Assignee::Me, Some(status), &member.staff, request);
            mine.extend(found.await.map_err(unavailable)?.items);
        }
        mine.sort_by_key(|t| t.task.due_date);
        let now = state.clock.now();
        let open: Vec<Value> = mine.iter().map(|t| row(t, now)).collect();
        let groups = json!([{ "title_key": null, "empty_key": "no_my_tasks", "tasks": open }]);
        let context =
            json!({ "title_key": "my_tasks_title", "groups": groups, "attention": false });
        Ok(page(&state, &member, ("tasks.html", "my_tasks"), StatusCode::OK, context))
    }
    .await;
    respond(&state, &member, result)
}

async fn attention(State(state): State<ConsoleState>, member: Member) -> Response {
    let result = async {
        allow(&member, Action::ListTasks)?;
        if !(member.has(Role::Manager) || member.has(Role::Admin)) {
            return Err(PageError::Forbidden);
        }
        let now = state.clock.now();
        let blocked = team(&state, &member, TaskStatus::Blocked).await?;
        let mut overdue = team(&state, &member, TaskStatus::Todo).await?;
        overdue.extend(team(&state, &member, TaskStatus::InProgress).await?);
        // Listed soonest due first: the overdue ones lead each list.
        overdue.retain(|t| t.task.due_date < now.date_naive());
        overdue.sort_by_key(|t| t.task.due_date);
        let groups = json!([
            { "title_key": "blocked_tasks", "empty_key": "no_tasks",
              "tasks": blocked.iter().map(|t| row(t, now)).collect::<Vec<_>>() },
            { "title_key": "overdue_tasks", "empty_key": "no_tasks",
              "tasks": overdue.iter().map(|t| row(t, now)).collect::<Vec<_>>() },
        ]);
        let context =
            json!({ "title_key": "attention_title", "groups": groups, "attention": true });
        Ok(page(&state, &member, ("tasks.html", "attention"), StatusCode::OK, context))
    }
    .await;
    respond(&state, &member, result)
}

/// The team's tasks of one status.
async fn team(
    state: &ConsoleState,
    member: &Member,
    status: TaskStatus,
) -> Result<Vec<AssignedTask>, PageError> {
    let request = PageRequest { cursor: None, limit: LIMIT };
    let found = state.queries.tasks(Assignee::Anyone, Some(status), &member.staff, request).await;
    Ok(found.map_err(unavailable)?.items)
}

fn row(t: &AssignedTask, now: DateTime<Utc>) -> Value {
    let task = &t.task;
    let age = match task.blocked_since {
        Some(since) => (now - since).num_days(),
        None => days_between(task.due_date, now.date_naive()),
    };
    json!({
        "id": task.id.as_str(), "project_id": t.project_id.as_str(), "title": task.title,
        "assignee": task.assignee, "due_date": task.due_date.to_string(),
        "status": task.status.as_str(), "blocked_reason": task.blocked_reason,
        "blocked_category": task.blocked_category.map(Category::as_str),
        "escalation_level": task.escalation_level, "age_days": age.max(0),
    })
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

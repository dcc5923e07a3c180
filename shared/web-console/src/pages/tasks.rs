//! My tasks (everyone's own, soonest due first) and, for managers and
//! admins, the blocked and overdue tasks of the whole team with their age,
//! escalation level and category.

use super::{PageError, allow, page, respond, unavailable};
use crate::ConsoleState;
use crate::session::Member;
use app::ports::PageRequest;
use app::queries::Assignee;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use domain::hold_and_cancel::Category;
use domain::staff::{Action, Role};
use domain::task::{AssignedTask, TaskStatus};
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
        let mut mine = Listed::default();
        for status in [TaskStatus::Blocked, TaskStatus::InProgress, TaskStatus::Todo] {
            mine.extend(tasks(&state, &member, Assignee::Me, status).await?);
        }
        mine.tasks.sort_by_key(|t| t.task.due_date);
        let now = state.clock.now();
        let groups = json!([mine.group(None, "no_my_tasks", now)]);
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
        let is_overdue = |t: &AssignedTask| t.task.due_date < now.date_naive();
        let blocked = tasks(&state, &member, Assignee::Anyone, TaskStatus::Blocked).await?;
        let mut overdue = Listed::default();
        for status in [TaskStatus::Todo, TaskStatus::InProgress] {
            // Listed soonest due first: the overdue ones lead each list, and
            // more are overdue only if the last one listed is.
            let mut found = tasks(&state, &member, Assignee::Anyone, status).await?;
            found.more &= found.tasks.last().is_some_and(is_overdue);
            overdue.extend(found);
        }
        overdue.tasks.retain(is_overdue);
        overdue.tasks.sort_by_key(|t| t.task.due_date);
        let groups = json!([
            blocked.group(Some("blocked_tasks"), "no_tasks", now),
            overdue.group(Some("overdue_tasks"), "no_tasks", now),
        ]);
        let context =
            json!({ "title_key": "attention_title", "groups": groups, "attention": true });
        Ok(page(&state, &member, ("tasks.html", "attention"), StatusCode::OK, context))
    }
    .await;
    respond(&state, &member, result)
}

/// Tasks listed on a page, and whether the listings had more than it shows.
#[derive(Default)]
struct Listed {
    tasks: Vec<AssignedTask>,
    more: bool,
}

impl Listed {
    fn extend(&mut self, other: Listed) {
        self.tasks.extend(other.tasks);
        self.more |= other.more;
    }

    fn group(&self, title_key: Option<&str>, empty_key: &str, now: DateTime<Utc>) -> Value {
        let rows: Vec<Value> = self.tasks.iter().map(|t| row(t, now)).collect();
        json!({ "title_key": title_key, "empty_key": empty_key, "tasks": rows, "more": self.more })
    }
}

/// The first page of the tasks of one status (`who`'s, or the team's).
async fn tasks(
    state: &ConsoleState,
    member: &Member,
    who: Assignee,
    status: TaskStatus,
) -> Result<Listed, PageError> {
    let request = PageRequest { cursor: None, limit: LIMIT };
    let found = state.queries.tasks(who, Some(status), &member.staff, request).await;
    let page = found.map_err(unavailable)?;
    Ok(Listed { tasks: page.items, more: page.next_cursor.is_some() })
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

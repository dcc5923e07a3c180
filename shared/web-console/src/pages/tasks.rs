//! My tasks (everyone's own, soonest due first) and, for managers and
//! admins, the blocked and overdue tasks of the whole team with their age,
//! escalation level and category.

use super::{PageError, allow, page, respond, unavailable};
use crate::ConsoleState;
use crate::i18n::Strings;
use crate::routes;
use crate::session::Member;
use crate::view::{Frame, Section};
use app::ports::PageRequest;
use app::queries::Assignee;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use domain::staff::Action;
use domain::task::{AssignedTask, TaskStatus};

/// Most tasks a list shows (the listings' largest page).
const LIMIT: usize = 100;

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route(routes::my_tasks(), get(my_tasks))
        .route(routes::attention(), get(attention))
}

/// A page of task lists: the member's own, or the team's blocked and
/// overdue ones (`attention`: with their age, escalation and category).
#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    title: &'static str,
    groups: Vec<Group<'a>>,
    attention: bool,
}

struct Group<'a> {
    /// `None`: the page's title names the only list.
    heading: Option<&'static str>,
    /// What an empty list says.
    empty: &'static str,
    rows: Vec<Row<'a>>,
    /// The listings had more than the page shows.
    more: bool,
}

struct Row<'a> {
    listed: &'a AssignedTask,
    /// Days blocked, or overdue.
    age_days: i64,
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
        let t = Strings::of(member.lang);
        let groups = vec![mine.group(None, t.no_my_tasks, state.clock.now())];
        let frame = Frame::of(&member, Section::MyTasks);
        let view = TasksPage { t, frame, title: t.my_tasks_title, groups, attention: false };
        Ok(page(&member, StatusCode::OK, &view))
    }
    .await;
    respond(&member, result)
}

async fn attention(State(state): State<ConsoleState>, member: Member) -> Response {
    let result = async {
        allow(&member, Action::ListTasks)?;
        if !member.oversees() {
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
        let t = Strings::of(member.lang);
        let groups = vec![
            blocked.group(Some(t.blocked_tasks), t.no_tasks, now),
            overdue.group(Some(t.overdue_tasks), t.no_tasks, now),
        ];
        let frame = Frame::of(&member, Section::Attention);
        let view = TasksPage { t, frame, title: t.attention_title, groups, attention: true };
        Ok(page(&member, StatusCode::OK, &view))
    }
    .await;
    respond(&member, result)
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

    fn group(
        &self,
        heading: Option<&'static str>,
        empty: &'static str,
        now: DateTime<Utc>,
    ) -> Group<'_> {
        let rows = self.tasks.iter().map(|listed| Row { listed, age_days: age(listed, now) });
        Group { heading, empty, rows: rows.collect(), more: self.more }
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

/// How long a task has been blocked, or else overdue, in days.
fn age(t: &AssignedTask, now: DateTime<Utc>) -> i64 {
    let task = &t.task;
    let age = match task.blocked_since {
        Some(since) => (now - since).num_days(),
        None => days_between(task.due_date, now.date_naive()),
    };
    age.max(0)
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

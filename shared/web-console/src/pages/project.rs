//! A project: customer, contact, services and sites; its milestones as a
//! stepper with the next allowed action; tasks per milestone; go-live,
//! hold, resume and cancel; the customer mails and events with their
//! delivery state; the history. Each form posts to its own route, which
//! applies the command and comes back here (or shows the refusal here).

use super::refusal::{self, Refused};
use super::{PageError, allow, error_page, page, respond, unavailable};
use crate::ConsoleState;
use crate::i18n::Strings;
use crate::routes::{self, pattern};
use crate::session::{Fields, Member, Posted};
use crate::view::{Frame, Notice, Section};
use api::problem::Problem;
use app::QueryError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use domain::activation::{Activation, ServiceSummary};
use domain::analytics::CATEGORIES;
use domain::history::HistoryEntry;
use domain::hold_and_cancel::{Category, HoldRequest};
use domain::milestone::{CustomerMail, Milestone};
use domain::milestone_changes::CompleteMilestone;
use domain::outbox::{Delivery, OutboxMessage, OutboxRecord};
use domain::project::{Project, ProjectStatus};
use domain::staff::{Action, Role};
use domain::task::{Task, TaskStatus};
use domain::task_changes::{NewTask, TaskPatch};
use domain::validation::is_machine_key;
use domain::{ProjectId, TaskId};

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route(pattern::PROJECT, get(show))
        .route(pattern::COMPLETE, post(complete))
        .route(pattern::REOPEN, post(reopen))
        .route(pattern::ADD_TASK, post(add_task))
        .route(pattern::TASK, post(change_task))
        .route(pattern::ACTIVATE, post(activate))
        .route(pattern::HOLD, post(hold))
        .route(pattern::RESUME, post(resume))
        .route(pattern::CANCEL, post(cancel))
}

const TASK_STATUSES: [TaskStatus; 4] =
    [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Blocked, TaskStatus::Done];

/// The project page.
#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    csrf: &'a str,
    p: &'a Project,
    milestones: Vec<MilestoneRow<'a>>,
    may: May,
    today: NaiveDate,
    /// The customer's mails and the events: the team's view only.
    deliveries: Option<Vec<DeliveryRow<'a>>>,
    /// Newest first.
    history: Vec<&'a HistoryEntry>,
}

/// A milestone as the stepper shows it, with what may be done to it now.
struct MilestoneRow<'a> {
    m: &'a Milestone,
    /// Its name in the member's language.
    name: &'a str,
    state: Step,
    /// Delivery confirmed: completing it asks for the installation date.
    needs_installation_date: bool,
    /// The last completed milestone, which an admin may reopen.
    reopenable: bool,
    may_add_task: bool,
    tasks: Vec<TaskRow<'a>>,
}

/// Where a milestone stands in the stepper.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Done,
    Current,
    Pending,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Current => "current",
            Self::Pending => "pending",
        }
    }

    fn name(self, t: &Strings) -> &'static str {
        match self {
            Self::Done => t.done,
            Self::Current => t.current,
            Self::Pending => t.pending,
        }
    }

    fn is_current(self) -> bool {
        self == Self::Current
    }
}

struct TaskRow<'a> {
    k: &'a Task,
    overdue: bool,
    may_change: bool,
    may_reschedule: bool,
}

/// The actions this member may attempt on this project now.
struct May {
    complete: bool,
    activate: bool,
    hold: bool,
    resume: bool,
    cancel: bool,
}

/// A customer mail or an event of the project, with its delivery.
struct DeliveryRow<'a> {
    created: DateTime<Utc>,
    mail: bool,
    /// The mail's template, or the event's detail type.
    label: &'a str,
    to: Option<&'a str>,
    state: Delivered,
    at: Option<DateTime<Utc>>,
    reason: Option<&'a str>,
    attempts: Option<u32>,
}

impl DeliveryRow<'_> {
    fn kind_name(&self, t: &Strings) -> &'static str {
        if self.mail { t.mail } else { t.event }
    }
}

#[derive(Clone, Copy)]
enum Delivered {
    Pending,
    Sent,
    Failed,
}

impl Delivered {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    fn name(self, t: &Strings) -> &'static str {
        match self {
            Self::Pending => t.delivery_pending,
            Self::Sent => t.delivery_sent,
            Self::Failed => t.delivery_failed,
        }
    }
}

fn project_id(raw: &str) -> Result<ProjectId, PageError> {
    ProjectId::is_well_formed(raw).then(|| ProjectId::from_raw(raw)).ok_or(PageError::NotFound)
}

async fn show(
    State(state): State<ConsoleState>,
    member: Member,
    Path(id): Path<String>,
) -> Response {
    let result = match project_id(&id) {
        Ok(id) => render(&state, &member, &id, StatusCode::OK, None).await,
        Err(e) => Err(e),
    };
    respond(&member, result)
}

/// The project page, with `notice` on top.
async fn render(
    state: &ConsoleState,
    member: &Member,
    id: &ProjectId,
    status: StatusCode,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    allow(member, Action::ViewProject)?;
    let view = match state.queries.project(id, &member.staff).await {
        Ok(view) => view,
        Err(QueryError::NotFound | QueryError::Forbidden) => return Err(PageError::NotFound),
        Err(e) => return Err(unavailable(e)),
    };
    // The customer's mail and the events are the team's view, not a technician's.
    let deliveries = match member.oversees() {
        true => Some(state.outbox.project_outbox(id).await.map_err(unavailable)?),
        false => None,
    };
    let p = &view.project;
    let today = state.clock.now().date_naive();
    let notice = notice.map(|n| named(n, p, member));
    let page_view = ProjectPage {
        t: Strings::of(member.lang),
        frame: Frame::of(member, Section::Projects).with_notice(notice),
        csrf: &member.csrf,
        p,
        milestones: milestones(p, member, today),
        may: permissions(p, member),
        today,
        deliveries: deliveries.as_deref().map(|d| d.iter().map(delivery).collect()),
        history: view.history.iter().rev().collect(),
    };
    Ok(page(member, status, &page_view))
}

/// A refusal naming milestones by key names them as the member reads them.
fn named(mut notice: Notice, p: &Project, member: &Member) -> Notice {
    for item in &mut notice.items {
        if let Some(m) = p.milestone(item) {
            *item = member.lang.pick(&m.name.fr, &m.name.en).to_owned();
        }
    }
    notice
}

fn milestones<'a>(p: &'a Project, member: &Member, today: NaiveDate) -> Vec<MilestoneRow<'a>> {
    let current = p.next_milestone().map(|m| &m.key);
    let running = p.status == ProjectStatus::InProgress;
    // The last completed milestone, while the project runs.
    let reopenable = (member.may(Action::ReopenMilestone) && running)
        .then(|| p.milestones.iter().rev().find(|m| m.is_completed()).map(|m| &m.key))
        .flatten();
    p.milestones
        .iter()
        .map(|m| {
            let state = match (m.is_completed(), Some(&m.key) == current && running) {
                (true, _) => Step::Done,
                (false, true) => Step::Current,
                (false, false) => Step::Pending,
            };
            let tasks = p.tasks.iter().filter(|t| t.milestone_key == m.key);
            MilestoneRow {
                m,
                name: member.lang.pick(&m.name.fr, &m.name.en),
                state,
                needs_installation_date: m.customer_mail == Some(CustomerMail::DeliveryConfirmed),
                reopenable: reopenable == Some(&m.key),
                may_add_task: member.may(Action::AddTask) && state != Step::Done && running,
                tasks: tasks.map(|t| task(t, member, today)).collect(),
            }
        })
        .collect()
}

fn task<'a>(k: &'a Task, member: &Member, today: NaiveDate) -> TaskRow<'a> {
    TaskRow {
        k,
        overdue: k.due_date < today && k.status != TaskStatus::Done,
        may_change: member.may(Action::ChangeTask) && member.may_change_task(&k.assignee, false),
        may_reschedule: member.may_change_task(&k.assignee, true),
    }
}

fn permissions(p: &Project, member: &Member) -> May {
    let running = p.status == ProjectStatus::InProgress;
    May {
        complete: running && member.may(Action::CompleteMilestone),
        activate: running && member.may(Action::Activate),
        hold: running && member.may(Action::HoldProject),
        resume: p.status == ProjectStatus::OnHold && member.may(Action::ResumeProject),
        cancel: !p.status.is_final() && member.may(Action::CancelProject),
    }
}

fn delivery(record: &OutboxRecord) -> DeliveryRow<'_> {
    let (mail, label, to) = match &record.entry.message {
        OutboxMessage::Mail { template, to, .. } => (true, template.slug(), Some(to.as_str())),
        OutboxMessage::Event { detail_type, .. } => (false, detail_type.as_str(), None),
    };
    let (state, at, reason, attempts) = match &record.delivery {
        Delivery::Pending { attempts, last_error } => {
            (Delivered::Pending, None, last_error.as_deref(), *attempts)
        }
        Delivery::Sent { at } => (Delivered::Sent, Some(*at), None, 0),
        Delivery::Failed { at, reason } => (Delivered::Failed, Some(*at), Some(reason.as_str()), 0),
    };
    DeliveryRow {
        created: record.entry.created_at,
        mail,
        label,
        to,
        state,
        at,
        // An empty reason says nothing: none is shown.
        reason: reason.filter(|r| !r.is_empty()),
        attempts: (attempts > 0).then_some(attempts),
    }
}

/// Applies a posted command; back to the project on success, or the
/// project page with the refusal (the API's status and words for it).
async fn apply<T, E>(
    state: &ConsoleState,
    posted: &Posted,
    raw_id: &str,
    action: Action,
    command: impl AsyncFnOnce(&ProjectId) -> Result<T, app::CommandError<E>>,
) -> Response
where
    Problem: From<app::CommandError<E>>,
{
    let member = &posted.member;
    let result = async {
        let id = project_id(raw_id)?;
        allow(member, action)?;
        match command(&id).await {
            Ok(_) => Ok(Redirect::to(&routes::project(&id)).into_response()),
            Err(e) => match refusal::refused(Problem::from(e), member.lang) {
                Refused::Page(e) => Err(e),
                // A project the member cannot see is the 404 page there.
                Refused::Message(status, notice) => {
                    let (at, page) = super::shown_at(member, routes::project(&id));
                    Ok(page(render(state, &at, &id, status, Some(notice)).await?))
                }
            },
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(Some(member), member.lang, e))
}

fn date(fields: &Fields, name: &str) -> Option<NaiveDate> {
    fields.get(name).and_then(|d| d.parse().ok())
}

fn milestone_key(key: &str) -> String {
    // An odd key finds no milestone: the domain answers with its 404.
    if is_machine_key(key) { key.to_owned() } else { String::new() }
}

async fn complete(
    State(state): State<ConsoleState>,
    Path((id, key)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let input = CompleteMilestone {
        note: posted.fields.get("note").map(str::to_owned),
        installation_date: date(&posted.fields, "installation_date"),
    };
    let staff = posted.member.staff.clone();
    let key = milestone_key(&key);
    apply(&state, &posted, &id, Action::CompleteMilestone, async |id| {
        state.commands.complete_milestone(id, &key, input, &staff).await
    })
    .await
}

async fn reopen(
    State(state): State<ConsoleState>,
    Path((id, key)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let reason = posted.fields.get("reason").unwrap_or_default().to_owned();
    let staff = posted.member.staff.clone();
    let key = milestone_key(&key);
    apply(&state, &posted, &id, Action::ReopenMilestone, async |id| {
        state.commands.reopen_milestone(id, &key, &reason, &staff).await
    })
    .await
}

async fn add_task(
    State(state): State<ConsoleState>,
    Path((id, key)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let new = NewTask {
        title: f.get("title").unwrap_or_default().to_owned(),
        assignee: f.get("assignee").unwrap_or_default().to_ascii_lowercase(),
        due_date: date(f, "due_date").unwrap_or(NaiveDate::MIN),
        description: f.get("description").map(str::to_owned),
    };
    let staff = posted.member.staff.clone();
    let key = milestone_key(&key);
    apply(&state, &posted, &id, Action::AddTask, async |id| {
        state.commands.add_task(id, &key, new, &staff).await
    })
    .await
}

async fn change_task(
    State(state): State<ConsoleState>,
    Path((id, task)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    if !TaskId::is_well_formed(&task) {
        return error_page(Some(&posted.member), posted.member.lang, PageError::NotFound);
    }
    let patch = task_patch(&posted.fields, posted.member.has(Role::Manager));
    let staff = posted.member.staff.clone();
    apply(&state, &posted, &id, Action::ChangeTask, async |id| {
        state.commands.change_task(id, &task, patch, &staff).await
    })
    .await
}

/// The form's change of a task: what differs from the task as the form
/// showed it (an unchanged due date is not checked again); reassignment
/// and due date only from a manager's form, as the API allows.
fn task_patch(f: &Fields, manager: bool) -> TaskPatch {
    let status = f.get("status").and_then(|s| TASK_STATUSES.into_iter().find(|t| t.as_str() == s));
    let blocked = status == Some(TaskStatus::Blocked);
    let changed =
        |name: &str| f.get(name).filter(|v| manager && Some(*v) != f.get(&format!("{name}_was")));
    TaskPatch {
        status,
        blocked_reason: f.get("blocked_reason").filter(|_| blocked).map(str::to_owned),
        blocked_category: f.get("blocked_category").filter(|_| blocked).and_then(category),
        assignee: changed("assignee").map(str::to_ascii_lowercase),
        due_date: changed("due_date").map(|d| d.parse().unwrap_or(NaiveDate::MIN)),
    }
}

fn category(raw: &str) -> Option<Category> {
    CATEGORIES.into_iter().find(|c| c.as_str() == raw)
}

async fn activate(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let input = activation(&posted.fields);
    let staff = posted.member.staff.clone();
    apply(&state, &posted, &id, Action::Activate, async |id| {
        state.commands.activate(id, input, &staff).await
    })
    .await
}

/// The go-live form: a date and, per line, its technical summary (the
/// fields repeat in the order of the lines).
fn activation(f: &Fields) -> Activation {
    let column = |name| {
        f.all(name)
            .map(|v| Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let (circuits, ips, numbers, equipment) =
        (column("circuit_id"), column("ip_addressing"), column("numbers"), column("equipment"));
    let technical_summary = f
        .all("line_id")
        .enumerate()
        .map(|(i, line)| ServiceSummary {
            line_id: line.to_owned(),
            circuit_id: circuits.get(i).cloned().flatten(),
            ip_addressing: ips.get(i).cloned().flatten(),
            numbers: numbers
                .get(i)
                .cloned()
                .flatten()
                .map(|n| {
                    n.split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            equipment: equipment.get(i).cloned().flatten(),
            details: Default::default(),
        })
        .collect();
    Activation {
        go_live_date: date(f, "go_live_date").unwrap_or(NaiveDate::MAX),
        technical_summary,
    }
}

async fn hold(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let request = HoldRequest {
        reason: f.get("reason").unwrap_or_default().to_owned(),
        category: f.get("category").and_then(category).unwrap_or(Category::Other),
        until: date(f, "until"),
    };
    let staff = posted.member.staff.clone();
    apply(&state, &posted, &id, Action::HoldProject, async |id| {
        state.commands.hold(id, request, &staff).await
    })
    .await
}

async fn resume(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let staff = posted.member.staff.clone();
    apply(&state, &posted, &id, Action::ResumeProject, async |id| {
        state.commands.resume(id, &staff).await
    })
    .await
}

async fn cancel(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let reason = posted.fields.get("reason").unwrap_or_default().to_owned();
    let staff = posted.member.staff.clone();
    apply(&state, &posted, &id, Action::CancelProject, async |id| {
        state.commands.cancel(id, &reason, &staff).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_form_patches_only_what_changed_and_reschedules_only_for_managers() {
        let form = "status=blocked&blocked_reason=No+keys&blocked_category=site_access\
            &assignee=t%40x.fr&assignee_was=t%40x.fr&due_date=2026-12-20&due_date_was=2026-12-01";
        let f = Fields::parse(form.as_bytes());
        let patch = task_patch(&f, true);
        assert_eq!(patch.status, Some(TaskStatus::Blocked));
        assert_eq!(patch.blocked_reason.as_deref(), Some("No keys"));
        assert_eq!(patch.blocked_category, Some(Category::SiteAccess));
        assert_eq!(patch.assignee, None, "unchanged");
        assert_eq!(patch.due_date, "2026-12-20".parse().ok());
        assert_eq!(task_patch(&f, false).due_date, None, "a technician's form never reschedules");
        let unblock =
            Fields::parse(b"status=in_progress&blocked_reason=stale&blocked_category=other");
        let patch = task_patch(&unblock, false);
        assert_eq!((patch.blocked_reason, patch.blocked_category), (None, None));
    }

    #[test]
    fn the_go_live_form_gives_a_summary_per_line_in_order() {
        let form = "go_live_date=2026-12-01&line_id=L1&circuit_id=C1&ip_addressing=&numbers=&\
            equipment=ONT&line_id=L2&circuit_id=&ip_addressing=10.0.0.1%2F30&numbers=0102%2C+0103\
            &equipment=";
        let a = activation(&Fields::parse(form.as_bytes()));
        assert_eq!(a.go_live_date, "2026-12-01".parse().unwrap());
        let [l1, l2] = &a.technical_summary[..] else { panic!("two lines: {a:?}") };
        assert_eq!((l1.circuit_id.as_deref(), l1.equipment.as_deref()), (Some("C1"), Some("ONT")));
        assert_eq!((l1.ip_addressing.clone(), l1.numbers.len()), (None, 0));
        assert_eq!(l2.ip_addressing.as_deref(), Some("10.0.0.1/30"));
        assert_eq!(l2.numbers, ["0102", "0103"]);
    }
}

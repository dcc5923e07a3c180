//! A project: customer, contact, services and sites; its milestones as a
//! stepper with the next allowed action; tasks per milestone; go-live,
//! hold, resume and cancel; the customer mails and events with their
//! delivery state; the history. Each form posts to its own route, which
//! applies the command and comes back here (or shows the refusal here).

use super::refusal::{self, Refused};
use super::{Notice, PageError, allow, error_page, page, respond, unavailable};
use crate::ConsoleState;
use crate::session::{Fields, Member, Posted};
use app::QueryError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use domain::activation::{Activation, ServiceSummary};
use domain::analytics::CATEGORIES;
use domain::hold_and_cancel::{Category, HoldRequest};
use domain::milestone::{CustomerMail, Milestone};
use domain::milestone_changes::CompleteMilestone;
use domain::outbox::OutboxMessage;
use domain::outbox::{Delivery, OutboxRecord};
use domain::project::{Project, ProjectStatus};
use domain::staff::{Action, Role};
use domain::task::{Task, TaskStatus};
use domain::task_changes::{NewTask, TaskPatch};
use domain::validation::is_machine_key;
use domain::{ProjectId, TaskId};
use serde_json::{Value, json};

pub fn router() -> Router<ConsoleState> {
    let p = "/console/projects/{project_id}";
    Router::new()
        .route(p, get(show))
        .route(&format!("{p}/milestones/{{key}}/complete"), post(complete))
        .route(&format!("{p}/milestones/{{key}}/reopen"), post(reopen))
        .route(&format!("{p}/milestones/{{key}}/tasks"), post(add_task))
        .route(&format!("{p}/tasks/{{task_id}}"), post(change_task))
        .route(&format!("{p}/activate"), post(activate))
        .route(&format!("{p}/hold"), post(hold))
        .route(&format!("{p}/resume"), post(resume))
        .route(&format!("{p}/cancel"), post(cancel))
}

const TASK_STATUSES: [TaskStatus; 4] =
    [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Blocked, TaskStatus::Done];

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
    respond(&state, &member, result)
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
    let oversees = member.has(Role::Manager) || member.has(Role::Admin);
    // The customer's mail and the events are the team's view, not a technician's.
    let deliveries = match oversees {
        true => Some(state.outbox.project_outbox(id).await.map_err(unavailable)?),
        false => None,
    };
    let p = &view.project;
    let today = state.clock.now().date_naive();
    let notice = notice.map(|n| named(n, p, member));
    let context = json!({
        "notice": notice,
        "p": header(p),
        "milestones": milestones(p, member, today),
        "may": permissions(p, member),
        "reopenable": reopenable(p, member),
        "categories": CATEGORIES.map(Category::as_str),
        "task_statuses": TASK_STATUSES.map(TaskStatus::as_str),
        "today": today.to_string(),
        "deliveries": deliveries.map(|d| d.iter().map(delivery).collect::<Vec<_>>()),
        "history": view.history.iter().rev().map(|h| json!({
            "at": h.at.format("%Y-%m-%d %H:%M").to_string(), "actor": h.actor,
            "action": crate::i18n::word(member.lang, &h.action), "subject": h.subject,
        })).collect::<Vec<_>>(),
    });
    Ok(page(state, member, ("project.html", "projects"), status, context))
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

fn header(p: &Project) -> Value {
    json!({
        "id": p.id.as_str(), "customer": p.account.name, "line_id": p.line_id, "deal_id": p.deal_id,
        "owner": p.owner, "status": p.status.as_str(), "health": p.forecast.health.as_str(),
        "target": p.target_go_live.to_string(),
        "projected": p.forecast.projected_go_live.map(|d| d.to_string()),
        "slack": p.slack_days(),
        "basis": match p.basis {
            domain::forecast::Basis::History => "history",
            _ => "template",
        },
        "installation_date": p.installation_date.map(|d| d.to_string()),
        "go_live_date": p.go_live_date.map(|d| d.to_string()),
        "contact": { "name": p.technical_contact.name, "email": p.technical_contact.email,
                     "phone": p.technical_contact.phone,
                     "undeliverable": p.contact_undeliverable.as_ref().map(|u| json!({
                         "feedback": u.feedback.as_str(), "detail": u.detail,
                         "since": u.since.date_naive().to_string() })) },
        "services": p.services.iter().map(|s| json!({
            "line_id": s.line_id, "name": s.name, "service_type": s.service_type,
            "site": s.site.as_ref().map(|site| format!("{}, {}", site.label, site.address)),
        })).collect::<Vec<_>>(),
        "hold": p.hold.as_ref().map(|h| json!({
            "reason": h.reason, "category": h.category.as_str(),
            "since": h.since.date_naive().to_string(), "until": h.until.map(|d| d.to_string()),
        })),
        "cancellation": p.cancellation.as_ref().map(|c| json!({
            "reason": c.reason, "at": c.at.date_naive().to_string(),
        })),
    })
}

fn milestones(p: &Project, member: &Member, today: NaiveDate) -> Vec<Value> {
    let current = p.next_milestone().map(|m| m.key.clone());
    let running = p.status == ProjectStatus::InProgress;
    p.milestones
        .iter()
        .map(|m| {
            let state = match (m.is_completed(), Some(&m.key) == current.as_ref() && running) {
                (true, _) => "done",
                (false, true) => "current",
                (false, false) => "pending",
            };
            let tasks: Vec<Value> = p
                .tasks
                .iter()
                .filter(|t| t.milestone_key == m.key)
                .map(|t| task(t, member, today))
                .collect();
            milestone(m, member, state, tasks)
        })
        .collect()
}

fn milestone(m: &Milestone, member: &Member, state: &str, tasks: Vec<Value>) -> Value {
    json!({
        "key": m.key.as_str(), "position": m.position,
        "name": member.lang.pick(&m.name.fr, &m.name.en),
        "state": state, "activation": m.activation,
        "needs_installation_date": m.customer_mail == Some(CustomerMail::DeliveryConfirmed),
        "completed_at": m.completed_at.map(|at| at.date_naive().to_string()),
        "completed_by": m.completed_by, "note": m.note, "tasks": tasks,
    })
}

fn task(t: &Task, member: &Member, today: NaiveDate) -> Value {
    json!({
        "id": t.id.as_str(), "title": t.title, "description": t.description,
        "assignee": t.assignee, "due_date": t.due_date.to_string(),
        "overdue": t.due_date < today && t.status != TaskStatus::Done,
        "status": t.status.as_str(), "blocked_reason": t.blocked_reason,
        "blocked_category": t.blocked_category.map(Category::as_str),
        "escalation_level": t.escalation_level,
        "may_change": member.may(Action::ChangeTask) && member.may_change_task(&t.assignee, false),
        "may_reschedule": member.may_change_task(&t.assignee, true),
    })
}

/// The actions this member may attempt on this project now.
fn permissions(p: &Project, member: &Member) -> Value {
    let running = p.status == ProjectStatus::InProgress;
    json!({
        "complete": running && member.may(Action::CompleteMilestone),
        "activate": running && member.may(Action::Activate),
        "add_task": member.may(Action::AddTask),
        "hold": running && member.may(Action::HoldProject),
        "resume": p.status == ProjectStatus::OnHold && member.may(Action::ResumeProject),
        "cancel": !p.status.is_final() && member.may(Action::CancelProject),
    })
}

/// The milestone an admin may reopen: the last completed one, while the
/// project runs.
fn reopenable(p: &Project, member: &Member) -> Option<String> {
    let allowed = member.may(Action::ReopenMilestone) && p.status == ProjectStatus::InProgress;
    allowed
        .then(|| p.milestones.iter().rev().find(|m| m.is_completed()).map(|m| m.key.to_string()))?
}

fn delivery(record: &OutboxRecord) -> Value {
    let (kind, label, to) = match &record.entry.message {
        OutboxMessage::Mail { template, to, .. } => {
            ("mail", template.slug().to_owned(), Some(to.clone()))
        }
        OutboxMessage::Event { detail_type, .. } => ("event", detail_type.clone(), None),
    };
    let (state, at, reason, attempts) = match &record.delivery {
        Delivery::Pending { attempts, last_error } => {
            ("pending", None, last_error.clone(), *attempts)
        }
        Delivery::Sent { at } => ("sent", Some(*at), None, 0),
        Delivery::Failed { at, reason } => ("failed", Some(*at), Some(reason.clone()), 0),
    };
    json!({
        "created": record.entry.created_at.format("%Y-%m-%d %H:%M").to_string(),
        "kind": kind, "label": label, "to": to, "state": state, "reason": reason,
        "at": at.map(|at| at.format("%Y-%m-%d %H:%M").to_string()),
        "attempts": (attempts > 0).then_some(attempts),
    })
}

/// Applies a posted command; back to the project on success, or the
/// project page with the refusal.
async fn apply<T, E: refusal::Refusal>(
    state: &ConsoleState,
    posted: &Posted,
    raw_id: &str,
    action: Action,
    command: impl AsyncFnOnce(&ProjectId) -> Result<T, app::CommandError<E>>,
) -> Response {
    let member = &posted.member;
    let result = async {
        let id = project_id(raw_id)?;
        allow(member, action)?;
        match command(&id).await {
            Ok(_) => {
                Ok(Redirect::to(&format!("/console/projects/{}", id.as_str())).into_response())
            }
            Err(e) => match refusal::of_command(e, member.lang) {
                Refused::Page(e) => Err(e),
                Refused::Message(status, notice) => {
                    let (at, page) = super::shown_at(member, format!("/console/projects/{id}"));
                    Ok(page(render(state, &at, &id, status, Some(notice)).await?))
                }
            },
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(state, Some(member), member.lang, e))
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
        return error_page(&state, Some(&posted.member), posted.member.lang, PageError::NotFound);
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

//! Settings → Deployment templates: read (managers, admins) and edit
//! (admins) the milestones of a service type — names in both languages,
//! expected days, customer mail, default tasks — and its at-risk
//! threshold. Each save is a new version, guarded by the version shown.

use super::refusal::{self, Refused};
use super::{Notice, PageError, allow, page, respond};
use crate::ConsoleState;
use crate::session::{Fields, Member, Posted};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::milestone::{CustomerMail, MilestoneKey, Names};
use domain::staff::Action;
use domain::template::{MilestoneTemplate, TaskTemplate, Template, TemplateInput};
use domain::validation::is_machine_key;
use serde::Deserialize;
use serde_json::{Value, json};

/// Service types offered as shortcuts (the CRM's catalogue of installed services).
const KNOWN: [&str; 2] = ["fibre_ftto", "sip_trunk"];
const MAILS: [CustomerMail; 3] =
    [CustomerMail::OrderConfirmed, CustomerMail::DeliveryConfirmed, CustomerMail::GoLive];

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route("/console/templates", get(list))
        .route("/console/templates/open", get(open))
        .route("/console/templates/{service_type}", get(show).post(save))
}

fn mail_slug(mail: CustomerMail) -> &'static str {
    domain::outbox::MailTemplate::from(mail).slug()
}

async fn list(State(state): State<ConsoleState>, member: Member) -> Response {
    let result = allow(&member, Action::ReadTemplates).map(|()| {
        page(
            &state,
            &member,
            ("template_list.html", "templates"),
            StatusCode::OK,
            json!({ "known": KNOWN }),
        )
    });
    respond(&state, &member, result)
}

#[derive(Deserialize)]
struct Open {
    service_type: String,
}

async fn open(Query(q): Query<Open>) -> Redirect {
    let service_type = q.service_type.trim().to_ascii_lowercase();
    match is_machine_key(&service_type) {
        true => Redirect::to(&format!("/console/templates/{service_type}")),
        false => Redirect::to("/console/templates"),
    }
}

async fn show(
    State(state): State<ConsoleState>,
    member: Member,
    Path(service_type): Path<String>,
) -> Response {
    let result = render(&state, &member, &service_type, StatusCode::OK, None).await;
    respond(&state, &member, result)
}

async fn render(
    state: &ConsoleState,
    member: &Member,
    service_type: &str,
    status: StatusCode,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    allow(member, Action::ReadTemplates)?;
    if !is_machine_key(service_type) {
        return Err(PageError::NotFound);
    }
    let template = state.templates.current(service_type).await.map_err(super::unavailable)?;
    let context = json!({
        "notice": notice,
        "tpl": {
            "service_type": template.service_type, "version": template.version,
            "at_risk_days": template.at_risk_days,
            "history_min_go_lives": template.history_min_go_lives,
            "updated_at": template.updated_at.map(|at| at.format("%Y-%m-%d %H:%M").to_string()),
            "updated_by": template.updated_by,
        },
        "rows": rows(&template),
        "mails": MAILS.map(mail_slug),
        "editable": member.may(Action::WriteTemplates),
    });
    Ok(page(state, member, ("template_edit.html", "templates"), status, context))
}

/// The milestones as form rows, and one empty row to add a milestone.
fn rows(template: &Template) -> Vec<Value> {
    let mut rows: Vec<Value> = template
        .milestones
        .iter()
        .map(|m| {
            let tasks: Vec<String> = m
                .default_tasks
                .iter()
                .map(|t| format!("{} | {}", t.title, t.due_offset_days))
                .collect();
            json!({
                "key": m.key.as_str(), "name_fr": m.name.fr, "name_en": m.name.en,
                "expected_days": m.expected_days, "customer_mail": m.customer_mail.map(mail_slug),
                "activation": m.activation, "default_tasks": tasks.join("\n"),
            })
        })
        .collect();
    rows.push(json!({ "key": "", "name_fr": "", "name_en": "", "expected_days": 1,
                      "customer_mail": null, "activation": false, "default_tasks": "" }));
    rows
}

async fn save(
    State(state): State<ConsoleState>,
    Path(service_type): Path<String>,
    posted: Posted,
) -> Response {
    let member = &posted.member;
    let result = async {
        allow(member, Action::WriteTemplates)?;
        if !is_machine_key(&service_type) {
            return Err(PageError::NotFound);
        }
        let input = input(&posted.fields, &service_type);
        match state.templates.replace(&service_type, input, &member.staff).await {
            Ok(_) => {
                Ok(Redirect::to(&format!("/console/templates/{service_type}")).into_response())
            }
            Err(e) => match refusal::of_templates(e, member.lang) {
                Refused::Page(e) => Err(e),
                Refused::Message(status, notice) => {
                    let path = format!("/console/templates/{service_type}");
                    let (at, page) = super::shown_at(member, path);
                    Ok(page(render(&state, &at, &service_type, status, Some(notice)).await?))
                }
            },
        }
    }
    .await;
    respond(&state, member, result)
}

/// The edit a form makes: one milestone per row with a key.
fn input(f: &Fields, service_type: &str) -> TemplateInput {
    let column = |name| f.all(name).map(str::trim).collect::<Vec<_>>();
    let (names_fr, names_en, days) =
        (column("name_fr"), column("name_en"), column("expected_days"));
    let (mails, activations, tasks) =
        (column("customer_mail"), column("activation"), column("default_tasks"));
    let at = |col: &Vec<&str>, i: usize| col.get(i).copied().unwrap_or_default().to_owned();
    let milestones = f
        .all("key")
        .map(str::trim)
        .enumerate()
        .filter(|(_, key)| !key.is_empty())
        .map(|(i, key)| MilestoneTemplate {
            key: MilestoneKey::from_raw(key),
            name: Names { fr: at(&names_fr, i), en: at(&names_en, i) },
            customer_mail: MAILS.into_iter().find(|m| Some(mail_slug(*m)) == mails.get(i).copied()),
            activation: activations.get(i) == Some(&"yes"),
            // Out of range: the domain's validation names the field.
            expected_days: days.get(i).and_then(|d| d.parse().ok()).unwrap_or(u16::MAX),
            default_tasks: default_tasks(tasks.get(i).copied().unwrap_or_default()),
        })
        .collect();
    TemplateInput {
        service_type: Some(service_type.to_owned()),
        version: f.get("version").and_then(|v| v.parse().ok()),
        milestones,
        at_risk_days: f.get("at_risk_days").and_then(|v| v.parse().ok()),
        history_min_go_lives: f.get("history_min_go_lives").and_then(|v| v.parse().ok()),
    }
}

/// `title | days` per line; a line without days is due on day 0, one
/// whose days are no number out of range (the domain then names it).
fn default_tasks(text: &str) -> Vec<TaskTemplate> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (title, days) = line.rsplit_once('|').unwrap_or((line, "0"));
            TaskTemplate {
                title: title.trim().to_owned(),
                due_offset_days: days.trim().parse().unwrap_or(u16::MAX),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_makes_one_milestone_per_row_with_a_key() {
        let form = "version=3&key=order_confirmed&name_fr=Commande&name_en=Order&expected_days=2\
            &customer_mail=order_confirmed&activation=no&default_tasks=Call+%7C+1%0D%0AVisit\
            &key=&name_fr=&name_en=&expected_days=1&customer_mail=&activation=no&default_tasks=\
            &key=go_live&name_fr=MES&name_en=Go-live&expected_days=x&customer_mail=&activation=yes\
            &default_tasks=Check+%7C+soon&at_risk_days=7";
        let input = input(&Fields::parse(form.as_bytes()), "fibre_ftto");
        assert_eq!(
            (input.version, input.at_risk_days, input.history_min_go_lives),
            (Some(3), Some(7), None)
        );
        let [first, last] = &input.milestones[..] else { panic!("the empty row is skipped") };
        assert_eq!(first.customer_mail, Some(CustomerMail::OrderConfirmed));
        assert_eq!(first.default_tasks.len(), 2);
        assert_eq!(
            (first.default_tasks[0].due_offset_days, first.default_tasks[1].due_offset_days),
            (1, 0)
        );
        assert!(last.activation && last.key.as_str() == "go_live");
        // Not numbers: out of range, so the domain names the fields.
        assert_eq!(
            (last.expected_days, last.default_tasks[0].due_offset_days),
            (u16::MAX, u16::MAX)
        );
    }
}

//! Settings → Deployment templates: read (managers, admins) and edit
//! (admins) the milestones of a service type — names in both languages,
//! expected days, customer mail, default tasks — and its at-risk
//! threshold. Each save is a new version, guarded by the version shown.

use super::refusal::{self, Refused};
use super::{PageError, allow, page, respond};
use crate::ConsoleState;
use crate::i18n::Strings;
use crate::routes;
use crate::session::{Fields, Member, Posted};
use crate::view::{Frame, Notice, Section};
use api::problem::Problem;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::milestone::{CustomerMail, MilestoneKey, Names};
use domain::staff::Action;
use domain::template::{MilestoneTemplate, TaskTemplate, Template as Plan, TemplateInput};
use domain::validation::is_machine_key;
use serde::Deserialize;

/// Service types offered as shortcuts (the CRM's catalogue of installed services).
const KNOWN: [&str; 2] = ["fibre_ftto", "sip_trunk"];
const MAILS: [CustomerMail; 3] =
    [CustomerMail::OrderConfirmed, CustomerMail::DeliveryConfirmed, CustomerMail::GoLive];

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route(routes::templates(), get(list))
        .route(routes::open_template(), get(open))
        .route(routes::pattern::TEMPLATE, get(show).post(save))
}

/// The list: a service type to open, and the known ones.
#[derive(Template)]
#[template(path = "template_list.html")]
struct TemplateList<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    known: [&'static str; 2],
}

/// A service type's template as a form: one row per milestone, and an
/// empty one to add a milestone; read only for whoever may not write it.
#[derive(Template)]
#[template(path = "template_edit.html")]
struct TemplateEdit<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    csrf: &'a str,
    tpl: &'a Plan,
    rows: Vec<Row<'a>>,
    editable: bool,
}

/// A milestone as the form edits it.
struct Row<'a> {
    key: &'a str,
    name_fr: &'a str,
    name_en: &'a str,
    expected_days: u16,
    customer_mail: Option<CustomerMail>,
    activation: bool,
    /// `title | days`, a line each.
    default_tasks: String,
}

fn mail_slug(mail: &CustomerMail) -> &'static str {
    domain::outbox::MailTemplate::from(*mail).slug()
}

async fn list(member: Member) -> Response {
    let result = allow(&member, Action::ReadTemplates).map(|()| {
        let t = Strings::of(member.lang);
        let view = TemplateList { t, frame: Frame::of(&member, Section::Templates), known: KNOWN };
        page(&member, StatusCode::OK, &view)
    });
    respond(&member, result)
}

#[derive(Deserialize)]
struct Open {
    service_type: String,
}

async fn open(Query(q): Query<Open>) -> Redirect {
    let service_type = q.service_type.trim().to_ascii_lowercase();
    match is_machine_key(&service_type) {
        true => Redirect::to(&routes::template(&service_type)),
        false => Redirect::to(routes::templates()),
    }
}

async fn show(
    State(state): State<ConsoleState>,
    member: Member,
    Path(service_type): Path<String>,
) -> Response {
    let result = render(&state, &member, &service_type, StatusCode::OK, None).await;
    respond(&member, result)
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
    let view = TemplateEdit {
        t: Strings::of(member.lang),
        frame: Frame::of(member, Section::Templates).with_notice(notice),
        csrf: &member.csrf,
        tpl: &template,
        rows: rows(&template),
        editable: member.may(Action::WriteTemplates),
    };
    Ok(page(member, status, &view))
}

/// The milestones as form rows, and one empty row to add a milestone.
fn rows(template: &Plan) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = template.milestones.iter().map(row).collect();
    rows.push(Row {
        key: "",
        name_fr: "",
        name_en: "",
        expected_days: 1,
        customer_mail: None,
        activation: false,
        default_tasks: String::new(),
    });
    rows
}

fn row(m: &MilestoneTemplate) -> Row<'_> {
    let tasks: Vec<String> =
        m.default_tasks.iter().map(|t| format!("{} | {}", t.title, t.due_offset_days)).collect();
    Row {
        key: m.key.as_str(),
        name_fr: &m.name.fr,
        name_en: &m.name.en,
        expected_days: m.expected_days,
        customer_mail: m.customer_mail,
        activation: m.activation,
        default_tasks: tasks.join("\n"),
    }
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
            Ok(_) => Ok(Redirect::to(&routes::template(&service_type)).into_response()),
            Err(e) => match refusal::refused(Problem::from(e), member.lang) {
                Refused::Page(e) => Err(e),
                Refused::Message(status, notice) => {
                    let (at, page) = super::shown_at(member, routes::template(&service_type));
                    Ok(page(render(&state, &at, &service_type, status, Some(notice)).await?))
                }
            },
        }
    }
    .await;
    respond(member, result)
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
            customer_mail: MAILS.into_iter().find(|m| Some(mail_slug(m)) == mails.get(i).copied()),
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

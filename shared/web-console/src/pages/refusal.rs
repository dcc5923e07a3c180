//! A use case's refusal as the member reads it. The API's mapping decides
//! what a refusal is (`api::errors`, through the same `From` impls that
//! make its problem documents): the console answers with that problem's
//! status, words its kind in the member's language ([`Strings::refusal`])
//! and lists what the problem names (open tasks, invalid fields…).

use super::PageError;
use crate::i18n::{Lang, Strings};
use crate::view::Notice;
use api::problem::{Kind, Problem};
use axum::http::StatusCode;
use domain::project::ProjectStatus;
use domain::validation::BLANK;
use serde_json::Value;

/// A refused command: shown on its page, or an error page.
pub enum Refused {
    Page(PageError),
    Message(StatusCode, Notice),
}

/// A use case's failure, as the API's problem for it.
pub fn refused(problem: Problem, lang: Lang) -> Refused {
    match problem.kind() {
        // `api::errors` logged the cause; the page says nothing of it.
        Kind::ServiceUnavailable | Kind::Internal => Refused::Page(PageError::Unavailable),
        Kind::Forbidden | Kind::Unauthenticated => Refused::Page(PageError::Forbidden),
        _ => Refused::Message(problem.status(), notice(&problem, Strings::of(lang))),
    }
}

fn notice(problem: &Problem, t: &Strings) -> Notice {
    let kind = problem.kind();
    match kind {
        Kind::ValidationFailed => invalid(problem, t),
        Kind::ProjectLive | Kind::ProjectOnHold | Kind::ProjectCancelled => {
            let status = match kind {
                Kind::ProjectLive => ProjectStatus::Live,
                Kind::ProjectOnHold => ProjectStatus::OnHold,
                _ => ProjectStatus::Cancelled,
            };
            let status = t.status_name(&status).to_lowercase();
            Notice { text: format!("{} {status}.", t.refusal(kind)), items: Vec::new() }
        }
        _ => Notice { text: t.refusal(kind).to_owned(), items: items(problem) },
    }
}

/// Invalid fields as `field : message`; the two the console has its own
/// words for (an installation date, a blank reason) said so.
fn invalid(problem: &Problem, t: &Strings) -> Notice {
    match problem.field_errors() {
        [e] if e.field() == "installation_date" => Notice {
            text: format!("{} {}", t.refused_installation_date, e.message()),
            items: Vec::new(),
        },
        [e] if e.field() == "reason" && e.message() == BLANK => {
            Notice { text: t.refused_reason.to_owned(), items: Vec::new() }
        }
        errors => Notice {
            text: t.refusal(Kind::ValidationFailed).to_owned(),
            items: errors.iter().map(|e| format!("{} : {}", e.field(), e.message())).collect(),
        },
    }
}

/// What a refusal lists under its sentence, from the problem's members
/// (milestone keys, which the project page names).
fn items(problem: &Problem) -> Vec<String> {
    let member = |name: &str| problem.extension(name);
    let texts = |value: Option<&Value>, field: Option<&str>| -> Vec<String> {
        let each = value.and_then(Value::as_array).into_iter().flatten();
        each.filter_map(|v| field.map_or(Some(v), |f| v.get(f)))
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    match problem.kind() {
        Kind::MilestoneOutOfOrder => member("required_milestone")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        Kind::OpenTasks => texts(member("open_tasks"), Some("title")),
        Kind::MilestonesPending => texts(member("pending_milestones"), None),
        Kind::TemplateVersionConflict => {
            member("current_version").map(Value::to_string).into_iter().collect()
        }
        Kind::InvalidTransition => problem.detail_text().map(str::to_owned).into_iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::CommandError;
    use domain::milestone::MilestoneKey;
    use domain::milestone_changes::{MilestoneError, OpenTask};
    use domain::task::{TaskStatus, TransitionError};
    use domain::task_changes::TaskError;
    use domain::template::TemplateError;

    fn shown(problem: Problem) -> (u16, String, Vec<String>) {
        match refused(problem, Lang::Fr) {
            Refused::Message(status, n) => (status.as_u16(), n.text, n.items),
            Refused::Page(e) => panic!("a page: {e:?}"),
        }
    }

    #[test]
    fn a_refusal_has_the_apis_status_and_the_words_of_its_kind() {
        let key = MilestoneKey::from_raw("equipment_ordered");
        let order = shown(MilestoneError::OutOfOrder { required: key.clone() }.into());
        assert_eq!(order.0, 409);
        assert_eq!(order.2, ["equipment_ordered"]);
        let task = OpenTask {
            id: domain::TaskId::from_raw("T-1"),
            title: "Survey".into(),
            status: TaskStatus::Todo,
        };
        let open = shown(MilestoneError::OpenTasks { tasks: vec![task] }.into());
        assert_eq!(
            (open.1.as_str(), open.2),
            ("Des tâches de ce jalon ne sont pas terminées :", vec!["Survey".to_owned()])
        );
        let held = shown(TaskError::Frozen(ProjectStatus::OnHold).into());
        assert_eq!((held.0, held.1.as_str()), (409, "Impossible : le projet est en pause."));
        let stale =
            shown(app::TemplatesError::Rejected(TemplateError::Stale { current: 4 }).into());
        assert_eq!(stale.2, ["4"]);
        let busy = shown(CommandError::<TaskError>::Busy.into());
        assert_eq!(busy.1, "Le projet change en ce moment ; réessayez.");
    }

    #[test]
    fn a_task_blocked_without_a_reason_is_a_422_as_in_the_api() {
        let (status, text, items) =
            shown(TaskError::Transition(TransitionError::ReasonRequired).into());
        assert_eq!((status, text.as_str()), (422, "Certains champs sont à corriger :"));
        assert_eq!(items, ["blocked_reason : a blocked task needs a non-empty blocked_reason"]);
        let reason = shown(MilestoneError::ReasonRequired.into());
        assert_eq!((reason.0, reason.1.as_str()), (422, "Un motif est requis."));
        let date = shown(MilestoneError::InstallationDateOutOfRange.into());
        assert!(date.1.starts_with("La date d'installation n'est pas acceptée : the installation"));
    }

    #[test]
    fn roles_and_unknown_projects_are_pages_not_messages() {
        let forbidden = refused(CommandError::<TaskError>::Forbidden.into(), Lang::En);
        assert!(matches!(forbidden, Refused::Page(PageError::Forbidden)));
        let (status, text, _) = shown(CommandError::<TaskError>::NotFound.into());
        assert_eq!((status, text.as_str()), (404, Strings::FR.error_404));
    }
}

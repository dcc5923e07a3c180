//! Every path of the console, written once. A page at a fixed path is a
//! function (`routes::projects()`); a path with parameters is a pattern the
//! router registers ([`pattern::PROJECT`]) and a function that builds the
//! link to it (`routes::project(&id)`). The router, the handlers (redirects,
//! where a refusal is shown) and the templates all use them, so a link
//! cannot drift from the route that serves it (the test below routes every
//! built link).

use crate::i18n::Lang;
use domain::milestone::MilestoneKey;
use domain::{ProjectId, TaskId};

/// A path under the console's base.
macro_rules! path {
    ($tail:literal) => {
        concat!("/console", $tail)
    };
}

/// Where the console lives: its cookies' `Path`.
pub const BASE: &str = path!("");

/// Pages at a fixed path: one function each.
macro_rules! fixed {
    ($($(#[$doc:meta])* $name:ident = $tail:literal;)*) => {
        $($(#[$doc])* pub const fn $name() -> &'static str {
            path!($tail)
        })*
    };
}

fixed! {
    /// The start page (it sends each member to their first page).
    home = "/";
    projects = "/projects";
    my_tasks = "/my-tasks";
    attention = "/attention";
    templates = "/templates";
    /// The template list's form: to the template of the typed service type.
    open_template = "/templates/open";
    analytics = "/analytics";
    analytics_csv = "/analytics.csv";
    sign_in = "/sign-in";
    /// Where the identity provider sends the browser back.
    callback = "/callback";
    sign_out = "/sign-out";
    signed_out = "/signed-out";
    /// The local runner's sign-in form (never routed in the cloud).
    dev_sign_in = "/dev/sign-in";
    /// htmx, pinned: the path names its version.
    htmx = "/assets/htmx-2.0.8.min.js";
    css = "/assets/console.css";
}

/// The patterns of the paths with parameters, as the router registers them.
pub mod pattern {
    pub const PROJECT: &str = path!("/projects/{project_id}");
    pub const COMPLETE: &str = path!("/projects/{project_id}/milestones/{key}/complete");
    pub const REOPEN: &str = path!("/projects/{project_id}/milestones/{key}/reopen");
    pub const ADD_TASK: &str = path!("/projects/{project_id}/milestones/{key}/tasks");
    pub const TASK: &str = path!("/projects/{project_id}/tasks/{task_id}");
    pub const ACTIVATE: &str = path!("/projects/{project_id}/activate");
    pub const HOLD: &str = path!("/projects/{project_id}/hold");
    pub const RESUME: &str = path!("/projects/{project_id}/resume");
    pub const CANCEL: &str = path!("/projects/{project_id}/cancel");
    pub const TEMPLATE: &str = path!("/templates/{service_type}");
    pub const LANGUAGE: &str = path!("/lang/{code}");

    /// The customer's status page: under the path the signed links name.
    pub fn status() -> String {
        format!("{}/{{token}}", app::status_link::PATH)
    }
}

pub fn project(id: &ProjectId) -> String {
    format!("{}/{id}", projects())
}

/// A task's row on its project's page.
pub fn task_row(project_id: &ProjectId, task: &TaskId) -> String {
    format!("{}#task-{task}", project(project_id))
}

pub fn complete(id: &ProjectId, key: &MilestoneKey) -> String {
    format!("{}/milestones/{key}/complete", project(id))
}

pub fn reopen(id: &ProjectId, key: &MilestoneKey) -> String {
    format!("{}/milestones/{key}/reopen", project(id))
}

pub fn add_task(id: &ProjectId, key: &MilestoneKey) -> String {
    format!("{}/milestones/{key}/tasks", project(id))
}

pub fn task(id: &ProjectId, task: &TaskId) -> String {
    format!("{}/tasks/{task}", project(id))
}

pub fn activate(id: &ProjectId) -> String {
    format!("{}/activate", project(id))
}

pub fn hold(id: &ProjectId) -> String {
    format!("{}/hold", project(id))
}

pub fn resume(id: &ProjectId) -> String {
    format!("{}/resume", project(id))
}

pub fn cancel(id: &ProjectId) -> String {
    format!("{}/cancel", project(id))
}

/// A service type's template (`service_type` is a machine key).
pub fn template(service_type: &str) -> String {
    format!("{}/{service_type}", templates())
}

/// The language switch to `lang` (it comes back to the page given as `back`).
pub fn language(lang: Lang) -> String {
    format!("{BASE}/lang/{}", lang.code())
}

/// Whether `path` is a console page to go back to after signing in: a
/// local path under the console, no other site, no way out of the console.
pub fn is_console_path(path: &str) -> bool {
    let local = path.split(['?', '#']).next().unwrap_or_default();
    (local == BASE || local.strip_prefix(BASE).is_some_and(|rest| rest.starts_with('/')))
        && path.len() <= 1024
        && !local.contains("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && !local.split('/').any(|segment| {
            segment == "." || segment == ".." || segment.to_ascii_lowercase().contains("%2e")
        })
}

/// Where to go after signing in: a console page, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_console_path(n) => n.to_owned(),
        _ => home().to_owned(),
    }
}

/// Paths a sign-in may return to (for the tests of what checks them).
#[cfg(test)]
pub(crate) fn console_paths() -> Vec<String> {
    let page = format!("{}?tab=tasks#t-2", project(&ProjectId::from_raw("P-1")));
    let next = format!("{}?next=https://x.example/", projects());
    vec![BASE.to_owned(), home().to_owned(), page, next]
}

/// Paths a sign-in must never return to: other sites, ways out of the console.
#[cfg(test)]
pub(crate) fn not_console_paths() -> Vec<String> {
    let outside = |tail: &str| format!("{BASE}{tail}");
    let mut paths = vec![outside("//evil.example"), outside("\\@evil.example")];
    paths.extend([outside("/\t/evil.example"), outside("/../v1/projects")]);
    paths.extend([outside("/%2E%2e/v1/projects"), outside("x"), outside("/")[1..].to_owned()]);
    let others = ["", "https://evil.example/console/", "//evil.example/console/"];
    paths.extend(others.into_iter().chain(["/v1/projects", "javascript:alert(1)"]).map(Into::into));
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    /// The name of the pattern that serves `path`, as the router matches it.
    async fn served_by(path: &str) -> String {
        let patterns = [
            ("project", pattern::PROJECT),
            ("complete", pattern::COMPLETE),
            ("reopen", pattern::REOPEN),
            ("add_task", pattern::ADD_TASK),
            ("task", pattern::TASK),
            ("activate", pattern::ACTIVATE),
            ("hold", pattern::HOLD),
            ("resume", pattern::RESUME),
            ("cancel", pattern::CANCEL),
            ("template", pattern::TEMPLATE),
            ("language", pattern::LANGUAGE),
        ];
        let router = patterns
            .into_iter()
            .fold(Router::new(), |r, (name, p)| r.route(p, get(move || async move { name })));
        let request = Request::get(path).body(Body::empty()).expect("a request");
        let response = router.oneshot(request).await.expect("infallible");
        let body = axum::body::to_bytes(response.into_body(), 64).await.expect("a body");
        String::from_utf8_lossy(&body).into_owned()
    }

    #[tokio::test]
    async fn every_built_link_is_served_by_its_pattern() {
        let id = ProjectId::for_deal_line("D-1", "L1");
        let (key, task_id) = (MilestoneKey::from_raw("go_live"), TaskId::from_raw("T-3"));
        let links = [
            ("project", project(&id)),
            ("complete", complete(&id, &key)),
            ("reopen", reopen(&id, &key)),
            ("add_task", add_task(&id, &key)),
            ("task", task(&id, &task_id)),
            ("activate", activate(&id)),
            ("hold", hold(&id)),
            ("resume", resume(&id)),
            ("cancel", cancel(&id)),
            ("template", template("fibre_ftto")),
            ("language", language(Lang::En)),
        ];
        for (name, link) in links {
            assert_eq!(served_by(&link).await, name, "{link}");
        }
        assert_eq!(task_row(&id, &task_id), format!("{}#task-T-3", project(&id)));
        assert!(pattern::status().starts_with(BASE));
    }

    #[test]
    fn a_sign_in_returns_to_console_pages_only() {
        for good in console_paths() {
            assert!(is_console_path(&good), "{good}");
        }
        for bad in not_console_paths() {
            assert!(!is_console_path(&bad), "{bad}");
        }
    }

    #[test]
    fn only_console_pages_are_places_to_go_back_to() {
        let filtered = format!("{}?x=1", projects());
        assert_eq!(safe_next(Some(&filtered)), filtered);
        let escaping = format!("{BASE}\\@x");
        for bad in ["https://evil.example/", "//evil.example/console", "/v1/projects", &escaping] {
            assert_eq!(safe_next(Some(bad)), home(), "{bad}");
        }
        assert_eq!(safe_next(None), home());
    }
}

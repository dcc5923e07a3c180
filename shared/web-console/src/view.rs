//! The console's page templates, embedded in the binary and rendered with
//! minijinja (the mail's engine; HTML auto-escaped), and the pages they make.

use super::i18n::{self, Lang};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, Value};
use serde::Serialize;
use std::sync::OnceLock;
use thiserror::Error;

#[derive(Debug, Error)]
#[error("console template {name} cannot be rendered")]
pub struct ViewError {
    name: String,
    #[source]
    source: minijinja::Error,
}

/// Every template of the console: (name, source).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("sign_in_dev.html", include_str!("../templates/sign_in_dev.html")),
    ("signed_out.html", include_str!("../templates/signed_out.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("projects.html", include_str!("../templates/projects.html")),
    ("project.html", include_str!("../templates/project.html")),
    ("tasks.html", include_str!("../templates/tasks.html")),
    ("template_list.html", include_str!("../templates/template_list.html")),
    ("template_edit.html", include_str!("../templates/template_edit.html")),
    ("analytics.html", include_str!("../templates/analytics.html")),
    ("status.html", include_str!("../templates/status.html")),
];

pub struct Views {
    env: Environment<'static>,
    /// Each language's strings as a template value, made at its first page.
    strings: [OnceLock<Value>; 2],
}

impl Views {
    pub(super) fn new() -> Self {
        let mut env = Environment::new();
        // Compiling all of them at start-up took most of the console's cold start.
        delivery::embedded::load_lazily(&mut env, TEMPLATES);
        Self { env, strings: [OnceLock::new(), OnceLock::new()] }
    }

    /// Compiles every template: what start-up no longer checks.
    pub fn check(&self) -> Result<(), ViewError> {
        delivery::embedded::compile_all(&self.env, TEMPLATES)
            .map_err(|(name, source)| ViewError { name: name.to_owned(), source })
    }

    /// Renders `template` in `lang` with `context` (which the strings `t`
    /// and `lang` join).
    pub fn render(
        &self,
        template: &str,
        lang: Lang,
        context: impl Serialize,
    ) -> Result<String, ViewError> {
        let strings = self.strings[lang as usize]
            .get_or_init(|| Value::from(Serde(i18n::table(lang))))
            .clone();
        let context = Value::from(Serde(context));
        let context = minijinja::context! { t => strings, lang => lang.code(), ..context };
        self.env
            .get_template(template)
            .and_then(|t| t.render(context))
            .map_err(|source| ViewError { name: template.to_owned(), source })
    }
}

/// A rendered page.
pub struct Page {
    pub status: StatusCode,
    pub html: String,
}

impl Page {
    pub fn ok(html: String) -> Self {
        Self { status: StatusCode::OK, html }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.html).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        // Pages show one member's view of live data: never cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::Views;

    #[test]
    fn every_template_compiles() {
        Views::new().check().unwrap();
    }
}

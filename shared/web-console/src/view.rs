//! How pages are made: each page is a struct deriving askama's `Template`
//! from a file of `templates/` (compiled into the binary, so a field the
//! template names and the struct lacks does not build). Every page of the
//! layout (`base.html`) holds its words `t` ([`Strings`]) and a [`Frame`]:
//! what the layout shows around the content. HTML is escaped by [`Html`].

use crate::i18n::{Lang, Strings};
use crate::session::Member;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt;

/// The escaper of every `.html` template (`askama.toml`): the five
/// characters HTML gives a meaning, as the entities the console always
/// wrote (`&#x27;`, `&quot;`…: askama's own are numeric), so what reads the
/// pages' text reads it as before.
#[derive(Clone, Copy, Debug, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        let mut rest = 0;
        for (i, byte) in text.bytes().enumerate() {
            let entity = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#x27;",
                _ => continue,
            };
            dest.write_str(&text[rest..i])?;
            dest.write_str(entity)?;
            rest = i + 1;
        }
        dest.write_str(&text[rest..])
    }
}

/// The navigation entry of the page shown (`aria-current`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    None,
    Projects,
    MyTasks,
    Attention,
    Templates,
    Analytics,
}

/// The member signed in, as the layout shows them.
pub struct Me<'a> {
    pub sub: &'a str,
    pub csrf: &'a str,
    /// Managers and admins: the team's pages are in their navigation.
    pub oversees: bool,
}

/// A refusal, shown at the top of the page of what was refused.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub items: Vec<String>,
}

/// What the layout shows around every page.
pub struct Frame<'a> {
    pub lang: Lang,
    pub me: Option<Me<'a>>,
    /// This page's address, query-encoded: where the language switch comes back to.
    pub here_q: String,
    pub section: Section,
    pub notice: Option<Notice>,
}

impl<'a> Frame<'a> {
    /// The frame of a signed-in member's page.
    pub fn of(member: &'a Member, section: Section) -> Self {
        Self {
            lang: member.lang,
            me: Some(Me { sub: &member.sub, csrf: &member.csrf, oversees: member.oversees() }),
            here_q: form_urlencoded::byte_serialize(member.here.as_bytes()).collect(),
            section,
            notice: None,
        }
    }

    /// The frame of a page outside a session (no navigation), which the
    /// language switch comes back to as `here_q` says.
    pub fn outside(lang: Lang, here_q: &str) -> Self {
        Self { lang, me: None, here_q: here_q.to_owned(), section: Section::None, notice: None }
    }

    pub fn with_notice(mut self, notice: Option<Notice>) -> Self {
        self.notice = notice;
        self
    }

    /// Whether the page is that of `section`.
    pub fn at(&self, section: Section) -> bool {
        self.section == section
    }
}

/// Whether `option` is the one `chosen` (a select's `selected` option).
pub fn chosen<T: PartialEq>(chosen: &Option<T>, option: &T) -> bool {
    chosen.as_ref() == Some(option)
}

/// A figure as the console always wrote it: whole numbers keep their `.0`.
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.fract() == 0.0 && self.0.is_finite() {
            true => write!(f, "{:.1}", self.0),
            false => write!(f, "{}", self.0),
        }
    }
}

/// An error page (`error.html`): a status, a sentence, maybe a way to retry.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub t: &'static Strings,
    pub frame: Frame<'a>,
    pub code: u16,
    pub message: &'static str,
    pub retry: Option<&'static str>,
}

/// A rendered page.
pub struct Page {
    pub status: StatusCode,
    pub html: String,
}

impl Page {
    /// `view` rendered with `status`; on failure, logged and `None`.
    pub fn render(status: StatusCode, view: &impl Template) -> Option<Self> {
        match view.render() {
            Ok(html) => Some(Self { status, html }),
            Err(e) => {
                tracing::error!(error = %e, "console page cannot be rendered");
                None
            }
        }
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
    use super::*;
    use askama::filters::Escaper;

    #[test]
    fn html_is_escaped_with_the_entities_the_console_always_wrote() {
        let mut out = String::new();
        Html.write_escaped_str(&mut out, "d'abord <b>\"x\" & y</b> é/").unwrap();
        assert_eq!(out, "d&#x27;abord &lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt; é/");
    }

    #[test]
    fn figures_keep_one_decimal_when_whole() {
        let shown = [75.0, 2.5, 0.0, 12.25].map(|x| Decimal(x).to_string());
        assert_eq!(shown, ["75.0", "2.5", "0.0", "12.25"]);
    }

    #[test]
    fn the_error_page_escapes_and_names_the_status() {
        let t = Strings::of(Lang::Fr);
        let frame = Frame::outside(Lang::Fr, "");
        let page = ErrorPage { t, frame, code: 404, message: t.error_404, retry: None };
        let html = page.render().unwrap();
        assert!(html.contains("<h1>Erreur 404</h1>"), "{html}");
        assert!(html.contains("<p>Cette page n&#x27;existe pas"), "{html}");
        assert!(html.starts_with("<!doctype html>\n<html lang=\"fr\">"), "{html}");
    }
}

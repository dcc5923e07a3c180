//! Analytics: the deployment statistics of a window of months as charts
//! drawn on the server (SVG: no script, no chart library), and the same
//! figures as a CSV download.

use super::{PageError, allow, page, respond, unavailable};
use crate::ConsoleState;
use crate::i18n::{Lang, Strings};
use crate::routes;
use crate::session::Member;
use crate::view::{Decimal, Frame, Section};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Datelike;
use domain::analytics::{ServiceStats, Window};
use domain::milestone::MilestoneKey;
use domain::staff::Action;
use domain::template::Template as Plan;
use domain::validation::is_machine_key;
use serde::Deserialize;

pub fn router() -> Router<ConsoleState> {
    Router::new()
        .route(routes::analytics(), get(analytics))
        .route(routes::analytics_csv(), get(csv))
}

/// The window asked for, its CSV link, and the charts of each service type.
#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    from: &'a str,
    to: &'a str,
    service_type: Option<&'a str>,
    services: Vec<Charts<'a>>,
    csv_href: String,
}

/// One service type's figures and charts (SVG, drawn here).
struct Charts<'a> {
    stats: &'a ServiceStats,
    /// Percent, whole.
    on_time: Decimal,
    held_days: Decimal,
    lead_chart: String,
    milestone_chart: String,
    blocked_chart: String,
}

#[derive(Deserialize, Default)]
struct WindowQuery {
    from: Option<String>,
    to: Option<String>,
    service_type: Option<String>,
}

impl WindowQuery {
    /// The asked window; by default the twelve months to this one.
    fn window(&self, today: chrono::NaiveDate) -> Result<(String, String, Window), PageError> {
        let month = |d: chrono::NaiveDate| format!("{:04}-{:02}", d.year(), d.month());
        let year_ago = today.checked_sub_months(chrono::Months::new(11)).unwrap_or(today);
        let from = self.from.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| month(year_ago));
        let to = self.to.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| month(today));
        let window = Window::new(&from, &to).map_err(|_| PageError::NotFound)?;
        Ok((from, to, window))
    }

    fn service_type(&self) -> Result<Option<&str>, PageError> {
        match self.service_type.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if !is_machine_key(s) => Err(PageError::NotFound),
            other => Ok(other),
        }
    }
}

/// The window asked, and its report (the member must be allowed analytics).
struct Asked<'q> {
    from: String,
    to: String,
    service_type: Option<&'q str>,
    report: app::AnalyticsReport,
}

impl WindowQuery {
    async fn report(&self, state: &ConsoleState, member: &Member) -> Result<Asked<'_>, PageError> {
        allow(member, Action::ViewAnalytics)?;
        let (from, to, window) = self.window(state.clock.now().date_naive())?;
        let service_type = self.service_type()?;
        let report =
            state.analytics.deployments(window, service_type).await.map_err(unavailable)?;
        Ok(Asked { from, to, service_type, report })
    }
}

async fn analytics(
    State(state): State<ConsoleState>,
    member: Member,
    Query(q): Query<WindowQuery>,
) -> Response {
    let result = async {
        let Asked { from, to, service_type, report } = q.report(&state, &member).await?;
        let types: Vec<String> =
            report.service_types.iter().map(|s| s.service_type.clone()).collect();
        let templates = state.templates.current_of(&types).await.map_err(unavailable)?;
        let t = Strings::of(member.lang);
        let services = (report.service_types.iter().zip(&templates))
            .map(|(stats, template)| charts(stats, template, t, member.lang))
            .collect();
        // Built after the awaits: the serializer is not `Send`.
        let mut csv = form_urlencoded::Serializer::new(String::new());
        csv.append_pair("from", &from).append_pair("to", &to);
        service_type.map(|s| csv.append_pair("service_type", s));
        let csv_href = format!("{}?{}", routes::analytics_csv(), csv.finish());
        let frame = Frame::of(&member, Section::Analytics);
        let view =
            AnalyticsPage { t, frame, from: &from, to: &to, service_type, services, csv_href };
        Ok(page(&member, StatusCode::OK, &view))
    }
    .await;
    respond(&member, result)
}

async fn csv(
    State(state): State<ConsoleState>,
    member: Member,
    Query(q): Query<WindowQuery>,
) -> Response {
    let result = async {
        let Asked { from, to, report, .. } = q.report(&state, &member).await?;
        let body = api::body::Analytics::from(&report).to_csv();
        let name = format!("attachment; filename=\"deployments-{from}-{to}.csv\"");
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            body,
        )
            .into_response())
    }
    .await;
    respond(&member, result)
}

/// The charts of one service type, its milestones named as its current
/// template names them (a key the template no longer has stays a key).
fn charts<'a>(s: &'a ServiceStats, template: &Plan, t: &Strings, lang: Lang) -> Charts<'a> {
    let lead = [
        ("p50", s.lead_time_days.p50),
        ("p85", s.lead_time_days.p85),
        ("p95", s.lead_time_days.p95),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let milestones: Vec<(String, f64)> =
        s.milestones.iter().map(|m| (milestone_name(template, &m.key, lang), m.p50_days)).collect();
    let blocked: Vec<(String, f64)> =
        s.blocked_days.iter().map(|(c, d)| (t.category_name(c).to_owned(), *d)).collect();
    Charts {
        stats: s,
        on_time: Decimal((s.on_time_rate * 100.0).round()),
        held_days: Decimal(round1(s.held_days)),
        lead_chart: bars(&lead, t.lead_time),
        milestone_chart: bars(&milestones, t.time_per_milestone),
        blocked_chart: bars(&blocked, t.blocked_by_category),
    }
}

fn milestone_name(template: &Plan, key: &MilestoneKey, lang: Lang) -> String {
    template
        .milestones
        .iter()
        .find(|m| &m.key == key)
        .map_or_else(|| key.to_string(), |m| lang.pick(&m.name.fr, &m.name.en).to_owned())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A horizontal bar chart: one labelled bar per item, its value at its end.
pub fn bars(items: &[(String, f64)], title: &str) -> String {
    const ROW: usize = 24;
    const LABEL: f64 = 170.0;
    const WIDTH: f64 = 420.0;
    let max = items.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    let height = ROW * items.len().max(1) + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\"><title>{}</title>",
        escape(title),
        w = LABEL + WIDTH + 60.0
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = i * ROW + 4;
        let len = (value / max * WIDTH).max(1.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\">{}</text><rect class=\"bar\" x=\"{LABEL}\" y=\"{y}\" \
             width=\"{len:.1}\" height=\"16\"/><text x=\"{vx:.1}\" y=\"{ty}\">{}</text>",
            escape(label),
            round1(*value),
            ty = y + 13,
            vx = LABEL + len + 6.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_one_bar_per_item_with_escaped_labels() {
        let svg = bars(&[("a<b".into(), 2.0), ("c".into(), 4.0)], "T & t");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("a&lt;b") && svg.contains("<title>T &amp; t</title>"));
        assert!(svg.contains("width=\"420.0\""), "the largest value spans the width: {svg}");
    }
}

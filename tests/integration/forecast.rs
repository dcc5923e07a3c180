//! Forecast and jeopardy, learned durations and analytics, through the
//! real routes and the review sweep, on DynamoDB Local and on the embedded
//! store (the review's cost on a table of 10,000 projects: `at_scale`).

use app::ports::Clock;
use app::ports::Store;
use app::ports::{Commit, Guard, ProjectWrite};
use app::{Commands, Reviewer};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::ProjectId;
use domain::forecast::Forecast;
use domain::outbox::{MailTemplate, OutboxMessage};
use domain::project::Change;
use integration_tests::contracts::assert_valid;
use integration_tests::edited_deal;
use integration_tests::fixtures::{
    BEFORE_GO_LIVE, Bundle, MANAGER as OWNER, PM, ROOT, project, t0,
};
use serde_json::{Value, json};
use std::sync::Arc;

struct Fixture {
    bundle: Bundle,
}

integration_tests::on_bundle!(Fixture);

async fn fixture(store: Arc<dyn Store>) -> Fixture {
    Fixture { bundle: Bundle::new(store) }
}

impl Fixture {
    /// The forecast review as of the bundle's clock.
    fn reviewer(&self) -> Reviewer {
        let clock = self.clock.clone();
        let commands =
            Arc::new(Commands::new(self.store.clone(), self.store.clone(), clock.clone()));
        Reviewer::new(self.store.clone(), self.store.clone(), commands, clock)
    }

    async fn forecast(&self, id: &ProjectId) -> Value {
        let reply = self.call("GET", &format!("/v1/projects/{id}"), Some(PM), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["forecast"].clone()
    }

    /// How many projects `GET /v1/projects?health=` lists.
    async fn listed(&self, health: &str) -> usize {
        let path = format!("/v1/projects?health={health}");
        let reply = self.call("GET", &path, Some(PM), None).await;
        reply.json()["items"].as_array().map_or(0, Vec::len)
    }

    /// (previous health, health) of each jeopardy event of `id` so far,
    /// each checked against its schema.
    async fn jeopardy(&self, id: &ProjectId) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for e in self.store.pending_outbox(10_000).await.unwrap() {
            if let OutboxMessage::Event { detail_type, detail } = &e.message
                && detail_type == "ProjectJeopardyChanged"
                && &e.project_id == id
            {
                assert_valid(detail_type, detail);
                let health = |field: &str| detail[field].as_str().unwrap().to_owned();
                found.push((e.created_at, (health("previous_health"), health("health"))));
            }
        }
        found.sort();
        found.into_iter().map(|(_, change)| change).collect()
    }

    /// The owner's jeopardy mails about `id`: their subjects' health words.
    async fn owner_mails(&self, id: &ProjectId) -> Vec<String> {
        let mut found = Vec::new();
        for e in self.store.pending_outbox(10_000).await.unwrap() {
            if let OutboxMessage::Mail {
                template: MailTemplate::ProjectJeopardy, to, context, ..
            } = &e.message
                && &e.project_id == id
            {
                assert_eq!(to, OWNER);
                found.push(context["health"].as_str().unwrap().to_owned());
            }
        }
        found
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(day: &str) -> DateTime<Utc> {
    format!("{day}T00:30:00Z").parse().unwrap()
}

/// Runs `reviewers`' sweeps at once, each on its own task.
async fn sweep_at_once(reviewers: Vec<Reviewer>) -> Vec<app::ReviewReport> {
    let sweeps: Vec<_> = reviewers
        .into_iter()
        .map(|r| tokio::spawn(async move { r.sweep().await.unwrap() }))
        .collect();
    let mut reports = Vec::new();
    for sweep in sweeps {
        reports.push(sweep.await.unwrap());
    }
    reports
}

fn changes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

mod cases {
    use super::*;

    pub async fn a_deal_due_in_ten_days_reads_late_is_listed_announced_and_mailed_once(f: Fixture) {
        let target = (t0() + Duration::days(10)).date_naive();
        let deal = edited_deal(|d| d["target_go_live"] = json!(target));
        assert_eq!(f.receive(deal).await.status, StatusCode::CREATED);
        let l1 = project("L1");
        let forecast = f.forecast(&l1).await;
        // Created 2026-11-20 on the default template: 36 expected days.
        assert_eq!(forecast["projected_go_live"], "2026-12-26");
        assert_eq!(forecast["target_go_live"], "2026-11-30");
        assert_eq!(
            (forecast["slack_days"].as_i64(), forecast["health"].as_str()),
            (Some(-26), Some("late"))
        );
        assert_eq!(forecast["basis"], "template");

        let listed = f.call("GET", "/v1/projects?health=late", Some(PM), None).await.json();
        let ids: Vec<&str> =
            listed["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&l1.as_str()), "{ids:?}");
        let on_track = f.call("GET", "/v1/projects?health=on_track", Some(PM), None).await.json();
        assert_eq!(on_track["items"], json!([]));
        assert_eq!(f.jeopardy(&l1).await, changes(&[("none", "late")]));
        assert_eq!(f.owner_mails(&l1).await, ["late"]);

        // Milestones completed at their expected pace: still late, nothing more said.
        for (key, days) in
            [("order_confirmed", 2), ("equipment_ordered", 7), ("delivery_confirmed", 22)]
        {
            f.clock.set(t0() + Duration::days(days));
            assert_eq!(f.complete(&l1, key, PM, None).await.status, StatusCode::OK);
            assert_eq!(f.forecast(&l1).await["health"], "late");
        }
        let report = f.reviewer().sweep().await.unwrap();
        assert!(report.changed.is_empty());
        assert_eq!(f.jeopardy(&l1).await.len(), 1, "no second event while it stays late");
        assert_eq!(f.owner_mails(&l1).await.len(), 1);
    }

    pub async fn time_alone_moves_a_project_at_risk_then_late_one_event_per_change(f: Fixture) {
        assert_eq!(f.receive(integration_tests::sample_deal()).await.status, StatusCode::CREATED);
        let l1 = project("L1");
        assert_eq!(f.forecast(&l1).await["health"], "on_track");
        let mut seen = Vec::new();
        // Daily sweeps just after midnight, from the day after the deal.
        for day in 1..=30 {
            f.clock.set(at("2026-11-20") + Duration::days(day));
            let report = f.reviewer().sweep().await.unwrap();
            assert_eq!(report.failed, 0);
            let again = f.reviewer().sweep().await.unwrap();
            assert_eq!(
                (again.reviewed, again.read),
                (0, 0),
                "an identical sweep finds nothing due"
            );
            if let Some((_, health)) = report.changed.iter().find(|(p, _)| *p == l1) {
                seen.push((f.clock.now().date_naive(), health.as_str()));
            }
        }
        // 34 days of plan left once order_confirmed overran (2026-11-22):
        // 5 days of slack left on 2026-12-07, none on 2026-12-12.
        assert_eq!(seen, [(date("2026-12-08"), "at_risk"), (date("2026-12-13"), "late")]);
        assert_eq!(f.jeopardy(&l1).await, changes(&[("on_track", "at_risk"), ("at_risk", "late")]));
        assert_eq!(f.owner_mails(&l1).await, ["at_risk", "late"]);
        let forecast = f.forecast(&l1).await;
        assert_eq!(forecast["reasons"][0]["kind"], "milestone_late");
        assert_eq!(forecast["projected_go_live"], "2027-01-23");
    }

    pub async fn overlapping_sweeps_announce_each_change_once(f: Fixture) {
        // Ten deals of two projects each, all late by 2026-12-13.
        let mut projects = Vec::new();
        for n in 0..10 {
            let deal_id = format!("D-OVERLAP-{n}");
            let deal = edited_deal(|d| d["deal_id"] = json!(deal_id));
            assert_eq!(f.receive(deal).await.status, StatusCode::CREATED);
            for line in ["L1", "L2"] {
                projects.push(ProjectId::for_deal_line(&deal_id, line));
            }
        }
        f.clock.set(at("2026-12-13"));
        let sweeps = (0..3).map(|_| f.reviewer());
        let reports = sweep_at_once(sweeps.collect()).await;
        let changed: usize = reports.iter().map(|r| r.changed.len()).sum();
        assert_eq!(changed, projects.len(), "each project once across the sweeps: {reports:?}");
        for id in &projects {
            assert_eq!(f.jeopardy(id).await, changes(&[("on_track", "late")]), "{id}");
            assert_eq!(f.owner_mails(id).await, ["late"], "{id}");
        }
    }

    pub async fn a_crm_change_of_target_reprojects_and_announces(f: Fixture) {
        assert_eq!(f.receive(integration_tests::sample_deal()).await.status, StatusCode::CREATED);
        let l1 = project("L1");
        assert_eq!(f.forecast(&l1).await["health"], "on_track");
        let mut change: Value = serde_json::from_slice(&integration_tests::sample_deal()).unwrap();
        change["revision"] = json!(1);
        change["target_go_live"] = json!("2026-12-28");
        let reply = f.crm(api::routes::DEAL_CHANGED, &change).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        // 2026-12-26 projected: 2 days of slack, under the 5 of the template.
        let forecast = f.forecast(&l1).await;
        assert_eq!(
            (forecast["slack_days"].as_i64(), forecast["health"].as_str()),
            (Some(2), Some("at_risk"))
        );
        assert_eq!(f.jeopardy(&l1).await, changes(&[("on_track", "at_risk")]));
        assert_eq!(f.owner_mails(&l1).await, ["at_risk"]);
    }

    pub async fn projects_stored_before_forecasting_are_assessed_once_by_the_backfill(f: Fixture) {
        assert_eq!(f.receive(integration_tests::sample_deal()).await.status, StatusCode::CREATED);
        // As stored before forecasting: no forecast on the header.
        for line in ["L1", "L2"] {
            let mut legacy = f.store.load(&project(line)).await.unwrap().unwrap();
            let version = legacy.version;
            legacy.forecast = Forecast::unassessed();
            let write = ProjectWrite {
                guard: Guard::Version(version),
                project: legacy,
                change: Change::default(),
            };
            f.store.commit(Commit { project: Some(write), deal: None }).await.unwrap();
        }
        assert_eq!(f.listed("on_track").await, 0);
        let before = f.store.pending_outbox(10_000).await.unwrap().len();

        let report = f.reviewer().backfill().await.unwrap();
        assert_eq!((report.reviewed, report.read, report.failed), (2, 2, 0));
        assert_eq!(f.listed("on_track").await, 2);
        assert_eq!(f.forecast(&project("L1")).await["projected_go_live"], "2026-12-26");
        let after = f.store.pending_outbox(10_000).await.unwrap().len();
        assert_eq!(after, before, "on track is no news: no event, no mail");
        let again = f.reviewer().backfill().await.unwrap();
        assert_eq!((again.reviewed, again.read), (0, 2), "a second run finds none to assess");
    }

    /// A fibre template saved through the API with `at_risk_days` moved
    /// around the sample's 20 days of slack: at the threshold a new project
    /// is on track, a day above it at risk (announced, mailed); projects of
    /// earlier versions and of other types keep their health.
    pub async fn a_saved_at_risk_threshold_sets_new_projects_health(f: Fixture) {
        assert_eq!(f.receive(integration_tests::sample_deal()).await.status, StatusCode::CREATED);
        let (before, sip) = (project("L1"), f.forecast(&project("L2")).await);
        let forecast = f.forecast(&before).await;
        assert_eq!(
            (forecast["slack_days"].as_i64(), forecast["health"].as_str()),
            (Some(20), Some("on_track"))
        );
        for (version, at_risk_days, health) in [(1, 20, "on_track"), (2, 21, "at_risk")] {
            let path = "/v1/settings/deployment-templates/fibre_ftto";
            let mut template = f.call("GET", path, Some(ROOT), None).await.json();
            template["at_risk_days"] = json!(at_risk_days);
            let saved = f.call("PUT", path, Some(ROOT), Some(template)).await;
            assert_eq!(saved.status, StatusCode::OK, "{}", String::from_utf8_lossy(&saved.body));
            assert_eq!(
                (saved.json()["version"].as_u64(), saved.json()["at_risk_days"].as_u64()),
                (Some(version), Some(at_risk_days))
            );
            let deal_id = format!("D-MARGIN-{at_risk_days}");
            let deal = edited_deal(|d| d["deal_id"] = json!(deal_id));
            assert_eq!(f.receive(deal).await.status, StatusCode::CREATED);
            let id = ProjectId::for_deal_line(&deal_id, "L1");
            let forecast = f.forecast(&id).await;
            assert_eq!(
                (forecast["slack_days"].as_i64(), forecast["health"].as_str()),
                (Some(20), Some(health)),
                "at_risk_days {at_risk_days}"
            );
            let sip_line = ProjectId::for_deal_line(&deal_id, "L2");
            assert_eq!(f.forecast(&sip_line).await, sip, "another type, another template");
        }
        let flagged = ProjectId::for_deal_line("D-MARGIN-21", "L1");
        assert_eq!(f.jeopardy(&flagged).await, changes(&[("none", "at_risk")]));
        assert_eq!(f.owner_mails(&flagged).await, ["at_risk"]);
        assert!(f.jeopardy(&ProjectId::for_deal_line("D-MARGIN-20", "L1")).await.is_empty());
        assert_eq!(f.forecast(&before).await["health"], "on_track", "pinned to version 0");
        assert_eq!(f.listed("at_risk").await, 1);
    }
}

integration_tests::suite_per_store!(|store| fixture(store).await;
    a_saved_at_risk_threshold_sets_new_projects_health,
    a_deal_due_in_ten_days_reads_late_is_listed_announced_and_mailed_once,
    time_alone_moves_a_project_at_risk_then_late_one_event_per_change,
    overlapping_sweeps_announce_each_change_once,
    a_crm_change_of_target_reprojects_and_announces,
    projects_stored_before_forecasting_are_assessed_once_by_the_backfill,
);

/// Durations learned from go-lives, and the analytics of those go-lives.
mod history {
    use super::*;
    use domain::MilestoneKey;
    use integration_tests::{dynamo_store, sqlite_store};

    /// Days each milestone of go-live `i` takes, in template order.
    fn plan(i: i64) -> [i64; 6] {
        [1 + i % 3, 3 + i % 5, 10 + i, 5, 2 + i % 2, 1 + i % 4]
    }

    const GO_LIVES: i64 = 12;
    /// When the sample deal was won: lead times count from this day.
    const WON: &str = "2026-11-20";

    fn deal_id(i: i64) -> String {
        format!("D-HIST-{i:02}")
    }

    /// Every third go-live had a task blocked (carrier) for the first day;
    /// every fourth was on hold for 3 days during `delivery_confirmed`.
    const BLOCKED: [i64; 4] = [0, 3, 6, 9];
    const HELD: [i64; 3] = [0, 4, 8];

    /// Even deals are due 40 days after `t0`, odd ones 30: a month's
    /// go-lives are some on time, some late.
    fn target(i: i64) -> NaiveDate {
        (t0() + Duration::days(if i % 2 == 0 { 40 } else { 30 })).date_naive()
    }

    /// The template's milestones, `go_live` included.
    fn milestone_keys() -> Vec<&'static str> {
        BEFORE_GO_LIVE.iter().copied().chain([MilestoneKey::GO_LIVE]).collect()
    }

    /// A go-live as the test drove it: what analytics must find again.
    struct Driven {
        date: NaiveDate,
        target: NaiveDate,
        /// Days of work per milestone, time on hold aside.
        days: [i64; 6],
        blocked_carrier_days: i64,
        held_days: i64,
    }

    /// Deal `i`: one fibre line, received on day `i` after `t0`, each
    /// milestone taking the days of [`plan`] of work, plus a hold for some;
    /// its project taken live.
    async fn go_live(f: &Bundle, i: i64) -> Driven {
        let start = t0() + Duration::days(i);
        f.clock.set(start);
        let deal = edited_deal(|d| {
            d["deal_id"] = json!(deal_id(i));
            d["target_go_live"] = json!(target(i));
            d["services"] = json!([d["services"][0].clone()]);
        });
        let reply = f.receive(deal).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let id = ProjectId::for_deal_line(&deal_id(i), "L1");
        let blocked = BLOCKED.contains(&i);
        if blocked {
            blocked_for_a_day(f, &id).await;
        }
        let (mut now, mut held_days) = (start, 0);
        for (key, days) in BEFORE_GO_LIVE.iter().zip(plan(i)) {
            if *key == "delivery_confirmed" && HELD.contains(&i) {
                now = held_for_three_days(f, &id, now).await;
                held_days += 3;
            }
            now += Duration::days(days);
            f.clock.set(now);
            assert_eq!(f.complete(&id, key, PM, None).await.status, StatusCode::OK, "{key}");
        }
        now += Duration::days(plan(i)[5]);
        f.clock.set(now);
        let body = json!({
            "go_live_date": now.date_naive(),
            "technical_summary": [{ "line_id": "L1", "circuit_id": format!("FTTO-{i}") }],
        });
        let path = format!("/v1/projects/{id}/activate");
        assert_eq!(f.call("POST", &path, Some(PM), Some(body)).await.status, StatusCode::OK);
        Driven {
            date: now.date_naive(),
            target: target(i),
            days: plan(i),
            blocked_carrier_days: i64::from(blocked),
            held_days,
        }
    }

    /// A task of `order_confirmed`, blocked (carrier) now and done a day later.
    async fn blocked_for_a_day(f: &Bundle, id: &ProjectId) {
        let now = f.clock.now();
        let task = json!({ "title": "Survey", "assignee": OWNER, "due_date": now.date_naive() });
        let task = f.add_task(id, "order_confirmed", task).await;
        let path = format!("/v1/projects/{id}/tasks/{task}");
        let block =
            json!({ "status": "blocked", "blocked_reason": "Late", "blocked_category": "carrier" });
        assert_eq!(f.call("PATCH", &path, Some(PM), Some(block)).await.status, StatusCode::OK);
        f.clock.set(now + Duration::days(1));
        for status in ["in_progress", "done"] {
            let patch = json!({ "status": status });
            assert_eq!(f.call("PATCH", &path, Some(PM), Some(patch)).await.status, StatusCode::OK);
        }
        f.clock.set(now);
    }

    /// The project on hold from `now` for 3 days; when it resumed.
    async fn held_for_three_days(f: &Bundle, id: &ProjectId, now: DateTime<Utc>) -> DateTime<Utc> {
        f.clock.set(now);
        let hold = json!({ "reason": "Site closed", "category": "site_access" });
        let path = format!("/v1/projects/{id}/hold");
        assert_eq!(f.call("POST", &path, Some(PM), Some(hold)).await.status, StatusCode::OK);
        let resumed = now + Duration::days(3);
        f.clock.set(resumed);
        let path = format!("/v1/projects/{id}/resume");
        assert_eq!(f.call("POST", &path, Some(PM), None).await.status, StatusCode::OK);
        resumed
    }

    /// Nearest-rank percentile, computed here apart from the product's code.
    fn nearest_rank(values: &[f64], p: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
        v[rank - 1]
    }

    async fn learns_and_reports(store: Arc<dyn Store>) {
        let f = Bundle::new(store);
        let mut lives = Vec::new();
        for i in 0..GO_LIVES {
            lives.push(go_live(&f, i).await);
        }
        // A new deal of the same type plans with the p85 of each milestone.
        f.clock.set(t0() + Duration::days(60));
        let deal = edited_deal(|d| {
            d["deal_id"] = json!("D-HIST-NEW");
            d["services"] = json!([d["services"][0].clone()]);
        });
        assert_eq!(f.receive(deal).await.status, StatusCode::CREATED);
        let id = ProjectId::for_deal_line("D-HIST-NEW", "L1");
        let view = f.call("GET", &format!("/v1/projects/{id}"), Some(PM), None).await.json();
        assert_eq!(view["forecast"]["basis"], "history");
        let expected: Vec<i64> = (0..6)
            .map(|m| {
                let days: Vec<f64> = lives.iter().map(|l| l.days[m] as f64).collect();
                nearest_rank(&days, 85.0) as i64
            })
            .collect();
        let planned: Vec<i64> = view["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["expected_days"].as_i64().unwrap())
            .collect();
        assert_eq!(planned, expected);
        let total: i64 = expected.iter().sum();
        let created = (t0() + Duration::days(60)).date_naive();
        let projected = created + Duration::days(total);
        assert_eq!(view["forecast"]["projected_go_live"], json!(projected));

        analytics_agree_with_the_go_lives(&f, &lives).await;
    }

    /// A month's analytics (the month most go-lives fell in) and wider and
    /// emptier windows: each the figures of the go-lives it holds, in JSON
    /// and in CSV.
    async fn analytics_agree_with_the_go_lives(f: &Bundle, lives: &[Driven]) {
        let of_month = |month: &str| -> Vec<&Driven> {
            lives.iter().filter(|l| l.date.format("%Y-%m").to_string() == month).collect()
        };
        let december = of_month("2026-12");
        assert!(december.len() * 2 > lives.len(), "most go-lives are in December");
        assert!(december.iter().any(|l| l.date > l.target), "some of them late");
        assert!(december.iter().any(|l| l.held_days > 0 && l.blocked_carrier_days > 0));
        assert!(december.len() + of_month("2027-01").len() == lives.len());
        window_reports(f, ("2026-12", "2026-12"), Some("fibre_ftto"), &december).await;
        let all: Vec<&Driven> = lives.iter().collect();
        window_reports(f, ("2026-11", "2027-02"), None, &all).await;
        window_reports(f, ("2026-11", "2026-11"), None, &[]).await;
        window_reports(f, ("2026-12", "2026-12"), Some("sip_trunk"), &[]).await;

        let path = "/v1/analytics/deployments?from=2026-12&to=2026-12";
        let tech = f.call("GET", path, Some(integration_tests::fixtures::TECH1), None).await;
        assert_eq!(tech.status, StatusCode::FORBIDDEN);
        let backwards = "/v1/analytics/deployments?from=2027-02&to=2026-11";
        assert_eq!(
            f.call("GET", backwards, Some(PM), None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    /// The analytics of the months `from`..=`to`: the JSON is exactly what
    /// `lives` (the go-lives of the window) compute to here, and the CSV has
    /// the same figures, row for row.
    async fn window_reports(
        f: &Bundle,
        (from, to): (&str, &str),
        service_type: Option<&str>,
        lives: &[&Driven],
    ) {
        let filter = service_type.map(|t| format!("&service_type={t}")).unwrap_or_default();
        let path = format!("/v1/analytics/deployments?from={from}&to={to}{filter}");
        let reply = f.call("GET", &path, Some(ROOT), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let json = reply.json();
        let types = if lives.is_empty() { json!([]) } else { json!([expected_stats(lives)]) };
        assert_eq!(json, json!({ "from": from, "to": to, "service_types": types }), "{path}");
        assert_eq!(csv_rows(f, &path).await, json_rows(&json), "{path}");
    }

    /// The fibre statistics of `lives`, from the durations the test drove.
    fn expected_stats(lives: &[&Driven]) -> Value {
        let won = date(WON);
        let lead: Vec<f64> = lives.iter().map(|l| (l.date - won).num_days() as f64).collect();
        let on_time = lives.iter().filter(|l| l.date <= l.target).count() as f64;
        let milestones: Vec<Value> = milestone_keys()
            .into_iter()
            .enumerate()
            .map(|(m, key)| {
                let days: Vec<f64> = lives.iter().map(|l| l.days[m] as f64).collect();
                json!({
                    "key": key,
                    "count": lives.len(),
                    "p50_days": nearest_rank(&days, 50.0),
                    "p85_days": nearest_rank(&days, 85.0),
                })
            })
            .collect();
        let carrier: i64 = lives.iter().map(|l| l.blocked_carrier_days).sum();
        let held: i64 = lives.iter().map(|l| l.held_days).sum();
        json!({
            "service_type": "fibre_ftto",
            "count": lives.len(),
            "lead_time_days": {
                "p50": nearest_rank(&lead, 50.0),
                "p85": nearest_rank(&lead, 85.0),
                "p95": nearest_rank(&lead, 95.0),
            },
            "on_time_rate": (on_time / lives.len() as f64 * 100.0).round() / 100.0,
            "milestones": milestones,
            "blocked_days": {
                "customer": 0.0, "carrier": carrier as f64, "site_access": 0.0,
                "equipment": 0.0, "internal": 0.0, "other": 0.0,
            },
            "held_days": held as f64,
        })
    }

    /// (service type, metric, key, value): one figure, as a CSV row has it.
    type Row = (String, String, String, f64);

    /// Every figure of the JSON analytics, in the CSV's row order.
    fn json_rows(json: &Value) -> Vec<Row> {
        let mut rows = Vec::new();
        for s in json["service_types"].as_array().unwrap() {
            let service = s["service_type"].as_str().unwrap();
            let mut row = |metric: &str, key: &str, value: &Value| {
                let value = value.as_f64().unwrap_or_else(|| panic!("{metric} {key}: {value}"));
                rows.push((service.to_owned(), metric.to_owned(), key.to_owned(), value));
            };
            row("count", "", &s["count"]);
            for p in ["p50", "p85", "p95"] {
                row("lead_time_days", p, &s["lead_time_days"][p]);
            }
            row("on_time_rate", "", &s["on_time_rate"]);
            for m in s["milestones"].as_array().unwrap() {
                let key = m["key"].as_str().unwrap();
                row("milestone_count", key, &m["count"]);
                row("milestone_days_p50", key, &m["p50_days"]);
                row("milestone_days_p85", key, &m["p85_days"]);
            }
            let blocked: std::collections::BTreeMap<_, _> =
                s["blocked_days"].as_object().unwrap().iter().collect();
            for (category, days) in blocked {
                row("blocked_days", category, days);
            }
            row("held_days", "", &s["held_days"]);
        }
        rows
    }

    /// The CSV answer of `path`, parsed: every row has the four columns.
    async fn csv_rows(f: &Bundle, path: &str) -> Vec<Row> {
        let token = integration_tests::token(integration_tests::fixtures::ADMIN, &["admin"]);
        let mut request = integration_tests::staff_request("GET", path, Some(&token), None);
        let accept = axum::http::HeaderValue::from_static("text/csv");
        request.headers_mut().insert(axum::http::header::ACCEPT, accept);
        let csv = integration_tests::send(&f.app, request).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        let text = String::from_utf8(csv.body.clone()).unwrap();
        let body = text.strip_suffix("\r\n").unwrap_or_else(|| panic!("CRLF rows:\n{text}"));
        let mut lines = body.split("\r\n");
        assert_eq!(lines.next(), Some("service_type,metric,key,value"));
        lines
            .map(|line| {
                let c: Vec<&str> = line.split(',').collect();
                assert_eq!(c.len(), 4, "{line}");
                let value = c[3].parse().unwrap_or_else(|_| panic!("a number: {line}"));
                (c[0].to_owned(), c[1].to_owned(), c[2].to_owned(), value)
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn durations_are_learned_after_twelve_go_lives_on_dynamodb_local() {
        learns_and_reports(Arc::new(dynamo_store().await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn durations_are_learned_after_twelve_go_lives_on_the_embedded_store() {
        learns_and_reports(Arc::new(sqlite_store())).await;
    }
}

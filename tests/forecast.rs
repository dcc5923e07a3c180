//! Forecast and jeopardy, learned durations and analytics, through the
//! real routes and the review sweep, on DynamoDB Local and on the embedded
//! store; and the review's cost on a table of 10,000 projects.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use integration_tests::contracts::assert_valid;
use integration_tests::edited_deal;
use integration_tests::fixtures::{
    BEFORE_GO_LIVE, Bundle, MANAGER as OWNER, PM, ROOT, project, t0,
};
use serde_json::{Value, json};
use shared::app::{Commands, Reviewer};
use shared::domain::ProjectId;
use shared::domain::forecast::Forecast;
use shared::domain::outbox::{MailTemplate, OutboxMessage};
use shared::domain::project::Change;
use shared::ports::Clock;
use shared::ports::{Commit, Guard, ProjectWrite};
use shared::store::Store;
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
async fn sweep_at_once(reviewers: Vec<Reviewer>) -> Vec<shared::app::ReviewReport> {
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
        let reply = f.crm(shared::http::routes::DEAL_CHANGED, &change).await;
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
}

integration_tests::suite_per_store!(|store| fixture(store).await;
    a_deal_due_in_ten_days_reads_late_is_listed_announced_and_mailed_once,
    time_alone_moves_a_project_at_risk_then_late_one_event_per_change,
    overlapping_sweeps_announce_each_change_once,
    a_crm_change_of_target_reprojects_and_announces,
    projects_stored_before_forecasting_are_assessed_once_by_the_backfill,
);

/// Durations learned from go-lives, and the analytics of those go-lives.
mod history {
    use super::*;
    use integration_tests::{dynamo_store, sqlite_store};

    /// Days each milestone of go-live `i` takes, in template order.
    fn plan(i: i64) -> [i64; 6] {
        [1 + i % 3, 3 + i % 5, 10 + i, 5, 2 + i % 2, 1 + i % 4]
    }

    const GO_LIVES: i64 = 12;

    fn deal_id(i: i64) -> String {
        format!("D-HIST-{i:02}")
    }

    /// Every third go-live had a task blocked (carrier) for the first day;
    /// every fourth was on hold for 3 days during `delivery_confirmed`.
    const BLOCKED: [i64; 4] = [0, 3, 6, 9];
    const HELD: [i64; 3] = [0, 4, 8];

    /// Deal `i`: one fibre line, received on day `i` after `t0`, each
    /// milestone taking the days of [`plan`] of work, plus a hold for some;
    /// its project, live: (id, go-live date, target).
    async fn go_live(f: &Bundle, i: i64) -> (ProjectId, NaiveDate, NaiveDate) {
        let start = t0() + Duration::days(i);
        f.clock.set(start);
        let target = (t0() + Duration::days(40)).date_naive();
        let deal = edited_deal(|d| {
            d["deal_id"] = json!(deal_id(i));
            d["target_go_live"] = json!(target);
            d["services"] = json!([d["services"][0].clone()]);
        });
        let reply = f.receive(deal).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        let id = ProjectId::for_deal_line(&deal_id(i), "L1");
        if BLOCKED.contains(&i) {
            blocked_for_a_day(f, &id).await;
        }
        let mut now = start;
        for (key, days) in BEFORE_GO_LIVE.iter().zip(plan(i)) {
            if *key == "delivery_confirmed" && HELD.contains(&i) {
                now = held_for_three_days(f, &id, now).await;
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
        (id, now.date_naive(), target)
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
                let days: Vec<f64> = (0..GO_LIVES).map(|i| plan(i)[m] as f64).collect();
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

    async fn analytics_agree_with_the_go_lives(
        f: &Bundle,
        lives: &[(ProjectId, NaiveDate, NaiveDate)],
    ) {
        let path = "/v1/analytics/deployments?from=2026-11&to=2027-02&service_type=fibre_ftto";
        let reply = f.call("GET", path, Some(ROOT), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let json = reply.json();
        let stats = &json["service_types"][0];
        assert_eq!(json["service_types"].as_array().unwrap().len(), 1);
        assert_eq!(stats["count"], GO_LIVES);
        let won = date("2026-11-20");
        let lead: Vec<f64> =
            lives.iter().map(|(_, live, _)| (*live - won).num_days() as f64).collect();
        for (p, field) in [(50.0, "p50"), (85.0, "p85"), (95.0, "p95")] {
            assert_eq!(
                stats["lead_time_days"][field].as_f64(),
                Some(nearest_rank(&lead, p)),
                "{field}"
            );
        }
        let on_time = lives.iter().filter(|(_, live, target)| live <= target).count() as f64;
        let rate = (on_time / GO_LIVES as f64 * 100.0).round() / 100.0;
        assert_eq!(stats["on_time_rate"].as_f64(), Some(rate));
        for (m, key) in BEFORE_GO_LIVE.iter().enumerate() {
            let days: Vec<f64> = (0..GO_LIVES).map(|i| plan(i)[m] as f64).collect();
            let row = &stats["milestones"][m];
            assert_eq!(row["key"], *key);
            assert_eq!(row["p50_days"].as_f64(), Some(nearest_rank(&days, 50.0)));
            assert_eq!(row["p85_days"].as_f64(), Some(nearest_rank(&days, 85.0)));
        }

        // Blocked time by category and time on hold, hold left out of every duration above.
        assert_eq!(stats["blocked_days"]["carrier"].as_f64(), Some(BLOCKED.len() as f64));
        assert_eq!(stats["blocked_days"]["other"].as_f64(), Some(0.0));
        assert_eq!(stats["held_days"].as_f64(), Some(3.0 * HELD.len() as f64));
        the_csv_says_the_same(f, path, stats, rate).await;

        let tech = f.call("GET", path, Some(integration_tests::fixtures::TECH1), None).await;
        assert_eq!(tech.status, StatusCode::FORBIDDEN);
        let backwards = "/v1/analytics/deployments?from=2027-02&to=2026-11";
        assert_eq!(
            f.call("GET", backwards, Some(PM), None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    /// The CSV of `path`: the figures of the JSON `stats`, row for row.
    async fn the_csv_says_the_same(f: &Bundle, path: &str, stats: &Value, rate: f64) {
        let token = integration_tests::token(integration_tests::fixtures::ADMIN, &["admin"]);
        let mut request = integration_tests::staff_request("GET", path, Some(&token), None);
        let accept = axum::http::HeaderValue::from_static("text/csv");
        request.headers_mut().insert(axum::http::header::ACCEPT, accept);
        let csv = integration_tests::send(&f.app, request).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        let text = String::from_utf8(csv.body.clone()).unwrap();
        let value = |metric: &str, key: &str| -> f64 {
            text.lines()
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|c| c[0] == "fibre_ftto" && c[1] == metric && c[2] == key)
                .unwrap_or_else(|| panic!("no {metric} {key} in\n{text}"))[3]
                .parse()
                .unwrap()
        };
        assert_eq!(value("count", ""), GO_LIVES as f64);
        assert_eq!(
            value("lead_time_days", "p95"),
            stats["lead_time_days"]["p95"].as_f64().unwrap()
        );
        assert_eq!(value("on_time_rate", ""), rate);
        assert_eq!(
            value("blocked_days", "carrier"),
            stats["blocked_days"]["carrier"].as_f64().unwrap()
        );
        assert_eq!(value("held_days", ""), stats["held_days"].as_f64().unwrap());
        for m in stats["milestones"].as_array().unwrap() {
            let key = m["key"].as_str().unwrap();
            assert_eq!(value("milestone_days_p85", key), m["p85_days"].as_f64().unwrap());
        }
        let rows = text.lines().count() - 1;
        let expected_rows = 1 + 3 + 1 + 3 * 6 + 6 + 1;
        assert_eq!(rows, expected_rows, "one row per figure of the JSON");
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

mod at_scale {
    use super::*;
    use integration_tests::dynamo_store_counted;
    use shared::domain::project::Project;
    use shared::domain::template::Template;

    const PROJECTS: usize = 10_000;
    const DUE: usize = 5;

    /// A project of its own deal, created `days_before` `t0`: only its header
    /// is written (the review reads headers' keys, then loads the due ones).
    fn project_created(n: usize, days_before: i64) -> (Project, Change) {
        let mut deal = integration_tests::sample_deal_won();
        deal.deal_id = format!("D-REVIEW-{n:05}");
        let line = deal.services[0].clone();
        let at = t0() - Duration::days(days_before);
        let (project, _) = Project::open(&deal, &line, &Template::default_for("fibre_ftto"), at);
        (project, Change::default())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_sweep_over_ten_thousand_projects_reads_only_the_five_due() {
        let (dynamo, counter) = dynamo_store_counted().await;
        let (client, table) = (dynamo.client().clone(), dynamo.table().to_owned());
        let store: Arc<dyn Store> = Arc::new(dynamo);
        let started = std::time::Instant::now();
        // The first five were created ten days earlier: their first
        // milestone overran, they are reviewed daily.
        let projects = (0..PROJECTS).map(|n| project_created(n, if n < DUE { 10 } else { 0 }));
        integration_tests::create_all(&store, projects, 16).await;
        eprintln!("{PROJECTS} projects written in {:?}", started.elapsed());

        let now = t0() + Duration::hours(20);
        counter.reset();
        let due = store.due_reviews(now, 200).await.unwrap();
        assert_eq!((due.projects.len(), due.read), (DUE, DUE), "only the due entries are read");
        assert_eq!(counter.total(), 1, "one request: {:?}", counter.counts());

        counter.reset();
        let clock = Arc::new(shared::clock::ManualClock::new(now));
        let commands = Arc::new(Commands::new(store.clone(), store.clone(), clock.clone()));
        let report =
            Reviewer::new(store.clone(), store.clone(), commands, clock).sweep().await.unwrap();
        assert_eq!((report.reviewed, report.read, report.failed), (DUE, DUE, 0));
        // One Query to find them (fewer than a batch: no second look), then
        // a load and a commit each.
        let counts = counter.counts();
        assert_eq!(counts.get("TransactWriteItems"), Some(&(DUE as u32)));
        assert_eq!(counts.get("Query"), Some(&(DUE as u32 + 1)));
        client.delete_table().table_name(table).send().await.unwrap();
    }
}

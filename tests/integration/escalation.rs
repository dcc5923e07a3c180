//! The escalation sweep, with a clock the tests move, on DynamoDB Local and
//! on the embedded store (its cost on a table of 10,000 tasks: `at_scale`).

use app::Escalator;
use app::ports::Store;
use axum::http::StatusCode;
use domain::outbox::{MailTemplate, OutboxMessage};
use domain::{ProjectId, TaskId};
use integration_tests::contracts::assert_valid;
use integration_tests::fixtures::{Bundle, MANAGER as OWNER, PM, TECH, TECH1, project};
use serde_json::json;
use std::sync::Arc;

const CONTACT: &str = "escalade@bluerocktel.fr";

struct Fixture {
    bundle: Bundle,
    project: ProjectId,
    task: TaskId,
}

integration_tests::on_bundle!(Fixture);

impl Fixture {
    /// The L1 project with one task, due the day after `t0`, blocked at `t0`.
    async fn new(store: Arc<dyn Store>) -> Self {
        let bundle = Bundle::with_sample_deal(store).await;
        let project = project("L1");
        let body =
            json!({ "title": "Survey the site", "assignee": TECH, "due_date": "2026-11-21" });
        let task = TaskId::from_raw(&bundle.add_task(&project, "order_confirmed", body).await);
        let block = json!({ "status": "blocked", "blocked_reason": "No access to the building" });
        let path = format!("/v1/projects/{project}/tasks/{task}");
        assert_eq!(
            bundle.call("PATCH", &path, Some(TECH1), Some(block)).await.status,
            StatusCode::OK
        );
        Self { bundle, project, task }
    }

    fn escalator(&self) -> Escalator {
        integration_tests::escalator(self.store.clone(), self.clock.clone(), CONTACT)
    }

    /// (level, notified) of each escalation event so far, checked against the schema.
    async fn escalations(&self) -> Vec<(u64, String)> {
        let mut found = Vec::new();
        for e in self.store.pending_outbox(1000).await.unwrap() {
            if let OutboxMessage::Event { detail_type, detail } = &e.message
                && detail_type == "TaskEscalated"
            {
                assert_valid(detail_type, detail);
                found.push((
                    detail["level"].as_u64().unwrap(),
                    detail["notified"].as_str().unwrap().to_owned(),
                ));
            }
        }
        found.sort();
        found
    }

    async fn escalation_mails(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .store
            .pending_outbox(1000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.message {
                OutboxMessage::Mail { template: MailTemplate::TaskEscalated, to, .. } => Some(to),
                _ => None,
            })
            .collect();
        to.sort();
        to
    }
}

mod cases {
    use super::*;

    pub async fn an_overdue_blocked_task_escalates_once_per_level_then_stops(f: Fixture) {
        let escalator = f.escalator();
        f.clock.set("2026-11-21T23:00:00Z".parse().unwrap());
        assert!(escalator.sweep().await.unwrap().escalated.is_empty(), "still on time");

        // Overdue since midnight: level 1, to the project owner.
        f.clock.set("2026-11-22T00:15:00Z".parse().unwrap());
        let first = escalator.sweep().await.unwrap();
        assert_eq!(first.escalated, [(f.project.clone(), f.task.clone(), 1)]);
        assert!(escalator.sweep().await.unwrap().escalated.is_empty(), "one level per sweep");

        // A day later, still blocked: level 2, to the escalation contact.
        f.clock.set("2026-11-23T00:30:00Z".parse().unwrap());
        assert_eq!(
            escalator.sweep().await.unwrap().escalated,
            [(f.project.clone(), f.task.clone(), 2)]
        );
        f.clock.set("2026-12-31T00:00:00Z".parse().unwrap());
        let after = escalator.sweep().await.unwrap();
        assert!(after.escalated.is_empty() && after.read == 0, "nothing after the last level");

        assert_eq!(f.escalations().await, [(1, OWNER.to_owned()), (2, CONTACT.to_owned())]);
        assert_eq!(f.escalation_mails().await, [CONTACT.to_owned(), OWNER.to_owned()]);
        let view =
            f.call("GET", &format!("/v1/projects/{}", f.project), Some(PM), None).await.json();
        assert_eq!(view["tasks"][0]["escalation_level"], 2);
        assert_eq!(
            view["history"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h["action"] == "task.escalated")
                .count(),
            2
        );
    }

    pub async fn two_concurrent_sweeps_escalate_each_level_once(f: Fixture) {
        let (a, b) = (f.escalator(), f.escalator());
        for (at, level) in [("2026-11-22T00:15:00Z", 1), ("2026-11-23T01:00:00Z", 2)] {
            f.clock.set(at.parse().unwrap());
            let (ra, rb) = tokio::join!(a.sweep(), b.sweep());
            let made = ra.unwrap().escalated.len() + rb.unwrap().escalated.len();
            assert_eq!(made, 1, "level {level} exactly once");
        }
        assert_eq!(f.escalations().await.len(), 2);
        assert_eq!(f.escalation_mails().await.len(), 2);
    }

    pub async fn unblocking_stops_the_escalation(f: Fixture) {
        let escalator = f.escalator();
        f.clock.set("2026-11-22T00:15:00Z".parse().unwrap());
        escalator.sweep().await.unwrap();
        let path = format!("/v1/projects/{}/tasks/{}", f.project, f.task);
        let reply =
            f.call("PATCH", &path, Some(TECH1), Some(json!({ "status": "in_progress" }))).await;
        assert_eq!(reply.status, StatusCode::OK);
        f.clock.set("2026-11-30T00:00:00Z".parse().unwrap());
        assert!(escalator.sweep().await.unwrap().escalated.is_empty());
        assert_eq!(f.escalations().await, [(1, OWNER.to_owned())]);
    }

    /// Held three days: no escalation meanwhile; after the resumption, the
    /// next level comes as far ahead as it was when the hold began.
    pub async fn a_hold_stops_the_clock_and_resuming_counts_only_time_not_on_hold(f: Fixture) {
        let escalator = f.escalator();
        f.clock.set("2026-11-22T00:30:00Z".parse().unwrap());
        assert_eq!(escalator.sweep().await.unwrap().escalated.len(), 1, "level 1, overdue");
        // Level 2 is due at 2026-11-23T00:30: 12 h 30 after the hold begins.
        f.clock.set("2026-11-22T12:00:00Z".parse().unwrap());
        let project = format!("/v1/projects/{}", f.project);
        let hold = json!({ "reason": "Carrier works on the street", "category": "carrier" });
        let held = f.call("POST", &format!("{project}/hold"), Some(PM), Some(hold)).await;
        assert_eq!(held.status, StatusCode::OK);
        for at in ["2026-11-23T01:00:00Z", "2026-11-24T12:00:00Z", "2026-11-25T11:59:00Z"] {
            f.clock.set(at.parse().unwrap());
            let sweep = escalator.sweep().await.unwrap();
            assert!(sweep.escalated.is_empty() && sweep.read == 0, "nothing runs on hold ({at})");
        }
        f.clock.set("2026-11-25T12:00:00Z".parse().unwrap());
        let resumed = f.call("POST", &format!("{project}/resume"), Some(PM), None).await;
        assert_eq!(resumed.json()["tasks"][0]["next_escalation_at"], "2026-11-26T00:30:00Z");
        f.clock.set("2026-11-26T00:29:00Z".parse().unwrap());
        assert!(escalator.sweep().await.unwrap().escalated.is_empty(), "12 h 29 of running time");
        f.clock.set("2026-11-26T00:30:00Z".parse().unwrap());
        let due = escalator.sweep().await.unwrap().escalated;
        assert_eq!(due, [(f.project.clone(), f.task.clone(), 2)]);
        assert_eq!(f.escalations().await, [(1, OWNER.to_owned()), (2, CONTACT.to_owned())]);
    }
}

integration_tests::suite_per_store!(|store| Fixture::new(store).await;
    an_overdue_blocked_task_escalates_once_per_level_then_stops,
    two_concurrent_sweeps_escalate_each_level_once,
    unblocking_stops_the_escalation,
    a_hold_stops_the_clock_and_resuming_counts_only_time_not_on_hold,
);

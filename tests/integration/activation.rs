//! Go-live (*Mise en service*) end to end, on DynamoDB Local and on the
//! embedded store: preconditions, the three events and the mail in one
//! commit, the account activated once, the project final afterwards. Every
//! event emitted here is checked against its schema in `events/schemas/`.

use app::ports::Store;
use axum::http::StatusCode;
use domain::ProjectId;
use domain::account::AccountStatus;
use domain::outbox::OutboxMessage;
use integration_tests::Reply;
use integration_tests::contracts::assert_valid;
use integration_tests::fixtures::{
    BEFORE_GO_LIVE, Bundle, MANAGER, PM, TECH, TECH1, live_at, project,
};
use serde_json::{Value, json};
use std::sync::Arc;

/// The sample deal received, the clock at [`live_at`].
async fn fixture(store: Arc<dyn Store>) -> Bundle {
    let bundle = Bundle::with_sample_deal(store).await;
    bundle.clock.set(live_at());
    bundle
}

fn summary(line: &str) -> Value {
    json!({
        "go_live_date": "2027-01-11",
        "technical_summary": [{
            "line_id": line,
            "circuit_id": "FTTO-LYO-004211",
            "ip_addressing": "203.0.113.16/29",
            "numbers": ["+33478000000"],
            "equipment": "Cisco C1111-4P",
            "details": { "vlan": "120" }
        }]
    })
}

/// Completes every milestone of `line` before go-live, as the manager.
async fn ready(f: &Bundle, line: &str) {
    for key in BEFORE_GO_LIVE {
        assert_eq!(f.complete(&project(line), key, PM, None).await.status, StatusCode::OK, "{key}");
    }
}

async fn activate(f: &Bundle, line: &str, body: Value) -> Reply {
    let path = format!("/v1/projects/{}/activate", project(line));
    f.call("POST", &path, Some(PM), Some(body)).await
}

/// Events of the given projects, checked against their schemas.
async fn events_of(f: &Bundle, lines: &[&str]) -> Vec<(String, Value)> {
    let ids: Vec<ProjectId> = lines.iter().map(|l| project(l)).collect();
    let mut out = Vec::new();
    for e in f.store.pending_outbox(10_000).await.unwrap() {
        if !ids.contains(&e.project_id) {
            continue;
        }
        if let OutboxMessage::Event { detail_type, detail } = e.message {
            assert_valid(&detail_type, &detail);
            out.push((detail_type, detail));
        }
    }
    out
}

async fn mails(f: &Bundle, template: &str) -> usize {
    let entries = f.store.pending_outbox(10_000).await.unwrap();
    let slug = |m: &OutboxMessage| match m {
        OutboxMessage::Mail { template, .. } => Some(template.slug()),
        OutboxMessage::Event { .. } => None,
    };
    entries.iter().filter(|e| slug(&e.message) == Some(template)).count()
}

mod cases {
    use super::*;

    pub async fn going_live_requests_billing_activates_the_account_and_briefs_the_helpdesk(
        f: Bundle,
    ) {
        ready(&f, "L1").await;
        let reply = activate(&f, "L1", summary("L1")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        let live = reply.json();
        assert_eq!(
            (live["status"].as_str(), live["go_live_date"].as_str()),
            (Some("live"), Some("2027-01-11"))
        );
        assert_eq!(live["milestones"][5]["status"], "completed");

        let events = events_of(&f, &["L1"]).await;
        let only = |dt: &str| {
            let found: Vec<&Value> =
                events.iter().filter(|(t, _)| t == dt).map(|(_, d)| d).collect();
            assert_eq!(found.len(), 1, "{dt} exactly once");
            found[0].clone()
        };
        let billing = only("SubscriptionActivationRequested");
        assert_eq!(billing["subscription_ids"], json!(["SUB-9001"]));
        assert_eq!(billing["effective_date"], "2027-01-11");
        let account = only("CustomerAccountActivated");
        assert_eq!(account["account_id"], "ACC-1001");
        let helpdesk = only("HelpdeskAccountConfigured");
        assert_eq!(helpdesk["services"][0]["technical_summary"]["circuit_id"], "FTTO-LYO-004211");
        assert_eq!(helpdesk["technical_contact"]["email"], "claire@boulangerie-martin.fr");
        assert_eq!(mails(&f, "go_live").await, 1);
        assert_eq!(
            f.store.account("ACC-1001").await.unwrap().unwrap().status,
            AccountStatus::Active
        );

        // Again: a no-op, nothing new.
        let version = live["version"].as_u64();
        let again = activate(&f, "L1", summary("L1")).await;
        assert_eq!((again.status, again.json()["version"].as_u64()), (StatusCode::OK, version));
        assert_eq!(events_of(&f, &["L1"]).await.len(), events.len());
        a_live_project_is_final(&f).await;
    }

    async fn a_live_project_is_final(f: &Bundle) {
        let reopen = f
            .call(
                "POST",
                &format!("/v1/projects/{}/milestones/customer_acceptance/reopen", project("L1")),
                Some((MANAGER, "admin")),
                Some(json!({ "reason": "late fault" })),
            )
            .await;
        assert_eq!(
            (reopen.status, reopen.problem_type()),
            (StatusCode::CONFLICT, "project-live".into())
        );
        let task = json!({ "title": "After", "assignee": MANAGER, "due_date": "2027-01-12" });
        let add = f
            .call(
                "POST",
                &format!("/v1/projects/{}/milestones/go_live/tasks", project("L1")),
                Some(PM),
                Some(task),
            )
            .await;
        assert_eq!((add.status, add.problem_type()), (StatusCode::CONFLICT, "project-live".into()));
        assert_eq!(
            f.complete(&project("L1"), "go_live", PM, None).await.status,
            StatusCode::OK,
            "completed already: a no-op"
        );
    }

    pub async fn go_live_checks_its_preconditions(f: Bundle) {
        f.complete(&project("L1"), "order_confirmed", PM, None).await;
        let early = activate(&f, "L1", summary("L1")).await;
        assert_eq!(
            (early.status, early.problem_type()),
            (StatusCode::CONFLICT, "milestones-pending".into())
        );
        assert_eq!(early.json()["pending_milestones"][0], "equipment_ordered");
        ready(&f, "L1").await;

        let mut future = summary("L1");
        future["go_live_date"] = "2027-01-12".into();
        let mut before_deal = summary("L1");
        before_deal["go_live_date"] = "2026-11-19".into();
        let wrong_line = summary("L2");
        for body in [future, before_deal, wrong_line, json!({ "go_live_date": "2027-01-11" })] {
            let reply = activate(&f, "L1", body).await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
        }
        let path = format!("/v1/projects/{}/activate", project("L1"));
        for role in ["technician", "admin"] {
            let reply = f.call("POST", &path, Some((MANAGER, role)), Some(summary("L1"))).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role}");
        }
        let anonymous = f.call("POST", &path, None, Some(summary("L1"))).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert!(
            events_of(&f, &["L1"])
                .await
                .iter()
                .all(|(t, _)| t != "SubscriptionActivationRequested"),
            "nothing half done"
        );
    }

    pub async fn two_projects_of_one_account_activate_it_once(f: Bundle) {
        ready(&f, "L1").await;
        ready(&f, "L2").await;
        // Both at once: the account's one-time activation is decided by the store.
        let (a, b) =
            tokio::join!(activate(&f, "L1", summary("L1")), activate(&f, "L2", summary("L2")));
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
        let events = events_of(&f, &["L1", "L2"]).await;
        let count = |dt: &str| events.iter().filter(|(t, _)| t == dt).count();
        assert_eq!(count("CustomerAccountActivated"), 1);
        assert_eq!(count("SubscriptionActivationRequested"), 2);
        assert_eq!(count("HelpdeskAccountConfigured"), 2);
        let account = f.store.account("ACC-1001").await.unwrap().unwrap();
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(account.name, "Boulangerie Martin SARL");
    }

    pub async fn every_event_of_a_project_s_life_matches_its_schema(f: Bundle) {
        let body = json!({ "title": "Survey", "assignee": TECH, "due_date": "2027-01-20" });
        let task = f.add_task(&project("L1"), "order_confirmed", body).await;
        let path = format!("/v1/projects/{}/tasks/{task}", project("L1"));
        for patch in [
            json!({ "status": "blocked", "blocked_reason": "No access" }),
            json!({ "status": "in_progress" }),
            json!({ "status": "done" }),
        ] {
            assert_eq!(
                f.call("PATCH", &path, Some(TECH1), Some(patch)).await.status,
                StatusCode::OK
            );
        }
        ready(&f, "L1").await;
        activate(&f, "L1", summary("L1")).await;
        let kinds: std::collections::BTreeSet<String> =
            events_of(&f, &["L1", "L2"]).await.into_iter().map(|(t, _)| t).collect();
        let expected = [
            "CustomerAccountActivated",
            "DeploymentProjectCreated",
            "HelpdeskAccountConfigured",
            "MilestoneCompleted",
            "ProjectJeopardyChanged",
            "SubscriptionActivationRequested",
            "TaskBlocked",
        ];
        assert_eq!(kinds.into_iter().collect::<Vec<_>>(), expected, "each kind emitted and valid");
    }
}

integration_tests::suite_per_store!(|store| fixture(store).await;
    going_live_requests_billing_activates_the_account_and_briefs_the_helpdesk,
    go_live_checks_its_preconditions,
    two_projects_of_one_account_activate_it_once,
    every_event_of_a_project_s_life_matches_its_schema,
);

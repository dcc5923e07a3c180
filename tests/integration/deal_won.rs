//! `POST /v1/crm/deals/won` end to end through the router the Lambda serves,
//! on DynamoDB Local and on the embedded store.

use app::clock::ManualClock;
use app::ports::Clock;
use app::ports::Store;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::events::detail_type;
use domain::intake::IntakeState;
use integration_tests::fixtures::{project, t0};
use integration_tests::{
    SECRET, crm_app, deal_request, edited_deal, sample_deal, send, send_retrying_503,
};
use std::sync::Arc;

const PROBLEM: &str = "application/problem+json";

fn signed(body: Vec<u8>) -> Request<Body> {
    deal_request(body, SECRET, t0().timestamp())
}

/// The CRM application exactly as the `deal-won` function wires it.
struct Fixture {
    store: Arc<dyn Store>,
    app: axum::Router,
}

fn fixture(store: Arc<dyn Store>) -> Fixture {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    Fixture { app: crm_app(store.clone(), clock), store }
}

async fn created_events(store: &dyn Store) -> Vec<String> {
    let mut projects: Vec<String> = store
        .pending_outbox(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail_type() == Some(detail_type::DEPLOYMENT_PROJECT_CREATED))
        .map(|e| e.project_id.to_string())
        .collect();
    projects.sort();
    projects
}

mod cases {
    use super::*;

    pub async fn the_sample_deal_creates_the_projects_of_l1_and_l2(f: Fixture) {
        let reply = send(&f.app, signed(sample_deal())).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
        assert_eq!(reply.content_type, "application/json");
        let body = reply.json();
        assert_eq!(body["deal_id"], "D-2026-0042");
        let lines: Vec<_> =
            body["projects"].as_array().unwrap().iter().map(|p| p["line_id"].clone()).collect();
        assert_eq!(lines, ["L1", "L2"]);
        assert_eq!(body["projects"][0]["id"], project("L1").as_str());
        for line in ["L1", "L2"] {
            let p = f.store.load(&project(line)).await.unwrap().expect("project stored");
            assert_eq!(p.technical_contact.email, "claire@boulangerie-martin.fr");
            assert_eq!(p.milestones.len(), 6);
        }
        assert_eq!(
            f.store.load(&project("L3")).await.unwrap(),
            None,
            "no installation, no project"
        );
        let mut expected = vec![project("L1").to_string(), project("L2").to_string()];
        expected.sort();
        assert_eq!(created_events(f.store.as_ref()).await, expected);
        let record = f.store.deal_record("D-2026-0042").await.unwrap().unwrap();
        assert_eq!(record.state, IntakeState::Complete);
    }

    pub async fn a_replayed_deal_answers_200_with_the_same_body_and_writes_nothing(f: Fixture) {
        let first = send(&f.app, signed(sample_deal())).await;
        let replay = send(&f.app, signed(sample_deal())).await;
        assert_eq!((first.status, replay.status), (StatusCode::CREATED, StatusCode::OK));
        assert_eq!(replay.body, first.body);
        assert_eq!(created_events(f.store.as_ref()).await.len(), 2);
        assert_eq!(f.store.history(&project("L1")).await.unwrap().len(), 1);
        // Whitespace and key order do not make a different deal.
        let reformatted = serde_json::to_vec_pretty(
            &serde_json::from_slice::<serde_json::Value>(&sample_deal()).unwrap(),
        )
        .unwrap();
        assert_eq!(send(&f.app, signed(reformatted)).await.status, StatusCode::OK);
    }

    pub async fn the_same_deal_id_with_a_different_body_is_a_409(f: Fixture) {
        send(&f.app, signed(sample_deal())).await;
        let changed = edited_deal(|d| d["services"][1]["name"] = "Trunk SIP 20 canaux".into());
        let reply = send(&f.app, signed(changed)).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert_eq!(reply.content_type, PROBLEM);
        assert_eq!(reply.json()["type"], "https://bluerocktel.fr/problems/deal-conflict");
        let p = f.store.load(&project("L2")).await.unwrap().unwrap();
        assert_eq!(p.services[0].name, "Trunk SIP 10 canaux", "the first delivery stands");
    }

    pub async fn bad_signatures_and_stale_timestamps_are_401(f: Fixture) {
        let wrong = deal_request(sample_deal(), "not-the-secret", t0().timestamp());
        let stale = deal_request(sample_deal(), SECRET, t0().timestamp() - 301);
        let unsigned = Request::post("/v1/crm/deals/won")
            .header("content-type", "application/json")
            .body(Body::from(sample_deal()))
            .unwrap();
        for request in [wrong, stale, unsigned] {
            let reply = send(&f.app, request).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            assert_eq!(reply.content_type, PROBLEM);
            assert_eq!(reply.json()["type"], "https://bluerocktel.fr/problems/invalid-signature");
        }
        assert_eq!(f.store.deal_record("D-2026-0042").await.unwrap(), None);
    }

    pub async fn malformed_json_is_a_400_problem(f: Fixture) {
        let reply = send(&f.app, signed(b"{\"deal_id\": \"D-1\",".to_vec())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.content_type, PROBLEM);
        assert_eq!(reply.json()["type"], "https://bluerocktel.fr/problems/malformed-json");
    }

    pub async fn a_body_over_256_kib_is_a_413(f: Fixture) {
        let big = edited_deal(|d| d["account"]["name"] = "x".repeat(256 * 1024).into());
        let reply = send(&f.app, signed(big)).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply.content_type, PROBLEM);
    }

    pub async fn invalid_fields_are_a_422_naming_each_field(f: Fixture) {
        let bad = edited_deal(|d| {
            d["technical_contact"]["email"] = "claire-at-boulangerie".into();
            d["services"][1]["line_id"] = "L1".into();
        });
        let reply = send(&f.app, signed(bad)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.content_type, PROBLEM);
        let fields: Vec<_> =
            reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].clone()).collect();
        assert_eq!(fields, ["technical_contact.email", "services[1].line_id"]);

        let wrong_type = edited_deal(|d| d["services"][0]["installation"] = "remote".into());
        let reply = send(&f.app, signed(wrong_type)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["errors"][0]["field"], "services[0].installation");

        let extra = edited_deal(|d| d["account"]["status"] = "active".into());
        let reply = send(&f.app, signed(extra)).await;
        assert_eq!(
            reply.json()["errors"][0]["field"],
            "account.status",
            "unknown fields are refused"
        );
        assert_eq!(f.store.deal_record("D-2026-0042").await.unwrap(), None, "nothing half written");
    }

    pub async fn other_media_types_paths_and_methods_are_problems(f: Fixture) {
        let mut request = signed(sample_deal());
        request.headers_mut().insert("content-type", "text/plain".parse().unwrap());
        assert_eq!(send(&f.app, request).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let reply =
            send(&f.app, Request::get("/v1/crm/deals/won").body(Body::empty()).unwrap()).await;
        assert_eq!(
            (reply.status, reply.content_type.as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, PROBLEM)
        );
        let reply = send(&f.app, Request::get("/v1/nowhere").body(Body::empty()).unwrap()).await;
        assert_eq!((reply.status, reply.content_type.as_str()), (StatusCode::NOT_FOUND, PROBLEM));
    }

    pub async fn a_deal_without_installations_creates_no_project(f: Fixture) {
        let body = edited_deal(|d| {
            let services = d["services"].as_array_mut().unwrap();
            services.retain(|s| s["installation"] == "none");
        });
        let reply = send(&f.app, signed(body.clone())).await;
        assert_eq!(reply.status, StatusCode::CREATED);
        assert_eq!(reply.json()["projects"], serde_json::json!([]));
        assert_eq!(send(&f.app, signed(body)).await.status, StatusCode::OK);
        assert!(created_events(f.store.as_ref()).await.is_empty());
    }

    pub async fn fifty_concurrent_deliveries_create_one_set_of_projects(f: Fixture) {
        let deliveries = (0..50).map(|_| {
            let app = f.app.clone();
            tokio::spawn(async move { send_retrying_503(&app, || signed(sample_deal())).await })
        });
        let mut replies = Vec::new();
        for delivery in deliveries.collect::<Vec<_>>() {
            replies.push(delivery.await.unwrap());
        }
        let created = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
        let replayed = replies.iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(
            (created, replayed),
            (1, 49),
            "statuses: {:?}",
            replies.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        assert!(
            replies.iter().all(|r| r.body == replies[0].body),
            "every delivery gets the same body"
        );
        assert_eq!(
            created_events(f.store.as_ref()).await.len(),
            2,
            "exactly 2 DeploymentProjectCreated entries"
        );
        for line in ["L1", "L2"] {
            assert_eq!(f.store.load(&project(line)).await.unwrap().unwrap().version, 1);
        }
        assert_eq!(
            f.store.deal_record("D-2026-0042").await.unwrap().unwrap().state,
            IntakeState::Complete
        );
    }

    pub async fn an_interrupted_delivery_is_finished_by_the_next(f: Fixture) {
        use app::ports::{Commit, DealWrite, Guard, ProjectWrite};
        use domain::intake;
        use domain::template::Template;
        // A delivery that stopped after its first transaction: claim + L1 only.
        let deal = integration_tests::sample_deal_won();
        let mut plan = intake::plan(&deal, Template::default_for, t0());
        let (project_l1, change) = plan.projects.remove(0);
        let write = ProjectWrite { guard: Guard::Create, project: project_l1, change };
        f.store
            .commit(Commit {
                project: Some(write),
                deal: Some(DealWrite::Claim(Box::new(plan.record))),
            })
            .await
            .unwrap();
        assert_eq!(f.store.load(&project("L2")).await.unwrap(), None);

        let reply = send(&f.app, signed(sample_deal())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        assert_eq!(reply.json()["projects"].as_array().unwrap().len(), 2);
        assert!(
            f.store.load(&project("L2")).await.unwrap().is_some(),
            "the retry finished the deal"
        );
        assert_eq!(created_events(f.store.as_ref()).await.len(), 2);
        assert_eq!(
            f.store.deal_record("D-2026-0042").await.unwrap().unwrap().state,
            IntakeState::Complete
        );
    }
}

integration_tests::suite_per_store!(|store| fixture(store);
    the_sample_deal_creates_the_projects_of_l1_and_l2,
    a_replayed_deal_answers_200_with_the_same_body_and_writes_nothing,
    the_same_deal_id_with_a_different_body_is_a_409,
    bad_signatures_and_stale_timestamps_are_401,
    malformed_json_is_a_400_problem,
    a_body_over_256_kib_is_a_413,
    invalid_fields_are_a_422_naming_each_field,
    other_media_types_paths_and_methods_are_problems,
    a_deal_without_installations_creates_no_project,
    fifty_concurrent_deliveries_create_one_set_of_projects,
    an_interrupted_delivery_is_finished_by_the_next,
);

/// Round trips to DynamoDB per use case, counted by an SDK interceptor.
mod round_trips_on_dynamodb_local {
    use super::*;
    use integration_tests::dynamo_store_counted;
    use std::collections::BTreeMap;

    fn calls(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    /// One read of the deal's record (none yet), one read of its
    /// templates, one Query of recent go-lives per service type, then one
    /// transaction per project, the idempotency record riding in the first
    /// and the last.
    #[tokio::test]
    async fn intake_is_one_transaction_per_project_including_the_idempotency_record() {
        let (store, counter) = dynamo_store_counted().await;
        let f = fixture(Arc::new(store));
        assert_eq!(send(&f.app, signed(sample_deal())).await.status, StatusCode::CREATED);
        let intake =
            calls(&[("BatchGetItem", 1), ("GetItem", 1), ("Query", 2), ("TransactWriteItems", 2)]);
        assert_eq!(counter.counts(), intake);
    }

    #[tokio::test]
    async fn a_replay_is_answered_after_one_read_of_its_record() {
        let (store, counter) = dynamo_store_counted().await;
        let f = fixture(Arc::new(store));
        send(&f.app, signed(sample_deal())).await;
        counter.reset();
        assert_eq!(send(&f.app, signed(sample_deal())).await.status, StatusCode::OK);
        assert_eq!(counter.counts(), calls(&[("GetItem", 1)]));
    }

    #[tokio::test]
    async fn loading_a_project_is_one_query() {
        let (store, counter) = dynamo_store_counted().await;
        let f = fixture(Arc::new(store));
        send(&f.app, signed(sample_deal())).await;
        counter.reset();
        let loaded = f.store.load(&project("L1")).await.unwrap();
        assert!(loaded.is_some());
        assert_eq!(counter.counts(), calls(&[("Query", 1)]));
    }
}

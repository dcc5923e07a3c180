//! The sample events of `events/` parse, and the API Gateway one goes through
//! the function's router exactly as `lambda_http` hands it over.

use app::clock::ManualClock;
use axum::http::{Method, StatusCode};
use config::local_defaults;
use domain::DealWon;
use integration_tests::fixtures::t0;
use integration_tests::{crm_app_with_secret, sample_deal, send, sqlite_store};
use std::sync::Arc;

const APIGW_DEAL_WON: &str = include_str!("../../events/apigw/deal-won.json");
const APIGW_LIST_TASKS: &str = include_str!("../../events/apigw/list-tasks.json");

#[test]
fn the_crm_sample_is_a_valid_deal() {
    let deal: DealWon = integration_tests::sample_deal_won();
    assert_eq!(deal.deal_id, "D-2026-0042");
    assert_eq!(deal.services.len(), 3);
    assert_eq!(deal.validate(t0()), Ok(()));
}

#[test]
fn the_crm_change_and_cancellation_samples_are_valid() {
    use api::body;
    use domain::deal_changes::{DealCancel, DealChange};
    let change: body::DealChange =
        serde_json::from_str(include_str!("../../events/crm/deal-changed.json")).expect("parses");
    let change = DealChange::from(change);
    assert_eq!((change.revision, change.installable_lines()), (1, vec!["L1".into(), "L4".into()]));
    assert_eq!(change.validate(t0()), Ok(()));
    let cancel: body::DealCancel =
        serde_json::from_str(include_str!("../../events/crm/deal-cancelled.json")).expect("parses");
    let cancel = DealCancel::from(cancel);
    assert_eq!(cancel.validate(cancel.cancelled_at), Ok(()));
}

#[test]
fn the_api_gateway_event_wraps_the_crm_sample() {
    let request =
        lambda_http::request::from_str(APIGW_DEAL_WON).expect("an API Gateway HTTP API v2 event");
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri().path(), api::routes::DEAL_WON);
    assert!(request.headers().contains_key(api::signature::HEADER));
    assert_eq!(
        request.body().as_ref(),
        sample_deal().as_slice(),
        "the body is the CRM sample, byte for byte"
    );
}

#[tokio::test]
async fn the_api_gateway_event_creates_the_projects_through_the_function_router() {
    let request = lambda_http::request::from_str(APIGW_DEAL_WON).unwrap();
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let app = crm_app_with_secret(
        Arc::new(sqlite_store()),
        Arc::new(ManualClock::new(t0())),
        local_defaults::SECRET,
    );
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["projects"].as_array().unwrap().len(), 2);
}

/// A staff request as API Gateway hands it over, through a staff function's
/// router with the claims authenticator the functions use.
async fn list_tasks_as_lambda(event: &str) -> integration_tests::Reply {
    use api::{auth::ApiGatewayClaims, projects, staff::StaffState};
    let store: Arc<dyn app::ports::Store> = Arc::new(sqlite_store());
    let state = StaffState::new(store, Arc::new(ManualClock::new(t0())));
    let app = api::app([projects::router(state, Arc::new(ApiGatewayClaims::default()))]);
    let (parts, body) =
        lambda_http::request::from_str(event).expect("an API Gateway event").into_parts();
    send(&app, axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()))).await
}

#[tokio::test]
async fn staff_functions_read_the_member_from_the_jwt_authorizer_claims() {
    let reply = list_tasks_as_lambda(APIGW_LIST_TASKS).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json()["items"], serde_json::json!([]));
}

#[tokio::test]
async fn claims_without_a_known_role_are_not_a_member() {
    let event = APIGW_LIST_TASKS.replace("[technician]", "[visitor]");
    assert_eq!(list_tasks_as_lambda(&event).await.status, StatusCode::UNAUTHORIZED);
    let mut unauthorized: serde_json::Value = serde_json::from_str(APIGW_LIST_TASKS).unwrap();
    unauthorized["requestContext"].as_object_mut().unwrap().remove("authorizer");
    assert_eq!(
        list_tasks_as_lambda(&unauthorized.to_string()).await.status,
        StatusCode::UNAUTHORIZED
    );
}

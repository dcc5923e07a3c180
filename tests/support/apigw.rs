//! API Gateway HTTP API (payload v2) events sent to a function's router in
//! process, exactly as `lambda_http` hands them over: the samples of
//! `events/apigw/`, the route each one names, the router of the function
//! that serves it (wired as in its `main.rs`), and the credentials that
//! expire re-made at the time of the invocation.

use crate::{Reply, send};
use api::routes::{SERVED, Served};
use app::ports::Clock;
use app::ports::Store;
use config::{OidcSettings, Secret, local_defaults};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub fn apigw_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events/apigw")
}

/// Every sample of `events/apigw/` by file stem, sorted.
pub fn samples() -> Vec<(String, Value)> {
    let mut names: Vec<String> = std::fs::read_dir(apigw_dir())
        .expect("events/apigw exists")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), sample(&n))).collect()
}

pub fn sample(name: &str) -> Value {
    let path = apigw_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Every route of the HTTP API: the functions' and the console's.
pub fn routes() -> impl Iterator<Item = &'static Served> {
    SERVED.iter().chain(api::CONSOLE_ROUTES)
}

/// The route an event's `routeKey` names, as the template declares it.
pub fn route_of(event: &Value) -> Option<&'static Served> {
    let key = event["routeKey"].as_str()?;
    routes().find(|r| format!("{} {}", r.method, r.path) == key)
}

/// When API Gateway received the event.
pub fn time_of(event: &Value) -> chrono::DateTime<chrono::Utc> {
    let millis = event["requestContext"]["timeEpoch"].as_i64().expect("a timeEpoch");
    chrono::DateTime::from_timestamp_millis(millis).expect("a time")
}

/// Who browses the console in the samples: the sample deal's owner.
pub const CONSOLE_MEMBER: (&str, &str) = (crate::fixtures::MANAGER, "manager");

/// The event with what cannot stay valid in a file made again at `now`,
/// with the local default secrets its function is given: the CRM's
/// `X-Signature` (300 s of tolerance) and the console's session cookie
/// (8 hours).
pub fn resign(event: &Value, now: i64) -> Value {
    use web_console::session::{SESSION_COOKIE, Session};
    let mut event = event.clone();
    if event["headers"].get("x-signature").is_some() {
        let body = event["body"].as_str().unwrap_or_default().as_bytes().to_vec();
        let secret = Secret::new(local_defaults::SECRET);
        let signature = api::signature::sign(&secret, now, &body);
        event["headers"]["x-signature"] = json!(signature);
    }
    if let Some(Value::Array(cookies)) = event.get_mut("cookies") {
        let (sub, role) = CONSOLE_MEMBER;
        let roles = domain::staff::Role::parse(role).into_iter().collect();
        let staff = domain::staff::Staff::new(sub, roles);
        let session = Session::new(&staff, now).expect("random bytes");
        let value = session.encode(&[Secret::new(local_defaults::CONSOLE_SECRET)]);
        for cookie in cookies.iter_mut() {
            if cookie.as_str().is_some_and(|c| c.starts_with(&format!("{SESSION_COOKIE}="))) {
                *cookie = json!(format!("{SESSION_COOKIE}={value}"));
            }
        }
    }
    event
}

/// The router of `function` as its `main.rs` builds it, on `store` and
/// `clock` instead of the table and the system clock, with the local
/// default secrets.
pub fn function_router(
    function: &str,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> axum::Router {
    use api::{auth::ApiGatewayClaims, staff::StaffState};
    let claims = Arc::new(ApiGatewayClaims::default());
    let staff = || StaffState::new(store.clone(), clock.clone());
    match function {
        "deal-won" => {
            let secrets = vec![Secret::new(local_defaults::SECRET)];
            let secrets = Arc::new(app::secrets::FixedSecrets(secrets));
            api::app([api::crm::router(api::crm::CrmState::new(store, secrets, clock))])
        }
        "projects" => api::app([api::projects::router(staff(), claims)]),
        "milestones" => api::app([api::milestones::router(staff(), claims)]),
        "tasks" => api::app([api::tasks::router(staff(), claims)]),
        "activation" => api::app([api::activation::router(staff(), claims)]),
        "templates" => {
            let templates = Arc::new(app::Templates::new(store, clock));
            api::app([api::templates::router(templates, claims)])
        }
        "console" => console_router(store, clock),
        other => panic!("no function {other} serves HTTP routes"),
    }
}

/// The console as `cloud::wiring::console_app` builds it: OpenID Connect
/// sign-in against an issuer it only reads at the first sign-in.
fn console_router(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> axum::Router {
    use web_console::{ConsoleState, cloud_router, oidc::HttpIdentityProvider};
    let secrets = vec![Secret::new(local_defaults::CONSOLE_SECRET)];
    let secrets = Arc::new(app::secrets::FixedSecrets(secrets));
    let state = ConsoleState::new(store, secrets, clock, true);
    let oidc = OidcSettings {
        issuer: "https://login.bluerocktel.fr".into(),
        client_id: "deployments-console".into(),
        member_claim: local_defaults::OIDC_MEMBER_CLAIM.into(),
        roles_claim: local_defaults::OIDC_ROLES_CLAIM.into(),
    };
    let provider = HttpIdentityProvider::new(&oidc).expect("an identity provider");
    cloud_router(state, Arc::new(provider), oidc, None)
}

/// Sends `event` (an API Gateway event) to the router of the function
/// serving its route, as `lambda_http` would.
pub async fn invoke(event: &Value, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Reply {
    let route = route_of(event).unwrap_or_else(|| panic!("no route for {}", event["routeKey"]));
    let request = lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|e| panic!("not an API Gateway event: {e}"));
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    send(&function_router(route.function, store, clock), request).await
}

/// An API Gateway HTTP API (v2) event as Lambda hands it to a staff or CRM
/// function: `method` and `path`, `claims` (`sub`, `roles`) from the JWT
/// authorizer or none, `headers`, and a JSON `body` if given.
pub fn api_event(
    method: &str,
    path: &str,
    body: Option<&str>,
    claims: Option<(&str, &str)>,
    headers: Value,
) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_str(include_str!("../../events/apigw/list-tasks.json")).unwrap();
    event["routeKey"] = json!(format!("{method} {path}"));
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!("");
    event.as_object_mut().unwrap().remove("queryStringParameters");
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    event["headers"] = headers;
    match claims {
        Some((sub, roles)) => {
            event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(sub);
            event["requestContext"]["authorizer"]["jwt"]["claims"]["roles"] = json!(roles);
        }
        None => {
            event["requestContext"].as_object_mut().unwrap().remove("authorizer");
        }
    }
    if let Some(body) = body {
        event["body"] = json!(body);
        event["headers"]["content-type"] = json!("application/json");
    }
    serde_json::to_vec(&event).unwrap()
}

/// `deal` posted to the CRM's deal-won route, signed now with `secret`.
pub fn signed_deal_event(deal: &str, secret: &str) -> Vec<u8> {
    let t = chrono::Utc::now().timestamp();
    let signed = api::signature::sign(&Secret::new(secret), t, deal.as_bytes());
    let headers = json!({ "x-signature": signed });
    api_event("POST", api::routes::DEAL_WON, Some(deal), None, headers)
}

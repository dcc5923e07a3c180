//! The console's OpenID Connect sign-in (authorization code with PKCE)
//! against a fake identity provider on 127.0.0.1: discovery, the
//! authorization redirect, and a token endpoint that checks the PKCE
//! verifier against the challenge it was given, as Cognito does.

use app::signing::{Purpose, SigningKeys};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use config::{OidcSettings, Secret};
use domain::staff::{Role, Staff};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use web_console::oidc::{
    Callback, HttpIdentityProvider, IdentityProvider, OidcError, SignInAttempt, authorization_url,
    code_challenge, finish_sign_in,
};

const CLIENT: &str = "console-client";
const REDIRECT: &str = "https://console.example/console/auth/callback";

/// What the fake remembers of an authorization request, by code.
struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
}

struct Fake {
    issuer: String,
    /// The issuer its discovery document names (another one to lie).
    claimed_issuer: String,
    grants: Mutex<HashMap<String, Grant>>,
    discoveries: AtomicUsize,
    codes: AtomicUsize,
}

impl Fake {
    async fn start() -> Arc<Self> {
        Self::start_claiming(None).await
    }

    async fn start_claiming(claimed_issuer: Option<&str>) -> Arc<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let issuer = format!("http://{}", listener.local_addr().expect("an address"));
        let fake = Arc::new(Self {
            claimed_issuer: claimed_issuer.map_or_else(|| issuer.clone(), str::to_owned),
            issuer,
            grants: Mutex::default(),
            discoveries: AtomicUsize::new(0),
            codes: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/oauth2/authorize", get(authorize))
            .route("/oauth2/token", post(token))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    fn settings(&self) -> OidcSettings {
        OidcSettings {
            issuer: self.issuer.clone(),
            client_id: CLIENT.into(),
            member_claim: "email".into(),
            roles_claim: "cognito:groups".into(),
        }
    }
}

async fn discovery(State(fake): State<Arc<Fake>>) -> Json<Value> {
    fake.discoveries.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "issuer": fake.claimed_issuer,
        "authorization_endpoint": format!("{}/oauth2/authorize", fake.issuer),
        "token_endpoint": format!("{}/oauth2/token", fake.issuer),
        "jwks_uri": format!("{}/.well-known/jwks.json", fake.issuer),
        "response_types_supported": ["code"],
    }))
}

/// Signs the member in at once and sends the browser back with a code.
async fn authorize(
    State(fake): State<Arc<Fake>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| q.get(name).map(String::as_str).unwrap_or_default();
    let valid = param("response_type") == "code"
        && param("client_id") == CLIENT
        && param("scope").split(' ').any(|s| s == "openid")
        && param("code_challenge_method") == "S256"
        && param("code_challenge").len() == 43
        && !param("state").is_empty()
        && !param("nonce").is_empty();
    let Ok(mut back) = reqwest::Url::parse(param("redirect_uri")) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if !valid {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let code = format!("code-{}", fake.codes.fetch_add(1, Ordering::SeqCst));
    let grant = Grant {
        challenge: param("code_challenge").into(),
        nonce: param("nonce").into(),
        redirect_uri: param("redirect_uri").into(),
    };
    fake.grants.lock().expect("grants").insert(code.clone(), grant);
    back.query_pairs_mut().append_pair("code", &code).append_pair("state", param("state"));
    Redirect::to(back.as_str()).into_response()
}

/// Trades a code once, for its redirect URI and the verifier of its challenge.
async fn token(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: String) -> Response {
    let form_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if form_type != Some("application/x-www-form-urlencoded") {
        return oauth_error("invalid_request");
    }
    let form: HashMap<String, String> = reqwest::Url::parse(&format!("http://form/?{body}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "authorization_code" || field("client_id") != CLIENT {
        return oauth_error("invalid_client");
    }
    let Some(grant) = fake.grants.lock().expect("grants").remove(field("code")) else {
        return oauth_error("invalid_grant");
    };
    if grant.redirect_uri != field("redirect_uri")
        || code_challenge(field("code_verifier")) != grant.challenge
    {
        return oauth_error("invalid_grant");
    }
    let claims = json!({
        "iss": fake.issuer, "aud": CLIENT, "sub": "5c1e-uuid", "token_use": "id",
        "exp": Utc::now().timestamp() + 3600, "iat": Utc::now().timestamp(),
        "nonce": grant.nonce, "email": "Chef.Projet@BlueRockTEL.fr", "email_verified": true,
        "cognito:groups": ["manager", "technician", "eu-west-3_pool_Google"],
    });
    let id_token = format!("{}.{}.", b64url(br#"{"alg":"none"}"#), b64url(claims.to_string()));
    let tokens = json!({
        "id_token": id_token, "access_token": "opaque", "token_type": "Bearer", "expires_in": 3600,
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(tokens)).into_response()
}

fn oauth_error(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

/// Base64url without padding (RFC 4648, 5), written out so that the fake
/// shares no encoder with the code under test.
fn b64url(bytes: impl AsRef<[u8]>) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.as_ref().chunks(3) {
        let n =
            chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The browser's side: to the authorization URL, and back with the query
/// of the redirection.
async fn authorize_in_browser(
    provider: &HttpIdentityProvider,
    settings: &OidcSettings,
    attempt: &SignInAttempt,
) -> Callback {
    let discovery = provider.discovery().await.expect("the discovery document");
    let url = authorization_url(&discovery, settings, REDIRECT, attempt);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let response = browser.get(&url).send().await.expect("the authorization endpoint");
    assert!(response.status().is_redirection(), "{url}");
    let location = response.headers()[header::LOCATION].to_str().expect("a location");
    assert!(location.starts_with(REDIRECT), "{location}");
    let back = reqwest::Url::parse(location).expect("a URL");
    let param = |name: &str| back.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into());
    Callback { code: param("code"), state: param("state"), error: param("error") }
}

#[tokio::test]
async fn a_member_signs_in_with_pkce_and_returns_to_their_page() {
    let fake = Fake::start().await;
    let settings = fake.settings();
    let provider = HttpIdentityProvider::new_insecure_for_tests(&settings).expect("a provider");
    let keys = SigningKeys::derive(&[Secret::new("console-secret")], Purpose::SignIn);
    let now = Utc::now();
    let cookie = SignInAttempt::new("/console/projects", now).expect("an attempt").to_cookie(&keys);

    let attempt = SignInAttempt::from_cookie(&cookie, &keys, now).expect("the cookie's attempt");
    let callback = authorize_in_browser(&provider, &settings, &attempt).await;
    let attempt = SignInAttempt::from_cookie(&cookie, &keys, Utc::now()).expect("still valid");
    let staff = finish_sign_in(&provider, &settings, REDIRECT, &attempt, &callback, Utc::now())
        .await
        .expect("a member");

    assert_eq!(
        staff,
        Staff::new("chef.projet@bluerocktel.fr", vec![Role::Manager, Role::Technician])
    );
    assert_eq!(attempt.return_to, "/console/projects");
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_by_the_identity_provider() {
    let fake = Fake::start().await;
    let settings = fake.settings();
    let provider = HttpIdentityProvider::new_insecure_for_tests(&settings).expect("a provider");
    let attempt = SignInAttempt::new("/console/", Utc::now()).expect("an attempt");
    let callback = authorize_in_browser(&provider, &settings, &attempt).await;
    let code = callback.code.as_deref().expect("a code");

    let other = SignInAttempt::new("/console/", Utc::now()).expect("another attempt");
    let refused = provider.exchange_code(code, &other.verifier, REDIRECT).await;
    assert!(
        matches!(&refused, Err(OidcError::Refused { endpoint: "token", status: 400, error })
            if error == "invalid_grant"),
        "{refused:?}"
    );

    let mut forged = attempt.clone();
    forged.verifier = other.verifier;
    let callback = authorize_in_browser(&provider, &settings, &forged).await;
    let refused = finish_sign_in(&provider, &settings, REDIRECT, &attempt, &callback, Utc::now());
    assert!(matches!(refused.await, Err(OidcError::Refused { status: 400, .. })));
}

#[tokio::test]
async fn a_code_is_traded_once_and_for_its_own_redirect_uri() {
    let fake = Fake::start().await;
    let settings = fake.settings();
    let provider = HttpIdentityProvider::new_insecure_for_tests(&settings).expect("a provider");
    let attempt = SignInAttempt::new("/console/", Utc::now()).expect("an attempt");

    let callback = authorize_in_browser(&provider, &settings, &attempt).await;
    let code = callback.code.as_deref().expect("a code");
    let elsewhere = provider.exchange_code(code, &attempt.verifier, "https://evil.example/cb");
    assert!(matches!(elsewhere.await, Err(OidcError::Refused { status: 400, .. })));

    let callback = authorize_in_browser(&provider, &settings, &attempt).await;
    let code = callback.code.as_deref().expect("a code");
    let tokens = provider.exchange_code(code, &attempt.verifier, REDIRECT).await;
    assert!(tokens.is_ok(), "{tokens:?}");
    let replayed = provider.exchange_code(code, &attempt.verifier, REDIRECT).await;
    assert!(matches!(replayed, Err(OidcError::Refused { status: 400, .. })));
}

#[tokio::test]
async fn the_discovery_document_is_read_on_the_first_sign_in_only() {
    let fake = Fake::start().await;
    let settings = fake.settings();
    let provider = HttpIdentityProvider::new_insecure_for_tests(&settings).expect("a provider");
    assert_eq!(fake.discoveries.load(Ordering::SeqCst), 0, "nothing fetched at start-up");

    for _ in 0..2 {
        let attempt = SignInAttempt::new("/console/", Utc::now()).expect("an attempt");
        let callback = authorize_in_browser(&provider, &settings, &attempt).await;
        let staff = finish_sign_in(&provider, &settings, REDIRECT, &attempt, &callback, Utc::now());
        assert!(staff.await.is_ok());
    }
    assert_eq!(fake.discoveries.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let fake = Fake::start_claiming(Some("https://evil.example")).await;
    let provider = HttpIdentityProvider::new_insecure_for_tests(&fake.settings()).expect("ok");

    let refused = provider.discovery().await;
    assert!(matches!(refused, Err(OidcError::IssuerMismatch { .. })), "{refused:?}");
    let refused = provider.exchange_code("code", "verifier", REDIRECT).await;
    assert!(matches!(refused, Err(OidcError::IssuerMismatch { .. })));
    assert_eq!(fake.discoveries.load(Ordering::SeqCst), 2, "a failure is not kept");
}

#[tokio::test]
async fn an_unreachable_identity_provider_is_an_error_not_a_panic() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let issuer = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);
    let settings = OidcSettings {
        issuer,
        client_id: CLIENT.into(),
        member_claim: "email".into(),
        roles_claim: "cognito:groups".into(),
    };
    let provider = HttpIdentityProvider::new_insecure_for_tests(&settings).expect("a provider");
    let refused = provider.discovery().await;
    assert!(
        matches!(&refused, Err(OidcError::Unreachable { endpoint: "discovery", .. })),
        "{refused:?}"
    );
    assert!(HttpIdentityProvider::new(&settings).is_err(), "plain http outside tests");
}

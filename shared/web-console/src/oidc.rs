//! Staff sign-in with OpenID Connect: the authorization code flow with PKCE
//! (S256), as a public client (no client secret), against the issuer the
//! API's JWT authorizer trusts (a Cognito user pool by default).
//!
//! The flow, as the console's sign-in routes drive it:
//!
//! 1. A fresh [`SignInAttempt`] (state, nonce, PKCE verifier, the console
//!    page to go back to) goes into a short-lived signed cookie
//!    ([`SignInAttempt::to_cookie`], [`ATTEMPT_COOKIE`]) and the browser to
//!    [`authorization_url`].
//! 2. The identity provider sends the browser back with a code and the
//!    state ([`Callback`]). [`finish_sign_in`] checks the state against the
//!    cookie's attempt, trades the code and the verifier for tokens at the
//!    token endpoint ([`IdentityProvider::exchange_code`]) and reads the
//!    member from the ID token ([`member_from_id_token`]).
//!
//! [`HttpIdentityProvider`] is the adapter: it reads the discovery document
//! on the first sign-in (never at cold start) and keeps it, and speaks HTTPS
//! only, outside tests. Nothing secret (code, verifier, tokens) is logged or
//! put in an error.

use crate::routes::is_console_path;
use api::auth::{split_claim_list, staff_from_claims};
use app::signing::SigningKeys;
use async_trait::async_trait;
use axum::body::Bytes;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use config::OidcSettings;
use domain::staff::Staff;
use domain::validation::is_email;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;
use thiserror::Error;

/// The cookie holding the [`SignInAttempt`] between the redirect to the
/// identity provider and its callback: `HttpOnly`, `Secure` in the cloud,
/// `SameSite=Lax` (the callback is a top-level navigation from another
/// site, which `Strict` would send without it), `Path=/console`.
pub const ATTEMPT_COOKIE: &str = "brt_sign_in";
/// How long a sign-in attempt may take, in seconds (the cookie's `Max-Age`).
pub const ATTEMPT_SECONDS: i64 = 600;
/// What the console asks for.
pub const SCOPE: &str = "openid email profile";
/// Clock skew tolerated on an ID token's expiry, in seconds.
const LEEWAY_SECONDS: f64 = 60.0;
/// Random bytes in a state, a nonce or a verifier (43 base64url characters,
/// within RFC 7636's 43 to 128 for a verifier).
const RANDOM_BYTES: usize = 32;
/// Larger cookies and tokens are refused unread.
const MAX_COOKIE: usize = 2048;
const MAX_ID_TOKEN: usize = 16 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum OidcError {
    #[error("no randomness for the sign-in attempt")]
    Random,
    #[error("a sign-in can only return to a console page")]
    ReturnTo,
    #[error("refusing the identity provider's {0} endpoint: not https")]
    Insecure(&'static str),
    #[error("the identity provider's {endpoint} endpoint cannot be reached: {reason}")]
    Unreachable { endpoint: &'static str, reason: String },
    #[error("the identity provider's {endpoint} endpoint answered {status} ({error})")]
    Refused { endpoint: &'static str, status: u16, error: String },
    #[error("the discovery document is invalid: {0}")]
    Discovery(String),
    #[error("the discovery document is for issuer {found:?}, not the configured one")]
    IssuerMismatch { found: String },
    #[error("the token endpoint's answer holds no ID token")]
    TokenResponse,
    #[error("the identity provider refused the sign-in ({0})")]
    Denied(String),
    #[error("the callback's state is not the sign-in attempt's")]
    State,
    #[error("the callback holds no authorization code")]
    NoCode,
    #[error("the ID token is malformed")]
    Malformed,
    #[error("the ID token is from another issuer")]
    Issuer,
    #[error("the ID token is for another client")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token's nonce is not the sign-in attempt's")]
    Nonce,
    #[error("the ID token's {0:?} claim is not a verified e-mail address")]
    Member(String),
    #[error("the ID token names no known role")]
    NoRole,
}

/// What the console remembers of a sign-in between the redirect to the
/// identity provider and its callback, in a signed cookie. The verifier is
/// signed, not encrypted: it only ever sits in the member's own browser
/// (`HttpOnly`), whose cookies an attacker would need anyway.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInAttempt {
    /// Binds the callback to this browser (CSRF of the redirection).
    pub state: String,
    /// Binds the ID token to this attempt (replay).
    pub nonce: String,
    /// The PKCE code verifier; the identity provider sees its challenge.
    pub verifier: String,
    /// A console page ([`crate::routes::is_console_path`]).
    pub return_to: String,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SignInAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInAttempt")
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl SignInAttempt {
    /// A new attempt going back to `return_to`, which must be a console
    /// page (no open redirect).
    pub fn new(return_to: &str, now: DateTime<Utc>) -> Result<Self, OidcError> {
        if !is_console_path(return_to) {
            return Err(OidcError::ReturnTo);
        }
        Ok(Self {
            state: random_token()?,
            nonce: random_token()?,
            verifier: random_token()?,
            return_to: return_to.to_owned(),
            expires_at: now + chrono::Duration::seconds(ATTEMPT_SECONDS),
        })
    }

    /// `<base64url JSON>.<signature>`, for the [`ATTEMPT_COOKIE`].
    pub fn to_cookie(&self, keys: &SigningKeys) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = keys.sign(&body);
        format!("{body}.{signature}")
    }

    /// The attempt of a cookie value, if signed by a key in force, not
    /// expired and going back to a console page.
    pub fn from_cookie(value: &str, keys: &SigningKeys, now: DateTime<Utc>) -> Option<Self> {
        if value.len() > MAX_COOKIE {
            return None;
        }
        let (body, signature) = value.split_once('.')?;
        if !keys.verify(body, signature) {
            return None;
        }
        let attempt: Self = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (attempt.expires_at > now && is_console_path(&attempt.return_to)).then_some(attempt)
    }

    /// Whether a callback's `state` is this attempt's (constant time).
    pub fn matches_state(&self, state: &str) -> bool {
        constant_time_eq(&self.state, state)
    }

    /// `BASE64URL(SHA256(verifier))`.
    pub fn code_challenge(&self) -> String {
        code_challenge(&self.verifier)
    }
}

/// The PKCE S256 challenge of a verifier (RFC 7636, 4.2).
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn random_token() -> Result<String, OidcError> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| OidcError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the console needs of the issuer's discovery document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// RP-initiated logout; Cognito has none (its `/logout` is its own).
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

impl Discovery {
    /// `<issuer>/.well-known/openid-configuration`.
    pub fn url(issuer: &str) -> String {
        format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
    }

    /// The document of `issuer`: it must name that issuer (OpenID Connect
    /// Discovery 4.3) and https endpoints (`allow_http`: loopback
    /// `http://` too, for tests).
    pub fn parse(body: &[u8], issuer: &str, allow_http: bool) -> Result<Self, OidcError> {
        let document: Self =
            serde_json::from_slice(body).map_err(|e| OidcError::Discovery(e.to_string()))?;
        if !same_issuer(&document.issuer, issuer) {
            return Err(OidcError::IssuerMismatch { found: document.issuer });
        }
        require_https("authorization", &document.authorization_endpoint, allow_http)?;
        require_https("token", &document.token_endpoint, allow_http)?;
        if let Some(end_session) = &document.end_session_endpoint {
            require_https("end session", end_session, allow_http)?;
        }
        Ok(document)
    }
}

/// Issuers compare as strings; the configuration drops a trailing `/`.
fn same_issuer(found: &str, configured: &str) -> bool {
    found.trim_end_matches('/') == configured.trim_end_matches('/')
}

/// `https://`, or with `allow_http` plain `http://` to this machine only.
fn require_https(endpoint: &'static str, url: &str, allow_http: bool) -> Result<(), OidcError> {
    let loopback = || {
        let Some(rest) = url.strip_prefix("http://") else { return false };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let port = |rest: &str| {
            rest.strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .any(|host| authority == *host || authority.strip_prefix(host).is_some_and(port))
    };
    if url.starts_with("https://") || (allow_http && loopback()) {
        Ok(())
    } else {
        Err(OidcError::Insecure(endpoint))
    }
}

/// Where to send the browser to sign in: the authorization endpoint with
/// the code flow's parameters and the attempt's state, nonce and PKCE
/// challenge (S256), form-encoded.
pub fn authorization_url(
    discovery: &Discovery,
    settings: &OidcSettings,
    redirect_uri: &str,
    attempt: &SignInAttempt,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPE)
        .append_pair("state", &attempt.state)
        .append_pair("nonce", &attempt.nonce)
        .append_pair("code_challenge", &attempt.code_challenge())
        .append_pair("code_challenge_method", "S256")
        .finish();
    with_query(&discovery.authorization_endpoint, &query)
}

/// Where to send the browser to sign out at the identity provider too
/// (OpenID Connect RP-Initiated Logout), if its discovery names an end
/// session endpoint. Cognito's does not: `None`, and the console only ends
/// its own session.
pub fn sign_out_url(
    discovery: &Discovery,
    settings: &OidcSettings,
    post_logout_redirect_uri: &str,
) -> Option<String> {
    let endpoint = discovery.end_session_endpoint.as_deref()?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &settings.client_id)
        .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
        .finish();
    Some(with_query(endpoint, &query))
}

fn with_query(endpoint: &str, query: &str) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{query}")
}

/// The token endpoint's answer, as far as the console reads it.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub id_token: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse").finish_non_exhaustive()
    }
}

/// The identity provider, as the console's sign-in uses it.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The issuer's endpoints (read once, then kept).
    async fn discovery(&self) -> Result<Discovery, OidcError>;

    /// Trades an authorization code and its PKCE verifier for tokens.
    async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, OidcError>;
}

/// The identity provider over HTTPS (rustls, the system's roots).
pub struct HttpIdentityProvider {
    issuer: String,
    client_id: String,
    allow_http: bool,
    ready: tokio::sync::OnceCell<Ready>,
}

/// Built on the first sign-in: the client (loading the system's roots) and
/// the discovery document. A failure leaves it unbuilt, for the next try.
struct Ready {
    client: reqwest::Client,
    discovery: Discovery,
}

impl HttpIdentityProvider {
    /// The provider of `settings`, whose issuer must be `https://`. Nothing
    /// is fetched before the first sign-in.
    pub fn new(settings: &OidcSettings) -> Result<Self, OidcError> {
        Self::build(settings, false)
    }

    /// For tests against a fake issuer on this machine: plain `http://` to
    /// a loopback address is accepted too (never any other host).
    pub fn new_insecure_for_tests(settings: &OidcSettings) -> Result<Self, OidcError> {
        Self::build(settings, true)
    }

    fn build(settings: &OidcSettings, allow_http: bool) -> Result<Self, OidcError> {
        require_https("issuer", &settings.issuer, allow_http)?;
        Ok(Self {
            issuer: settings.issuer.trim_end_matches('/').to_owned(),
            client_id: settings.client_id.clone(),
            allow_http,
            ready: tokio::sync::OnceCell::new(),
        })
    }

    async fn ready(&self) -> Result<&Ready, OidcError> {
        self.ready.get_or_try_init(|| self.load()).await
    }

    async fn load(&self) -> Result<Ready, OidcError> {
        let client = reqwest::Client::builder()
            .https_only(!self.allow_http)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| unreachable("discovery", &e))?;
        let response = client
            .get(Discovery::url(&self.issuer))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable("discovery", &e))?;
        let body = successful("discovery", response).await?;
        let discovery = Discovery::parse(&body, &self.issuer, self.allow_http)?;
        tracing::info!(issuer = %discovery.issuer, "identity provider discovered");
        Ok(Ready { client, discovery })
    }
}

#[async_trait]
impl IdentityProvider for HttpIdentityProvider {
    async fn discovery(&self) -> Result<Discovery, OidcError> {
        Ok(self.ready().await?.discovery.clone())
    }

    async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, OidcError> {
        let ready = self.ready().await?;
        let endpoint = &ready.discovery.token_endpoint;
        // What authenticates the ID token (see `member_from_id_token`).
        require_https("token", endpoint, self.allow_http)?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", verifier),
        ];
        let response = ready
            .client
            .post(endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable("token", &e))?;
        let body = successful("token", response).await?;
        serde_json::from_slice(&body).map_err(|_| OidcError::TokenResponse)
    }
}

/// The body of a `2xx`; otherwise the OAuth error code (RFC 6749, 5.2).
async fn successful(
    endpoint: &'static str,
    response: reqwest::Response,
) -> Result<Bytes, OidcError> {
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
    }
    let status = response.status();
    let body = response.bytes().await.map_err(|e| unreachable(endpoint, &e))?;
    if status.is_success() {
        return Ok(body);
    }
    let error = serde_json::from_slice::<OAuthError>(&body)
        .map(|e| error_code(&e.error))
        .unwrap_or_default();
    Err(OidcError::Refused { endpoint, status: status.as_u16(), error })
}

/// An error and its causes, on one line (no request body: no secret).
fn unreachable(endpoint: &'static str, error: &reqwest::Error) -> OidcError {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    OidcError::Unreachable { endpoint, reason }
}

/// An OAuth error code from outside, safe to log.
fn error_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect()
}

/// The query of the redirection back to the console (RFC 6749, 4.1.2).
#[derive(Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback").field("error", &self.error).finish_non_exhaustive()
    }
}

/// The end of a sign-in: the callback must carry the attempt's state and a
/// code; the code and the attempt's verifier are traded for an ID token,
/// which must carry the attempt's nonce and name a member with a role.
pub async fn finish_sign_in(
    provider: &dyn IdentityProvider,
    settings: &OidcSettings,
    redirect_uri: &str,
    attempt: &SignInAttempt,
    callback: &Callback,
    now: DateTime<Utc>,
) -> Result<Staff, OidcError> {
    if !callback.state.as_deref().is_some_and(|state| attempt.matches_state(state)) {
        return Err(OidcError::State);
    }
    if let Some(error) = &callback.error {
        return Err(OidcError::Denied(error_code(error)));
    }
    let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or(OidcError::NoCode)?;
    let tokens = provider.exchange_code(code, &attempt.verifier, redirect_uri).await?;
    member_from_id_token(&tokens.id_token, settings, &attempt.nonce, now)
}

/// The member an ID token names: its issuer, audience, expiry and nonce
/// checked (OpenID Connect Core 3.1.3.7), the member read from
/// `settings.member_claim` (a lower-cased e-mail address) and the roles
/// from `settings.roles_claim` (an array or a list in a string).
///
/// The signature is not verified, by design: OpenID Connect Core 3.1.3.7,
/// step 6, lets a client use the TLS server validation of the token
/// endpoint to authenticate the issuer in place of the signature when the
/// ID token was received directly from that endpoint, as in the code flow.
/// Only [`IdentityProvider::exchange_code`] may therefore supply `id_token`,
/// and [`HttpIdentityProvider`] refuses a token endpoint that is not
/// `https://` (but for loopback test issuers).
pub fn member_from_id_token(
    id_token: &str,
    settings: &OidcSettings,
    expected_nonce: &str,
    now: DateTime<Utc>,
) -> Result<Staff, OidcError> {
    let claims = id_token_claims(id_token)?;
    check_claims(&claims, settings, expected_nonce, now)?;
    let member = member(&claims, &settings.member_claim)?;
    staff_from_claims(Some(&member), roles(&claims, &settings.roles_claim))
        .map_err(|_| OidcError::NoRole)
}

/// The payload of a JWS in compact form (header, payload, signature).
fn id_token_claims(id_token: &str) -> Result<Map<String, Value>, OidcError> {
    if id_token.len() > MAX_ID_TOKEN {
        return Err(OidcError::Malformed);
    }
    let mut parts = id_token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::Malformed);
    };
    let json =
        URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).map_err(|_| OidcError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| OidcError::Malformed)
}

fn check_claims(
    claims: &Map<String, Value>,
    settings: &OidcSettings,
    expected_nonce: &str,
    now: DateTime<Utc>,
) -> Result<(), OidcError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if !text("iss").is_some_and(|iss| same_issuer(iss, &settings.issuer)) {
        return Err(OidcError::Issuer);
    }
    let client = settings.client_id.as_str();
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(client)),
        _ => false,
    };
    if !audience || text("azp").is_some_and(|azp| azp != client) {
        return Err(OidcError::Audience);
    }
    let exp = claims.get("exp").and_then(Value::as_f64).ok_or(OidcError::Malformed)?;
    if exp + LEEWAY_SECONDS <= now.timestamp() as f64 {
        return Err(OidcError::Expired);
    }
    let nonce_matches = text("nonce").is_some_and(|nonce| constant_time_eq(nonce, expected_nonce));
    if expected_nonce.is_empty() || !nonce_matches {
        return Err(OidcError::Nonce);
    }
    Ok(())
}

/// The member claim, lower-cased: an e-mail address, and when it is the
/// `email` claim, one the identity provider has not marked unverified.
fn member(claims: &Map<String, Value>, name: &str) -> Result<String, OidcError> {
    let refused = || OidcError::Member(name.to_owned());
    let member = claims
        .get(name)
        .and_then(Value::as_str)
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| is_email(value))
        .ok_or_else(refused)?;
    let unverified = match claims.get("email_verified") {
        Some(Value::Bool(verified)) => !verified,
        Some(Value::String(verified)) => verified.eq_ignore_ascii_case("false"),
        _ => false,
    };
    if name == "email" && unverified {
        return Err(refused());
    }
    Ok(member)
}

/// The roles claim: an array of strings (Cognito's `cognito:groups`) or a
/// list in one string.
fn roles<'a>(claims: &'a Map<String, Value>, name: &str) -> Vec<&'a str> {
    match claims.get(name) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(list)) => split_claim_list(list).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes;
    use app::signing::Purpose;
    use config::Secret;
    use domain::staff::Role;
    use serde_json::json;

    const ISSUER: &str = "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_Abc123";
    const CLIENT: &str = "4r7client";
    const NONCE: &str = "n-0S6_WzA2Mj";

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: ISSUER.into(),
            client_id: CLIENT.into(),
            member_claim: "email".into(),
            roles_claim: "cognito:groups".into(),
        }
    }

    fn keys(secret: &str, purpose: Purpose) -> SigningKeys {
        SigningKeys::derive(&[Secret::new(secret)], purpose)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    fn discovery(end_session: Option<&str>) -> Discovery {
        Discovery {
            issuer: ISSUER.into(),
            authorization_endpoint: "https://brt.auth.eu-west-3.amazoncognito.com/oauth2/authorize"
                .into(),
            token_endpoint: "https://brt.auth.eu-west-3.amazoncognito.com/oauth2/token".into(),
            end_session_endpoint: end_session.map(str::to_owned),
        }
    }

    /// A Cognito-shaped ID token, unsigned, with `changes` applied
    /// (`null` removes a claim).
    fn id_token(changes: Value) -> String {
        let mut claims = json!({
            "sub": "7a1f-uuid", "iss": ISSUER, "aud": CLIENT, "token_use": "id",
            "exp": now().timestamp() + 3600, "iat": now().timestamp(), "nonce": NONCE,
            "email": "PM@BlueRockTEL.fr", "email_verified": true,
            "cognito:groups": ["manager", "eu-west-3_Abc123_Google"],
        });
        for (name, value) in changes.as_object().unwrap() {
            match value {
                Value::Null => claims.as_object_mut().unwrap().remove(name),
                _ => claims.as_object_mut().unwrap().insert(name.clone(), value.clone()),
            };
        }
        let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        format!("{}.{}.", encode(&json!({"alg": "none"})), encode(&claims))
    }

    fn member_of(changes: Value) -> Result<Staff, OidcError> {
        member_from_id_token(&id_token(changes), &settings(), NONCE, now())
    }

    #[test]
    fn the_pkce_challenge_is_rfc_7636_appendix_b() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn attempts_are_random_and_their_verifiers_are_valid_pkce_verifiers() {
        let a = SignInAttempt::new(routes::home(), now()).unwrap();
        let b = SignInAttempt::new(routes::home(), now()).unwrap();
        assert_ne!((&a.state, &a.nonce, &a.verifier), (&b.state, &b.nonce, &b.verifier));
        assert_ne!(a.state, a.nonce);
        // RFC 7636, 4.1: 43 to 128 unreserved characters.
        assert_eq!(a.verifier.len(), 43);
        assert!(a.verifier.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
        assert_eq!(a.expires_at, now() + chrono::Duration::seconds(ATTEMPT_SECONDS));
        assert_eq!(a.code_challenge(), code_challenge(&a.verifier));
    }

    #[test]
    fn an_attempt_survives_its_cookie_until_it_expires() {
        let keys = keys("s", Purpose::SignIn);
        let attempt =
            SignInAttempt::new(&format!("{}?status=live", routes::projects()), now()).unwrap();
        let cookie = attempt.to_cookie(&keys);
        assert!(cookie.len() < MAX_COOKIE);
        assert!(cookie.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        let later = now() + chrono::Duration::seconds(ATTEMPT_SECONDS - 1);
        assert_eq!(SignInAttempt::from_cookie(&cookie, &keys, later), Some(attempt));
        let expired = now() + chrono::Duration::seconds(ATTEMPT_SECONDS);
        assert_eq!(SignInAttempt::from_cookie(&cookie, &keys, expired), None);
    }

    #[test]
    fn a_tampered_or_foreign_cookie_is_refused() {
        let signing = keys("s", Purpose::SignIn);
        let mut attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        let cookie = attempt.to_cookie(&signing);
        let (body, signature) = cookie.split_once('.').unwrap();
        attempt.return_to = routes::templates().into();
        let other_body = attempt.to_cookie(&signing).split_once('.').unwrap().0.to_owned();
        let refused = [
            format!("{other_body}.{signature}"),
            format!("{body}.{}", "0".repeat(signature.len())),
            format!("{body}x.{signature}"),
            body.to_owned(),
            String::new(),
            format!("{body}.{signature}{}", "0".repeat(MAX_COOKIE)),
        ];
        for value in &refused {
            assert_eq!(SignInAttempt::from_cookie(value, &signing, now()), None, "{value}");
        }
        for foreign in [keys("other", Purpose::SignIn), keys("s", Purpose::Session)] {
            assert_eq!(SignInAttempt::from_cookie(&cookie, &foreign, now()), None);
        }
    }

    #[test]
    fn a_signed_cookie_leading_outside_the_console_is_still_refused() {
        let keys = keys("s", Purpose::SignIn);
        let mut attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        attempt.return_to = "https://evil.example/".into();
        assert_eq!(SignInAttempt::from_cookie(&attempt.to_cookie(&keys), &keys, now()), None);
    }

    #[test]
    fn a_sign_in_returns_to_console_pages_only() {
        for good in routes::console_paths() {
            assert!(SignInAttempt::new(&good, now()).is_ok(), "{good}");
        }
        for bad in routes::not_console_paths() {
            assert!(matches!(SignInAttempt::new(&bad, now()), Err(OidcError::ReturnTo)), "{bad}");
        }
    }

    #[test]
    fn the_state_is_compared_whole() {
        let attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        assert!(attempt.matches_state(&attempt.state.clone()));
        assert!(!attempt.matches_state(&attempt.state[1..]));
        assert!(!attempt.matches_state(""));
        assert!(!attempt.matches_state(&format!("{}x", attempt.state)));
    }

    #[test]
    fn the_authorization_url_asks_for_a_code_with_an_s256_challenge() {
        let attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        let redirect = "https://console.example/console/auth/callback?x=1&y=é";
        let url = authorization_url(&discovery(None), &settings(), redirect, &attempt);
        let (endpoint, query) = url.split_once('?').unwrap();
        assert_eq!(endpoint, discovery(None).authorization_endpoint);
        assert!(!query.contains(' ') && !query.contains("é"), "{query}");
        let params: std::collections::HashMap<String, String> =
            form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let expected = [
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", redirect),
            ("scope", "openid email profile"),
            ("state", &attempt.state),
            ("nonce", &attempt.nonce),
            ("code_challenge", &code_challenge(&attempt.verifier)),
            ("code_challenge_method", "S256"),
        ];
        assert_eq!(params.len(), expected.len());
        for (name, value) in expected {
            assert_eq!(params.get(name).map(String::as_str), Some(value), "{name}");
        }
        assert!(!query.contains(&attempt.verifier));
    }

    #[test]
    fn an_authorization_endpoint_with_a_query_keeps_it() {
        let attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        let mut discovery = discovery(None);
        discovery.authorization_endpoint = "https://idp.example/authorize?tenant=brt".into();
        let url = authorization_url(&discovery, &settings(), "https://c.example/cb", &attempt);
        assert!(url.starts_with("https://idp.example/authorize?tenant=brt&response_type=code&"));
    }

    #[test]
    fn sign_out_goes_to_the_end_session_endpoint_when_there_is_one() {
        let back = "https://console.example/console/signed-out";
        assert_eq!(sign_out_url(&discovery(None), &settings(), back), None);
        let url = sign_out_url(&discovery(Some("https://idp.example/logout")), &settings(), back);
        assert_eq!(
            url.as_deref(),
            Some(
                "https://idp.example/logout?client_id=4r7client&post_logout_redirect_uri=\
                 https%3A%2F%2Fconsole.example%2Fconsole%2Fsigned-out"
            )
        );
    }

    #[test]
    fn a_discovery_document_must_be_the_configured_issuers_and_use_https() {
        let document = |changes: Value| {
            let mut d = serde_json::to_value(discovery(None)).unwrap();
            d.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
            d.as_object_mut().unwrap().insert("jwks_uri".into(), json!("https://x/jwks"));
            serde_json::to_vec(&d).unwrap()
        };
        let parsed = Discovery::parse(&document(json!({})), &format!("{ISSUER}/"), false);
        assert_eq!(parsed.unwrap(), discovery(None));
        let other = Discovery::parse(&document(json!({"issuer": "https://evil"})), ISSUER, false);
        assert!(
            matches!(other, Err(OidcError::IssuerMismatch { found }) if found == "https://evil")
        );
        let http = json!({"token_endpoint": "http://127.0.0.1:9/token"});
        assert!(matches!(
            Discovery::parse(&document(http.clone()), ISSUER, false),
            Err(OidcError::Insecure("token"))
        ));
        assert!(Discovery::parse(&document(http), ISSUER, true).is_ok());
        let remote = json!({"token_endpoint": "http://idp.example/token"});
        assert!(Discovery::parse(&document(remote), ISSUER, true).is_err());
        let logout = json!({"end_session_endpoint": "http://idp.example/logout"});
        assert!(Discovery::parse(&document(logout), ISSUER, false).is_err());
        assert!(matches!(Discovery::parse(b"{}", ISSUER, false), Err(OidcError::Discovery(_))));
        assert_eq!(
            Discovery::url("https://idp.example/"),
            "https://idp.example/.well-known/openid-configuration"
        );
    }

    #[test]
    fn only_https_issuers_but_for_loopback_ones_in_tests() {
        let with = |issuer: &str| OidcSettings { issuer: issuer.into(), ..settings() };
        assert!(HttpIdentityProvider::new(&with(ISSUER)).is_ok());
        assert!(HttpIdentityProvider::new(&with("http://127.0.0.1:8080")).is_err());
        for loopback in ["http://127.0.0.1:8080", "http://localhost:1/x", "http://[::1]:2"] {
            assert!(HttpIdentityProvider::new_insecure_for_tests(&with(loopback)).is_ok());
        }
        for remote in [
            "http://idp.example",
            "http://127.0.0.1.evil.example",
            "http://localhost@evil.example",
            "http://localhost:1@evil.example",
            "http://127.0.0.1:/x",
            "ftp://127.0.0.1",
        ] {
            assert!(
                HttpIdentityProvider::new_insecure_for_tests(&with(remote)).is_err(),
                "{remote}"
            );
        }
    }

    #[test]
    fn a_cognito_id_token_names_the_member_by_e_mail_with_its_groups_as_roles() {
        let staff = member_of(json!({})).unwrap();
        assert_eq!(staff, Staff::new("pm@bluerocktel.fr", vec![Role::Manager]));
        assert_eq!(staff.sub, "pm@bluerocktel.fr");
        let both = member_of(json!({"cognito:groups": ["admin", "technician"]})).unwrap();
        assert_eq!(both.roles, [Role::Admin, Role::Technician]);
    }

    #[test]
    fn roles_are_read_from_an_array_or_a_string_list() {
        let custom =
            OidcSettings { member_claim: "upn".into(), roles_claim: "roles".into(), ..settings() };
        for roles in [json!(["manager", "admin"]), json!("manager admin"), json!("[manager,admin]")]
        {
            let token = id_token(json!({"upn": "Tech@BlueRockTEL.fr", "roles": roles}));
            let staff = member_from_id_token(&token, &custom, NONCE, now()).unwrap();
            assert_eq!(staff.sub, "tech@bluerocktel.fr");
            assert_eq!(staff.roles, [Role::Manager, Role::Admin], "{roles}");
        }
    }

    #[test]
    fn a_token_for_another_issuer_or_client_is_refused() {
        let issuer = |iss: Value| member_of(json!({"iss": iss}));
        assert!(matches!(issuer(json!("https://evil.example")), Err(OidcError::Issuer)));
        assert!(matches!(issuer(json!(format!("{ISSUER}x"))), Err(OidcError::Issuer)));
        assert!(matches!(issuer(Value::Null), Err(OidcError::Issuer)));
        let audience = |aud: Value| member_of(json!({"aud": aud}));
        assert!(matches!(audience(json!("other")), Err(OidcError::Audience)));
        assert!(matches!(audience(json!(["other", "x"])), Err(OidcError::Audience)));
        assert!(matches!(audience(json!(42)), Err(OidcError::Audience)));
        assert!(matches!(audience(Value::Null), Err(OidcError::Audience)));
        assert!(audience(json!(["other", CLIENT])).is_ok());
        let azp = member_of(json!({"aud": ["other", CLIENT], "azp": "other"}));
        assert!(matches!(azp, Err(OidcError::Audience)));
        assert!(member_of(json!({"aud": ["other", CLIENT], "azp": CLIENT})).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused_beyond_a_minute_of_skew() {
        let expiring =
            |seconds_ago: i64| member_of(json!({"exp": now().timestamp() - seconds_ago}));
        assert!(expiring(30).is_ok());
        assert!(matches!(expiring(60), Err(OidcError::Expired)));
        assert!(matches!(expiring(3600), Err(OidcError::Expired)));
        assert!(matches!(member_of(json!({"exp": Value::Null})), Err(OidcError::Malformed)));
        assert!(matches!(member_of(json!({"exp": "tomorrow"})), Err(OidcError::Malformed)));
    }

    #[test]
    fn a_token_for_another_attempt_is_refused() {
        assert!(matches!(member_of(json!({"nonce": "other"})), Err(OidcError::Nonce)));
        assert!(matches!(member_of(json!({"nonce": Value::Null})), Err(OidcError::Nonce)));
        let empty = id_token(json!({"nonce": ""}));
        let refused = member_from_id_token(&empty, &settings(), "", now());
        assert!(matches!(refused, Err(OidcError::Nonce)));
    }

    #[test]
    fn the_member_must_be_a_verified_e_mail_address_with_a_known_role() {
        let member = |changes: Value| member_of(changes);
        for email in [json!("not-an-address"), json!(""), json!(7), Value::Null] {
            let refused = member(json!({ "email": email }));
            assert!(matches!(refused, Err(OidcError::Member(c)) if c == "email"), "{email}");
        }
        for unverified in [json!(false), json!("false")] {
            let refused = member(json!({ "email_verified": unverified }));
            assert!(matches!(refused, Err(OidcError::Member(_))));
        }
        assert!(member(json!({"email_verified": "true"})).is_ok());
        for roles in [json!(["root"]), json!([]), Value::Null, json!(3)] {
            let refused = member(json!({ "cognito:groups": roles }));
            assert!(matches!(refused, Err(OidcError::NoRole)), "{roles}");
        }
    }

    #[test]
    fn a_malformed_token_is_refused() {
        let payload = URL_SAFE_NO_PAD.encode(b"{\"iss\":");
        let long = format!("e30.{}.", "A".repeat(MAX_ID_TOKEN));
        for token in ["", "abc", "a.b", "a.b.c.d.e", &format!("e30.{payload}."), "e30.!!!.", &long]
        {
            let refused = member_from_id_token(token, &settings(), NONCE, now());
            assert!(matches!(refused, Err(OidcError::Malformed)), "{token:.40}");
        }
        let padded = id_token(json!({}));
        let (head, rest) = padded.split_once('.').unwrap();
        let (payload, _) = rest.split_once('.').unwrap();
        let padded = format!("{head}.{payload}==.sig");
        assert!(member_from_id_token(&padded, &settings(), NONCE, now()).is_ok());
    }

    struct Fixed(Result<String, u16>);

    #[async_trait]
    impl IdentityProvider for Fixed {
        async fn discovery(&self) -> Result<Discovery, OidcError> {
            Ok(discovery(None))
        }

        async fn exchange_code(
            &self,
            code: &str,
            verifier: &str,
            _redirect_uri: &str,
        ) -> Result<TokenResponse, OidcError> {
            assert_eq!((code, verifier.len()), ("the-code", 43));
            match &self.0 {
                Ok(id_token) => Ok(TokenResponse { id_token: id_token.clone() }),
                Err(status) => Err(OidcError::Refused {
                    endpoint: "token",
                    status: *status,
                    error: "x".into(),
                }),
            }
        }
    }

    fn callback(code: Option<&str>, state: Option<&str>, error: Option<&str>) -> Callback {
        let own = |v: Option<&str>| v.map(str::to_owned);
        Callback { code: own(code), state: own(state), error: own(error) }
    }

    #[tokio::test]
    async fn a_callback_finishes_the_sign_in_of_its_own_attempt_only() {
        let mut attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        attempt.nonce = NONCE.into();
        let token = || Fixed(Ok(id_token(json!({}))));
        let finish = |cb: Callback, provider: Fixed| {
            let attempt = attempt.clone();
            async move {
                let uri = "https://c.example/cb";
                finish_sign_in(&provider, &settings(), uri, &attempt, &cb, now()).await
            }
        };
        let state = Some(attempt.state.as_str());
        let staff = finish(callback(Some("the-code"), state, None), token()).await;
        assert_eq!(staff.unwrap().sub, "pm@bluerocktel.fr");
        let wrong = finish(callback(Some("the-code"), Some("x"), None), token()).await;
        assert!(matches!(wrong, Err(OidcError::State)));
        let none = finish(callback(Some("the-code"), None, None), token()).await;
        assert!(matches!(none, Err(OidcError::State)));
        let denied = finish(callback(None, state, Some("access_denied<b>")), token());
        assert!(matches!(denied.await, Err(OidcError::Denied(e)) if e == "access_deniedb"));
        let no_code = finish(callback(Some(""), state, None), token()).await;
        assert!(matches!(no_code, Err(OidcError::NoCode)));
        let refused = finish(callback(Some("the-code"), state, None), Fixed(Err(400))).await;
        assert!(matches!(refused, Err(OidcError::Refused { status: 400, .. })));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let attempt = SignInAttempt::new(routes::home(), now()).unwrap();
        let shown = format!("{attempt:?}");
        for secret in [&attempt.state, &attempt.nonce, &attempt.verifier] {
            assert!(!shown.contains(secret.as_str()), "{shown}");
        }
        let tokens = TokenResponse { id_token: "eyJ.secret.sig".into() };
        assert!(!format!("{tokens:?}").contains("secret"));
        let cb = callback(Some("the-code"), Some("st"), None);
        assert!(!format!("{cb:?}").contains("the-code"));
    }
}

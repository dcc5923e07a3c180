//! The cloud's sign-in routes: `GET /console/sign-in` sends the browser to
//! the identity provider with a fresh attempt (state, nonce, PKCE
//! verifier) kept in a signed, short-lived cookie; `GET /console/callback`
//! finishes it ([`oidc::finish_sign_in`]) and starts the session.

use super::i18n::Lang;
use super::oidc::{self, Callback, IdentityProvider, SignInAttempt};
use super::session::{self, cookie_value, lang};
use super::sign_in::{Next, SIGN_IN, render, safe_next, set_cookie, start_session};
use super::{BASE, ConsoleState};
use crate::config::OidcSettings;
use crate::signing::{Purpose, SigningKeys};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::sync::Arc;

const CALLBACK: &str = "/console/callback";

#[derive(Clone)]
struct Provider {
    provider: Arc<dyn IdentityProvider>,
    settings: Arc<OidcSettings>,
}

pub fn router(provider: Arc<dyn IdentityProvider>, settings: OidcSettings) -> Router<ConsoleState> {
    let provider = Provider { provider, settings: Arc::new(settings) };
    let first = provider.clone();
    let start = move |s: State<ConsoleState>, h: HeaderMap, q: Query<Next>| start(s, h, q, first);
    let finish =
        move |s: State<ConsoleState>, h: HeaderMap, q: Query<Callback>| finish(s, h, q, provider);
    Router::new().route(SIGN_IN, get(start)).route(CALLBACK, get(finish))
}

/// Where the provider sends the browser back: this host's callback (API
/// Gateway only routes its own domains here; the provider also checks the
/// URI against the client's registered ones).
fn redirect_uri(state: &ConsoleState, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    let scheme = if state.secure_cookies { "https" } else { "http" };
    valid.then(|| format!("{scheme}://{host}{CALLBACK}"))
}

async fn start(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
    provider: Provider,
) -> Response {
    let lang = lang(&headers);
    let secrets = match session::secrets(&state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = state.clock.now();
    let (Some(redirect), Ok(attempt)) =
        (redirect_uri(&state, &headers), SignInAttempt::new(&safe_next(q.next.as_deref()), now))
    else {
        return failed(&state, lang, StatusCode::BAD_REQUEST);
    };
    let discovery = match provider.provider.discovery().await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "identity provider unavailable");
            return failed(&state, lang, StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let keys = SigningKeys::derive(&secrets, Purpose::SignIn);
    let url = oidc::authorization_url(&discovery, &provider.settings, &redirect, &attempt);
    let mut response = Redirect::to(&url).into_response();
    let cookie = session::cookie(
        oidc::ATTEMPT_COOKIE,
        &attempt.to_cookie(&keys),
        oidc::ATTEMPT_SECONDS,
        state.secure_cookies,
    );
    set_cookie(&mut response, &cookie);
    response
}

async fn finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
    provider: Provider,
) -> Response {
    let lang = lang(&headers);
    let secrets = match session::secrets(&state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = state.clock.now();
    let keys = SigningKeys::derive(&secrets, Purpose::SignIn);
    let attempt = cookie_value(&headers, oidc::ATTEMPT_COOKIE)
        .and_then(|value| SignInAttempt::from_cookie(value, &keys, now));
    let (Some(attempt), Some(redirect)) = (attempt, redirect_uri(&state, &headers)) else {
        return failed(&state, lang, StatusCode::BAD_REQUEST);
    };
    let settings = &provider.settings;
    let signed_in =
        oidc::finish_sign_in(&*provider.provider, settings, &redirect, &attempt, &callback, now)
            .await;
    let mut response = match signed_in {
        Ok(staff) => start_session(&state, &staff, &attempt.return_to).await,
        Err(e) => {
            tracing::info!(error = %e, "console sign-in refused");
            failed(&state, lang, StatusCode::FORBIDDEN)
        }
    };
    let clear = session::cookie(oidc::ATTEMPT_COOKIE, "", 0, state.secure_cookies);
    set_cookie(&mut response, &clear);
    response
}

/// A sign-in that did not go through: say so, offer to try again.
fn failed(state: &ConsoleState, lang: Lang, status: StatusCode) -> Response {
    let context = serde_json::json!({
        "code": status.as_u16(), "message_key": "error_sign_in",
        "here": BASE, "here_q": BASE, "retry": SIGN_IN,
    });
    let mut response = render(state, "error.html", lang, context);
    *response.status_mut() = status;
    response
}

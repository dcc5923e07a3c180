//! The cloud's sign-in routes: `GET /console/sign-in` sends the browser to
//! the identity provider with a fresh attempt (state, nonce, PKCE
//! verifier) kept in a signed, short-lived cookie; `GET /console/callback`
//! finishes it ([`oidc::finish_sign_in`]) and starts the session.

use super::ConsoleState;
use super::i18n::{Lang, Strings};
use super::oidc::{self, Callback, IdentityProvider, SignInAttempt};
use super::routes::{self, safe_next};
use super::session::{self, cookie_value, lang};
use super::sign_in::{Next, set_cookie, sign_out, start_session};
use super::view::{ErrorPage, Frame, Page};
use app::signing::{Purpose, SigningKeys};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use config::OidcSettings;
use std::sync::Arc;

#[derive(Clone)]
struct Provider {
    provider: Arc<dyn IdentityProvider>,
    settings: Arc<OidcSettings>,
    logout: Option<Arc<str>>,
}

pub fn router(
    provider: Arc<dyn IdentityProvider>,
    settings: OidcSettings,
    logout: Option<String>,
) -> Router<ConsoleState> {
    let logout = logout.map(Arc::from);
    let provider = Provider { provider, settings: Arc::new(settings), logout };
    let ending = provider.clone();
    let end = move |s: State<ConsoleState>, h: HeaderMap, p: session::Posted| {
        let then = ending.clone();
        async move {
            let back = redirect_uri(&s.0, &h, routes::signed_out());
            let idp = match back {
                Some(back) => then.sign_out_url(&back).await,
                None => None,
            };
            sign_out(s, p, idp).await
        }
    };
    let first = provider.clone();
    let start = move |s: State<ConsoleState>, h: HeaderMap, q: Query<Next>| start(s, h, q, first);
    let finish =
        move |s: State<ConsoleState>, h: HeaderMap, q: Query<Callback>| finish(s, h, q, provider);
    Router::new()
        .route(routes::sign_in(), get(start))
        .route(routes::callback(), get(finish))
        .route(routes::sign_out(), post(end))
}

impl Provider {
    /// Where the provider's own session ends, coming back to `back`: its
    /// discovery's end-session endpoint, or the configured logout
    /// endpoint (Cognito's, which names the way back `logout_uri`).
    async fn sign_out_url(&self, back: &str) -> Option<String> {
        let discovery = self.provider.discovery().await.ok()?;
        if let Some(url) = oidc::sign_out_url(&discovery, &self.settings, back) {
            return Some(url);
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("logout_uri", back)
            .finish();
        self.logout.as_ref().map(|endpoint| format!("{endpoint}?{query}"))
    }
}

/// Where the provider sends the browser back: this host's callback (API
/// Gateway only routes its own domains here; the provider also checks the
/// URI against the client's registered ones).
fn redirect_uri(state: &ConsoleState, headers: &HeaderMap, path: &str) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    let scheme = if state.secure_cookies { "https" } else { "http" };
    valid.then(|| format!("{scheme}://{host}{path}"))
}

async fn start(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
    provider: Provider,
) -> Result<Response, Response> {
    let lang = lang(&headers);
    let secrets = session::secrets(&state).await?;
    let now = state.clock.now();
    let (Some(redirect), Ok(attempt)) = (
        redirect_uri(&state, &headers, routes::callback()),
        SignInAttempt::new(&safe_next(q.next.as_deref()), now),
    ) else {
        return Err(failed(lang, StatusCode::BAD_REQUEST));
    };
    let discovery = provider.provider.discovery().await.map_err(|e| {
        tracing::error!(error = %e, "identity provider unavailable");
        failed(lang, StatusCode::SERVICE_UNAVAILABLE)
    })?;
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
    Ok(response)
}

async fn finish(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
    provider: Provider,
) -> Result<Response, Response> {
    let lang = lang(&headers);
    let secrets = session::secrets(&state).await?;
    let now = state.clock.now();
    let keys = SigningKeys::derive(&secrets, Purpose::SignIn);
    let attempt = cookie_value(&headers, oidc::ATTEMPT_COOKIE)
        .and_then(|value| SignInAttempt::from_cookie(value, &keys, now));
    let (Some(attempt), Some(redirect)) =
        (attempt, redirect_uri(&state, &headers, routes::callback()))
    else {
        return Err(failed(lang, StatusCode::BAD_REQUEST));
    };
    let settings = &provider.settings;
    let signed_in =
        oidc::finish_sign_in(&*provider.provider, settings, &redirect, &attempt, &callback, now)
            .await;
    let mut response = match signed_in {
        // Either way the attempt is over: its cookie goes below.
        Ok(staff) => start_session(&state, &staff, &attempt.return_to).await.unwrap_or_else(|r| r),
        Err(e) => {
            tracing::info!(error = %e, "console sign-in refused");
            failed(lang, StatusCode::FORBIDDEN)
        }
    };
    let clear = session::cookie(oidc::ATTEMPT_COOKIE, "", 0, state.secure_cookies);
    set_cookie(&mut response, &clear);
    Ok(response)
}

/// A sign-in that did not go through: say so, offer to try again.
fn failed(lang: Lang, status: StatusCode) -> Response {
    let t = Strings::of(lang);
    let view = ErrorPage {
        t,
        frame: Frame::outside(lang, routes::BASE),
        code: status.as_u16(),
        message: t.error_sign_in,
        retry: Some(routes::sign_in()),
    };
    match Page::render(status, &view) {
        Some(page) => page.into_response(),
        None => status.into_response(),
    }
}

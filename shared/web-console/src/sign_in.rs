//! Signing in and out, and the language switch.
//!
//! `GET /console/sign-in` starts the sign-in of the deployment: OpenID
//! Connect (authorization code with PKCE) in the cloud, or the development
//! form of the local runner, which only [`SignIn::Development`] routes.

use super::i18n::{Lang, Strings};
use super::routes::{self, safe_next};
use super::session::{self, Fields, Session, cookie_value, lang, random_hex};
use super::view::{Frame, Page};
use super::{ConsoleState, SignIn};
use app::signing::{Purpose, SigningKeys};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::staff::{Role, Staff};
use serde::Deserialize;

/// The development sign-in: absent from the Lambda's router.
pub const DEV_SIGN_IN: &str = routes::dev_sign_in();
/// The cookie binding the development form's CSRF token to its browser.
const DEV_COOKIE: &str = "brt_dev_sign_in";
/// The roles the development form offers, in its order.
const ROLES: [Role; 3] = [Role::Manager, Role::Technician, Role::Admin];

/// The local runner's sign-in form.
#[derive(Template)]
#[template(path = "sign_in_dev.html")]
struct DevSignIn<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
    sign_in_csrf: &'a str,
    next: &'a str,
}

/// After signing out.
#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOut<'a> {
    t: &'static Strings,
    frame: Frame<'a>,
}

pub fn router(sign_in: SignIn) -> Router<ConsoleState> {
    let common = Router::new()
        .route(routes::signed_out(), get(signed_out))
        .route(routes::pattern::LANGUAGE, get(switch_language));
    match sign_in {
        SignIn::Development => common
            .route(routes::sign_out(), post(|s: State<ConsoleState>, p| sign_out(s, p, None)))
            .route(routes::sign_in(), get(|Query(q): Query<Next>| async move { dev_redirect(&q) }))
            .route(DEV_SIGN_IN, get(dev_form).post(dev_sign_in)),
        SignIn::Oidc { provider, settings, logout } => {
            common.merge(super::oidc_routes::router(provider, settings, logout))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct Next {
    pub next: Option<String>,
}

fn dev_redirect(q: &Next) -> Response {
    let next: String =
        form_urlencoded::byte_serialize(safe_next(q.next.as_deref()).as_bytes()).collect();
    Redirect::to(&format!("{DEV_SIGN_IN}?next={next}")).into_response()
}

async fn dev_form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Result<Response, Response> {
    let nonce = random_hex(16).map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
    let secrets = session::secrets(&state).await?;
    let token = SigningKeys::derive(&secrets, Purpose::SignIn).sign(&nonce);
    let lang = lang(&headers);
    let next = safe_next(q.next.as_deref());
    let frame = Frame::outside(lang, DEV_SIGN_IN);
    let view = DevSignIn { t: Strings::of(lang), frame, sign_in_csrf: &token, next: &next };
    let mut response = render(&view);
    set_cookie(&mut response, &session::cookie(DEV_COOKIE, &nonce, 600, state.secure_cookies));
    Ok(response)
}

async fn dev_sign_in(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let fields = Fields::parse(&body);
    let secrets = session::secrets(&state).await?;
    let bound =
        cookie_value(&headers, DEV_COOKIE).zip(fields.get("csrf")).is_some_and(|(nonce, token)| {
            SigningKeys::derive(&secrets, Purpose::SignIn).verify(nonce, token)
        });
    if !bound {
        return Ok(Redirect::to(DEV_SIGN_IN).into_response());
    }
    let roles = fields.all("roles");
    let Ok(staff) = api::auth::staff_from_claims(fields.get("email"), roles) else {
        return Ok(Redirect::to(DEV_SIGN_IN).into_response());
    };
    start_session(&state, &staff, &safe_next(fields.get("next"))).await
}

/// Signs `staff` in and goes to `next`.
pub async fn start_session(
    state: &ConsoleState,
    staff: &Staff,
    next: &str,
) -> Result<Response, Response> {
    let secrets = session::secrets(state).await?;
    let session = Session::new(staff, state.clock.now().timestamp())
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
    tracing::info!(member = %staff.sub, "console sign-in");
    let mut response = Redirect::to(next).into_response();
    set_cookie(
        &mut response,
        &session::session_cookie(&session.encode(&secrets), state.secure_cookies),
    );
    Ok(response)
}

/// Ends the session (a form, with its CSRF token: no sign-out by link),
/// then the identity provider's when `then` names where it is ended.
pub async fn sign_out(
    State(state): State<ConsoleState>,
    posted: session::Posted,
    then: Option<String>,
) -> Response {
    tracing::info!(member = %posted.member.sub, "console sign-out");
    let mut response =
        Redirect::to(then.as_deref().unwrap_or(routes::signed_out())).into_response();
    set_cookie(&mut response, &session::clear_session_cookie(state.secure_cookies));
    response
}

async fn signed_out(headers: HeaderMap) -> Response {
    let lang = lang(&headers);
    render(&SignedOut { t: Strings::of(lang), frame: Frame::outside(lang, routes::signed_out()) })
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the page language and goes back where the member was.
async fn switch_language(
    State(state): State<ConsoleState>,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let Some(lang) = Lang::parse(&code) else { return StatusCode::NOT_FOUND.into_response() };
    let mut response = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    let year = 365 * 24 * 3600;
    set_cookie(
        &mut response,
        &session::cookie(session::LANG_COOKIE, lang.code(), year, state.secure_cookies),
    );
    response
}

pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// A page outside a session (no member, no navigation).
pub fn render(view: &impl Template) -> Response {
    match Page::render(StatusCode::OK, view) {
        Some(page) => page.into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

//! Sessions: a signed cookie naming the member, their roles and when it
//! ends (`HttpOnly`, `SameSite=Lax`, `Secure` in the cloud, 8 hours); a
//! CSRF token per session, required on every form; the page language.
//!
//! Nothing is stored server-side: the cookie is the session, signed with a
//! key derived from the console secret ([`app::signing`]), so a rotation
//! of the secret keeps sessions signed under the previous one valid.

use super::ConsoleState;
use super::i18n::{Lang, Strings};
use super::routes;
use super::view::{ErrorPage, Frame, Page};
use app::signing::{Purpose, SigningKeys};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use config::Secret;
use domain::staff::{Role, Staff};
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "brt_session";
pub const LANG_COOKIE: &str = "brt_lang";
/// How long a sign-in lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;
/// Largest form body the console accepts.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Random bytes as hex: session ids, sign-in secrets.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(hex::encode(buf))
}

/// What the session cookie holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub sub: String,
    pub roles: Vec<String>,
    /// Random: what the CSRF token is bound to.
    pub id: String,
    /// Unix seconds.
    pub expires: i64,
}

impl Session {
    pub fn new(staff: &Staff, now: i64) -> Result<Self, getrandom::Error> {
        Ok(Self {
            sub: staff.sub.clone(),
            roles: staff.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            id: random_hex(16)?,
            expires: now + SESSION_SECONDS,
        })
    }

    /// `<hex JSON>.<signature>`.
    pub fn encode(&self, secrets: &[Secret]) -> String {
        let body = hex::encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = SigningKeys::derive(secrets, Purpose::Session).sign(&body);
        format!("{body}.{signature}")
    }

    /// The session of a cookie value, if signed by a secret in force and not expired.
    pub fn decode(value: &str, secrets: &[Secret], now: i64) -> Option<Self> {
        let (body, signature) = value.split_once('.')?;
        if !SigningKeys::derive(secrets, Purpose::Session).verify(body, signature) {
            return None;
        }
        let session: Self = serde_json::from_slice(&hex::decode(body).ok()?).ok()?;
        (session.expires > now).then_some(session)
    }

    /// The CSRF token of this session.
    pub fn csrf(&self, secrets: &[Secret]) -> String {
        SigningKeys::derive(secrets, Purpose::Csrf).sign(&self.id)
    }

    fn staff(&self) -> Option<Staff> {
        api::auth::staff_from_claims(Some(&self.sub), self.roles.iter().map(String::as_str)).ok()
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(value: &str, secure: bool) -> String {
    cookie(SESSION_COOKIE, value, SESSION_SECONDS, secure)
}

/// The `Set-Cookie` value that ends it.
pub fn clear_session_cookie(secure: bool) -> String {
    cookie(SESSION_COOKIE, "", 0, secure)
}

/// A console cookie: `HttpOnly`, `SameSite=Lax`, scoped to the console.
pub fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        routes::BASE
    )
}

/// The value of cookie `name` in a request.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language of the pages: the member's choice, French by default.
pub fn lang(headers: &HeaderMap) -> Lang {
    cookie_value(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or(Lang::Fr)
}

/// The member signed in, with what the pages need around them.
#[derive(Clone, Debug)]
pub struct Member {
    pub staff: Staff,
    pub csrf: String,
    /// What the CSRF token is bound to, and the keys that verify it (any
    /// in force: a form rendered before a rotation still posts).
    session_id: String,
    csrf_keys: SigningKeys,
    pub lang: Lang,
    /// The request's path and query (where the language switch comes back to).
    pub here: String,
}

impl Member {
    /// Managers and admins: the team's pages and views are theirs.
    pub fn oversees(&self) -> bool {
        self.has(Role::Manager) || self.has(Role::Admin)
    }
}

impl std::ops::Deref for Member {
    type Target = Staff;

    fn deref(&self) -> &Staff {
        &self.staff
    }
}

/// Not signed in (or no longer): to the sign-in, then back here.
pub struct SignInFirst(String, bool);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        let next: String = form_urlencoded::byte_serialize(self.0.as_bytes()).collect();
        let to = format!("{}?next={next}", routes::sign_in());
        // An htmx request would follow a redirect inside its XHR, on to the
        // identity provider, which the CSP and CORS stop: the whole page goes.
        if self.1
            && let Ok(location) = axum::http::HeaderValue::from_str(&to)
        {
            let hx_redirect = axum::http::HeaderName::from_static("hx-redirect");
            return ([(hx_redirect, location)], "").into_response();
        }
        Redirect::to(&to).into_response()
    }
}

/// Whether htmx sent the request (boosted link or form).
pub fn from_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// The secrets in force, or a `503` page.
pub async fn secrets(state: &ConsoleState) -> Result<Vec<Secret>, Response> {
    state.secrets.current().await.map_err(unavailable)
}

fn unavailable(e: app::ports::StoreError) -> Response {
    tracing::error!(error = %e, "console secret unavailable");
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

impl FromRequestParts<ConsoleState> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Self, Response> {
        let here = parts.uri.path_and_query().map_or(routes::BASE.to_owned(), |p| p.to_string());
        // After signing in, a form's action is no page to come back to.
        let back = match parts.method == axum::http::Method::GET {
            true => here.clone(),
            false => routes::home().to_owned(),
        };
        let htmx = from_htmx(&parts.headers);
        let Some(value) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(SignInFirst(back.clone(), htmx).into_response());
        };
        let now = state.clock.now().timestamp();
        let decode = |secrets: &[Secret]| Session::decode(value, secrets, now);
        let (session, secrets) =
            app::secrets::check_fresh(&*state.secrets, decode, Option::is_none)
                .await
                .map_err(unavailable)?;
        let Some((session, staff)) = session.and_then(|s| s.staff().map(|staff| (s, staff))) else {
            return Err(SignInFirst(back, htmx).into_response());
        };
        let csrf_keys = SigningKeys::derive(&secrets, Purpose::Csrf);
        let csrf = csrf_keys.sign(&session.id);
        let session_id = session.id;
        let lang = lang(&parts.headers);
        Ok(Self { staff, csrf, csrf_keys, session_id, lang, here })
    }
}

/// A form posted by a signed-in member, its CSRF token checked.
pub struct Posted {
    pub member: Member,
    pub fields: Fields,
}

/// The fields of a form, in order (a name may repeat).
#[derive(Clone, Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl FromRequest<ConsoleState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &ConsoleState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let member = Member::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
        }
        let fields = Fields::parse(&bytes);
        let token = fields.get("csrf");
        if !token.is_some_and(|token| member.csrf_keys.verify(&member.session_id, token)) {
            tracing::info!(member = %member.sub, "console form without a valid CSRF token");
            return Err(forbidden(member.lang));
        }
        Ok(Self { member, fields })
    }
}

/// The page shown when a form's CSRF token does not match.
fn forbidden(lang: Lang) -> Response {
    let t = Strings::of(lang);
    let frame = Frame::outside(lang, "");
    let view = ErrorPage { t, frame, code: 403, message: t.error_csrf, retry: None };
    match Page::render(StatusCode::FORBIDDEN, &view) {
        Some(page) => page.into_response(),
        None => StatusCode::FORBIDDEN.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::staff::Role;

    fn secrets() -> Vec<Secret> {
        vec![Secret::new("s")]
    }

    #[test]
    fn a_session_round_trips_until_it_expires() {
        let staff = Staff::new("pm@bluerocktel.fr", vec![Role::Manager]);
        let session = Session::new(&staff, 1000).unwrap();
        let value = session.encode(&secrets());
        assert_eq!(Session::decode(&value, &secrets(), 1000), Some(session.clone()));
        assert_eq!(Session::decode(&value, &secrets(), 1000 + SESSION_SECONDS), None);
        assert_eq!(session.staff(), Some(staff));
    }

    #[test]
    fn a_tampered_or_foreign_session_is_refused() {
        let staff = Staff::new("tech@bluerocktel.fr", vec![Role::Technician]);
        let mut session = Session::new(&staff, 0).unwrap();
        let value = session.encode(&secrets());
        session.roles = vec!["admin".into()];
        let (_, signature) = value.split_once('.').unwrap();
        let forged = format!("{}.{signature}", hex::encode(serde_json::to_vec(&session).unwrap()));
        assert_eq!(Session::decode(&forged, &secrets(), 0), None);
        assert_eq!(Session::decode(&value, &[Secret::new("other")], 0), None);
        assert_eq!(Session::decode("garbage", &secrets(), 0), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        let c = session_cookie("v", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("; Secure"));
        assert!(c.contains("Path=/console") && c.contains("Max-Age=28800"));
        assert!(!session_cookie("v", false).contains("Secure"));
    }

    #[test]
    fn form_fields_are_read_trimmed_and_repeated() {
        let f = Fields::parse(b"a=+x+&b=&c=1&c=2");
        assert_eq!((f.get("a"), f.get("b"), f.get("z")), (Some("x"), None, None));
        assert_eq!(f.all("c").collect::<Vec<_>>(), ["1", "2"]);
    }
}

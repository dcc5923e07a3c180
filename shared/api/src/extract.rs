//! Extractors of the API, each rejecting with a problem document: JSON
//! bodies (required, optional, or read raw to be checked first), query
//! strings, and the typed path of each resource. Who may call is checked before any of
//! them by [`super::auth::Allowed`], so a refused caller learns nothing of
//! a resource or of what a body should hold.
//!
//! Order of checks of a body: size (`413`), media type (`415`), JSON (`400`),
//! shape (`422` naming the field).

use super::problem::{Kind, Problem, kind_for};
use super::strict::Strict;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use domain::validation::{FieldError, is_machine_key};
use domain::{ProjectId, TaskId};
use serde::de::DeserializeOwned;

/// Largest request body accepted by any route (the contract: 256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A required JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let headers = req.headers().clone();
        let raw = body(Bytes::from_request(req, state).await)?;
        require_json(&headers)?;
        parse_json(&raw).map(Self)
    }
}

/// An optional JSON body: none (or only whitespace) stands for `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let headers = req.headers().clone();
        let raw = body(Bytes::from_request(req, state).await)?;
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        require_json(&headers)?;
        parse_json(&raw).map(Self)
    }
}

/// The query string as `T`, naming the offending parameter when it does not fit.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parse_query(parts.uri.query()).map(Self)
    }
}

/// `{project_id}`: an id this service could have issued, or `404`.
pub struct ProjectPath(pub ProjectId);

/// `{project_id}` and `{milestone_key}`.
pub struct MilestonePath(pub ProjectId, pub String);

/// `{project_id}` and `{task_id}`.
pub struct TaskPath(pub ProjectId, pub TaskId);

/// `{service_type}`: a machine key, or `404`.
pub struct ServiceTypePath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ProjectPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let id = segments::<String, S>(parts, state).await?;
        Ok(Self(project_id(&id)?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MilestonePath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let (id, key) = segments::<(String, String), S>(parts, state).await?;
        let id = project_id(&id)?;
        if !is_machine_key(&key) {
            return Err(not_found("milestone"));
        }
        Ok(Self(id, key))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TaskPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let (id, task) = segments::<(String, String), S>(parts, state).await?;
        let id = project_id(&id)?;
        if !TaskId::is_well_formed(&task) {
            return Err(not_found("task"));
        }
        Ok(Self(id, TaskId::from_raw(task)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ServiceTypePath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let service_type = segments::<String, S>(parts, state).await?;
        if !is_machine_key(&service_type) {
            return Err(not_found("service type"));
        }
        Ok(Self(service_type))
    }
}

/// The path's segments; one the router could not decode (not UTF-8, say)
/// is answered with the framework's status, as a problem with no detail.
async fn segments<T: DeserializeOwned + Send, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<T, Problem> {
    match Path::<T>::from_request_parts(parts, state).await {
        Ok(Path(value)) => Ok(value),
        Err(rejection) => Err(Problem::new(kind_for(rejection.status()))),
    }
}

fn project_id(raw: &str) -> Result<ProjectId, Problem> {
    if ProjectId::is_well_formed(raw) {
        Ok(ProjectId::from_raw(raw))
    } else {
        Err(not_found("project"))
    }
}

pub(super) fn not_found(what: &str) -> Problem {
    Problem::new(Kind::NotFound).detail(format!("no such {what}"))
}

/// A body read whole (`413` over the limit) but not parsed yet: for routes
/// that check something about it first (the CRM's signature).
pub struct RawBody {
    pub bytes: Bytes,
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let headers = req.headers().clone();
        Ok(Self { bytes: body(Bytes::from_request(req, state).await)?, headers })
    }
}

impl RawBody {
    /// The body as `T`: `415`, `400`, `422` as for any JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        require_json(&self.headers)?;
        parse_json(&self.bytes)
    }
}

/// The body, or the problem explaining why it could not be read.
fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(Kind::PayloadTooLarge)
                .detail(format!("at most {MAX_BODY_BYTES} bytes are accepted"))
        } else {
            Problem::new(Kind::MalformedJson).detail("the body could not be read")
        }
    })
}

/// Rejects bodies that do not declare themselves as JSON.
fn require_json(headers: &HeaderMap) -> Result<(), Problem> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if is_json { Ok(()) } else { Err(Problem::new(Kind::UnsupportedMediaType)) }
}

/// Parses a query string into `T`, naming the offending parameter on error.
fn parse_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, Problem> {
    let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
    let deserializer = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let message = e.inner().to_string();
        let field = message
            .strip_prefix("unknown field `")
            .or_else(|| message.strip_prefix("missing field `"))
            .and_then(|rest| rest.split('`').next())
            .map_or_else(|| e.path().to_string(), str::to_owned);
        Problem::invalid(&field, message)
    })
}

/// Parses a JSON body into `T`: `400` when it is not JSON at all, `422`
/// naming the field when it is JSON of the wrong shape or has a member `T`
/// does not know ([`Strict`]).
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        let at = format!("line {}, column {}", e.line(), e.column());
        Problem::new(Kind::MalformedJson).detail(format!("{at}: {}", json_error_category(&e)))
    })?;
    serde_path_to_error::deserialize(Strict(&value)).map_err(|e| {
        let message = e.inner().to_string();
        let mut field = e.path().to_string();
        if field == "." {
            field.clear();
        }
        // Serde reports a missing field at its parent: name the field itself.
        if let Some(name) =
            message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next())
        {
            field = if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
        }
        Problem::new(Kind::ValidationFailed).errors(vec![FieldError { field, message }])
    })
}

fn json_error_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Io => "unreadable input",
        serde_json::error::Category::Data => "unexpected data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::{Account, DealWon};

    fn field_of(body: &str) -> String {
        let problem = parse_json::<Account>(body.as_bytes()).err().expect("a problem");
        let json = serde_json::to_value(&problem).unwrap();
        json["errors"][0]["field"].as_str().unwrap().to_owned()
    }

    #[test]
    fn malformed_json_is_a_400() {
        let problem = parse_json::<Account>(b"{\"id\":").err().expect("a problem");
        assert_eq!(problem.kind(), Kind::MalformedJson);
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(field_of(r#"{"id": 5, "name": "n"}"#), "id");
        assert_eq!(field_of(r#"{"name": "n"}"#), "id");
        assert_eq!(field_of(r#"{"id": "a", "name": "n", "language": "de"}"#), "language");
        assert_eq!(field_of(r#"{"id": "a", "name": "n", "admin": true}"#), "admin");
    }

    #[test]
    fn the_sample_deal_parses_into_the_domain_s_sample() {
        let json = include_bytes!("../../../events/crm/deal-won.json");
        let parsed: DealWon = parse_json(json).expect("the sample parses");
        let deal = domain::DealWon::from(parsed);
        assert_eq!(deal, domain::fixtures::sample());
    }

    #[test]
    fn a_deal_s_fingerprint_ignores_its_notation() {
        let json = String::from_utf8(include_bytes!("../../../events/crm/deal-won.json").to_vec())
            .unwrap();
        let renotated = json.replace("2026-11-20T10:00:00Z", "2026-11-20T11:00:00+01:00");
        let deal =
            |text: &str| domain::DealWon::from(parse_json::<DealWon>(text.as_bytes()).unwrap());
        let fingerprint = domain::intake::fingerprint;
        assert_eq!(fingerprint(&deal(&json)), fingerprint(&deal(&renotated)));
        let compact: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(fingerprint(&deal(&compact.to_string())), fingerprint(&deal(&json)));
    }

    #[test]
    fn the_language_of_a_deal_defaults_to_french() {
        let json =
            include_str!("../../../events/crm/deal-won.json").replace(r#", "language": "fr""#, "");
        assert!(!json.contains("language"));
        let deal = domain::DealWon::from(parse_json::<DealWon>(json.as_bytes()).unwrap());
        assert_eq!(deal.account.language, domain::Language::Fr);
    }

    #[test]
    fn only_json_media_types_are_accepted() {
        let mut headers = HeaderMap::new();
        assert!(require_json(&headers).is_err());
        for (value, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("+json", false),
            ("text/x+json", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(require_json(&headers).is_ok(), ok, "{value}");
        }
    }
}

//! `application/problem+json` (RFC 9457) responses with stable `type`s.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::validation;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";
const TYPE_BASE: &str = "https://bluerocktel.fr/problems/";

/// Every kind of problem the API reports. The slug of each is part of the
/// contract: clients branch on `type`, not on `title` or `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MalformedJson,
    ValidationFailed,
    InvalidSignature,
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    DealConflict,
    ServiceUnavailable,
    Unauthenticated,
    Forbidden,
    MilestoneOutOfOrder,
    OpenTasks,
    ActivationRequired,
    NotReopenable,
    ProjectLive,
    ProjectOnHold,
    ProjectCancelled,
    DealCancelled,
    StaleRevision,
    MilestoneCompleted,
    InvalidTransition,
    TaskLimitReached,
    BlockedTaskLimitReached,
    ConcurrentModification,
    MilestonesPending,
    TemplateVersionConflict,
    BadRequest,
    Internal,
}

impl Kind {
    pub fn slug(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed-json",
            Self::ValidationFailed => "validation-failed",
            Self::InvalidSignature => "invalid-signature",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::PayloadTooLarge => "payload-too-large",
            Self::DealConflict => "deal-conflict",
            Self::ServiceUnavailable => "service-unavailable",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::MilestoneOutOfOrder => "milestone-out-of-order",
            Self::OpenTasks => "open-tasks",
            Self::ActivationRequired => "activation-required",
            Self::NotReopenable => "not-reopenable",
            Self::ProjectLive => "project-live",
            Self::ProjectOnHold => "project-on-hold",
            Self::ProjectCancelled => "project-cancelled",
            Self::DealCancelled => "deal-cancelled",
            Self::StaleRevision => "stale-revision",
            Self::MilestoneCompleted => "milestone-completed",
            Self::InvalidTransition => "invalid-transition",
            Self::TaskLimitReached => "task-limit-reached",
            Self::BlockedTaskLimitReached => "blocked-task-limit-reached",
            Self::ConcurrentModification => "concurrent-modification",
            Self::MilestonesPending => "milestones-pending",
            Self::TemplateVersionConflict => "template-version-conflict",
            Self::BadRequest => "bad-request",
            Self::Internal => "internal-error",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::MalformedJson | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidSignature => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::DealConflict => StatusCode::CONFLICT,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::MilestoneOutOfOrder
            | Self::OpenTasks
            | Self::ActivationRequired
            | Self::NotReopenable
            | Self::ProjectLive
            | Self::ProjectOnHold
            | Self::ProjectCancelled
            | Self::DealCancelled
            | Self::StaleRevision
            | Self::MilestoneCompleted
            | Self::InvalidTransition
            | Self::TaskLimitReached
            | Self::BlockedTaskLimitReached
            | Self::ConcurrentModification
            | Self::MilestonesPending
            | Self::TemplateVersionConflict => StatusCode::CONFLICT,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::MalformedJson => "The body is not valid JSON",
            Self::ValidationFailed => "The request has invalid fields",
            Self::InvalidSignature => "The request signature is missing, invalid or stale",
            Self::NotFound => "No such resource",
            Self::MethodNotAllowed => "Method not allowed on this resource",
            Self::UnsupportedMediaType => "The body must be application/json",
            Self::PayloadTooLarge => "The body is too large",
            Self::DealConflict => "This deal was already received with different content",
            Self::ServiceUnavailable => "The service is temporarily unavailable",
            Self::Unauthenticated => "A valid bearer token is required",
            Self::Forbidden => "Your roles do not allow this",
            Self::MilestoneOutOfOrder => "Milestones are completed in order",
            Self::OpenTasks => "The milestone still has tasks that are not done",
            Self::ActivationRequired => "This milestone is completed by activating the project",
            Self::NotReopenable => "Only the last completed milestone can be reopened",
            Self::ProjectLive => "The project is live and can no longer change",
            Self::ProjectOnHold => "The project is on hold: resume it first",
            Self::ProjectCancelled => "The project is cancelled and can no longer change",
            Self::DealCancelled => "The deal is cancelled and can no longer change",
            Self::StaleRevision => "A later revision of this deal was already applied",
            Self::MilestoneCompleted => "The milestone is completed: its tasks are frozen",
            Self::InvalidTransition => "This status change is not allowed",
            Self::TaskLimitReached => "The project has as many tasks as it can hold",
            Self::BlockedTaskLimitReached => "The project has as many blocked tasks as it can hold",
            Self::ConcurrentModification => "The project kept changing; retry",
            Self::MilestonesPending => "Every milestone before go-live must be completed first",
            Self::TemplateVersionConflict => "The template changed since you read it",
            Self::BadRequest => "The request is malformed",
            Self::Internal => "An unexpected error occurred",
        }
    }
}

/// An RFC 9457 problem document: clients branch on its `type`; `errors`
/// names each invalid field of a `422`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    /// Members specific to the problem type (RFC 9457 extensions).
    #[serde(flatten)]
    extensions: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    kind: Kind,
}

/// One invalid field of an input.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    field: String,
    message: String,
}

impl Problem {
    pub fn new(kind: Kind) -> Self {
        Self {
            type_uri: format!("{TYPE_BASE}{}", kind.slug()),
            title: kind.title(),
            status: kind.status().as_u16(),
            detail: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
            kind,
        }
    }

    /// A human-readable explanation. Never put internal detail here for 5xx.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn errors(mut self, errors: Vec<validation::FieldError>) -> Self {
        let body = |e: validation::FieldError| FieldError { field: e.field, message: e.message };
        self.errors = errors.into_iter().map(body).collect();
        self
    }

    /// An extension member, e.g. the milestone that must come first.
    pub fn with(mut self, name: &str, value: impl Serialize) -> Self {
        self.extensions.insert(name.to_owned(), serde_json::to_value(value).unwrap_or_default());
        self
    }

    /// A `422` naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(Kind::ValidationFailed)
            .errors(vec![validation::FieldError { field: field.into(), message: message.into() }])
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The status it is answered with (its kind's).
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// Its explanation, when it has one.
    pub fn detail_text(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The invalid fields of a `422`, in the order the input has them.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// An extension member, as the body serializes it.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extensions.get(name)
    }
}

impl FieldError {
    pub fn field(&self) -> &str {
        &self.field
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The problem kind standing for a bare error status (one that a framework
/// layer produced without a problem document).
pub fn kind_for(status: StatusCode) -> Kind {
    match status {
        StatusCode::NOT_FOUND => Kind::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Kind::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Kind::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Kind::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => Kind::ValidationFailed,
        StatusCode::UNAUTHORIZED => Kind::Unauthenticated,
        StatusCode::FORBIDDEN => Kind::Forbidden,
        StatusCode::SERVICE_UNAVAILABLE => Kind::ServiceUnavailable,
        s if s.is_client_error() => Kind::BadRequest,
        _ => Kind::Internal,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.kind.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if self.kind == Kind::Unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.kind == Kind::ServiceUnavailable {
            // What made it busy or unavailable passes within seconds.
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_a_stable_type_and_the_status() {
        let p = Problem::new(Kind::DealConflict).detail("deal D-1");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "https://bluerocktel.fr/problems/deal-conflict");
        assert_eq!(json["status"], 409);
        assert_eq!(json["detail"], "deal D-1");
        assert!(json.get("errors").is_none());
        let response = p.into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
    }

    #[test]
    fn what_a_problem_says_can_be_read_back_as_its_body_says_it() {
        let errors =
            vec![validation::FieldError { field: "title".into(), message: "too long".into() }];
        let p = Problem::new(Kind::TemplateVersionConflict)
            .detail("now at 4")
            .errors(errors)
            .with("current_version", 4);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!((p.status(), p.detail_text()), (StatusCode::CONFLICT, Some("now at 4")));
        assert_eq!(p.extension("current_version"), Some(&json["current_version"]));
        let [e] = p.field_errors() else { panic!("one field") };
        assert_eq!((e.field(), e.message()), ("title", "too long"));
        assert_eq!(p.extension("nothing"), None);
    }
}

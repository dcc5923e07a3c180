//! Staff authentication: who is calling, with which roles.
//!
//! In AWS, API Gateway's JWT authorizer has verified the token (signature,
//! issuer, audience, expiry) and hands the claims to the function in the
//! request context ([`ApiGatewayClaims`]). The local runner verifies HS256
//! tokens itself (its own `Authenticate` implementation). Either way a
//! handler receives a [`Staff`] through the extractor below, or the caller
//! gets a `401` problem.

use super::problem::{Kind, Problem};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
pub use domain::staff::{Permission, may};
use domain::staff::{Role, Staff};
use std::marker::PhantomData;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("the token is invalid")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token names no member (sub) or no known role")]
    NoIdentity,
}

/// Establishes who sent a request.
pub trait Authenticate: Send + Sync {
    fn authenticate(&self, parts: &Parts) -> Result<Staff, AuthError>;
}

/// The authenticator of a router, added as a request extension.
pub type Authenticator = Arc<dyn Authenticate>;

/// Builds a member from the `sub` and `roles` claims; unknown roles are ignored.
pub fn staff_from_claims<'a>(
    sub: Option<&str>,
    roles: impl IntoIterator<Item = &'a str>,
) -> Result<Staff, AuthError> {
    let sub = sub.map(str::trim).filter(|s| !s.is_empty()).ok_or(AuthError::NoIdentity)?;
    let mut known: Vec<Role> = roles.into_iter().filter_map(Role::parse).collect();
    known.dedup();
    if known.is_empty() {
        return Err(AuthError::NoIdentity);
    }
    Ok(Staff::new(sub, known))
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Invalid)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(AuthError::Invalid),
    }
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Self {
        Problem::new(Kind::Unauthenticated).detail(e.to_string())
    }
}

/// The member calling, by the route's [`Authenticator`], or `401`.
fn authenticated(parts: &Parts) -> Result<Staff, Problem> {
    let auth = parts.extensions.get::<Authenticator>().cloned().ok_or_else(|| {
        tracing::error!("staff route served without an authenticator");
        Problem::from(AuthError::Missing)
    })?;
    auth.authenticate(parts).map_err(|e| {
        tracing::info!(reason = %e, "staff request not authenticated");
        Problem::from(e)
    })
}

/// The member calling, allowed to attempt `P`'s action: `401` without a
/// valid identity, `403` without a role that allows it. Extracted before
/// the path and the body, so a refused caller learns nothing of either.
pub struct Allowed<P> {
    staff: Staff,
    permission: PhantomData<P>,
}

impl<P> std::ops::Deref for Allowed<P> {
    type Target = Staff;

    fn deref(&self) -> &Staff {
        &self.staff
    }
}

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Allowed<P> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let staff = authenticated(parts)?;
        if !staff.may(P::ACTION) {
            let detail = format!("{:?} needs one of the roles {:?}", P::ACTION, P::ACTION.roles());
            return Err(Problem::new(Kind::Forbidden).detail(detail));
        }
        Ok(Self { staff, permission: PhantomData })
    }
}

/// Claims as API Gateway's JWT authorizer passes them to the function,
/// read under the names the identity provider uses.
#[derive(Clone, Debug, Default)]
pub struct ApiGatewayClaims {
    pub names: config::ClaimNames,
}

impl Authenticate for ApiGatewayClaims {
    fn authenticate(&self, parts: &Parts) -> Result<Staff, AuthError> {
        use lambda_http::request::RequestContext;
        let Some(RequestContext::ApiGatewayV2(context)) = parts.extensions.get::<RequestContext>()
        else {
            return Err(AuthError::Missing);
        };
        let claims = context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| &jwt.claims)
            .ok_or(AuthError::Missing)?;
        let roles = claims.get(&self.names.roles).map(String::as_str).unwrap_or_default();
        staff_from_claims(
            claims.get(&self.names.member).map(String::as_str),
            split_claim_list(roles),
        )
    }
}

/// API Gateway flattens array claims into one string: `[admin manager]`,
/// or JSON `["admin","manager"]` depending on the issuer; accept both, and
/// plain comma or space separated lists.
pub fn split_claim_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', ' '])
        .map(|r| r.trim().trim_matches('"'))
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_lists_are_read_in_every_shape_api_gateway_uses() {
        for raw in ["[admin manager]", r#"["admin","manager"]"#, "admin, manager", "admin manager"]
        {
            assert_eq!(split_claim_list(raw).collect::<Vec<_>>(), ["admin", "manager"], "{raw}");
        }
        assert_eq!(split_claim_list("").count(), 0);
    }

    #[test]
    fn a_member_needs_a_sub_and_a_known_role() {
        assert_eq!(staff_from_claims(None, ["manager"]), Err(AuthError::NoIdentity));
        assert_eq!(
            staff_from_claims(Some("pm@bluerocktel.fr"), ["root"]),
            Err(AuthError::NoIdentity)
        );
        let staff = staff_from_claims(Some("PM@bluerocktel.fr"), ["manager", "root"]).unwrap();
        assert_eq!((staff.sub.as_str(), staff.roles), ("pm@bluerocktel.fr", vec![Role::Manager]));
    }

    #[test]
    fn only_bearer_tokens_are_read() {
        let parts = |value: &str| {
            let (parts, ()) = axum::http::Request::get("/")
                .header("authorization", value)
                .body(())
                .unwrap()
                .into_parts();
            parts
        };
        assert_eq!(bearer(&parts("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(&parts("bearer abc")), Ok("abc"));
        assert_eq!(bearer(&parts("Basic abc")), Err(AuthError::Invalid));
        assert_eq!(bearer(&parts("Bearer ")), Err(AuthError::Invalid));
        let (none, ()) = axum::http::Request::get("/").body(()).unwrap().into_parts();
        assert_eq!(bearer(&none), Err(AuthError::Missing));
    }
}

//! Local staff tokens: HS256 JWTs signed with `LOCAL_JWT_SECRET`, carrying
//! `sub` (the member's e-mail) and `roles`, verified here as API Gateway's
//! JWT authorizer verifies real ones in the cloud.

use api::auth::{AuthError, Authenticate, bearer, staff_from_claims};
use axum::http::request::Parts;
use config::Secret;
use domain::staff::Staff;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    iat: i64,
    exp: i64,
}

pub struct LocalJwt {
    key: DecodingKey,
    validation: Validation,
}

impl LocalJwt {
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        Self { key: DecodingKey::from_secret(secret.expose().as_bytes()), validation }
    }
}

impl Authenticate for LocalJwt {
    fn authenticate(&self, parts: &Parts) -> Result<Staff, AuthError> {
        let token = bearer(parts)?;
        let claims = decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })?
            .claims;
        staff_from_claims(Some(&claims.sub), claims.roles.iter().map(String::as_str))
    }
}

/// A token for `sub` with `roles`, valid `ttl_seconds` from `now` (negative
/// for an already expired one, in tests).
pub fn mint(
    secret: &Secret,
    sub: &str,
    roles: &[&str],
    now: i64,
    ttl_seconds: i64,
) -> anyhow::Result<String> {
    let claims = Claims {
        sub: sub.to_owned(),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        iat: now,
        exp: now + ttl_seconds,
    };
    Ok(encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose().as_bytes()),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::staff::Role;

    fn parts(token: &str) -> Parts {
        axum::http::Request::get("/")
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn a_minted_token_authenticates_its_member() {
        let secret = Secret::new("s");
        let now = chrono::Utc::now().timestamp();
        let token = mint(&secret, "pm@bluerocktel.fr", &["manager"], now, 60).unwrap();
        let staff = LocalJwt::new(&secret).authenticate(&parts(&token)).unwrap();
        assert_eq!((staff.sub.as_str(), staff.roles), ("pm@bluerocktel.fr", vec![Role::Manager]));
    }

    #[test]
    fn expired_forged_and_garbled_tokens_are_refused() {
        let secret = Secret::new("s");
        let now = chrono::Utc::now().timestamp();
        let auth = LocalJwt::new(&secret);
        let expired = mint(&secret, "pm@bluerocktel.fr", &["manager"], now - 120, 60).unwrap();
        assert_eq!(auth.authenticate(&parts(&expired)), Err(AuthError::Expired));
        let forged =
            mint(&Secret::new("other"), "pm@bluerocktel.fr", &["manager"], now, 60).unwrap();
        assert_eq!(auth.authenticate(&parts(&forged)), Err(AuthError::Invalid));
        assert_eq!(auth.authenticate(&parts("not.a.jwt")), Err(AuthError::Invalid));
    }
}

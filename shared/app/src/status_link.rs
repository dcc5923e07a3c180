//! Links to a project's customer status page: `/console/status/<token>`,
//! where the token names one project and when the link stops working,
//! signed with the console secret ([`crate::signing::Purpose::StatusLink`]).
//! No account: whoever holds a valid link sees the page, so it shows
//! nothing internal, and an invalid or expired token is a plain `404`.

use crate::signing::{Purpose, SigningKeys};
use chrono::{DateTime, Utc};
use config::Secret;
use domain::ProjectId;

/// Where status pages live.
pub const PATH: &str = "/console/status";
/// How long a link in a mail keeps working.
pub const VALID_DAYS: i64 = 180;

/// The token of `project`'s status page, valid until `expires`.
pub fn token(secrets: &[Secret], project: &ProjectId, expires: DateTime<Utc>) -> String {
    let message = format!("{}.{}", project.as_str(), expires.timestamp());
    let signature = SigningKeys::derive(secrets, Purpose::StatusLink).sign(&message);
    format!("{message}.{}", signature.get(..SIGNATURE_HEX).unwrap_or_default())
}

/// The link to put in a mail composed at `now`.
pub fn link(
    public_url: &str,
    secrets: &[Secret],
    project: &ProjectId,
    now: DateTime<Utc>,
) -> String {
    let expires = now + chrono::Duration::days(VALID_DAYS);
    format!("{}{PATH}/{}", public_url.trim_end_matches('/'), token(secrets, project, expires))
}

/// The project a token names, if it is signed by a secret in force and not
/// expired at `now`.
pub fn verify(secrets: &[Secret], token: &str, now: DateTime<Utc>) -> Option<ProjectId> {
    let (message, signature) = token.rsplit_once('.')?;
    let (project, expires) = message.rsplit_once('.')?;
    if expires.parse::<i64>().ok()? <= now.timestamp() || !ProjectId::is_well_formed(project) {
        return None;
    }
    SigningKeys::derive(secrets, Purpose::StatusLink)
        .verify_truncated(message, signature, SIGNATURE_HEX)
        .then(|| ProjectId::from_raw(project))
}

/// Hex digits of the tag a link carries: 16 bytes, unguessable, and a
/// shorter link in the mail.
const SIGNATURE_HEX: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn project() -> ProjectId {
        ProjectId::from_raw("0b9d2a4e-7c1f-5e3a-9d8b-1a2b3c4d5e6f")
    }

    #[test]
    fn a_link_names_its_project_until_it_expires() {
        let secrets = [Secret::new("s")];
        let now = at("2026-12-01T10:00:00Z");
        let url = link("https://x.example/", &secrets, &project(), now);
        let token = url.strip_prefix("https://x.example/console/status/").unwrap();
        assert_eq!(verify(&secrets, token, now), Some(project()));
        assert_eq!(verify(&secrets, token, now + chrono::Duration::days(VALID_DAYS)), None);
    }

    #[test]
    fn a_forged_or_foreign_token_names_nothing() {
        let secrets = [Secret::new("s")];
        let now = at("2026-12-01T10:00:00Z");
        let good = token(&secrets, &project(), now + chrono::Duration::days(1));
        let other = ProjectId::from_raw("ffffffff-7c1f-5e3a-9d8b-1a2b3c4d5e6f");
        let forged = good.replacen(project().as_str(), other.as_str(), 1);
        assert_eq!(verify(&secrets, &forged, now), None);
        assert_eq!(verify(&[Secret::new("t")], &good, now), None);
        assert_eq!(verify(&secrets, "nonsense", now), None);
        assert_eq!(verify(&secrets, "a.b.c", now), None);
    }

    #[test]
    fn links_signed_before_a_rotation_still_open() {
        let now = at("2026-12-01T10:00:00Z");
        let old = token(&[Secret::new("old")], &project(), now + chrono::Duration::days(1));
        let rotating = [Secret::new("new"), Secret::new("old")];
        assert_eq!(verify(&rotating, &old, now), Some(project()));
    }
}

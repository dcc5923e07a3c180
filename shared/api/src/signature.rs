//! The CRM webhook signature: `X-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`,
//! each `v1` an HMAC-SHA256 of `"<t>.<raw body>"` under one of the secrets.
//! Several `v1` values let the CRM rotate its secret without downtime.

use chrono::{DateTime, Utc};
use config::Secret;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use thiserror::Error;

pub const HEADER: &str = "x-signature";
/// Largest accepted distance between the signature's time and ours.
pub const TOLERANCE_SECONDS: i64 = 300;
/// More `v1` values than this is not a rotation but an attempt to make us work.
const MAX_SIGNATURES: usize = 8;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the X-Signature header is missing")]
    Missing,
    #[error("the X-Signature header is malformed")]
    Malformed,
    #[error("the signature timestamp is more than {TOLERANCE_SECONDS} s from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

type HmacSha256 = Hmac<Sha256>;

/// The MAC of `"<timestamp>.<body>"`; `None` only if the key were refused,
/// which HMAC never does (it accepts keys of any length).
fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The header value a sender computes; used by tests and `deployments-local sign`.
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let digest =
        mac(secret, &t, body).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default();
    format!("t={t},v1={digest}")
}

/// Checks `header` against `body`: the timestamp must be within tolerance of
/// `now`, and one `v1` must match one secret. Comparisons are constant-time.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match key {
            "t" if timestamp.is_none() => timestamp = Some(value),
            "t" => return Err(SignatureError::Malformed),
            "v1" => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {} // other schemes are for other receivers
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
        return Err(SignatureError::Malformed);
    }
    let seconds: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if now.timestamp().abs_diff(seconds) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let expected: Vec<HmacSha256> =
        secrets.iter().filter_map(|s| mac(s, timestamp, body)).collect();
    let matched =
        signatures.iter().any(|sig| expected.iter().any(|m| m.clone().verify_slice(sig).is_ok()));
    if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"deal_id":"D-1"}"#;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).unwrap()
    }

    fn secrets() -> Vec<Secret> {
        vec![Secret::new("current"), Secret::new("previous")]
    }

    #[test]
    fn a_signature_made_with_a_known_secret_verifies() {
        let header = sign(&Secret::new("current"), now().timestamp(), BODY);
        assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Ok(()));
        let header = sign(&Secret::new("previous"), now().timestamp(), BODY);
        assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Ok(()));
    }

    #[test]
    fn a_known_vector_matches() {
        // echo -n '1764000000.{"deal_id":"D-1"}' | openssl dgst -sha256 -hmac current
        let header = sign(&Secret::new("current"), 1_764_000_000, BODY);
        assert_eq!(
            header,
            "t=1764000000,v1=2fce575e896322f29a4f2865223634e4256af615460f6a57552a1a6c80b03774"
        );
    }

    #[test]
    fn any_of_several_signatures_may_match_during_a_rotation() {
        let good = sign(&Secret::new("current"), now().timestamp(), BODY);
        let v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={},v1={},v1={v1}", now().timestamp(), "00".repeat(32));
        assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Ok(()));
    }

    #[test]
    fn a_changed_body_or_unknown_secret_does_not_verify() {
        let header = sign(&Secret::new("current"), now().timestamp(), BODY);
        assert_eq!(verify(Some(&header), b"{}", &secrets(), now()), Err(SignatureError::Mismatch));
        let header = sign(&Secret::new("attacker"), now().timestamp(), BODY);
        assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Err(SignatureError::Mismatch));
    }

    #[test]
    fn timestamps_beyond_five_minutes_either_way_are_stale() {
        for offset in [-301, 301] {
            let header = sign(&Secret::new("current"), now().timestamp() + offset, BODY);
            assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Err(SignatureError::Stale));
        }
        let header = sign(&Secret::new("current"), now().timestamp() - 300, BODY);
        assert_eq!(verify(Some(&header), BODY, &secrets(), now()), Ok(()));
    }

    #[test]
    fn the_signed_timestamp_cannot_be_swapped() {
        let header = sign(&Secret::new("current"), now().timestamp() - 200, BODY);
        let forged = header.replacen(
            &(now().timestamp() - 200).to_string(),
            &now().timestamp().to_string(),
            1,
        );
        assert_eq!(verify(Some(&forged), BODY, &secrets(), now()), Err(SignatureError::Mismatch));
    }

    #[test]
    fn malformed_headers_are_rejected() {
        for header in ["", "t=1", "v1=00", "t=abc,v1=00", "t=1,t=2,v1=00", "t=1,v1=zz", "garbage"] {
            assert_eq!(
                verify(Some(header), BODY, &secrets(), now()),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
        let extreme = format!("t={},v1=00", i64::MIN);
        assert_eq!(
            verify(Some(&extreme), BODY, &secrets(), now()),
            Err(SignatureError::Stale),
            "no overflow"
        );
        let many = format!("t={}{}", now().timestamp(), ",v1=00".repeat(MAX_SIGNATURES + 1));
        assert_eq!(verify(Some(&many), BODY, &secrets(), now()), Err(SignatureError::Malformed));
        assert_eq!(verify(None, BODY, &secrets(), now()), Err(SignatureError::Missing));
    }
}

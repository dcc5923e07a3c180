//! Keys that sign what the console hands out and takes back: session
//! cookies, CSRF tokens, customer status links.
//!
//! Each purpose gets its own key, derived from the console secret(s) with
//! HMAC-SHA256 and the purpose as label, so a value signed for one purpose
//! never verifies for another. The first secret signs; every secret given
//! (the current one and, while rotating, the previous one) verifies.

use config::Secret;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// What a signature is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Session,
    Csrf,
    /// The sign-in attempt (state, nonce, PKCE verifier) between the
    /// redirect to the identity provider and its callback.
    SignIn,
    StatusLink,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Session => b"bluerocktel/console/session/v1",
            Self::Csrf => b"bluerocktel/console/csrf/v1",
            Self::SignIn => b"bluerocktel/console/sign-in/v1",
            Self::StatusLink => b"bluerocktel/console/status-link/v1",
        }
    }
}

/// The keys of one purpose, the signing one first.
#[derive(Clone)]
pub struct SigningKeys {
    keys: Vec<[u8; 32]>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKeys({} keys, redacted)", self.keys.len())
    }
}

impl SigningKeys {
    /// The keys of `purpose` derived from `secrets` (current first).
    pub fn derive(secrets: &[Secret], purpose: Purpose) -> Self {
        let keys = secrets
            .iter()
            .map(|secret| {
                let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
                mac.update(purpose.label());
                mac.finalize().into_bytes().into()
            })
            .collect();
        Self { keys }
    }

    /// The signature of `message` (hex) under the current key.
    pub fn sign(&self, message: &str) -> String {
        self.keys.first().map(|key| hex::encode(tag(key, message))).unwrap_or_default()
    }

    /// Whether `signature` (hex) signs `message` under any key in force;
    /// compared in constant time.
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        self.check(message, signature, |mac, tag| mac.verify_slice(tag).is_ok())
    }

    /// [`Self::verify`] for a signature cut to its first `len` hex digits
    /// (short links), refusing any other length.
    pub fn verify_truncated(&self, message: &str, signature: &str, len: usize) -> bool {
        signature.len() == len
            && self.check(message, signature, |mac, tag| mac.verify_truncated_left(tag).is_ok())
    }

    fn check(
        &self,
        message: &str,
        signature: &str,
        verify: impl Fn(HmacSha256, &[u8]) -> bool,
    ) -> bool {
        let Ok(signature) = hex::decode(signature) else { return false };
        !signature.is_empty()
            && self.keys.iter().any(|key| {
                let mut mac = HmacSha256::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
                mac.update(message.as_bytes());
                verify(mac, &signature)
            })
    }
}

fn tag(key: &[u8; 32], message: &str) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secrets: &[&str], purpose: Purpose) -> SigningKeys {
        let secrets: Vec<Secret> = secrets.iter().map(|s| Secret::new(*s)).collect();
        SigningKeys::derive(&secrets, purpose)
    }

    #[test]
    fn a_signature_verifies_for_its_message_only() {
        let k = keys(&["s"], Purpose::Session);
        let sig = k.sign("alice");
        assert!(k.verify("alice", &sig));
        assert!(!k.verify("alicf", &sig));
        assert!(!k.verify("alice", "zz"));
        assert!(!k.verify("alice", ""));
    }

    #[test]
    fn a_signature_for_one_purpose_never_verifies_for_another() {
        let sig = keys(&["s"], Purpose::Session).sign("x");
        assert!(!keys(&["s"], Purpose::StatusLink).verify("x", &sig));
    }

    #[test]
    fn the_previous_secret_verifies_during_a_rotation_but_the_new_one_signs() {
        let old = keys(&["old"], Purpose::Csrf).sign("x");
        let rotating = keys(&["new", "old"], Purpose::Csrf);
        assert!(rotating.verify("x", &old));
        assert!(keys(&["new"], Purpose::Csrf).verify("x", &rotating.sign("x")));
        assert!(!keys(&["new"], Purpose::Csrf).verify("x", &old));
    }
}

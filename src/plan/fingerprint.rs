//! Fingerprints of write-only values (registry and user passwords, SSH keys), so a change can be
//! detected without reading the value back.
//!
//! Fingerprints are stored in pool metadata, which anyone who can read the pool can read, so
//! they must be safe to publish: argon2id with a random salt (a slow salted hash), never the
//! value or a fast hash of it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A new fingerprint of `secret`, in PHC string form (`$argon2id$v=19$m=…`).
pub fn fingerprint(secret: &str) -> String {
    // A 16-byte salt from the thread's CSPRNG (ChaCha, seeded by the OS).
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .expect("16 bytes is a valid salt length");
    hasher()
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        // Hashing fails only on out-of-range parameters, which are constants above.
        .unwrap_or_default()
}

/// Whether `secret` is the value `fingerprint` was made from.
pub fn matches(secret: &str, fingerprint: &str) -> bool {
    PasswordHash::new(fingerprint)
        .is_ok_and(|hash| hasher().verify_password(secret.as_bytes(), &hash).is_ok())
}

/// The recorded fingerprint when `secret` still matches it (so an unchanged secret plans
/// nothing), otherwise a new one.
pub fn reconcile(secret: &str, recorded: Option<&str>) -> String {
    match recorded {
        Some(recorded) if matches(secret, recorded) => recorded.to_string(),
        _ => fingerprint(secret),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_matches_its_secret_only() {
        let fp = fingerprint("hunter2");
        assert!(fp.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{fp}");
        assert!(!fp.contains("hunter2"));
        assert!(matches("hunter2", &fp));
        assert!(!matches("hunter3", &fp));
        assert!(!matches("hunter2", "not a fingerprint"));
    }

    #[test]
    fn fingerprints_are_salted() {
        assert_ne!(fingerprint("same"), fingerprint("same"));
    }

    #[test]
    fn reconcile_keeps_a_matching_fingerprint_and_replaces_a_stale_one() {
        let fp = fingerprint("one");
        assert_eq!(reconcile("one", Some(&fp)), fp);
        let new = reconcile("two", Some(&fp));
        assert_ne!(new, fp);
        assert!(matches("two", &new));
        assert!(matches("one", &reconcile("one", None)));
    }
}

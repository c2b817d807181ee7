//! Fingerprints of write-only values (registry and user passwords, SSH keys), so a change can be
//! detected without reading the value back.
//!
//! Fingerprints are stored in pool metadata, which anyone who can read the pool can read, so
//! they must be safe to publish: argon2id (a slow salted hash), never the value or a fast hash
//! of it. The salt is derived from the owner and the name of the value, so one value gives one
//! fingerprint within an owner: a plan made again (applying a plan file) derives the same
//! fingerprints, while the same value under two owners or two names hashes differently.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The fingerprint of `secret`, the value `owner` knows as `name` (`registry:<server>`, ...),
/// in PHC string form (`$argon2id$v=19$m=…`).
pub fn fingerprint(secret: &str, owner: &str, name: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"batchform fingerprint salt\0")
        .chain_update(owner.as_bytes())
        .chain_update(b"\0")
        .chain_update(name.as_bytes())
        .finalize();
    let Ok(salt) = SaltString::encode_b64(&digest[..16]) else {
        return String::new();
    };
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
/// nothing, whichever salt it was recorded with), otherwise [`fingerprint`].
pub fn reconcile(secret: &str, recorded: Option<&str>, owner: &str, name: &str) -> String {
    match recorded {
        Some(recorded) if matches(secret, recorded) => recorded.to_string(),
        _ => fingerprint(secret, owner, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_matches_its_secret_only() {
        let fp = fingerprint("hunter2", "team", "registry:x");
        assert!(fp.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{fp}");
        assert!(!fp.contains("hunter2"));
        assert!(matches("hunter2", &fp));
        assert!(!matches("hunter3", &fp));
        assert!(!matches("hunter2", "not a fingerprint"));
    }

    #[test]
    fn fingerprints_are_salted_per_owner_and_name_and_repeatable() {
        let fp = |owner, name| fingerprint("same", owner, name);
        assert_eq!(fp("a", "registry:x"), fp("a", "registry:x"));
        assert_ne!(fp("a", "registry:x"), fp("b", "registry:x"));
        assert_ne!(fp("a", "registry:x"), fp("a", "registry:y"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(fp("ab", "c"), fp("a", "bc"));
    }

    #[test]
    fn reconcile_keeps_a_matching_fingerprint_and_replaces_a_stale_one() {
        let fp = fingerprint("one", "o", "n");
        assert_eq!(reconcile("one", Some(&fp), "other", "n"), fp);
        let new = reconcile("two", Some(&fp), "o", "n");
        assert_ne!(new, fp);
        assert!(matches("two", &new));
        assert!(matches("one", &reconcile("one", None, "o", "n")));
    }
}

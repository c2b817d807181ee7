//! Fingerprints of write-only values (registry and user passwords, SSH keys), so a change can be
//! detected without reading the value back.
//!
//! Fingerprints are stored in pool metadata, which anyone who can read the pool can read, so
//! they must be safe to publish: argon2id (a slow salted hash), never the value or a fast hash
//! of it. The salt is derived from the owner and the name of the value, so one value gives one
//! fingerprint within an owner: a plan made again (applying a plan file) derives the same
//! fingerprints, while the same value under two owners or two names hashes differently.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Answers already worked out in this process, by a digest of the question: an argon2id
/// computation costs tens of milliseconds and 19 MiB, and many pools share one secret. Only
/// digests and fingerprints are kept, never a value.
fn memo() -> &'static Mutex<HashMap<[u8; 32], String>> {
    static MEMO: OnceLock<Mutex<HashMap<[u8; 32], String>>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

thread_local! {
    /// argon2id computations this thread made (each hash or verification), for tests.
    static COMPUTED: Cell<usize> = const { Cell::new(0) };
}

/// argon2id computations the calling thread made so far.
pub fn computed() -> usize {
    COMPUTED.with(Cell::get)
}

/// Looks `parts` up, or works the answer out once with `work`.
fn memoized(parts: &[&str], work: impl FnOnce() -> String) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part.as_bytes());
    }
    let key: [u8; 32] = digest.finalize().into();
    if let Some(known) = memo().lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return known.clone();
    }
    COMPUTED.with(|c| c.set(c.get() + 1));
    let answer = work();
    memo()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, answer.clone());
    answer
}

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The fingerprint of `secret`, the value `owner` knows as `name` (`registry:<server>`, ...),
/// in PHC string form (`$argon2id$v=19$m=…`).
pub fn fingerprint(secret: &str, owner: &str, name: &str) -> String {
    memoized(&["fingerprint", owner, name, secret], || {
        compute(secret, owner, name)
    })
}

fn compute(secret: &str, owner: &str, name: &str) -> String {
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
    memoized(&["matches", fingerprint, secret], || {
        let ok = PasswordHash::new(fingerprint)
            .is_ok_and(|hash| hasher().verify_password(secret.as_bytes(), &hash).is_ok());
        ok.to_string()
    }) == "true"
}

/// The recorded fingerprint when `secret` still matches it (so an unchanged secret plans
/// nothing, whichever salt it was recorded with), otherwise [`fingerprint`].
pub fn reconcile(secret: &str, recorded: Option<&str>, owner: &str, name: &str) -> String {
    let own = fingerprint(secret, owner, name);
    match recorded {
        // The usual case costs one computation per distinct secret, however many pools.
        Some(recorded) if recorded == own => own,
        Some(recorded) if matches(secret, recorded) => recorded.to_string(),
        _ => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_shared_by_many_pools_is_hashed_once() {
        let first = reconcile("shared-unique-secret-1", None, "o", "registry:x");
        let before = computed();
        for _ in 0..100 {
            assert_eq!(
                reconcile("shared-unique-secret-1", Some(&first), "o", "registry:x"),
                first
            );
        }
        assert_eq!(computed(), before, "no computation after the first");
    }

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

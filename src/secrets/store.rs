//! Secret values resolved for an apply from the spec's references: held in memory only, never
//! printed, never written anywhere but the request bodies that need them.

use std::collections::BTreeMap;

/// Resolved secret values by pool and by what they are for: the names of
/// [`batchform_plan::bookkeeping`] for pool settings (`registry:<server>`, `account:<name>`, ...),
/// `user:<name>:password` and `user:<name>:ssh_key` for node users.
#[derive(Default, Clone)]
pub struct Secrets {
    values: BTreeMap<(String, String), String>,
}

impl Secrets {
    pub fn insert(&mut self, pool: &str, key: &str, value: String) {
        self.values
            .insert((pool.to_ascii_lowercase(), key.to_string()), value);
    }

    pub fn get(&self, pool: &str, key: &str) -> Option<&str> {
        self.values
            .get(&(pool.to_ascii_lowercase(), key.to_string()))
            .map(String::as_str)
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} values, redacted)", self.values.len())
    }
}

/// The key of a node user's password.
pub fn user_password(name: &str) -> String {
    format!("user:{name}:password")
}

/// The key of a node user's SSH public key.
pub fn user_ssh_key(name: &str) -> String {
    format!("user:{name}:ssh_key")
}

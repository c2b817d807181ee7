//! Secret values resolved for an apply: held in memory only, never printed; with where each
//! came from, so a plan file can name the source without holding the value.

use std::collections::BTreeMap;

use crate::plan::file::{SecretSource, Source};
use crate::spec::SecretRef;

/// Resolved secret values by pool and by what they are for: the names of
/// [`crate::plan::bookkeeping`] for pool settings (`registry:<server>`, `account:<name>`, ...),
/// `user:<name>:password` and `user:<name>:ssh_key` for node users.
#[derive(Default, Clone)]
pub struct Secrets {
    values: BTreeMap<(String, String), (String, Source)>,
}

impl Secrets {
    pub fn insert(&mut self, pool: &str, key: &str, value: String, from: Source) {
        self.values
            .insert((pool.to_ascii_lowercase(), key.to_string()), (value, from));
    }

    pub fn get(&self, pool: &str, key: &str) -> Option<&str> {
        self.values
            .get(&(pool.to_ascii_lowercase(), key.to_string()))
            .map(|(value, _)| value.as_str())
    }

    /// Where every value came from, for a plan file.
    pub fn sources(&self) -> Vec<SecretSource> {
        self.values
            .iter()
            .map(|((pool, key), (_, from))| SecretSource {
                pool: pool.clone(),
                key: key.clone(),
                from: from.clone(),
            })
            .collect()
    }

    /// Reads every source again (applying a plan file). Each failure names the source.
    pub fn read(sources: &[SecretSource]) -> Result<Self, Vec<String>> {
        let mut secrets = Secrets::default();
        let mut errors = Vec::new();
        for source in sources {
            let value = match &source.from {
                Source::Value(value) => Ok(value.clone()),
                Source::Env(name) => SecretRef::Env(name.clone())
                    .resolve()
                    .map(|s| s.expose().to_string()),
                Source::File(path) => SecretRef::File(path.clone())
                    .resolve()
                    .map(|s| s.expose().to_string()),
            };
            match value {
                Ok(value) => secrets.insert(&source.pool, &source.key, value, source.from.clone()),
                Err(e) => errors.push(format!("pool {}: {}: {e}", source.pool, source.key)),
            }
        }
        if errors.is_empty() {
            Ok(secrets)
        } else {
            Err(errors)
        }
    }
}

/// A spec reference as a plan-file source (file paths made absolute, so the plan file can be
/// applied from elsewhere).
pub fn source(reference: &SecretRef) -> Source {
    match reference {
        SecretRef::Env(name) => Source::Env(name.clone()),
        SecretRef::File(path) => {
            Source::File(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
        }
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

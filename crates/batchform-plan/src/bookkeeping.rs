//! batchform's own entries in pool metadata, under the reserved `batchform:` prefix: what the
//! service cannot tell back (who owns the pool, whether it is protected, fingerprints of
//! write-only values, node-user bookkeeping). The live account is the only state.

use std::collections::{BTreeMap, BTreeSet};

/// The reserved prefix; users' metadata may not use it.
pub const PREFIX: &str = "batchform:";
/// Which spec owns the pool.
pub const OWNER: &str = "batchform:owner";
/// Present (`true`) on protected pools.
pub const PROTECT: &str = "batchform:protect";
/// A short hash of the configuration last written, so a lost create can recognise its pool.
pub const CONFIG: &str = "batchform:config";
/// Prefix of fingerprint entries, followed by what the fingerprint is of.
pub const FINGERPRINT: &str = "batchform:fp:";
/// The metadata keys batchform set (a JSON list): only they are ever changed or removed, so a
/// key another actor adds (Azure Policy, a person) survives, as with kubectl's field managers.
pub const MANAGED: &str = "batchform:managed";

/// What a container registry's password goes by: its fingerprint entry after [`FINGERPRINT`],
/// and its value among the secrets resolved for an apply.
pub fn registry_password(server: &str) -> String {
    format!("registry:{}", server.to_ascii_lowercase())
}

/// What a pool user account's password goes by (see [`registry_password`]).
pub fn account_password(name: &str) -> String {
    format!("account:{name}")
}

/// What a pool user account's private SSH key goes by (see [`registry_password`]).
pub fn account_ssh_key(name: &str) -> String {
    format!("account:{name}:ssh_private_key")
}

/// batchform's entries of one pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bookkeeping {
    pub owner: Option<String>,
    pub protect: bool,
    /// Entry name after [`FINGERPRINT`] → fingerprint.
    pub fingerprints: BTreeMap<String, String>,
    /// The user metadata keys batchform manages; `None` on pools written before it kept the
    /// list, whose every key it set.
    pub managed: Option<BTreeSet<String>>,
    /// Other `batchform:` entries (such as node-user bookkeeping), kept as they are.
    pub other: BTreeMap<String, String>,
}

impl Bookkeeping {
    /// Splits the user's metadata into the keys batchform manages and the others' (foreign).
    pub fn partition(
        &self,
        user: BTreeMap<String, String>,
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        match &self.managed {
            None => (user, BTreeMap::new()),
            Some(managed) => user.into_iter().partition(|(k, _)| managed.contains(k)),
        }
    }

    /// The entries the configuration does not decide, which every metadata write keeps as they
    /// are: node-user bookkeeping, and whatever a newer batchform wrote.
    pub fn kept(&self) -> BTreeMap<String, String> {
        let mut kept = self.other.clone();
        kept.remove(CONFIG);
        kept
    }

    pub fn fingerprint(&self, name: &str) -> Option<&str> {
        self.fingerprints
            .get(name.strip_prefix(FINGERPRINT).unwrap_or(name))
            .map(String::as_str)
    }
}

/// Splits live metadata into the user's entries and batchform's.
pub fn split(
    metadata: impl IntoIterator<Item = (String, String)>,
) -> (BTreeMap<String, String>, Bookkeeping) {
    let mut user = BTreeMap::new();
    let mut ours = Bookkeeping::default();
    for (name, value) in metadata {
        if name == OWNER {
            ours.owner = Some(value);
        } else if name == PROTECT {
            ours.protect = value.eq_ignore_ascii_case("true");
        } else if name == MANAGED {
            // A list someone broke counts as "no key is ours": removing keys on a guess could
            // remove everyone else's; the spec's keys are written again, and the list with them.
            ours.managed = Some(serde_json::from_str(&value).unwrap_or_default());
        } else if let Some(what) = name.strip_prefix(FINGERPRINT) {
            ours.fingerprints.insert(what.to_string(), value);
        } else if name.starts_with(PREFIX) {
            ours.other.insert(name, value);
        } else {
            user.insert(name, value);
        }
    }
    (user, ours)
}

/// The full metadata to write: the user's entries, then batchform's, in a stable order.
pub fn join(user: &BTreeMap<String, String>, ours: &Bookkeeping) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = user.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(owner) = &ours.owner {
        all.push((OWNER.to_string(), owner.clone()));
    }
    if ours.protect {
        all.push((PROTECT.to_string(), "true".to_string()));
    }
    if let Some(managed) = &ours.managed {
        all.push((
            MANAGED.to_string(),
            serde_json::to_string(managed).unwrap_or_default(),
        ));
    }
    all.extend(
        ours.fingerprints
            .iter()
            .map(|(k, v)| (format!("{FINGERPRINT}{k}"), v.clone())),
    );
    all.extend(ours.other.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_round_trip() {
        let metadata = vec![
            ("team".to_string(), "vfx".to_string()),
            (OWNER.to_string(), "me".to_string()),
            (PROTECT.to_string(), "true".to_string()),
            (
                format!(
                    "{FINGERPRINT}{}",
                    registry_password("MyRegistry.azurecr.io")
                ),
                "$argon2id$x".to_string(),
            ),
            ("batchform:users".to_string(), "{}".to_string()),
            (MANAGED.to_string(), "[\"team\"]".to_string()),
        ];
        let (user, ours) = split(metadata.clone());
        assert_eq!(
            user,
            BTreeMap::from([("team".to_string(), "vfx".to_string())])
        );
        assert_eq!(ours.owner.as_deref(), Some("me"));
        assert!(ours.protect);
        assert_eq!(
            ours.fingerprint(&registry_password("myregistry.azurecr.io")),
            Some("$argon2id$x")
        );
        let mut joined = join(&user, &ours);
        let mut expected = metadata;
        joined.sort();
        expected.sort();
        assert_eq!(joined, expected);
    }
}

//! The canonical form of a pool's configuration: what batchform compares.
//!
//! Both the spec and the live pool are turned into a [`PoolConfig`] with every service default
//! filled in and every representation the service may vary normalised (case of sizes and
//! identifiers, order of lists and maps, formula whitespace). Two configurations that the
//! service treats as the same compare equal, which is what keeps a converged account quiet.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::bookkeeping;

/// The service's default resize timeout.
pub const DEFAULT_RESIZE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The service's default image version.
pub const DEFAULT_IMAGE_VERSION: &str = "latest";

/// A pool's configuration, canonical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub vm_size: String,
    pub node_agent_sku: String,
    pub image: Image,
    pub task_slots_per_node: u32,
    pub task_scheduling: NodeFill,
    pub inter_node_communication: bool,
    pub scale: Scale,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    /// Accounts the service creates on every node, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_accounts: BTreeMap<String, UserAccount>,
    /// The user's metadata only; batchform's own `batchform:` entries live in [`crate::bookkeeping`].
    pub metadata: BTreeMap<String, String>,
    /// Never deleted or recreated by batchform; recorded on the pool so it holds after the
    /// pool leaves the spec.
    pub protect: bool,
}

/// Where nodes come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Image {
    Marketplace {
        publisher: String,
        offer: String,
        sku: String,
        version: String,
    },
    Custom {
        virtual_machine_image_id: String,
    },
}

/// How tasks are spread over nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeFill {
    Spread,
    Pack,
}

/// How many nodes the pool has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Scale {
    Fixed {
        dedicated: u32,
        low_priority: u32,
        #[serde(with = "duration")]
        resize_timeout: Duration,
    },
    Auto {
        formula: String,
        #[serde(with = "duration")]
        interval: Duration,
    },
}

/// The container runtime and what it prefetches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub runtime: Runtime,
    /// Sorted and deduplicated: prefetch order has no meaning to the service.
    pub images: Vec<String>,
    /// Sorted by server.
    pub registries: Vec<Registry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    Docker,
    Cri,
}

/// A private container registry the nodes log in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Lowercase host name (registry hosts are case-insensitive).
    pub server: String,
    pub auth: RegistryAuth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegistryAuth {
    Password {
        username: String,
        password: Sensitive,
    },
    Identity {
        resource_id: String,
    },
}

impl PoolConfig {
    /// The write-only values of the configuration, each with what it goes by (the names of
    /// [`super::bookkeeping`]): where its fingerprint is recorded and its value resolved.
    /// Takes `spec`'s fingerprints for the write-only values this configuration has none of:
    /// what adopting a pool must assume, since the service never tells the values back.
    pub fn assume_secrets_of(&mut self, spec: &PoolConfig) {
        let fill = |mine: &mut Sensitive, theirs: &Sensitive| {
            if mine.fingerprint.is_none() {
                mine.fingerprint = theirs.fingerprint.clone();
            }
        };
        if let (Some(mine), Some(theirs)) = (&mut self.container, &spec.container) {
            for registry in &mut mine.registries {
                let other = theirs
                    .registries
                    .iter()
                    .find(|r| r.server == registry.server);
                if let (
                    RegistryAuth::Password { password, .. },
                    Some(Registry {
                        auth: RegistryAuth::Password { password: spec, .. },
                        ..
                    }),
                ) = (&mut registry.auth, other)
                {
                    fill(password, spec);
                }
            }
        }
        for (name, account) in &mut self.user_accounts {
            if let Some(theirs) = spec.user_accounts.get(name) {
                fill(&mut account.password, &theirs.password);
                match (&mut account.ssh_private_key, &theirs.ssh_private_key) {
                    (Some(mine), Some(theirs)) => fill(mine, theirs),
                    // The service never says whether there is a key: the spec's stands.
                    (None, Some(theirs)) => account.ssh_private_key = Some(theirs.clone()),
                    _ => {}
                }
            }
        }
    }

    pub fn sensitive(&self) -> Vec<(String, &Sensitive)> {
        let registries = self
            .container
            .iter()
            .flat_map(|c| &c.registries)
            .filter_map(|registry| match &registry.auth {
                RegistryAuth::Password { password, .. } => {
                    Some((bookkeeping::registry_password(&registry.server), password))
                }
                RegistryAuth::Identity { .. } => None,
            });
        let accounts = self.user_accounts.iter().flat_map(|(name, account)| {
            let key = account
                .ssh_private_key
                .as_ref()
                .map(|key| (bookkeeping::account_ssh_key(name), key));
            std::iter::once((bookkeeping::account_password(name), &account.password)).chain(key)
        });
        registries.chain(accounts).collect()
    }
}

/// A write-only value, known only by its fingerprint (never by its value).
///
/// Live pools carry the fingerprint batchform recorded when it last wrote the value; a value
/// written by someone else has none, and compares unequal to anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sensitive {
    pub fingerprint: Option<String>,
}

/// A user account on every node, for the start task and tasks to run as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    pub admin: bool,
    /// Linux user and group ids; the service picks them when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    pub password: Sensitive,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_private_key: Option<Sensitive>,
    /// Windows pools only, where the service's default (`batch`) is filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_mode: Option<LoginMode>,
}

/// How a Windows user account logs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMode {
    Batch,
    Interactive,
}

/// The command every node runs when it joins the pool or restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartTask {
    pub command_line: String,
    pub identity: TaskIdentity,
    pub wait_for_success: bool,
    pub max_retries: i32,
    pub environment: BTreeMap<String, String>,
}

/// Who the start task runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskIdentity {
    /// The pool's non-admin auto user (the service's default).
    AutoUser,
    /// The pool's admin auto user.
    Elevated,
    /// A named user account.
    User { name: String },
}

/// Durations as people write them (`15m`, `1h 30m`), in plans and canonical renderings.
pub(crate) mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

/// Trims a formula and folds runs of white space, so that re-indenting it is not a change.
pub fn normalize_formula(formula: &str) -> String {
    formula
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sorts and deduplicates prefetched images.
pub fn normalize_images(images: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut images: Vec<String> = images.into_iter().map(|i| i.trim().to_string()).collect();
    images.sort();
    images.dedup();
    images
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_whitespace_is_not_a_change() {
        let a = "$TargetDedicatedNodes = 2;\n  $NodeDeallocationOption = taskcompletion;\n";
        let b = "  $TargetDedicatedNodes   = 2;\n\n$NodeDeallocationOption = taskcompletion;";
        assert_eq!(normalize_formula(a), normalize_formula(b));
        assert_ne!(
            normalize_formula("$TargetDedicatedNodes = 2;"),
            normalize_formula("$TargetDedicatedNodes = 3;")
        );
    }

    #[test]
    fn image_order_and_duplicates_are_not_a_change() {
        let a = normalize_images(["b:1".to_string(), "a:1".to_string(), "b:1".to_string()]);
        assert_eq!(a, vec!["a:1".to_string(), "b:1".to_string()]);
    }
}

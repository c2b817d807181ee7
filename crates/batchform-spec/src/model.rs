//! The spec's types: what a spec file may say, documented field by field (the docs become the
//! JSON schema's descriptions, which editors show on hover).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Deserialize;

use super::duration;
use super::expiry::{self, Expiry};
use super::keys::SshPublicKey;
use super::secret::SecretRef;

/// A batchform spec file: account settings and the pools that should exist.
///
/// Several files may together make one spec; their pools are merged.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[schemars(title = "batchform spec")]
pub struct SpecFile {
    /// JSON Schema of this file, for editors (Taplo reads it). batchform ignores it.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Which Batch account to manage, and how batchform marks the pools it owns.
    #[serde(default)]
    pub account: Option<Account>,
    /// The pools that should exist, keyed by pool id (1-64 letters, digits, `-` or `_`; unique
    /// regardless of case).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z0-9_-]{1,64}$" }))]
    pub pools: BTreeMap<String, Pool>,
}

/// Account-wide settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Account {
    /// Batch account endpoint, e.g. `https://myaccount.eastus.batch.azure.com`, or `emulator` for
    /// the local emulator. If omitted, `AZURE_BATCH_ENDPOINT` must name it; if both are set they
    /// must agree.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Batch account name (3-24 lowercase letters and digits). Shared Key authentication signs
    /// with it; if omitted it is taken from the endpoint's host name.
    #[serde(default)]
    #[schemars(regex(pattern = r"^[a-z0-9]{3,24}$"))]
    pub name: Option<String>,
    /// Ownership id (required), written into each pool's metadata as `batchform:owner`. Only
    /// pools carrying this id are ever changed or deleted; pools owned by another id are never
    /// touched. Give every spec that manages pools in the account its own, e.g. the team or
    /// repository name. 1-64 characters, no whitespace.
    #[serde(default)]
    #[schemars(required, length(min = 1, max = 64), regex(pattern = r"^\S+$"))]
    pub owner: Option<String>,
    /// Delete pools that carry this spec's `owner` but are no longer in the spec. Off by default.
    #[serde(default)]
    pub prune: bool,
}

/// One pool: its VMs, image, scale, containers, start task, node users and metadata.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Pool {
    /// Display name shown in the Azure portal (up to 1024 characters). Defaults to none.
    #[serde(default)]
    #[schemars(length(max = 1024))]
    pub display_name: Option<String>,
    /// VM size of every node, e.g. `standard_d2s_v3` (case does not matter).
    pub vm_size: String,
    /// Batch node agent SKU matching the image, e.g. `batch.node.ubuntu 22.04` or
    /// `batch.node.windows amd64`.
    pub node_agent_sku: String,
    /// The OS image: a marketplace image (`publisher`, `offer`, `sku`, `version`) or a custom
    /// image (`virtual_machine_image_id`), not both.
    pub image: Image,
    /// How many tasks may run at once on one node, 1-256. Defaults to 1.
    #[serde(default = "default_task_slots")]
    #[schemars(range(min = 1, max = 256))]
    pub task_slots_per_node: u32,
    /// How tasks are placed on nodes: `spread` evenly (the default) or `pack` each node full
    /// before using the next.
    #[serde(default)]
    #[schemars(extend("default" = "spread"))]
    pub task_scheduling: TaskScheduling,
    /// Allow direct network communication between nodes (for MPI). Defaults to false.
    #[serde(default)]
    pub inter_node_communication: bool,
    /// Never delete or recreate this pool, whatever else the spec says. Defaults to false.
    #[serde(default)]
    pub protect: bool,
    /// What to do when a setting that the service changes only on an empty pool (VM size,
    /// image, containers, task slots, ...) changes while the pool has nodes: `drain` it to zero
    /// and back (the default), `recreate` it, or `refuse` and stop.
    #[serde(default)]
    #[schemars(extend("default" = "drain"))]
    pub on_nonempty_update: UpdateStrategy,
    /// Take over this pool if it already exists and carries no owner (a pool made by hand or by
    /// another tool): batchform writes its owner and plans any other difference. A pool owned by
    /// another owner is never taken. `batchform export` sets it on the pools it writes.
    #[serde(default)]
    pub adopt: bool,
    /// Fields someone else owns, which batchform leaves as it finds them and lists as ignored
    /// drift: `scale` (node counts or the autoscale settings, for a pool another tool sizes) and
    /// `metadata.<key>` (a metadata entry another actor keeps; the spec must not set it).
    #[serde(default)]
    pub ignore_changes: Vec<String>,
    /// Fixed node counts. Give exactly one of `scale` and `autoscale`.
    #[serde(default)]
    pub scale: Option<FixedScale>,
    /// An autoscale formula. Give exactly one of `scale` and `autoscale`.
    #[serde(default)]
    pub autoscale: Option<Autoscale>,
    /// Run tasks in containers: runtime, images to prefetch, registries to pull from.
    #[serde(default)]
    pub container: Option<Container>,
    /// A command each node runs when it joins the pool or restarts.
    #[serde(default)]
    pub start_task: Option<StartTask>,
    /// User accounts the service creates on every node as it provisions it, keyed by name (up
    /// to 20 characters): the identities the start task (`start_task.user`) and tasks run as.
    /// Part of the pool's configuration, so they change only while the pool is empty (see
    /// `on_nonempty_update`). For people who log in, use `users`.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "maxLength": 20, "minLength": 1 }))]
    pub user_accounts: BTreeMap<String, UserAccount>,
    /// Login users created on every node, keyed by user name (up to 20 characters). batchform
    /// adds them to nodes that join later, renews their expiry and removes users taken out of
    /// the spec.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "maxLength": 20, "minLength": 1 }))]
    pub users: BTreeMap<String, User>,
    /// Your own metadata on the pool, name to value. Names starting with `batchform:` are
    /// reserved for batchform's bookkeeping.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "minLength": 1, "not": { "pattern": "^[Bb][Aa][Tt][Cc][Hh][Ff][Oo][Rr][Mm]:" } }))]
    pub metadata: BTreeMap<String, String>,
}

/// Whether a node agent SKU is a Windows one (`batch.node.windows ...`).
pub fn is_windows_agent(node_agent_sku: &str) -> bool {
    node_agent_sku
        .trim()
        .to_ascii_lowercase()
        .starts_with("batch.node.windows")
}

fn default_task_slots() -> u32 {
    1
}

/// How a pool is sized, once the spec is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling<'a> {
    /// Fixed node counts.
    Fixed(&'a FixedScale),
    /// An autoscale formula.
    Auto(&'a Autoscale),
}

/// Used only if a pool names neither `scale` nor `autoscale`, which validation refuses.
static NO_NODES: FixedScale = FixedScale {
    dedicated: 0,
    low_priority: 0,
    resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    node_deallocation: NodeDeallocation::Taskcompletion,
};

impl Pool {
    /// Fixed counts or autoscale. Validation guarantees exactly one is given.
    pub fn scaling(&self) -> Scaling<'_> {
        match (&self.scale, &self.autoscale) {
            (_, Some(auto)) if self.scale.is_none() => Scaling::Auto(auto),
            (Some(fixed), _) => Scaling::Fixed(fixed),
            _ => Scaling::Fixed(&NO_NODES),
        }
    }

    /// Whether the node agent is a Windows one (`batch.node.windows ...`).
    pub fn is_windows(&self) -> bool {
        is_windows_agent(&self.node_agent_sku)
    }

    /// Every secret reference in the pool, with its path below the pool
    /// (e.g. `container.registries[0].password`).
    pub fn secret_refs(&self) -> Vec<(String, &SecretRef)> {
        let mut refs = Vec::new();
        if let Some(container) = &self.container {
            for (i, registry) in container.registries.iter().enumerate() {
                if let Some(password) = &registry.password {
                    refs.push((format!("container.registries[{i}].password"), password));
                }
            }
        }
        for (name, account) in &self.user_accounts {
            let at = format!("user_accounts.{}", super::path::key(name));
            refs.push((format!("{at}.password"), &account.password));
            if let Some(key) = &account.ssh_private_key {
                refs.push((format!("{at}.ssh_private_key"), key));
            }
        }
        for (name, user) in &self.users {
            if let Some(password) = &user.password {
                refs.push((
                    format!("users.{}.password", super::path::key(name)),
                    password,
                ));
            }
        }
        refs
    }

    /// Makes relative file references relative to `dir`, the spec file's directory.
    pub(crate) fn rebase(&mut self, dir: &Path) {
        if let Some(container) = &mut self.container {
            for registry in &mut container.registries {
                if let Some(password) = &mut registry.password {
                    password.rebase(dir);
                }
            }
        }
        for account in self.user_accounts.values_mut() {
            account.password.rebase(dir);
            if let Some(key) = &mut account.ssh_private_key {
                key.rebase(dir);
            }
        }
        for user in self.users.values_mut() {
            if let Some(password) = &mut user.password {
                password.rebase(dir);
            }
            if let Some(key) = &mut user.ssh_public_key {
                key.rebase(dir);
            }
        }
    }
}

/// The OS image of a pool's nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Image {
    /// Marketplace image publisher, e.g. `canonical`.
    #[serde(default)]
    pub publisher: Option<String>,
    /// Marketplace image offer, e.g. `0001-com-ubuntu-server-jammy`.
    #[serde(default)]
    pub offer: Option<String>,
    /// Marketplace image SKU, e.g. `22_04-lts`.
    #[serde(default)]
    pub sku: Option<String>,
    /// Marketplace image version. Defaults to `latest`.
    #[serde(default)]
    pub version: Option<String>,
    /// ARM resource id of a custom image (Azure Compute Gallery image or image version, or a
    /// managed image), instead of a marketplace image.
    #[serde(default)]
    pub virtual_machine_image_id: Option<String>,
}

/// An image reference, once the spec is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageReference<'a> {
    /// A marketplace image.
    Marketplace {
        /// Publisher.
        publisher: &'a str,
        /// Offer.
        offer: &'a str,
        /// SKU.
        sku: &'a str,
        /// Version (`latest` when not given).
        version: &'a str,
    },
    /// A custom image by ARM resource id.
    Custom {
        /// ARM resource id.
        virtual_machine_image_id: &'a str,
    },
}

impl Image {
    /// The reference the spec means. Validation guarantees exactly one form is complete.
    pub fn reference(&self) -> ImageReference<'_> {
        match &self.virtual_machine_image_id {
            Some(id) => ImageReference::Custom {
                virtual_machine_image_id: id,
            },
            None => ImageReference::Marketplace {
                publisher: self.publisher.as_deref().unwrap_or_default(),
                offer: self.offer.as_deref().unwrap_or_default(),
                sku: self.sku.as_deref().unwrap_or_default(),
                version: self.version.as_deref().unwrap_or("latest"),
            },
        }
    }
}

/// How tasks are distributed over nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskScheduling {
    /// Spread tasks evenly across nodes.
    #[default]
    Spread,
    /// Fill each node's task slots before using the next node.
    Pack,
}

impl TaskScheduling {
    /// The service's value (`spread` or `pack`).
    pub fn wire_name(self) -> &'static str {
        match self {
            TaskScheduling::Spread => "spread",
            TaskScheduling::Pack => "pack",
        }
    }
}

/// How to apply a change the service accepts only while the pool has no nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStrategy {
    /// Resize to zero once running tasks complete, change the pool, resize back.
    #[default]
    Drain,
    /// Delete the pool, wait until it is gone, create it again.
    Recreate,
    /// Do not change the pool; report the change as blocked.
    Refuse,
}

/// Default for `resize_timeout`, the service's own default.
pub const DEFAULT_RESIZE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Default for the autoscale evaluation interval, the service's own default.
pub const DEFAULT_AUTOSCALE_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Fixed node counts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct FixedScale {
    /// Number of dedicated nodes. Defaults to 0.
    #[serde(default)]
    #[schemars(range(max = 2000))]
    pub dedicated: u32,
    /// Number of Spot / low-priority nodes. Defaults to 0.
    #[serde(default)]
    #[schemars(range(max = 1000))]
    pub low_priority: u32,
    /// How long a resize may take before the service gives up, at least `5m`. Defaults to `15m`.
    #[serde(
        default = "default_resize_timeout",
        deserialize_with = "duration::deserialize"
    )]
    #[schemars(schema_with = "duration::schema")]
    pub resize_timeout: Duration,
    /// What happens to tasks running on nodes a shrink removes: `taskcompletion` (they finish
    /// first; the default), `requeue` (stopped and queued again), `terminate` (stopped, not
    /// retried) or `retaineddata` (they finish, and the nodes stay until their data expires).
    #[serde(default)]
    pub node_deallocation: NodeDeallocation,
}

/// The service's node deallocation options, for resizes that remove nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeDeallocation {
    #[default]
    Taskcompletion,
    Requeue,
    Terminate,
    Retaineddata,
}

impl NodeDeallocation {
    /// The option as the service spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeDeallocation::Taskcompletion => "taskcompletion",
            NodeDeallocation::Requeue => "requeue",
            NodeDeallocation::Terminate => "terminate",
            NodeDeallocation::Retaineddata => "retaineddata",
        }
    }
}

fn default_resize_timeout() -> Duration {
    DEFAULT_RESIZE_TIMEOUT
}

/// Node counts decided by an autoscale formula.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Autoscale {
    /// The autoscale formula (up to 8192 characters), e.g.
    /// `$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));`.
    #[schemars(length(min = 1, max = 8192))]
    pub formula: String,
    /// How often the formula is evaluated, `5m` to `168h`. Defaults to `15m`.
    #[serde(
        default = "default_autoscale_interval",
        deserialize_with = "duration::deserialize"
    )]
    #[schemars(schema_with = "duration::schema")]
    pub interval: Duration,
}

fn default_autoscale_interval() -> Duration {
    DEFAULT_AUTOSCALE_INTERVAL
}

/// Container support on the pool's nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Container {
    /// Container runtime: `docker` (Docker-compatible, the default) or `cri` (CRI-compatible,
    /// containerd).
    #[serde(default)]
    #[schemars(extend("default" = "docker"))]
    pub runtime: ContainerRuntime,
    /// Images pulled onto every node when it joins, e.g. `ubuntu:22.04` or
    /// `myregistry.azurecr.io/app:1.2`.
    #[serde(default)]
    pub images: Vec<String>,
    /// Registries to pull private images from.
    #[serde(default)]
    pub registries: Vec<Registry>,
}

/// A container runtime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerRuntime {
    /// Docker-compatible (`dockerCompatible`).
    #[default]
    Docker,
    /// CRI-compatible, containerd (`criCompatible`).
    Cri,
}

impl ContainerRuntime {
    /// The service's value (`dockerCompatible` or `criCompatible`).
    pub fn wire_name(self) -> &'static str {
        match self {
            ContainerRuntime::Docker => "dockerCompatible",
            ContainerRuntime::Cri => "criCompatible",
        }
    }
}

/// A private container registry and how to sign in to it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Registry {
    /// Registry server, e.g. `myregistry.azurecr.io`.
    pub server: String,
    /// User name. Give `username` and `password`, or `identity`.
    #[serde(default)]
    pub username: Option<String>,
    /// Password, as a secret reference: `{ env = "ACR_PASSWORD" }` or `{ file = "path" }`.
    #[serde(default)]
    pub password: Option<SecretRef>,
    /// ARM resource id of a user-assigned managed identity that can pull from the registry,
    /// instead of `username` and `password`.
    #[serde(default)]
    pub identity: Option<String>,
}

/// A command each node runs when it joins the pool or restarts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct StartTask {
    /// The command line. It is not run in a shell: write `/bin/bash -c '...'` (Linux) or
    /// `cmd /c ...` (Windows) for shell features.
    #[schemars(length(min = 1))]
    pub command_line: String,
    /// Run as the pool's automatic admin user. Give `elevated` or `user`, not both; with
    /// neither, the task runs as a non-admin automatic user.
    #[serde(default)]
    pub elevated: Option<bool>,
    /// Run as this named user account instead of an automatic user.
    #[serde(default)]
    pub user: Option<String>,
    /// Wait for the start task to succeed before scheduling tasks on the node. Defaults to true.
    #[serde(default = "default_true")]
    pub wait_for_success: bool,
    /// How many times to retry a failing start task; -1 retries without limit. Defaults to 0.
    #[serde(default)]
    #[schemars(range(min = -1))]
    pub max_retries: i32,
    /// Environment variables for the command, name to value.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

fn default_true() -> bool {
    true
}

/// A user account the service creates on every node of the pool, for tasks to run as.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct UserAccount {
    /// Password, as a secret reference: `{ env = "BUILD_PASSWORD" }` or `{ file = "path" }`.
    /// The service requires one.
    pub password: SecretRef,
    /// Run as an administrator (`elevationLevel` admin). Defaults to false.
    #[serde(default)]
    pub admin: bool,
    /// Linux only: the account's user id. Give `uid` and `gid` together, or neither (the
    /// service then picks them).
    #[serde(default)]
    pub uid: Option<u32>,
    /// Linux only: the account's group id. Give `uid` and `gid` together, or neither.
    #[serde(default)]
    pub gid: Option<u32>,
    /// Linux only: a private SSH key, as a secret reference (`{ file = "keys/mpi" }`), for
    /// passwordless SSH between the pool's nodes (MPI with `inter_node_communication`).
    #[serde(default)]
    pub ssh_private_key: Option<SecretRef>,
    /// Windows only: `batch` (the default), or `interactive` for software that needs an
    /// interactive logon.
    #[serde(default)]
    pub login_mode: Option<LoginMode>,
}

/// How a Windows user account logs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginMode {
    /// A non-interactive (batch) logon.
    Batch,
    /// An interactive logon, with a user profile and UI access.
    Interactive,
}

/// A login user on every node of the pool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct User {
    /// Make the user an administrator. Defaults to false.
    #[serde(default)]
    pub admin: bool,
    /// SSH public key (Linux node agents only), inline or `{ file = "keys/alice.pub" }`.
    #[serde(default)]
    pub ssh_public_key: Option<SshPublicKey>,
    /// Password, as a secret reference: `{ env = "ALICE_PASSWORD" }` or `{ file = "path" }`.
    /// Required on Windows pools; on Linux, give a password, an SSH key or both.
    #[serde(default)]
    pub password: Option<SecretRef>,
    /// When the user expires, as an RFC 3339 time, e.g. `2027-01-01T00:00:00Z`. Give `expires`
    /// or `valid_for`, not both.
    #[serde(default, deserialize_with = "expiry::deserialize_time")]
    #[schemars(schema_with = "expiry::schema")]
    pub expires: Option<DateTime<Utc>>,
    /// How long the user stays valid after each apply, e.g. `7d`; batchform renews it before it
    /// lapses. Defaults to `7d` when `expires` is not given.
    #[serde(default, deserialize_with = "duration::deserialize_option")]
    #[schemars(schema_with = "duration::schema")]
    pub valid_for: Option<Duration>,
    /// With `valid_for`: renew once less than this remains, e.g. `1d`. Must be shorter than
    /// `valid_for`. Defaults to `1d`, or half of `valid_for` if that is shorter.
    #[serde(default, deserialize_with = "duration::deserialize_option")]
    #[schemars(schema_with = "duration::schema")]
    pub renew_before: Option<Duration>,
}

impl User {
    /// The user's expiry, with defaults filled in.
    pub fn expiry(&self) -> Expiry {
        Expiry::from_fields(self.expires, self.valid_for, self.renew_before)
    }

    /// The SSH public key text, if any.
    pub fn ssh_key(&self) -> Option<&str> {
        self.ssh_public_key.as_ref().map(|k| k.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(extra: &str) -> Pool {
        let text = format!(
            "vm_size = \"v\"\nnode_agent_sku = \"batch.node.ubuntu 22.04\"\nimage = {{ publisher = \"p\", offer = \"o\", sku = \"s\" }}\n{extra}"
        );
        toml::from_str(&text).unwrap()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let pool = pool("scale = {}");
        assert_eq!(pool.task_slots_per_node, 1);
        assert_eq!(pool.task_scheduling, TaskScheduling::Spread);
        assert_eq!(pool.on_nonempty_update, UpdateStrategy::Drain);
        assert!(!pool.protect && !pool.inter_node_communication && !pool.is_windows());
        let Scaling::Fixed(scale) = pool.scaling() else {
            panic!("fixed scale expected");
        };
        assert_eq!((scale.dedicated, scale.low_priority), (0, 0));
        assert_eq!(scale.resize_timeout, DEFAULT_RESIZE_TIMEOUT);
        assert_eq!(
            pool.image.reference(),
            ImageReference::Marketplace {
                publisher: "p",
                offer: "o",
                sku: "s",
                version: "latest"
            }
        );
    }

    #[test]
    fn autoscale_and_containers_read_as_written() {
        let pool = pool(
            "autoscale = { formula = \"$TargetDedicatedNodes = 1;\" }\ncontainer = { runtime = \"cri\", registries = [{ server = \"r.io\", username = \"u\", password = { env = \"P\" } }] }",
        );
        let Scaling::Auto(auto) = pool.scaling() else {
            panic!("autoscale expected");
        };
        assert_eq!(auto.interval, DEFAULT_AUTOSCALE_INTERVAL);
        let container = pool.container.as_ref().unwrap();
        assert_eq!(container.runtime.wire_name(), "criCompatible");
        assert_eq!(
            pool.secret_refs(),
            vec![(
                "container.registries[0].password".to_owned(),
                &SecretRef::Env("P".into())
            )]
        );
    }

    #[test]
    fn relative_files_follow_the_spec_file() {
        let mut pool = pool(
            "scale = {}\n[users.a]\npassword = { file = \"pw\" }\nssh_public_key = { file = \"k.pub\" }",
        );
        pool.rebase(Path::new("specs"));
        let user = &pool.users["a"];
        assert_eq!(user.password, Some(SecretRef::File("specs/pw".into())));
        assert_eq!(
            user.ssh_public_key.as_ref().unwrap().file.as_deref(),
            Some(Path::new("specs/k.pub"))
        );
        assert!(matches!(user.expiry(), Expiry::Rolling { .. }));
    }
}

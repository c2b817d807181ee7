//! The emulated account's data: pools with their nodes and node users, the clock, and the
//! bookkeeping the lifecycle needs. All of it serializes, so a state file restores it exactly.
//!
//! Secrets never enter this state: pool user-account and registry passwords are dropped on
//! the way in (the service never returns them), and node users keep only whether a password
//! was set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::clock::Clock;
use batchform_batch::wire::{self, NodeDeallocationOption, Timestamp};

/// The state file's format version.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub format: u32,
    pub clock: Clock,
    /// Sequence for node ids, IP addresses and login ports.
    pub next_node: u64,
    /// Keyed by the lowercased pool id: ids are unique ignoring case.
    pub pools: BTreeMap<String, PoolRecord>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            format: FORMAT,
            clock: Clock::default(),
            next_node: 1,
            pools: BTreeMap::new(),
        }
    }
}

impl State {
    pub fn pool(&self, id: &str) -> Option<&PoolRecord> {
        self.pools.get(&id.to_ascii_lowercase())
    }

    pub fn pool_mut(&mut self, id: &str) -> Option<&mut PoolRecord> {
        self.pools.get_mut(&id.to_ascii_lowercase())
    }
}

/// One pool: its GET shape (user properties and service-managed ones, kept current by the
/// lifecycle) and what the lifecycle still has to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolRecord {
    pub pool: wire::Pool,
    pub nodes: Vec<NodeRecord>,
    /// The resize in progress, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resize: Option<Resize>,
    /// When a stop-resize finishes (the pool is `stopping` until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopping_until: Option<Timestamp>,
    /// When deletion finishes and the pool disappears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting_until: Option<Timestamp>,
    /// When autoscale next evaluates the formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_autoscale: Option<Timestamp>,
    /// The last successful enable-autoscale call (at most one every 30 seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_enable_autoscale: Option<Timestamp>,
    /// Injected: start tasks on this pool's nodes fail from now on.
    #[serde(default)]
    pub fail_start_tasks: bool,
}

impl PoolRecord {
    pub fn id(&self) -> &str {
        self.pool.id.as_deref().unwrap_or("")
    }

    pub fn etag(&self) -> &str {
        self.pool.e_tag.as_deref().unwrap_or("")
    }

    pub fn is_deleting(&self) -> bool {
        self.deleting_until.is_some()
    }

    pub fn node(&self, id: &str) -> Option<&NodeRecord> {
        self.nodes.iter().find(|n| n.id().eq_ignore_ascii_case(id))
    }

    pub fn node_mut(&mut self, id: &str) -> Option<&mut NodeRecord> {
        self.nodes
            .iter_mut()
            .find(|n| n.id().eq_ignore_ascii_case(id))
    }

    /// Empty in the sense of the "only when the pool is empty" properties: steady with no
    /// dedicated and no low-priority nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.stopping_until.is_none() && self.is_steady()
    }

    /// Steady as a resize or an autoscale step needs it: no resize running or settling.
    pub fn is_steady(&self) -> bool {
        self.pool.allocation_state == Some(wire::AllocationState::Steady) && self.resize.is_none()
    }
}

/// A resize in progress: new nodes appear at `allocate_at`; the pool turns steady once every
/// node it added or removed has settled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resize {
    pub started: Timestamp,
    pub allocate_at: Timestamp,
    /// Whether nodes were added and removed already (at `allocate_at`).
    pub allocated: bool,
    pub target_dedicated: i32,
    pub target_low_priority: i32,
    pub deallocation: NodeDeallocationOption,
    /// Errors found while allocating, reported once the pool is steady.
    #[serde(default)]
    pub errors: Vec<wire::ResizeError>,
}

/// One compute node: its GET shape and the lifecycle's bookkeeping.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRecord {
    pub node: wire::Node,
    pub seq: u64,
    pub dedicated: bool,
    /// When the current state ends, for states that end by themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_until: Option<Timestamp>,
    /// Added by the resize in progress and not yet ready.
    #[serde(default)]
    pub joining: bool,
    /// Being removed from the pool, and how its tasks are treated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<NodeDeallocationOption>,
    /// Injected running tasks and when they finish (never, if `None`).
    #[serde(default)]
    pub running_tasks: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_until: Option<Timestamp>,
    /// Injected: this node's next start task fails.
    #[serde(default)]
    pub fail_start_task: bool,
    #[serde(default)]
    pub users: Vec<NodeUser>,
}

impl NodeRecord {
    pub fn id(&self) -> &str {
        self.node.id.as_deref().unwrap_or("")
    }

    pub fn state(&self) -> wire::NodeState {
        self.node.state.clone().unwrap_or(wire::NodeState::Unknown)
    }

    pub fn user(&self, name: &str) -> Option<&NodeUser> {
        self.users
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }
}

/// A login user on a node. The password itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeUser {
    pub name: String,
    pub is_admin: bool,
    pub expiry_time: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_public_key: Option<String>,
    pub has_password: bool,
}

//! What the planner reads: the desired pools (from the spec) and the live account (observed).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::PoolConfig;
use super::users::{NodeInfo, UserConfig, UsersBook};

/// What to do when empty-only fields change on a pool that has nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnNonEmpty {
    #[default]
    Drain,
    Recreate,
    Refuse,
}

/// The desired state of the account, as the planner needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub owner: String,
    pub prune: bool,
    /// Stop a resize still running on a pool that must be resized, rather than wait for it.
    pub stop_pending_resize: bool,
    pub pools: Vec<DesiredPool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredPool {
    pub id: String,
    pub config: PoolConfig,
    pub on_nonempty_update: OnNonEmpty,
    /// Take the pool over if it exists and no one owns it.
    pub adopt: bool,
    /// What a resize that removes nodes does to their running tasks (the service's option,
    /// `taskcompletion` unless the spec says otherwise).
    pub node_deallocation: String,
    /// Fields someone else owns (`scale`, `metadata.<key>`): left as they are live.
    pub ignore_changes: Vec<String>,
    /// Node login users, on every ready node.
    pub users: Vec<UserConfig>,
}

/// The live account, as observed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    pub pools: Vec<LivePool>,
    /// The service's supported images (`GET /supportedimages`).
    pub catalog: Vec<CatalogImage>,
}

/// A live pool, reduced to what planning needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePool {
    pub id: String,
    pub etag: String,
    /// `state == deleting`: it will be gone soon.
    pub deleting: bool,
    /// `allocationState == steady` (not resizing or stopping).
    pub steady: bool,
    pub current_dedicated: u32,
    pub current_low_priority: u32,
    /// The `batchform:owner` metadata entry, if any.
    pub owner: Option<String>,
    pub config: PoolConfig,
    /// Tasks running on its nodes, when the nodes were observed (only for pools that need it).
    pub running_tasks: Option<u32>,
    /// What node users were applied (from its bookkeeping).
    pub users: UsersBook,
    /// The node-user bookkeeping is there but cannot be read: which users nodes hold is unknown.
    pub users_unreadable: bool,
    /// batchform's metadata entries the configuration does not decide (see
    /// [`super::PoolPlan::kept`]).
    pub kept: std::collections::BTreeMap<String, String>,
    /// Metadata keys other actors set (not in batchform's managed list), as read.
    pub foreign: std::collections::BTreeMap<String, String>,
    /// Its nodes, when observed (pools with users, in the spec or in the bookkeeping).
    pub nodes: Option<Vec<NodeInfo>>,
}

impl LivePool {
    /// Empty as the service means it for "only when the pool is empty" fields.
    pub fn is_empty(&self) -> bool {
        self.steady && self.current_dedicated == 0 && self.current_low_priority == 0
    }

    pub fn current_nodes(&self) -> u32 {
        self.current_dedicated + self.current_low_priority
    }
}

/// One entry of the supported-image catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogImage {
    pub publisher: String,
    pub offer: String,
    pub sku: String,
    pub node_agent_sku: String,
    pub windows: bool,
    pub capabilities: Vec<String>,
    pub end_of_life: Option<DateTime<Utc>>,
}

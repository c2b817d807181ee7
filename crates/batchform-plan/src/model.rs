//! The plan: what will be done to each pool, in which order, why, and at what cost.
//!
//! A plan is data. It is rendered for review, saved to a file, and carried out by the executor;
//! nothing in it is a secret (write-only values appear only as fingerprints).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::config::PoolConfig;
use super::diff::FieldChange;
use super::input::OnNonEmpty;
use super::users::UsersPlan;

/// The version of the plan's JSON form (`plan --format json` and plan files).
pub const FORMAT_VERSION: &str = "1";

/// Everything `apply` would do to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The account the plan was made against: apply carries it out there and nowhere else.
    #[serde(default)]
    pub account: AccountRef,
    pub format_version: String,
    /// Pools of this spec, in id order, including those with nothing to do.
    pub pools: Vec<PoolPlan>,
    /// Pools in the account that this spec does not manage; never touched.
    pub unmanaged: Vec<String>,
    /// Why the plan cannot be applied; empty when it can.
    pub errors: Vec<PlanError>,
}

impl Plan {
    /// The line that opens every rendering: which account this plan is for.
    pub fn title(&self) -> Option<String> {
        (!self.account.endpoint.is_empty()).then(|| format!("Plan for {}", self.account))
    }

    /// Whether applying this plan would change anything.
    pub fn has_changes(&self) -> bool {
        self.pools.iter().any(|p| p.action != Action::NoOp)
    }

    /// `(create, change, destroy)` counts for the summary line; a recreate counts as both.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: &dyn Fn(Action) -> bool| self.pools.iter().filter(|p| f(p.action)).count();
        (
            count(&|a| matches!(a, Action::Create | Action::Recreate)),
            count(&|a| a == Action::Update),
            count(&|a| matches!(a, Action::Delete | Action::Recreate)),
        )
    }
}

/// Which account a plan is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// `emulator` (the local one), or the account endpoint URL.
    pub endpoint: String,
    /// The account name (empty when neither the spec, the environment nor the host says it).
    pub name: String,
    /// How batchform signed in, for people (a plan may be applied with another credential).
    pub credential: String,
}

impl AccountRef {
    /// The same account (the credential may differ).
    pub fn same_account(&self, other: &AccountRef) -> bool {
        self.endpoint == other.endpoint && self.name == other.name
    }
}

impl std::fmt::Display for AccountRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = if self.name.is_empty() {
            "(unnamed)"
        } else {
            &self.name
        };
        let at = match self.endpoint.as_str() {
            "emulator" => "on the local emulator (.batchform/)".to_string(),
            url => format!("at {}", url.split_once("://").map_or(url, |(_, rest)| rest)),
        };
        write!(f, "account {name} {at} via {}", self.credential)
    }
}

/// What happens to one pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolPlan {
    pub id: String,
    pub action: Action,
    /// How empty-only changes are carried out, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// The spec's `on_nonempty_update`, so apply can plan the pool again the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_nonempty_update: Option<OnNonEmpty>,
    pub changes: Vec<FieldChange>,
    /// The spec's `node_deallocation`, so apply can plan the pool again the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_deallocation: Option<String>,
    /// What a reviewer should know that is neither a change nor pending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A pool no one owned, taken over as the spec asks (`adopt = true`): ownership is written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopt: bool,
    /// The spec's `ignore_changes`, so apply can plan the pool again the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_changes: Vec<String>,
    /// Differences in fields the spec leaves to someone else (`ignore_changes`): shown, not
    /// changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<FieldChange>,
    pub steps: Vec<Step>,
    pub cost: Cost,
    /// What the account is still doing that the spec waits on (a resize in flight, nodes not
    /// ready for their users): apply waits for it, and until then the account does not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
    /// The ETag the plan was made against; every write carries it in `If-Match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<PoolConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<PoolConfig>,
    /// batchform's own metadata entries that the configuration does not decide (node-user
    /// bookkeeping; entries a newer batchform wrote), as read: every metadata write keeps them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub kept: std::collections::BTreeMap<String, String>,
    /// Metadata entries other actors set, as read: batchform never changes or removes them,
    /// and every metadata write keeps them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub foreign: std::collections::BTreeMap<String, String>,
    /// Node users: what changes on which nodes (computed again against the nodes of the moment
    /// when applied, since nodes come and go).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<UsersPlan>,
}

impl PoolPlan {
    /// A pool with nothing to do yet: what every pool's plan starts from.
    pub fn nothing(id: &str) -> Self {
        PoolPlan {
            id: id.to_string(),
            action: Action::NoOp,
            strategy: None,
            on_nonempty_update: None,
            changes: Vec::new(),
            node_deallocation: None,
            adopt: false,
            ignore_changes: Vec::new(),
            ignored: Vec::new(),
            steps: Vec::new(),
            cost: Cost::default(),
            pending: Vec::new(),
            notes: Vec::new(),
            etag: None,
            live: None,
            desired: None,
            kept: Default::default(),
            foreign: Default::default(),
            users: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Delete, then create again with the desired configuration.
    Recreate,
    Delete,
}

/// How changes the service accepts only on an empty pool are carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The pool is already empty: patch it now.
    PatchEmpty,
    /// Resize to zero letting running tasks finish, patch, resize back.
    Drain,
    /// Delete the pool and create it again.
    Recreate,
}

/// One REST-level step, in order. The executor waits for the service's asynchronous states
/// after the steps that start them (create, resize, delete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The pool is resizing or being deleted: wait until it is steady, or gone.
    WaitSteady,
    /// The pool is resizing: stop that resize (asked for with `--stop-pending-resize`), then
    /// wait until it is steady.
    StopResize,
    WaitDeleted,
    /// `POST /pools` with the desired configuration.
    Create,
    /// `PATCH /pools/{id}`: the in-place fields, and the empty-only ones when `empty_only`.
    Patch {
        empty_only: bool,
    },
    /// `POST /pools/{id}/updateproperties` without a start task: PATCH keeps a start task it is
    /// not given, so removing one takes a full replace of the start task, metadata and
    /// application packages (which takes no `If-Match`; it follows the conditional PATCH).
    RemoveStartTask,
    DisableAutoscale,
    /// `POST /pools/{id}/resize`.
    Resize {
        dedicated: u32,
        low_priority: u32,
        #[serde(with = "super::config::duration")]
        resize_timeout: Duration,
        /// `taskcompletion` when draining, so running tasks finish first.
        #[serde(skip_serializing_if = "Option::is_none")]
        deallocation: Option<String>,
    },
    /// `POST /pools/{id}/enableautoscale`.
    EnableAutoscale {
        formula: String,
        #[serde(with = "super::config::duration")]
        interval: Duration,
    },
    /// `DELETE /pools/{id}`.
    Delete,
    /// Bring node users in line on every ready node, then record them in the bookkeeping.
    SyncUsers,
}

/// What a change costs the pool's users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Nodes that will be removed (and, for a drain or recreate, provisioned again).
    pub nodes_removed: u32,
    /// Tasks running now: waited for when draining, requeued when deleting or recreating.
    pub running_tasks: u32,
    /// Whether running tasks are terminated and requeued rather than waited for.
    pub tasks_requeued: bool,
    /// Whether the pool has no nodes for a while.
    pub unavailable: bool,
    /// The node deallocation option of a shrink (`requeue`, `terminate`, `taskcompletion`,
    /// `retaineddata`): what happens to the removed nodes' running tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deallocation: Option<String>,
}

/// Why a pool cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanError {
    pub pool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

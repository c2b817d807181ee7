//! Live state from the Batch account: the fewest calls that give the planner what it needs.
//!
//! One paged pool list with `$select` and the supported-image catalog, concurrently; node lists
//! only for the pools whose plan needs them (node users, or a change that removes nodes and must
//! say how many tasks it affects). O(pools) requests, never O(nodes).

pub mod counts;

use std::collections::BTreeMap;

use futures_util::future::try_join_all;

pub use counts::NodeCounts;

use batchform_batch::{Client, Error, wire};
use batchform_plan::Live;
use batchform_plan::bookkeeping::{self, Bookkeeping};
use batchform_plan::users::{NodeInfo, UsersBook};

use crate::canonical::live::{
    catalog_image, count, live_pool, node_info, split_metadata, users_book,
};

/// The pool properties planning reads.
const POOL_SELECT: &str = "id,eTag,state,allocationState,displayName,vmSize,virtualMachineConfiguration,\
resizeTimeout,resizeErrors,currentDedicatedNodes,currentLowPriorityNodes,targetDedicatedNodes,\
targetLowPriorityNodes,enableAutoScale,autoScaleFormula,autoScaleEvaluationInterval,\
enableInterNodeCommunication,startTask,userAccounts,taskSlotsPerNode,taskSchedulingPolicy,metadata";

/// The node properties planning reads.
const NODE_SELECT: &str = "id,state,runningTasksCount,lastBootTime,allocationTime";

/// The account's pools and image catalog.
pub async fn account(client: &Client) -> Result<Live, Error> {
    let (pools, images) = tokio::try_join!(
        client.list_pools::<wire::Pool>(Some(POOL_SELECT)),
        client.supported_images::<wire::SupportedImage>()
    )?;
    Ok(Live {
        pools: pools.iter().map(live_pool).collect(),
        catalog: images.iter().map(catalog_image).collect(),
    })
}

/// Adds the nodes of the named pools (running tasks and what users need), concurrently.
pub async fn attach_nodes(client: &Client, live: &mut Live, pools: &[String]) -> Result<(), Error> {
    let lists = try_join_all(
        pools
            .iter()
            .map(|id| client.list_nodes::<wire::Node>(id, Some(NODE_SELECT), None)),
    )
    .await?;
    for (id, nodes) in pools.iter().zip(lists) {
        if let Some(pool) = live.pools.iter_mut().find(|p| &p.id == id) {
            pool.running_tasks = Some(
                nodes
                    .iter()
                    .map(|n| n.running_tasks_count.unwrap_or(0).max(0) as u32)
                    .sum(),
            );
            pool.nodes = Some(nodes.iter().map(node_info).collect());
        }
    }
    Ok(())
}

/// One pool's state while applying.
#[derive(Debug, Clone)]
pub struct PoolStatus {
    pub etag: String,
    /// `state == deleting`: going, and refusing every write.
    pub deleting: bool,
    pub steady: bool,
    pub allocation_state: String,
    pub current_dedicated: u32,
    pub current_low_priority: u32,
    pub target_dedicated: u32,
    pub target_low_priority: u32,
    /// `(code, message)` of each resize error.
    pub resize_errors: Vec<(String, String)>,
    pub owner: Option<String>,
    pub config_hash: Option<String>,
    pub users: UsersBook,
    /// The node-user bookkeeping is there but cannot be read.
    pub users_unreadable: bool,
    pub user_metadata: BTreeMap<String, String>,
    /// The user metadata keys other actors set (see [`Bookkeeping::partition`]).
    pub foreign: BTreeMap<String, String>,
    pub book: Bookkeeping,
}

impl PoolStatus {
    pub fn current_nodes(&self) -> u32 {
        self.current_dedicated + self.current_low_priority
    }
    pub fn target_nodes(&self) -> u32 {
        self.target_dedicated + self.target_low_priority
    }
}

/// The pool's state now; `None` once it is gone.
pub async fn pool_status(client: &Client, id: &str) -> Result<Option<PoolStatus>, Error> {
    let found = client.get_pool::<wire::Pool>(id, None).await?;
    Ok(found.map(|(pool, etag)| status(&pool, etag)))
}

fn status(pool: &wire::Pool, etag: Option<String>) -> PoolStatus {
    let (user_metadata, book) = split_metadata(pool);
    PoolStatus {
        etag: etag.or_else(|| pool.e_tag.clone()).unwrap_or_default(),
        deleting: pool.state == Some(wire::PoolState::Deleting),
        steady: matches!(
            pool.allocation_state,
            None | Some(wire::AllocationState::Steady)
        ),
        allocation_state: pool
            .allocation_state
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "steady".into()),
        current_dedicated: count(pool.current_dedicated_nodes),
        current_low_priority: count(pool.current_low_priority_nodes),
        target_dedicated: count(pool.target_dedicated_nodes),
        target_low_priority: count(pool.target_low_priority_nodes),
        resize_errors: pool
            .resize_errors
            .iter()
            .flatten()
            .map(|e| {
                (
                    e.code.clone().unwrap_or_default(),
                    e.message.clone().unwrap_or_default(),
                )
            })
            .collect(),
        owner: book.owner.clone(),
        config_hash: book.other.get(bookkeeping::CONFIG).cloned(),
        users: users_book(&book).unwrap_or_default(),
        users_unreadable: users_book(&book).is_none(),
        foreign: book.partition(user_metadata.clone()).1,
        user_metadata,
        book,
    }
}

/// How many of the pool's nodes are in each state.
pub async fn node_states(client: &Client, id: &str) -> Result<NodeCounts, Error> {
    let nodes = client
        .list_nodes::<wire::Node>(id, Some("id,state"), None)
        .await?;
    Ok(NodeCounts::from_states(nodes.iter().map(|n| {
        n.state.as_ref().map(|s| s.as_str()).unwrap_or("unknown")
    })))
}

/// The pool's nodes as node-user planning needs them.
pub async fn user_nodes(client: &Client, id: &str) -> Result<Vec<NodeInfo>, Error> {
    let nodes = client
        .list_nodes::<wire::Node>(id, Some(NODE_SELECT), None)
        .await?;
    Ok(nodes.iter().map(node_info).collect())
}

//! The live account from the wire: a pool as the planner sees it, its nodes, the image
//! catalog, and batchform's bookkeeping read from pool metadata.

use std::collections::BTreeMap;

use batchform_batch::wire;
use batchform_plan::bookkeeping::{self, Bookkeeping};
use batchform_plan::users::{BOOK, NodeInfo, UsersBook};
use batchform_plan::{CatalogImage, LivePool};

/// A live pool as the planner sees it.
pub fn live_pool(pool: &wire::Pool) -> LivePool {
    let (user_metadata, book) = split_metadata(pool);
    let (managed, foreign) = book.partition(user_metadata);
    let users = users_book(&book);
    let users_unreadable = users.is_none();
    let users = users.unwrap_or_default();
    LivePool {
        id: pool.id.clone().unwrap_or_default(),
        etag: pool.e_tag.clone().unwrap_or_default(),
        deleting: pool.state == Some(wire::PoolState::Deleting),
        steady: matches!(
            pool.allocation_state,
            None | Some(wire::AllocationState::Steady)
        ),
        current_dedicated: count(pool.current_dedicated_nodes),
        current_low_priority: count(pool.current_low_priority_nodes),
        owner: book.owner.clone(),
        config: super::live_config(pool, &book, managed),
        running_tasks: None,
        users,
        users_unreadable,
        kept: book.kept(),
        foreign,
        nodes: None,
    }
}

pub fn split_metadata(pool: &wire::Pool) -> (BTreeMap<String, String>, Bookkeeping) {
    bookkeeping::split(
        pool.metadata
            .iter()
            .flatten()
            .map(|m| (m.name.clone(), m.value.clone())),
    )
}

/// The node-user bookkeeping: empty when there is none, `None` when it cannot be read (then
/// which users the nodes hold is unknown, and planning says so instead of guessing).
pub fn users_book(book: &Bookkeeping) -> Option<UsersBook> {
    match book.other.get(BOOK) {
        None => Some(UsersBook::default()),
        Some(json) => serde_json::from_str(json).ok(),
    }
}

pub fn count(n: Option<i32>) -> u32 {
    n.unwrap_or(0).max(0) as u32
}

pub fn node_info(node: &wire::Node) -> NodeInfo {
    NodeInfo {
        id: node.id.clone().unwrap_or_default(),
        state: node
            .state
            .as_ref()
            .map(|s| s.as_str().to_ascii_lowercase())
            .unwrap_or_default(),
        booted: node.last_boot_time.or(node.allocation_time),
    }
}

pub fn catalog_image(image: &wire::SupportedImage) -> CatalogImage {
    let reference = &image.image_reference;
    CatalogImage {
        publisher: reference.publisher.clone().unwrap_or_default(),
        offer: reference.offer.clone().unwrap_or_default(),
        sku: reference.sku.clone().unwrap_or_default(),
        node_agent_sku: image.node_agent_sku_id.clone(),
        windows: image.os_type == wire::OsType::Windows,
        capabilities: image.capabilities.clone().unwrap_or_default(),
        end_of_life: image.batch_support_end_of_life,
    }
}

//! Account-level listings: the supported images and the node counts of every pool.

use http::StatusCode;
use serde_json::Value;

use super::catalog;
use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::odata::options;
use super::state::State;
use batchform_batch::wire::{NodeCounts, PoolNodeCounts};

/// `GET /supportedimages`.
pub fn supported_images(call: &Call) -> Result<Reply, ApiError> {
    let filter = options::filter(call)?;
    options::max_results(call)?;
    let items = catalog::supported_images()
        .into_iter()
        .enumerate()
        .map(|(i, image)| {
            (
                format!("{i:06}"),
                serde_json::to_value(image).unwrap_or(Value::Null),
            )
        })
        .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v)))
        .collect();
    let page = options::page(call, "supportedimages", items)?;
    Ok(Reply::json(StatusCode::OK, &page))
}

/// `GET /nodecounts`.
pub fn node_counts(call: &Call, st: &State) -> Result<Reply, ApiError> {
    let filter = options::filter(call)?;
    options::max_results(call)?;
    let items = st
        .pools
        .iter()
        .map(|(key, pool)| {
            let (mut dedicated, mut low) = (NodeCounts::default(), NodeCounts::default());
            for node in &pool.nodes {
                if node.dedicated {
                    &mut dedicated
                } else {
                    &mut low
                }
                .add(&node.state());
            }
            let counts = PoolNodeCounts {
                pool_id: pool.id().to_string(),
                dedicated: Some(dedicated),
                low_priority: Some(low),
            };
            (
                key.clone(),
                serde_json::to_value(counts).unwrap_or(Value::Null),
            )
        })
        .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v)))
        .collect();
    let page = options::page(call, "poolnodecounts", items)?;
    Ok(Reply::json(StatusCode::OK, &page))
}

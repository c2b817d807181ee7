//! The route table: one enum names every operation (as the 2025-06-01 operation ids do),
//! so a single match routes a request, labels it for statistics, tells whether it writes,
//! and dispatches it.

use http::Method;

use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::lifecycle::Env;
use super::state::State;
use super::{account, nodes, pools};
use batchform_batch::wire::Timestamp;

/// One operation of the API, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreatePool,
    ListPools,
    GetPool(String),
    PoolExists(String),
    DeletePool(String),
    UpdatePool(String),
    ReplacePoolProperties(String),
    ResizePool(String),
    StopPoolResize(String),
    EnablePoolAutoScale(String),
    DisablePoolAutoScale(String),
    EvaluatePoolAutoScale(String),
    RemoveNodes(String),
    ListNodes(String),
    GetNode(String, String),
    GetNodeRemoteLoginSettings(String, String),
    RebootNode(String, String),
    ReimageNode(String, String),
    CreateNodeUser(String, String),
    ReplaceNodeUser(String, String, String),
    DeleteNodeUser(String, String, String),
    ListSupportedImages,
    ListPoolNodeCounts,
}

impl Op {
    /// Routes a method and decoded path segments; unknown paths are 404 `ResourceNotFound`,
    /// known paths with another method 405 `UnsupportedHttpVerb`.
    pub fn route(method: &Method, segments: &[String], raw_path: &str) -> Result<Op, ApiError> {
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let m = method.as_str();
        let op = match (s.as_slice(), m) {
            (["pools"], "POST") => Op::CreatePool,
            (["pools"], "GET") => Op::ListPools,
            (["pools"], _) => return Err(ApiError::unsupported_verb(m)),
            (["pools", p], "GET") => Op::GetPool(p.to_string()),
            (["pools", p], "HEAD") => Op::PoolExists(p.to_string()),
            (["pools", p], "DELETE") => Op::DeletePool(p.to_string()),
            (["pools", p], "PATCH") => Op::UpdatePool(p.to_string()),
            (["pools", _], _) => return Err(ApiError::unsupported_verb(m)),
            (["pools", p, action], "POST") => match action.to_ascii_lowercase().as_str() {
                "updateproperties" => Op::ReplacePoolProperties(p.to_string()),
                "resize" => Op::ResizePool(p.to_string()),
                "stopresize" => Op::StopPoolResize(p.to_string()),
                "enableautoscale" => Op::EnablePoolAutoScale(p.to_string()),
                "disableautoscale" => Op::DisablePoolAutoScale(p.to_string()),
                "evaluateautoscale" => Op::EvaluatePoolAutoScale(p.to_string()),
                "removenodes" => Op::RemoveNodes(p.to_string()),
                _ => return Err(ApiError::resource_not_found(raw_path)),
            },
            (["pools", p, "nodes"], "GET") => Op::ListNodes(p.to_string()),
            (["pools", p, "nodes", n], "GET") => Op::GetNode(p.to_string(), n.to_string()),
            (["pools", p, "nodes", n, "remoteloginsettings"], "GET") => {
                Op::GetNodeRemoteLoginSettings(p.to_string(), n.to_string())
            }
            (["pools", p, "nodes", n, "reboot"], "POST") => {
                Op::RebootNode(p.to_string(), n.to_string())
            }
            (["pools", p, "nodes", n, "reimage"], "POST") => {
                Op::ReimageNode(p.to_string(), n.to_string())
            }
            (["pools", p, "nodes", n, "users"], "POST") => {
                Op::CreateNodeUser(p.to_string(), n.to_string())
            }
            (["pools", p, "nodes", n, "users", u], "PUT") => {
                Op::ReplaceNodeUser(p.to_string(), n.to_string(), u.to_string())
            }
            (["pools", p, "nodes", n, "users", u], "DELETE") => {
                Op::DeleteNodeUser(p.to_string(), n.to_string(), u.to_string())
            }
            (["supportedimages"], "GET") => Op::ListSupportedImages,
            (["nodecounts"], "GET") => Op::ListPoolNodeCounts,
            (["pools", _, "nodes"], _)
            | (["pools", _, "nodes", _], _)
            | (
                [
                    "pools",
                    _,
                    "nodes",
                    _,
                    "remoteloginsettings" | "reboot" | "reimage" | "users",
                ],
                _,
            )
            | (["pools", _, "nodes", _, "users", _], _)
            | (["supportedimages" | "nodecounts"], _) => return Err(ApiError::unsupported_verb(m)),
            _ => return Err(ApiError::resource_not_found(raw_path)),
        };
        Ok(op)
    }

    /// The operation id, as request statistics report it.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreatePool => "Pools_CreatePool",
            Op::ListPools => "Pools_ListPools",
            Op::GetPool(_) => "Pools_GetPool",
            Op::PoolExists(_) => "Pools_PoolExists",
            Op::DeletePool(_) => "Pools_DeletePool",
            Op::UpdatePool(_) => "Pools_UpdatePool",
            Op::ReplacePoolProperties(_) => "Pools_ReplacePoolProperties",
            Op::ResizePool(_) => "Pools_ResizePool",
            Op::StopPoolResize(_) => "Pools_StopPoolResize",
            Op::EnablePoolAutoScale(_) => "Pools_EnablePoolAutoScale",
            Op::DisablePoolAutoScale(_) => "Pools_DisablePoolAutoScale",
            Op::EvaluatePoolAutoScale(_) => "Pools_EvaluatePoolAutoScale",
            Op::RemoveNodes(_) => "Pools_RemoveNodes",
            Op::ListNodes(_) => "Nodes_ListNodes",
            Op::GetNode(..) => "Nodes_GetNode",
            Op::GetNodeRemoteLoginSettings(..) => "Nodes_GetNodeRemoteLoginSettings",
            Op::RebootNode(..) => "Nodes_RebootNode",
            Op::ReimageNode(..) => "Nodes_ReimageNode",
            Op::CreateNodeUser(..) => "Nodes_CreateNodeUser",
            Op::ReplaceNodeUser(..) => "Nodes_ReplaceNodeUser",
            Op::DeleteNodeUser(..) => "Nodes_DeleteNodeUser",
            Op::ListSupportedImages => "Pools_ListSupportedImages",
            Op::ListPoolNodeCounts => "Pools_ListPoolNodeCounts",
        }
    }

    /// Whether the operation changes state (a lost response then still applies it).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Op::ListPools
                | Op::GetPool(_)
                | Op::PoolExists(_)
                | Op::EvaluatePoolAutoScale(_)
                | Op::ListNodes(_)
                | Op::GetNode(..)
                | Op::GetNodeRemoteLoginSettings(..)
                | Op::ListSupportedImages
                | Op::ListPoolNodeCounts
        )
    }

    /// Runs the operation on the state, at `now`.
    pub fn run(
        &self,
        env: Env<'_>,
        call: &Call,
        st: &mut State,
        now: Timestamp,
    ) -> Result<Reply, ApiError> {
        match self {
            Op::CreatePool => pools::create(env, call, st, now),
            Op::ListPools => pools::list(call, st, now),
            Op::GetPool(p) => pools::get(call, st, now, p),
            Op::PoolExists(p) => pools::exists(call, st, p),
            Op::DeletePool(p) => pools::delete(env, call, st, now, p),
            Op::UpdatePool(p) => pools::update(call, st, now, p),
            Op::ReplacePoolProperties(p) => pools::replace_properties(call, st, now, p),
            Op::ResizePool(p) => pools::resize(env, call, st, now, p),
            Op::StopPoolResize(p) => pools::stop_resize(env, call, st, now, p),
            Op::EnablePoolAutoScale(p) => pools::enable_autoscale(env, call, st, now, p),
            Op::DisablePoolAutoScale(p) => pools::disable_autoscale(call, st, now, p),
            Op::EvaluatePoolAutoScale(p) => pools::evaluate_autoscale(call, st, now, p),
            Op::RemoveNodes(p) => pools::remove_nodes(env, call, st, now, p),
            Op::ListNodes(p) => nodes::list(call, st, p),
            Op::GetNode(p, n) => nodes::get(call, st, p, n),
            Op::GetNodeRemoteLoginSettings(p, n) => nodes::remote_login(st, p, n),
            Op::RebootNode(p, n) => nodes::restart(env, call, st, now, p, n, false),
            Op::ReimageNode(p, n) => nodes::restart(env, call, st, now, p, n, true),
            Op::CreateNodeUser(p, n) => nodes::create_user(call, st, now, p, n),
            Op::ReplaceNodeUser(p, n, u) => nodes::replace_user(call, st, now, p, n, u),
            Op::DeleteNodeUser(p, n, u) => nodes::delete_user(st, p, n, u),
            Op::ListSupportedImages => account::supported_images(call),
            Op::ListPoolNodeCounts => account::node_counts(call, st),
        }
    }
}

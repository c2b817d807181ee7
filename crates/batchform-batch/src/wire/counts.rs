//! Node counts per pool (`GET /nodecounts`). Property names here are camelCase, unlike the
//! lowercase node-state values they count.

use serde::{Deserialize, Serialize};

use super::node::NodeState;

/// `BatchPoolNodeCounts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolNodeCounts {
    pub pool_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedicated: Option<NodeCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_priority: Option<NodeCounts>,
}

/// `BatchNodeCounts`: how many nodes are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeCounts {
    pub creating: i32,
    pub idle: i32,
    pub offline: i32,
    pub preempted: i32,
    pub rebooting: i32,
    pub reimaging: i32,
    pub running: i32,
    pub starting: i32,
    pub start_task_failed: i32,
    pub leaving_pool: i32,
    pub unknown: i32,
    pub unusable: i32,
    pub waiting_for_start_task: i32,
    pub deallocated: i32,
    pub deallocating: i32,
    pub total: i32,
    #[serde(rename = "upgradingOS")]
    pub upgrading_os: i32,
}

impl NodeCounts {
    /// Counts one node in `state` (and in `total`).
    pub fn add(&mut self, state: &NodeState) {
        let slot = match state {
            NodeState::Idle => &mut self.idle,
            NodeState::Rebooting => &mut self.rebooting,
            NodeState::Reimaging => &mut self.reimaging,
            NodeState::Running => &mut self.running,
            NodeState::Unusable => &mut self.unusable,
            NodeState::Creating => &mut self.creating,
            NodeState::Starting => &mut self.starting,
            NodeState::WaitingForStartTask => &mut self.waiting_for_start_task,
            NodeState::StartTaskFailed => &mut self.start_task_failed,
            NodeState::Unknown | NodeState::Other(_) => &mut self.unknown,
            NodeState::LeavingPool => &mut self.leaving_pool,
            NodeState::Offline => &mut self.offline,
            NodeState::Preempted => &mut self.preempted,
            NodeState::UpgradingOs => &mut self.upgrading_os,
            NodeState::Deallocated => &mut self.deallocated,
            NodeState::Deallocating => &mut self.deallocating,
        };
        *slot += 1;
        self.total += 1;
    }
}

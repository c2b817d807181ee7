//! Compute nodes (`BatchNode`) and the shapes nested in them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{NameValuePair, Timestamp};
use super::image::ImageReference;
use super::task::StartTask;

wire_enum! {
    /// `BatchNodeState`.
    pub enum NodeState {
        Idle = "idle",
        Rebooting = "rebooting",
        Reimaging = "reimaging",
        Running = "running",
        Unusable = "unusable",
        Creating = "creating",
        Starting = "starting",
        WaitingForStartTask = "waitingforstarttask",
        StartTaskFailed = "starttaskfailed",
        Unknown = "unknown",
        LeavingPool = "leavingpool",
        Offline = "offline",
        Preempted = "preempted",
        UpgradingOs = "upgradingos",
        Deallocated = "deallocated",
        Deallocating = "deallocating",
    }
}

impl NodeState {
    /// Whether node users can be added, replaced or deleted (the service allows it only on
    /// `idle` and `running` nodes).
    pub fn accepts_users(&self) -> bool {
        matches!(self, NodeState::Idle | NodeState::Running)
    }
}

wire_enum! {
    /// `SchedulingState`.
    pub enum SchedulingState {
        Enabled = "enabled",
        Disabled = "disabled",
    }
}

wire_enum! {
    /// `BatchStartTaskState`.
    pub enum StartTaskState {
        Running = "running",
        Completed = "completed",
    }
}

wire_enum! {
    /// `BatchTaskExecutionResult`.
    pub enum TaskExecutionResult {
        Success = "success",
        Failure = "failure",
    }
}

wire_enum! {
    /// `BatchErrorSourceCategory`.
    pub enum ErrorSourceCategory {
        UserError = "usererror",
        ServerError = "servererror",
    }
}

wire_enum! {
    /// `BatchNodeRebootKind` / `BatchNodeReimageOption`: what happens to running tasks.
    pub enum NodeRestartOption {
        Requeue = "requeue",
        Terminate = "terminate",
        TaskCompletion = "taskcompletion",
        RetainedData = "retaineddata",
    }
}

/// `BatchTaskFailureInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFailureInfo {
    pub category: ErrorSourceCategory,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<NameValuePair>>,
}

/// `BatchStartTaskInfo`: how the start task went on one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTaskInfo {
    pub state: StartTaskState,
    pub start_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_info: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_info: Option<TaskFailureInfo>,
    #[serde(default)]
    pub retry_count: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_retry_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<TaskExecutionResult>,
}

/// `BatchNodeError`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_details: Option<Vec<NameValuePair>>,
}

/// `BatchNodeAgentInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeAgentInfo {
    pub version: String,
    pub last_update_time: Timestamp,
}

/// `VirtualMachineInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualMachineInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_reference: Option<ImageReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_set_vm_resource_id: Option<String>,
}

/// `BatchNode`, as returned by GET and list. Every property is optional because `$select`
/// may leave any of them out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<NodeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_state: Option<SchedulingState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_transition_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_boot_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tasks_run: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_tasks_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_task_slots_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tasks_succeeded: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_dedicated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task_info: Option<StartTaskInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<NodeError>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_agent_info: Option<NodeAgentInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_info: Option<VirtualMachineInfo>,
    /// `recentTasks`, `endpointConfiguration` and anything newer: kept, not modelled.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `BatchNodeRebootOptions`: body of `POST .../nodes/{n}/reboot`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReboot {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_reboot_option: Option<NodeRestartOption>,
}

/// `BatchNodeReimageOptions`: body of `POST .../nodes/{n}/reimage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReimage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_reimage_option: Option<NodeRestartOption>,
}

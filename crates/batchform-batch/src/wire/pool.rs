//! Pools: the GET/list shape, and the bodies of create, patch, replace-properties, resize,
//! autoscale and remove-nodes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{IsoDuration, MetadataItem, NameValuePair, Timestamp};
use super::image::{VirtualMachineConfiguration, VirtualMachineConfigurationUpdate};
use super::task::StartTask;
use super::user::UserAccount;

wire_enum! {
    /// `BatchPoolState`.
    pub enum PoolState {
        Active = "active",
        Deleting = "deleting",
    }
}

wire_enum! {
    /// `AllocationState`: whether the pool is resizing.
    pub enum AllocationState {
        Steady = "steady",
        Resizing = "resizing",
        Stopping = "stopping",
    }
}

wire_enum! {
    /// `BatchNodeDeallocationOption`: what happens to running tasks on nodes a shrink removes.
    pub enum NodeDeallocationOption {
        Requeue = "requeue",
        Terminate = "terminate",
        TaskCompletion = "taskcompletion",
        RetainedData = "retaineddata",
    }
}

wire_enum! {
    /// `BatchNodeFillType`.
    pub enum NodeFillType {
        Spread = "spread",
        Pack = "pack",
    }
}

wire_enum! {
    /// `BatchJobDefaultOrder`.
    pub enum JobDefaultOrder {
        None = "none",
        CreationTime = "creationtime",
    }
}

/// `BatchTaskSchedulingPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSchedulingPolicy {
    pub node_fill_type: NodeFillType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_default_order: Option<JobDefaultOrder>,
}

/// `BatchApplicationPackageReference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationPackageReference {
    pub application_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `ResizeError`: why the last resize did not reach its target (set once the pool is steady).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResizeError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<NameValuePair>>,
}

/// `AutoScaleRunError`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScaleRunError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<NameValuePair>>,
}

/// `AutoScaleRun`: the outcome of the last formula evaluation (also the body returned by
/// `evaluateautoscale`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScaleRun {
    pub timestamp: Timestamp,
    /// `$Name=value` assignments separated by `;`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AutoScaleRunError>,
}

/// `BatchPool`, as returned by GET and list.
///
/// Every property is optional because `$select` may leave any of them out. Passwords in
/// `userAccounts` and container registries are never returned by the service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(rename = "eTag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<PoolState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_transition_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_state: Option<AllocationState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_state_transition_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_configuration: Option<VirtualMachineConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_timeout: Option<IsoDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_errors: Option<Vec<ResizeError>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_dedicated_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_low_priority_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_dedicated_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_low_priority_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_auto_scale: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_formula: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_evaluation_interval: Option<IsoDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_run: Option<AutoScaleRun>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_inter_node_communication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_package_references: Option<Vec<ApplicationPackageReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_slots_per_node: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_scheduling_policy: Option<TaskSchedulingPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_accounts: Option<Vec<UserAccount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<MetadataItem>>,
    /// Only with `$expand=stats`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_policy: Option<Value>,
    /// Properties this version does not model (older or newer API versions).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `BatchPoolCreateOptions`: body of `POST /pools`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolCreate {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub vm_size: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_configuration: Option<VirtualMachineConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_timeout: Option<IsoDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_dedicated_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_low_priority_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_auto_scale: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_formula: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_evaluation_interval: Option<IsoDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_inter_node_communication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_package_references: Option<Vec<ApplicationPackageReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_slots_per_node: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_scheduling_policy: Option<TaskSchedulingPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_accounts: Option<Vec<UserAccount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<MetadataItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_policy: Option<Value>,
    /// Properties this version does not model; kept so nothing a client sends is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `BatchPoolUpdateOptions`: body of `PATCH /pools/{id}`. Properties present replace the
/// pool's; absent ones are left alone. Everything but `startTask`,
/// `applicationPackageReferences` and `metadata` can change only while the pool is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_inter_node_communication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_package_references: Option<Vec<ApplicationPackageReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<MetadataItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_configuration: Option<VirtualMachineConfigurationUpdate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_slots_per_node: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_scheduling_policy: Option<TaskSchedulingPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_accounts: Option<Vec<UserAccount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_policy: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PoolUpdate {
    /// Wire names of the properties present that the service changes only on an empty pool.
    pub fn empty_only_properties(&self) -> Vec<&'static str> {
        let present = [
            ("displayName", self.display_name.is_some()),
            ("vmSize", self.vm_size.is_some()),
            (
                "enableInterNodeCommunication",
                self.enable_inter_node_communication.is_some(),
            ),
            (
                "virtualMachineConfiguration",
                self.virtual_machine_configuration.is_some(),
            ),
            ("taskSlotsPerNode", self.task_slots_per_node.is_some()),
            (
                "taskSchedulingPolicy",
                self.task_scheduling_policy.is_some(),
            ),
            ("networkConfiguration", self.network_configuration.is_some()),
            ("userAccounts", self.user_accounts.is_some()),
            ("mountConfiguration", self.mount_configuration.is_some()),
            ("upgradePolicy", self.upgrade_policy.is_some()),
        ];
        present
            .into_iter()
            .filter(|(_, p)| *p)
            .map(|(name, _)| name)
            .collect()
    }
}

/// `BatchPoolReplaceOptions`: body of `POST /pools/{id}/updateproperties`, a full replace of
/// the start task, application packages and metadata (an omitted start task is removed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolReplaceProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_task: Option<StartTask>,
    pub application_package_references: Vec<ApplicationPackageReference>,
    pub metadata: Vec<MetadataItem>,
}

/// `BatchPoolResizeOptions`: body of `POST /pools/{id}/resize`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolResize {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_dedicated_nodes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_low_priority_nodes: Option<i32>,
    /// Default 15 minutes, at least 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_timeout: Option<IsoDuration>,
    /// Default `requeue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_deallocation_option: Option<NodeDeallocationOption>,
}

/// `BatchPoolEnableAutoScaleOptions`: body of `POST /pools/{id}/enableautoscale`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolEnableAutoScale {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_formula: Option<String>,
    /// Between 5 minutes and 168 hours; default 15 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scale_evaluation_interval: Option<IsoDuration>,
}

/// `BatchPoolEvaluateAutoScaleOptions`: body of `POST /pools/{id}/evaluateautoscale`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolEvaluateAutoScale {
    pub auto_scale_formula: String,
}

/// `BatchNodeRemoveOptions`: body of `POST /pools/{id}/removenodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRemove {
    pub node_list: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_timeout: Option<IsoDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_deallocation_option: Option<NodeDeallocationOption>,
}

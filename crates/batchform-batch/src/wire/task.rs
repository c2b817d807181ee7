//! The pool's start task (`BatchStartTask`) and what it runs as.

use serde::{Deserialize, Serialize};

use super::image::ContainerRegistry;
use super::user::ElevationLevel;

/// `BatchStartTask`: runs on every node as it joins the pool or restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTask {
    pub command_line: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_settings: Option<TaskContainerSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_files: Option<Vec<ResourceFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_settings: Option<Vec<EnvironmentSetting>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity: Option<UserIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_task_retry_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_success: Option<bool>,
    /// Properties this version does not model, kept so nothing a client sends is lost.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `EnvironmentSetting`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentSetting {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `UserIdentity`: a named pool user account, or an auto-user; the two are exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_user: Option<AutoUserSpecification>,
}

/// `AutoUserSpecification`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoUserSpecification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<AutoUserScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevation_level: Option<ElevationLevel>,
}

wire_enum! {
    /// `AutoUserScope`.
    pub enum AutoUserScope {
        Task = "task",
        Pool = "pool",
    }
}

/// `ResourceFile`: a file downloaded to the node before the task runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_storage_container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_container_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_reference: Option<super::image::NodeIdentityReference>,
}

/// `BatchTaskContainerSettings`: run the start task inside a container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskContainerSettings {
    pub image_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_run_options: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<ContainerRegistry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<ContainerWorkingDirectory>,
    /// `containerHostBatchBindMounts`, not modelled.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

wire_enum! {
    /// `ContainerWorkingDirectory` (mixed case in the spec, kept as is).
    pub enum ContainerWorkingDirectory {
        TaskWorkingDirectory = "taskWorkingDirectory",
        ContainerImageDefault = "containerImageDefault",
    }
}

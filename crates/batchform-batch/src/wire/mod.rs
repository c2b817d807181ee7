//! Serde types for the Batch REST API 2025-06-01 wire format, named and spelled as the
//! service spells them (`nodeAgentSKUId`, `eTag`, `odata.nextLink`). Enums emit the spec's
//! values (lowercase for multi-word members) and read any casing; unknown values are kept.

#[macro_use]
mod macros;

pub mod common;
pub mod counts;
pub mod error;
pub mod image;
pub mod list;
pub mod node;
pub mod pool;
pub mod task;
pub mod user;

#[cfg(test)]
mod examples;

pub use common::{IsoDuration, IsoDurationError, MetadataItem, NameValuePair, Timestamp};
pub use counts::{NodeCounts, PoolNodeCounts};
pub use error::{BatchError, ErrorDetail, ErrorMessage};
pub use image::{
    ContainerConfiguration, ContainerRegistry, ContainerType, ImageReference,
    ImageVerificationType, NodeAgentSku, NodeIdentityReference, OsType, SupportedImage,
    VirtualMachineConfiguration, VirtualMachineConfigurationUpdate, WindowsConfiguration,
};
pub use list::ListResponse;
pub use node::{
    ErrorSourceCategory, Node, NodeAgentInfo, NodeError, NodeReboot, NodeReimage,
    NodeRestartOption, NodeState, SchedulingState, StartTaskInfo, StartTaskState,
    TaskExecutionResult, TaskFailureInfo, VirtualMachineInfo,
};
pub use pool::{
    AllocationState, ApplicationPackageReference, AutoScaleRun, AutoScaleRunError, JobDefaultOrder,
    NodeDeallocationOption, NodeFillType, NodeRemove, Pool, PoolCreate, PoolEnableAutoScale,
    PoolEvaluateAutoScale, PoolReplaceProperties, PoolResize, PoolState, PoolUpdate, ResizeError,
    TaskSchedulingPolicy,
};
pub use task::{
    AutoUserScope, AutoUserSpecification, ContainerWorkingDirectory, EnvironmentSetting,
    ResourceFile, StartTask, TaskContainerSettings, UserIdentity,
};
pub use user::{
    ElevationLevel, LinuxUserConfiguration, LoginMode, NodeUserCreate, NodeUserReplace,
    RemoteLoginSettings, UserAccount, WindowsUserConfiguration,
};

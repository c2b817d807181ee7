//! Plan files (`plan --out FILE`, `apply FILE`): the plan, what it was made against, and where
//! its secrets come from — references, never values.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::Plan;

/// The version of the plan-file format.
pub const FILE_FORMAT: &str = "batchform-plan/1";

/// A saved plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub batchform_version: String,
    pub created: DateTime<Utc>,
    /// The account endpoint the plan was made against (`embedded emulator` for the default).
    pub endpoint: String,
    pub owner: String,
    /// Every pool the plan was made against, with its ETag: a pool that changed, appeared or
    /// vanished since makes the plan stale.
    pub observed: Vec<Observed>,
    /// Where apply reads each secret it must send.
    pub secrets: Vec<SecretSource>,
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub pool: String,
    pub etag: String,
}

/// One secret apply needs: for which pool and what, and where to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretSource {
    pub pool: String,
    pub key: String,
    pub from: Source,
}

/// Where a value comes from. `Value` is only for what is not secret (an inline SSH public key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Env(String),
    File(PathBuf),
    Value(String),
}

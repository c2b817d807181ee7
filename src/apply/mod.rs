//! Carrying out a plan: the plan's steps as ordered REST calls, independent pools concurrently,
//! waiting on the service's asynchronous states, and checking that the result is real.

pub mod executor;
pub mod progress;
pub mod users;
pub mod wait;

use std::time::Duration;

use batchform_batch::Client;

use crate::secrets::Secrets;
use progress::Progress;
use wait::Backoff;

/// Why a pool's apply failed, said so that the next move is clear.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "pool {0} changed since the plan was made (its ETag no longer matches); nothing more was done to it: run `batchform plan` again"
    )]
    Stale(String),
    #[error("pool {pool}: {detail}")]
    Conflict { pool: String, detail: String },
    #[error("pool {0} disappeared while it was being applied")]
    Vanished(String),
    #[error(
        "pool {pool}: the resize ended with {current} of {target} nodes: {}",
        describe(errors)
    )]
    ResizeFailed {
        pool: String,
        current: u32,
        target: u32,
        errors: Vec<(String, String)>,
    },
    #[error(
        "pool {pool}: nodes did not come up usable ({states}); see the nodes' start task output and errors"
    )]
    NodesFailed { pool: String, states: String },
    #[error("pool {pool}: gave up after {} waiting for {waiting_for}; the service is still working on it: run `batchform apply` again later to finish", humantime::format_duration(*after))]
    TimedOut {
        pool: String,
        waiting_for: String,
        after: Duration,
    },
    #[error("{0}")]
    Secret(String),
    #[error(transparent)]
    Service(Box<batchform_batch::Error>),
    #[error("internal error: {0}")]
    Internal(String),
}

/// How an apply runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long one pool's wait on the service (a resize, a deletion, nodes starting) may take.
    pub timeout: Duration,
    pub backoff: Backoff,
    /// Stop a resize found running instead of waiting for it, when re-planning.
    pub stop_pending_resize: bool,
}

/// Everything the pools' tasks share.
pub struct Shared {
    pub client: Client,
    pub owner: String,
    pub secrets: Secrets,
    pub progress: Progress,
    pub options: Options,
}

impl ApplyError {
    /// A failed write to pool `id`: a 412 means the pool changed since it was read.
    pub fn of_write(id: &str, error: batchform_batch::Error) -> Self {
        if error.is_stale() {
            ApplyError::Stale(id.to_string())
        } else {
            ApplyError::from(error)
        }
    }

    /// Whether a write may have happened although it failed: look, and plan again.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, ApplyError::Service(e) if e.is_ambiguous())
    }
}

fn describe(errors: &[(String, String)]) -> String {
    errors
        .iter()
        .map(|(code, message)| format!("{code}: {message}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<batchform_batch::Error> for ApplyError {
    fn from(error: batchform_batch::Error) -> Self {
        ApplyError::Service(Box::new(error))
    }
}

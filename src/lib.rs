//! batchform keeps Azure Batch pools the way a TOML file says they should be.
//!
//! The data flow is `batchform_spec` (load the desired state) → `observe` (read the live
//! account through `batchform_batch`) → `batchform_plan` (a pure diff) → `render` or `apply`.
//! `canonical` converts the spec and the wire to the planner's configuration and back, and
//! `secrets` holds the values behind the spec's references. `batchform_emulator` serves the
//! Batch REST API locally so that all of it runs, and is tested, without an Azure account.
//! See ARCHITECTURE.md for the map and the rules.

pub mod apply;
pub mod canonical;
pub mod cli;
pub mod commands;
pub mod observe;
pub mod render;
pub mod secrets;

/// How a command ended, as the process exit code (`terraform plan -detailed-exitcode` style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success, and nothing to change.
    Success = 0,
    /// An error, or an invalid input.
    Failure = 1,
    /// Success, and changes are pending (only with `--detailed-exitcode`).
    Changes = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

//! The command line: every command and flag, documented where it is defined (this becomes `--help`).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Declarative reconciler for Azure Batch pools.
///
/// A TOML file describes each pool; `plan` shows what would change in the Batch account and
/// how, `apply` makes the account match. The account is `[account] endpoint` in the spec or
/// AZURE_BATCH_ENDPOINT; `emulator` names the local emulator of the Batch service.
#[derive(Debug, Parser)]
#[command(name = "batchform", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check spec files offline: syntax, types, unknown keys and every validation rule.
    Validate(ValidateArgs),
    /// Print the JSON Schema (draft-07) of the spec format, for editors and CI.
    Schema,
    /// Show what `apply` would change in the Batch account, how, and at what cost.
    Plan(PlanArgs),
    /// Make the Batch account match the spec (or carry out a saved plan file).
    Apply(ApplyArgs),
    /// Print each node's login address: SSH on Linux, RDP on Windows.
    Logins(LoginsArgs),
    /// Serve a local emulator of the Azure Batch REST API until interrupted.
    Emulator(EmulatorArgs),
    /// List the images and node agent SKUs the account supports now (the service's catalog).
    Images(ImagesArgs),
    /// Print the account's pools as a spec (all, or those named), to adopt or to review.
    Export(ExportArgs),
    /// Delete the spec's pools that this owner owns, and wait until they are gone.
    Destroy(DestroyArgs),
    /// Print a shell completion script: `batchform completions bash > /etc/bash_completion.d/batchform`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OsFamily {
    Linux,
    Windows,
}

#[derive(Debug, clap::Args)]
pub struct ImagesArgs {
    /// Only images of this OS.
    #[arg(long)]
    pub os: Option<OsFamily>,
    /// Only images with this capability, e.g. `DockerCompatible` (case does not matter).
    #[arg(long, value_name = "NAME")]
    pub capability: Option<String>,
    /// Only images for this node agent SKU, e.g. `batch.node.ubuntu 22.04`.
    #[arg(long, value_name = "SKU")]
    pub agent: Option<String>,
    /// How to print them.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiagnosticFormat,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Pools to export; all of the account's when none is named.
    pub pools: Vec<String>,
    /// The owner id of the spec written (`[account] owner`): pools without one get `adopt = true`.
    #[arg(long)]
    pub owner: String,
    /// Write one file per pool into DIR (and the schema beside them) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    /// Spec files or directories: their pools are deleted (protected ones, and pools this
    /// owner does not own, are listed and left).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Delete without asking. Needed when there is no terminal.
    #[arg(long)]
    pub auto_approve: bool,
    /// How long to wait on the service for one pool to be gone.
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Only this pool of the spec (repeat for more).
    #[arg(long, value_name = "POOL")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

/// Where the account is and how hard to push it.
#[derive(Debug, clap::Args)]
pub struct AccountArgs {
    /// Requests in flight at once, across all pools and nodes.
    #[arg(long, default_value_t = batchform_batch::DEFAULT_PARALLELISM, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub parallelism: usize,
}

/// How a plan is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// For terminals: Terraform's markers, changed fields only, strategy and cost.
    #[default]
    Text,
    /// For pull-request comments: a summary table and a section per pool with a diff.
    Markdown,
    /// For pipelines: the plan as JSON (see the README for its fields).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Spec files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t)]
    pub format: PlanFormat,
    /// Also write the plan to FILE, for `batchform apply FILE` (no secret is written).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also show each changed pool as a unified diff of its canonical TOML (text format).
    #[arg(long)]
    pub diff: bool,
    /// Name the nodes each node-user change touches, not only count them (text format).
    #[arg(long)]
    pub show_nodes: bool,
    /// Stop a resize still running on a pool that must be resized or updated, instead of
    /// waiting for it to finish (like Terraform's `stop_pending_resize_operation`).
    #[arg(long)]
    pub stop_pending_resize: bool,
    /// Only this pool (repeat for more): the others are not planned, their secrets not read,
    /// and their planning errors do not block it (the spec as a whole must still be valid).
    #[arg(long, value_name = "POOL")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Spec files or directories, or one plan file written by `plan --out`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Apply without asking. Needed when there is no terminal, unless applying a plan file.
    #[arg(long)]
    pub auto_approve: bool,
    /// How long to wait on the service for one pool (resizes, deletions, nodes starting).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Stop a resize still running on a pool that must be resized or updated, instead of
    /// waiting for it to finish (like Terraform's `stop_pending_resize_operation`).
    #[arg(long)]
    pub stop_pending_resize: bool,
    /// Only this pool (repeat for more): the others are not planned, their secrets not read,
    /// and their planning errors do not block it (the spec as a whole must still be valid).
    #[arg(long, value_name = "POOL")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Debug, clap::Args)]
pub struct LoginsArgs {
    /// Spec files or directories (for the account).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// How to print them.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiagnosticFormat,
    #[command(flatten)]
    pub account: AccountArgs,
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Human-readable, with the offending line and a caret.
    #[default]
    Text,
    /// One JSON document, for CI annotations and editors.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Spec files or directories. Each is checked as a spec of its own; the `*.toml` files
    /// below a directory form one spec together. A recursive glob (`examples/**`) checks each
    /// file it names.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiagnosticFormat,
    /// Also read every secret the spec refers to (`{ env = ... }`, `{ file = ... }`) and report
    /// those that are missing. Off by default: checking a spec does not need its secrets.
    #[arg(long)]
    pub secrets: bool,
}

#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback only unless you mean it); port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: String,
    /// Persist the emulator's state to this file (default: in memory only).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Batch account name served.
    #[arg(long, default_value = batchform_emulator::DEV_ACCOUNT)]
    pub account: String,
    /// Base64 account key for Shared Key authentication.
    #[arg(long, default_value = batchform_emulator::DEV_KEY)]
    pub key: String,
    /// Also accept `Authorization: Bearer <TOKEN>` (the Microsoft Entra ID path).
    #[arg(long)]
    pub token: Option<String>,
    /// Latency added to every API request, e.g. `25ms`.
    #[arg(long, default_value = "0s")]
    pub latency: humantime::Duration,
    /// Share of API requests that fail (429, 503, 500, dropped connections, lost responses), 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    pub faults: f64,
    /// Seed for the fault sequence: the same seed and requests fail the same way.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Length of each lifecycle phase (creating, starting, leaving, deleting, ...).
    #[arg(long, default_value = "1s")]
    pub phase: humantime::Duration,
    /// Dedicated cores the account may use across all pools (default: 20000).
    #[arg(long)]
    pub core_quota: Option<u32>,
    /// Low-priority cores the account may use across all pools (default: 20000).
    #[arg(long)]
    pub low_priority_core_quota: Option<u32>,
}

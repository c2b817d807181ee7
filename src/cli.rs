//! The command line: every command and flag, documented where it is defined (this becomes `--help`).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::Exit;

/// Declarative reconciler for Azure Batch pools.
///
/// A TOML file describes each pool; `plan` shows what would change in the Batch account and
/// how, `apply` makes the account match. With no account endpoint configured, batchform uses
/// a local emulator of the Batch service.
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
    /// Serve a local emulator of the Azure Batch REST API until interrupted.
    Emulator(EmulatorArgs),
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
    /// below a directory form one spec together.
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
    #[arg(long, default_value = crate::emulator::DEV_ACCOUNT)]
    pub account: String,
    /// Base64 account key for Shared Key authentication.
    #[arg(long, default_value = crate::emulator::DEV_KEY)]
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
    /// Dedicated cores the account may use across all pools (default: unlimited).
    #[arg(long)]
    pub core_quota: Option<u32>,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => crate::spec::command::validate(&args),
        Command::Schema => crate::spec::command::schema(),
        Command::Emulator(args) => crate::emulator::command::serve(&args),
    }
}

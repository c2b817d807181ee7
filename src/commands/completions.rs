//! `batchform completions SHELL`: a completion script generated from the same clap definitions
//! as `--help`, so the two cannot disagree.

use std::io::Write;

use clap::CommandFactory;

use crate::Exit;
use crate::cli::{Cli, CompletionsArgs};

pub fn print(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut command = Cli::command();
    // Generated in memory: written to a closed pipe, the generator would panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "batchform", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(Exit::Success)
}

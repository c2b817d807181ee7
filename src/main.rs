//! The `batchform` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = batchform::cli::Cli::parse();
    match batchform::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            batchform::Exit::Failure.into()
        }
    }
}

//! The `emulator` command: start the server, print where it is, serve until interrupted.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;

use crate::Exit;
use crate::cli::EmulatorArgs;
use batchform_emulator::{Config, Connections, Faults, Quota, Timings};

/// The configuration the command line describes.
pub fn config(args: &EmulatorArgs) -> anyhow::Result<Config> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {}: expected an address such as 127.0.0.1:8765",
            args.listen
        )
    })?;
    if !(0.0..=1.0).contains(&args.faults) {
        anyhow::bail!("--faults {}: expected a rate between 0 and 1", args.faults);
    }
    Ok(Config {
        listen,
        account: args.account.clone(),
        key: args.key.clone(),
        token: args.token.clone(),
        state_file: args.state.clone(),
        timings: Timings::uniform(args.phase.into()),
        latency: args.latency.into(),
        faults: Faults {
            rate: args.faults,
            seed: args.seed,
            ..Faults::default()
        },
        quota: Quota {
            dedicated: args.core_quota.unwrap_or(Quota::default().dedicated),
            low_priority: args
                .low_priority_core_quota
                .unwrap_or(Quota::default().low_priority),
        },
        connections: Connections::default(),
    })
}

/// `batchform emulator`
pub fn serve(args: &EmulatorArgs) -> anyhow::Result<Exit> {
    let config = config(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let handle = batchform_emulator::start(config).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "batchform emulator: Azure Batch REST API 2025-06-01")?;
        writeln!(
            out,
            "  endpoint: {}",
            handle.endpoint().as_str().trim_end_matches('/')
        )?;
        writeln!(out, "  account:  {}", handle.account())?;
        writeln!(out, "  key:      {}", handle.key())?;
        out.flush()?;
        drop(out);
        interrupted().await?;
        handle.shutdown().await;
        Ok(Exit::Success)
    })
}

/// Resolves on SIGINT or (on Unix) SIGTERM.
async fn interrupted() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot listen for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT"),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("cannot listen for Ctrl-C")
    }
}

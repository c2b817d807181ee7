//! `batchform logins`: each node's login address — SSH on Linux, RDP on Windows — from the
//! remote login settings API, as a table or JSON.

use std::io::Write;

use futures_util::future::join_all;
use serde::Serialize;

use super::session::Session;
use crate::Exit;
use crate::batch::wire;
use crate::cli::{DiagnosticFormat, LoginsArgs};

#[derive(Debug, Serialize)]
struct Login {
    pool: String,
    node: String,
    state: String,
    protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<i64>,
}

pub fn run(args: &LoginsArgs) -> anyhow::Result<Exit> {
    let Some(spec) = super::load(&args.paths) else {
        return Ok(Exit::Failure);
    };
    let pools: Vec<(String, bool)> = spec
        .pools
        .iter()
        .filter(|(id, _)| {
            args.pool
                .as_ref()
                .is_none_or(|p| p.eq_ignore_ascii_case(id))
        })
        .map(|(id, pool)| (id.clone(), pool.is_windows()))
        .collect();
    if pools.is_empty() {
        anyhow::bail!(
            "no pool {} in the spec",
            args.pool.as_deref().unwrap_or_default()
        );
    }
    super::runtime()?.block_on(async {
        let session = Session::open(&spec.account, args.account.parallelism).await?;
        let logins = logins(&session, &pools).await;
        session.close().await?;
        let logins = logins?;
        let mut out = std::io::stdout().lock();
        match args.format {
            DiagnosticFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&logins)?)?,
            DiagnosticFormat::Text => {
                writeln!(out, "{:<20} {:<36} {:<20} ADDRESS", "POOL", "NODE", "STATE")?;
                for login in &logins {
                    let address = match (&login.address, login.port) {
                        (Some(ip), Some(port)) if login.protocol == "ssh" => {
                            format!("ssh -p {port} <user>@{ip}")
                        }
                        (Some(ip), Some(port)) => format!("rdp://{ip}:{port}"),
                        _ => "(not ready)".to_string(),
                    };
                    writeln!(
                        out,
                        "{:<20} {:<36} {:<20} {address}",
                        login.pool, login.node, login.state
                    )?;
                }
            }
        }
        Ok(Exit::Success)
    })
}

async fn logins(session: &Session, pools: &[(String, bool)]) -> anyhow::Result<Vec<Login>> {
    let client = &session.client;
    let mut logins = Vec::new();
    for (pool, windows) in pools {
        let nodes = match client
            .list_nodes::<wire::Node>(pool, Some("id,state"), None)
            .await
        {
            Ok(nodes) => nodes,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e.into()),
        };
        let settings = join_all(nodes.iter().map(|node| async move {
            let id = node.id.clone().unwrap_or_default();
            client
                .remote_login_settings::<wire::RemoteLoginSettings>(pool, &id)
                .await
                .ok()
        }))
        .await;
        for (node, settings) in nodes.iter().zip(settings) {
            logins.push(Login {
                pool: pool.clone(),
                node: node.id.clone().unwrap_or_default(),
                state: node
                    .state
                    .as_ref()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                protocol: if *windows { "rdp" } else { "ssh" },
                address: settings.as_ref().map(|s| s.remote_login_ip_address.clone()),
                port: settings.as_ref().map(|s| s.remote_login_port as i64),
            });
        }
    }
    Ok(logins)
}

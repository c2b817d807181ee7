//! `batchform logins`: each node's login address — SSH on Linux, RDP on Windows — from the
//! remote login settings API, as a table or JSON.

use std::io::Write;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde::Serialize;

use super::session::Session;
use crate::Exit;
use crate::cli::{DiagnosticFormat, LoginsArgs};
use batchform_batch::wire;

#[derive(Debug, Serialize)]
struct Login {
    pool: String,
    node: String,
    state: String,
    protocol: &'static str,
    /// The spec's login user for the pool (its first admin, else its first user), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<i64>,
}

pub fn run(args: &LoginsArgs) -> anyhow::Result<Exit> {
    // Login addresses need no secret of the spec.
    let Some(spec) = super::load(&args.paths, false) else {
        return Ok(Exit::Failure);
    };
    let pools: Vec<Target> = spec
        .pools
        .iter()
        .filter(|(id, _)| {
            args.pool
                .as_ref()
                .is_none_or(|p| p.eq_ignore_ascii_case(id))
        })
        .map(|(id, pool)| Target {
            pool: id.clone(),
            windows: pool.is_windows(),
            user: login_user(&pool.users),
        })
        .collect();
    if pools.is_empty() {
        let known: Vec<&str> = spec.pools.keys().map(String::as_str).collect();
        match &args.pool {
            Some(pool) if !known.is_empty() => anyhow::bail!(
                "no pool `{pool}` in the spec; it names: {}. Pass one of them to --pool",
                known.join(", ")
            ),
            _ => anyhow::bail!("the spec names no pool; add one as [pools.<id>]"),
        }
    }
    super::runtime()?.block_on(async {
        let session = Session::open(&spec.account, args.account.parallelism).await?;
        let logins = logins(&session, &pools).await;
        session.close().await?;
        let (logins, missing) = logins?;
        let mut out = std::io::stdout().lock();
        match args.format {
            DiagnosticFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&logins)?)?,
            DiagnosticFormat::Text => {
                writeln!(out, "{:<20} {:<36} {:<20} ADDRESS", "POOL", "NODE", "STATE")?;
                for target in &pools {
                    if missing.contains(&target.pool) {
                        eprintln!(
                            "pool {} is not in the account; `batchform apply` creates it",
                            target.pool
                        );
                    } else if !logins.iter().any(|login| login.pool == target.pool) {
                        eprintln!("pool {} has no nodes yet", target.pool);
                    }
                }
                for login in &logins {
                    let address = match (&login.address, login.port) {
                        (Some(ip), Some(port)) if login.protocol == "ssh" => {
                            let user = login.user.as_deref().unwrap_or("<user>");
                            format!("ssh -p {port} {user}@{ip}")
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

/// A pool whose logins are listed.
struct Target {
    pool: String,
    windows: bool,
    user: Option<String>,
}

/// The user a person most likely logs in as: the first admin, else the first user.
fn login_user(users: &std::collections::BTreeMap<String, batchform_spec::User>) -> Option<String> {
    users
        .iter()
        .find(|(_, user)| user.admin)
        .or_else(|| users.iter().next())
        .map(|(name, _)| name.clone())
}

/// Every node's login of the pools, and the pools the account does not have.
async fn logins(session: &Session, pools: &[Target]) -> anyhow::Result<(Vec<Login>, Vec<String>)> {
    let client = &session.client;
    let mut logins = Vec::new();
    let mut missing = Vec::new();
    for Target {
        pool,
        windows,
        user,
    } in pools
    {
        let nodes = match client
            .list_nodes::<wire::Node>(pool, Some("id,state"), None)
            .await
        {
            Ok(nodes) => nodes,
            Err(e) if e.is_not_found() => {
                missing.push(pool.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let settings = join_all(nodes.iter().map(|node| async move {
            let id = node.id.clone().unwrap_or_default();
            match client
                .remote_login_settings::<wire::RemoteLoginSettings>(pool, &id)
                .await
            {
                Ok(settings) => Ok(Some(settings)),
                // A node still being created has no endpoint yet (409), one gone has none (404).
                Err(e) if e.is_not_found() || e.status() == Some(StatusCode::CONFLICT) => Ok(None),
                Err(e) => Err(e),
            }
        }))
        .await;
        for (node, settings) in nodes.iter().zip(settings) {
            let settings = settings?;
            logins.push(Login {
                pool: pool.clone(),
                node: node.id.clone().unwrap_or_default(),
                state: node
                    .state
                    .as_ref()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                protocol: if *windows { "rdp" } else { "ssh" },
                user: user.clone(),
                address: settings.as_ref().map(|s| s.remote_login_ip_address.clone()),
                port: settings.as_ref().map(|s| s.remote_login_port as i64),
            });
        }
    }
    Ok((logins, missing))
}

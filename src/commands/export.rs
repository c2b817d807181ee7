//! `batchform export [POOL]...`: the account's pools as spec TOML, every property batchform
//! manages, write-only values as `{ env = ... }` references; pools with no owner get
//! `adopt = true`, so export, set the secrets, apply changes nothing but ownership.

use std::io::Write;

use anyhow::{Context, bail};
use batchform_batch::wire;

use super::session::Session;
use crate::Exit;
use crate::canonical::live::live_pool;
use crate::cli::ExportArgs;
use crate::render::spec;

pub fn run(args: &ExportArgs) -> anyhow::Result<Exit> {
    if args.owner.trim().is_empty()
        || args.owner.chars().any(char::is_whitespace)
        || args.owner.chars().count() > 64
    {
        bail!(
            "--owner must be an owner id of 1-64 characters without whitespace, e.g. --owner team-render"
        );
    }
    super::runtime()?.block_on(async {
        let session = Session::open(&Default::default(), args.account.parallelism).await?;
        let result = export(args, &session).await;
        session.close().await?;
        result
    })
}

async fn export(args: &ExportArgs, session: &Session) -> anyhow::Result<Exit> {
    let pools: Vec<wire::Pool> = session.client.list_pools(None).await?;
    let mut chosen: Vec<&wire::Pool> = Vec::new();
    for name in &args.pools {
        match pools.iter().find(|p| {
            p.id.as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(name))
        }) {
            // Named twice is written once.
            Some(pool) if chosen.iter().any(|c| c.id == pool.id) => {}
            Some(pool) => chosen.push(pool),
            None => bail!(
                "no pool `{name}` in the account; it has: {}",
                pools
                    .iter()
                    .filter_map(|p| p.id.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    let everything = args.pools.is_empty();
    if everything {
        chosen = pools.iter().collect();
    }
    let mut files = Vec::new();
    let mut names = spec::Names::default();
    for pool in chosen {
        let live = live_pool(pool);
        match &live.owner {
            Some(owner) if owner != &args.owner => {
                if !everything {
                    bail!(
                        "pool `{}` belongs to owner `{owner}`: a spec of `{}` can never manage it",
                        live.id,
                        args.owner
                    );
                }
                eprintln!("skipped pool {}: it belongs to owner `{owner}`", live.id);
                continue;
            }
            _ => {}
        }
        if live.deleting {
            eprintln!("skipped pool {}: it is being deleted", live.id);
            continue;
        }
        let text = spec::pool(&live.id, &live.config, live.owner.is_none(), &mut names);
        files.push((live.id.clone(), text));
    }
    let header = spec::header(&args.owner, &session.account.endpoint);
    match &args.out {
        None => {
            let mut out = header;
            for (_, text) in &files {
                out.push_str(text);
            }
            std::io::stdout().lock().write_all(out.as_bytes())?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            // One file holds the account; each pool has its own, as in examples/multi-pool.
            let write = |name: &str, text: &str| {
                let path = dir.join(name);
                std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
            };
            write("account.toml", &header)?;
            write("batchform.schema.json", &batchform_spec::schema::render())?;
            for (id, text) in &files {
                // `account.toml` holds the account, whatever the pools are called.
                let file = if id.eq_ignore_ascii_case("account") {
                    format!("pool-{id}.toml")
                } else {
                    format!("{id}.toml")
                };
                write(&file, &format!("#:schema batchform.schema.json\n{text}"))?;
            }
            eprintln!(
                "Wrote {} pool file(s) and account.toml to {}.",
                files.len(),
                dir.display()
            );
        }
    }
    Ok(Exit::Success)
}

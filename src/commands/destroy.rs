//! `batchform destroy PATHS`: delete the spec's pools that this owner owns and wait until they
//! are gone. The planner decides, as for pruning: a protected pool is refused and left, a pool
//! this owner does not own is listed and left; nothing else in the account is looked at.

use std::io::IsTerminal;

use anyhow::bail;
use batchform_plan::Action;

use super::Scope;
use super::session::Session;
use crate::apply::Options;
use crate::apply::wait::Backoff;
use crate::cli::DestroyArgs;
use crate::{Exit, render};

pub fn run(args: &DestroyArgs) -> anyhow::Result<Exit> {
    // Deleting reads no secret.
    let Some(spec) = super::load(&args.paths, false) else {
        return Ok(Exit::Failure);
    };
    if !args.auto_approve && !std::io::stdin().is_terminal() {
        bail!("destroy needs --auto-approve when it cannot ask (no terminal)");
    }
    super::runtime()?.block_on(async {
        let session = Session::open(&spec.account, args.account.parallelism).await?;
        let result = destroy(args, &session, &spec).await;
        session.close().await?;
        result
    })
}

async fn destroy(
    args: &DestroyArgs,
    session: &Session,
    spec: &batchform_spec::Spec,
) -> anyhow::Result<Exit> {
    let scope = Scope {
        targets: args.target.clone(),
        destroy: true,
        ..Scope::default()
    };
    for target in &args.target {
        if !spec.pools.keys().any(|id| id.eq_ignore_ascii_case(target)) {
            bail!(
                "--target {target}: no such pool in the spec; destroy deletes only the spec's pools\n  hint: the spec names {}",
                spec.pools.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    let mut planned = super::make_plan(spec, session, &scope).await?;
    let options = render::text::Options {
        color: super::color(&std::io::stdout()),
        diff: false,
        nodes: false,
    };
    // Protected pools are refused by the planner; they are said and left, the others go.
    let refused = std::mem::take(&mut planned.plan.errors);
    print!("{}", render::text::render(&planned.plan, options));
    for error in &refused {
        eprintln!(
            "left alone: pool {} is protected\n  hint: set `protect = false` on it in the spec and apply, then destroy",
            error.pool
        );
    }
    let deletes = planned
        .plan
        .pools
        .iter()
        .filter(|p| p.action == Action::Delete)
        .count();
    if deletes > 0 && !args.auto_approve && !super::apply::confirm()? {
        println!("Destroy cancelled.");
        return Ok(Exit::Failure);
    }
    let options = Options {
        timeout: args.timeout,
        backoff: Backoff::default(),
        stop_pending_resize: false,
    };
    let exit = super::apply::execute(session, planned, options).await?;
    Ok(if refused.is_empty() {
        exit
    } else {
        Exit::Failure
    })
}

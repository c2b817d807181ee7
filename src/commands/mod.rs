//! The commands, one file each, and [`run`], which dispatches a parsed command line. Thin: the
//! account commands (`plan`, `apply`, `logins`) load the spec, open a session, and hand over to
//! `observe`, the planner, `render` and `apply`.

pub mod apply;
pub mod completions;
pub mod destroy;
pub mod emulator;
pub mod export;
pub mod images;
pub mod logins;
pub mod plan;
pub mod session;
pub mod validate;

use std::io::IsTerminal;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::Exit;
use crate::cli::{Cli, Command};

use crate::secrets::Secrets;
use batchform_plan::file::{FileDigest, Observed};
use batchform_plan::{Live, Plan};
use batchform_spec::{self as spec, Diagnostic, LoadOptions};
use session::Session;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate::validate(&args),
        Command::Schema => validate::schema(),
        Command::Plan(args) => plan::run(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Logins(args) => logins::run(&args),
        Command::Emulator(args) => emulator::serve(&args),
        Command::Images(args) => images::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Destroy(args) => destroy::run(&args),
        Command::Completions(args) => completions::print(&args),
    }
}

/// A runtime for one command: two workers suffice, the work is waiting on the network.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Colour for a person at a terminal who has not asked for none.
pub(crate) fn color(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stream.is_terminal()
}

/// Loads a whole spec (it must name its owner), with its secrets when `secrets`; on errors,
/// prints them and returns `None`.
pub(crate) fn load(paths: &[PathBuf], secrets: bool) -> Option<spec::Spec> {
    load_as(paths, secrets, false)
}

/// [`load`], with errors as the JSON document of `validate --format json` on stdout when
/// `json` (a pipeline that asked for JSON gets JSON, errors included).
pub(crate) fn load_as(paths: &[PathBuf], secrets: bool, json: bool) -> Option<spec::Spec> {
    if let Some(plan) = paths.iter().find(|p| apply::is_plan_file(p)) {
        eprintln!(
            "error: {} is a plan file, not a spec\n  hint: carry it out with `batchform apply {}`",
            plan.display(),
            plan.display()
        );
        return None;
    }
    let options = LoadOptions {
        resolve_secrets: secrets,
        whole: true,
        ..LoadOptions::default()
    };
    match spec::load_with(paths, &options) {
        Ok(loaded) => {
            if loaded.diagnostics.warning_count() > 0 {
                eprint!(
                    "{}",
                    loaded.diagnostics.render_text(color(&std::io::stderr()))
                );
            }
            Some(loaded.spec)
        }
        Err(diagnostics) if json => {
            let text = serde_json::to_string_pretty(&diagnostics.to_json()).unwrap_or_default();
            println!("{text}");
            None
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render_text(color(&std::io::stderr())));
            None
        }
    }
}

/// A plan and what apply needs to carry it out.
pub(crate) struct Planned {
    pub plan: Plan,
    pub secrets: Secrets,
    pub owner: String,
    pub observed: Vec<Observed>,
}

/// The spec's files with the digest of what was read, for a plan file.
pub(crate) fn spec_files(spec: &spec::Spec) -> Vec<FileDigest> {
    spec.sources()
        .files()
        .map(|file| FileDigest {
            path: file.path.clone(),
            sha256: Sha256::digest(file.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
        .collect()
}

/// What to plan: the whole spec, some of its pools, or the end of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Stop a resize still running instead of waiting for it.
    pub stop_pending_resize: bool,
    /// Only these pools (`--target`), in the spec or in the account; none means all.
    pub targets: Vec<String>,
    /// Delete the spec's pools (`destroy`) instead of making them.
    pub destroy: bool,
}

/// Observes the account and plans the spec against it. Nodes are read only for the pools whose
/// plan needs them (node users, or a change that removes nodes and must count their tasks).
pub(crate) async fn make_plan(
    spec: &spec::Spec,
    session: &Session,
    scope: &Scope,
) -> anyhow::Result<Planned> {
    let client = &session.client;
    let mut live: Live = crate::observe::account(client).await?;
    let spec = &if scope.targets.is_empty() {
        spec.clone()
    } else {
        for target in &scope.targets {
            let known = spec.pools.keys().chain(live.pools.iter().map(|p| &p.id));
            if !known.into_iter().any(|id| id.eq_ignore_ascii_case(target)) {
                anyhow::bail!(
                    "--target {target}: no such pool in the spec or the account\n  hint: the spec names {}",
                    spec.pools.keys().cloned().collect::<Vec<_>>().join(", ")
                );
            }
        }
        let targeted = |id: &str| scope.targets.iter().any(|t| t.eq_ignore_ascii_case(id));
        live.pools.retain(|p| targeted(&p.id));
        spec.only(&scope.targets)
    };
    if scope.destroy {
        // Only the spec's pools: pruning below deletes what the planner may delete of them.
        live.pools
            .retain(|p| spec.pools.keys().any(|id| id.eq_ignore_ascii_case(&p.id)));
    }
    // Deleting needs no secret.
    let resolved = if scope.destroy {
        Default::default()
    } else {
        spec.resolve_secrets().map_err(|errors| {
            let text: Vec<String> = errors.iter().map(|d| spec.render(d, false)).collect();
            anyhow::anyhow!("{}", text.join("\n"))
        })?
    };
    let (mut desired, secrets) = crate::canonical::desired(spec, &resolved, &live.pools);
    if desired.owner.is_empty() {
        anyhow::bail!(
            "the spec has no [account] owner\n  hint: {}",
            spec::OWNER_HINT
        );
    }
    desired.stop_pending_resize = scope.stop_pending_resize;
    if scope.destroy {
        desired.pools.clear();
        desired.prune = true;
    }
    // The service's clock: it decides when users expire.
    let now = client.service_now();
    let first = batchform_plan::plan(&desired, &live, now);
    let needs_nodes: Vec<String> = first
        .pools
        .iter()
        .filter(|p| p.cost.nodes_removed > 0 || p.users.is_some())
        .filter_map(|p| live.pools.iter().find(|l| l.id.eq_ignore_ascii_case(&p.id)))
        .filter(|l| !l.deleting)
        .map(|l| l.id.clone())
        .collect();
    let mut plan = if needs_nodes.is_empty() {
        first
    } else {
        crate::observe::attach_nodes(client, &mut live, &needs_nodes).await?;
        batchform_plan::plan(&desired, &live, now)
    };
    plan.account = session.account.clone();
    let observed = live
        .pools
        .iter()
        .map(|p| Observed {
            pool: p.id.clone(),
            etag: p.etag.clone(),
        })
        .collect();
    Ok(Planned {
        plan,
        secrets,
        owner: desired.owner,
        observed,
    })
}

/// The plan's errors, each pointing at the spec line it is about.
pub(crate) fn plan_errors(plan: &Plan, spec: &spec::Spec) -> String {
    let color = color(&std::io::stderr());
    plan.errors
        .iter()
        .map(|error| {
            let field = error.field.clone().unwrap_or_default();
            let diagnostic = spec.diagnostic(
                Diagnostic::error(format!("pool {}: {}", error.pool, error.message))
                    .maybe_hint(error.hint.clone()),
                &spec::path::pool_field(&error.pool, &field),
            );
            format!("{}\n", spec.render(&diagnostic, color))
        })
        .collect()
}

//! `batchform apply`: plan (or read a saved plan), confirm, carry it out, and say honestly how
//! each pool ended.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::session::Session;
use crate::apply::executor;
use crate::apply::progress::Progress;
use crate::apply::wait::Backoff;
use crate::apply::{Options, Shared};
use crate::cli::ApplyArgs;
use crate::{Exit, render};
use batchform_plan::file::{self, Current, PlanFile};

pub fn run(args: &ApplyArgs) -> anyhow::Result<Exit> {
    // A plan file is a record of what was reviewed; the spec it names is what is applied.
    let saved = match args.paths.as_slice() {
        [path] if is_plan_file(path) => Some(read_plan_file(path)?),
        _ => None,
    };
    let paths = saved.as_ref().map_or(&args.paths, |file| &file.spec.paths);
    // A plan file was made for its targets; naming others now is a mistake, not a narrowing.
    let targets = match &saved {
        Some(file)
            if !args.target.is_empty() && !same_targets(&args.target, &file.spec.targets) =>
        {
            bail!(
                "the plan file was made for {}, not for --target {}\n  hint: plan again with the targets to apply",
                describe_targets(&file.spec.targets),
                args.target.join(" --target ")
            )
        }
        Some(file) => file.spec.targets.clone(),
        None => args.target.clone(),
    };
    let Some(spec) = super::load(paths, targets.is_empty()) else {
        if saved.is_some() && paths.iter().any(|p| !p.exists()) {
            eprintln!(
                "error: the plan file's spec ({}) does not load\n  hint: apply a plan file from the directory `batchform plan` ran in, with the same spec files",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        return Ok(Exit::Failure);
    };
    // A saved plan was reviewed when it was written; a spec is planned now and needs a yes.
    if saved.is_none() && !args.auto_approve && !std::io::stdin().is_terminal() {
        bail!(
            "apply needs --auto-approve when it cannot ask (no terminal), or a plan file written by `batchform plan --out`"
        );
    }
    super::runtime()?.block_on(async {
        let session = Session::open(&spec.account, args.account.parallelism).await?;
        let result = run_in(args, &session, &spec, saved.as_ref(), targets).await;
        let requests = session.client.requests();
        session.close().await?;
        if std::env::var_os("BATCHFORM_REQUEST_COUNT").is_some() {
            eprintln!("requests: {requests}");
        }
        result
    })
}

async fn run_in(
    args: &ApplyArgs,
    session: &Session,
    spec: &batchform_spec::Spec,
    saved: Option<&PlanFile>,
    targets: Vec<String>,
) -> anyhow::Result<Exit> {
    // From this command line only: a plan made with the flag has its stop steps, and without
    // the flag now, planning gives waits instead, so the file is refused.
    let scope = super::Scope {
        stop_pending_resize: args.stop_pending_resize,
        targets,
        destroy: false,
    };
    let planned = super::make_plan(spec, session, &scope).await?;
    match saved {
        Some(file) => {
            let files = super::spec_files(spec);
            let now = Current {
                files: &files,
                observed: &planned.observed,
                plan: &planned.plan,
            };
            let differences = file::differences(file, &now);
            if !differences.is_empty() {
                eprintln!(
                    "error: the saved plan is not what applying it would do now; nothing was changed:\n  - {}\n  hint: run `batchform plan --out` again, review it, and apply the new plan",
                    differences.join("\n  - ")
                );
                return Ok(Exit::Failure);
            }
            println!("Applying the saved plan to {}.", planned.plan.account);
        }
        None => {
            let options = render::text::Options {
                color: super::color(&std::io::stdout()),
                diff: false,
                nodes: false,
            };
            print!("{}", render::text::render(&planned.plan, options));
            if !planned.plan.errors.is_empty() {
                eprint!("{}", super::plan_errors(&planned.plan, spec));
                return Ok(Exit::Failure);
            }
            if planned.plan.has_changes() && !args.auto_approve && !confirm()? {
                println!("Apply cancelled.");
                return Ok(Exit::Failure);
            }
        }
    }
    let options = Options {
        timeout: args.timeout,
        backoff: Backoff::default(),
        stop_pending_resize: args.stop_pending_resize,
    };
    execute(session, planned, options).await
}

/// Carries out a plan and says how each pool ended; the exit code says whether all did.
pub(crate) async fn execute(
    session: &Session,
    planned: super::Planned,
    options: Options,
) -> anyhow::Result<Exit> {
    let (plan, secrets, owner) = (planned.plan, planned.secrets, planned.owner);
    if !plan.has_changes() {
        return Ok(Exit::Success);
    }
    let context = Arc::new(Shared {
        client: session.client.clone(),
        owner,
        secrets,
        progress: Progress::new(std::io::stderr().is_terminal()),
        options,
    });
    let outcomes = executor::apply(&plan, context).await;
    let mut failed = 0;
    println!();
    for outcome in &outcomes {
        let took =
            humantime::format_duration(std::time::Duration::from_secs(outcome.elapsed.as_secs()));
        match &outcome.result {
            Ok(done) => println!("pool {}: {done} ({took})", outcome.pool),
            Err(error) => {
                failed += 1;
                eprintln!("error: {error}");
            }
        }
    }
    let (add, change, destroy) = plan.counts();
    if failed > 0 {
        eprintln!(
            "\nApply failed for {failed} pool(s); the others are done. Run `batchform apply` again once the cause is fixed: it continues from the account as it is."
        );
        return Ok(Exit::Failure);
    }
    println!("\nApply complete: {add} added, {change} changed, {destroy} destroyed.");
    Ok(Exit::Success)
}

pub(crate) fn confirm() -> anyhow::Result<bool> {
    print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

fn same_targets(a: &[String], b: &[String]) -> bool {
    let norm = |list: &[String]| {
        let mut list: Vec<String> = list.iter().map(|t| t.to_ascii_lowercase()).collect();
        list.sort();
        list.dedup();
        list
    };
    norm(a) == norm(b)
}

fn describe_targets(targets: &[String]) -> String {
    if targets.is_empty() {
        "every pool".into()
    } else {
        format!("--target {}", targets.join(" --target "))
    }
}

/// Whether `path` holds a plan file rather than a spec: plan files are JSON objects, and no
/// TOML document starts with `{`.
pub(crate) fn is_plan_file(path: &Path) -> bool {
    let mut start = [0u8; 64];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let read = std::io::Read::read(&mut file, &mut start).unwrap_or(0);
    let text = start[..read]
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(&start[..read]);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

fn read_plan_file(path: &Path) -> anyhow::Result<PlanFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the plan file {}", path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value = serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a batchform plan file: {e}\n  hint: write one with `batchform plan --out`",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    match value["format"].as_str() {
        Some(file::FILE_FORMAT) => {}
        Some(other) if other.starts_with("batchform-plan/") => bail!(
            "{} is a plan of format {other:?}, this batchform reads {}\n  hint: run `batchform plan --out` again with this version",
            path.display(),
            file::FILE_FORMAT
        ),
        _ => bail!(
            "{} is not a batchform plan file (write one with `batchform plan --out`)",
            path.display()
        ),
    }
    serde_json::from_value(value).with_context(|| {
        format!(
            "{} is not a valid batchform plan file (write one with `batchform plan --out`)",
            path.display()
        )
    })
}

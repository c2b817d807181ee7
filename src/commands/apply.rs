//! `batchform apply`: plan (or read a saved plan), confirm, carry it out, and say honestly how
//! each pool ended.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};

use super::session::Session;
use crate::apply::executor::{self, Context, Options};
use crate::apply::progress::Progress;
use crate::apply::wait::Backoff;
use crate::cli::ApplyArgs;
use crate::convert::{Secrets, secrets};
use crate::plan::file::PlanFile;
use crate::plan::{Action, fingerprint};
use crate::spec::Account;
use crate::{Exit, render};

pub fn run(args: &ApplyArgs) -> anyhow::Result<Exit> {
    let input = match args.paths.as_slice() {
        [path]
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
        {
            Input::Saved(Box::new(read_plan_file(path)?))
        }
        paths => match super::load(paths) {
            Some(spec) => Input::Spec(Box::new(spec)),
            None => return Ok(Exit::Failure),
        },
    };
    // A saved plan was reviewed when it was written; a spec is planned now and needs a yes.
    if matches!(input, Input::Spec(_)) && !args.auto_approve && !std::io::stdin().is_terminal() {
        bail!(
            "apply needs --auto-approve when it cannot ask (no terminal), or a plan file written by `batchform plan --out`"
        );
    }
    super::runtime()?.block_on(async {
        let account = match &input {
            Input::Saved(file) => Account {
                endpoint: file
                    .endpoint
                    .starts_with("http")
                    .then(|| file.endpoint.clone()),
                ..Account::default()
            },
            Input::Spec(spec) => spec.account.clone(),
        };
        let session = Session::open(&account, args.account.parallelism).await?;
        let result = run_in(args, &session, input).await;
        let requests = session.client.requests();
        session.close().await?;
        if std::env::var_os("BATCHFORM_REQUEST_COUNT").is_some() {
            eprintln!("requests: {requests}");
        }
        result
    })
}

/// What apply carries out: a reviewed plan file, or a spec planned on the spot.
enum Input {
    Saved(Box<PlanFile>),
    Spec(Box<crate::spec::Desired>),
}

async fn run_in(args: &ApplyArgs, session: &Session, input: Input) -> anyhow::Result<Exit> {
    let (plan, secrets, owner) = match input {
        Input::Saved(file) => {
            let secrets = match Secrets::read(&file.secrets) {
                Ok(secrets) => secrets,
                Err(errors) => bail!(
                    "the plan's secrets cannot be read:\n  {}",
                    errors.join("\n  ")
                ),
            };
            if let Some(reason) = stale(&file, &secrets, session).await? {
                eprintln!(
                    "error: the saved plan is stale: {reason}\n  hint: run `batchform plan --out` again and apply the new plan"
                );
                return Ok(Exit::Failure);
            }
            let file = *file;
            (file.plan, secrets, file.owner)
        }
        Input::Spec(spec) => {
            let spec = spec.as_ref();
            let planned = super::make_plan(spec, &session.client, args.stop_pending_resize).await?;
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
            (planned.plan, planned.secrets, planned.owner)
        }
    };
    if !plan.has_changes() {
        return Ok(Exit::Success);
    }
    let context = Arc::new(Context {
        client: session.client.clone(),
        owner,
        secrets,
        progress: Progress::new(std::io::stderr().is_terminal()),
        options: Options {
            timeout: args.timeout,
            backoff: Backoff::default(),
            stop_pending_resize: args.stop_pending_resize,
        },
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

fn confirm() -> anyhow::Result<bool> {
    print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

fn read_plan_file(path: &Path) -> anyhow::Result<PlanFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the plan file {}", path.display()))?;
    let file: PlanFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a batchform plan file (write one with `batchform plan --out`)",
            path.display()
        )
    })?;
    if file.format != crate::plan::file::FILE_FORMAT {
        bail!(
            "{} is a plan of format {}, this batchform reads {}",
            path.display(),
            file.format,
            crate::plan::file::FILE_FORMAT
        );
    }
    Ok(file)
}

/// Why a saved plan no longer fits the account or the secrets, if it does not; checked before
/// the first write.
async fn stale(
    file: &PlanFile,
    secrets: &Secrets,
    session: &Session,
) -> anyhow::Result<Option<String>> {
    let live = crate::observe::account(&session.client).await?;
    for pool in file.plan.pools.iter().filter(|p| p.action != Action::NoOp) {
        let then = file
            .observed
            .iter()
            .find(|o| o.pool.eq_ignore_ascii_case(&pool.id));
        let now = live
            .pools
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&pool.id));
        match (then, now) {
            (None, Some(_)) => {
                return Ok(Some(format!(
                    "pool {} appeared since the plan was made",
                    pool.id
                )));
            }
            (Some(_), None) => {
                return Ok(Some(format!(
                    "pool {} vanished since the plan was made",
                    pool.id
                )));
            }
            (Some(then), Some(now)) if then.etag != now.etag => {
                return Ok(Some(format!(
                    "pool {} changed since the plan was made (ETag {} → {})",
                    pool.id, then.etag, now.etag
                )));
            }
            _ => {}
        }
        if let Some(reason) = secret_changed(
            &pool.id,
            pool.desired.as_ref(),
            pool.users.as_ref(),
            secrets,
        ) {
            return Ok(Some(reason));
        }
    }
    Ok(None)
}

/// A secret whose value no longer matches the fingerprint the plan was made with.
fn secret_changed(
    pool: &str,
    desired: Option<&crate::plan::config::PoolConfig>,
    users: Option<&crate::plan::users::UsersPlan>,
    secrets: &Secrets,
) -> Option<String> {
    let mismatch = |key: String, fp: &str| match secrets.get(pool, &key) {
        Some(value) if fingerprint::matches(value, fp) => None,
        _ => Some(format!(
            "pool {pool}: the value of {key} no longer matches the plan"
        )),
    };
    for (key, value) in desired.iter().flat_map(|d| d.sensitive()) {
        if let Some(fp) = &value.fingerprint
            && let Some(reason) = mismatch(key, fp)
        {
            return Some(reason);
        }
    }
    for user in users.iter().flat_map(|u| &u.desired) {
        for (key, fp) in [
            (secrets::user_password(&user.name), &user.password),
            (secrets::user_ssh_key(&user.name), &user.ssh_key),
        ] {
            if let Some(fp) = fp
                && let Some(reason) = mismatch(key, fp)
            {
                return Some(reason);
            }
        }
    }
    None
}

//! `batchform plan`: what apply would do, for people (text, markdown) and pipelines (JSON).

use std::io::Write;

use anyhow::Context;

use super::session::Session;
use crate::cli::{PlanArgs, PlanFormat};
use crate::{Exit, render};
use batchform_plan::file::{FILE_FORMAT, PlanFile, SpecRecord};

pub fn run(args: &PlanArgs) -> anyhow::Result<Exit> {
    // With targets, only their secrets are read, when planning them.
    let json = args.format == PlanFormat::Json;
    let Some(spec) = super::load_as(&args.paths, args.target.is_empty(), json) else {
        return Ok(Exit::Failure);
    };
    super::runtime()?.block_on(async {
        let session = Session::open(&spec.account, args.account.parallelism).await?;
        let scope = super::Scope {
            stop_pending_resize: args.stop_pending_resize,
            targets: args.target.clone(),
            destroy: false,
        };
        let planned = super::make_plan(&spec, &session, &scope).await;
        let requests = session.client.requests();
        session.close().await?;
        let planned = planned?;
        let plan = &planned.plan;
        let output = match args.format {
            PlanFormat::Text => {
                let options = render::text::Options {
                    color: super::color(&std::io::stdout()),
                    diff: args.diff,
                    nodes: args.show_nodes,
                };
                render::text::render(plan, options)
            }
            PlanFormat::Markdown => render::markdown::render(plan),
            PlanFormat::Json => render::json::render(plan),
        };
        std::io::stdout().lock().write_all(output.as_bytes())?;
        if !plan.errors.is_empty() {
            eprint!("{}", super::plan_errors(plan, &spec));
            return Ok(Exit::Failure);
        }
        if let Some(out) = &args.out {
            // A plan file where a spec is read would be read as one next time (or overwrite it).
            let clashes = spec.sources().files().any(|f| same_file(&f.path, out))
                || out.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
            if clashes {
                anyhow::bail!(
                    "--out {}: a plan file is JSON, and this is where specs are read\n  hint: write it elsewhere, e.g. --out plan.json",
                    out.display()
                );
            }
            let file = PlanFile {
                format: FILE_FORMAT.to_string(),
                batchform_version: env!("CARGO_PKG_VERSION").to_string(),
                created: chrono::Utc::now(),
                spec: SpecRecord {
                    paths: args.paths.clone(),
                    files: super::spec_files(&spec),
                    targets: args.target.clone(),
                },
                observed: planned.observed.clone(),
                plan: plan.clone(),
            };
            let json = serde_json::to_string_pretty(&file)?;
            std::fs::write(out, json + "\n")
                .with_context(|| format!("writing the plan to {}", out.display()))?;
            eprintln!(
                "Saved the plan to {}: apply it with `batchform apply {}`.",
                out.display(),
                out.display()
            );
        }
        if std::env::var_os("BATCHFORM_REQUEST_COUNT").is_some() {
            eprintln!("requests: {requests}");
        }
        Ok(if args.detailed_exitcode && plan.has_changes() {
            Exit::Changes
        } else {
            Exit::Success
        })
    })
}

/// Whether two paths name one file (the second may not exist yet).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

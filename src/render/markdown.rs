//! The plan as Markdown for pull-request comments: a summary table, then a collapsible section
//! per changed pool with its strategy, cost, steps and a ```diff block.

use std::fmt::Write;

use super::{change_values, cost, headline, steps, summary};
use batchform_plan::{Action, Plan};

/// The plan as Markdown.
pub fn render(plan: &Plan) -> String {
    let mut out = if plan.account.endpoint.is_empty() {
        String::from("### batchform plan\n\n")
    } else {
        format!("### batchform plan for {}\n\n", plan.account)
    };
    let _ = writeln!(out, "**{}**\n", summary(plan));
    if !plan.pools.is_empty() {
        out.push_str("| pool | action | cost |\n| --- | --- | --- |\n");
        for pool in &plan.pools {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                pool.id,
                headline(pool),
                cost(&pool.cost).unwrap_or_else(|| "–".into())
            );
        }
        out.push('\n');
    }
    for pool in plan.pools.iter().filter(|p| p.action != Action::NoOp) {
        let _ = writeln!(
            out,
            "<details><summary><code>{}</code>: {}</summary>\n",
            pool.id,
            headline(pool)
        );
        let _ = writeln!(out, "Steps: {}\n", steps(&pool.steps));
        for pending in &pool.pending {
            let _ = writeln!(out, "Pending: {pending}\n");
        }
        for note in &pool.notes {
            let _ = writeln!(out, "Note: {note}\n");
        }
        if !pool.changes.is_empty() {
            out.push_str("| field | live | desired | how |\n| --- | --- | --- | --- |\n");
            for change in &pool.changes {
                let (old, new) = change_values(change);
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    change.path,
                    cell(old),
                    cell(new),
                    change.class.reason()
                );
            }
            out.push('\n');
        }
        let users = super::users(pool, true);
        if !users.is_empty() {
            out.push_str("Node users:\n\n");
            for (_, line) in users {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
        let diff = super::canonical::diff(pool);
        if !diff.is_empty() {
            let _ = writeln!(out, "```diff\n{}```\n", diff);
        }
        out.push_str("</details>\n\n");
    }
    for pool in plan.pools.iter().filter(|p| !p.ignored.is_empty()) {
        for line in super::ignored(pool) {
            let _ = writeln!(out, "`{}`: {}\n", pool.id, line.trim_start_matches("# "));
        }
    }
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan.unmanaged.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(
            out,
            "Not managed by this spec, left alone: {}\n",
            names.join(", ")
        );
    }
    for error in &plan.errors {
        let field = error
            .field
            .as_deref()
            .map(|f| format!(".{f}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "> **Error** `{}{field}`: {}",
            error.pool, error.message
        );
        if let Some(hint) = &error.hint {
            let _ = writeln!(out, "> hint: {hint}");
        }
        out.push('\n');
    }
    out
}

fn cell(value: Option<String>) -> String {
    value
        .map(|v| format!("`{}`", v.replace('|', "\\|")))
        .unwrap_or_else(|| "–".into())
}

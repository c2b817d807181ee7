//! The plan as terminal text, in the shape Terraform users already read: markers `+ ~ - -/+`,
//! changed fields only (unchanged ones counted), one summary line; plus the strategy, the steps
//! and what the change costs.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{change_values, cost, headline, steps, summary, value};
use batchform_plan::diff::{ChangeClass, flatten};
use batchform_plan::{Action, Plan, PoolPlan};

/// Rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// ANSI colours (on a terminal, unless `NO_COLOR` is set).
    pub color: bool,
    /// Also show each changed pool as a unified diff of its canonical TOML.
    pub diff: bool,
    /// Name the nodes each node-user change touches, not only count them.
    pub nodes: bool,
}

/// The plan as text.
pub fn render(plan: &Plan, options: Options) -> String {
    let paint = Paint(options.color);
    let title = plan.title();
    let mut out = title.clone().map(|t| t + "\n").unwrap_or_default();
    let changed: Vec<&PoolPlan> = plan
        .pools
        .iter()
        .filter(|p| p.action != Action::NoOp)
        .collect();
    if !changed.is_empty() {
        if title.is_some() {
            out.push('\n');
        }
        out.push_str("batchform will perform the following actions:\n");
    }
    for pool in changed {
        out.push('\n');
        pool_block(&mut out, pool, paint, options);
        if options.diff {
            let diff = super::canonical::diff(pool);
            for line in diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    for pool in plan
        .pools
        .iter()
        .filter(|p| p.action == Action::NoOp && !p.ignored.is_empty())
    {
        let _ = writeln!(
            out,
            "\n  # pool {:?} is up to date, but for fields it leaves to others:",
            pool.id
        );
        for line in super::ignored(pool) {
            let _ = writeln!(out, "      {}", paint.dim(&line));
        }
    }
    let unchanged = plan
        .pools
        .iter()
        .filter(|p| p.action == Action::NoOp)
        .count();
    if unchanged > 0 && plan.has_changes() {
        let _ = writeln!(
            out,
            "\n{unchanged} pool{} up to date.",
            if unchanged == 1 { "" } else { "s" }
        );
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "\nNot managed by this spec, left alone: {}",
            plan.unmanaged.join(", ")
        );
    }
    // The errors themselves are printed by the command, each at its line in the spec.
    if plan.errors.is_empty() {
        let _ = writeln!(out, "\n{}", summary(plan));
    } else {
        let _ = writeln!(
            out,
            "\nThe plan cannot be applied: {} error(s).",
            plan.errors.len()
        );
    }
    out
}

fn pool_block(out: &mut String, pool: &PoolPlan, paint: Paint, options: Options) {
    let marker = match pool.action {
        Action::Create => paint.green("+"),
        Action::Update => paint.yellow("~"),
        Action::Recreate => paint.red("-/+"),
        Action::Delete => paint.red("-"),
        Action::NoOp => " ".into(),
    };
    let _ = writeln!(out, "  # pool {:?} {}", pool.id, paint.bold(headline(pool)));
    if let Some(cost) = cost(&pool.cost) {
        let _ = writeln!(out, "  #   cost: {cost}");
    }
    for pending in &pool.pending {
        let _ = writeln!(out, "  #   pending: {pending}");
    }
    for note in &pool.notes {
        let _ = writeln!(out, "  #   note: {note}");
    }
    if pool.steps.len() > 1 || pool.action == Action::Update {
        let _ = writeln!(out, "  #   steps: {}", steps(&pool.steps));
    }
    if pool.action == Action::Delete {
        let _ = writeln!(out, "  {marker} pool {:?}", pool.id);
        return;
    }
    let _ = writeln!(out, "  {marker} pool {:?} {{", pool.id);
    let fields = pool.desired.as_ref().map(flatten).unwrap_or_default();
    if matches!(pool.action, Action::Create) {
        for (path, leaf) in &fields {
            let shown = match path.strip_suffix(".fingerprint") {
                Some(secret) => format!("{secret} = (sensitive)"),
                None => format!("{path} = {}", value(leaf)),
            };
            let _ = writeln!(out, "      {} {shown}", paint.green("+"));
        }
        for (_, line) in super::users(pool, options.nodes) {
            let _ = writeln!(out, "      {} {line}", paint.green("+"));
        }
    } else {
        for change in &pool.changes {
            let (old, new) = change_values(change);
            // A multi-line value (an autoscale formula) reads as lines, like a diff.
            let multiline = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .and_then(|v| v.as_str())
                    .filter(|s| s.contains('\n'))
                    .map(str::to_string)
            };
            if !change.sensitive
                && (multiline(&change.old).is_some() || multiline(&change.new).is_some())
            {
                let _ = writeln!(out, "      {} {} =", paint.yellow("~"), change.path);
                let text = |v: &Option<serde_json::Value>| match v {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                for line in text(&change.old).lines() {
                    let _ = writeln!(out, "          {} {line}", paint.red("-"));
                }
                for line in text(&change.new).lines() {
                    let _ = writeln!(out, "          {} {line}", paint.green("+"));
                }
                continue;
            }
            let line = match (old, new) {
                (Some(old), Some(new)) => {
                    format!("{} {} = {old} -> {new}", paint.yellow("~"), change.path)
                }
                (None, Some(new)) => format!("{} {} = {new}", paint.green("+"), change.path),
                (Some(old), None) => format!("{} {} = {old}", paint.red("-"), change.path),
                (None, None) => continue,
            };
            let note = match (change.class, pool.action) {
                (ChangeClass::EmptyOnly, Action::Recreate) => "  # forces replacement",
                (ChangeClass::EmptyOnly, _) => "  # only while the pool is empty",
                _ => "",
            };
            let _ = writeln!(out, "      {line}{}", paint.dim(note));
        }
        for (marker, line) in super::users(pool, options.nodes) {
            let line = match marker {
                '+' => format!("{} {line}", paint.green("+")),
                '-' => format!("{} {line}", paint.red("-")),
                '#' => format!("  {}", paint.dim(&format!("# {line}"))),
                _ => format!("{} {line}", paint.yellow("~")),
            };
            let _ = writeln!(out, "      {line}");
        }
        for line in super::ignored(pool) {
            let _ = writeln!(out, "      {}", paint.dim(&line));
        }
        let hidden = fields.len().saturating_sub(pool.changes.len());
        if hidden > 0 {
            let _ = writeln!(
                out,
                "        {}",
                paint.dim(&format!("# ({hidden} unchanged attributes hidden)"))
            );
        }
    }
    out.push_str("    }\n");
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn style(self, style: Style, text: &str) -> String {
        if self.0 {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
    fn green(self, text: &str) -> String {
        self.style(AnsiColor::Green.on_default(), text)
    }
    fn yellow(self, text: &str) -> String {
        self.style(AnsiColor::Yellow.on_default(), text)
    }
    fn red(self, text: &str) -> String {
        self.style(AnsiColor::Red.on_default(), text)
    }
    fn bold(self, text: &str) -> String {
        self.style(Style::new().bold(), text)
    }
    fn dim(self, text: &str) -> String {
        if text.is_empty() {
            String::new()
        } else {
            self.style(Style::new().dimmed(), text)
        }
    }
}

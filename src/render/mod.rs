//! Plans rendered for people and programs: text for terminals, markdown for pull-request
//! comments, JSON for pipelines. Secrets never appear: a changed write-only value reads `(changed)`.

pub mod canonical;
pub mod json;
pub mod markdown;
pub mod spec;
pub mod text;

use serde_json::Value;

use batchform_plan::diff::FieldChange;
use batchform_plan::users::UserAction;
use batchform_plan::{Action, Cost, Plan, PoolPlan, Step, Strategy};

/// A value as a reviewer reads it: strings quoted, lists inline.
pub(crate) fn value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(self::value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// `old -> new` for one change, with write-only values hidden.
pub(crate) fn change_values(change: &FieldChange) -> (Option<String>, Option<String>) {
    if change.sensitive {
        let old = change.old.as_ref().map(|_| "(sensitive)".to_string());
        let new = change.new.as_ref().map(|_| {
            if change.old.is_some() {
                "(changed)"
            } else {
                "(sensitive)"
            }
            .to_string()
        });
        return (old, new);
    }
    (
        change.old.as_ref().map(value),
        change.new.as_ref().map(value),
    )
}

/// The headline of a pool's plan, e.g. `will be updated in place`.
pub(crate) fn headline(pool: &PoolPlan) -> &'static str {
    match (pool.action, pool.strategy) {
        (Action::NoOp, _) => "is up to date",
        (Action::Create, _) if pool.steps.first() == Some(&Step::WaitDeleted) => {
            "will be created once its deletion completes"
        }
        (Action::Create, _) => "will be created",
        (Action::Update, _) if pool.adopt && pool.changes.is_empty() => {
            "will be adopted (batchform:owner set)"
        }
        (Action::Update, _) if pool.adopt => "will be adopted (batchform:owner set) and updated",
        (Action::Update, Some(Strategy::Drain)) => "will be drained, updated and scaled back",
        (Action::Update, None)
            if pool.changes.is_empty()
                && pool.users.as_ref().is_none_or(|u| !u.has_changes())
                && !pool.pending.is_empty() =>
        {
            "is not settled yet: apply waits for it"
        }
        (Action::Update, _) => "will be updated in place",
        (Action::Recreate, _) => "must be replaced (deleted, then created)",
        (Action::Delete, _) => "will be destroyed",
    }
}

/// What a change costs, in one sentence, or `None` when it costs nothing.
pub(crate) fn cost(cost: &Cost) -> Option<String> {
    if *cost == Cost::default() {
        return None;
    }
    let mut parts = vec![format!(
        "{} node{} removed",
        cost.nodes_removed,
        plural(cost.nodes_removed)
    )];
    if let Some(option) = &cost.deallocation {
        parts[0].push_str(&format!(" ({option})"));
    }
    if cost.running_tasks > 0 {
        let fate = match cost.deallocation.as_deref() {
            Some("terminate") => "stopped and not retried",
            Some("retaineddata") => "allowed to finish first (nodes kept until their data expires)",
            _ if cost.tasks_requeued => "terminated and requeued",
            _ => "allowed to finish first",
        };
        parts.push(format!(
            "{} running task{} {fate}",
            cost.running_tasks,
            plural(cost.running_tasks)
        ));
    }
    if cost.unavailable {
        parts.push("the pool has no nodes meanwhile".to_string());
    }
    Some(parts.join(", "))
}

/// The steps as one line: `resize to 0 (taskcompletion) → patch → resize to 2 dedicated`.
pub(crate) fn steps(steps: &[Step]) -> String {
    steps.iter().map(step).collect::<Vec<_>>().join(" → ")
}

fn step(step: &Step) -> String {
    match step {
        Step::WaitSteady => "wait for the running resize".into(),
        Step::StopResize => "stop the running resize".into(),
        Step::WaitDeleted => "wait for the deletion".into(),
        Step::Create => "create".into(),
        Step::Patch { empty_only: true } => "patch (pool empty)".into(),
        Step::Patch { empty_only: false } => "patch".into(),
        Step::RemoveStartTask => "remove the start task (updateproperties)".into(),
        Step::DisableAutoscale => "disable autoscale".into(),
        Step::Resize {
            dedicated,
            low_priority,
            deallocation,
            ..
        } => {
            let mut text = format!("resize to {dedicated} dedicated");
            if *low_priority > 0 {
                text.push_str(&format!(" + {low_priority} low-priority"));
            }
            if let Some(option) = deallocation {
                text.push_str(&format!(" ({option})"));
            }
            text
        }
        Step::EnableAutoscale { .. } => "enable autoscale".into(),
        Step::Delete => "delete".into(),
        Step::SyncUsers => "sync node users".into(),
    }
}

/// The pool's node-user changes, one line each: `(marker, text)`, then a line on pending nodes.
pub(crate) fn users(pool: &PoolPlan, show_nodes: bool) -> Vec<(char, String)> {
    let Some(users) = &pool.users else {
        return Vec::new();
    };
    let mut lines: Vec<(char, String)> = users
        .changes
        .iter()
        .map(|change| {
            let (marker, verb) = match change.action {
                UserAction::Add => ('+', "add"),
                UserAction::Replace => ('~', "replace"),
                UserAction::Recreate => ('~', "delete and add again"),
                UserAction::Delete => ('-', "delete"),
            };
            let n = change.nodes.len() as u32;
            let nodes = if show_nodes {
                format!(": {}", change.nodes.join(", "))
            } else {
                String::new()
            };
            // What the user will be: its admin flag and when its login lapses.
            let what = match (change.action, users.book.users.get(&change.user)) {
                (UserAction::Delete, _) | (_, None) => String::new(),
                (_, Some(record)) => format!(
                    " ({}, expires {})",
                    if record.admin { "admin" } else { "not admin" },
                    record.expires.format("%Y-%m-%d")
                ),
            };
            (
                marker,
                format!(
                    "user {:?}{what}: {verb} on {n} node{} ({}){nodes}",
                    change.user,
                    plural(n),
                    change.reason
                ),
            )
        })
        .collect();
    if lines.is_empty() && pool.steps.contains(&Step::SyncUsers) && adds_nodes(pool) {
        let names: Vec<&str> = users.book.users.keys().map(String::as_str).collect();
        if !names.is_empty() {
            // Nodes a create or resize will add: none exists yet to count or name.
            let which = if pool.action == Action::Create {
                "every node"
            } else {
                "every new node"
            };
            lines.push((
                '+',
                format!("users {}: on {which} once it is ready", names.join(", ")),
            ));
        }
    }
    let removed: Vec<&str> = users
        .changes
        .iter()
        .filter(|c| c.action == UserAction::Delete)
        .map(|c| c.user.as_str())
        .collect();
    let unreachable: Vec<String> = users
        .pending
        .iter()
        .filter(|(state, _)| !matches!(state.as_str(), "creating" | "reimaging" | "leavingpool"))
        .map(|(state, nodes)| format!("{} {state}", nodes.len()))
        .collect();
    if !removed.is_empty() && !unreachable.is_empty() {
        lines.push((
            '#',
            format!(
                "{} may remain on nodes no call can reach now ({}): deleted there once they are ready again; reimage or remove a node that stays unusable",
                removed.join(", "),
                unreachable.join(", ")
            ),
        ));
    }
    let pending: usize = users.pending.values().map(Vec::len).sum();
    if pending > 0 {
        let states: Vec<String> = users
            .pending
            .iter()
            .map(|(state, nodes)| format!("{} {state}", nodes.len()))
            .collect();
        lines.push((
            '#',
            format!(
                "{pending} node{} not ready for users yet ({}): they get them once ready",
                plural(pending as u32),
                states.join(", ")
            ),
        ));
    }
    lines
}

/// Drift in fields the spec leaves to others, one line each.
pub(crate) fn ignored(pool: &PoolPlan) -> Vec<String> {
    pool.ignored
        .iter()
        .map(|change| {
            let (old, new) = change_values(change);
            format!(
                "# ignored (ignore_changes): {} = {} (the spec says {})",
                change.path,
                old.unwrap_or_else(|| "(none)".into()),
                new.unwrap_or_else(|| "(none)".into())
            )
        })
        .collect()
}

/// Whether the plan brings nodes that do not exist yet: a create, a drain or recreate (which
/// bring them back), or a resize above the live target.
fn adds_nodes(pool: &PoolPlan) -> bool {
    let live_target = match pool.live.as_ref().map(|l| &l.scale) {
        Some(batchform_plan::config::Scale::Fixed {
            dedicated,
            low_priority,
            ..
        }) => Some(dedicated + low_priority),
        _ => None,
    };
    matches!(pool.action, Action::Create | Action::Recreate)
        || pool.strategy == Some(Strategy::Drain)
        || pool.steps.iter().any(|step| match step {
            Step::Resize {
                dedicated,
                low_priority,
                ..
            } => live_target.is_none_or(|t| dedicated + low_priority > t),
            // A resize in flight, or an autoscale step, may bring nodes too.
            Step::EnableAutoscale { .. } | Step::WaitSteady | Step::StopResize => true,
            _ => false,
        })
}

/// The summary line, Terraform's shape.
pub(crate) fn summary(plan: &Plan) -> String {
    if !plan.has_changes() {
        return "No changes. The account matches the spec.".to_string();
    }
    let (add, change, destroy) = plan.counts();
    format!("Plan: {add} to add, {change} to change, {destroy} to destroy.")
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;

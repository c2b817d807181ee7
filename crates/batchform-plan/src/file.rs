//! Plan files (`plan --out FILE`, `apply FILE`): a record of what was reviewed, to check, never
//! an instruction to trust. `apply FILE` loads the spec the file names, observes the account and
//! plans again; it carries out that new plan, and only if it is the one recorded here, made
//! against the same account, spec files and pool ETags ([`differences`]). Nothing in the file
//! can therefore make apply do what `plan` of the same spec against the same account would not.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{Action, Plan, PoolPlan, Step};
use super::users::UserAction;

/// The version of the plan-file format.
pub const FILE_FORMAT: &str = "batchform-plan/2";

/// A saved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub format: String,
    pub batchform_version: String,
    pub created: DateTime<Utc>,
    /// What was planned, and how: the spec paths given to `plan` (loaded again by apply,
    /// from the same working directory) and the digest of every file read.
    pub spec: SpecRecord,
    /// Every pool the plan was made against, with its ETag.
    pub observed: Vec<Observed>,
    pub plan: Plan,
}

/// The spec a plan was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecRecord {
    /// The paths as given on the command line.
    pub paths: Vec<PathBuf>,
    /// Each file read, with the SHA-256 of its content.
    pub files: Vec<FileDigest>,
    /// The pools planned (`--target`); none means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    pub path: PathBuf,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    pub pool: String,
    pub etag: String,
}

/// What apply found when it made the plan again.
#[derive(Debug, Clone)]
pub struct Current<'a> {
    pub files: &'a [FileDigest],
    pub observed: &'a [Observed],
    pub plan: &'a Plan,
}

/// How many differences are named before the rest are counted.
const SHOWN: usize = 8;

/// Why the recorded plan is not the one apply would carry out now, each said so a person sees
/// what changed; empty when it is. Checked in order: account, spec files, the pools' ETags, then
/// the plan itself.
pub fn differences(recorded: &PlanFile, now: &Current<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if !recorded.plan.account.same_account(&now.plan.account) {
        out.push(format!(
            "the plan was made for {}, but this apply would go to {}",
            recorded.plan.account, now.plan.account
        ));
        // Nothing else is comparable across accounts.
        return out;
    }
    let files = |list: &[FileDigest]| -> BTreeMap<PathBuf, String> {
        list.iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect()
    };
    let (then, current) = (files(&recorded.spec.files), files(now.files));
    for (path, digest) in &then {
        match current.get(path) {
            None => out.push(format!("spec file {} is gone", path.display())),
            Some(d) if d != digest => out.push(format!("spec file {} changed", path.display())),
            Some(_) => {}
        }
    }
    for path in current.keys().filter(|p| !then.contains_key(*p)) {
        out.push(format!("spec file {} is new", path.display()));
    }
    // Pools this spec plans (changed or not), as the plan of now sees them.
    let planned: Vec<&str> = now
        .plan
        .pools
        .iter()
        .chain(&recorded.plan.pools)
        .map(|p| p.id.as_str())
        .collect();
    let etag = |list: &[Observed], id: &str| {
        list.iter()
            .find(|o| o.pool.eq_ignore_ascii_case(id))
            .map(|o| o.etag.clone())
    };
    let mut seen = Vec::new();
    for id in planned {
        if seen.iter().any(|s: &String| s.eq_ignore_ascii_case(id)) {
            continue;
        }
        seen.push(id.to_string());
        match (etag(&recorded.observed, id), etag(now.observed, id)) {
            (None, Some(_)) => out.push(format!("pool {id} appeared since the plan was made")),
            (Some(_), None) => out.push(format!("pool {id} vanished since the plan was made")),
            (Some(a), Some(b)) if a != b => out.push(format!(
                "pool {id} changed since the plan was made (ETag {a} → {b})"
            )),
            _ => {}
        }
    }
    let ids = |plan: &Plan| -> Vec<String> {
        plan.pools
            .iter()
            .map(|p| p.id.to_ascii_lowercase())
            .collect()
    };
    let recorded_ids = ids(&recorded.plan);
    for (i, id) in recorded_ids.iter().enumerate() {
        if recorded_ids[..i].contains(id) {
            out.push(format!("pool {id} is in the plan file more than once"));
        }
    }
    if !now.plan.errors.is_empty() {
        for error in &now.plan.errors {
            out.push(format!("pool {}: {}", error.pool, error.message));
        }
    }
    compare(
        "",
        &plan_intent(&recorded.plan),
        &plan_intent(now.plan),
        &mut out,
    );
    if out.len() > SHOWN {
        let more = out.len() - SHOWN;
        out.truncate(SHOWN);
        out.push(format!("and {more} more"));
    }
    out
}

/// What a plan means to do, without what it merely observed on the way: tasks running, nodes
/// by name and state, what is pending, times of day, and the waits for the service, which
/// change nothing (a resize someone else started is stopped only by a step that says so).
fn plan_intent(plan: &Plan) -> Value {
    let pools: serde_json::Map<String, Value> = plan
        .pools
        .iter()
        .map(|pool| (pool.id.clone(), pool_intent(pool)))
        .collect();
    serde_json::json!({
        "format_version": plan.format_version,
        "pools": pools,
        "unmanaged": plan.unmanaged,
        "errors": plan.errors,
    })
}

fn pool_intent(pool: &PoolPlan) -> Value {
    let steps: Vec<&Step> = pool
        .steps
        .iter()
        .filter(|s| !matches!(s, Step::WaitSteady | Step::SyncUsers))
        .collect();
    let users = pool.users.as_ref().map(|users| {
        // Changes about users themselves, not about which nodes joined since the last sync.
        let changes: Vec<(&str, UserAction)> = users
            .changes
            .iter()
            .filter(|c| c.action != UserAction::Add || c.reason == super::users::NEW_USER)
            .map(|c| (c.user.as_str(), c.action))
            .collect();
        serde_json::json!({ "desired": users.desired, "changes": changes })
    });
    let only_waits = pool.action == Action::Update
        && pool.changes.is_empty()
        && steps.is_empty()
        && users
            .as_ref()
            .is_none_or(|u| u["changes"].as_array().is_none_or(Vec::is_empty));
    let action = if only_waits {
        Action::NoOp
    } else {
        pool.action
    };
    serde_json::json!({
        "action": action,
        "strategy": pool.strategy,
        "on_nonempty_update": pool.on_nonempty_update,
        "changes": pool.changes,
        "steps": steps,
        "nodes_removed": pool.cost.nodes_removed,
        "etag": pool.etag,
        "live": pool.live,
        "desired": pool.desired,
        "kept": pool.kept,
        "foreign": pool.foreign,
        "users": users.filter(|_| !only_waits),
    })
}

/// Names each place where `a` and `b` differ, as `pools.render.steps: [..] → [..]`.
fn compare(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b || out.len() > SHOWN {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let null = Value::Null;
                compare(
                    &join(key),
                    x.get(key).unwrap_or(&null),
                    y.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (a, b)) in x.iter().zip(y).enumerate() {
                compare(&format!("{path}[{i}]"), a, b, out);
            }
        }
        _ => {
            let path = if path.is_empty() { "plan" } else { path };
            let fingerprint = |v: &Value| v.as_str().is_some_and(|s| s.starts_with("$argon2"));
            out.push(if fingerprint(a) || fingerprint(b) {
                format!("{path}: the secret's value is not the one the plan was made with")
            } else {
                format!(
                    "{path}: the plan file says {}, planning now gives {}",
                    short(a),
                    short(b)
                )
            })
        }
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests;

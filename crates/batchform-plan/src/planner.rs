//! The planner: a pure function from (desired, live) to a [`Plan`].

use chrono::{DateTime, Utc};

use super::catalog;
use super::config::Scale;
use super::diff::{ChangeClass, FieldChange, diff};
use super::input::{Desired, DesiredPool, Live, LivePool, OnNonEmpty};
use super::model::{Action, Cost, FORMAT_VERSION, Plan, PlanError, PoolPlan, Step, Strategy};
use super::users::{self, UsersBook};

/// The deallocation option that lets running tasks finish before a node leaves.
const DRAIN_DEALLOCATION: &str = "taskcompletion";

/// Plans every pool of `desired` against `live`. `now` decides image end-of-life.
pub fn plan(desired: &Desired, live: &Live, now: DateTime<Utc>) -> Plan {
    let mut plan = plan_pools(desired, live, now);
    for pool in &mut plan.pools {
        let want = desired
            .pools
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&pool.id));
        let have = live
            .pools
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&pool.id));
        if let Some(error) = plan_users(pool, want, have, now) {
            plan.errors.push(error);
        }
    }
    plan
}

/// Plans one pool again from what it is now (`have`): the executor's way back on course after a
/// write whose answer was lost.
pub fn replan(
    want: Option<&DesiredPool>,
    have: Option<&LivePool>,
    owner: &str,
    stop_pending_resize: bool,
    now: DateTime<Utc>,
) -> Result<PoolPlan, PlanError> {
    let desired = Desired {
        owner: owner.to_string(),
        prune: want.is_none(),
        stop_pending_resize,
        pools: want.cloned().into_iter().collect(),
    };
    let live = Live {
        pools: have.cloned().into_iter().collect(),
        catalog: Vec::new(),
    };
    let mut plan = plan(&desired, &live, now);
    if let Some(error) = plan.errors.pop() {
        return Err(error);
    }
    let id = want
        .map(|w| w.id.clone())
        .or_else(|| have.map(|h| h.id.clone()))
        .unwrap_or_default();
    Ok(plan.pools.pop().unwrap_or_else(|| PoolPlan {
        on_nonempty_update: want.map(|w| w.on_nonempty_update),
        ..PoolPlan::nothing(&id)
    }))
}

/// Adds node users to a pool's plan: a sync step after everything else when the pool has users
/// (in the spec, or applied before and now to be removed), or nodes that will need them once
/// ready.
fn plan_users(
    pool: &mut PoolPlan,
    want: Option<&DesiredPool>,
    have: Option<&LivePool>,
    now: DateTime<Utc>,
) -> Option<PlanError> {
    if pool.action == Action::Delete {
        return None;
    }
    let desired = want.map(|w| w.users.as_slice()).unwrap_or_default();
    let recreated = matches!(pool.action, Action::Create | Action::Recreate);
    let book = match have {
        Some(have) if !recreated && have.users_unreadable => {
            return Some(PlanError {
                pool: pool.id.clone(),
                field: Some("users".into()),
                message: format!(
                    "the node-user bookkeeping of pool `{}` (metadata `{}`) cannot be read, so which users its nodes hold is unknown",
                    pool.id,
                    users::BOOK
                ),
                hint: Some("restore the entry as batchform wrote it, or reimage the pool's nodes (which removes every node user) and delete the entry".into()),
            });
        }
        Some(have) if !recreated => have.users.clone(),
        _ => UsersBook::default(),
    };
    if desired.is_empty() && book.users.is_empty() {
        return None;
    }
    // A pool about to be created, recreated or drained has no nodes to plan against yet.
    let nodes = match have.and_then(|h| h.nodes.as_ref()) {
        Some(nodes) if !recreated && pool.strategy != Some(Strategy::Drain) => nodes.as_slice(),
        _ => &[],
    };
    let users = users::plan(desired, &book, nodes, now);
    let reshaped = !pool.steps.is_empty();
    let waiting = users.waiting();
    if users.has_changes() || reshaped || waiting > 0 {
        pool.steps.push(Step::SyncUsers);
        if pool.action == Action::NoOp {
            pool.action = Action::Update;
        }
    }
    if waiting > 0 {
        pool.pending.push(format!(
            "{waiting} node{} not ready for users yet: apply waits for {} and then brings users in line",
            if waiting == 1 { "" } else { "s" },
            if waiting == 1 { "it" } else { "them" },
        ));
    }
    pool.users = Some(users);
    None
}

fn plan_pools(desired: &Desired, live: &Live, now: DateTime<Utc>) -> Plan {
    let mut plan = Plan {
        account: Default::default(),
        format_version: FORMAT_VERSION.to_string(),
        pools: Vec::new(),
        unmanaged: Vec::new(),
        errors: Vec::new(),
    };
    // Pool ids are case-insensitive in the service.
    let find_live = |id: &str| live.pools.iter().find(|p| p.id.eq_ignore_ascii_case(id));
    let find_desired = |id: &str| desired.pools.iter().find(|p| p.id.eq_ignore_ascii_case(id));

    for want in &desired.pools {
        plan.errors
            .extend(catalog::check(&want.id, &want.config, &live.catalog, now));
        match find_live(&want.id) {
            None => plan.pools.push(create(want)),
            Some(have) => match &have.owner {
                Some(owner) if owner == &desired.owner => match update(want, have) {
                    Ok(mut pool) => {
                        if desired.stop_pending_resize {
                            stop_instead_of_waiting(&mut pool.steps);
                        }
                        plan.pools.push(pool)
                    }
                    Err(error) => plan.errors.push(error),
                },
                Some(owner) => plan.errors.push(PlanError {
                    pool: want.id.clone(),
                    field: None,
                    message: format!("pool `{}` belongs to owner `{owner}`, not `{}`", have.id, desired.owner),
                    hint: Some("pools are never taken over; use another pool id, or remove it from the other spec first".into()),
                }),
                None if want.adopt => match adopt(want, have) {
                    Ok(pool) => plan.pools.push(pool),
                    Err(error) => plan.errors.push(error),
                },
                None => plan.errors.push(PlanError {
                    pool: want.id.clone(),
                    field: None,
                    message: format!("pool `{}` already exists and is not managed by batchform", have.id),
                    hint: Some(format!(
                        "to manage it from this spec, set `adopt = true` on the pool (`batchform export {}` writes its spec), or use another pool id",
                        have.id
                    )),
                }),
            },
        }
    }

    for have in &live.pools {
        if find_desired(&have.id).is_some() {
            continue;
        }
        if have.owner.as_deref() != Some(desired.owner.as_str()) {
            plan.unmanaged.push(have.id.clone());
        } else if have.deleting {
            // Already on its way out; nothing to do.
        } else if desired.prune && have.config.protect {
            plan.errors.push(PlanError {
                pool: have.id.clone(),
                field: None,
                message: format!("pool `{}` is protected and cannot be deleted by pruning", have.id),
                hint: Some("put it back in the spec, or set `protect = false` and apply before removing it".into()),
            });
        } else if desired.prune {
            plan.pools.push(delete(have));
        } else {
            // Owned but no longer in the spec, and pruning is off: left alone, and said so.
            plan.unmanaged.push(have.id.clone());
        }
    }
    plan.pools.sort_by(|a, b| a.id.cmp(&b.id));
    plan.unmanaged.sort();
    plan
}

fn create(want: &DesiredPool) -> PoolPlan {
    PoolPlan {
        action: Action::Create,
        on_nonempty_update: Some(want.on_nonempty_update),
        // The create body carries node counts or the autoscale formula: one step.
        steps: vec![Step::Create],
        desired: Some(want.config.clone()),
        ..PoolPlan::nothing(&want.id)
    }
}

fn delete(have: &LivePool) -> PoolPlan {
    PoolPlan {
        action: Action::Delete,
        steps: vec![Step::Delete],
        cost: Cost {
            nodes_removed: have.current_nodes(),
            running_tasks: have.running_tasks.unwrap_or(0),
            tasks_requeued: true,
            unavailable: true,
            deallocation: None,
        },
        etag: Some(have.etag.clone()),
        live: Some(have.config.clone()),
        kept: have.kept.clone(),
        foreign: have.foreign.clone(),
        ..PoolPlan::nothing(&have.id)
    }
}

fn update(want: &DesiredPool, have: &LivePool) -> Result<PoolPlan, PlanError> {
    let (want, have, ignored) = &ignoring(want, have);
    let mut pool = update_steps(want, have)?;
    pool.ignored = ignored.clone();
    pool.ignore_changes = want.ignore_changes.clone();
    pool.node_deallocation = Some(want.node_deallocation.clone());
    // A PATCH cannot remove a start task: the call that can follows each PATCH, a step of its own.
    if want.config.start_task.is_none() && have.config.start_task.is_some() {
        let mut steps = Vec::new();
        for step in pool.steps.drain(..) {
            let patch = matches!(step, Step::Patch { .. });
            steps.push(step);
            if patch {
                steps.push(Step::RemoveStartTask);
            }
        }
        pool.steps = steps;
    }
    Ok(pool)
}

/// A pool no one owns, taken over as `adopt = true` asks: ownership is written, and any other
/// difference is planned as for an owned pool. The write-only values the service never tells
/// back are assumed to be the spec's (their fingerprints are recorded), and metadata keys the
/// spec does not set stay as they are, someone else's.
fn adopt(want: &DesiredPool, have: &LivePool) -> Result<PoolPlan, PlanError> {
    if have.deleting {
        // Going away: there is nothing to adopt, only a pool to create once it is gone.
        return update(want, have);
    }
    let mut have = have.clone();
    have.config.assume_secrets_of(&want.config);
    let foreign: Vec<String> = have
        .config
        .metadata
        .keys()
        .filter(|k| !want.config.metadata.contains_key(*k))
        .cloned()
        .collect();
    for key in foreign {
        if let Some(value) = have.config.metadata.remove(&key) {
            have.foreign.insert(key, value);
        }
    }
    let mut pool = update(want, &have)?;
    pool.adopt = true;
    if !want.config.sensitive().is_empty() {
        pool.notes.push(
            "its passwords and keys cannot be read back: they are taken to be the ones the spec's references hold"
                .into(),
        );
    }
    if pool.action == Action::NoOp {
        pool.action = Action::Update;
    }
    if !pool.steps.iter().any(|s| matches!(s, Step::Patch { .. })) {
        // Ownership is written by a PATCH; other steps, if any, follow it.
        pool.steps.insert(0, Step::Patch { empty_only: false });
    }
    Ok(pool)
}

/// The pool as planned when the fields in `ignore_changes` are someone else's: the live value
/// stands for the spec's, an ignored metadata key is foreign (kept by every write, never
/// removed), and what differs is returned as ignored drift.
fn ignoring(want: &DesiredPool, have: &LivePool) -> (DesiredPool, LivePool, Vec<FieldChange>) {
    let (mut want, mut have) = (want.clone(), have.clone());
    let mut ignored = Vec::new();
    for field in &want.ignore_changes.clone() {
        if field == "scale" {
            let mut spec = have.config.clone();
            spec.scale = want.config.scale.clone();
            ignored.extend(diff(&have.config, &spec));
            want.config.scale = have.config.scale.clone();
        } else if let Some(key) = field.strip_prefix("metadata.")
            && let Some(value) = have.config.metadata.remove(key)
        {
            // Set by batchform once, someone else's now: handed over as it is.
            have.foreign.insert(key.to_string(), value);
        }
    }
    (want, have, ignored)
}

fn update_steps(want: &DesiredPool, have: &LivePool) -> Result<PoolPlan, PlanError> {
    let changes = diff(&have.config, &want.config);
    let mut pool = PoolPlan {
        on_nonempty_update: Some(want.on_nonempty_update),
        changes,
        etag: Some(have.etag.clone()),
        live: Some(have.config.clone()),
        desired: Some(want.config.clone()),
        kept: have.kept.clone(),
        foreign: have.foreign.clone(),
        ..PoolPlan::nothing(&have.id)
    };
    if have.deleting {
        // The service refuses every write to a deleting pool; wait for it to go, then create.
        pool.action = Action::Create;
        pool.steps = vec![Step::WaitDeleted, Step::Create];
        return Ok(pool);
    }
    let scale_ignored = want.ignore_changes.iter().any(|f| f == "scale");
    if pool.changes.is_empty() {
        // The spec's node counts, but the account is not there yet.
        if let (
            false,
            Scale::Fixed {
                dedicated,
                low_priority,
                ..
            },
        ) = (have.steady || scale_ignored, &want.config.scale)
        {
            pool.action = Action::Update;
            pool.steps.push(Step::WaitSteady);
            pool.pending.push(format!(
                "a resize is in flight ({} of {} nodes): apply waits for it to finish",
                have.current_nodes(),
                dedicated + low_priority
            ));
        }
        if let Some(step) = stopped_short(have, &want.config.scale).filter(|_| !scale_ignored) {
            pool.action = Action::Update;
            pool.steps.push(step);
        }
        return Ok(pool);
    }
    pool.action = Action::Update;
    let has = |class: ChangeClass| pool.changes.iter().any(|c| c.class == class);

    if has(ChangeClass::EmptyOnly) {
        let strategy = if have.is_empty() {
            Strategy::PatchEmpty
        } else {
            match want.on_nonempty_update {
                OnNonEmpty::Drain => Strategy::Drain,
                OnNonEmpty::Recreate => Strategy::Recreate,
                OnNonEmpty::Refuse => return Err(refused(want, have, &pool.changes)),
            }
        };
        if strategy == Strategy::Recreate && (want.config.protect || have.config.protect) {
            return Err(PlanError {
                pool: want.id.clone(),
                field: None,
                message: format!(
                    "pool `{}` is protected and these changes would recreate it",
                    want.id
                ),
                hint: Some(
                    "set `on_nonempty_update = \"drain\"` to update it without deleting it".into(),
                ),
            });
        }
        pool.strategy = Some(strategy);
        pool.steps = match strategy {
            Strategy::PatchEmpty => {
                let mut steps = vec![Step::Patch { empty_only: true }];
                steps.extend(scale_steps(&have.config.scale, &want.config.scale, false));
                steps
            }
            Strategy::Drain => drain_steps(have, want),
            Strategy::Recreate => vec![Step::Delete, Step::Create],
        };
        pool.action = if strategy == Strategy::Recreate {
            Action::Recreate
        } else {
            Action::Update
        };
        pool.cost = match strategy {
            Strategy::PatchEmpty => Cost::default(),
            Strategy::Drain => Cost {
                nodes_removed: have.current_nodes(),
                running_tasks: have.running_tasks.unwrap_or(0),
                tasks_requeued: false,
                unavailable: true,
                deallocation: Some(DRAIN_DEALLOCATION.into()),
            },
            Strategy::Recreate => Cost {
                nodes_removed: have.current_nodes(),
                running_tasks: have.running_tasks.unwrap_or(0),
                tasks_requeued: true,
                unavailable: true,
                deallocation: None,
            },
        };
        return Ok(pool);
    }

    if !have.steady && (has(ChangeClass::Resize) || has(ChangeClass::Autoscale)) {
        pool.steps.push(Step::WaitSteady);
    }
    if has(ChangeClass::InPlace) {
        pool.steps.push(Step::Patch { empty_only: false });
    }
    pool.steps
        .extend(scale_steps(&have.config.scale, &want.config.scale, false));
    if !scale_ignored
        && !pool.steps.iter().any(|s| matches!(s, Step::Resize { .. }))
        && let Some(step) = stopped_short(have, &want.config.scale)
    {
        pool.steps.push(step);
    }
    shrink(&mut pool, want, have);
    Ok(pool)
}

/// A resize that removes nodes: it says what happens to their tasks (the spec's
/// `node_deallocation`), and what that costs.
fn shrink(pool: &mut PoolPlan, want: &DesiredPool, have: &LivePool) {
    for step in &mut pool.steps {
        if let Step::Resize {
            dedicated,
            low_priority,
            deallocation: deallocation @ None,
            ..
        } = step
            && *dedicated + *low_priority < have.current_nodes()
        {
            *deallocation = Some(want.node_deallocation.clone());
            pool.cost = Cost {
                nodes_removed: have.current_nodes() - (*dedicated + *low_priority),
                running_tasks: have.running_tasks.unwrap_or(0),
                tasks_requeued: want.node_deallocation == "requeue",
                unavailable: *dedicated + *low_priority == 0,
                deallocation: Some(want.node_deallocation.clone()),
            };
        }
    }
}

/// A steady pool with other node counts than its target asks for (a resize that stopped short:
/// a quota, a stop, an allocation failure): the resize to send again. (Preempted Spot nodes
/// still count as the pool's until the service replaces them.)
fn stopped_short(have: &LivePool, want: &Scale) -> Option<Step> {
    match want {
        Scale::Fixed {
            dedicated,
            low_priority,
            resize_timeout,
        } if have.steady
            && !have.deleting
            && (have.current_dedicated != *dedicated
                || have.current_low_priority != *low_priority) =>
        {
            Some(Step::Resize {
                dedicated: *dedicated,
                low_priority: *low_priority,
                resize_timeout: *resize_timeout,
                deallocation: None,
            })
        }
        _ => None,
    }
}

/// Asked to: the wait for a resize someone else started becomes a stop of that resize.
fn stop_instead_of_waiting(steps: &mut [Step]) {
    for step in steps {
        if *step == Step::WaitSteady {
            *step = Step::StopResize;
        }
    }
}

/// Steps that take the pool from `from` scale settings to `to`. `force` re-sends the target
/// even when unchanged (after a patch that needed the pool empty, the counts must come back).
fn scale_steps(from: &Scale, to: &Scale, force: bool) -> Vec<Step> {
    match (from, to) {
        (
            _,
            Scale::Fixed {
                dedicated,
                low_priority,
                resize_timeout,
            },
        ) => {
            let mut steps = Vec::new();
            if matches!(from, Scale::Auto { .. }) {
                steps.push(Step::DisableAutoscale);
            }
            if force || from != to {
                steps.push(Step::Resize {
                    dedicated: *dedicated,
                    low_priority: *low_priority,
                    resize_timeout: *resize_timeout,
                    deallocation: None,
                });
            }
            steps
        }
        (_, Scale::Auto { formula, interval }) if force || from != to => {
            vec![Step::EnableAutoscale {
                formula: formula.clone(),
                interval: *interval,
            }]
        }
        _ => Vec::new(),
    }
}

/// Resize to zero letting tasks finish, patch, then scale back to what the spec wants.
fn drain_steps(have: &LivePool, want: &DesiredPool) -> Vec<Step> {
    let mut steps = Vec::new();
    if !have.steady {
        steps.push(Step::WaitSteady);
    }
    let timeout = match &have.config.scale {
        Scale::Fixed { resize_timeout, .. } => *resize_timeout,
        Scale::Auto { .. } => {
            steps.push(Step::DisableAutoscale);
            super::config::DEFAULT_RESIZE_TIMEOUT
        }
    };
    steps.push(Step::Resize {
        dedicated: 0,
        low_priority: 0,
        resize_timeout: timeout,
        deallocation: Some(DRAIN_DEALLOCATION.to_string()),
    });
    steps.push(Step::Patch { empty_only: true });
    let drained = Scale::Fixed {
        dedicated: 0,
        low_priority: 0,
        resize_timeout: timeout,
    };
    steps.extend(scale_steps(&drained, &want.config.scale, true));
    steps
}

fn refused(want: &DesiredPool, have: &LivePool, changes: &[FieldChange]) -> PlanError {
    let fields: Vec<&str> = changes
        .iter()
        .filter(|c| c.class == ChangeClass::EmptyOnly)
        .map(|c| c.path.as_str())
        .collect();
    PlanError {
        pool: want.id.clone(),
        field: fields.first().map(|f| f.to_string()),
        message: format!(
            "{} can change only while the pool is empty, and pool `{}` has {} nodes (on_nonempty_update = \"refuse\")",
            fields.join(", "),
            have.id,
            have.current_nodes()
        ),
        hint: Some(
            "scale the pool to zero first, or set on_nonempty_update = \"drain\" or \"recreate\""
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;

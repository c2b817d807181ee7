//! The executor: each pool's steps in order, pools concurrently (requests are bounded by the
//! client's `--parallelism`), every write to an existing pool conditional on the ETag it was
//! planned against, and an honest account of how it ended.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::progress::PoolProgress;
use super::wait::{self, Poll, WaitError};
use super::{ApplyError, Shared};
use crate::canonical;
use crate::observe::{self, PoolStatus};
use batchform_batch::ErrorCode;
use batchform_plan::{Action, Plan, PoolPlan, Step};

/// How one pool's apply ended.
#[derive(Debug)]
pub struct Outcome {
    pub pool: String,
    pub action: Action,
    pub elapsed: Duration,
    pub result: Result<String, ApplyError>,
}

/// Carries out every pool's steps; pools run concurrently and fail independently.
pub async fn apply(plan: &Plan, context: Arc<Shared>) -> Vec<Outcome> {
    let mut tasks = JoinSet::new();
    for pool in plan.pools.iter().filter(|p| p.action != Action::NoOp) {
        let pool = pool.clone();
        let context = context.clone();
        tasks.spawn(async move {
            let progress = context.progress.pool(&pool.id);
            let result = run(&pool, &context, &progress).await;
            match &result {
                Ok(done) => progress.finish(done),
                Err(error) => progress.finish(&format!("failed: {error}")),
            }
            Outcome {
                pool: pool.id.clone(),
                action: pool.action,
                elapsed: progress.elapsed(),
                result,
            }
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => outcomes.push(outcome),
            // A panicking task is a bug; report it rather than lose the other pools' outcomes.
            Err(error) => outcomes.push(Outcome {
                pool: "?".into(),
                action: Action::NoOp,
                elapsed: Duration::ZERO,
                result: Err(ApplyError::Internal(error.to_string())),
            }),
        }
    }
    outcomes.sort_by(|a, b| a.pool.cmp(&b.pool));
    outcomes
}

/// How often a pool is planned again after writes whose answers were lost.
const MAX_ROUNDS: usize = 5;

/// One pool: its steps, and when a write's answer is lost (the write may or may not have
/// happened), a fresh look at the pool and a new plan for it from what is there.
async fn run(pool: &PoolPlan, cx: &Shared, progress: &PoolProgress) -> Result<String, ApplyError> {
    let mut current = pool.clone();
    for round in 1.. {
        match run_steps(&current, cx, progress).await {
            Ok(()) => break,
            Err(error) if error.is_ambiguous() && round < MAX_ROUNDS => {
                progress.phase("an answer was lost; looking at the pool again");
                current = replan(pool, cx).await?;
            }
            Err(error) => return Err(error),
        }
    }
    settled(pool, cx, progress).await
}

/// The pool's plan made again against the pool as it is now.
async fn replan(pool: &PoolPlan, cx: &Shared) -> Result<PoolPlan, ApplyError> {
    let want = pool
        .desired
        .clone()
        .map(|config| batchform_plan::DesiredPool {
            id: pool.id.clone(),
            config,
            on_nonempty_update: pool.on_nonempty_update.unwrap_or_default(),
            ignore_changes: pool.ignore_changes.clone(),
            adopt: pool.adopt,
            node_deallocation: pool
                .node_deallocation
                .clone()
                .unwrap_or_else(|| "taskcompletion".into()),
            users: pool
                .users
                .as_ref()
                .map(|u| u.desired.clone())
                .unwrap_or_default(),
        });
    let found = cx
        .client
        .get_pool::<batchform_batch::wire::Pool>(&pool.id, None)
        .await?;
    let mut have = found.map(|(live, _)| canonical::live::live_pool(&live));
    if let Some(have) = &mut have
        && (want.as_ref().is_some_and(|w| !w.users.is_empty()) || !have.users.users.is_empty())
    {
        have.nodes = Some(observe::user_nodes(&cx.client, &pool.id).await?);
    }
    batchform_plan::planner::replan(
        want.as_ref(),
        have.as_ref(),
        &cx.owner,
        cx.options.stop_pending_resize,
        cx.client.service_now(),
    )
    .map_err(|e| ApplyError::Conflict {
        pool: pool.id.clone(),
        detail: e.message,
    })
}

/// One pool's steps in order. `etag` follows the pool through them: the planned one for the
/// first write, then the one each write or wait saw last.
async fn run_steps(
    pool: &PoolPlan,
    cx: &Shared,
    progress: &PoolProgress,
) -> Result<(), ApplyError> {
    let id = pool.id.as_str();
    // The ETag every write is conditional on, and batchform's entries as they were at that
    // ETag: a metadata write replaces metadata whole, so it must carry them along.
    let mut etag = pool.etag.clone();
    let mut kept = (pool.kept.clone(), pool.foreign.clone());
    let seen = |status: PoolStatus, etag: &mut Option<String>, kept: &mut (_, _)| {
        *kept = (status.book.kept(), status.foreign);
        *etag = Some(status.etag);
    };
    for step in &pool.steps {
        match step {
            Step::WaitSteady => {
                progress.phase("waiting for the running resize to finish");
                seen(settle_resize(cx, id, progress).await?, &mut etag, &mut kept);
            }
            Step::StopResize => {
                progress.phase("stopping the running resize");
                match cx.client.stop_resize(id, Some(condition(id, &etag)?)).await {
                    Ok(_) => {}
                    // It finished meanwhile: nothing left to stop.
                    Err(e) if e.is(ErrorCode::OperationInvalidForCurrentState) => {}
                    Err(e) => return Err(ApplyError::of_write(id, e)),
                }
                seen(settle_resize(cx, id, progress).await?, &mut etag, &mut kept);
            }
            Step::WaitDeleted => {
                progress.phase("waiting for the earlier deletion to finish");
                wait_gone(cx, id).await?;
            }
            Step::Create => {
                progress.phase("creating");
                create(pool, cx).await?;
                seen(wait_steady(cx, id, progress).await?, &mut etag, &mut kept);
            }
            Step::Patch { empty_only } => {
                progress.phase(if *empty_only {
                    "updating (pool empty)"
                } else {
                    "updating"
                });
                let desired = pool
                    .desired
                    .as_ref()
                    .ok_or_else(|| ApplyError::Internal("patch without a desired config".into()))?;
                let body = canonical::patch_body(
                    id,
                    desired,
                    *empty_only,
                    &cx.owner,
                    &cx.secrets,
                    &canonical::AsRead {
                        kept: &kept.0,
                        foreign: &kept.1,
                        live: pool.live.as_ref(),
                    },
                )
                .map_err(|e| ApplyError::Secret(e.to_string()))?;
                let condition = condition(id, &etag)?;
                etag = written(id, cx.client.patch_pool(id, &body, Some(condition)).await)?;
            }
            Step::RemoveStartTask => {
                progress.phase("removing the start task");
                let desired = pool.desired.as_ref().ok_or_else(|| {
                    ApplyError::Internal("a start-task removal without a desired config".into())
                })?;
                // The call takes no condition. So: read the pool right before, stop if anyone
                // wrote since the conditional PATCH before it, send what was read (batchform's
                // entries included), and send it once (see `replace_pool_properties`).
                let status = observe::pool_status(&cx.client, id)
                    .await?
                    .ok_or_else(|| ApplyError::Vanished(id.to_string()))?;
                if etag.as_deref() != Some(status.etag.as_str()) {
                    return Err(ApplyError::Stale(id.to_string()));
                }
                let body = canonical::replace_properties_body(
                    desired,
                    &cx.owner,
                    &status.book.kept(),
                    &status.foreign,
                );
                etag = written(id, cx.client.replace_pool_properties(id, &body).await)?.or(etag);
            }
            Step::DisableAutoscale => {
                progress.phase("disabling autoscale");
                etag = written(id, cx.client.disable_autoscale(id).await)?.or(etag);
            }
            Step::Resize {
                dedicated,
                low_priority,
                resize_timeout,
                deallocation,
            } => {
                progress.phase(&format!(
                    "resizing to {dedicated} dedicated, {low_priority} low-priority"
                ));
                let body = canonical::resize_body(
                    *dedicated,
                    *low_priority,
                    *resize_timeout,
                    deallocation.as_deref(),
                );
                let condition = condition(id, &etag)?;
                written(id, cx.client.resize_pool(id, &body, Some(condition)).await)?;
                seen(wait_steady(cx, id, progress).await?, &mut etag, &mut kept);
            }
            Step::EnableAutoscale { formula, interval } => {
                progress.phase("enabling autoscale");
                let body = canonical::autoscale_body(formula, *interval);
                let condition = condition(id, &etag)?;
                written(
                    id,
                    cx.client.enable_autoscale(id, &body, Some(condition)).await,
                )?;
                seen(wait_steady(cx, id, progress).await?, &mut etag, &mut kept);
            }
            Step::Delete => {
                progress.phase("deleting");
                match cx.client.delete_pool(id, Some(condition(id, &etag)?)).await {
                    Ok(()) => {}
                    // Already going or gone: what was asked for.
                    Err(e) if e.is_not_found() || e.is(ErrorCode::PoolBeingDeleted) => {}
                    Err(e) => return Err(ApplyError::of_write(id, e)),
                }
                wait_gone(cx, id).await?;
                etag = None;
            }
            Step::SyncUsers => {
                let users = super::users::sync(pool, cx, progress, etag.clone()).await?;
                etag = users.or(etag);
            }
        }
    }
    Ok(())
}

/// Creates the pool. A create whose answer was lost may have happened: look before repeating it,
/// and count a pool that exists with this owner and this configuration as created.
async fn create(pool: &PoolPlan, cx: &Shared) -> Result<(), ApplyError> {
    let id = pool.id.as_str();
    let desired = pool
        .desired
        .as_ref()
        .ok_or_else(|| ApplyError::Internal("create without a desired config".into()))?;
    let body = canonical::create_body(id, desired, &cx.owner, &cx.secrets)
        .map_err(|e| ApplyError::Secret(e.to_string()))?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match cx.client.create_pool(id, &body).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is(ErrorCode::PoolExists) || e.is_ambiguous() => {
                match observe::pool_status(&cx.client, id).await? {
                    Some(status) if status.owner.as_deref() == Some(cx.owner.as_str()) && status.config_hash.as_deref() == Some(canonical::config_hash(desired).as_str()) => {
                        return Ok(());
                    }
                    Some(_) => return Err(ApplyError::Conflict { pool: id.to_string(), detail: "a pool with this id appeared while applying, with another owner or configuration".into() }),
                    // Not there: the create did not happen; try again (a few times at most).
                    None if attempts < 4 => continue,
                    None => return Err(ApplyError::from(e)),
                }
            }
            Err(e) => return Err(ApplyError::from(e)),
        }
    }
}

/// Waits until a resize batchform did not start is over, however it ended: its errors are not
/// this apply's (a quota it met will be met, and reported, by the resize that follows).
async fn settle_resize(
    cx: &Shared,
    id: &str,
    progress: &PoolProgress,
) -> Result<PoolStatus, ApplyError> {
    wait::until(cx.options.backoff, cx.options.timeout, || async {
        match observe::pool_status(&cx.client, id).await? {
            None => Err(ApplyError::Vanished(id.to_string())),
            Some(status) if status.deleting => Err(ApplyError::Vanished(id.to_string())),
            Some(status) if status.steady => Ok(Poll::Ready(status)),
            Some(status) => {
                progress.phase(&format!(
                    "{}: {} of {} nodes",
                    status.allocation_state,
                    status.current_nodes(),
                    status.target_nodes()
                ));
                Ok(Poll::Pending)
            }
        }
    })
    .await
    .map_err(|e| timed_out(id, "the pool to become steady", e))
}

/// Waits until the pool's allocation is steady, failing on resize errors.
async fn wait_steady(
    cx: &Shared,
    id: &str,
    progress: &PoolProgress,
) -> Result<PoolStatus, ApplyError> {
    let status = settle_resize(cx, id, progress).await?;
    if !status.resize_errors.is_empty() {
        return Err(ApplyError::ResizeFailed {
            pool: id.to_string(),
            current: status.current_nodes(),
            target: status.target_nodes(),
            errors: status.resize_errors.clone(),
        });
    }
    Ok(status)
}

async fn wait_gone(cx: &Shared, id: &str) -> Result<(), ApplyError> {
    wait::until(cx.options.backoff, cx.options.timeout, || async {
        Ok(match observe::pool_status(&cx.client, id).await? {
            None => Poll::Ready(()),
            Some(_) => Poll::Pending,
        })
    })
    .await
    .map_err(|e| timed_out(id, "the pool to be deleted", e))
}

/// After the steps: nodes must come up usable. Waits for nodes still starting, and fails on
/// nodes whose start task failed or that are unusable, naming them and the counts.
async fn settled(
    pool: &PoolPlan,
    cx: &Shared,
    progress: &PoolProgress,
) -> Result<String, ApplyError> {
    if pool.action == Action::Delete {
        return Ok("deleted".into());
    }
    let id = pool.id.as_str();
    // Steady first (with its resize errors), then the nodes: a resize whose answer was lost may
    // still be under way.
    wait_steady(cx, id, progress).await?;
    // A user sync has waited for the nodes already, up to the timeout: once is enough.
    let timeout = if pool.steps.contains(&Step::SyncUsers) {
        Duration::ZERO
    } else {
        cx.options.timeout
    };
    let counts = wait::until(cx.options.backoff, timeout, || async {
        let counts = observe::node_states(&cx.client, id).await?;
        if counts.starting() == 0 {
            Ok(Poll::Ready(counts))
        } else {
            progress.phase(&format!("nodes starting: {}", counts.describe()));
            Ok(Poll::Pending)
        }
    })
    .await
    .map_err(|e| match e {
        // Said with the whole wait, the sync's included.
        WaitError::TimedOut(_) => WaitError::TimedOut(cx.options.timeout),
        failed => failed,
    })
    .map_err(|e| timed_out(id, "its nodes to start", e))?;
    if counts.failed() > 0 {
        return Err(ApplyError::NodesFailed {
            pool: id.to_string(),
            states: counts.describe(),
        });
    }
    Ok(match pool.action {
        Action::Create => format!("created, {}", counts.describe()),
        Action::Recreate => format!("recreated, {}", counts.describe()),
        _ => format!("updated, {}", counts.describe()),
    })
}

/// The ETag a write to an existing pool is conditional on. There is always one, from the plan
/// or from the write or wait before; a write without one could overwrite anybody's change.
fn condition<'a>(id: &str, etag: &'a Option<String>) -> Result<&'a str, ApplyError> {
    etag.as_deref().filter(|e| !e.is_empty()).ok_or_else(|| {
        ApplyError::Internal(format!(
            "pool {id}: a write without an ETag to make it conditional"
        ))
    })
}

/// The new ETag of a write, or the error it ended with (a 412 means the pool changed since the plan).
fn written(
    id: &str,
    result: Result<Option<String>, batchform_batch::Error>,
) -> Result<Option<String>, ApplyError> {
    result.map_err(|e| ApplyError::of_write(id, e))
}

fn timed_out(id: &str, what: &str, error: WaitError<ApplyError>) -> ApplyError {
    match error {
        WaitError::Failed(e) => e,
        WaitError::TimedOut(after) => ApplyError::TimedOut {
            pool: id.to_string(),
            waiting_for: what.to_string(),
            after,
        },
    }
}

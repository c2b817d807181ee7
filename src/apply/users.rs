//! Bringing node users in line: plan them again against the nodes of the moment, fan the calls
//! out over the nodes, then record what was applied in the pool's bookkeeping.

use futures_util::future::join_all;

use super::ApplyError;
use super::Shared;
use super::progress::PoolProgress;
use super::wait::{self, Poll};
use crate::canonical;
use crate::observe;
use batchform_batch::{Error, ErrorCode};
use batchform_plan::PoolPlan;
use batchform_plan::users::{self, UserAction, UserChange, UserConfig};

/// Syncs the pool's users; returns the pool's new ETag when the bookkeeping was written.
///
/// The bookkeeping always holds every user a node may have: before the node calls, every user
/// they may set is recorded as unconfirmed (the intent); after they all succeed, the users are
/// recorded as applied (the confirmation). Both writes are conditional on the ETag read with the
/// bookkeeping, so of two applies racing, one finds out; it then adds the users it may have set
/// to the winner's bookkeeping, for the next apply to put right.
pub async fn sync(
    pool: &PoolPlan,
    cx: &Shared,
    progress: &PoolProgress,
    etag: Option<String>,
) -> Result<Option<String>, ApplyError> {
    let id = pool.id.as_str();
    let desired: &[UserConfig] = pool
        .users
        .as_ref()
        .map(|u| u.desired.as_slice())
        .unwrap_or_default();
    progress.phase("waiting for nodes to be ready for users");
    // Nodes still starting will be ready soon: wait for them rather than leave them pending.
    let _ = wait::until(cx.options.backoff, cx.options.timeout, || async {
        let counts = observe::node_states(&cx.client, id).await?;
        Ok::<_, ApplyError>(if counts.starting() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        })
    })
    .await;
    let nodes = observe::user_nodes(&cx.client, id).await?;
    let status = observe::pool_status(&cx.client, id)
        .await?
        .ok_or_else(|| ApplyError::Vanished(id.to_string()))?;
    if status.users_unreadable {
        return Err(ApplyError::Conflict {
            pool: id.to_string(),
            detail: format!(
                "the node-user bookkeeping (metadata `{}`) cannot be read, so which users the nodes hold is unknown; nothing was changed",
                users::BOOK
            ),
        });
    }
    let plan = users::plan(desired, &status.users, &nodes, cx.client.service_now());
    if !plan.has_changes() && plan.book == status.users {
        return Ok(etag);
    }
    let mut etag = status.etag.clone();
    if plan.has_changes() {
        let intent = plan.intent(&status.users);
        if intent != status.users {
            etag = write_book(cx, id, &status, &intent, &etag).await?;
        }
        progress.phase(&format!("node users: {} calls", plan.calls()));
        let calls = plan
            .changes
            .iter()
            .flat_map(|change| change.nodes.iter().map(move |node| (change, node)));
        let results =
            join_all(calls.map(|(change, node)| apply_one(cx, id, node, change, &plan.book))).await;
        let mut failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        if !failures.is_empty() {
            let total = failures.len();
            failures.truncate(3);
            return Err(ApplyError::Conflict {
                pool: id.to_string(),
                detail: format!(
                    "{total} node-user call(s) failed; the users stay recorded as unconfirmed and the next apply sets them again: {}",
                    failures.join("; ")
                ),
            });
        }
    }
    match write_book(cx, id, &status, &plan.book, &etag).await {
        Err(ApplyError::Stale(_)) => {
            merge_after_race(cx, id, &plan).await?;
            Err(ApplyError::Conflict {
                pool: id.to_string(),
                detail: "another writer changed the pool while its node users were being set; what this apply set is recorded, run `batchform apply` again to finish".into(),
            })
        }
        other => other.map(Some),
    }
}

/// Records `users` as the pool's node-user bookkeeping, conditional on `etag` (read together
/// with `status`), keeping every other metadata entry as it was.
async fn write_book(
    cx: &Shared,
    id: &str,
    status: &observe::PoolStatus,
    users: &users::UsersBook,
    etag: &str,
) -> Result<String, ApplyError> {
    let body = canonical::users_patch_body(&status.user_metadata, &status.book, users);
    let written = cx
        .client
        .patch_pool(id, &body, Some(etag))
        .await
        .map_err(|e| ApplyError::of_write(id, e))?;
    Ok(written.unwrap_or_else(|| etag.to_string()))
}

/// After losing a race for the bookkeeping: adds every user this sync may have set to the
/// bookkeeping that won, as unconfirmed, however many more times others write meanwhile.
async fn merge_after_race(
    cx: &Shared,
    id: &str,
    plan: &users::UsersPlan,
) -> Result<(), ApplyError> {
    for _ in 0..MERGE_ATTEMPTS {
        let status = observe::pool_status(&cx.client, id)
            .await?
            .ok_or_else(|| ApplyError::Vanished(id.to_string()))?;
        // Written even when it reads the same: the write moves the ETag, so a racer that is
        // about to confirm bookkeeping without these users finds out and merges in its turn.
        let merged = plan.merged_into(&status.users);
        match write_book(cx, id, &status, &merged, &status.etag).await {
            Err(ApplyError::Stale(_)) => continue,
            other => return other.map(|_| ()),
        }
    }
    Err(ApplyError::Conflict {
        pool: id.to_string(),
        detail:
            "the pool's metadata keeps changing; the node users this apply set may not be recorded"
                .into(),
    })
}

/// How often a merge after a lost race is tried before giving up.
const MERGE_ATTEMPTS: usize = 8;

/// One user on one node. A node that is gone, or a user already in the wanted state, is not a failure.
/// Each call is made so that repeating it is harmless (an add that finds the user replaces it,
/// a delete that finds none is done), so one whose answer was lost is simply made again.
async fn apply_one(
    cx: &Shared,
    pool: &str,
    node: &str,
    change: &UserChange,
    book: &users::UsersBook,
) -> Result<(), String> {
    let mut attempt = 1;
    loop {
        match apply_once(cx, pool, node, change, book).await {
            Err((_, true)) if attempt < CALL_ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt as u64)).await;
                attempt += 1;
            }
            other => return other.map_err(|(error, _)| error),
        }
    }
}

/// How often one user's call on one node is made when its answers are lost.
const CALL_ATTEMPTS: usize = 4;

/// One attempt; an error says whether the call may have been carried out (and so may be
/// repeated).
async fn apply_once(
    cx: &Shared,
    pool: &str,
    node: &str,
    change: &UserChange,
    book: &users::UsersBook,
) -> Result<(), (String, bool)> {
    let name = change.user.as_str();
    let client = &cx.client;
    let gone = |e: &Error| e.is(ErrorCode::NodeNotFound);
    let result: Result<(), Error> = async {
        let record = book.users.get(name);
        match change.action {
            UserAction::Delete => match client.delete_node_user(pool, node, name).await {
                Err(e) if e.is(ErrorCode::NodeUserNotFound) => Ok(()),
                other => other,
            },
            UserAction::Add | UserAction::Replace | UserAction::Recreate => {
                let Some(record) = record else { return Ok(()) };
                if change.action == UserAction::Recreate {
                    match client.delete_node_user(pool, node, name).await {
                        Err(e) if !e.is(ErrorCode::NodeUserNotFound) => return Err(e),
                        _ => {}
                    }
                }
                let create = canonical::user_create_body(pool, name, record, &cx.secrets)
                    .map_err(config_error)?;
                let replace = canonical::user_replace_body(pool, name, record, &cx.secrets)
                    .map_err(config_error)?;
                if change.action == UserAction::Replace {
                    match client.replace_node_user(pool, node, name, &replace).await {
                        Err(e) if e.is(ErrorCode::NodeUserNotFound) => {
                            client.add_node_user(pool, node, name, &create).await
                        }
                        other => other,
                    }
                } else {
                    match client.add_node_user(pool, node, name, &create).await {
                        // Already there (an earlier, interrupted apply): make it exactly what is wanted.
                        Err(e) if e.is(ErrorCode::NodeUserExists) => {
                            client.replace_node_user(pool, node, name, &replace).await
                        }
                        other => other,
                    }
                }
            }
        }
    }
    .await;
    match result {
        Err(e) if !gone(&e) => {
            let again = e.is_ambiguous() || matches!(e, Error::Transport { .. });
            Err((format!("{name} on {node}: {e}"), again))
        }
        _ => Ok(()),
    }
}

fn config_error(error: canonical::MissingSecret) -> Error {
    Error::Config(error.to_string())
}

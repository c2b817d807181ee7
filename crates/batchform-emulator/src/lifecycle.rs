//! Pool and node lifecycles on the emulator clock, evaluated lazily: every request first
//! brings the state up to "now" by replaying, in time order, each transition that has come
//! due. Transition times are computed from the phase durations, never from when a request
//! happened to arrive, so a restart on a persisted state or a clock advance gives the same
//! result as watching it happen.
//!
//! Pool: `resizing` → `steady` (or `stopping` → `steady`); `active` → `deleting` → gone.
//! Node: `creating` → `starting` → [`waitingforstarttask`] → `idle` | `starttaskfailed`;
//! `running` while tasks run; `rebooting`/`reimaging` → `starting`; `leavingpool` → gone.

use batchform_batch::wire::{
    self, AllocationState, AutoScaleRun, AutoScaleRunError, NameValuePair, NodeDeallocationOption,
    NodeState, PoolState, ResizeError, SchedulingState, StartTaskInfo, StartTaskState, Timestamp,
};

use super::autoscale;
use super::catalog;
use super::clock::{Clock, after};
use super::config::{Quota, Timings};
use super::state::{NodeRecord, PoolRecord, Resize, State};

/// What the lifecycle needs besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub timings: &'a Timings,
    pub quota: Quota,
}

/// A guard against runaway replays (a formula evaluated every 5 minutes over years).
const MAX_STEPS: usize = 100_000;

/// The default and minimum autoscale interval.
pub const DEFAULT_AUTOSCALE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Brings every pool up to `now`. Returns whether anything changed.
pub fn advance(state: &mut State, now: Timestamp, env: Env<'_>) -> bool {
    let mut changed = false;
    for _ in 0..MAX_STEPS {
        let next = state.pools.values().filter_map(next_event).min();
        match next {
            Some(t) if t <= now => {
                apply_at(state, t, now, env);
                changed = true;
            }
            _ => break,
        }
    }
    for pool in state.pools.values_mut() {
        for node in &mut pool.nodes {
            let before = node.users.len();
            node.users.retain(|u| u.expiry_time > now);
            changed |= node.users.len() != before;
        }
    }
    changed
}

fn next_event(pool: &PoolRecord) -> Option<Timestamp> {
    next_event_of(pool, true)
}

fn next_event_of(pool: &PoolRecord, with_autoscale: bool) -> Option<Timestamp> {
    let mut times = vec![pool.deleting_until, pool.stopping_until];
    if let Some(resize) = &pool.resize
        && !resize.allocated
    {
        times.push(Some(resize.allocate_at));
    }
    if with_autoscale && pool.pool.enable_auto_scale == Some(true) && !pool.is_deleting() {
        times.push(pool.next_autoscale);
    }
    for node in &pool.nodes {
        times.push(node.phase_until);
        times.push(node.tasks_until);
    }
    times.into_iter().flatten().min()
}

/// Applies every transition due exactly at `t`, pool by pool in id order.
fn apply_at(state: &mut State, t: Timestamp, now: Timestamp, env: Env<'_>) {
    let keys: Vec<String> = state.pools.keys().cloned().collect();
    for key in keys {
        let used_elsewhere = |dedicated: bool| -> u32 {
            state
                .pools
                .iter()
                .filter(|(k, _)| **k != key)
                .map(|(_, p)| cores(p, dedicated))
                .sum()
        };
        let used_elsewhere = [used_elsewhere(true), used_elsewhere(false)];
        let State {
            pools,
            clock,
            next_node,
            ..
        } = state;
        let Some(pool) = pools.get_mut(&key) else {
            continue;
        };
        if pool.deleting_until == Some(t) {
            pools.remove(&key);
            continue;
        }
        for i in 0..pool.nodes.len() {
            if pool.nodes[i].tasks_until == Some(t) {
                finish_tasks(pool, i, t, env.timings);
            }
            if pool.nodes[i].phase_until == Some(t) {
                end_phase(pool, i, t, env.timings);
            }
        }
        pool.nodes
            .retain(|n| !(n.state() == NodeState::LeavingPool && n.phase_until.is_none()));
        if pool
            .resize
            .as_ref()
            .is_some_and(|r| !r.allocated && r.allocate_at == t)
        {
            allocate(pool, t, next_node, used_elsewhere, env);
        }
        if pool.stopping_until == Some(t) {
            pool.stopping_until = None;
            let errors = pool.resize.take().map(|r| r.errors).unwrap_or_default();
            pool.pool.resize_errors = (!errors.is_empty()).then_some(errors);
            set_allocation(pool, AllocationState::Steady, t);
        }
        if pool.pool.enable_auto_scale == Some(true)
            && pool.next_autoscale == Some(t)
            && !pool.is_deleting()
        {
            let started = evaluate_autoscale(pool, t, clock, env.timings);
            if let (false, Some(interval)) = (started, pool.pool.auto_scale_evaluation_interval) {
                // Nothing changed: skip the evaluations that would change nothing either.
                let mut next = after(t, interval.0);
                let quiet = next_event_of(pool, false).is_none_or(|e| e > now);
                if quiet && next <= now && !interval.0.is_zero() {
                    let step =
                        chrono::TimeDelta::from_std(interval.0).unwrap_or(chrono::TimeDelta::MAX);
                    let skipped = (now - next).num_microseconds().unwrap_or(0)
                        / step.num_microseconds().unwrap_or(i64::MAX).max(1);
                    next += step * i32::try_from(skipped).unwrap_or(i32::MAX);
                }
                pool.next_autoscale = Some(next);
            }
        }
        settle(pool, t);
        update_counts(pool);
    }
}

/// Cores held by a pool's dedicated or low-priority nodes (including those still joining or
/// leaving).
fn cores(pool: &PoolRecord, dedicated: bool) -> u32 {
    let per_node = catalog::cores(pool.pool.vm_size.as_deref().unwrap_or(""));
    let count = pool
        .nodes
        .iter()
        .filter(|n| n.dedicated == dedicated)
        .count() as u32;
    count.saturating_mul(per_node)
}

fn set_allocation(pool: &mut PoolRecord, state: AllocationState, t: Timestamp) {
    if pool.pool.allocation_state.as_ref() != Some(&state) {
        pool.pool.allocation_state = Some(state);
        pool.pool.allocation_state_transition_time = Some(t);
    }
}

fn set_node_state(node: &mut NodeRecord, state: NodeState, t: Timestamp) {
    if node.node.state.as_ref() != Some(&state) {
        node.node.state = Some(state);
        node.node.state_transition_time = Some(t);
    }
}

/// Marks the pool steady once the resize in progress has nothing left to wait for.
///
/// Inferred: the pool turns steady when every node it added is ready (`idle`, or
/// `starttaskfailed`) and every node it removed is gone, not as soon as VMs are allocated.
fn settle(pool: &mut PoolRecord, t: Timestamp) {
    if pool.pool.allocation_state != Some(AllocationState::Resizing) || pool.is_deleting() {
        return;
    }
    let Some(resize) = &pool.resize else { return };
    let busy = pool.nodes.iter().any(|n| n.joining || n.removal.is_some());
    if resize.allocated && !busy {
        let errors = pool.resize.take().map(|r| r.errors).unwrap_or_default();
        pool.pool.resize_errors = (!errors.is_empty()).then_some(errors);
        set_allocation(pool, AllocationState::Steady, t);
    }
}

fn update_counts(pool: &mut PoolRecord) {
    let dedicated = pool.nodes.iter().filter(|n| n.dedicated).count();
    let low = pool.nodes.len() - dedicated;
    pool.pool.current_dedicated_nodes = Some(i32::try_from(dedicated).unwrap_or(i32::MAX));
    pool.pool.current_low_priority_nodes = Some(i32::try_from(low).unwrap_or(i32::MAX));
}

/// Starts a resize towards the given targets; nodes appear or leave after the allocation
/// phase.
pub fn start_resize(
    pool: &mut PoolRecord,
    at: Timestamp,
    target_dedicated: i32,
    target_low_priority: i32,
    deallocation: NodeDeallocationOption,
    timings: &Timings,
) {
    pool.pool.target_dedicated_nodes = Some(target_dedicated);
    pool.pool.target_low_priority_nodes = Some(target_low_priority);
    pool.pool.resize_errors = None;
    pool.resize = Some(Resize {
        started: at,
        allocate_at: after(at, timings.allocate),
        allocated: false,
        target_dedicated,
        target_low_priority,
        deallocation,
        errors: Vec::new(),
    });
    set_allocation(pool, AllocationState::Resizing, at);
}

/// Adds and removes nodes to reach the resize's targets, within the core quotas.
///
/// Inferred: dedicated and low-priority cores have separate account quotas, counted from the
/// vCPUs in the VM size name; what does not fit is simply not allocated, and the pool reports
/// `AccountCoreQuotaReached` or `AccountLowPriorityCoreQuotaReached` (with `CoreQuota` and
/// `CoresInUse` values) once steady.
fn allocate(
    pool: &mut PoolRecord,
    t: Timestamp,
    next_node: &mut u64,
    used_elsewhere: [u32; 2],
    env: Env<'_>,
) {
    let Some(resize) = pool.resize.clone() else {
        return;
    };
    let staying = |dedicated: bool| {
        pool.nodes
            .iter()
            .filter(|n| n.dedicated == dedicated && n.removal.is_none())
            .count() as i32
    };
    let (have_dedicated, have_low) = (staying(true), staying(false));
    let mut errors = Vec::new();
    let per_node = catalog::cores(pool.pool.vm_size.as_deref().unwrap_or("")).max(1);
    let mut within_quota = |add: i32, dedicated: bool| -> i32 {
        let (quota, code, used) = if dedicated {
            (
                env.quota.dedicated,
                "AccountCoreQuotaReached",
                used_elsewhere[0],
            )
        } else {
            let code = "AccountLowPriorityCoreQuotaReached";
            (env.quota.low_priority, code, used_elsewhere[1])
        };
        let used = used.saturating_add(cores(pool, dedicated));
        let room = i32::try_from(quota.saturating_sub(used) / per_node).unwrap_or(i32::MAX);
        if add <= room {
            return add;
        }
        let requested = i64::from(add) * i64::from(per_node);
        errors.push(ResizeError {
            code: Some(code.into()),
            message: Some(format!(
                "The specified account has reached VM core quota limit. Cores requested: {requested}, quota: {quota}, in use: {used}."
            )),
            values: Some(vec![
                NameValuePair::new("CoreQuota", quota.to_string()),
                NameValuePair::new("CoresInUse", used.to_string()),
            ]),
        });
        room
    };
    let add_dedicated = within_quota((resize.target_dedicated - have_dedicated).max(0), true);
    let add_low = within_quota((resize.target_low_priority - have_low).max(0), false);
    for (count, dedicated) in [(add_dedicated, true), (add_low, false)] {
        for _ in 0..count {
            let seq = *next_node;
            *next_node += 1;
            let node = new_node(pool, seq, dedicated, t, env.timings);
            pool.nodes.push(node);
        }
    }
    for (excess, dedicated) in [
        (have_dedicated - resize.target_dedicated, true),
        (have_low - resize.target_low_priority, false),
    ] {
        for _ in 0..excess.max(0) {
            let Some(i) = pick_victim(pool, dedicated) else {
                break;
            };
            remove_node(pool, i, resize.deallocation.clone(), t, env.timings);
        }
    }
    if let Some(r) = pool.resize.as_mut() {
        r.allocated = true;
        r.errors.extend(errors);
    }
    update_counts(pool);
}

/// The node a shrink removes next: nodes not yet ready first, then unusable ones, then
/// idle, then busy; the newest first within each (inferred; the service does not say).
fn pick_victim(pool: &PoolRecord, dedicated: bool) -> Option<usize> {
    let rank = |n: &NodeRecord| match n.state() {
        NodeState::Creating | NodeState::Starting | NodeState::WaitingForStartTask => 0,
        NodeState::StartTaskFailed | NodeState::Unusable | NodeState::Unknown => 1,
        NodeState::Idle => 2,
        _ => 3,
    };
    pool.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.dedicated == dedicated && n.removal.is_none())
        .max_by_key(|(_, n)| (std::cmp::Reverse(rank(n)), n.seq))
        .map(|(i, _)| i)
}

/// Takes a node out of the pool. With `taskcompletion` (and `retaineddata`) a busy node
/// finishes its tasks first; otherwise its tasks stop and it leaves at once.
pub fn remove_node(
    pool: &mut PoolRecord,
    i: usize,
    option: NodeDeallocationOption,
    t: Timestamp,
    timings: &Timings,
) {
    let node = &mut pool.nodes[i];
    node.joining = false;
    let waits = matches!(
        option,
        NodeDeallocationOption::TaskCompletion | NodeDeallocationOption::RetainedData
    );
    node.removal = Some(option);
    if waits && node.running_tasks > 0 {
        return;
    }
    stop_tasks(node);
    set_node_state(node, NodeState::LeavingPool, t);
    node.phase_until = Some(after(t, timings.leave));
}

fn stop_tasks(node: &mut NodeRecord) {
    node.running_tasks = 0;
    node.tasks_until = None;
    node.node.running_tasks_count = Some(0);
    node.node.running_task_slots_count = Some(0);
}

fn node_id(pool_id: &str, seq: u64, t: Timestamp) -> String {
    // A stable number per pool, like the service's scale-set prefix.
    let hash = pool_id
        .to_ascii_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!(
        "tvm-{}_{seq}-{}",
        hash % 10_000_000_000,
        t.format("%Y%m%dt%H%M%Sz")
    )
}

fn new_node(
    pool: &PoolRecord,
    seq: u64,
    dedicated: bool,
    t: Timestamp,
    timings: &Timings,
) -> NodeRecord {
    let id = node_id(pool.id(), seq, t);
    let image = pool.pool.virtual_machine_configuration.as_ref().map(|vm| {
        let mut image = vm.image_reference.clone();
        let latest = image
            .version
            .as_deref()
            .is_none_or(|v| v.eq_ignore_ascii_case("latest"));
        if latest {
            let found = catalog::find(
                image.publisher.as_deref().unwrap_or(""),
                image.offer.as_deref().unwrap_or(""),
                image.sku.as_deref().unwrap_or(""),
            );
            image.exact_version = found.map(|m| m.latest.to_string());
        } else {
            image.exact_version = image.version.clone();
        }
        image
    });
    let node = wire::Node {
        id: Some(id.clone()),
        state: Some(NodeState::Creating),
        scheduling_state: Some(SchedulingState::Enabled),
        state_transition_time: Some(t),
        allocation_time: Some(t),
        last_boot_time: Some(t),
        ip_address: Some(format!("10.0.{}.{}", (seq / 250) % 256, seq % 250 + 4)),
        affinity_id: Some(format!("TVM:{id}")),
        vm_size: pool.pool.vm_size.clone(),
        total_tasks_run: Some(0),
        running_tasks_count: Some(0),
        running_task_slots_count: Some(0),
        total_tasks_succeeded: Some(0),
        is_dedicated: Some(dedicated),
        node_agent_info: Some(wire::NodeAgentInfo {
            version: "1.11.21".to_string(),
            last_update_time: t,
        }),
        virtual_machine_info: Some(wire::VirtualMachineInfo {
            image_reference: image,
            scale_set_vm_resource_id: None,
        }),
        ..wire::Node::default()
    };
    NodeRecord {
        node,
        seq,
        dedicated,
        phase_until: Some(after(t, timings.create)),
        joining: true,
        removal: None,
        running_tasks: 0,
        tasks_until: None,
        fail_start_task: false,
        users: Vec::new(),
    }
}

fn waits_for_start_task(pool: &PoolRecord) -> bool {
    pool.pool
        .start_task
        .as_ref()
        .is_some_and(|s| s.wait_for_success.unwrap_or(true))
}

/// The state a node takes once it can run tasks.
fn become_ready(node: &mut NodeRecord, t: Timestamp) {
    node.joining = false;
    node.phase_until = None;
    let state = if node.running_tasks > 0 {
        NodeState::Running
    } else {
        NodeState::Idle
    };
    set_node_state(node, state, t);
}

fn start_task_info(node: &mut NodeRecord, started: Timestamp, finished: Option<(Timestamp, bool)>) {
    let mut info = StartTaskInfo {
        state: StartTaskState::Running,
        start_time: started,
        end_time: None,
        exit_code: None,
        container_info: None,
        failure_info: None,
        retry_count: 0,
        last_retry_time: None,
        result: None,
    };
    if let Some((end, failed)) = finished {
        info.state = StartTaskState::Completed;
        info.end_time = Some(end);
        info.exit_code = Some(i32::from(failed));
        info.result = Some(if failed {
            wire::TaskExecutionResult::Failure
        } else {
            wire::TaskExecutionResult::Success
        });
        info.failure_info = failed.then(|| wire::TaskFailureInfo {
            category: wire::ErrorSourceCategory::UserError,
            code: Some("FailureExitCode".into()),
            message: Some("The task exited with an exit code representing a failure".into()),
            details: Some(vec![NameValuePair::new(
                "Message",
                "The task exited with an exit code representing a failure",
            )]),
        });
    }
    node.node.start_task_info = Some(info);
}

/// Ends the node's timed state at `t` and enters the next one.
fn end_phase(pool: &mut PoolRecord, i: usize, t: Timestamp, timings: &Timings) {
    let waits = waits_for_start_task(pool);
    let has_start_task = pool.pool.start_task.is_some();
    let pool_fails = pool.fail_start_tasks;
    let start_task = pool.pool.start_task.clone();
    let node = &mut pool.nodes[i];
    node.phase_until = None;
    match node.state() {
        NodeState::Creating | NodeState::Rebooting | NodeState::Reimaging => {
            set_node_state(node, NodeState::Starting, t);
            node.node.last_boot_time = Some(t);
            node.node.start_task = start_task;
            node.node.start_task_info = None;
            node.phase_until = Some(after(t, timings.start));
        }
        NodeState::Starting if waits => {
            set_node_state(node, NodeState::WaitingForStartTask, t);
            start_task_info(node, t, None);
            node.phase_until = Some(after(t, timings.start_task));
        }
        NodeState::Starting => {
            if has_start_task {
                let failed = node.fail_start_task || pool_fails;
                node.fail_start_task = false;
                start_task_info(node, t, Some((t, failed)));
            }
            become_ready(node, t);
        }
        NodeState::WaitingForStartTask => {
            let failed = node.fail_start_task || pool_fails;
            node.fail_start_task = false;
            let started = node
                .node
                .start_task_info
                .as_ref()
                .map_or(t, |s| s.start_time);
            start_task_info(node, started, Some((t, failed)));
            if failed {
                node.joining = false;
                set_node_state(node, NodeState::StartTaskFailed, t);
            } else {
                become_ready(node, t);
            }
        }
        NodeState::LeavingPool => {
            // Gone: `apply_at` drops leaving nodes whose phase has ended.
        }
        _ => {}
    }
}

/// The node's injected tasks finish at `t`.
fn finish_tasks(pool: &mut PoolRecord, i: usize, t: Timestamp, timings: &Timings) {
    let node = &mut pool.nodes[i];
    let finished = node.running_tasks;
    node.node.total_tasks_succeeded = Some(node.node.total_tasks_succeeded.unwrap_or(0) + finished);
    stop_tasks(node);
    if node.removal.is_some() {
        set_node_state(node, NodeState::LeavingPool, t);
        node.phase_until = Some(after(t, timings.leave));
    } else if node.state() == NodeState::Running {
        set_node_state(node, NodeState::Idle, t);
    }
}

/// Injects `count` running tasks on a node, until `until` (or until cleared).
pub fn run_tasks(node: &mut NodeRecord, count: i32, until: Option<Timestamp>, t: Timestamp) {
    node.running_tasks = count;
    node.tasks_until = until;
    node.node.running_tasks_count = Some(count);
    node.node.running_task_slots_count = Some(count);
    node.node.total_tasks_run = Some(node.node.total_tasks_run.unwrap_or(0) + count);
    if count > 0 && node.state() == NodeState::Idle {
        set_node_state(node, NodeState::Running, t);
    }
}

/// Ends a node's injected tasks now.
pub fn end_tasks(pool: &mut PoolRecord, i: usize, t: Timestamp, timings: &Timings) {
    finish_tasks(pool, i, t, timings);
}

/// Reboots (or reimages) a node now: running tasks are requeued.
///
/// Inferred: a reboot keeps the node's login users (they are OS accounts); a reimage removes
/// them, since the OS disk is replaced.
pub fn restart_node(node: &mut NodeRecord, reimage: bool, t: Timestamp, timings: &Timings) {
    stop_tasks(node);
    let (state, phase) = if reimage {
        node.users.clear();
        (NodeState::Reimaging, timings.reimage)
    } else {
        (NodeState::Rebooting, timings.reboot)
    };
    set_node_state(node, state, t);
    node.phase_until = Some(after(t, phase));
}

/// Makes a node's start task fail: at once if it is running or already done, otherwise when
/// it next runs.
pub fn fail_start_task(pool: &mut PoolRecord, i: usize, t: Timestamp) {
    let waits = waits_for_start_task(pool);
    let node = &mut pool.nodes[i];
    match node.state() {
        NodeState::WaitingForStartTask | NodeState::Idle | NodeState::Running if waits => {
            let started = node
                .node
                .start_task_info
                .as_ref()
                .map_or(t, |s| s.start_time);
            start_task_info(node, started, Some((t, true)));
            stop_tasks(node);
            node.joining = false;
            node.phase_until = None;
            set_node_state(node, NodeState::StartTaskFailed, t);
        }
        NodeState::Idle | NodeState::Running => {
            let started = node
                .node
                .start_task_info
                .as_ref()
                .map_or(t, |s| s.start_time);
            start_task_info(node, started, Some((t, true)));
        }
        _ => node.fail_start_task = true,
    }
}

/// Stops the resize in progress: nothing more is added or removed, nodes already leaving
/// finish leaving, and the pool is `stopping` until the stop phase ends.
///
/// Inferred: nodes already allocated stay, and the steady pool reports a `ResizeStopped`
/// resize error.
pub fn stop_resize(pool: &mut PoolRecord, at: Timestamp, timings: &Timings) {
    if let Some(resize) = pool.resize.as_mut() {
        resize.allocated = true;
        resize.errors.push(ResizeError {
            code: Some("ResizeStopped".into()),
            message: Some(
                "Desired number of nodes could not be reached as the resize operation was stopped"
                    .into(),
            ),
            values: None,
        });
    }
    pool.stopping_until = Some(after(at, timings.stop));
    set_allocation(pool, AllocationState::Stopping, at);
}

/// Starts deleting a pool: every node leaves, and the pool disappears after the deletion
/// phase.
///
/// Inferred: while its nodes leave, the pool's allocation state is `resizing`, and it
/// disappears once the longer of the deletion and leaving phases has passed.
pub fn begin_delete(pool: &mut PoolRecord, at: Timestamp, timings: &Timings) {
    pool.pool.state = Some(PoolState::Deleting);
    pool.pool.state_transition_time = Some(at);
    pool.resize = None;
    pool.stopping_until = None;
    pool.next_autoscale = None;
    for i in 0..pool.nodes.len() {
        if pool.nodes[i].state() != NodeState::LeavingPool {
            remove_node(pool, i, NodeDeallocationOption::Requeue, at, timings);
        }
    }
    if !pool.nodes.is_empty() {
        set_allocation(pool, AllocationState::Resizing, at);
    }
    let done = after(at, timings.delete.max(timings.leave));
    pool.deleting_until = Some(done);
}

/// Evaluates the pool's autoscale formula at `t`, records the run and, when the targets
/// change and the pool is steady, starts the resize. Returns whether a resize started.
pub fn evaluate_autoscale(
    pool: &mut PoolRecord,
    t: Timestamp,
    clock: &mut Clock,
    timings: &Timings,
) -> bool {
    let interval = pool
        .pool
        .auto_scale_evaluation_interval
        .map_or(DEFAULT_AUTOSCALE_INTERVAL, |i| i.0);
    pool.next_autoscale = Some(after(t, interval));
    let formula = pool.pool.auto_scale_formula.clone().unwrap_or_default();
    let inputs = autoscale::Inputs {
        current_dedicated: pool.pool.current_dedicated_nodes.unwrap_or(0),
        current_low_priority: pool.pool.current_low_priority_nodes.unwrap_or(0),
        target_dedicated: pool.pool.target_dedicated_nodes.unwrap_or(0),
        target_low_priority: pool.pool.target_low_priority_nodes.unwrap_or(0),
    };
    let outcome = autoscale::parse(&formula)
        .map_err(|e| e.0)
        .and_then(|f| f.evaluate(inputs));
    let (run, outcome) = run_record(t, outcome);
    pool.pool.auto_scale_run = Some(run);
    let Some(outcome) = outcome else { return false };
    let same = pool.pool.target_dedicated_nodes == Some(outcome.target_dedicated)
        && pool.pool.target_low_priority_nodes == Some(outcome.target_low_priority);
    if same || !pool.is_steady() {
        return false;
    }
    let option = NodeDeallocationOption::parse(&outcome.deallocation);
    start_resize(
        pool,
        t,
        outcome.target_dedicated,
        outcome.target_low_priority,
        option,
        timings,
    );
    // The targets are pool-level data: the pool counts as modified.
    pool.pool.last_modified = Some(t);
    pool.pool.e_tag = Some(clock.etag(t));
    true
}

/// The `autoScaleRun` for an evaluation outcome.
///
/// Inferred: a formula that parses but cannot be evaluated records the error code
/// `InvalidAutoScalingSettings` in the run and leaves the targets as they are.
pub fn run_record(
    t: Timestamp,
    outcome: Result<autoscale::Outcome, String>,
) -> (AutoScaleRun, Option<autoscale::Outcome>) {
    match outcome {
        Ok(outcome) => (
            AutoScaleRun {
                timestamp: t,
                results: Some(outcome.results.clone()),
                error: None,
            },
            Some(outcome),
        ),
        Err(message) => (
            AutoScaleRun {
                timestamp: t,
                results: None,
                error: Some(AutoScaleRunError {
                    code: Some("InvalidAutoScalingSettings".into()),
                    message: Some(format!(
                        "The autoscale formula could not be evaluated: {message}"
                    )),
                    values: None,
                }),
            },
            None,
        ),
    }
}

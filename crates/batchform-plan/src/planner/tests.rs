//! One test per row of the change table in DESIGN.md, and the ownership rules.

use std::time::Duration;

use chrono::TimeZone;

use super::*;
use crate::config::*;
use crate::testing::{catalog, pool_config};

const OWNER: &str = "team";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

fn desired_pool(id: &str, config: PoolConfig) -> DesiredPool {
    DesiredPool {
        id: id.into(),
        config,
        on_nonempty_update: OnNonEmpty::Drain,
        ignore_changes: Vec::new(),
        adopt: false,
        node_deallocation: "taskcompletion".into(),
        users: Vec::new(),
    }
}

fn live_pool(id: &str, config: PoolConfig, nodes: u32) -> LivePool {
    LivePool {
        id: id.into(),
        etag: "0x1".into(),
        deleting: false,
        steady: true,
        current_dedicated: nodes,
        current_low_priority: 0,
        owner: Some(OWNER.into()),
        config,
        running_tasks: Some(3),
        users: Default::default(),
        users_unreadable: false,
        kept: Default::default(),
        foreign: Default::default(),
        nodes: None,
    }
}

fn plan_one(want: DesiredPool, have: Option<LivePool>) -> Plan {
    let desired = Desired {
        owner: OWNER.into(),
        prune: false,
        stop_pending_resize: false,
        pools: vec![want],
    };
    let live = Live {
        pools: have.into_iter().collect(),
        catalog: Vec::new(),
    };
    plan(&desired, &live, now())
}

fn only(plan: &Plan) -> &PoolPlan {
    assert!(
        plan.errors.is_empty(),
        "unexpected errors: {:?}",
        plan.errors
    );
    assert_eq!(plan.pools.len(), 1);
    &plan.pools[0]
}

fn resize(dedicated: u32, deallocation: Option<&str>) -> Step {
    Step::Resize {
        dedicated,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
        deallocation: deallocation.map(str::to_string),
    }
}

#[test]
fn a_missing_pool_is_created_in_one_step() {
    let plan = plan_one(desired_pool("p", pool_config()), None);
    let pool = only(&plan);
    assert_eq!(
        (pool.action, pool.steps.clone()),
        (Action::Create, vec![Step::Create])
    );
    assert!(plan.has_changes());
    assert_eq!(plan.counts(), (1, 0, 0));
}

#[test]
fn a_converged_pool_plans_nothing() {
    let plan = plan_one(
        desired_pool("p", pool_config()),
        Some(live_pool("p", pool_config(), 2)),
    );
    assert_eq!(only(&plan).action, Action::NoOp);
    assert!(!plan.has_changes());
}

#[test]
fn metadata_and_start_task_are_patched_in_place_any_time() {
    let mut config = pool_config();
    config.metadata.insert("team".into(), "render".into());
    config.start_task.as_mut().unwrap().command_line = "b.sh".into();
    let plan = plan_one(
        desired_pool("p", config),
        Some(live_pool("p", pool_config(), 2)),
    );
    let pool = only(&plan);
    assert_eq!(pool.action, Action::Update);
    assert_eq!(pool.steps, vec![Step::Patch { empty_only: false }]);
    assert_eq!(pool.cost, Cost::default());
}

#[test]
fn removing_the_start_task_is_a_step_of_its_own_after_each_patch() {
    let mut config = pool_config();
    config.start_task = None;
    let plan = plan_one(
        desired_pool("p", config.clone()),
        Some(live_pool("p", pool_config(), 2)),
    );
    assert_eq!(
        only(&plan).steps,
        vec![Step::Patch { empty_only: false }, Step::RemoveStartTask]
    );
    // With a drain, after the patch of the empty pool.
    config.vm_size = "standard_d4s_v3".into();
    let plan = plan_one(
        desired_pool("p", config),
        Some(live_pool("p", pool_config(), 2)),
    );
    let steps = &only(&plan).steps;
    let patch = steps
        .iter()
        .position(|s| *s == Step::Patch { empty_only: true })
        .unwrap();
    assert_eq!(steps[patch + 1], Step::RemoveStartTask);
    assert_eq!(
        steps
            .iter()
            .filter(|s| **s == Step::RemoveStartTask)
            .count(),
        1
    );
}

#[test]
fn a_shrink_says_what_happens_to_the_removed_nodes_tasks() {
    let mut want = desired_pool("p", pool_config());
    want.config.scale = Scale::Fixed {
        dedicated: 2,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    };
    want.node_deallocation = "requeue".into();
    let mut have = live_pool("p", pool_config(), 6);
    have.config.scale = Scale::Fixed {
        dedicated: 6,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    };
    let plan = plan_one(want, Some(have));
    let pool = only(&plan);
    assert_eq!(pool.steps, vec![resize(2, Some("requeue"))]);
    assert_eq!(
        pool.cost,
        Cost {
            nodes_removed: 4,
            running_tasks: 3,
            tasks_requeued: true,
            unavailable: false,
            deallocation: Some("requeue".into()),
        }
    );
}

#[test]
fn a_resize_that_stopped_short_is_sent_again() {
    // The target is two nodes; a quota stopped the pool at one.
    let plan = plan_one(
        desired_pool("p", pool_config()),
        Some(live_pool("p", pool_config(), 1)),
    );
    let pool = only(&plan);
    assert_eq!(pool.action, Action::Update);
    assert_eq!(pool.steps, vec![resize(2, None)]);
}

#[test]
fn fixed_node_counts_are_resized() {
    let mut config = pool_config();
    config.scale = Scale::Fixed {
        dedicated: 5,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    };
    let plan = plan_one(
        desired_pool("p", config.clone()),
        Some(live_pool("p", pool_config(), 2)),
    );
    assert_eq!(only(&plan).steps, vec![resize(5, None)]);

    // A pool in the middle of a resize is waited for first (the service refuses a second resize).
    let mut resizing = live_pool("p", pool_config(), 1);
    resizing.steady = false;
    let plan = plan_one(desired_pool("p", config.clone()), Some(resizing.clone()));
    assert_eq!(only(&plan).steps, vec![Step::WaitSteady, resize(5, None)]);

    // Asked to, batchform stops that resize instead of waiting for it.
    let desired = Desired {
        owner: OWNER.into(),
        prune: false,
        stop_pending_resize: true,
        pools: vec![desired_pool("p", config)],
    };
    let live = Live {
        pools: vec![resizing],
        catalog: Vec::new(),
    };
    let stopping = super::plan(&desired, &live, now());
    assert_eq!(
        only(&stopping).steps,
        vec![Step::StopResize, resize(5, None)]
    );
}

#[test]
fn autoscale_changes_use_the_autoscale_calls() {
    let auto = |formula: &str| Scale::Auto {
        formula: formula.into(),
        interval: Duration::from_secs(300),
    };
    let with_scale = |scale: Scale| {
        let mut config = pool_config();
        config.scale = scale;
        config
    };
    let enable = |formula: &str| Step::EnableAutoscale {
        formula: formula.into(),
        interval: Duration::from_secs(300),
    };

    // fixed → autoscale
    let plan = plan_one(
        desired_pool("p", with_scale(auto("a"))),
        Some(live_pool("p", pool_config(), 2)),
    );
    assert_eq!(only(&plan).steps, vec![enable("a")]);
    // new formula
    let plan = plan_one(
        desired_pool("p", with_scale(auto("b"))),
        Some(live_pool("p", with_scale(auto("a")), 2)),
    );
    assert_eq!(only(&plan).steps, vec![enable("b")]);
    // autoscale → fixed
    let plan = plan_one(
        desired_pool("p", pool_config()),
        Some(live_pool("p", with_scale(auto("a")), 2)),
    );
    assert_eq!(
        only(&plan).steps,
        vec![Step::DisableAutoscale, resize(2, None)]
    );
}

fn empty_only_change() -> PoolConfig {
    let mut config = pool_config();
    config.vm_size = "standard_d4s_v3".into();
    config
}

#[test]
fn empty_only_fields_are_patched_at_once_on_an_empty_pool() {
    let mut config = empty_only_change();
    config.scale = Scale::Fixed {
        dedicated: 0,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    };
    let mut live = pool_config();
    live.scale = config.scale.clone();
    let plan = plan_one(desired_pool("p", config), Some(live_pool("p", live, 0)));
    let pool = only(&plan);
    assert_eq!(pool.strategy, Some(Strategy::PatchEmpty));
    assert_eq!(pool.steps, vec![Step::Patch { empty_only: true }]);
    assert_eq!(pool.cost, Cost::default());
}

#[test]
fn empty_only_fields_on_a_busy_pool_drain_by_default() {
    let plan = plan_one(
        desired_pool("p", empty_only_change()),
        Some(live_pool("p", pool_config(), 2)),
    );
    let pool = only(&plan);
    assert_eq!(pool.strategy, Some(Strategy::Drain));
    assert_eq!(pool.action, Action::Update);
    assert_eq!(
        pool.steps,
        vec![
            resize(0, Some("taskcompletion")),
            Step::Patch { empty_only: true },
            resize(2, None)
        ]
    );
    assert_eq!(
        pool.cost,
        Cost {
            nodes_removed: 2,
            running_tasks: 3,
            tasks_requeued: false,
            unavailable: true,
            deallocation: Some("taskcompletion".into()),
        }
    );
}

#[test]
fn draining_an_autoscale_pool_disables_autoscale_and_enables_it_again() {
    let auto = Scale::Auto {
        formula: "f".into(),
        interval: Duration::from_secs(300),
    };
    let mut live = pool_config();
    live.scale = auto.clone();
    let mut want = empty_only_change();
    want.scale = auto;
    let plan = plan_one(desired_pool("p", want), Some(live_pool("p", live, 2)));
    assert_eq!(
        only(&plan).steps,
        vec![
            Step::DisableAutoscale,
            resize(0, Some("taskcompletion")),
            Step::Patch { empty_only: true },
            Step::EnableAutoscale {
                formula: "f".into(),
                interval: Duration::from_secs(300)
            },
        ]
    );
}

#[test]
fn empty_only_fields_on_a_busy_pool_can_recreate_it() {
    let mut want = desired_pool("p", empty_only_change());
    want.on_nonempty_update = OnNonEmpty::Recreate;
    let plan = plan_one(want, Some(live_pool("p", pool_config(), 2)));
    let pool = only(&plan);
    assert_eq!(
        (pool.action, pool.strategy),
        (Action::Recreate, Some(Strategy::Recreate))
    );
    assert_eq!(pool.steps, vec![Step::Delete, Step::Create]);
    assert!(pool.cost.tasks_requeued);
    assert_eq!(plan.counts(), (1, 0, 1));
}

#[test]
fn empty_only_fields_on_a_busy_pool_can_be_refused() {
    let mut want = desired_pool("p", empty_only_change());
    want.on_nonempty_update = OnNonEmpty::Refuse;
    let plan = plan_one(want, Some(live_pool("p", pool_config(), 2)));
    assert!(plan.pools.is_empty());
    assert_eq!(plan.errors.len(), 1);
    assert_eq!(plan.errors[0].field.as_deref(), Some("vm_size"));
    assert!(
        plan.errors[0]
            .message
            .contains("only while the pool is empty"),
        "{:?}",
        plan.errors
    );
}

#[test]
fn a_protected_pool_is_never_recreated() {
    let mut want = desired_pool("p", empty_only_change());
    want.on_nonempty_update = OnNonEmpty::Recreate;
    want.config.protect = true;
    let plan = plan_one(want, Some(live_pool("p", pool_config(), 2)));
    assert!(plan.pools.is_empty());
    assert!(plan.errors[0].message.contains("protected"));
}

#[test]
fn a_new_pool_id_is_a_new_pool_and_the_old_one_goes_only_by_pruning() {
    let desired = |prune| Desired {
        owner: OWNER.into(),
        prune,
        stop_pending_resize: false,
        pools: vec![desired_pool("new", pool_config())],
    };
    let live = Live {
        pools: vec![live_pool("old", pool_config(), 2)],
        catalog: Vec::new(),
    };

    let kept = plan(&desired(false), &live, now());
    assert_eq!(
        kept.pools
            .iter()
            .map(|p| (p.id.as_str(), p.action))
            .collect::<Vec<_>>(),
        vec![("new", Action::Create)]
    );
    assert_eq!(kept.unmanaged, vec!["old".to_string()]);

    let pruned = plan(&desired(true), &live, now());
    assert_eq!(
        pruned
            .pools
            .iter()
            .map(|p| (p.id.as_str(), p.action))
            .collect::<Vec<_>>(),
        vec![("new", Action::Create), ("old", Action::Delete)]
    );
    let old = &pruned.pools[1];
    assert_eq!(
        old.cost,
        Cost {
            nodes_removed: 2,
            running_tasks: 3,
            tasks_requeued: true,
            unavailable: true,
            deallocation: None,
        }
    );
}

#[test]
fn pools_of_others_are_never_touched() {
    let mut theirs = live_pool("theirs", pool_config(), 2);
    theirs.owner = Some("someone-else".into());
    let mut nobody = live_pool("nobody", pool_config(), 2);
    nobody.owner = None;
    let desired = Desired {
        owner: OWNER.into(),
        prune: true,
        stop_pending_resize: false,
        pools: Vec::new(),
    };
    let live = Live {
        pools: vec![theirs, nobody],
        catalog: Vec::new(),
    };
    let plan = plan(&desired, &live, now());
    assert!(plan.pools.is_empty());
    assert_eq!(
        plan.unmanaged,
        vec!["nobody".to_string(), "theirs".to_string()]
    );
}

#[test]
fn naming_a_pool_owned_by_another_spec_is_a_conflict() {
    let mut theirs = live_pool("P", pool_config(), 2);
    theirs.owner = Some("someone-else".into());
    let plan = plan_one(desired_pool("p", pool_config()), Some(theirs));
    assert!(plan.pools.is_empty());
    assert!(
        plan.errors[0]
            .message
            .contains("belongs to owner `someone-else`"),
        "{:?}",
        plan.errors
    );
}

#[test]
fn naming_an_unmanaged_pool_is_a_conflict_with_a_way_to_adopt_it() {
    let mut nobody = live_pool("p", pool_config(), 2);
    nobody.owner = None;
    let plan = plan_one(desired_pool("p", pool_config()), Some(nobody.clone()));
    assert!(
        plan.errors[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("set `adopt = true` on the pool")
    );
    // Asked to, it is adopted: ownership is written and nothing else changes.
    let mut want = desired_pool("p", pool_config());
    want.adopt = true;
    let plan = plan_one(want, Some(nobody));
    let pool = only(&plan);
    assert!(pool.adopt);
    assert_eq!(pool.action, Action::Update);
    assert!(pool.changes.is_empty(), "{:?}", pool.changes);
    assert_eq!(pool.steps, vec![Step::Patch { empty_only: false }]);
}

#[test]
fn pruning_refuses_a_protected_pool() {
    let mut kept = live_pool("kept", pool_config(), 2);
    kept.config.protect = true;
    let desired = Desired {
        owner: OWNER.into(),
        prune: true,
        stop_pending_resize: false,
        pools: Vec::new(),
    };
    let plan = plan(
        &desired,
        &Live {
            pools: vec![kept],
            catalog: Vec::new(),
        },
        now(),
    );
    assert!(plan.pools.is_empty());
    assert!(plan.errors[0].message.contains("protected"));
}

#[test]
fn a_pool_being_deleted_is_waited_for_then_created() {
    let mut going = live_pool("p", pool_config(), 0);
    going.deleting = true;
    let plan = plan_one(desired_pool("p", pool_config()), Some(going));
    assert_eq!(only(&plan).steps, vec![Step::WaitDeleted, Step::Create]);
}

#[test]
fn catalog_errors_stop_the_plan_before_anything_is_written() {
    let desired = Desired {
        owner: OWNER.into(),
        prune: false,
        stop_pending_resize: false,
        pools: vec![desired_pool("p", pool_config())],
    };
    // pool_config has a container configuration on an image without DockerCompatible.
    let plan = plan(
        &desired,
        &Live {
            pools: Vec::new(),
            catalog: catalog(),
        },
        now(),
    );
    assert_eq!(plan.errors.len(), 1);
    assert_eq!(plan.errors[0].field.as_deref(), Some("container"));
}

fn admin_user() -> crate::users::UserConfig {
    crate::users::UserConfig {
        name: "alice".into(),
        admin: true,
        ssh_key: Some("fp".into()),
        password: None,
        expiry: crate::users::Expiry::At {
            time: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        },
    }
}

fn node(id: &str) -> crate::users::NodeInfo {
    crate::users::NodeInfo {
        id: id.into(),
        state: "idle".into(),
        booted: Some(now()),
    }
}

#[test]
fn node_users_are_synced_after_create_and_on_nodes_that_lack_them() {
    let mut want = desired_pool("p", pool_config());
    want.users = vec![admin_user()];

    let created = plan_one(want.clone(), None);
    assert_eq!(only(&created).steps, vec![Step::Create, Step::SyncUsers]);

    // A converged pool config whose nodes lack the user: a users-only update.
    let mut have = live_pool("p", pool_config(), 2);
    have.nodes = Some(vec![node("n1"), node("n2")]);
    let synced = plan_one(want.clone(), Some(have.clone()));
    let pool = only(&synced);
    assert_eq!(
        (pool.action, pool.steps.clone()),
        (Action::Update, vec![Step::SyncUsers])
    );
    assert_eq!(pool.users.as_ref().unwrap().calls(), 2);

    // Once recorded, nothing to do.
    have.users = pool.users.as_ref().unwrap().book.clone();
    let converged = plan_one(want, Some(have));
    assert_eq!(only(&converged).action, Action::NoOp);
}

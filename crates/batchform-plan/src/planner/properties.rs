//! Invariants of the planner over generated specs and accounts.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;

use chrono::Utc;

use crate::config::*;
use crate::{Action, Desired, DesiredPool, Live, LivePool, OnNonEmpty, plan};

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,7}"
}

fn scale() -> impl Strategy<Value = Scale> {
    prop_oneof![
        (0u32..20, 0u32..5, 5u64..60).prop_map(|(dedicated, low_priority, minutes)| Scale::Fixed {
            dedicated,
            low_priority,
            resize_timeout: Duration::from_secs(minutes * 60),
        }),
        (0u32..9, 5u64..60).prop_map(|(n, minutes)| Scale::Auto {
            formula: format!("$TargetDedicatedNodes = {n};"),
            interval: Duration::from_secs(minutes * 60),
        }),
    ]
}

fn config() -> impl Strategy<Value = PoolConfig> {
    (
        prop::sample::select(vec!["standard_d2s_v3", "standard_d4s_v3", "standard_nc6"]),
        prop::sample::select(vec!["20_04-lts", "22_04-lts"]),
        1u32..8,
        any::<bool>(),
        scale(),
        prop::option::of((
            prop::collection::vec(word(), 0..4),
            prop::option::of(word()),
        )),
        prop::option::of((word(), any::<bool>(), -1i32..3)),
        prop::collection::btree_map(word(), word(), 0..4),
    )
        .prop_map(
            |(vm_size, sku, slots, pack, scale, container, start_task, metadata)| PoolConfig {
                display_name: None,
                vm_size: vm_size.into(),
                node_agent_sku: "batch.node.ubuntu 22.04".into(),
                image: Image::Marketplace {
                    publisher: "canonical".into(),
                    offer: "0001-com-ubuntu-server-jammy".into(),
                    sku: sku.into(),
                    version: DEFAULT_IMAGE_VERSION.into(),
                },
                task_slots_per_node: slots,
                task_scheduling: if pack {
                    NodeFill::Pack
                } else {
                    NodeFill::Spread
                },
                inter_node_communication: false,
                scale,
                container: container.map(|(images, registry)| Container {
                    runtime: Runtime::Docker,
                    images: normalize_images(images),
                    registries: registry
                        .into_iter()
                        .map(|server| Registry {
                            server,
                            auth: RegistryAuth::Password {
                                username: "u".into(),
                                password: Sensitive {
                                    fingerprint: Some("fp".into()),
                                },
                            },
                        })
                        .collect(),
                }),
                start_task: start_task.map(|(command_line, elevated, max_retries)| StartTask {
                    command_line,
                    identity: if elevated {
                        TaskIdentity::Elevated
                    } else {
                        TaskIdentity::AutoUser
                    },
                    wait_for_success: true,
                    max_retries,
                    environment: BTreeMap::new(),
                }),
                user_accounts: BTreeMap::new(),
                metadata,
                protect: false,
            },
        )
}

fn live_from(
    id: &str,
    mut config: PoolConfig,
    owner: Option<&str>,
    nodes: u32,
    protected: bool,
) -> LivePool {
    config.protect = protected;
    LivePool {
        id: id.into(),
        etag: "0x1".into(),
        deleting: false,
        steady: true,
        current_dedicated: nodes,
        current_low_priority: 0,
        owner: owner.map(str::to_string),
        config,
        running_tasks: None,
        users: Default::default(),
        users_unreadable: false,
        kept: Default::default(),
        foreign: Default::default(),
        nodes: None,
    }
}

proptest! {
    /// A live account built from the desired state plans nothing.
    #[test]
    fn a_converged_account_plans_nothing(configs in prop::collection::vec(config(), 1..6), nodes in 0u32..5) {
        // Converged: a fixed-size pool has its target's nodes; an autoscaled one, any number.
        let current = |config: &PoolConfig| match config.scale {
            Scale::Fixed { dedicated, .. } => dedicated,
            Scale::Auto { .. } => nodes,
        };
        let pools: Vec<DesiredPool> = configs.into_iter().enumerate().map(|(i, config)| DesiredPool {
            id: format!("pool-{i}"),
            config,
            on_nonempty_update: OnNonEmpty::Drain,
            ignore_changes: Vec::new(),
            adopt: false,
            node_deallocation: "taskcompletion".into(),
            users: Vec::new(),
        }).collect();
        let live = Live {
            pools: pools.iter().map(|p| {
                let mut live = live_from(&p.id.to_uppercase(), p.config.clone(), Some("me"), current(&p.config), false);
                if let Scale::Fixed { low_priority, .. } = p.config.scale {
                    live.current_low_priority = low_priority;
                }
                live
            }).collect(),
            catalog: Vec::new(),
        };
        let desired = Desired { owner: "me".into(), prune: true, stop_pending_resize: false, pools };
        let plan = plan(&desired, &live, Utc::now());
        prop_assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        prop_assert!(!plan.has_changes(), "{:?}", plan.pools);
    }

    /// Whatever the spec says, nothing unowned or protected is deleted or recreated.
    #[test]
    fn nothing_unowned_or_protected_is_destroyed(
        desired_configs in prop::collection::vec(config(), 0..4),
        live_configs in prop::collection::vec((config(), 0u8..3, any::<bool>(), 0u32..4), 0..6),
        prune in any::<bool>(),
        recreate in any::<bool>(),
    ) {
        let pools: Vec<DesiredPool> = desired_configs.into_iter().enumerate().map(|(i, mut config)| DesiredPool {
            id: format!("pool-{i}"),
            config: { config.protect = i % 2 == 0; config },
            on_nonempty_update: if recreate { OnNonEmpty::Recreate } else { OnNonEmpty::Drain },
            ignore_changes: Vec::new(),
            adopt: false,
            node_deallocation: "taskcompletion".into(),
            users: Vec::new(),
        }).collect();
        let owners = [Some("me"), Some("other"), None];
        let live_pools: Vec<LivePool> = live_configs.into_iter().enumerate().map(|(i, (config, owner, protected, nodes))| {
            live_from(&format!("pool-{i}"), config, owners[owner as usize], nodes, protected)
        }).collect();
        let live = Live { pools: live_pools.clone(), catalog: Vec::new() };
        let desired = Desired { owner: "me".into(), prune, stop_pending_resize: false, pools: pools.clone() };
        let plan = plan(&desired, &live, Utc::now());
        for pool in plan.pools.iter().filter(|p| matches!(p.action, Action::Delete | Action::Recreate)) {
            let have = live_pools.iter().find(|l| l.id == pool.id).unwrap();
            prop_assert_eq!(have.owner.as_deref(), Some("me"));
            prop_assert!(!have.config.protect, "protected live pool {} destroyed", pool.id);
            let want = pools.iter().find(|w| w.id == pool.id);
            prop_assert!(want.is_none_or(|w| !w.config.protect), "protected pool {} destroyed", pool.id);
            if pool.action == Action::Delete {
                prop_assert!(prune);
            }
        }
    }
}

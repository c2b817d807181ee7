//! Snapshots of every rendering of one plan that has each kind of change: reviewers read these
//! diffs exactly as users read the terminal.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::TimeZone;

use batchform_plan::config::*;
use batchform_plan::{Desired, DesiredPool, Live, LivePool, OnNonEmpty, Plan, plan};

fn config() -> PoolConfig {
    PoolConfig {
        display_name: None,
        vm_size: "standard_d2s_v3".into(),
        node_agent_sku: "batch.node.ubuntu 22.04".into(),
        image: Image::Marketplace {
            publisher: "microsoft-dsvm".into(),
            offer: "ubuntu-hpc".into(),
            sku: "2204".into(),
            version: "latest".into(),
        },
        task_slots_per_node: 1,
        task_scheduling: NodeFill::Spread,
        inter_node_communication: false,
        scale: Scale::Fixed {
            dedicated: 2,
            low_priority: 0,
            resize_timeout: DEFAULT_RESIZE_TIMEOUT,
        },
        container: Some(Container {
            runtime: Runtime::Docker,
            images: vec!["myregistry.azurecr.io/app:1".into()],
            registries: vec![Registry {
                server: "myregistry.azurecr.io".into(),
                auth: RegistryAuth::Password {
                    username: "app".into(),
                    password: Sensitive {
                        fingerprint: Some("$argon2id$old".into()),
                    },
                },
            }],
        }),
        start_task: None,
        user_accounts: BTreeMap::new(),
        metadata: BTreeMap::from([("team".to_string(), "vfx".to_string())]),
        protect: false,
    }
}

fn live(id: &str, config: PoolConfig, nodes: u32) -> LivePool {
    LivePool {
        id: id.into(),
        etag: "0x8D4".into(),
        deleting: false,
        steady: true,
        current_dedicated: nodes,
        current_low_priority: 0,
        owner: Some("team".into()),
        config,
        running_tasks: Some(4),
        users: Default::default(),
        users_unreadable: false,
        kept: Default::default(),
        foreign: Default::default(),
        nodes: None,
    }
}

fn want(id: &str, config: PoolConfig, on_nonempty_update: OnNonEmpty) -> DesiredPool {
    DesiredPool {
        id: id.into(),
        config,
        on_nonempty_update,
        ignore_changes: Vec::new(),
        adopt: false,
        node_deallocation: "taskcompletion".into(),
        users: Vec::new(),
    }
}

fn sample() -> Plan {
    let mut in_place = config();
    in_place.metadata.insert("team".into(), "render".into());
    in_place.scale = Scale::Fixed {
        dedicated: 4,
        low_priority: 0,
        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
    };

    let mut drained = config();
    drained.vm_size = "standard_d4s_v3".into();
    if let Some(container) = &mut drained.container {
        container.images.push("ubuntu:24.04".into());
        container.registries[0].auth = RegistryAuth::Password {
            username: "app".into(),
            password: Sensitive {
                fingerprint: Some("$argon2id$new".into()),
            },
        };
    }

    let mut recreated = config();
    recreated.task_slots_per_node = 4;

    let mut autoscaled = config();
    autoscaled.scale = Scale::Auto {
        formula: "$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));".into(),
        interval: Duration::from_secs(300),
    };

    let mut others = live("someone-elses", config(), 1);
    others.owner = Some("other-team".into());

    let desired = Desired {
        owner: "team".into(),
        prune: true,
        stop_pending_resize: false,
        pools: vec![
            want("analytics", config(), OnNonEmpty::Drain),
            want("render", in_place, OnNonEmpty::Drain),
            want("encode", drained, OnNonEmpty::Drain),
            want("train", recreated, OnNonEmpty::Recreate),
            want("batch", autoscaled, OnNonEmpty::Drain),
            want("steady", config(), OnNonEmpty::Drain),
        ],
    };
    let live = Live {
        pools: vec![
            live("render", config(), 2),
            live("encode", config(), 2),
            live("train", config(), 3),
            live("batch", config(), 2),
            live("steady", config(), 2),
            live("retired", config(), 1),
            others,
        ],
        catalog: Vec::new(),
    };
    let mut desired = desired;
    let mut live = live;
    desired.pools[5].users = vec![batchform_plan::users::UserConfig {
        name: "alice".into(),
        admin: true,
        ssh_key: Some("$argon2id$key".into()),
        password: None,
        expiry: batchform_plan::users::Expiry::Rolling {
            valid_for: Duration::from_secs(7 * 86400),
            renew_before: Duration::from_secs(86400),
        },
    }];
    let node = |id: &str, state: &str| batchform_plan::users::NodeInfo {
        id: id.into(),
        state: state.into(),
        booted: None,
    };
    live.pools[4].nodes = Some(vec![
        node("n1", "idle"),
        node("n2", "running"),
        node("n3", "starting"),
    ]);
    let mut plan = plan(
        &desired,
        &live,
        chrono::Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
    );
    plan.account = batchform_plan::AccountRef {
        endpoint: "https://render.eastus.batch.azure.com".into(),
        name: "render".into(),
        credential: "Shared Key".into(),
    };
    plan
}

#[test]
fn text() {
    let options = super::text::Options {
        color: false,
        diff: false,
        nodes: false,
    };
    insta::assert_snapshot!(super::text::render(&sample(), options));
}

#[test]
fn text_with_diffs() {
    let options = super::text::Options {
        color: false,
        diff: true,
        nodes: true,
    };
    insta::assert_snapshot!(super::text::render(&sample(), options));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(super::markdown::render(&sample()));
}

#[test]
fn json() {
    insta::assert_snapshot!(super::json::render(&sample()));
}

#[test]
fn no_changes() {
    let desired = Desired {
        owner: "team".into(),
        prune: false,
        stop_pending_resize: false,
        pools: vec![want("p", config(), OnNonEmpty::Drain)],
    };
    let live = Live {
        pools: vec![live("p", config(), 2)],
        catalog: Vec::new(),
    };
    let plan = plan(&desired, &live, chrono::Utc::now());
    let text = super::text::render(&plan, super::text::Options::default());
    assert_eq!(text, "\nNo changes. The account matches the spec.\n");
}

#[test]
fn secrets_never_appear() {
    let plan = sample();
    let renderings = [
        super::text::render(
            &plan,
            super::text::Options {
                color: false,
                diff: true,
                nodes: true,
            },
        ),
        super::markdown::render(&plan),
    ];
    for rendering in renderings {
        assert!(!rendering.contains("argon2id"), "{rendering}");
        assert!(
            rendering.contains("(changed)") || rendering.contains("(sensitive"),
            "{rendering}"
        );
    }
}

//! The plan-file check: a file equal to what planning gives now passes; any difference in the
//! account, the spec files, the pools' ETags or what the plan would do is named.

use chrono::TimeZone;

use super::*;
use crate::config::Scale;
use crate::testing::pool_config;
use crate::users::{Expiry, NodeInfo, UserConfig};
use crate::{AccountRef, Desired, DesiredPool, Live, LivePool, OnNonEmpty, plan};

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, minute, 0).unwrap()
}

fn account() -> AccountRef {
    AccountRef {
        endpoint: "https://prod.eastus.batch.azure.com".into(),
        name: "prod".into(),
        credential: "Shared Key".into(),
    }
}

fn live(id: &str, nodes: u32, ready: &[&str]) -> LivePool {
    LivePool {
        id: id.into(),
        etag: format!("etag-{id}"),
        deleting: false,
        steady: true,
        current_dedicated: nodes,
        current_low_priority: 0,
        owner: Some("team".into()),
        config: pool_config(),
        running_tasks: Some(0),
        users: Default::default(),
        users_unreadable: false,
        kept: Default::default(),
        foreign: Default::default(),
        nodes: Some(
            ready
                .iter()
                .map(|id| NodeInfo {
                    id: id.to_string(),
                    state: "idle".into(),
                    booted: Some(at(0)),
                })
                .collect(),
        ),
    }
}

fn desired(dedicated: u32) -> Desired {
    let mut config = pool_config();
    config.scale = Scale::Fixed {
        dedicated,
        low_priority: 0,
        resize_timeout: crate::config::DEFAULT_RESIZE_TIMEOUT,
    };
    config.metadata.insert("rev".into(), "2".into());
    Desired {
        owner: "team".into(),
        prune: true,
        stop_pending_resize: false,
        pools: vec![DesiredPool {
            id: "render".into(),
            config,
            on_nonempty_update: OnNonEmpty::Drain,
            ignore_changes: Vec::new(),
            adopt: false,
            node_deallocation: "taskcompletion".into(),
            users: vec![UserConfig {
                name: "alice".into(),
                admin: true,
                ssh_key: Some("$argon2id$fp".into()),
                password: None,
                expiry: Expiry::Rolling {
                    valid_for: std::time::Duration::from_secs(86_400),
                    renew_before: std::time::Duration::from_secs(3_600),
                },
            }],
        }],
    }
}

fn make(desired: &Desired, live: &Live, now: DateTime<Utc>) -> Plan {
    let mut plan = plan(desired, live, now);
    plan.account = account();
    plan
}

fn observed(live: &Live) -> Vec<Observed> {
    live.pools
        .iter()
        .map(|p| Observed {
            pool: p.id.clone(),
            etag: p.etag.clone(),
        })
        .collect()
}

fn files() -> Vec<FileDigest> {
    vec![FileDigest {
        path: "pools/render.toml".into(),
        sha256: "aa".into(),
    }]
}

fn record(plan: &Plan, live: &Live) -> PlanFile {
    PlanFile {
        format: FILE_FORMAT.into(),
        batchform_version: "0".into(),
        created: at(0),
        spec: SpecRecord {
            paths: vec!["pools".into()],
            files: files(),
            targets: Vec::new(),
        },
        observed: observed(live),
        plan: plan.clone(),
    }
}

fn world() -> Live {
    Live {
        pools: vec![live("render", 2, &["n1", "n2"]), live("old", 1, &[])],
        catalog: Vec::new(),
    }
}

fn check(file: &PlanFile, plan: &Plan, live: &Live) -> Vec<String> {
    let files = files();
    let observed = observed(live);
    differences(
        file,
        &Current {
            files: &files,
            observed: &observed,
            plan,
        },
    )
}

#[test]
fn the_same_plan_made_later_passes() {
    let live = world();
    let then = make(&desired(3), &live, at(1));
    assert!(then.has_changes());
    // Minutes later: users' expiries and sync times move, nothing that matters does.
    let now = make(&desired(3), &live, at(9));
    assert_ne!(then, now, "time-derived fields differ");
    assert_eq!(
        check(&record(&then, &live), &now, &live),
        Vec::<String>::new()
    );
}

#[test]
fn another_account_is_refused_first() {
    let live = world();
    let then = make(&desired(3), &live, at(1));
    let mut now = then.clone();
    now.account.endpoint = "emulator".into();
    let found = check(&record(&then, &live), &now, &live);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("the plan was made for account prod at prod.eastus.batch.azure.com"));
    // The credential is not part of the account.
    now.account = account();
    now.account.credential = "an access token".into();
    assert!(check(&record(&then, &live), &now, &live).is_empty());
}

/// An edit of a plan file.
type Tamper = fn(&mut PlanFile);

#[test]
fn every_tampered_field_is_named() {
    let live = world();
    let plan = make(&desired(3), &live, at(1));
    let tampers: Vec<(&str, Tamper)> = vec![
        (
            "a delete appended",
            (|f| {
                let mut extra = f.plan.pools[0].clone();
                extra.id = "victim".into();
                extra.action = Action::Delete;
                extra.steps = vec![Step::Delete];
                f.plan.pools.push(extra);
            }),
        ),
        ("steps", (|f| f.plan.pools[1].steps.push(Step::Delete))),
        (
            "desired",
            (|f| {
                if let Some(d) = &mut f.plan.pools[1].desired {
                    d.scale = Scale::Fixed {
                        dedicated: 40,
                        low_priority: 0,
                        resize_timeout: crate::config::DEFAULT_RESIZE_TIMEOUT,
                    };
                }
            }),
        ),
        ("etag", (|f| f.plan.pools[1].etag = None)),
        ("observed", (|f| f.observed[0].etag = "other".into())),
        (
            "protect",
            (|f| {
                if let Some(d) = &mut f.plan.pools[1].desired {
                    d.protect = !d.protect;
                }
            }),
        ),
        ("action", (|f| f.plan.pools[1].action = Action::Recreate)),
        (
            "user",
            (|f| {
                if let Some(u) = &mut f.plan.pools[1].users {
                    u.desired[0].admin = false;
                }
            }),
        ),
        (
            "fingerprint",
            (|f| {
                if let Some(u) = &mut f.plan.pools[1].users {
                    u.desired[0].ssh_key = Some("$argon2id$forged".into());
                }
            }),
        ),
        ("unmanaged", (|f| f.plan.unmanaged.push("x".into()))),
        ("spec file", (|f| f.spec.files[0].sha256 = "bb".into())),
        ("account name", (|f| f.plan.account.name = "other".into())),
        ("format version", (|f| f.plan.format_version = "0".into())),
        ("a resize stopped", |f| {
            f.plan.pools[1].steps.insert(0, Step::StopResize)
        }),
        ("pool listed twice", |f| {
            let mut copy = f.plan.pools[1].clone();
            copy.action = Action::Delete;
            copy.steps = vec![Step::Delete];
            f.plan.pools.insert(1, copy);
        }),
        (
            "pool dropped",
            (|f| {
                f.plan.pools.remove(0);
            }),
        ),
    ];
    for (what, tamper) in tampers {
        let mut file = record(&plan, &live);
        tamper(&mut file);
        let found = check(&file, &plan, &live);
        assert!(!found.is_empty(), "{what}: not noticed");
    }
    let mut file = record(&plan, &live);
    if let Some(u) = &mut file.plan.pools[1].users {
        u.desired[0].ssh_key = Some("$argon2id$forged".into());
    }
    let found = check(&file, &plan, &live);
    assert!(
        found
            .iter()
            .any(|f| f.contains("the secret's value is not the one the plan was made with")),
        "{found:?}"
    );
}

#[test]
fn a_pool_that_changed_appeared_or_vanished_is_named() {
    let live = world();
    let plan = make(&desired(3), &live, at(1));
    let file = record(&plan, &live);
    let mut changed = live.clone();
    changed.pools[0].etag = "etag-new".into();
    let observed = observed(&changed);
    let found = differences(
        &file,
        &Current {
            files: &files(),
            observed: &observed,
            plan: &plan,
        },
    );
    assert!(
        found.contains(
            &"pool render changed since the plan was made (ETag etag-render → etag-new)"
                .to_string()
        ),
        "{found:?}"
    );
    let found = differences(
        &file,
        &Current {
            files: &files(),
            observed: &[],
            plan: &plan,
        },
    );
    assert!(
        found
            .iter()
            .any(|f| f == "pool render vanished since the plan was made"),
        "{found:?}"
    );
}

#[test]
fn nodes_joining_since_the_plan_do_not_make_it_stale() {
    let live = world();
    let then = make(&desired(2), &live, at(1));
    let mut grown = live.clone();
    if let Some(nodes) = &mut grown.pools[0].nodes {
        nodes.push(NodeInfo {
            id: "n3".into(),
            state: "starting".into(),
            booted: Some(at(5)),
        });
    }
    let now = make(&desired(2), &grown, at(6));
    assert!(check(&record(&then, &live), &now, &live).is_empty());
}

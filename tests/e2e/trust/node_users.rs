//! Node users under change, faults and races: a user removed from the spec leaves every node,
//! whatever else the same apply changes, whatever answers are lost, whoever else applies.

use reqwest::Method;
use serde_json::json;

use super::support::*;
use crate::common::{Emulator, spec_dir};

#[test]
fn a_revoked_admin_leaves_every_node_when_the_metadata_changes_too() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[]);
    let v1 = spec(
        "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nrev = \"1\"\n",
        &user("mallory", true, KEY_ONE),
    );
    write(dir.path(), &v1);
    apply(&emulator, dir.path()).success();
    assert_eq!(assert_users(&emulator, &[("mallory", true)], "v1"), 2);

    // v2 drops her and changes the metadata: the PATCH must not wipe the user bookkeeping.
    let v2 = spec(
        "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nrev = \"2\"\n",
        "",
    );
    write(dir.path(), &v2);
    apply(&emulator, dir.path()).success();
    assert_eq!(assert_users(&emulator, &[], "v2"), 2);
    plan(&emulator, dir.path()).code(0);
}

#[test]
fn a_lost_or_dropped_bookkeeping_write_leaves_the_users_recorded() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[]);
    write(dir.path(), &spec("[pools.p.scale]\ndedicated = 2\n", ""));
    apply(&emulator, dir.path()).success();
    // A user change writes the bookkeeping twice (the intent, then the confirmation): lose the
    // answer to each, or drop the confirmation before the service sees it.
    let rounds = [
        (
            user("alice", true, KEY_ONE),
            0,
            "responseLost",
            vec![("alice", true)],
        ),
        (
            user("bob", false, KEY_TWO),
            1,
            "responseLost",
            vec![("bob", false)],
        ),
        (
            user("carol", true, KEY_ONE),
            1,
            "dropped",
            vec![("carol", true)],
        ),
        (String::new(), 1, "responseLost", vec![]),
    ];
    for (users, skip, fault, want) in rounds {
        write(
            dir.path(),
            &spec("[pools.p.scale]\ndedicated = 2\n", &users),
        );
        emulator.inspect(Method::DELETE, "stats", None);
        emulator.inspect(
            Method::PUT,
            "faults",
            Some(json!({"next": [{"method": "PATCH", "path": "/pools/p", "skip": skip, "fault": fault}]})),
        );
        // Whatever this run reports, the account must not be left wrong and unseen.
        let _ = apply(&emulator, dir.path());
        let stats = emulator.inspect(Method::GET, "stats", None);
        assert_eq!(
            stats["faults"][fault], 1,
            "{fault} {skip}: the fault happened: {stats}"
        );
        apply(&emulator, dir.path()).success();
        assert_eq!(assert_users(&emulator, &want, fault), 2, "{users}");
        plan(&emulator, dir.path()).code(0);
    }
}

/// Applies `spec` until it succeeds (at most `tries` times).
fn apply_until_done(emulator: &Emulator, dir: &std::path::Path, tries: usize) -> usize {
    let mut errors = Vec::new();
    for attempt in 1..=tries {
        let out = emulator
            .batchform(dir)
            .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
            .output()
            .unwrap();
        if out.status.success() {
            return attempt;
        }
        errors.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    panic!(
        "no apply succeeded in {tries} tries:\n{}",
        errors.join("\n---\n")
    );
}

#[test]
fn user_changes_converge_under_thirty_percent_faults_for_twenty_seeds() {
    let mut lost = 0;
    for seed in 0..20u64 {
        let emulator = Emulator::start("10ms", &["--seed", &seed.to_string()]);
        let dir = spec_dir(&[]);
        write(
            dir.path(),
            &spec(
                "[pools.p.scale]\ndedicated = 2\n",
                &format!(
                    "{}{}",
                    user("mallory", true, KEY_ONE),
                    user("alice", false, KEY_ONE)
                ),
            ),
        );
        apply(&emulator, dir.path()).success();
        // Revoke one, change another's key and flag, add a third, change metadata and scale.
        let next = spec(
            "[pools.p.scale]\ndedicated = 3\n[pools.p.metadata]\nrev = \"2\"\n",
            &format!(
                "{}{}",
                user("alice", true, KEY_TWO),
                user("bob", false, KEY_TWO)
            ),
        );
        write(dir.path(), &next);
        emulator.inspect(
            Method::PUT,
            "faults",
            Some(json!({"rate": 0.3, "seed": seed, "retryAfterSeconds": 0})),
        );
        apply_until_done(&emulator, dir.path(), 12);
        let stats = emulator.inspect(Method::GET, "stats", None);
        lost += stats["faults"]["responseLost"].as_u64().unwrap_or(0);
        emulator.inspect(Method::PUT, "faults", Some(json!({"rate": 0.0})));
        plan(&emulator, dir.path()).code(0);
        let checked = assert_users(
            &emulator,
            &[("alice", true), ("bob", false)],
            &format!("seed {seed}"),
        );
        assert_eq!(checked, 3, "seed {seed}");
    }
    assert!(lost >= 5, "answers were lost only {lost} times");
}

#[test]
fn two_racing_applies_leave_no_outside_user_after_one_more_apply() {
    for (round, last) in [(0, "a"), (1, "b"), (2, "a")] {
        // Latency widens the window in which the two applies' node calls interleave.
        let emulator = Emulator::start("10ms", &["--latency", "4ms"]);
        let base = spec_dir(&[]);
        write(base.path(), &spec("[pools.p.scale]\ndedicated = 6\n", ""));
        apply(&emulator, base.path()).success();
        let a = spec_dir(&[]);
        write(
            a.path(),
            &spec(
                "[pools.p.scale]\ndedicated = 6\n",
                &user("alice", true, KEY_ONE),
            ),
        );
        let b = spec_dir(&[]);
        write(
            b.path(),
            &spec(
                "[pools.p.scale]\ndedicated = 6\n",
                &user("bob", true, KEY_TWO),
            ),
        );
        let run = |dir: &std::path::Path| {
            emulator
                .command(dir)
                .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let (mut first, mut second) = (run(a.path()), run(b.path()));
        let _ = (first.wait(), second.wait());
        let (dir, want) = if last == "a" {
            (a.path(), ("alice", true))
        } else {
            (b.path(), ("bob", true))
        };
        apply(&emulator, dir).success();
        assert_eq!(
            assert_users(&emulator, &[want], &format!("round {round}")),
            6
        );
        plan(&emulator, dir).code(0);
    }
}

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

/// Queues faults for the PATCHes of pool `p`: the first `skip` pass, the next `count` fail.
fn fail_patches(emulator: &Emulator, skip: u32, count: usize, fault: &str) {
    let mut rules =
        vec![json!({"method": "PATCH", "path": "/pools/p", "skip": skip, "fault": fault})];
    rules
        .extend((1..count).map(|_| json!({"method": "PATCH", "path": "/pools/p", "fault": fault})));
    emulator.inspect(Method::PUT, "faults", Some(json!({ "next": rules })));
}

#[test]
fn a_bookkeeping_write_that_never_lands_still_leaves_the_users_recorded() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[]);
    let base = "[pools.p.scale]\ndedicated = 2\n";
    write(dir.path(), &spec(base, ""));
    apply(&emulator, dir.path()).success();
    // alice reaches both nodes, then every write after the first node call is dropped: the
    // apply fails, and nothing confirms her.
    write(dir.path(), &spec(base, &user("alice", true, KEY_ONE)));
    let after = json!({"method": "POST", "path": "/pools/p/nodes/"});
    let rules: Vec<_> = (0..12)
        .map(|_| json!({"method": "PATCH", "path": "/pools/p", "fault": "dropped", "after": after}))
        .collect();
    emulator.inspect(Method::PUT, "faults", Some(json!({ "next": rules })));
    let _ = apply(&emulator, dir.path());
    assert_eq!(
        assert_users(&emulator, &[("alice", true)], "alice added"),
        2
    );
    let stats = emulator.inspect(Method::GET, "stats", None);
    assert!(
        stats["faults"]["dropped"].as_u64().unwrap_or(0) >= 1,
        "{stats}"
    );
    emulator.inspect(Method::PUT, "faults", Some(json!({"next": []})));
    // Revoked before anything confirmed her: she must still be found, and removed everywhere.
    write(dir.path(), &spec(base, ""));
    plan(&emulator, dir.path())
        .code(2)
        .stdout(predicates::str::contains(
            "user \"alice\": delete on 2 nodes",
        ));
    apply(&emulator, dir.path()).success();
    assert_eq!(assert_users(&emulator, &[], "alice revoked"), 2);
    plan(&emulator, dir.path()).code(0);
}

#[test]
fn lost_answers_to_bookkeeping_writes_converge() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[]);
    let base = "[pools.p.scale]\ndedicated = 2\n";
    write(dir.path(), &spec(base, ""));
    apply(&emulator, dir.path()).success();
    // The intent (first PATCH) or the confirmation (second) is carried out, its answer lost.
    let rounds = [
        (user("alice", true, KEY_ONE), 0, vec![("alice", true)]),
        (user("bob", false, KEY_TWO), 1, vec![("bob", false)]),
        (String::new(), 1, vec![]),
    ];
    for (users, skip, want) in rounds {
        write(dir.path(), &spec(base, &users));
        emulator.inspect(Method::DELETE, "stats", None);
        fail_patches(&emulator, skip, 1, "responseLost");
        let _ = apply(&emulator, dir.path());
        let stats = emulator.inspect(Method::GET, "stats", None);
        assert_eq!(stats["faults"]["responseLost"], 1, "{skip}: {stats}");
        apply(&emulator, dir.path()).success();
        assert_eq!(assert_users(&emulator, &want, &users), 2);
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
    let (mut lost, mut reruns) = (0, 0);
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
        reruns += apply_until_done(&emulator, dir.path(), 12) - 1;
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
    eprintln!("20 seeds at 30% faults: {lost} answers lost, {reruns} reruns needed");
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
        let (mut first, mut second) = (
            spawn_apply(&emulator, a.path()),
            spawn_apply(&emulator, b.path()),
        );
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

#[test]
fn an_add_delayed_past_a_racers_delete_is_still_recorded() {
    // A's add of alice on each node is held back (503, Retry-After 3 s) until B, started a
    // second later, has deleted alice and confirmed its own bookkeeping without her.
    let emulator = Emulator::start("10ms", &[]);
    let base = spec_dir(&[]);
    write(base.path(), &spec("[pools.p.scale]\ndedicated = 2\n", ""));
    apply(&emulator, base.path()).success();
    let ids: Vec<String> = nodes(&emulator).into_iter().map(|(id, _)| id).collect();
    let rules: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"method": "POST", "path": format!("/pools/p/nodes/{id}/users"), "skip": i, "fault": "busy"})
        })
        .collect();
    emulator.inspect(
        Method::PUT,
        "faults",
        Some(json!({"retryAfterSeconds": 3, "next": rules})),
    );
    let a = spec_dir(&[]);
    write(
        a.path(),
        &spec(
            "[pools.p.scale]\ndedicated = 2\n",
            &user("alice", true, KEY_ONE),
        ),
    );
    let b = spec_dir(&[]);
    write(
        b.path(),
        &spec(
            "[pools.p.scale]\ndedicated = 2\n",
            &user("bob", false, KEY_TWO),
        ),
    );
    let mut first = spawn_apply(&emulator, a.path());
    std::thread::sleep(std::time::Duration::from_secs(1));
    let mut second = spawn_apply(&emulator, b.path());
    let _ = (first.wait(), second.wait());
    let stats = emulator.inspect(Method::GET, "stats", None);
    assert_eq!(stats["faults"]["busy"], 2, "{stats}");
    // One more apply of B: whatever the race left, nobody but bob is on any node.
    apply(&emulator, b.path()).success();
    assert_eq!(assert_users(&emulator, &[("bob", false)], "after B"), 2);
    plan(&emulator, b.path()).code(0);
}

//! Applies killed at random moments, and what a plan says after one: the rerun leaves every
//! ready node with exactly the spec's users, and until the account matches, the plan says what
//! is pending and exits 2.

use std::time::Duration;

use predicates::prelude::*;
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::support::*;
use crate::common::{Emulator, spec_dir};

/// The spec after the change each trial interrupts: users with patches, resizes and drains.
fn change(trial: u64) -> (String, Vec<(&'static str, bool)>) {
    match trial % 4 {
        // Revoke an admin while the metadata changes (one PATCH, then the users).
        0 => (
            spec(
                "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nrev = \"2\"\n",
                &user("alice", false, KEY_ONE),
            ),
            vec![("alice", false)],
        ),
        // Add a user and grow the pool.
        1 => (
            spec(
                "[pools.p.scale]\ndedicated = 3\n",
                &format!(
                    "{}{}{}",
                    user("mallory", true, KEY_ONE),
                    user("alice", false, KEY_ONE),
                    user("bob", false, KEY_TWO)
                ),
            ),
            vec![("alice", false), ("bob", false), ("mallory", true)],
        ),
        // A drain (task slots change only while empty) with a key rotation and an admin change.
        2 => (
            spec(
                "task_slots_per_node = 2\n[pools.p.scale]\ndedicated = 2\n",
                &format!(
                    "{}{}",
                    user("mallory", false, KEY_TWO),
                    user("alice", false, KEY_TWO)
                ),
            ),
            vec![("alice", false), ("mallory", false)],
        ),
        // Every user removed, and the pool shrinks.
        _ => (spec("[pools.p.scale]\ndedicated = 1\n", ""), vec![]),
    }
}

fn before() -> String {
    spec(
        "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nrev = \"1\"\n",
        &format!(
            "{}{}",
            user("mallory", true, KEY_ONE),
            user("alice", false, KEY_ONE)
        ),
    )
}

/// The emulator of a trial: phases and latency long enough for a kill to land mid-apply.
fn emulator() -> Emulator {
    Emulator::start("60ms", &["--latency", "5ms"])
}

/// How long the apply of each change takes here, uninterrupted: kills land within it.
fn durations() -> Vec<Duration> {
    (0..4)
        .map(|kind| {
            let emulator = emulator();
            let dir = spec_dir(&[]);
            write(dir.path(), &before());
            apply(&emulator, dir.path()).success();
            write(dir.path(), &change(kind).0);
            let started = std::time::Instant::now();
            apply(&emulator, dir.path()).success();
            started.elapsed()
        })
        .collect()
}

/// Writes the emulator has served so far (every operation that is not a read).
fn writes(emulator: &Emulator) -> u64 {
    let stats = emulator.inspect(reqwest::Method::GET, "stats", None);
    stats["byOperation"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(op, _)| !["Get", "List", "Exists"].iter().any(|r| op.contains(r)))
        .filter_map(|(_, n)| n.as_u64())
        .sum()
}

fn trials(seeds: std::ops::Range<u64>) -> (usize, usize) {
    let durations = durations();
    let (mut interrupted, mut total) = (0, 0);
    for trial in seeds {
        let mut rng = StdRng::seed_from_u64(trial);
        let emulator = emulator();
        let dir = spec_dir(&[]);
        write(dir.path(), &before());
        apply(&emulator, dir.path()).success();
        let (after, want) = change(trial);
        write(dir.path(), &after);
        let mut child = spawn_apply(&emulator, dir.path());
        let took = durations[(trial % 4) as usize];
        let writes_before = writes(&emulator);
        std::thread::sleep(took.mul_f64(rng.random_range(0.15..0.95)));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        total += 1;
        // Work interrupted: the apply had written something and had not finished.
        if !finished && writes(&emulator) > writes_before {
            interrupted += 1;
        }
        apply(&emulator, dir.path()).success();
        let checked = assert_users(&emulator, &want, &format!("trial {trial}"));
        assert!(checked >= 1, "trial {trial}: no ready node to check");
        plan(&emulator, dir.path()).code(0);
    }
    eprintln!("{interrupted} of {total} kills interrupted an apply after its first write");
    (interrupted, total)
}

#[test]
fn applies_killed_at_random_moments_leave_exactly_the_specs_users_after_a_rerun_0_to_15() {
    let (interrupted, total) = trials(0..16);
    assert!(
        interrupted >= 10,
        "only {interrupted} of {total} kills interrupted an apply"
    );
}

#[test]
fn applies_killed_at_random_moments_leave_exactly_the_specs_users_after_a_rerun_16_to_31() {
    let (interrupted, total) = trials(16..32);
    assert!(
        interrupted >= 10,
        "only {interrupted} of {total} kills interrupted an apply"
    );
}

#[test]
fn random_spec_edits_with_random_interruptions_converge_to_the_last_spec() {
    let names = ["alice", "bob", "mallory"];
    for sequence in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(1000 + sequence);
        let emulator = Emulator::start("30ms", &["--latency", "1ms"]);
        let dir = spec_dir(&[]);
        let mut want: Vec<(&str, bool)> = Vec::new();
        let mut dedicated = 1;
        for edit in 0..5 {
            want = Vec::new();
            for name in names {
                if rng.random_bool(0.6) {
                    want.push((name, rng.random_bool(0.5)));
                }
            }
            dedicated = rng.random_range(1..4);
            let mut users = String::new();
            for (name, admin) in &want {
                let key = if rng.random_bool(0.5) {
                    KEY_ONE
                } else {
                    KEY_TWO
                };
                users.push_str(&user(name, *admin, key));
            }
            let extra = format!(
                "[pools.p.scale]\ndedicated = {dedicated}\n[pools.p.metadata]\nedit = \"{edit}\"\n"
            );
            write(dir.path(), &spec(&extra, &users));
            let mut child = spawn_apply(&emulator, dir.path());
            if rng.random_bool(0.6) {
                std::thread::sleep(Duration::from_millis(rng.random_range(10..600)));
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        apply(&emulator, dir.path()).success();
        want.sort();
        let checked = assert_users(&emulator, &want, &format!("sequence {sequence}"));
        assert_eq!(checked, dedicated, "sequence {sequence}");
        plan(&emulator, dir.path()).code(0);
        let pool = &all_pools(&emulator)[0];
        let metadata = pool["metadata"].as_array().unwrap();
        assert!(
            metadata
                .iter()
                .any(|m| m["name"] == "edit" && m["value"] == "4"),
            "sequence {sequence}: {metadata:?}"
        );
    }
}

#[test]
fn after_an_interrupted_apply_the_plan_says_what_is_pending_until_it_is_done() {
    // Phases of two seconds: the nodes are still starting when the first apply gives up.
    let emulator = Emulator::start("2s", &[]);
    let dir = spec_dir(&[]);
    write(
        dir.path(),
        &spec(
            "[pools.p.scale]\ndedicated = 2\n",
            &user("alice", true, KEY_ONE),
        ),
    );
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "1s", "pools.toml"])
        .assert()
        .code(1);
    // Not "No changes": the nodes being created will need their users.
    plan(&emulator, dir.path()).code(2).stdout(
        predicate::str::contains("pending:").and(predicate::str::contains("No changes").not()),
    );
    // apply waits for them, and then they have them.
    apply(&emulator, dir.path()).success();
    assert_eq!(assert_users(&emulator, &[("alice", true)], "after"), 2);
    plan(&emulator, dir.path()).code(0);
}

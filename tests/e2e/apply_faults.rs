//! Apply under injected faults and interruptions: it must converge, never duplicate a pool, and
//! leave a plan with nothing to do.

use std::time::Duration;

use crate::common::{Emulator, pool, spec_dir};
use serde_json::{Map, Value, json};

fn spec() -> String {
    let mut spec = String::from("[account]\nowner = \"team\"\n");
    for id in ["alpha", "beta", "gamma"] {
        let extra =
            format!("[pools.{id}.scale]\ndedicated = 2\n[pools.{id}.metadata]\nrole = \"{id}\"\n");
        spec.push_str(&pool(id, &extra));
    }
    spec
}

/// Every pool id in the account, as the service lists them.
fn pool_ids(emulator: &Emulator) -> Vec<String> {
    let client = emulator.client();
    let pools: Vec<Value> = crate::common::runtime()
        .block_on(client.list_pools(Some("id")))
        .expect("list pools");
    let mut ids: Vec<String> = pools
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn converged(emulator: &Emulator, dir: &std::path::Path) {
    emulator
        .batchform(dir)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0);
    assert_eq!(
        pool_ids(emulator),
        ["alpha", "beta", "gamma"],
        "no pool missing or duplicated"
    );
}

/// Applies under 10% faults for each seed; returns the faults the emulator injected, by kind.
fn faulty_applies(seeds: std::ops::Range<u64>) -> Map<String, Value> {
    let mut injected = Map::new();
    for seed in seeds {
        let emulator = Emulator::start("10ms", &["--faults", "0.1", "--seed", &seed.to_string()]);
        let dir = spec_dir(&[("pools.toml", &spec())]);
        let output = emulator
            .batchform(dir.path())
            .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "seed {seed}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stats = emulator.inspect(reqwest::Method::GET, "stats", None);
        for (kind, count) in stats["faults"].as_object().into_iter().flatten() {
            let total = injected.get(kind).and_then(Value::as_u64).unwrap_or(0)
                + count.as_u64().unwrap_or(0);
            injected.insert(kind.clone(), total.into());
        }
        // The plan that checks it runs without faults, so that it reads the account as it is.
        emulator.inspect(reqwest::Method::PUT, "faults", Some(json!({"rate": 0.0})));
        converged(&emulator, dir.path());
    }
    injected
}

/// The faults really happened, the hard kind (a write applied, its answer lost) included.
fn assert_injected(injected: &Map<String, Value>) {
    let total: u64 = injected.values().filter_map(Value::as_u64).sum();
    assert!(
        total >= 5,
        "too few faults injected to mean anything: {injected:?}"
    );
    assert!(
        injected
            .get("responseLost")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            >= 1,
        "{injected:?}"
    );
}

#[test]
fn apply_converges_under_ten_percent_faults_seeds_0_to_9() {
    assert_injected(&faulty_applies(0..10));
}

#[test]
fn apply_converges_under_ten_percent_faults_seeds_10_to_19() {
    assert_injected(&faulty_applies(10..20));
}

#[test]
fn an_apply_killed_at_any_moment_converges_when_run_again() {
    let mut interrupted = 0;
    for trial in 0..10u64 {
        let emulator = Emulator::start("100ms", &[]);
        let dir = spec_dir(&[("pools.toml", &spec())]);
        let mut child = emulator
            .command(dir.path())
            .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole apply: from before the first write to the last waits.
        std::thread::sleep(Duration::from_millis(20 + trial * 53 % 450));
        let _ = child.kill(); // SIGKILL
        if !child.wait().unwrap().success() {
            interrupted += 1;
        }
        emulator
            .batchform(dir.path())
            .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
            .assert()
            .success();
        converged(&emulator, dir.path());
    }
    // Most trials must really cut an apply short, or this proves nothing.
    assert!(
        interrupted >= 7,
        "only {interrupted} of 10 applies were interrupted"
    );
}

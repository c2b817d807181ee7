//! Fields owned by others: batchform changes only the metadata keys it set, so a key another
//! actor adds (Azure Policy, a person) survives every apply, and a key removed from the spec is
//! removed.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::common::{Emulator, pool, spec_dir};

fn spec(metadata: &str) -> String {
    format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            "p",
            &format!("[pools.p.scale]\ndedicated = 0\n[pools.p.metadata]\n{metadata}")
        )
    )
}

fn metadata(emulator: &Emulator) -> Vec<(String, String)> {
    let (pool, _): (Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("p", None))
        .unwrap()
        .unwrap();
    let mut items: Vec<(String, String)> = pool["metadata"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(name, _)| !name.starts_with("batchform:"))
        .collect();
    items.sort();
    items
}

fn run(emulator: &Emulator, text: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    let dir = spec_dir(&[("pools.toml", text)]);
    emulator
        .batchform(dir.path())
        .args(args)
        .arg("pools.toml")
        .assert()
}

#[test]
fn a_key_another_actor_adds_survives_and_a_key_removed_from_the_spec_goes() {
    let emulator = Emulator::start("10ms", &[]);
    let apply = ["apply", "--auto-approve", "--timeout", "60s"];
    run(&emulator, &spec("team = \"a\"\ncost = \"1\"\n"), &apply).success();
    // Azure Policy tags the pool: PATCH replaces metadata whole, so it sends every entry.
    let client = emulator.client();
    let (live, etag): (Value, _) = crate::common::runtime()
        .block_on(client.get_pool("p", None))
        .unwrap()
        .unwrap();
    let mut items = live["metadata"].as_array().unwrap().clone();
    items.push(json!({"name": "policy-owner", "value": "finance"}));
    crate::common::runtime()
        .block_on(client.patch_pool("p", &json!({"metadata": items}), etag.as_deref()))
        .unwrap();
    // Not batchform's: no change to plan.
    run(
        &emulator,
        &spec("team = \"a\"\ncost = \"1\"\n"),
        &["plan", "--detailed-exitcode"],
    )
    .code(0);
    // A change of the spec's keys keeps the policy's, and dropping `cost` removes only it.
    run(&emulator, &spec("team = \"b\"\n"), &apply).success();
    assert_eq!(
        metadata(&emulator),
        [
            ("policy-owner".to_string(), "finance".to_string()),
            ("team".to_string(), "b".to_string())
        ]
    );
    run(
        &emulator,
        &spec("team = \"b\"\n"),
        &["plan", "--detailed-exitcode"],
    )
    .code(0);
}

fn ignoring(metadata: &str, dedicated: u32) -> String {
    format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            "p",
            &format!(
                "ignore_changes = [\"scale\", \"metadata.cost-center\"]\n[pools.p.scale]\ndedicated = {dedicated}\n[pools.p.metadata]\n{metadata}"
            )
        )
    )
}

fn wait_steady(emulator: &Emulator) {
    for _ in 0..500 {
        let (pool, _): (Value, _) = crate::common::runtime()
            .block_on(emulator.client().get_pool("p", None))
            .unwrap()
            .unwrap();
        if pool["allocationState"] == "steady" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the pool never became steady");
}

#[test]
fn ignored_fields_are_left_to_their_owner_and_shown_as_drift() {
    let emulator = Emulator::start("10ms", &[]);
    let apply = ["apply", "--auto-approve", "--timeout", "60s"];
    // The key is batchform's at first; the spec then hands it over.
    run(
        &emulator,
        &spec("team = \"a\"\ncost-center = \"42\"\n"),
        &apply,
    )
    .success();
    run(&emulator, &ignoring("team = \"a\"\n", 0), &apply).success();
    assert!(metadata(&emulator).contains(&("cost-center".to_string(), "42".to_string())));
    // Another tool sizes the pool.
    crate::common::runtime()
        .block_on(
            emulator
                .client()
                .resize_pool("p", &json!({"targetDedicatedNodes": 2}), None),
        )
        .unwrap();
    wait_steady(&emulator);
    run(
        &emulator,
        &ignoring("team = \"a\"\n", 0),
        &["plan", "--detailed-exitcode"],
    )
    .code(0)
    .stdout(predicates::str::contains(
        "# ignored (ignore_changes): scale.dedicated = 2 (the spec says 0)",
    ));
    // A change of what batchform owns leaves the rest as the others set it.
    run(&emulator, &ignoring("team = \"b\"\n", 0), &apply).success();
    assert_eq!(
        metadata(&emulator),
        [
            ("cost-center".to_string(), "42".to_string()),
            ("team".to_string(), "b".to_string())
        ]
    );
    let (pool, _): (Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("p", None))
        .unwrap()
        .unwrap();
    assert_eq!(pool["targetDedicatedNodes"], 2);
}

#[test]
fn ignoring_what_the_spec_sets_or_cannot_be_ignored_is_an_error() {
    let text = format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            "p",
            "ignore_changes = [\"metadata.team\", \"vm_size\"]\n[pools.p.scale]\ndedicated = 0\n[pools.p.metadata]\nteam = \"a\"\n"
        )
    );
    let dir = spec_dir(&[("pools.toml", &text)]);
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_batchform"))
        .current_dir(dir.path())
        .args(["validate", "pools.toml"])
        .assert()
        .code(1)
        .stdout(
            predicates::str::contains("metadata key `team` is both set by the spec and ignored")
                .and(predicates::str::contains("`vm_size` cannot be ignored")),
        );
}

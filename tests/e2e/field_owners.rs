//! Fields owned by others: batchform changes only the metadata keys it set, so a key another
//! actor adds (Azure Policy, a person) survives every apply, and a key removed from the spec is
//! removed.

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

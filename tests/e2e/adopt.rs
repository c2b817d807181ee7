//! Adopting a pool that exists and carries no owner: ownership is written, nothing else
//! changes when the spec describes the pool as it is, and the next plan is empty.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::common::{Emulator, pool, spec_dir};

fn made_by_hand(emulator: &Emulator, id: &str, metadata: Value) {
    crate::common::runtime()
        .block_on(emulator.client().create_pool(
            id,
            &json!({
                "id": id, "vmSize": "STANDARD_D2S_V3",
                "virtualMachineConfiguration": {
                    "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"},
                    "nodeAgentSKUId": "batch.node.ubuntu 22.04"
                },
                "targetDedicatedNodes": 1,
                "userAccounts": [{"name": "builder", "password": "made-by-hand-1", "elevationLevel": "nonadmin"}],
                "metadata": metadata
            }),
        ))
        .unwrap();
}

fn spec(id: &str) -> String {
    format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            id,
            &format!(
                "adopt = true\n[pools.{id}.scale]\ndedicated = 1\n[pools.{id}.metadata]\nteam = \"render\"\n[pools.{id}.user_accounts.builder]\npassword = {{ env = \"BUILDER_PASSWORD\" }}\n"
            )
        )
    )
}

#[test]
fn an_unowned_pool_is_adopted_with_nothing_else_changed() {
    let emulator = Emulator::start("10ms", &[]);
    made_by_hand(
        &emulator,
        "render",
        json!([{"name": "team", "value": "render"}, {"name": "policy", "value": "kept"}]),
    );
    let dir = spec_dir(&[("pools.toml", &spec("render"))]);
    let batchform = || {
        let mut cmd = emulator.batchform(dir.path());
        cmd.env("BUILDER_PASSWORD", "made-by-hand-1");
        cmd
    };
    batchform()
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("pool \"render\" will be adopted (batchform:owner set)")
                .and(predicate::str::contains(" -> ").not())
                .and(predicate::str::contains("policy").not()),
        );
    let (before, _): (Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("render", None))
        .unwrap()
        .unwrap();
    batchform()
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    batchform()
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0);
    let (after, _): (Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("render", None))
        .unwrap()
        .unwrap();
    // Nothing but batchform's own entries was added; the nodes were never touched.
    let names = |pool: &Value| -> Vec<String> {
        let mut names: Vec<String> = pool["metadata"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}={}",
                    m["name"].as_str().unwrap(),
                    m["value"].as_str().unwrap()
                )
            })
            .filter(|m| !m.starts_with("batchform:"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&after), names(&before));
    assert!(
        after["metadata"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "batchform:owner" && m["value"] == "team")
    );
    assert_eq!(
        after["currentDedicatedNodes"],
        before["currentDedicatedNodes"]
    );
    assert_eq!(after["vmSize"], before["vmSize"]);
}

#[test]
fn a_pool_of_another_owner_is_never_adopted() {
    let emulator = Emulator::start("10ms", &[]);
    made_by_hand(
        &emulator,
        "theirs",
        json!([{"name": "batchform:owner", "value": "rival"}]),
    );
    let dir = spec_dir(&[("pools.toml", &spec("theirs"))]);
    emulator
        .batchform(dir.path())
        .env("BUILDER_PASSWORD", "x")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("belongs to owner `rival`"));
}

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

#[test]
fn export_then_apply_changes_nothing_but_ownership() {
    let emulator = Emulator::start("10ms", &[]);
    // A production-like pool made with another client: containers with a private registry, a
    // start task running as a user account, pack scheduling, low-priority nodes, metadata.
    crate::common::runtime()
        .block_on(emulator.client().create_pool(
            "render",
            &json!({
                "id": "render", "displayName": "Render farm", "vmSize": "standard_d2s_v3",
                "virtualMachineConfiguration": {
                    "imageReference": {"publisher": "microsoft-dsvm", "offer": "ubuntu-hpc", "sku": "2204", "version": "latest"},
                    "nodeAgentSKUId": "batch.node.ubuntu 22.04",
                    "containerConfiguration": {
                        "type": "dockerCompatible",
                        "containerImageNames": ["myregistry.azurecr.io/render:2", "ubuntu:22.04"],
                        "containerRegistries": [{"registryServer": "myregistry.azurecr.io", "username": "render", "password": "registry-secret-1"}]
                    }
                },
                "targetDedicatedNodes": 1, "targetLowPriorityNodes": 1, "resizeTimeout": "PT20M",
                "taskSlotsPerNode": 2, "taskSchedulingPolicy": {"nodeFillType": "pack"},
                "enableInterNodeCommunication": true,
                "userAccounts": [{"name": "render", "password": "account-secret-1", "elevationLevel": "nonadmin", "linuxUserConfiguration": {"uid": 4000, "gid": 4000}}],
                "startTask": {"commandLine": "/bin/bash -c 'echo ready'", "userIdentity": {"username": "render"}, "maxTaskRetryCount": 2, "waitForSuccess": true, "environmentSettings": [{"name": "STAGE", "value": "prod"}]},
                "metadata": [{"name": "team", "value": "vfx"}]
            }),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = emulator
        .batchform(dir.path())
        .args(["export", "--owner", "team"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("#:schema "), "{text}");
    assert!(text.contains("adopt = true"), "{text}");
    assert!(!text.contains("secret-1"), "no secret is exported: {text}");
    for var in [
        "RENDER_REGISTRY_MYREGISTRY_AZURECR_IO_PASSWORD",
        "RENDER_RENDER_PASSWORD",
    ] {
        assert!(text.contains(var), "{var}: {text}");
    }
    std::fs::write(dir.path().join("pools.toml"), &text).unwrap();
    let batchform = || {
        let mut cmd = emulator.batchform(dir.path());
        cmd.env(
            "RENDER_REGISTRY_MYREGISTRY_AZURECR_IO_PASSWORD",
            "registry-secret-1",
        )
        .env("RENDER_RENDER_PASSWORD", "account-secret-1");
        cmd
    };
    batchform()
        .args(["validate", "--secrets", "pools.toml"])
        .assert()
        .success();
    batchform()
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("pool \"render\" will be adopted (batchform:owner set)")
                .and(predicate::str::contains(" -> ").not()),
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
    for field in [
        "displayName",
        "vmSize",
        "virtualMachineConfiguration",
        "targetDedicatedNodes",
        "targetLowPriorityNodes",
        "resizeTimeout",
        "taskSlotsPerNode",
        "taskSchedulingPolicy",
        "enableInterNodeCommunication",
        "userAccounts",
        "startTask",
    ] {
        assert_eq!(after[field], before[field], "{field} changed");
    }
}

#[test]
fn export_out_writes_a_spec_directory_that_validates() {
    let emulator = Emulator::start("10ms", &[]);
    made_by_hand(&emulator, "one", json!([]));
    made_by_hand(
        &emulator,
        "two",
        json!([{"name": "batchform:owner", "value": "rival"}]),
    );
    let dir = tempfile::tempdir().unwrap();
    emulator
        .batchform(dir.path())
        .args(["export", "--owner", "team", "--out", "pools"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipped pool two: it belongs to owner `rival`",
        ));
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("pools"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["account.toml", "batchform.schema.json", "one.toml"]);
    emulator
        .batchform(dir.path())
        .args(["validate", "pools"])
        .assert()
        .success();
    // Naming a pool of another owner is an error, not a skip.
    emulator
        .batchform(dir.path())
        .args(["export", "--owner", "team", "two"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("belongs to owner `rival`"));
}

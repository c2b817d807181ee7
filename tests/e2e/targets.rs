//! `--target` and `destroy`: work on some pools of a spec, and leave the others, their errors
//! and their secrets alone.

use predicates::prelude::*;
use serde_json::json;

use crate::common::{Emulator, pool, spec_dir};

fn ids(emulator: &Emulator) -> Vec<String> {
    let pools: Vec<serde_json::Value> = crate::common::runtime()
        .block_on(emulator.client().list_pools(Some("id")))
        .unwrap();
    let mut ids: Vec<String> = pools
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn unowned(emulator: &Emulator, id: &str) {
    crate::common::runtime()
        .block_on(emulator.client().create_pool(
            id,
            &json!({
                "id": id, "vmSize": "standard_d2s_v3",
                "virtualMachineConfiguration": {"imageReference": {"publisher": "canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"}, "nodeAgentSKUId": "batch.node.ubuntu 22.04"},
                "targetDedicatedNodes": 0
            }),
        ))
        .unwrap();
}

#[test]
fn a_target_is_planned_and_applied_alone_whatever_the_other_pools_hold() {
    let emulator = Emulator::start("10ms", &[]);
    unowned(&emulator, "taken");
    // `taken` exists and is not ours (a plan error); `secret` needs a variable nobody set.
    let spec = format!(
        "[account]\nowner = \"team\"\n{}{}{}",
        pool("web", "[pools.web.scale]\ndedicated = 1\n"),
        pool("taken", "[pools.taken.scale]\ndedicated = 1\n"),
        pool(
            "secret",
            "[pools.secret.scale]\ndedicated = 1\n[pools.secret.user_accounts.builder]\npassword = { env = \"UNSET_PASSWORD\" }\n"
        ),
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .code(1);
    emulator
        .batchform(dir.path())
        .args([
            "plan",
            "--detailed-exitcode",
            "--target",
            "web",
            "pools.toml",
        ])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("pool \"web\" will be created")
                .and(predicate::str::contains("secret").not()),
        );
    emulator
        .batchform(dir.path())
        .args([
            "apply",
            "--auto-approve",
            "--timeout",
            "60s",
            "--target",
            "web",
            "pools.toml",
        ])
        .assert()
        .success();
    assert_eq!(ids(&emulator), ["taken", "web"]);
    // A saved targeted plan applies its targets only, and refuses others.
    emulator
        .batchform(dir.path())
        .args([
            "plan",
            "--target",
            "WEB",
            "--out",
            "plan.json",
            "pools.toml",
        ])
        .assert()
        .success();
    emulator
        .batchform(dir.path())
        .args(["apply", "--target", "secret", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the plan file was made for --target WEB",
        ));
    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    emulator
        .batchform(dir.path())
        .args(["plan", "--target", "nope", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--target nope: no such pool"));
}

#[test]
fn destroy_deletes_the_specs_owned_pools_and_leaves_everything_else() {
    let emulator = Emulator::start("10ms", &[]);
    let full = format!(
        "[account]\nowner = \"team\"\n{}{}{}",
        pool("mine", "[pools.mine.scale]\ndedicated = 1\n"),
        pool(
            "guarded",
            "protect = true\n[pools.guarded.scale]\ndedicated = 1\n"
        ),
        pool("elsewhere", "[pools.elsewhere.scale]\ndedicated = 1\n"),
    );
    let dir = spec_dir(&[("pools.toml", &full)]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    unowned(&emulator, "theirs");
    // The spec to destroy names mine, guarded and theirs; elsewhere is ours but not named.
    let named = format!(
        "[account]\nowner = \"team\"\n{}{}{}",
        pool("mine", "[pools.mine.scale]\ndedicated = 1\n"),
        pool(
            "guarded",
            "protect = true\n[pools.guarded.scale]\ndedicated = 1\n"
        ),
        pool("theirs", "[pools.theirs.scale]\ndedicated = 1\n"),
    );
    let dir = spec_dir(&[("pools.toml", &named)]);
    emulator
        .batchform(dir.path())
        .write_stdin("")
        .args(["destroy", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs --auto-approve"));
    emulator
        .batchform(dir.path())
        .args([
            "destroy",
            "--auto-approve",
            "--timeout",
            "60s",
            "pools.toml",
        ])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("pool \"mine\" will be destroyed")
                .and(predicate::str::contains("pool mine: deleted"))
                .and(predicate::str::contains("theirs")),
        )
        .stderr(predicate::str::contains("left alone: pool guarded"));
    assert_eq!(ids(&emulator), ["elsewhere", "guarded", "theirs"]);
}

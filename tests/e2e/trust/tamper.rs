//! A plan file is a record to check, not an instruction: every edit of one is refused before
//! the first write, naming what differs, and every pool reads the same before and after.

use std::path::Path;

use serde_json::{Value, json};

use super::support::*;
use crate::common::{Emulator, pool, spec_dir};

/// An account with pools of every kind of ownership, and a spec of `team` with a plan to
/// change: `p` (owned, metadata and a user change), `guarded` (owned, protected), `old`
/// (owned, pruned by the plan), `other` (owner `rival`), `theirs` (no owner).
fn account() -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start("10ms", &[]);
    let rival = spec_dir(&[(
        "pools.toml",
        &format!(
            "[account]\nowner = \"rival\"\n{}",
            pool("other", "[pools.other.scale]\ndedicated = 1\n")
        ),
    )]);
    apply(&emulator, rival.path()).success();
    let client = emulator.client();
    crate::common::runtime()
        .block_on(client.create_pool(
            "theirs",
            &json!({
                "id": "theirs", "vmSize": "standard_d2s_v3",
                "virtualMachineConfiguration": {"imageReference": {"publisher": "canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts", "version": "latest"}, "nodeAgentSKUId": "batch.node.ubuntu 22.04"},
                "targetDedicatedNodes": 0
            }),
        ))
        .unwrap();
    let dir = spec_dir(&[]);
    let first = format!(
        "[account]\nowner = \"team\"\nprune = true\n{}{}{}{}",
        pool(
            "p",
            "[pools.p.scale]\ndedicated = 1\n[pools.p.metadata]\nrev = \"1\"\n"
        ),
        user("mallory", true, KEY_ONE),
        pool(
            "guarded",
            "protect = true\n[pools.guarded.scale]\ndedicated = 1\n"
        ),
        pool("old", "[pools.old.scale]\ndedicated = 1\n"),
    );
    write(dir.path(), &first);
    apply(&emulator, dir.path()).success();
    let second = format!(
        "[account]\nowner = \"team\"\nprune = true\n{}{}{}",
        pool(
            "p",
            "[pools.p.scale]\ndedicated = 1\n[pools.p.metadata]\nrev = \"2\"\n"
        ),
        user("alice", false, KEY_TWO),
        pool(
            "guarded",
            "protect = true\n[pools.guarded.scale]\ndedicated = 1\n"
        ),
    );
    write(dir.path(), &second);
    std::fs::write(
        dir.path().join("evil.toml"),
        "[account]\nowner = \"team\"\nprune = true\n",
    )
    .unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    (emulator, dir)
}

fn pool_index(file: &Value, id: &str) -> usize {
    file["plan"]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no pool {id} in the plan"))
}

type Tamper = (&'static str, fn(&mut Value), &'static str);

/// Each edit, and a word the refusal must contain.
fn tampers() -> Vec<Tamper> {
    fn append_delete(file: &mut Value, id: &str) {
        let mut entry = file["plan"]["pools"][pool_index(file, "old")].clone();
        entry["id"] = json!(id);
        file["plan"]["pools"].as_array_mut().unwrap().push(entry);
    }
    vec![
        (
            "delete an unowned pool",
            |f| append_delete(f, "theirs"),
            "theirs",
        ),
        (
            "delete another owner's pool",
            |f| append_delete(f, "other"),
            "other",
        ),
        (
            "delete a protected pool",
            |f| append_delete(f, "guarded"),
            "guarded",
        ),
        (
            "point the patch at an unowned pool",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["id"] = json!("theirs");
            },
            "theirs",
        ),
        (
            "resize through desired",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["desired"]["scale"]["dedicated"] = json!(40);
            },
            "desired.scale",
        ),
        (
            "write without If-Match",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["etag"] = Value::Null;
            },
            "etag",
        ),
        (
            "an observed ETag edited to match",
            |f| {
                f["observed"][0]["etag"] = json!("0xFFFF");
            },
            "changed since the plan was made",
        ),
        (
            "a delete step added",
            |f| {
                let i = pool_index(f, "guarded");
                f["plan"]["pools"][i]["steps"] = json!([{"step": "delete"}]);
                f["plan"]["pools"][i]["action"] = json!("delete");
            },
            "guarded",
        ),
        (
            "recreate instead of update",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["action"] = json!("recreate");
            },
            "action",
        ),
        (
            "unprotect",
            |f| {
                let i = pool_index(f, "guarded");
                f["plan"]["pools"][i]["desired"]["protect"] = json!(false);
            },
            "protect",
        ),
        (
            "the pruned pool kept",
            |f| {
                let i = pool_index(f, "old");
                f["plan"]["pools"].as_array_mut().unwrap().remove(i);
            },
            "old",
        ),
        (
            "the revoked admin kept",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["users"]["desired"][0]["name"] = json!("mallory");
                f["plan"]["pools"][i]["users"]["desired"][0]["admin"] = json!(true);
            },
            "users",
        ),
        (
            "a secret source pointed at a file",
            |f| {
                f["secrets"] =
                    json!([{"pool": "p", "key": "registry:x", "from": {"file": "/etc/hostname"}}]);
            },
            "not a valid batchform plan file",
        ),
        (
            "another account",
            |f| {
                f["plan"]["account"]["endpoint"] = json!("https://victim.eastus.batch.azure.com");
            },
            "the plan was made for account",
        ),
        (
            "another account name",
            |f| {
                f["plan"]["account"]["name"] = json!("victim");
            },
            "the plan was made for account",
        ),
        (
            "an older format",
            |f| f["format"] = json!("batchform-plan/1"),
            "a plan of format \"batchform-plan/1\"",
        ),
        (
            "another spec",
            |f| {
                f["spec"]["paths"] = json!(["evil.toml"]);
            },
            "spec file",
        ),
        (
            "a spec digest",
            |f| {
                f["spec"]["files"][0]["sha256"] = json!("00");
            },
            "changed",
        ),
        (
            "an unmanaged pool claimed",
            |f| {
                let list = f["plan"]["unmanaged"].as_array_mut().unwrap();
                list.retain(|p| p != "theirs");
            },
            "unmanaged",
        ),
        (
            "kept bookkeeping forged",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["kept"] = json!({"batchform:users": "{}"});
            },
            "kept",
        ),
        (
            "a resize stopped",
            |f| {
                let i = pool_index(f, "p");
                f["plan"]["pools"][i]["steps"]
                    .as_array_mut()
                    .unwrap()
                    .insert(0, json!({"step": "stop_resize"}));
            },
            "steps",
        ),
        (
            "stop pending resizes",
            |f| f["spec"]["stop_pending_resize"] = json!(true),
            "not a valid batchform plan file",
        ),
        (
            "a pool listed twice",
            |f| {
                let i = pool_index(f, "p");
                let mut copy = f["plan"]["pools"][i].clone();
                copy["action"] = json!("delete");
                copy["steps"] = json!([{"step": "delete"}]);
                f["plan"]["pools"].as_array_mut().unwrap().insert(i, copy);
            },
            "more than once",
        ),
        (
            "no ETag on the protected pool",
            |f| {
                let i = pool_index(f, "guarded");
                f["plan"]["pools"][i]["etag"] = json!("*");
            },
            "etag",
        ),
    ]
}

fn refused(emulator: &Emulator, dir: &Path, file: &Value, says: &str, what: &str) {
    std::fs::write(
        dir.join("tampered.json"),
        serde_json::to_string_pretty(file).unwrap(),
    )
    .unwrap();
    let before = all_pools(emulator);
    let out = emulator
        .batchform(dir)
        .args(["apply", "tampered.json"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{what}: {stdout}{stderr}");
    assert!(stderr.contains(says), "{what}: {stderr}");
    assert!(!stdout.contains("Apply complete"), "{what}: {stdout}");
    assert_eq!(all_pools(emulator), before, "{what}: the account changed");
}

#[test]
fn every_tampered_plan_file_is_refused_before_the_first_write() {
    let (emulator, dir) = account();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    let tampers = tampers();
    assert!(tampers.len() >= 24);
    for (what, tamper, says) in tampers {
        let mut file = saved.clone();
        tamper(&mut file);
        assert_ne!(file, saved, "{what}: the tamper changed nothing");
        refused(&emulator, dir.path(), &file, says, what);
    }
    // The untouched file still applies, and does what was reviewed.
    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    let ids: Vec<String> = all_pools(&emulator)
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["guarded", "other", "p", "theirs"]);
    assert_eq!(assert_users(&emulator, &[("alice", false)], "after"), 1);
}

#[test]
fn an_edited_spec_or_secret_makes_the_plan_file_stale() {
    let (emulator, dir) = account();
    let spec = std::fs::read_to_string(dir.path().join("pools.toml")).unwrap();
    write(dir.path(), &spec.replace("rev = \"2\"", "rev = \"3\""));
    refused(
        &emulator,
        dir.path(),
        &serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap(),
        "spec file pools.toml changed",
        "edited spec",
    );
}

//! `batchform logins`: each node's SSH address, from the remote login settings API, and what it
//! says of pools that have no nodes or do not exist.

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;
use reqwest::Method;
use serde_json::json;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKFpYOSt+Zr6g2qR3d87s5o+Hbk+S/xx+ygBV652aqi2 one";

/// `batchform logins --format json` for the spec in `dir`.
fn logins_json(emulator: &Emulator, dir: &std::path::Path) -> Vec<serde_json::Value> {
    let output = emulator
        .batchform(dir)
        .args(["logins", "--format", "json", "pools.toml"])
        .assert()
        .success();
    serde_json::from_slice(&output.get_output().stdout).unwrap()
}

#[test]
fn logins_lists_every_node_with_its_ssh_address() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            "p",
            &format!(
                "[pools.p.scale]\ndedicated = 2\n\
                 [pools.p.users.bob]\nssh_public_key = \"{KEY}\"\n\
                 [pools.p.users.alice]\nadmin = true\nssh_public_key = \"{KEY}\"\n"
            )
        )
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "pools.toml"])
        .assert()
        .success();

    let logins = logins_json(&emulator, dir.path());
    assert_eq!(logins.len(), 2);
    for login in &logins {
        assert_eq!(login["pool"], "p");
        assert_eq!(login["state"], "idle");
        assert_eq!(login["protocol"], "ssh");
        assert_eq!(login["user"], "alice", "the admin is the one to log in as");
        assert!(
            login["address"].is_string() && login["port"].as_i64().unwrap() > 0,
            "{login}"
        );
    }
    emulator
        .batchform(dir.path())
        .args(["logins", "pools.toml"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ssh -p 5000").and(predicate::str::contains("alice@203.")),
        );
    emulator
        .batchform(dir.path())
        .args(["logins", "--pool", "q", "pools.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no pool `q`").and(predicate::str::contains("names: p")));
}

#[test]
fn nodes_without_an_endpoint_yet_are_listed_as_not_ready() {
    // Phases of a minute: the nodes are still being created when logins asks.
    let emulator = Emulator::start("1m", &[]);
    let spec = format!(
        "[account]\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 2\n")
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["logins", "pools.toml"])
        .assert()
        .success()
        .stderr(predicate::str::contains("pool p is not in the account"));
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "1s", "pools.toml"])
        .assert()
        .failure();
    emulator
        .batchform(dir.path())
        .args(["logins", "pools.toml"])
        .assert()
        .success()
        .stderr(predicate::str::contains("pool p has no nodes yet"));

    // One phase on: the nodes exist and are being created.
    emulator.inspect(Method::POST, "clock/advance", Some(json!({"by": "61s"})));
    let logins = logins_json(&emulator, dir.path());
    assert_eq!(logins.len(), 2, "{logins:?}");
    for login in &logins {
        assert_eq!(login["state"], "creating");
        assert!(login.get("address").is_none(), "{login}");
    }
    emulator
        .batchform(dir.path())
        .args(["logins", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(not ready)"));
}

//! What the trust tests share: specs with users, and the account as the service shows it.

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::Method;
use serde_json::Value;

use crate::common::{self, Emulator, pool};

pub const KEY_ONE: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKFpYOSt+Zr6g2qR3d87s5o+Hbk+S/xx+ygBV652aqi2 one";
pub const KEY_TWO: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH+dN3hjd/cjKfcoq5k4GxLtDtb3EMs9qaw68MPDuPX+ two";

/// A node user of the spec: name, admin flag, key.
pub fn user(name: &str, admin: bool, key: &str) -> String {
    format!(
        "[pools.p.users.{name}]\nadmin = {admin}\nssh_public_key = \"{key}\"\nvalid_for = \"2d\"\nrenew_before = \"1d\"\n"
    )
}

/// Pool `p` owned by `team`, with `extra` pool fields and `users`.
pub fn spec(extra: &str, users: &str) -> String {
    format!("[account]\nowner = \"team\"\n{}{users}", pool("p", extra))
}

pub fn write(dir: &Path, spec: &str) {
    std::fs::write(dir.join("pools.toml"), spec).unwrap();
}

pub fn apply(emulator: &Emulator, dir: &Path) -> assert_cmd::assert::Assert {
    emulator
        .batchform(dir)
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
}

/// `apply` of `pools.toml` in the background, to race or to kill.
pub fn spawn_apply(emulator: &Emulator, dir: &Path) -> std::process::Child {
    emulator
        .command(dir)
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

pub fn plan(emulator: &Emulator, dir: &Path) -> assert_cmd::assert::Assert {
    emulator
        .batchform(dir)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
}

/// The nodes of pool `p`: id and state.
pub fn nodes(emulator: &Emulator) -> Vec<(String, String)> {
    let nodes: Vec<Value> = common::runtime()
        .block_on(emulator.client().list_nodes("p", Some("id,state"), None))
        .unwrap_or_default();
    nodes
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or_default().to_string(),
                n["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The users a node holds, by name, with their admin flag, as the emulator keeps them.
pub fn users_on(emulator: &Emulator, node: &str) -> BTreeSet<(String, bool)> {
    emulator.inspect(Method::GET, &format!("pools/p/nodes/{node}/users"), None)["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or_default().to_string(),
                u["isAdmin"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// Every ready node of `p` holds exactly `want` (name, admin); returns how many nodes it checked.
pub fn assert_users(emulator: &Emulator, want: &[(&str, bool)], context: &str) -> usize {
    let want: BTreeSet<(String, bool)> = want.iter().map(|(n, a)| (n.to_string(), *a)).collect();
    let mut checked = 0;
    for (node, state) in nodes(emulator) {
        if state == "idle" || state == "running" {
            assert_eq!(users_on(emulator, &node), want, "{context}: node {node}");
            checked += 1;
        }
    }
    checked
}

/// Every pool in the account, whole, as the service returns it.
pub fn all_pools(emulator: &Emulator) -> Vec<Value> {
    let mut pools: Vec<Value> = common::runtime()
        .block_on(emulator.client().list_pools(None))
        .unwrap();
    pools.sort_by_key(|p| p["id"].as_str().unwrap_or_default().to_string());
    pools
}

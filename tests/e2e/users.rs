//! Node users as desired state, end to end: every ready node gets them, including nodes that
//! join or restart later; changes and removals reach every node; expiry is renewed in time.
//! What a node holds is read through the emulator's inspection routes, and checked against the
//! API itself (adding a user that is there answers `NodeUserExists`).

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

const KEY_ONE: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKFpYOSt+Zr6g2qR3d87s5o+Hbk+S/xx+ygBV652aqi2 one";
const KEY_TWO: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH+dN3hjd/cjKfcoq5k4GxLtDtb3EMs9qaw68MPDuPX+ two";

fn spec(nodes: u32, users: &str) -> String {
    format!(
        "[account]\nowner = \"team\"\n{}{users}",
        pool("p", &format!("[pools.p.scale]\ndedicated = {nodes}\n"))
    )
}

fn alice(key: &str, admin: bool) -> String {
    format!(
        "[pools.p.users.alice]\nadmin = {admin}\nssh_public_key = \"{key}\"\nvalid_for = \"2d\"\nrenew_before = \"1d\"\n"
    )
}

fn apply(emulator: &Emulator, spec: &str) -> assert_cmd::assert::Assert {
    let dir = spec_dir(&[("pools.toml", spec)]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
}

fn plan(emulator: &Emulator, spec: &str) -> assert_cmd::assert::Assert {
    let dir = spec_dir(&[("pools.toml", spec)]);
    emulator
        .batchform(dir.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
}

fn node_ids(emulator: &Emulator) -> Vec<String> {
    let nodes: Vec<Value> = crate::common::runtime()
        .block_on(emulator.client().list_nodes("p", Some("id"), None))
        .unwrap();
    nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

/// The users a node holds, by name.
fn users_on(emulator: &Emulator, node: &str) -> Vec<Value> {
    emulator.inspect(Method::GET, &format!("pools/p/nodes/{node}/users"), None)["value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn assert_everywhere(emulator: &Emulator, key: &str, admin: bool) {
    let nodes = node_ids(emulator);
    assert!(!nodes.is_empty());
    for node in nodes {
        let users = users_on(emulator, &node);
        assert_eq!(users.len(), 1, "{node}: {users:?}");
        assert_eq!(users[0]["name"], "alice");
        assert_eq!(users[0]["sshPublicKey"], key, "{node}");
        assert_eq!(users[0]["isAdmin"], admin, "{node}");
    }
}

#[test]
fn users_reach_every_ready_node_and_the_service_agrees() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = spec(3, &alice(KEY_ONE, true));
    apply(&emulator, &spec).success();
    assert_everywhere(&emulator, KEY_ONE, true);
    plan(&emulator, &spec).code(0);

    let node = node_ids(&emulator).remove(0);
    let again = crate::common::runtime().block_on(emulator.client().add_node_user(
        "p",
        &node,
        "alice",
        &json!({"name": "alice", "sshPublicKey": KEY_TWO}),
    ));
    assert_eq!(again.unwrap_err().code(), Some("NodeUserExists"));
}

#[test]
fn nodes_added_by_a_resize_get_the_users_and_only_they_are_planned() {
    let emulator = Emulator::start("10ms", &[]);
    apply(&emulator, &spec(2, &alice(KEY_ONE, true))).success();
    let grown = spec(4, &alice(KEY_ONE, true));
    plan(&emulator, &grown)
        .code(2)
        .stdout(
            predicate::str::contains("resize to 4 dedicated").and(predicate::str::contains(
                "users alice: on every new node once it is ready",
            )),
        );
    apply(&emulator, &grown).success();
    assert_everywhere(&emulator, KEY_ONE, true);
    plan(&emulator, &grown).code(0);

    // Nodes added behind batchform's back (another tool resized the pool): only they are planned.
    crate::common::runtime()
        .block_on(
            emulator
                .client()
                .resize_pool("p", &json!({"targetDedicatedNodes": 5}), None),
        )
        .unwrap();
    let five = spec(5, &alice(KEY_ONE, true));
    wait_for_idle(&emulator, 5);
    plan(&emulator, &five)
        .code(2)
        .stdout(predicate::str::contains("): add on 1 node (nodes joined"));
    apply(&emulator, &five).success();
    assert_everywhere(&emulator, KEY_ONE, true);
}

fn wait_for_idle(emulator: &Emulator, count: usize) {
    for _ in 0..500 {
        let nodes: Vec<Value> = crate::common::runtime()
            .block_on(emulator.client().list_nodes("p", Some("id,state"), None))
            .unwrap();
        if nodes.len() == count && nodes.iter().all(|n| n["state"] == "idle") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the pool never reached {count} idle nodes");
}

#[test]
fn a_rebooted_or_reimaged_node_gets_its_users_back() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = spec(2, &alice(KEY_ONE, true));
    apply(&emulator, &spec).success();
    let nodes = node_ids(&emulator);
    emulator.inspect(
        Method::POST,
        &format!("pools/p/nodes/{}/reimage", nodes[0]),
        None,
    );
    wait_for_idle(&emulator, 2);
    assert!(
        users_on(&emulator, &nodes[0]).is_empty(),
        "a reimaged node starts with no users"
    );
    plan(&emulator, &spec)
        .code(2)
        .stdout(predicate::str::contains("add on 1 node"));
    apply(&emulator, &spec).success();
    assert_everywhere(&emulator, KEY_ONE, true);
    plan(&emulator, &spec).code(0);
}

#[test]
fn key_and_admin_changes_replace_everywhere_and_removal_deletes_everywhere() {
    let emulator = Emulator::start("10ms", &[]);
    apply(&emulator, &spec(2, &alice(KEY_ONE, true))).success();

    let rotated = spec(2, &alice(KEY_TWO, true));
    plan(&emulator, &rotated).code(2).stdout(
        predicate::str::contains("user \"alice\" (admin, expires ").and(predicate::str::contains(
            "): replace on 2 nodes (SSH key changed)",
        )),
    );
    apply(&emulator, &rotated).success();
    assert_everywhere(&emulator, KEY_TWO, true);

    let demoted = spec(2, &alice(KEY_TWO, false));
    apply(&emulator, &demoted).success();
    assert_everywhere(&emulator, KEY_TWO, false);
    plan(&emulator, &demoted).code(0);

    let removed = spec(2, "");
    plan(&emulator, &removed)
        .code(2)
        .stdout(predicate::str::contains(
            "user \"alice\": delete on 2 nodes",
        ));
    apply(&emulator, &removed).success();
    for node in node_ids(&emulator) {
        assert!(users_on(&emulator, &node).is_empty(), "{node}");
    }
    plan(&emulator, &removed).code(0);
}

#[test]
fn an_expiry_near_its_end_is_renewed() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = spec(2, &alice(KEY_ONE, true));
    apply(&emulator, &spec).success();
    let node = node_ids(&emulator).remove(0);
    let first = users_on(&emulator, &node)[0]["expiryTime"]
        .as_str()
        .unwrap()
        .to_string();

    // Half a day on, more than a day of the two remains: nothing to do.
    emulator.inspect(Method::POST, "clock/advance", Some(json!({"by": "12h"})));
    plan(&emulator, &spec).code(0);
    // Thirty-six hours on, less than a day remains: renewed on every node.
    emulator.inspect(Method::POST, "clock/advance", Some(json!({"by": "24h"})));
    plan(&emulator, &spec)
        .code(2)
        .stdout(predicate::str::contains(
            "replace on 2 nodes (expiry renewed)",
        ));
    apply(&emulator, &spec).success();
    let renewed = users_on(&emulator, &node)[0]["expiryTime"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(renewed > first, "{first} → {renewed}");
    plan(&emulator, &spec).code(0);
}

#[test]
fn nodes_still_starting_at_the_timeout_are_reported_with_what_is_left() {
    // Phases of a minute: the nodes will not be ready within the apply's timeout.
    let emulator = Emulator::start("60s", &[]);
    let dir = spec_dir(&[("pools.toml", &spec(2, &alice(KEY_ONE, true)))]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "2s", "pools.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("gave up after 2s waiting for").and(predicate::str::contains(
                "run `batchform apply` again later",
            )),
        );
    // What is left is said: the plan names the pending work and is not "No changes".
    emulator
        .batchform(dir.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("pending: a resize is in flight (0 of 2 nodes)")
                .and(predicate::str::contains("users alice"))
                .and(predicate::str::contains("No changes").not()),
        );
    // No node is ready yet, so none holds the user, and none was given it out of turn.
    let nodes: Vec<Value> = crate::common::runtime()
        .block_on(emulator.client().list_nodes("p", Some("id,state"), None))
        .unwrap();
    for node in nodes {
        let id = node["id"].as_str().unwrap();
        assert_ne!(node["state"], "idle", "{id}");
        assert!(users_on(&emulator, id).is_empty(), "{id}");
    }
}

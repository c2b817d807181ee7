//! `batchform plan` end to end: pools made out of band over the REST API, as another tool or a
//! person would, then the real binary planning specs against them.

use std::time::{Duration, Instant};

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;
use serde_json::json;

/// Creates a pool over REST, as the portal or another tool would, and waits until it is steady.
fn create_out_of_band(emulator: &Emulator, id: &str, dedicated: i32, metadata: serde_json::Value) {
    let client = emulator.client();
    crate::common::runtime().block_on(async {
        let body = json!({
            "id": id,
            "vmSize": "STANDARD_D2S_V3",
            "virtualMachineConfiguration": {
                "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts"},
                "nodeAgentSKUId": "batch.node.ubuntu 22.04"
            },
            "targetDedicatedNodes": dedicated,
            "metadata": metadata,
        });
        client.create_pool(id, &body).await.expect("create over REST");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (pool, _) = client.get_pool::<serde_json::Value>(id, None).await.unwrap().expect("the pool exists");
            if pool["allocationState"] == "steady" {
                break;
            }
            assert!(Instant::now() < deadline, "pool {id} never became steady: {pool}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

fn owned(extra: &[(&str, &str)]) -> serde_json::Value {
    let mut items = vec![json!({"name": "batchform:owner", "value": "team"})];
    items.extend(extra.iter().map(|(k, v)| json!({"name": k, "value": v})));
    json!(items)
}

const ACCOUNT: &str = "[account]\nowner = \"team\"\n";

#[test]
fn a_spec_matching_the_account_plans_nothing_and_exits_zero() {
    let emulator = Emulator::start("10ms", &[]);
    create_out_of_band(&emulator, "render", 2, owned(&[("team", "vfx")]));
    let spec = format!(
        "{ACCOUNT}{}",
        pool(
            "render",
            "[pools.render.scale]\ndedicated = 2\n[pools.render.metadata]\nteam = \"vfx\"\n"
        )
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."))
        // Observation is O(pools): the pool list and the image catalog, nothing per node.
        .stderr(predicate::str::contains("requests: 2"));
}

#[test]
fn each_kind_of_change_is_planned_the_way_the_service_allows_it() {
    let emulator = Emulator::start("10ms", &[]);
    for id in ["meta", "grow", "bigger", "auto"] {
        create_out_of_band(&emulator, id, 1, owned(&[("team", "vfx")]));
    }
    let spec = [
        ACCOUNT.to_string(),
        pool("meta", "[pools.meta.scale]\ndedicated = 1\n[pools.meta.metadata]\nteam = \"render\"\n"),
        pool("grow", "[pools.grow.scale]\ndedicated = 3\n[pools.grow.metadata]\nteam = \"vfx\"\n"),
        pool("bigger", "[pools.bigger.scale]\ndedicated = 1\n[pools.bigger.metadata]\nteam = \"vfx\"\n")
            .replace("standard_d2s_v3", "standard_d4s_v3"),
        pool("auto", "[pools.auto.autoscale]\nformula = \"$TargetDedicatedNodes = 2;\"\ninterval = \"5m\"\n[pools.auto.metadata]\nteam = \"vfx\"\n"),
        pool("fresh", "[pools.fresh.scale]\ndedicated = 1\n"),
    ]
    .concat();
    let dir = spec_dir(&[("pools.toml", &spec)]);
    let output = emulator
        .batchform(dir.path())
        .args([
            "plan",
            "--detailed-exitcode",
            "--format",
            "json",
            "pools.toml",
        ])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&output).expect("JSON plan");
    let pool = |id: &str| {
        plan["pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap()
    };
    let steps = |id: &str| {
        pool(id)["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    assert_eq!(steps("meta"), ["patch"]);
    assert_eq!(pool("meta")["changes"][0]["class"], "in_place");
    assert_eq!(steps("grow"), ["resize"]);
    assert_eq!(pool("grow")["steps"][0]["dedicated"], 3);
    assert_eq!(pool("bigger")["strategy"], "drain");
    assert_eq!(steps("bigger"), ["resize", "patch", "resize"]);
    assert_eq!(pool("bigger")["steps"][0]["deallocation"], "taskcompletion");
    assert_eq!(pool("bigger")["cost"]["nodes_removed"], 1);
    assert_eq!(steps("auto"), ["enable_autoscale"]);
    assert_eq!(pool("fresh")["action"], "create");
    assert_eq!(
        plan["summary"],
        json!({"add": 1, "change": 4, "destroy": 0, "has_changes": true})
    );
}

#[test]
fn pools_left_out_of_the_spec_are_listed_and_pruned_only_when_owned() {
    let emulator = Emulator::start("10ms", &[]);
    create_out_of_band(
        &emulator,
        "theirs",
        1,
        json!([{"name": "batchform:owner", "value": "other"}]),
    );
    create_out_of_band(&emulator, "handmade", 1, json!([]));
    create_out_of_band(&emulator, "retired", 1, owned(&[]));
    let spec = "[account]\nowner = \"team\"\nprune = true\n".to_string()
        + &pool("kept", "[pools.kept.scale]\ndedicated = 0\n");
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "# pool \"retired\" will be destroyed",
        ))
        .stdout(predicate::str::contains(
            "Not managed by this spec, left alone: handmade, theirs",
        ))
        .stdout(predicate::str::contains(
            "Plan: 1 to add, 0 to change, 1 to destroy.",
        ));
}

#[test]
fn naming_a_pool_someone_else_owns_is_an_error_at_its_line() {
    let emulator = Emulator::start("10ms", &[]);
    create_out_of_band(
        &emulator,
        "shared",
        1,
        json!([{"name": "batchform:owner", "value": "other"}]),
    );
    let spec = format!(
        "{ACCOUNT}{}",
        pool("shared", "[pools.shared.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pools.toml:4:"))
        .stderr(predicate::str::contains("belongs to owner `other`"));
}

#[test]
fn plan_as_json_on_an_invalid_spec_prints_the_errors_as_json() {
    let dir = spec_dir(&[(
        "pools.toml",
        "[account]\nowner = \"team\"\n[pools.p]\nvm_sise = \"standard_d2s_v3\"\n",
    )]);
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_batchform"))
        .current_dir(dir.path())
        .env("AZURE_BATCH_ENDPOINT", "emulator")
        .args(["plan", "--format", "json", "pools.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["valid"], false);
    let typo = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap_or_default()
                .contains("vm_sise")
        })
        .unwrap_or_else(|| panic!("no diagnostic about the typo: {doc}"));
    assert_eq!(typo["file"], "pools.toml");
    assert_eq!(typo["line"], 4);
    assert_eq!(typo["hint"], "did you mean `vm_size`?");
    assert!(
        !dir.path().join(".batchform").exists(),
        "nothing was started"
    );
}

#[test]
fn a_shrink_says_how_many_nodes_go_and_what_happens_to_their_tasks() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = |nodes: u32, option: &str| {
        format!(
            "[account]\nowner = \"team\"\n{}",
            pool(
                "p",
                &format!("[pools.p.scale]\ndedicated = {nodes}\n{option}")
            )
        )
    };
    let dir = spec_dir(&[("pools.toml", &spec(6, ""))]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    std::fs::write(
        dir.path().join("pools.toml"),
        spec(2, "node_deallocation = \"requeue\"\n"),
    )
    .unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(2)
        .stdout(
            predicates::str::contains("cost: 4 nodes removed (requeue)")
                .and(predicates::str::contains("resize to 2 dedicated (requeue)")),
        );
    let out = emulator
        .batchform(dir.path())
        .args(["plan", "--format", "json", "pools.toml"])
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["pools"][0]["cost"]["nodes_removed"], 4);
    assert_eq!(plan["pools"][0]["cost"]["tasks_requeued"], true);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    emulator
        .batchform(dir.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0);
}

#[test]
fn plans_say_only_what_happens_and_show_formulas_as_lines() {
    let emulator = Emulator::start("10ms", &[]);
    let key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKFpYOSt+Zr6g2qR3d87s5o+Hbk+S/xx+ygBV652aqi2 one";
    let users = format!(
        "[pools.p.users.alice]\nadmin = true\nssh_public_key = \"{key}\"\nexpires = \"2099-01-02T00:00:00Z\"\n"
    );
    let spec = |rev: &str| {
        format!(
            "[account]\nowner = \"team\"\n{}{users}",
            pool(
                "p",
                &format!("[pools.p.scale]\ndedicated = 1\n[pools.p.metadata]\nrev = \"{rev}\"\n")
            )
        )
    };
    let dir = spec_dir(&[("pools.toml", &spec("1"))]);
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    // A metadata change adds no node: no line about users on new nodes.
    std::fs::write(dir.path().join("pools.toml"), spec("2")).unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("metadata.rev")
                .and(predicate::str::contains("every new node").not()),
        );
    // A new user says what it will be.
    let more = spec("1").replace("[pools.p.users.alice]", &format!("[pools.p.users.bob]\nssh_public_key = \"{key}\"\nexpires = \"2099-01-02T00:00:00Z\"\n[pools.p.users.alice]"));
    std::fs::write(dir.path().join("pools.toml"), more).unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "user \"bob\" (not admin, expires 2099-01-02): add on 1 node",
        ));
    // A formula of several lines reads as lines.
    let auto = |formula: &str| {
        format!(
            "[account]\nowner = \"team\"\n{}",
            pool(
                "q",
                &format!("[pools.q.autoscale]\ninterval = \"5m\"\nformula = '''\n{formula}'''\n")
            )
        )
    };
    std::fs::write(
        dir.path().join("auto.toml"),
        auto("a = 1;\n$TargetDedicatedNodes = a;\n"),
    )
    .unwrap();
    emulator
        .batchform(dir.path())
        .args(["apply", "--auto-approve", "--timeout", "60s", "auto.toml"])
        .assert()
        .success();
    std::fs::write(
        dir.path().join("auto.toml"),
        auto("a = 2;\n$TargetDedicatedNodes = a;\n"),
    )
    .unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "auto.toml"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("~ scale.formula =")
                .and(predicate::str::contains("- a = 1;"))
                .and(predicate::str::contains("+ a = 2;"))
                .and(predicate::str::contains("\\n").not()),
        );
}

#[test]
fn a_plan_file_never_lands_where_specs_are_read_and_is_never_read_as_one() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = format!(
        "[account]\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 0\n")
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    for out in ["pools.toml", "other.toml"] {
        emulator
            .batchform(dir.path())
            .args(["plan", "--out", out, "pools.toml"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("a plan file is JSON"));
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pools.toml")).unwrap(),
        spec
    );
    emulator
        .batchform(dir.path())
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    emulator
        .batchform(dir.path())
        .args(["plan", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "plan.json is a plan file, not a spec",
        ));
}

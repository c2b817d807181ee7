//! `batchform apply` end to end against the emulator: converge in one run, then plan nothing.

mod common;

use common::{Emulator, pool, spec_dir};
use predicates::prelude::*;

const ACCOUNT: &str = "[account]\nowner = \"team\"\n";

fn apply(emulator: &Emulator, dir: &std::path::Path) -> assert_cmd::assert::Assert {
    emulator
        .batchform(dir)
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
}

fn converged(emulator: &Emulator, dir: &std::path::Path) {
    emulator
        .batchform(dir)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
}

#[test]
fn every_example_applies_and_then_plans_nothing() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for example in [
        "quickstart.toml",
        "linux-pool.toml",
        "container-pool.toml",
        "autoscale.toml",
        "multi-pool",
    ] {
        let emulator = Emulator::start("10ms", &[]);
        let path = examples.join(example);
        emulator
            .batchform(&examples)
            .env("ACR_PASSWORD", "s3cret-from-the-environment")
            .env("INGEST_ADMIN_PASSWORD", "s3cret-Windows-1")
            .args(["apply", "--auto-approve", "--timeout", "60s"])
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains("Apply complete"))
            .stdout(predicate::str::contains("s3cret").not());
        emulator
            .batchform(&examples)
            .env("ACR_PASSWORD", "s3cret-from-the-environment")
            .env("INGEST_ADMIN_PASSWORD", "s3cret-Windows-1")
            .args(["plan", "--detailed-exitcode"])
            .arg(&path)
            .assert()
            .code(0);
    }
}

#[test]
fn each_field_class_changes_and_converges() {
    let emulator = Emulator::start("10ms", &[]);
    let base = |extra: &str, vm: &str| {
        format!(
            "{ACCOUNT}{}",
            pool("p", extra).replace("standard_d2s_v3", vm)
        )
    };
    let steps = [
        base("[pools.p.scale]\ndedicated = 2\n", "standard_d2s_v3"),
        // in place
        base(
            "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nteam = \"vfx\"\n[pools.p.start_task]\ncommand_line = \"/bin/true\"\n",
            "standard_d2s_v3",
        ),
        // resize
        base(
            "[pools.p.scale]\ndedicated = 3\n[pools.p.metadata]\nteam = \"vfx\"\n",
            "standard_d2s_v3",
        ),
        // empty-only on a busy pool: drained, patched, scaled back
        base(
            "[pools.p.scale]\ndedicated = 3\n[pools.p.metadata]\nteam = \"vfx\"\n",
            "standard_d4s_v3",
        ),
        // to autoscale and back
        base(
            "[pools.p.autoscale]\nformula = \"$TargetDedicatedNodes = 1;\"\ninterval = \"5m\"\n",
            "standard_d4s_v3",
        ),
        base("[pools.p.scale]\ndedicated = 1\n", "standard_d4s_v3"),
    ];
    for spec in steps {
        let dir = spec_dir(&[("pools.toml", &spec)]);
        apply(&emulator, dir.path()).success();
        converged(&emulator, dir.path());
    }
}

#[test]
fn a_saved_plan_applies_once_and_is_refused_when_stale() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[(
        "pools.toml",
        &format!("{ACCOUNT}{}", pool("p", "[pools.p.scale]\ndedicated = 1\n")),
    )]);
    emulator
        .batchform(dir.path())
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    let saved = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
    assert!(saved.contains("\"format\": \"batchform-plan/1\""));

    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    converged(&emulator, dir.path());
    // The same plan again: the pool it would create now exists.
    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the saved plan is stale"));
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[(
        "pools.toml",
        &format!("{ACCOUNT}{}", pool("p", "[pools.p.scale]\ndedicated = 1\n")),
    )]);
    emulator
        .batchform(dir.path())
        .args(["apply", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--auto-approve"));
}

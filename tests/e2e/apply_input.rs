//! What `apply` says about its input before it talks to any service: a spec without approval,
//! a plan file that is missing or is not a plan, a spec file that does not exist.

use crate::common::{pool, spec_dir};
use assert_cmd::Command;
use predicates::prelude::*;

fn batchform(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchform"));
    cmd.current_dir(dir)
        .env_remove("AZURE_BATCH_ENDPOINT")
        .env("NO_COLOR", "1")
        .write_stdin("");
    cmd
}

#[test]
fn a_spec_without_a_terminal_needs_auto_approve() {
    let spec = format!(
        "[account]\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &spec)]);
    batchform(dir.path())
        .args(["apply", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("apply needs --auto-approve"));
    assert!(
        !dir.path().join(".batchform").exists(),
        "nothing is started or written before approval"
    );
}

#[test]
fn a_missing_plan_file_is_named() {
    let dir = spec_dir(&[]);
    batchform(dir.path())
        .args(["apply", "reviewed.json"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("reviewed.json")
                .and(predicate::str::contains("No such file"))
                .and(predicate::str::contains("--auto-approve").not()),
        );
}

#[test]
fn a_json_file_that_is_not_a_plan_says_how_to_write_one() {
    let dir = spec_dir(&[("other.json", "{\"pools\": []}")]);
    batchform(dir.path())
        .args(["apply", "other.json"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("other.json is not a batchform plan file")
                .and(predicate::str::contains("batchform plan --out")),
        );
}

#[test]
fn a_missing_spec_is_reported_before_approval_is_asked() {
    let dir = spec_dir(&[]);
    batchform(dir.path())
        .args(["apply", "pools.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cannot read `pools.toml`")
                .and(predicate::str::contains("--auto-approve").not()),
        );
}

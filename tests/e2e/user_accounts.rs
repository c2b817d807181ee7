//! Pool user accounts end to end: created with the pool for the start task to run as, read back
//! without their passwords, a rotated password found through its fingerprint and carried out
//! while the pool is empty, and an account taken out of the spec removed.

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;
use serde_json::Value;

const FIRST: &str = "first-s3cret-value";
const SECOND: &str = "second-s3cret-value";

fn spec(accounts: &str, task_user: Option<&str>) -> String {
    let task = match task_user {
        Some(user) => format!(
            "[pools.p.start_task]\ncommand_line = \"/bin/bash -c 'make'\"\nuser = \"{user}\"\n"
        ),
        None => String::new(),
    };
    format!(
        "[account]\nowner = \"team\"\n{}",
        pool(
            "p",
            &format!("[pools.p.scale]\ndedicated = 2\n{task}{accounts}")
        )
    )
}

const BUILDER: &str = "[pools.p.user_accounts.builder]\npassword = { env = \"BUILDER_PASSWORD\" }\nuid = 4000\ngid = 4000\n";

fn run(
    emulator: &Emulator,
    spec: &str,
    password: &str,
    args: &[&str],
) -> assert_cmd::assert::Assert {
    let dir = spec_dir(&[("pools.toml", spec)]);
    emulator
        .batchform(dir.path())
        .env("BUILDER_PASSWORD", password)
        .args(args)
        .arg("pools.toml")
        .assert()
}

fn live_pool(emulator: &Emulator) -> Value {
    let (pool, _etag): (Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("p", None))
        .unwrap()
        .expect("the pool exists");
    pool
}

#[test]
fn accounts_are_created_rotated_and_removed() {
    let emulator = Emulator::start("10ms", &[]);
    let with_builder = spec(BUILDER, Some("builder"));
    run(
        &emulator,
        &with_builder,
        FIRST,
        &["apply", "--auto-approve"],
    )
    .success();

    let live = live_pool(&emulator);
    let accounts = live["userAccounts"]
        .as_array()
        .expect("accounts on the pool");
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0]["name"], "builder");
    assert_eq!(accounts[0]["elevationLevel"], "nonadmin");
    assert_eq!(accounts[0]["linuxUserConfiguration"]["uid"], 4000);
    assert!(accounts[0].get("password").is_none(), "write-only");
    assert_eq!(live["startTask"]["userIdentity"]["username"], "builder");
    run(
        &emulator,
        &with_builder,
        FIRST,
        &["plan", "--detailed-exitcode"],
    )
    .code(0)
    .stdout(predicate::str::contains("No changes"));

    // A new password is seen through the fingerprint, and never printed.
    run(
        &emulator,
        &with_builder,
        SECOND,
        &["plan", "--detailed-exitcode", "--diff"],
    )
    .code(2)
    .stdout(
        predicate::str::contains("user_accounts.builder.password = (sensitive) -> (changed)")
            .and(predicate::str::contains("drained"))
            .and(predicate::str::contains(FIRST).not())
            .and(predicate::str::contains(SECOND).not()),
    );
    run(
        &emulator,
        &with_builder,
        SECOND,
        &["apply", "--auto-approve"],
    )
    .success();
    run(
        &emulator,
        &with_builder,
        SECOND,
        &["plan", "--detailed-exitcode"],
    )
    .code(0);

    // Out of the spec, out of the pool (an omitted list would have kept it).
    let without = spec("", None);
    run(
        &emulator,
        &without,
        SECOND,
        &["plan", "--detailed-exitcode"],
    )
    .code(2)
    .stdout(predicate::str::contains("- user_accounts.builder"));
    run(&emulator, &without, SECOND, &["apply", "--auto-approve"]).success();
    let live = live_pool(&emulator);
    assert!(live.get("userAccounts").is_none(), "{live}");
    assert!(live.get("startTask").is_none(), "{live}");
    run(
        &emulator,
        &without,
        SECOND,
        &["plan", "--detailed-exitcode"],
    )
    .code(0);
}

#[test]
fn a_saved_plan_is_refused_when_an_account_password_changed_since() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[("pools.toml", &spec(BUILDER, Some("builder")))]);
    let batchform = |password: &str| {
        let mut cmd = emulator.batchform(dir.path());
        cmd.env("BUILDER_PASSWORD", password);
        cmd
    };
    batchform(FIRST)
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    let saved = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
    assert!(!saved.contains(FIRST), "no secret in the plan file");

    batchform(SECOND)
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(
                "user_accounts.builder.password.fingerprint: the secret's value is not the one the plan was made with",
            )
                .and(predicate::str::contains(SECOND).not()),
        );
    assert!(
        crate::common::runtime()
            .block_on(emulator.client().get_pool::<Value>("p", None))
            .unwrap()
            .is_none(),
        "nothing was created"
    );
    batchform(FIRST)
        .args(["apply", "plan.json"])
        .assert()
        .success();
}

#[test]
fn a_private_key_is_sent_never_returned_and_its_rotation_is_planned() {
    let emulator = Emulator::start("10ms", &[]);
    let mpi = "[pools.p.user_accounts.mpi]\npassword = { env = \"BUILDER_PASSWORD\" }\nssh_private_key = { env = \"MPI_KEY\" }\n";
    let spec = spec(mpi, Some("mpi"));
    let dir = spec_dir(&[("pools.toml", &spec)]);
    let batchform = |key: &str| {
        let mut cmd = emulator.batchform(dir.path());
        cmd.env("BUILDER_PASSWORD", FIRST).env("MPI_KEY", key);
        cmd
    };
    let (first_key, second_key) = ("-----PRIVATE KEY ONE-----", "-----PRIVATE KEY TWO-----");
    batchform(first_key)
        .args(["apply", "--auto-approve", "pools.toml"])
        .assert()
        .success();
    let live = live_pool(&emulator);
    let account = &live["userAccounts"][0];
    assert_eq!(account["name"], "mpi");
    assert!(
        !live.to_string().contains("PRIVATE KEY"),
        "the service never returns the key: {live}"
    );
    batchform(first_key)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0);
    batchform(second_key)
        .args([
            "plan",
            "--detailed-exitcode",
            "--format",
            "json",
            "pools.toml",
        ])
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("user_accounts.mpi.ssh_private_key")
                .and(predicate::str::contains("PRIVATE KEY").not()),
        );
    batchform(second_key)
        .args(["apply", "--auto-approve", "pools.toml"])
        .assert()
        .success();
    batchform(second_key)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0);
}

//! One account per plan: the emulator only when named, no endpoint or an empty one an error,
//! spec and environment in agreement before any credential is sent, every plan naming its
//! account, and a plan file applied nowhere else.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use predicates::prelude::*;

use super::support::*;
use crate::common::{Emulator, pool, spec_dir};

fn batchform(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchform"));
    cmd.current_dir(dir)
        .env_remove("AZURE_BATCH_ENDPOINT")
        .env_remove("AZURE_BATCH_ACCESS_TOKEN")
        .env("AZURE_BATCH_ACCOUNT", "devaccount")
        .env(
            "AZURE_BATCH_ACCESS_KEY",
            "c2VjcmV0LWtleS1ub3QtdG8tYmUtc2VudA==",
        )
        .env("NO_COLOR", "1");
    cmd
}

fn simple() -> String {
    spec("[pools.p.scale]\ndedicated = 1\n", "")
}

/// A loopback port that counts the connections it gets and answers none.
fn listener() -> (String, Arc<AtomicUsize>) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", socket.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in socket.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

#[test]
fn no_endpoint_or_an_empty_one_is_an_error_and_starts_no_emulator() {
    let dir = spec_dir(&[("pools.toml", &simple())]);
    for empty in [None, Some(""), Some("  ")] {
        for args in [
            &["plan", "pools.toml"][..],
            &["apply", "--auto-approve", "pools.toml"],
        ] {
            let mut cmd = batchform(dir.path());
            if let Some(value) = empty {
                cmd.env("AZURE_BATCH_ENDPOINT", value);
            }
            cmd.args(args).assert().code(1).stderr(
                predicate::str::contains("AZURE_BATCH_ENDPOINT").and(
                    predicate::str::contains("under [account]")
                        .or(predicate::str::contains("[account] endpoint")),
                ),
            );
        }
        assert!(
            !dir.path().join(".batchform").exists(),
            "no emulator was started"
        );
    }
}

#[test]
fn the_emulator_runs_only_when_named() {
    let dir = spec_dir(&[("pools.toml", &simple())]);
    batchform(dir.path())
        .env("AZURE_BATCH_ENDPOINT", "emulator")
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Plan for account devaccount on the local emulator (.batchform/) via Shared Key",
        ));
    assert!(dir.path().join(".batchform").exists());
    let named = spec_dir(&[(
        "pools.toml",
        &format!(
            "[account]\nendpoint = \"emulator\"\nowner = \"team\"\n{}",
            pool("p", "[pools.p.scale]\ndedicated = 1\n")
        ),
    )]);
    batchform(named.path())
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(2);
}

#[test]
fn a_spec_endpoint_that_disagrees_with_the_environment_receives_nothing() {
    let (spec_url, spec_hits) = listener();
    let (env_url, env_hits) = listener();
    let text = format!(
        "[account]\nendpoint = \"{spec_url}\"\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &text)]);
    batchform(dir.path())
        .env("AZURE_BATCH_ENDPOINT", &env_url)
        .env(
            "AZURE_BATCH_ACCESS_TOKEN",
            "a-token-for-the-environments-account",
        )
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("name different accounts")
                .and(predicate::str::contains("a-token").not()),
        );
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(spec_hits.load(Ordering::SeqCst), 0);
    assert_eq!(env_hits.load(Ordering::SeqCst), 0);
}

#[test]
fn account_names_that_disagree_are_an_error() {
    let text = format!(
        "[account]\nname = \"alpha\"\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &text)]);
    batchform(dir.path())
        .env_remove("AZURE_BATCH_ACCOUNT")
        .env(
            "AZURE_BATCH_ENDPOINT",
            "https://beta.eastus.batch.azure.com",
        )
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is `alpha` but").and(predicate::str::contains("`beta`")));
}

#[test]
fn credentials_in_an_endpoint_are_refused_and_never_printed() {
    let dir = spec_dir(&[("pools.toml", &simple())]);
    for endpoint in [
        "http://user:hunter2@127.0.0.1:9",
        "https://user:hunter2@acct.eastus.batch.azure.com",
        "http://hunter2@example.com",
    ] {
        batchform(dir.path())
            .env("AZURE_BATCH_ENDPOINT", endpoint)
            .args(["plan", "--out", "plan.json", "pools.toml"])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("hunter2").not())
            .stderr(
                predicate::str::contains("must not carry credentials")
                    .and(predicate::str::contains("hunter2").not()),
            );
        assert!(!dir.path().join("plan.json").exists());
    }
    let text = format!(
        "[account]\nendpoint = \"https://u:hunter2@acct.eastus.batch.azure.com\"\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &text)]);
    // The spec's own line is quoted (it is in the repository already); the message is not it.
    batchform(dir.path())
        .args(["validate", "pools.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("must not carry credentials"));
}

#[test]
fn every_plan_names_its_account_first() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[("pools.toml", &simple())]);
    let host = emulator
        .endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let first_line = |format: &str| {
        let out = emulator
            .batchform(dir.path())
            .args(["plan", "--format", format, "pools.toml"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find(|l| !l.trim().is_empty() && l.trim() != "{")
            .unwrap_or_default()
            .to_string()
    };
    let expected = format!("account devaccount at {host} via Shared Key");
    assert_eq!(first_line("text"), format!("Plan for {expected}"));
    assert_eq!(
        first_line("markdown"),
        format!("### batchform plan for {expected}")
    );
    let json = first_line("json");
    assert!(json.contains("\"account\""), "{json}");
    let out = emulator
        .batchform(dir.path())
        .args(["plan", "--format", "json", "pools.toml"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["account"]["name"], "devaccount");
    assert_eq!(
        value["account"]["endpoint"],
        emulator.endpoint.trim_end_matches('/')
    );
}

#[test]
fn a_plan_file_applies_only_to_the_account_it_was_made_against() {
    let planned = Emulator::start("10ms", &[]);
    let other = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[("pools.toml", &simple())]);
    planned
        .batchform(dir.path())
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    let before = all_pools(&other);
    other
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the plan was made for account devaccount at",
        ));
    assert_eq!(
        all_pools(&other),
        before,
        "nothing was written to the other account"
    );
    // The embedded emulator is an account of its own too.
    batchform(dir.path())
        .env("AZURE_BATCH_ENDPOINT", "emulator")
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("on the local emulator"));
    planned
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    assert_eq!(all_pools(&planned).len(), 1);
}

#[test]
fn a_spec_without_an_owner_is_refused_with_how_to_choose_one() {
    let dir = spec_dir(&[("pools.toml", &pool("p", "[pools.p.scale]\ndedicated = 1\n"))]);
    batchform(dir.path())
        .env("AZURE_BATCH_ENDPOINT", "emulator")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no `[account]` table, so no owner")
                .and(predicate::str::contains("add `owner = ")),
        );
    assert!(!dir.path().join(".batchform").exists());
    let dir = spec_dir(&[(
        "pools.toml",
        &format!("[account]\nprune = true\n{}", pool("p", "")),
    )]);
    batchform(dir.path())
        .env("AZURE_BATCH_ENDPOINT", "emulator")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`[account]` has no `owner`"));
}

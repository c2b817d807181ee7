//! No error quotes a secret, and commands that need no secret read none.

use predicates::prelude::*;

use super::support::*;
use crate::common::{Emulator, spec_dir};

const PASSWORD: &str = "hunter2-Secret-Value";

#[test]
fn an_ssh_key_file_that_holds_a_password_is_refused_without_quoting_it() {
    let text = spec(
        "[pools.p.scale]\ndedicated = 1\n",
        "[pools.p.users.alice]\nadmin = true\nssh_public_key = { file = \"password.txt\" }\n",
    );
    let dir = spec_dir(&[("pools.toml", &text), ("password.txt", PASSWORD)]);
    let emulator = Emulator::start("10ms", &[]);
    for args in [
        &["validate", "pools.toml"][..],
        &["plan", "pools.toml"],
        &["apply", "--auto-approve", "pools.toml"],
    ] {
        let out = emulator.batchform(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("does not start with an SSH public key type"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("hunter2"), "{args:?}: {text}");
    }
}

#[test]
fn logins_reads_no_secret() {
    let emulator = Emulator::start("10ms", &[]);
    let text = spec(
        "[pools.p.scale]\ndedicated = 1\n[pools.p.user_accounts.builder]\npassword = { env = \"BUILDER_PASSWORD\" }\n",
        &user("alice", true, KEY_ONE),
    );
    let dir = spec_dir(&[("pools.toml", &text)]);
    emulator
        .batchform(dir.path())
        .env("BUILDER_PASSWORD", PASSWORD)
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
        .success();
    emulator
        .batchform(dir.path())
        .env_remove("BUILDER_PASSWORD")
        .args(["logins", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ssh -p").and(predicate::str::contains("alice@")));
}

//! The state file: everything survives a restart, one process at a time, and the command
//! prints where it serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::emulator_common::{Emu, PHASE, config, pool_body};
use batchform_emulator::{self as emulator, Config};
use serde_json::json;

fn with_state(path: &std::path::Path) -> Config {
    Config {
        state_file: Some(path.to_path_buf()),
        ..config()
    }
}

#[tokio::test]
async fn state_survives_a_restart_and_the_lifecycle_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".batchform").join("emulator.json");

    let emu = Emu::start(with_state(&path)).await;
    let mut body = pool_body("kept", 1);
    body["metadata"] = json!([{"name": "owner", "value": "me"}]);
    let etag = emu.create_pool(&body).await.etag();
    emu.advance(PHASE).await;
    let node = emu.nodes("kept").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.shutdown().await;
    assert!(path.exists());

    let emu = Emu::start(with_state(&path)).await;
    let pool = emu.get("/pools/kept").await;
    assert_eq!(pool.etag(), etag);
    assert_eq!(pool.body["metadata"][0]["value"], "me");
    assert_eq!(emu.nodes("kept").await[0]["id"], node.as_str());
    let pool = emu
        .advance_until("kept", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(pool["currentDedicatedNodes"], 1);
    let r = emu
        .post(
            &format!("/pools/kept/nodes/{node}/users"),
            &json!({"name": "ops", "sshPublicKey": "ssh-ed25519 AAAA"}),
        )
        .await;
    assert_eq!(r.status, 201);
    emu.shutdown().await;

    let emu = Emu::start(with_state(&path)).await;
    let users = emu
        .get(&format!("/_emulator/pools/kept/nodes/{node}/users"))
        .await
        .body;
    assert_eq!(users["value"][0]["name"], "ops");
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains("password\"")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_second_emulator_on_the_same_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let first = emulator::start(with_state(&path)).await.unwrap();
    let second = emulator::start(with_state(&path)).await;
    let err = format!(
        "{:#}",
        second.err().expect("the second emulator is refused")
    );
    assert!(
        err.contains("another emulator is already using the state file"),
        "{err}"
    );
    first.shutdown().await;
    let third = emulator::start(with_state(&path))
        .await
        .expect("free again after shutdown");
    third.shutdown().await;
}

#[test]
fn the_command_prints_endpoint_account_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--phase",
            "10ms",
            "--state",
        ])
        .arg(dir.path().join("s.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed: Vec<String> = Vec::new();
    for _ in 0..4 {
        printed.push(lines.next().unwrap().unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        printed[0],
        "batchform emulator: Azure Batch REST API 2025-06-01"
    );
    let port = printed[1]
        .strip_prefix("  endpoint: http://127.0.0.1:")
        .expect(&printed[1]);
    assert!(port.parse::<u16>().unwrap() > 0);
    assert_eq!(printed[2], format!("  account:  {}", emulator::DEV_ACCOUNT));
    assert_eq!(printed[3], format!("  key:      {}", emulator::DEV_KEY));
}

#[test]
fn the_embedded_default_keeps_state_under_the_working_directory() {
    let config = emulator::embedded_default(std::path::Path::new("/work/project"));
    assert_eq!(
        config.state_file.unwrap(),
        std::path::Path::new("/work/project/.batchform/emulator.json")
    );
    assert_eq!(config.account, emulator::DEV_ACCOUNT);
    assert_eq!(config.key, emulator::DEV_KEY);
    assert!(config.listen.ip().is_loopback());
}

#[cfg(unix)]
#[tokio::test]
async fn saving_never_writes_through_a_link_planted_beside_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join(".batchform");
    std::fs::create_dir_all(&state_dir).unwrap();
    let path = state_dir.join("emulator.json");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "not the emulator's").unwrap();
    // Where an earlier version wrote its temporary copy.
    std::os::unix::fs::symlink(&victim, state_dir.join("emulator.json.tmp")).unwrap();

    let emu = Emu::start(with_state(&path)).await;
    emu.create_pool(&pool_body("saved", 0)).await;
    emu.shutdown().await;

    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "not the emulator's"
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"saved\"")
    );
    assert!(
        !std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let mut names: Vec<String> = std::fs::read_dir(&state_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["emulator.json", "emulator.json.lock", "emulator.json.tmp"],
        "no temporary file is left behind"
    );
    let emu = Emu::start(with_state(&path)).await;
    assert_eq!(emu.get("/pools/saved").await.status, 200);
    emu.shutdown().await;
}

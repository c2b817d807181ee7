//! `batchform images`: the account's supported images and node agent SKUs, filtered, as a
//! table or JSON, read from the service at run time.

use crate::common::{Emulator, spec_dir};

fn images(emulator: &Emulator, args: &[&str]) -> Vec<serde_json::Value> {
    let dir = spec_dir(&[]);
    let out = emulator
        .batchform(dir.path())
        .args(["images", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

#[test]
fn images_are_listed_from_the_account_and_filtered() {
    let emulator = Emulator::start("10ms", &[]);
    let all = images(&emulator, &[]);
    // As many entries as the service's own list has.
    let listed: Vec<serde_json::Value> = crate::common::runtime()
        .block_on(emulator.client().supported_images())
        .unwrap();
    assert_eq!(all.len(), listed.len());
    let docker = images(&emulator, &["--capability", "dockercompatible"]);
    assert!(!docker.is_empty() && docker.len() < all.len());
    assert!(docker.iter().all(|i| {
        i["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "DockerCompatible")
    }));
    let windows = images(&emulator, &["--os", "windows"]);
    assert!(!windows.is_empty() && windows.iter().all(|i| i["os"] == "windows"));
    let jammy = images(&emulator, &["--agent", "batch.node.ubuntu 22.04"]);
    assert!(
        jammy
            .iter()
            .all(|i| i["node_agent_sku"] == "batch.node.ubuntu 22.04")
    );
    assert!(jammy.iter().any(|i| i["sku"] == "22_04-lts"));
}

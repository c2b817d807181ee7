//! The Batch API never redirects: a 3xx is an error naming where it pointed, and the request,
//! with its signature and its body, goes nowhere else.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use predicates::prelude::*;

use super::support::*;
use crate::common::spec_dir;

/// A loopback server that answers every request with `status` and a `Location`; its port.
fn redirecting(status: &str, location: String) -> u16 {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let status = status.to_string();
    std::thread::spawn(move || {
        for stream in socket.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let answer = format!(
                "HTTP/1.1 {status}\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    port
}

#[test]
fn a_redirect_to_another_port_is_not_followed() {
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let target_url = format!("http://{}/pools", target.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in target.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    for status in [
        "307 Temporary Redirect",
        "308 Permanent Redirect",
        "302 Found",
    ] {
        let port = redirecting(status, target_url.clone());
        let dir = spec_dir(&[("pools.toml", &spec("[pools.p.scale]\ndedicated = 1\n", ""))]);
        assert_cmd::Command::new(env!("CARGO_BIN_EXE_batchform"))
            .current_dir(dir.path())
            .env("AZURE_BATCH_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .env("AZURE_BATCH_ACCOUNT", "devaccount")
            .env("AZURE_BATCH_ACCESS_KEY", "c2VjcmV0LWtleQ==")
            .env_remove("AZURE_BATCH_ACCESS_TOKEN")
            .args(["apply", "--auto-approve", "pools.toml"])
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("the Batch service never redirects")
                    .and(predicate::str::contains(target_url.as_str())),
            );
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the second port received nothing"
    );
}

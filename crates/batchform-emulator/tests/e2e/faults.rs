//! Injected latency and faults: deterministic for a seed, never half-applied, and never on
//! the `/_emulator/` routes.

use std::time::Duration;

use crate::common::{Emu, config, pool_body};
use batchform_emulator::{Config, Faults};
use reqwest::Method;
use serde_json::json;

fn faulty(rate: f64, seed: u64) -> Config {
    Config {
        faults: Faults {
            rate,
            seed,
            retry_after_secs: 2,
        },
        ..config()
    }
}

/// What a client saw: a status, or a connection closed without a response.
async fn outcome(
    emu: &Emu,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> String {
    match emu.try_send(method, path, body, &[]).await {
        Ok(r) => {
            if matches!(r.status, 429 | 503) {
                assert_eq!(r.header("retry-after"), Some("2"), "{:?}", r.body);
            }
            if r.status >= 400 {
                assert!(
                    ["TooManyRequests", "ServerBusy", "InternalError"].contains(&r.code()),
                    "{:?}",
                    r.body
                );
            }
            r.status.to_string()
        }
        Err(_) => "closed".to_string(),
    }
}

#[tokio::test]
async fn the_same_seed_fails_the_same_requests_the_same_way() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let emu = Emu::start(faulty(0.5, 42)).await;
        let mut seen = Vec::new();
        for _ in 0..40 {
            seen.push(outcome(&emu, Method::GET, "/pools", None).await);
        }
        emu.shutdown().await;
        runs.push(seen);
    }
    assert_eq!(runs[0], runs[1]);
    for kind in ["200", "429", "503", "500", "closed"] {
        assert!(
            runs[0].iter().any(|o| o == kind),
            "{kind} never happened: {:?}",
            runs[0]
        );
    }
    let other = Emu::start(faulty(0.5, 43)).await;
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen.push(outcome(&other, Method::GET, "/pools", None).await);
    }
    assert_ne!(seen, runs[0]);
    other.shutdown().await;
}

#[tokio::test]
async fn a_faulted_write_is_applied_entirely_or_not_at_all() {
    let emu = Emu::start(faulty(1.0, 7)).await;
    let mut outcomes = Vec::new();
    for i in 0..30 {
        let body = pool_body(&format!("f{i:02}"), 0);
        outcomes.push(outcome(&emu, Method::POST, "/pools", Some(&body)).await);
    }
    // The inspection routes are never faulted.
    let stats = emu.get("/_emulator/stats").await.body;
    let r = emu
        .send(
            Method::PUT,
            "/_emulator/faults",
            Some(&json!({"rate": 0.0})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);

    let listed = emu.get("/pools").await.body;
    let existing: Vec<String> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for (i, outcome) in outcomes.iter().enumerate() {
        let id = format!("f{i:02}");
        if outcome != "closed" {
            assert!(
                !existing.contains(&id),
                "{id} answered {outcome} yet exists"
            );
        }
    }
    let lost = stats["faults"]["responseLost"].as_u64().unwrap_or(0);
    let dropped = stats["faults"]["dropped"].as_u64().unwrap_or(0);
    assert!(lost > 0 && dropped > 0, "{stats}");
    assert_eq!(
        existing.len() as u64,
        lost,
        "exactly the lost responses were applied"
    );
    for id in &existing {
        // A write that was applied is whole: the pool reads back complete.
        let pool = emu.get(&format!("/pools/{id}")).await.body;
        assert_eq!(pool["vmSize"], "standard_d2s_v3");
        assert_eq!(
            pool["virtualMachineConfiguration"]["nodeAgentSKUId"],
            "batch.node.ubuntu 22.04"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_to_api_requests() {
    let emu = Emu::start(Config {
        latency: Duration::from_millis(30),
        ..config()
    })
    .await;
    let faults = emu.get("/_emulator/faults").await.body;
    assert_eq!(faults["latency"], "30ms");
    let r = emu
        .send(
            Method::PUT,
            "/_emulator/faults",
            Some(&json!({"latency": "0s", "rate": 0.25, "seed": 9})),
            &[],
        )
        .await;
    assert_eq!(r.body["latency"], "0s");
    assert_eq!(r.body["rate"], 0.25);
    emu.shutdown().await;
}

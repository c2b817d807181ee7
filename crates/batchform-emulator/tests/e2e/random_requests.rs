//! Seeded random request sequences against the emulator: whatever a client sends, in whatever
//! order, the service answers every request (no hang) with a status below 500, and the lifecycle
//! keeps moving. A resize to a billion nodes once hung it; this keeps such inputs answered.

use std::time::Duration;

use crate::common::{Emu, PHASE, config, pool_body};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

/// Far beyond any answer's time on a loaded machine: only a hang reaches it.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// One random request: an operation on pool `p` or one of its nodes, with plausible and
/// implausible bodies and conditions.
fn request(
    rng: &mut StdRng,
    nodes: &[String],
) -> (Method, String, Option<Value>, Option<&'static str>) {
    let mut node_ids: Vec<&str> = nodes.iter().map(String::as_str).collect();
    node_ids.push("tvm-missing");
    let node = *pick(rng, &node_ids);
    let counts = [0i64, 1, 3, -1, 1_000_000_000];
    let (method, path, body) = match rng.random_range(0..14) {
        0 => (
            Method::POST,
            "/pools/p/resize".to_string(),
            Some(json!({
                "targetDedicatedNodes": pick(rng, &counts),
                "targetLowPriorityNodes": pick(rng, &counts),
                "nodeDeallocationOption": pick(rng, &["requeue", "taskcompletion", "bogus"]),
            })),
        ),
        1 => (Method::POST, "/pools/p/stopresize".into(), None),
        2 => (
            Method::POST,
            "/pools/p/enableautoscale".into(),
            Some(json!({
                "autoScaleFormula": pick(rng, &[
                    "$TargetDedicatedNodes = 2;",
                    "$TargetDedicatedNodes = max(1, $PendingTasks.GetSample(1));",
                    "$TargetLowPriorityNodes = 1000000000;",
                    "$a = (((;",
                    "",
                ]),
                "autoScaleEvaluationInterval": pick(rng, &["PT5M", "PT1M", "P9999D"]),
            })),
        ),
        3 => (Method::POST, "/pools/p/disableautoscale".into(), None),
        4 => (
            Method::PATCH,
            "/pools/p".into(),
            Some(pick(rng, &[
                json!({"metadata": [{"name": "a", "value": "b"}]}),
                json!({"vmSize": "standard_d4s_v3"}),
                json!({"startTask": {"commandLine": "x", "userIdentity": {"username": "nobody"}}}),
                json!({"userAccounts": [{"name": "u", "password": "p"}]}),
                json!({"metadata": [{"name": "", "value": ""}]}),
            ]).clone()),
        ),
        5 => (
            Method::POST,
            "/pools/p/updateproperties".into(),
            Some(json!({"metadata": [], "applicationPackageReferences": []})),
        ),
        6 => (
            Method::POST,
            "/pools/p/removenodes".into(),
            Some(json!({"nodeList": [node], "nodeDeallocationOption": "requeue"})),
        ),
        7 => (
            Method::POST,
            format!("/pools/p/nodes/{node}/users"),
            Some(json!({
                "name": pick(rng, &["u", "a-name-longer-than-twenty", ""]),
                "password": "p",
                "expiryTime": pick(rng, &["2030-01-01T00:00:00Z", "1999-01-01T00:00:00Z", "soon"]),
            })),
        ),
        8 => (
            Method::PUT,
            format!("/pools/p/nodes/{node}/users/u"),
            Some(json!({"password": "q", "expiryTime": "2031-01-01T00:00:00Z"})),
        ),
        9 => (Method::DELETE, format!("/pools/p/nodes/{node}/users/u"), None),
        10 => (
            Method::POST,
            format!("/pools/p/nodes/{node}/{}", pick(rng, &["reboot", "reimage"])),
            Some(json!({})),
        ),
        11 => (
            Method::GET,
            format!("/pools/p/nodes/{node}/remoteloginsettings"),
            None,
        ),
        12 => (
            Method::GET,
            pick(rng, &["/pools/p/nodes", "/nodecounts", "/pools?maxresults=1"]).to_string(),
            None,
        ),
        _ => (Method::DELETE, "/pools/p".into(), None),
    };
    let condition = if rng.random_bool(0.2) {
        Some(*pick(rng, &["*", "\"0x1\"", "\"garbage"]))
    } else {
        None
    };
    (method, path, body, condition)
}

// Several threads, so a request the emulator never answers is noticed by the timeout instead of
// stalling the one thread the test shares with the in-process emulator.
/// Sends one request and insists on an answer.
async fn call(
    emu: &Emu,
    seed: u64,
    method: Method,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> crate::common::Resp {
    let sent = tokio::time::timeout(
        ANSWER_WITHIN,
        emu.try_send(method.clone(), path, body, headers),
    )
    .await;
    match sent {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => panic!("seed {seed}: {method} {path} {body:?}: {e}"),
        Err(_) => panic!("seed {seed}: {method} {path} {body:?}: no answer"),
    }
}

/// Moves the emulator's clock, which runs every transition due meanwhile.
async fn advance(emu: &Emu, seed: u64, by: Duration) {
    let body = json!({"seconds": by.as_secs_f64()});
    let path = "/_emulator/clock/advance";
    let answer = call(emu, seed, Method::POST, path, Some(&body), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_are_all_answered_without_a_server_error() {
    let emu = Emu::start(config()).await;
    for seed in 0..3u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        for _round in 0..6 {
            call(&emu, seed, Method::DELETE, "/pools/p", None, &[]).await;
            advance(&emu, seed, PHASE * 2).await;
            let mut body = pool_body("p", 3);
            body["startTask"] = json!({"commandLine": "x", "waitForSuccess": true});
            call(&emu, seed, Method::POST, "/pools", Some(&body), &[]).await;
            advance(&emu, seed, PHASE * 4).await;
            let listed = call(&emu, seed, Method::GET, "/pools/p/nodes", None, &[]).await;
            let nodes: Vec<String> = listed.body["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["id"].as_str().map(str::to_string))
                .collect();
            for _ in 0..40 {
                let (method, path, body, condition) = request(&mut rng, &nodes);
                let headers: Vec<(&str, &str)> =
                    condition.map(|c| ("if-match", c)).into_iter().collect();
                let answer = call(&emu, seed, method.clone(), &path, body.as_ref(), &headers).await;
                assert!(
                    answer.status < 500,
                    "seed {seed}: {method} {path} {body:?}: {} {}",
                    answer.status,
                    answer.body
                );
                if rng.random_bool(0.1) {
                    advance(&emu, seed, PHASE).await;
                }
            }
        }
    }
    emu.shutdown().await;
}

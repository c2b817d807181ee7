//! Pool and node lifecycles over real HTTP, driven by the emulator clock (never by waiting).

use crate::common::{Emu, PHASE, config, pool_body};
use serde_json::json;

#[tokio::test]
async fn create_resizes_to_steady_with_idle_nodes() {
    let emu = Emu::start(config()).await;
    let mut body = pool_body("render", 2);
    body["startTask"] = json!({"commandLine": "/bin/sh -c 'echo ready'", "waitForSuccess": true});
    emu.create_pool(&body).await;

    let pool = emu.get("/pools/render").await.body;
    assert_eq!(pool["allocationState"], "resizing");
    assert_eq!(pool["currentDedicatedNodes"], 0);
    assert_eq!(pool["targetDedicatedNodes"], 2);
    assert!(
        emu.nodes("render").await.is_empty(),
        "no node before allocation"
    );

    let mut seen = Vec::new();
    for _ in 0..6 {
        emu.advance(PHASE).await;
        let states = emu.node_states("render").await;
        seen.push(states.first().cloned().unwrap_or_default());
    }
    assert_eq!(
        seen[..4],
        ["creating", "starting", "waitingforstarttask", "idle"]
    );
    let pool = emu.get("/pools/render").await.body;
    assert_eq!(pool["allocationState"], "steady");
    assert_eq!(pool["currentDedicatedNodes"], 2);
    assert!(pool.get("resizeErrors").is_none());
    let node = &emu.nodes("render").await[0];
    assert_eq!(node["startTaskInfo"]["state"], "completed");
    assert_eq!(node["startTaskInfo"]["exitCode"], 0);
    assert_eq!(node["isDedicated"], true);
    assert_eq!(
        node["virtualMachineInfo"]["imageReference"]["exactVersion"],
        "22.04.202507090"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn shrink_removes_nodes_and_taskcompletion_waits_for_tasks() {
    let emu = Emu::start(config()).await;
    emu.steady_pool("shrink", 3).await;
    let busy = emu.nodes("shrink").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = emu
        .post(
            &format!("/_emulator/pools/shrink/nodes/{busy}/tasks"),
            &json!({"count": 2}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        emu.get(&format!("/pools/shrink/nodes/{busy}")).await.body["state"],
        "running"
    );

    let r = emu
        .post(
            "/pools/shrink/resize",
            &json!({"targetDedicatedNodes": 0, "nodeDeallocationOption": "TaskCompletion"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    emu.advance(PHASE).await;
    let states = emu.node_states("shrink").await;
    assert_eq!(states, ["leavingpool", "leavingpool", "running"]);
    for _ in 0..3 {
        emu.advance(PHASE).await;
    }
    assert_eq!(
        emu.node_states("shrink").await,
        ["running"],
        "the busy node waits for its tasks"
    );
    assert_eq!(
        emu.get("/pools/shrink").await.body["allocationState"],
        "resizing"
    );

    let r = emu
        .delete_emulator(&format!("/_emulator/pools/shrink/nodes/{busy}/tasks"))
        .await;
    assert_eq!(r, 204);
    assert_eq!(emu.node_states("shrink").await, ["leavingpool"]);
    emu.advance(PHASE).await;
    let pool = emu.get("/pools/shrink").await.body;
    assert_eq!(pool["allocationState"], "steady");
    assert_eq!(pool["currentDedicatedNodes"], 0);
    assert!(emu.nodes("shrink").await.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn delete_goes_through_deleting_to_not_found() {
    let emu = Emu::start(config()).await;
    emu.steady_pool("doomed", 1).await;
    let r = emu.delete("/pools/doomed").await;
    assert_eq!(r.status, 202);
    let pool = emu.get("/pools/doomed").await;
    assert_eq!(pool.status, 200);
    assert_eq!(pool.body["state"], "deleting");
    assert_eq!(emu.node_states("doomed").await, ["leavingpool"]);

    let again = emu.delete("/pools/doomed").await;
    assert_eq!((again.status, again.code()), (409, "PoolBeingDeleted"));
    let patch = emu
        .patch("/pools/doomed", &json!({"metadata": []}), &[])
        .await;
    assert_eq!((patch.status, patch.code()), (409, "PoolBeingDeleted"));
    let recreate = emu.post("/pools", &pool_body("DOOMED", 0)).await;
    assert_eq!(
        (recreate.status, recreate.code()),
        (409, "PoolBeingDeleted")
    );

    emu.advance(PHASE * 2).await;
    let gone = emu.get("/pools/doomed").await;
    assert_eq!((gone.status, gone.code()), (404, "PoolNotFound"));
    assert_eq!(
        emu.send(reqwest::Method::HEAD, "/pools/doomed", None, &[])
            .await
            .status,
        404
    );
    emu.create_pool(&pool_body("doomed", 0)).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn stop_resize_goes_through_stopping_to_steady() {
    let emu = Emu::start(config()).await;
    emu.create_pool(&pool_body("halt", 4)).await;
    let r = emu.post("/pools/halt/stopresize", &json!({})).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let pool = emu.get("/pools/halt").await.body;
    assert_eq!(pool["allocationState"], "stopping");
    emu.advance(PHASE).await;
    let pool = emu.get("/pools/halt").await.body;
    assert_eq!(pool["allocationState"], "steady");
    assert_eq!(
        pool["currentDedicatedNodes"], 0,
        "stopped before any node was allocated"
    );
    assert_eq!(pool["targetDedicatedNodes"], 4);
    assert_eq!(pool["resizeErrors"][0]["code"], "ResizeStopped");
    let again = emu.post("/pools/halt/stopresize", &json!({})).await;
    assert_eq!(
        (again.status, again.code()),
        (409, "OperationInvalidForCurrentState")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn core_quota_allocates_partially_with_a_resize_error() {
    let emu = Emu::start(batchform_emulator::Config {
        quota: batchform_emulator::Quota {
            dedicated: 10,
            ..Default::default()
        },
        ..config()
    })
    .await;
    // standard_d4s_v3 has 4 cores: 10 cores hold 2 nodes of the 5 asked for.
    let mut body = pool_body("big", 5);
    body["vmSize"] = json!("Standard_D4s_v3");
    emu.create_pool(&body).await;
    let pool = emu
        .advance_until("big", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(pool["currentDedicatedNodes"], 2);
    assert_eq!(pool["targetDedicatedNodes"], 5);
    assert_eq!(pool["resizeErrors"][0]["code"], "AccountCoreQuotaReached");

    // Another pool finds no room left.
    emu.create_pool(&pool_body("small", 2)).await;
    let pool = emu
        .advance_until("small", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(pool["currentDedicatedNodes"], 1, "2 cores left, 2 per node");
    assert_eq!(pool["resizeErrors"][0]["code"], "AccountCoreQuotaReached");
    emu.shutdown().await;
}

#[tokio::test]
async fn autoscale_evaluates_the_formula_at_each_interval() {
    let emu = Emu::start(config()).await;
    let mut body = pool_body("auto", 0);
    body.as_object_mut().unwrap().remove("targetDedicatedNodes");
    body["enableAutoScale"] = json!(true);
    body["autoScaleFormula"] = json!("$TargetDedicatedNodes = 2; $TargetLowPriorityNodes = 1;");
    body["autoScaleEvaluationInterval"] = json!("PT5M");
    emu.create_pool(&body).await;
    let pool = emu.get("/pools/auto").await.body;
    assert_eq!(pool["targetDedicatedNodes"], 2);
    assert_eq!(pool["targetLowPriorityNodes"], 1);
    assert!(
        pool["autoScaleRun"]["results"]
            .as_str()
            .unwrap()
            .contains("$TargetDedicatedNodes=2")
    );
    let pool = emu
        .advance_until("auto", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(
        (
            pool["currentDedicatedNodes"].clone(),
            pool["currentLowPriorityNodes"].clone()
        ),
        (json!(2), json!(1))
    );

    let resize = emu
        .post("/pools/auto/resize", &json!({"targetDedicatedNodes": 1}))
        .await;
    assert_eq!(
        (resize.status, resize.code()),
        (409, "OperationInvalidForCurrentState")
    );

    // Enabling again with a new formula (after the 30-second spacing) applies it at once.
    let quick = emu
        .post(
            "/pools/auto/enableautoscale",
            &json!({"autoScaleFormula": "$TargetDedicatedNodes=1;"}),
        )
        .await;
    assert_eq!(quick.status, 200, "{:?}", quick.body);
    let too_soon = emu
        .post(
            "/pools/auto/enableautoscale",
            &json!({"autoScaleFormula": "$TargetDedicatedNodes=3;"}),
        )
        .await;
    assert_eq!(too_soon.status, 409);
    let pool = emu
        .advance_until("auto", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(pool["currentDedicatedNodes"], 1);
    assert_eq!(
        pool["targetLowPriorityNodes"], 1,
        "a target the formula leaves alone keeps its value"
    );

    let r = emu.post("/pools/auto/disableautoscale", &json!({})).await;
    assert_eq!(r.status, 200);
    let pool = emu.get("/pools/auto").await.body;
    assert_eq!(pool["enableAutoScale"], false);
    assert_eq!(pool["targetDedicatedNodes"], 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_start_task_failure_reboot_and_reimage() {
    let emu = Emu::start(config()).await;
    let mut body = pool_body("flaky", 2);
    body["startTask"] = json!({"commandLine": "setup.sh", "waitForSuccess": true});
    emu.create_pool(&body).await;
    let r = emu
        .send(
            reqwest::Method::PUT,
            "/_emulator/pools/flaky/starttaskfailure",
            Some(&json!({"enabled": true})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let pool = emu
        .advance_until("flaky", 10, |p| p["allocationState"] == "steady")
        .await;
    assert_eq!(pool["currentDedicatedNodes"], 2);
    assert_eq!(
        emu.node_states("flaky").await,
        ["starttaskfailed", "starttaskfailed"]
    );
    let node = emu.nodes("flaky").await[0].clone();
    assert_eq!(node["startTaskInfo"]["result"], "failure");
    assert_eq!(
        node["startTaskInfo"]["failureInfo"]["category"],
        "usererror"
    );

    let r = emu
        .send(
            reqwest::Method::PUT,
            "/_emulator/pools/flaky/starttaskfailure",
            Some(&json!({"enabled": false})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let id = node["id"].as_str().unwrap();
    let r = emu
        .post(&format!("/pools/flaky/nodes/{id}/reboot"), &json!({}))
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(
        emu.get(&format!("/pools/flaky/nodes/{id}")).await.body["state"],
        "rebooting"
    );
    for _ in 0..3 {
        emu.advance(PHASE).await;
    }
    assert_eq!(
        emu.get(&format!("/pools/flaky/nodes/{id}")).await.body["state"],
        "idle"
    );

    let r = emu
        .post(
            &format!("/_emulator/pools/flaky/nodes/{id}/reimage"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        emu.get(&format!("/pools/flaky/nodes/{id}")).await.body["state"],
        "reimaging"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_runaway_target_meets_the_default_quotas_instead_of_allocating_it() {
    let emu = Emu::start(config()).await;
    let mut body = pool_body("huge", 1_000_000_000);
    body["targetLowPriorityNodes"] = json!(1_000_000_000);
    emu.create_pool(&body).await;
    let pool = emu
        .advance_until("huge", 10, |p| p["allocationState"] == "steady")
        .await;
    // standard_d2s_v3 has 2 cores: 20000 cores of each kind hold 10000 nodes.
    assert_eq!(pool["currentDedicatedNodes"], 10_000);
    assert_eq!(pool["currentLowPriorityNodes"], 10_000);
    let codes: Vec<&str> = pool["resizeErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "AccountCoreQuotaReached",
            "AccountLowPriorityCoreQuotaReached"
        ]
    );
    emu.shutdown().await;
}

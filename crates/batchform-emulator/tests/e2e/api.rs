//! The emulator's REST surface over real HTTP: headers, ETags and conditional requests, the
//! empty-pool rule, node users, validation and error bodies, authentication, paging.

use std::time::Duration;

use crate::common::{Emu, PHASE, config, pool_body};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn etags_change_on_every_write_and_conditions_are_honoured() {
    let emu = Emu::start(config()).await;
    let created = emu.create_pool(&pool_body("cond", 0)).await;
    let etag = created.etag();
    assert!(etag.starts_with("0x"), "{etag}");
    assert!(created.header("last-modified").unwrap().ends_with("GMT"));
    assert!(
        created
            .header("dataserviceid")
            .unwrap()
            .ends_with("/pools/cond")
    );
    assert_eq!(created.header("dataserviceversion"), Some("3.0"));
    assert!(created.header("request-id").is_some());

    let got = emu.get("/pools/cond").await;
    assert_eq!(got.etag(), etag);
    assert_eq!(got.body["eTag"], etag.as_str());
    assert_eq!(
        got.header("content-type"),
        Some("application/json;odata=minimalmetadata")
    );

    // Reads: 304 when the client already has it.
    let same = emu
        .send(
            Method::GET,
            "/pools/cond",
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(same.status, 304);
    assert_eq!(same.etag(), etag);
    let head = emu
        .send(
            Method::HEAD,
            "/pools/cond",
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(head.status, 304);

    // Writes: 412 on a stale ETag, success on the current one, and a new ETag.
    let stale = emu
        .patch(
            "/pools/cond",
            &json!({"metadata": []}),
            &[("If-Match", "0x8D0000000000001")],
        )
        .await;
    assert_eq!((stale.status, stale.code()), (412, "ConditionNotMet"));
    let ok = emu
        .patch(
            "/pools/cond",
            &json!({"metadata": [{"name": "a", "value": "1"}]}),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_ne!(ok.etag(), etag);
    let replay = emu
        .patch(
            "/pools/cond",
            &json!({"metadata": []}),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(replay.status, 412);
    let unmodified = emu
        .send(
            Method::POST,
            "/pools/cond/resize",
            Some(&json!({"targetDedicatedNodes": 1})),
            &[("If-Unmodified-Since", "Fri, 17 Feb 2017 00:00:00 GMT")],
        )
        .await;
    assert_eq!(unmodified.status, 412);

    // Every kind of write moves the ETag on.
    let mut seen = vec![etag, ok.etag()];
    let writes = [
        (
            "/pools/cond/updateproperties",
            json!({"applicationPackageReferences": [], "metadata": []}),
        ),
        ("/pools/cond/resize", json!({"targetDedicatedNodes": 0})),
    ];
    for (path, body) in writes {
        let r = emu.post(path, &body).await;
        assert!(r.status < 300, "{path}: {:?}", r.body);
        let now = emu.get("/pools/cond").await.etag();
        assert!(!seen.contains(&now), "{path} kept the ETag");
        seen.push(now);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn empty_only_properties_are_refused_on_a_pool_with_nodes() {
    let emu = Emu::start(config()).await;
    emu.steady_pool("busy", 1).await;
    let r = emu
        .patch(
            "/pools/busy",
            &json!({"vmSize": "standard_d4s_v3", "taskSlotsPerNode": 2}),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (409, "OperationInvalidForCurrentState")
    );
    let named: Vec<&str> = r.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["vmSize", "taskSlotsPerNode"]);
    // Always-patchable properties still go through.
    let r = emu
        .patch(
            "/pools/busy",
            &json!({"startTask": {"commandLine": "echo b"}}),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Drained to empty, the same patch is accepted.
    emu.post("/pools/busy/resize", &json!({"targetDedicatedNodes": 0}))
        .await;
    emu.advance_until("busy", 10, |p| p["allocationState"] == "steady")
        .await;
    let r = emu
        .patch(
            "/pools/busy",
            &json!({"vmSize": "standard_d4s_v3", "taskSlotsPerNode": 2}),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let pool = emu.get("/pools/busy").await.body;
    assert_eq!(
        (pool["vmSize"].as_str(), pool["taskSlotsPerNode"].as_i64()),
        (Some("standard_d4s_v3"), Some(2))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn node_users_only_on_ready_nodes_and_never_with_passwords() {
    let emu = Emu::start(config()).await;
    emu.create_pool(&pool_body("users", 1)).await;
    emu.advance(PHASE).await;
    let node = emu.nodes("users").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let users = format!("/pools/users/nodes/{node}/users");
    let early = emu
        .post(&users, &json!({"name": "ann", "password": "pw"}))
        .await;
    assert_eq!((early.status, early.code()), (409, "NodeBeingCreated"));

    emu.advance_until("users", 10, |p| p["allocationState"] == "steady")
        .await;
    let created = emu
        .post(
            &users,
            &json!({"name": "ann", "password": "pw", "isAdmin": true}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let dup = emu
        .post(
            &users,
            &json!({"name": "ANN", "sshPublicKey": "ssh-rsa AAAA"}),
        )
        .await;
    assert_eq!((dup.status, dup.code()), (409, "NodeUserExists"));
    let none = emu.post(&users, &json!({"name": "bob"})).await;
    assert_eq!((none.status, none.code()), (400, "MissingRequiredProperty"));

    let inspect = format!("/_emulator/pools/users/nodes/{node}/users");
    let held = emu.get(&inspect).await.body;
    let ann = &held["value"][0];
    assert_eq!(ann["name"], "ann");
    assert_eq!(ann["isAdmin"], true);
    assert_eq!(ann["hasPassword"], true);
    assert!(ann.get("password").is_none());
    let expiry = chrono::DateTime::parse_from_rfc3339(ann["expiryTime"].as_str().unwrap()).unwrap();
    let clock = emu.get("/_emulator/clock").await.body;
    let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    let lifetime = expiry - now;
    assert!(
        lifetime > chrono::TimeDelta::hours(23) && lifetime <= chrono::TimeDelta::hours(24),
        "{lifetime}"
    );

    // Replace is a full replace: the password goes, the key comes.
    let r = emu
        .send(
            Method::PUT,
            &format!("{users}/ann"),
            Some(&json!({"sshPublicKey": "ssh-rsa BBBB"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let ann = &emu.get(&inspect).await.body["value"][0];
    assert_eq!(
        (ann["hasPassword"].as_bool(), ann["sshPublicKey"].as_str()),
        (Some(false), Some("ssh-rsa BBBB"))
    );
    let missing = emu
        .send(
            Method::PUT,
            &format!("{users}/zed"),
            Some(&json!({"password": "x"})),
            &[],
        )
        .await;
    assert_eq!((missing.status, missing.code()), (404, "NodeUserNotFound"));

    // Expired users disappear.
    emu.advance(Duration::from_secs(25 * 3600)).await;
    assert_eq!(emu.get(&inspect).await.body["value"], json!([]));
    let gone = emu.delete(&format!("{users}/ann")).await;
    assert_eq!((gone.status, gone.code()), (404, "NodeUserNotFound"));
    emu.shutdown().await;
}

#[tokio::test]
async fn validation_errors_carry_the_service_error_body() {
    let emu = Emu::start(config()).await;
    let cases = [
        (
            pool_body("bad id!", 0),
            400,
            "InvalidPropertyValue",
            Some("id"),
        ),
        (
            pool_body(&"x".repeat(65), 0),
            400,
            "InvalidPropertyValue",
            Some("id"),
        ),
        (
            json!({"id": "p", "virtualMachineConfiguration": pool_body("p", 0)["virtualMachineConfiguration"], "targetDedicatedNodes": 1}),
            400,
            "MissingRequiredProperty",
            Some("vmSize"),
        ),
        (
            json!({"id": "p", "vmSize": "standard_a1", "targetDedicatedNodes": 1}),
            400,
            "MissingRequiredProperty",
            Some("virtualMachineConfiguration"),
        ),
        (
            {
                let mut b = pool_body("p", 0);
                b.as_object_mut().unwrap().remove("targetDedicatedNodes");
                b
            },
            400,
            "MissingRequiredProperty",
            Some("targetDedicatedNodes"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["enableAutoScale"] = json!(true);
                b["autoScaleFormula"] = json!("$TargetDedicatedNodes=1;");
                b
            },
            400,
            "InvalidPropertyValue",
            Some("targetDedicatedNodes"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["virtualMachineConfiguration"]["nodeAgentSKUId"] =
                    json!("batch.node.ubuntu 20.04");
                b
            },
            400,
            "InvalidPropertyValue",
            Some("nodeAgentSKUId"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["virtualMachineConfiguration"]["imageReference"] =
                    json!({"publisher": "canonical", "offer": "ubuntuserver", "sku": "16.04-lts"});
                b["virtualMachineConfiguration"]["nodeAgentSKUId"] =
                    json!("batch.node.ubuntu 16.04");
                b
            },
            400,
            "InvalidPropertyValue",
            Some("imageReference"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["virtualMachineConfiguration"]["containerConfiguration"] =
                    json!({"type": "dockerCompatible"});
                b
            },
            400,
            "InvalidPropertyValue",
            Some("containerConfiguration"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["resizeTimeout"] = json!("PT1M");
                b
            },
            400,
            "InvalidPropertyValue",
            Some("resizeTimeout"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["taskSchedulingPolicy"] = json!({"nodeFillType": "diagonal"});
                b
            },
            400,
            "InvalidPropertyValue",
            Some("nodeFillType"),
        ),
        (
            {
                let mut b = pool_body("p", 1);
                b["targetDedicatedNodes"] = json!("three");
                b
            },
            400,
            "InvalidPropertyValue",
            Some("targetDedicatedNodes"),
        ),
    ];
    for (body, status, code, property) in cases {
        let r = emu.post("/pools", &body).await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {:?}", r.body);
        if let Some(property) = property {
            assert_eq!(
                r.body["values"][0],
                json!({"key": "PropertyName", "value": property}),
                "{body}"
            );
        }
        let message = r.body["message"]["value"].as_str().unwrap();
        assert!(
            message.contains("\nRequestId:") && message.contains("\nTime:"),
            "{message}"
        );
        assert_eq!(r.body["message"]["lang"], "en-US");
        assert!(
            r.body["odata.metadata"]
                .as_str()
                .unwrap()
                .ends_with("errors/@Element")
        );
    }

    // A container-ready image takes a container configuration; ids are unique ignoring case.
    let mut ok = pool_body("Containers", 0);
    ok["virtualMachineConfiguration"] = json!({
        "imageReference": {"publisher": "microsoft-dsvm", "offer": "ubuntu-hpc", "sku": "2204"},
        "nodeAgentSKUId": "batch.node.ubuntu 22.04",
        "containerConfiguration": {"type": "dockerCompatible", "containerImageNames": ["busybox"],
            "containerRegistries": [{"registryServer": "myacr.azurecr.io", "username": "u", "password": "secret"}]}
    });
    ok["userAccounts"] =
        json!([{"name": "svc", "password": "hunter2", "elevationLevel": "NonAdmin"}]);
    emu.create_pool(&ok).await;
    let dup = emu.post("/pools", &pool_body("containers", 0)).await;
    assert_eq!((dup.status, dup.code()), (409, "PoolExists"));

    // Write-only secrets never come back; enums come back in the spec's casing.
    let pool = emu.get("/pools/CONTAINERS").await.body;
    let text = pool.to_string();
    assert!(
        !text.contains("secret") && !text.contains("hunter2"),
        "{text}"
    );
    assert_eq!(pool["userAccounts"][0]["elevationLevel"], "nonadmin");
    assert_eq!(
        pool["virtualMachineConfiguration"]["imageReference"]["version"],
        "latest"
    );

    // Malformed JSON and unknown routes answer with the error body too.
    let r = emu
        .send(
            Method::POST,
            "/pools",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidRequestBody"));
    let raw = emu
        .http
        .post(format!("{}/pools?api-version=2025-06-01", emu.base))
        .header("content-type", "application/json")
        .body("{\"id\": ");
    let mut raw = raw.build().unwrap();
    emu.key.sign_request(&mut raw, chrono::Utc::now());
    let r = emu.http.execute(raw).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "InvalidRequestBody"
    );
    let r = emu.get("/jobs").await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    emu.shutdown().await;
}

#[tokio::test]
async fn api_version_query_names_and_client_request_id() {
    let emu = Emu::start(config()).await;
    let missing = emu
        .send(Method::GET, "/pools?maxresults=5", None, &[])
        .await;
    assert_eq!(missing.status, 200, "the helper adds api-version");
    let missing = emu.get("/pools?timeOut=30&api-version=").await;
    assert_eq!(
        (missing.status, missing.code()),
        (400, "UnsupportedRequestVersion")
    );
    for version in ["2025-06-01", "2025-06-01.21.0", "2024-07-01.20.0"] {
        let r = emu
            .get(&format!("/pools?api-version={version}&timeOut=30"))
            .await;
        assert_eq!(r.status, 200, "{version}");
    }
    let old = emu.get("/pools?api-version=2018-12-01.8.0").await;
    assert_eq!((old.status, old.code()), (400, "UnsupportedRequestVersion"));
    let unsigned = emu
        .http
        .get(format!("{}/pools", emu.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    let body: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(body["code"], "MissingRequiredQueryParameter");
    assert_eq!(
        body["values"][0],
        json!({"key": "QueryParameterName", "value": "api-version"})
    );

    let id = "9c4f6d2e-0000-4000-8000-000000000001";
    let echoed = emu
        .send(
            Method::GET,
            "/pools",
            None,
            &[
                ("client-request-id", id),
                ("return-client-request-id", "true"),
            ],
        )
        .await;
    assert_eq!(echoed.header("client-request-id"), Some(id));
    let quiet = emu
        .send(Method::GET, "/pools", None, &[("client-request-id", id)])
        .await;
    assert_eq!(quiet.header("client-request-id"), None);
    emu.shutdown().await;
}

#[tokio::test]
async fn shared_key_and_bearer_authentication() {
    let emu = Emu::start(batchform_emulator::Config {
        token: Some("let-me-in".into()),
        ..config()
    })
    .await;
    let wrong =
        batchform_batch::auth::SharedKey::new(emu.handle.account(), "d3Jvbmcta2V5").unwrap();
    let mut request = emu
        .http
        .get(format!("{}/pools?api-version=2025-06-01", emu.base))
        .build()
        .unwrap();
    wrong.sign_request(&mut request, chrono::Utc::now());
    let r = emu.http.execute(request).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "AuthenticationFailed"
    );

    let mut stale = emu
        .http
        .get(format!("{}/pools?api-version=2025-06-01", emu.base))
        .build()
        .unwrap();
    emu.key.sign_request(
        &mut stale,
        chrono::Utc::now() - chrono::TimeDelta::minutes(20),
    );
    assert_eq!(emu.http.execute(stale).await.unwrap().status(), 403);

    let bearer = emu
        .send(
            Method::GET,
            "/pools",
            None,
            &[("authorization", "Bearer let-me-in")],
        )
        .await;
    assert_eq!(bearer.status, 200);
    let bad = emu
        .send(
            Method::GET,
            "/pools",
            None,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!((bad.status, bad.code()), (403, "AuthenticationFailed"));
    emu.shutdown().await;
}

#[tokio::test]
async fn paging_select_and_filter() {
    let emu = Emu::start(config()).await;
    for i in 0..7 {
        emu.create_pool(&pool_body(&format!("page-{i}"), 0)).await;
    }
    emu.create_pool(&pool_body("other", 0)).await;

    let mut ids = Vec::new();
    let mut next = Some(format!(
        "{}/pools?api-version=2025-06-01&maxresults=3&$select=id,eTag&$filter=startswith(id,'page-')",
        emu.base
    ));
    let mut pages = 0;
    while let Some(url) = next {
        let path = url.strip_prefix(&emu.base).unwrap().to_string();
        let r = emu.get(&path).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        for pool in r.body["value"].as_array().unwrap() {
            let mut keys: Vec<&String> = pool.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["eTag", "id"]);
            ids.push(pool["id"].as_str().unwrap().to_string());
        }
        next = r.body["odata.nextLink"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, (0..7).map(|i| format!("page-{i}")).collect::<Vec<_>>());

    let r = emu
        .get("/pools?$filter=id eq 'OTHER' and state eq 'active'")
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    for bad in [
        "/pools?maxresults=0",
        "/pools?maxresults=1001",
        "/pools?$select=nope",
        "/pools?$filter=id%20~%201",
        "/pools?$skiptoken=%21%21",
    ] {
        let r = emu.get(bad).await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
    }
    let images = emu
        .get("/supportedimages?$filter=verificationType eq 'verified' and osType eq 'linux'")
        .await;
    let images = images.body["value"].as_array().unwrap().clone();
    assert!(
        images
            .iter()
            .all(|i| i["osType"] == "linux" && i["verificationType"] == "verified")
    );
    assert!(
        images
            .iter()
            .any(|i| i["imageReference"]["offer"] == "ubuntu-24_04-lts")
    );
    let counts = emu.get("/nodecounts?$filter=poolId eq 'other'").await;
    assert_eq!(counts.body["value"][0]["poolId"], "other");
    assert_eq!(counts.body["value"][0]["dedicated"]["total"], 0);

    let stats = emu.get("/_emulator/stats").await.body;
    assert!(
        stats["byOperation"]["Pools_CreatePool"].as_u64() == Some(8),
        "{stats}"
    );
    emu.shutdown().await;
}

/// The value of one detail of an error body.
fn error_value<'a>(body: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    body["values"]
        .as_array()?
        .iter()
        .find(|v| v["key"] == key)?["value"]
        .as_str()
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_and_the_emulator_keeps_answering() {
    let emu = Emu::start(config()).await;
    emu.steady_pool("deep", 1).await;
    let nested = format!("{}id eq 'deep'{}", "(".repeat(2000), ")".repeat(2000));
    let negated = format!("{}id eq 'deep'", "not ".repeat(2000));
    for filter in [&nested, &negated] {
        for path in ["/pools", "/pools/deep/nodes"] {
            let r = emu.get(&format!("{path}?$filter={filter}")).await;
            assert_eq!(
                (r.status, r.code()),
                (400, "InvalidQueryParameterValue"),
                "{path}: {:?}",
                r.body
            );
            assert_eq!(error_value(&r.body, "QueryParameterName"), Some("$filter"));
        }
    }
    // Nesting within the bound still works, and so does a long flat chain.
    let shallow = format!("{}id eq 'deep'{}", "(".repeat(20), ")".repeat(20));
    let chain = vec!["id eq 'deep'"; 1000].join(" and ");
    for filter in [&shallow, &chain] {
        let r = emu.get(&format!("/pools?$filter={filter}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["value"][0]["id"], "deep");
    }
    // A body nested past serde's recursion limit (in a property kept as free JSON, and in one
    // the emulator does not model) is a 400 too.
    for property in ["mountConfiguration", "somethingNew"] {
        let mut body = serde_json::to_string(&pool_body("nested", 0)).unwrap();
        body.pop();
        body.push_str(&format!(
            ",\"{property}\": {}{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        ));
        let mut request = emu
            .http
            .post(format!("{}/pools?api-version=2025-06-01", emu.base))
            .header("content-type", "application/json; odata=minimalmetadata")
            .body(body)
            .build()
            .unwrap();
        emu.key.sign_request(&mut request, chrono::Utc::now());
        let r = emu.http.execute(request).await.unwrap();
        assert_eq!(r.status(), 400, "{property}");
    }
    assert_eq!(emu.get("/pools").await.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn deeply_nested_autoscale_formulas_are_refused_and_the_emulator_keeps_answering() {
    let emu = Emu::start(config()).await;
    let mut body = pool_body("auto", 0);
    body.as_object_mut().unwrap().remove("targetDedicatedNodes");
    body["enableAutoScale"] = json!(true);
    body["autoScaleFormula"] = json!("$TargetDedicatedNodes = 1;");
    emu.create_pool(&body).await;
    emu.advance(PHASE * 10).await;

    let deep = [
        format!(
            "$TargetDedicatedNodes = {}1{};",
            "(".repeat(2000),
            ")".repeat(2000)
        ),
        format!("$TargetDedicatedNodes = {}1;", "-".repeat(4000)),
        format!(
            "$TargetDedicatedNodes = {}1{};",
            "max(".repeat(1500),
            ")".repeat(1500)
        ),
        format!("$TargetDedicatedNodes = {}1;", "1?1:".repeat(1500)),
    ];
    for formula in &deep {
        for route in ["evaluateautoscale", "enableautoscale"] {
            let r = emu
                .post(
                    &format!("/pools/auto/{route}"),
                    &json!({"autoScaleFormula": formula}),
                )
                .await;
            assert_eq!(
                (r.status, r.code()),
                (400, "AutoScalingFormulaSyntaxError"),
                "{route}: {:?}",
                r.body
            );
        }
        let mut create = body.clone();
        create["id"] = json!("auto-deep");
        create["autoScaleFormula"] = json!(formula);
        let r = emu.post("/pools", &create).await;
        assert_eq!((r.status, r.code()), (400, "AutoScalingFormulaSyntaxError"));
    }
    // Long flat chains evaluate: they are wide, not deep.
    let sum = format!("$TargetDedicatedNodes = {}1;", "1 + ".repeat(1500));
    let r = emu
        .post(
            "/pools/auto/evaluateautoscale",
            &json!({"autoScaleFormula": sum}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.body["results"]
            .as_str()
            .unwrap_or("")
            .contains("$TargetDedicatedNodes=1501"),
        "{:?}",
        r.body
    );
    assert_eq!(emu.get("/pools/auto").await.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn inspection_routes_need_the_account_credentials() {
    let emu = Emu::start(batchform_emulator::Config {
        token: Some("let-me-in".into()),
        ..config()
    })
    .await;
    let unsigned = emu
        .http
        .get(format!("{}/_emulator/stats", emu.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    let body: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(body["code"], "AuthenticationFailed");

    let wrong =
        batchform_batch::auth::SharedKey::new(emu.handle.account(), "d3Jvbmcta2V5").unwrap();
    for (method, path, body) in [
        (Method::GET, "/_emulator/stats", None),
        (Method::GET, "/_emulator/state", None),
        (Method::DELETE, "/_emulator/stats", None),
        (Method::PUT, "/_emulator/faults", Some(json!({"rate": 1.0}))),
        (
            Method::POST,
            "/_emulator/clock/advance",
            Some(json!({"seconds": 60})),
        ),
        (Method::GET, "/_emulator/no-such-route", None),
    ] {
        let mut request = emu
            .http
            .request(method.clone(), format!("{}{path}", emu.base));
        if let Some(body) = &body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).unwrap());
        }
        let mut request = request.build().unwrap();
        let r = emu
            .http
            .execute(request.try_clone().unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "unsigned {method} {path}");
        wrong.sign_request(&mut request, chrono::Utc::now());
        let r = emu.http.execute(request).await.unwrap();
        assert_eq!(r.status(), 403, "wrongly signed {method} {path}");
    }
    let bad_token = emu
        .send(
            Method::GET,
            "/_emulator/stats",
            None,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(
        (bad_token.status, bad_token.code()),
        (403, "AuthenticationFailed")
    );
    // Nothing the refused requests asked for happened.
    assert_eq!(emu.get("/_emulator/faults").await.body["rate"], 0.0);
    assert_eq!(emu.get("/_emulator/clock").await.body["offsetSeconds"], 0.0);

    let signed = emu.get("/_emulator/stats").await;
    assert_eq!(signed.status, 200, "{:?}", signed.body);
    let bearer = emu
        .send(
            Method::GET,
            "/_emulator/stats",
            None,
            &[("authorization", "Bearer let-me-in")],
        )
        .await;
    assert_eq!(bearer.status, 200);
    emu.shutdown().await;
}

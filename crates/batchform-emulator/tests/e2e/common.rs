//! Shared by the emulator's integration tests: start an emulator on a free loopback port and
//! talk to it over real HTTP with Shared Key signed requests.

#![allow(dead_code)]

use std::time::Duration;

use batchform_batch::auth::SharedKey;
use batchform_emulator::{self as emulator, Config, Handle, Timings};
use reqwest::Method;
use serde_json::{Value, json};

/// Phases long enough that nothing moves unless a test advances the clock.
pub const PHASE: Duration = Duration::from_secs(60);

pub fn config() -> Config {
    Config {
        timings: Timings::uniform(PHASE),
        ..Config::default()
    }
}

pub struct Emu {
    pub handle: Handle,
    pub http: reqwest::Client,
    pub key: SharedKey,
    pub base: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn etag(&self) -> String {
        self.header("etag").unwrap_or_default().to_string()
    }
}

impl Emu {
    pub async fn start(config: Config) -> Emu {
        let handle = emulator::start(config).await.expect("emulator starts");
        Self::attach(handle)
    }

    pub fn attach(handle: Handle) -> Emu {
        let key = SharedKey::new(handle.account(), handle.key()).unwrap();
        let base = handle.endpoint().as_str().trim_end_matches('/').to_string();
        Emu {
            handle,
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            key,
            base,
        }
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }

    /// A signed request (unless `headers` has its own `Authorization`); `api-version` is added
    /// unless the path has one or is an `/_emulator/` route.
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> reqwest::Result<Resp> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("api-version=") || path.starts_with("/_emulator") {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}{sep}api-version=2025-06-01", self.base)
        };
        let mut builder = self.http.request(method, &url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if let Some(body) = body {
            builder = builder
                .header("content-type", "application/json; odata=minimalmetadata")
                .body(serde_json::to_vec(body).unwrap());
        }
        let mut request = builder.build()?;
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        {
            self.key.sign_request(&mut request, chrono::Utc::now());
        }
        let response = self.http.execute(request).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.try_send(method, path, body, headers)
            .await
            .expect("request completes")
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::PATCH, path, Some(body), headers).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Moves the emulator clock forward.
    pub async fn advance(&self, by: Duration) {
        let r = self
            .post(
                "/_emulator/clock/advance",
                &json!({"seconds": by.as_secs_f64()}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    /// Advances one phase at a time until `done(pool)` holds; at most `phases` phases.
    pub async fn advance_until(
        &self,
        pool: &str,
        phases: u32,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..=phases {
            let current = self.get(&format!("/pools/{pool}")).await.body;
            if done(&current) {
                return current;
            }
            self.advance(PHASE).await;
        }
        panic!("pool {pool} did not reach the expected state within {phases} phases");
    }

    pub async fn create_pool(&self, body: &Value) -> Resp {
        let r = self.post("/pools", body).await;
        assert_eq!(r.status, 201, "create failed: {:?}", r.body);
        r
    }

    pub async fn nodes(&self, pool: &str) -> Vec<Value> {
        let r = self.get(&format!("/pools/{pool}/nodes")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["value"].as_array().cloned().unwrap_or_default()
    }

    pub async fn node_states(&self, pool: &str) -> Vec<String> {
        let mut states: Vec<String> = self
            .nodes(pool)
            .await
            .iter()
            .map(|n| n["state"].as_str().unwrap_or("").to_string())
            .collect();
        states.sort();
        states
    }

    /// Creates `pool` with `dedicated` nodes and advances until it is steady.
    pub async fn steady_pool(&self, pool: &str, dedicated: i64) -> Value {
        self.create_pool(&pool_body(pool, dedicated)).await;
        self.advance_until(pool, 10, |p| p["allocationState"] == "steady")
            .await
    }
}

/// A minimal valid create body on Ubuntu 22.04.
pub fn pool_body(id: &str, dedicated: i64) -> Value {
    json!({
        "id": id,
        "vmSize": "standard_d2s_v3",
        "virtualMachineConfiguration": {
            "imageReference": {"publisher": "canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts"},
            "nodeAgentSKUId": "batch.node.ubuntu 22.04"
        },
        "targetDedicatedNodes": dedicated
    })
}

impl Emu {
    /// DELETE on an `/_emulator/` route; returns the status.
    pub async fn delete_emulator(&self, path: &str) -> u16 {
        self.send(Method::DELETE, path, None, &[]).await.status
    }
}

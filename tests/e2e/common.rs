//! Shared by the end-to-end tests: a `batchform emulator` process on a loopback port, the
//! binary run against it as a user runs it, and a REST client for changes made out of band.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use batchform_batch::auth::SharedKey;
use batchform_batch::{Client, Credential, RetryPolicy};

/// A running emulator, killed when dropped.
pub struct Emulator {
    child: Child,
    pub endpoint: String,
    pub account: String,
    pub key: String,
}

impl Emulator {
    /// Starts `batchform emulator` on `127.0.0.1:0` with node phases of `phase` and `extra` flags.
    pub fn start(phase: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
            .args(["emulator", "--listen", "127.0.0.1:0", "--phase", phase])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut field = |name: &str| -> String {
            loop {
                let line = lines
                    .next()
                    .expect("the emulator prints its endpoint")
                    .expect("utf-8");
                if let Some(value) = line.trim().strip_prefix(&format!("{name}:")) {
                    return value.trim().to_string();
                }
            }
        };
        let endpoint = field("endpoint");
        let account = field("account");
        let key = field("key");
        Emulator {
            child,
            endpoint,
            account,
            key,
        }
    }

    /// The binary, configured for this emulator through the environment (as in CI).
    pub fn batchform(&self, dir: &Path) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.command(dir))
    }

    /// The same, as a plain process (to run in the background and kill).
    pub fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchform"));
        cmd.current_dir(dir)
            .env("AZURE_BATCH_ENDPOINT", &self.endpoint)
            .env("AZURE_BATCH_ACCOUNT", &self.account)
            .env("AZURE_BATCH_ACCESS_KEY", &self.key)
            .env("BATCHFORM_REQUEST_COUNT", "1")
            .env("NO_COLOR", "1")
            .env_remove("AZURE_BATCH_ACCESS_TOKEN");
        cmd
    }

    /// A REST client of the emulator's account, for what other people and tools do.
    pub fn client(&self) -> Client {
        let key = SharedKey::new(self.account.clone(), &self.key).expect("a valid key");
        Client::new(
            &self.endpoint,
            Credential::SharedKey(key),
            RetryPolicy::default(),
            10,
        )
        .expect("a client")
    }

    /// A test-only inspection route of the emulator, signed with the account key, as JSON.
    pub fn inspect(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!(
            "{}/_emulator/{}",
            self.endpoint.trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        let client = reqwest::Client::new();
        let key = SharedKey::new(self.account.clone(), &self.key).expect("a valid key");
        runtime().block_on(async move {
            let mut request = client.request(method, &url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            // The inspection routes take the account's credentials, like the API.
            let mut request = request.build().expect("a valid request");
            key.sign_request(&mut request, chrono::Utc::now());
            let response = client.execute(request).await.expect("the emulator answers");
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(status.is_success(), "{url}: {status} {text}");
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runtime for the tests' own REST calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Writes `files` (name → TOML) into a new temporary directory.
pub fn spec_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write the spec");
    }
    dir
}

/// The standard Ubuntu 22.04 pool, with fields to vary.
pub fn pool(id: &str, extra: &str) -> String {
    format!(
        r#"
[pools.{id}]
vm_size = "standard_d2s_v3"
node_agent_sku = "batch.node.ubuntu 22.04"
{extra}

[pools.{id}.image]
publisher = "canonical"
offer = "0001-com-ubuntu-server-jammy"
sku = "22_04-lts"
"#
    )
}

//! How batchform proves who it is: Shared Key (everywhere else), a Microsoft Entra ID token
//! given as it is, and a service principal's client credentials exchanged for a token. The
//! token endpoint here is a stand-in on loopback; the emulator checks the bearer token.

use std::sync::{Arc, Mutex};

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;

const TOKEN: &str = "token-for-the-emulator";

fn spec() -> String {
    format!(
        "[account]\nowner = \"team\"\n{}",
        pool("p", "[pools.p.scale]\ndedicated = 1\n")
    )
}

/// The binary with no Shared Key in its environment, only what each test gives it.
fn without_key(emulator: &Emulator, dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = emulator.batchform(dir);
    cmd.env_remove("AZURE_BATCH_ACCESS_KEY")
        .env_remove("AZURE_BATCH_ACCOUNT");
    cmd
}

#[test]
fn a_given_bearer_token_is_used_and_a_wrong_one_refused() {
    let emulator = Emulator::start("10ms", &["--token", TOKEN]);
    let dir = spec_dir(&[("pools.toml", &spec())]);
    without_key(&emulator, dir.path())
        .env("AZURE_BATCH_ACCESS_TOKEN", TOKEN)
        .args(["plan", "pools.toml"])
        .assert()
        .success();
    without_key(&emulator, dir.path())
        .env("AZURE_BATCH_ACCESS_TOKEN", "not-the-token")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("AuthenticationFailed"));
}

#[test]
fn client_credentials_are_exchanged_for_a_token_with_the_batch_scope() {
    let emulator = Emulator::start("10ms", &["--token", TOKEN]);
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let authority = format!("http://{}", listener.local_addr().unwrap());
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/{tenant}/oauth2/v2.0/token",
        axum::routing::post(move |axum::extract::Path(tenant): axum::extract::Path<String>, body: String| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(format!("{tenant} {body}"));
                axum::Json(serde_json::json!({"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}))
            }
        }),
    );
    let server = runtime.spawn(async move { axum::serve(listener, app).await });

    let dir = spec_dir(&[("pools.toml", &spec())]);
    without_key(&emulator, dir.path())
        .env("AZURE_TENANT_ID", "my-tenant")
        .env("AZURE_CLIENT_ID", "my-app")
        .env("AZURE_CLIENT_SECRET", "my-secret")
        .env("AZURE_AUTHORITY_HOST", &authority)
        .args(["plan", "pools.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("my-secret").not());
    server.abort();
    drop(runtime);

    let seen = seen.lock().unwrap();
    // One token for the whole command (cached), for the tenant, by client credentials, for Batch.
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("my-tenant "), "{}", seen[0]);
    for part in [
        "grant_type=client_credentials",
        "client_id=my-app",
        "scope=https%3A%2F%2Fbatch.core.windows.net%2F%2F.default",
    ] {
        assert!(seen[0].contains(part), "{part} in {}", seen[0]);
    }
}

#[test]
fn plain_http_is_refused_for_anything_but_loopback() {
    let dir = spec_dir(&[("pools.toml", &spec())]);
    assert_cmd::Command::cargo_bin("batchform")
        .unwrap()
        .current_dir(dir.path())
        .env(
            "AZURE_BATCH_ENDPOINT",
            "http://myaccount.eastus.batch.azure.com",
        )
        .env("AZURE_BATCH_ACCOUNT", "myaccount")
        .env("AZURE_BATCH_ACCESS_KEY", "YmF0Y2hmb3Jt")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("must use https"));
}

#[test]
fn no_credentials_for_a_real_endpoint_says_which_to_set() {
    let dir = spec_dir(&[("pools.toml", &spec())]);
    assert_cmd::Command::cargo_bin("batchform")
        .unwrap()
        .current_dir(dir.path())
        .env(
            "AZURE_BATCH_ENDPOINT",
            "https://myaccount.eastus.batch.azure.com",
        )
        .env_remove("AZURE_BATCH_ACCESS_KEY")
        .env_remove("AZURE_BATCH_ACCESS_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .args(["plan", "pools.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("AZURE_BATCH_ACCESS_KEY"));
}

#[test]
fn a_malformed_account_name_or_key_is_an_error_not_a_crash() {
    let dir = spec_dir(&[("pools.toml", &spec())]);
    for (account, key, says) in [
        (
            "my account\u{e9}",
            "YmF0Y2hmb3Jt",
            "is not a Batch account name",
        ),
        ("myaccount", "not base64!", "not valid base64"),
    ] {
        assert_cmd::Command::cargo_bin("batchform")
            .unwrap()
            .current_dir(dir.path())
            // A host that does not name the account, so the name checked is the variable's.
            .env("AZURE_BATCH_ENDPOINT", "https://batch.example.test")
            .env("AZURE_BATCH_ACCOUNT", account)
            .env("AZURE_BATCH_ACCESS_KEY", key)
            .env_remove("AZURE_BATCH_ACCESS_TOKEN")
            .args(["plan", "pools.toml"])
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains(says)
                    .and(predicate::str::contains("Shared Key credential"))
                    .and(predicate::str::contains(key).not()),
            );
    }
}

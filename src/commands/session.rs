//! Which account a command talks to, and with what credentials: the spec's endpoint, else
//! `AZURE_BATCH_ENDPOINT`, else the embedded local emulator (state under `.batchform/`).

use anyhow::{Context, bail};

use crate::batch::credential::{ClientSecret, DEFAULT_AUTHORITY};
use crate::batch::{Client, Credential, RetryPolicy, auth::SharedKey};
use crate::emulator;
use crate::spec::Account;

/// A connected account, and the embedded emulator serving it when there is no other.
pub struct Session {
    pub client: Client,
    /// What the session talks to, for people (`https://…` or `the local emulator`).
    pub target: String,
    emulator: Option<emulator::Handle>,
}

impl Session {
    pub async fn open(account: &Account, parallelism: usize) -> anyhow::Result<Self> {
        let endpoint = account.endpoint.clone().or_else(|| {
            std::env::var("AZURE_BATCH_ENDPOINT")
                .ok()
                .filter(|e| !e.is_empty())
        });
        let Some(endpoint) = endpoint else {
            let cwd = std::env::current_dir().context("reading the working directory")?;
            let handle = emulator::start(emulator::embedded_default(&cwd))
                .await
                .context("starting the local Batch emulator (no account endpoint is configured)")?;
            let key = SharedKey::new(emulator::DEV_ACCOUNT, emulator::DEV_KEY)?;
            let client = Client::new(
                handle.endpoint().as_str(),
                Credential::SharedKey(key),
                RetryPolicy::default(),
                parallelism,
            )?;
            return Ok(Self {
                client,
                target: "the local emulator (.batchform/)".into(),
                emulator: Some(handle),
            });
        };
        // An endpoint from the environment goes with the account name from the environment.
        let from_spec = account.endpoint.as_deref() == Some(endpoint.as_str());
        let credential = credential(account, &endpoint, from_spec)?;
        let client = Client::new(&endpoint, credential, RetryPolicy::default(), parallelism)?;
        Ok(Self {
            client,
            target: endpoint,
            emulator: None,
        })
    }

    /// Ends the session; the embedded emulator saves its state.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(handle) = self.emulator {
            handle.shutdown().await;
        }
        Ok(())
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Credentials from the environment, under the Azure CLI's and SDKs' names.
fn credential(account: &Account, endpoint: &str, from_spec: bool) -> anyhow::Result<Credential> {
    if let Some(token) = env("AZURE_BATCH_ACCESS_TOKEN") {
        return Ok(Credential::Token(token));
    }
    if let Some(key) = env("AZURE_BATCH_ACCESS_KEY") {
        let spec_name = account.name.clone().filter(|_| from_spec);
        let name = spec_name
            .or_else(|| env("AZURE_BATCH_ACCOUNT"))
            .or_else(|| account.name.clone())
            .or_else(|| account_from_endpoint(endpoint))
            .context(
                "the Batch account name is unknown: set [account] name or AZURE_BATCH_ACCOUNT",
            )?;
        return Ok(Credential::SharedKey(SharedKey::new(name, &key).context(
            "the Shared Key credential (the account name and AZURE_BATCH_ACCESS_KEY)",
        )?));
    }
    if let (Some(tenant), Some(client), Some(secret)) = (
        env("AZURE_TENANT_ID"),
        env("AZURE_CLIENT_ID"),
        env("AZURE_CLIENT_SECRET"),
    ) {
        let authority =
            env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| DEFAULT_AUTHORITY.to_string());
        return Ok(Credential::ClientSecret(ClientSecret::new(
            authority, tenant, client, secret,
        )));
    }
    bail!(
        "no credentials for {endpoint}: set AZURE_BATCH_ACCOUNT and AZURE_BATCH_ACCESS_KEY (Shared Key), \
         AZURE_BATCH_ACCESS_TOKEN (a Microsoft Entra ID token), or AZURE_TENANT_ID, AZURE_CLIENT_ID and \
         AZURE_CLIENT_SECRET (a service principal)"
    )
}

/// `https://myaccount.eastus.batch.azure.com` → `myaccount`.
fn account_from_endpoint(endpoint: &str) -> Option<String> {
    let url = url::Url::parse(endpoint).ok()?;
    let host = url.host_str()?;
    host.ends_with(".batch.azure.com")
        .then(|| host.split('.').next().map(str::to_string))
        .flatten()
}

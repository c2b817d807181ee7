//! Which account a command talks to, and with what credentials. The endpoint comes from the
//! spec's `[account] endpoint` or `AZURE_BATCH_ENDPOINT`; both set means both agree; neither, or
//! an empty variable, is an error. The local emulator runs only when named (`emulator`). All of
//! it is decided before a credential is read or a request sent.

use anyhow::{Context, bail};

use batchform_batch::credential::{ClientSecret, DEFAULT_AUTHORITY};
use batchform_batch::{Client, Credential, RetryPolicy, auth::SharedKey};
use batchform_emulator as emulator;
use batchform_plan::AccountRef;
use batchform_spec::{Account, Endpoint};

/// The environment variable that names the account endpoint.
pub const ENDPOINT_VAR: &str = "AZURE_BATCH_ENDPOINT";
/// The environment variable that names the account.
pub const ACCOUNT_VAR: &str = "AZURE_BATCH_ACCOUNT";

/// A connected account, and the embedded emulator serving it when it was named.
pub struct Session {
    pub client: Client,
    /// Which account this is, as plans name it.
    pub account: AccountRef,
    emulator: Option<emulator::Handle>,
}

impl Session {
    pub async fn open(account: &Account, parallelism: usize) -> anyhow::Result<Self> {
        let endpoint = endpoint(account)?;
        let name = account_name(account, &endpoint)?;
        let Endpoint::Url(url) = &endpoint else {
            let cwd = std::env::current_dir().context("reading the working directory")?;
            let mut config = emulator::embedded_default(&cwd);
            let name = name.unwrap_or_else(|| emulator::DEV_ACCOUNT.to_string());
            config.account = name.clone();
            let handle = emulator::start(config)
                .await
                .context("starting the local Batch emulator (`emulator` is the endpoint)")?;
            let key = SharedKey::new(name.clone(), emulator::DEV_KEY)?;
            let client = Client::new(
                handle.endpoint().as_str(),
                Credential::SharedKey(key),
                RetryPolicy::default(),
                parallelism,
            )?;
            return Ok(Self {
                client,
                account: AccountRef {
                    endpoint: endpoint.to_string(),
                    name,
                    credential: "Shared Key".into(),
                },
                emulator: Some(handle),
            });
        };
        let credential = credential(name.as_deref(), &endpoint)?;
        let account = AccountRef {
            endpoint: endpoint.to_string(),
            name: name.unwrap_or_default(),
            credential: credential.describe().into(),
        };
        let client = Client::new(
            url.as_str(),
            credential,
            RetryPolicy::default(),
            parallelism,
        )?;
        Ok(Self {
            client,
            account,
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

/// The account endpoint the spec and the environment agree on.
pub fn endpoint(account: &Account) -> anyhow::Result<Endpoint> {
    let from_env = match std::env::var(ENDPOINT_VAR) {
        Ok(value) if value.trim().is_empty() => bail!(
            "{ENDPOINT_VAR} is set but empty (a pipeline secret or variable that is missing?)\n  \
             hint: set it to the account endpoint (https://<account>.<region>.batch.azure.com) or \
             to `emulator`, or unset it and write `endpoint` under [account] in the spec"
        ),
        Ok(value) => Some(
            Endpoint::parse(&value)
                .map_err(|e| anyhow::anyhow!("{ENDPOINT_VAR}: {e}\n  hint: {}", e.hint))?,
        ),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => bail!("{ENDPOINT_VAR} is not valid UTF-8"),
    };
    let from_spec = account
        .endpoint
        .as_deref()
        .map(|text| {
            Endpoint::parse(text)
                .map_err(|e| anyhow::anyhow!("[account] endpoint: {e}\n  hint: {}", e.hint))
        })
        .transpose()?;
    match (from_spec, from_env) {
        (Some(spec), Some(env)) if spec != env => bail!(
            "the spec's [account] endpoint ({spec}) and {ENDPOINT_VAR} ({env}) name different \
             accounts; nothing was sent to either\n  hint: remove one of them, or make them the same"
        ),
        (Some(endpoint), _) | (None, Some(endpoint)) => Ok(endpoint),
        (None, None) => bail!(
            "no Batch account endpoint: neither [account] endpoint in the spec nor {ENDPOINT_VAR} \
             is set\n  hint: set one to the account endpoint \
             (https://<account>.<region>.batch.azure.com), or to `emulator` for the local emulator"
        ),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The account name the spec, the environment and the endpoint's host agree on, if any says.
fn account_name(account: &Account, endpoint: &Endpoint) -> anyhow::Result<Option<String>> {
    let mut said: Vec<(String, String)> = Vec::new();
    if let Some(name) = &account.name {
        said.push(("the spec's [account] name".into(), name.clone()));
    }
    // The embedded emulator serves the spec's name or its own; the environment is for accounts.
    if *endpoint != Endpoint::Emulator
        && let Some(name) = env(ACCOUNT_VAR)
    {
        said.push((ACCOUNT_VAR.into(), name));
    }
    if let Some(name) = endpoint.account_name() {
        said.push((format!("the endpoint's host ({})", endpoint.host()), name));
    }
    if let Some((first_where, first)) = said.first()
        && let Some((other_where, other)) = said.iter().find(|(_, n)| n != first)
    {
        bail!(
            "{first_where} is `{first}` but {other_where} is `{other}`; nothing was sent\n  \
             hint: make them name the same Batch account"
        );
    }
    Ok(said.into_iter().next().map(|(_, name)| name))
}

/// Credentials from the environment, under the Azure CLI's and SDKs' names.
fn credential(name: Option<&str>, endpoint: &Endpoint) -> anyhow::Result<Credential> {
    if let Some(token) = env("AZURE_BATCH_ACCESS_TOKEN") {
        return Ok(Credential::Token(token));
    }
    if let Some(key) = env("AZURE_BATCH_ACCESS_KEY") {
        let name = name.context(format!(
            "the Batch account name is unknown: set [account] name or {ACCOUNT_VAR}"
        ))?;
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
        // The client secret goes there: the rules of an account endpoint apply to it too.
        match Endpoint::parse(&authority) {
            Ok(Endpoint::Url(_)) => {}
            Ok(Endpoint::Emulator) => bail!("AZURE_AUTHORITY_HOST cannot be `emulator`"),
            Err(e) => bail!("AZURE_AUTHORITY_HOST: {e}\n  hint: {}", e.hint),
        }
        return Ok(Credential::ClientSecret(ClientSecret::new(
            authority, tenant, client, secret,
        )));
    }
    bail!(
        "no credentials for {endpoint}: set {ACCOUNT_VAR} and AZURE_BATCH_ACCESS_KEY (Shared Key), \
         AZURE_BATCH_ACCESS_TOKEN (a Microsoft Entra ID token), or AZURE_TENANT_ID, AZURE_CLIENT_ID and \
         AZURE_CLIENT_SECRET (a service principal)"
    )
}

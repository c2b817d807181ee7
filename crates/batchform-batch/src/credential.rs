//! How requests prove who sends them: Shared Key (account name and key) or a Microsoft Entra ID
//! bearer token (given, or obtained with client credentials and cached until near expiry).

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tokio::sync::Mutex;

use super::error::Error;

/// The Entra ID scope of the Batch data plane (the double slash is the service's).
pub const BATCH_SCOPE: &str = "https://batch.core.windows.net//.default";
/// Where tokens come from unless `AZURE_AUTHORITY_HOST` says otherwise (sovereign clouds).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// The credential a client signs its requests with.
pub enum Credential {
    SharedKey(super::auth::SharedKey),
    /// A token given as it is (`AZURE_BATCH_ACCESS_TOKEN`).
    Token(String),
    /// A service principal's client credentials.
    ClientSecret(ClientSecret),
}

/// Client-credentials flow against Entra ID, with the token cached.
pub struct ClientSecret {
    pub authority: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    cached: Mutex<Option<(String, Instant)>>,
}

impl ClientSecret {
    pub fn new(
        authority: String,
        tenant_id: String,
        client_id: String,
        client_secret: String,
    ) -> Self {
        Self {
            authority,
            tenant_id,
            client_id,
            client_secret,
            cached: Mutex::new(None),
        }
    }

    async fn token(&self, http: &reqwest::Client) -> Result<String, Error> {
        let mut cached = self.cached.lock().await;
        if let Some((token, valid_until)) = cached.as_ref()
            && Instant::now() < *valid_until
        {
            return Ok(token.clone());
        }
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            self.tenant_id
        );
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("scope", BATCH_SCOPE),
        ];
        let failed = |detail: String| {
            Error::Config(format!(
                "could not get a Microsoft Entra ID token from {url}: {detail}"
            ))
        };
        let response = http
            .post(&url)
            .form(&form)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        if status.is_redirection() {
            // Never followed (the client follows none): the secret would go where it points.
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(super::client::without_credentials)
                .unwrap_or_else(|| "nowhere".into());
            return Err(failed(format!(
                "{status}, pointing to {location}; the secret was not sent there (check AZURE_AUTHORITY_HOST)"
            )));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| failed(e.to_string()))?;
        if !status.is_success() {
            let reason = body["error_description"]
                .as_str()
                .or(body["error"].as_str())
                .unwrap_or("no reason given");
            return Err(failed(format!(
                "{status}: {}",
                super::error::first_line(reason)
            )));
        }
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| failed("no access_token in the answer".into()))?;
        let lifetime = body["expires_in"].as_u64().unwrap_or(300);
        // Renew a minute early so a token never expires in flight.
        let valid_until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60));
        *cached = Some((token.to_string(), valid_until));
        Ok(token.to_string())
    }
}

impl Credential {
    /// What signs the requests, for people (`account X via Shared Key`).
    pub fn describe(&self) -> &'static str {
        match self {
            Credential::SharedKey(_) => "Shared Key",
            Credential::Token(_) => "an access token (AZURE_BATCH_ACCESS_TOKEN)",
            Credential::ClientSecret(_) => "a service principal (client secret)",
        }
    }

    /// Adds the `Authorization` header to a request that is otherwise complete.
    pub async fn authorize(
        &self,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
    ) -> Result<(), Error> {
        let header = match self {
            Credential::SharedKey(key) => {
                key.sign_request(request, chrono::Utc::now());
                return Ok(());
            }
            Credential::Token(token) => format!("Bearer {token}"),
            Credential::ClientSecret(secret) => format!("Bearer {}", secret.token(http).await?),
        };
        let mut value = HeaderValue::from_str(&header)
            .map_err(|_| Error::Config("the access token is not a valid header value".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}

impl std::fmt::Debug for Credential {
    // Never print a key, a token or a client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::SharedKey(_) => f.write_str("Credential::SharedKey(..)"),
            Credential::Token(_) => f.write_str("Credential::Token(..)"),
            Credential::ClientSecret(c) => write!(
                f,
                "Credential::ClientSecret(tenant {}, client {})",
                c.tenant_id, c.client_id
            ),
        }
    }
}

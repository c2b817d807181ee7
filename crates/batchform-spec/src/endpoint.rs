//! Account endpoints, from the spec or `AZURE_BATCH_ENDPOINT`: the local emulator when named
//! (`emulator`), otherwise an `https://` URL (plain `http://` only on loopback) that carries no
//! credentials. One parser for both places, so they cannot accept different things.

use std::fmt;

use url::Url;

/// The word that names the local emulator as an endpoint.
pub const EMULATOR: &str = "emulator";

/// Where an account is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The emulator embedded in the binary, its state under `.batchform/`.
    Emulator,
    /// A Batch account endpoint (or an emulator on loopback).
    Url(Url),
}

impl Endpoint {
    /// Reads an endpoint. Errors never quote what looks like a password.
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case(EMULATOR) {
            return Ok(Endpoint::Emulator);
        }
        let example = "e.g. \"https://myaccount.eastus.batch.azure.com\", or \"emulator\" for the local emulator";
        // Before anything is parsed or quoted: an account endpoint never holds an `@`, and
        // whatever comes before one may be a password, however the URL would be read.
        if text.contains('@') {
            return Err(EndpointError::new(
                "the endpoint must not carry credentials (a user or password before `@`)",
                "remove them from the URL; credentials come from the environment (see the README)",
            ));
        }
        let url = Url::parse(text).map_err(|err| {
            EndpointError::new(
                format!("the endpoint is not a URL: {err}"),
                format!("write the account endpoint with its scheme, {example}"),
            )
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointError::new(
                "the endpoint must not carry credentials (a user or password before `@`)",
                "remove them from the URL; credentials come from the environment (see the README)",
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(EndpointError::new(
                    format!("the endpoint {url} must use https"),
                    format!("plain http is allowed only on loopback (a local emulator); {example}"),
                ));
            }
            other => {
                return Err(EndpointError::new(
                    format!("unsupported endpoint scheme `{other}`"),
                    format!("use https, {example}"),
                ));
            }
        }
        if url.host().is_none() {
            return Err(EndpointError::new(
                "the endpoint has no host",
                format!("write the account endpoint, {example}"),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
            return Err(EndpointError::new(
                format!("the endpoint {url} has a path, query or fragment"),
                "write only the scheme, host and port of the account",
            ));
        }
        Ok(Endpoint::Url(url))
    }

    /// The host (and port) people know the account by, or `emulator`.
    pub fn host(&self) -> String {
        match self {
            Endpoint::Emulator => EMULATOR.to_string(),
            Endpoint::Url(url) => match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                (None, _) => url.to_string(),
            },
        }
    }

    /// The account name a `*.batch.azure.com` host carries (`myaccount.eastus.batch.azure.com`).
    pub fn account_name(&self) -> Option<String> {
        let Endpoint::Url(url) = self else {
            return None;
        };
        let host = url.host_str()?.to_ascii_lowercase();
        let rest = [
            ".batch.azure.com",
            ".batch.chinacloudapi.cn",
            ".batch.usgovcloudapi.net",
        ]
        .iter()
        .find_map(|suffix| host.strip_suffix(suffix))?;
        rest.split('.').next().map(str::to_string)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Emulator => f.write_str(EMULATOR),
            Endpoint::Url(url) => f.write_str(url.as_str().trim_end_matches('/')),
        }
    }
}

/// Why an endpoint is refused, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EndpointError {
    pub message: String,
    pub hint: String,
}

impl EndpointError {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Loopback hosts, where plain http cannot be read by anyone else.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `text` with anything between `://` and the last `@` masked: what could be a user and a
/// password. It over-masks rather than guess where a malformed authority ends (a password may
/// hold `/`, `?` or `#`).
pub fn redacted(text: &str) -> String {
    let start = text.find("://").map_or(0, |i| i + 3);
    match text[start..].rfind('@') {
        Some(at) => format!("{}***{}", &text[..start], &text[start + at..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emulator_is_named() {
        assert_eq!(Endpoint::parse("emulator"), Ok(Endpoint::Emulator));
        assert_eq!(Endpoint::parse(" Emulator "), Ok(Endpoint::Emulator));
    }

    #[test]
    fn https_unless_loopback() {
        assert!(Endpoint::parse("https://a.eastus.batch.azure.com").is_ok());
        assert!(Endpoint::parse("http://127.0.0.1:8765").is_ok());
        assert!(Endpoint::parse("http://localhost:8765").is_ok());
        assert!(Endpoint::parse("http://[::1]:8765").is_ok());
        assert!(Endpoint::parse("http://a.eastus.batch.azure.com").is_err());
        assert!(Endpoint::parse("a.eastus.batch.azure.com").is_err());
        assert!(Endpoint::parse("ftp://a.eastus.batch.azure.com").is_err());
        assert!(Endpoint::parse("https://a.eastus.batch.azure.com/?x=1").is_err());
        assert!(Endpoint::parse("https://a.eastus.batch.azure.com/foo").is_err());
        assert!(Endpoint::parse("https://a.eastus.batch.azure.com/").is_ok());
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_never_quoted() {
        for text in [
            "http://user:hunter2@127.0.0.1:8765",
            "https://user:hunter2@a.eastus.batch.azure.com",
            "https://hunter2@a.eastus.batch.azure.com",
            "http://user:hunter2@a.eastus.batch.azure.com",
            "https://user:hunter2@",
            "user:hunter2@host",
            "https://user:hun#ter2@acct.eastus.batch.azure.com",
            "https://user:hun?ter2@acct.eastus.batch.azure.com",
            "https://user:hun/ter2@acct.eastus.batch.azure.com",
            "https://u#1:hunter2@acct.eastus.batch.azure.com",
            "https://u/1:hunter2@acct.eastus.batch.azure.com",
            "https://user:hun#ter2",
        ] {
            let err = Endpoint::parse(text).expect_err(text);
            // `ter2` is in every password above, whatever splits it.
            assert!(!err.message.contains("ter2"), "{text}: {}", err.message);
            assert!(!err.hint.contains("ter2"), "{text}: {}", err.hint);
        }
    }

    #[test]
    fn redaction_masks_the_user_part() {
        assert_eq!(redacted("https://u:p@h/x"), "https://***@h/x");
        assert_eq!(redacted("u:p@h"), "***@h");
        assert_eq!(redacted("https://h/x"), "https://h/x");
        for tricky in [
            "https://user:p#ss@h",
            "https://user:p?s@h",
            "https://user:p/s@h",
        ] {
            assert_eq!(redacted(tricky), "https://***@h", "{tricky}");
        }
    }

    #[test]
    fn the_account_name_comes_from_a_batch_host() {
        let name = |t: &str| Endpoint::parse(t).unwrap().account_name();
        assert_eq!(
            name("https://myacct.eastus.batch.azure.com").as_deref(),
            Some("myacct")
        );
        assert_eq!(name("http://127.0.0.1:1"), None);
        assert_eq!(Endpoint::Emulator.account_name(), None);
    }
}

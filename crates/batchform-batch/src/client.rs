//! The Batch REST client: one connection pool, every call signed, retried when that is safe,
//! paged through `odata.nextLink`, and counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_MATCH};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

use super::credential::Credential;
use super::error::{Error, first_line};
use super::retry::{Failure, RetryPolicy, retry_after};

/// The API version batchform speaks.
pub const API_VERSION: &str = "2025-06-01";
/// The body type the service documents for requests.
const JSON: &str = "application/json; odata=minimalmetadata";

/// A client of one Batch account.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    credential: Credential,
    retry: RetryPolicy,
    /// Requests in flight at once, across everything that shares this client (`--parallelism`).
    in_flight: Semaphore,
    requests: AtomicU64,
    /// The service's `Date` of the latest answer, and when it came: time as the service keeps it.
    service_time: std::sync::Mutex<Option<(chrono::DateTime<chrono::Utc>, std::time::Instant)>>,
}

/// How many requests may be in flight at once unless told otherwise: Terraform's default.
pub const DEFAULT_PARALLELISM: usize = 10;

/// A successful answer.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

/// One request, before it is signed.
pub struct Call<'a> {
    pub method: Method,
    /// Path below the endpoint, e.g. `/pools/render/resize`, or a full `odata.nextLink`.
    pub target: Target<'a>,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<Vec<u8>>,
    pub if_match: Option<&'a str>,
    /// Never repeated, whatever the failure: an unconditional write whose repeat, after a
    /// backoff, would carry content that may be stale by then.
    pub once: bool,
}

pub enum Target<'a> {
    Path(&'a str),
    Url(Url),
}

impl Client {
    /// A client of the account at `endpoint`. HTTPS is required unless the host is loopback.
    pub fn new(
        endpoint: &str,
        credential: Credential,
        retry: RetryPolicy,
        parallelism: usize,
    ) -> Result<Self, Error> {
        // The spec and the command line check endpoints with their hints; this is the last line.
        let endpoint = Url::parse(endpoint)
            .map_err(|e| Error::Config(format!("the Batch endpoint is not a URL: {e}")))?;
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(Error::Config(
                "the Batch endpoint must not carry credentials".into(),
            ));
        }
        if endpoint.scheme() != "https" && !is_loopback(&endpoint) {
            return Err(Error::Config(format!(
                "the Batch endpoint {endpoint} must use https (plain http is allowed only on loopback)"
            )));
        }
        let http = reqwest::Client::builder()
            // The Batch API never redirects; following one would carry the request's body
            // (passwords, keys) and its signature to wherever the answer points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("batchform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("could not start the HTTP client: {e}")))?;
        let in_flight = Semaphore::new(parallelism.max(1));
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoint,
                credential,
                retry,
                in_flight,
                requests: AtomicU64::new(0),
                service_time: Default::default(),
            }),
        })
    }

    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The time as the service keeps it (its `Date` header, moved on by the time since), or this
    /// machine's time before any answer. Expiries are the service's to enforce, so its clock decides.
    pub fn service_now(&self) -> chrono::DateTime<chrono::Utc> {
        let seen = *self
            .inner
            .service_time
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match seen {
            Some((date, at)) => date + chrono::Duration::from_std(at.elapsed()).unwrap_or_default(),
            None => chrono::Utc::now(),
        }
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Sends a call, retrying what is safe to retry. `idempotent`: repeating it cannot do harm
    /// (reads, deletes, full replaces) — other calls are repeated only when the service surely
    /// did not take them.
    pub async fn send(
        &self,
        operation: &str,
        call: Call<'_>,
        idempotent: bool,
    ) -> Result<Response, Error> {
        let url = self.url(&call)?;
        let policy = self.inner.retry;
        let mut attempt = 1;
        loop {
            let request = self.build(&call, url.clone()).await?;
            // Held for one attempt only: backoff pauses and waits between calls hold no slot.
            let slot = self
                .inner
                .in_flight
                .acquire()
                .await
                .map_err(|_| Error::Config("the client was shut down".into()))?;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let (failure, wait, error) = match self.inner.http.execute(request).await {
                Ok(response)
                    if response.status().is_success()
                        || response.status() == StatusCode::NOT_MODIFIED =>
                {
                    let status = response.status();
                    let etag = header(response.headers(), ETAG);
                    self.note_date(response.headers());
                    let body = response.bytes().await.map_err(|e| Error::Transport {
                        operation: operation.to_string(),
                        detail: format!("the answer broke off: {e}"),
                        ambiguous: !idempotent,
                    })?;
                    return Ok(Response {
                        status,
                        etag,
                        body: body.to_vec(),
                    });
                }
                Ok(response) if response.status().is_redirection() => {
                    let location = header(response.headers(), reqwest::header::LOCATION)
                        .map(|l| without_credentials(&l))
                        .unwrap_or_else(|| "nowhere".into());
                    return Err(Error::Config(format!(
                        "{operation}: the endpoint answered {} and pointed to {location}; the Batch \
                         service never redirects, so the request was not repeated there (check the \
                         endpoint, or a proxy between here and the service)",
                        response.status()
                    )));
                }
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_after(response.headers());
                    let request_id = header(response.headers(), "request-id");
                    let body = response.bytes().await.unwrap_or_default();
                    (
                        Failure::Status(status),
                        wait,
                        service_error(operation, status, request_id, &body),
                    )
                }
                Err(e) => {
                    let failure = if e.is_connect() {
                        Failure::Connect
                    } else {
                        Failure::Transport
                    };
                    let error = Error::Transport {
                        operation: operation.to_string(),
                        detail: describe(&e),
                        ambiguous: failure.ambiguous() && !idempotent,
                    };
                    (failure, None, error)
                }
            };
            drop(slot);
            if attempt >= policy.attempts || call.once || !failure.retryable(idempotent) {
                return Err(error);
            }
            tokio::time::sleep(policy.delay(attempt, wait)).await;
            attempt += 1;
        }
    }

    /// Sends a call and reads its JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        operation: &str,
        call: Call<'_>,
    ) -> Result<(T, Option<String>), Error> {
        let response = self.send(operation, call, true).await?;
        let value = serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
            operation: operation.to_string(),
            detail: e.to_string(),
        })?;
        Ok((value, response.etag))
    }

    /// Every item of a paged list, following `odata.nextLink`.
    pub async fn list<T: DeserializeOwned>(
        &self,
        operation: &str,
        path: &str,
        query: Vec<(&str, String)>,
    ) -> Result<Vec<T>, Error> {
        #[derive(serde::Deserialize)]
        struct Page<T> {
            value: Vec<T>,
            #[serde(rename = "odata.nextLink")]
            next_link: Option<String>,
        }
        let mut items = Vec::new();
        let mut call = Call {
            method: Method::GET,
            target: Target::Path(path),
            query,
            body: None,
            if_match: None,
            once: false,
        };
        loop {
            let (page, _): (Page<T>, _) = self.json(operation, call).await?;
            items.extend(page.value);
            let Some(next) = page.next_link else {
                return Ok(items);
            };
            let next = Url::parse(&next).map_err(|e| Error::Decode {
                operation: operation.to_string(),
                detail: format!("bad odata.nextLink: {e}"),
            })?;
            call = Call {
                method: Method::GET,
                target: Target::Url(next),
                query: Vec::new(),
                body: None,
                if_match: None,
                once: false,
            };
        }
    }

    /// A JSON body for a call.
    pub fn body(value: &impl Serialize) -> Option<Vec<u8>> {
        // Wire types always serialise.
        serde_json::to_vec(value).ok()
    }

    fn note_date(&self, headers: &HeaderMap) {
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|d| d.to_str().ok())
            .and_then(|d| httpdate::parse_http_date(d).ok());
        if let Some(date) = date {
            *self
                .inner
                .service_time
                .lock()
                .unwrap_or_else(|p| p.into_inner()) =
                Some((date.into(), std::time::Instant::now()));
        }
    }

    fn url(&self, call: &Call<'_>) -> Result<Url, Error> {
        let mut url = match &call.target {
            Target::Url(url) => {
                // A next link must stay on the account it came from.
                if url.origin() != self.inner.endpoint.origin() {
                    return Err(Error::Decode {
                        operation: "list".into(),
                        detail: format!("odata.nextLink points outside the account: {url}"),
                    });
                }
                url.clone()
            }
            Target::Path(path) => {
                let mut url = self.inner.endpoint.clone();
                let base = url.path().trim_end_matches('/').to_string();
                url.set_path(&format!("{base}{path}"));
                url.set_query(None);
                url
            }
        };
        let has_version = url.query_pairs().any(|(k, _)| k == "api-version");
        {
            let mut pairs = url.query_pairs_mut();
            if !has_version {
                pairs.append_pair("api-version", API_VERSION);
            }
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    async fn build(&self, call: &Call<'_>, url: Url) -> Result<reqwest::Request, Error> {
        let mut request = reqwest::Request::new(call.method.clone(), url);
        let headers = request.headers_mut();
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        headers.insert("ocp-date", value(&date)?);
        headers.insert(
            "client-request-id",
            value(&uuid::Uuid::new_v4().to_string())?,
        );
        if let Some(etag) = call.if_match {
            headers.insert(IF_MATCH, value(etag)?);
        }
        if let Some(body) = &call.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
            headers.insert(
                reqwest::header::CONTENT_LENGTH,
                value(&body.len().to_string())?,
            );
            *request.body_mut() = Some(body.clone().into());
        } else if call.method == Method::POST
            || call.method == Method::PUT
            || call.method == Method::PATCH
        {
            headers.insert(
                reqwest::header::CONTENT_LENGTH,
                HeaderValue::from_static("0"),
            );
        }
        self.inner
            .credential
            .authorize(&self.inner.http, &mut request)
            .await?;
        Ok(request)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A URL to show, without a user or password it may carry.
pub(crate) fn without_credentials(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) if text.contains('@') => "(a location that is not a URL)".into(),
        Err(_) => text.to_string(),
    }
}

fn value(text: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(text)
        .map_err(|_| Error::Config(format!("`{text}` is not a valid header value")))
}

fn header(headers: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The service's error body, read leniently: a proxy or a crash may answer with anything.
fn service_error(
    operation: &str,
    status: StatusCode,
    request_id: Option<String>,
    body: &[u8],
) -> Error {
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = parsed["code"].as_str().unwrap_or_default().to_string();
    let message = parsed["message"]["value"]
        .as_str()
        .or(parsed["message"].as_str())
        .map(first_line)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    let values = parsed["values"]
        .as_array()
        .map(|values| {
            values
                .iter()
                .map(|v| {
                    (
                        v["key"].as_str().unwrap_or_default().to_string(),
                        v["value"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Error::Service {
        operation: operation.to_string(),
        status,
        code,
        message,
        request_id,
        values,
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the request timed out".into()
    } else if error.is_connect() {
        format!("could not connect: {error}")
    } else {
        format!("the connection failed: {error}")
    }
}

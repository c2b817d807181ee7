//! A request as the operations see it (decoded path, query parameters matched ignoring case,
//! headers, body) and the reply they give back.

use axum::body::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::errors::ApiError;
use batchform_batch::auth::rfc1123;
use batchform_batch::wire::Timestamp;

/// The JSON content type the service answers with.
pub const JSON: &str = "application/json;odata=minimalmetadata";

/// One incoming request.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    /// The path as sent (still percent-encoded).
    pub raw_path: String,
    pub raw_query: Option<String>,
    /// Path segments, percent-decoded.
    pub segments: Vec<String>,
    /// Query pairs, decoded, in the order sent.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: String,
    /// `http://host:port` as the client addressed the service, for URLs in responses.
    pub endpoint: String,
}

impl Call {
    /// A query parameter, its name matched ignoring case (`timeOut` and `timeout` alike).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body read as `T`. Syntax errors are `InvalidRequestBody`; a missing required
    /// property is `MissingRequiredProperty` naming it; a value of the wrong type is
    /// `InvalidPropertyValue` naming where it is.
    ///
    /// Inferred: a body needs a JSON content type (missing: 400 `MissingRequiredHeader`,
    /// other: 400 `InvalidHeaderValue`); properties the service does not know are kept, not
    /// refused, since older API versions carry them.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type = self.header("content-type").unwrap_or("");
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid_body("The request body is empty."));
        }
        if content_type.is_empty() {
            return Err(ApiError::missing_header("Content-Type"));
        }
        if !content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
        {
            return Err(ApiError::invalid_header("Content-Type", content_type));
        }
        if self.body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::invalid_body(
                "The request body must be a JSON object.",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            body_error(&path, &inner)
        })?;
        de.end()
            .map_err(|e| ApiError::invalid_body(e.to_string()))?;
        Ok(value)
    }
}

fn body_error(path: &str, err: &serde_json::Error) -> ApiError {
    if !err.is_data() {
        return ApiError::invalid_body(err.to_string());
    }
    let message = err.to_string();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return ApiError::missing_property(name);
    }
    let leaf = path
        .rsplit('.')
        .next()
        .filter(|p| !p.is_empty() && *p != "?")
        .unwrap_or(path);
    let reason = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    ApiError::invalid_property(leaf, "", reason)
}

/// What an operation answers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
}

impl Reply {
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: None,
        }
    }

    pub fn json(status: StatusCode, value: &impl Serialize) -> Self {
        let mut reply = Self::empty(status);
        // Serializing plain data to a Vec cannot fail; fall back to `{}` rather than panic.
        reply.body = Some(serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()));
        reply
            .headers
            .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(JSON));
        reply
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }

    /// `ETag` and `Last-Modified` of a resource.
    pub fn versioned(self, etag: &str, last_modified: Timestamp) -> Self {
        self.header("etag", etag)
            .header("last-modified", &rfc1123(last_modified))
    }
}

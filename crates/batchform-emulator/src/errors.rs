//! Service errors: a status, a Batch error code, a message and detail values, rendered as the
//! real error body (`odata.metadata`, `code`, `message {lang, value}`, `values`), with the
//! message ending in `RequestId:` and `Time:` lines as the service writes it.

use http::StatusCode;

use batchform_batch::wire::{BatchError, ErrorDetail, ErrorMessage, Timestamp};

/// An operation's failure, before it is rendered for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub values: Vec<(String, String)>,
    /// Seconds for a `Retry-After` header (throttling and busy faults).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            values: Vec::new(),
            retry_after: None,
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.values.push((key.to_string(), value.into()));
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The body for this error on one request.
    pub fn body(&self, endpoint: &str, request_id: &str, time: Timestamp) -> BatchError {
        // The service writes seven fractional digits (100 ns ticks).
        let time = format!(
            "{}.{:07}Z",
            time.format("%Y-%m-%dT%H:%M:%S"),
            time.timestamp_subsec_nanos() / 100
        );
        BatchError {
            odata_metadata: Some(format!(
                "{endpoint}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"
            )),
            code: Some(self.code.clone()),
            message: Some(ErrorMessage {
                lang: Some("en-US".to_string()),
                value: Some(format!(
                    "{}\nRequestId:{request_id}\nTime:{time}",
                    self.message
                )),
            }),
            values: (!self.values.is_empty()).then(|| {
                self.values
                    .iter()
                    .map(|(k, v)| ErrorDetail::new(k.clone(), v.clone()))
                    .collect()
            }),
        }
    }

    // The constructors below name each error the emulator returns, so the catalog of codes
    // and their statuses lives in one place.

    pub fn missing_query_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
        )
        .with("QueryParameterName", name)
    }

    pub fn unsupported_version(value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedRequestVersion",
            "The specified Request Version is not supported.",
        )
        .with("QueryParameterName", "api-version")
        .with("QueryParameterValue", value)
    }

    pub fn invalid_query_value(name: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
        )
        .with("QueryParameterName", name)
        .with("QueryParameterValue", value)
        .with("Reason", reason)
    }

    pub fn out_of_range_query_value(name: &str, value: &str, reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "OutOfRangeQueryParameterValue",
            "One of the query parameters specified in the request URI is outside the permissible range.",
        )
        .with("QueryParameterName", name)
        .with("QueryParameterValue", value)
        .with("Reason", reason)
    }

    pub fn authentication_failed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        )
        .with("AuthenticationErrorDetail", detail)
    }

    pub fn invalid_body(reason: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestBody",
            "The specified Request Body is not syntactically valid.",
        )
        .with("Reason", reason)
    }

    pub fn missing_header(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
        )
        .with("HeaderName", name)
    }

    pub fn invalid_header(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidHeaderValue",
            "The value for one of the HTTP headers is not in the correct format.",
        )
        .with("HeaderName", name)
        .with("HeaderValue", value)
    }

    pub fn missing_property(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredProperty",
            "A required property was not specified in the request body.",
        )
        .with("PropertyName", name)
    }

    pub fn invalid_property(
        name: &str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidPropertyValue",
            "The value provided for one of the properties in the request body is invalid.",
        )
        .with("PropertyName", name)
        .with("PropertyValue", value)
        .with("Reason", reason)
    }

    pub fn request_body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            "The request body is too large and exceeds the maximum permissible limit.",
        )
        .with("MaxLimit", limit.to_string())
    }

    pub fn resource_not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The specified resource does not exist.",
        )
        .with("Path", path)
    }

    pub fn unsupported_verb(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnsupportedHttpVerb",
            "The resource doesn't support the specified HTTP verb.",
        )
        .with("HttpVerb", method)
    }

    pub fn pool_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "PoolNotFound",
            "The specified pool does not exist.",
        )
    }

    pub fn pool_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "PoolExists",
            "The specified pool already exists.",
        )
    }

    pub fn pool_being_deleted() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "PoolBeingDeleted",
            "The specified pool has been marked for deletion and is being reclaimed.",
        )
    }

    pub fn pool_being_resized() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "PoolBeingResized",
            "The specified pool is currently being resized.",
        )
    }

    pub fn invalid_for_state(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "OperationInvalidForCurrentState",
            message,
        )
    }

    pub fn node_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NodeNotFound",
            "The specified node does not exist.",
        )
    }

    pub fn node_user_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "NodeUserExists",
            "The specified node user already exists.",
        )
    }

    pub fn node_user_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NodeUserNotFound",
            "The node user does not exist.",
        )
    }

    pub fn condition_not_met(status: StatusCode) -> Self {
        Self::new(
            status,
            "ConditionNotMet",
            "The condition specified using HTTP conditional header(s) is not met.",
        )
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Request failed as server encountered too many requests. Please try again.",
        )
        .retry_after(retry_after)
    }

    pub fn server_busy(retry_after: u64) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServerBusy",
            "The Batch service is currently unable to receive requests. Please retry the request.",
        )
        .retry_after(retry_after)
    }

    pub fn internal_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        )
    }
}

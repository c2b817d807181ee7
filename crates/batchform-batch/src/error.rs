//! Errors of calls to the Batch service, carrying what the service said (code, message, request id).

use reqwest::StatusCode;

/// A failed call to the Batch service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status.
    #[error("{operation}: the service answered {status} {code}: {message}{}{}", details(values), request_id.as_deref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
    Service {
        operation: String,
        status: StatusCode,
        /// The Batch error code, e.g. `PoolNotFound` (empty when the body had none).
        code: String,
        /// The message, without the `RequestId:`/`Time:` lines the service appends.
        message: String,
        request_id: Option<String>,
        /// `values` of the error body, e.g. the property the service objected to.
        values: Vec<(String, String)>,
    },
    /// No answer came back. `ambiguous`: the request may have been carried out.
    #[error("{operation}: {detail}{}", if *ambiguous { " (the request may or may not have been carried out)" } else { "" })]
    Transport {
        operation: String,
        detail: String,
        ambiguous: bool,
    },
    /// The answer could not be read.
    #[error("{operation}: unexpected response body: {detail}")]
    Decode { operation: String, detail: String },
    /// The client is configured wrongly (endpoint, credentials).
    #[error("{0}")]
    Config(String),
}

/// The service's error codes that batchform acts on (others are reported as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `If-Match` named another ETag (status 412).
    ConditionNotMet,
    PoolExists,
    PoolBeingDeleted,
    /// The pool's state refuses the call (e.g. stop-resize of a pool that is not resizing).
    OperationInvalidForCurrentState,
    NodeNotFound,
    NodeUserExists,
    NodeUserNotFound,
}

impl ErrorCode {
    /// The code as the service writes it in an error body.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ConditionNotMet => "ConditionNotMet",
            ErrorCode::PoolExists => "PoolExists",
            ErrorCode::PoolBeingDeleted => "PoolBeingDeleted",
            ErrorCode::OperationInvalidForCurrentState => "OperationInvalidForCurrentState",
            ErrorCode::NodeNotFound => "NodeNotFound",
            ErrorCode::NodeUserExists => "NodeUserExists",
            ErrorCode::NodeUserNotFound => "NodeUserNotFound",
        }
    }
}

impl Error {
    /// Whether the service answered with `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code.as_str())
    }

    /// The ETag condition failed: the resource changed since it was read (412).
    pub fn is_stale(&self) -> bool {
        self.status().map(|s| s.as_u16()) == Some(412) || self.is(ErrorCode::ConditionNotMet)
    }

    /// The Batch error code, if the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request may have been carried out although it failed (timeout, dropped
    /// connection, 500): the caller must look before repeating a write.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Transport { ambiguous, .. } => *ambiguous,
            Error::Service { status, .. } => matches!(status.as_u16(), 500 | 502 | 504),
            _ => false,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }
}

/// The error body's `values`, which say what the service objected to:
/// ` [PropertyName: username; Reason: ...]`, or nothing. `PropertyValue` is left out: the
/// value is in the user's spec already, and it may be a password.
fn details(values: &[(String, String)]) -> String {
    let shown: Vec<String> = values
        .iter()
        .filter(|(key, value)| {
            !value.is_empty()
                && !key.eq_ignore_ascii_case("RequestId")
                && !key.eq_ignore_ascii_case("PropertyValue")
        })
        .map(|(key, value)| format!("{key}: {value}"))
        .collect();
    if shown.is_empty() {
        String::new()
    } else {
        format!(" [{}]", shown.join("; "))
    }
}

/// The first line of a service message: the service appends `RequestId:` and `Time:` lines.
pub(crate) fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_error_names_the_property_it_objected_to() {
        let error = Error::Service {
            operation: "create pool p".into(),
            status: StatusCode::BAD_REQUEST,
            code: "InvalidPropertyValue".into(),
            message: "The value provided for one of the properties in the request body is invalid."
                .into(),
            request_id: Some("r1".into()),
            values: vec![
                ("PropertyName".into(), "username".into()),
                ("PropertyValue".into(), "hunter2".into()),
                (
                    "Reason".into(),
                    "The user is not one of the pool's userAccounts.".into(),
                ),
            ],
        };
        assert_eq!(
            error.to_string(),
            "create pool p: the service answered 400 Bad Request InvalidPropertyValue: The value \
             provided for one of the properties in the request body is invalid. [PropertyName: \
             username; Reason: The user is not one of the pool's userAccounts.] (request id r1)"
        );
    }
}

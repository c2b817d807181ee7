//! The error body every operation returns on failure (`BatchError`).

use serde::{Deserialize, Serialize};

/// `BatchError`, plus the `odata.metadata` link the real service adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchError {
    #[serde(rename = "odata.metadata", skip_serializing_if = "Option::is_none")]
    pub odata_metadata: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<ErrorMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ErrorDetail>>,
}

impl BatchError {
    /// The message text without the trailing `RequestId:`/`Time:` lines the service appends.
    pub fn summary(&self) -> &str {
        let text = self
            .message
            .as_ref()
            .and_then(|m| m.value.as_deref())
            .unwrap_or("");
        text.split("\nRequestId:").next().unwrap_or(text)
    }

    /// The value of the detail entry named `key`, if any.
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.values
            .as_deref()?
            .iter()
            .find(|d| d.key.as_deref() == Some(key))
            .and_then(|d| d.value.as_deref())
    }
}

/// `BatchErrorMessage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `BatchErrorDetail`: a key/value pair such as `PropertyName`/`vmSize`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl ErrorDetail {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            value: Some(value.into()),
        }
    }
}

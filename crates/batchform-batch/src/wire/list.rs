//! The paged list envelope: `{ value: [...], "odata.nextLink": "..." }`.

use serde::{Deserialize, Serialize};

/// One page of a list operation. `next_link` is absolute and is fetched as-is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    #[serde(
        rename = "odata.metadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_metadata: Option<String>,
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(
        rename = "odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn new(value: Vec<T>, next_link: Option<String>) -> Self {
        Self {
            odata_metadata: None,
            value,
            next_link,
        }
    }
}

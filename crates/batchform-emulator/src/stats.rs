//! Request statistics: how many API requests arrived, by operation, by status and by
//! injected fault. Benchmarks read them to count the requests a command made.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub total: u64,
    pub by_operation: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
}

impl Stats {
    pub fn request(&mut self, operation: &str) {
        self.total += 1;
        *self.by_operation.entry(operation.to_string()).or_default() += 1;
    }

    pub fn status(&mut self, status: u16) {
        *self.by_status.entry(status.to_string()).or_default() += 1;
    }

    pub fn fault(&mut self, kind: &str) {
        *self.faults.entry(kind.to_string()).or_default() += 1;
    }
}

//! Node states of a pool, counted: what is still starting, what failed, in one line.

use std::collections::BTreeMap;

/// How many nodes are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeCounts {
    pub by_state: BTreeMap<String, u32>,
}

/// States a node passes through on its way to being usable.
const STARTING: &[&str] = batchform_plan::users::BECOMING_READY;
/// States that will not become usable without someone's help.
const FAILED: &[&str] = &["starttaskfailed", "unusable"];

impl NodeCounts {
    pub fn from_states<'a>(states: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_state = BTreeMap::new();
        for state in states {
            *by_state.entry(state.to_ascii_lowercase()).or_insert(0) += 1;
        }
        Self { by_state }
    }

    fn count(&self, states: &[&str]) -> u32 {
        states.iter().filter_map(|s| self.by_state.get(*s)).sum()
    }

    pub fn starting(&self) -> u32 {
        self.count(STARTING)
    }

    pub fn failed(&self) -> u32 {
        self.count(FAILED)
    }

    pub fn total(&self) -> u32 {
        self.by_state.values().sum()
    }

    /// `3 idle, 1 starttaskfailed`, or `no nodes`.
    pub fn describe(&self) -> String {
        if self.by_state.is_empty() {
            return "no nodes".into();
        }
        self.by_state
            .iter()
            .map(|(state, n)| format!("{n} {state}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_starting_and_failed_nodes() {
        let counts = NodeCounts::from_states([
            "idle",
            "Idle",
            "starting",
            "waitingforstarttask",
            "starttaskfailed",
        ]);
        assert_eq!(
            (counts.starting(), counts.failed(), counts.total()),
            (2, 1, 5)
        );
        assert_eq!(
            counts.describe(),
            "2 idle, 1 starting, 1 starttaskfailed, 1 waitingforstarttask"
        );
        assert_eq!(NodeCounts::default().describe(), "no nodes");
    }
}

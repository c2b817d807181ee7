//! Live state from the Batch account: the fewest calls that give the planner what it needs.

pub mod counts;

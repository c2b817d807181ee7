//! Planning: the pure diff of desired against live state, and the [`Plan`] it produces.
//!
//! Nothing here does I/O; `observe` gathers the [`Live`] input and `apply` carries plans out.

pub mod bookkeeping;
pub mod catalog;
pub mod config;
pub mod diff;
pub mod file;
pub mod input;
pub mod model;
pub mod planner;
#[cfg(test)]
mod testing;
pub mod users;

pub use input::{CatalogImage, Desired, DesiredPool, Live, LivePool, OnNonEmpty};
pub use model::{AccountRef, Action, Cost, Plan, PlanError, PoolPlan, Step, Strategy};
pub use planner::plan;

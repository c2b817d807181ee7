//! Conversions between the Batch wire types and batchform's canonical configuration, in one
//! place, so that a field renamed in the API touches one file.

pub mod desired;
pub mod pool;
pub mod secrets;

pub use desired::desired;
pub use pool::*;
pub use secrets::Secrets;

#[cfg(test)]
mod tests;

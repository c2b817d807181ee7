//! The planner's canonical configuration, to and from the outside: the spec's desired state
//! ([`from_spec`]), and the Batch wire types ([`wire`]: a live pool in, request bodies out), in
//! one place each, so that a field renamed in the API or the spec touches one file.

pub mod from_spec;
pub mod live;
pub mod wire;

pub use from_spec::desired;
pub use wire::*;

#[cfg(test)]
mod tests;

//! The desired state: spec types, loading TOML with source spans, secrets and validation.

pub mod command;

//! The Azure Batch data-plane REST API (2025-06-01): wire types, authentication, client, errors.

pub mod auth;
pub mod client;
pub mod credential;
pub mod error;
pub mod operations;
pub mod retry;
pub mod wire;

pub use client::{Client, DEFAULT_PARALLELISM};
pub use credential::Credential;
pub use error::{Error, ErrorCode};
pub use retry::RetryPolicy;

//! The Azure Batch data-plane REST API (2025-06-01): wire types, authentication, client, errors.

pub mod auth;
pub mod wire;

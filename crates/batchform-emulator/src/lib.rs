//! A local emulator of the Azure Batch data-plane REST API (2025-06-01), for tests and first
//! runs: the same paths, bodies, status codes, error bodies, headers, paging, Shared Key
//! checking and asynchronous lifecycles as the service, on loopback.
//!
//! Start one in-process with [`start`] (tests bind `127.0.0.1:0`), or run
//! `batchform emulator`. The `/_emulator/` routes (see [`inspect`]), signed like API
//! requests, let tests advance the clock, inject faults and node events, and count requests.

mod account;
mod app;
mod autoscale;
mod catalog;
mod clock;
mod conditions;
mod config;
mod errors;
mod exchange;
mod faults;
pub mod inspect;
mod lifecycle;
mod nodes;
mod odata;
mod persist;
mod pools;
mod routes;
mod server;
mod state;
mod stats;
mod validate;

pub use config::{Config, Connections, Faults, Quota, Timings, embedded_default};
pub use server::{API_VERSIONS, Handle, start};

/// The well-known development account of the embedded emulator.
pub const DEV_ACCOUNT: &str = "devaccount";
/// The well-known development key (base64), like Azurite's: public by design, never a real secret.
pub const DEV_KEY: &str = "YmF0Y2hmb3JtLWRldmVsb3BtZW50LWtleS1ub3Qtc2VjcmV0IQ==";

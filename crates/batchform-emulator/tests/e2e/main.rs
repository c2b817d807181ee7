//! The emulator over real loopback HTTP: the API as the service answers it (paths, bodies,
//! status codes, errors, conditional headers, paging), lifecycles, faults, connection limits and
//! seeded random requests. Its conformance with the official Python SDK is `tests/sdk/`.

// A test's unwrap is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;

mod api;
mod connections;
mod faults;
mod lifecycle;
mod random_requests;

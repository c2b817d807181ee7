//! batchform end to end: the binary run as a user runs it, against the emulator over loopback
//! HTTP, one module per area. What a test checks is the account (pools, users on nodes) or the
//! output a person reads, not only an exit code.

// A test's unwrap is a failed test with its message.
#![allow(clippy::unwrap_used)]

mod common;
// The emulator's own test helpers, shared rather than copied.
#[path = "../../crates/batchform-emulator/tests/e2e/common.rs"]
mod emulator_common;

mod adopt;
mod apply;
mod apply_faults;
mod apply_input;
mod completions;
mod credentials;
mod emulator_persist;
mod field_owners;
mod images;
mod logins;
mod plan;
mod schema;
mod targets;
mod trust;
mod user_accounts;
mod users;
mod validate_cli;
mod validate_corpus;
mod validate_examples;
mod validate_fuzz;

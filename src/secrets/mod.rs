//! Secrets: the values behind the spec's references, held for one command, and the
//! fingerprints that stand for them everywhere else. A secret leaves this module only as a
//! fingerprint or inside a request body.

pub mod fingerprints;
pub mod store;

pub use store::{Secrets, user_password, user_ssh_key};

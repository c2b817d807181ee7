//! A local emulator of the Azure Batch data-plane REST API, for tests and first runs.

pub mod command;

/// The well-known development account of the embedded emulator.
pub const DEV_ACCOUNT: &str = "devaccount";
/// The well-known development key (base64), like Azurite's: public by design, never a real secret.
pub const DEV_KEY: &str = "YmF0Y2hmb3JtLWRldmVsb3BtZW50LWtleS1ub3Qtc2VjcmV0IQ==";

//! The `validate` and `schema` commands.

use crate::Exit;
use crate::cli::ValidateArgs;

/// `batchform validate PATH...`
pub fn validate(_args: &ValidateArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("validate is not built yet")
}

/// `batchform schema`
pub fn schema() -> anyhow::Result<Exit> {
    anyhow::bail!("schema is not built yet")
}

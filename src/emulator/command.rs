//! The `emulator` command.

use crate::Exit;
use crate::cli::EmulatorArgs;

/// `batchform emulator`
pub fn serve(_args: &EmulatorArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("the emulator is not built yet")
}

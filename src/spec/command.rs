//! The `validate` and `schema` commands: thin shells over the loader and the schema.

use std::io::{IsTerminal, Write};

use crate::Exit;
use crate::cli::{DiagnosticFormat, ValidateArgs};

use super::diagnostic::Diagnostics;
use super::load::{LoadOptions, load_with};
use super::schema;

/// `batchform validate PATH...`: check each spec offline and print every diagnostic.
///
/// Each PATH is a spec of its own (a file, or a directory whose files together form one), so
/// independent specs such as the examples can be checked in one run.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<Exit> {
    let options = LoadOptions {
        resolve_secrets: args.secrets,
        ..LoadOptions::default()
    };
    let mut diagnostics = Diagnostics::empty();
    for path in &args.paths {
        diagnostics.absorb(match load_with(std::slice::from_ref(path), &options) {
            Ok(loaded) => loaded.diagnostics,
            Err(diagnostics) => diagnostics,
        });
    }
    let output = match args.format {
        DiagnosticFormat::Text => diagnostics.render_text(use_color()),
        DiagnosticFormat::Json => {
            let mut text = serde_json::to_string_pretty(&diagnostics.to_json())?;
            text.push('\n');
            text
        }
    };
    std::io::stdout().lock().write_all(output.as_bytes())?;
    Ok(if diagnostics.has_errors() {
        Exit::Failure
    } else {
        Exit::Success
    })
}

/// `batchform schema`: print the JSON Schema of spec files.
pub fn schema() -> anyhow::Result<Exit> {
    std::io::stdout()
        .lock()
        .write_all(schema::render().as_bytes())?;
    Ok(Exit::Success)
}

/// Color only for a person at a terminal who has not asked for none (<https://no-color.org>).
fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

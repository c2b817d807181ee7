//! The `validate` and `schema` commands: thin shells over the loader and the schema.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};

use crate::Exit;
use crate::cli::{DiagnosticFormat, ValidateArgs};

use batchform_spec::{Diagnostics, LoadOptions, load_with, schema};

/// `batchform validate PATH...`: check each spec offline and print every diagnostic.
///
/// Each PATH is a spec of its own (a file, or a directory whose files together form one), so
/// independent specs such as the examples can be checked in one run, also through a recursive
/// glob (see [`specs`]).
pub fn validate(args: &ValidateArgs) -> anyhow::Result<Exit> {
    let options = LoadOptions {
        resolve_secrets: args.secrets,
        ..LoadOptions::default()
    };
    let mut diagnostics = Diagnostics::empty();
    for path in &specs(&args.paths) {
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

/// The specs among `paths`: each path, except where a recursive glob (`examples/**` in zsh,
/// or bash with `globstar`) named a directory together with every entry in it. Such a directory
/// is not one spec, since its entries are named on their own, and the files below it without a
/// `.toml` extension (key files, notes) are not specs.
fn specs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let named: HashSet<PathBuf> = paths.iter().map(|p| normalize(p)).collect();
    let expanded: Vec<PathBuf> = named
        .iter()
        .filter(|dir| dir.is_dir() && every_entry_named(dir, &named))
        .cloned()
        .collect();
    paths
        .iter()
        .filter(|path| {
            let path = normalize(path);
            if expanded.contains(&path) {
                return false;
            }
            let is_toml = path.extension().is_some_and(|e| e == "toml");
            path.is_dir() || is_toml || !expanded.iter().any(|dir| path.starts_with(dir))
        })
        .cloned()
        .collect()
}

/// `examples/` and `./examples` as `examples`.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Whether every visible entry of `dir` is among `named` (what a shell glob expands to).
fn every_entry_named(dir: &Path, named: &HashSet<PathBuf>) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut any = false;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        any = true;
        if !named.contains(&normalize(&entry.path())) {
            return false;
        }
    }
    any
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

//! The corpus of broken specs under `tests/specs/invalid`: each must fail to load, and its
//! rendered diagnostics must match the reviewed snapshot (they document batchform's errors).
//! Specs under `tests/specs/warnings` load, with the warnings in their snapshots.

use std::path::{Path, PathBuf};

use batchform_spec::{LoadOptions, load_with};
use chrono::{TimeZone, Utc};

fn specs(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// A fixed clock, so that expiry checks read the same in every year.
fn options() -> LoadOptions {
    LoadOptions {
        resolve_secrets: false,
        now: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        whole: false,
    }
}

fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_invalid_spec_fails_with_its_documented_errors() {
    let files = specs("tests/specs/invalid");
    assert!(files.len() >= 30, "the corpus holds {} specs", files.len());
    let mut problems = Vec::new();
    for file in files {
        let diagnostics = match load_with(std::slice::from_ref(&file), &options()) {
            Ok(_) => panic!("{} loaded, but should not", file.display()),
            Err(diagnostics) => diagnostics,
        };
        for diagnostic in &diagnostics.items {
            let located = diagnostic
                .span
                .as_ref()
                .and_then(|s| diagnostics.sources.location(s));
            if located.is_none() {
                problems.push(format!(
                    "{}: `{}` has no location",
                    file.display(),
                    diagnostic.message
                ));
            }
            if diagnostic.hint.is_none() {
                problems.push(format!(
                    "{}: `{}` has no hint",
                    file.display(),
                    diagnostic.message
                ));
            }
        }
        insta::assert_snapshot!(name(&file), diagnostics.render_text(false));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn specs_with_warnings_load_and_show_them() {
    for file in specs("tests/specs/warnings") {
        let loaded = load_with(std::slice::from_ref(&file), &options())
            .unwrap_or_else(|d| panic!("{}:\n{}", file.display(), d.render_text(false)));
        assert!(loaded.diagnostics.warning_count() > 0, "{}", file.display());
        insta::assert_snapshot!(
            format!("warning-{}", name(&file)),
            loaded.diagnostics.render_text(false)
        );
    }
}

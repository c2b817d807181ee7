//! Reading spec files and directories into a [`Spec`], collecting every problem on the way:
//! syntax errors, unknown keys, wrong types, each pool on its own, then the validation rules.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostic::{Diagnostic, Diagnostics, Severity};
use super::model::{Account, Pool};
use super::path;
use super::polish::{describe, example_for, missing_field, polish};
use super::shape::{self, Entry, Segment, SpanIndex, Walk};
use super::source::{FileId, Sources, Span};
use super::spec::Spec;
use super::validate;

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Read every secret reference and report those that cannot be read. Off by default:
    /// checking a spec should not need its secrets.
    pub resolve_secrets: bool,
    /// The time expiries are checked against.
    pub now: DateTime<Utc>,
    /// The spec is all there is for an account (plan, apply): it must have an `[account]`
    /// with an `owner`. Off for `validate`, which may check one file of a spec on its own.
    pub whole: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            resolve_secrets: false,
            now: Utc::now(),
            whole: false,
        }
    }
}

/// A spec that loaded: the desired state, and any warnings about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What the spec asks for.
    pub spec: Spec,
    /// Warnings (never errors), with the files and pool counts.
    pub diagnostics: Diagnostics,
}

/// Loads spec files and directories (every `*.toml` below a directory, in path order).
///
/// Returns every error found, in every file, not only the first.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, Diagnostics> {
    load_with(paths, &LoadOptions::default())
}

/// [`load`] with options.
pub fn load_with(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded, Diagnostics> {
    let mut loader = Loader::default();
    for file in loader.discover(paths) {
        loader.read(&file);
    }
    loader.finish(options)
}

/// Loads one spec given as text, as if read from `name` (file references are relative to its
/// directory). For tests and for specs that do not come from disk.
pub fn load_str(name: impl Into<PathBuf>, text: &str) -> Result<Loaded, Diagnostics> {
    let mut loader = Loader::default();
    let name = name.into();
    let file = loader.sources.add(name.clone(), text.to_owned());
    loader.parse(file, &name, text);
    loader.finish(&LoadOptions::default())
}

/// One file's findings, kept apart until all files are read.
struct FileSpec {
    index: SpanIndex,
    account: Option<(Account, Option<Span>)>,
    pools: Vec<(String, Option<Span>, Pool)>,
}

#[derive(Default)]
struct Loader {
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    specs: Vec<FileSpec>,
    pool_count: usize,
}

impl Loader {
    /// The files named, directories expanded, each file once.
    fn discover(&mut self, paths: &[PathBuf]) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        for path in paths {
            let found = match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    let mut found = Vec::new();
                    collect_toml(path, &mut found, 0);
                    found.sort();
                    if found.is_empty() {
                        self.diagnostics.push(
                            Diagnostic::error(format!("no `*.toml` files in `{}`", path.display()))
                                .hint("name spec files with a `.toml` extension"),
                        );
                    }
                    found
                }
                Ok(_) => vec![path.clone()],
                Err(err) => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("cannot read `{}`: {err}", path.display()))
                            .hint("give spec files or directories that exist"),
                    );
                    Vec::new()
                }
            };
            for file in found {
                let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
                if seen.insert(identity) {
                    files.push(file);
                }
            }
        }
        files
    }

    fn read(&mut self, path: &Path) {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) => {
                self.diagnostics.push(Diagnostic::error(format!(
                    "cannot read `{}`: {err}",
                    path.display()
                )));
                return;
            }
        };
        match String::from_utf8(bytes) {
            Ok(text) => {
                let file = self.sources.add(path.to_owned(), text.clone());
                self.parse(file, path, &text);
            }
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let file = self.sources.add(path.to_owned(), text);
                self.diagnostics.push(
                    Diagnostic::error("the file is not valid UTF-8")
                        .at(Some(Span::new(file, at..at)))
                        .hint("save the file as UTF-8"),
                );
            }
        }
    }

    /// Parses one file and reads its account and pools, each pool on its own so that one bad
    /// pool does not hide the problems of the next.
    fn parse(&mut self, file: FileId, path: &Path, text: &str) {
        let (mut root, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            // Recovery after a syntax error guesses; checking the guess would report noise.
            for error in errors {
                let range = error.span().unwrap_or(0..0);
                let (message, hint) = syntax_message(error.message(), text, &range);
                self.diagnostics.push(
                    Diagnostic::error(message)
                        .at(Some(Span::new(file, range)))
                        .maybe_hint(hint),
                );
            }
            return;
        }
        let walk = shape::walk(file, &mut root);
        // Kept in the walk too: typed deserialization consults them.
        self.diagnostics.extend(walk.diagnostics.iter().cloned());
        let index = SpanIndex::from_entries(file, &walk.entries);
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut spec = FileSpec {
            index,
            account: None,
            pools: Vec::new(),
        };
        let root = root.into_inner();
        for (key, value) in &root {
            let key_span = Some(Span::new(file, key.span()));
            match key.get_ref().as_ref() {
                "$schema" if !matches!(value.get_ref(), DeValue::String(_)) => {
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "expected a string, found {}",
                            describe(value.get_ref())
                        ))
                        .at(Some(Span::new(file, value.span())))
                        .path("$schema")
                        .hint("`$schema` names this file's JSON schema, e.g. \"../schema/batchform.schema.json\""),
                    );
                }
                "account" => {
                    let account: Option<Account> =
                        self.typed(file, value, "account", key.span(), &walk);
                    spec.account = account.map(|a| (a, key_span));
                }
                "pools" => match value.get_ref() {
                    DeValue::Table(pools) => {
                        for (id, pool_value) in pools {
                            self.pool_count += 1;
                            let pool_path = path::pool(id.get_ref());
                            let pool: Option<Pool> =
                                self.typed(file, pool_value, &pool_path, id.span(), &walk);
                            if let Some(mut pool) = pool {
                                pool.rebase(dir);
                                self.read_key_files(&mut pool, &pool_path, &spec.index);
                                spec.pools.push((
                                    id.get_ref().to_string(),
                                    Some(Span::new(file, id.span())),
                                    pool,
                                ));
                            }
                        }
                    }
                    other => self.diagnostics.push(
                        Diagnostic::error(format!(
                            "expected a table of pools, found {}",
                            describe(other)
                        ))
                        .at(Some(Span::new(file, value.span())))
                        .path("pools")
                        .hint("define each pool as its own table: [pools.render]"),
                    ),
                },
                // Unknown keys were reported and removed by the walk.
                _ => {}
            }
        }
        // Tables come out sorted by key; "first defined" must mean first in the file.
        spec.pools
            .sort_by_key(|(_, span, _)| span.as_ref().map(|s| s.range.start));
        self.specs.push(spec);
    }

    /// Deserializes one value into `T`, reporting every problem in it: after each error the
    /// offending entry is taken out and deserialization runs again, so a pool with three wrong
    /// fields gets three errors. `anchor` is the key naming the value (e.g. the pool id).
    fn typed<'de, T: Deserialize<'de>>(
        &mut self,
        file: FileId,
        value: &Spanned<DeValue<'de>>,
        at: &str,
        anchor: Range<usize>,
        walk: &Walk,
    ) -> Option<T> {
        let before = self.diagnostics.len();
        let typed = self.typed_inner(file, value, at, anchor.clone(), walk);
        let explained = self.diagnostics.len() > before
            || walk
                .diagnostics_below(at)
                .any(|d| d.severity == Severity::Error);
        if typed.is_none() && !explained {
            // Never drop a pool silently, even if no better message was found.
            self.diagnostics.push(
                Diagnostic::error(format!("`{at}` could not be read"))
                    .at(Some(Span::new(file, anchor)))
                    .path(at)
                    .hint("compare it with the examples, or with `batchform schema`"),
            );
        }
        typed
    }

    fn typed_inner<'de, T: Deserialize<'de>>(
        &mut self,
        file: FileId,
        value: &Spanned<DeValue<'de>>,
        at: &str,
        anchor: Range<usize>,
        walk: &Walk,
    ) -> Option<T> {
        let entries = &walk.entries;
        let base = entries
            .iter()
            .find(|e| e.path == at)
            .map(|e| e.segments.len())?;
        let inside: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.segments.len() > base && is_below(&e.path, at))
            .collect();
        let mut work = value.clone();
        // Fields this loop took out, as (table path, field): their "missing field" is not news.
        let mut taken = walk.missing.clone();
        // A value with errors is not returned even once the culprits are taken out: what is
        // left is not what the spec says, and checking it would report nonsense.
        let mut clean = !walk
            .diagnostics_below(at)
            .any(|d| d.severity == Severity::Error);
        for _ in 0..512 {
            let error = match T::deserialize(ValueDeserializer::from(work.clone())) {
                Ok(typed) => return clean.then_some(typed),
                Err(error) => error,
            };
            clean = false;
            let span = error.span();
            let message = error.message();
            let target = span.as_ref().and_then(|s| innermost(&inside, s));
            let culprit = if let Some(field) = missing_field(message) {
                let table = span
                    .as_ref()
                    .and_then(|s| {
                        inside
                            .iter()
                            .copied()
                            .filter(|e| &e.value == s)
                            .max_by_key(|e| e.segments.len())
                    })
                    .or(target);
                let table_path = table.map_or(at, |e| e.path.as_str());
                // The walk already reported what the schema requires, here or in an element.
                let known = taken.iter().any(|(path, name)| {
                    name == field && (path == table_path || is_below(path, table_path))
                });
                if !known {
                    let hint = example_for(field).map(|e| format!("add it, for example: {e}"));
                    let anchor = table.map_or(anchor.clone(), |e| e.key.clone());
                    self.diagnostics.push(
                        Diagnostic::error(format!("missing field `{field}` in `{table_path}`"))
                            .at(Some(Span::new(file, anchor)))
                            .path(path::join(table_path, field))
                            .maybe_hint(hint),
                    );
                }
                table
            } else {
                let found = target.and_then(|e| lookup(value, &e.segments[base..]));
                let field = target
                    .and_then(|e| {
                        e.segments.iter().rev().find_map(|s| match s {
                            Segment::Key(k) => Some(k.as_str()),
                            Segment::Index(_) => None,
                        })
                    })
                    .unwrap_or_else(|| at.rsplit('.').next().unwrap_or(at));
                let found = found.or(if target.is_none() {
                    Some(value.get_ref())
                } else {
                    None
                });
                let (message, hint) = polish(message, found, field);
                let range = span.unwrap_or(anchor.clone());
                let target_path = target.map_or(at, |e| e.path.as_str());
                // A table that lost an unknown key may now be incomplete; that was reported.
                let consequence = target.is_some()
                    && walk
                        .diagnostics_below(target_path)
                        .any(|d| d.path.as_deref() != Some(target_path));
                if !consequence {
                    self.diagnostics.push(
                        Diagnostic::error(message)
                            .at(Some(Span::new(file, range)))
                            .path(target_path)
                            .maybe_hint(hint),
                    );
                }
                target
            };
            let culprit = culprit?;
            let mut segments = &culprit.segments[base..];
            // Arrays are never shortened, so that later entries still find their elements:
            // a bad element takes its whole array out.
            while let Some((Segment::Index(_), rest)) = segments.split_last() {
                segments = rest;
            }
            let Some((Segment::Key(last), parent)) = segments.split_last() else {
                return None;
            };
            if !remove(&mut work, segments) {
                return None;
            }
            let parent_path = entries
                .iter()
                .find(|e| e.segments.len() == base + parent.len() && e.segments[base..] == *parent)
                .map_or(at.to_owned(), |e| e.path.clone());
            taken.insert((parent_path, last.clone()));
        }
        None
    }

    /// Reads SSH public keys given as `{ file = ... }` (public keys are not secrets, and the
    /// planner must not do I/O, so they are read here).
    fn read_key_files(&mut self, pool: &mut Pool, pool_path: &str, index: &SpanIndex) {
        for (name, user) in &mut pool.users {
            let Some(key) = &mut user.ssh_public_key else {
                continue;
            };
            let Some(file) = &key.file else {
                continue;
            };
            match std::fs::read_to_string(file) {
                Ok(text) => key.key = text.trim().to_owned(),
                Err(err) => {
                    let at = format!("{pool_path}.users.{}.ssh_public_key", path::key(name));
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "cannot read SSH public key file `{}`: {err}",
                            file.display()
                        ))
                        .at(index.nearest(&at).map(|s| s.value.clone()))
                        .path(at)
                        .hint("key file paths are relative to the spec file"),
                    );
                }
            }
        }
    }

    fn finish(mut self, options: &LoadOptions) -> Result<Loaded, Diagnostics> {
        let mut account: Option<(Account, Option<Span>)> = None;
        let mut pools: BTreeMap<String, Pool> = BTreeMap::new();
        let mut first_seen: BTreeMap<String, (String, Option<Span>)> = BTreeMap::new();
        let mut index = SpanIndex::default();
        for spec in &self.specs {
            if let Some((this, span)) = &spec.account {
                validate::account(this, &spec.index, &mut self.diagnostics);
                match &account {
                    Some((_, first)) => self.diagnostics.push(
                        Diagnostic::error("the `[account]` table is defined in more than one file")
                            .at(span.clone())
                            .path("account")
                            .hint("keep account settings in one file")
                            .related(first.clone(), "first defined here"),
                    ),
                    None => {
                        account = Some((this.clone(), span.clone()));
                        index.copy_subtree(&spec.index, "account");
                    }
                }
            }
            for (id, span, pool) in &spec.pools {
                validate::pool(id, pool, &spec.index, options.now, &mut self.diagnostics);
                let folded = id.to_lowercase();
                match first_seen.get(&folded) {
                    Some((first_id, first_span)) => {
                        let message = if first_id == id {
                            format!("pool `{id}` is defined twice")
                        } else {
                            format!(
                                "pool `{id}` clashes with pool `{first_id}`: pool ids are unique regardless of case"
                            )
                        };
                        self.diagnostics.push(
                            Diagnostic::error(message)
                                .at(span.clone())
                                .path(path::pool(id))
                                .hint("rename one of them, or merge them into one table")
                                .related(first_span.clone(), "first defined here"),
                        );
                    }
                    None => {
                        first_seen.insert(folded, (id.clone(), span.clone()));
                        index.copy_subtree(&spec.index, &path::pool(id));
                        pools.insert(id.clone(), pool.clone());
                    }
                }
            }
        }
        let clean = !self
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        if clean && !self.specs.is_empty() && self.pool_count == 0 {
            // Point at the account table if there is one, else at the top of the first file.
            let at = account
                .as_ref()
                .and_then(|(_, span)| span.clone())
                .or_else(|| {
                    self.sources
                        .files()
                        .next()
                        .map(|_| Span::new(FileId::first(), 0..0))
                });
            self.diagnostics.push(
                Diagnostic::warning("the spec defines no pools").at(at).hint(
                    "add a pool as [pools.<id>]; with `prune = true` an empty spec deletes every pool it owns",
                ),
            );
        }
        if options.whole && account.is_none() && self.pool_count > 0 {
            // Pointed at the first pool: there is no account table to point at.
            let first_pool = pools
                .keys()
                .next()
                .and_then(|id| index.nearest(&path::pool(id)))
                .map(|spot| spot.key.clone());
            self.diagnostics.push(
                Diagnostic::error("the spec has no `[account]` table, so no owner")
                    .at(first_pool)
                    .path("account")
                    .hint(validate::OWNER_HINT),
            );
        }
        let sources = Arc::new(std::mem::take(&mut self.sources));
        let desired = Spec::new(
            account.map(|(a, _)| a).unwrap_or_default(),
            pools,
            Arc::clone(&sources),
            index,
        );
        if options.resolve_secrets
            && let Err(errors) = desired.resolve_secrets()
        {
            self.diagnostics.extend(errors);
        }
        let mut items = self.diagnostics;
        // Parser recovery can report one mistake twice.
        let mut seen = HashSet::new();
        items.retain(|d| seen.insert((d.message.clone(), d.span.clone())));
        items.sort_by_key(|d| {
            (
                d.span.as_ref().map(|s| (s.file, s.range.start)),
                d.severity == Severity::Warning,
            )
        });
        let diagnostics = Diagnostics {
            sources,
            items,
            files: self.specs.len().max(desired.sources().len()),
            pools: self.pool_count,
        };
        if diagnostics.has_errors() {
            Err(diagnostics)
        } else {
            Ok(Loaded {
                spec: desired,
                diagnostics,
            })
        }
    }
}

/// Every `*.toml` below a directory; hidden entries are skipped, and depth is bounded so a
/// symlink loop cannot hang the loader.
fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_toml(&path, out, depth + 1);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn is_below(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// The deepest entry whose key or value holds the span.
fn innermost<'e>(entries: &[&'e Entry], span: &Range<usize>) -> Option<&'e Entry> {
    let holds = |r: &Range<usize>| r.start <= span.start && span.end <= r.end;
    entries
        .iter()
        .copied()
        .filter(|e| holds(&e.value) || holds(&e.key))
        .min_by_key(|e| (e.value.end - e.value.start, usize::MAX - e.segments.len()))
}

fn lookup<'a, 'de>(
    value: &'a Spanned<DeValue<'de>>,
    segments: &[Segment],
) -> Option<&'a DeValue<'de>> {
    let mut current = value;
    for segment in segments {
        current = match (current.get_ref(), segment) {
            (DeValue::Table(table), Segment::Key(key)) => table.get(key.as_str())?,
            (DeValue::Array(array), Segment::Index(i)) => array.get(*i)?,
            _ => return None,
        };
    }
    Some(current.get_ref())
}

fn remove(value: &mut Spanned<DeValue<'_>>, segments: &[Segment]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut current = value;
    for segment in parents {
        current = match (current.get_mut(), segment) {
            (DeValue::Table(table), Segment::Key(key)) => match table.get_mut(key.as_str()) {
                Some(next) => next,
                None => return false,
            },
            (DeValue::Array(array), Segment::Index(i)) => match array.get_mut(*i) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    match (current.get_mut(), last) {
        (DeValue::Table(table), Segment::Key(key)) => table.remove(key.as_str()).is_some(),
        _ => false,
    }
}

/// TOML parse messages, with a hint for the mistakes people make most.
fn syntax_message(message: &str, text: &str, span: &Range<usize>) -> (String, Option<String>) {
    let message = message.trim().to_owned();
    let line_start = text
        .get(..span.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text
        .get(line_start..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default()
        .trim();
    let found = text.get(span.clone()).unwrap_or_default().trim();
    let hint = if message.contains("duplicate key") {
        if line.starts_with('[') {
            format!("a table is defined once; merge the sections headed `{line}`")
        } else {
            "each key may appear once per table".to_owned()
        }
    } else if message.contains("must be quoted") && !found.is_empty() && !found.contains(' ') {
        format!("put text in quotes: \"{found}\"")
    } else if message.contains("must be quoted") {
        "put text in quotes, and one value per key".to_owned()
    } else if message.contains("basic string") || message.contains("literal string") {
        "close the string on the same line; for text over several lines use \"\"\"...\"\"\""
            .to_owned()
    } else if message.contains("expected `=`") {
        "write each setting as `key = value`".to_owned()
    } else if message.contains("expected `]`") {
        "close the table header with `]`, e.g. `[pools.render]`".to_owned()
    } else if message.contains("key") {
        "bare keys may contain only letters, digits, `-` and `_`; quote others".to_owned()
    } else {
        "see https://toml.io for TOML syntax".to_owned()
    };
    (message, Some(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match load_str("t.toml", text) {
            Ok(loaded) => panic!("expected errors, got {:?}", loaded.spec.pools),
            Err(d) => d
                .items
                .iter()
                .map(|d| {
                    format!(
                        "{} @ {} | {}",
                        d.message,
                        d.path.clone().unwrap_or_default(),
                        d.hint.clone().unwrap_or_default()
                    )
                })
                .collect(),
        }
    }

    const GOOD: &str = r#"
[pools.a]
vm_size = "standard_d2s_v3"
node_agent_sku = "batch.node.ubuntu 22.04"
image = { publisher = "canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts" }
scale = { dedicated = 1 }
"#;

    #[test]
    fn loads_a_small_spec() {
        let loaded = load_str("t.toml", GOOD).unwrap();
        let pool = &loaded.spec.pools["a"];
        assert_eq!(pool.vm_size, "standard_d2s_v3");
        assert_eq!(pool.task_slots_per_node, 1);
        let loc = loaded.spec.location("a", "vm_size").unwrap();
        assert_eq!(loc.to_string(), "t.toml:3:1");
        let loc = loaded.spec.location("a", "scale.resize_timeout").unwrap();
        assert_eq!(loc.to_string(), "t.toml:6:1");
    }

    #[test]
    fn reports_every_type_error_in_a_pool() {
        let text = format!(
            "{GOOD}task_slots_per_node = \"four\"\ninter_node_communication = 1\n[pools.a.start_task]\ncommand_line = 3\nmax_retries = \"x\"\n"
        );
        let found = errors(&text);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with(
                "expected a non-negative integer, found a string @ pools.a.task_slots_per_node"
            ),
            "{found:#?}"
        );
    }

    #[test]
    fn a_missing_field_is_reported_once() {
        let found = errors("[pools.a]\nnode_agent_sku = 3\n");
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("missing field `vm_size`"))
        );
        assert!(found.iter().any(|f| f.starts_with("missing field `image`")));
        assert!(
            !found
                .iter()
                .any(|f| f.starts_with("missing field `node_agent_sku`"))
        );
    }

    #[test]
    fn errors_in_every_pool_are_reported() {
        let found = errors("[pools.a]\nvm_size = 1\n[pools.b]\nvm_size = 2\n");
        assert!(found.iter().any(|f| f.contains("pools.a.vm_size")));
        assert!(found.iter().any(|f| f.contains("pools.b.vm_size")));
    }

    #[test]
    fn case_insensitive_duplicates_point_at_both() {
        let text = format!("{GOOD}{}", GOOD.replace("pools.a", "pools.A"));
        let err = load_str("t.toml", &text).unwrap_err();
        let clash = err
            .items
            .iter()
            .find(|d| d.message.contains("clashes"))
            .unwrap();
        assert_eq!(clash.related.len(), 1);
    }
}

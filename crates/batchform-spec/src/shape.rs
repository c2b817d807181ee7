//! Walks a parsed TOML document against the spec's JSON schema: finds every unknown key (serde
//! would stop at the first) and records where every known key and value is.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostic;
use super::hint::did_you_mean;
use super::path;
use super::polish::example_for;
use super::schema;
use super::source::{FileId, Span};

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A key (or array element) found in a document, and where it is.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Dotted spec path, e.g. `pools.render.scale.dedicated`.
    pub path: String,
    /// The same path as steps, to find the value again.
    pub segments: Vec<Segment>,
    /// The key (for array elements: the element).
    pub key: Range<usize>,
    /// The value.
    pub value: Range<usize>,
}

/// Where a spec path's key and value are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// The key (for array elements: the element).
    pub key: Span,
    /// The value.
    pub value: Span,
}

/// Spec paths to source spans, for pointing diagnostics at what they concern.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    spots: HashMap<String, Spot>,
}

impl SpanIndex {
    pub(crate) fn from_entries(file: FileId, entries: &[Entry]) -> Self {
        let spots = entries
            .iter()
            .map(|e| {
                (
                    e.path.clone(),
                    Spot {
                        key: Span::new(file, e.key.clone()),
                        value: Span::new(file, e.value.clone()),
                    },
                )
            })
            .collect();
        Self { spots }
    }

    /// The spot of exactly this path, if it is written in the spec.
    pub fn get(&self, path: &str) -> Option<&Spot> {
        self.spots.get(path)
    }

    /// The spot of this path, or of its nearest written ancestor (a field left at its default
    /// is located at the table that would hold it).
    pub fn nearest(&self, path: &str) -> Option<&Spot> {
        let mut path = path;
        loop {
            if let Some(spot) = self.spots.get(path) {
                return Some(spot);
            }
            path = parent(path)?;
        }
    }

    /// Copies the spots of `path` and everything below it from `other`.
    pub(crate) fn copy_subtree(&mut self, other: &SpanIndex, path: &str) {
        for (p, spot) in &other.spots {
            let below = p
                .strip_prefix(path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']));
            if below {
                self.spots.entry(p.clone()).or_insert_with(|| spot.clone());
            }
        }
    }
}

/// The parent of a dotted path, respecting quoted keys: `a."b.c".d` → `a."b.c"`.
pub(crate) fn parent(path: &str) -> Option<&str> {
    let mut last = None;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in path.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '.' | '[' if !quoted => last = Some(i),
            _ => {}
        }
    }
    last.map(|i| &path[..i])
}

/// What the walk found.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
    /// Required fields found missing, as (table path, field), already reported.
    pub missing: HashSet<(String, String)>,
}

impl Walk {
    /// Diagnostics about `path` or anything below it.
    pub(crate) fn diagnostics_below<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.diagnostics.iter().filter(move |d| {
            d.path.as_deref().is_some_and(|p| {
                p.strip_prefix(path)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
        })
    }
}

/// Checks every key of a document against the schema, removing unknown keys (each reported,
/// with a suggestion) so that typed deserialization can go on to find the next problems.
pub(crate) fn walk(file: FileId, root: &mut Spanned<DeTable<'_>>) -> Walk {
    let schema = schema::generated();
    let mut walker = Walker {
        schema,
        file,
        out: Walk::default(),
    };
    let anchor = root.span();
    walker.table(root.get_mut(), schema, "", &[], anchor);
    walker.out
}

struct Walker<'s> {
    schema: &'s Value,
    file: FileId,
    out: Walk,
}

/// The keys an object schema allows.
#[derive(Default)]
struct ObjectShape<'s> {
    properties: BTreeMap<&'s str, &'s Value>,
    additional: Option<&'s Value>,
    is_object: bool,
}

impl<'s> Walker<'s> {
    fn resolve(&self, mut node: &'s Value) -> &'s Value {
        // A bounded loop: a schema that refers to itself in a cycle must not hang the loader.
        for _ in 0..16 {
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(pointer) => match self.schema.pointer(pointer) {
                    Some(target) => node = target,
                    None => break,
                },
                None => break,
            }
        }
        node
    }

    fn shape(&self, node: &'s Value) -> ObjectShape<'s> {
        let mut shape = ObjectShape::default();
        self.collect_shape(node, &mut shape, 0);
        shape
    }

    fn collect_shape(&self, node: &'s Value, shape: &mut ObjectShape<'s>, depth: usize) {
        if depth > 8 {
            return;
        }
        let node = self.resolve(node);
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            shape.is_object = true;
            for (name, child) in properties {
                shape.properties.insert(name.as_str(), child);
            }
        }
        if let Some(additional) = node.get("additionalProperties")
            && additional.is_object()
        {
            shape.is_object = true;
            shape.additional = Some(additional);
        }
        if node.get("type").and_then(Value::as_str) == Some("object") {
            shape.is_object = true;
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            if let Some(members) = node.get(combinator).and_then(Value::as_array) {
                for member in members {
                    self.collect_shape(member, shape, depth + 1);
                }
            }
        }
    }

    fn items(&self, node: &'s Value, depth: usize) -> Option<&'s Value> {
        if depth > 8 {
            return None;
        }
        let node = self.resolve(node);
        if let Some(items) = node.get("items") {
            return Some(items);
        }
        ["allOf", "anyOf", "oneOf"].iter().find_map(|c| {
            node.get(*c)
                .and_then(Value::as_array)
                .and_then(|members| members.iter().find_map(|m| self.items(m, depth + 1)))
        })
    }

    fn table(
        &mut self,
        table: &mut DeTable<'_>,
        node: &'s Value,
        path: &str,
        segments: &[Segment],
        anchor: Range<usize>,
    ) {
        let shape = self.shape(node);
        if !shape.is_object {
            // Not a table where one is expected: typed deserialization reports the type.
            return;
        }
        let mut unknown = Vec::new();
        for (key, value) in table.iter_mut() {
            let name: &str = key.get_ref();
            let child_path = path::join(path, name);
            let mut child_segments = segments.to_vec();
            child_segments.push(Segment::Key(name.to_owned()));
            let child = shape.properties.get(name).copied().or(shape.additional);
            match child {
                Some(child) => {
                    self.out.entries.push(Entry {
                        path: child_path.clone(),
                        segments: child_segments.clone(),
                        key: key.span(),
                        value: value.span(),
                    });
                    self.value(key.span(), value, child, &child_path, &child_segments);
                }
                None => unknown.push((name.to_owned(), key.span())),
            }
        }
        let mut suggested = HashSet::new();
        for (name, span) in unknown {
            table.remove(name.as_str());
            let hint = self.suggest(&name, &shape, path);
            if let Some(close) = did_you_mean(&name, shape.properties.keys().copied()) {
                suggested.insert(close);
            }
            let message = if path.is_empty() {
                format!("unknown field `{name}`")
            } else {
                format!("unknown field `{name}` in `{path}`")
            };
            self.out.diagnostics.push(
                Diagnostic::error(message)
                    .at(Some(Span::new(self.file, span)))
                    .path(path::join(path, &name))
                    .maybe_hint(hint),
            );
        }
        let required = self
            .resolve(node)
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        for field in required {
            if table.contains_key(field) {
                continue;
            }
            self.out.missing.insert((path.to_owned(), field.to_owned()));
            // A misspelling of it was just reported with the right name; once is enough.
            if suggested.contains(field) {
                continue;
            }
            let message = if path.is_empty() {
                format!("missing field `{field}`")
            } else {
                format!("missing field `{field}` in `{path}`")
            };
            self.out.diagnostics.push(
                Diagnostic::error(message)
                    .at(Some(Span::new(self.file, anchor.clone())))
                    .path(path::join(path, field))
                    .maybe_hint(example_for(field).map(|e| format!("add it, for example: {e}"))),
            );
        }
    }

    fn value(
        &mut self,
        key: Range<usize>,
        value: &mut Spanned<DeValue<'_>>,
        node: &'s Value,
        path: &str,
        segments: &[Segment],
    ) {
        let anchor = key;
        match value.get_mut() {
            DeValue::Table(table) => self.table(table, node, path, segments, anchor),
            DeValue::Array(array) => {
                let Some(items) = self.items(node, 0) else {
                    return;
                };
                for (i, element) in array.iter_mut().enumerate() {
                    let element_path = path::index(path, i);
                    let mut element_segments = segments.to_vec();
                    element_segments.push(Segment::Index(i));
                    self.out.entries.push(Entry {
                        path: element_path.clone(),
                        segments: element_segments.clone(),
                        key: element.span(),
                        value: element.span(),
                    });
                    self.value(
                        element.span(),
                        element,
                        items,
                        &element_path,
                        &element_segments,
                    );
                }
            }
            _ => {}
        }
    }

    /// A hint for an unknown key: a close spelling, the table it belongs in, or the valid keys.
    fn suggest(&self, name: &str, shape: &ObjectShape<'s>, path: &str) -> Option<String> {
        if let Some(close) = did_you_mean(name, shape.properties.keys().copied()) {
            return Some(format!("did you mean `{close}`?"));
        }
        for (child_name, child) in &shape.properties {
            let child_shape = self.shape(child);
            if child_shape.properties.contains_key(name) {
                return Some(format!(
                    "`{name}` belongs in `[{}]`",
                    path::join(path, child_name)
                ));
            }
            if let Some(element) = child_shape.additional
                && self.shape(element).properties.contains_key(name)
            {
                return Some(format!(
                    "`{name}` belongs in `[{}.<name>]`",
                    path::join(path, child_name)
                ));
            }
        }
        if shape.properties.is_empty() {
            return None;
        }
        let known: Vec<String> = shape
            .properties
            .keys()
            .filter(|k| !k.starts_with('$'))
            .map(|k| format!("`{k}`"))
            .collect();
        Some(format!("expected one of {}", known.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_in(text: &str) -> (Walk, FileId) {
        let (mut root, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut sources = super::super::source::Sources::default();
        let file = sources.add("t.toml".into(), text.to_owned());
        (walk(file, &mut root), file)
    }

    fn run(text: &str) -> Walk {
        run_in(text).0
    }

    #[test]
    fn finds_every_unknown_key_at_every_depth() {
        let walk = run(r#"
            colour = 1
            [pools.a]
            vm_sise = "x"
            [pools.a.image]
            publsher = "p"
            [pools.a.users.bob]
            admn = true
            password = { evn = "X" }
            [[pools.a.container.registries]]
            sever = "r"
        "#);
        let messages: Vec<_> = walk
            .diagnostics
            .iter()
            .map(|d| format!("{} | {}", d.message, d.hint.clone().unwrap_or_default()))
            .collect();
        // Six unknown keys, and `node_agent_sku` missing (`vm_size` is only misspelled).
        assert_eq!(messages.len(), 7, "{messages:#?}");
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`vm_sise`") && m.contains("`vm_size`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`publsher`") && m.contains("`publisher`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`admn`") && m.contains("`admin`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`evn`") && m.contains("`env`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`sever`") && m.contains("`server`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("unknown field `colour` |"))
        );
    }

    #[test]
    fn points_misplaced_keys_to_their_table() {
        let walk = run("[pools.a]\ndedicated = 2\n");
        assert_eq!(
            walk.diagnostics[0].hint.as_deref(),
            Some("`dedicated` belongs in `[pools.a.scale]`")
        );
    }

    #[test]
    fn records_where_things_are() {
        let (walk, file) =
            run_in("[pools.a]\nvm_size = \"x\"\n[pools.a.container]\nimages = [\"i\"]\n");
        let index = SpanIndex::from_entries(file, &walk.entries);
        assert!(index.get("pools.a.vm_size").is_some());
        assert!(index.get("pools.a.container.images[0]").is_some());
        assert_eq!(
            index.nearest("pools.a.scale.dedicated"),
            index.get("pools.a")
        );
    }

    #[test]
    fn parents_respect_quotes() {
        assert_eq!(parent("a.\"b.c\".d"), Some("a.\"b.c\""));
        assert_eq!(parent("a.\"b.c\""), Some("a"));
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent("a"), None);
    }
}

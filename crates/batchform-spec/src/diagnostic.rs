//! Errors and warnings about spec files, printed the way rustc and cargo print theirs, or as JSON.

use std::fmt::Write as _;
use std::sync::Arc;

use annotate_snippets::{Level, Message, Renderer, Snippet};
use serde_json::json;

use super::source::{Sources, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec cannot be used.
    Error,
    /// The spec can be used, but probably does not do what was meant.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding about a spec: what is wrong, where, and how to fix it when that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The spec path it concerns, e.g. `pools.render.scale.dedicated`.
    pub path: Option<String>,
    /// How to fix it, when known. Printed under the caret.
    pub hint: Option<String>,
    /// Where it is; `None` for problems with no place in a file (e.g. a missing file).
    pub span: Option<Span>,
    /// Other places that explain it (e.g. where a duplicate was first defined).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// An error with a message only; add a place and a hint with the builder methods.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A warning with a message only.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Self {
            severity,
            message: message.into(),
            path: None,
            hint: None,
            span: None,
            related: Vec::new(),
        }
    }

    /// Places the diagnostic at a span.
    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    /// Names the spec path concerned.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Adds how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds how to fix it, if known.
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Points at another place that explains this one.
    pub fn related(mut self, span: Option<Span>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.related.push((span, label.into()));
        }
        self
    }
}

/// Diagnostics of one load, with the sources they quote and what was read.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The files read, for quoting.
    pub sources: Arc<Sources>,
    /// Findings, ordered by file and position.
    pub items: Vec<Diagnostic>,
    /// Number of spec files read.
    pub files: usize,
    /// Number of pools found (valid or not).
    pub pools: usize,
}

impl Diagnostics {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// An empty collection, to [`absorb`](Self::absorb) others into.
    pub fn empty() -> Self {
        Self {
            sources: Arc::new(Sources::default()),
            items: Vec::new(),
            files: 0,
            pools: 0,
        }
    }

    /// Adds the findings of another load (e.g. of another spec checked in the same run).
    pub fn absorb(&mut self, other: Diagnostics) {
        let sources = Arc::make_mut(&mut self.sources);
        let ids: Vec<_> = other
            .sources
            .files()
            .map(|f| sources.add(f.path.clone(), f.text.clone()))
            .collect();
        let remap = |span: &mut Span| {
            if let Some(id) = ids.get(span.file.index()) {
                span.file = *id;
            }
        };
        for mut diagnostic in other.items {
            if let Some(span) = &mut diagnostic.span {
                remap(span);
            }
            for (span, _) in &mut diagnostic.related {
                remap(span);
            }
            self.items.push(diagnostic);
        }
        self.files += other.files;
        self.pools += other.pools;
    }

    /// Every finding, rustc style, followed by a one-line summary.
    pub fn render_text(&self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for diagnostic in &self.items {
            let _ = writeln!(
                out,
                "{}\n",
                render_one(&renderer, &self.sources, diagnostic)
            );
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `2 files, 3 pools: valid (1 warning)`.
    pub fn summary(&self) -> String {
        let files = plural(self.files, "file", "files");
        let pools = plural(self.pools, "pool", "pools");
        let errors = self.error_count();
        let warnings = self.warning_count();
        let verdict = match (errors, warnings) {
            (0, 0) => "valid".to_owned(),
            (0, w) => format!("valid ({})", plural(w, "warning", "warnings")),
            (e, 0) => format!("invalid ({})", plural(e, "error", "errors")),
            (e, w) => format!(
                "invalid ({}, {})",
                plural(e, "error", "errors"),
                plural(w, "warning", "warnings")
            ),
        };
        format!("{files}, {pools}: {verdict}")
    }

    /// The JSON document printed by `validate --format json`.
    pub fn to_json(&self) -> serde_json::Value {
        let diagnostics: Vec<_> = self
            .items
            .iter()
            .map(|d| {
                let mut entry = serde_json::Map::new();
                entry.insert("severity".into(), d.severity.as_str().into());
                let located = d.span.as_ref().and_then(|s| self.sources.location(s));
                if let Some(loc) = &located {
                    entry.insert("file".into(), loc.file.display().to_string().into());
                    entry.insert("line".into(), loc.line.into());
                    entry.insert("column".into(), loc.column.into());
                }
                entry.insert("message".into(), d.message.clone().into());
                if let Some(hint) = &d.hint {
                    entry.insert("hint".into(), hint.clone().into());
                }
                if let Some(path) = &d.path {
                    entry.insert("path".into(), path.clone().into());
                }
                serde_json::Value::Object(entry)
            })
            .collect();
        json!({
            "valid": !self.has_errors(),
            "files": self.files,
            "pools": self.pools,
            "diagnostics": diagnostics,
        })
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders one diagnostic rustc style, quoting the files in `sources` (plain text unless
/// `color`).
pub fn render(sources: &Sources, diagnostic: &Diagnostic, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    render_one(&renderer, sources, diagnostic)
}

/// Renders one diagnostic with its source lines, or as a bare title when it has no place.
fn render_one(renderer: &Renderer, sources: &Sources, diagnostic: &Diagnostic) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    // Origins must outlive the message; collect them first.
    let mut places: Vec<Place<'_>> = Vec::new();
    if let Some(span) = &diagnostic.span
        && let Some(file) = sources.file(span.file)
    {
        places.push(Place {
            origin: file.path.display().to_string(),
            text: &file.text,
            range: visible(&file.text, file.clamp(span.range.clone())),
            label: diagnostic.hint.as_deref(),
            level,
        });
    }
    for (span, label) in &diagnostic.related {
        if let Some(file) = sources.file(span.file) {
            places.push(Place {
                origin: file.path.display().to_string(),
                text: &file.text,
                range: visible(&file.text, file.clamp(span.range.clone())),
                label: Some(label),
                // Drawn with `-` and no "info:" prefix, like rustc's secondary labels.
                level: Level::Warning,
            });
        }
    }
    let mut message: Message<'_> = level.title(&diagnostic.message);
    // Places in one file share one snippet, as rustc shows them; the primary comes first.
    let mut done = vec![false; places.len()];
    for (i, place) in places.iter().enumerate() {
        if done[i] {
            continue;
        }
        let mut snippet = Snippet::source(place.text).origin(&place.origin).fold(true);
        for (j, other) in places.iter().enumerate().skip(i) {
            if other.origin == place.origin && !done[j] {
                done[j] = true;
                let mut annotation = other.level.span(other.range.clone());
                if let Some(label) = other.label {
                    annotation = annotation.label(label);
                }
                snippet = snippet.annotation(annotation);
            }
        }
        message = message.snippet(snippet);
    }
    let footer_hint;
    if diagnostic.span.is_none()
        && let Some(hint) = &diagnostic.hint
    {
        footer_hint = hint.clone();
        message = message.footer(Level::Help.title(&footer_hint));
    }
    renderer.render(message).to_string()
}

/// One quoted place of a diagnostic.
struct Place<'a> {
    origin: String,
    text: &'a str,
    range: std::ops::Range<usize>,
    label: Option<&'a str>,
    level: Level,
}

/// Makes a span worth drawing: an empty span gets the character under it, a span running over
/// several lines is cut at the first line end so the caret stays on the line that matters.
fn visible(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = range.start;
    let mut end = range.end;
    if let Some(newline) = text.get(start..end).and_then(|s| s.find('\n'))
        && newline > 0
    {
        end = start + newline;
    }
    if end == start {
        end = text
            .get(start..)
            .and_then(|rest| rest.chars().next())
            .filter(|c| *c != '\n')
            .map_or(start, |c| start + c.len_utf8());
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> (Arc<Sources>, Span) {
        let mut sources = Sources::default();
        let id = sources.add(
            "pools/render.toml".into(),
            "[pools.render]\nvm_size = \"a\"\nnode_agent_sku = \"b\"\nvm_sise = \"c\"\n".into(),
        );
        (Arc::new(sources), Span::new(id, 50..57))
    }

    #[test]
    fn renders_like_rustc() {
        let (sources, span) = sources();
        let d = Diagnostic::error("unknown field `vm_sise`")
            .at(Some(span))
            .hint("did you mean `vm_size`?");
        let text = render_one(&Renderer::plain(), &sources, &d);
        assert_eq!(
            text,
            "error: unknown field `vm_sise`\n --> pools/render.toml:4:1\n  |\n4 | vm_sise = \"c\"\n  | ^^^^^^^ did you mean `vm_size`?\n  |"
        );
    }

    #[test]
    fn json_has_file_line_and_column() {
        let (sources, span) = sources();
        let diagnostics = Diagnostics {
            sources,
            items: vec![Diagnostic::warning("w").at(Some(span)).path("pools.render")],
            files: 1,
            pools: 1,
        };
        let json = diagnostics.to_json();
        assert_eq!(json["valid"], true);
        assert_eq!(json["diagnostics"][0]["line"], 4);
        assert_eq!(json["diagnostics"][0]["column"], 1);
        assert_eq!(json["diagnostics"][0]["severity"], "warning");
        assert_eq!(diagnostics.summary(), "1 file, 1 pool: valid (1 warning)");
    }

    #[test]
    fn odd_spans_render_without_panicking() {
        let (sources, span) = sources();
        #[allow(clippy::reversed_empty_ranges)]
        for range in [0..0, 999..1000, 14..15, 58..58, 60..61, 5..2] {
            let d = Diagnostic::error("x").at(Some(Span::new(span.file, range)));
            let _ = render_one(&Renderer::plain(), &sources, &d);
        }
    }
}

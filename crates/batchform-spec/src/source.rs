//! Spec files held in memory, and byte offsets in them turned into `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One spec file as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user named it (or as found below a directory they named).
    pub path: PathBuf,
    /// The file's text (lossily decoded if it was not UTF-8, so it can still be shown).
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path,
            text,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset);
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line.max(1), column)
    }

    /// Clamps a byte range to the text and to character boundaries, so any span can be shown.
    pub fn clamp(&self, range: Range<usize>) -> Range<usize> {
        let start = floor_char_boundary(&self.text, range.start);
        let end = floor_char_boundary(&self.text, range.end.max(start));
        start..end
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Identifies a file within [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(usize);

impl FileId {
    pub(crate) fn first() -> Self {
        FileId(0)
    }

    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// Every spec file read by one load, so diagnostics and locations can quote them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub(crate) fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(path, text));
        FileId(self.files.len() - 1)
    }

    /// The file behind an id handed out by this collection.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// All files, in the order they were read.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Number of files read.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Where a span starts, as `file:line:column`.
    pub fn location(&self, span: &Span) -> Option<Location> {
        let file = self.file(span.file)?;
        let (line, column) = file.line_column(span.range.start);
        Some(Location {
            file: file.path.clone(),
            line,
            column,
        })
    }
}

/// A byte range in one spec file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offsets into the file's text.
    pub range: Range<usize>,
}

impl Span {
    pub(crate) fn new(file: FileId, range: Range<usize>) -> Self {
        Self { file, range }
    }
}

/// A point in a spec file, printed the way compilers print them: `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The file part.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let mut sources = Sources::default();
        let id = sources.add("a.toml".into(), "a = 1\nbé = \"x\"\n".into());
        let file = sources.file(id).unwrap();
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(4), (1, 5));
        assert_eq!(file.line_column(6), (2, 1));
        // `=` after a two-byte character is the fourth character of the line.
        assert_eq!(file.line_column(10), (2, 4));
        assert_eq!(file.line_column(10_000).0, 3);
        let loc = sources.location(&Span::new(id, 6..8)).unwrap();
        assert_eq!(loc.to_string(), "a.toml:2:1");
    }

    #[test]
    fn clamping_never_splits_a_character() {
        let mut sources = Sources::default();
        let id = sources.add("a.toml".into(), "é".into());
        let file = sources.file(id).unwrap();
        assert_eq!(file.clamp(1..9), 0..2);
    }
}

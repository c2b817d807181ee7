//! No input may panic the loader or the renderers: truncated and mutated examples and broken
//! specs are loaded and their diagnostics rendered.

use std::path::{Path, PathBuf};

use batchform_spec::{Diagnostics, load, load_str};

fn seeds() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["examples", "examples/multi-pool", "tests/specs/invalid"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }
}

fn exercise(name: &Path, text: &str) {
    let outcome = std::panic::catch_unwind(|| match load_str(name, text) {
        Ok(loaded) => {
            // A spec that loads has lost no pool on the way.
            assert_eq!(loaded.spec.pools.len(), loaded.diagnostics.pools);
            render(&loaded.diagnostics);
        }
        Err(diagnostics) => {
            assert!(diagnostics.has_errors());
            render(&diagnostics);
        }
    });
    assert!(
        outcome.is_ok(),
        "{} panicked on input:\n{text:?}",
        name.display()
    );
}

fn render(diagnostics: &Diagnostics) {
    let _ = diagnostics.render_text(false);
    let _ = diagnostics.render_text(true);
    let _ = diagnostics.to_json();
}

const PIECES: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'''",
    "\"\"\"",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "#",
    "é",
    "\u{0}",
    "pools",
    "users",
    "-1",
    "1e400",
    "99999999999999999999999",
    "true",
    "2027-01-01T00:00:00Z",
    "{ env = \"X\" }",
    "{ file = \"\" }",
    "\\u",
    "\t",
    "\r\n",
];

#[test]
fn truncations_never_panic() {
    for file in seeds() {
        let text = std::fs::read_to_string(&file).unwrap();
        // Every few bytes, and a few hundred cuts at most for long files.
        let step = (text.len() / 300).max(3);
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                exercise(&file, &text[..cut]);
            }
            cut += step;
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for file in seeds() {
        let original = std::fs::read(&file).unwrap();
        for _ in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                match rng.below(4) {
                    0 if !bytes.is_empty() => {
                        let end = (at + rng.below(8)).min(bytes.len());
                        bytes.drain(at.min(end)..end);
                    }
                    1 => {
                        let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                        bytes.splice(at..at, piece.iter().copied());
                    }
                    2 if at < bytes.len() => bytes[at] = u8::try_from(rng.below(256)).unwrap(),
                    _ => {
                        let from = rng.below(bytes.len());
                        let end = (from + rng.below(40)).min(bytes.len());
                        let copied = bytes[from..end].to_vec();
                        bytes.splice(at.min(bytes.len())..at.min(bytes.len()), copied);
                    }
                }
            }
            exercise(&file, &String::from_utf8_lossy(&bytes));
        }
    }
}

#[test]
fn raw_bytes_from_disk_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(42);
    for i in 0..40 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| u8::try_from(rng.below(256)).unwrap())
            .collect();
        let path = dir.path().join(format!("f{i}.toml"));
        std::fs::write(&path, bytes).unwrap();
        match load(&[path]) {
            Ok(loaded) => render(&loaded.diagnostics),
            Err(diagnostics) => render(&diagnostics),
        }
    }
}

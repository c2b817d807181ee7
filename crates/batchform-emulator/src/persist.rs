//! The state file: loaded at start, rewritten atomically (a new temporary file, then rename)
//! after every change, and held by one process at a time through a `FILE.lock` sidecar.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::state::{FORMAT, State};

/// An open, locked state file.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    // Held for the life of the store; the OS releases the lock when it is closed.
    _lock: File,
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

impl Store {
    /// Locks `path` for this process and reads the state in it (empty if the file does not
    /// exist yet). Fails if another process holds the lock or the file is not a state file.
    pub fn open(path: &Path) -> anyhow::Result<(Store, State)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let lock_path = sidecar(path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open the lock file {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => bail!(
                "another emulator is already using the state file {} (it holds {}); stop it or choose another --state file",
                path.display(),
                lock_path.display()
            ),
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()));
            }
        }
        let state = match fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() => State::default(),
            Ok(text) => {
                let state: State = serde_json::from_str(&text).with_context(|| {
                    format!("{} is not an emulator state file (or is damaged); move it away to start afresh", path.display())
                })?;
                if state.format != FORMAT {
                    bail!(
                        "{} has state format {}, this emulator reads format {FORMAT}",
                        path.display(),
                        state.format
                    );
                }
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let store = Store {
            path: path.to_path_buf(),
            _lock: lock,
        };
        Ok((store, state))
    }

    /// Replaces the file's contents with `state`, atomically: a reader (or a crash) sees the
    /// old state or the new one, never a mix.
    ///
    /// The new contents go to a file created for this save alone (exclusively, under a random
    /// name, beside the state file so the rename stays on one file system): a fixed name such
    /// as `FILE.tmp` could be a link someone planted, and writing through it would overwrite
    /// whatever it points at.
    pub fn save(&self, state: &State) -> anyhow::Result<()> {
        let text =
            serde_json::to_vec_pretty(state).context("cannot serialize the emulator state")?;
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(self.path.file_name().unwrap_or_default());
        prefix.push(".");
        let mut file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        // On failure the temporary file is removed when `file` is dropped.
        file.write_all(&text)
            .and_then(|()| file.as_file().sync_all())
            .with_context(|| format!("cannot write {}", file.path().display()))?;
        file.persist(&self.path).map_err(|e| {
            anyhow::Error::new(e.error).context(format!(
                "cannot replace {} with {}",
                self.path.display(),
                e.file.path().display()
            ))
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_exclusive_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("state.json");
        let (store, mut state) = Store::open(&path).unwrap();
        state.next_node = 42;
        store.save(&state).unwrap();

        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.contains("another emulator is already using"), "{err}");

        drop(store);
        let (_store, again) = Store::open(&path).unwrap();
        assert_eq!(again.next_node, 42);
    }

    #[cfg(unix)]
    #[test]
    fn saving_writes_a_new_file_and_never_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("state.json.tmp")).unwrap();
        let (store, mut state) = Store::open(&path).unwrap();
        for n in 1..=3 {
            state.next_node = n;
            store.save(&state).unwrap();
        }
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
        let saved: State = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(saved.next_node, 3);
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["state.json", "state.json.lock", "state.json.tmp", "victim"]
        );
    }

    #[test]
    fn refuses_a_file_that_is_not_a_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, "{\"hello\": 1}").unwrap();
        let err = format!("{:#}", Store::open(&path).unwrap_err());
        assert!(err.contains("not an emulator state file"), "{err}");
    }
}

//! The output folder: `NNNNNN.body` + `NNNNNN.meta.json` per input line,
//! and the action's definition as `ACTION_ID.action.json`, each written to
//! a hidden temporary file and renamed into place, the sidecar last, so
//! that a capture either is complete or is not there.
//!
//! A run holds an advisory lock on the folder itself (`flock` on the opened
//! directory) while it writes: the system releases it when the process ends,
//! however it ends, and no lock file is left among the captures.

use super::redact::Redactor;
use crate::input::{SETTINGS_LIMIT, SIDECAR_LIMIT, read_limited};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Temporary files start with this; a run removes any left by a killed one.
const TEMP_PREFIX: &str = ".dapa-fetch-";

/// Why the folder cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the folder's lock: a run is writing to it.
    #[error("another run holds the folder")]
    Locked,
    /// The system refused.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Why a definition was not written.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// Written out, it would be larger than `scan` reads a definition.
    #[error(
        "written out it would be larger than {} MiB, the most `scan` reads of a definition",
        SETTINGS_LIMIT >> 20
    )]
    TooLarge,
    /// The system refused.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// A buffer that takes at most `limit` bytes and refuses the rest: the
/// pretty form of a reply may be several times its size.
struct Capped {
    bytes: Vec<u8>,
    limit: u64,
    over: bool,
}

impl Capped {
    fn new(limit: u64) -> Capped {
        Capped {
            bytes: Vec::new(),
            limit,
            over: false,
        }
    }
}

impl io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if (self.bytes.len() + data.len()) as u64 > self.limit {
            self.over = true;
            return Err(io::Error::other("over the limit"));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The body file name for an input line.
pub fn body_name(line: usize) -> String {
    format!("{line:06}.body")
}

/// The sidecar file name for an input line.
pub fn meta_name(line: usize) -> String {
    format!("{line:06}.meta.json")
}

/// The input lines already captured in `dir` (body and sidecar both there);
/// an absent folder has none.
pub fn captured_lines(dir: &Path) -> io::Result<BTreeSet<usize>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(error) => return Err(error),
    };
    let mut bodies = BTreeSet::new();
    let mut sidecars = BTreeSet::new();
    for entry in entries {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(line) = line_of(name, ".body") {
            bodies.insert(line);
        } else if let Some(line) = line_of(name, ".meta.json") {
            sidecars.insert(line);
        }
    }
    Ok(bodies.intersection(&sidecars).copied().collect())
}

fn line_of(name: &str, suffix: &str) -> Option<usize> {
    let digits = name.strip_suffix(suffix)?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The file name of an action's definition.
pub fn definition_name(action_id: &str) -> String {
    format!("{action_id}.action.json")
}

/// The `version` of the definition of `action_id` already in `dir`, when
/// there is one that can be read and carries a version.
pub fn stored_version(dir: &Path, action_id: &str) -> Option<u64> {
    let bytes = read_limited(&dir.join(definition_name(action_id)), SETTINGS_LIMIT).ok()?;
    let document: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    document.get("version")?.as_u64()
}

/// The sidecar of a captured line, as JSON, or why it cannot be had.
pub fn read_sidecar(dir: &Path, line: usize) -> Result<serde_json::Value, String> {
    let bytes =
        read_limited(&dir.join(meta_name(line)), SIDECAR_LIMIT).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not JSON ({e})"))
}

/// An output folder opened for writing, locked while this value lives.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    redactor: Redactor,
    /// The open folder whose lock this run holds.
    _lock: File,
}

impl Store {
    /// Create the folder if needed, take its lock, and remove temporary
    /// files a killed run left behind (with the lock held, no live run can
    /// be writing them). Everything written goes through `redactor`.
    pub fn open(dir: &Path, redactor: Redactor) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)?;
        let lock = File::open(dir)?;
        lock.try_lock().map_err(|error| match error {
            std::fs::TryLockError::WouldBlock => StoreError::Locked,
            std::fs::TryLockError::Error(error) => StoreError::Io(error),
        })?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Store {
            dir: dir.to_owned(),
            redactor,
            _lock: lock,
        })
    }

    /// Write one capture: the body, then the sidecar that makes it count;
    /// both with the secrets redacted (a gzip body's inflated to at most
    /// `max_bytes`, see [`Redactor::body`]).
    pub fn write(
        &self,
        line: usize,
        body: &[u8],
        meta: &serde_json::Value,
        max_bytes: u64,
    ) -> io::Result<()> {
        self.put(&body_name(line), &self.redactor.body(body, max_bytes))?;
        let meta = self.redactor.json(meta);
        let mut text = serde_json::to_vec_pretty(&meta).map_err(io::Error::other)?;
        text.push(b'\n');
        self.put(&meta_name(line), &text)
    }

    /// The folder written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `version` of the definition of `action_id` in the folder.
    pub fn stored_version(&self, action_id: &str) -> Option<u64> {
        stored_version(&self.dir, action_id)
    }

    /// Write an action's definition (whose id was checked to be one plain
    /// file name), with the secrets redacted; one that written out would
    /// be larger than `scan` reads a definition ([`SETTINGS_LIMIT`]) is
    /// not written, as it would stop every scan of the folder.
    pub fn write_definition(
        &self,
        action_id: &str,
        definition: serde_json::Value,
    ) -> Result<(), DefinitionError> {
        let definition = self.redactor.into_json(definition);
        let mut text = Capped::new(SETTINGS_LIMIT);
        let written = serde_json::to_writer_pretty(&mut text, &definition)
            .and_then(|()| text.write_all(b"\n").map_err(serde_json::Error::io));
        if text.over {
            return Err(DefinitionError::TooLarge);
        }
        written.map_err(io::Error::other)?;
        Ok(self.put(&definition_name(action_id), &text.bytes)?)
    }

    fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.dir)?;
        temp.write_all(bytes)?;
        temp.as_file().sync_data()?;
        temp.persist(self.dir.join(name)).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_pairs_count_as_captured() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Redactor::default()).unwrap();
        store
            .write(3, b"{}", &serde_json::json!({"status": 200}), 64)
            .unwrap();
        std::fs::write(dir.path().join(body_name(4)), b"{}").unwrap();
        std::fs::write(dir.path().join(meta_name(5)), b"{}").unwrap();
        std::fs::write(dir.path().join("notes.body"), b"").unwrap();
        std::fs::write(dir.path().join("1234567.body"), b"").unwrap();
        std::fs::write(dir.path().join("1234567.meta.json"), b"{}").unwrap();
        let lines: Vec<usize> = captured_lines(dir.path()).unwrap().into_iter().collect();
        assert_eq!(lines, [3, 1_234_567]);
        assert_eq!(
            std::fs::read(dir.path().join("000003.body")).unwrap(),
            b"{}"
        );
    }

    #[test]
    fn opening_removes_leftover_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let leftover = dir.path().join(format!("{TEMP_PREFIX}abc"));
        std::fs::write(&leftover, b"partial").unwrap();
        Store::open(dir.path(), Redactor::default()).unwrap();
        assert!(!leftover.exists());
        assert!(
            captured_lines(&dir.path().join("absent"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_locked_folder_is_refused_and_its_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path(), Redactor::default()).unwrap();
        let writing = dir.path().join(format!("{TEMP_PREFIX}live"));
        std::fs::write(&writing, b"being written").unwrap();
        let second = Store::open(dir.path(), Redactor::default());
        assert!(matches!(second, Err(StoreError::Locked)), "{second:?}");
        assert!(writing.exists(), "a live run's temporary file was removed");
        drop(first);
        Store::open(dir.path(), Redactor::default()).unwrap();
        assert!(!writing.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "no lock file is left: {names:?}");
    }
}

//! The output folder: `NNNNNN.body` + `NNNNNN.meta.json` per input line,
//! each written to a hidden temporary file and renamed into place, the
//! sidecar last, so that a capture either is complete or is not there.

use std::collections::BTreeSet;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Temporary files start with this; a run removes any left by a killed one.
const TEMP_PREFIX: &str = ".dapa-fetch-";

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

/// An output folder opened for writing.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Create the folder if needed and remove temporary files a killed run
    /// left behind.
    pub fn open(dir: &Path) -> io::Result<Store> {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Store {
            dir: dir.to_owned(),
        })
    }

    /// Write one capture: the body, then the sidecar that makes it count.
    pub fn write(&self, line: usize, body: &[u8], meta: &serde_json::Value) -> io::Result<()> {
        self.put(&body_name(line), body)?;
        let mut text = serde_json::to_vec_pretty(meta).map_err(io::Error::other)?;
        text.push(b'\n');
        self.put(&meta_name(line), &text)
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
        let store = Store::open(dir.path()).unwrap();
        store
            .write(3, b"{}", &serde_json::json!({"status": 200}))
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
        Store::open(dir.path()).unwrap();
        assert!(!leftover.exists());
        assert!(
            captured_lines(&dir.path().join("absent"))
                .unwrap()
                .is_empty()
        );
    }
}

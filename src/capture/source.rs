//! Where a capture came from: a file, an entry of a HAR export, a line of a
//! JSON Lines log, or standard input. Every output names it by its text
//! (`dir/a.json`, `export.har#3`, `app.jsonl:12`, `-`); the parts stay
//! apart so that nothing has to take that text apart again.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a capture came from.
///
/// File names are kept as text, invalid UTF-8 replaced, as every output
/// shows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A file that holds one capture: its path as given.
    File(String),
    /// One entry of a HAR export: `FILE#N`.
    HarEntry {
        /// The export's path as given.
        file: String,
        /// The entry's number, from 1.
        entry: usize,
    },
    /// One line of a JSON Lines log: `FILE:N`.
    LogLine {
        /// The log's path as given.
        file: String,
        /// The line's number, from 1.
        line: usize,
    },
    /// Standard input: `-`.
    Stdin,
}

/// `bytes` as text, invalid UTF-8 replaced as [`String::from_utf8_lossy`]
/// replaces it. Names are nearly always UTF-8, and checking that first is a
/// quarter of the cost of the replacing decoder (a scan makes a few of these
/// per capture).
pub fn lossy_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A file that holds one capture: its path, taken whole, becomes the text
/// without a copy when it is UTF-8 (nearly always).
impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Source {
        match path.into_os_string().into_string() {
            Ok(text) => Source::File(text),
            Err(raw) => Source::File(String::from_utf8_lossy(raw.as_encoded_bytes()).into_owned()),
        }
    }
}

impl Source {
    /// A file that holds one capture.
    pub fn from_path(path: &Path) -> Source {
        Source::File(lossy_text(path.as_os_str().as_encoded_bytes()).into_owned())
    }

    /// The file the capture is in (the export of a HAR entry, the log of a
    /// line); none for standard input.
    pub fn file(&self) -> Option<&str> {
        match self {
            Source::File(file) | Source::HarEntry { file, .. } | Source::LogLine { file, .. } => {
                Some(file)
            }
            Source::Stdin => None,
        }
    }

    /// The number of a HAR entry.
    pub fn entry(&self) -> Option<usize> {
        match self {
            Source::HarEntry { entry, .. } => Some(*entry),
            _ => None,
        }
    }

    /// The number of a log line.
    pub fn line(&self) -> Option<usize> {
        match self {
            Source::LogLine { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// A capture with no name yet: an empty file name, as it is shown.
impl Default for Source {
    fn default() -> Self {
        Source::File(String::new())
    }
}

/// A source named as on the command line: `-` is standard input, any
/// other name a file.
impl From<&str> for Source {
    fn from(name: &str) -> Self {
        Source::from(name.to_owned())
    }
}

/// See the `From<&str>`.
impl From<String> for Source {
    fn from(name: String) -> Self {
        if name == "-" {
            Source::Stdin
        } else {
            Source::File(name)
        }
    }
}

impl fmt::Display for Source {
    /// `dir/a.json`, `export.har#3`, `app.jsonl:12`, `-`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(file) => f.write_str(file),
            Source::HarEntry { file, entry } => write!(f, "{file}#{entry}"),
            Source::LogLine { file, line } => write!(f, "{file}:{line}"),
            Source::Stdin => f.write_str("-"),
        }
    }
}

impl serde::Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    /// A path taken whole reads as the borrowed one does: the same text,
    /// invalid UTF-8 replaced the same way, `-` a file like any other.
    #[test]
    fn a_path_taken_whole_is_the_text_of_the_path_borrowed() {
        let names: [&[u8]; 5] = [
            b"d/000001.json",
            b"-",
            b"caf\xc3\xa9/r\xe9ponse.json",
            b"\xff\xfe.json",
            b"",
        ];
        for name in names {
            let path = Path::new(OsStr::from_bytes(name));
            let borrowed = Source::from_path(path);
            assert_eq!(Source::from(path.to_path_buf()), borrowed);
            assert_eq!(
                borrowed.file(),
                Some(String::from_utf8_lossy(name).as_ref())
            );
            assert_eq!(lossy_text(name), String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn each_source_is_shown_as_before_and_keeps_its_parts() {
        let entry = Source::HarEntry {
            file: "x/export.har".into(),
            entry: 3,
        };
        assert_eq!(entry.to_string(), "x/export.har#3");
        assert_eq!(
            (entry.file(), entry.entry(), entry.line()),
            (Some("x/export.har"), Some(3), None)
        );
        let line = Source::LogLine {
            file: "logs/app.jsonl.gz".into(),
            line: 12,
        };
        assert_eq!(line.to_string(), "logs/app.jsonl.gz:12");
        assert_eq!(
            (line.file(), line.line()),
            (Some("logs/app.jsonl.gz"), Some(12))
        );
        // A file's own name is never taken apart, whatever it holds.
        for name in ["a:b/c.json", "notes.txt#2", "a.har#2"] {
            let file = Source::from(name);
            assert_eq!(file.to_string(), name);
            assert_eq!(
                (file.file(), file.entry(), file.line()),
                (Some(name), None, None)
            );
        }
        assert_eq!(Source::from("-"), Source::Stdin);
        assert_eq!(Source::Stdin.to_string(), "-");
        assert_eq!(Source::Stdin.file(), None);
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            "\"logs/app.jsonl.gz:12\""
        );
    }

    #[test]
    fn a_path_that_is_not_utf8_is_shown_with_replacements() {
        use std::os::unix::ffi::OsStrExt as _;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"dir/caf\xe9.json"));
        assert_eq!(Source::from_path(path).to_string(), "dir/caf\u{fffd}.json");
    }
}

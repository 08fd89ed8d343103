//! Where a capture came from: a file, an entry of a HAR export, a line of a
//! JSON Lines log, or standard input. Every output names it by its text
//! (`dir/a.json`, `export.har#3`, `app.jsonl:12`, `-`); the parts stay
//! apart so that nothing has to take that text apart again.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a capture came from.
///
/// File names are kept as the text every output shows ([`path_text`]).
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

/// A path's bytes as the text every output shows: a UTF-8 path is itself
/// (nearly every path). In one that is not, each byte that is no part of a
/// character is written `\xHH` and each backslash `\\`, so that `a\xFF.json`
/// and `a\xFE.json` stay two names and [`path_bytes`] gives the bytes back.
pub fn path_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut text = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for part in chunk.valid().split_inclusive('\\') {
            text.push_str(part);
            if part.ends_with('\\') {
                text.push('\\');
            }
        }
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02X}"));
        }
    }
    Cow::Owned(text)
}

/// The bytes of the path that [`path_text`] shows as `text`. Only a text
/// with a `\xHH` of a byte no UTF-8 text holds alone (80 to FF) is read as
/// escaped: a UTF-8 name that holds such a sequence itself, and nothing
/// else, would be read wrongly.
pub fn path_bytes(text: &str) -> Cow<'_, [u8]> {
    let bytes = text.as_bytes();
    let escape_at = |at: usize| match bytes.get(at..at + 4) {
        Some([b'\\', b'x', high, low]) => {
            matches!(high, b'8'..=b'9' | b'A'..=b'F') && matches!(low, b'0'..=b'9' | b'A'..=b'F')
        }
        _ => false,
    };
    if !memchr::memchr_iter(b'\\', bytes).any(escape_at) {
        return Cow::Borrowed(bytes);
    }
    let hex = |digit: u8| (digit as char).to_digit(16).unwrap_or(0) as u8;
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at..].starts_with(br"\\") {
            out.push(b'\\');
            at += 2;
        } else if escape_at(at) {
            out.push(hex(bytes[at + 2]) << 4 | hex(bytes[at + 3]));
            at += 4;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    Cow::Owned(out)
}

/// A path as every output shows it ([`path_text`]).
pub fn path_shown(path: &Path) -> Cow<'_, str> {
    path_text(path.as_os_str().as_encoded_bytes())
}

/// The path that [`path_shown`] shows as `text`.
pub fn path_of_text(text: &str) -> PathBuf {
    PathBuf::from(name_of(&path_bytes(text)))
}

/// A file name (or path) from its bytes, as a folder listing gives them.
pub fn name_of(bytes: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt as _;
    std::ffi::OsStr::from_bytes(bytes)
}

/// A file that holds one capture: its path, taken whole, becomes the text
/// without a copy when it is UTF-8 (nearly always).
impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Source {
        match path.into_os_string().into_string() {
            Ok(text) => Source::File(text),
            Err(raw) => Source::File(path_text(raw.as_encoded_bytes()).into_owned()),
        }
    }
}

impl Source {
    /// A file that holds one capture.
    pub fn from_path(path: &Path) -> Source {
        Source::File(path_shown(path).into_owned())
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

    /// A path taken whole reads as the borrowed one does, and its text
    /// gives its bytes back, whatever they are.
    #[test]
    fn a_path_taken_whole_is_the_text_of_the_path_borrowed() {
        let names: [(&[u8], &str); 8] = [
            (b"d/000001.json", "d/000001.json"),
            (b"-", "-"),
            (b"caf\xc3\xa9/r\xc3\xa9ponse.json", "café/réponse.json"),
            (b"caf\xc3\xa9/r\xe9ponse.json", r"café/r\xE9ponse.json"),
            (b"\xff\xfe.json", r"\xFF\xFE.json"),
            (b"a\\b.json", r"a\b.json"),
            (b"a\\xFF\xff\\.json", r"a\\xFF\xFF\\.json"),
            (b"", ""),
        ];
        for (name, shown) in names {
            let path = Path::new(OsStr::from_bytes(name));
            let borrowed = Source::from_path(path);
            assert_eq!(Source::from(path.to_path_buf()), borrowed);
            assert_eq!(borrowed.file(), Some(shown));
            assert_eq!(path_text(name), shown);
            assert_eq!(&*path_bytes(shown), name);
        }
        // Text nobody escaped keeps a backslash that starts no escape.
        assert_eq!(&*path_bytes(r"a\b\x4.json\"), br"a\b\x4.json\");
        assert_eq!(&*path_bytes(r"a\\b\xC3\x7F.json"), b"a\\b\xc3\\x7F.json");
    }

    proptest::proptest! {
        /// Two paths are never shown as one.
        #[test]
        fn the_text_of_a_path_gives_its_bytes_back(
            name in proptest::collection::vec(
                proptest::sample::select(b"a/\\x.FfE0\xc3\xa9\xff\xfe\x80".to_vec()), 0..24)
        ) {
            let shown = path_text(&name);
            // The one text read wrongly: UTF-8 that holds `\xHH` itself.
            let literal = matches!(shown, Cow::Borrowed(_)) && shown.contains(r"\x");
            proptest::prop_assume!(!literal);
            proptest::prop_assert_eq!(&*path_bytes(&shown), name.as_slice());
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
}

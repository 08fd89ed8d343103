//! Bounded reads of the files dapa opens: every read has a size limit, and
//! anything that is not a regular file (a FIFO, a device such as
//! `/dev/zero`, a socket) is refused before a byte is read, so that no
//! input can block dapa or grow its memory without bound.
//!
//! The file is opened without blocking (a FIFO with no writer would block
//! `open` itself) and its type is taken from the opened handle, so a path
//! swapped between a check and the open cannot slip a device in.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The limit on the tool's own small inputs: schemas and their `$ref`
/// targets, definitions, `.env` files.
pub const SETTINGS_LIMIT: u64 = 16 << 20;

/// The limit on `dapa.toml`: rules written by hand, a few kilobytes. Its
/// parse takes about 40 times its text (16 MiB of rules took 700 MB).
pub const CONFIG_LIMIT: u64 = 1 << 20;

/// The limit on summaries (`merge`) and baselines, which carry drift tables.
pub const SUMMARY_LIMIT: u64 = 256 << 20;

/// The limit on a sidecar (`NAME.meta.json`): status, headers, inputs.
pub const SIDECAR_LIMIT: u64 = 1 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a regular file: dapa does not read pipes, devices or sockets it
    /// finds by name (standard input is named `-`).
    #[error("not a regular file: {0}")]
    NotRegular(&'static str),
    /// Larger than the limit for its kind.
    #[error("larger than {limit} bytes, the limit for this kind of file")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Not valid UTF-8 where text was expected.
    #[error("not valid UTF-8 text")]
    NotText,
    /// The system refused (no such file, permission, a folder). Its text
    /// is the system's, said once (as a source as well, a report of the
    /// chain said it twice).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What a non-regular file is, in words.
pub fn describe(kind: &std::fs::FileType) -> &'static str {
    if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Open a regular file for reading, never blocking: anything else is
/// refused with what it is.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let file = OpenOptions::new()
        .read(true)
        // On a FIFO, a plain open waits for a writer; on a regular file
        // the flag changes nothing.
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(describe(&metadata.file_type())));
    }
    Ok((file, metadata))
}

/// The bytes of a regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, metadata) = open_regular(path)?;
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // The file may grow after the look at its size: read one byte past the
    // limit to tell.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// The text of a regular file of at most `limit` bytes, without a leading
/// byte-order mark: Windows editors save JSON and TOML with one, which
/// neither format allows.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, ReadError> {
    let mut text = String::from_utf8(read_limited(path, limit)?).map_err(|_| ReadError::NotText)?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("definition.json");
        std::fs::write(&path, b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        assert_eq!(read_text_limited(&path, 100).unwrap(), "{\"a\": 1}");
    }

    #[test]
    fn devices_and_folders_are_refused() {
        let zero = read_limited(Path::new("/dev/zero"), 10);
        assert!(matches!(zero, Err(ReadError::NotRegular("a device"))));
        let dir = tempfile::tempdir().unwrap();
        let folder = read_limited(dir.path(), 10);
        assert!(
            matches!(folder, Err(ReadError::NotRegular("a folder"))),
            "{folder:?}"
        );
    }

    #[test]
    fn fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()));
        let read = read_limited(&fifo, 10);
        assert!(matches!(
            read,
            Err(ReadError::NotRegular("a named pipe (FIFO)"))
        ));
    }

    #[test]
    fn limits_hold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_limited(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_limited(&path, 4),
            Err(ReadError::TooLarge { limit: 4 })
        ));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_text_limited(&path, 4),
            Err(ReadError::NotText)
        ));
    }
}

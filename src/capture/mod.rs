//! Captures: one response body plus what is known about it.
//!
//! A capture comes from a raw body file (with an optional `.meta.json`
//! sidecar), a `curl -i` dump, an entry of a HAR export, a line of a JSON
//! Lines log, or any of them gzip-compressed. Reading
//! never fails: what cannot be read becomes a finding on the capture.

pub mod har;
pub mod http;
pub mod lines;
pub mod pick;
pub mod sidecar;
pub mod source;

use crate::finding::{Code, Finding};
use std::io::Read;
use std::path::{Path, PathBuf};

pub use sidecar::Meta;
pub use source::Source;

/// One captured response, ready for the layers.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// Where it came from.
    pub source: Source,
    /// The response body, decompressed, without HTTP headers.
    pub body: Vec<u8>,
    /// Offset of the body in the file (after a dump's headers), when the file
    /// is not compressed; spans in the file are `body_offset` + body offsets.
    pub body_offset: Option<usize>,
    /// Status, headers, capture time, action id.
    pub meta: Meta,
    /// What went wrong while reading (T07, T08).
    pub findings: Vec<Finding>,
    /// False when no body could be read at all, so the layers have nothing to do.
    pub readable: bool,
    /// Remarks about the reading that are not findings (a broken sidecar).
    pub notes: Vec<String>,
    /// Lines before the body in the file (an HTTP dump's headers), when the
    /// file is not compressed: body line N is file line N + this.
    pub header_lines: Option<usize>,
    /// The file's modification time, the capture time of last resort.
    pub modified: Option<std::time::SystemTime>,
}

impl Capture {
    /// When the capture was taken: the sidecar's `captured_at`, else the HTTP
    /// `Date` header, else the file's modification time.
    pub fn captured_at(&self) -> Option<jiff::Timestamp> {
        self.stated_time().or_else(|| {
            self.modified
                .and_then(|time| jiff::Timestamp::try_from(time).ok())
        })
    }

    /// The capture time the capture itself states (sidecar, HAR entry, log
    /// line, `Date` header); not the file's modification time, which a copy
    /// or a checkout changes.
    pub fn stated_time(&self) -> Option<jiff::Timestamp> {
        if let Some(time) = self
            .meta
            .captured_at
            .as_deref()
            .and_then(|t| t.parse().ok())
        {
            return Some(time);
        }
        let date = self.meta.header("date")?;
        jiff::fmt::rfc2822::parse(date)
            .ok()
            .map(|zoned| zoned.timestamp())
    }
}

/// The gzip magic number.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A regular file opened for reading as a stream (a log, a HAR export),
/// gunzipped as it is read when it starts with the gzip magic number,
/// whatever its name says.
///
/// The stream ends where the file ended when it was opened: a log that a
/// writer appends to faster than it is read would otherwise never end.
pub fn open_stream(
    path: &Path,
) -> Result<Box<dyn std::io::BufRead + Send>, crate::input::ReadError> {
    let (file, metadata) = crate::input::open_regular(path)?;
    Ok(stream_of(file.take(metadata.len()))?)
}

/// `reader` as a stream, gunzipped as it is read when it starts with the
/// gzip magic number.
fn stream_of(
    reader: impl std::io::Read + Send + 'static,
) -> std::io::Result<Box<dyn std::io::BufRead + Send>> {
    use std::io::{BufRead as _, BufReader};
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    if reader.fill_buf()?.starts_with(&GZIP_MAGIC) {
        let decoder = flate2::read::MultiGzDecoder::new(reader);
        return Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)));
    }
    Ok(Box::new(reader))
}

/// Standard input as a stream (a log piped in), gunzipped as a file is.
///
/// A pipe, a socket or a terminal is read to its end, however long: its
/// writer decides where that is, as for any filter (`tail -f log | dapa`
/// runs until the writer stops). A file given with `<` is read as far as
/// it reached when opened, as a file named is. Any other device has no
/// end of its own (`< /dev/zero`): it is read no further than `max_bytes`,
/// and a byte past them ends the stream with an error that says so.
///
/// Also says whether the input is live: a pipe, a socket or a terminal,
/// whose writer may pause (`tail -f`), where a file or a device has all its
/// bytes at hand.
pub fn stdin_stream(max_bytes: u64) -> std::io::Result<(Box<dyn std::io::BufRead + Send>, bool)> {
    use std::io::IsTerminal as _;
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::FileTypeExt as _;
    // A handle of its own: the stream is read on the walk's thread, and
    // nothing else reads standard input when it holds a log.
    let file = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let metadata = file.metadata()?;
    let kind = metadata.file_type();
    if kind.is_file() {
        Ok((stream_of(file.take(metadata.len()))?, false))
    } else if kind.is_fifo() || kind.is_socket() || file.is_terminal() {
        Ok((stream_of(file)?, true))
    } else {
        let device = DeviceWithin {
            device: file,
            left: max_bytes,
            limit: max_bytes,
        };
        Ok((stream_of(device)?, false))
    }
}

/// A device read as standard input, which ends after `limit` bytes: with an
/// error when it has more.
struct DeviceWithin {
    device: std::fs::File,
    left: u64,
    limit: u64,
}

impl std::io::Read for DeviceWithin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.device.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "standard input is a device, read no further than --max-bytes ({} bytes)",
                    self.limit
                ))),
            };
        }
        let room = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let read = self.device.read(&mut buf[..room])?;
        self.left -= read as u64;
        Ok(read)
    }
}

impl Capture {
    /// A capture that could not be read at all.
    pub fn unreadable(source: impl Into<Source>, finding: Finding) -> Self {
        Capture {
            source: source.into(),
            findings: vec![finding],
            readable: false,
            ..Capture::default()
        }
    }

    /// Build a capture from the bytes of a file: gunzip, split an HTTP dump,
    /// and merge what the sidecar says.
    pub fn from_bytes(
        source: impl Into<Source>,
        bytes: Vec<u8>,
        sidecar: Option<Meta>,
        max_bytes: u64,
    ) -> Self {
        let mut capture = Capture {
            source: source.into(),
            meta: sidecar.unwrap_or_default(),
            readable: true,
            body_offset: Some(0),
            ..Capture::default()
        };
        let mut bytes = bytes;
        if bytes.starts_with(&GZIP_MAGIC) {
            capture.body_offset = None;
            let gunzipped = gunzip(&bytes, max_bytes);
            capture.findings.extend(gunzipped.finding());
            match gunzipped {
                Gunzipped::Whole(plain) => bytes = plain,
                Gunzipped::Broken { plain, .. } if !plain.is_empty() => bytes = plain,
                Gunzipped::TooLarge { .. } | Gunzipped::Broken { .. } => {
                    capture.readable = false;
                    return capture;
                }
            }
        }
        if capture.body_offset.is_some() {
            capture.header_lines = Some(0);
        }
        if let Some(dump) = http::parse(&bytes) {
            if capture.body_offset.is_some() {
                capture.header_lines = Some(
                    bytes[..dump.body_offset]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count(),
                );
            }
            capture.meta.status = Some(dump.status);
            capture.meta.headers = dump.headers;
            bytes.drain(..dump.body_offset);
            capture.body_offset = capture.body_offset.map(|_| dump.body_offset);
            capture.decode_transfer(&mut bytes, max_bytes);
        }
        capture.body = bytes;
        capture
    }

    /// Undo the transfer and content encodings a raw `curl` dump may keep.
    fn decode_transfer(&mut self, bytes: &mut Vec<u8>, max_bytes: u64) {
        let header_has = |name: &str, token: &str| {
            self.meta
                .header(name)
                .is_some_and(|value| value.to_ascii_lowercase().contains(token))
        };
        let mut cut_at_chunk_end = false;
        if header_has("transfer-encoding", "chunked")
            && let Some((plain, cut)) = http::dechunk_noting_cut(bytes)
        {
            *bytes = plain;
            cut_at_chunk_end = cut;
            self.body_offset = None;
            self.header_lines = None;
        }
        if header_has("content-encoding", "gzip") && bytes.starts_with(&GZIP_MAGIC) {
            self.body_offset = None;
            self.header_lines = None;
            let gunzipped = gunzip(bytes, max_bytes);
            self.findings.extend(gunzipped.finding());
            match gunzipped {
                Gunzipped::Whole(plain) | Gunzipped::Broken { plain, .. } => *bytes = plain,
                Gunzipped::TooLarge { .. } => self.readable = false,
            }
        }
        self.meta.cut_at_chunk_end = cut_at_chunk_end;
    }
}

/// What came out of a gzip stream.
enum Gunzipped {
    /// The whole stream, inflated.
    Whole(Vec<u8>),
    /// The stream inflates past what may be kept; nothing was kept.
    TooLarge { max_bytes: u64 },
    /// The stream breaks off; `plain` is what came before the damage.
    Broken { plain: Vec<u8>, error: String },
}

impl Gunzipped {
    /// The finding for a stream that did not come out whole: T07 past
    /// `--max-bytes`, T08 damaged. A whole file and a gzip content encoding
    /// inside an HTTP dump say it in the same words.
    fn finding(&self) -> Option<Finding> {
        match self {
            Gunzipped::Whole(_) => None,
            Gunzipped::TooLarge { max_bytes } => Some(Finding::new(
                Code::T07,
                format!(
                    "the gzip stream decompresses to more than {max_bytes} bytes (--max-bytes); not parsed"
                ),
            )),
            Gunzipped::Broken { plain, error } => Some(Finding::new(
                Code::T08,
                format!(
                    "the gzip stream is damaged ({error}); {} bytes were recovered before the damage",
                    plain.len()
                ),
            )),
        }
    }
}

fn gunzip(bytes: &[u8], max_bytes: u64) -> Gunzipped {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    // The inflated size, as the stream's last four bytes state it (ISIZE,
    // the size modulo 2^32 of its last member, which is the whole of most
    // streams): room for exactly that spares the growth by doubling that
    // held half as much again. Only a hint, so never past what may be kept
    // nor past what deflate can give (1,032 bytes a byte).
    let stated = bytes
        .last_chunk::<4>()
        .map_or(0, |size| u32::from_le_bytes(*size) as usize);
    let guess = if stated > 0 {
        stated
    } else {
        bytes.len().saturating_mul(4)
    };
    let room = guess
        .min(bytes.len().saturating_mul(1032))
        .min(usize::try_from(max_bytes).unwrap_or(usize::MAX));
    let mut plain = Vec::with_capacity(room);
    match read_within(&mut decoder, max_bytes, &mut plain) {
        Ok(true) => Gunzipped::TooLarge { max_bytes },
        Ok(false) => Gunzipped::Whole(plain),
        Err(error) => Gunzipped::Broken {
            plain,
            error: error.to_string(),
        },
    }
}

/// Read a capture from a file, with its sidecar if it has one. Never fails:
/// problems become T07 / T08 findings.
///
/// The path is taken whole: it becomes the capture's source without a copy
/// (a scan reads hundreds of thousands of these).
pub fn load_file(path: PathBuf, sidecar: Option<&Path>, max_bytes: u64) -> Capture {
    let (file, metadata) = match crate::input::open_regular(&path) {
        Ok(opened) => opened,
        Err(error) => {
            let message = match error {
                crate::input::ReadError::Io(error) => format!("cannot open: {error}"),
                error => error.to_string(),
            };
            return Capture::unreadable(Source::from(path), Finding::new(Code::T08, message));
        }
    };
    let (length, modified) = (metadata.len(), metadata.modified().ok());
    if length > max_bytes {
        return oversized(Source::from(path), length, max_bytes);
    }
    // One read of the size the metadata gave, with no probe for the end of
    // the file: that probe is a system call per capture. A file that shrank
    // since is read again, to its real end, through the handle already
    // open: its path may name something else by now (a FIFO would block).
    // Read into spare capacity: a buffer zeroed first costs as much again
    // as the read for a small file.
    let mut bytes = Vec::with_capacity(length as usize);
    // A size of 0 is read to the end all the same: files of /proc and
    // /sys state 0 and hold text (an empty file costs one more read).
    let whole = length > 0
        && (&file)
            .take(length)
            .read_to_end(&mut bytes)
            .is_ok_and(|read| read as u64 == length);
    if !whole {
        use std::io::Seek as _;
        bytes.clear();
        let reread = (&file).rewind().and_then(|()| {
            (&file)
                .take(max_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
        });
        if let Err(error) = reread {
            return Capture::unreadable(
                Source::from(path),
                Finding::new(Code::T08, format!("cannot read: {error}")),
            );
        }
    }
    if bytes.len() as u64 > max_bytes {
        return oversized(Source::from(path), bytes.len() as u64, max_bytes);
    }
    let (meta, note) = match sidecar.map(sidecar::read) {
        None => (None, None),
        Some(Ok(meta)) => (Some(meta), None),
        Some(Err(error)) => (None, Some(error)),
    };
    let mut capture = Capture::from_bytes(Source::from(path), bytes, meta, max_bytes);
    capture.notes.extend(note);
    capture.modified = modified;
    capture
}

/// Read one named capture file, with its sidecar when one lies beside it.
pub fn load_one(path: &Path, max_bytes: u64) -> Capture {
    let sidecar = sidecar::beside(path);
    load_file(path.to_owned(), sidecar.as_deref(), max_bytes)
}

/// What a file of this name is when it is never a capture, as a phrase
/// after its name: a Data Action definition (`*.action.json`) or a
/// sidecar (`*.meta.json`), which describe captures.
pub fn never_a_capture(name: &[u8]) -> Option<&'static str> {
    if crate::profile::definition::is_definition_name(name) {
        Some(
            "is a Data Action definition, never a capture: give it with --definition, or check it with dapa lint",
        )
    } else if sidecar::is_sidecar_name(name) {
        Some("is a sidecar, never a capture: it is read with the capture beside it")
    } else {
        None
    }
}

/// The capture a user names: a file, `FILE#N` (the N-th entry of a HAR
/// export; `#1` of any other file is the file), or `FILE:LINE` (a line of a
/// JSON Lines log). Any path the system accepts may be named, valid UTF-8
/// or not. The error says what is wrong with the name.
pub fn load_named(
    target: &std::ffi::OsStr,
    options: &lines::LineOptions,
    max_bytes: u64,
) -> Result<Capture, String> {
    use std::os::unix::ffi::OsStrExt as _;
    let exists = |file: &std::ffi::OsStr| std::fs::symlink_metadata(file).is_ok();
    let name_of = |file: &std::ffi::OsStr| {
        Path::new(file)
            .file_name()
            .map_or(&[][..], |n| n.as_bytes())
            .to_vec()
    };
    let shown = |file: &std::ffi::OsStr| source::path_text(file.as_bytes()).into_owned();
    // `FILE#N` and `FILE:LINE`, split at the last separator: the number
    // is ASCII, whatever the bytes of the file name before it.
    let numbered = |separator: u8| {
        let bytes = target.as_bytes();
        let at = bytes.iter().rposition(|&b| b == separator)?;
        let number = std::str::from_utf8(&bytes[at + 1..])
            .ok()?
            .parse::<usize>()
            .ok()?;
        let file = std::ffi::OsStr::from_bytes(&bytes[..at]);
        exists(file).then_some((file, number))
    };
    if exists(target) {
        let name = name_of(target);
        let path = Path::new(target);
        let target = shown(target);
        if path.is_dir() {
            return Err(format!(
                "{target} is a folder: explain takes one capture (dapa scan takes folders)"
            ));
        }
        if har::is_har_name(&name) {
            return Err(format!(
                "{target} is a HAR export: name one entry, {target}#N"
            ));
        }
        if lines::is_lines_name(&name) {
            return Err(format!(
                "{target} is a JSON Lines log: name one line, {target}:LINE"
            ));
        }
        if let Some(what) = never_a_capture(&name) {
            return Err(format!("{target} {what}"));
        }
        return Ok(load_one(path, max_bytes));
    }
    if let Some((path, entry)) = numbered(b'#') {
        let path = Path::new(path);
        let file = &*shown(path.as_os_str());
        let name = name_of(path.as_os_str());
        if let Some(what) = never_a_capture(&name) {
            return Err(format!("{file} {what}"));
        }
        if !har::is_har_name(&name) {
            return if entry == 1 {
                Ok(load_one(path, max_bytes))
            } else {
                Err(format!("{file} holds one capture: #{entry} does not exist"))
            };
        }
        return har::read_entry(path, file, entry, max_bytes);
    }
    if let Some((path, line)) = numbered(b':') {
        let path = Path::new(path);
        let file = &*shown(path.as_os_str());
        // A HAR export's text is one JSON document: its lines are no
        // captures (`:LINE` of it explained a fragment of the export).
        if har::is_har_name(name_of(path.as_os_str())) {
            return Err(format!(
                "{file} is a HAR export: name one entry, {file}#N (not :{line})"
            ));
        }
        if let Some(what) = never_a_capture(&name_of(path.as_os_str())) {
            return Err(format!("{file} {what}"));
        }
        let found = lines::read_line(path, line, max_bytes).map_err(|e| format!("{file}: {e}"))?;
        let source = Source::LogLine {
            file: file.to_owned(),
            line,
        };
        return match found {
            Some(lines::Line::Text(_, bytes)) => {
                Ok(lines::capture(source, &bytes, options, max_bytes))
            }
            Some(lines::Line::TooLong(_, length)) => Ok(oversized(source, length, max_bytes)),
            None => Err(format!(
                "{file} has no capture on line {line} (blank, or past the end)"
            )),
        };
    }
    Err(format!("{}: no such file", shown(target)))
}

/// Read a capture from standard input (`-`).
pub fn load_reader(mut reader: impl Read, source: impl Into<Source>, max_bytes: u64) -> Capture {
    let source = source.into();
    let mut bytes = Vec::new();
    match read_within(&mut reader, max_bytes, &mut bytes) {
        Err(error) => Capture::unreadable(
            source,
            Finding::new(Code::T08, format!("cannot read: {error}")),
        ),
        Ok(true) => oversized(source, max_bytes.saturating_add(1), max_bytes),
        Ok(false) => Capture::from_bytes(source, bytes, None, max_bytes),
    }
}

/// Read `reader` into `bytes` to its end, or until it gives more than
/// `limit` bytes: whether it did (`bytes` then holds the first `limit`).
/// A stream has no size to ask for first: read as `read_to_end` reads,
/// 64 MiB and a byte of standard input doubled the room to 128 MiB, and
/// the blocks each doubling left behind were still counted against the
/// process (222 MB to say it was too large, 153 MB for a 60 MB body that
/// takes 84 MB from a file; a gzip bomb, inflated into room for the limit,
/// doubled it for the byte past it: 164 MB). When the room is full, a
/// probe tells the end from more to come before room is made for more;
/// more room is the whole limit at once, of which the system makes memory
/// only as the stream fills it, or where the system gives no room that
/// large, twice as much, never past the limit.
pub(crate) fn read_within(
    reader: &mut impl Read,
    limit: u64,
    bytes: &mut Vec<u8>,
) -> std::io::Result<bool> {
    const FIRST: usize = 64 << 10;
    const PROBE: usize = 32;
    let most = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut probe = [0u8; PROBE];
    loop {
        let left = most.saturating_sub(bytes.len());
        if bytes.len() == bytes.capacity() || left == 0 {
            let mut probed = 0;
            if !bytes.is_empty() || left == 0 {
                probed = read_some(reader, &mut probe[..left.clamp(1, PROBE)])?;
                if probed == 0 {
                    return Ok(false);
                }
                if left == 0 {
                    return Ok(true);
                }
            }
            let step = if bytes.is_empty() {
                FIRST.min(left)
            } else {
                left
            };
            if bytes.try_reserve_exact(step).is_err() {
                let doubled = bytes.len().max(FIRST).min(left);
                bytes
                    .try_reserve_exact(doubled)
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
            }
            bytes.extend_from_slice(&probe[..probed]);
        }
        // Only the room there is: a read never makes more.
        let wanted = (bytes.capacity() - bytes.len()).min(most - bytes.len());
        let read = reader.by_ref().take(wanted as u64).read_to_end(bytes)?;
        if read < wanted {
            return Ok(false);
        }
    }
}

/// One read, again when a signal interrupted it.
fn read_some(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            read => return read,
        }
    }
}

fn oversized(source: Source, length: u64, max_bytes: u64) -> Capture {
    // A read stops one byte past the limit, so a length of limit + 1 says
    // only that there was more.
    let shown = if length > max_bytes.saturating_add(1) {
        format!("{length} bytes, more")
    } else {
        "more bytes".to_owned()
    };
    Capture::unreadable(
        source,
        Finding::new(
            Code::T07,
            format!("{shown} than --max-bytes allows ({max_bytes}); not parsed"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_of_a_dump() {
        let dump = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n\r\n{\"status\":429}";
        let capture = Capture::from_bytes("a.http.gz", gzip(dump), None, 1 << 20);
        assert!(capture.readable);
        assert_eq!(capture.meta.status, Some(429));
        assert_eq!(capture.meta.header("Retry-After"), Some("3"));
        assert_eq!(capture.body, b"{\"status\":429}");
        assert_eq!(capture.body_offset, None);
    }

    #[test]
    fn cut_off_gzip_keeps_what_arrived() {
        let body = "{\"k\":\"".to_owned() + &"v".repeat(5000) + "\"}";
        let mut packed = gzip(body.as_bytes());
        packed.truncate(packed.len() - 12);
        let capture = Capture::from_bytes("a.gz", packed, None, 1 << 20);
        assert_eq!(capture.findings[0].code, Code::T08);
        assert!(capture.readable);
        assert!(body.as_bytes().starts_with(&capture.body));
    }

    #[test]
    fn gzip_bombs_stop_at_max_bytes() {
        let capture = Capture::from_bytes("a.gz", gzip(&vec![b' '; 100_000]), None, 1000);
        assert_eq!(capture.findings[0].code, Code::T07);
        assert!(!capture.readable);
    }

    #[test]
    fn reader_limits() {
        let capture = load_reader(&b"12345"[..], Source::Stdin, 4);
        assert_eq!(capture.findings[0].code, Code::T07);
        let capture = load_reader(&b"1234"[..], Source::Stdin, 4);
        assert!(capture.findings.is_empty());
        assert_eq!(capture.body, b"1234");
    }

    #[test]
    fn a_file_shorter_than_its_listed_size_is_read_again_to_its_end() {
        // sysfs lists its files as a page long whatever they hold: the
        // first read ends short, and the file is read again through its
        // handle. Machines without sysfs skip this.
        let path = Path::new("/sys/kernel/uevent_seqnum");
        let (Ok(metadata), Ok(held)) = (std::fs::metadata(path), std::fs::read(path)) else {
            return;
        };
        assert!(
            metadata.len() > held.len() as u64,
            "listed {}",
            metadata.len()
        );
        let capture = load_file(path.to_path_buf(), None, 1 << 20);
        // A count of events, which may have grown between the two reads.
        assert!(
            !capture.body.is_empty()
                && capture
                    .body
                    .iter()
                    .all(|b| b.is_ascii_digit() || *b == b'\n')
        );
    }

    #[test]
    fn a_stream_is_read_into_no_more_room_than_its_limit() {
        for (size, limit, room) in [
            (1_000_000, 1_000_000, 0),
            (1_000_001, 1_000_000, 0),
            (3_000_000, 1_000_000, 0),
            (999_999, 1_000_000, 0),
            (64 << 10, 1_000_000, 0),
            (8 << 10, 100 << 10, 0),
            (10, 5_000, 0),
            (0, 10, 0),
            (0, 0, 0),
            (1, 0, 0),
            (40, 20, 0),
            (100, 100, 100),
            (101, 100, 100),
            (3_000_000, 1_000_000, 1_000_000),
            (3_000_000, 1_000_000, 1000),
        ] {
            let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut bytes = Vec::with_capacity(room);
            let over = read_within(&mut body.as_slice(), limit as u64, &mut bytes).unwrap();
            assert_eq!(over, size > limit, "{size} {limit}");
            assert_eq!(bytes, body[..size.min(limit)], "{size} {limit}");
            assert!(
                bytes.capacity() <= limit.max(room),
                "{size} bytes in {} of room",
                bytes.capacity()
            );
        }
    }

    #[test]
    fn body_offset_points_past_the_headers() {
        let capture = Capture::from_bytes("a.http", b"HTTP/2 200\n\n[1]".to_vec(), None, 100);
        assert_eq!(capture.body_offset, Some(12));
        assert_eq!(capture.body, b"[1]");
    }
}

//! HAR exports (`.har`, optionally gzip): every entry's response is a
//! capture named `FILE#N`, with its status, headers and start time, and the
//! action id and endpoint when the request was a Data Action call.
//!
//! A HAR export is read as a stream, never whole: [`Entries`] splits
//! `log.entries` into the JSON text of one entry at a time (an entry longer
//! than [`entry_limit`] is measured and passed over, never held), and
//! [`capture`] decodes one entry into the few fields dapa uses. So what a
//! HAR holds at once is a few entries, however many it has or however far
//! its gzip stream inflates.

use super::{Capture, Meta, Source};
use crate::finding::{Code, Finding};
use crate::input::ReadError;
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{self, BufRead};
use std::marker::PhantomData;
use std::path::Path;

/// Whether a file name is a HAR export (also gzip-compressed). Taken as
/// bytes, as a folder walk lists it, or as text.
pub fn is_har_name(name: impl AsRef<[u8]>) -> bool {
    let ends_with = |name: &[u8], suffix: &[u8]| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let name = name.as_ref();
    let plain = if ends_with(name, b".gz") {
        &name[..name.len() - 3]
    } else {
        name
    };
    ends_with(plain, b".har")
}

/// What an entry's JSON text may hold besides its body: the request (with
/// any posted data), headers, cookies, timings.
const ENTRY_OVERHEAD: u64 = 1 << 20;

/// The longest JSON text of one entry that is read, for a body limit of
/// `max_bytes`: a body within the limit may be base64 (4/3 as long) and
/// escaped, so an entry gets twice the limit plus the overhead.
pub fn entry_limit(max_bytes: u64) -> u64 {
    max_bytes.saturating_mul(2).saturating_add(ENTRY_OVERHEAD)
}

/// The longest member name looked at on the way to `log.entries`; a
/// longer one is not `log` or `entries` and is passed over.
const NAME_LIMIT: u64 = 256;

/// Why a HAR export cannot be read, or not to its end.
#[derive(Debug, thiserror::Error)]
pub enum HarError {
    /// The file cannot be opened (not a regular file, no permission).
    #[error("cannot read: {0}")]
    Open(#[from] ReadError),
    /// Reading failed (a damaged gzip stream).
    #[error("cannot read: {0}")]
    Read(#[from] io::Error),
    /// The file is not a HAR document: no `log.entries` array.
    #[error("not a HAR document: {0}")]
    NotHar(String),
    /// The entries array is not well formed where the split reached.
    #[error("{0}")]
    Damaged(String),
    /// The entries break off: the first `after` entries were read.
    #[error("the HAR export breaks off {}: {cause}", where_broken(*.after))]
    BrokenOff {
        /// Entries read whole before the break.
        after: usize,
        /// What broke.
        cause: Box<HarError>,
    },
}

fn where_broken(after: usize) -> String {
    if after == 0 {
        "in its first entry".to_owned()
    } else {
        format!("after entry {after}")
    }
}

/// One entry as split from the export.
#[derive(Debug)]
pub enum RawEntry {
    /// Entry N (from 1) and its JSON text.
    Text(usize, Vec<u8>),
    /// Entry N is longer than the entry limit: its length, the text not kept.
    TooLong(usize, u64),
}

/// Where the split stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Before `log.entries` was found.
    Start,
    /// Inside the entries array; `first` until an entry was read.
    Inside { first: bool },
    /// After the array, or after an error.
    Done,
}

/// The entries of a HAR export, one JSON text at a time, from a reader of
/// its (already gunzipped) bytes. A UTF-8 byte-order mark before the
/// document is skipped. Bytes outside `log.entries` are passed over without
/// being held; an error ends the entries.
pub struct Entries<R> {
    reader: R,
    limit: u64,
    offset: u64,
    position: Position,
    read: usize,
}

/// Open a HAR export (gunzipping it when it starts with the gzip magic
/// number, whatever its name says), its entries limited for `max_bytes`.
pub fn open(path: &Path, max_bytes: u64) -> Result<Entries<Box<dyn BufRead + Send>>, HarError> {
    Ok(Entries::new(
        super::open_stream(path)?,
        entry_limit(max_bytes),
    ))
}

impl<R: BufRead> Entries<R> {
    /// The entries of `reader`, each at most `limit` bytes of JSON text.
    pub fn new(reader: R, limit: u64) -> Self {
        Entries {
            reader,
            limit,
            offset: 0,
            position: Position::Start,
            read: 0,
        }
    }

    /// Pass over up to `count` entries without keeping their text; how
    /// many there were.
    pub fn pass_over(&mut self, count: usize) -> Result<usize, HarError> {
        let mut skipped = 0;
        while skipped < count && self.advance(false)?.is_some() {
            skipped += 1;
        }
        Ok(skipped)
    }

    /// The next entry, its text kept when `keep` and within the limit.
    fn advance(&mut self, keep: bool) -> Result<Option<RawEntry>, HarError> {
        let outcome = match self.position {
            Position::Done => return Ok(None),
            Position::Start => self.find_entries().and_then(|()| self.next_in_array(keep)),
            Position::Inside { .. } => self.next_in_array(keep),
        };
        // An error before the array is the file's; one inside it breaks
        // the entries off after those read.
        let inside = self.inside();
        if !matches!(outcome, Ok(Some(_))) {
            self.position = Position::Done;
        }
        outcome.map_err(|error| match error {
            HarError::NotHar(_) | HarError::Open(_) => error,
            _ if !inside => error,
            cause => HarError::BrokenOff {
                after: self.read,
                cause: Box::new(cause),
            },
        })
    }

    fn inside(&self) -> bool {
        !matches!(self.position, Position::Start)
    }

    /// Walk from the start of the document into the `log.entries` array.
    fn find_entries(&mut self) -> Result<(), HarError> {
        let not_har = |what: &str| HarError::NotHar(what.to_owned());
        if self.peek()? == Some(0xEF) {
            for expected in [0xEF, 0xBB, 0xBF] {
                if self.peek()? != Some(expected) {
                    return Err(not_har("the file starts with a broken byte-order mark"));
                }
                self.bump();
            }
        }
        for name in ["log", "entries"] {
            if self.skip_space()? != Some(b'{') {
                return Err(not_har(if name == "log" {
                    "the file is not a JSON object"
                } else {
                    "log is not an object"
                }));
            }
            self.bump();
            if !self.find_member(name)? {
                return Err(not_har("no log.entries"));
            }
        }
        if self.skip_space()? != Some(b'[') {
            return Err(not_har("log.entries is not an array"));
        }
        self.bump();
        self.position = Position::Inside { first: true };
        Ok(())
    }

    /// Inside an object (after its `{`), read members until the one named
    /// `name`, and stop before its value; false at the end of the object.
    fn find_member(&mut self, name: &str) -> Result<bool, HarError> {
        let mut first = true;
        loop {
            let Some(next) = self.next_item(first, b'}', "a member")? else {
                return Ok(false);
            };
            first = false;
            if next != b'"' {
                return Err(self.unexpected("a member name", Some(next)));
            }
            let (text, _) = self.value(true, NAME_LIMIT)?;
            let next = self.skip_space()?;
            if next != Some(b':') {
                return Err(self.unexpected("`:` after a member name", next));
            }
            self.bump();
            if self.skip_space()?.is_none() {
                return Err(self.unexpected("a value", None));
            }
            let found = text
                .and_then(|text| serde_json::from_slice::<String>(&text).ok())
                .is_some_and(|text| text == name);
            if found {
                return Ok(true);
            }
            self.value(false, 0)?;
        }
    }

    /// In an object or array, step to its next item: `None` at the closing
    /// bracket `close` (consumed), else the item's first byte, after the
    /// comma that separates it from the one before unless it is the `first`.
    fn next_item(&mut self, first: bool, close: u8, item: &str) -> Result<Option<u8>, HarError> {
        let mut next = self.skip_space()?;
        if next == Some(close) {
            self.bump();
            return Ok(None);
        }
        if !first {
            if next != Some(b',') {
                let expected = format!("`,` or `{}` after {item}", close as char);
                return Err(self.unexpected(&expected, next));
            }
            self.bump();
            next = self.skip_space()?;
        }
        match next {
            Some(byte) => Ok(Some(byte)),
            None => Err(self.unexpected(item, None)),
        }
    }

    /// The next entry of the array, or `None` at its end.
    fn next_in_array(&mut self, keep: bool) -> Result<Option<RawEntry>, HarError> {
        let Position::Inside { first } = self.position else {
            return Ok(None);
        };
        if self.next_item(first, b']', "an entry")?.is_none() {
            return Ok(None);
        }
        let (text, length) = self.value(keep, self.limit)?;
        self.read += 1;
        self.position = Position::Inside { first: false };
        Ok(Some(match text {
            Some(text) => RawEntry::Text(self.read, text),
            None => RawEntry::TooLong(self.read, length),
        }))
    }

    /// Read one JSON value that starts at the next byte: its text when
    /// `keep` and at most `limit` bytes long (a longer text is dropped as
    /// soon as it passes the limit), and its length. Only strings and
    /// brackets are followed, to find where the value ends; the value's
    /// own syntax is left to whoever parses the text.
    fn value(&mut self, keep: bool, limit: u64) -> Result<(Option<Vec<u8>>, u64), HarError> {
        let mut text = keep.then(Vec::new);
        let mut length = 0u64;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                if length > 0 && depth == 0 && !in_string {
                    // A number or literal at the very end of the file.
                    return Ok((text, length));
                }
                return Err(HarError::Damaged(format!(
                    "the file ends inside a value, at byte {}",
                    self.offset
                )));
            }
            let mut end = None;
            let mut index = 0;
            while index < available.len() {
                let byte = available[index];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(index + 1);
                            break;
                        }
                    } else {
                        // Most of a HAR is the text of strings: jump to the
                        // next byte that can end or escape one.
                        index += available[index..]
                            .iter()
                            .position(|&b| b == b'"' || b == b'\\')
                            .unwrap_or(available.len() - index);
                        continue;
                    }
                } else {
                    match byte {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth <= 1 => {
                            end = Some(if depth == 0 { index } else { index + 1 });
                            break;
                        }
                        b'}' | b']' => depth -= 1,
                        b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => {
                            end = Some(index);
                            break;
                        }
                        _ => {}
                    }
                }
                index += 1;
            }
            let taken = end.unwrap_or(available.len());
            length += taken as u64;
            if length > limit {
                text = None;
            }
            if let Some(text) = &mut text {
                // Grow by doubling, but never past the limit: a text that
                // passes it is dropped, so room beyond it is never used.
                let wanted = text.len() + taken;
                if wanted > text.capacity() {
                    let room = usize::try_from(limit).unwrap_or(usize::MAX);
                    let target = text.capacity().saturating_mul(2).min(room).max(wanted);
                    text.reserve_exact(target - text.len());
                }
                text.extend_from_slice(&available[..taken]);
            }
            self.reader.consume(taken);
            self.offset += taken as u64;
            if end.is_some() {
                if length == 0 {
                    let found = self.peek()?;
                    return Err(self.unexpected("a value", found));
                }
                return Ok((text, length));
            }
        }
    }

    /// Skip white space; the next byte, not consumed, or `None` at the end.
    fn skip_space(&mut self) -> Result<Option<u8>, HarError> {
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(None);
            }
            match available
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(index) => {
                    let next = available[index];
                    self.reader.consume(index);
                    self.offset += index as u64;
                    return Ok(Some(next));
                }
                None => {
                    let taken = available.len();
                    self.reader.consume(taken);
                    self.offset += taken as u64;
                }
            }
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, HarError> {
        Ok(self.reader.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.reader.consume(1);
        self.offset += 1;
    }

    /// What was expected where the split stands, and what was found.
    fn unexpected(&self, expected: &str, found: Option<u8>) -> HarError {
        let found = match found {
            None => "the end of the file".to_owned(),
            Some(byte) if byte.is_ascii_graphic() => format!("`{}`", byte as char),
            Some(byte) => format!("byte 0x{byte:02x}"),
        };
        let message = format!("expected {expected} at byte {}, found {found}", self.offset);
        if self.inside() {
            HarError::Damaged(message)
        } else {
            HarError::NotHar(message)
        }
    }
}

impl<R: BufRead> Iterator for Entries<R> {
    type Item = Result<RawEntry, HarError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.advance(true).transpose()
    }
}

/// The capture that stands for what could not be read of the HAR export
/// `file`: the whole file when it is no HAR document, else the entry after
/// the last one read.
pub fn unreadable(file: &str, error: &HarError) -> Capture {
    let source = match error {
        HarError::BrokenOff { after, .. } => Source::HarEntry {
            file: file.to_owned(),
            entry: after + 1,
        },
        _ => Source::File(file.to_owned()),
    };
    Capture::unreadable(source, Finding::new(Code::T08, error.to_string()))
}

/// The capture of an entry too long to read.
pub fn too_long(source: Source, length: u64, max_bytes: u64) -> Capture {
    Capture::unreadable(
        source,
        Finding::new(
            Code::T07,
            format!(
                "a HAR entry of {length} bytes, more than dapa reads for --max-bytes {max_bytes} \
                 ({} bytes); not parsed",
                entry_limit(max_bytes)
            ),
        ),
    )
}

/// Entry `number` (from 1) of the HAR export at `path`, read as a stream:
/// the entries before it are passed over, not decoded. The error says what
/// is wrong with the name.
pub fn read_entry(
    path: &Path,
    file: &str,
    number: usize,
    max_bytes: u64,
) -> Result<Capture, String> {
    let failed = |error: HarError| format!("{file}: {error}");
    let mut entries = open(path, max_bytes).map_err(failed)?;
    let before = entries
        .pass_over(number.saturating_sub(1))
        .map_err(failed)?;
    let found = if number == 0 {
        None
    } else {
        entries.next().transpose().map_err(failed)?
    };
    let source = || Source::HarEntry {
        file: file.to_owned(),
        entry: number,
    };
    match found {
        Some(RawEntry::Text(_, text)) => Ok(capture(source(), text, max_bytes)),
        Some(RawEntry::TooLong(_, length)) => Ok(too_long(source(), length, max_bytes)),
        None => {
            let count = before + entries.pass_over(usize::MAX).map_err(failed)?;
            Err(format!(
                "{file} has {count} entries: #{number} does not exist"
            ))
        }
    }
}

/// The capture of one entry from its JSON text, the body bounded by
/// `max_bytes` before and after decoding.
pub fn capture(source: Source, text: Vec<u8>, max_bytes: u64) -> Capture {
    decode(source, text, max_bytes, false).unwrap_or_default()
}

/// The capture of one entry of a scanned export, or none when the entry is
/// a browser's fetch of a page asset (a script, a style sheet, an image, a
/// font, the application's own HTML).
pub fn reply_capture(source: Source, text: Vec<u8>, max_bytes: u64) -> Option<Capture> {
    decode(source, text, max_bytes, true)
}

/// Whether an entry is a browser's fetch of a page asset (a script, a
/// style sheet, an image, a font, the application's own HTML) rather than
/// a reply of an API. A browser's export holds many of those, and none is
/// a capture: an entry is kept when its URL is an API's (a Data Action
/// call, or `/api/` in its path), when its type is JSON or plain text, or
/// when the export records no URL. (CORS preflights and 304 replies from
/// the cache are passed over before this.)
fn is_page_asset(url: Option<&str>, mime: Option<&str>) -> bool {
    let Some(url) = url else {
        return false;
    };
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path.contains("/api/") {
        return false;
    }
    let mime = mime.unwrap_or("").to_ascii_lowercase();
    !(mime.contains("json") || mime.starts_with("text/plain"))
}

fn decode(source: Source, text: Vec<u8>, max_bytes: u64, skip_assets: bool) -> Option<Capture> {
    let entry = match serde_json::from_slice::<Object<Entry>>(&text) {
        Ok(Object(Some(entry))) => entry,
        Ok(Object(None)) => {
            let message = "the HAR entry is not a JSON object";
            return Some(Capture::unreadable(
                source,
                Finding::new(Code::T08, message),
            ));
        }
        Err(error) => {
            let message = format!("the HAR entry is not valid JSON: {error}");
            return Some(Capture::unreadable(
                source,
                Finding::new(Code::T08, message),
            ));
        }
    };
    // The fields are copied out: the entry's text is not needed any more.
    drop(text);
    let response = entry.response.0.unwrap_or_default();
    let content = response.content.0.unwrap_or_default();
    if skip_assets {
        // A CORS preflight or a revalidated copy from the cache carries no
        // reply of its own.
        let method = entry.request.0.as_ref().and_then(|r| r.method.0.as_deref());
        if method == Some("OPTIONS") || response.status.0 == Some(304) {
            return None;
        }
        let declared = content.mime.0.as_deref().filter(|mime| !mime.is_empty());
        let header = response
            .headers
            .0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.as_str());
        let url = entry.request.0.as_ref().and_then(|r| r.url.0.as_deref());
        if is_page_asset(url, declared.or(header)) {
            return None;
        }
    }
    let url = entry.request.0.and_then(|request| request.url.0);
    let mut meta = Meta {
        cut_at_chunk_end: false,
        status: response
            .status
            .0
            .filter(|status| *status > 0)
            .and_then(|status| u16::try_from(status).ok()),
        captured_at: entry
            .started
            .0
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.to_string()),
        headers: response
            .headers
            .0
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect(),
        ..Meta::default()
    };
    if let Some(url) = url {
        (meta.action_id, meta.endpoint) = data_action_of(&url);
    }
    let failed = |code: Code, message: String, meta: Meta| {
        let mut capture = Capture::unreadable(source.clone(), Finding::new(code, message));
        capture.meta = meta;
        capture
    };
    let recorded_text = content.text.as_ref().and_then(|text| text.0.as_deref());
    if response.status.0 == Some(0) && recorded_text.is_none_or(str::is_empty) {
        return Some(failed(
            Code::T01,
            no_reply(response.error.0.as_deref()),
            meta,
        ));
    }
    if matches!(content.text, Some(Scalar(None))) {
        let message = "the HAR entry's response text is not a string, as HAR writes it";
        return Some(failed(Code::T08, message.to_owned(), meta));
    }
    let recorded = content.text.is_some();
    let text = content.text.and_then(|text| text.0).unwrap_or_default();
    let base64 = content
        .encoding
        .0
        .as_deref()
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("base64"));
    let body = if base64 {
        // Exporters may wrap base64 in lines; most do not.
        let packed = if text.bytes().any(|b| b.is_ascii_whitespace()) {
            text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
        } else {
            text
        };
        // Four characters of base64 hold three bytes: a longer text cannot
        // decode to a body within the limit.
        let longest = max_bytes.div_ceil(3).saturating_mul(4);
        if packed.len() as u64 > longest {
            let message = format!(
                "{} characters of base64, more than --max-bytes allows once decoded ({max_bytes}); not decoded",
                packed.len()
            );
            return Some(failed(Code::T07, message, meta));
        }
        match base64::engine::general_purpose::STANDARD.decode(packed) {
            Ok(bytes) => bytes,
            Err(error) => {
                let message = format!("the base64 content cannot be decoded: {error}");
                return Some(failed(Code::T08, message, meta));
            }
        }
    } else {
        text.into_bytes()
    };
    if body.len() as u64 > max_bytes {
        let message = format!(
            "a body of {} bytes, more than --max-bytes allows ({max_bytes}); not parsed",
            body.len()
        );
        return Some(failed(Code::T07, message, meta));
    }
    let mut capture = Capture::from_bytes(source, body, Some(meta), max_bytes);
    // The body came out of a JSON string: its offsets are the body's own,
    // not the file's.
    capture.body_offset = None;
    capture.header_lines = None;
    if !recorded {
        capture
            .notes
            .push("the HAR entry holds no response text (not recorded by the browser)".to_owned());
    }
    Some(capture)
}

/// The fields of an entry that dapa uses; all else is passed over unread.
/// A field of an unexpected type is as good as absent, as it was when the
/// entry was read as a whole JSON value.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Entry {
    #[serde(rename = "startedDateTime")]
    started: Scalar<String>,
    request: Object<Request>,
    response: Object<Response>,
}

/// T01's message for an entry of status 0 with no body: the browser
/// recorded the request but no reply. The exporter's reason is named only
/// in the form Chromium writes it, a fixed name of a network error, so that
/// no other text of the file is quoted.
fn no_reply(error: Option<&str>) -> String {
    let named = error.filter(|error| {
        error.len() <= 64
            && error.strip_prefix("net::ERR_").is_some_and(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
    });
    match named {
        Some(error) => format!("no reply: the HAR entry's status is 0 ({error})"),
        None => "no reply: the HAR entry's status is 0 (the request was blocked, cancelled or failed before a reply came)".to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Request {
    url: Scalar<String>,
    method: Scalar<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Response {
    status: Scalar<u64>,
    headers: Headers,
    content: Object<Content>,
    /// Why no reply came, as Chromium's exports say it
    /// (`net::ERR_CONNECTION_REFUSED`).
    #[serde(rename = "_error")]
    error: Scalar<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Content {
    /// `None` when the entry has no text at all (or a null one).
    text: Option<Scalar<String>>,
    encoding: Scalar<String>,
    #[serde(rename = "mimeType")]
    mime: Scalar<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Header {
    name: Scalar<String>,
    value: Scalar<String>,
}

/// A string or number field: its value when it has the type, else none.
#[derive(Debug)]
struct Scalar<T>(Option<T>);

/// An object field: its fields when it is an object, else none.
#[derive(Debug)]
struct Object<T>(Option<T>);

/// The headers that have a string name and value; the others are dropped
/// as they are read, so that a list of empty objects holds nothing.
#[derive(Debug, Default)]
struct Headers(Vec<(String, String)>);

impl<T> Default for Scalar<T> {
    fn default() -> Self {
        Scalar(None)
    }
}

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

/// A field read from whatever JSON value stands there: each kind of value
/// it does not take is read to its end, holding nothing, and the field is
/// empty.
trait Lenient<'de>: Default {
    /// From a string, number, boolean or null.
    fn from_scalar<V: de::IntoDeserializer<'de, de::value::Error>>(_: V) -> Self {
        Self::default()
    }

    /// From an object.
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }

    /// From an array.
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

impl<'de, T: Deserialize<'de>> Lenient<'de> for Scalar<T> {
    fn from_scalar<V: de::IntoDeserializer<'de, de::value::Error>>(value: V) -> Self {
        Scalar(T::deserialize(value.into_deserializer()).ok())
    }
}

impl<'de, T: Deserialize<'de>> Lenient<'de> for Object<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|value| Object(Some(value)))
    }
}

/// Most headers kept of one response: real replies carry a few dozen, and
/// an export padded with millions must not cost their memory.
const MAX_HEADERS: usize = 256;

impl<'de> Lenient<'de> for Headers {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut headers = Vec::new();
        while headers.len() < MAX_HEADERS {
            let Some(Object(header)) = seq.next_element::<Object<Header>>()? else {
                return Ok(Headers(headers));
            };
            if let Some(Header {
                name: Scalar(Some(name)),
                value: Scalar(Some(value)),
            }) = header
            {
                headers.push((name, value));
            }
        }
        // The rest are read past, holding nothing.
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Headers(headers))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<T, E> {
        Ok(T::from_scalar(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        Ok(T::from_scalar(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        Ok(T::from_scalar(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        Ok(T::from_scalar(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(T::from_scalar(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::from_scalar(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq)
    }
}

fn lenient<'de, D: de::Deserializer<'de>, T: Lenient<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(LenientVisitor(PhantomData))
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Scalar<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient(deserializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient(deserializer)
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient(deserializer)
    }
}

/// The action id and endpoint of a Data Action URL.
fn data_action_of(url: &str) -> (Option<String>, Option<String>) {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some((_, rest)) = path.split_once("/api/v2/integrations/actions/") else {
        return (None, None);
    };
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let endpoint = match tail {
        "execute" => Some("execute"),
        "test" => Some("test"),
        "draft/test" => Some("draft-test"),
        _ => None,
    };
    (Some(id.to_owned()), endpoint.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn har_names_in_any_case_with_or_without_gzip() {
        for name in ["a.har", "A.HAR", "x.Har.gz", "x.har.GZ", ".har"] {
            assert!(is_har_name(name), "{name}");
        }
        for name in [
            "a.har.json",
            "har",
            "a.gz",
            "a.hargz",
            "a.ha",
            "",
            "é.har.g",
        ] {
            assert!(!is_har_name(name), "{name}");
        }
    }

    #[test]
    fn page_assets_are_no_captures() {
        let api = "https://apps.mypurecloud.ie/platform/api/v2/integrations/actions/a/execute";
        assert!(!is_page_asset(Some(api), Some("text/html")));
        assert!(!is_page_asset(None, Some("image/png")));
        assert!(!is_page_asset(
            Some("https://x.example/profiles/1"),
            Some("application/json; charset=utf-8")
        ));
        assert!(!is_page_asset(
            Some("https://x.example/token"),
            Some("text/plain")
        ));
        assert!(!is_page_asset(
            Some("https://x.example/p"),
            Some("application/problem+json")
        ));
        for mime in [
            "text/html",
            "application/javascript",
            "image/png",
            "x-unknown",
            "",
        ] {
            assert!(
                is_page_asset(Some("https://x.example/app/main.js"), Some(mime)),
                "{mime}"
            );
        }
        assert!(is_page_asset(Some("https://x.example/app/"), None));
    }

    /// The captures of a HAR document held in memory, and the error that
    /// ended its entries, if any.
    fn captures(bytes: &[u8], limit: u64) -> (Vec<Capture>, Option<HarError>) {
        let mut found = Vec::new();
        let source = |entry| Source::HarEntry {
            file: "x.har".into(),
            entry,
        };
        for entry in Entries::new(bytes, limit) {
            match entry {
                Ok(RawEntry::Text(n, text)) => found.push(capture(source(n), text, limit)),
                Ok(RawEntry::TooLong(n, length)) => {
                    found.push(too_long(source(n), length, limit));
                }
                Err(error) => return (found, Some(error)),
            }
        }
        (found, None)
    }

    #[test]
    fn entries_become_numbered_captures() {
        let har = serde_json::json!({"log": {"entries": [
            {"startedDateTime": "2026-11-20T09:12:03.120+01:00",
             "request": {"url": "https://api.mypurecloud.ie/api/v2/integrations/actions/custom_-_1/execute?flatten=true"},
             "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}, {}, 7],
                          "content": {"text": "eyJhIjoxfQ==", "encoding": "base64"}}},
            {"request": {"url": "https://example.com/"},
             "response": {"status": 0, "content": {"text": "!!", "encoding": "base64"}}},
            {"response": {"status": 502, "content": {"text": "<html></html>"}}},
            {"response": {"status": "200", "headers": {"a": 1}, "content": [1]}},
        ]}});
        let (found, error) = captures(har.to_string().as_bytes(), 1 << 20);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(found.len(), 4);
        assert_eq!(found[0].source.to_string(), "x.har#1");
        assert_eq!(found[0].body, br#"{"a":1}"#);
        assert_eq!(found[0].meta.status, Some(200));
        assert_eq!(found[0].meta.headers.len(), 1);
        assert_eq!(
            found[0].meta.header("content-type"),
            Some("application/json")
        );
        assert_eq!(
            found[0].meta.captured_at.as_deref(),
            Some("2026-11-20T08:12:03.12Z")
        );
        assert_eq!(found[0].meta.action_id.as_deref(), Some("custom_-_1"));
        assert_eq!(found[0].meta.endpoint.as_deref(), Some("execute"));
        assert_eq!(found[1].findings[0].code, Code::T08);
        assert_eq!(found[1].meta.status, None);
        assert_eq!(found[2].body, b"<html></html>");
        assert_eq!(found[3].meta.status, None);
        assert_eq!(found[3].notes.len(), 1, "fields of other types are absent");
    }

    #[test]
    fn an_entry_of_status_0_without_a_body_says_no_reply_came() {
        let har = serde_json::json!({"log": {"entries": [
            {"response": {"status": 0, "content": {"size": 0, "mimeType": "x-unknown"},
                          "_error": "net::ERR_CONNECTION_REFUSED"}},
            {"response": {"status": 0, "content": {"text": ""}, "_error": "\u{1b}]0;x\u{7} Bearer abc"}},
            {"response": {"status": 0}},
        ]}});
        let (found, error) = captures(har.to_string().as_bytes(), 1 << 20);
        assert!(error.is_none(), "{error:?}");
        let messages: Vec<(Code, &str)> = found
            .iter()
            .map(|capture| {
                (
                    capture.findings[0].code,
                    capture.findings[0].message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            messages,
            [
                (
                    Code::T01,
                    "no reply: the HAR entry's status is 0 (net::ERR_CONNECTION_REFUSED)"
                ),
                (
                    Code::T01,
                    "no reply: the HAR entry's status is 0 (the request was blocked, cancelled or failed before a reply came)"
                ),
                (
                    Code::T01,
                    "no reply: the HAR entry's status is 0 (the request was blocked, cancelled or failed before a reply came)"
                ),
            ]
        );
    }

    #[test]
    fn documents_that_are_no_har() {
        for text in [
            &b"{\"log\":{}}"[..],
            b"{\"log\":",
            b"[1]",
            b"",
            b"{\"log\":{\"entries\":{}}}",
            b"{\"logs\":{\"entries\":[]}}",
        ] {
            let (found, error) = captures(text, 100);
            assert!(found.is_empty());
            assert!(
                matches!(error, Some(HarError::NotHar(_))),
                "{error:?} for {}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn the_split_follows_strings_and_brackets() {
        let text = br#" {"pages":[{"x":"]}"}],"log":{"v":"1","entries":[ {"response":{"content":{"text":"a\"]},"}}} , 5 ,[1,[2]],"s"]},"after":{}}"#;
        let texts: Vec<Vec<u8>> = Entries::new(&text[..], 1000)
            .map(|entry| match entry.unwrap() {
                RawEntry::Text(_, text) => text,
                RawEntry::TooLong(..) => panic!("within the limit"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                &br#"{"response":{"content":{"text":"a\"]},"}}}"#[..],
                b"5",
                b"[1,[2]]",
                b"\"s\""
            ]
        );
    }

    #[test]
    fn long_entries_are_measured_not_held_and_the_rest_is_read() {
        let long = "x".repeat(500);
        let text = format!(
            r#"{{"log":{{"entries":[{{"a":"{long}"}},{{"response":{{"content":{{"text":"1"}}}}}}]}}}}"#
        );
        let entries: Vec<RawEntry> = Entries::new(text.as_bytes(), 100)
            .map(Result::unwrap)
            .collect();
        assert!(matches!(entries[0], RawEntry::TooLong(1, 508)));
        assert!(matches!(entries[1], RawEntry::Text(2, _)));
    }

    #[test]
    fn a_cut_off_export_keeps_its_entries() {
        let text = br#"{"log":{"entries":[{"response":{}},{"response":{"sta"#;
        let (found, error) = captures(text, 100);
        assert_eq!(found.len(), 1);
        let error = error.unwrap();
        assert!(matches!(error, HarError::BrokenOff { after: 1, .. }));
        assert_eq!(unreadable("x.har", &error).source.to_string(), "x.har#2");
        let text = br#"{"log":{"entries":[{"response":{}} {}]}}"#;
        let (found, error) = captures(text, 100);
        assert_eq!(found.len(), 1);
        assert!(error.unwrap().to_string().contains("expected `,` or `]`"));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = b"\xEF\xBB\xBF {\"log\":{\"entries\":[{}]}}";
        let (found, error) = captures(text, 100);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn bodies_over_the_limit_are_t07_before_and_after_decoding() {
        let entry = |text: &str, encoding: &str| {
            format!(
                r#"{{"response":{{"status":200,"content":{{"text":"{text}","encoding":"{encoding}"}}}}}}"#
            )
        };
        let plain = capture("a".into(), entry("12345", "").into_bytes(), 4);
        assert_eq!(plain.findings[0].code, Code::T07);
        assert_eq!(plain.meta.status, Some(200));
        let long_base64 = capture("a".into(), entry("MTIzNDU2Nzg=", "base64").into_bytes(), 4);
        assert_eq!(long_base64.findings[0].code, Code::T07);
        assert!(long_base64.findings[0].message.contains("not decoded"));
        let decoded = capture("a".into(), entry("MTIzNDU=", "base64").into_bytes(), 4);
        assert_eq!(decoded.findings[0].code, Code::T07);
        let fits = capture("a".into(), entry("MTIzNA==", "base64").into_bytes(), 4);
        let upper = capture("a".into(), entry("MTIzNA==", "BASE64").into_bytes(), 4);
        assert_eq!(upper.body, b"1234");
        for not_an_entry in ["1", "\"x\"", "null", "[]"] {
            let odd = capture("a".into(), not_an_entry.as_bytes().to_vec(), 4);
            assert_eq!(odd.findings[0].code, Code::T08, "{not_an_entry}");
        }
        assert!(fits.findings.is_empty());
        assert_eq!(fits.body, b"1234");
    }
}

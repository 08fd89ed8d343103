//! A JSON parser that says exactly what is wrong and where.
//!
//! serde_json stops at the first error with a message meant for people, drops
//! repeated keys silently and rounds large numbers; dapa needs to tell a cut-off
//! body (S01) from a bad escape (S04) or a single quote (S05), and to see the
//! repeated keys (S07) and lossy numbers (S08). The parser is iterative, with an
//! explicit stack, so no input can overflow the thread's stack whatever its
//! depth. In lenient mode it also accepts the usual non-standard extensions and
//! records each one it met.

use super::number::{self, NumberText};
use serde_json::{Map, Value};

/// A non-standard construct that the lenient mode accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Extension {
    /// `NaN`, `Infinity`, `-Infinity` (recovered as `null`).
    NanInfinity,
    /// Strings in single quotes.
    SingleQuotes,
    /// `//` and `/* */` comments.
    Comments,
    /// A comma before `]` or `}`.
    TrailingComma,
    /// Object keys without quotes.
    UnquotedKeys,
    /// Python's `True`, `False` and `None` (a dict printed with `repr`).
    PythonLiterals,
    /// A number written with a leading `+`.
    LeadingPlus,
}

impl Extension {
    /// The kebab-case name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Extension::NanInfinity => "nan-infinity",
            Extension::SingleQuotes => "single-quotes",
            Extension::Comments => "comments",
            Extension::TrailingComma => "trailing-comma",
            Extension::UnquotedKeys => "unquoted-keys",
            Extension::PythonLiterals => "python-literals",
            Extension::LeadingPlus => "leading-plus",
        }
    }
}

/// Why a parse failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input ended inside a value.
    Truncated,
    /// A complete value is followed by more non-whitespace.
    TrailingData,
    /// Any other grammar error.
    InvalidSyntax,
    /// A bad escape, raw control character or lone surrogate in a string.
    InvalidString,
    /// Deeper nesting than allowed.
    TooDeep,
    /// A non-standard extension met in strict mode.
    NonStandard(Extension),
}

/// A parse failure with the byte offset where it was noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset into the parsed text.
    pub offset: usize,
    /// A one-line description.
    pub message: String,
}

/// How to parse.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Containers nested deeper than this fail with [`ErrorKind::TooDeep`].
    pub max_depth: usize,
    /// Accept the non-standard extensions instead of failing on them.
    pub lenient: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_depth: 128,
            lenient: false,
        }
    }
}

/// A key seen twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Pointer to the repeated member.
    pub pointer: String,
    /// Byte offset of the second occurrence of the key.
    pub offset: usize,
}

/// A number that a 64-bit float does not keep exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossyNumber {
    /// Pointer to the number.
    pub pointer: String,
    /// Byte offset of the number.
    pub offset: usize,
    /// The number as written.
    pub text: String,
    /// Why it is lossy.
    pub reason: &'static str,
}

/// A successful parse and what it noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The document.
    pub value: Value,
    /// The depth of the deepest container (0 for a scalar).
    pub depth: usize,
    /// Keys repeated within one object; the last occurrence wins in `value`.
    pub duplicates: Vec<DuplicateKey>,
    /// Numbers that do not survive f64.
    pub lossy_numbers: Vec<LossyNumber>,
    /// Extensions accepted in lenient mode, with the offset of each.
    pub extensions: Vec<(Extension, usize)>,
    /// What the document's strings may hold that the payload layer looks for.
    pub marks: StringMarks,
}

/// What the strings of a document may hold that the payload layer looks
/// for, noted while parsing at the cost of a compare or two per string, so
/// that the payload layer can pass over a document in which it would find
/// nothing. Each mark errs on the side of "may": a mark that is set only
/// means the payload layer looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StringMarks {
    /// A string value opens with `{`, `[` or `"`, or with a byte that may be
    /// white space before one (control, space, any non-ASCII): it may hold JSON.
    pub may_hold_json: bool,
    /// The text, or a string's escapes, hold a `$`: a Velocity reference may be left.
    pub dollar: bool,
    /// A key holds `.` or `[`: it may be in Architect's flatten=true form.
    pub dotted_key: bool,
}

impl StringMarks {
    /// Whether no string can hold stringified JSON or a Velocity reference,
    /// and no key can be in flattened form.
    pub fn plain(self) -> bool {
        !(self.may_hold_json || self.dollar || self.dotted_key)
    }
}

/// Whether a string value whose decoded text starts with `first` may hold
/// JSON: `{`, `[` or `"` at once, or after white space, which only an ASCII
/// control or space byte or a non-ASCII character can start.
#[inline]
fn may_open_json(first: u8) -> bool {
    matches!(first, b'{' | b'[' | b'"') || first <= b' ' || !first.is_ascii()
}

/// Parse `text` as one JSON document.
pub fn parse(text: &str, options: ParseOptions) -> Result<Parsed, SyntaxError> {
    Parser::new(text, options, None)
        .run()
        .map(|(parsed, _)| parsed)
        .map_err(|error| *error)
}

/// The byte offsets where the values at `pointers` start in `text`, parsed
/// with `options`. Where a pointer leads nowhere in the text (through a
/// string holding stringified JSON, or to an absent member), the offset of the
/// deepest value on its way is given instead.
pub fn locate(text: &str, options: ParseOptions, pointers: &[&str]) -> Vec<Option<usize>> {
    let targets: Vec<Vec<String>> = pointers.iter().map(|p| split_pointer(p)).collect();
    let mut parser = Parser::new(text, options, Some(Locator::new(targets)));
    match parser.run() {
        Ok((_, Some(locator))) => locator.found,
        _ => parser
            .locator
            .map_or_else(|| vec![None; pointers.len()], |l| l.found),
    }
}

/// The segments of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`).
pub fn split_pointer(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    // One leading slash: `//x` is the member `x` of the member `""`.
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|segment| {
            if segment.contains('~') {
                segment.replace("~1", "/").replace("~0", "~")
            } else {
                segment.to_owned()
            }
        })
        .collect()
}

/// Append one segment to a JSON pointer, escaping `~` and `/`.
pub fn push_pointer(pointer: &mut String, segment: &str) {
    pointer.push('/');
    if !segment.contains(['~', '/']) {
        pointer.push_str(segment);
        return;
    }
    for ch in segment.chars() {
        match ch {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            _ => pointer.push(ch),
        }
    }
}

struct Locator {
    targets: Vec<Vec<String>>,
    found: Vec<Option<usize>>,
    matched: Vec<usize>,
}

impl Locator {
    fn new(targets: Vec<Vec<String>>) -> Self {
        let count = targets.len();
        Locator {
            targets,
            found: vec![None; count],
            matched: vec![0; count],
        }
    }
}

enum Frame {
    Array(Vec<Value>),
    Object {
        map: Map<String, Value>,
        key: String,
        key_offset: usize,
    },
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    options: ParseOptions,
    stack: Vec<Frame>,
    depth: usize,
    duplicates: Vec<DuplicateKey>,
    lossy_numbers: Vec<LossyNumber>,
    extensions: Vec<(Extension, usize)>,
    marks: StringMarks,
    locator: Option<Locator>,
}

/// Boxed, the error keeps every step's result as small as its value: a
/// parsed value then comes back in few bytes, through every call.
type Step<T> = Result<T, Box<SyntaxError>>;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `word` below `limit` (a byte value), and
/// maybe of some above the lowest such byte: a borrow runs upward only from
/// a byte that is itself below `limit`, so the lowest bit set is exact.
#[inline]
fn bytes_below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS
}

/// [`bytes_below`]`(.., 1)` of `word ^ (ONES * byte)`: the bytes equal to `byte`.
#[inline]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    bytes_below(word ^ (ONES * u64::from(byte)), 1)
}

/// The length of the run of bytes at the start of `bytes` that need no
/// attention inside a string: no `quote`, no backslash, no control character.
/// Strings are most of a payload's bytes, so this looks at eight at a time.
/// With `KEY`, it also tells whether the run holds a `.` or a `[`, the marks
/// of a key in flattened form, found in the same words.
#[inline]
fn plain_run_marked<const KEY: bool>(bytes: &[u8], quote: u8) -> (usize, bool) {
    let mut pos = 0;
    let mut dotted = false;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let special = bytes_equal(word, quote) | bytes_equal(word, b'\\') | bytes_below(word, 0x20);
        // Bytes are read little-endian: the lowest bit set is the first byte.
        let run = if special == 0 {
            8
        } else {
            special.trailing_zeros() as usize / 8
        };
        if KEY && run > 0 {
            // A false mark lies above a true one, so none is reported for
            // bytes in the run that are not a dot or a bracket.
            let marks = bytes_equal(word, b'.') | bytes_equal(word, b'[');
            dotted |= marks & (u64::MAX >> (64 - 8 * run)) != 0;
        }
        pos += run;
        if special != 0 {
            return (pos, dotted);
        }
    }
    let rest = bytes[pos..]
        .iter()
        .position(|&b| b == quote || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len() - pos);
    if KEY {
        dotted |= bytes[pos..pos + rest]
            .iter()
            .any(|&b| b == b'.' || b == b'[');
    }
    (pos + rest, dotted)
}

/// The length of the run of JSON whitespace at the start of `bytes`.
/// Pretty-printed documents indent with runs of spaces, often most of their
/// bytes, so eight spaces are passed at a time.
fn whitespace_run(bytes: &[u8]) -> usize {
    const EIGHT_SPACES: u64 = 0x2020_2020_2020_2020;
    let mut pos = 0;
    loop {
        while let Some(chunk) = bytes.get(pos..pos + 8) {
            if u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) != EIGHT_SPACES {
                break;
            }
            pos += 8;
        }
        match bytes.get(pos) {
            Some(b' ' | b'\n' | b'\r' | b'\t') => pos += 1,
            _ => return pos,
        }
    }
}

fn describe(byte: Option<u8>) -> String {
    match byte {
        None => "the end of the input".to_owned(),
        Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
        Some(b) => format!("byte 0x{b:02X}"),
    }
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, options: ParseOptions, locator: Option<Locator>) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            options,
            stack: Vec::new(),
            depth: 0,
            duplicates: Vec::new(),
            lossy_numbers: Vec::new(),
            extensions: Vec::new(),
            marks: StringMarks::default(),
            locator,
        }
    }

    fn error<T>(&self, kind: ErrorKind, offset: usize, message: impl Into<String>) -> Step<T> {
        Err(Box::new(SyntaxError {
            kind,
            offset,
            message: message.into(),
        }))
    }

    fn truncated<T>(&self, inside: &str) -> Step<T> {
        self.error(
            ErrorKind::Truncated,
            self.bytes.len(),
            format!("the input ends inside {inside}"),
        )
    }

    /// In lenient mode, note the extension and go on; in strict mode, fail.
    fn extension(&mut self, extension: Extension, offset: usize) -> Step<()> {
        if self.options.lenient {
            self.extensions.push((extension, offset));
            Ok(())
        } else {
            self.error(
                ErrorKind::NonStandard(extension),
                offset,
                format!("non-standard JSON ({})", extension.name()),
            )
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skip whitespace (and, in lenient mode, comments). Called between
    /// every two tokens, so the common case, a token right here, returns
    /// at once without a call.
    #[inline]
    fn skip_whitespace(&mut self) -> Step<()> {
        match self.peek() {
            Some(b' ' | b'\n' | b'\r' | b'\t' | b'/') => self.skip_whitespace_run(),
            _ => Ok(()),
        }
    }

    fn skip_whitespace_run(&mut self) -> Step<()> {
        loop {
            self.pos += whitespace_run(&self.bytes[self.pos..]);
            if self.peek() != Some(b'/') {
                return Ok(());
            }
            let start = self.pos;
            match self.bytes.get(self.pos + 1) {
                Some(b'/') => {
                    self.extension(Extension::Comments, start)?;
                    self.pos = self.bytes[start..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(self.bytes.len(), |i| start + i + 1);
                }
                Some(b'*') => {
                    self.extension(Extension::Comments, start)?;
                    match self.text[start + 2..].find("*/") {
                        Some(i) => self.pos = start + 2 + i + 2,
                        None => return self.truncated("a comment"),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn current_pointer(&self) -> String {
        let mut pointer = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Array(items) => push_pointer(&mut pointer, &items.len().to_string()),
                Frame::Object { key, .. } => push_pointer(&mut pointer, key),
            }
        }
        pointer
    }

    fn run(&mut self) -> Step<(Parsed, Option<Locator>)> {
        self.skip_whitespace()?;
        if self.peek().is_none() {
            return self.error(ErrorKind::Truncated, 0, "there is no JSON value");
        }
        let mut value = self.parse_value()?;
        while let Some(frame) = self.stack.last_mut() {
            match frame {
                Frame::Array(items) => {
                    items.push(value);
                    self.skip_whitespace()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.pos;
                            self.pos += 1;
                            self.skip_whitespace()?;
                            if self.peek() == Some(b']') {
                                self.extension(Extension::TrailingComma, comma)?;
                                self.pos += 1;
                                value = self.close();
                            } else {
                                value = self.parse_value()?;
                            }
                        }
                        Some(b']') => {
                            self.pos += 1;
                            value = self.close();
                        }
                        None => return self.truncated("an array"),
                        other => {
                            return self.error(
                                ErrorKind::InvalidSyntax,
                                self.pos,
                                format!(
                                    "expected ',' or ']' in an array, found {}",
                                    describe(other)
                                ),
                            );
                        }
                    }
                }
                Frame::Object {
                    map,
                    key,
                    key_offset,
                } => {
                    let key_offset = *key_offset;
                    if map.insert(std::mem::take(key), value).is_some() {
                        // The key was moved into the map; read it back for the pointer.
                        self.note_duplicate(key_offset);
                    }
                    self.skip_whitespace()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.pos;
                            self.pos += 1;
                            self.skip_whitespace()?;
                            if self.peek() == Some(b'}') {
                                self.extension(Extension::TrailingComma, comma)?;
                                self.pos += 1;
                                value = self.close();
                            } else {
                                self.parse_member_key()?;
                                value = self.parse_value()?;
                            }
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            value = self.close();
                        }
                        None => return self.truncated("an object"),
                        other => {
                            return self.error(
                                ErrorKind::InvalidSyntax,
                                self.pos,
                                format!(
                                    "expected ',' or '}}' in an object, found {}",
                                    describe(other)
                                ),
                            );
                        }
                    }
                }
            }
        }
        self.skip_whitespace()?;
        if self.pos < self.bytes.len() {
            return self.error(
                ErrorKind::TrailingData,
                self.pos,
                format!(
                    "more data after the end of the JSON document ({} bytes, starting with {})",
                    self.bytes.len() - self.pos,
                    describe(self.peek())
                ),
            );
        }
        // One pass over the whole text finds every raw `$`; an escaped one
        // was noted as it was decoded.
        self.marks.dollar |= memchr::memchr(b'$', self.bytes).is_some();
        let parsed = Parsed {
            value,
            depth: self.depth,
            duplicates: std::mem::take(&mut self.duplicates),
            lossy_numbers: std::mem::take(&mut self.lossy_numbers),
            extensions: std::mem::take(&mut self.extensions),
            marks: self.marks,
        };
        Ok((parsed, self.locator.take()))
    }

    fn note_duplicate(&mut self, key_offset: usize) {
        // The pointer names the member: the object's path plus the repeated key,
        // which is the last key inserted; re-read it from the text.
        let mut pointer = String::new();
        let last = self.stack.len() - 1;
        for frame in &self.stack[..last] {
            match frame {
                Frame::Array(items) => push_pointer(&mut pointer, &items.len().to_string()),
                Frame::Object { key, .. } => push_pointer(&mut pointer, key),
            }
        }
        let key = self.key_text_at(key_offset);
        push_pointer(&mut pointer, &key);
        self.duplicates.push(DuplicateKey {
            pointer,
            offset: key_offset,
        });
    }

    /// Re-read the key that starts at `offset` (already parsed once, so valid).
    fn key_text_at(&self, offset: usize) -> String {
        let mut reader = Parser::new(self.text, self.options, None);
        reader.pos = offset;
        reader.parse_key_text().unwrap_or_default()
    }

    #[inline]
    fn close(&mut self) -> Value {
        match self.stack.pop() {
            Some(Frame::Array(items)) => Value::Array(items),
            Some(Frame::Object { map, .. }) => Value::Object(map),
            None => Value::Null,
        }
    }

    #[inline]
    fn push(&mut self, frame: Frame, offset: usize) -> Step<()> {
        if self.stack.len() >= self.options.max_depth {
            return self.error(
                ErrorKind::TooDeep,
                offset,
                format!("nesting deeper than {} levels", self.options.max_depth),
            );
        }
        self.stack.push(frame);
        self.depth = self.depth.max(self.stack.len());
        Ok(())
    }

    /// Parse a value; containers are opened (pushed) and their first member
    /// parsed, so this returns only once a scalar or an empty container is done.
    fn parse_value(&mut self) -> Step<Value> {
        loop {
            self.skip_whitespace()?;
            let start = self.pos;
            if self.locator.is_some() {
                self.locate_value(start);
            }
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.push(
                        Frame::Object {
                            map: Map::new(),
                            key: String::new(),
                            key_offset: start,
                        },
                        start,
                    )?;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(self.close());
                    }
                    self.parse_member_key()?;
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.push(Frame::Array(Vec::new()), start)?;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(self.close());
                    }
                }
                Some(quote @ (b'"' | b'\'')) => {
                    if quote == b'\'' {
                        self.extension(Extension::SingleQuotes, start)?;
                    }
                    let text = self.parse_string(quote)?;
                    if text.as_bytes().first().is_some_and(|&b| may_open_json(b)) {
                        self.marks.may_hold_json = true;
                    }
                    return Ok(Value::String(text));
                }
                Some(b'-' | b'+' | b'0'..=b'9') => return self.parse_number(),
                Some(b'a'..=b'z' | b'A'..=b'Z') => return self.parse_literal(),
                None => return self.truncated("a value"),
                other => {
                    return self.error(
                        ErrorKind::InvalidSyntax,
                        start,
                        format!("expected a value, found {}", describe(other)),
                    );
                }
            }
        }
    }

    /// Note where the value starting at `start` is, for every target whose
    /// path it is, or the deepest value on the way to it seen so far.
    fn locate_value(&mut self, start: usize) {
        let Some(locator) = &mut self.locator else {
            return;
        };
        let depth = self.stack.len();
        for (index, target) in locator.targets.iter().enumerate() {
            // A later value at the same path replaces an earlier one, as the
            // last of repeated keys is the one every reader keeps.
            if target.len() < depth || locator.matched[index] > depth {
                continue;
            }
            let on_path = self
                .stack
                .iter()
                .zip(target)
                .all(|(frame, segment)| match frame {
                    Frame::Array(items) => segment.parse::<usize>() == Ok(items.len()),
                    Frame::Object { key, .. } => key == segment,
                });
            if on_path {
                locator.found[index] = Some(start);
                locator.matched[index] = depth;
            }
        }
    }

    /// Parse an object key and the colon after it into the top frame.
    fn parse_member_key(&mut self) -> Step<()> {
        let key_offset = self.pos;
        let key = self.parse_key_text()?;
        self.skip_whitespace()?;
        match self.peek() {
            Some(b':') => self.pos += 1,
            None => return self.truncated("an object"),
            other => {
                return self.error(
                    ErrorKind::InvalidSyntax,
                    self.pos,
                    format!(
                        "expected ':' after an object key, found {}",
                        describe(other)
                    ),
                );
            }
        }
        if let Some(Frame::Object {
            key: slot,
            key_offset: slot_offset,
            ..
        }) = self.stack.last_mut()
        {
            *slot = key;
            *slot_offset = key_offset;
        }
        Ok(())
    }

    fn parse_key_text(&mut self) -> Step<String> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => self.parse_key_string(b'"'),
            Some(b'\'') => {
                self.extension(Extension::SingleQuotes, start)?;
                self.parse_key_string(b'\'')
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                self.extension(Extension::UnquotedKeys, start)?;
                let end = self.bytes[start..]
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
                    .map_or(self.bytes.len(), |i| start + i);
                self.pos = end;
                Ok(self.text[start..end].to_owned())
            }
            None => self.truncated("an object"),
            other => self.error(
                ErrorKind::InvalidSyntax,
                start,
                format!(
                    "expected an object key in quotes, found {}",
                    describe(other)
                ),
            ),
        }
    }

    fn parse_string(&mut self, quote: u8) -> Step<String> {
        self.parse_string_marked::<false>(quote)
    }

    /// An object key: a string, with its flattened-form marks noted.
    fn parse_key_string(&mut self, quote: u8) -> Step<String> {
        self.parse_string_marked::<true>(quote)
    }

    fn parse_string_marked<const KEY: bool>(&mut self, quote: u8) -> Step<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            // Fast path: copy runs of ordinary characters at once.
            let (run, dotted) = plain_run_marked::<KEY>(&self.bytes[self.pos..], quote);
            self.pos += run;
            if KEY {
                self.marks.dotted_key |= dotted;
            }
            match self.peek() {
                None => {
                    return self.error(
                        ErrorKind::Truncated,
                        self.bytes.len(),
                        format!("the input ends inside a string that opens at byte {open}"),
                    );
                }
                Some(b) if b == quote => {
                    let run = &self.text[run_start..self.pos];
                    self.pos += 1;
                    // Most strings have no escape: one allocation of the right size.
                    if out.is_empty() {
                        return Ok(run.to_owned());
                    }
                    out.push_str(run);
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run_start..self.pos]);
                    let ch = self.parse_escape(quote)?;
                    out.push(ch);
                    if KEY {
                        self.marks.dotted_key |= matches!(ch, '.' | '[');
                    }
                    run_start = self.pos;
                }
                Some(b) => {
                    return self.error(
                        ErrorKind::InvalidString,
                        self.pos,
                        format!("raw control character 0x{b:02X} inside a string"),
                    );
                }
            }
        }
    }

    fn parse_escape(&mut self, quote: u8) -> Step<char> {
        let start = self.pos;
        let Some(&kind) = self.bytes.get(self.pos + 1) else {
            return self.truncated("a string escape");
        };
        self.pos += 2;
        let ch = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'\'' if quote == b'\'' => '\'',
            b'u' => {
                let ch = self.parse_unicode_escape(start)?;
                self.marks.dollar |= ch == '$';
                ch
            }
            _ => {
                let shown: String = self.text[start..]
                    .chars()
                    .take(2)
                    .flat_map(char::escape_debug)
                    .collect();
                return self.error(
                    ErrorKind::InvalidString,
                    start,
                    format!("invalid escape {shown} inside a string"),
                );
            }
        };
        Ok(ch)
    }

    fn read_hex4(&mut self, escape_start: usize) -> Step<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        let available = &self.bytes[self.pos..self.bytes.len().min(self.pos + 4)];
        if !available.iter().all(u8::is_ascii_hexdigit) {
            return self.error(
                ErrorKind::InvalidString,
                escape_start,
                "\\u escape without four hex digits",
            );
        }
        let Some(digits) = digits else {
            return self.truncated("a \\u escape");
        };
        let value = digits.iter().fold(0u32, |acc, &b| {
            acc * 16 + (b as char).to_digit(16).unwrap_or(0)
        });
        self.pos += 4;
        Ok(value)
    }

    fn parse_unicode_escape(&mut self, start: usize) -> Step<char> {
        let first = self.read_hex4(start)?;
        let code = match first {
            0xD800..=0xDBFF => {
                let low_start = self.pos;
                if self.bytes.get(low_start..low_start + 2) != Some(b"\\u") {
                    if self.pos + 2 > self.bytes.len()
                        && self.bytes[low_start..].iter().all(|&b| b == b'\\')
                    {
                        return self.truncated("a surrogate pair");
                    }
                    return self.error(
                        ErrorKind::InvalidString,
                        start,
                        format!("lone high surrogate \\u{first:04X} inside a string"),
                    );
                }
                self.pos += 2;
                let second = self.read_hex4(low_start)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return self.error(
                        ErrorKind::InvalidString,
                        start,
                        format!("high surrogate \\u{first:04X} not followed by a low surrogate"),
                    );
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return self.error(
                    ErrorKind::InvalidString,
                    start,
                    format!("lone low surrogate \\u{first:04X} inside a string"),
                );
            }
            other => other,
        };
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn parse_literal(&mut self) -> Step<Value> {
        let start = self.pos;
        let end = self.bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(self.bytes.len(), |i| start + i);
        let word = &self.text[start..end];
        let (value, extension) = match word {
            "true" => (Value::Bool(true), None),
            "false" => (Value::Bool(false), None),
            "null" => (Value::Null, None),
            "NaN" | "Infinity" => (Value::Null, Some(Extension::NanInfinity)),
            "True" => (Value::Bool(true), Some(Extension::PythonLiterals)),
            "False" => (Value::Bool(false), Some(Extension::PythonLiterals)),
            "None" => (Value::Null, Some(Extension::PythonLiterals)),
            _ => {
                let cut_off = end == self.bytes.len()
                    && [
                        "true", "false", "null", "NaN", "Infinity", "True", "False", "None",
                    ]
                    .iter()
                    .any(|literal| literal.starts_with(word));
                if cut_off {
                    return self.truncated("a literal");
                }
                let shown: String = word.chars().take(24).collect();
                return self.error(
                    ErrorKind::InvalidSyntax,
                    start,
                    format!("unexpected word '{shown}' where a value was expected"),
                );
            }
        };
        if let Some(extension) = extension {
            self.extension(extension, start)?;
        }
        self.pos = end;
        Ok(value)
    }

    fn parse_number(&mut self) -> Step<Value> {
        let start = self.pos;
        if self.peek() == Some(b'+') {
            self.extension(Extension::LeadingPlus, start)?;
            self.pos += 1;
        }
        let sign_end = if self.peek() == Some(b'-') && self.pos == start {
            self.pos + 1
        } else {
            self.pos
        };
        if self.bytes.get(sign_end) == Some(&b'I')
            && self.bytes[sign_end..].starts_with(b"Infinity")
        {
            self.pos = sign_end;
            return self.parse_literal().map(|_| Value::Null);
        }
        let scanned = match number::scan(&self.bytes[self.pos..]) {
            Ok(scanned) => scanned,
            Err(number::ScanError::EndOfInput) => return self.truncated("a number"),
            Err(number::ScanError::Unexpected(at, what)) => {
                let offset = self.pos + at;
                return self.error(
                    ErrorKind::InvalidSyntax,
                    offset,
                    format!("invalid number: {what}"),
                );
            }
        };
        let body_start = self.pos;
        self.pos += scanned.len;
        let text = &self.text[body_start..self.pos];
        let NumberText { value, lossy } = number::convert(text, &scanned);
        if let Some(reason) = lossy {
            self.lossy_numbers.push(LossyNumber {
                pointer: self.current_pointer(),
                offset: start,
                text: self.text[start..self.pos].to_owned(),
                reason,
            });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(text: &str) -> Result<Parsed, SyntaxError> {
        parse(text, ParseOptions::default())
    }

    fn lenient(text: &str) -> Result<Parsed, SyntaxError> {
        parse(
            text,
            ParseOptions {
                lenient: true,
                ..ParseOptions::default()
            },
        )
    }

    fn kind(text: &str) -> ErrorKind {
        strict(text).expect_err(text).kind
    }

    #[test]
    fn parses_like_serde_json() {
        for text in [
            r#"{"a":[1,2.5,-3e2,true,false,null,"x\ty\u00e9\ud83d\ude00"],"b":{}}"#,
            "[]",
            "0",
            "-0.0",
            r#""lone string""#,
            "  [ {\"k\" : [ ] } ]  ",
        ] {
            let ours = strict(text).unwrap().value;
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn cut_off_input_is_truncated() {
        for text in [
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "[1,",
            "\"abc",
            "tr",
            "-",
            "1.",
            "1e",
            "1e+",
            "\"\\u12",
            "\"\\",
            "{\"a\":\"b",
            "/* open",
        ] {
            assert_eq!(
                parse(
                    text,
                    ParseOptions {
                        lenient: true,
                        ..ParseOptions::default()
                    }
                )
                .expect_err(text)
                .kind,
                ErrorKind::Truncated,
                "{text}"
            );
        }
        assert_eq!(strict("{\"a\":1").unwrap_err().offset, 6);
    }

    #[test]
    fn grammar_errors_are_invalid_syntax() {
        for text in [
            "{\"a\" 1}",
            "{\"a\":1]",
            "[1 2]",
            "01",
            "1.x",
            "{,}",
            "tru e",
            "@",
            "[-]",
            "[-true]",
            "[-Infinityx]",
        ] {
            assert_eq!(kind(text), ErrorKind::InvalidSyntax, "{text}");
        }
    }

    #[test]
    fn bad_strings_are_invalid_string() {
        for text in [
            r#""\x41""#,
            "\"a\tb\"",
            r#""\ud83d""#,
            r#""\ud83dx""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\u12G4""#,
        ] {
            assert_eq!(kind(text), ErrorKind::InvalidString, "{text}");
        }
    }

    #[test]
    fn trailing_data_after_a_complete_document() {
        let error = strict("{\"a\":1}\n{\"a\":2}").unwrap_err();
        assert_eq!(error.kind, ErrorKind::TrailingData);
        assert_eq!(error.offset, 8);
        assert_eq!(kind("123abc"), ErrorKind::TrailingData);
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let error = strict(&deep).unwrap_err();
        assert_eq!(error.kind, ErrorKind::TooDeep);
        assert_eq!(error.offset, 128);
        let ok = "[".repeat(128) + &"]".repeat(128);
        assert_eq!(strict(&ok).unwrap().depth, 128);
        let cut = "{\"a\":".repeat(100_000);
        assert_eq!(kind(&cut), ErrorKind::TooDeep);
    }

    #[test]
    fn extensions_fail_strict_and_pass_lenient() {
        let cases = [
            ("{'a': 1}", Extension::SingleQuotes),
            ("{\"a\": NaN}", Extension::NanInfinity),
            ("[-Infinity]", Extension::NanInfinity),
            ("{\"a\": 1, // note\n}", Extension::Comments),
            ("[1, 2,]", Extension::TrailingComma),
            ("{a: 1}", Extension::UnquotedKeys),
            ("{\"ok\": True, \"x\": None}", Extension::PythonLiterals),
            ("[+1]", Extension::LeadingPlus),
        ];
        for (text, extension) in cases {
            assert_eq!(kind(text), ErrorKind::NonStandard(extension), "{text}");
            let parsed = lenient(text).expect(text);
            assert!(
                parsed.extensions.iter().any(|(e, _)| *e == extension),
                "{text}"
            );
        }
        let value = lenient("{'name': 'O\\'Brien', n: NaN, list: [1,],}")
            .unwrap()
            .value;
        assert_eq!(
            value,
            serde_json::json!({"name": "O'Brien", "n": null, "list": [1]})
        );
    }

    #[test]
    fn duplicate_keys_are_reported_with_pointers() {
        let parsed = strict(r#"{"a":{"x":1,"x":2},"b":[{"y":1,"y":2}]}"#).unwrap();
        let pointers: Vec<_> = parsed
            .duplicates
            .iter()
            .map(|d| d.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/a/x", "/b/0/y"]);
        assert_eq!(parsed.value["a"]["x"], 2);
    }

    #[test]
    fn lossy_numbers_are_reported() {
        let parsed = strict(r#"{"ok":9007199254740991,"big":9007199254740993,"pi":3.14159265358979323846,"fine":450.25,"huge":1e400}"#).unwrap();
        let pointers: Vec<_> = parsed
            .lossy_numbers
            .iter()
            .map(|n| n.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/big", "/pi", "/huge"]);
        assert_eq!(parsed.value["big"], 9_007_199_254_740_993u64);
    }

    #[test]
    fn locate_finds_values_and_strings_on_the_way() {
        let text = r#"{"a": [10, {"b": "x"}], "s": "{\"in\":1}"}"#;
        let found = locate(
            text,
            ParseOptions::default(),
            &["/a/1/b", "/s/in", "", "/nope", "/a/1/zz"],
        );
        assert_eq!(found, [Some(17), Some(29), Some(0), Some(0), Some(11)]);
    }

    #[test]
    fn plain_runs_stop_at_every_special_byte() {
        for special in [b'"', b'\\', b'\n', 0x00, 0x1f] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 24];
                bytes[at] = special;
                assert_eq!(
                    plain_run_marked::<false>(&bytes, b'"').0,
                    at,
                    "{special:#x} at {at}"
                );
            }
        }
        assert_eq!(
            plain_run_marked::<false>("héllo wörld, a long plain run".as_bytes(), b'"').0,
            31
        );
        assert_eq!(plain_run_marked::<false>(b"it's", b'\'').0, 2);
        assert_eq!(plain_run_marked::<false>(b"", b'"').0, 0);
    }

    #[test]
    fn key_runs_mark_a_dot_or_bracket_only_before_their_end() {
        // Every placement of a special byte and of a mark, in and across
        // words: the run ends at the special byte, and a mark counts only
        // before it.
        for special in [b'"', b'\\', 0x01] {
            for at in 0..20 {
                for mark in [b'.', b'['] {
                    for mark_at in 0..20 {
                        let mut bytes = vec![b'a'; 24];
                        bytes[mark_at] = mark;
                        bytes[at] = special;
                        let expected = (at, bytes[..at].contains(&mark));
                        assert_eq!(
                            plain_run_marked::<true>(&bytes, b'"'),
                            expected,
                            "{special:#x} at {at}, {mark} at {mark_at}"
                        );
                    }
                }
            }
        }
        assert_eq!(plain_run_marked::<true>(b"a.b", b'"'), (3, true));
        assert_eq!(plain_run_marked::<false>(b"a.b\"", b'"'), (3, false));
    }

    proptest::proptest! {
        /// Runs of any bytes, borrows and high bytes among them, end and
        /// are marked where a byte-by-byte look says.
        #[test]
        fn runs_agree_with_a_byte_by_byte_look(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![
                    b'a', b'.', b'[', b'"', b'\'', b'\\', 0x00, 0x01, 0x1f, 0x20, 0x21, 0x2d,
                    0x2f, 0x5a, 0x5c, 0x7f, 0x80, 0xa0, 0xff,
                ]),
                0..40,
            ),
            quote in proptest::sample::select(vec![b'"', b'\'']),
        ) {
            let end = bytes
                .iter()
                .position(|&b| b == quote || b == b'\\' || b < 0x20)
                .unwrap_or(bytes.len());
            let dotted = bytes[..end].iter().any(|&b| b == b'.' || b == b'[');
            proptest::prop_assert_eq!(plain_run_marked::<true>(&bytes, quote), (end, dotted));
            proptest::prop_assert_eq!(plain_run_marked::<false>(&bytes, quote), (end, false));
        }
    }

    #[test]
    fn whitespace_runs_stop_at_the_first_other_byte() {
        for length in 0..30 {
            for filler in [b' ', b'\n', b'\t', b'\r'] {
                let mut bytes = vec![b' '; length];
                if length > 3 {
                    bytes[length / 2] = filler;
                }
                assert_eq!(whitespace_run(&bytes), length);
                bytes.extend_from_slice(b"x        ");
                assert_eq!(whitespace_run(&bytes), length);
            }
        }
    }

    #[test]
    fn pointers_escape_and_split() {
        let mut pointer = String::new();
        push_pointer(&mut pointer, "a/b~c");
        assert_eq!(pointer, "/a~1b~0c");
        assert_eq!(split_pointer(&pointer), ["a/b~c"]);
        assert!(split_pointer("").is_empty());
    }
}

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
use std::borrow::Cow;
use std::collections::BTreeSet;

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

/// The most repeated keys, and the most lossy numbers, a parse keeps with
/// their places; the others are only counted. A place is a pointer as long
/// as the path to it: a hostile document that repeats a key, or a lossy
/// number, many times under one long key would otherwise hold that key's
/// text once per repeat. As many as the syntax layer reports.
pub const KEPT_PER_KIND: usize = crate::finding::MAX_FINDINGS_PER_CODE;

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

/// What a parse notices in valid JSON that readers disagree on: keys
/// repeated within one object and numbers that do not survive f64, the
/// first [`KEPT_PER_KIND`] of each with their places, and how many of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Repeated keys, the first [`KEPT_PER_KIND`].
    pub duplicates: Vec<DuplicateKey>,
    /// How many keys were repeated, kept or not.
    pub duplicates_total: usize,
    /// Lossy numbers, the first [`KEPT_PER_KIND`].
    pub lossy_numbers: Vec<LossyNumber>,
    /// How many numbers do not survive f64, kept or not.
    pub lossy_total: usize,
}

/// A successful parse and what it noticed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The document.
    pub value: Value,
    /// The depth of the deepest container (0 for a scalar).
    pub depth: usize,
    /// Repeated keys (the last occurrence wins in `value`) and lossy numbers.
    pub quirks: Quirks,
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
    let mut parser = Parser::new(text, options, Tree);
    let value = parser.run().map_err(|error| *error)?;
    Ok(Parsed {
        value,
        depth: parser.depth,
        marks: parser.document_marks(),
        quirks: parser.quirks,
        extensions: parser.extensions,
    })
}

/// What [`skim`] keeps of a value: its type, and an object's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outline<'a> {
    /// `null`, or `NaN` and the infinities read leniently.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object, with its keys in the order they are written, each once.
    Object(Vec<Cow<'a, str>>),
}

/// A document read as [`parse`] reads it, with only the root's [`Outline`]
/// kept: what the parse notices on the way is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Skimmed<'a> {
    /// The document's root.
    pub root: Outline<'a>,
    /// Repeated keys and lossy numbers, as [`Parsed::quirks`].
    pub quirks: Quirks,
    /// What the document's strings may hold, as [`Parsed::marks`].
    pub marks: StringMarks,
}

/// Read `text` as [`parse`] does, accepting and refusing the same texts with
/// the same errors, but build no tree: for a caller that needs a value only
/// when the root, or the marks, say that a layer would look into it. Most
/// of a parse's cost is the strings, maps and arrays it allocates and later
/// frees; this keeps one list of keys.
pub fn skim(text: &str, options: ParseOptions) -> Result<Skimmed<'_>, SyntaxError> {
    walk(text, options, ())
}

/// [`skim`], telling `watch` of every value on the way. Where the watcher
/// stops the walk, the error says nothing of the text: a caller that lets
/// its watcher stop asks it first.
pub(crate) fn walk<'a, W: Watch<'a>>(
    text: &'a str,
    options: ParseOptions,
    watch: W,
) -> Result<Skimmed<'a>, SyntaxError> {
    // Room for the keys of a usual document at once: grown from empty, the
    // list was moved three times for each.
    let skim = Skim {
        keys: Vec::with_capacity(32),
        watch,
    };
    let mut parser = Parser::new(text, options, skim);
    let root = match parser.run().map_err(|error| *error)? {
        SkimValue::Scalar(value) => {
            parser.build.watch.scalar(&value);
            match value {
                Value::Null => Outline::Null,
                Value::Bool(_) => Outline::Bool,
                _ => Outline::Number,
            }
        }
        SkimValue::String => Outline::String,
        SkimValue::Array => Outline::Array,
        SkimValue::Object(from) => Outline::Object(parser.build.keys.split_off(from)),
    };
    Ok(Skimmed {
        root,
        marks: parser.document_marks(),
        quirks: parser.quirks,
    })
}

/// The byte offsets where the values at `pointers` start in `text`, parsed
/// with `options`. Where a pointer leads nowhere in the text (through a
/// string holding stringified JSON, or to an absent member), the offset of the
/// deepest value on its way is given instead.
///
/// A text that fails to parse gives the places found before the error.
pub fn locate(text: &str, options: ParseOptions, pointers: &[&str]) -> Vec<Option<usize>> {
    let mut parser = Parser::new(text, options, Locator::new(pointers));
    // Whether the text parses or not, what was found on the way is the answer.
    let _ = parser.run();
    parser.build.found
}

/// The segments of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`).
pub fn split_pointer(pointer: &str) -> Vec<String> {
    pointer_segments(pointer).map(Cow::into_owned).collect()
}

/// The segments of a JSON pointer, unescaped, borrowed where they have no
/// escape.
pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    // One leading slash: `//x` is the member `x` of the member `""`.
    let segments = (!pointer.is_empty()).then(|| pointer.strip_prefix('/').unwrap_or(pointer));
    segments
        .into_iter()
        .flat_map(|segments| segments.split('/'))
        .map(|segment| {
            if segment.contains('~') {
                Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(segment)
            }
        })
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

/// The text of a string, as much of it as a builder keeps.
pub(crate) trait Text<'a>: Sized {
    /// A string without escapes: its text as written, `text[start..end]`.
    /// The builder cuts it out, so that one that keeps no text never does.
    fn plain(text: &'a str, start: usize, end: usize) -> Self;
    /// Nothing yet, before the first escape.
    fn empty() -> Self;
    /// Whether nothing was pushed, which is to say no escape was met.
    fn is_empty(&self) -> bool;
    fn push_str(&mut self, run: &str);
    fn push(&mut self, ch: char);
    /// The first byte of the decoded text, where it is kept.
    fn first_byte(&self) -> Option<u8>;
}

impl<'a> Text<'a> for String {
    #[inline]
    fn plain(text: &'a str, start: usize, end: usize) -> Self {
        // One allocation of the right size.
        text[start..end].to_owned()
    }
    #[inline]
    fn empty() -> Self {
        String::new()
    }
    #[inline]
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
    #[inline]
    fn push_str(&mut self, run: &str) {
        self.push_str(run);
    }
    #[inline]
    fn push(&mut self, ch: char) {
        self.push(ch);
    }
    #[inline]
    fn first_byte(&self) -> Option<u8> {
        self.as_bytes().first().copied()
    }
}

/// Keys that locate compares: most have no escape and are borrowed from
/// the text, so comparing them allocates nothing.
impl<'a> Text<'a> for Cow<'a, str> {
    #[inline]
    fn plain(text: &'a str, start: usize, end: usize) -> Self {
        Cow::Borrowed(&text[start..end])
    }
    #[inline]
    fn empty() -> Self {
        Cow::Borrowed("")
    }
    #[inline]
    fn is_empty(&self) -> bool {
        str::is_empty(self)
    }
    #[inline]
    fn push_str(&mut self, run: &str) {
        self.to_mut().push_str(run);
    }
    #[inline]
    fn push(&mut self, ch: char) {
        self.to_mut().push(ch);
    }
    #[inline]
    fn first_byte(&self) -> Option<u8> {
        self.as_bytes().first().copied()
    }
}

/// A string checked for syntax and dropped.
struct Skipped;

impl<'a> Text<'a> for Skipped {
    #[inline]
    fn plain(_: &'a str, _: usize, _: usize) -> Self {
        Skipped
    }
    #[inline]
    fn empty() -> Self {
        Skipped
    }
    #[inline]
    fn is_empty(&self) -> bool {
        true
    }
    #[inline]
    fn push_str(&mut self, _: &str) {}
    #[inline]
    fn push(&mut self, _: char) {}
    #[inline]
    fn first_byte(&self) -> Option<u8> {
        None
    }
}

/// What a parse makes of the values it reads: the whole tree for [`parse`],
/// only the places of some values for [`locate`]. The syntax rules are the
/// parser's alone, so both accept and reject exactly the same texts at the
/// same bytes; a builder decides only what is kept.
trait Build<'a>: Sized {
    /// A parsed value.
    type Value;
    /// What an open array keeps of its items.
    type Items: Default;
    /// What an open object keeps of its members.
    type Members;
    /// An object key, which pointers name.
    type Key: Text<'a> + Default + AsRef<str>;
    /// A string value.
    type Str: Text<'a>;
    fn string(&mut self, text: Self::Str) -> Self::Value;
    /// A literal or a number, made by `make` only where values are kept.
    fn scalar(make: impl FnOnce() -> Value) -> Self::Value;
    fn array(&mut self, items: Self::Items) -> Self::Value;
    /// What a new array keeps of its items, before the first.
    #[inline]
    fn open_array(&mut self) -> Self::Items {
        Self::Items::default()
    }
    /// What a new object keeps of its members, before the first.
    fn open_object(&mut self) -> Self::Members;
    fn object(&mut self, members: Self::Members) -> Self::Value;
    /// The value of a `close` with no open container (never reached).
    fn none() -> Self::Value;
    fn push_item(&mut self, items: &mut Self::Items, value: Self::Value);
    /// The number of items so far, which is the index of the next one.
    fn item_count(items: &Self::Items) -> usize;
    /// Add a member; true if the key was there already.
    fn insert(&mut self, members: &mut Self::Members, key: Self::Key, value: Self::Value) -> bool;
    /// Called where each value starts, inside the containers on `stack`.
    #[inline]
    fn value_starts(&mut self, _stack: &[Frame<'a, Self>], _start: usize) {}
    /// Whether the builder wants no more values: the parse stops.
    #[inline]
    fn stopped(&self) -> bool {
        false
    }
}

/// Builds the whole `Value`, for [`parse`].
struct Tree;

impl<'a> Build<'a> for Tree {
    type Value = Value;
    type Items = Vec<Value>;
    type Members = Map<String, Value>;
    type Key = String;
    type Str = String;
    #[inline]
    fn string(&mut self, text: String) -> Value {
        Value::String(text)
    }
    #[inline]
    fn scalar(make: impl FnOnce() -> Value) -> Value {
        make()
    }
    #[inline]
    fn array(&mut self, items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    #[inline]
    fn open_object(&mut self) -> Map<String, Value> {
        Map::new()
    }
    #[inline]
    fn object(&mut self, members: Map<String, Value>) -> Value {
        Value::Object(members)
    }
    #[inline]
    fn none() -> Value {
        Value::Null
    }
    #[inline]
    fn push_item(&mut self, items: &mut Vec<Value>, value: Value) {
        items.push(value);
    }
    #[inline]
    fn item_count(items: &Vec<Value>) -> usize {
        items.len()
    }
    #[inline]
    fn insert(&mut self, members: &mut Map<String, Value>, key: String, value: Value) -> bool {
        members.insert(key, value).is_some()
    }
}

/// A string of which only the first byte of its decoded text is kept: all
/// the marks need.
#[derive(Default)]
pub(crate) struct FirstByte(Option<u8>);

impl<'a> Text<'a> for FirstByte {
    #[inline]
    fn plain(text: &'a str, start: usize, end: usize) -> Self {
        FirstByte((start < end).then(|| text.as_bytes()[start]))
    }
    #[inline]
    fn empty() -> Self {
        FirstByte(None)
    }
    #[inline]
    fn is_empty(&self) -> bool {
        // Every escape adds a character, which has a first byte: nothing
        // kept means no escape met, as for the other texts.
        self.0.is_none()
    }
    #[inline]
    fn push_str(&mut self, run: &str) {
        if self.0.is_none() {
            self.0 = run.as_bytes().first().copied();
        }
    }
    #[inline]
    fn push(&mut self, ch: char) {
        if self.0.is_none() {
            let mut utf8 = [0u8; 4];
            self.0 = ch.encode_utf8(&mut utf8).as_bytes().first().copied();
        }
    }
    #[inline]
    fn first_byte(&self) -> Option<u8> {
        self.0
    }
}

/// What [`Skim`] keeps of a value: an object's keys stay on the builder's
/// list of keys from `Object(from)` on, until the value is added to the
/// container it is in. A literal or a number is kept whole (it holds no
/// allocation), so that a watcher sees it when it is added.
enum SkimValue {
    Scalar(Value),
    String,
    Array,
    Object(usize),
}

/// An open object, for [`Skim`]: where its keys start on the builder's list.
struct OpenObject<'a> {
    from: usize,
    /// The object's keys again, once there are too many to compare one by one.
    index: Option<BTreeSet<Cow<'a, str>>>,
}

/// Past this many keys, an object's keys are looked up in a tree rather
/// than compared one by one: a hostile object of many keys costs a
/// logarithm per key, not as many compares as it has keys.
const KEYS_COMPARED_ONE_BY_ONE: usize = 16;

/// Where a value is in the container it starts in, for a [`Watch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place<'k> {
    /// The document's root.
    Root,
    /// The value of the member with this key.
    Key(&'k str),
    /// An array's item.
    Item,
}

/// What [`walk`] tells of each value it reads, in the order the values are
/// written: for a layer that looks at each value once, in place, and so
/// needs no tree built. A value's events come between its `starts` and the
/// next `starts`, except an object's or array's `closes`, which comes after
/// its members'.
pub(crate) trait Watch<'a> {
    /// What the watcher keeps of a string value.
    type Str: Text<'a>;
    /// A value starts at `place` in the innermost open container; `path`
    /// makes its path from the root, with array items as `*`, unless it is
    /// longer than the bytes it is given.
    fn starts(&mut self, place: Place<'_>, path: impl FnOnce(usize) -> Option<String>);
    /// The value that started last is the string `text`.
    fn text(&mut self, text: &Self::Str);
    /// The value that started last is `null`, a boolean or a number.
    fn scalar(&mut self, value: &Value);
    /// The value that started last is an object (or an array), open now.
    fn opens(&mut self, object: bool);
    /// The innermost open object or array is done.
    fn closes(&mut self);
    /// Whether the watcher wants no more: the walk stops where it is.
    fn stopped(&self) -> bool;
}

/// No watcher: [`skim`].
impl<'a> Watch<'a> for () {
    type Str = FirstByte;
    #[inline]
    fn starts(&mut self, _: Place<'_>, _: impl FnOnce(usize) -> Option<String>) {}
    #[inline]
    fn text(&mut self, _: &FirstByte) {}
    #[inline]
    fn scalar(&mut self, _: &Value) {}
    #[inline]
    fn opens(&mut self, _: bool) {}
    #[inline]
    fn closes(&mut self) {}
    #[inline]
    fn stopped(&self) -> bool {
        false
    }
}

/// A watcher lent for one walk.
impl<'a, W: Watch<'a>> Watch<'a> for &mut W {
    type Str = W::Str;
    #[inline]
    fn starts(&mut self, place: Place<'_>, path: impl FnOnce(usize) -> Option<String>) {
        (**self).starts(place, path);
    }
    #[inline]
    fn text(&mut self, text: &W::Str) {
        (**self).text(text);
    }
    #[inline]
    fn scalar(&mut self, value: &Value) {
        (**self).scalar(value);
    }
    #[inline]
    fn opens(&mut self, object: bool) {
        (**self).opens(object);
    }
    #[inline]
    fn closes(&mut self) {
        (**self).closes();
    }
    #[inline]
    fn stopped(&self) -> bool {
        (**self).stopped()
    }
}

/// The path of the value starting inside the open containers of `stack`,
/// with array items as `*`, unless it is longer than `limit` bytes: the
/// length is known before any of it is written, so that the values of many
/// items under a long key cost no copy of it each.
fn starred_path<'a, B: Build<'a>>(stack: &[Frame<'a, B>], limit: usize) -> Option<String> {
    // Each segment is as long as its text and slash at least.
    let least: usize = (stack.iter())
        .map(|frame| match frame {
            Frame::Object { key, .. } => 1 + key.as_ref().len(),
            Frame::Array(_) => 2,
        })
        .sum();
    if least > limit {
        return None;
    }
    let mut path = String::with_capacity(least);
    for frame in stack {
        match frame {
            Frame::Object { key, .. } => push_pointer(&mut path, key.as_ref()),
            Frame::Array(_) => path.push_str("/*"),
        }
    }
    (path.len() <= limit).then_some(path)
}

/// Builds only outlines, for [`skim`]: strings are checked and only their
/// first byte kept, numbers are converted (which tells a lossy one) and
/// dropped, and an object keeps its keys, to tell a repeated one. The keys
/// of the open objects share one list, the innermost last: one list for
/// the document rather than one per object. What it reads it tells `watch`
/// ([`walk`]).
struct Skim<'a, W> {
    keys: Vec<Cow<'a, str>>,
    watch: W,
}

impl<'a, W: Watch<'a>> Skim<'a, W> {
    /// A value is added to its container: a nested object's keys go.
    #[inline]
    fn added(&mut self, value: &SkimValue) {
        match value {
            SkimValue::Object(from) => self.keys.truncate(*from),
            SkimValue::Scalar(value) => self.watch.scalar(value),
            SkimValue::String | SkimValue::Array => {}
        }
    }
}

impl<'a, W: Watch<'a>> Build<'a> for Skim<'a, W> {
    type Value = SkimValue;
    type Items = usize;
    type Members = OpenObject<'a>;
    type Key = Cow<'a, str>;
    type Str = W::Str;
    #[inline]
    fn string(&mut self, text: W::Str) -> SkimValue {
        self.watch.text(&text);
        SkimValue::String
    }
    #[inline]
    fn scalar(make: impl FnOnce() -> Value) -> SkimValue {
        SkimValue::Scalar(make())
    }
    #[inline]
    fn array(&mut self, _: usize) -> SkimValue {
        self.watch.closes();
        SkimValue::Array
    }
    #[inline]
    fn open_array(&mut self) -> usize {
        self.watch.opens(false);
        0
    }
    #[inline]
    fn open_object(&mut self) -> OpenObject<'a> {
        self.watch.opens(true);
        OpenObject {
            from: self.keys.len(),
            index: None,
        }
    }
    #[inline]
    fn object(&mut self, members: OpenObject<'a>) -> SkimValue {
        self.watch.closes();
        SkimValue::Object(members.from)
    }
    #[inline]
    fn none() -> SkimValue {
        SkimValue::Scalar(Value::Null)
    }
    #[inline]
    fn push_item(&mut self, items: &mut usize, value: SkimValue) {
        self.added(&value);
        *items += 1;
    }
    #[inline]
    fn item_count(items: &usize) -> usize {
        *items
    }
    fn insert(
        &mut self,
        members: &mut OpenObject<'a>,
        key: Cow<'a, str>,
        value: SkimValue,
    ) -> bool {
        self.added(&value);
        match &mut members.index {
            Some(index) => {
                if index.contains(key.as_ref()) {
                    return true;
                }
                index.insert(key.clone());
            }
            None => {
                let kept = &self.keys[members.from..];
                if kept.iter().any(|kept| super::same_text(kept, &key)) {
                    return true;
                }
                if kept.len() == KEYS_COMPARED_ONE_BY_ONE {
                    let mut index: BTreeSet<Cow<'a, str>> = kept.iter().cloned().collect();
                    index.insert(key.clone());
                    members.index = Some(index);
                }
            }
        }
        self.keys.push(key);
        false
    }
    #[inline]
    fn value_starts(&mut self, stack: &[Frame<'a, Self>], _start: usize) {
        let place = match stack.last() {
            None => Place::Root,
            Some(Frame::Object { key, .. }) => Place::Key(key.as_ref()),
            Some(Frame::Array(_)) => Place::Item,
        };
        self.watch.starts(place, |limit| starred_path(stack, limit));
    }
    #[inline]
    fn stopped(&self) -> bool {
        self.watch.stopped()
    }
}

/// One segment of a pointer that locate follows.
struct Segment<'p> {
    /// The unescaped member name.
    key: Cow<'p, str>,
    /// The segment read as an array index, as `str::parse` reads it.
    index: Option<usize>,
}

/// Builds nothing and notes where the values at some pointers start, for
/// [`locate`]: strings are checked but not kept (keys are borrowed where they
/// have no escape), numbers are checked but not converted, and an array keeps
/// only its item count.
struct Locator<'p> {
    targets: Vec<Vec<Segment<'p>>>,
    found: Vec<Option<usize>>,
    /// The depth of the value found so far for each target.
    matched: Vec<usize>,
    /// By depth, the targets whose path leads through the value last started
    /// at that depth: while a container is open, the one at its own depth.
    on_path: Vec<Vec<usize>>,
    /// By depth, whether that list is sorted by the targets' next segment,
    /// for a container with many targets inside it.
    sorted: Vec<bool>,
}

/// Targets inside one container past which their next segments are looked
/// up in a sorted list, not compared one by one: a secure action's error
/// body of 200,000 errors, each masked, took minutes compared one by one.
const SORTED_FROM: usize = 32;

impl<'p> Locator<'p> {
    fn new(pointers: &[&'p str]) -> Self {
        let targets: Vec<Vec<Segment>> = pointers
            .iter()
            .map(|pointer| {
                pointer_segments(pointer)
                    .map(|key| Segment {
                        index: key.parse().ok(),
                        key,
                    })
                    .collect()
            })
            .collect();
        let count = targets.len();
        Locator {
            targets,
            found: vec![None; count],
            matched: vec![0; count],
            on_path: Vec::new(),
            sorted: Vec::new(),
        }
    }
}

impl<'a> Build<'a> for Locator<'_> {
    type Value = ();
    type Items = usize;
    type Members = ();
    type Key = Cow<'a, str>;
    type Str = Skipped;
    #[inline]
    fn string(&mut self, _: Skipped) {}
    #[inline]
    fn scalar(_: impl FnOnce() -> Value) {}
    #[inline]
    fn array(&mut self, _: usize) {}
    #[inline]
    fn open_object(&mut self) {}
    #[inline]
    fn object(&mut self, _: ()) {}
    #[inline]
    fn none() {}
    #[inline]
    fn push_item(&mut self, items: &mut usize, _: ()) {
        *items += 1;
    }
    #[inline]
    fn item_count(items: &usize) -> usize {
        *items
    }
    #[inline]
    fn insert(&mut self, _: &mut (), _: Cow<'a, str>, _: ()) -> bool {
        // Repeated keys matter only to `parse`; for the places, the last
        // occurrence wins by coming last.
        false
    }

    /// Note where the value starting at `start` is, for every target whose
    /// path it is, or the deepest value on the way to it seen so far.
    fn value_starts(&mut self, stack: &[Frame<'a, Self>], start: usize) {
        let depth = stack.len();
        if self.on_path.len() <= depth {
            self.on_path.resize_with(depth + 1, Vec::new);
            self.sorted.resize(depth + 1, false);
        }
        let (outer, inner) = self.on_path.split_at_mut(depth);
        let here = &mut inner[0];
        here.clear();
        self.sorted[depth] = false;
        // The containers below the innermost one have not changed since it
        // started, so only its current key or index is compared here.
        match (outer.last_mut(), stack.last()) {
            (Some(parent), Some(frame)) if parent.len() >= SORTED_FROM => {
                let targets = &self.targets;
                let next = |index: &usize| targets[*index].get(depth - 1);
                // Sorted once per container, when its first value starts:
                // by index in an array, by key in an object.
                if !self.sorted[depth - 1] {
                    match frame {
                        Frame::Array(_) => {
                            parent.sort_by_key(|index| next(index).map(|segment| segment.index));
                        }
                        Frame::Object { .. } => {
                            parent.sort_by(|a, b| {
                                let key = |index| next(index).map(|segment| &segment.key);
                                key(a).cmp(&key(b))
                            });
                        }
                    }
                    self.sorted[depth - 1] = true;
                }
                let range = match frame {
                    Frame::Array(count) => {
                        let wanted = Some(Some(*count));
                        let key = |index: &usize| next(index).map(|segment| segment.index);
                        parent.partition_point(|index| key(index) < wanted)
                            ..parent.partition_point(|index| key(index) <= wanted)
                    }
                    Frame::Object { key: wanted, .. } => {
                        let wanted = Some(wanted);
                        let key = |index: &usize| next(index).map(|segment| &segment.key);
                        parent.partition_point(|index| key(index) < wanted)
                            ..parent.partition_point(|index| key(index) <= wanted)
                    }
                };
                here.extend_from_slice(&parent[range]);
            }
            (Some(parent), Some(frame)) => {
                for &index in parent.iter() {
                    let Some(segment) = self.targets[index].get(depth - 1) else {
                        continue;
                    };
                    let on_path = match frame {
                        Frame::Array(count) => segment.index == Some(*count),
                        Frame::Object { key, .. } => *key == segment.key,
                    };
                    if on_path {
                        here.push(index);
                    }
                }
            }
            _ => here.extend(0..self.targets.len()),
        }
        for &index in here.iter() {
            // A later value at the same path replaces an earlier one, as the
            // last of repeated keys is the one every reader keeps.
            if self.matched[index] <= depth {
                self.found[index] = Some(start);
                self.matched[index] = depth;
            }
        }
    }
}

enum Frame<'a, B: Build<'a>> {
    Array(B::Items),
    Object {
        members: B::Members,
        key: B::Key,
        key_offset: usize,
    },
}

struct Parser<'a, B: Build<'a>> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    options: ParseOptions,
    stack: Vec<Frame<'a, B>>,
    depth: usize,
    quirks: Quirks,
    extensions: Vec<(Extension, usize)>,
    marks: StringMarks,
    build: B,
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
/// of a key in flattened form, found in the same words. Always inlined, as
/// are the string and key steps that call it: a payload has dozens of
/// strings, most of them a word or two, and the calls cost about as much as
/// the scan (1,900 instructions a file of the benchmark corpus; inlining the
/// member key step and the frame push as well cost more than it saved).
#[inline(always)]
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
/// bytes: eight bytes are read at a time and the spaces at their start
/// passed at once, so that a newline and its indent cost two steps, not one
/// per byte.
#[inline(always)]
fn whitespace_run(bytes: &[u8]) -> usize {
    const EIGHT_SPACES: u64 = 0x2020_2020_2020_2020;
    let mut pos = 0;
    loop {
        if let Some(chunk) = bytes.get(pos..pos + 8) {
            // Zero where a byte is a space: the spaces that lead are the
            // low zero bytes (little-endian: the first byte is the lowest).
            let others = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ EIGHT_SPACES;
            pos += (others.trailing_zeros() / 8) as usize;
            if others == 0 {
                continue;
            }
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

impl<'a, B: Build<'a>> Parser<'a, B> {
    fn new(text: &'a str, options: ParseOptions, build: B) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            options,
            // Room for the usual depth at once: growing from empty costs
            // several times one allocation of this size.
            stack: Vec::with_capacity(8),
            depth: 0,
            quirks: Quirks::default(),
            extensions: Vec::new(),
            marks: StringMarks::default(),
            build,
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
    /// every two tokens, so the common cases, a token right here or after
    /// a newline and its indent, are done without a call: a call cost
    /// more than the run it skipped.
    #[inline]
    fn skip_whitespace(&mut self) -> Step<()> {
        match self.peek() {
            Some(b' ' | b'\n' | b'\r' | b'\t') => {
                self.pos += whitespace_run(&self.bytes[self.pos..]);
                match self.peek() {
                    Some(b'/') => self.skip_whitespace_run(),
                    _ => Ok(()),
                }
            }
            Some(b'/') => self.skip_whitespace_run(),
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

    /// The marks of the whole text, for a parse that succeeded: one pass
    /// over it finds every raw `$` (an escaped one was noted as it was
    /// decoded). Only the readers whose callers look at the marks need it,
    /// so `locate` does not pay for it.
    fn document_marks(&self) -> StringMarks {
        StringMarks {
            dollar: self.marks.dollar || memchr::memchr(b'$', self.bytes).is_some(),
            ..self.marks
        }
    }

    fn current_pointer(&self) -> String {
        let mut pointer = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Array(items) => {
                    push_pointer(&mut pointer, &B::item_count(items).to_string());
                }
                Frame::Object { key, .. } => push_pointer(&mut pointer, key.as_ref()),
            }
        }
        pointer
    }

    fn run(&mut self) -> Step<B::Value> {
        self.skip_whitespace()?;
        if self.peek().is_none() {
            return self.error(ErrorKind::Truncated, 0, "there is no JSON value");
        }
        let mut value = self.parse_value()?;
        while let Some(frame) = self.stack.last_mut() {
            match frame {
                Frame::Array(items) => {
                    self.build.push_item(items, value);
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
                    members,
                    key,
                    key_offset,
                } => {
                    let key_offset = *key_offset;
                    if self.build.insert(members, std::mem::take(key), value) {
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
        Ok(value)
    }

    fn note_duplicate(&mut self, key_offset: usize) {
        self.quirks.duplicates_total += 1;
        if self.quirks.duplicates.len() >= KEPT_PER_KIND {
            return;
        }
        // The pointer names the member: the object's path plus the repeated key,
        // which is the last key inserted; re-read it from the text.
        let mut pointer = String::new();
        let last = self.stack.len() - 1;
        for frame in &self.stack[..last] {
            match frame {
                Frame::Array(items) => {
                    push_pointer(&mut pointer, &B::item_count(items).to_string());
                }
                Frame::Object { key, .. } => push_pointer(&mut pointer, key.as_ref()),
            }
        }
        let key = self.key_text_at(key_offset);
        push_pointer(&mut pointer, &key);
        self.quirks.duplicates.push(DuplicateKey {
            pointer,
            offset: key_offset,
        });
    }

    /// Re-read the key that starts at `offset` (already parsed once, so valid).
    fn key_text_at(&self, offset: usize) -> String {
        let mut reader = Parser::new(self.text, self.options, Tree);
        reader.pos = offset;
        reader.parse_key_text::<String>().unwrap_or_default()
    }

    #[inline]
    fn close(&mut self) -> B::Value {
        match self.stack.pop() {
            Some(Frame::Array(items)) => self.build.array(items),
            Some(Frame::Object { members, .. }) => self.build.object(members),
            None => B::none(),
        }
    }

    #[inline]
    fn push(&mut self, frame: Frame<'a, B>, offset: usize) -> Step<()> {
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
    fn parse_value(&mut self) -> Step<B::Value> {
        loop {
            self.skip_whitespace()?;
            let start = self.pos;
            self.build.value_starts(&self.stack, start);
            if self.build.stopped() {
                // Not a syntax error: the caller asks the builder first.
                return self.error(ErrorKind::InvalidSyntax, start, "stopped by the builder");
            }
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    let members = self.build.open_object();
                    self.push(
                        Frame::Object {
                            members,
                            key: B::Key::default(),
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
                    let items = self.build.open_array();
                    self.push(Frame::Array(items), start)?;
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
                    let text: B::Str = self.parse_string(quote)?;
                    if text.first_byte().is_some_and(may_open_json) {
                        self.marks.may_hold_json = true;
                    }
                    return Ok(self.build.string(text));
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

    /// Parse an object key and the colon after it into the top frame.
    fn parse_member_key(&mut self) -> Step<()> {
        let key_offset = self.pos;
        let key: B::Key = self.parse_key_text()?;
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

    #[inline(always)]
    fn parse_key_text<T: Text<'a>>(&mut self) -> Step<T> {
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
                Ok(T::plain(self.text, start, end))
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

    fn parse_string<T: Text<'a>>(&mut self, quote: u8) -> Step<T> {
        self.parse_string_marked::<T, false>(quote)
    }

    /// An object key: a string, with its flattened-form marks noted.
    fn parse_key_string<T: Text<'a>>(&mut self, quote: u8) -> Step<T> {
        self.parse_string_marked::<T, true>(quote)
    }

    #[inline(always)]
    fn parse_string_marked<T: Text<'a>, const KEY: bool>(&mut self, quote: u8) -> Step<T> {
        let open = self.pos;
        self.pos += 1;
        let mut out = T::empty();
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
                    let end = self.pos;
                    self.pos += 1;
                    // Most strings have no escape: their text as written.
                    if out.is_empty() {
                        return Ok(T::plain(self.text, run_start, end));
                    }
                    out.push_str(&self.text[run_start..end]);
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

    fn parse_literal(&mut self) -> Step<B::Value> {
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
        Ok(B::scalar(|| value))
    }

    fn parse_number(&mut self) -> Step<B::Value> {
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
            return self.parse_literal().map(|_| B::scalar(|| Value::Null));
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
        // Only a builder that keeps values converts the number and so learns
        // whether it is lossy.
        Ok(B::scalar(|| {
            let text = &self.text[body_start..self.pos];
            let NumberText { value, lossy } = number::convert(text, &scanned);
            if lossy.is_some() {
                self.quirks.lossy_total += 1;
            }
            let room = self.quirks.lossy_numbers.len() < KEPT_PER_KIND;
            if let Some(reason) = lossy.filter(|_| room) {
                self.quirks.lossy_numbers.push(LossyNumber {
                    pointer: self.current_pointer(),
                    offset: start,
                    text: self.text[start..self.pos].to_owned(),
                    reason,
                });
            }
            value
        }))
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
            .quirks
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
            .quirks
            .lossy_numbers
            .iter()
            .map(|n| n.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/big", "/pi", "/huge"]);
        assert_eq!(parsed.value["big"], 9_007_199_254_740_993u64);
        // Beyond f64's range, still a number: the largest of its sign.
        assert_eq!(parsed.value["huge"], f64::MAX);
        let negative = strict(r#"[-1e400, 1e-400]"#).unwrap();
        assert_eq!(negative.value, serde_json::json!([f64::MIN, 0.0]));
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

        /// Runs of whitespace, spaces mostly, end where a byte-by-byte
        /// look says, wherever they fall in the eight bytes read at once.
        #[test]
        fn whitespace_runs_agree_with_a_byte_by_byte_look(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![
                    b' ', b' ', b' ', b' ', b'\n', b'\r', b'\t', b'"', b'x', 0x00, 0xa0,
                ]),
                0..40,
            ),
        ) {
            let run = bytes
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .count();
            proptest::prop_assert_eq!(whitespace_run(&bytes), run);
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

/// `locate` against the locate of before, which built every value.
#[cfg(test)]
mod locate_tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds the whole tree, as `parse` does, and notes the places on the
    /// way with the rules `locate` had before it stopped building values.
    struct TreeLocator {
        targets: Vec<Vec<String>>,
        found: Vec<Option<usize>>,
        matched: Vec<usize>,
    }

    impl<'a> Build<'a> for TreeLocator {
        type Value = Value;
        type Items = Vec<Value>;
        type Members = Map<String, Value>;
        type Key = String;
        type Str = String;
        fn string(&mut self, text: String) -> Value {
            Value::String(text)
        }
        fn scalar(make: impl FnOnce() -> Value) -> Value {
            <Tree as Build>::scalar(make)
        }
        fn array(&mut self, items: Vec<Value>) -> Value {
            Value::Array(items)
        }
        fn open_object(&mut self) -> Map<String, Value> {
            Map::new()
        }
        fn object(&mut self, members: Map<String, Value>) -> Value {
            Value::Object(members)
        }
        fn none() -> Value {
            <Tree as Build>::none()
        }
        fn push_item(&mut self, items: &mut Vec<Value>, value: Value) {
            items.push(value);
        }
        fn item_count(items: &Vec<Value>) -> usize {
            Tree::item_count(items)
        }
        fn insert(&mut self, members: &mut Map<String, Value>, key: String, value: Value) -> bool {
            members.insert(key, value).is_some()
        }
        fn value_starts(&mut self, stack: &[Frame<'a, Self>], start: usize) {
            let depth = stack.len();
            for (index, target) in self.targets.iter().enumerate() {
                if target.len() < depth || self.matched[index] > depth {
                    continue;
                }
                let on_path = stack
                    .iter()
                    .zip(target)
                    .all(|(frame, segment)| match frame {
                        Frame::Array(items) => segment.parse::<usize>() == Ok(items.len()),
                        Frame::Object { key, .. } => key == segment,
                    });
                if on_path {
                    self.found[index] = Some(start);
                    self.matched[index] = depth;
                }
            }
        }
    }

    fn locate_by_parsing(
        text: &str,
        options: ParseOptions,
        pointers: &[&str],
    ) -> Vec<Option<usize>> {
        let targets: Vec<Vec<String>> = pointers.iter().map(|p| split_pointer(p)).collect();
        let count = targets.len();
        let mut parser = Parser::new(
            text,
            options,
            TreeLocator {
                targets,
                found: vec![None; count],
                matched: vec![0; count],
            },
        );
        let _ = parser.run();
        parser.build.found
    }

    /// Scalars as written: standard, lenient-only, lossy, stringified JSON,
    /// escapes, and a few that are wrong.
    const TOKENS: &[&str] = &[
        "1",
        "-2.5e3",
        "0",
        "12345678901234567890",
        "true",
        "null",
        "\"s\"",
        "\"esc\\n\\u00e9\\ud83d\\ude00\"",
        "\"{\\\"in\\\":[1,{\\\"x\\\":2}]}\"",
        "''",
        "'it\\'s'",
        "NaN",
        "-Infinity",
        "+1",
        "True",
        "None",
        "01",
        "tru",
        "\"bad \\x\"",
        "\"\\ud800\"",
        "@",
        // Escaped first characters: JSON, white space before it, a `$`.
        "\"\\u007B\\\"a\\\":1}\"",
        "\"\\t[]\"",
        "\"\\u0024{x}\"",
        "\"\\u00e9t\\u00e9\"",
        // JSON before the first escape.
        "\"[1]\\n\"",
    ];

    /// Keys, some alike once unescaped, some that need `~0` and `~1`.
    const KEYS: &[&str] = &["a", "b", "a/b", "m~n", "~1", "", "0", "1", "é", "$x", "in"];

    /// What may stand between two tokens.
    const GAPS: &[&str] = &["", "", " ", "\n  ", "/* c */", "// c\n", "\t"];

    #[derive(Debug, Clone)]
    enum Node {
        Token(&'static str),
        /// Items, and whether a comma trails them.
        Array(Vec<Node>, bool),
        /// Members as (key, how it is written, value), and a trailing comma.
        Object(Vec<(usize, u8, Node)>, bool),
    }

    fn node() -> impl Strategy<Value = Node> {
        prop::sample::select(TOKENS)
            .prop_map(Node::Token)
            .prop_recursive(5, 40, 5, |inner| {
                prop_oneof![
                    (prop::collection::vec(inner.clone(), 0..5), any::<bool>())
                        .prop_map(|(items, comma)| Node::Array(items, comma)),
                    (
                        prop::collection::vec((0..KEYS.len(), 0..5u8, inner), 0..5),
                        any::<bool>()
                    )
                        .prop_map(|(members, comma)| Node::Object(members, comma)),
                ]
            })
    }

    fn write_key(out: &mut String, key: &str, style: u8) {
        let identifier = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
            && !key.as_bytes()[0].is_ascii_digit();
        match style {
            // Every character as a \u escape, or only those that are not
            // letters or digits (`/` as `\u002F`, between plain runs).
            1 | 2 => {
                out.push('"');
                for (ch, unit) in key.chars().zip(key.encode_utf16()) {
                    if style == 2 && ch.is_ascii_alphanumeric() {
                        out.push(ch);
                    } else {
                        out.push_str(&format!("\\u{unit:04X}"));
                    }
                }
                out.push('"');
            }
            3 => {
                out.push('\'');
                out.push_str(key);
                out.push('\'');
            }
            4 if identifier => out.push_str(key),
            _ => out.push_str(&serde_json::to_string(key).unwrap()),
        }
    }

    /// Write `node` and collect the pointer of every value in it.
    struct Writer<'g> {
        out: String,
        gaps: &'g [usize],
        next_gap: usize,
        pointers: Vec<String>,
    }

    impl Writer<'_> {
        fn gap(&mut self) {
            let gap = GAPS[self.gaps[self.next_gap % self.gaps.len()]];
            self.next_gap += 1;
            self.out.push_str(gap);
        }

        fn write(&mut self, node: &Node, pointer: &str) {
            self.pointers.push(pointer.to_owned());
            self.gap();
            match node {
                Node::Token(token) => self.out.push_str(token),
                Node::Array(items, comma) => {
                    self.out.push('[');
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            self.out.push(',');
                        }
                        let mut inner = pointer.to_owned();
                        push_pointer(&mut inner, &index.to_string());
                        self.write(item, &inner);
                    }
                    if *comma {
                        self.out.push(',');
                    }
                    self.gap();
                    self.out.push(']');
                }
                Node::Object(members, comma) => {
                    self.out.push('{');
                    for (index, (key, style, value)) in members.iter().enumerate() {
                        if index > 0 {
                            self.out.push(',');
                        }
                        self.gap();
                        write_key(&mut self.out, KEYS[*key], *style);
                        self.gap();
                        self.out.push(':');
                        let mut inner = pointer.to_owned();
                        push_pointer(&mut inner, KEYS[*key]);
                        self.write(value, &inner);
                    }
                    if *comma {
                        self.out.push(',');
                    }
                    self.gap();
                    self.out.push('}');
                }
            }
            self.gap();
        }
    }

    /// A document as written from a generated node, perhaps cut short,
    /// with the pointer of every value in it, and the options to read it.
    fn document() -> impl Strategy<Value = (String, Vec<String>, ParseOptions)> {
        (
            node(),
            prop::collection::vec(0..GAPS.len(), 1..12),
            any::<bool>(),
            prop::sample::select(vec![1usize, 2, 3, 128]),
            prop_oneof![Just(None), (0.0..1.0f64).prop_map(Some)],
        )
            .prop_map(|(node, gaps, lenient, max_depth, cut)| {
                let mut writer = Writer {
                    out: String::new(),
                    gaps: &gaps,
                    next_gap: 0,
                    pointers: Vec::new(),
                };
                writer.write(&node, "");
                let mut text = writer.out;
                if let Some(cut) = cut {
                    let mut at = (text.len() as f64 * cut) as usize;
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.truncate(at);
                }
                (text, writer.pointers, ParseOptions { max_depth, lenient })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn locate_agrees_with_locating_by_parsing(
            (text, mut pointers, options) in document(),
            absent in prop::collection::vec(
                prop::sample::select(vec!["", "/zz", "/0", "/9", "/a", "/a~1b", "/in", "/x"]),
                0..4,
            ),
        ) {
            // The document's own paths, paths through its scalars (and so
            // through stringified JSON) and paths that are not there.
            let deeper: Vec<String> = pointers.iter().map(|p| format!("{p}/in")).collect();
            pointers.extend(deeper);
            let beside: Vec<String> = pointers.iter().flat_map(|p| absent.iter().map(move |a| format!("{p}{a}"))).collect();
            pointers.extend(beside);
            let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
            prop_assert_eq!(
                locate(&text, options, &pointers),
                locate_by_parsing(&text, options, &pointers),
                "{}", text
            );
        }
    }

    /// The outline `skim` should give of a value `parse` built.
    fn outline_of(value: &Value) -> Outline<'_> {
        match value {
            Value::Null => Outline::Null,
            Value::Bool(_) => Outline::Bool,
            Value::Number(_) => Outline::Number,
            Value::String(_) => Outline::String,
            Value::Array(_) => Outline::Array,
            Value::Object(map) => {
                Outline::Object(map.keys().map(|k| Cow::Borrowed(k.as_str())).collect())
            }
        }
    }

    /// `skim` and `parse` agree on a text: the same error, or the same
    /// repeated keys, lossy numbers and marks, and the root's outline (an
    /// object's keys compared as a set, as the map sorts them).
    fn skim_agrees_with_parse(text: &str, options: ParseOptions) -> Result<(), TestCaseError> {
        match (skim(text, options), parse(text, options)) {
            (Err(skimmed), Err(parsed)) => prop_assert_eq!(skimmed, parsed, "{}", text),
            (Ok(skimmed), Ok(parsed)) => {
                // Repeated keys and lossy numbers, their places and totals.
                prop_assert_eq!(&skimmed.quirks, &parsed.quirks, "{}", text);
                prop_assert_eq!(skimmed.marks, parsed.marks, "{}", text);
                let mut root = skimmed.root;
                if let Outline::Object(keys) = &mut root {
                    keys.sort();
                }
                prop_assert_eq!(root, outline_of(&parsed.value), "{}", text);
            }
            (skimmed, parsed) => prop_assert!(false, "{text}: skim {skimmed:?}, parse {parsed:?}"),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn skim_reads_as_parse_does((text, _, options) in document()) {
            skim_agrees_with_parse(&text, options)?;
        }

        /// Objects of more keys than are compared one by one, some repeated,
        /// some escaped, nested in an array or another object.
        #[test]
        fn skim_tells_repeated_keys_in_large_objects(
            keys in prop::collection::vec((0..40usize, any::<bool>()), 0..70),
            nested in any::<bool>(),
        ) {
            let members: Vec<String> = keys
                .iter()
                .map(|(key, escaped)| {
                    let name = format!("k{key}");
                    let mut written = String::new();
                    write_key(&mut written, &name, if *escaped { 2 } else { 0 });
                    format!("{written}:{key}")
                })
                .collect();
            let object = format!("{{{}}}", members.join(","));
            let text = if nested { format!("[1,{{\"in\":{object}}}]") } else { object };
            skim_agrees_with_parse(&text, ParseOptions::default())?;
        }
    }

    /// A hostile object of many keys: looked up in a tree past the first
    /// few, so it takes about as long as a parse, and its one repeated key
    /// is found.
    #[test]
    fn skim_reads_an_object_of_many_keys() {
        let members: Vec<String> = (0..200_000).map(|n| format!("\"k{n}\":{n}")).collect();
        let text = format!("{{{},\"k7\":1}}", members.join(","));
        let skimmed = skim(&text, ParseOptions::default()).unwrap();
        let pointers: Vec<&str> = (skimmed.quirks.duplicates.iter())
            .map(|d| d.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/k7"]);
        let Outline::Object(keys) = &skimmed.root else {
            panic!("{:?}", skimmed.root);
        };
        assert_eq!(keys.len(), 200_000);
        assert_eq!(
            skimmed.quirks.duplicates,
            parse(&text, ParseOptions::default())
                .unwrap()
                .quirks
                .duplicates
        );
    }

    #[test]
    fn locate_by_parsing_is_the_reference() {
        let text = r#"{"a": [10, {"b": "x"}], "s": "{\"in\":1}", "a": 3}"#;
        let pointers = ["/a/1/b", "/s/in", "", "/a", "/nope"];
        assert_eq!(
            locate_by_parsing(text, ParseOptions::default(), &pointers),
            [Some(17), Some(29), Some(0), Some(48), Some(0)]
        );
        assert_eq!(
            locate(text, ParseOptions::default(), &pointers),
            locate_by_parsing(text, ParseOptions::default(), &pointers)
        );
    }
}

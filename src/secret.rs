//! Values shown in messages: compact, cut short, and masked where the schema
//! marks the field `x-dapa-secret` (token values) unless `--show-secrets`.

use crate::json::{pointer_segments, push_pointer, split_pointer};
use crate::profile::shape::Shape;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Range;

/// Longest value quoted in a message, in characters.
const SHOWN_LIMIT: usize = 60;

/// Fewest characters a secret has for its first four to be shown: a
/// token's first four (`eyJh`) tell its kind and leave at least 20 unknown;
/// of a PIN or a short password they would be most or all of it.
const MASK_PREFIX_FROM: usize = 24;

/// A secret shown without giving it away: its length, after its first four
/// characters when it is long enough to spare them.
pub fn mask(secret: &str) -> String {
    let length = secret.chars().count();
    let shown: String = if length >= MASK_PREFIX_FROM {
        secret.chars().take(4).collect()
    } else {
        String::new()
    };
    format!("{shown}… ({length} characters)")
}

/// A value for a message: compact JSON, cut at 60 characters, or masked.
pub fn show(value: &Value, secret: bool) -> String {
    if secret {
        return match value {
            Value::String(text) => format!("\"{}\"", mask(text)),
            _ => "(secret)".to_owned(),
        };
    }
    cut_short(&value.to_string(), SHOWN_LIMIT)
}

/// `text` cut to its first `most` characters, with `…` when it was cut:
/// how messages and table cells quote what may be long.
pub fn cut_short(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A parser's message without the text of the body it quotes (a word or a
/// character between `'`, an invalid escape), for a body that is secret as
/// a whole: a secure action's output that does not parse has no values to
/// mask one by one.
pub fn unquoted(message: &str) -> String {
    unquoted_as(message, "(not shown: the payload is secret)")
}

/// A parser's message quoting the word that starts `rest` (S03's
/// "unexpected word '…'"), with the word masked when it looks like a
/// token: a value a template left unquoted, such as a token reply's
/// `access_token`. `None` when the word is no token, or the message quotes
/// nothing.
pub fn mask_quoted_token(message: &str, rest: &[u8]) -> Option<String> {
    let length = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let word = std::str::from_utf8(&rest[..length]).ok()?;
    if !crate::layer::transport::looks_like_token(word.as_bytes()) {
        return None;
    }
    match (message.find('\''), message.rfind('\'')) {
        (Some(open), Some(close)) if close > open => Some(format!(
            "{}{}{}",
            &message[..=open],
            mask(word),
            &message[close..]
        )),
        _ => None,
    }
}

/// [`unquoted`] with the quoted text replaced by `note`.
pub fn unquoted_as(message: &str, note: &str) -> String {
    if message.starts_with("invalid escape ") {
        return format!("invalid escape inside a string {note}");
    }
    match (message.find('\''), message.rfind('\'')) {
        (Some(open), Some(close)) if close > open => {
            format!("{}{note}{}", &message[..open], &message[close + 1..])
        }
        _ => message.to_owned(),
    }
}

/// Whether the value at `pointer` (relative to what `shape` describes), or
/// any field that holds it, is marked secret.
pub fn is_secret(shape: &Shape, pointer: &str) -> bool {
    // Met once per schema and drift finding: the segments are borrowed.
    let segments: Vec<_> = pointer_segments(pointer).collect();
    secret_along(shape, &segments)
}

/// [`is_secret`] for the segments left below `node`. A number may be an
/// item or a key of a place declared both array and object: the pointer
/// alone does not say which, so either way's secret counts.
fn secret_along(node: &Shape, segments: &[std::borrow::Cow<'_, str>]) -> bool {
    let Some((segment, rest)) = segments.split_first() else {
        return node.holds_secret_text();
    };
    if node.secret {
        return true;
    }
    let item = node
        .items
        .as_deref()
        .filter(|_| segment.parse::<usize>().is_ok());
    match (item, node.property(segment)) {
        (None, None) => node.unlisted_secret,
        (Some(one), None) | (None, Some(one)) => secret_along(one, rest),
        (Some(item), Some(key)) => secret_along(item, rest) || secret_along(key, rest),
    }
}

/// The pointers of the values in `value` (found at `pointer` in its
/// document) that `shape` marks secret. A string that holds stringified
/// JSON is read decoded, within `max_depth` counted from the top of the
/// document as the payload layer counts it; the pointers of what is secret
/// inside it lead into the string.
pub fn secret_pointers(
    value: &Value,
    shape: &Shape,
    pointer: &str,
    max_depth: usize,
) -> Vec<String> {
    let mut found = Vec::new();
    let depth = split_pointer(pointer).len();
    collect_secrets(
        value,
        shape,
        &mut pointer.to_owned(),
        depth,
        max_depth,
        &mut found,
    );
    found
}

fn collect_secrets(
    value: &Value,
    shape: &Shape,
    pointer: &mut String,
    depth: usize,
    max_depth: usize,
    found: &mut Vec<String>,
) {
    if shape.secret {
        found.push(pointer.clone());
        return;
    }
    let unlisted_secret = shape.unlisted_secret;
    let mut visit = |segment: &str, child: &Value, shape: Option<&Shape>| {
        if shape.is_none() && !unlisted_secret {
            return;
        }
        let length = pointer.len();
        push_pointer(pointer, segment);
        match shape {
            Some(shape) => collect_secrets(child, shape, pointer, depth + 1, max_depth, found),
            None => found.push(pointer.clone()),
        }
        pointer.truncate(length);
    };
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                visit(key, child, shape.property(key));
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                visit(&index.to_string(), item, shape.items.as_deref());
            }
        }
        // Outside the payload, or in a body the analysis refused, strings
        // were not decoded in place.
        Value::String(text) => {
            let budget = max_depth.saturating_sub(depth);
            match crate::layer::payload::decode_stringified(text, budget) {
                Some((decoded, _)) => {
                    collect_secrets(&decoded, shape, pointer, depth, max_depth, found);
                }
                None if unlisted_secret => found.push(pointer.clone()),
                None => {}
            }
        }
        // A place's own scalar is none of the places it excepts.
        _ if unlisted_secret => found.push(pointer.clone()),
        _ => {}
    }
}

/// Where the value at `pointer` lies in a secure action's body outside
/// its payload: in the envelope's own structure (the root, a test's steps,
/// the lists of errors and details), in a field that names the failure
/// (status, codes, ids; a step's number, name and success), or in text
/// that may echo the backend's secret reply (an error message, its
/// parameters, a step's result), which is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutsidePayload {
    /// The envelope's structure: what is inside decides.
    Structure,
    /// A field that names the failure: shown.
    Shown,
    /// Anything else: not shown.
    Hidden,
}

/// Which [`OutsidePayload`] the value at `segments` is, taken one segment
/// more than its parent; `value` is the value there, where it is known.
/// A place is the envelope's structure only when it holds what the
/// envelope puts there (a list of steps, errors or details; an object in
/// it), and names the failure only when it holds a scalar: a string where
/// a list of errors belongs, or an object where a code does, is text.
fn outside_payload(segments: &[&str], value: Option<&Value>) -> OutsidePayload {
    let index = |segment: &str| !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    let lists = ["operations", "errors", "details"];
    let holds = |kind: fn(&Value) -> bool, place: OutsidePayload| {
        if value.is_none_or(kind) {
            place
        } else {
            OutsidePayload::Hidden
        }
    };
    let scalar = |value: &Value| !(value.is_object() || value.is_array());
    let shown = match segments {
        [] => return OutsidePayload::Structure,
        [list] if lists.contains(list) => return holds(Value::is_array, OutsidePayload::Structure),
        [list, item] if lists.contains(list) && index(item) => {
            return holds(Value::is_object, OutsidePayload::Structure);
        }
        [key] => matches!(
            *key,
            "status" | "code" | "errorCode" | "contextId" | "correlationId" | "traceId" | "success"
        ),
        ["operations", item, key] => index(item) && matches!(*key, "step" | "name" | "success"),
        ["errors" | "details", item, key] => {
            index(item) && matches!(*key, "code" | "errorCode" | "status")
        }
        _ => false,
    };
    if shown {
        holds(scalar, OutsidePayload::Shown)
    } else {
        OutsidePayload::Hidden
    }
}

/// Whether a secure action's body hides the value at `pointer`, which
/// lies outside its payload: it does unless the first place on its way
/// that is not the envelope's structure names the failure. A finding that
/// points at a place of the structure itself is about a value there that
/// is no structure (a number where an error belongs), which is hidden.
pub fn hidden_outside_payload(pointer: &str) -> bool {
    let segments: Vec<_> = pointer_segments(pointer).collect();
    let segments: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
    (1..=segments.len())
        .map(|length| outside_payload(&segments[..length], None))
        .find(|place| *place != OutsidePayload::Structure)
        .map_or(!segments.is_empty(), |place| {
            place == OutsidePayload::Hidden
        })
}

/// The pointers of what a secure action's body `root` hides outside its
/// payload at `payload` (the whole body when there is none): each place
/// that is neither the envelope's structure nor a field that names the
/// failure, whole.
pub fn hidden_outside_payload_pointers(root: &Value, payload: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    let mut segments = Vec::new();
    hidden_outside(root, payload, &mut String::new(), &mut segments, &mut found);
    found
}

fn hidden_outside<'a>(
    value: &'a Value,
    payload: Option<&str>,
    pointer: &mut String,
    segments: &mut Vec<std::borrow::Cow<'a, str>>,
    found: &mut Vec<String>,
) {
    // A null says nothing; the payload's own secrets are the shape's.
    if value.is_null() || payload == Some(pointer.as_str()) {
        return;
    }
    let shown: Vec<&str> = segments.iter().map(AsRef::as_ref).collect();
    match outside_payload(&shown, Some(value)) {
        OutsidePayload::Shown => return,
        OutsidePayload::Hidden => {
            found.push(pointer.clone());
            return;
        }
        OutsidePayload::Structure => {}
    }
    let mut visit = |segment: std::borrow::Cow<'a, str>, child: &'a Value| {
        let length = pointer.len();
        push_pointer(pointer, &segment);
        segments.push(segment);
        hidden_outside(child, payload, pointer, segments, found);
        segments.pop();
        pointer.truncate(length);
    };
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                visit(std::borrow::Cow::Borrowed(key), child);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                visit(std::borrow::Cow::Owned(index.to_string()), item);
            }
        }
        _ => {}
    }
}

/// The keys under which a shape marks values secret, wherever they are:
/// what masking the raw text of a body needs when the body does not parse,
/// or when the same key appears twice.
#[derive(Debug, Default, PartialEq)]
pub struct SecretKeys {
    /// The names of the members marked secret, and of the members whose
    /// items are.
    pub names: BTreeSet<String>,
    /// Whether a secret lies under a key the schema does not name (a map's
    /// values, `additionalProperties` or `patternProperties`, or the items
    /// of an array payload): the text cannot say where those are.
    pub unnamed: bool,
}

/// The [`SecretKeys`] of `shape`.
pub fn secret_keys(shape: &Shape) -> SecretKeys {
    let mut keys = SecretKeys::default();
    // Each shape with the name of the member that holds it (items keep
    // their array's name), `None` where no name is known.
    let mut pending: Vec<(Option<&str>, &Shape)> = vec![(None, shape)];
    while let Some((name, node)) = pending.pop() {
        keys.unnamed |= node.unlisted_secret;
        for (key, child) in node.properties.iter() {
            if child.secret {
                keys.names.insert(key.clone());
            }
            pending.push((Some(key), child));
        }
        if let Some(items) = node.items.as_deref() {
            if items.secret {
                match name {
                    Some(name) => {
                        keys.names.insert(name.to_owned());
                    }
                    None => keys.unnamed = true,
                }
            }
            pending.push((name, items));
        }
        if let Some(any_key) = node.any_key.as_deref() {
            keys.unnamed |= any_key.secret;
            pending.push((None, any_key));
        }
    }
    keys
}

/// The byte ranges of the values that follow a key named in `names`, in
/// any JSON-like text, parsed or not: every occurrence of the key (a
/// repeated key's values too), and up to the end of the text where a value
/// is cut off. Keys may be quoted with `"` or `'`, or bare (as lenient
/// readers take them).
pub fn values_under_keys(text: &[u8], names: &BTreeSet<String>) -> Vec<Range<usize>> {
    values_after_keys(text, names, true)
}

/// [`values_under_keys`]; with `lost_colon`, a value is also taken after
/// a key with no `:` or `=` between them (a body that lost its colon), as
/// for the keys a profile marks. Names looked for in any text, prose
/// included, need the mark: "your password expired" holds none.
fn values_after_keys(text: &[u8], names: &BTreeSet<String>, lost_colon: bool) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    if names.is_empty() {
        return spans;
    }
    let mut pos = 0;
    while pos < text.len() {
        let start = pos;
        let (key, after) = match text[pos] {
            quote @ (b'"' | b'\'') => {
                let end = string_end(text, pos, quote);
                (key_text(&text[pos..end], quote), end)
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' || byte == b'$' => {
                let length = text[pos..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$'))
                    .count();
                let word = String::from_utf8_lossy(&text[pos..pos + length]).into_owned();
                (Some(word), pos + length)
            }
            _ => {
                pos += 1;
                continue;
            }
        };
        pos = after;
        // `flatten=true` writes `metadata.refreshToken`: the last part names it.
        let secret_key = key.is_some_and(|key| {
            names.contains(&key)
                || key
                    .rsplit_once('.')
                    .is_some_and(|(_, last)| names.contains(last))
        });
        let separator = skip_space(text, after);
        let value_start = match text.get(separator) {
            Some(b':') => skip_space(text, separator + 1),
            // A body that does not parse may have lost its colon, or use
            // another mark: what follows a secret key is its value all the
            // same, `"token" "abc"`, `token = abc`.
            Some(b'=') if secret_key => skip_space(text, separator + 1),
            Some(b';') if secret_key && lost_colon => skip_space(text, separator + 1),
            Some(&next) if secret_key && lost_colon && starts_a_value(next) => separator,
            _ => {
                // A string value that holds JSON (stringified, perhaps more
                // than once, perhaps cut off) with a secret key in it is
                // masked whole.
                if matches!(text[start], b'"' | b'\'')
                    && holds_secret_key(&text[start..after], names, lost_colon)
                {
                    spans.push(start..after);
                }
                continue;
            }
        };
        if !secret_key {
            continue;
        }
        let end = value_end(text, value_start);
        if end > value_start {
            spans.push(value_start..end);
        }
        pos = end.max(separator + 1);
    }
    spans
}

/// The names under which OAuth replies and login forms carry credentials
/// (RFC 6749's token reply and client authentication, a password): their
/// values are masked in any text dapa quotes or shows, whatever profile
/// applies, since without one a token reply's `access_token` is no more
/// than a string. Names a payload uses for other things (`token` in a
/// Cognigy reply, `secret`) are left to profiles that mark them.
pub const CREDENTIAL_KEYS: [&str; 6] = [
    "access_token",
    "client_secret",
    "id_token",
    "password",
    "refresh_token",
    "api_key",
];

/// [`CREDENTIAL_KEYS`] as [`values_under_keys`] takes them.
fn credential_keys() -> &'static BTreeSet<String> {
    static KEYS: std::sync::LazyLock<BTreeSet<String>> = std::sync::LazyLock::new(|| {
        CREDENTIAL_KEYS
            .iter()
            .map(|name| (*name).to_owned())
            .collect()
    });
    &KEYS
}

/// The values under [`CREDENTIAL_KEYS`] in `text`, as [`values_under_keys`]
/// finds them; a look for the names first, since nearly no text has one.
pub fn credential_values(text: &[u8]) -> Vec<Range<usize>> {
    let named = CREDENTIAL_KEYS
        .iter()
        .any(|name| memchr::memmem::find(text, name.as_bytes()).is_some());
    match named {
        true => values_after_keys(text, credential_keys(), false),
        false => Vec::new(),
    }
}

/// `text` with the credentials in it masked: a JWT (`eyJ…` in three parts)
/// anywhere, a token after an `Authorization` scheme (`Bearer …`,
/// `Basic …`, `Token …`), and the value after a [`CREDENTIAL_KEYS`] name.
/// Genesys writes the backend's reply into its error messages, and a reply
/// that failed on a token often echoes it, whatever profile applies. Ids
/// (`contextId`, UUIDs) are left as they are.
pub fn mask_credentials(text: &str) -> std::borrow::Cow<'_, str> {
    let spans = credential_values(text.as_bytes());
    if !spans.is_empty() {
        let masked = mask_spans(text, spans);
        return std::borrow::Cow::Owned(mask_tokens(&masked).into_owned());
    }
    mask_tokens(text)
}

/// `text` with its JWTs and tokens after a scheme masked.
fn mask_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    let mut masked = String::new();
    let mut copied = 0;
    for span in credential_spans(text.as_bytes()) {
        // A span is a run of ASCII token bytes: its ends are character
        // boundaries.
        masked.push_str(&text[copied..span.start]);
        masked.push_str(&mask(&text[span.clone()]));
        copied = span.end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    masked.push_str(&text[copied..]);
    std::borrow::Cow::Owned(masked)
}

/// Where [`mask_credentials`] finds credentials in `bytes`, which need not
/// be UTF-8 (`explain` masks them in a body as it was received): each a
/// run of token bytes, in order.
pub fn credential_spans(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    use crate::layer::transport::{is_auth_scheme, is_token_byte, looks_like_token};
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < bytes.len() {
            if !is_token_byte(bytes[pos]) || (pos > 0 && is_token_byte(bytes[pos - 1])) {
                pos += 1;
                continue;
            }
            let start = pos;
            let end = start
                + (bytes[start..].iter())
                    .take_while(|&&b| is_token_byte(b))
                    .count();
            pos = end;
            let run = &bytes[start..end];
            let jwt = run.starts_with(b"eyJ") && run.iter().filter(|&&b| b == b'.').count() >= 2;
            let after_scheme = || {
                let before = bytes[..start].trim_ascii_end();
                // The last word before the token: ASCII letters only, so a
                // byte of a wider character ends it as any other would.
                let word_start = before
                    .iter()
                    .rposition(|b| !b.is_ascii_alphabetic())
                    .map_or(0, |at| at + 1);
                before.len() < start
                    && std::str::from_utf8(&before[word_start..]).is_ok_and(is_auth_scheme)
            };
            if looks_like_token(run) && (jwt || after_scheme()) {
                return Some(start..end);
            }
        }
        None
    })
}

/// `text` with the value after each key in `names` masked (as
/// [`values_under_keys`] finds them): for a message that quotes text which
/// may echo a secret field, such as an error message that holds the
/// backend's reply.
pub fn mask_under_keys(text: &str, names: &BTreeSet<String>) -> String {
    mask_spans(text, values_under_keys(text.as_bytes(), names))
}

/// `text` with each of `spans` (byte ranges, in any order, perhaps
/// overlapping) replaced by `"(secret)"`.
fn mask_spans(text: &str, mut spans: Vec<Range<usize>>) -> String {
    let bytes = text.as_bytes();
    spans.sort_by_key(|span| span.start);
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.end <= at {
            continue;
        }
        masked.push_str(&String::from_utf8_lossy(&bytes[at..span.start.max(at)]));
        masked.push_str("\"(secret)\"");
        at = span.end;
    }
    masked.push_str(&String::from_utf8_lossy(&bytes[at..]));
    masked
}

/// Whether `byte` may open a value: a string, a container, a number or a
/// bare word.
fn starts_a_value(byte: u8) -> bool {
    matches!(byte, b'"' | b'\'' | b'{' | b'[' | b'-' | b'+') || byte.is_ascii_alphanumeric()
}

/// Whether a string token's text, decoded as many times as it decodes,
/// has a secret key in it; a token that does not decode (cut off, bad
/// escapes) is looked at for an escaped key, `\"token\"`.
fn holds_secret_key(token: &[u8], names: &BTreeSet<String>, lost_colon: bool) -> bool {
    // Only strings that may hold a key and its value are worth a look:
    // JSON, or JSON after other words (`Response from web service: {...}`).
    if !token.contains(&b':') {
        return false;
    }
    match serde_json::from_slice::<String>(token) {
        Ok(inner) => !values_after_keys(inner.as_bytes(), names, lost_colon).is_empty(),
        Err(_) => names.iter().any(|name| {
            let escaped = format!("\\\"{name}\\\"");
            token
                .windows(escaped.len())
                .any(|window| window == escaped.as_bytes())
        }),
    }
}

/// The position after the white space and comments (`/* */`, `//` to the
/// end of the line) at `pos`: a body the lenient reading would accept may
/// put a comment between a key and its value.
fn skip_space(text: &[u8], mut pos: usize) -> usize {
    loop {
        while text.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        match text.get(pos..pos + 2) {
            Some(b"/*") => {
                pos = memchr::memmem::find(&text[pos + 2..], b"*/")
                    .map_or(text.len(), |at| pos + 2 + at + 2);
            }
            Some(b"//") => {
                pos = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |at| pos + at + 1);
            }
            _ => return pos,
        }
    }
}

/// The end of the string opening with `quote` at `start` (after its
/// closing quote), or the end of the text.
pub fn string_end(text: &[u8], start: usize, quote: u8) -> usize {
    let mut pos = start + 1;
    // Jump from one quote or backslash to the next.
    while let Some(found) = text
        .get(pos..)
        .and_then(|rest| memchr::memchr2(quote, b'\\', rest))
    {
        let at = pos + found;
        if text[at] == quote {
            return at + 1;
        }
        pos = at + 2;
    }
    text.len()
}

/// A quoted key's text with its escapes undone, when they can be: a key
/// in single quotes (`'tok\u0065n'`) is read as the same key in double
/// quotes.
fn key_text(token: &[u8], quote: u8) -> Option<String> {
    let inner = token.get(1..token.len().saturating_sub(1))?;
    let double_quoted = if quote == b'"' {
        std::borrow::Cow::Borrowed(token)
    } else {
        let mut text = Vec::with_capacity(token.len() + 2);
        text.push(b'"');
        let mut bytes = inner.iter();
        while let Some(&byte) = bytes.next() {
            match byte {
                b'\\' => match bytes.next() {
                    Some(b'\'') => text.push(b'\''),
                    Some(&escaped) => text.extend([b'\\', escaped]),
                    None => text.push(b'\\'),
                },
                b'"' => text.extend(b"\\\""),
                other => text.push(other),
            }
        }
        text.push(b'"');
        std::borrow::Cow::Owned(text)
    };
    match serde_json::from_slice::<String>(&double_quoted) {
        Ok(key) => Some(key),
        Err(_) => Some(String::from_utf8_lossy(inner).into_owned()),
    }
}

/// The end of the value starting at `start`: a string, a container to its
/// matching bracket, or a scalar to the next delimiter; the end of the text
/// where it is cut off.
fn value_end(text: &[u8], start: usize) -> usize {
    match text.get(start) {
        None => start,
        Some(&quote @ (b'"' | b'\'')) => string_end(text, start, quote),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut pos = start;
            while pos < text.len() {
                match text[pos] {
                    quote @ (b'"' | b'\'') => {
                        pos = string_end(text, pos, quote);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return pos + 1;
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
            text.len()
        }
        Some(_) => {
            start
                + text[start..]
                    .iter()
                    .take_while(|&&b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                    .count()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_under_oauth_names_are_masked_in_any_text() {
        let text = r#"reply {"access_token":"abc","expires_in":3600,'client_secret': s3cr3t, "token":"kept"}"#;
        let masked = mask_credentials(text);
        assert_eq!(
            masked,
            r#"reply {"access_token":"(secret)","expires_in":3600,'client_secret': "(secret)", "token":"kept"}"#
        );
        // Flattened names end in one, as the keys a profile marks do.
        assert_eq!(
            mask_credentials(r#"{"auth.refresh_token": "x1"}"#),
            r#"{"auth.refresh_token": "(secret)"}"#
        );
        // Prose that names one holds no value: the key needs its `:` or `=`.
        let prose = "Changed consent GDPR password asked English.";
        assert_eq!(mask_credentials(prose), prose);
        assert!(!mask_credentials("password=hunter2").contains("hunter2"));
        // Text without one is not copied.
        let plain = r#"{"password_hint":"blue","token":"t"}"#;
        assert!(matches!(
            mask_credentials(plain),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(credential_values(br#"{"id_token":[1,2]}"#), vec![12..17]);
    }

    #[test]
    fn cut_short_cuts_on_a_character_boundary_only_what_is_longer() {
        assert_eq!(cut_short("abcdef", 3), "abc…");
        assert_eq!(cut_short("abc", 3), "abc");
        assert_eq!(cut_short("ééééé", 2), "éé…");
        assert_eq!(cut_short("", 0), "");
    }

    #[test]
    fn credentials_in_text_are_masked_and_ids_are_not() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMDEyMzQ1Njc4OQ";
        let text = format!(
            "reply: {{\"access_token\":\"{jwt}\"}}, sent Authorization: Bearer abc123def456ghi789, \
             basic  dXNlcjpwYXNzd29yZDEyMzQ1, contextId 9f1c2d3e-4b5a-6789-abcd-ef0123456789"
        );
        let masked = mask_credentials(&text);
        assert!(!masked.contains("eyJzdWIi"), "{masked}");
        assert!(!masked.contains("abc123def456"), "{masked}");
        assert!(!masked.contains("dXNlcjpw"), "{masked}");
        assert!(
            masked.contains("9f1c2d3e-4b5a-6789-abcd-ef0123456789"),
            "{masked}"
        );
        assert!(masked.contains("Bearer … (18 characters)"), "{masked}");
        // Letters beyond ASCII before a word are whole characters.
        assert_eq!(
            mask_credentials("français 0123456789abcdef"),
            "français 0123456789abcdef"
        );
        assert_eq!(
            mask_credentials("é Bearer 0123456789abcdefgh"),
            "é Bearer … (18 characters)"
        );
        // Text with no credential is not copied.
        let plain = "Request failed: token expired at 2026-12-04T10:00:00Z";
        assert!(matches!(
            mask_credentials(plain),
            std::borrow::Cow::Borrowed(_)
        ));
    }
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn a_short_secret_shows_only_its_length() {
        assert_eq!(mask("9876"), "… (4 characters)");
        assert_eq!(mask("SEKRIT_api_key_value_12"), "… (23 characters)");
        assert_eq!(
            mask("eyJhbGciOiJSUzI1NiIsInR5cCI6"),
            "eyJh… (28 characters)"
        );
        assert_eq!(show(&json!("1234"), true), "\"… (4 characters)\"");
    }

    /// Outside a secure action's payload, only what names the failure is
    /// shown; the walk and the pointer test agree on every place.
    #[test]
    fn outside_the_payload_only_what_names_the_failure_is_shown() {
        let body = json!({
            "success": false, "status": 400, "code": "c", "contextId": "i", "message": "m",
            "messageParams": {"pin": 1}, "result": null,
            "operations": [{"step": 1, "name": "n", "success": false, "result": {"r": 1}, "error": {"message": "e"}}],
            "errors": [{"code": "x", "message": "y"}], "details": [{"errorCode": "z", "fieldName": "f"}],
            "finalResult": {"pin": "p"}
        });
        let hidden = hidden_outside_payload_pointers(&body, Some("/finalResult"));
        assert_eq!(
            hidden,
            [
                "/details/0/fieldName",
                "/errors/0/message",
                "/message",
                "/messageParams",
                "/operations/0/error",
                "/operations/0/result",
            ]
        );
        for pointer in &hidden {
            assert!(hidden_outside_payload(pointer), "{pointer}");
            assert!(hidden_outside_payload(&format!("{pointer}/0")), "{pointer}");
        }
        for shown in ["", "/status", "/operations/0/step", "/errors/0/code"] {
            assert!(!hidden_outside_payload(shown), "{shown}");
        }
        // A finding at a place of the structure is about what is there.
        assert!(hidden_outside_payload("/operations/0"));
        // Text where the structure or a code belongs is text.
        let odd = json!({"errors": ["e", {"code": {"x": 1}}], "details": "d", "operations": [["o"]],
                         "step": {"x": 2}, "code": ["c"]});
        assert_eq!(
            hidden_outside_payload_pointers(&odd, None),
            [
                "/code",
                "/details",
                "/errors/0",
                "/errors/1/code",
                "/operations/0",
                "/step"
            ]
        );
        assert!(hidden_outside_payload_pointers(&body, Some("")).is_empty());
        // A step is known by its number; anything else in the list of steps
        // is no step's.
        for (pointer, hidden) in [
            ("/operations/12/result/pin", true),
            ("/operations/0/resultX", true),
            ("/operations/x/name", true),
            ("/operations//name", true),
            ("/operations/0/name", false),
        ] {
            assert_eq!(hidden_outside_payload(pointer), hidden, "{pointer}");
        }
    }

    #[test]
    fn a_text_is_masked_after_each_secret_key() {
        let names = BTreeSet::from(["token".to_owned(), "pin".to_owned()]);
        assert_eq!(
            mask_under_keys(r#"reply: {"token":"abc","n":1,"pin":12} é"#, &names),
            r#"reply: {"token":"(secret)","n":1,"pin":"(secret)"} é"#
        );
        assert_eq!(mask_under_keys("no keys here", &names), "no keys here");
    }

    /// A key is known however a lenient body writes it.
    #[test]
    fn keys_in_single_quotes_and_comments_before_the_colon() {
        let names = BTreeSet::from(["token".to_owned()]);
        for text in [
            r"{'tok\u0065n': 'abcd'",
            r"{'token' /* c */ : 'abcd'",
            "{\"token\" // c\n : 'abcd'",
            r#"{'to\'ken': 1, "token": 'abcd'"#,
        ] {
            let spans = values_under_keys(text.as_bytes(), &names);
            let masked: Vec<&str> = spans.iter().map(|span| &text[span.clone()]).collect();
            assert_eq!(masked, ["'abcd'"], "{text}");
        }
        assert_eq!(key_text(br#"'a\'b"c'"#, b'\''), Some("a'b\"c".to_owned()));
        assert_eq!(skip_space(b" /* never closed", 0), 16);
    }

    /// The byte-by-byte reading [`string_end`] must agree with.
    fn string_end_by_bytes(text: &[u8], start: usize, quote: u8) -> usize {
        let mut pos = start + 1;
        while pos < text.len() {
            match text[pos] {
                b'\\' => pos += 2,
                byte if byte == quote => return pos + 1,
                _ => pos += 1,
            }
        }
        text.len()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn string_end_jumps_as_it_would_step(
            text in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\''), Just(b'\\'), Just(b'a')], 1..40),
            start in 0usize..40,
        ) {
            let start = start % text.len();
            for quote in [b'"', b'\''] {
                prop_assert_eq!(string_end(&text, start, quote), string_end_by_bytes(&text, start, quote));
            }
        }

        /// Any text, with letters of any width around schemes and tokens:
        /// masking never panics, and leaves text that holds no credential
        /// as it is.
        #[test]
        fn masking_credentials_never_panics(
            text in "(é|ç|ü|😀| |Bearer |basic |eyJ|[a-z0-9.]{1,20}|\\.|[^\\x00]){0,40}",
        ) {
            let masked = mask_credentials(&text);
            if !masked.contains('…') {
                prop_assert_eq!(masked.as_ref(), text.as_str());
            }
        }
    }

    #[test]
    fn masks_and_paths() {
        let shape = Shape::of_schema(&json!({"properties": {
            "token": {"type": "string", "x-dapa-secret": true},
            "list": {"items": {"properties": {"secret": {"x-dapa-secret": true}}}}
        }}));
        assert!(is_secret(&shape, "/token"));
        assert!(is_secret(&shape, "/list/3/secret"));
        assert!(!is_secret(&shape, "/list/3/other"));
        assert!(!is_secret(&shape, ""));
        assert_eq!(show(&json!("abcdefgh"), true), "\"… (8 characters)\"");
        assert_eq!(show(&json!(12), true), "(secret)");
        assert_eq!(show(&json!("x".repeat(100)), false).chars().count(), 61);
    }

    #[test]
    fn unlisted_secrets_are_what_the_shape_does_not_describe() {
        let shape = Shape::of_schema(&json!({"x-dapa-secret-unlisted": true, "properties": {
            "id": {"type": "string"},
            "list": {"x-dapa-secret-unlisted": true, "items": {"properties": {"label": {}}}}
        }}));
        assert!(!is_secret(&shape, "/id"));
        assert!(is_secret(&shape, "/other"));
        assert!(is_secret(&shape, ""));
        assert!(!is_secret(&shape, "/list/0/label"));
        assert!(!is_secret(&shape, "/list/0/pin"));
        let value = json!({"id": "a", "other": {"k": 1}, "list": [{"label": "b"}], "s": "\"x\""});
        assert_eq!(secret_pointers(&value, &shape, "", 64), ["/other", "/s"]);
        assert_eq!(secret_pointers(&json!(7), &shape, "", 64), [""]);
        assert!(secret_keys(&shape).unnamed);
    }

    #[test]
    fn values_under_secret_keys_in_any_text() {
        let names = BTreeSet::from(["token".to_owned()]);
        let masked = |text: &str| {
            let mut bytes = text.as_bytes().to_vec();
            for span in values_under_keys(text.as_bytes(), &names) {
                bytes[span].fill(b'*');
            }
            String::from_utf8(bytes).unwrap()
        };
        assert_eq!(
            masked(r#"{"token":"a","token" : "b","x":"token"}"#),
            r#"{"token":***,"token" : ***,"x":"token"}"#
        );
        // Cut off inside the value: masked to the end.
        assert_eq!(
            masked(r#"{"result":{"token":"abc"#),
            r#"{"result":{"token":****"#
        );
        // Bad escapes, single quotes, bare keys, escaped key names, containers.
        assert_eq!(masked(r#"{"token":"a\qb"}"#), r#"{"token":******}"#);
        assert_eq!(masked("{token: 'a,b', n: 1}"), "{token: *****, n: 1}");
        assert_eq!(
            masked(r#"{"token":[1,{"a":"]"}]}"#),
            r#"{"token":*************}"#
        );
        assert_eq!(masked(r#"{"token":12}"#), r#"{"token":**}"#);
        assert_eq!(
            masked(r#"{"metadata.token":"x"}"#),
            r#"{"metadata.token":***}"#
        );
        assert!(values_under_keys(b"{\"token\":", &names).is_empty());
        // Stringified once, twice, and cut off: the whole string is masked.
        let whole = |before: &str, string: &str, after: &str| {
            let text = format!("{before}{string}{after}");
            let stars = "*".repeat(string.len());
            assert_eq!(masked(&text), format!("{before}{stars}{after}"), "{text}");
        };
        whole(r#"{"result":"#, r#""{\"token\":\"abc\"}""#, r#","n":1}"#);
        whole("[", r#""{\"a\":\"{\\\"token\\\":1}\"}""#, "]");
        whole(r#"{"r":"#, r#""{\"token\":\"ab"#, "");
        // Words before the JSON, or none at all: an error text that names
        // a secret key with a value may echo it.
        whole(r#"{"r":"#, r#""Response: {\"token\":\"abc\"}""#, "}");
        whole(r#"{"r":"#, r#""token: abc""#, "}");
        assert_eq!(
            masked(r#"{"r":"no token here"}"#),
            r#"{"r":"no token here"}"#
        );
        // A body that lost its colon, or uses another mark.
        assert_eq!(
            masked(r#"{"token" "abc","n":1}"#),
            r#"{"token" *****,"n":1}"#
        );
        assert_eq!(masked(r#"{"token" = "abc"}"#), r#"{"token" = *****}"#);
        assert_eq!(masked("token;abc"), "token;***");
        // Not a key: a listed name, or a word in an array.
        assert_eq!(masked(r#"["token", "x"]"#), r#"["token", "x"]"#);
    }

    #[test]
    fn secret_keys_name_arrays_of_secrets_and_know_what_they_cannot_name() {
        let keys = secret_keys(&Shape::of_schema(&json!({"properties": {
            "token": {"x-dapa-secret": true},
            "pins": {"type": "array", "items": {"x-dapa-secret": true}},
            "list": {"items": {"properties": {"pin": {"x-dapa-secret": true}}}}
        }})));
        let names: Vec<&str> = keys.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["pin", "pins", "token"]);
        assert!(!keys.unnamed);
        for unnamed in [
            json!({"additionalProperties": {"x-dapa-secret": true}}),
            json!({"properties": {"m": {"patternProperties": {"^k": {"x-dapa-secret": true}}}}}),
            json!({"type": "array", "items": {"x-dapa-secret": true}}),
        ] {
            assert!(
                secret_keys(&Shape::of_schema(&unnamed)).unnamed,
                "{unnamed}"
            );
        }
    }
}

//! The payload layer: what is inside the envelope.
//!
//! Data Actions built on string templates send JSON as a string (`"profile":
//! "{\"firstname\":...}"`), sometimes twice over; Velocity leaves `${email}`
//! behind when an input is null; `?flatten=true` turns nested objects into
//! `profile.firstname` keys. Stringified JSON is decoded in place, so the
//! later layers see the payload the action meant to send.

use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, note_more};
use crate::json::{self, ParseOptions, StringMarks, push_pointer};
use crate::secret::mask;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Decode a string that holds JSON: an object or array, possibly encoded
/// several times over. Returns the value and how many levels of encoding
/// were undone; `None` for strings that are not stringified JSON (`"123"`,
/// `"abc"`). `depth_budget` bounds the nesting of the decoded value.
pub fn decode_stringified(text: &str, depth_budget: usize) -> Option<(Value, usize)> {
    if !opens_with(text, b"{[\"") {
        return None;
    }
    let mut current = text.trim();
    let mut owned: String;
    let mut levels = 0;
    loop {
        if !current.starts_with(['{', '[', '"']) || depth_budget == 0 {
            return None;
        }
        let options = ParseOptions {
            max_depth: depth_budget,
            lenient: false,
        };
        let parsed = json::parse(current, options).ok()?;
        levels += 1;
        match parsed.value {
            Value::String(inner) => {
                owned = inner;
                current = owned.trim();
            }
            value @ (Value::Object(_) | Value::Array(_)) => return Some((value, levels)),
            _ => return None,
        }
    }
}

/// Whether `text`, past leading white space, starts with one of `openers`
/// (ASCII). Most strings are words, numbers or dates: their first byte
/// decides without the Unicode-aware trim the decoding does.
fn opens_with(text: &str, openers: &[u8]) -> bool {
    match text.as_bytes().first() {
        None => false,
        Some(&byte) if byte.is_ascii() && !char::from(byte).is_whitespace() => {
            openers.contains(&byte)
        }
        Some(_) => text
            .trim_start()
            .as_bytes()
            .first()
            .is_some_and(|b| openers.contains(b)),
    }
}

/// Whether a string holds JSON that nests past `--max-depth` (counted
/// from the top of the document): then it is not decoded, and that is S06
/// as for a body, not a plain string. Gives the limit.
fn nests_too_deep(text: &str, max_depth: usize, depth: usize) -> Option<usize> {
    if !opens_with(text, b"{[") {
        return None;
    }
    let text = text.trim();
    if !text.starts_with(['{', '[']) {
        return None;
    }
    let options = ParseOptions {
        max_depth: max_depth.saturating_sub(depth),
        lenient: false,
    };
    match json::parse(text, options) {
        Err(error) if error.kind == json::ErrorKind::TooDeep => Some(max_depth),
        _ => None,
    }
}

fn deep_inside(limit: usize) -> Finding {
    Finding::new(
        Code::S06,
        format!("the string holds JSON nested deeper than --max-depth ({limit}); not decoded"),
    )
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        _ => "an array",
    }
}

/// P01 finding for a decoded string at `pointer`.
pub fn stringified_finding(pointer: &str, decoded: &Value, levels: usize) -> Finding {
    let place = if pointer.is_empty() {
        "the body".to_owned()
    } else {
        format!("the string at {pointer}")
    };
    let encoding = if levels == 1 {
        "1 level of encoding".to_owned()
    } else {
        format!("{levels} levels of encoding")
    };
    Finding::new(
        Code::P01,
        format!(
            "{place} holds JSON ({}); decoded, {encoding}",
            kind_of(decoded)
        ),
    )
    .at_pointer(pointer)
}

/// Whether the payload layer may find anything in `payload`, a part of a
/// document whose parse left `marks` (`None` where no parse of the text
/// left any): a bare string is always looked at, since it is P02 or
/// stringified JSON; a container only where some string or key is marked.
pub fn worth_walking(payload: &Value, marks: Option<StringMarks>) -> bool {
    payload.is_string() || marks.is_none_or(|marks| !marks.plain())
}

struct Walk<'a> {
    max_depth: usize,
    /// The pointer of the payload in the document.
    base: &'a str,
    /// Where the walk is below the payload; pointers are built from it only
    /// for a finding.
    segments: Vec<Segment<'a>>,
    stringified: Vec<Finding>,
    placeholders: Vec<Finding>,
    flattened: Vec<Finding>,
    too_deep: Vec<Finding>,
    counts: [usize; 4],
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Check the payload at `pointer` (its JSON pointer in the document, "" for
/// the root) nested at `depth`, decoding stringified JSON in place. A bare
/// string payload is usually a token, so it is masked unless `show_secrets`.
pub fn check(
    payload: &mut Value,
    pointer: &str,
    depth: usize,
    max_depth: usize,
    show_secrets: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Value::String(text) = payload
        && let Some(limit) = nests_too_deep(text, max_depth, depth)
    {
        findings.push(deep_inside(limit).at_pointer(pointer));
        return findings;
    }
    if let Value::String(text) = payload
        && decode_stringified(text, max_depth.saturating_sub(depth)).is_none()
    {
        let shown = if show_secrets {
            format!("\"{text}\"")
        } else {
            mask(text)
        };
        findings.push(
            Finding::new(
                Code::P02,
                format!("the payload is a bare string, not JSON: {shown}"),
            )
            .at_pointer(pointer),
        );
    }
    let mut walk = Walk {
        max_depth,
        base: pointer,
        segments: Vec::new(),
        stringified: Vec::new(),
        placeholders: Vec::new(),
        flattened: Vec::new(),
        too_deep: Vec::new(),
        counts: [0; 4],
    };
    walk.visit(payload, depth);
    for (index, mut group) in [
        walk.stringified,
        walk.placeholders,
        walk.flattened,
        walk.too_deep,
    ]
    .into_iter()
    .enumerate()
    {
        note_more(&mut group, walk.counts[index]);
        findings.append(&mut group);
    }
    findings
}

impl<'a> Walk<'a> {
    fn keep(&mut self, index: usize, finding: Finding) {
        self.counts[index] += 1;
        let group = match index {
            0 => &mut self.stringified,
            1 => &mut self.placeholders,
            2 => &mut self.flattened,
            _ => &mut self.too_deep,
        };
        if group.len() < MAX_FINDINGS_PER_CODE {
            group.push(finding);
        }
    }

    fn pointer(&self) -> String {
        let mut pointer = self.base.to_owned();
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => push_pointer(&mut pointer, key),
                Segment::Index(index) => {
                    let _ = write!(pointer, "/{index}");
                }
            }
        }
        pointer
    }

    fn visit(&mut self, value: &'a mut Value, depth: usize) {
        if let Value::String(text) = &*value {
            if let Some((decoded, levels)) =
                decode_stringified(text, self.max_depth.saturating_sub(depth))
            {
                self.keep(0, stringified_finding(&self.pointer(), &decoded, levels));
                *value = decoded;
                self.visit(value, depth);
            } else if let Some(limit) = nests_too_deep(text, self.max_depth, depth) {
                self.keep(3, deep_inside(limit).at_pointer(self.pointer()));
            } else if let Some(found) = placeholders(text) {
                let finding = Finding::new(
                    Code::P03,
                    format!("unrendered Velocity placeholder {found} in the value"),
                )
                .at_pointer(self.pointer())
                .grouped_by(format!("placeholder {found}"));
                self.keep(1, finding);
            }
            return;
        }
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    self.segments.push(Segment::Index(index));
                    self.visit(item, depth + 1);
                    self.segments.pop();
                }
            }
            Value::Object(fields) => {
                // flatten=true flattens the whole output into the payload's
                // own keys: a dotted key further down is a name that holds
                // a dot (a web-messaging `context.firstName` attribute, a
                // host, a file, a settings key), not a flattened path.
                if self.segments.is_empty()
                    && let Some(message) = flattened(fields)
                {
                    let finding = Finding::new(Code::P04, message).at_pointer(self.pointer());
                    self.keep(2, finding);
                }
                for (key, item) in fields.iter_mut() {
                    self.segments.push(Segment::Key(key));
                    self.visit(item, depth + 1);
                    self.segments.pop();
                }
            }
            _ => {}
        }
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The Velocity references left in a string, quoted and comma-separated:
/// `${x}` and `$!{x}` (formal), `$!x` (quiet) and `$input.x` (dotted).
pub fn placeholders(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // Most strings hold no '$' at all.
    memchr::memchr(b'$', bytes)?;
    let mut found: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    // The first `}` at or after the place its search started, kept for the
    // next `${`: searched afresh from every `${`, a string of many `${` and
    // no `}` cost its length squared.
    let mut close_known: Option<(usize, Option<usize>)> = None;
    let mut pos = 0;
    while let Some(at) = memchr::memchr(b'$', &bytes[pos..]) {
        let start = pos + at;
        pos = start + 1;
        let mut cursor = start + 1;
        let quiet = bytes.get(cursor) == Some(&b'!');
        if quiet {
            cursor += 1;
        }
        let end = if bytes.get(cursor) == Some(&b'{') {
            let inner = cursor + 1;
            let close = match close_known {
                Some((from, close)) if from <= inner && close.is_none_or(|c| c >= inner) => close,
                _ => {
                    let close = memchr::memchr(b'}', bytes.get(inner..).unwrap_or_default())
                        .map(|i| inner + i);
                    close_known = Some((inner, close));
                    close
                }
            };
            match close {
                Some(close) if close > inner && is_ident_start(bytes[inner]) => close + 1,
                _ => continue,
            }
        } else if bytes.get(cursor).copied().is_some_and(is_ident_start) {
            let mut end = cursor;
            let mut dotted = false;
            loop {
                end += bytes[end..].iter().take_while(|&&b| is_ident(b)).count();
                if bytes.get(end) == Some(&b'.')
                    && bytes.get(end + 1).copied().is_some_and(is_ident_start)
                {
                    dotted = true;
                    end += 1;
                } else {
                    break;
                }
            }
            if !(quiet || dotted) {
                continue;
            }
            end
        } else {
            continue;
        };
        let reference = &text[start..end];
        // Looked up in a set: a list searched for each of many distinct
        // references cost their number squared.
        if seen.insert(reference) {
            found.push(reference);
        }
        pos = end;
    }
    if found.is_empty() {
        return None;
    }
    Some(
        found
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Keys in Architect's flatten=true form: `profile.firstname`, `contactIds[0]`.
fn flattened(fields: &Map<String, Value>) -> Option<String> {
    // Byte by byte: keys are short, and this runs for every object.
    if !(fields.keys()).any(|key| key.bytes().any(|b| b == b'.' || b == b'[')) {
        return None;
    }
    // A flattened path ends at a plain value: an object or array under a
    // dotted key (`"invoice.pdf": {"size": 1}`) is no flattened output.
    let leaf = |value: &Value| match value {
        Value::Object(fields) => fields.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => true,
    };
    let keys: Vec<&str> = fields
        .iter()
        .filter(|(key, value)| leaf(value) && is_flat_key(key))
        .map(|(key, _)| key.as_str())
        .collect();
    let indexed = keys.iter().any(|key| key.contains('['));
    if keys.len() < 2 && !indexed {
        return None;
    }
    let examples: Vec<&str> = keys.iter().take(3).copied().collect();
    Some(format!(
        "{} key(s) in flatten=true form, e.g. {}",
        keys.len(),
        examples.join(", ")
    ))
}

fn is_flat_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let ident = |from: usize| {
        if !bytes.get(from).copied().is_some_and(is_ident_start) {
            return None;
        }
        Some(from + bytes[from..].iter().take_while(|&&b| is_ident(b)).count())
    };
    let Some(mut pos) = ident(0) else {
        return false;
    };
    let mut segments = 0;
    while pos < bytes.len() {
        match bytes[pos] {
            b'.' => match ident(pos + 1) {
                Some(end) => pos = end,
                None => return false,
            },
            b'[' => {
                let digits = bytes[pos + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if digits == 0 || bytes.get(pos + 1 + digits) != Some(&b']') {
                    return false;
                }
                pos += digits + 2;
            }
            _ => return false,
        }
        segments += 1;
    }
    segments > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut value: Value) -> (Value, Vec<(Code, String)>) {
        let findings = check(&mut value, "", 0, 128, false);
        let found = findings
            .into_iter()
            .map(|f| (f.code, f.location.pointer.unwrap_or_default()))
            .collect();
        (value, found)
    }

    #[test]
    fn stringified_fields_are_decoded_at_any_depth() {
        let inner = json!({"firstname": "Ann", "memories": "[{\"id\":1}]"}).to_string();
        let twice = Value::String(json!({"a": 1}).to_string()).to_string();
        let (value, found) =
            run(json!({"profile": inner, "double": twice, "n": "123", "s": "abc"}));
        assert_eq!(value["profile"]["memories"][0]["id"], 1);
        assert_eq!(value["double"]["a"], 1);
        assert_eq!(
            found,
            [
                (Code::P01, "/double".to_owned()),
                (Code::P01, "/profile".to_owned()),
                (Code::P01, "/profile/memories".to_owned())
            ]
        );
        let findings = check(&mut json!({"d": twice}), "", 0, 128, false);
        assert!(findings[0].message.contains("2 levels"));
    }

    #[test]
    fn the_first_byte_test_agrees_with_trimming() {
        for text in [
            "",
            " ",
            "{}",
            " [1]",
            "\u{b}{\"a\":1}",
            "\u{2003}[1]",
            "\u{a0}{}",
            "abc",
            "\"x\"",
            "é{",
        ] {
            let trimmed = text.trim_start().as_bytes().first().copied();
            let expected = trimmed.is_some_and(|b| b"{[".contains(&b));
            assert_eq!(opens_with(text, b"{["), expected, "{text:?}");
        }
    }

    #[test]
    fn bare_strings_are_raw() {
        let (_, found) = run(json!("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
        assert_eq!(found, [(Code::P02, String::new())]);
        let findings = check(
            &mut json!("eyJhbGciOiJIUzI1NiJ9.e30.sig"),
            "",
            0,
            128,
            false,
        );
        assert!(
            !findings[0].message.contains("e30.sig"),
            "the token is masked"
        );
        assert!(run(json!(42)).1.is_empty());
    }

    #[test]
    fn velocity_placeholders() {
        assert_eq!(placeholders("${email}").as_deref(), Some("\"${email}\""));
        assert_eq!(
            placeholders("id $!{input.id} and $!contactId").as_deref(),
            Some("\"$!{input.id}\", \"$!contactId\"")
        );
        assert_eq!(
            placeholders("$input.email").as_deref(),
            Some("\"$input.email\"")
        );
        for clean in ["costs $5.00", "US$ 3", "$USD", "${}", "a $ b", "$"] {
            assert_eq!(placeholders(clean), None, "{clean}");
        }
        let (_, found) = run(json!({"profile": {"email": "${email}"}}));
        assert_eq!(found, [(Code::P03, "/profile/email".to_owned())]);
    }

    #[test]
    fn flattened_keys() {
        let (_, found) =
            run(json!({"profile.firstname": "Ann", "profile.lastname": "Lee", "_id": "x"}));
        assert_eq!(found, [(Code::P04, String::new())]);
        let (_, found) = run(json!({"contactIds[0]": "c1"}));
        assert_eq!(found.len(), 1);
        for key in ["e.g", "a.", ".a", "a[x]", "plain"] {
            let (_, found) = run(json!({ key: 1, "other.key.x": 2 }));
            assert!(found.len() <= 1 || key == "e.g", "{key}");
        }
        assert!(run(json!({"a.b": 1})).1.is_empty());
    }

    #[test]
    fn dotted_names_below_the_payload_or_holding_objects_are_not_flattened() {
        for payload in [
            json!({"participantData": {"context.firstName": "Ann", "context.lastName": "Lee"}}),
            json!({"prompts": {"welcome.title": "Hi", "welcome.body": "..."}}),
            json!({"list": [{"a.b": 1, "c.d": 2}]}),
            json!({"invoice.pdf": {"size": 1}, "photo.jpg": {"size": 2}}),
            json!({"api.example.com": ["up"], "login.example.com": ["up"]}),
        ] {
            let (_, found) = run(payload.clone());
            assert!(found.is_empty(), "{payload}: {found:?}");
        }
        let (_, found) = run(json!({"profile.firstname": "Ann", "profile.tags": []}));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn decoding_respects_the_depth_budget() {
        let deep = "[".repeat(10) + &"]".repeat(10);
        assert!(decode_stringified(&deep, 10).is_some());
        assert!(decode_stringified(&deep, 9).is_none());
    }

    /// Documents built from strings and keys the payload layer looks for,
    /// and from ones it passes over.
    /// Formal references (`${x}`) found by a fresh search for `}` from
    /// every `${`, as before the search was kept from one `${` to the next.
    fn formal_references_by_fresh_search(text: &str) -> Vec<&str> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut pos = 0;
        while let Some(at) = text[pos..].find('$') {
            let start = pos + at;
            pos = start + 1;
            if bytes.get(start + 1) != Some(&b'{') {
                continue;
            }
            let inner = start + 2;
            let Some(close) = bytes[inner..].iter().position(|&b| b == b'}') else {
                continue;
            };
            let close = inner + close;
            if close == inner || !is_ident_start(bytes[inner]) {
                continue;
            }
            if !found.contains(&&text[start..=close]) {
                found.push(&text[start..=close]);
            }
            pos = close + 1;
        }
        found
    }

    proptest::proptest! {
        /// The `}` kept from one `${` to the next is the one a fresh search
        /// finds (texts without `!` or `.`, so that only formal references
        /// are found).
        #[test]
        fn formal_references_are_found_as_by_a_fresh_search(text in "[${}a_ ]{0,40}") {
            let expected = formal_references_by_fresh_search(&text);
            let listed = (!expected.is_empty()).then(|| {
                expected.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
            });
            proptest::prop_assert_eq!(placeholders(&text), listed);
        }
    }

    fn marked_document() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = prop::sample::select(vec![
            "plain",
            "",
            "12",
            "a.b",
            "x[0]",
            "{\"a\":1}",
            " [1,2]",
            "\"{}\"",
            "\u{a0}{}",
            "\u{b}[]",
            "${email}",
            "$!{id}",
            "$input.name",
            "cost $5",
            "\u{e9}t\u{e9}",
            "{",
            "[x",
        ]);
        let leaf = prop_oneof![
            text.clone().prop_map(|t| Value::String(t.to_owned())),
            any::<i32>().prop_map(Value::from),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text.clone().prop_map(str::to_owned), inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Where the parse left no mark, the walk would find nothing and
        /// change nothing: passing over it loses no finding. Every `$`, `.`
        /// and key bracket is also tried written as an escape, which the raw
        /// text does not show (the documents hold no number with a point).
        #[test]
        fn unmarked_documents_hold_nothing_for_the_payload_layer(
            document in marked_document(),
            escaped in proptest::bool::ANY,
        ) {
            let mut text = document.to_string();
            if escaped {
                text = text.replace('$', "\\u0024").replace('.', "\\u002e").replace("x[", "x\\u005b");
            }
            let parsed = json::parse(&text, ParseOptions { max_depth: 128, lenient: false })
                .expect("a serialised document parses");
            proptest::prop_assert_eq!(&parsed.value, &document);
            if !worth_walking(&parsed.value, Some(parsed.marks)) {
                let (after, found) = run(parsed.value);
                proptest::prop_assert!(found.is_empty(), "{found:?} in {text}");
                proptest::prop_assert_eq!(after, document);
            }
        }
    }
}

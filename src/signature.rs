//! Signatures: findings of one code grouped by what a person would call
//! "the same failure". A signature is a key (text with the parts that vary
//! from capture to capture, such as ids, numbers and quoted values, made
//! into placeholders) and a short stable id made from the code and the key.
//!
//! Where the layer that made a finding knows the detail that tells failures
//! apart (E01's status, code and detail codes; E02's failing step; E03's
//! limit; T04's page title; S01's cut; a schema keyword), it puts it in
//! [`crate::Finding::signature_detail`]; everything else is grouped by its
//! message. Either way the key is made from what is shown (masked text),
//! never from a secret value: masking a finding drops its detail.

use crate::finding::Code;

/// Longest key kept, in characters; a longer one is cut (and still groups
/// what it begins with).
const MAX_KEY_CHARS: usize = 200;

/// Longest run of letters without digits kept as a word; longer runs are
/// tokens or encoded data, not words.
const MAX_WORD_CHARS: usize = 24;

/// The signature key of a finding of `code` with this message, pointer and
/// layer-given detail.
pub fn key(code: Code, message: &str, pointer: Option<&str>, detail: Option<&str>) -> String {
    let key = match code.as_str().as_bytes()[0] {
        // Schema and drift findings: where (array items as `*`) and which
        // keyword; the value found there never enters the key.
        b'V' | b'D' => {
            let (pointer, keyword) = (pointer.unwrap_or_default(), detail.unwrap_or_default());
            let mut key = String::with_capacity(pointer.len() + 1 + keyword.len());
            push_star_indices(&mut key, pointer);
            if let Some(keyword) = detail {
                key.push(' ');
                key.push_str(keyword);
            }
            key
        }
        _ => match detail {
            Some(detail) => detail.to_owned(),
            None => normalise(message),
        },
    };
    cut(key)
}

/// A pointer with its array indices (all-digit segments) as `*`.
pub fn star_indices(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    push_star_indices(&mut out, pointer);
    out
}

/// [`star_indices`] written at the end of `out`.
fn push_star_indices(out: &mut String, pointer: &str) {
    // Met once per schema and drift finding: one pass over the bytes, each
    // segment told digits-only as it is read. What comes before the first
    // `/` is no segment.
    let bytes = pointer.as_bytes();
    let Some(mut slash) = bytes.iter().position(|&b| b == b'/') else {
        return;
    };
    loop {
        let start = slash + 1;
        let mut end = start;
        let mut digits = true;
        while let Some(&byte) = bytes.get(end)
            && byte != b'/'
        {
            digits &= byte.is_ascii_digit();
            end += 1;
        }
        out.push('/');
        if digits && end > start {
            out.push('*');
        } else {
            // Cut at `/` bytes or the end: always between characters.
            out.push_str(&pointer[start..end]);
        }
        if end == bytes.len() {
            return;
        }
        slash = end;
    }
}

/// The stable id of a signature: 12 hex digits of a 64-bit FNV-1a hash of
/// the code and the key. Written in summaries and baselines and as SARIF's
/// `partialFingerprints`, so it never depends on the platform.
pub fn id(code: Code, key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in code.as_str().bytes().chain([0]).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", hash >> 16)
}

/// Text with what varies between occurrences of one failure replaced:
/// quoted values by `"…"`, UUIDs by `<uuid>`, hex runs by `<hex>`, words
/// mixing letters and three or more digits (ids, tokens) and over-long
/// words by `<id>`,
/// numbers by `<n>`; runs of white space become one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_KEY_CHARS * 2));
    // Read in place, a character or a word at a time, with byte offsets:
    // these keys are made for every finding without a detail.
    let mut at = 0;
    // Characters in `out`, kept as it grows: counting them again on every
    // step made long messages quadratic.
    let mut out_chars = 0;
    while out_chars < MAX_KEY_CHARS * 2 {
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        if let Some(after) = after_quoted(text, at, c) {
            out.push_str("\"…\"");
            out_chars += 3;
            at = after;
        } else if is_word_char(c) {
            let end = text[at..]
                .find(|c: char| !is_word_char(c))
                .map_or(text.len(), |length| at + length);
            let word = &text[at..end];
            match placeholder(word) {
                Some(shown) => {
                    out_chars += shown.chars().count();
                    out.push_str(&shown);
                }
                None => {
                    out_chars += word.chars().count();
                    out.push_str(word);
                }
            }
            at = end;
        } else if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
                out_chars += 1;
            }
            at += c.len_utf8();
        } else {
            out.push(c);
            out_chars += 1;
            at += c.len_utf8();
        }
    }
    out
}

/// Where the quoted value that `quote`, at byte `at` of `text`, opens ends
/// (the byte after its closing quote): `"…"` and `` `…` `` always, `'…'`
/// only around a whole value (not an apostrophe in a word). A quote never
/// closed runs to the end (a value cut short).
fn after_quoted(text: &str, at: usize, quote: char) -> Option<usize> {
    match quote {
        '"' | '`' | '“' => {}
        '\'' if !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric) => {}
        _ => return None,
    }
    let closer = if quote == '“' { '”' } else { quote };
    let inside = at + quote.len_utf8();
    Some(
        text[inside..]
            .find(closer)
            .map_or(text.len(), |length| inside + length + closer.len_utf8()),
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// The placeholder for a word that varies, or `None` for a plain word.
fn placeholder(word: &str) -> Option<String> {
    // Digits, letters and characters in one pass: most words are plain
    // words, known as such from these alone.
    let (mut digits, mut letters, mut characters) = (0, 0, 0);
    for c in word.chars() {
        characters += 1;
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    // Without a digit, only a word too long to be a word is replaced (a
    // UUID of hex letters alone is one of those: 36 characters).
    if digits == 0 && characters <= MAX_WORD_CHARS {
        return None;
    }
    placeholder_of_counted(word, digits, letters, characters)
}

/// The placeholder for `word`, which has this many ASCII digits, letters
/// and characters, or `None` for a plain word.
fn placeholder_of_counted(
    word: &str,
    digits: usize,
    letters: usize,
    characters: usize,
) -> Option<String> {
    if is_uuid(word) {
        return Some("<uuid>".to_owned());
    }
    if digits > 0 && letters == 0 {
        // `-` and `_` inside numbers (dates, ranges) stay as separators.
        let mut out = String::new();
        for part in word.split_inclusive(['-', '_']) {
            let (number, separator) = match part.strip_suffix(['-', '_']) {
                Some(number) => (number, &part[number.len()..]),
                None => (part, ""),
            };
            if !number.is_empty() {
                out.push_str("<n>");
            }
            out.push_str(separator);
        }
        return Some(out);
    }
    let hex = word.strip_prefix("0x").unwrap_or(word);
    if digits > 0
        && (hex.len() < word.len() || word.len() >= 8)
        && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Some("<hex>".to_owned());
    }
    // A short word with a digit or two is a name (`UTF-8`, `S3`); more
    // digits, or a long word, is an id or a token.
    if digits >= 3 || (digits > 0 && word.len() >= 10) || characters > MAX_WORD_CHARS {
        return Some("<id>".to_owned());
    }
    None
}

fn is_uuid(word: &str) -> bool {
    let mut groups = word.split('-');
    [8, 4, 4, 4, 12].into_iter().all(|len| {
        groups
            .next()
            .is_some_and(|group| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && groups.next().is_none()
}

/// A key trimmed and no longer than [`MAX_KEY_CHARS`] characters. Most
/// keys are short and untrimmed already: those are kept, not copied.
fn cut(key: String) -> String {
    let trimmed = key.trim();
    // At most MAX_KEY_CHARS bytes is at most as many characters.
    if trimmed.len() == key.len() && key.len() <= MAX_KEY_CHARS {
        return key;
    }
    // The byte offset of the character after the first MAX_KEY_CHARS, if any.
    match trimmed.char_indices().nth(MAX_KEY_CHARS) {
        None => trimmed.to_owned(),
        Some((end, _)) => format!("{}…", &trimmed[..end]),
    }
}

/// Where a cut-off body (S01) was cut: at a power-of-two length (a buffer
/// cut it), at the end of an HTTP chunk (the transfer stopped), or
/// elsewhere, then named by the parser's message.
pub fn truncation_detail(body_len: usize, chunk_end: bool, message: &str) -> String {
    if body_len >= 256 && body_len.is_power_of_two() {
        format!("cut at {body_len} bytes, a power of two: a buffer or a log line limit")
    } else if chunk_end {
        "cut at the end of an HTTP chunk: the transfer stopped".to_owned()
    } else {
        format!("cut elsewhere: {}", normalise(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Where a quoted value closes, read as characters: the reference for
    /// [`after_quoted`], which reads bytes in place.
    fn closing_quote(chars: &[char], at: usize) -> Option<usize> {
        let quote = chars[at];
        match quote {
            '"' | '`' | '“' => {}
            '\'' if at == 0 || !chars[at - 1].is_alphanumeric() => {}
            _ => return None,
        }
        let closer = if quote == '“' { '”' } else { quote };
        let close = (at + 1..chars.len()).find(|&i| chars[i] == closer);
        Some(close.unwrap_or(chars.len() - 1))
    }

    /// [`normalise`] as it was, reading a copy of the text as characters
    /// and counting the output's characters on every step: the reference
    /// the quick one must agree with.
    fn normalise_by_recounting(text: &str) -> String {
        let mut out = String::new();
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        while at < chars.len() && out.chars().count() < MAX_KEY_CHARS * 2 {
            let c = chars[at];
            if let Some(close) = closing_quote(&chars, at) {
                out.push_str("\"…\"");
                at = close + 1;
            } else if is_word_char(c) {
                let end = (at..chars.len())
                    .find(|&i| !is_word_char(chars[i]))
                    .unwrap_or(chars.len());
                let word: String = chars[at..end].iter().collect();
                out.push_str(&placeholder(&word).unwrap_or(word));
                at = end;
            } else if c.is_whitespace() {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                at += 1;
            } else {
                out.push(c);
                at += 1;
            }
        }
        out
    }

    /// [`placeholder`] as it was: digits, letters and characters counted
    /// in passes of their own, and every word put through the rules. The
    /// reference for the one pass and the plain-word shortcut before them.
    fn placeholder_in_passes(word: &str) -> Option<String> {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        placeholder_of_counted(word, digits, letters, word.chars().count())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn a_word_gets_the_placeholder_it_got_in_passes(
            word in "[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f]{12}|[a-f]{8}-[a-f]{4}-[a-f]{4}-[a-f]{4}-[a-f]{12}|0x[0-9a-fA-F]{0,12}|[a-zÅé٣0-9_-]{1,40}|[a-z]{20,30}|[0-9_-]{1,12}"
        ) {
            prop_assert_eq!(placeholder(&word), placeholder_in_passes(&word));
        }

        /// Against the split it was: segments after the first `/`, the
        /// all-digit ones as `*`.
        #[test]
        fn indices_are_starred_as_split_segments_were(pointer in "[a-z0-9/é٣~]{0,30}") {
            let split: Vec<String> = (pointer.split('/').skip(1))
                .map(|segment| {
                    let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
                    if digits { "/*".to_owned() } else { format!("/{segment}") }
                })
                .collect();
            prop_assert_eq!(star_indices(&pointer), split.concat());
        }

        #[test]
        fn normalise_counts_as_it_grows(text in "[a-zé0-9 \"'`“”:_.-]{0,600}") {
            prop_assert_eq!(normalise(&text), normalise_by_recounting(&text));
        }

        #[test]
        fn normalise_reads_any_text_as_the_reference_does(
            text in "([a-fA-F0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}(-[a-f0-9]{1,4})?|0x[0-9a-f]{1,9}|[a-zÅé٣0-9_-]{1,30}|[ \t\u{a0}\u{2003}\n]|[\"'`“”.:(),/]|[^a]){0,80}"
        ) {
            prop_assert_eq!(normalise(&text), normalise_by_recounting(&text));
        }
    }

    #[test]
    fn ids_numbers_and_quoted_values_are_normalised() {
        assert_eq!(
            normalise("User 12345 not found: \"alice@example.com\" (contextId 9f1c2e3a4b5d)"),
            "User <n> not found: \"…\" (contextId <hex>)"
        );
        assert_eq!(
            normalise("entity 0b9a6c4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d is gone"),
            "entity <uuid> is gone"
        );
        assert_eq!(
            normalise("entity 0b9a6c4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d-7 is gone"),
            "entity <id> is gone"
        );
        assert_eq!(
            normalise("order ORD-77A1 of 2025-11-20 took 1.5 s"),
            "order <id> of <n>-<n>-<n> took <n>.<n> s"
        );
        assert_eq!(normalise("it's 'x1' or `y`"), "it's \"…\" or \"…\"");
        assert_eq!(
            normalise("token eyJhbGciOiJIUzI1NiJ9 and  aVeryLongWordWithoutAnyDigitsAtAll"),
            "token <id> and <id>"
        );
        // A quote never closed (a value cut short) is all value.
        assert_eq!(normalise("bad value \"abc"), "bad value \"…\"");
    }

    #[test]
    fn the_same_failure_has_one_key_and_others_differ() {
        let one = key(
            Code::T05,
            "the body is plain text, not JSON: \"Timeout after 30000 ms on 10.0.0.7\"",
            None,
            None,
        );
        let two = key(
            Code::T05,
            "the body is plain text, not JSON: \"Timeout after 25000 ms on 10.0.0.9\"",
            None,
            None,
        );
        assert_eq!(one, two);
        assert_eq!(
            key(Code::V02, "m", Some("/result/items/3/id"), Some("type")),
            "/result/items/*/id type"
        );
        assert_ne!(id(Code::E01, "a"), id(Code::E02, "a"));
        assert_eq!(id(Code::E01, "a"), id(Code::E01, "a"));
        assert_eq!(id(Code::E01, "a").len(), 12);
    }

    #[test]
    fn truncation_says_who_cut() {
        assert!(truncation_detail(4096, false, "m").contains("power of two"));
        assert!(truncation_detail(65_536, true, "m").starts_with("cut at 65536 bytes"));
        assert!(truncation_detail(1000, true, "m").contains("HTTP chunk"));
        assert_eq!(
            truncation_detail(1000, false, "the input ends inside a string at 999"),
            "cut elsewhere: the input ends inside a string at <n>"
        );
    }

    #[test]
    fn keys_are_bounded() {
        let long = "word ".repeat(500);
        assert!(key(Code::T05, &long, None, None).chars().count() <= MAX_KEY_CHARS + 1);
        // A pointer key is cut at as many characters, and trimmed, however
        // it is built; one that fits is kept whole.
        let deep = "/é".repeat(150);
        let cut = key(Code::D01, "m", Some(&deep), None);
        assert_eq!(cut.chars().count(), MAX_KEY_CHARS + 1);
        assert!(deep.starts_with(cut.trim_end_matches('…')));
        assert_eq!(key(Code::V05, "m", Some("/a "), None), "/a");
        assert_eq!(key(Code::V05, "m", Some("/a "), Some(" ")), "/a");
        assert_eq!(key(Code::V01, "m", None, Some("required")), "required");
        let fits = "/ab".repeat(66);
        assert_eq!(
            key(Code::D01, "m", Some(&fits), Some("x")),
            format!("{fits} x")
        );
    }
}

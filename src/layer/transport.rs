//! The transport layer: what the bytes are before any JSON is read.
//!
//! Gateways answer a Data Action with HTML 502 pages, proxies with plain text,
//! Windows tools add byte-order marks, and cut-off transfers end in the middle
//! of a character. This layer sorts that out and hands the syntax layer text.

use crate::capture::Meta;
use crate::finding::{Code, Finding};

/// What the syntax layer should read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// Text to parse as JSON.
    Json {
        /// The text, without a byte-order mark.
        text: &'a str,
        /// Its offset in the body (3 after a BOM).
        start: usize,
        /// Where the body ends inside a multi-byte character, cut off; the
        /// text stops before it. Fine when the JSON is cut off there too (S01),
        /// invalid encoding (T03) otherwise.
        cut_character: Option<usize>,
    },
    /// A bare unquoted token (an opaque or JWT access token), not JSON at all.
    RawToken {
        /// The token, without surrounding whitespace.
        text: &'a str,
        /// Its offset in the body.
        start: usize,
    },
    /// Nothing to parse: a transport finding says why.
    Unusable,
}

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Check the body and the recorded status. Unless `show_secrets`, the
/// texts of the body that findings quote have their credentials masked.
pub fn check<'a>(body: &'a [u8], meta: &Meta, show_secrets: bool) -> (Vec<Finding>, Body<'a>) {
    let mut findings = Vec::new();
    if let Some(status) = meta.status.filter(|&status| status >= 400) {
        findings.push(Finding::new(
            Code::T06,
            format!("the recorded HTTP status is {status}"),
        ));
    }
    let body = classify(body, meta, show_secrets, &mut findings);
    (findings, body)
}

fn classify<'a>(
    body: &'a [u8],
    meta: &Meta,
    show_secrets: bool,
    findings: &mut Vec<Finding>,
) -> Body<'a> {
    let mut start = 0;
    if body.starts_with(UTF8_BOM) {
        findings.push(
            Finding::new(
                Code::T02,
                "a UTF-8 byte-order mark precedes the body; stripped",
            )
            .at_offset(0),
        );
        start = UTF8_BOM.len();
    }
    if let Some(kind) = utf16_kind(body) {
        findings.push(
            Finding::new(
                Code::T03,
                format!("the body is not UTF-8: it looks like {kind}"),
            )
            .at_offset(0),
        );
        return Body::Unusable;
    }
    let mut cut_character = None;
    let text = match utf8(&body[start..]) {
        Ok(text) => text,
        // A transfer cut off inside a multi-byte character: keep the whole ones,
        // and let the syntax layer say where the value was cut.
        Err(error) if error.error_len().is_none() => {
            cut_character = Some(start + error.valid_up_to());
            std::str::from_utf8(&body[start..start + error.valid_up_to()]).unwrap_or_default()
        }
        Err(error) => {
            let offset = start + error.valid_up_to();
            findings.push(
                Finding::new(
                    Code::T03,
                    format!(
                        "invalid UTF-8: byte 0x{:02X} at offset {offset}",
                        body[offset]
                    ),
                )
                .at_offset(offset),
            );
            return Body::Unusable;
        }
    };
    let trimmed = text.trim_start_matches(is_blank);
    if let Some(offset) = cut_character
        && trimmed.trim_end_matches(is_blank).is_empty()
    {
        findings.push(incomplete_character(offset));
        return Body::Unusable;
    }
    if trimmed.trim_end_matches(is_blank).is_empty() {
        let message = if body.is_empty() {
            "the body is empty (0 bytes)".to_owned()
        } else if body.len() == start {
            "the body holds only a byte-order mark".to_owned()
        } else {
            format!("the body holds only whitespace ({} bytes)", body.len())
        };
        findings.push(Finding::new(Code::T01, message));
        return Body::Unusable;
    }
    let first = start + (text.len() - trimmed.len());
    if trimmed.starts_with('<') {
        if looks_like_html(trimmed) {
            let title = html_title(trimmed, show_secrets);
            let what = title.as_ref().map_or_else(
                || "an HTML page".to_owned(),
                |title| format!("an HTML page titled \"{title}\""),
            );
            // Grouped by the page's title, numbers and ids made placeholders.
            let page = title.map_or_else(
                || "a page without a title".to_owned(),
                |title| format!("title {}", crate::signature::normalise(&title)),
            );
            findings.push(
                Finding::new(Code::T04, format!("the body is {what}, not JSON"))
                    .at_offset(first)
                    .grouped_by(page),
            );
        } else {
            findings.push(
                Finding::new(
                    Code::T05,
                    format!(
                        "the body is XML or markup, not JSON: {}",
                        excerpt(trimmed, show_secrets)
                    ),
                )
                .at_offset(first)
                .grouped_by(first_line(trimmed, show_secrets)),
            );
        }
        return Body::Unusable;
    }
    if is_html_type(meta) && !trimmed.starts_with(['{', '[']) {
        findings.push(
            Finding::new(Code::T04, "the body is declared text/html and is not JSON")
                .at_offset(first),
        );
        return Body::Unusable;
    }
    if let Some(token) = raw_token(trimmed) {
        return Body::RawToken {
            text: token,
            start: first,
        };
    }
    if is_plain_text(trimmed) {
        findings.push(
            Finding::new(
                Code::T05,
                format!(
                    "the body is plain text, not JSON: {}",
                    excerpt(trimmed, show_secrets)
                ),
            )
            .at_offset(first)
            .grouped_by(first_line(trimmed, show_secrets)),
        );
        return Body::Unusable;
    }
    Body::Json {
        text,
        start,
        cut_character,
    }
}

/// T03 for a body that ends inside a multi-byte character.
pub fn incomplete_character(offset: usize) -> Finding {
    Finding::new(
        Code::T03,
        format!("invalid UTF-8: the body ends inside a multi-byte character at offset {offset}"),
    )
    .at_offset(offset)
}

/// JSON's own whitespace plus the Unicode spaces that editors and logs add.
fn is_blank(ch: char) -> bool {
    ch.is_whitespace() || ch == '\u{feff}'
}

fn utf16_kind(body: &[u8]) -> Option<&'static str> {
    if body.starts_with(b"\xFF\xFE") {
        return Some("UTF-16LE (byte-order mark FF FE)");
    }
    if body.starts_with(b"\xFE\xFF") {
        return Some("UTF-16BE (byte-order mark FE FF)");
    }
    // ASCII text in UTF-16 without a BOM: every other byte is zero.
    let sample = &body[..body.len().min(64)];
    // Without a zero byte no pair can look like UTF-16: the common case
    // costs one search rather than two counts.
    if sample.len() >= 4 && sample.contains(&0) {
        let pairs = sample.chunks_exact(2);
        let count = pairs.len();
        let zero_high = sample
            .chunks_exact(2)
            .filter(|p| p[1] == 0 && p[0] != 0)
            .count();
        let zero_low = sample
            .chunks_exact(2)
            .filter(|p| p[0] == 0 && p[1] != 0)
            .count();
        if zero_high * 4 >= count * 3 {
            return Some("UTF-16LE (no byte-order mark)");
        }
        if zero_low * 4 >= count * 3 {
            return Some("UTF-16BE (no byte-order mark)");
        }
    }
    None
}

/// The first 1,024 characters of `text`.
fn first_characters(text: &str) -> &str {
    const CHARACTERS: usize = 1024;
    // A character is at least one byte, and an ASCII byte is one character:
    // most heads are cut without counting characters one by one.
    match text.as_bytes().get(..CHARACTERS) {
        None => text,
        Some(head) if head.is_ascii() => &text[..CHARACTERS],
        Some(_) => text
            .char_indices()
            .nth(CHARACTERS)
            .map_or(text, |(end, _)| &text[..end]),
    }
}

fn head_lowercase(text: &str) -> String {
    first_characters(text).to_ascii_lowercase()
}

fn looks_like_html(text: &str) -> bool {
    let head = head_lowercase(text);
    [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<title",
        "<h1",
        "<center",
        "<div",
        "<p>",
        "<meta",
    ]
    .iter()
    .any(|tag| head.contains(tag))
}

fn html_title(text: &str, show_secrets: bool) -> Option<String> {
    let head = head_lowercase(text);
    for (open, close) in [("<title>", "</title>"), ("<h1>", "</h1>")] {
        if let Some(from) = head.find(open) {
            let from = from + open.len();
            let to = head[from..].find(close).map_or(head.len(), |i| from + i);
            // The lowercase copy has the same byte offsets for ASCII tags, so
            // slice the original text to keep the title's case.
            let title = first_characters(text)
                .get(from..to)
                .unwrap_or_default()
                .trim();
            if !title.is_empty() {
                // Masked before it is cut: a token cut short is no longer
                // known for one.
                return Some(shown(title, show_secrets).chars().take(80).collect());
            }
        }
    }
    None
}

fn is_html_type(meta: &Meta) -> bool {
    meta.header("content-type")
        .is_some_and(|value| value.to_ascii_lowercase().contains("text/html"))
}

/// A body that is one opaque token: a JWT or an access token sent as
/// `text/plain` instead of a JSON string, perhaps with the scheme of an
/// `Authorization` header before it (`Bearer eyJ...`), which is kept in the
/// token so that all of it is masked.
fn raw_token(text: &str) -> Option<&str> {
    let token = text.trim_end_matches(is_blank);
    // The longest scheme is six letters: no body is searched further.
    let space = token.bytes().take(7).position(|b| b == b' ');
    let credential = match space {
        Some(at) if is_auth_scheme(&token[..at]) => token[at + 1..].trim_start_matches(' '),
        _ => token,
    };
    (looks_like_token(credential.as_bytes()) && !is_json_start(credential)).then_some(token)
}

/// The schemes of an `Authorization` header a token is sent with.
pub fn is_auth_scheme(word: &str) -> bool {
    ["bearer", "basic", "token"]
        .iter()
        .any(|scheme| word.eq_ignore_ascii_case(scheme))
}

/// A T04 or T05 of a body that is secret as a whole (a secure action's
/// output): it says what the body is, without its text or its page's
/// title, in the message and in what groups it.
pub fn hide_body_text(finding: &mut Finding) {
    let kind = match finding.code {
        Code::T04 if finding.message.contains('"') => "an HTML page",
        Code::T05 if finding.message.contains("XML") => "XML or markup",
        Code::T05 => "plain text",
        _ => return,
    };
    finding.message = format!("the body is {kind}, not JSON (not shown: the payload is secret)");
    finding.signature_detail = Some(format!("{kind}, secret"));
}

/// Whether bytes read as one opaque token (a JWT, an access token): 16 or
/// more token characters, letters and digits mixed, as words and
/// sentences are not.
pub fn looks_like_token(token: &[u8]) -> bool {
    token.len() >= 16
        && token.iter().all(|&b| is_token_byte(b))
        && token.iter().any(u8::is_ascii_alphabetic)
        && token.iter().any(u8::is_ascii_digit)
}

/// A character of a token: letters, digits and `._~+/=-`.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"._~+/=-".contains(&byte)
}

fn is_json_start(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if matches!(first, '{' | '[' | '"') {
        return true;
    }
    if first == '-' || first.is_ascii_digit() {
        return super::super::json::number::scan(text.as_bytes())
            .is_ok_and(|n| n.len == text.len());
    }
    false
}

/// Text that no JSON reader, strict or lenient, would take for JSON: it starts
/// with a word that is not a literal, or a number followed by words
/// (`502 Bad Gateway`).
fn is_plain_text(text: &str) -> bool {
    let first = text.chars().next().unwrap_or(' ');
    if first.is_alphabetic() {
        let word: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let literal = [
            "true", "false", "null", "NaN", "Infinity", "True", "False", "None",
        ]
        .iter()
        .any(|literal| {
            *literal == word || (word.len() == text.len() && literal.starts_with(&word))
        });
        return !literal;
    }
    if first.is_ascii_digit() {
        // A whole number, exponent and all (`9e9`, `1.0E-4`), is a JSON
        // text; digits and a dot then words (`502 Bad Gateway`) are not.
        let number_end = super::super::json::number::scan(text.as_bytes()).map_or_else(
            |_| {
                text.find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(text.len())
            },
            |number| number.len,
        );
        let rest = text[number_end..].trim_start_matches([' ', '\t']);
        return number_end < text.len() && rest.starts_with(char::is_alphabetic);
    }
    !matches!(first, '{' | '[' | '"' | '\'' | '-' | '+' | '/')
}

/// T05's signature: the first line, what varies normalised.
fn first_line(text: &str, show_secrets: bool) -> String {
    let line: String = quoted_line(text, show_secrets).chars().take(200).collect();
    crate::signature::normalise(&line)
}

fn excerpt(text: &str, show_secrets: bool) -> String {
    let line = quoted_line(text, show_secrets);
    format!("\"{}\"", crate::secret::cut_short(&line, 60))
}

/// The most of a line a finding quotes, in bytes, before its credentials
/// are masked: far more than a message shows (200 characters at most), so
/// that what a message shows is always masked, and little enough that a
/// body of one long line is not copied whole to be masked.
const QUOTED_LINE_BYTES: usize = 4096;

/// The first line of `text`, trimmed, as findings quote it: its credentials
/// masked unless `show_secrets`. A line cut at [`QUOTED_LINE_BYTES`] drops
/// the token the cut went through, which is no longer known for one.
fn quoted_line(text: &str, show_secrets: bool) -> std::borrow::Cow<'_, str> {
    let mut line = text.lines().next().unwrap_or_default().trim();
    if line.len() > QUOTED_LINE_BYTES {
        let bytes = line.as_bytes();
        let mut end = QUOTED_LINE_BYTES;
        // Back to a character boundary, and past the start of a token the
        // cut goes through (a token is ASCII: its start is a boundary).
        while end > 0
            && (!line.is_char_boundary(end)
                || (is_token_byte(bytes[end - 1]) && is_token_byte(bytes[end])))
        {
            end -= 1;
        }
        line = &line[..end];
    }
    shown(line, show_secrets)
}

/// `text` as a message may quote it: its credentials masked unless
/// `show_secrets`.
fn shown(text: &str, show_secrets: bool) -> std::borrow::Cow<'_, str> {
    if show_secrets {
        std::borrow::Cow::Borrowed(text)
    } else {
        crate::secret::mask_credentials(text)
    }
}

/// `body` as text. Every body is checked whole, so the check runs many bytes
/// at a time (simdutf8); only a body that fails is checked again by the
/// standard library, whose error says where and how it fails.
fn utf8(body: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(body).or_else(|_| std::str::from_utf8(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(body: &[u8]) -> Vec<Code> {
        check(body, &Meta::default(), false)
            .0
            .iter()
            .map(|f| f.code)
            .collect()
    }

    proptest::proptest! {
        /// Text with one byte perhaps replaced (so that most cases are
        /// near-valid UTF-8, cut inside a character or with a stray byte):
        /// the fast check gives the standard library's answer, error and all.
        #[test]
        fn utf8_agrees_with_the_standard_library(
            text in "\\PC{0,80}",
            replace in proptest::option::of((0usize..400, proptest::prelude::any::<u8>())),
            cut in 0usize..400,
        ) {
            let mut bytes = text.into_bytes();
            if let Some((at, byte)) = replace && !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            bytes.truncate(cut);
            proptest::prop_assert_eq!(utf8(&bytes), std::str::from_utf8(&bytes));
        }

        /// ASCII around 1,024 bytes long, with perhaps one wider character:
        /// the head is the first 1,024 characters, counted one by one.
        #[test]
        fn head_is_the_first_1024_characters(
            length in 1000usize..1100,
            wide in proptest::option::of((0usize..1100, proptest::sample::select(vec!['é', '€', '😀']))),
        ) {
            let mut text = "a".repeat(length);
            if let Some((at, character)) = wide {
                text.insert(at.min(text.len()), character);
            }
            let counted = text.char_indices().nth(1024).map_or(text.as_str(), |(end, _)| &text[..end]);
            proptest::prop_assert_eq!(first_characters(&text), counted);
        }
    }

    #[test]
    fn empty_and_whitespace_and_bom_only() {
        assert_eq!(codes(b""), [Code::T01]);
        assert_eq!(codes(b" \r\n\t "), [Code::T01]);
        assert_eq!(codes(b"\xEF\xBB\xBF"), [Code::T02, Code::T01]);
    }

    #[test]
    fn bom_is_stripped() {
        let (findings, body) = check(b"\xEF\xBB\xBF{\"a\":1}", &Meta::default(), false);
        assert_eq!(findings[0].code, Code::T02);
        assert_eq!(
            body,
            Body::Json {
                text: "{\"a\":1}",
                start: 3,
                cut_character: None
            }
        );
    }

    #[test]
    fn encodings() {
        assert_eq!(codes(b"{\"name\":\"Ren\xE9\"}"), [Code::T03]);
        let utf16: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(codes(&utf16), [Code::T03]);
        let (findings, _) = check(
            &[b"\xFF\xFE".as_slice(), &utf16].concat(),
            &Meta::default(),
            false,
        );
        assert!(findings[0].message.contains("UTF-16LE"));
    }

    #[test]
    fn cut_inside_a_character_is_left_to_the_syntax_layer() {
        let body = "{\"name\":\"Zoë".as_bytes();
        let (findings, parsed) = check(&body[..body.len() - 1], &Meta::default(), false);
        assert!(findings.is_empty());
        assert_eq!(
            parsed,
            Body::Json {
                text: "{\"name\":\"Zo",
                start: 0,
                cut_character: Some(11)
            }
        );
        assert_eq!(codes(b"\xe5"), [Code::T03]);
        assert_eq!(codes(b"\xEF\xBB\xBF"), [Code::T02, Code::T01]);
    }

    #[test]
    fn html_and_text() {
        let (findings, _) = check(
            b"<html>\r\n<head><title>502 Bad Gateway</title></head></html>",
            &Meta::default(),
            false,
        );
        assert_eq!(findings[0].code, Code::T04);
        assert!(findings[0].message.contains("502 Bad Gateway"));
        assert_eq!(codes(b"  <!DOCTYPE html><p>x"), [Code::T04]);
        assert_eq!(codes(b"<?xml version=\"1.0\"?><fault/>"), [Code::T05]);
        assert_eq!(
            codes(b"upstream connect error or disconnect/reset before headers"),
            [Code::T05]
        );
        assert_eq!(codes(b"502 Bad Gateway"), [Code::T05]);
        for number in [&b"9e9"[..], b"1.5e+3", b"1.0E-4\n", b"0e0", b"12"] {
            assert_eq!(codes(number), [], "{}", String::from_utf8_lossy(number));
        }
        assert_eq!(codes(b"1e5 requests"), [Code::T05]);
        assert_eq!(codes(b"Not Found"), [Code::T05]);
        assert_eq!(codes(b"%PDF-1.4"), [Code::T05]);
    }

    #[test]
    fn json_like_starts_go_to_the_syntax_layer() {
        for body in [
            "null", "nul", "NaN", "{'a':1}", "[1]", "-1", "42", "\"x\"", "// c\n{}",
        ] {
            assert!(
                matches!(
                    check(body.as_bytes(), &Meta::default(), false).1,
                    Body::Json { .. }
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn raw_tokens() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\n";
        assert_eq!(
            check(token.as_bytes(), &Meta::default(), false).1,
            Body::RawToken {
                text: token.trim_end(),
                start: 0
            }
        );
        assert_eq!(codes(b"short"), [Code::T05]);
    }

    #[test]
    fn error_status() {
        let meta = Meta {
            status: Some(502),
            ..Meta::default()
        };
        let (findings, _) = check(b"<html><title>502</title></html>", &meta, false);
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, [Code::T06, Code::T04]);
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudDEyMyJ9.c2lnbmF0dXJlc2lnbmF0dXJl";

    #[test]
    fn quoted_body_text_has_its_credentials_masked() {
        let bodies = [
            format!("Unauthorized: token {JWT} expired"),
            format!("<html><title>denied {JWT}</title></html>"),
            "<error>Bearer 0123456789abcdefghij was refused</error>".to_owned(),
            format!("{}Bearer 0123456789abcdefghijklmnop", "x ".repeat(2040)),
        ];
        for body in &bodies {
            let (findings, _) = check(body.as_bytes(), &Meta::default(), false);
            for finding in &findings {
                let detail = finding.signature_detail.clone().unwrap_or_default();
                for text in [&finding.message, &detail] {
                    assert!(!text.contains("eyJzdWIi"), "{text}");
                    assert!(!text.contains("0123456789abcdefghij"), "{text}");
                }
            }
            let (shown, _) = check(body.as_bytes(), &Meta::default(), true);
            assert_eq!(shown.len(), findings.len());
        }
        let (shown, _) = check(bodies[0].as_bytes(), &Meta::default(), true);
        assert!(
            shown[0].message.contains("eyJhbGci"),
            "{}",
            shown[0].message
        );
    }

    #[test]
    fn a_quoted_line_is_cut_before_the_token_the_cut_goes_through() {
        let line = format!("{} {JWT}{JWT}", "word ".repeat(818));
        let quoted = quoted_line(&line, true);
        assert!(quoted.len() <= QUOTED_LINE_BYTES);
        assert!(quoted.trim_end().ends_with("word") && !quoted.contains("eyJ"));
        let wide = format!("{}é{}", "a".repeat(QUOTED_LINE_BYTES - 1), "b".repeat(10));
        assert_eq!(quoted_line(&wide, true).len(), QUOTED_LINE_BYTES - 1);
        assert_eq!(quoted_line(&"a".repeat(5000), true), "");
    }
}

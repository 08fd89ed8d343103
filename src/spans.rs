//! The places in the body that an analysis names, for `dapa explain`: the
//! analysis gives pointers, this module maps them to byte spans of the body
//! (each finding's, each secret's to mask it). The binary renders the
//! result as miette diagnostics.

use crate::analyze::{Analysis, AnalyzeOptions, Document};
use crate::capture::Capture;
use crate::finding::{Code, Layer};
use crate::json::{self, ParseOptions};
use crate::layer::transport;
use crate::profile::definition::FolderDefinitions;
use crate::record::{CaptureRecord, FindingRecord};
use serde_json::Value;
use std::ops::Range;

/// A capture explained.
#[derive(Debug)]
pub struct Explanation {
    /// The verdict and findings.
    pub record: CaptureRecord,
    /// The body as text (invalid UTF-8 replaced), secrets masked with `*`.
    pub body: String,
    /// Each finding with the span of the body it points at, if any.
    pub spans: Vec<(FindingRecord, Option<Range<usize>>)>,
    /// For each stringified field (P01) found in the body, by its index in
    /// `spans`: the JSON it holds, decoded and pretty-printed.
    pub decoded: Vec<(usize, Decoded)>,
    /// The findings linked to the lint of the definition that checked the
    /// capture (the configuration that can cause them), by index in `spans`.
    pub links: Vec<crate::lint::link::Link>,
}

/// The decoded JSON of a stringified field is kept up to this many lines of
/// its pretty print; the lines past them are only counted. A field of a few
/// megabytes of `[0,0,…]` pretty-prints to millions of lines, which built
/// whole (and escaped for the terminal) took over fifty times the body.
pub const MAX_DECODED_LINES: usize = 200;

/// A stringified field, decoded, with the spans of the findings inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded JSON, pretty-printed: its first [`MAX_DECODED_LINES`] lines.
    pub text: String,
    /// How many lines of the pretty print follow `text` and are not kept.
    pub lines_left_out: usize,
    /// The findings that point inside it: span in `text` and the pointer.
    pub labels: Vec<(Range<usize>, String)>,
}

impl Explanation {
    /// The findings of one layer, in order.
    pub fn layer(
        &self,
        layer: Layer,
    ) -> impl Iterator<Item = &(FindingRecord, Option<Range<usize>>)> {
        self.spans
            .iter()
            .filter(move |(finding, _)| finding.layer == layer)
    }
}

/// Every layer of the analysis of a capture, in the order it runs them
/// (`replay` runs before them, in `dapa replay` only).
pub const LAYERS: [Layer; 7] = [
    Layer::Transport,
    Layer::Syntax,
    Layer::Envelope,
    Layer::Payload,
    Layer::Schema,
    Layer::Drift,
    Layer::Semantic,
];

/// Explain one capture.
pub fn explain(capture: Capture, options: &AnalyzeOptions) -> Explanation {
    explain_beside(capture, options, None)
}

/// [`explain`] for a capture beside definitions of its folder
/// ([`Analysis::beside`]).
pub fn explain_beside(
    capture: Capture,
    options: &AnalyzeOptions,
    found: Option<&FolderDefinitions>,
) -> Explanation {
    let analysis = Analysis::beside(capture, options, found);
    let links = (analysis.profile.as_ref())
        .and_then(|profile| profile.lint.as_deref())
        .map(|lint| crate::lint::link::links(&analysis.record.findings, lint))
        .unwrap_or_default();
    let raw = &analysis.body;
    let mut masked = raw.clone();
    if !options.show_secrets {
        for span in secret_spans(&analysis) {
            for byte in &mut masked[span] {
                // Keep UTF-8 continuation structure simple: every byte becomes '*'.
                *byte = b'*';
            }
        }
    }
    let body = String::from_utf8_lossy(&masked).into_owned();
    let spans: Vec<(FindingRecord, Option<Range<usize>>)> = analysis
        .record
        .findings
        .iter()
        .map(|finding| {
            // A cut-off body ends where the finding points: underline its last byte.
            let span = finding.offset.map(|offset| match extent(raw, offset) {
                0 if offset > 0 => offset - 1..offset,
                length => offset..offset + length,
            });
            (finding.clone(), span)
        })
        .collect();
    let decoded = spans
        .iter()
        .enumerate()
        .filter(|(_, (finding, _))| finding.code == Code::P01)
        // From the masked body: a string that holds a secret is masked whole,
        // so it is not decoded either.
        .filter_map(|(index, (finding, span))| {
            let span = span.clone()?;
            let token = body.as_bytes().get(span.clone())?;
            let pointer = finding.pointer.as_deref().unwrap_or_default();
            // The payload layer decoded the field in place: decoded once
            // more, a field of megabytes held its values twice over. A
            // token that masking changed is decoded from the masked text.
            let in_place = (raw.get(span) == Some(token))
                .then(|| analysis.document.as_ref()?.root.pointer(pointer))
                .flatten()
                .filter(|value| value.is_object() || value.is_array());
            let (text, lines_left_out) = match in_place {
                Some(value) => pretty_first_lines(value)?,
                None => decode_token(token, options.max_depth)?,
            };
            let labels = inner_labels(&text, pointer, &spans, options.max_depth);
            let decoded = Decoded {
                text,
                lines_left_out,
                labels,
            };
            Some((index, decoded))
        })
        .collect();
    Explanation {
        record: analysis.record,
        body,
        spans,
        decoded,
        links,
    }
}

/// Spans in the decoded text of the findings whose pointers lead inside the
/// stringified field at `pointer`.
fn inner_labels(
    text: &str,
    pointer: &str,
    spans: &[(FindingRecord, Option<Range<usize>>)],
    max_depth: usize,
) -> Vec<(Range<usize>, String)> {
    let prefix = format!("{pointer}/");
    let inner: Vec<(&str, String)> = spans
        .iter()
        .filter_map(|(finding, _)| {
            let full = finding.pointer.as_deref()?;
            let rest = full.strip_prefix(&prefix)?;
            Some((full, format!("/{rest}")))
        })
        .collect();
    let relative: Vec<&str> = inner.iter().map(|(_, rest)| rest.as_str()).collect();
    let options = ParseOptions {
        max_depth,
        lenient: false,
    };
    let offsets = json::locate(text, options, &relative);
    inner
        .iter()
        .zip(offsets)
        .filter_map(|((full, _), offset)| {
            let offset = offset?;
            Some((
                offset..offset + extent(text.as_bytes(), offset),
                (*full).to_owned(),
            ))
        })
        .collect()
}

/// The JSON inside a string token, undone as many times as it was encoded,
/// pretty-printed: the first [`MAX_DECODED_LINES`] lines, and how many more
/// there are.
fn decode_token(token: &[u8], max_depth: usize) -> Option<(String, usize)> {
    let text = std::str::from_utf8(token).ok()?;
    let Ok(Value::String(inner)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let (value, _) = crate::layer::payload::decode_stringified(&inner, max_depth)?;
    pretty_first_lines(&value)
}

/// `value` pretty-printed: the first [`MAX_DECODED_LINES`] lines, and how
/// many more there are.
fn pretty_first_lines(value: &Value) -> Option<(String, usize)> {
    let mut kept = FirstLines::new(MAX_DECODED_LINES);
    serde_json::to_writer_pretty(&mut kept, value).ok()?;
    Some(kept.finish())
}

/// A writer that keeps the first lines written to it and counts the rest.
struct FirstLines {
    kept: Vec<u8>,
    /// Line breaks still to keep; at 0 the rest is only counted.
    breaks_left: usize,
    /// Line breaks past the kept lines.
    breaks_past: usize,
    /// Whether anything came past the kept lines.
    past: bool,
}

impl FirstLines {
    fn new(lines: usize) -> Self {
        FirstLines {
            kept: Vec::new(),
            breaks_left: lines,
            breaks_past: 0,
            past: false,
        }
    }

    /// The kept lines (without the break after the last of them), and how
    /// many lines were left out.
    fn finish(self) -> (String, usize) {
        // Cut only at a line break, which is never inside a character.
        let text = String::from_utf8(self.kept)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
        let lines_past = if self.past { self.breaks_past + 1 } else { 0 };
        (text, lines_past)
    }
}

impl std::io::Write for FirstLines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut rest = bytes;
        while self.breaks_left > 0 {
            match memchr::memchr(b'\n', rest) {
                Some(at) => {
                    self.breaks_left -= 1;
                    let end = if self.breaks_left == 0 { at } else { at + 1 };
                    self.kept.extend_from_slice(&rest[..end]);
                    rest = &rest[at + 1..];
                }
                None => {
                    self.kept.extend_from_slice(rest);
                    return Ok(bytes.len());
                }
            }
        }
        self.past |= !rest.is_empty();
        self.breaks_past += memchr::memchr_iter(b'\n', rest).count();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many bytes the token at `offset` covers: a whole string, a number or
/// word, or one byte; nothing at the end of the input.
pub fn extent(body: &[u8], offset: usize) -> usize {
    let Some(&first) = body.get(offset) else {
        return 0;
    };
    if first == b'"' || first == b'\'' {
        return crate::secret::string_end(body, offset, first) - offset;
    }
    if first == b'{' || first == b'[' || first == b'<' {
        return 1;
    }
    let length = body[offset..]
        .iter()
        .take_while(|&&b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
        .count();
    length.max(1).min(body.len() - offset)
}

/// How many bytes the value at each of `offsets` covers: a string, number
/// or word as [`extent`] reads it, an object or array up to and with its
/// closing bracket (1 when it never closes). The containers are found in one
/// pass over the body from the first of them, however many there are.
pub fn value_extents(body: &[u8], offsets: &[usize]) -> Vec<usize> {
    let mut opens: Vec<usize> = offsets
        .iter()
        .copied()
        .filter(|&offset| matches!(body.get(offset), Some(b'{' | b'[')))
        .collect();
    opens.sort_unstable();
    opens.dedup();
    let closes = closing_brackets(body, &opens);
    offsets
        .iter()
        .map(|&offset| match opens.binary_search(&offset) {
            Ok(index) => closes[index].map_or(1, |close| close + 1 - offset),
            Err(_) => extent(body, offset),
        })
        .collect()
}

/// The offset of the bracket that closes each of the sorted `opens`, read
/// past strings (either quote) and the comments lenient JSON allows.
fn closing_brackets(body: &[u8], opens: &[usize]) -> Vec<Option<usize>> {
    let mut closes = vec![None; opens.len()];
    let Some(&first) = opens.first() else {
        return closes;
    };
    let mut left = opens.len();
    // The offsets of the brackets open at `at`.
    let mut stack: Vec<usize> = Vec::new();
    let mut at = first;
    while at < body.len() && left > 0 {
        match body[at] {
            quote @ (b'"' | b'\'') => {
                at = crate::secret::string_end(body, at, quote);
                continue;
            }
            b'/' if body.get(at + 1) == Some(&b'/') => {
                at += body[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(body.len() - at);
                continue;
            }
            b'/' if body.get(at + 1) == Some(&b'*') => {
                at += body[at + 2..]
                    .windows(2)
                    .position(|pair| pair == b"*/")
                    .map_or(body.len() - at, |end| end + 4);
                continue;
            }
            b'{' | b'[' => stack.push(at),
            b'}' | b']' => {
                // A bracket that closes what began before the first wanted
                // value leaves the stack empty: nothing to match.
                if let Some(open) = stack.pop()
                    && let Ok(index) = opens.binary_search(&open)
                {
                    closes[index] = Some(at);
                    left -= 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    closes
}

/// A body that is a quoted token, whole or not (cut off, a bad escape
/// after it): the token's characters, which P02 masks only when the body
/// parses.
fn quoted_token(body: &[u8]) -> Option<Range<usize>> {
    let quote = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[quote] != b'"' {
        return None;
    }
    let start = quote + 1;
    let length = body[start..]
        .iter()
        .take_while(|&&b| transport::is_token_byte(b))
        .count();
    transport::looks_like_token(&body[start..start + length]).then_some(start..start + length)
}

/// Byte ranges of secret values in the body: a bare string payload (P02),
/// the values of the fields the profile marks `x-dapa-secret` where the
/// analysis found them, whatever follows a secret key in the text, and
/// credentials (JWTs, tokens after `Bearer`) wherever they stand.
fn secret_spans(analysis: &Analysis) -> Vec<Range<usize>> {
    let body = &analysis.body[..];
    let mut spans = Vec::new();
    for finding in &analysis.record.findings {
        if finding.code == Code::P02
            && let Some(offset) = finding.offset
        {
            // A raw token runs to the end of the body, with the scheme
            // before it (`Bearer eyJ...`); a quoted one to its quote.
            let end = match body.get(offset) {
                Some(b'"' | b'\'') => offset + extent(body, offset),
                _ => body.trim_ascii_end().len().max(offset),
            };
            spans.push(offset..end);
        }
    }
    if let Some(document) = &analysis.document {
        secret_values(body, document, &analysis.secret_pointers(), &mut spans);
    }
    // What lies under a secret key is masked in the text too: every
    // copy of a repeated key, and bodies that do not parse at all.
    if let Some(profile) = &analysis.profile {
        // A payload secret as a whole (a secure action's) that did not parse
        // has no values to find: all of it is masked.
        if profile.schema.shape.holds_secret_text() && analysis.document.is_none() {
            spans.push(0..body.len());
        }
        // A mark the shape could not place may name any value: all of the
        // text is masked. So is a body in another encoding (UTF-16, UTF-32:
        // a zero byte between characters) that did not parse, where no key
        // reads as its name.
        let other_encoding = analysis.document.is_none() && memchr::memchr(0, body).is_some();
        if profile.schema.secrets_unplaced || (profile.schema.secrets && other_encoding) {
            spans.push(0..body.len());
        }
        let keys = &profile.schema.secret_keys;
        // A secret under a key the schema does not name cannot be found in
        // text the document does not hold: a body that does not parse, or
        // the first copy of a repeated key.
        if keys.unnamed && (analysis.document.is_none() || analysis.record.has(Code::S07)) {
            spans.push(0..body.len());
        }
        let under_keys = crate::secret::values_under_keys(body, &keys.names);
        // In a body that does not parse, a secret's value may run on past
        // where it seems to end (a quote inside a password ends the string
        // early): everything from the first secret key's value on is masked.
        if analysis.document.is_none()
            && let Some(first) = under_keys.iter().map(|span| span.start).min()
        {
            spans.push(first..body.len());
        }
        spans.extend(under_keys);
    }
    spans.extend(quoted_token(body));
    // Credentials are masked wherever they stand, as in reports' quotes.
    spans.extend(crate::secret::credential_spans(body));
    spans.extend(crate::secret::credential_values(body));
    spans
}

/// The spans of the values at `pointers` in the text of `document`; a
/// pointer into a stringified string gives the whole string.
fn secret_values(
    body: &[u8],
    document: &Document,
    pointers: &[String],
    spans: &mut Vec<Range<usize>>,
) {
    if pointers.is_empty() {
        return;
    }
    let Ok(text) = std::str::from_utf8(&body[document.text.clone()]) else {
        return;
    };
    let start = document.text.start;
    if document.stringified_root {
        let first = text.len() - text.trim_start().len();
        spans.push(start + first..body.len());
        return;
    }
    let options = ParseOptions {
        max_depth: document.max_depth,
        lenient: document.lenient,
    };
    let borrowed: Vec<&str> = pointers.iter().map(String::as_str).collect();
    let offsets: Vec<usize> = json::locate(text, options, &borrowed)
        .into_iter()
        .flatten()
        .map(|offset| offset + start)
        .collect();
    // A secret object or array (a secure action marks its whole payload)
    // is masked to its closing bracket, not just its opening one.
    let extents = value_extents(body, &offsets);
    spans.extend(
        offsets
            .iter()
            .zip(extents)
            .map(|(&offset, length)| offset..offset + length),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::analyze;
    use crate::capture::Meta;
    use crate::profile::{EnvelopeKind, Profile, Profiles, Schema, Semantic, Target};
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn first_lines_keeps_the_lines_asked_for_and_counts_the_rest() {
        use std::io::Write;
        let lines: Vec<String> = (1..=7).map(|n| format!("line {n} é")).collect();
        let text = lines.join("\n");
        for chunk in [1, 2, 5, 1000] {
            let mut kept = FirstLines::new(3);
            text.as_bytes()
                .chunks(chunk)
                .for_each(|part| kept.write_all(part).unwrap());
            assert_eq!(
                kept.finish(),
                (lines[..3].join("\n"), 4),
                "chunks of {chunk}"
            );
        }
        let mut whole = FirstLines::new(3);
        whole.write_all(b"a\nb").unwrap();
        assert_eq!(whole.finish(), ("a\nb".to_owned(), 0));
        let mut exact = FirstLines::new(2);
        exact.write_all(b"a\nb\n").unwrap();
        assert_eq!(exact.finish(), ("a\nb".to_owned(), 0));
    }

    #[test]
    fn a_huge_stringified_field_is_decoded_to_its_first_lines() {
        let inner = format!("[{}0]", "0,".repeat(100_000));
        let token = serde_json::to_string(&inner).unwrap();
        let (text, left_out) = decode_token(token.as_bytes(), 128).unwrap();
        assert_eq!(text.lines().count(), MAX_DECODED_LINES);
        // `[`, 100,001 items, `]`: one line each.
        assert_eq!(left_out, 100_003 - MAX_DECODED_LINES);
    }

    /// Options that check every payload against `schema`.
    fn with_schema(schema: &Value) -> AnalyzeOptions {
        let profile = Profile {
            name: "test".into(),
            envelope: EnvelopeKind::Execute,
            target: Target::Payload,
            semantic: Semantic::None,
            schema: Schema::compile("test", schema).unwrap(),
            lint: None,
        };
        AnalyzeOptions {
            profiles: Profiles {
                forced: Some(Arc::new(profile)),
                ..Profiles::default()
            },
            ..AnalyzeOptions::default()
        }
    }

    fn capture(body: &str) -> Capture {
        Capture::from_bytes("t", body.as_bytes().to_vec(), None, 1 << 20)
    }

    #[test]
    fn explain_masks_what_the_scan_analysis_marks_secret() {
        // Secret by position (array items), not by a key name: only the
        // analysis's pointers find it, inside a string decoded twice.
        let options = with_schema(&json!({"properties": {"outer": {"properties": {
            "list": {"items": {"x-dapa-secret": true}}}}}}));
        let once = serde_json::to_string(&json!({"list": ["k3y-one", 7]})).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        let body = serde_json::to_string(&json!({"outer": twice, "other": "plain"})).unwrap();
        let analysis = Analysis::of(capture(&body), &options);
        assert_eq!(
            analysis.secret_pointers(),
            ["/outer/list/0", "/outer/list/1"]
        );
        // The record of the scan is the record explain shows.
        let explained = explain(capture(&body), &options);
        assert_eq!(explained.record, analyze(capture(&body), &options));
        assert_eq!(explained.record, analysis.record);
        assert!(!explained.body.contains("k3y"), "{}", explained.body);
        assert!(explained.body.contains("\"plain\""), "{}", explained.body);
        assert_eq!(explained.body.len(), body.len());
    }

    #[test]
    fn a_body_refused_after_parsing_keeps_its_secrets_masked() {
        let options =
            with_schema(&json!({"properties": {"list": {"items": {"x-dapa-secret": true}}}}));
        // Cut inside a character after the JSON ends: T03, no layer after it.
        let body = b"{\"list\":[\"s3cret\"]}\xf0\x9f".to_vec();
        let explained = explain(Capture::from_bytes("t", body, None, 1 << 20), &options);
        let codes: Vec<_> = explained.record.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, [crate::Code::T03]);
        assert!(!explained.body.contains("s3cret"), "{}", explained.body);
    }

    #[test]
    fn explain_reads_the_body_with_the_analysis_depth_limit() {
        // A secret nested deeper than the default limit of 128, under
        // `--max-depth 200`: the body parses, and its secret is found.
        let levels = 150;
        let mut schema = json!({"x-dapa-secret": true});
        for _ in 0..levels {
            schema = json!({ "items": schema });
        }
        let mut options = with_schema(&schema);
        let body = format!(
            "{}\"deep-s3cret\"{}",
            "[".repeat(levels),
            "]".repeat(levels)
        );
        let shallow = explain(capture(&body), &options);
        assert_eq!(shallow.record.findings[0].code, crate::Code::S06);
        options.max_depth = 200;
        let analysis = Analysis::of(capture(&body), &options);
        assert_eq!(analysis.secret_pointers(), ["/0".repeat(levels)]);
        let deep = explain(capture(&body), &options);
        assert!(
            deep.record.findings.is_empty(),
            "{:?}",
            deep.record.findings
        );
        assert!(!deep.body.contains("s3cret"), "{}", deep.body);
    }

    #[test]
    fn value_extents_cover_whole_containers() {
        let body = br#"{"a": [1, "]", {"b": 'x}'}], /* ] */ "c": {}, "n": 12}"#;
        let at = |needle: &str| {
            body.windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap()
        };
        let list = at("[1");
        let inner = at("{\"b");
        let empty = at("{}");
        let number = at("12");
        assert_eq!(
            value_extents(body, &[0, list, inner, empty, number, list]),
            [
                body.len(),
                at("], /*") + 1 - list,
                at("}], /*") + 1 - inner,
                2,
                2,
                at("], /*") + 1 - list
            ]
        );
        // Never closed (a cut-off body): the bracket alone.
        assert_eq!(value_extents(b"[[1]", &[0, 1]), [1, 3]);
    }

    #[test]
    fn extents() {
        let body = br#"{"a": "x\"y", "n": 12.5, "t": true}"#;
        assert_eq!(extent(body, 6), 6);
        assert_eq!(extent(body, 19), 4);
        assert_eq!(extent(body, 30), 4);
        assert_eq!(extent(body, 0), 1);
        assert_eq!(extent(body, body.len()), 0);
    }

    #[test]
    fn stringified_fields_are_shown_decoded() {
        let body = br#"{"profile":"{\"firstname\":\"Ann\",\"memories\":[1]}"}"#;
        let capture = Capture::from_bytes("t", body.to_vec(), None, 1 << 20);
        let explained = explain(capture, &AnalyzeOptions::default());
        assert_eq!(explained.decoded.len(), 1);
        let decoded = &explained.decoded[0].1;
        assert!(
            decoded.text.contains("\"firstname\": \"Ann\""),
            "{}",
            decoded.text
        );
    }

    #[test]
    fn secrets_are_masked_in_the_body() {
        let body = br#"{"result":{"token":"s3cr3t-token-value","expiresAt":1800000000,"userId":"u"},"errors":[]}"#;
        let capture = Capture::from_bytes("t", body.to_vec(), Some(Meta::default()), 1 << 20);
        let options = AnalyzeOptions {
            profiles: Profiles {
                forced: Some(Arc::new(Profile::builtin("cognigy-token").unwrap())),
                ..Profiles::default()
            },
            ..AnalyzeOptions::default()
        };
        let explained = explain(capture, &options);
        assert!(!explained.body.contains("s3cr3t"), "{}", explained.body);
        assert_eq!(explained.body.len(), body.len());
        assert!(explained.body.contains("\"userId\":\"u\""));
    }
}

//! `dapa explain`: one capture, layer by layer, with the exact bytes of each
//! finding. The binary renders it as miette diagnostics; this module only
//! works out what to show: the body with its secrets masked, and a span per
//! finding.

use crate::analyze::{AnalyzeOptions, analyze};
use crate::capture::Capture;
use crate::finding::Layer;
use crate::json::{self, ParseOptions, push_pointer};
use crate::layer::{envelope, syntax, transport};
use crate::record::{CaptureRecord, FindingRecord};
use crate::schema::shape::Shape;
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
}

/// A stringified field, decoded, with the spans of the findings inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded JSON, pretty-printed.
    pub text: String,
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

/// Every layer, in the order the analysis runs them.
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
    let raw = capture.body.clone();
    let profile = options
        .profiles
        .for_capture(&capture.source, capture.meta.action_id.as_deref())
        .cloned();
    let meta = capture.meta.clone();
    let record = analyze(capture, options);
    let mut masked = raw.clone();
    if !options.show_secrets {
        let shape = profile.as_ref().map(|p| &p.schema.shape);
        let envelope = profile.as_ref().map(|p| p.envelope);
        let mut secret_spans = secrets(&raw, &meta, shape, envelope, &record);
        // What lies under a secret key is masked in the text too: every
        // copy of a repeated key, and bodies that do not parse at all.
        if let Some(shape) = shape {
            let names = crate::secret::secret_names(shape);
            secret_spans.extend(crate::secret::values_under_keys(&raw, &names));
        }
        secret_spans.extend(quoted_token(&raw));
        for span in secret_spans {
            for byte in &mut masked[span] {
                // Keep UTF-8 continuation structure simple: every byte becomes '*'.
                *byte = b'*';
            }
        }
    }
    let body = String::from_utf8_lossy(&masked).into_owned();
    let spans: Vec<(FindingRecord, Option<Range<usize>>)> = record
        .findings
        .iter()
        .map(|finding| {
            // A cut-off body ends where the finding points: underline its last byte.
            let span = finding.offset.map(|offset| match extent(&raw, offset) {
                0 if offset > 0 => offset - 1..offset,
                length => offset..offset + length,
            });
            (finding.clone(), span)
        })
        .collect();
    let decoded = spans
        .iter()
        .enumerate()
        .filter(|(_, (finding, _))| finding.code == crate::Code::P01)
        // From the masked body: a string that holds a secret is masked whole,
        // so it is not decoded either.
        .filter_map(|(index, (finding, span))| {
            let token = body.as_bytes().get(span.clone()?)?;
            let text = decode_token(token)?;
            let pointer = finding.pointer.as_deref().unwrap_or_default();
            let labels = inner_labels(&text, pointer, &spans);
            Some((index, Decoded { text, labels }))
        })
        .collect();
    Explanation {
        record,
        body,
        spans,
        decoded,
    }
}

/// Spans in the decoded text of the findings whose pointers lead inside the
/// stringified field at `pointer`.
fn inner_labels(
    text: &str,
    pointer: &str,
    spans: &[(FindingRecord, Option<Range<usize>>)],
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
    let offsets = json::locate(text, ParseOptions::default(), &relative);
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
/// pretty-printed.
fn decode_token(token: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(token).ok()?;
    let Ok(Value::String(inner)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let (value, _) = crate::layer::payload::decode_stringified(&inner, 128)?;
    serde_json::to_string_pretty(&value).ok()
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

/// Byte ranges of secret values in the body: a raw token body, and the
/// strings of fields the profile marks `x-dapa-secret`.
fn secrets(
    body: &[u8],
    meta: &crate::capture::Meta,
    shape: Option<&Shape>,
    expected: Option<crate::schema::EnvelopeKind>,
    record: &CaptureRecord,
) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    for finding in &record.findings {
        if finding.code == crate::Code::P02
            && let Some(offset) = finding.offset
        {
            spans.push(offset..offset + extent(body, offset));
        }
    }
    let Some(shape) = shape else {
        return spans;
    };
    let (_, parsed) = transport::check(body, meta);
    let transport::Body::Json { text, start, .. } = parsed else {
        return spans;
    };
    let outcome = syntax::check(text, 128);
    let Some(mut root) = outcome.value else {
        return spans;
    };
    // As the analysis does: a body that is stringified JSON is read decoded.
    let stringified_root = match &root {
        Value::String(text) => crate::layer::payload::decode_stringified(text, 128),
        _ => None,
    };
    let whole_body = stringified_root.is_some();
    if let Some((decoded, _)) = stringified_root {
        root = decoded;
    }
    // The envelope as the analysis saw it, with the profile's expectation.
    let base = envelope::check(&root, meta, expected).payload;
    let Some((base, payload)) =
        base.and_then(|pointer| root.pointer(&pointer).map(|value| (pointer, value)))
    else {
        return spans;
    };
    let mut pointers = Vec::new();
    collect_secrets(payload, Some(shape), &mut base.clone(), &mut pointers);
    if whole_body && !pointers.is_empty() {
        let first = text.len() - text.trim_start().len();
        spans.push(start + first..body.len());
        return spans;
    }
    let options = ParseOptions {
        max_depth: 128,
        lenient: outcome.lenient,
    };
    let borrowed: Vec<&str> = pointers.iter().map(String::as_str).collect();
    for offset in json::locate(text, options, &borrowed).into_iter().flatten() {
        let offset = offset + start;
        spans.push(offset..offset + extent(body, offset));
    }
    spans
}

fn collect_secrets(
    value: &Value,
    shape: Option<&Shape>,
    pointer: &mut String,
    found: &mut Vec<String>,
) {
    let Some(shape) = shape else {
        return;
    };
    if shape.secret {
        found.push(pointer.clone());
        return;
    }
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                let length = pointer.len();
                push_pointer(pointer, key);
                collect_secrets(child, shape.property(key), pointer, found);
                pointer.truncate(length);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = pointer.len();
                push_pointer(pointer, &index.to_string());
                collect_secrets(item, shape.items.as_deref(), pointer, found);
                pointer.truncate(length);
            }
        }
        // Stringified JSON holding a secret: the whole string is masked.
        Value::String(text) => {
            if let Some((decoded, _)) = crate::layer::payload::decode_stringified(text, 128) {
                let mut inside = Vec::new();
                collect_secrets(&decoded, Some(shape), &mut pointer.clone(), &mut inside);
                if !inside.is_empty() {
                    found.push(pointer.clone());
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Meta;
    use crate::schema::{Profile, Profiles};
    use std::sync::Arc;

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

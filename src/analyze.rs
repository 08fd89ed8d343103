//! One capture through every layer, in order, into its record.

use crate::capture::Capture;
use crate::finding::{Finding, line_column};
use crate::json::{self, ParseOptions};
use crate::layer::{envelope, payload, syntax, transport};
use crate::record::CaptureRecord;
use crate::verdict::verdict;
use serde_json::Value;

/// Settings of the analysis that do not depend on the capture.
#[derive(Debug, Clone, Copy)]
pub struct AnalyzeOptions {
    /// Deepest nesting accepted before S06.
    pub max_depth: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { max_depth: 128 }
    }
}

/// Run a capture through the transport, syntax, envelope and payload layers.
pub fn analyze(capture: Capture, options: &AnalyzeOptions) -> CaptureRecord {
    let Capture {
        source,
        body,
        meta,
        findings: read_findings,
        readable,
        notes,
        ..
    } = capture;
    let mut findings = read_findings;
    let mut lenient_failed = false;
    if readable {
        let (transport_findings, parsed_body) = transport::check(&body, &meta);
        findings.extend(transport_findings);
        findings.extend(envelope::check_status(&meta));
        lenient_failed = analyze_body(parsed_body, &meta, options, &mut findings);
    }
    for finding in &mut findings {
        if let Some(offset) = finding.location.offset {
            let (line, column) = line_column(&body, offset);
            finding.location.line = Some(line);
            finding.location.column = Some(column);
        }
    }
    // Transport first, then syntax, envelope, payload; stable within a layer.
    findings.sort_by_key(|finding| finding.code.layer());
    CaptureRecord {
        source,
        status: verdict(&findings, lenient_failed),
        http_status: meta.status,
        bytes: body.len() as u64,
        findings: findings.into_iter().map(Into::into).collect(),
        notes,
    }
}

/// The syntax, envelope and payload layers; returns whether S05's lenient
/// parse failed.
fn analyze_body(
    body: transport::Body<'_>,
    meta: &crate::capture::Meta,
    options: &AnalyzeOptions,
    findings: &mut Vec<Finding>,
) -> bool {
    let (text, start, mut root, lenient) = match body {
        transport::Body::Unusable => return false,
        transport::Body::RawToken { text, start } => {
            let mut token = Value::String(text.to_owned());
            let mut payload_findings = payload::check(&mut token, "", 0, options.max_depth);
            for finding in &mut payload_findings {
                finding.location.offset = Some(start);
            }
            findings.append(&mut payload_findings);
            return false;
        }
        transport::Body::Json { text, start } => {
            let outcome = syntax::check(text, options.max_depth);
            findings.extend(outcome.findings.into_iter().map(|mut finding| {
                finding.location.offset = finding.location.offset.map(|offset| offset + start);
                finding
            }));
            match outcome.value {
                Some(value) => (text, start, value, outcome.lenient),
                None => return outcome.lenient_failed,
            }
        }
    };
    let mut located: Vec<Finding> = Vec::new();
    if let Value::String(whole) = &root
        && let Some((decoded, levels)) = payload::decode_stringified(whole, options.max_depth)
    {
        located.push(payload::stringified_finding("", &decoded, levels));
        root = decoded;
    }
    let outcome = envelope::check(&root, meta);
    located.extend(outcome.findings);
    if let Some(pointer) = outcome.payload {
        let depth = json::split_pointer(&pointer).len();
        if let Some(value) = root.pointer_mut(&pointer) {
            located.extend(payload::check(value, &pointer, depth, options.max_depth));
        }
    }
    locate(text, start, lenient, options, &mut located);
    findings.append(&mut located);
    false
}

/// Give findings that carry only a pointer the byte offset of their value.
fn locate(
    text: &str,
    start: usize,
    lenient: bool,
    options: &AnalyzeOptions,
    findings: &mut [Finding],
) {
    let wanted: Vec<usize> = (0..findings.len())
        .filter(|&i| {
            findings[i].location.offset.is_none() && findings[i].location.pointer.is_some()
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let pointers: Vec<&str> = wanted
        .iter()
        .map(|&i| findings[i].location.pointer.as_deref().unwrap_or_default())
        .collect();
    let parse_options = ParseOptions {
        max_depth: options.max_depth,
        lenient,
    };
    let offsets = json::locate(text, parse_options, &pointers);
    for (index, offset) in wanted.into_iter().zip(offsets) {
        findings[index].location.offset = offset.map(|offset| offset + start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Meta;
    use crate::finding::Code;
    use crate::verdict::Status;

    fn run(body: &str, status: Option<u16>) -> CaptureRecord {
        let meta = Meta {
            status,
            ..Meta::default()
        };
        let capture = Capture::from_bytes("t", body.as_bytes().to_vec(), Some(meta), 1 << 20);
        analyze(capture, &AnalyzeOptions::default())
    }

    fn codes(record: &CaptureRecord) -> Vec<Code> {
        record.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn healthy_profile_is_ok() {
        let record = run(
            r#"{"_id":"5f1","active":true,"createdAt":1763630000}"#,
            Some(200),
        );
        assert_eq!((record.status, codes(&record)), (Status::Ok, vec![]));
    }

    #[test]
    fn stringified_field_is_located() {
        let record = run(
            "{\"result\":\"{\\\"token\\\":\\\"t\\\"}\",\"errors\":[]}",
            None,
        );
        assert_eq!(record.status, Status::Recovered);
        let finding = &record.findings[0];
        assert_eq!(finding.code, Code::P01);
        assert_eq!(finding.pointer.as_deref(), Some("/result"));
        assert_eq!((finding.line, finding.column), (Some(1), Some(11)));
    }

    #[test]
    fn stringified_root_is_decoded_before_the_envelope() {
        let body =
            serde_json::to_string(&r#"{"message":"m","code":"bad.request","status":400}"#).unwrap();
        let record = run(&body, Some(400));
        assert_eq!(codes(&record), [Code::T06, Code::E01, Code::P01]);
        assert_eq!(record.status, Status::Error);
    }

    #[test]
    fn edges() {
        assert_eq!(run("\u{feff}", None).status, Status::Empty);
        assert_eq!(run("   ", None).status, Status::Empty);
        assert_eq!(run("\"abc\"", None).status, Status::Recovered);
        assert_eq!(codes(&run("9007199254740993", None)), [Code::S08]);
        let deep = "[".repeat(100_000);
        assert_eq!(codes(&run(&deep, None)), [Code::S06]);
    }

    #[test]
    fn failed_lenient_parse_is_malformed() {
        let record = run("{'a': 'cut", None);
        assert_eq!(record.status, Status::Malformed);
        assert_eq!(codes(&record), [Code::S05, Code::S01]);
    }

    #[test]
    fn rate_limit_on_any_body() {
        let record = run("<html><title>429</title></html>", Some(429));
        assert_eq!(codes(&record), [Code::T06, Code::T04, Code::E03]);
        assert_eq!(record.status, Status::Malformed);
    }
}

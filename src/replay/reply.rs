//! The backend's raw reply in a capture, and the capture of an output.
//!
//! A capture is the reply itself (a file, an HTTP dump of the backend, a HAR
//! entry, a log line) or a test-mode trace, whose `Execute` step holds the
//! reply Genesys received.

use super::ReplayOutcome;
use crate::capture::Capture;
use crate::finding::Finding;
use crate::json::{self, ParseOptions};
use serde_json::Value;

/// The name of the trace step that holds the backend's reply.
const EXECUTE_STEP: &str = "Execute";

/// A reply ready to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct RawReply {
    /// The reply parsed.
    pub value: Value,
    /// Its text: `rawResult` in the template.
    pub text: String,
    /// Whether it came out of a test-mode trace.
    pub from_trace: bool,
}

/// The reply a capture holds, or why it holds none that Genesys would run
/// the translation map over. Unless `show_secrets`, the reason quotes no
/// text of a reply that is not JSON: a bare word there is most often a raw
/// token, which the scan of the same body masks (P02).
pub fn raw_reply(
    capture: &Capture,
    max_depth: usize,
    show_secrets: bool,
) -> Result<RawReply, String> {
    if let Some(status) = capture.meta.status.filter(|status| *status >= 400) {
        return Err(format!(
            "the backend answered HTTP {status}: Genesys fails the action with a remote \
             endpoint error before the translation map runs"
        ));
    }
    let body = capture
        .body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&capture.body);
    let text = std::str::from_utf8(body).map_err(|error| {
        format!(
            "the reply is not UTF-8 text (byte {}), so there is no JSON to apply the \
             translation map to",
            error.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err("the reply is empty: there is no JSON to apply the translation map to".into());
    }
    let parsed = json::parse(
        text,
        ParseOptions {
            max_depth,
            lenient: false,
        },
    )
    .map_err(|error| {
        let message = if show_secrets {
            error.message
        } else {
            crate::secret::unquoted_as(&error.message, "(not shown: it may be a secret)")
        };
        format!(
            "the reply is not JSON ({message} at byte {}): Genesys fails such a request \
             (\"Request to backend service failed\")",
            error.offset
        )
    })?;
    match trace_reply(&parsed.value) {
        None => Ok(RawReply {
            value: parsed.value,
            text: text.to_owned(),
            from_trace: false,
        }),
        Some(Ok(value)) => Ok(RawReply {
            text: value.to_string(),
            value: value.clone(),
            from_trace: true,
        }),
        Some(Err(reason)) => Err(reason),
    }
}

/// For a test-mode trace, the `result` of its `Execute` step, or why there
/// is none; `None` when the document is no trace.
fn trace_reply(document: &Value) -> Option<Result<&Value, String>> {
    let fields = document.as_object()?;
    let operations = fields.get("operations")?.as_array()?;
    fields.get("success")?.as_bool()?;
    let step = operations.iter().find(|operation| {
        operation
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|name| name.eq_ignore_ascii_case(EXECUTE_STEP))
    });
    Some(match step {
        None => Err(format!(
            "a test-mode trace without an {EXECUTE_STEP} step: the request failed before the \
             backend answered"
        )),
        Some(step) if step.get("success") == Some(&Value::Bool(false)) => Err(format!(
            "a test-mode trace whose {EXECUTE_STEP} step failed: the backend's reply did not \
             reach the translation map"
        )),
        Some(step) => match step.get("result") {
            None | Some(Value::Null) => Err(format!(
                "a test-mode trace whose {EXECUTE_STEP} step holds no result"
            )),
            Some(result) => Ok(result),
        },
    })
}

/// The capture as one that has no body to analyse, with `findings`.
pub(super) fn without_body(capture: Capture, findings: Vec<Finding>) -> Capture {
    Capture {
        findings,
        readable: false,
        body: Vec::new(),
        body_offset: None,
        header_lines: None,
        ..capture
    }
}

/// The output of a replay as a capture of its own: the reply's source and
/// capture time, the output as an `execute` body (no HTTP status nor
/// headers of the backend's), the replay findings.
pub(super) fn output_capture(capture: Capture, outcome: &ReplayOutcome) -> Capture {
    let mut meta = capture.meta.clone();
    meta.captured_at = capture.stated_time().map(|time| time.to_string());
    meta.status = None;
    meta.headers.clear();
    meta.cut_at_chunk_end = false;
    let findings = outcome.findings.clone();
    match &outcome.output {
        Some(output) => Capture {
            body: output.as_bytes().to_vec(),
            body_offset: None,
            header_lines: None,
            findings,
            meta,
            ..capture
        },
        None => without_body(Capture { meta, ..capture }, findings),
    }
}

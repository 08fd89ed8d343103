//! HAR exports (`.har`, optionally gzip): every entry's response is a
//! capture named `FILE#N`, with its status, headers and start time, and the
//! action id and endpoint when the request was a Data Action call.

use super::{Capture, Meta, read_whole};
use crate::finding::{Code, Finding};
use base64::Engine as _;
use serde_json::Value;
use std::path::Path;

/// Whether a file name is a HAR export (also gzip-compressed).
pub fn is_har_name(name: &str) -> bool {
    name.strip_suffix(".gz").unwrap_or(name).ends_with(".har")
}

/// The captures of a HAR file (also gzip-compressed), in entry order; a
/// file that cannot be read or is no HAR document is one finding. A HAR
/// holds many bodies: the file may be many times one capture's limit.
pub fn read_file(path: &Path, source: &str, max_bytes: u64) -> Result<Vec<Capture>, Finding> {
    let bytes = read_whole(path, max_bytes.saturating_mul(16))?;
    captures(source, &bytes, max_bytes).map_err(|e| Finding::new(Code::T08, e))
}

/// The captures of a HAR document, in entry order; an error when the bytes
/// are not a HAR document at all.
pub fn captures(source: &str, bytes: &[u8], max_bytes: u64) -> Result<Vec<Capture>, String> {
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a HAR document: {e}"))?;
    let Some(entries) = document.pointer("/log/entries").and_then(Value::as_array) else {
        return Err("not a HAR document: no log.entries".to_owned());
    };
    Ok(entries
        .iter()
        .enumerate()
        .map(|(index, entry)| capture(format!("{source}#{}", index + 1), entry, max_bytes))
        .collect())
}

fn capture(source: String, entry: &Value, max_bytes: u64) -> Capture {
    let response = &entry["response"];
    let mut meta = Meta {
        status: response["status"]
            .as_u64()
            .filter(|status| *status > 0)
            .and_then(|status| u16::try_from(status).ok()),
        captured_at: entry["startedDateTime"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.to_string()),
        ..Meta::default()
    };
    if let Some(headers) = response["headers"].as_array() {
        meta.headers = headers
            .iter()
            .filter_map(|h| {
                Some((
                    h["name"].as_str()?.to_ascii_lowercase(),
                    h["value"].as_str()?.to_owned(),
                ))
            })
            .collect();
    }
    if let Some(url) = entry["request"]["url"].as_str() {
        (meta.action_id, meta.endpoint) = data_action_of(url);
    }
    let content = &response["content"];
    let text = content["text"].as_str().unwrap_or("");
    let body = if content["encoding"].as_str() == Some("base64") {
        let packed: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(packed) {
            Ok(bytes) => bytes,
            Err(error) => {
                let mut capture = Capture::unreadable(
                    source,
                    Finding::new(
                        Code::T08,
                        format!("the base64 content cannot be decoded: {error}"),
                    ),
                );
                capture.meta = meta;
                return capture;
            }
        }
    } else {
        text.as_bytes().to_vec()
    };
    let mut capture = Capture::from_bytes(source, body, Some(meta), max_bytes);
    // The body came out of a JSON string: its offsets are the body's own,
    // not the file's.
    capture.body_offset = None;
    capture.header_lines = None;
    if content.get("text").is_none() {
        capture
            .notes
            .push("the HAR entry holds no response text (not recorded by the browser)".to_owned());
    }
    capture
}

/// The action id and endpoint of a Data Action URL.
fn data_action_of(url: &str) -> (Option<String>, Option<String>) {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some((_, rest)) = path.split_once("/api/v2/integrations/actions/") else {
        return (None, None);
    };
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let endpoint = match tail {
        "execute" => Some("execute"),
        "test" => Some("test"),
        "draft/test" => Some("draft-test"),
        _ => None,
    };
    (Some(id.to_owned()), endpoint.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_become_numbered_captures() {
        let har = serde_json::json!({"log": {"entries": [
            {"startedDateTime": "2026-11-20T09:12:03.120+01:00",
             "request": {"url": "https://api.mypurecloud.ie/api/v2/integrations/actions/custom_-_1/execute?flatten=true"},
             "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                          "content": {"text": "eyJhIjoxfQ==", "encoding": "base64"}}},
            {"request": {"url": "https://example.com/"},
             "response": {"status": 0, "content": {"text": "!!", "encoding": "base64"}}},
            {"response": {"status": 502, "content": {"text": "<html></html>"}}},
        ]}});
        let found = captures("x.har", har.to_string().as_bytes(), 1 << 20).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].source, "x.har#1");
        assert_eq!(found[0].body, br#"{"a":1}"#);
        assert_eq!(found[0].meta.status, Some(200));
        assert_eq!(
            found[0].meta.header("content-type"),
            Some("application/json")
        );
        assert_eq!(
            found[0].meta.captured_at.as_deref(),
            Some("2026-11-20T08:12:03.12Z")
        );
        assert_eq!(found[0].meta.action_id.as_deref(), Some("custom_-_1"));
        assert_eq!(found[0].meta.endpoint.as_deref(), Some("execute"));
        assert_eq!(found[1].findings[0].code, Code::T08);
        assert_eq!(found[1].meta.status, None);
        assert_eq!(found[2].body, b"<html></html>");
        assert!(captures("y.har", b"{\"log\":{}}", 100).is_err());
        assert!(captures("y.har", b"{\"log\":", 100).is_err());
    }
}

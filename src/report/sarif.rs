//! `--format sarif`: SARIF 2.1.0 for code scanning. One rule per finding
//! code, with its help text; one result per finding, the capture file as the
//! artifact and the value the finding points at as the region; a capture
//! inside a HAR export or a log is named as a logical location. Results are
//! written as the captures come, so the corpus is never held.

use super::Report;
use dapa::baseline::Regression;
use dapa::capture::Source;
use dapa::{CaptureRecord, Code, FindingRecord, Severity, Summary};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;
use std::io::{self, Write};

/// SARIF 2.1.0.
pub struct Sarif {
    written: u64,
}

impl Sarif {
    /// A new report.
    pub fn new() -> Self {
        Sarif { written: 0 }
    }
}

/// `tool.driver.informationUri`, which SARIF wants absolute: the package's
/// `homepage` in Cargo.toml. The project has no public address yet, so it
/// is empty and the property is left out until one is set there.
const INFORMATION_URI: &str = env!("CARGO_PKG_HOMEPAGE");

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// What stays as it is of a path in a URI: RFC 3986's unreserved characters
/// and the `/` between segments. The rest (spaces, `#`, `%`, `?`, `:`,
/// non-ASCII as UTF-8) is percent-encoded.
const PATH_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A capture file's `artifactLocation.uri`: an absolute path as a `file://`
/// URI, a relative one as a relative URI reference.
fn artifact_uri(path: &str) -> String {
    let encoded = utf8_percent_encode(path, PATH_KEPT);
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded.to_string()
    }
}

fn rules() -> Vec<serde_json::Value> {
    Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": {"text": code.name()},
                "fullDescription": {"text": code.help()},
                "help": {"text": format!("{} ({} layer): {}", code.name(), code.layer().as_str(), code.help())},
                "defaultConfiguration": {"level": level(code.severity())},
                "properties": {"layer": code.layer().as_str()}
            })
        })
        .collect()
}

/// Where in the artifact a finding is: the value it points at, as lines and
/// columns of the file. Lines in the body are lines in the file after an
/// HTTP dump's headers or before a log's line; a compressed file, or a body
/// taken out of a HAR entry or a log line's field, has no such lines, but
/// a line of a plain log is still that line.
fn region(record: &CaptureRecord, finding: &FindingRecord) -> Option<serde_json::Value> {
    if let (Some(line), Some(column), Some(header_lines)) =
        (finding.line, finding.column, record.header_lines)
    {
        let mut region = json!({"startLine": line + header_lines, "startColumn": column});
        if let (Some(end_line), Some(end_column)) = (finding.end_line, finding.end_column) {
            region["endLine"] = json!(end_line + header_lines);
            region["endColumn"] = json!(end_column);
        }
        return Some(region);
    }
    match &record.source {
        Source::LogLine { file, line } if !file.ends_with(".gz") => {
            Some(json!({"startLine": line}))
        }
        _ => None,
    }
}

/// The logical location of a capture that is part of its file (a HAR
/// entry, a log line), and the words that name it after a message.
fn container(source: &Source) -> (Option<serde_json::Value>, String) {
    match source {
        Source::HarEntry { entry, .. } => (
            Some(
                json!({"name": format!("entry {entry}"), "fullyQualifiedName": source.to_string(), "kind": "element"}),
            ),
            format!(" (HAR entry {entry})"),
        ),
        Source::LogLine { line, .. } => (
            Some(
                json!({"name": format!("line {line}"), "fullyQualifiedName": source.to_string(), "kind": "element"}),
            ),
            format!(" (log line {line})"),
        ),
        Source::File(_) | Source::Stdin => (None, String::new()),
    }
}

impl Report for Sarif {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut driver = json!({
            "name": "dapa",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules(),
        });
        if !INFORMATION_URI.is_empty() {
            driver["informationUri"] = json!(INFORMATION_URI);
        }
        // Columns count characters (code points), as every dapa format does;
        // SARIF readers otherwise may count UTF-16 code units.
        write!(
            out,
            "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{}}},\"columnKind\":\"unicodeCodePoints\",\"results\":[",
            serde_json::to_string(&driver)?
        )
    }

    fn record(&mut self, out: &mut dyn Write, record: &CaptureRecord) -> io::Result<()> {
        let uri = record
            .source
            .file()
            .map_or_else(|| "stdin".to_owned(), artifact_uri);
        // The entry or line the capture is, named in each result's message.
        let (container, within) = container(&record.source);
        for finding in &record.findings {
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": uri}}});
            if let Some(region) = region(record, finding) {
                location["physicalLocation"]["region"] = region;
            }
            let mut logical: Vec<serde_json::Value> = container.iter().cloned().collect();
            if let Some(pointer) = &finding.pointer {
                logical.push(json!({"fullyQualifiedName": pointer, "kind": "member"}));
            }
            if !logical.is_empty() {
                location["logicalLocations"] = json!(logical);
            }
            let index = Code::ALL
                .iter()
                .position(|code| *code == finding.code)
                .unwrap_or(0);
            let result = json!({
                "ruleId": finding.code.as_str(),
                "ruleIndex": index,
                "level": level(finding.severity),
                "message": {"text": format!("{} {}: {}{within}", finding.code, finding.name, finding.message)},
                "locations": [location],
                // Findings of one signature are one failure to code scanning.
                "partialFingerprints": {
                    "dapaSignature/v1": dapa::signature::id(finding.code, &finding.signature)
                },
                "properties": {"status": record.status.as_str(), "layer": finding.layer.as_str()}
            });
            if self.written > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &result)?;
            self.written += 1;
        }
        Ok(())
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        _summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        let notifications: Vec<serde_json::Value> = regressions
            .iter()
            .map(|regression| {
                json!({
                    "level": "error",
                    "message": {"text": format!("baseline regression ({}): {}; example {}", regression.kind, regression.message, regression.example)}
                })
            })
            .collect();
        let invocation = json!({
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        });
        writeln!(
            out,
            "],\"invocations\":[{}]}}]}}",
            serde_json::to_string(&invocation)?
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_valid_uris() {
        assert_eq!(artifact_uri("samples/a-b_c~d.json"), "samples/a-b_c~d.json");
        assert_eq!(
            artifact_uri("dir/a b#1%?é:x.json"),
            "dir/a%20b%231%25%3F%C3%A9%3Ax.json"
        );
        assert_eq!(artifact_uri("/tmp/x y.har"), "file:///tmp/x%20y.har");
    }
}

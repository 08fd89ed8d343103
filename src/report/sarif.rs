//! `--format sarif`: SARIF 2.1.0 for code scanning. One rule per finding
//! code, with its advice (summary, causes, how to confirm and how to fix);
//! one result per finding, the capture file as the artifact and the value
//! the finding points at as the region; a capture
//! inside a HAR export or a log is named as a logical location. Results are
//! written as the captures come, so the corpus is never held.

use super::{Report, code_reference_uri};
use dapa::advice::{Advice, advice};
use dapa::baseline::Regression;
use dapa::capture::Source;
use dapa::capture::source::path_bytes;
use dapa::{CaptureRecord, Code, FindingRecord, Severity, Summary};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
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
/// is empty and the property is left out until one is set there; so is
/// each rule's `helpUri`.
const INFORMATION_URI: &str = super::HOMEPAGE;

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
    // The file's own bytes, which a name that is not UTF-8 shows escaped.
    let bytes = path_bytes(path);
    let encoded = percent_encode(&bytes, PATH_KEPT);
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
            let advice = advice(*code);
            let mut rule = json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": {"text": advice.summary},
                "fullDescription": {"text": full_description(advice)},
                "help": {"text": help_text(advice), "markdown": help_markdown(advice)},
                "defaultConfiguration": {"level": level(code.severity())},
                "properties": {"layer": code.layer().as_str()}
            });
            if let Some(uri) = code_reference_uri(*code) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect()
}

/// A rule's `fullDescription`: the summary and the usual causes.
fn full_description(advice: &Advice) -> String {
    if advice.causes.is_empty() {
        return advice.summary.to_owned();
    }
    format!(
        "{} Usual causes: {}",
        advice.summary,
        advice.causes.join(" ")
    )
}

/// The parts of the advice after its summary, each with its heading.
fn advice_parts(advice: &Advice) -> [(&'static str, &'static [&'static str]); 3] {
    [
        ("Usual causes", advice.causes),
        ("How to confirm", advice.confirm),
        ("How to fix", advice.fix),
    ]
}

/// The summary, then each part that has lines as a list under its
/// heading, as `heading` writes it.
fn advice_text(summary: &str, parts: &[(&str, &[&str])], heading: fn(&str) -> String) -> String {
    let mut text = summary.to_owned();
    for (name, lines) in parts {
        if lines.is_empty() {
            continue;
        }
        text.push_str("\n\n");
        text.push_str(&heading(name));
        for line in *lines {
            text.push_str(&format!("\n- {line}"));
        }
    }
    text
}

/// How `help.text` heads a part.
fn text_heading(name: &str) -> String {
    format!("{name}:")
}

/// How `help.markdown` heads a part.
fn markdown_heading(name: &str) -> String {
    format!("**{name}**\n")
}

/// A rule's `help.text`.
fn help_text(advice: &Advice) -> String {
    advice_text(advice.summary, &advice_parts(advice), text_heading)
}

/// A rule's `help.markdown`, which code scanning shows, with the link to
/// the code's section of the codes reference when there is an address for
/// it. The advice is dapa's own text, written as the codes reference's
/// Markdown, so it goes in as it is.
fn help_markdown(advice: &Advice) -> String {
    let mut markdown = advice_text(advice.summary, &advice_parts(advice), markdown_heading);
    if let Some(uri) = code_reference_uri(advice.code) {
        markdown.push_str(&format!(
            "\n\nSee [{} {} in the codes reference]({uri}).",
            advice.code,
            advice.code.name()
        ));
    }
    markdown
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
    fn rule_help_lists_each_part_under_its_heading() {
        let parts: [(&str, &[&str]); 3] = [
            ("Usual causes", &["A.", "B."]),
            ("How to confirm", &[]),
            ("How to fix", &["C."]),
        ];
        assert_eq!(
            advice_text("S.", &parts, text_heading),
            "S.\n\nUsual causes:\n- A.\n- B.\n\nHow to fix:\n- C."
        );
        assert_eq!(
            advice_text("S.", &parts, markdown_heading),
            "S.\n\n**Usual causes**\n\n- A.\n- B.\n\n**How to fix**\n\n- C."
        );
    }

    #[test]
    fn artifact_uris_are_valid_uris() {
        assert_eq!(artifact_uri("samples/a-b_c~d.json"), "samples/a-b_c~d.json");
        assert_eq!(
            artifact_uri("dir/a b#1%?é:x.json"),
            "dir/a%20b%231%25%3F%C3%A9%3Ax.json"
        );
        assert_eq!(artifact_uri("/tmp/x y.har"), "file:///tmp/x%20y.har");
        // A name that is not UTF-8 is shown escaped; its URI has its bytes.
        assert_eq!(artifact_uri(r"d/a\xFE\\.json"), "d/a%FE%5C.json");
    }
}

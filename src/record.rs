//! The per-capture record: what `--format jsonl` writes, one line each.

use crate::capture::Source;
use crate::finding::{Code, Finding, Layer, Severity};
use crate::layer::drift::Observations;
use crate::verdict::Status;
use serde::Serialize;

/// One finding as it appears in output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRecord {
    /// The stable code, e.g. `P01`.
    pub code: Code,
    /// The kebab-case name, e.g. `stringified-json`.
    pub name: &'static str,
    /// The layer that found it.
    pub layer: Layer,
    /// Its severity.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// JSON pointer into the decoded document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Byte offset into the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// 1-based line in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the body, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// 1-based line where the value a pointer names ends (SARIF regions;
    /// not written in JSON).
    #[serde(skip)]
    pub end_line: Option<usize>,
    /// 1-based column just after that value's last character, in characters.
    #[serde(skip)]
    pub end_column: Option<usize>,
    /// The signature key that groups it with findings of the same failure
    /// (for the summary and SARIF; not written per record).
    #[serde(skip)]
    pub signature: String,
}

impl From<Finding> for FindingRecord {
    fn from(finding: Finding) -> Self {
        let signature = crate::signature::key(
            finding.code,
            &finding.message,
            finding.location.pointer.as_deref(),
            finding.signature_detail.as_deref(),
        );
        FindingRecord {
            signature,
            code: finding.code,
            name: finding.code.name(),
            layer: finding.code.layer(),
            severity: finding.code.severity(),
            message: finding.message,
            pointer: finding.location.pointer,
            offset: finding.location.offset,
            line: finding.location.line,
            column: finding.location.column,
            end_line: finding.location.end_line,
            end_column: finding.location.end_column,
        }
    }
}

/// Everything dapa says about one capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureRecord {
    /// Where the capture came from.
    pub source: Source,
    /// Its verdict.
    pub status: Status,
    /// The recorded HTTP status, if known.
    pub http_status: Option<u16>,
    /// When it was captured, as the capture states it (seconds since the
    /// epoch, written as RFC 3339).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timeline::serialize_time"
    )]
    pub captured_at: Option<i64>,
    /// Size of the body in bytes.
    pub bytes: u64,
    /// The profile the capture was checked against, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<std::sync::Arc<str>>,
    /// Findings, transport first.
    pub findings: Vec<FindingRecord>,
    /// Remarks on reading the capture that are not findings (a broken sidecar).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Field paths and their observed types, for the drift table (not written
    /// per record).
    #[serde(skip)]
    pub observations: Observations,
    /// Lines before the body in the capture file, when lines in the body
    /// are lines in the file plus this (not for compressed files).
    #[serde(skip)]
    pub header_lines: Option<usize>,
    /// Values of enum-like fields, by path (for baselines; not written per record).
    #[serde(skip)]
    pub enum_values: Vec<(String, String)>,
    /// What `dapa replay` did with the reply: each variable's resolution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<crate::replay::ReplayRecord>,
    /// The decoded payload, kept only when asked for (`dapa infer`).
    #[serde(skip)]
    pub payload: Option<KeptPayload>,
    /// The lint of the definition whose profile checked the capture: the
    /// summary lists each definition that checked one (not written per
    /// record). Known by the definition itself, not its profile's name,
    /// which two copies of one definition in two folders share.
    #[serde(skip)]
    pub definition: Option<std::sync::Arc<crate::lint::DefinitionLint>>,
}

/// A capture's decoded payload, kept for `dapa infer`, and the profile
/// whose `x-dapa-secret` marks (or `secure` definition) say which of its
/// values are secret: what infer must never write into a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptPayload {
    /// The payload, stringified JSON decoded.
    pub value: serde_json::Value,
    /// The profile that marks secrets in it, if any does.
    pub secrets: Option<SecretMarks>,
}

/// A profile that marks secrets; two are equal when they are the same
/// profile (a profile is compiled once and shared).
#[derive(Debug, Clone)]
pub struct SecretMarks(pub std::sync::Arc<crate::profile::Profile>);

impl PartialEq for SecretMarks {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SecretMarks {}

impl SecretMarks {
    /// The marks of `profile`, when it marks any value secret.
    pub fn of(profile: &std::sync::Arc<crate::profile::Profile>) -> Option<SecretMarks> {
        profile
            .schema
            .secrets
            .then(|| SecretMarks(std::sync::Arc::clone(profile)))
    }
}

impl CaptureRecord {
    /// Whether any finding has this code.
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|finding| finding.code == code)
    }

    /// A record of `source` with `status` and a finding of each of `codes`,
    /// nothing else, for the tests of what is made of records.
    #[cfg(test)]
    pub(crate) fn example(source: &str, status: Status, codes: &[Code]) -> CaptureRecord {
        CaptureRecord {
            source: source.into(),
            status,
            http_status: None,
            captured_at: None,
            bytes: 10,
            findings: codes.iter().map(|&c| Finding::new(c, "m").into()).collect(),
            notes: Vec::new(),
            profile: None,
            observations: Default::default(),
            enum_values: Vec::new(),
            header_lines: None,
            payload: None,
            replay: None,
            definition: None,
        }
    }
}

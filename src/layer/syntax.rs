//! The syntax layer: a strict RFC 8259 parse, and a lenient second parse when
//! the strict one stops at a known extension (S05).

use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, note_more};
use crate::json::parse::Quirks;
use crate::json::{self, ErrorKind, Extension, Outline, ParseOptions, StringMarks, SyntaxError};
use serde_json::Value;

/// What the syntax layer made of the text.
#[derive(Debug, Clone)]
pub struct SyntaxOutcome {
    /// Findings, offsets relative to the parsed text.
    pub findings: Vec<Finding>,
    /// The document, when a strict or lenient parse succeeded.
    pub value: Option<Value>,
    /// Whether the value came from the lenient parse.
    pub lenient: bool,
    /// Whether the lenient parse was tried and failed too.
    pub lenient_failed: bool,
    /// What the value's strings may hold, for the payload layer.
    pub marks: StringMarks,
}

fn error_code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::Truncated => Code::S01,
        ErrorKind::TrailingData => Code::S02,
        ErrorKind::InvalidSyntax => Code::S03,
        ErrorKind::InvalidString => Code::S04,
        ErrorKind::TooDeep => Code::S06,
        ErrorKind::NonStandard(_) => Code::S05,
    }
}

fn error_finding(error: &SyntaxError) -> Finding {
    Finding::new(error_code(error.kind), error.message.clone()).at_offset(error.offset)
}

fn extension_list(extensions: &[(Extension, usize)]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (extension, _) in extensions {
        if !names.contains(&extension.name()) {
            names.push(extension.name());
        }
    }
    names.join(", ")
}

/// Parse `text`, strictly first and leniently where that helps.
pub fn check(text: &str, max_depth: usize) -> SyntaxOutcome {
    match json::parse(text, strict(max_depth)) {
        Ok(parsed) => SyntaxOutcome {
            findings: quirks(&parsed.quirks),
            value: Some(parsed.value),
            lenient: false,
            lenient_failed: false,
            marks: parsed.marks,
        },
        Err(error) => after_strict_error(text, max_depth, &error),
    }
}

/// What the syntax layer makes of a text, read with [`json::skim`] first.
#[derive(Debug)]
pub enum Skim<'a> {
    /// The text is strict JSON: S07 and S08, and the root's outline.
    Parsed {
        /// S07 and S08, as [`check`] finds them.
        findings: Vec<Finding>,
        /// The root's type, and an object's keys.
        root: Outline<'a>,
        /// What the strings may hold, as [`check`] notes it.
        marks: StringMarks,
    },
    /// The text is not strict JSON: the outcome [`check`] gives for it.
    Failed(SyntaxOutcome),
    /// The watcher of `skim_watched` stopped the walk: only [`check`]
    /// says what the text is.
    Stopped,
}

/// [`check`] without building the document where the strict parse
/// succeeds: for a caller that reads the root's outline first, and parses
/// again with [`check`] only where it needs the value.
pub fn skim(text: &str, max_depth: usize) -> Skim<'_> {
    skim_watched(text, max_depth, ())
}

/// [`skim`], telling `watch` of every value it reads ([`json::walk`]).
pub(crate) fn skim_watched<'a, W: json::Watch<'a>>(
    text: &'a str,
    max_depth: usize,
    mut watch: W,
) -> Skim<'a> {
    let walked = json::walk(text, strict(max_depth), &mut watch);
    if watch.stopped() {
        return Skim::Stopped;
    }
    match walked {
        Ok(skimmed) => Skim::Parsed {
            findings: quirks(&skimmed.quirks),
            root: skimmed.root,
            marks: skimmed.marks,
        },
        Err(error) => Skim::Failed(after_strict_error(text, max_depth, &error)),
    }
}

fn strict(max_depth: usize) -> ParseOptions {
    ParseOptions {
        max_depth,
        lenient: false,
    }
}

/// The outcome for a text whose strict parse failed with `error`: a lenient
/// parse where the error is a known extension.
fn after_strict_error(text: &str, max_depth: usize, error: &SyntaxError) -> SyntaxOutcome {
    let ErrorKind::NonStandard(first) = error.kind else {
        return SyntaxOutcome {
            findings: vec![error_finding(error)],
            value: None,
            lenient: false,
            lenient_failed: false,
            marks: StringMarks::default(),
        };
    };
    match json::parse(
        text,
        ParseOptions {
            max_depth,
            lenient: true,
        },
    ) {
        Ok(parsed) => {
            let offset = parsed
                .extensions
                .first()
                .map_or(error.offset, |(_, at)| *at);
            let mut findings = vec![
                Finding::new(
                    Code::S05,
                    format!(
                        "non-standard JSON ({}); recovered by a lenient parse",
                        extension_list(&parsed.extensions)
                    ),
                )
                .at_offset(offset),
            ];
            findings.extend(quirks(&parsed.quirks));
            SyntaxOutcome {
                findings,
                value: Some(parsed.value),
                lenient: true,
                lenient_failed: false,
                marks: parsed.marks,
            }
        }
        Err(lenient_error) => SyntaxOutcome {
            findings: vec![
                Finding::new(
                    Code::S05,
                    format!(
                        "non-standard JSON ({}), and the lenient parse failed too: {}",
                        first.name(),
                        lenient_error.message
                    ),
                )
                .at_offset(error.offset),
                error_finding(&lenient_error),
            ],
            value: None,
            lenient: true,
            lenient_failed: true,
            marks: StringMarks::default(),
        },
    }
}

/// S07 and S08: valid JSON that readers disagree on.
fn quirks(quirks: &Quirks) -> Vec<Finding> {
    let mut findings = Vec::new();
    for duplicate in quirks.duplicates.iter().take(MAX_FINDINGS_PER_CODE) {
        findings.push(
            Finding::new(
                Code::S07,
                format!(
                    "the key at {} appears more than once; readers keep different copies",
                    duplicate.pointer
                ),
            )
            .at_offset(duplicate.offset)
            .at_pointer(duplicate.pointer.clone()),
        );
    }
    note_more(&mut findings, quirks.duplicates_total);
    let before = findings.len();
    for number in quirks.lossy_numbers.iter().take(MAX_FINDINGS_PER_CODE) {
        let shown: String = number.text.chars().take(40).collect();
        findings.push(
            Finding::new(Code::S08, format!("{shown} {}", number.reason))
                .at_offset(number.offset)
                .at_pointer(number.pointer.clone()),
        );
    }
    if findings.len() > before {
        note_more(&mut findings, quirks.lossy_total);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<Code> {
        check(text, 128).findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn one_case_per_code() {
        assert_eq!(codes("{\"a\":"), [Code::S01]);
        assert_eq!(codes("{} {}"), [Code::S02]);
        assert_eq!(codes("{\"a\" 1}"), [Code::S03]);
        assert_eq!(codes("[\"\\q\"]"), [Code::S04]);
        assert_eq!(codes("{'a': 1}"), [Code::S05]);
        assert_eq!(codes(&"[".repeat(200)), [Code::S06]);
        assert_eq!(codes("{\"a\":1,\"a\":2}"), [Code::S07]);
        assert_eq!(codes("9007199254740993"), [Code::S08]);
        assert!(codes("\"a lone string\"").is_empty());
    }

    #[test]
    fn lenient_recovery_and_failure() {
        let recovered = check("{'a': NaN, /* c */ 'b': [1,],}", 128);
        assert!(recovered.value.is_some() && !recovered.lenient_failed);
        assert!(
            recovered.findings[0]
                .message
                .contains("single-quotes, nan-infinity, comments, trailing-comma")
        );
        let failed = check("{'a': 'cut", 128);
        assert!(failed.lenient_failed);
        let codes: Vec<_> = failed.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, [Code::S05, Code::S01]);
    }

    /// Repeats under one long key: only the places reported are kept, so
    /// the key's text is not held once per repeat (5,000 times 50 KB).
    #[test]
    fn repeats_under_a_long_key_keep_only_the_places_reported() {
        let key = "k".repeat(50_000);
        for body in [
            format!("{{\"{key}\":{{{}\"a\":0}}}}", "\"a\":1,".repeat(5_000)),
            format!("{{\"{key}\":[{}1e400]}}", "1e400,".repeat(4_999)),
        ] {
            let parsed = json::parse(&body, ParseOptions::default()).unwrap().quirks;
            let skimmed = json::skim(&body, ParseOptions::default()).unwrap().quirks;
            let kept = parsed.duplicates.len() + parsed.lossy_numbers.len();
            let total = parsed.duplicates_total + parsed.lossy_total;
            assert_eq!((kept, total), (MAX_FINDINGS_PER_CODE, 5_000));
            assert_eq!(skimmed.duplicates.len() + skimmed.lossy_numbers.len(), kept);
            assert_eq!(skimmed.duplicates_total + skimmed.lossy_total, total);
            let findings = check(&body, 128).findings;
            assert_eq!(findings.len(), MAX_FINDINGS_PER_CODE);
            assert!(
                (findings.last().unwrap().message).ends_with("(and 4980 more like it)"),
                "{}",
                findings
                    .last()
                    .unwrap()
                    .message
                    .chars()
                    .rev()
                    .take(40)
                    .collect::<String>()
            );
        }
    }

    #[test]
    fn many_duplicates_are_capped() {
        let text = format!("{{{}\"a\":0}}", "\"a\":1,".repeat(50));
        let findings = check(&text, 128).findings;
        assert_eq!(findings.len(), MAX_FINDINGS_PER_CODE);
        assert!(
            findings
                .last()
                .unwrap()
                .message
                .ends_with("(and 30 more like it)")
        );
    }
}

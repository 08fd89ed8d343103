//! One status per capture: the first group of SPEC's verdict table that one of
//! its findings belongs to.

use crate::finding::{Code, Finding, Severity};
use serde::Serialize;
use std::fmt;

/// The status of a capture, worst first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The body could not be read as JSON at all.
    Malformed,
    /// No payload: nothing in the body, or an empty envelope.
    Empty,
    /// A well-formed error reply (Genesys error body, failed test, 429...).
    Error,
    /// The payload breaks the schema.
    Invalid,
    /// Usable, but differs from what was declared.
    Drift,
    /// Usable after dapa repaired it (BOM, lenient parse, decoded string).
    Recovered,
    /// Nothing wrong.
    Ok,
}

impl Status {
    /// Every status, worst first.
    pub const ALL: [Status; 7] = [
        Status::Malformed,
        Status::Empty,
        Status::Error,
        Status::Invalid,
        Status::Drift,
        Status::Recovered,
        Status::Ok,
    ];

    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Malformed => "malformed",
            Status::Empty => "empty",
            Status::Error => "error",
            Status::Invalid => "invalid",
            Status::Drift => "drift",
            Status::Recovered => "recovered",
            Status::Ok => "ok",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text))
            .ok_or(())
    }
}

/// The verdict group one code puts a capture in; `lenient_failed` says whether
/// S05's lenient parse failed too.
pub fn status_of(code: Code, lenient_failed: bool) -> Status {
    match code {
        Code::T03
        | Code::T04
        | Code::T05
        | Code::T07
        | Code::T08
        | Code::S01
        | Code::S02
        | Code::S03
        | Code::S04
        | Code::S06 => Status::Malformed,
        Code::S05 if lenient_failed => Status::Malformed,
        Code::T01 | Code::E04 | Code::K02 => Status::Empty,
        Code::R05 => Status::Malformed,
        Code::T06
        | Code::E01
        | Code::E02
        | Code::E03
        | Code::E05
        | Code::E06
        | Code::R01
        | Code::R03
        | Code::R04
        | Code::R06
        | Code::R07
        | Code::R09 => Status::Error,
        Code::V01 | Code::V02 | Code::V04 | Code::V05 | Code::V06 => Status::Invalid,
        // A definition is judged as a contract is: a configuration that
        // cannot give valid output is `invalid`, a risky one `drift`.
        Code::A01 | Code::A02 | Code::A05 | Code::A08 | Code::A09 | Code::A11 | Code::A12 => {
            Status::Invalid
        }
        Code::A03 | Code::A04 | Code::A06 | Code::A07 | Code::A10 => Status::Drift,
        Code::V03
        | Code::D01
        | Code::D02
        | Code::D03
        | Code::D04
        | Code::P03
        | Code::P04
        | Code::S07
        | Code::S08
        | Code::R08
        | Code::R10 => Status::Drift,
        Code::T02 | Code::S05 | Code::P01 | Code::P02 => Status::Recovered,
        Code::K01 | Code::R02 => Status::Ok,
    }
}

/// The severity of a finding of `code`: an error wherever it puts the
/// capture in `malformed`, `empty`, `error` or `invalid`, as every code that
/// does is; else the code's own. Only S05 differs from its code's: a
/// warning where its lenient parse recovered the body, an error where that
/// parse failed too and the capture is malformed.
pub fn severity_of(code: Code, lenient_failed: bool) -> Severity {
    match status_of(code, lenient_failed) {
        Status::Malformed | Status::Empty | Status::Error | Status::Invalid => Severity::Error,
        _ => code.severity(),
    }
}

/// The status of a capture given all its findings.
pub fn verdict(findings: &[Finding], lenient_failed: bool) -> Status {
    findings
        .iter()
        .map(|finding| status_of(finding.code, lenient_failed))
        .min()
        .unwrap_or(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of codes keeps the rule by itself: a code's own severity
    /// is an error exactly where it fails a capture. S05 alone depends on
    /// its lenient parse.
    #[test]
    fn a_code_that_fails_a_capture_is_an_error() {
        for &code in Code::ALL {
            let fails = status_of(code, false) < Status::Drift;
            assert_eq!(
                code.severity() == Severity::Error,
                fails,
                "{code:?} fails a capture only if it is an error"
            );
            assert_eq!(severity_of(code, false), code.severity(), "{code:?}");
            if code != Code::S05 {
                assert_eq!(severity_of(code, true), code.severity(), "{code:?}");
            }
        }
        assert_eq!(severity_of(Code::S05, false), Severity::Warning);
        assert_eq!(severity_of(Code::S05, true), Severity::Error);
    }

    fn findings(codes: &[Code]) -> Vec<Finding> {
        codes.iter().map(|&code| Finding::new(code, "")).collect()
    }

    #[test]
    fn first_group_wins() {
        assert_eq!(verdict(&findings(&[]), false), Status::Ok);
        assert_eq!(
            verdict(&findings(&[Code::T02, Code::S07]), false),
            Status::Drift
        );
        assert_eq!(
            verdict(&findings(&[Code::T04, Code::T06]), false),
            Status::Malformed
        );
        assert_eq!(
            verdict(&findings(&[Code::E04, Code::E05]), false),
            Status::Empty
        );
        assert_eq!(
            verdict(&findings(&[Code::P01, Code::E01]), false),
            Status::Error
        );
    }

    #[test]
    fn s05_depends_on_the_lenient_parse() {
        assert_eq!(verdict(&findings(&[Code::S05]), false), Status::Recovered);
        assert_eq!(verdict(&findings(&[Code::S05]), true), Status::Malformed);
    }

    #[test]
    fn severity_follows_the_group() {
        for &code in Code::ALL {
            let expected = match status_of(code, false) {
                Status::Drift | Status::Recovered => crate::finding::Severity::Warning,
                Status::Ok => crate::finding::Severity::Info,
                _ => crate::finding::Severity::Error,
            };
            assert_eq!(code.severity(), expected, "{code}");
        }
    }
}

//! The gate of a scan: which captures fail it (`--fail-on`), or, with a
//! baseline, which regressions do.

use crate::baseline::{Baseline, Regression};
use crate::{CaptureRecord, Code, Status, Summary};
use std::str::FromStr;

/// Which captures fail a scan: those with a status at or past a threshold,
/// and those with any of some codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailOn {
    /// Fail on captures with this status or a worse one.
    pub status: Option<Status>,
    /// Fail on captures with any of these codes.
    pub codes: Vec<Code>,
}

impl FailOn {
    /// Whether findings of this code are at or above the threshold.
    pub fn selects(&self, code: Code) -> bool {
        self.status
            .is_some_and(|worst| crate::verdict::status_of(code, false) <= worst)
            || self.codes.contains(&code)
    }

    /// Whether a capture with this status and these codes fails the run.
    pub fn fails(&self, record: &CaptureRecord) -> bool {
        self.status.is_some_and(|worst| record.status <= worst)
            || record
                .findings
                .iter()
                .any(|finding| self.codes.contains(&finding.code))
    }
}

/// An item of a `--fail-on` list that is no status, code or `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{item}' is neither a status ({statuses}) nor a finding code ({codes}), nor 'none'", codes = code_ranges())]
pub struct FailOnError {
    item: String,
    statuses: String,
}

/// Every finding code, as runs of one letter in table order: `T01..T08,
/// S01..S08, ...`. Made from the code table, so it names new codes too.
pub fn code_ranges() -> String {
    let mut runs: Vec<(Code, Code)> = Vec::new();
    for &code in Code::ALL {
        let letter = |code: Code| code.as_str().chars().next();
        match runs.last_mut() {
            Some((_, last)) if letter(*last) == letter(code) => *last = code,
            _ => runs.push((code, code)),
        }
    }
    let runs: Vec<String> = runs
        .iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}..{last}")
            }
        })
        .collect();
    runs.join(", ")
}

impl FromStr for FailOn {
    type Err = FailOnError;

    /// A comma-separated list of statuses and codes (`error,S07`); `none`
    /// adds nothing, so `none` alone never fails. An empty item is refused:
    /// `--fail-on "$UNSET"` must not turn a gate off.
    fn from_str(text: &str) -> Result<FailOn, FailOnError> {
        let mut fail_on = FailOn::default();
        for item in text.split(',').map(str::trim) {
            if item.eq_ignore_ascii_case("none") {
                continue;
            }
            if let Ok(status) = item.parse::<Status>() {
                // Several statuses: the mildest one is the threshold.
                fail_on.status = Some(fail_on.status.map_or(status, |s| s.max(status)));
            } else if let Ok(code) = item.parse::<Code>() {
                fail_on.codes.push(code);
            } else {
                let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                return Err(FailOnError {
                    item: item.to_owned(),
                    statuses: statuses.join(", "),
                });
            }
        }
        Ok(fail_on)
    }
}

/// What decides a scan's verdict: `--fail-on`, or regressions against a
/// baseline when there is one.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// The captures that fail the scan when there is no baseline.
    pub fail_on: FailOn,
    /// The statistics to compare with; with one, only regressions fail.
    pub baseline: Option<Baseline>,
    /// How far a rate may rise above the baseline's, in percentage points.
    pub tolerance_points: f64,
}

impl Gate {
    /// The regressions of this summary against the baseline (none without one).
    pub fn regressions(&self, summary: &Summary) -> Vec<Regression> {
        self.baseline.as_ref().map_or_else(Vec::new, |baseline| {
            baseline.regressions(summary, self.tolerance_points / 100.0)
        })
    }

    /// Whether a scan fails: with a baseline, when anything regressed;
    /// without, when any capture failed `--fail-on`.
    pub fn fails(&self, failing_captures: u64, regressions: &[Regression]) -> bool {
        if self.baseline.is_some() {
            !regressions.is_empty()
        } else {
            failing_captures > 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalyzeOptions, Capture};

    /// The record dapa makes of this body.
    fn record(body: &str) -> CaptureRecord {
        let capture = Capture::from_bytes("t", body.as_bytes().to_vec(), None, 1 << 20);
        crate::analyze(capture, &AnalyzeOptions::default())
    }

    #[test]
    fn unknown_fail_on_names_every_code_run() {
        let error = "bogus".parse::<FailOn>().unwrap_err().to_string();
        // Each letter's run, from its first code to its last, in table order.
        let mut expected = Vec::new();
        for &code in Code::ALL {
            let letter = &code.as_str()[..1];
            let run: Vec<Code> = (Code::ALL.iter().copied())
                .filter(|c| c.as_str().starts_with(letter))
                .collect();
            let shown = format!("{}..{}", run[0], run[run.len() - 1]);
            if !expected.contains(&shown) {
                expected.push(shown);
            }
        }
        assert!(error.contains(&expected.join(", ")), "{error}");
    }

    #[test]
    fn fail_on_lists() {
        let parsed: FailOn = "error,S07".parse().unwrap();
        assert_eq!(parsed.status, Some(Status::Error));
        assert_eq!(parsed.codes, [Code::S07]);
        assert_eq!("none".parse::<FailOn>().unwrap(), FailOn::default());
        assert_eq!(
            "drift,error".parse::<FailOn>().unwrap().status,
            Some(Status::Drift)
        );
        let refused = "bogus".parse::<FailOn>().unwrap_err().to_string();
        assert!(
            refused.starts_with("'bogus' is neither a status ("),
            "{refused}"
        );
        // An unset variable must not turn the gate off.
        for empty in ["", ",", "error,", " , none"] {
            assert!(empty.parse::<FailOn>().is_err(), "{empty:?}");
        }
        assert_eq!(
            " error , S07 ".parse::<FailOn>().unwrap().codes,
            [Code::S07]
        );
    }

    #[test]
    fn fail_on_judges_status_and_codes() {
        let malformed = record("{");
        let duplicate_key = record(r#"{"a": 1, "a": 2}"#);
        assert!(duplicate_key.status > Status::Invalid);
        let invalid: FailOn = "invalid".parse().unwrap();
        assert!(invalid.fails(&malformed));
        assert!(!invalid.fails(&duplicate_key));
        let by_code: FailOn = "S07".parse().unwrap();
        assert!(by_code.fails(&duplicate_key));
        assert!(by_code.selects(Code::S07));
        assert!(!by_code.selects(Code::D01));
        assert!(invalid.selects(Code::S01));
        assert!(!FailOn::default().fails(&malformed));
    }

    #[test]
    fn a_baseline_gate_fails_on_regressions_only() {
        let regression = Regression {
            kind: "new-code",
            message: "S07 appears".to_owned(),
            example: "a.json".to_owned(),
        };
        let plain = Gate::default();
        assert!(plain.fails(1, &[]));
        assert!(!plain.fails(0, &[]));
        assert!(plain.regressions(&Summary::default()).is_empty());
        let compared = Gate {
            baseline: Some(Baseline::of(&Summary::default())),
            ..Gate::default()
        };
        assert!(!compared.fails(5, &[]));
        assert!(compared.fails(0, &[regression]));
    }
}

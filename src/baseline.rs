//! Baselines: the statistics of a corpus, small, sorted and stable so that
//! they live in git, and the comparison that makes `scan --baseline` a CI gate
//! that fails on what is new, not on what was always there.

use crate::finding::Code;
use crate::summary::Summary;
use crate::verdict::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod read;

/// The version of the baseline format.
pub const FORMAT_VERSION: u32 = 1;

/// How many captures had something, and their share of all captures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Captures.
    pub captures: u64,
    /// Share of all captures, 0 to 1, rounded to 4 decimals.
    pub rate: f64,
}

fn rate(captures: u64, total: u64) -> Rate {
    let share = if total == 0 {
        0.0
    } else {
        captures as f64 / total as f64
    };
    Rate {
        captures,
        rate: (share * 10_000.0).round() / 10_000.0,
    }
}

/// Whether a rate rose from `before` to `now` by more than `tolerance` (all
/// shares, 0.01 for one point). Rates are kept to a hundredth of a point,
/// so they are compared in those steps: in floating point, 0.07 is more
/// than 0.06 + 0.01, and a rise of exactly the tolerance counted.
fn risen(now: f64, before: f64, tolerance: f64) -> bool {
    let steps = |share: f64| (share * 10_000.0).round();
    // The tolerance may be finer than a step (`--tolerance 0.005`).
    let allowed = (tolerance * 10_000.0 * 1e6).round() / 1e6;
    steps(now) - steps(before) > allowed
}

/// What a corpus looked like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Captures in the corpus.
    pub captures: u64,
    /// Per status (all seven).
    #[serde(deserialize_with = "read::statuses")]
    pub statuses: BTreeMap<String, Rate>,
    /// Per finding code seen.
    #[serde(deserialize_with = "read::codes")]
    pub codes: BTreeMap<String, Rate>,
    /// Per profile, per field path, the JSON types seen.
    #[serde(default, deserialize_with = "read::drift")]
    pub drift: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Observations of paths the summary's drift table left out, being
    /// full (it keeps the smallest profile and path pairs): a path past the
    /// largest one kept may have been seen, so it is no `new-path`.
    #[serde(default, skip_serializing_if = "crate::summary::is_zero")]
    pub drift_paths_dropped: u64,
    /// Per profile, per enum-like path, the values seen (as JSON).
    #[serde(default, deserialize_with = "read::enum_values")]
    pub enum_values: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Per finding code, the ids of its signatures seen; `None` in a
    /// baseline written before signatures, which then gives no
    /// `new-signature` regression.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read::signatures"
    )]
    pub signatures: Option<BTreeMap<String, Vec<String>>>,
    /// The options that decided how the corpus was read and checked (as
    /// the summary's `analysis` names them);
    /// `None` in a baseline written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
}

/// Every [`Regression::kind`], for reading one back.
pub const REGRESSION_KINDS: [&str; 7] = [
    "new-code",
    "code-rate",
    "status-rate",
    "new-path",
    "new-type",
    "new-enum-value",
    "new-signature",
];

/// The most regressions of `kind` one comparison gives: one a code (new
/// or risen), a status, a drift path, a type at a path, a value at an
/// enum-like path, a signature the summary keeps. A summary read back that
/// lists more was not written by dapa.
pub fn most_of_kind(kind: &str) -> usize {
    use crate::summary::{MAX_DRIFT_PATHS, MAX_ENUM_PATHS, MAX_ENUM_VALUES};
    match kind {
        "new-code" | "code-rate" => Code::ALL.len(),
        "status-rate" => Status::ALL.len(),
        "new-path" => MAX_DRIFT_PATHS,
        "new-type" => MAX_DRIFT_PATHS * crate::profile::shape::TYPE_NAMES.len(),
        "new-enum-value" => MAX_ENUM_PATHS * MAX_ENUM_VALUES,
        "new-signature" => Code::ALL.len() * crate::summary::MAX_SIGNATURES_PER_CODE,
        _ => 0,
    }
}

/// Something worse than the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regression {
    /// What kind: `new-code`, `code-rate`, `status-rate`, `new-path`,
    /// `new-type`, `new-enum-value`, `new-signature`.
    pub kind: &'static str,
    /// What regressed, in one line.
    pub message: String,
    /// A capture that shows it.
    pub example: String,
}

/// Errors reading a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    // The reason is in the message and not a `source`, so that it shows once.
    #[error("cannot read the baseline {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: crate::input::ReadError,
    },
    /// The file is not a baseline.
    #[error("{path} is not a dapa baseline: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

impl Baseline {
    /// The baseline of a scan's summary.
    pub fn of(summary: &Summary) -> Baseline {
        let total = summary.captures;
        let statuses = Status::ALL
            .into_iter()
            .map(|status| (status.to_string(), rate(summary.count(status), total)))
            .collect();
        let codes = summary
            .codes
            .values()
            .map(|stats| (stats.code.to_string(), rate(stats.captures, total)))
            .collect();
        let drift = summary
            .drift
            .iter()
            .map(|(profile, rows)| {
                let paths = rows
                    .iter()
                    .map(|(path, row)| {
                        (
                            path.clone(),
                            row.observed
                                .iter()
                                .map(|(kind, _)| kind.to_owned())
                                .collect(),
                        )
                    })
                    .collect();
                (profile.clone(), paths)
            })
            .collect();
        let enum_values = summary
            .enum_values
            .iter()
            .map(|(profile, paths)| {
                let paths = paths
                    .iter()
                    .map(|(path, values)| (path.clone(), values.keys().cloned().collect()))
                    .collect();
                (profile.clone(), paths)
            })
            .collect();
        let signatures = summary
            .signatures
            .iter()
            .map(|(code, keys)| {
                let mut ids: Vec<String> = keys.values().map(|stats| stats.id.clone()).collect();
                ids.sort();
                (code.to_string(), ids)
            })
            .collect();
        Baseline {
            version: FORMAT_VERSION,
            captures: total,
            statuses,
            codes,
            drift,
            drift_paths_dropped: summary.drift_paths_dropped,
            enum_values,
            signatures: Some(signatures),
            analysis: None,
        }
    }

    /// This baseline, recorded as made with the options `reading`.
    #[must_use]
    pub fn made_with(self, reading: &str) -> Baseline {
        Baseline {
            analysis: Some(reading.to_owned()),
            ..self
        }
    }

    /// What to say when a scan compared with this baseline reads with other
    /// options than the baseline's corpus was read with: its rates and
    /// paths may differ for that reason alone.
    pub fn other_options(&self, reading: &str) -> Option<String> {
        let made = self.analysis.as_deref().filter(|made| *made != reading)?;
        Some(format!(
            "the baseline was made with `{made}`, this scan reads with `{reading}`: what \
             differs may come from the options, not from the captures (--update-baseline \
             records them)"
        ))
    }

    /// Whether the baseline cannot say that `path` of `profile` was never
    /// seen: its drift table was full, and the pair sorts after the
    /// largest it kept.
    fn may_have_dropped(&self, profile: &str, path: &str) -> bool {
        if self.drift_paths_dropped == 0 {
            return false;
        }
        largest_kept(&self.drift).is_none_or(|largest| (profile, path) > largest)
    }

    /// Whether the baseline's corpus may have had enum-like values at
    /// `profile`'s `path` and left the path out: it kept as many paths as a
    /// summary keeps (the smallest), and this one sorts after all of them.
    fn past_the_enum_paths(&self, profile: &str, path: &str) -> bool {
        let kept: usize = self.enum_values.values().map(BTreeMap::len).sum();
        kept >= crate::summary::MAX_ENUM_PATHS
            && largest_kept(&self.enum_values).is_some_and(|largest| (profile, path) > largest)
    }

    /// Signatures of codes the baseline knows that it never saw: "E01 was
    /// always there, but this failure is new". A code whose signatures
    /// filled the summary's table in the baseline may have had others left
    /// out, so it gives none.
    fn new_signatures(&self, current: &Summary) -> Vec<Regression> {
        let Some(known) = &self.signatures else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (code, keys) in &current.signatures {
            let code_text = code.to_string();
            if !self.codes.contains_key(&code_text) {
                continue;
            }
            let ids = known.get(&code_text).map_or(&[][..], Vec::as_slice);
            if ids.len() >= crate::summary::MAX_SIGNATURES_PER_CODE {
                continue;
            }
            for stats in keys.values() {
                if !ids.contains(&stats.id) {
                    found.push(Regression {
                        kind: "new-signature",
                        message: format!(
                            "{code_text} ({}) was in the baseline, but not the signature {} \"{}\": {} captures now",
                            code.name(),
                            stats.id,
                            stats.key,
                            stats.captures
                        ),
                        example: stats.examples.first().cloned().unwrap_or_default(),
                    });
                }
            }
        }
        found
    }

    /// Read a baseline file.
    pub fn read(path: &std::path::Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = crate::input::read_text_limited(path, crate::input::SUMMARY_LIMIT).map_err(
            |reason| BaselineError::Read {
                path: shown.clone(),
                reason,
            },
        )?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|error| BaselineError::Invalid {
                path: shown.clone(),
                message: if crate::summary::is_summary_text(&text) {
                    "it is a scan summary (`--format json`); make a baseline with `dapa baseline \
                     PATH... -o FILE` or `dapa scan PATH... --update-baseline FILE`"
                        .to_owned()
                } else {
                    crate::summary::reason_of(&error)
                },
            })?;
        if baseline.version != FORMAT_VERSION {
            return Err(BaselineError::Invalid {
                path: shown,
                message: format!(
                    "version {} (this dapa reads {FORMAT_VERSION})",
                    baseline.version
                ),
            });
        }
        if let Some(message) = baseline.inconsistency() {
            return Err(BaselineError::Invalid {
                path: shown,
                message,
            });
        }
        Ok(baseline)
    }

    /// What no `dapa baseline` writes: a rate outside 0 to 1 (a negative
    /// one would make every rise a regression, or none), more captures
    /// than the corpus had. A status or code dapa does not know is refused
    /// as it is read.
    fn inconsistency(&self) -> Option<String> {
        for (name, rate) in self.statuses.iter().chain(&self.codes) {
            if !(0.0..=1.0).contains(&rate.rate) || rate.captures > self.captures {
                return Some(format!(
                    "{name}: {} captures at a rate of {} (of {} captures; a rate is 0 to 1)",
                    rate.captures, rate.rate, self.captures
                ));
            }
        }
        None
    }

    /// The baseline as pretty JSON with a final newline, keys sorted.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// What in `current` is worse than this baseline. `tolerance` is the share
    /// (0.01 for one percentage point) a rate may rise before it counts.
    pub fn regressions(&self, current: &Summary, tolerance: f64) -> Vec<Regression> {
        let mut found = Vec::new();
        let total = current.captures;
        for stats in current.codes.values() {
            let code = stats.code.to_string();
            let now = rate(stats.captures, total);
            match self.codes.get(&code) {
                None => found.push(Regression {
                    kind: "new-code",
                    message: format!(
                        "{code} ({}) was never seen in the baseline: {} captures now",
                        stats.name, stats.captures
                    ),
                    example: stats.example.clone(),
                }),
                Some(before) if risen(now.rate, before.rate, tolerance) => found.push(Regression {
                    kind: "code-rate",
                    message: format!(
                        "{code} ({}) in {:.2}% of captures, {:.2}% in the baseline",
                        stats.name,
                        now.rate * 100.0,
                        before.rate * 100.0
                    ),
                    example: stats.example.clone(),
                }),
                Some(_) => {}
            }
        }
        found.extend(self.new_signatures(current));
        for status in Status::ALL
            .into_iter()
            .filter(|status| *status != Status::Ok)
        {
            let now = rate(current.count(status), total);
            let before = self
                .statuses
                .get(status.as_str())
                .map_or(0.0, |rate| rate.rate);
            if risen(now.rate, before, tolerance) {
                let example = current
                    .codes
                    .values()
                    .find(|stats| crate::verdict::status_of(stats.code, false) == status)
                    .map_or_else(String::new, |stats| stats.example.clone());
                found.push(Regression {
                    kind: "status-rate",
                    message: format!(
                        "{status} captures are {:.2}%, {:.2}% in the baseline",
                        now.rate * 100.0,
                        before * 100.0
                    ),
                    example,
                });
            }
        }
        for (profile, rows) in &current.drift {
            let known = self.drift.get(profile);
            for (path, row) in rows {
                match known.and_then(|paths| paths.get(path)) {
                    None if self.may_have_dropped(profile, path) => {}
                    None => found.push(Regression {
                        kind: "new-path",
                        message: format!(
                            "{profile}: the field path {path} was never seen in the baseline"
                        ),
                        example: row.example.clone(),
                    }),
                    Some(types) => {
                        for (kind, _) in row.observed.iter() {
                            if !types.iter().any(|known| known == kind) {
                                found.push(Regression {
                                    kind: "new-type",
                                    message: format!("{profile}: {path} is now also {kind}, never seen in the baseline"),
                                    example: row.example.clone(),
                                });
                            }
                        }
                    }
                }
            }
        }
        for (profile, paths) in &current.enum_values {
            for (path, values) in paths {
                let known = self
                    .enum_values
                    .get(profile)
                    .and_then(|paths| paths.get(path));
                if known.is_none() && self.past_the_enum_paths(profile, path) {
                    continue;
                }
                for (value, example) in values {
                    let seen = known.is_some_and(|known| {
                        known.contains(value) || past_a_full_list(known, value)
                    });
                    if !seen {
                        found.push(Regression {
                            kind: "new-enum-value",
                            message: format!("{profile}: {path} has the value {value}, never seen in the baseline"),
                            example: example.clone(),
                        });
                    }
                }
            }
        }
        found
    }
}

/// The largest (profile, path) pair a table by profile and path holds.
fn largest_kept<V>(table: &BTreeMap<String, BTreeMap<String, V>>) -> Option<(&str, &str)> {
    (table.iter().rev())
        .find_map(|(profile, paths)| Some((profile.as_str(), paths.keys().next_back()?.as_str())))
}

/// Whether `value` may have been seen in the baseline's corpus and left
/// out: the baseline kept as many values of the path as a summary keeps
/// (the smallest), and `value` sorts after the largest of them.
fn past_a_full_list(known: &[String], value: &str) -> bool {
    known.len() >= crate::summary::MAX_ENUM_VALUES
        && known
            .iter()
            .max()
            .is_some_and(|largest| value > largest.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Code;
    use crate::record::CaptureRecord;
    use crate::summary::MAX_ENUM_VALUES;

    fn summary(records: &[(Status, &[Code])]) -> Summary {
        let mut summary = Summary::default();
        for (index, (status, codes)) in records.iter().enumerate() {
            summary.add(&CaptureRecord::example(
                &format!("c{index}"),
                *status,
                codes,
            ));
        }
        summary
    }

    #[test]
    fn the_same_corpus_has_no_regression_and_round_trips() {
        let corpus = summary(&[(Status::Ok, &[]), (Status::Drift, &[Code::S07])]);
        let baseline = Baseline::of(&corpus);
        assert!(baseline.regressions(&corpus, 0.01).is_empty());
        let read: Baseline = serde_json::from_str(&baseline.to_json()).unwrap();
        assert_eq!(read, baseline);
    }

    fn channels(values: impl Iterator<Item = String>) -> Summary {
        let mut summary = Summary::default();
        for (index, value) in values.enumerate() {
            summary.add(&CaptureRecord {
                profile: Some("p".into()),
                enum_values: vec![("/channel".into(), value)],
                ..CaptureRecord::example(&format!("c{index}"), Status::Ok, &[])
            });
        }
        summary
    }

    #[test]
    fn a_path_left_out_of_a_full_list_is_not_called_new() {
        let paths = |keys: &mut dyn Iterator<Item = usize>| {
            let mut summary = Summary::default();
            for (index, key) in keys.enumerate() {
                summary.add(&CaptureRecord {
                    profile: Some("p".into()),
                    enum_values: vec![(format!("/map/k{key:05}"), "v".into())],
                    ..CaptureRecord::example(&format!("c{index}"), Status::Ok, &[])
                });
            }
            summary
        };
        let limit = crate::summary::MAX_ENUM_PATHS;
        let before = Baseline::of(&paths(&mut (0..limit + 10)));
        let new_paths = |keys: &[usize]| {
            before
                .regressions(&paths(&mut keys.iter().copied()), 0.5)
                .into_iter()
                .filter(|r| r.kind == "new-enum-value")
                .count()
        };
        assert_eq!(new_paths(&[3, limit + 5, limit + 500]), 0);
        let small = Baseline::of(&paths(&mut (0..10)));
        let found = small.regressions(&paths(&mut [limit + 5].into_iter()), 0.5);
        assert!(
            found.iter().any(|r| r.kind == "new-enum-value"),
            "{found:?}"
        );
    }

    #[test]
    fn a_value_left_out_of_a_full_list_is_not_called_new() {
        // 100 values seen; the baseline keeps the 64 smallest (v000..v063).
        let before = Baseline::of(&channels((0..100).map(|i| format!("v{i:03}"))));
        assert_eq!(before.enum_values["p"]["/channel"].len(), MAX_ENUM_VALUES);
        let kinds = |values: &[&str]| -> Vec<String> {
            before
                .regressions(&channels(values.iter().map(|v| (*v).to_owned())), 0.5)
                .into_iter()
                .filter(|r| r.kind == "new-enum-value")
                .map(|r| r.message)
                .collect()
        };
        assert!(
            kinds(&["v010", "v099"]).is_empty(),
            "kept, or past the largest kept"
        );
        let found = kinds(&["a-new-value"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("a-new-value"));
        // Below the limit the list is whole, and any value not in it is new.
        let small = Baseline::of(&channels((0..10).map(|i| format!("v{i:03}"))));
        let found = small.regressions(&channels(["v099".to_owned()].into_iter()), 0.5);
        assert!(
            found.iter().any(|r| r.kind == "new-enum-value"),
            "{found:?}"
        );
    }

    #[test]
    fn new_codes_and_rates_regress() {
        let before = Baseline::of(&summary(&[
            (Status::Ok, &[]),
            (Status::Ok, &[]),
            (Status::Drift, &[Code::S07]),
            (Status::Ok, &[]),
        ]));
        let new_code = summary(&[
            (Status::Ok, &[]),
            (Status::Malformed, &[Code::S01]),
            (Status::Ok, &[]),
            (Status::Ok, &[]),
        ]);
        let kinds: Vec<&str> = before
            .regressions(&new_code, 0.01)
            .iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["new-code", "status-rate"]);
        let more = summary(&[
            (Status::Drift, &[Code::S07]),
            (Status::Drift, &[Code::S07]),
            (Status::Ok, &[]),
            (Status::Ok, &[]),
        ]);
        let kinds: Vec<&str> = before
            .regressions(&more, 0.01)
            .iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["code-rate", "status-rate"]);
        assert!(
            before.regressions(&more, 0.30).is_empty(),
            "within a 30-point tolerance"
        );
    }

    /// Rates outside 0 to 1, counts past the corpus and unknown keys are
    /// what no `dapa baseline` writes: such a file is refused.
    #[test]
    fn an_impossible_baseline_is_refused() {
        let made = Baseline::of(&summary(&[
            (Status::Drift, &[Code::S07]),
            (Status::Ok, &[]),
        ]));
        assert_eq!(made.inconsistency(), None);
        let mut negative = made.clone();
        negative.codes.get_mut("S07").unwrap().rate = -5.0;
        let mut more = made.clone();
        more.statuses.get_mut("ok").unwrap().captures = 3;
        for broken in [negative, more] {
            assert!(broken.inconsistency().is_some(), "{broken:?}");
        }
        let mut unknown = serde_json::to_value(&made).unwrap();
        unknown["codes"]["T01\u{1b}[31m"] = serde_json::json!({"captures": 1, "rate": 0.5});
        let refused = serde_json::from_value::<Baseline>(unknown).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains(r#""T01\u{1b}[31m" is no finding code dapa knows"#),
            "{refused}"
        );
    }

    /// A rise of exactly the tolerance is no regression, whatever floating
    /// point makes of the sum; one step more is.
    #[test]
    fn a_rise_of_exactly_the_tolerance_is_allowed() {
        for before in 0..=9_900 {
            let (was, tolerance) = (f64::from(before) / 10_000.0, 0.01);
            let exactly = f64::from(before + 100) / 10_000.0;
            let more = f64::from(before + 101) / 10_000.0;
            assert!(!risen(exactly, was, tolerance), "{was} -> {exactly}");
            assert!(risen(more, was, tolerance), "{was} -> {more}");
        }
        assert!(!risen(0.065, 0.06, 0.005));
        assert!(risen(0.0651, 0.06, 0.005));
        assert!(risen(0.0601, 0.06, 0.000_05));
        assert!(!risen(0.5, 0.06, 1.0));
    }
}

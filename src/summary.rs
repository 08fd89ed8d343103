//! Statistics over many captures, small and mergeable: what the table and
//! JSON summaries show, whatever the size of the corpus.

use crate::finding::{Code, Layer, Severity};
use crate::record::CaptureRecord;
use crate::verdict::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// How often one code was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeStats {
    /// The code.
    pub code: Code,
    /// Its name.
    pub name: &'static str,
    /// Its layer.
    pub layer: Layer,
    /// Its severity.
    pub severity: Severity,
    /// Findings of this code in all captures.
    pub findings: u64,
    /// Captures with at least one finding of this code.
    pub captures: u64,
    /// The first capture (in scan order) that had it.
    pub example: String,
}

/// One row of the drift table: a field path of one profile's payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftRow {
    /// The profile whose schema declares (or not) the path.
    pub profile: String,
    /// The path, array items as `*`.
    pub path: String,
    /// The declared type, `any`, or `undeclared`.
    pub declared: String,
    /// Captures per observed type.
    pub observed: BTreeMap<&'static str, u64>,
    /// Captures with this path.
    pub captures: u64,
    /// Whether any observed type is one the schema does not declare here.
    pub drifted: bool,
    /// The first capture (in scan order) with this path.
    pub example: String,
}

/// Most distinct paths the drift table keeps; payloads with ids as keys
/// would otherwise grow it with the corpus.
pub const MAX_DRIFT_PATHS: usize = 10_000;

/// The summary of a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Captures analysed.
    pub captures: u64,
    /// Body bytes analysed.
    pub bytes: u64,
    /// Captures per status, every status listed.
    pub statuses: BTreeMap<Status, u64>,
    /// Per code, in code order; only codes that were found.
    #[serde(serialize_with = "codes_as_list")]
    pub codes: BTreeMap<Code, CodeStats>,
    /// Captures checked against a profile (the drift table's whole).
    #[serde(skip_serializing_if = "is_zero")]
    pub profiled: u64,
    /// The drift table, by profile and path.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "rows_as_list"
    )]
    pub drift: BTreeMap<(String, String), DriftRow>,
    /// Paths left out of the drift table once it was full.
    #[serde(skip_serializing_if = "is_zero")]
    pub drift_paths_dropped: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

fn rows_as_list<S: serde::Serializer>(
    rows: &BTreeMap<(String, String), DriftRow>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(rows.values())
}

fn codes_as_list<S: serde::Serializer>(
    codes: &BTreeMap<Code, CodeStats>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(codes.values())
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            captures: 0,
            bytes: 0,
            statuses: Status::ALL.into_iter().map(|status| (status, 0)).collect(),
            codes: BTreeMap::new(),
            profiled: 0,
            drift: BTreeMap::new(),
            drift_paths_dropped: 0,
        }
    }
}

impl Summary {
    /// Count one capture.
    pub fn add(&mut self, record: &CaptureRecord) {
        self.captures += 1;
        self.bytes += record.bytes;
        *self.statuses.entry(record.status).or_default() += 1;
        let mut seen: Vec<Code> = Vec::new();
        for finding in &record.findings {
            let stats = self.codes.entry(finding.code).or_insert_with(|| CodeStats {
                code: finding.code,
                name: finding.code.name(),
                layer: finding.code.layer(),
                severity: finding.code.severity(),
                findings: 0,
                captures: 0,
                example: record.source.clone(),
            });
            stats.findings += 1;
            if !seen.contains(&finding.code) {
                seen.push(finding.code);
                stats.captures += 1;
            }
        }
        if let Some(profile) = &record.profile {
            self.profiled += 1;
            self.add_observations(profile, record);
        }
    }

    fn add_observations(&mut self, profile: &str, record: &CaptureRecord) {
        let mut last_path: Option<&str> = None;
        for observation in &record.observations {
            let key = (profile.to_owned(), observation.path.clone());
            if !self.drift.contains_key(&key) && self.drift.len() >= MAX_DRIFT_PATHS {
                self.drift_paths_dropped += 1;
                continue;
            }
            let row = self.drift.entry(key).or_insert_with(|| DriftRow {
                profile: profile.to_owned(),
                path: observation.path.clone(),
                declared: observation.declared.clone(),
                observed: BTreeMap::new(),
                captures: 0,
                drifted: false,
                example: record.source.clone(),
            });
            *row.observed.entry(observation.observed).or_default() += 1;
            row.drifted |= !observation.allowed;
            if last_path != Some(observation.path.as_str()) {
                row.captures += 1;
                last_path = Some(observation.path.as_str());
            }
        }
    }

    /// Fold in the summary of captures that came after these ones.
    pub fn merge(&mut self, later: Summary) {
        self.captures += later.captures;
        self.bytes += later.bytes;
        for (status, count) in later.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (code, stats) in later.codes {
            match self.codes.get_mut(&code) {
                Some(mine) => {
                    mine.findings += stats.findings;
                    mine.captures += stats.captures;
                }
                None => {
                    self.codes.insert(code, stats);
                }
            }
        }
        self.profiled += later.profiled;
        self.drift_paths_dropped += later.drift_paths_dropped;
        for (key, row) in later.drift {
            let full = self.drift.len() >= MAX_DRIFT_PATHS;
            match self.drift.get_mut(&key) {
                Some(mine) => {
                    for (kind, count) in row.observed {
                        *mine.observed.entry(kind).or_default() += count;
                    }
                    mine.captures += row.captures;
                    mine.drifted |= row.drifted;
                }
                None if !full => {
                    self.drift.insert(key, row);
                }
                None => self.drift_paths_dropped += 1,
            }
        }
    }

    /// Captures with this status.
    pub fn count(&self, status: Status) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;

    fn record(source: &str, status: Status, codes: &[Code]) -> CaptureRecord {
        CaptureRecord {
            source: source.into(),
            status,
            http_status: None,
            bytes: 10,
            findings: codes.iter().map(|&c| Finding::new(c, "m").into()).collect(),
            notes: Vec::new(),
            profile: None,
            observations: Vec::new(),
            payload: None,
        }
    }

    #[test]
    fn merging_equals_adding_in_order() {
        let records = [
            record("a", Status::Ok, &[]),
            record("b", Status::Drift, &[Code::S07, Code::S07]),
            record("c", Status::Drift, &[Code::S07]),
            record("d", Status::Malformed, &[Code::S01]),
        ];
        let mut whole = Summary::default();
        records.iter().for_each(|r| whole.add(r));
        let mut first = Summary::default();
        let mut second = Summary::default();
        records[..2].iter().for_each(|r| first.add(r));
        records[2..].iter().for_each(|r| second.add(r));
        first.merge(second);
        assert_eq!(first, whole);
        assert_eq!(whole.codes[&Code::S07].findings, 3);
        assert_eq!(whole.codes[&Code::S07].captures, 2);
        assert_eq!(whole.codes[&Code::S07].example, "b");
        assert_eq!(whole.count(Status::Drift), 2);
    }
}

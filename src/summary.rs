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

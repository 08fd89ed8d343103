//! Statistics over many captures, small and mergeable: what the table and
//! JSON summaries show, whatever the size of the corpus.

use crate::finding::{Code, Layer, Severity};
use crate::record::CaptureRecord;
use crate::schema::shape::{TYPE_NAMES, bit_allowed};
use crate::timeline::{BucketChoice, Timeline, serialize_time};
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
    /// The message of that capture's first finding of this code.
    pub message: String,
    /// The earliest capture time with this code (of captures stating one).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_time"
    )]
    pub first_seen: Option<i64>,
    /// The latest capture time with this code.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_time"
    )]
    pub last_seen: Option<i64>,
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
    pub observed: TypeCounts,
    /// Captures with this path.
    pub captures: u64,
    /// Whether any observed type is one the schema does not declare here.
    pub drifted: bool,
    /// The first capture (in scan order) with this path.
    pub example: String,
}

/// Captures per observed JSON type, in [`TYPE_NAMES`] order; written as a
/// map of the types seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeCounts(pub [u64; 7]);

impl TypeCounts {
    /// The types seen, with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        TYPE_NAMES
            .iter()
            .zip(self.0)
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| (*name, count))
    }
}

impl std::fmt::Display for TypeCounts {
    /// `string 12, integer 1`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (kind, count)) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{kind} {count}")?;
        }
        Ok(())
    }
}

impl Serialize for TypeCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
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
    /// The drift table, by profile and then path.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "rows_as_list"
    )]
    pub drift: BTreeMap<String, BTreeMap<String, DriftRow>>,
    /// Paths left out of the drift table once it was full.
    #[serde(skip_serializing_if = "is_zero")]
    pub drift_paths_dropped: u64,
    /// Values seen at enum-like fields, by profile and path, each with the
    /// first capture that had it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub enum_values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Captures by bucket of capture time.
    pub timeline: Timeline,
    /// The part of the sources this summary covers, `K/N`, when sharded.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "shard_as_text"
    )]
    pub shard: Option<(usize, usize)>,
}

fn shard_as_text<S: serde::Serializer>(
    shard: &Option<(usize, usize)>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match shard {
        Some((k, n)) => serializer.serialize_str(&format!("{k}/{n}")),
        None => serializer.serialize_none(),
    }
}

/// Most values kept per enum-like path; past that the field is no enum.
pub const MAX_ENUM_VALUES: usize = 64;

/// Keep a value seen at an enum-like path, with the first capture that had
/// it. Past the limit the smallest values are kept, so that what is kept
/// does not depend on the order of arrival (threads, shards); the earlier
/// example of a value always wins, as summaries merge in scan order.
fn keep_enum_value(
    values: &mut BTreeMap<String, String>,
    value: String,
    example: impl FnOnce() -> String,
) {
    if values.contains_key(&value) {
        return;
    }
    if values.len() >= MAX_ENUM_VALUES {
        match values.last_key_value() {
            Some((largest, _)) if *largest > value => {
                values.pop_last();
            }
            _ => return,
        }
    }
    values.insert(value, example());
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

fn rows_as_list<S: serde::Serializer>(
    rows: &BTreeMap<String, BTreeMap<String, DriftRow>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(rows.values().flat_map(BTreeMap::values))
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
            enum_values: BTreeMap::new(),
            timeline: Timeline::default(),
            shard: None,
        }
    }
}

impl Summary {
    /// An empty summary whose timeline has this bucket width.
    pub fn new(bucket: BucketChoice) -> Summary {
        Summary {
            timeline: Timeline::new(bucket),
            ..Summary::default()
        }
    }

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
                message: finding.message.clone(),
                first_seen: None,
                last_seen: None,
            });
            stats.findings += 1;
            if !seen.contains(&finding.code) {
                seen.push(finding.code);
                stats.captures += 1;
                if let Some(time) = record.captured_at {
                    stats.first_seen = Some(stats.first_seen.map_or(time, |t| t.min(time)));
                    stats.last_seen = Some(stats.last_seen.map_or(time, |t| t.max(time)));
                }
            }
        }
        self.timeline.add(record.captured_at, record.status, &seen);
        if let Some(profile) = &record.profile {
            self.profiled += 1;
            self.add_observations(profile, record);
            self.add_enum_values(profile, record);
        }
    }

    fn add_enum_values(&mut self, profile: &str, record: &CaptureRecord) {
        if record.enum_values.is_empty() {
            return;
        }
        let paths = self.enum_values.entry(profile.to_owned()).or_default();
        for (path, value) in &record.enum_values {
            let values = paths.entry(path.clone()).or_default();
            keep_enum_value(values, value.clone(), || record.source.clone());
        }
    }

    fn add_observations(&mut self, profile: &str, record: &CaptureRecord) {
        let mut rows_kept = self.drift_rows();
        if !self.drift.contains_key(profile) {
            self.drift.insert(profile.to_owned(), BTreeMap::new());
        }
        let Some(rows) = self.drift.get_mut(profile) else {
            return;
        };
        for observation in &record.observations {
            let row = match rows.get_mut(&*observation.path) {
                Some(row) => row,
                None if rows_kept >= MAX_DRIFT_PATHS => {
                    self.drift_paths_dropped += 1;
                    continue;
                }
                None => {
                    rows_kept += 1;
                    rows.entry(observation.path.to_string())
                        .or_insert_with(|| DriftRow {
                            profile: profile.to_owned(),
                            path: observation.path.to_string(),
                            declared: observation.declared.to_string(),
                            observed: TypeCounts::default(),
                            captures: 0,
                            drifted: false,
                            example: record.source.clone(),
                        })
                }
            };
            row.captures += 1;
            for (index, count) in row.observed.0.iter_mut().enumerate() {
                let bit = 1u8 << index;
                if observation.seen & bit != 0 {
                    *count += 1;
                    row.drifted |= !bit_allowed(observation.declared_bits, bit);
                }
            }
        }
    }

    /// Rows in the drift table, over every profile.
    pub fn drift_rows(&self) -> usize {
        self.drift.values().map(BTreeMap::len).sum()
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
                    mine.first_seen = earliest(mine.first_seen, stats.first_seen);
                    mine.last_seen = latest(mine.last_seen, stats.last_seen);
                }
                None => {
                    self.codes.insert(code, stats);
                }
            }
        }
        self.profiled += later.profiled;
        self.timeline.merge(&later.timeline);
        for (profile, paths) in later.enum_values {
            let mine = self.enum_values.entry(profile).or_default();
            for (path, values) in paths {
                let kept = mine.entry(path).or_default();
                for (value, example) in values {
                    keep_enum_value(kept, value, || example);
                }
            }
        }
        self.drift_paths_dropped += later.drift_paths_dropped;
        let mut rows_kept = self.drift_rows();
        for (profile, rows) in later.drift {
            let mine = self.drift.entry(profile).or_default();
            for (path, row) in rows {
                match mine.get_mut(&path) {
                    Some(kept) => {
                        for (kept_count, count) in kept.observed.0.iter_mut().zip(row.observed.0) {
                            *kept_count += count;
                        }
                        kept.captures += row.captures;
                        kept.drifted |= row.drifted;
                    }
                    None if rows_kept < MAX_DRIFT_PATHS => {
                        rows_kept += 1;
                        mine.insert(path, row);
                    }
                    None => self.drift_paths_dropped += 1,
                }
            }
        }
    }

    /// Captures with this status.
    pub fn count(&self, status: Status) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

/// The earlier of two optional times.
pub fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The later of two optional times.
pub fn latest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
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
            captured_at: None,
            bytes: 10,
            findings: codes.iter().map(|&c| Finding::new(c, "m").into()).collect(),
            notes: Vec::new(),
            profile: None,
            observations: Vec::new(),
            enum_values: Vec::new(),
            header_lines: None,
            payload: None,
        }
    }

    #[test]
    fn enum_values_past_the_limit_do_not_depend_on_the_split() {
        let records: Vec<CaptureRecord> = (0..200)
            .map(|i| CaptureRecord {
                profile: Some("p".into()),
                enum_values: vec![("/channel".into(), format!("v{:03}", (i * 37) % 200))],
                ..record(&format!("c{i:03}"), Status::Ok, &[])
            })
            .collect();
        let mut whole = Summary::default();
        records.iter().for_each(|r| whole.add(r));
        for split in [1, 50, 137] {
            let mut first = Summary::default();
            let mut second = Summary::default();
            records[..split].iter().for_each(|r| first.add(r));
            records[split..].iter().for_each(|r| second.add(r));
            first.merge(second);
            assert_eq!(first.enum_values, whole.enum_values, "split at {split}");
        }
        let kept = &whole.enum_values["p"]["/channel"];
        assert_eq!(kept.len(), MAX_ENUM_VALUES);
        assert_eq!(kept.keys().next().map(String::as_str), Some("v000"));
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

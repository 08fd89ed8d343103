//! Statistics over many captures, small and mergeable: what the table and
//! JSON summaries show, whatever the size of the corpus.

use crate::baseline::Regression;
use crate::capture::Source;
use crate::finding::{Code, Layer, Severity};
#[cfg(test)]
use crate::layer::drift::Observation;
use crate::layer::drift::ObservationRef;
use crate::profile::shape::{DeclaredPath, TYPE_NAMES, bit_allowed};
use crate::record::CaptureRecord;
use crate::shard::Shard;
use crate::timeline::{BucketChoice, Timeline};
use crate::verdict::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

mod wire;

pub(crate) use wire::{CappedList, read_each, read_map_each, read_table};
pub use wire::{is_summary_text, reason_of};

/// How often one code was found.
///
/// Its name, layer and severity are written for the readers of a summary;
/// they follow from the code, so reading one back sets them from it (and
/// ignores what the document says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStats {
    /// The code.
    pub code: Code,
    /// Its name.
    #[serde(skip_deserializing)]
    pub name: &'static str,
    /// Its layer.
    #[serde(skip_deserializing, default = "wire::layer_until_described")]
    pub layer: Layer,
    /// Its severity.
    #[serde(skip_deserializing, default = "wire::severity_until_described")]
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
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::time_text"
    )]
    pub first_seen: Option<i64>,
    /// The latest capture time with this code.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::time_text"
    )]
    pub last_seen: Option<i64>,
}

impl CodeStats {
    /// No finding of `code` yet; `example` and `message` are those of the
    /// first capture that will have one.
    fn new(code: Code, example: String, message: String) -> CodeStats {
        CodeStats {
            code,
            name: code.name(),
            layer: code.layer(),
            severity: code.severity(),
            findings: 0,
            captures: 0,
            example,
            message,
            first_seen: None,
            last_seen: None,
        }
    }
}

/// Findings of one code that are the same failure (see
/// [`crate::signature`]): how many captures had one, when, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureStats {
    /// The code.
    pub code: Code,
    /// A short stable id of the code and key (SARIF `partialFingerprints`,
    /// baselines); made from them again when read.
    #[serde(skip_deserializing)]
    pub id: String,
    /// What the findings have in common, with what varies normalised.
    pub key: String,
    /// Captures with at least one finding of this signature.
    pub captures: u64,
    /// `captures` as a share of all captures, written for readers; made
    /// again from the counts when written, ignored when read.
    #[serde(skip_deserializing)]
    pub share: Share,
    /// The earliest capture time (of captures stating one).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::time_text"
    )]
    pub first_seen: Option<i64>,
    /// The latest capture time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::time_text"
    )]
    pub last_seen: Option<i64>,
    /// The first captures (in scan order) that had it, at most
    /// [`MAX_SIGNATURE_EXAMPLES`].
    #[serde(deserialize_with = "wire::signature_examples")]
    pub examples: Vec<String>,
    /// The message of the first finding of it.
    pub message: String,
}

/// Examples kept per signature.
pub const MAX_SIGNATURE_EXAMPLES: usize = 3;

/// Most signatures kept per code. Past that the smallest keys are kept:
/// that choice depends only on the set of keys, never on how the work was
/// split, so merged counts stay exact (as in the drift table).
pub const MAX_SIGNATURES_PER_CODE: usize = 100;

/// A part of all captures, written as a number from 0 to 1 rounded to 4
/// decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    /// The part.
    pub part: u64,
    /// All captures.
    pub whole: u64,
}

impl Serialize for Share {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let share = if self.whole == 0 {
            0.0
        } else {
            self.part as f64 / self.whole as f64
        };
        serializer.serialize_f64((share * 10_000.0).round() / 10_000.0)
    }
}

/// One row of the drift table: a field path of one profile's payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl DriftRow {
    /// A row of `profile`'s `path` with no capture counted yet, its first
    /// capture `example`.
    fn new(profile: &str, path: &str, declared: &str, example: &Source) -> DriftRow {
        DriftRow {
            profile: profile.to_owned(),
            path: path.to_owned(),
            declared: declared.to_owned(),
            observed: TypeCounts::default(),
            captures: 0,
            drifted: false,
            example: example.to_string(),
        }
    }

    /// Count one more capture with this path, which saw the types `seen`
    /// (as type bits) where `declared_bits` are declared.
    fn count(&mut self, seen: u8, declared_bits: u8) {
        self.captures += 1;
        // Nearly every path is seen with one type in a capture.
        if seen.is_power_of_two() {
            if let Some(count) = self.observed.0.get_mut(seen.trailing_zeros() as usize) {
                *count += 1;
            }
            self.drifted |= !bit_allowed(declared_bits, seen);
            return;
        }
        self.count_types(seen);
        self.drifted |= drifts(seen, declared_bits);
    }

    /// Count one capture that saw this path more than once (a key `*`
    /// beside declared items): one capture, each type seen there once.
    fn count_once(&mut self, group: &[ObservationRef]) {
        self.captures += 1;
        self.count_types(group.iter().fold(0, |seen, o| seen | o.seen));
        self.drifted |= group.iter().any(|o| drifts(o.seen, o.declared_bits));
    }

    /// Add one capture to the count of each type in `seen`.
    fn count_types(&mut self, seen: u8) {
        for bit in set_bits(seen) {
            if let Some(count) = self.observed.0.get_mut(bit.trailing_zeros() as usize) {
                *count += 1;
            }
        }
    }
}

/// The bits set in `bits`, lowest first. Most paths see one type: this
/// steps through those, not through all seven.
fn set_bits(bits: u8) -> impl Iterator<Item = u8> {
    let mut left = bits;
    std::iter::from_fn(move || {
        let bit = left & left.wrapping_neg();
        left &= !bit;
        (bit != 0).then_some(bit)
    })
}

/// Whether a type in `seen` is one the declared bits do not allow.
fn drifts(seen: u8, declared_bits: u8) -> bool {
    set_bits(seen).any(|bit| !bit_allowed(declared_bits, bit))
}

/// A summary that captures are added to one by one (a scan's fold), with
/// the drift rows of declared paths kept by their row in the schema's
/// table: a capture counts its declared paths by index, without comparing
/// path strings with the drift table's, and the rows join the table when
/// the sum is done. [`Summing::finish`] gives the summary that
/// [`Summary::add`] would have made of the same captures in the same order.
#[derive(Debug)]
pub struct Summing {
    summary: Summary,
    declared: Vec<DeclaredRows>,
}

/// The rows counted so far of one profile's declared paths.
#[derive(Debug)]
struct DeclaredRows {
    profile: String,
    table: Arc<[DeclaredPath]>,
    /// By row of `table`: the drift row of the captures with that path.
    /// Boxed, so that a table of many rows (a schema may declare up to
    /// [`crate::profile::shape::MAX_SHAPE_STEPS`] places) costs a pointer
    /// per row until a capture has its path.
    rows: Vec<Option<Box<DriftRow>>>,
}

impl Summing {
    /// Add captures to `summary`.
    pub fn new(summary: Summary) -> Summing {
        Summing {
            summary,
            declared: Vec::new(),
        }
    }

    /// Count one capture.
    pub fn add(&mut self, record: &CaptureRecord) {
        let observations = &record.observations;
        let Some(profile) = &record.profile else {
            self.summary.add(record);
            return;
        };
        // Rows are counted apart only for paths that come once each, in
        // order, none of them with the text of a row counted apart. Else
        // (a path at two rows of the table, an undeclared path with a
        // declared one's text such as a key `*`) the capture is added as
        // `Summary::add` adds it, after the rows counted so far join the
        // drift table, so that a row's first capture stays first.
        let waiting = self.declared.iter().find(|kept| *kept.profile == **profile);
        let declared_text = |path: &str| {
            let in_table = |table: &[DeclaredPath]| {
                (table.binary_search_by(|row| (*row.path).cmp(path))).is_ok()
            };
            waiting.is_some_and(|kept| in_table(&kept.table))
                || observations
                    .declared()
                    .is_some_and(|(table, _)| in_table(table))
        };
        // A capture with no path (a body that did not parse) has nothing
        // to keep apart.
        let apart = observations.is_empty()
            || (observations.once_each_in_order()
                && !observations.others().any(|other| declared_text(other.path)));
        let (true, Some((table, declared))) = (apart, observations.declared()) else {
            if !apart {
                self.settle();
            }
            self.summary.add(record);
            return;
        };
        self.summary.add_except_drift(record);
        let rows = self.rows_of(profile, table);
        for &(at, seen) in declared {
            let (Some(path), Some(slot)) = (table.get(at as usize), rows.get_mut(at as usize))
            else {
                continue;
            };
            let row = slot.get_or_insert_with(|| {
                Box::new(DriftRow::new(
                    profile,
                    &path.path,
                    &path.declared,
                    &record.source,
                ))
            });
            row.count(seen, path.type_bits);
        }
        // The others, rare, come sorted and once each.
        let mut others = observations.others().peekable();
        if others.peek().is_some() {
            self.summary
                .add_observations(profile, others, true, &record.source);
        }
    }

    /// The rows of `profile`'s declared paths, counted against `table`.
    fn rows_of(
        &mut self,
        profile: &str,
        table: &Arc<[DeclaredPath]>,
    ) -> &mut Vec<Option<Box<DriftRow>>> {
        let at = match self
            .declared
            .iter()
            .position(|kept| kept.profile == profile)
        {
            // One profile has one schema in a scan; should another table
            // come, the rows of the first join the drift table first.
            Some(at) if !Arc::ptr_eq(&self.declared[at].table, table) => {
                self.settle();
                self.declared.remove(at);
                None
            }
            found => found,
        };
        let at = at.unwrap_or_else(|| {
            self.declared.push(DeclaredRows {
                profile: profile.to_owned(),
                table: Arc::clone(table),
                rows: vec![None; table.len()],
            });
            self.declared.len() - 1
        });
        &mut self.declared[at].rows
    }

    /// Move the rows counted so far into the summary's drift table.
    fn settle(&mut self) {
        for declared in &mut self.declared {
            for row in declared.rows.iter_mut().filter_map(Option::take) {
                // Saturating addition cannot fail, so neither can the fold.
                let _ = self.summary.fold_row(*row, saturating_add);
            }
        }
    }

    /// The summary of every capture added.
    pub fn finish(mut self) -> Summary {
        self.settle();
        self.summary
    }
}

/// A count that would pass `u64::MAX` when summaries are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the field {field} overflows")]
pub struct Overflow {
    /// The field, as the JSON summary names it.
    pub field: &'static str,
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

/// The version of the JSON summary's layout. It changes when a field is
/// removed or renamed or changes its type or meaning; fields added (which
/// readers are to ignore) leave it as it is.
pub const FORMAT: u32 = 1;

/// Who wrote a summary: the dapa release and the layout it wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Producer {
    /// The version of the dapa that wrote it.
    pub version: String,
    /// [`FORMAT`] of that dapa.
    pub format: u32,
}

impl Producer {
    /// This dapa.
    pub fn this() -> Producer {
        Producer {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            format: FORMAT,
        }
    }
}

/// Most distinct paths the drift table keeps; payloads with ids as keys
/// would otherwise grow it with the corpus.
pub const MAX_DRIFT_PATHS: usize = 10_000;

/// Rows of a profile passed one by one on the way to a capture's next path
/// before the rest of the way is a look-up (see `Summary::add_observations`).
const ROWS_PASSED_BEFORE_LOOK_UP: usize = 8;

/// The summary of a scan, as `--format json` writes it and `merge` reads it
/// back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// The dapa that wrote the summary; `None` for one written before dapa
    /// named itself in it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::producer"
    )]
    pub dapa: Option<Producer>,
    /// The paths the scan was given, as typed (`-` for standard input);
    /// those of every scan merged, in order, each once.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Captures analysed.
    pub captures: u64,
    /// Body bytes analysed.
    pub bytes: u64,
    /// Captures per status, every status listed.
    #[serde(deserialize_with = "wire::every_status")]
    pub statuses: BTreeMap<Status, u64>,
    /// Per code, in code order; only codes that were found.
    #[serde(with = "wire::code_list")]
    pub codes: BTreeMap<Code, CodeStats>,
    /// Captures checked against a profile (the drift table's whole).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub profiled: u64,
    /// The drift table, by profile and then path.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "wire::drift_list"
    )]
    pub drift: BTreeMap<String, BTreeMap<String, DriftRow>>,
    /// Observations (a capture's use of a path) of the paths left out of
    /// the drift table, which keeps the smallest paths once it is full; a
    /// count of observations, unlike one of paths, does not depend on how
    /// the work was split.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drift_paths_dropped: u64,
    /// Signatures, by code and then key.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "wire::signature_list"
    )]
    pub signatures: BTreeMap<Code, BTreeMap<String, SignatureStats>>,
    /// Captures' findings of signatures left out past
    /// [`MAX_SIGNATURES_PER_CODE`] (one per capture and signature).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub signatures_dropped: u64,
    /// Values seen at enum-like fields, by profile and path, each with the
    /// first capture that had it.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "wire::enum_table"
    )]
    pub enum_values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Captures by bucket of capture time.
    pub timeline: Timeline,
    /// The part of the sources this summary covers, when sharded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::shard_text"
    )]
    pub shard: Option<Shard>,
    /// The `dapa.toml` whose rules chose the profiles, as the scan found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The options that decided how the captures were read and checked,
    /// as a command line gives them (`--schema s.json --max-bytes ...`):
    /// the shards of one scan share them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
    /// What got worse than `--baseline`, when the scan compared with one
    /// (an empty list when nothing did); `None` without a baseline.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "wire::regression_list"
    )]
    pub regressions: Option<Vec<Regression>>,
    /// The lint of each Data Action definition the scan used, by source;
    /// left out when it used none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub definitions: Vec<crate::lint::DefinitionLint>,
    /// What the records counted are. Not in the JSON summary, whose
    /// `captures` keeps its name for every command: only the reports for
    /// people read it, to name what they count.
    #[serde(skip)]
    pub subject: Subject,
}

/// What a summary's records are: the captures of `scan`, `replay` and
/// `merge`, or the definitions of `dapa lint`, each one record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Subject {
    /// Captures of replies (and a merge of their summaries).
    #[default]
    Captures,
    /// Data Action definitions, each linted as one record.
    Definitions,
}

impl Subject {
    /// The plural as a report's counts and columns write it.
    pub fn plural(self) -> &'static str {
        match self {
            Subject::Captures => "captures",
            Subject::Definitions => "definitions",
        }
    }

    /// The plural at the start of a heading.
    pub fn heading(self) -> &'static str {
        match self {
            Subject::Captures => "Captures",
            Subject::Definitions => "Definitions",
        }
    }

    /// The command whose report it is, in the report's title (a replay's
    /// report is a scan's of the replayed captures).
    pub fn command(self) -> &'static str {
        match self {
            Subject::Captures => "scan",
            Subject::Definitions => "lint",
        }
    }
}

/// Most values kept per enum-like path; past that the field is no enum.
pub const MAX_ENUM_VALUES: usize = 64;

/// Most enum-like paths kept, over all profiles. A schema declares a few;
/// more come only from enum-like values under a map's keys, and a corpus
/// with a new key in every capture must not grow the summary without end.
pub const MAX_ENUM_PATHS: usize = 1_000;

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

pub(crate) fn is_zero(count: &u64) -> bool {
    *count == 0
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            dapa: Some(Producer::this()),
            inputs: Vec::new(),
            captures: 0,
            bytes: 0,
            statuses: Status::ALL.into_iter().map(|status| (status, 0)).collect(),
            codes: BTreeMap::new(),
            profiled: 0,
            drift: BTreeMap::new(),
            drift_paths_dropped: 0,
            signatures: BTreeMap::new(),
            signatures_dropped: 0,
            enum_values: BTreeMap::new(),
            timeline: Timeline::default(),
            shard: None,
            config: None,
            analysis: None,
            regressions: None,
            definitions: Vec::new(),
            subject: Subject::default(),
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
        self.add_except_drift(record);
        if let Some(profile) = &record.profile {
            let observations = &record.observations;
            let once_each = observations.once_each_in_order();
            self.add_observations(profile, observations.iter(), once_each, &record.source);
        }
    }

    /// Count one capture in everything but the drift table.
    fn add_except_drift(&mut self, record: &CaptureRecord) {
        self.captures += 1;
        self.bytes += record.bytes;
        *self.statuses.entry(record.status).or_default() += 1;
        let mut seen: Vec<Code> = Vec::new();
        for finding in &record.findings {
            let stats = self.codes.entry(finding.code).or_insert_with(|| {
                CodeStats::new(
                    finding.code,
                    record.source.to_string(),
                    finding.message.clone(),
                )
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
        self.add_signatures(record);
        self.timeline.add(record.captured_at, record.status, &seen);
        if let Some(profile) = &record.profile {
            self.profiled += 1;
            self.add_enum_values(profile, record);
        }
    }

    fn add_signatures(&mut self, record: &CaptureRecord) {
        let mut seen: Vec<(Code, &str)> = Vec::new();
        for finding in &record.findings {
            let signature = (finding.code, finding.signature.as_str());
            if seen.contains(&signature) {
                continue;
            }
            seen.push(signature);
            let time = record.captured_at;
            if let Some(kept) = self
                .signatures
                .get_mut(&finding.code)
                .and_then(|keys| keys.get_mut(&finding.signature))
            {
                kept.captures += 1;
                kept.first_seen = earliest(kept.first_seen, time);
                kept.last_seen = latest(kept.last_seen, time);
                if kept.examples.len() < MAX_SIGNATURE_EXAMPLES {
                    kept.examples.push(record.source.to_string());
                }
                continue;
            }
            let stats = SignatureStats {
                code: finding.code,
                id: crate::signature::id(finding.code, &finding.signature),
                key: finding.signature.clone(),
                captures: 1,
                share: Share::default(),
                first_seen: time,
                last_seen: time,
                examples: vec![record.source.to_string()],
                message: finding.message.clone(),
            };
            // Saturating addition cannot fail, so neither can keeping it.
            let _ = self.keep_signature(stats, saturating_add);
        }
    }

    /// Keep a signature not kept yet if its key is among the
    /// [`MAX_SIGNATURES_PER_CODE`] smallest of its code; what is left out
    /// or pushed out adds its captures to `signatures_dropped`.
    fn keep_signature(
        &mut self,
        stats: SignatureStats,
        add: impl Fn(u64, u64) -> Option<u64>,
    ) -> Result<(), Overflow> {
        let keys = self.signatures.entry(stats.code).or_default();
        let mut dropped = 0;
        if keys.len() >= MAX_SIGNATURES_PER_CODE {
            let smaller = keys
                .last_key_value()
                .is_some_and(|(largest, _)| *largest > stats.key);
            dropped = if smaller {
                keys.pop_last().map_or(0, |(_, evicted)| evicted.captures)
            } else {
                stats.captures
            };
            if !smaller {
                return self.count_signatures_dropped(dropped, add);
            }
        }
        keys.insert(stats.key.clone(), stats);
        self.count_signatures_dropped(dropped, add)
    }

    fn count_signatures_dropped(
        &mut self,
        captures: u64,
        add: impl Fn(u64, u64) -> Option<u64>,
    ) -> Result<(), Overflow> {
        self.signatures_dropped = add(self.signatures_dropped, captures).ok_or(Overflow {
            field: "signatures_dropped",
        })?;
        Ok(())
    }

    /// Signatures with their shares of all captures set, for writing.
    pub fn with_signature_shares(&self) -> BTreeMap<Code, BTreeMap<String, SignatureStats>> {
        let mut signatures = self.signatures.clone();
        for stats in signatures.values_mut().flat_map(BTreeMap::values_mut) {
            stats.share = Share {
                part: stats.captures,
                whole: self.captures,
            };
        }
        signatures
    }

    fn add_enum_values(&mut self, profile: &str, record: &CaptureRecord) {
        if record.enum_values.is_empty() {
            return;
        }
        for (path, value) in &record.enum_values {
            if let Some(values) = self.enum_path(profile, path) {
                keep_enum_value(values, value.clone(), || record.source.to_string());
            }
        }
    }

    /// The values kept at `profile`'s enum-like `path`, which is kept now if
    /// it is among the [`MAX_ENUM_PATHS`] smallest (profile, path) keys seen;
    /// `None` when it is not. As with the drift rows, a path among the
    /// smallest overall is among the smallest of every part of the work, so
    /// what is kept does not depend on how the work was split.
    fn enum_path(&mut self, profile: &str, path: &str) -> Option<&mut BTreeMap<String, String>> {
        let known = self
            .enum_values
            .get(profile)
            .is_some_and(|paths| paths.contains_key(path));
        let kept: usize = self.enum_values.values().map(BTreeMap::len).sum();
        if !known && kept >= MAX_ENUM_PATHS {
            let (largest_profile, paths) = self.enum_values.iter_mut().next_back()?;
            let largest = paths.last_key_value().map(|(path, _)| path)?;
            if (largest_profile.as_str(), largest.as_str()) < (profile, path) {
                return None;
            }
            let largest_profile = largest_profile.clone();
            paths.pop_last();
            if paths.is_empty() {
                self.enum_values.remove(&largest_profile);
            }
        }
        let paths = self.enum_values.entry(profile.to_owned()).or_default();
        Some(paths.entry(path.to_owned()).or_default())
    }

    /// Count a capture's observations of `profile`'s paths; `once_each`
    /// says they come once each, in path order.
    fn add_observations<'o>(
        &mut self,
        profile: &str,
        observations: impl Iterator<Item = ObservationRef<'o>>,
        once_each: bool,
        source: &Source,
    ) {
        if !once_each {
            self.add_observations_grouped(profile, observations, source);
            return;
        }
        // Paths the table holds are counted under one look-up of the
        // profile's rows; the others are kept (or not) one by one after.
        let mut new_paths: Vec<ObservationRef> = Vec::new();
        match self.drift.get_mut(profile) {
            Some(rows) => {
                // The drift walk gives observations sorted by path, as the
                // rows are: the rows are passed in step with them, and looked
                // up afresh only past a few rows this capture does not have.
                // `next` is the first row not passed yet.
                let mut ahead = rows.range_mut::<str, _>(..);
                let mut next = ahead.next();
                for observation in observations {
                    let path = observation.path;
                    let mut passed = 0;
                    while let Some((key, _)) = &next
                        && key.as_str() < path
                    {
                        passed += 1;
                        if passed == ROWS_PASSED_BEFORE_LOOK_UP {
                            ahead =
                                rows.range_mut::<str, _>((Bound::Included(path), Bound::Unbounded));
                            next = ahead.next();
                            break;
                        }
                        next = ahead.next();
                    }
                    match next.take_if(|(key, _)| key.as_str() == path) {
                        Some((_, row)) => {
                            row.count(observation.seen, observation.declared_bits);
                            next = ahead.next();
                        }
                        None => new_paths.push(observation),
                    }
                }
            }
            None => new_paths.extend(observations),
        }
        for observation in new_paths {
            let mut row = DriftRow::new(profile, observation.path, observation.declared, source);
            row.count(observation.seen, observation.declared_bits);
            // Saturating addition cannot fail, so neither can keeping the row.
            let _ = self.keep_row(row, saturating_add);
        }
    }

    /// [`Summary::add_observations`] of paths that may come out of order or
    /// twice (a key `*` beside declared items, at two rows of the table):
    /// looked up path by path, a path seen twice counted as one capture of
    /// it. Rare, so sorting them costs little.
    fn add_observations_grouped<'o>(
        &mut self,
        profile: &str,
        observations: impl Iterator<Item = ObservationRef<'o>>,
        source: &Source,
    ) {
        let mut all: Vec<ObservationRef> = observations.collect();
        // Stable: of one path, the declared observation stays first.
        all.sort_by(|a, b| a.path.cmp(b.path));
        for group in all.chunk_by(|a, b| a.path == b.path) {
            let Some(first) = group.first() else {
                continue;
            };
            let kept = (self.drift.get_mut(profile)).and_then(|rows| rows.get_mut(first.path));
            if let Some(row) = kept {
                row.count_once(group);
                continue;
            }
            let mut row = DriftRow::new(profile, first.path, first.declared, source);
            row.count_once(group);
            // Saturating addition cannot fail, so neither can keeping the row.
            let _ = self.keep_row(row, saturating_add);
        }
    }

    /// Keep a row of a path the table does not hold yet, if it is among the
    /// [`MAX_DRIFT_PATHS`] smallest (profile, path) keys seen; what is left
    /// out or pushed out adds its observations to `drift_paths_dropped`.
    ///
    /// Both choices depend only on the set of paths, never on how the work
    /// was split: a path among the smallest overall is among the smallest of
    /// every part, so it is never pushed out and its counts are whole; and
    /// every observation is either in a kept row or counted as dropped.
    fn keep_row(
        &mut self,
        row: DriftRow,
        add: impl Fn(u64, u64) -> Option<u64>,
    ) -> Result<(), Overflow> {
        if self.drift_rows() >= MAX_DRIFT_PATHS {
            // The table's largest key, when it is larger than the new one.
            let larger = self.drift.iter_mut().next_back().filter(|(profile, rows)| {
                rows.last_key_value()
                    .is_some_and(|(path, _)| (*profile, path) > (&row.profile, &row.path))
            });
            let Some((profile, rows)) = larger else {
                // The new path is the largest: it is the one left out.
                return self.count_dropped(row.captures, add);
            };
            let profile = profile.clone();
            let evicted = rows.pop_last().map_or(0, |(_, evicted)| evicted.captures);
            if rows.is_empty() {
                self.drift.remove(&profile);
            }
            self.count_dropped(evicted, add)?;
        }
        self.drift
            .entry(row.profile.clone())
            .or_default()
            .insert(row.path.clone(), row);
        Ok(())
    }

    fn count_dropped(
        &mut self,
        observations: u64,
        add: impl Fn(u64, u64) -> Option<u64>,
    ) -> Result<(), Overflow> {
        self.drift_paths_dropped = add(self.drift_paths_dropped, observations).ok_or(Overflow {
            field: "drift_paths_dropped",
        })?;
        Ok(())
    }

    /// Rows in the drift table, over every profile.
    pub fn drift_rows(&self) -> usize {
        self.drift.values().map(BTreeMap::len).sum()
    }

    /// Fold in the summary of captures that came after these ones. Counts
    /// within one scan stay far below `u64::MAX`; they saturate rather than
    /// wrap.
    pub fn merge(&mut self, later: Summary) {
        // Saturating addition cannot fail, so neither can the merge.
        let _ = self.combine(later, saturating_add);
    }

    /// [`Summary::merge`] for summaries read from files: a count that would
    /// overflow is an error naming the field (the summary is then left
    /// part-merged, to be dropped).
    pub fn try_merge(&mut self, later: Summary) -> Result<(), Overflow> {
        self.combine(later, u64::checked_add)
    }

    fn combine(
        &mut self,
        later: Summary,
        add: impl Fn(u64, u64) -> Option<u64> + Copy,
    ) -> Result<(), Overflow> {
        let sum = |a: u64, b: u64, field: &'static str| add(a, b).ok_or(Overflow { field });
        // The timeline's counts are checked against `captures` when read, so
        // they fit once this sum does.
        self.captures = sum(self.captures, later.captures, "captures")?;
        self.bytes = sum(self.bytes, later.bytes, "bytes")?;
        for (status, count) in later.statuses {
            let mine = self.statuses.entry(status).or_default();
            *mine = sum(*mine, count, "statuses")?;
        }
        for (code, stats) in later.codes {
            match self.codes.get_mut(&code) {
                Some(mine) => {
                    mine.findings = sum(mine.findings, stats.findings, "codes[].findings")?;
                    mine.captures = sum(mine.captures, stats.captures, "codes[].captures")?;
                    mine.first_seen = earliest(mine.first_seen, stats.first_seen);
                    mine.last_seen = latest(mine.last_seen, stats.last_seen);
                }
                None => {
                    self.codes.insert(code, stats);
                }
            }
        }
        self.profiled = sum(self.profiled, later.profiled, "profiled")?;
        self.add_definitions(later.definitions);
        self.timeline.merge(&later.timeline);
        for (profile, paths) in later.enum_values {
            for (path, values) in paths {
                let Some(kept) = self.enum_path(&profile, &path) else {
                    continue;
                };
                for (value, example) in values {
                    keep_enum_value(kept, value, || example);
                }
            }
        }
        self.count_signatures_dropped(later.signatures_dropped, add)?;
        for stats in later
            .signatures
            .into_values()
            .flat_map(BTreeMap::into_values)
        {
            match self
                .signatures
                .get_mut(&stats.code)
                .and_then(|keys| keys.get_mut(&stats.key))
            {
                Some(kept) => {
                    kept.captures = sum(kept.captures, stats.captures, "signatures[].captures")?;
                    kept.first_seen = earliest(kept.first_seen, stats.first_seen);
                    kept.last_seen = latest(kept.last_seen, stats.last_seen);
                    let room = MAX_SIGNATURE_EXAMPLES.saturating_sub(kept.examples.len());
                    kept.examples.extend(stats.examples.into_iter().take(room));
                }
                None => self.keep_signature(stats, add)?,
            }
        }
        self.count_dropped(later.drift_paths_dropped, add)?;
        for row in later.drift.into_values().flat_map(BTreeMap::into_values) {
            self.fold_row(row, add)?;
        }
        Ok(())
    }

    /// Fold in a drift row of captures that came after these ones: added to
    /// the row of its path, or kept as a new row (or left out).
    fn fold_row(
        &mut self,
        row: DriftRow,
        add: impl Fn(u64, u64) -> Option<u64> + Copy,
    ) -> Result<(), Overflow> {
        let sum = |a: u64, b: u64, field: &'static str| add(a, b).ok_or(Overflow { field });
        match (self.drift.get_mut(&row.profile)).and_then(|rows| rows.get_mut(&row.path)) {
            Some(kept) => {
                for (kept_count, count) in kept.observed.0.iter_mut().zip(row.observed.0) {
                    *kept_count = sum(*kept_count, count, "drift[].observed")?;
                }
                kept.captures = sum(kept.captures, row.captures, "drift[].captures")?;
                kept.drifted |= row.drifted;
                Ok(())
            }
            None => self.keep_row(row, add),
        }
    }

    /// Keep the lint of these definitions too: the union by source, in
    /// source order (every shard of a scan lints the same definitions).
    pub fn add_definitions(&mut self, definitions: Vec<crate::lint::DefinitionLint>) {
        crate::lint::keep_each_once(&mut self.definitions, definitions);
    }

    /// Captures with this status.
    pub fn count(&self, status: Status) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

/// The addition of counts within one scan, which never fails.
fn saturating_add(a: u64, b: u64) -> Option<u64> {
    Some(a.saturating_add(b))
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

    fn record(source: &str, status: Status, codes: &[Code]) -> CaptureRecord {
        CaptureRecord::example(source, status, codes)
    }

    /// The summary of `records` added one by one, as `Summary::add` does.
    fn added_one_by_one(records: &[CaptureRecord]) -> Summary {
        let mut whole = Summary::default();
        records.iter().for_each(|r| whole.add(r));
        whole
    }

    /// The summaries of the records before and from `split`, merged.
    fn summary_split_at(records: &[CaptureRecord], split: usize) -> Summary {
        let mut first = Summary::default();
        let mut second = Summary::default();
        records[..split].iter().for_each(|r| first.add(r));
        records[split..].iter().for_each(|r| second.add(r));
        first.merge(second);
        first
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
        let whole = added_one_by_one(&records);
        for split in [1, 50, 137] {
            let first = summary_split_at(&records, split);
            assert_eq!(first.enum_values, whole.enum_values, "split at {split}");
        }
        let kept = &whole.enum_values["p"]["/channel"];
        assert_eq!(kept.len(), MAX_ENUM_VALUES);
        assert_eq!(kept.keys().next().map(String::as_str), Some("v000"));
    }

    #[test]
    fn enum_paths_past_the_limit_do_not_depend_on_the_split() {
        // Two captures per key, under two profiles, in scrambled order.
        let records: Vec<CaptureRecord> = (0..2 * (MAX_ENUM_PATHS + 300))
            .map(|i| {
                let key = (i * 7919) % (MAX_ENUM_PATHS + 300);
                CaptureRecord {
                    profile: Some(if key.is_multiple_of(3) { "a" } else { "b" }.into()),
                    enum_values: vec![(
                        format!("/map/k{key:05}"),
                        format!("v{}", i / (MAX_ENUM_PATHS + 300)),
                    )],
                    ..record(&format!("c{i:05}"), Status::Ok, &[])
                }
            })
            .collect();
        let whole = added_one_by_one(&records);
        for split in [1, 700, 2001] {
            let first = summary_split_at(&records, split);
            assert_eq!(first.enum_values, whole.enum_values, "split at {split}");
        }
        let kept: usize = whole.enum_values.values().map(BTreeMap::len).sum();
        assert_eq!(kept, MAX_ENUM_PATHS);
        // Every profile "a" path sorts first and is kept, with both values.
        assert_eq!(
            whole.enum_values["a"].len(),
            (MAX_ENUM_PATHS + 300).div_ceil(3)
        );
        assert!(
            whole.enum_values["a"]
                .values()
                .all(|values| values.len() == 2)
        );
    }

    proptest::proptest! {
        /// Each capture's paths, sorted as the drift walk gives them or in
        /// any order, with more rows than a capture has between its paths:
        /// every row counts the captures with its path and their types.
        #[test]
        fn drift_rows_count_every_capture_with_their_path(
            captures in proptest::collection::vec(
                (proptest::collection::btree_map(0usize..60, 0usize..7, 0..40), proptest::prelude::any::<bool>()),
                1..12,
            ),
        ) {
            let mut summary = Summary::default();
            let mut expected: BTreeMap<String, (u64, [u64; 7])> = BTreeMap::new();
            for (i, (paths, sorted)) in captures.iter().enumerate() {
                let mut observations: Vec<Observation> = paths
                    .iter()
                    .map(|(&path, &kind)| Observation {
                        path: format!("/p{path:02}").into(),
                        declared: "undeclared".into(),
                        seen: 1 << kind,
                        declared_bits: crate::profile::shape::UNDECLARED,
                    })
                    .collect();
                if !sorted {
                    observations.reverse();
                }
                for observation in &observations {
                    let row = expected.entry(observation.path.to_string()).or_default();
                    row.0 += 1;
                    row.1[observation.seen.trailing_zeros() as usize] += 1;
                }
                summary.add(&CaptureRecord {
                    profile: Some("p".into()),
                    observations: observations.into(),
                    ..record(&format!("c{i}"), Status::Drift, &[])
                });
            }
            let rows: BTreeMap<String, (u64, [u64; 7])> = summary
                .drift
                .get("p")
                .into_iter()
                .flatten()
                .map(|(path, row)| (path.clone(), (row.captures, row.observed.0)))
                .collect();
            proptest::prop_assert_eq!(rows, expected);
        }
    }

    /// A schema whose declared paths a key `*` can collide with (`/list/*`
    /// under an object sent where the list is declared, and `/*` itself).
    fn summing_schema() -> crate::profile::Schema {
        crate::profile::Schema::compile(
            "t",
            &serde_json::json!({
                "type": "object",
                "properties": {
                    "a": {"type": "integer"},
                    "b": {"type": "string"},
                    "*": {"type": "string"},
                    "list": {"type": "array", "items": {
                        "type": "object", "properties": {"id": {"type": "string"}}
                    }},
                    "m": {"type": "object", "additionalProperties": {"type": "number"}}
                }
            }),
        )
        .expect("the schema compiles")
    }

    /// A payload for [`summing_schema`]: declared fields with the declared
    /// type or another, a list or an object where the list is declared,
    /// a map, and `extra` undeclared keys from `first` on.
    fn summing_payload(choices: [u8; 6], extra: std::ops::Range<u32>) -> serde_json::Value {
        use serde_json::{Value, json};
        let mut payload = serde_json::Map::new();
        let pick = |choice: u8, one: Value, other: Value| match choice % 3 {
            0 => None,
            1 => Some(one),
            _ => Some(other),
        };
        let fields = [
            ("a", pick(choices[0], json!(1), json!("1"))),
            ("b", pick(choices[1], json!("x"), json!(2))),
            ("*", pick(choices[2], json!("s"), json!(null))),
            (
                "list",
                pick(
                    choices[3],
                    json!([{"id": "i"}, {"id": 3, "new": true}]),
                    json!({"*": 1}),
                ),
            ),
            (
                "m",
                pick(choices[4], json!({"k": 1.5}), json!({"k": "v", "j": 2})),
            ),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                payload.insert(key.to_owned(), value);
            }
        }
        if choices[5] % 2 == 1 {
            for key in extra {
                payload.insert(format!("k{key:05}"), json!(key % 2 == 0));
            }
        }
        Value::Object(payload)
    }

    fn summing_record(
        index: usize,
        payload: &serde_json::Value,
        schema: &crate::profile::Schema,
    ) -> CaptureRecord {
        let outcome = crate::layer::drift::check(payload, "", schema, false);
        CaptureRecord {
            profile: Some("p".into()),
            observations: outcome.observations,
            ..record(&format!("c{index:03}"), Status::Drift, &[])
        }
    }

    /// The summary of `records` summed in runs that end at `splits`, the
    /// runs' summaries merged in order, as a scan folds and reduces them.
    fn summed_in_runs(records: &[CaptureRecord], splits: &[usize]) -> Summary {
        let mut merged = Summary::default();
        let mut start = 0;
        for end in splits.iter().copied().chain([records.len()]) {
            let end = end.clamp(start, records.len());
            let mut summing = Summing::new(Summary::default());
            records[start..end].iter().for_each(|r| summing.add(r));
            merged.merge(summing.finish());
            start = end;
        }
        merged
    }

    /// The summary of adding `records` one by one, once summing them in
    /// runs ending at each of `runs` has been checked to give it too.
    fn added_alike_in_runs(records: &[CaptureRecord], runs: &[&[usize]]) -> Summary {
        let whole = added_one_by_one(records);
        for splits in runs {
            assert_eq!(
                summed_in_runs(records, splits),
                whole,
                "runs ending at {splits:?}"
            );
        }
        whole
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Summing gives, for any runs, the summary of adding one by one:
        /// the same rows, counts, first examples and declared types, also
        /// where an undeclared path has a declared one's text.
        #[test]
        fn summing_equals_adding_one_by_one(
            payloads in proptest::collection::vec(proptest::prelude::any::<[u8; 6]>(), 1..16),
            mut splits in proptest::collection::vec(0usize..16, 0..4),
        ) {
            splits.sort_unstable();
            let schema = summing_schema();
            let records: Vec<CaptureRecord> = (payloads.iter().enumerate())
                .map(|(i, choices)| summing_record(i, &summing_payload(*choices, 0..3), &schema))
                .collect();
            let whole = added_one_by_one(&records);
            // Rows there are, unless every payload drew no field at all.
            let observed = records.iter().any(|record| !record.observations.is_empty());
            proptest::prop_assert_eq!(!whole.drift.is_empty(), observed);
            proptest::prop_assert_eq!(summed_in_runs(&records, &splits), whole);
        }
    }

    /// Records of `payloads` against one schema compiled from `schema`.
    fn records_of(schema: serde_json::Value, payloads: &[serde_json::Value]) -> Vec<CaptureRecord> {
        let schema = crate::profile::Schema::compile("t", &schema).expect("the schema compiles");
        (payloads.iter().enumerate())
            .map(|(i, payload)| summing_record(i, payload, &schema))
            .collect()
    }

    /// The drift row of `path`, and that adding one by one, summing in any
    /// runs and merging halves all give it.
    fn the_row_whatever_the_split(records: &[CaptureRecord], path: &str) -> DriftRow {
        let whole = added_one_by_one(records);
        for split in 1..records.len() {
            assert_eq!(summary_split_at(records, split), whole, "split at {split}");
            assert_eq!(
                summed_in_runs(records, &[split]),
                whole,
                "runs split at {split}"
            );
        }
        assert_eq!(summed_in_runs(records, &[]), whole);
        whole.drift["p"][path].clone()
    }

    #[test]
    fn an_undeclared_path_with_a_declared_text_keeps_the_first_capture() {
        // The second capture sees no declared path: its `/*` (an item of
        // an array sent where an object is declared) is the key `*`'s row.
        let records = records_of(
            serde_json::json!({"type": "object", "properties": {"*": {"type": "string"}}}),
            &[serde_json::json!({"*": "s"}), serde_json::json!([1])],
        );
        let row = the_row_whatever_the_split(&records, "/*");
        assert_eq!(
            (row.declared.as_str(), row.example.as_str()),
            ("string", "c000")
        );
        assert_eq!((row.captures, row.drifted), (2, true));
    }

    #[test]
    fn a_path_at_two_rows_of_the_table_is_one_capture_of_it() {
        // `/list/*/*` is declared twice: the key `*` of an item and the
        // items of an item; the third capture sees both.
        let records = records_of(
            serde_json::json!({"type": "object", "properties": {"list": {
                "type": "array",
                "items": {"properties": {"*": {"type": "string"}}, "items": {"type": "integer"}}
            }}}),
            &[
                serde_json::json!({"list": [[1]]}),
                serde_json::json!({"list": [{"*": "s"}]}),
                serde_json::json!({"list": [{"*": "s"}, [1]]}),
            ],
        );
        let row = the_row_whatever_the_split(&records, "/list/*/*");
        assert_eq!(
            (row.declared.as_str(), row.example.as_str()),
            ("integer", "c000")
        );
        assert_eq!(row.captures, 3);
        let observed: Vec<(&str, u64)> = row.observed.iter().collect();
        assert_eq!(observed, [("integer", 2), ("string", 2)]);
        assert!(!row.drifted);
    }

    #[test]
    fn summing_one_profile_of_two_schemas_equals_adding_one_by_one() {
        // Two folders' definitions may share a name: their tables take turns.
        let schemas = [summing_schema(), summing_schema()];
        let records: Vec<CaptureRecord> = (0..9u8)
            .map(|i| {
                let choices = [i % 3, (i + 1) % 3, 1, i % 3, 2, 0];
                let schema = &schemas[usize::from(i % 4 == 1 || i % 4 == 2)];
                summing_record(usize::from(i), &summing_payload(choices, 0..1), schema)
            })
            .collect();
        added_alike_in_runs(&records, &[&[], &[4], &[2, 3, 8]]);
    }

    #[test]
    fn summing_a_full_drift_table_equals_adding_one_by_one() {
        // Declared rows counted apart while undeclared ones fill the table
        // past its size: the rows kept and the observations left out are
        // those of adding one by one.
        let schema = summing_schema();
        let records: Vec<CaptureRecord> = (0..8u32)
            .map(|i| {
                let choices = [1, 2, (i % 3) as u8, (i % 3) as u8, 1, 1];
                let payload = summing_payload(choices, i * 1500..i * 1500 + 3000);
                summing_record(i as usize, &payload, &schema)
            })
            .collect();
        let whole = added_alike_in_runs(&records, &[&[], &[3], &[1, 2, 7]]);
        assert_eq!(whole.drift_rows(), MAX_DRIFT_PATHS);
        assert!(whole.drift_paths_dropped > 0);
        // Declared rows on both sides of the cut.
        assert!(whole.drift["p"].contains_key("/a"));
        assert!(!whole.drift["p"].contains_key("/list"));
    }

    #[test]
    fn a_full_drift_table_does_not_depend_on_the_split() {
        // Captures of overlapping runs of keys, more paths than the table keeps.
        let records: Vec<CaptureRecord> = (0..12)
            .map(|i| CaptureRecord {
                profile: Some(if i % 3 == 0 { "a" } else { "b" }.into()),
                observations: (i * 700..i * 700 + 2500)
                    .map(|key| Observation {
                        path: format!("/k{key:05}").into(),
                        declared: "undeclared".into(),
                        seen: 1 << (key % 3),
                        declared_bits: crate::profile::shape::UNDECLARED,
                    })
                    .collect::<Vec<_>>()
                    .into(),
                ..record(&format!("c{i:02}"), Status::Drift, &[])
            })
            .collect();
        let whole = added_one_by_one(&records);
        assert_eq!(whole.drift_rows(), MAX_DRIFT_PATHS);
        let observations: u64 = records.iter().map(|r| r.observations.len() as u64).sum();
        let kept: u64 = whole
            .drift
            .values()
            .flat_map(BTreeMap::values)
            .map(|row| row.captures)
            .sum();
        assert_eq!(kept + whole.drift_paths_dropped, observations);
        for split in [1, 5, 11] {
            assert_eq!(summary_split_at(&records, split), whole, "split at {split}");
        }
    }

    #[test]
    fn a_summary_reads_back_as_it_was_written() {
        let observation = |path: &str, seen| Observation {
            path: path.into(),
            declared: "string".into(),
            seen,
            declared_bits: 1 << 2,
        };
        let records = [
            CaptureRecord {
                captured_at: Some(1_763_629_923),
                profile: Some("p".into()),
                observations: vec![observation("/a", 1 << 2), observation("/b", 1 << 3)].into(),
                enum_values: vec![("/channel".into(), "voice".into())],
                ..record("x.har#2", Status::Drift, &[Code::D01, Code::S07])
            },
            record("-", Status::Malformed, &[Code::T05]),
        ];
        let mut written = Summary {
            inputs: vec!["x.har".into(), "-".into()],
            shard: Shard::new(2, 3),
            config: Some("dapa.toml".into()),
            regressions: Some(vec![Regression {
                kind: "new-enum-value",
                message: "p: /channel has the value \"voice\"".into(),
                example: "x.har#2".into(),
            }]),
            ..Summary::default()
        };
        records.iter().for_each(|r| written.add(r));
        let text = serde_json::to_string(&written).unwrap();
        let read: Summary = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        assert_eq!(read.codes, written.codes);
        assert_eq!(read.drift, written.drift);
        assert_eq!(read.statuses, written.statuses);
        assert_eq!(read.codes[&Code::S07].layer, Code::S07.layer());
        assert_eq!(read.codes[&Code::T05].example, "-");
        assert_eq!(read, written);
    }

    #[test]
    fn a_summary_of_another_format_or_regression_kind_is_refused() {
        let text = serde_json::to_string(&Summary::default()).unwrap();
        // A newer layout with a field this dapa does not know: the format
        // is named, as it comes first.
        let newer = text.replacen("\"format\":1", "\"format\":2", 1);
        let newer = format!("{},\"colour\":1}}", newer.strip_suffix('}').unwrap());
        let error = serde_json::from_str::<Summary>(&newer).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("in format 2; this dapa reads format 1"),
            "{error}"
        );
        let written: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut odd = written.clone();
        odd["regressions"] = serde_json::json!([{"kind": "worse", "message": "m", "example": "e"}]);
        let error = serde_json::from_value::<Summary>(odd).unwrap_err();
        assert!(
            error.to_string().contains("'worse' is not a regression"),
            "{error}"
        );
        // A summary from before dapa named itself still reads.
        let mut older = written;
        older.as_object_mut().unwrap().remove("dapa");
        older.as_object_mut().unwrap().remove("inputs");
        let read = serde_json::from_value::<Summary>(older).unwrap();
        assert_eq!((read.dapa, read.inputs.len()), (None, 0));
    }

    #[test]
    fn merging_equals_adding_in_order() {
        let records = [
            record("a", Status::Ok, &[]),
            record("b", Status::Drift, &[Code::S07, Code::S07]),
            record("c", Status::Drift, &[Code::S07]),
            record("d", Status::Malformed, &[Code::S01]),
        ];
        let whole = added_one_by_one(&records);
        assert_eq!(summary_split_at(&records, 2), whole);
        assert_eq!(whole.codes[&Code::S07].findings, 3);
        assert_eq!(whole.codes[&Code::S07].captures, 2);
        assert_eq!(whole.codes[&Code::S07].example, "b");
        assert_eq!(whole.count(Status::Drift), 2);
    }
}

//! The summary's tables as data: for each table its columns and its rows of
//! typed cells, built once from the summary and the regressions. Every
//! human-facing format renders the same tables in the same column order;
//! each only decides how a cell looks in its syntax and how it is escaped.

use dapa::baseline::Regression;
use dapa::summary::{DriftRow, SignatureStats};
use dapa::timeline::Timeline;
use dapa::{Severity, Status, Summary, timeline};
use std::borrow::Cow;

/// How a column's cells read, which decides how formats line them up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Words and text, left-aligned.
    Text,
    /// Counts and shares, right-aligned so digits line up.
    Number,
    /// Times, kept on one line.
    Time,
}

/// A column: its header and how its cells read.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header, one of dapa's own words.
    pub header: &'static str,
    /// How its cells read.
    pub kind: Kind,
}

/// One cell, as data; formats render and escape it.
#[derive(Debug, Clone)]
pub enum Cell<'a> {
    /// Nothing.
    Blank,
    /// One of dapa's own words (a code, a layer, a count list): shown as it is.
    Word(Cow<'a, str>),
    /// A status, shown with its colour where the format has colours.
    Status(Status),
    /// A severity, shown with its colour where the format has colours.
    Severity(Severity),
    /// A count.
    Count(u64),
    /// `part` of `whole` as a percentage.
    Share {
        /// The part.
        part: u64,
        /// The whole.
        whole: u64,
    },
    /// A moment, or none.
    Time(Option<i64>),
    /// Text that quotes a capture (a message, a profile name): escaped.
    Text(&'a str),
    /// A literal from a capture (a source, a path): escaped, shown as code.
    Literal(&'a str),
    /// Literals from captures (a signature's example sources), in order:
    /// each escaped and shown as code.
    Literals(&'a [String]),
    /// A capture that shows a code, with the message that says what it
    /// shows; formats that show messages elsewhere show only the capture.
    Example {
        /// The capture.
        example: &'a str,
        /// What was found there.
        message: &'a str,
    },
}

/// One table: its columns and its rows, each with a cell per column.
#[derive(Debug, Clone)]
pub struct Rows<'a> {
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell<'a>>>,
}

impl<'a> Rows<'a> {
    fn new(columns: &[(&'static str, Kind)]) -> Self {
        Rows {
            columns: columns
                .iter()
                .map(|&(header, kind)| Column { header, kind })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// The table without the named columns, for a format that leaves them out.
    pub fn without(mut self, headers: &[&str]) -> Self {
        let kept: Vec<bool> = self
            .columns
            .iter()
            .map(|column| !headers.contains(&column.header))
            .collect();
        let mut keep = kept.iter().copied();
        self.columns.retain(|_| keep.next().unwrap_or(true));
        for row in &mut self.rows {
            let mut keep = kept.iter().copied();
            row.retain(|_| keep.next().unwrap_or(true));
        }
        self
    }
}

impl Cell<'_> {
    /// The cell as plain text, unescaped: formats escape what needs it.
    pub fn plain(&self) -> Cow<'_, str> {
        match self {
            Cell::Blank => Cow::Borrowed(""),
            Cell::Word(word) => Cow::Borrowed(word),
            Cell::Status(status) => Cow::Borrowed(status.as_str()),
            Cell::Severity(severity) => Cow::Borrowed(severity.as_str()),
            Cell::Count(count) => Cow::Owned(count.to_string()),
            Cell::Share { part, whole } => Cow::Owned(share(*part, *whole)),
            Cell::Time(time) => Cow::Owned(time.map(short_time).unwrap_or_default()),
            Cell::Text(text) | Cell::Literal(text) => Cow::Borrowed(text),
            Cell::Example { example, .. } => Cow::Borrowed(example),
            Cell::Literals(texts) => Cow::Owned(texts.join(", ")),
        }
    }
}

/// The share of `part` in `whole` as a percentage with one decimal.
pub fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A time for a table cell: `2026-11-20 09:13:03`.
pub fn short_time(seconds: i64) -> String {
    timeline::rfc3339(seconds)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

/// Captures (or definitions) by status: every status, with its count and
/// share.
pub fn statuses(summary: &Summary) -> Rows<'_> {
    let mut table = Rows::new(&[
        ("status", Kind::Text),
        (summary.subject.plural(), Kind::Number),
        ("share", Kind::Number),
    ]);
    for status in Status::ALL {
        let count = summary.count(status);
        table.rows.push(vec![
            Cell::Status(status),
            Cell::Count(count),
            Cell::Share {
                part: count,
                whole: summary.captures,
            },
        ]);
    }
    table
}

/// The headers of the codes table's columns of time, which a format may
/// leave out when no capture states its time.
pub const SEEN_COLUMNS: [&str; 2] = ["first seen", "last seen"];

/// Findings by code, with an example each and when the code was seen.
pub fn codes(summary: &Summary) -> Rows<'_> {
    let mut table = Rows::new(&[
        ("code", Kind::Text),
        ("name", Kind::Text),
        ("layer", Kind::Text),
        ("severity", Kind::Text),
        ("findings", Kind::Number),
        (summary.subject.plural(), Kind::Number),
        ("example", Kind::Text),
        (SEEN_COLUMNS[0], Kind::Time),
        (SEEN_COLUMNS[1], Kind::Time),
    ]);
    for stats in summary.codes.values() {
        table.rows.push(vec![
            Cell::Word(Cow::Owned(stats.code.to_string())),
            Cell::Word(Cow::Borrowed(stats.name)),
            Cell::Word(Cow::Borrowed(stats.layer.as_str())),
            Cell::Severity(stats.severity),
            Cell::Count(stats.findings),
            Cell::Count(stats.captures),
            Cell::Example {
                example: &stats.example,
                message: &stats.message,
            },
            Cell::Time(stats.first_seen),
            Cell::Time(stats.last_seen),
        ]);
    }
    table
}

/// The columns every signature table begins with; the cells of
/// [`signature_cells`] fill them.
fn signature_columns(summary: &Summary) -> [(&'static str, Kind); 5] {
    [
        ("code", Kind::Text),
        ("signature", Kind::Text),
        (summary.subject.plural(), Kind::Number),
        ("share", Kind::Number),
        ("what they have in common", Kind::Text),
    ]
}

/// A signature's cells of [`signature_columns`].
fn signature_cells<'a>(summary: &Summary, stats: &'a SignatureStats) -> Vec<Cell<'a>> {
    vec![
        Cell::Word(Cow::Owned(stats.code.to_string())),
        Cell::Word(Cow::Borrowed(&stats.id)),
        Cell::Count(stats.captures),
        Cell::Share {
            part: stats.captures,
            whole: summary.captures,
        },
        Cell::Text(&stats.key),
    ]
}

/// Most captures first, then by key and code: an order that depends only
/// on the counts, never on how the work was split.
fn by_count(a: &SignatureStats, b: &SignatureStats) -> std::cmp::Ordering {
    b.captures
        .cmp(&a.captures)
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.code.cmp(&b.code))
}

/// Signatures most frequent first within each code, at most `per_code` of
/// each code (and a row saying how many more) when given; only codes with
/// more than one signature, the others being the codes table's rows.
pub fn signatures(summary: &Summary, per_code: Option<usize>) -> Rows<'_> {
    let mut table = Rows::new(&signature_columns(summary));
    table.columns.push(Column {
        header: "example",
        kind: Kind::Text,
    });
    for (code, keys) in summary.signatures.iter().filter(|(_, keys)| keys.len() > 1) {
        let mut ranked: Vec<_> = keys.values().collect();
        ranked.sort_by(|a, b| by_count(a, b));
        let shown = per_code.unwrap_or(ranked.len()).min(ranked.len());
        for stats in &ranked[..shown] {
            let mut row = signature_cells(summary, stats);
            row.push(Cell::Literal(
                stats.examples.first().map_or("", String::as_str),
            ));
            table.rows.push(row);
        }
        if shown < ranked.len() {
            let mut more = vec![Cell::Blank; table.columns.len()];
            more[0] = Cell::Word(Cow::Owned(code.to_string()));
            more[4] = Cell::Word(Cow::Owned(format!("{} more", ranked.len() - shown)));
            table.rows.push(more);
        }
    }
    table
}

/// Every signature the summary keeps, of every code, most captures first
/// across codes, with all its examples and when it was seen: the full list
/// a report to read at leisure shows.
pub fn signatures_by_count(summary: &Summary) -> Rows<'_> {
    let mut table = Rows::new(&signature_columns(summary));
    table.columns.extend(
        [
            ("examples", Kind::Text),
            (SEEN_COLUMNS[0], Kind::Time),
            (SEEN_COLUMNS[1], Kind::Time),
        ]
        .map(|(header, kind)| Column { header, kind }),
    );
    let mut ranked: Vec<&SignatureStats> = summary
        .signatures
        .values()
        .flat_map(|keys| keys.values())
        .collect();
    ranked.sort_by(|a, b| by_count(a, b));
    for stats in ranked {
        let mut row = signature_cells(summary, stats);
        row.extend([
            Cell::Literals(&stats.examples),
            Cell::Time(stats.first_seen),
            Cell::Time(stats.last_seen),
        ]);
        table.rows.push(row);
    }
    table
}

/// Drift by field path: a row per path of each profile's payloads.
pub fn drift(summary: &Summary) -> Rows<'_> {
    drift_rows(
        summary,
        summary.drift.values().flat_map(|rows| rows.values()),
    )
}

/// The drift table with the paths that drifted first, each part in path
/// order: in a table of thousands of paths, the few that drifted are what
/// a reader looks for.
pub fn drift_drifted_first(summary: &Summary) -> Rows<'_> {
    let (drifted, steady): (Vec<&DriftRow>, Vec<&DriftRow>) = summary
        .drift
        .values()
        .flat_map(|rows| rows.values())
        .partition(|row| row.drifted);
    drift_rows(summary, drifted.into_iter().chain(steady))
}

fn drift_rows<'a>(summary: &Summary, rows: impl Iterator<Item = &'a DriftRow>) -> Rows<'a> {
    let mut table = Rows::new(&[
        ("profile", Kind::Text),
        ("path", Kind::Text),
        ("declared", Kind::Text),
        ("observed", Kind::Text),
        ("captures", Kind::Number),
        ("share", Kind::Number),
        ("drift", Kind::Text),
        ("example", Kind::Text),
    ]);
    for row in rows {
        table.rows.push(vec![
            Cell::Text(&row.profile),
            Cell::Literal(&row.path),
            Cell::Text(&row.declared),
            Cell::Word(Cow::Owned(row.observed.to_string())),
            Cell::Count(row.captures),
            Cell::Share {
                part: row.captures,
                whole: summary.profiled,
            },
            Cell::Word(Cow::Borrowed(if row.drifted { "yes" } else { "" })),
            Cell::Literal(&row.example),
        ]);
    }
    table
}

/// How the timeline table shows a bucket's statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketStatuses {
    /// One column listing them (`malformed 2, ok 5`).
    Listed,
    /// A column of counts per status that occurs in the timeline.
    ColumnEach,
}

/// The statuses that occur in a timeline, in status order.
pub fn timeline_statuses(shown: &Timeline) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|status| {
            shown
                .buckets
                .values()
                .any(|bucket| bucket.statuses.contains_key(status))
        })
        .collect()
}

/// A row per timeline bucket with captures: its start, captures, statuses
/// and codes.
pub fn timeline(shown: &Timeline, statuses: BucketStatuses) -> Rows<'_> {
    let present = match statuses {
        BucketStatuses::Listed => Vec::new(),
        BucketStatuses::ColumnEach => timeline_statuses(shown),
    };
    let mut columns = vec![("bucket", Kind::Time), ("captures", Kind::Number)];
    match statuses {
        BucketStatuses::Listed => columns.push(("statuses", Kind::Text)),
        BucketStatuses::ColumnEach => {
            columns.extend(present.iter().map(|status| (status.as_str(), Kind::Number)));
        }
    }
    columns.push(("codes", Kind::Text));
    let mut table = Rows::new(&columns);
    for (start, bucket) in &shown.buckets {
        let mut row = vec![Cell::Time(Some(*start)), Cell::Count(bucket.captures)];
        match statuses {
            BucketStatuses::Listed => row.push(Cell::Word(Cow::Owned(bucket.statuses_text()))),
            BucketStatuses::ColumnEach => row.extend(present.iter().map(|status| {
                bucket
                    .statuses
                    .get(status)
                    .map_or(Cell::Blank, |&count| Cell::Count(count))
            })),
        }
        row.push(Cell::Word(Cow::Owned(bucket.codes_text())));
        table.rows.push(row);
    }
    table
}

/// What a timeline shows, for the line that introduces it.
#[derive(Debug, Clone)]
pub struct Span {
    /// The bucket width, in words (`1 minute`).
    pub width: String,
    /// The first capture time, as a table shows times.
    pub from: String,
    /// The last capture time.
    pub to: String,
    /// What else the line says: that the buckets are wider than
    /// `--bucket` asked (too many at that width), that `N captures state
    /// no time`; `None` when neither.
    pub note: Option<String>,
}

impl Span {
    /// The span of a timeline, if any capture states its time.
    pub fn of(shown: &Timeline) -> Option<Span> {
        Some(Span {
            width: timeline::width_name(shown.width),
            from: short_time(shown.first?),
            to: short_time(shown.last?),
            note: span_note(shown),
        })
    }
}

/// `10,000`: a count with its thousands marked.
fn in_thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

fn span_note(shown: &Timeline) -> Option<String> {
    let widened = shown.widened_from().map(|asked| {
        format!(
            "{} asked, but that makes more than {} buckets",
            timeline::width_name(asked),
            in_thousands(timeline::MAX_BUCKETS)
        )
    });
    let undated = (shown.undated > 0).then(|| format!("{} captures state no time", shown.undated));
    let notes: Vec<String> = widened.into_iter().chain(undated).collect();
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// What is worse than the baseline: a row per regression.
pub fn regressions(regressions: &[Regression]) -> Rows<'_> {
    let mut table = Rows::new(&[
        ("kind", Kind::Text),
        ("what", Kind::Text),
        ("example", Kind::Text),
    ]);
    for regression in regressions {
        table.rows.push(vec![
            Cell::Word(Cow::Borrowed(regression.kind)),
            Cell::Text(&regression.message),
            Cell::Literal(&regression.example),
        ]);
    }
    table
}

/// The lint of the definitions in use: a row per finding (where in the
/// definition file, and what), a row saying so for a clean definition.
pub fn definitions(summary: &Summary) -> Rows<'_> {
    let mut table = Rows::new(&[
        ("definition", Kind::Text),
        ("code", Kind::Text),
        ("name", Kind::Text),
        ("severity", Kind::Text),
        ("line", Kind::Text),
        ("pointer", Kind::Text),
        ("message", Kind::Text),
    ]);
    for definition in &summary.definitions {
        if definition.findings.is_empty() {
            table.rows.push(vec![
                Cell::Literal(&definition.source),
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::Text("no findings"),
            ]);
        }
        for finding in &definition.findings {
            let line = match (finding.line, finding.column) {
                (Some(line), Some(column)) => Cell::Word(Cow::Owned(format!("{line}:{column}"))),
                _ => Cell::Blank,
            };
            table.rows.push(vec![
                Cell::Literal(&definition.source),
                Cell::Word(Cow::Borrowed(finding.code.as_str())),
                Cell::Word(Cow::Borrowed(finding.name)),
                Cell::Severity(finding.severity),
                line,
                finding
                    .pointer
                    .as_deref()
                    .map_or(Cell::Blank, Cell::Literal),
                Cell::Text(&finding.message),
            ]);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_cell_per_column() {
        let summary = Summary::new(Default::default());
        let table = statuses(&summary);
        assert!(table.rows.iter().all(|row| row.len() == 3));
        let narrower = table.without(&["share"]);
        assert_eq!(narrower.columns.len(), 2);
        assert!(narrower.rows.iter().all(|row| row.len() == 2));
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(1, 0), "-");
        assert_eq!(in_thousands(10_000), "10,000");
        assert_eq!(in_thousands(999), "999");
        assert_eq!(in_thousands(1_234_567), "1,234,567");
    }
}

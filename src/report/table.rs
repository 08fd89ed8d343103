//! `--format table`: the summary as tables for a terminal.

use super::Report;
use super::escape::terminal;
use super::rows::{self, BucketStatuses, Cell, Kind, Rows, Span};
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use dapa::baseline::Regression;
use dapa::{Summary, timeline};
use std::io::{self, Write};

/// Tables for a terminal.
pub struct Tables;

impl Report for Tables {
    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        write_summary(out, summary)?;
        write_regressions(out, regressions)
    }
}

/// The regressions against a baseline, if any were looked for and found.
fn write_regressions(out: &mut dyn Write, regressions: &[Regression]) -> io::Result<()> {
    if regressions.is_empty() {
        return Ok(());
    }
    writeln!(out, "regressions against the baseline")?;
    writeln!(out, "{}", table(&rows::regressions(regressions)))
}

/// A model table as a terminal table: text escaped, numbers on the right.
fn table(model: &Rows) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(model.columns.iter().map(|column| column.header));
    for row in &model.rows {
        table.add_row(row.iter().map(cell));
    }
    for (index, column) in model.columns.iter().enumerate() {
        if column.kind == Kind::Number
            && let Some(column) = table.column_mut(index)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) | Cell::Literal(text) | Cell::Example { example: text, .. } => {
            terminal(text).into_owned()
        }
        other => other.plain().into_owned(),
    }
}

/// Write the totals by status and the counts by code.
pub fn write_summary(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "{} captures, {} bytes",
        summary.captures, summary.bytes
    )?;
    let statuses = table(&rows::statuses(summary));
    writeln!(out, "{statuses}")?;
    if summary.codes.is_empty() {
        writeln!(out, "no findings")?;
        return Ok(());
    }
    let mut codes = rows::codes(summary);
    // A terminal is narrow: the columns of time only when a capture states one.
    if !summary
        .codes
        .values()
        .any(|stats| stats.first_seen.is_some())
    {
        codes = codes.without(&rows::SEEN_COLUMNS);
    }
    let codes = table(&codes);
    writeln!(out, "{codes}")?;
    write_drift(out, summary)?;
    write_timeline(out, summary)
}

/// Dense series up to this many buckets; past it, only buckets with captures.
const DENSE_BUCKETS: usize = 240;

/// The timeline: a sparkline per status, then a row per bucket with captures.
fn write_timeline(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let shown = summary.timeline.for_display();
    let Some(span) = Span::of(&shown) else {
        return Ok(());
    };
    let buckets = format!("{} buckets, {} to {}", span.width, span.from, span.to);
    let undated = span
        .undated
        .map(|note| format!("; {note}"))
        .unwrap_or_default();
    writeln!(out, "timeline by capture time ({buckets}{undated})")?;
    let starts = shown.starts(DENSE_BUCKETS);
    let present = rows::timeline_statuses(&shown);
    let label_width = present.iter().map(|s| s.as_str().len()).max().unwrap_or(0);
    for status in &present {
        let counts: Vec<u64> = starts
            .iter()
            .map(|start| {
                shown
                    .buckets
                    .get(start)
                    .and_then(|b| b.statuses.get(status))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        let total: u64 = counts.iter().sum();
        writeln!(
            out,
            "{:<label_width$}  {}  {total}",
            status.as_str(),
            timeline::sparkline(&counts)
        )?;
    }
    writeln!(
        out,
        "{}",
        table(&rows::timeline(&shown, BucketStatuses::ColumnEach))
    )
}

/// The drift table: one row per field path of each profile's payloads.
fn write_drift(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    if summary.drift.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "drift by field path ({} captures checked against a profile)",
        summary.profiled
    )?;
    writeln!(out, "{}", table(&rows::drift(summary)))?;
    if summary.drift_paths_dropped > 0 {
        writeln!(
            out,
            "({} observations of further paths not shown: the table keeps the {} first paths in sort order)",
            summary.drift_paths_dropped,
            dapa::summary::MAX_DRIFT_PATHS
        )?;
    }
    Ok(())
}

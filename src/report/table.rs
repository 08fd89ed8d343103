//! `--format table`: the summary as tables for a terminal.

use super::Report;
use super::escape::terminal;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use dapa::baseline::Regression;
use dapa::{Status, Summary, timeline};
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
    let mut table = new_table(&["kind", "what", "example"]);
    for regression in regressions {
        table.add_row(vec![
            regression.kind.to_owned(),
            terminal(&regression.message).into_owned(),
            terminal(&regression.example).into_owned(),
        ]);
    }
    writeln!(out, "{table}")
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    table
}

fn align_right(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
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

/// Write the totals by status and the counts by code.
pub fn write_summary(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "{} captures, {} bytes",
        summary.captures, summary.bytes
    )?;
    let mut statuses = new_table(&["status", "captures", "share"]);
    for status in Status::ALL {
        let count = summary.count(status);
        statuses.add_row(vec![
            status.to_string(),
            count.to_string(),
            share(count, summary.captures),
        ]);
    }
    align_right(&mut statuses, &[1, 2]);
    writeln!(out, "{statuses}")?;
    if summary.codes.is_empty() {
        writeln!(out, "no findings")?;
        return Ok(());
    }
    let dated = summary.codes.values().any(|s| s.first_seen.is_some());
    let mut header = vec![
        "code", "name", "layer", "severity", "findings", "captures", "example",
    ];
    if dated {
        header.extend(["first seen", "last seen"]);
    }
    let mut codes = new_table(&header);
    for stats in summary.codes.values() {
        let mut row = vec![
            stats.code.to_string(),
            stats.name.to_owned(),
            stats.layer.as_str().to_owned(),
            stats.severity.as_str().to_owned(),
            stats.findings.to_string(),
            stats.captures.to_string(),
            terminal(&stats.example).into_owned(),
        ];
        if dated {
            row.push(stats.first_seen.map(short_time).unwrap_or_default());
            row.push(stats.last_seen.map(short_time).unwrap_or_default());
        }
        codes.add_row(row);
    }
    align_right(&mut codes, &[4, 5]);
    writeln!(out, "{codes}")?;
    write_drift(out, summary)?;
    write_timeline(out, summary)
}

/// A time for a table cell: `2026-11-20 09:13:03`.
pub fn short_time(seconds: i64) -> String {
    timeline::rfc3339(seconds)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

/// Dense series up to this many buckets; past it, only buckets with captures.
const DENSE_BUCKETS: usize = 240;

/// The timeline: a sparkline per status, then a row per bucket with captures.
fn write_timeline(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let shown = summary.timeline.for_display();
    let (Some(first), Some(last)) = (shown.first, shown.last) else {
        return Ok(());
    };
    write!(
        out,
        "timeline by capture time ({} buckets, {} to {}",
        timeline::width_name(shown.width),
        short_time(first),
        short_time(last)
    )?;
    if shown.undated > 0 {
        write!(out, "; {} captures state no time", shown.undated)?;
    }
    writeln!(out, ")")?;
    let starts = shown.starts(DENSE_BUCKETS);
    let present: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|status| {
            shown
                .buckets
                .values()
                .any(|b| b.statuses.contains_key(status))
        })
        .collect();
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
    let mut header = vec!["bucket", "captures"];
    header.extend(present.iter().map(|s| s.as_str()));
    header.push("codes");
    let mut table = new_table(&header);
    for (start, bucket) in &shown.buckets {
        let mut row = vec![short_time(*start), bucket.captures.to_string()];
        row.extend(present.iter().map(|s| {
            bucket
                .statuses
                .get(s)
                .map_or_else(String::new, u64::to_string)
        }));
        row.push(bucket.codes_text());
        table.add_row(row);
    }
    let numeric: Vec<usize> = (1..present.len() + 2).collect();
    align_right(&mut table, &numeric);
    writeln!(out, "{table}")
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
    let mut table = new_table(&[
        "profile", "path", "declared", "observed", "captures", "share", "drift", "example",
    ]);
    for row in summary.drift.values().flat_map(|rows| rows.values()) {
        table.add_row(vec![
            terminal(&row.profile).into_owned(),
            terminal(&row.path).into_owned(),
            terminal(&row.declared).into_owned(),
            row.observed.to_string(),
            row.captures.to_string(),
            share(row.captures, summary.profiled),
            if row.drifted { "yes" } else { "" }.to_owned(),
            terminal(&row.example).into_owned(),
        ]);
    }
    align_right(&mut table, &[4, 5]);
    writeln!(out, "{table}")?;
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

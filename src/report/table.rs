//! `--format table`: the summary as tables for a terminal.

use super::Report;
use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use dapa::baseline::Regression;
use dapa::{Status, Summary};
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
            regression.message.clone(),
            regression.example.clone(),
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
    let mut codes = new_table(&[
        "code", "name", "layer", "severity", "findings", "captures", "example",
    ]);
    for stats in summary.codes.values() {
        codes.add_row(vec![
            stats.code.to_string(),
            stats.name.to_owned(),
            stats.layer.as_str().to_owned(),
            stats.severity.as_str().to_owned(),
            stats.findings.to_string(),
            stats.captures.to_string(),
            stats.example.clone(),
        ]);
    }
    align_right(&mut codes, &[4, 5]);
    writeln!(out, "{codes}")?;
    write_drift(out, summary)
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
            row.profile.clone(),
            row.path.clone(),
            row.declared.clone(),
            row.observed.to_string(),
            row.captures.to_string(),
            share(row.captures, summary.profiled),
            if row.drifted { "yes" } else { "" }.to_owned(),
            row.example.clone(),
        ]);
    }
    align_right(&mut table, &[4, 5]);
    writeln!(out, "{table}")?;
    if summary.drift_paths_dropped > 0 {
        writeln!(
            out,
            "({} more paths not shown: the table keeps {})",
            summary.drift_paths_dropped,
            dapa::summary::MAX_DRIFT_PATHS
        )?;
    }
    Ok(())
}

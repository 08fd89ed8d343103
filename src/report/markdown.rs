//! `--format markdown`: a report to paste into an incident ticket.

use super::Report;
use super::escape::{markdown_code, markdown_code_cell, markdown_text};
use crate::report::table::{share, short_time};
use dapa::baseline::Regression;
use dapa::{Status, Summary};
use std::io::{self, Write};

/// Headline numbers, the tables, one example per code.
pub struct Markdown;

impl Report for Markdown {
    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        writeln!(out, "# dapa scan report\n")?;
        let problems: Vec<String> = Status::ALL
            .into_iter()
            .filter(|status| *status != Status::Ok && summary.count(*status) > 0)
            .map(|status| {
                format!(
                    "{} {status} ({})",
                    summary.count(status),
                    share(summary.count(status), summary.captures)
                )
            })
            .collect();
        let headline = if problems.is_empty() {
            "nothing found".to_owned()
        } else {
            problems.join(", ")
        };
        writeln!(
            out,
            "**{} captures** ({} bytes): {headline}.\n",
            summary.captures, summary.bytes
        )?;
        if !regressions.is_empty() {
            writeln!(out, "## Regressions against the baseline\n")?;
            writeln!(out, "| kind | what | example |\n|---|---|---|")?;
            for regression in regressions {
                writeln!(
                    out,
                    "| {} | {} | {} |",
                    regression.kind,
                    markdown_text(&regression.message),
                    markdown_code_cell(&regression.example)
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Captures by status\n")?;
        writeln!(out, "| status | captures | share |\n|---|---:|---:|")?;
        for status in Status::ALL {
            let count = summary.count(status);
            writeln!(
                out,
                "| {status} | {count} | {} |",
                share(count, summary.captures)
            )?;
        }
        if !summary.codes.is_empty() {
            writeln!(out, "\n## Findings by code\n")?;
            writeln!(
                out,
                "| code | name | layer | severity | findings | captures | example | first seen | last seen |"
            )?;
            writeln!(out, "|---|---|---|---|---:|---:|---|---|---|")?;
            for stats in summary.codes.values() {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    stats.code,
                    stats.name,
                    stats.layer.as_str(),
                    stats.severity.as_str(),
                    stats.findings,
                    stats.captures,
                    markdown_code_cell(&stats.example),
                    stats.first_seen.map(short_time).unwrap_or_default(),
                    stats.last_seen.map(short_time).unwrap_or_default()
                )?;
            }
        }
        if !summary.drift.is_empty() {
            writeln!(out, "\n## Drift by field path\n")?;
            writeln!(
                out,
                "{} captures were checked against a profile.\n",
                summary.profiled
            )?;
            writeln!(
                out,
                "| profile | path | declared | observed | captures | share | drift |"
            )?;
            writeln!(out, "|---|---|---|---|---:|---:|---|")?;
            for row in summary.drift.values().flat_map(|rows| rows.values()) {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    markdown_text(&row.profile),
                    markdown_code_cell(&row.path),
                    markdown_text(&row.declared),
                    row.observed,
                    row.captures,
                    share(row.captures, summary.profiled),
                    if row.drifted { "yes" } else { "" }
                )?;
            }
        }
        write_timeline(out, summary)?;
        if !summary.codes.is_empty() {
            writeln!(out, "\n## Examples\n")?;
            for stats in summary.codes.values() {
                writeln!(
                    out,
                    "- **{} {}** — {}: {}",
                    stats.code,
                    stats.name,
                    markdown_code(&stats.example),
                    markdown_text(&stats.message)
                )?;
            }
        }
        Ok(())
    }
}

/// The timeline: a row per bucket with captures, its statuses and codes.
fn write_timeline(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let shown = summary.timeline.for_display();
    let (Some(first), Some(last)) = (shown.first, shown.last) else {
        return Ok(());
    };
    writeln!(out, "\n## Timeline\n")?;
    write!(
        out,
        "Captures by capture time, {} buckets, from {} to {}",
        dapa::timeline::width_name(shown.width),
        short_time(first),
        short_time(last)
    )?;
    if shown.undated > 0 {
        write!(out, " ({} captures state no time)", shown.undated)?;
    }
    writeln!(out, ".\n")?;
    writeln!(
        out,
        "| bucket | captures | statuses | codes |\n|---|---:|---|---|"
    )?;
    for (start, bucket) in &shown.buckets {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            short_time(*start),
            bucket.captures,
            bucket.statuses_text(),
            bucket.codes_text()
        )?;
    }
    Ok(())
}

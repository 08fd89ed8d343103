//! `--format markdown`: a report to paste into an incident ticket.

use super::escape::{markdown_code, markdown_code_cell, markdown_prose, markdown_text};
use super::rows::{self, BucketStatuses, Cell, Kind, Rows, Span, share};
use super::{Report, code_reference};
use dapa::advice::advice;
use dapa::baseline::Regression;
use dapa::{Code, Status, Subject, Summary};
use std::borrow::Cow;
use std::io::{self, Write};

/// Headline numbers, the tables, what to do per code, every signature by
/// count, one example per code.
pub struct Markdown;

impl Report for Markdown {
    /// The summary names no place in a body.
    fn needs_locations(&self) -> bool {
        false
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        writeln!(out, "# dapa {} report\n", summary.subject.command())?;
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
            "**{} {}** ({} bytes): {headline}.\n",
            summary.captures,
            summary.subject.plural(),
            summary.bytes
        )?;
        if !regressions.is_empty() {
            writeln!(out, "## Regressions against the baseline\n")?;
            write_table(out, &rows::regressions(regressions))?;
            writeln!(out)?;
        }
        writeln!(out, "## {} by status\n", summary.subject.heading())?;
        write_table(out, &rows::statuses(summary))?;
        if !summary.codes.is_empty() {
            writeln!(out, "\n## Findings by code\n")?;
            write_table(out, &rows::codes(summary))?;
            write_advice(out, summary)?;
            write_signatures(out, summary)?;
        }
        if !summary.drift.is_empty() {
            writeln!(out, "\n## Drift by field path\n")?;
            writeln!(
                out,
                "{} captures were checked against a profile.\n",
                summary.profiled
            )?;
            // A ticket's drift table has always gone without the examples;
            // adding them would change the report, not only its structure.
            write_table(out, &rows::drift(summary).without(&["example"]))?;
        }
        if !summary.definitions.is_empty() {
            // In lint's own report, the findings of each definition linted.
            let title = match summary.subject {
                Subject::Captures => "Definitions",
                Subject::Definitions => "Findings by definition",
            };
            writeln!(out, "\n## {title}\n")?;
            write_table(out, &rows::definitions(summary))?;
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

/// What to do: for each code found, what it means and how to fix it, and
/// a link to its section of the codes reference. A section rather than a
/// column, so that the codes table stays one line a row.
fn write_advice(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "\n## What to do\n\nFor each code found, how to fix it; `dapa codes CODE` also says what usually causes it and how to confirm that.\n"
    )?;
    for stats in summary.codes.values() {
        let advice = advice(stats.code);
        write_advice_item(out, stats.code, advice.summary, advice.fix)?;
    }
    Ok(())
}

/// One code's item of What to do: its summary, then its fix lines nested.
fn write_advice_item(
    out: &mut dyn Write,
    code: Code,
    summary: &str,
    fix: &[&str],
) -> io::Result<()> {
    writeln!(
        out,
        "- **{code} {}**: {} ([codes reference]({}))",
        code.name(),
        markdown_prose(summary),
        code_reference(code)
    )?;
    for line in fix {
        writeln!(out, "  - {}", markdown_prose(line))?;
    }
    Ok(())
}

/// Every signature kept, most captures first: which failures make up each
/// code's count, for a ticket that must say whether E01 is one failure or five.
fn write_signatures(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "\n## Signatures\n\nFindings of each code grouped by what they have in common, most {} first.\n",
        summary.subject.plural()
    )?;
    write_table(out, &rows::signatures_by_count(summary))
}

/// The timeline: a row per bucket with captures, its statuses and codes.
fn write_timeline(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    let shown = summary.timeline.for_display();
    let Some(span) = Span::of(&shown) else {
        return Ok(());
    };
    let Span {
        width,
        from,
        to,
        note: undated,
    } = span;
    let undated = undated.map(|note| format!(" ({note})")).unwrap_or_default();
    writeln!(
        out,
        "\n## Timeline\n\nCaptures by capture time, {width} buckets, from {from} to {to}{undated}.\n"
    )?;
    write_table(out, &rows::timeline(&shown, BucketStatuses::Listed))
}

/// A model table as a Markdown table: text escaped, literals as code,
/// numbers aligned right.
fn write_table(out: &mut dyn Write, model: &Rows) -> io::Result<()> {
    let line = |cells: Vec<Cow<str>>| format!("| {} |", cells.join(" | "));
    writeln!(
        out,
        "{}",
        line(
            model
                .columns
                .iter()
                .map(|c| Cow::Borrowed(c.header))
                .collect()
        )
    )?;
    let rule: String = model
        .columns
        .iter()
        .map(|column| match column.kind {
            Kind::Number => "---:|",
            Kind::Text | Kind::Time => "---|",
        })
        .collect();
    writeln!(out, "|{rule}")?;
    for row in &model.rows {
        writeln!(out, "{}", line(row.iter().map(cell).collect()))?;
    }
    Ok(())
}

fn cell<'a>(cell: &'a Cell) -> Cow<'a, str> {
    match cell {
        Cell::Text(text) => Cow::Owned(markdown_text(text)),
        Cell::Literal(text) | Cell::Example { example: text, .. } => {
            Cow::Owned(markdown_code_cell(text))
        }
        Cell::Literals(texts) => Cow::Owned(
            texts
                .iter()
                .map(|text| markdown_code_cell(text))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => other.plain(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advice_item_nests_its_fix_lines_and_escapes_them() {
        let mut out = Vec::new();
        write_advice_item(
            &mut out,
            Code::E01,
            "A *summary* with <b>markup</b>.",
            &["Check `x` | y.", "Retry [later](http://x)."],
        )
        .unwrap();
        let reference = code_reference(Code::E01);
        assert!(reference.ends_with("docs/codes.md#e01-error-body"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "- **E01 error-body**: A \\*summary\\* with \\<b\\>markup\\</b\\>. ([codes reference]({reference}))\n  \
                 - Check \\`x\\` \\| y.\n  - Retry \\[later\\](http://x).\n"
            )
        );
    }
}

//! `--format table`: the summary as tables for a terminal.

use super::Report;
use super::colour::Colour;
use super::escape::terminal;
use super::rows::{self, BucketStatuses, Cell, Kind, Rows, Span};
use crate::output::Terminal;
use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, Row, Table, Width, presets,
};
use dapa::baseline::Regression;
use dapa::{Subject, Summary, timeline};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Tables for a terminal.
pub struct Tables {
    terminal: Terminal,
}

impl Tables {
    /// Tables as wide as `terminal` (the full width when it has none),
    /// coloured when it says so.
    pub fn new(terminal: Terminal) -> Tables {
        Tables { terminal }
    }
}

impl Report for Tables {
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
        write_summary(out, summary, self.terminal)?;
        write_definitions(out, summary, self.terminal)?;
        write_regressions(out, regressions, self.terminal)
    }
}

/// The lint of the definitions in use, when there are any: without the
/// pointer on a terminal too narrow for it (the line says where too).
fn write_definitions(out: &mut dyn Write, summary: &Summary, terminal: Terminal) -> io::Result<()> {
    if summary.definitions.is_empty() {
        return Ok(());
    }
    let mut model = rows::definitions(summary);
    if terminal.width.is_some_and(|width| !fits(&model, width)) {
        model = model.without(&["pointer", "name"]);
    }
    // In lint's own report the table is the findings of each definition
    // linted; in a scan's, the lint of the definitions it used.
    let title = match summary.subject {
        Subject::Captures => "definitions (dapa lint):",
        Subject::Definitions => "findings by definition:",
    };
    writeln!(out, "{title}")?;
    writeln!(out, "{}", table(&model, terminal))
}

/// The regressions against a baseline, if any were looked for and found.
fn write_regressions(
    out: &mut dyn Write,
    regressions: &[Regression],
    terminal: Terminal,
) -> io::Result<()> {
    if regressions.is_empty() {
        return Ok(());
    }
    writeln!(out, "regressions against the baseline")?;
    writeln!(out, "{}", table(&rows::regressions(regressions), terminal))
}

/// One of dapa's own sentences, wrapped at the terminal's width.
fn write_prose(out: &mut dyn Write, text: &str, terminal: Terminal) -> io::Result<()> {
    match terminal.width {
        Some(width) => writeln!(out, "{}", textwrap::fill(text, width)),
        None => writeln!(out, "{text}"),
    }
}

/// On a terminal, a column whose widest cell is at most this wide is
/// never cut: codes, names, counts and times stay whole.
const WHOLE_COLUMN: usize = 24;

/// On a terminal, a column that is cut keeps at least this many columns.
const MIN_CUT_COLUMN: usize = 10;

/// The columns of the codes table left out, in this order, while it does
/// not fit the terminal: when it was seen, then the layer (the code's
/// letter names it). `--format json` and the other formats keep them.
const NARROW_LEFT_OUT: [&[&str]; 2] = [&rows::SEEN_COLUMNS, &["layer"]];

/// A model table as a terminal table: text escaped, numbers on the right.
/// On a terminal, the columns share its width and each row keeps to one
/// line: short columns whole, long cells (examples, paths) cut with `…`
/// (`--format json` has the full text). Into a pipe or a file every cell
/// is whole, however wide the table.
fn table(model: &Rows, terminal: Terminal) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        // dapa decides width and colour itself (`--color`, `NO_COLOR`).
        .force_no_tty()
        .set_header(model.columns.iter().map(|column| column.header));
    if terminal.colour {
        table.enforce_styling();
    }
    match terminal.width {
        Some(width) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(width).unwrap_or(u16::MAX))
                .set_truncation_indicator("…");
            let whole = fits(model, width);
            let headers: usize = model.columns.iter().map(|c| c.header.width() + 3).sum();
            for (index, columns) in column_widths(model).into_iter().enumerate() {
                let header = model.columns[index].header.width();
                let constraint = if whole && columns <= WHOLE_COLUMN {
                    ColumnConstraint::ContentWidth
                } else if headers < width {
                    // Too narrow for the short columns whole: at least
                    // the headers are (a fixed width counts the padding).
                    ColumnConstraint::LowerBoundary(Width::Fixed(
                        u16::try_from(header + 2).unwrap_or(u16::MAX),
                    ))
                } else {
                    continue;
                };
                if let Some(column) = table.column_mut(index) {
                    column.set_constraint(constraint);
                }
            }
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    for cells in &model.rows {
        let cells = cells
            .iter()
            .map(|c| styled(c, terminal.colour, terminal.width));
        let mut row = Row::from(cells);
        if terminal.width.is_some() {
            row.max_height(1);
        }
        table.add_row(row);
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

/// The display width of each column: its header or its widest cell, as shown.
fn column_widths(model: &Rows) -> Vec<usize> {
    model
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            model
                .rows
                .iter()
                .filter_map(|row| row.get(index))
                .map(|cell| shown(cell).width())
                .fold(column.header.width(), usize::max)
        })
        .collect()
}

/// Whether a table fits `width` with its short columns whole and its long
/// ones cut to no less than `MIN_CUT_COLUMN`, borders and padding included.
fn fits(model: &Rows, width: usize) -> bool {
    let widths = column_widths(model);
    let borders = 3 * widths.len() + 1;
    let content: usize = widths
        .iter()
        .map(|&columns| {
            if columns <= WHOLE_COLUMN {
                columns
            } else {
                MIN_CUT_COLUMN
            }
        })
        .sum();
    content + borders <= width
}

/// A cell's text as the table shows it: capture text escaped.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) | Cell::Literal(text) | Cell::Example { example: text, .. } => {
            terminal(text).into_owned()
        }
        Cell::Literals(texts) => texts
            .iter()
            .map(|text| terminal(text))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.plain().into_owned(),
    }
}

/// A cell: its text, and the colour of its status or severity when
/// colours are on.
/// On a terminal of `width` columns, the text is first cut to what one
/// row can show: comfy-table wraps a whole cell before it cuts it to one
/// line, which takes time quadratic in the cell's length.
fn styled(cell: &Cell, colour: bool, width: Option<usize>) -> comfy_table::Cell {
    let colour = match cell {
        Cell::Status(status) if colour => Some(Colour::of_status(*status)),
        Cell::Severity(severity) if colour => Some(Colour::of_severity(*severity)),
        _ => None,
    };
    let mut text = shown(cell);
    if let Some(width) = width {
        text = cut_for_row(&text, width);
    }
    let styled = comfy_table::Cell::new(text);
    match colour {
        Some(colour) => styled.fg(colour.table()),
        None => styled,
    }
}

/// A cell keeps at most this many characters per column of the terminal
/// before comfy-table lays it out: more than a one-line row of any
/// column can show, however narrow its characters.
const CELL_CHARS_PER_COLUMN: usize = 4;

/// Cut `text` to [`CELL_CHARS_PER_COLUMN`] characters per column of a
/// terminal `width` wide, on a character boundary, with `…` when cut: a
/// row of one line shows no more, and comfy-table then cuts it to its
/// column as it would the whole text.
fn cut_for_row(text: &str, width: usize) -> String {
    let keep = width.max(1).saturating_mul(CELL_CHARS_PER_COLUMN);
    dapa::secret::cut_short(text, keep)
}

/// Write the totals by status and the counts by code.
pub fn write_summary(out: &mut dyn Write, summary: &Summary, terminal: Terminal) -> io::Result<()> {
    writeln!(
        out,
        "{} {}, {} bytes",
        summary.captures,
        summary.subject.plural(),
        summary.bytes
    )?;
    let statuses = table(&rows::statuses(summary), terminal);
    writeln!(out, "{statuses}")?;
    if summary.codes.is_empty() {
        // A clean corpus still has a drift table (the types every path
        // had) and a timeline, as the other reports show.
        writeln!(out, "no findings")?;
    } else {
        write_codes(out, summary, terminal)?;
    }
    write_drift(out, summary, terminal)?;
    write_timeline(out, summary, terminal)
}

/// The codes found, and the most frequent signatures of each.
fn write_codes(out: &mut dyn Write, summary: &Summary, terminal: Terminal) -> io::Result<()> {
    let mut codes = rows::codes(summary);
    // A terminal is narrow: the columns of time only when a capture states one.
    if !summary
        .codes
        .values()
        .any(|stats| stats.first_seen.is_some())
    {
        codes = codes.without(&rows::SEEN_COLUMNS);
    }
    if let Some(width) = terminal.width {
        for left_out in NARROW_LEFT_OUT {
            if fits(&codes, width) {
                break;
            }
            codes = codes.without(left_out);
        }
    }
    let codes = table(&codes, terminal);
    writeln!(out, "{codes}")?;
    let signatures = rows::signatures(summary, Some(SIGNATURES_PER_CODE));
    if !signatures.rows.is_empty() {
        writeln!(out, "signatures (codes with more than one):")?;
        writeln!(out, "{}", table(&signatures, terminal))?;
    }
    Ok(())
}

/// The most frequent signatures shown per code; `--format json` has all.
const SIGNATURES_PER_CODE: usize = 3;

/// Dense series up to this many buckets; past it, only buckets with captures.
const DENSE_BUCKETS: usize = 240;

/// The timeline: a sparkline per status, then a row per bucket with captures.
fn write_timeline(out: &mut dyn Write, summary: &Summary, terminal: Terminal) -> io::Result<()> {
    let shown = summary.timeline.for_display();
    let Some(span) = Span::of(&shown) else {
        return Ok(());
    };
    let buckets = format!("{} buckets, {} to {}", span.width, span.from, span.to);
    let undated = span
        .note
        .map(|note| format!("; {note}"))
        .unwrap_or_default();
    write_prose(
        out,
        &format!("timeline by capture time ({buckets}{undated})"),
        terminal,
    )?;
    let starts = shown.starts(DENSE_BUCKETS);
    let present = rows::timeline_statuses(&shown);
    let label_width = present.iter().map(|s| s.as_str().len()).max().unwrap_or(0);
    // On a terminal, neighbouring buckets share a block when there are
    // more buckets than columns left beside the label and the total.
    let per_block = terminal.width.map_or(1, |width| {
        let total_width = summary.captures.to_string().len();
        let room = width.saturating_sub(label_width + 4 + total_width).max(1);
        starts.len().div_ceil(room).max(1)
    });
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
        let blocks: Vec<u64> = counts
            .chunks(per_block)
            .map(|chunk| chunk.iter().sum())
            .collect();
        let label = format!("{:<label_width$}", status.as_str());
        let label = match terminal.colour {
            true => Colour::of_status(*status).paint(&label),
            false => label,
        };
        writeln!(out, "{label}  {}  {total}", timeline::sparkline(&blocks))?;
    }
    // A column per status, or on a terminal too narrow for that, one
    // column that lists them.
    let mut buckets = rows::timeline(&shown, BucketStatuses::ColumnEach);
    if terminal.width.is_some_and(|width| !fits(&buckets, width)) {
        buckets = rows::timeline(&shown, BucketStatuses::Listed);
    }
    writeln!(out, "{}", table(&buckets, terminal))
}

/// The drift table: one row per field path of each profile's payloads.
fn write_drift(out: &mut dyn Write, summary: &Summary, terminal: Terminal) -> io::Result<()> {
    if summary.drift.is_empty() {
        return Ok(());
    }
    write_prose(
        out,
        &format!(
            "drift by field path ({} captures checked against a profile)",
            summary.profiled
        ),
        terminal,
    )?;
    writeln!(out, "{}", table(&rows::drift(summary), terminal))?;
    if summary.drift_paths_dropped > 0 {
        write_prose(
            out,
            &format!(
                "({} observations of further paths not shown: the table keeps the {} first paths in sort order)",
                summary.drift_paths_dropped,
                dapa::summary::MAX_DRIFT_PATHS
            ),
            terminal,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::rows::Column;

    fn model<'a>(cells: Vec<Cell<'a>>) -> Rows<'a> {
        let columns = ["code", "captures", "example"];
        let kinds = [Kind::Text, Kind::Number, Kind::Text];
        Rows {
            columns: (columns.into_iter().zip(kinds))
                .map(|(header, kind)| Column { header, kind })
                .collect(),
            rows: vec![cells],
        }
    }

    #[test]
    fn a_cell_is_cut_to_what_a_row_shows_on_a_char_boundary() {
        let text = "é".repeat(500);
        assert_eq!(cut_for_row(&text, 100), "é".repeat(400) + "…");
        let short = "a".repeat(400);
        assert_eq!(
            cut_for_row(&short, 100),
            short,
            "a text a row can show stays whole"
        );
    }

    #[test]
    fn a_huge_cell_on_a_terminal_is_laid_out_at_once_and_as_before() {
        let terminal = Terminal {
            width: Some(120),
            colour: false,
        };
        // The same row as a long cell that comfy-table cuts anyway.
        let long = "x".repeat(1_000);
        let expected = table(
            &model(vec![
                Cell::Word("T05".into()),
                Cell::Count(1),
                Cell::Literal(&long),
            ]),
            terminal,
        )
        .to_string();
        // 3 MB in one cell: wrapped whole, this took minutes.
        let huge = "x".repeat(3_000_000);
        let started = std::time::Instant::now();
        let shown = table(
            &model(vec![
                Cell::Word("T05".into()),
                Cell::Count(1),
                Cell::Literal(&huge),
            ]),
            terminal,
        )
        .to_string();
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(shown, expected);
        assert!(shown.lines().all(|line| line.chars().count() <= 120));
        assert!(shown.contains('…'));
    }
}

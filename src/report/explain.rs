//! `dapa explain`: one capture as miette diagnostics, layer by layer.

mod window;

use super::colour::Colour;
use super::escape::{source_view, terminal};
use super::finding_help;
use crate::output::Terminal;
use dapa::spans::{Decoded, Explanation, LAYERS};
use dapa::{FindingRecord, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, ThemeStyles};
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use unicode_width::UnicodeWidthStr;
use window::{Focus, window};

/// The width `explain` lays out for when standard output is not a
/// terminal: a pager, a file, a ticket.
const PIPE_WIDTH: usize = 100;

// The decoded JSON of a stringified field is shown whole up to this many
// lines; past them, a line says how many more there are.
use dapa::spans::MAX_DECODED_LINES;

/// Everything of the capture that is shown (its name, the body, messages,
/// pointers) passes through the escapes of `escape`: the body as a source
/// view whose spans follow the escapes, the rest as single lines. Lines
/// wider than the terminal (`PIPE_WIDTH` off a terminal) are cut to a
/// window around the span they show.
pub fn render(out: &mut dyn Write, explained: &Explanation, shown_on: Terminal) -> io::Result<()> {
    let record = &explained.record;
    let source = record.source.to_string();
    let source = terminal(&source);
    let finding_spans: Vec<_> = explained
        .spans
        .iter()
        .filter_map(|(_, span)| span.clone())
        .collect();
    let (body, moved_spans) = source_view(&explained.body, &finding_spans);
    // The same spans, escaped, by their finding's index in `spans`.
    let mut moved_spans = moved_spans.into_iter();
    let escaped_spans: Vec<Option<Range<usize>>> = explained
        .spans
        .iter()
        .map(|(_, span)| span.as_ref().and_then(|_| moved_spans.next()))
        .collect();
    let status = record
        .http_status
        .map_or_else(String::new, |status| format!(", HTTP {status}"));
    let profile = record
        .profile
        .as_deref()
        .map_or_else(String::new, |profile| {
            format!(", profile {}", terminal(profile))
        });
    let shown_status = match shown_on.colour {
        true => Colour::of_status(record.status).paint(record.status.as_str()),
        false => record.status.to_string(),
    };
    let layout = Layout::new(shown_on, &body);
    let headline = format!(
        "{source}: {shown_status} ({} bytes{status}{profile})",
        record.bytes
    );
    writeln!(out, "{}", textwrap::fill(&headline, layout.width))?;
    for layer in LAYERS {
        let findings: Vec<_> = explained.layer(layer).collect();
        if findings.is_empty() {
            writeln!(out, "\n{}: nothing found", layer.as_str())?;
            continue;
        }
        writeln!(out, "\n{}:", layer.as_str())?;
        for (finding, _) in findings {
            let index = explained
                .spans
                .iter()
                .position(|(candidate, _)| std::ptr::eq(candidate, finding))
                .unwrap_or(usize::MAX);
            let span = escaped_spans.get(index).cloned().flatten();
            write!(out, "{}", layout.finding(&source, &body, finding, span))?;
            // The configuration of the definition that can cause it.
            for link in explained.links.iter().filter(|link| link.finding == index) {
                let note = format!("note: {}", terminal(&link.note));
                // Paths are never split: a long one stands on a line of its own.
                let wrap = textwrap::Options::new(layout.width.saturating_sub(2))
                    .break_words(false)
                    .word_separator(textwrap::WordSeparator::AsciiSpace)
                    .word_splitter(textwrap::WordSplitter::NoHyphenation)
                    .subsequent_indent("  ");
                writeln!(out, "  {}", textwrap::fill(&note, wrap))?;
            }
            if let Some((_, decoded)) = explained.decoded.iter().find(|(at, _)| *at == index) {
                write!(out, "{}", layout.decoded(&source, finding, decoded))?;
            }
        }
    }
    Ok(())
}

/// How wide the diagnostics are laid out, and in which colours.
struct Layout {
    /// The whole width of a line.
    width: usize,
    /// Columns left for the body's text beside miette's gutter.
    text_columns: usize,
    colour: bool,
}

impl Layout {
    fn new(terminal: Terminal, body: &str) -> Layout {
        let width = terminal.width.unwrap_or(PIPE_WIDTH);
        Layout {
            width,
            text_columns: text_columns(width, body),
            colour: terminal.colour,
        }
    }

    /// The handler for a diagnostic of this severity: its underline in the
    /// severity's colour when colours are on.
    fn handler(&self, severity: miette::Severity, context_lines: usize) -> GraphicalReportHandler {
        let theme = if self.colour {
            let mut styles = ThemeStyles::ansi();
            let underline = match severity {
                miette::Severity::Error => styles.error,
                miette::Severity::Warning => styles.warning,
                miette::Severity::Advice => styles.advice,
            };
            styles.highlights = vec![underline];
            GraphicalTheme {
                styles,
                ..GraphicalTheme::unicode()
            }
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(self.width)
            .with_context_lines(context_lines)
    }

    /// One finding, with the bytes it points at underlined.
    fn finding(
        &self,
        source: &str,
        body: &str,
        finding: &FindingRecord,
        span: Option<Range<usize>>,
    ) -> String {
        let severity = match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        };
        let mut diagnostic = MietteDiagnostic::new(terminal(&finding.message))
            .with_code(format!("{} {}", finding.code, finding.name))
            .with_severity(severity);
        let pointer = finding.pointer.as_deref().filter(|p| !p.is_empty());
        // What to do about it, after where it is: the help may quote the
        // message, which quotes the capture, so it is escaped as the rest.
        let advice = finding_help(finding);
        let advice = terminal(&advice);
        let help = match pointer {
            Some(pointer) => format!("at {}\n{advice}", terminal(pointer)),
            None => advice.into_owned(),
        };
        diagnostic = diagnostic.with_help(help.clone());
        let mut labels = Vec::new();
        if let Some(span) = span {
            let label = self.label(pointer.unwrap_or(finding.name));
            labels.push((span, label));
        }
        let rendered = self.render(diagnostic, severity, source.to_owned(), body, &labels, 1);
        rendered.unwrap_or_else(|_| {
            format!(
                "{} {}: {}\n  help: {help}\n",
                finding.code,
                finding.name,
                terminal(&finding.message)
            )
        })
    }

    /// The JSON a stringified field holds, decoded, with the findings inside
    /// it underlined: whole, up to `MAX_DECODED_LINES` lines.
    fn decoded(&self, source: &str, finding: &FindingRecord, decoded: &Decoded) -> String {
        let pointer = terminal(finding.pointer.as_deref().unwrap_or_default());
        let label_spans: Vec<_> = decoded
            .labels
            .iter()
            .map(|(span, _)| span.clone())
            .collect();
        let (text, moved_labels) = source_view(&decoded.text, &label_spans);
        let (shown, cut_here) = first_lines(&text, MAX_DECODED_LINES);
        let left_out = cut_here + decoded.lines_left_out;
        let mut labels: Vec<(Range<usize>, String)> = decoded
            .labels
            .iter()
            .zip(moved_labels)
            .filter(|(_, span)| span.start < shown.len())
            .map(|((_, label), span)| (span.start..span.end.min(shown.len()), self.label(label)))
            .collect();
        if labels.is_empty() {
            labels.push((0..1, "decoded".to_owned()));
        }
        let view = MietteDiagnostic::new(format!(
            "the JSON the string at {} holds, decoded",
            if pointer.is_empty() {
                "the body"
            } else {
                &pointer
            }
        ))
        .with_severity(miette::Severity::Advice);
        let name = format!(
            "{source} (decoded {})",
            if pointer.is_empty() { "body" } else { &pointer }
        );
        let severity = miette::Severity::Advice;
        let mut rendered = self
            .render(view, severity, name, shown, &labels, MAX_DECODED_LINES)
            .unwrap_or_else(|_| format!("{shown}\n"));
        if left_out > 0 {
            rendered.push_str(&format!(
                "  ({left_out} more lines of the decoded JSON not shown: explain shows the first {MAX_DECODED_LINES})\n"
            ));
        }
        rendered
    }

    /// A label, escaped, and cut to a third of the room so that it stays
    /// on screen beside its caret (the help line has it whole).
    fn label(&self, text: &str) -> String {
        let text = terminal(text);
        let most = (self.text_columns / 3).max(8);
        if text.width() <= most {
            return text.into_owned();
        }
        let mut cut = String::new();
        let mut used = 0;
        for c in text.chars() {
            used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used > most - 1 {
                break;
            }
            cut.push(c);
        }
        cut.push('…');
        cut
    }

    /// The name miette shows in the header of a source view (`╭─[NAME:LINE:COLUMN]`),
    /// its start cut with `…` when the header would be wider than a line:
    /// the end of a path says most.
    fn source_name(&self, name: &str, text: &str) -> String {
        let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
        let digits = |n: usize| n.to_string().len();
        let room = self
            .width
            .saturating_sub(digits(lines) * 2 + digits(text.len()) + 8)
            .max(12);
        if name.width() <= room {
            return name.to_owned();
        }
        let mut tail: Vec<char> = Vec::new();
        let mut used = 1;
        for c in name.chars().rev() {
            used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used > room {
                break;
            }
            tail.push(c);
        }
        std::iter::once('…').chain(tail.into_iter().rev()).collect()
    }

    /// A diagnostic over `text` with these labels, its long lines cut.
    fn render(
        &self,
        diagnostic: MietteDiagnostic,
        severity: miette::Severity,
        name: String,
        text: &str,
        labels: &[(Range<usize>, String)],
        context_lines: usize,
    ) -> Result<String, fmt::Error> {
        let foci: Vec<Focus> = labels
            .iter()
            .map(|(span, label)| Focus {
                span: span.clone(),
                label_columns: label.width(),
            })
            .collect();
        let name = self.source_name(&name, text);
        let (windowed, spans) = window(name, text, &foci, text_columns(self.width, text));
        let mut diagnostic = diagnostic;
        for ((_, label), span) in labels.iter().zip(spans) {
            diagnostic = diagnostic.and_label(LabeledSpan::at(span, label.clone()));
        }
        let report = miette::Report::new(diagnostic).with_source_code(windowed);
        let mut rendered = String::new();
        self.handler(severity, context_lines)
            .render_report(&mut rendered, report.as_ref())?;
        Ok(rendered)
    }
}

/// The columns left for source text in a line `width` wide: miette puts
/// the line number, ` │ `, and for a span over several lines a gutter of
/// its own before it.
fn text_columns(width: usize, text: &str) -> usize {
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let number = lines.to_string().len();
    width.saturating_sub(number + 4 + 4).max(20)
}

/// The first `count` lines of a text, and how many lines were left out.
fn first_lines(text: &str, count: usize) -> (&str, usize) {
    match text.match_indices('\n').nth(count.saturating_sub(1)) {
        Some((at, _)) if at + 1 < text.len() => {
            let rest = &text[at + 1..];
            (&text[..at], rest.lines().count())
        }
        _ => (text, 0),
    }
}

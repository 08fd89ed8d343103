//! Long lines cut to a window around the span they show. API replies are
//! usually minified: the whole body is one line of hundreds or thousands of
//! characters, and a finding's underline would start far past the right edge
//! of the terminal. Each line wider than the room is cut to the part around
//! its span, with `…` where text was left out on either side; the spans move
//! with it. The line numbers stay those of the body, and the column in the
//! header stays the column of the uncut line, so `FILE:LINE:COLUMN` still
//! leads an editor to the byte.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// What stands for text left out of a line.
const MARKER: &str = "…";

/// Columns of the line shown before the start of a span, for context.
const LEAD: usize = 16;

/// miette shows a tab as up to this many columns.
const TAB: usize = 4;

/// A span to keep on screen, and the columns of the label drawn to the
/// right of its caret.
#[derive(Debug, Clone)]
pub struct Focus {
    /// Bytes of the text.
    pub span: Range<usize>,
    /// Display columns of its label.
    pub label_columns: usize,
}

/// A text with its long lines cut, as miette reads source code.
#[derive(Debug, Clone)]
pub struct Windowed {
    name: String,
    text: String,
    /// Each line cut at its start, by its index: the bytes of the line left
    /// out before its window, and the bytes of the marker that stands for
    /// them. Only those: a body of millions of short lines holds no entry
    /// for each.
    shifts: Vec<(usize, usize, usize)>,
}

#[cfg(test)]
impl Windowed {
    /// The cut text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_bytes()
                .read_span(span, context_lines_before, context_lines_after)?;
        // miette's column is in bytes from the start of the shown line:
        // give that of the uncut line.
        let line = contents.line();
        let shift = self
            .shifts
            .binary_search_by_key(&line, |&(index, _, _)| index)
            .ok()
            .map(|at| self.shifts[at]);
        let column = match shift {
            Some((_, dropped, marker)) if contents.column() >= marker => {
                contents.column() - marker + dropped
            }
            _ => contents.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            line,
            column,
            contents.line_count(),
        )))
    }
}

/// One line of the text: where it is and where its window is.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Where the line starts in the text.
    start: usize,
    /// Bytes of its content (without the line break).
    len: usize,
    /// Where the shown line starts in the cut text.
    shown_start: usize,
    /// The window: bytes of the content kept.
    keep: (usize, usize),
    /// Bytes of the marker before the window (0 when it starts the line).
    marker: usize,
}

impl Line {
    /// Where a byte of the text at `offset` within this line goes in the
    /// cut text: offsets outside the window go to its nearest edge.
    fn shown(&self, offset: usize) -> usize {
        let (from, to) = self.keep;
        let kept = to - from;
        let within = if offset > self.len {
            // In the line break: as far past the content's shown end.
            let suffix = if to < self.len { MARKER.len() } else { 0 };
            self.marker + kept + suffix + (offset - self.len)
        } else {
            self.marker + offset.clamp(from, to) - from
        };
        self.shown_start + within
    }
}

/// `text` with every line wider than `columns` cut to a window: around the
/// first of `foci` that starts on the line (its caret and label on screen),
/// else around the end of the first that ends on it, else the line's start.
/// Returns the cut text, named `name` for miette, and the foci's spans in it.
pub fn window(
    name: String,
    text: &str,
    foci: &[Focus],
    columns: usize,
) -> (Windowed, Vec<Range<usize>>) {
    let mut cut = String::with_capacity(text.len().min(1 << 20));
    let mut shifts = Vec::new();
    // The foci's starts and ends in the cut text, found on their lines as
    // the text is cut: no table of every line is kept.
    let mut moved: Vec<[Option<usize>; 2]> = vec![[None; 2]; foci.len()];
    let mut start = 0;
    for (index, piece) in text.split_inclusive('\n').enumerate() {
        let content = piece
            .strip_suffix('\n')
            .map_or(piece, |c| c.strip_suffix('\r').unwrap_or(c));
        let ending = &piece[content.len()..];
        let end = start + content.len();
        let keep = if fits(content, columns) {
            (0, content.len())
        } else if let Some(focus) = foci.iter().find(|f| (start..=end).contains(&f.span.start)) {
            around_start(content, &focus.span, start, focus.label_columns, columns)
        } else if let Some(focus) = foci
            .iter()
            .find(|f| f.span.start < start && (start..=end).contains(&f.span.end))
        {
            around_end(
                content,
                focus.span.end - start,
                focus.label_columns,
                columns,
            )
        } else {
            (0, fit_from(content, 0, columns.saturating_sub(1)))
        };
        let marker = if keep.0 > 0 { MARKER.len() } else { 0 };
        let line = Line {
            start,
            len: content.len(),
            shown_start: cut.len(),
            keep,
            marker,
        };
        if keep.0 > 0 {
            cut.push_str(MARKER);
        }
        cut.push_str(&content[keep.0..keep.1]);
        if keep.1 < content.len() {
            cut.push_str(MARKER);
        }
        cut.push_str(ending);
        if keep.0 > 0 {
            shifts.push((index, keep.0, marker));
        }
        let on_this_line = start..start + piece.len();
        for (focus, ends) in foci.iter().zip(moved.iter_mut()) {
            for (end, offset) in ends.iter_mut().zip([focus.span.start, focus.span.end]) {
                if on_this_line.contains(&offset) {
                    *end = Some(line.shown(offset - line.start));
                }
            }
        }
        start += piece.len();
    }
    // At or past the end: as far past the cut text's end.
    let past_the_end = |offset: usize| cut.len() + (offset - text.len());
    let spans = foci
        .iter()
        .zip(moved)
        .map(|(focus, [from, to])| {
            from.unwrap_or_else(|| past_the_end(focus.span.start))
                ..to.unwrap_or_else(|| past_the_end(focus.span.end))
        })
        .collect();
    let windowed = Windowed {
        name,
        text: cut,
        shifts,
    };
    (windowed, spans)
}

/// The display columns of a character, as miette counts them.
fn columns_of(c: char) -> usize {
    if c == '\t' {
        TAB
    } else {
        c.width().unwrap_or(0)
    }
}

/// The display columns of a text.
fn width_of(text: &str) -> usize {
    text.chars().map(columns_of).sum()
}

/// Whether a line fits in `columns` as it is.
fn fits(line: &str, columns: usize) -> bool {
    // A byte is at most `TAB` columns: short lines need no counting.
    line.len() * TAB <= columns || width_of(line) <= columns
}

/// The end of the longest run of `line` from `from` that fits `columns`.
fn fit_from(line: &str, from: usize, columns: usize) -> usize {
    let mut used = 0;
    for (at, c) in line[from..].char_indices() {
        used += columns_of(c);
        if used > columns {
            return from + at;
        }
    }
    line.len()
}

/// The start of the longest run of `line` that ends at `to` and fits `columns`.
fn fit_back(line: &str, to: usize, columns: usize) -> usize {
    let mut used = 0;
    for (at, c) in line[..to].char_indices().rev() {
        used += columns_of(c);
        if used > columns {
            return at + c.len_utf8();
        }
    }
    0
}

/// A byte offset of `line` moved back to the start of its character.
fn boundary(line: &str, offset: usize) -> usize {
    let mut offset = offset.min(line.len());
    while !line.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The window of a line on which a span starts: some context before it,
/// then as much of the span as keeps the caret (drawn under the middle of
/// what is underlined) and its label on screen, then what still fits. A
/// span near the end of the line gets more context before it instead.
fn around_start(
    line: &str,
    span: &Range<usize>,
    line_start: usize,
    label_columns: usize,
    columns: usize,
) -> (usize, usize) {
    let start = boundary(line, span.start - line_start);
    let end = boundary(line, span.end.saturating_sub(line_start)).max(start);
    let span_columns = width_of(&line[start..end]);
    // The caret's column (context + half the underline) leaves room for
    // `╰── label`; the context is what the caret and markers leave.
    let caret_room = columns.saturating_sub(5 + label_columns);
    let to_end = width_of(&line[start..]);
    let lead = if to_end + LEAD + 1 < columns {
        // The rest of the line fits: show as much before it as fits too.
        (columns - to_end - 1).min(caret_room.saturating_sub(2 + span_columns.div_ceil(2)))
    } else {
        LEAD
    }
    .max(LEAD.min(caret_room / 2));
    let from = fit_back(line, start, lead);
    let marker = usize::from(from > 0);
    let before = marker + width_of(&line[from..start]);
    // What remains after the context, less the marker at the end.
    let room = columns.saturating_sub(before + 1).max(1);
    let underlined = (2 * caret_room.saturating_sub(before)).clamp(1, room);
    if span_columns > underlined {
        // The span goes on past what can be shown: the window ends with it.
        let first = line[start..].chars().next().map_or(0, char::len_utf8);
        return (from, fit_from(line, start, underlined).max(start + first));
    }
    if width_of(&line[from..]) + marker <= columns {
        return (from, line.len());
    }
    (
        from,
        fit_from(line, from, columns.saturating_sub(marker + 1)),
    )
}

/// The window of a line on which a span that started above ends: the end
/// (where miette draws the label) on screen with its label.
fn around_end(line: &str, end: usize, label_columns: usize, columns: usize) -> (usize, usize) {
    let end = boundary(line, end);
    let caret_room = columns.saturating_sub(6 + label_columns).max(1);
    let from = if width_of(&line[..end]) <= caret_room {
        0
    } else {
        fit_back(line, end, caret_room - 1)
    };
    let to = fit_from(
        line,
        from,
        columns.saturating_sub(usize::from(from > 0) + 1),
    );
    (from, to.max(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn focus(span: Range<usize>) -> Focus {
        Focus {
            span,
            label_columns: 8,
        }
    }

    fn width(line: &str) -> usize {
        width_of(line)
    }

    #[test]
    fn short_lines_stay_as_they_are() {
        let text = "{\n  \"a\": 1\n}\n";
        let (cut, spans) = window("t".into(), text, &[focus(4..7)], 40);
        assert_eq!(cut.text(), text);
        assert_eq!(spans, vec![4..7]);
    }

    #[test]
    fn a_long_line_is_cut_around_its_span() {
        let text = format!(
            "{{\"pad\":\"{}\",\"key\":\"value\",\"more\":\"{}\"}}",
            "x".repeat(300),
            "y".repeat(300)
        );
        let start = text.find("\"value\"").unwrap();
        let (cut, spans) = window("t".into(), &text, &[focus(start..start + 7)], 60);
        let shown = cut.text();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(width(shown) <= 60, "{shown}");
        assert_eq!(&shown[spans[0].clone()], "\"value\"");
        // The header's column is the uncut line's.
        let contents = cut.read_span(&(spans[0].clone()).into(), 0, 0).unwrap();
        assert_eq!(contents.column(), start);
        assert_eq!(contents.line(), 0);
    }

    #[test]
    fn a_span_longer_than_the_room_is_cut_with_it() {
        let text = format!("{{\"s\":\"{}\"}}\n}}", "é".repeat(500));
        let (cut, spans) = window("t".into(), &text, &[focus(5..text.len() - 3)], 50);
        let line = cut.text().lines().next().unwrap();
        assert!(width(line) <= 50, "{line}");
        assert!(line.ends_with('…'));
        // The underline ends where the shown text does, before the marker.
        assert_eq!(spans[0].end, line.len() - MARKER.len());
        assert!(cut.text().ends_with("\n}"));
    }

    #[test]
    fn lines_without_a_span_are_cut_at_the_end() {
        let text = format!("{}\n\"short\"\n", "z".repeat(200));
        let (cut, spans) = window("t".into(), &text, &[focus(201..208)], 30);
        let mut lines = cut.text().lines();
        assert_eq!(lines.next().unwrap(), format!("{}…", "z".repeat(29)));
        assert_eq!(lines.next().unwrap(), "\"short\"");
        assert_eq!(&cut.text()[spans[0].clone()], "\"short\"");
    }

    #[test]
    fn spans_past_the_end_stay_past_it() {
        let text = "a".repeat(100);
        let (cut, spans) = window("t".into(), &text, &[focus(100..101)], 20);
        assert_eq!(spans[0], cut.text().len()..cut.text().len() + 1);
        assert!(width(cut.text()) <= 20);
    }
}

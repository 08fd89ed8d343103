//! Text from captures (file names, payload keys and strings, messages that
//! quote them) made safe for the outputs people read.
//!
//! A terminal obeys control characters: ESC starts sequences that clear the
//! screen, retitle the window or plant links, C1 characters such as U+009B do
//! the same on many terminals, a lone CR overwrites the line, and bidi
//! controls reorder what is shown (Trojan Source). Such characters are shown
//! as visible escapes instead: `\t`, `\n`, `\r` for the three common ones and
//! `\u{1b}` (Rust's notation, lowercase hex) for every other. A backslash is
//! left as it is, so the escaped text reads as the original where nothing
//! needed escaping; the machine formats (JSON, JSON Lines, SARIF) carry the
//! exact text for anyone who needs to tell the two apart.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// Whether a character must not reach a terminal or a rendered page raw:
/// C0 controls, DEL, C1 controls, the bidi controls (Unicode's
/// `Bidi_Control`), the line and paragraph separators, and the characters
/// that take no room and join nothing (the zero-width space, the word
/// joiner and invisible operators, the zero-width no-break space), with
/// which two different names look the same. The zero-width joiner and
/// non-joiner are kept: scripts and emoji need them.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
    )
}

/// Push the visible escape of a character.
pub fn push_escape(escaped: &mut String, c: char) {
    match c {
        '\t' => escaped.push_str("\\t"),
        '\n' => escaped.push_str("\\n"),
        '\r' => escaped.push_str("\\r"),
        c => {
            let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// One line of text for a terminal: every unsafe character escaped,
/// line breaks included.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escape(&mut escaped, c);
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A message that may span lines (an error with a parser's excerpt): as
/// `terminal`, with line feeds and tabs kept.
pub fn terminal_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| {
                line.split('\t')
                    .map(terminal)
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A body shown as source lines (`explain`): line feeds, tabs and the CR of
/// a CRLF stay, every other unsafe character is escaped. Escapes are longer
/// than the characters they stand for, so the byte `spans` into `text` are
/// moved to cover the same characters in the escaped text.
pub fn source_view(text: &str, spans: &[Range<usize>]) -> (String, Vec<Range<usize>>) {
    let kept =
        |c: char, next: Option<char>| c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'));
    let mut escaped = String::with_capacity(text.len());
    // Every span end, sorted, with where it goes; filled in one pass.
    let mut ends: Vec<(usize, usize)> = spans
        .iter()
        .flat_map(|span| [span.start, span.end])
        .map(|offset| (offset, 0))
        .collect();
    ends.sort_unstable();
    ends.dedup();
    let mut pending = ends.iter_mut().peekable();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        // An offset inside a character (a span cut mid-UTF-8) goes to the
        // start of the character it falls in.
        while let Some(end) = pending.next_if(|(offset, _)| *offset < at + c.len_utf8()) {
            end.1 = escaped.len();
        }
        let next = chars.peek().map(|(_, next)| *next);
        if is_unsafe(c) && !kept(c, next) {
            push_escape(&mut escaped, c);
        } else {
            escaped.push(c);
        }
    }
    for end in pending {
        // Past the end of the text, as far past the escaped end.
        end.1 = escaped.len() + end.0.saturating_sub(text.len());
    }
    let moved = |offset: usize| {
        ends.binary_search_by_key(&offset, |(original, _)| *original)
            .map_or(offset, |index| ends[index].1)
    };
    let spans = spans
        .iter()
        .map(|span| moved(span.start)..moved(span.end).max(moved(span.start)))
        .collect();
    (escaped, spans)
}

/// The ASCII punctuation that can start Markdown or HTML inside a line:
/// emphasis, code, links and images, raw HTML and entities, table cells,
/// strikethrough and math. A backslash escape makes each one literal.
const MARKDOWN_ACTIVE: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '!', '|', '&', '~', '$',
];

/// Text inside a Markdown line or table cell, shown as it is and never as
/// markup: unsafe characters escaped visibly (line breaks too, so a cell
/// stays on its row), then Markdown's active punctuation backslash-escaped.
/// GitHub also links bare addresses in text (its autolink extension):
/// `https://…`, `www.…` and `name@domain`; a backslash before the `:` of
/// `://` or the `.` of `www.` keeps the first two text, and an empty HTML
/// comment after an `@` between address characters the third, which
/// escapes and entities do not (the extension reads the text they stand
/// for). The comment shows as nothing where the Markdown is rendered.
pub fn markdown_text(text: &str) -> String {
    escaped_markdown(text, true)
}

/// dapa's own prose (a code's advice) as Markdown text: escaped as
/// [`markdown_text`] is, its addresses (the Genesys articles it cites) left
/// for GitHub to link.
pub fn markdown_prose(text: &str) -> String {
    escaped_markdown(text, false)
}

fn escaped_markdown(text: &str, unlinked: bool) -> String {
    let visible = terminal(text);
    let mut escaped = String::with_capacity(visible.len() + 8);
    let bytes = visible.as_bytes();
    for (at, c) in visible.char_indices() {
        let after = &bytes[at + c.len_utf8()..];
        let before = &bytes[..at];
        let linking = unlinked
            && match c {
                ':' => after.starts_with(b"//"),
                '.' => before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b"www"),
                _ => false,
            };
        if MARKDOWN_ACTIVE.contains(&c) || linking {
            escaped.push('\\');
        }
        escaped.push(c);
        let address = |byte: Option<&u8>| {
            byte.is_some_and(|b| b.is_ascii_alphanumeric() || b"._+-".contains(b))
        };
        if unlinked && c == '@' && address(before.last()) && address(after.first()) {
            escaped.push_str("<!---->");
        }
    }
    escaped
}

/// Text as a Markdown code span: fenced with more backticks than the longest
/// run inside, padded with a space where the content would otherwise merge
/// with the fence or lose a space of its own.
pub fn markdown_code(text: &str) -> String {
    let visible = terminal(text);
    if visible.is_empty() {
        return String::new();
    }
    let longest_run = visible.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let all_spaces = visible.chars().all(|c| c == ' ');
    let pad = visible.starts_with('`')
        || visible.ends_with('`')
        || (!all_spaces && visible.starts_with(' ') && visible.ends_with(' '));
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{visible}{space}{fence}")
}

/// A table cell that reads best as code. GitHub splits table rows at every
/// `|` that is not backslash-escaped, code spans included, and counts a
/// backslash before it as escaping the backslash instead: text with a `|`
/// is therefore given as escaped text, which a table keeps whole.
pub fn markdown_code_cell(text: &str) -> String {
    if text.contains('|') {
        markdown_text(text)
    } else {
        markdown_code(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown_escaped() {
        assert_eq!(terminal("plain/ü.json"), "plain/ü.json");
        assert_eq!(
            terminal("a\u{1b}[2J\u{9b}b\u{202e}c\u{2066}\t\r\n\u{7f}"),
            "a\\u{1b}[2J\\u{9b}b\\u{202e}c\\u{2066}\\t\\r\\n\\u{7f}"
        );
        // Names that would look alike: shown apart. Joiners are kept.
        assert_eq!(
            terminal("a\u{200b}.json b\u{2060}\u{feff} \u{1f468}\u{200d}\u{1f469}"),
            "a\\u{200b}.json b\\u{2060}\\u{feff} \u{1f468}\u{200d}\u{1f469}"
        );
    }

    #[test]
    fn messages_keep_their_lines() {
        assert_eq!(terminal_lines("a\n\tb"), "a\n\tb");
        assert_eq!(terminal_lines("a\u{1b}\r\nb"), "a\\u{1b}\\r\nb");
    }

    #[test]
    fn the_source_view_keeps_lines_and_moves_spans() {
        let text = "{\"a\u{1b}\":\r\n\t\"\u{9b}x\"}\r";
        let x = text.find('x').unwrap();
        let (escaped, spans) = source_view(text, &[x..x + 1, 0..text.len(), 3..4]);
        assert_eq!(escaped, "{\"a\\u{1b}\":\r\n\t\"\\u{9b}x\"}\\r");
        assert_eq!(&escaped[spans[0].clone()], "x");
        assert_eq!(&escaped[spans[1].clone()], escaped);
        assert_eq!(&escaped[spans[2].clone()], "\\u{1b}");
        // A span cut inside a character covers it whole; one past the end stays past it.
        let (escaped, spans) = source_view("é\u{1b}", &[1..3, 4..5]);
        assert_eq!(&escaped[spans[0].clone()], "é\\u{1b}");
        assert_eq!(spans[1], escaped.len() + 1..escaped.len() + 2);
    }

    #[test]
    fn markdown_text_is_never_markup() {
        assert_eq!(
            markdown_text("<img src=x> | `a` *b* [c](d) &amp; \u{1b}\n"),
            "\\<img src=x\\> \\| \\`a\\` \\*b\\* \\[c\\](d) \\&amp; \\\\u{1b}\\\\n"
        );
    }

    #[test]
    fn markdown_text_links_no_address() {
        assert_eq!(
            markdown_text("at https://e.example or WWW.e.example, or mail a.b@e.example"),
            "at https\\://e.example or WWW\\.e.example, or mail a.b@<!---->e.example"
        );
        // What links nothing stays as it is.
        assert_eq!(
            markdown_text("a: b, 3.5 @ noon, x@"),
            "a: b, 3.5 @ noon, x@"
        );
    }

    #[test]
    fn code_spans_outlast_their_backticks() {
        assert_eq!(markdown_code("a.json"), "`a.json`");
        assert_eq!(markdown_code("a`b``c"), "```a`b``c```");
        assert_eq!(markdown_code("`a"), "`` `a ``");
        assert_eq!(markdown_code(" a "), "`  a  `");
        assert_eq!(markdown_code("\r\n"), "`\\r\\n`");
        assert_eq!(markdown_code_cell("a|b"), "a\\|b");
        assert_eq!(markdown_code_cell("a.json"), "`a.json`");
    }
}

//! Places inside the strings of a definition file. A template or a path
//! is a JSON string in the file: a byte offset into its decoded text is
//! another offset in the file, further on by every escape before it
//! (`\"` is two bytes in the file for one in the string, `\u00e9` six for
//! two). Checks of templates and paths name decoded offsets; this maps them
//! back so that findings point at the file's own line and column.

/// The byte offset in `text` of the byte at `decoded` in the string whose
/// opening quote is at `quote`. An offset past the string's end gives its
/// closing quote; a `quote` that is no string's gives `quote`.
pub fn raw_offset(text: &str, quote: usize, decoded: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(quote) != Some(&b'"') {
        return quote;
    }
    let mut raw = quote + 1;
    let mut seen = 0;
    while raw < bytes.len() && bytes[raw] != b'"' {
        let (raw_length, decoded_length) = if bytes[raw] == b'\\' {
            escape_lengths(&bytes[raw..])
        } else {
            (1, 1)
        };
        if seen + decoded_length > decoded {
            // Inside an escape that decodes to several bytes: its start.
            return raw;
        }
        seen += decoded_length;
        raw += raw_length;
    }
    raw.min(bytes.len())
}

/// How many bytes the escape at the start of `escape` covers in the file,
/// and how many bytes of decoded UTF-8 it stands for.
fn escape_lengths(escape: &[u8]) -> (usize, usize) {
    match escape.get(1) {
        Some(b'u') => {
            let Some(unit) = hex_unit(escape.get(2..6)) else {
                return (escape.len().min(2), 1);
            };
            if (0xD800..0xDC00).contains(&unit)
                && escape.get(6) == Some(&b'\\')
                && escape.get(7) == Some(&b'u')
                && hex_unit(escape.get(8..12)).is_some_and(|low| (0xDC00..0xE000).contains(&low))
            {
                // A surrogate pair: one character of four bytes.
                return (12, 4);
            }
            let decoded = match unit {
                0..0x80 => 1,
                0x80..0x800 => 2,
                // A lone surrogate decodes to U+FFFD, three bytes.
                _ => 3,
            };
            (6, decoded)
        }
        Some(_) => (2, 1),
        None => (1, 1),
    }
}

/// The code unit of four hex digits, if they are.
fn hex_unit(digits: Option<&[u8]>) -> Option<u32> {
    let digits = std::str::from_utf8(digits?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every decoded offset of `literal`'s string maps to the file byte that
    /// starts the same character or escape.
    fn check(literal: &str) {
        let text = format!("{{\"t\": {literal}}}");
        let quote = text.find(literal).unwrap();
        let decoded: String = serde_json::from_str(literal).unwrap();
        for (at, ch) in decoded.char_indices() {
            let raw = raw_offset(&text, quote, at);
            let here = &text[raw..];
            let plain = here.starts_with(ch) && !here.starts_with('\\');
            assert!(plain || here.starts_with('\\'), "{literal} at {at}: {here}");
            if plain {
                assert!(here.starts_with(ch));
            }
        }
        assert_eq!(
            &text[raw_offset(&text, quote, decoded.len())..][..1],
            "\"",
            "the end is the closing quote"
        );
    }

    #[test]
    fn escapes_are_accounted_for() {
        check(r#""{\"id\": ${id}}""#);
        check(r#""caf\u00e9 ${x} \ud83d\ude00 ${y}\n$z""#);
        check(r#""plain é ${x}""#);
        let text = r#"{"t": "a\"b${x}"}"#;
        let quote = text.find("\"a").unwrap();
        assert_eq!(&text[raw_offset(text, quote, 3)..][..4], "${x}");
    }

    #[test]
    fn no_string_no_move() {
        assert_eq!(raw_offset("{}", 0, 5), 0);
        assert_eq!(raw_offset("\"ab", 0, 9), 3);
    }
}

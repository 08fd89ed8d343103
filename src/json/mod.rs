//! JSON reading that keeps what serde_json's `Value` hides: exact error
//! positions and kinds, repeated keys, lossy numbers, non-standard extensions.

pub mod number;
pub mod parse;

pub use parse::{
    ErrorKind, Extension, Outline, ParseOptions, Parsed, Skimmed, StringMarks, SyntaxError, locate,
    parse, pointer_segments, push_pointer, skim, split_pointer,
};
pub(crate) use parse::{Place, Watch, walk};

use serde_json::Value;

/// Whether two keys are the same text, compared inline: most keys are
/// shorter than 17 bytes, and for those two loads of each settle it where
/// a call to `memcmp` cost more than the compare (a member's key is
/// compared with the keys before it and with the names of the schema's
/// properties).
#[inline(always)]
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Each pair of loads covers the text from both ends; they overlap
    // where it is shorter than both together.
    let word = |bytes: &[u8], at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]))
    };
    let half = |bytes: &[u8], at: usize| {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]))
    };
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// The JSON type of a value with its article ("an object", "null"), for
/// messages that must name a value without quoting it (it may be a secret).
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value` as compact JSON at the end of `out`, as `Value`'s `Display`
/// writes it. A string, the value messages quote most, is escaped here
/// rather than through the formatter, which costs several times as much.
pub fn push_json(out: &mut String, value: &Value) {
    let Value::String(text) = value else {
        out.push_str(&value.to_string());
        return;
    };
    out.reserve(text.len() + 2);
    out.push('"');
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain..at]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escaped);
        }
        plain = at + 1;
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Keys of every length up to past the longest compared inline,
        /// the same, differing in one byte anywhere, or unrelated, compare
        /// as `==` says.
        #[test]
        fn same_text_is_equality(
            a in "[ab]{0,20}",
            other in "[ab\u{e9}]{0,20}",
            change in proptest::option::of(0usize..20),
            unrelated in any::<bool>(),
        ) {
            let b = match (unrelated, change) {
                (true, _) => other,
                (false, Some(at)) if at < a.len() => {
                    let mut bytes = a.clone().into_bytes();
                    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
                    String::from_utf8(bytes).unwrap_or_default()
                }
                _ => a.clone(),
            };
            prop_assert_eq!(same_text(&a, &b), a == b);
        }
    }

    fn pushed(value: &Value) -> String {
        let mut out = String::from("<");
        push_json(&mut out, value);
        out
    }

    #[test]
    fn every_control_character_is_written_as_display_writes_it() {
        for code in 0u32..0x80 {
            let value = Value::String(format!("a{}b", char::from_u32(code).unwrap()));
            assert_eq!(pushed(&value), format!("<{value}"), "U+{code:04X}");
        }
        for value in [serde_json::json!([1, "x\n"]), serde_json::json!(null)] {
            assert_eq!(pushed(&value), format!("<{value}"));
        }
    }

    proptest! {
        #[test]
        fn any_string_is_written_as_display_writes_it(text in any::<String>()) {
            let value = Value::String(text);
            prop_assert_eq!(pushed(&value), format!("<{value}"));
        }
    }
}

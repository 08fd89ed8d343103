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

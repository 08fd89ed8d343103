//! JSON reading that keeps what serde_json's `Value` hides: exact error
//! positions and kinds, repeated keys, lossy numbers, non-standard extensions.

pub mod number;
pub mod parse;

pub use parse::{
    ErrorKind, Extension, ParseOptions, Parsed, StringMarks, SyntaxError, locate, parse,
    push_pointer, split_pointer,
};

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

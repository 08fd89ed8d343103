//! JSON reading that keeps what serde_json's `Value` hides: exact error
//! positions and kinds, repeated keys, lossy numbers, non-standard extensions.

pub mod number;
pub mod parse;

pub use parse::{
    ErrorKind, Extension, ParseOptions, Parsed, SyntaxError, locate, parse, push_pointer,
    split_pointer,
};

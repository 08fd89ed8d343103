//! Renderers: each turns records or a summary into one output format.
//! They write to any `io::Write`, so tests and the binary share them.

pub mod json;
pub mod jsonl;
pub mod table;

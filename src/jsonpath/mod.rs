//! JSONPath as Jayway JsonPath (2.9/2.10) reads it, the dialect of a Genesys
//! Cloud Data Action's `translationMap`.
//!
//! Jayway's rules are kept where they decide a result: a *definite* path
//! (no wildcard, deep scan, filter, slice or list of indexes) gives one value
//! or fails with "not found"; an indefinite one gives a list, possibly empty.
//! Where dapa differs from Jayway, and why, is in `docs/jsonpath.md`; the
//! proof is the test over the JSONPath comparison project's recorded answers.
//!
//! Every input is bounded: the path's length and nesting at parse time, the
//! document's depth, the evaluation steps and the size of the selection at
//! query time. Nothing here recurses on input-controlled depth beyond those
//! caps.

mod eval;
mod filter;
mod parse;

use serde_json::Value;

/// The longest path text accepted, in bytes. A translationMap path is a line;
/// a longer one is refused rather than compiled.
pub const MAX_PATH_BYTES: usize = 16 * 1024;
/// How deep filters and parentheses may nest inside one another.
pub const MAX_NESTING: usize = 32;
/// How deep a queried document may be; deeper documents are refused, so that
/// the evaluation's own recursion over values stays shallow.
pub const MAX_DOCUMENT_DEPTH: usize = 1_000;
/// The evaluation steps one query may take (a step is one token applied to
/// one value); a deep scan over a deep scan on a big document stops here.
/// A filter's work is counted too: each element its list operators scan,
/// [`BYTES_PER_STEP`] bytes compared, and each byte a regular expression
/// reads, so that a filter re-reading a large `$` value for every item
/// stops here instead of running for minutes.
pub const MAX_STEPS: u64 = 5_000_000;
/// The bytes a filter compares or scans (two strings, a string read as a
/// number) for one step: comparing bytes costs far less than a token.
pub const BYTES_PER_STEP: u64 = 16;
/// The JSON values (counting every nested value) any selection may hold; a
/// bigger document may select up to [`SELECTED_PER_DOCUMENT_NODE`] times its
/// own values. A deep scan copies each subtree it selects, so `$..*` over a
/// deep document would otherwise grow with the square of its size: the
/// memory of a query stays proportional to the document it reads.
pub const MAX_SELECTED_NODES: u64 = 200_000;
/// How many selected values each value of the document allows, past
/// [`MAX_SELECTED_NODES`], and how many bytes of text each byte of the
/// document's text allows, past [`MAX_SELECTED_BYTES`].
pub const SELECTED_PER_DOCUMENT_NODE: u64 = 2;
/// The bytes of strings and object keys (counting everything nested) any
/// selection may hold; a bigger document may select up to
/// [`SELECTED_PER_DOCUMENT_NODE`] times its own. Values are counted by
/// their text as well as their number: `$..a` down a chain of objects
/// around one long string, or `[0,0,...]` naming it thousands of times,
/// selects few values but copies the string each time (gigabytes from a
/// reply of megabytes).
pub const MAX_SELECTED_BYTES: u64 = 16 << 20;
/// The compiled size limit of one `=~` regular expression, in bytes.
pub const MAX_REGEX_BYTES: usize = 1 << 20;

/// A parsed JSONPath: immutable, `Send + Sync`, reusable for any number of
/// documents.
#[derive(Debug, Clone)]
pub struct JsonPath {
    path: parse::Path,
    text: String,
}

/// What a path selected: a definite path gives the one value it reached, an
/// indefinite one the list of everything it reached (possibly empty), as
/// Jayway returns them.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// The value a definite path reached.
    Value(Value),
    /// The values an indefinite path reached, in Jayway's order.
    List(Vec<Value>),
}

impl Selection {
    /// The selection as one JSON value: the value itself, or the list as an
    /// array (what Jayway's result serialises to).
    pub fn into_value(self) -> Value {
        match self {
            Selection::Value(value) => value,
            Selection::List(values) => Value::Array(values),
        }
    }
}

/// A path that is not valid JSONPath in Jayway's dialect (Jayway's
/// `InvalidPathException` at compile time), or one beyond dapa's bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSONPath at byte {offset}: {message}")]
pub struct ParseError {
    /// Byte offset into the path text where the problem was found.
    pub offset: usize,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// Why a valid path gave no selection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Jayway's `PathNotFoundException`: a definite path reached nothing, or
    /// stepped into a value of the wrong kind on its way.
    #[error("no value at {path}: {reason}")]
    NotFound {
        /// The path text.
        path: String,
        /// Where the path left the document.
        reason: String,
    },
    /// Jayway's `InvalidPathException` raised while evaluating (a filter on a
    /// scalar, a list operator without a list, an unknown function).
    #[error("JSONPath {path} cannot be evaluated: {reason}")]
    Invalid {
        /// The path text.
        path: String,
        /// What Jayway would refuse.
        reason: String,
    },
    /// Jayway's other evaluation errors (`JsonPathException`): an aggregate
    /// over no numbers, `first()` of an empty array.
    #[error("JSONPath {path} failed: {reason}")]
    Function {
        /// The path text.
        path: String,
        /// What the function could not do.
        reason: String,
    },
    /// One of dapa's bounds was reached: the document too deep, too many
    /// steps, or too big a selection.
    #[error("JSONPath {path} stopped: {reason}")]
    Limit {
        /// The path text.
        path: String,
        /// Which bound was reached.
        reason: String,
    },
}

impl JsonPath {
    /// Compiles `text` the way Jayway's `PathCompiler` does (a path without
    /// `$` or `@` is read as `$.` followed by it).
    pub fn parse(text: &str) -> Result<JsonPath, ParseError> {
        if text.len() > MAX_PATH_BYTES {
            return Err(ParseError {
                offset: MAX_PATH_BYTES,
                message: format!("path longer than {MAX_PATH_BYTES} bytes"),
            });
        }
        let path = parse::compile(text)?;
        Ok(JsonPath {
            path,
            text: text.to_owned(),
        })
    }

    /// Jayway's notion: true when no token can select more than one value
    /// (no wildcard, deep scan, filter, slice, list of indexes, nor a list of
    /// names that is not the last token).
    pub fn is_definite(&self) -> bool {
        self.path.is_definite()
    }

    /// The path text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Applies the path to `document` with Jayway's default configuration.
    pub fn query(&self, document: &Value) -> Result<Selection, QueryError> {
        eval::query(&self.path, document).map_err(|error| error.with_path(&self.text))
    }
}

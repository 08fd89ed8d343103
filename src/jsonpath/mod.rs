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
/// Queries of one [`SharedDocument`] are also held to the steps they share.
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

/// One document queried by several paths, as the entries of a
/// `translationMap` query one reply: the paths share one allowance of
/// evaluation steps, and the document's depth is checked once, not once per
/// path. Each query is bounded by [`MAX_STEPS`] on its own, but a map of
/// thousands of expensive entries took thousands of times that (20,000
/// filters over a 320 KB reply: about 9 minutes); a map of 20,000
/// trivial paths still walked the whole reply once per path for the depth
/// check (3 s on that reply).
#[derive(Debug)]
pub struct SharedDocument<'d> {
    value: &'d Value,
    /// Whether the document nests deeper than [`MAX_DOCUMENT_DEPTH`]: every
    /// query of it fails.
    too_deep: bool,
    /// Steps the queries may still take together.
    steps_left: u64,
    /// The allowance the queries started with, for messages.
    steps_total: u64,
    /// The document's size, measured by the first query whose selection or
    /// copies outgrow the fixed bounds, for the later ones.
    size: Option<eval::Size>,
}

impl<'d> SharedDocument<'d> {
    /// `value`, to be queried by paths that take at most `max_steps`
    /// evaluation steps together (and at most [`MAX_STEPS`] each).
    pub fn new(value: &'d Value, max_steps: u64) -> SharedDocument<'d> {
        SharedDocument {
            value,
            too_deep: eval::depth_exceeds(value, MAX_DOCUMENT_DEPTH),
            steps_left: max_steps,
            steps_total: max_steps,
            size: None,
        }
    }

    /// The steps the queries of this document share.
    pub fn max_steps(&self) -> u64 {
        self.steps_total
    }

    /// Whether the queries took all the steps they share: a later query
    /// fails with [`QueryError::Spent`] at its first step.
    pub fn steps_spent(&self) -> bool {
        self.steps_left == 0
    }
}

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
    /// The query of a [`SharedDocument`] took the last of the steps its
    /// queries share (or none were left): it may have found a value with
    /// more.
    #[error(
        "JSONPath {path} stopped: more than the {steps} evaluation steps shared by the \
         queries of its document"
    )]
    Spent {
        /// The path text.
        path: String,
        /// The steps the document's queries share.
        steps: u64,
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
        self.query_shared(&mut SharedDocument::new(document, MAX_STEPS))
    }

    /// [`JsonPath::query`] of a document that other paths query too: the
    /// steps this query takes are taken from those they share.
    pub fn query_shared(&self, document: &mut SharedDocument<'_>) -> Result<Selection, QueryError> {
        eval::query(&self.path, document).map_err(|error| error.with_path(&self.text))
    }
}

//! Evaluation, token by token, as Jayway's path tokens evaluate: a missing
//! property or an index out of range is an error only while every token
//! before it is definite; a filter on an object tests the object itself; a
//! deep scan visits each object and array in document order and applies the
//! next token where Jayway's scan predicate lets it.

use super::parse::{Function, Param, Path, Token, token_is_definite};
use super::{
    BYTES_PER_STEP, MAX_DOCUMENT_DEPTH, MAX_SELECTED_BYTES, MAX_SELECTED_NODES, MAX_STEPS,
    QueryError, SELECTED_PER_DOCUMENT_NODE, Selection, SharedDocument, filter,
};
use crate::json::kind;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why an evaluation stopped, before the path text is attached.
#[derive(Debug)]
pub(crate) enum Fail {
    NotFound(String),
    Invalid(String),
    Function(String),
    Limit(String),
    /// The steps the document's queries share, all taken.
    Spent(u64),
}

impl Fail {
    pub(crate) fn with_path(self, path: &str) -> QueryError {
        let path = path.to_owned();
        match self {
            Fail::NotFound(reason) => QueryError::NotFound { path, reason },
            Fail::Invalid(reason) => QueryError::Invalid { path, reason },
            Fail::Function(reason) => QueryError::Function { path, reason },
            Fail::Limit(reason) => QueryError::Limit { path, reason },
            Fail::Spent(steps) => QueryError::Spent { path, steps },
        }
    }
}

/// The query of a whole document with Jayway's default configuration; its
/// steps are taken from those the document's queries share.
pub(crate) fn query(path: &Path, shared: &mut SharedDocument<'_>) -> Result<Selection, Fail> {
    if shared.too_deep {
        return Err(Fail::Limit(format!(
            "document nested deeper than {MAX_DOCUMENT_DEPTH} levels"
        )));
    }
    let document = shared.value;
    let mut run = Run {
        root: document,
        steps: 0,
        limit: StepLimit::of(shared),
        copies: Allowance::new(),
        document_size: shared.size,
    };
    let results = run.evaluate(path, document, false);
    // Spent even when the query failed: the steps were taken all the same.
    shared.steps_left = shared.steps_left.saturating_sub(run.steps);
    shared.size = run.document_size;
    let results = results?;
    let mut selected = Allowance::new();
    let mut owned = |value: Cow<'_, Value>| -> Result<Value, Fail> {
        selected
            .take(&value, document, &mut shared.size)
            .map_err(|bound| Fail::Limit(format!("selection larger than {bound}")))?;
        Ok(value.into_owned())
    };
    if path.is_definite() {
        match results.into_iter().last() {
            Some(value) => Ok(Selection::Value(owned(value)?)),
            None => Err(Fail::NotFound("the path reached no value".to_owned())),
        }
    } else {
        let mut list = Vec::with_capacity(results.len());
        for value in results {
            list.push(owned(value)?);
        }
        Ok(Selection::List(list))
    }
}

/// One evaluation: the document root (for `$` inside filters) and the steps
/// taken so far, shared by the filters' own paths.
pub(crate) struct Run<'d> {
    pub(crate) root: &'d Value,
    steps: u64,
    /// The steps this run may take.
    limit: StepLimit,
    /// JSON values the evaluation may still copy on its way (a merge of
    /// several properties, a filter's list of an indefinite path): the
    /// selection's own bound. A deep scan copies at every level it matches,
    /// which on a deep document came to gigabytes.
    copies: Allowance,
    /// The document's size once measured (see [`Allowance::take`]).
    document_size: Option<Size>,
}

/// The steps one query may take: [`MAX_STEPS`], or fewer when that many are
/// no longer left of those its document's queries share.
#[derive(Clone, Copy)]
struct StepLimit {
    steps: u64,
    /// The steps the document's queries share, when they are the bound.
    shared: Option<u64>,
}

impl StepLimit {
    fn of(document: &SharedDocument<'_>) -> StepLimit {
        if document.steps_left < MAX_STEPS {
            StepLimit {
                steps: document.steps_left,
                shared: Some(document.steps_total),
            }
        } else {
            StepLimit {
                steps: MAX_STEPS,
                shared: None,
            }
        }
    }

    /// Why the run stops, once past the limit.
    fn passed(self) -> Fail {
        match self.shared {
            Some(total) => Fail::Spent(total),
            None => Fail::Limit(format!("more than {MAX_STEPS} evaluation steps")),
        }
    }
}

/// JSON values (counting everything nested) and bytes of their strings and
/// keys a query may still hold: at first [`MAX_SELECTED_NODES`] and
/// [`MAX_SELECTED_BYTES`], widened once to [`SELECTED_PER_DOCUMENT_NODE`]
/// times the document's when a value outgrows that (the document is
/// measured only then).
struct Allowance {
    left: Size,
    widened: bool,
}

impl Allowance {
    fn new() -> Self {
        Allowance {
            left: Size {
                nodes: MAX_SELECTED_NODES,
                bytes: MAX_SELECTED_BYTES,
            },
            widened: false,
        }
    }

    /// Take `value`'s JSON values and text from the allowance; when they do
    /// not fit even once it is widened by `document`'s size, the bound
    /// passed, in words. The size is measured once for all the queries of
    /// the document and kept in `document_size`: a walk of the whole
    /// document for each query of a large map would cost more than the
    /// queries.
    fn take(
        &mut self,
        value: &Value,
        document: &Value,
        document_size: &mut Option<Size>,
    ) -> Result<(), String> {
        loop {
            let outgrown = match measure_within(value, self.left) {
                Ok(size) => {
                    self.left.nodes -= size.nodes;
                    self.left.bytes -= size.bytes;
                    return Ok(());
                }
                Err(outgrown) => outgrown,
            };
            if self.widened {
                return Err(match outgrown {
                    Outgrown::Nodes => format!(
                        "{MAX_SELECTED_NODES} JSON values and than \
                         {SELECTED_PER_DOCUMENT_NODE} times the document's"
                    ),
                    Outgrown::Bytes => format!(
                        "{MAX_SELECTED_BYTES} bytes of strings and keys and than \
                         {SELECTED_PER_DOCUMENT_NODE} times the document's"
                    ),
                });
            }
            self.widened = true;
            let document = *document_size.get_or_insert_with(|| measure(document));
            let widen = |left: u64, own: u64, floor: u64| {
                let allowed = own.saturating_mul(SELECTED_PER_DOCUMENT_NODE);
                left.saturating_add(allowed.saturating_sub(floor))
            };
            self.left = Size {
                nodes: widen(self.left.nodes, document.nodes, MAX_SELECTED_NODES),
                bytes: widen(self.left.bytes, document.bytes, MAX_SELECTED_BYTES),
            };
        }
    }
}

/// The size of a JSON value as the allowances count it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    /// Values, itself and everything nested.
    nodes: u64,
    /// Bytes of its strings and object keys (what a copy of it copies
    /// beyond its values).
    bytes: u64,
}

/// Which part of an allowance a value outgrew.
enum Outgrown {
    Nodes,
    Bytes,
}

/// Where the path's tokens are applied: the tokens, and for each whether all
/// tokens before it are definite (Jayway's `isUpstreamDefinite`).
struct Walk<'p, 'd> {
    tokens: &'p [Token],
    upstream_definite: Vec<bool>,
    /// Jayway's `REQUIRE_PROPERTIES`, set for a filter's existence test.
    require: bool,
    results: Vec<Cow<'d, Value>>,
}

impl<'d> Run<'d> {
    /// All the values `path` reaches from `item` (`@`) or the root (`$`), in
    /// order; `require` makes a missing property an error, as Jayway's
    /// existence test does.
    pub(crate) fn evaluate(
        &mut self,
        path: &Path,
        item: &'d Value,
        require: bool,
    ) -> Result<Vec<Cow<'d, Value>>, Fail> {
        let start = if path.root_is_document {
            self.root
        } else {
            item
        };
        let tokens = &path.tokens;
        // `$..x.fn()` is Jayway's `fn($..x)`: the function over the scan's list.
        if matches!(tokens.first(), Some(Token::Scan))
            && let Some(Token::Function(function, params)) = tokens.last()
        {
            let inner = &tokens[..tokens.len() - 1];
            let value = self.scan_function(*function, params, inner, start, item)?;
            return Ok(vec![Cow::Owned(value)]);
        }
        self.run_tokens(tokens, start, item, require)
    }

    fn run_tokens(
        &mut self,
        tokens: &[Token],
        start: &'d Value,
        item: &'d Value,
        require: bool,
    ) -> Result<Vec<Cow<'d, Value>>, Fail> {
        let mut upstream_definite = Vec::with_capacity(tokens.len());
        let mut definite = true;
        for (i, token) in tokens.iter().enumerate() {
            upstream_definite.push(definite);
            definite &= token_is_definite(token, i + 1 == tokens.len());
        }
        let mut walk = Walk {
            tokens,
            upstream_definite,
            require,
            results: Vec::new(),
        };
        self.step(&mut walk, 0, start, item)?;
        Ok(walk.results)
    }

    fn count_step(&mut self) -> Result<(), Fail> {
        self.charge(1)
    }

    /// Charges `steps` steps at once: a filter's comparisons, a function's
    /// pass over its input.
    pub(crate) fn charge(&mut self, steps: u64) -> Result<(), Fail> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.limit.steps {
            return Err(self.limit.passed());
        }
        Ok(())
    }

    /// A copy of `value`, counted against the values the run may copy.
    pub(crate) fn copy(&mut self, value: &Value) -> Result<Value, Fail> {
        self.copies
            .take(value, self.root, &mut self.document_size)
            .map_err(|bound| Fail::Limit(format!("values copied on the way past {bound}")))?;
        Ok(value.clone())
    }

    /// Applies token `i` to `model`, and the rest of the path to what it
    /// selects.
    fn step(
        &mut self,
        walk: &mut Walk<'_, 'd>,
        i: usize,
        model: &'d Value,
        item: &'d Value,
    ) -> Result<(), Fail> {
        self.count_step()?;
        let Some(token) = walk.tokens.get(i) else {
            walk.results.push(Cow::Borrowed(model));
            return Ok(());
        };
        let leaf = i + 1 == walk.tokens.len();
        let upstream_definite = walk.upstream_definite[i];
        match token {
            Token::Property(names) => {
                let Value::Object(object) = model else {
                    if !upstream_definite {
                        return Ok(());
                    }
                    return Err(Fail::NotFound(format!(
                        "expected an object with property {}, found {}",
                        names.join(", "),
                        kind(model)
                    )));
                };
                if names.len() > 1 && leaf {
                    let mut merged = Map::new();
                    for name in names {
                        match object.get(name) {
                            Some(value) => {
                                merged.insert(name.clone(), self.copy(value)?);
                            }
                            None if walk.require => {
                                return Err(Fail::NotFound(format!("missing property {name}")));
                            }
                            None => {}
                        }
                    }
                    walk.results.push(Cow::Owned(Value::Object(merged)));
                    return Ok(());
                }
                let token_definite = names.len() == 1;
                for name in names {
                    match object.get(name) {
                        Some(value) => self.step(walk, i + 1, value, item)?,
                        None if leaf => {
                            if walk.require {
                                return Err(Fail::NotFound(format!("no property {name}")));
                            }
                        }
                        None => {
                            if (upstream_definite && token_definite) || walk.require {
                                return Err(Fail::NotFound(format!("missing property {name}")));
                            }
                        }
                    }
                }
                Ok(())
            }
            Token::Wildcard => match model {
                Value::Object(object) => {
                    for value in object.values() {
                        self.step(walk, i + 1, value, item)?;
                    }
                    Ok(())
                }
                Value::Array(values) => {
                    for value in values {
                        match self.step(walk, i + 1, value, item) {
                            Err(Fail::NotFound(_)) if !walk.require => {}
                            other => other?,
                        }
                    }
                    Ok(())
                }
                _ => Ok(()),
            },
            Token::Index(indexes) => {
                let Some(values) = array_model(model, upstream_definite)? else {
                    return Ok(());
                };
                for &index in indexes {
                    self.step_index(walk, i, values, i64::from(index), item)?;
                }
                Ok(())
            }
            Token::Slice { from, to } => {
                let Some(values) = array_model(model, upstream_definite)? else {
                    return Ok(());
                };
                let length = values.len() as i64;
                if length == 0 {
                    return Ok(());
                }
                let (begin, end) = match (*from, *to) {
                    (Some(from), None) => {
                        let from = i64::from(from);
                        ((if from < 0 { length + from } else { from }).max(0), length)
                    }
                    (Some(from), Some(to)) => (i64::from(from), i64::from(to).min(length)),
                    (None, Some(to)) => {
                        let to = i64::from(to);
                        (0, (if to < 0 { length + to } else { to }).min(length))
                    }
                    (None, None) => (0, 0),
                };
                // Jayway's slice walks from..to and reads each as an index, so a
                // negative start counts from the end (`[-4:1]`).
                for index in begin..end {
                    self.step_index(walk, i, values, index, item)?;
                }
                Ok(())
            }
            Token::Filter(expr) => match model {
                Value::Object(_) => {
                    if filter::accept(self, expr, model, &mut filter::Shared::default())? {
                        self.step(walk, i + 1, model, item)?;
                    }
                    Ok(())
                }
                Value::Array(values) => {
                    // What does not depend on the item is worked out once
                    // for all of them, not re-read for each.
                    let mut shared = filter::Shared::default();
                    for value in values {
                        if filter::accept(self, expr, value, &mut shared)? {
                            self.step(walk, i + 1, value, item)?;
                        }
                    }
                    Ok(())
                }
                _ if upstream_definite => Err(Fail::Invalid(format!(
                    "a filter cannot be applied to {}",
                    kind(model)
                ))),
                _ => Ok(()),
            },
            Token::Scan => self.scan(walk, i, model, item),
            Token::Function(function, params) => {
                let value = self.function(*function, params, model)?;
                walk.results.push(value);
                Ok(())
            }
        }
    }

    fn step_index(
        &mut self,
        walk: &mut Walk<'_, 'd>,
        i: usize,
        values: &'d [Value],
        index: i64,
        item: &'d Value,
    ) -> Result<(), Fail> {
        let effective = if index < 0 {
            values.len() as i64 + index
        } else {
            index
        };
        match usize::try_from(effective)
            .ok()
            .and_then(|at| values.get(at))
        {
            Some(value) => self.step(walk, i + 1, value, item),
            None => Ok(()),
        }
    }

    /// The deep scan at token `i`: every object and array, in document order
    /// (the node before its children), iteratively, and the next token
    /// applied where Jayway's scan predicate accepts the node.
    fn scan(
        &mut self,
        walk: &mut Walk<'_, 'd>,
        i: usize,
        model: &'d Value,
        item: &'d Value,
    ) -> Result<(), Fail> {
        let next = &walk.tokens[i + 1];
        let next_is_leaf = i + 2 == walk.tokens.len();
        let mut stack = vec![model];
        let mut shared = filter::Shared::default();
        while let Some(node) = stack.pop() {
            self.count_step()?;
            let children: Box<dyn DoubleEndedIterator<Item = &'d Value>> = match node {
                Value::Object(object) => Box::new(object.values()),
                Value::Array(values) => Box::new(values.iter()),
                _ => continue,
            };
            let matches = match next {
                Token::Property(names) => match node {
                    Value::Object(object) => {
                        !token_is_definite(next, next_is_leaf)
                            || names.iter().all(|name| object.contains_key(name))
                    }
                    _ => false,
                },
                Token::Index(_) | Token::Slice { .. } => node.is_array(),
                Token::Wildcard => true,
                Token::Filter(expr) => filter::accept(self, expr, node, &mut shared)?,
                Token::Scan | Token::Function(..) => false,
            };
            if matches {
                self.step(walk, i + 1, node, item)?;
            }
            stack.extend(children.rev());
        }
        Ok(())
    }

    /// `$..x.fn()`: Jayway moves the function in front, with the scan as its
    /// argument, and applies it to the document.
    fn scan_function(
        &mut self,
        function: Function,
        params: &[Param],
        inner: &[Token],
        start: &'d Value,
        item: &'d Value,
    ) -> Result<Value, Fail> {
        match function {
            // Jayway's length() of a path argument counts the children of
            // what the path selects: it appends a wildcard to the path.
            Function::Length => {
                let mut with_children = inner.to_vec();
                with_children.push(Token::Wildcard);
                let found = self.run_tokens(&with_children, start, item, false)?;
                Ok(Value::from(found.len()))
            }
            Function::Min | Function::Max | Function::Avg | Function::Sum | Function::Stddev => {
                let found = self.run_tokens(inner, start, item, false)?;
                self.charge(found.len() as u64)?;
                let mut numbers = self.numbers_of(start)?;
                numbers.extend(found.iter().filter_map(|value| value.as_f64()));
                numbers.extend(self.param_numbers(params, start)?);
                aggregate(function, &numbers).map(Value::from)
            }
            _ => Ok(self.function(function, params, start)?.into_owned()),
        }
    }

    fn param_numbers(&mut self, params: &[Param], model: &'d Value) -> Result<Vec<f64>, Fail> {
        let mut numbers = Vec::new();
        for param in params {
            match param {
                Param::Literal(value) => numbers.extend(value.as_f64()),
                Param::Path(path) => {
                    // `@` in an argument is the function's input, `$` the document.
                    let found = self.evaluate(path, model, false);
                    match found {
                        Ok(values) => {
                            self.charge(values.len() as u64)?;
                            for value in values {
                                match value.as_ref() {
                                    Value::Array(items) => {
                                        self.charge(items.len() as u64)?;
                                        numbers.extend(items.iter().filter_map(Value::as_f64))
                                    }
                                    other => numbers.extend(other.as_f64()),
                                }
                            }
                        }
                        Err(Fail::NotFound(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        Ok(numbers)
    }

    fn function(
        &mut self,
        function: Function,
        params: &[Param],
        model: &'d Value,
    ) -> Result<Cow<'d, Value>, Fail> {
        let owned = |value: Value| Ok(Cow::Owned(value));
        match function {
            Function::Length => owned(match model {
                Value::Array(values) => Value::from(values.len()),
                Value::Object(object) => Value::from(object.len()),
                _ => Value::Null,
            }),
            Function::Keys => owned(match model {
                Value::Object(object) => {
                    // A copy of every key: charged by their number and
                    // text, as a filter calling it for each item repeats it.
                    let bytes = object.keys().map(String::len).sum::<usize>();
                    self.charge(object.len() as u64 + bytes_steps(bytes))?;
                    Value::Array(object.keys().cloned().map(Value::String).collect())
                }
                _ => Value::Null,
            }),
            Function::Min | Function::Max | Function::Avg | Function::Sum | Function::Stddev => {
                let mut numbers = self.numbers_of(model)?;
                numbers.extend(self.param_numbers(params, model)?);
                aggregate(function, &numbers).map(|n| Cow::Owned(Value::from(n)))
            }
            Function::First | Function::Last | Function::Index => {
                let Value::Array(values) = model else {
                    return Err(Fail::NotFound(
                        "invalid target index for sequence".to_owned(),
                    ));
                };
                let target = match function {
                    Function::First => 0,
                    Function::Last => -1,
                    _ => match params.first() {
                        Some(Param::Literal(value)) => value
                            .as_i64()
                            .ok_or_else(|| Fail::Function("index() needs an integer".to_owned()))?,
                        _ => return Err(Fail::Function("index() needs an integer".to_owned())),
                    },
                };
                let length = values.len() as i64;
                if target >= 0 {
                    return usize::try_from(target)
                        .ok()
                        .and_then(|at| values.get(at))
                        .map(Cow::Borrowed)
                        .ok_or_else(|| {
                            Fail::Function(format!(
                                "index {target} out of bounds for length {length}"
                            ))
                        });
                }
                // Jayway reads a negative index only when it lands after the
                // first element (`realIndex > 0`): last() of one element fails.
                let real = length + target;
                if real > 0 {
                    Ok(Cow::Borrowed(&values[real as usize]))
                } else {
                    Err(Fail::NotFound(format!(
                        "target index {target} larger than object count {length}"
                    )))
                }
            }
        }
    }
}

impl Run<'_> {
    /// The numbers directly inside `model` when it is an array (Jayway's
    /// aggregates skip everything else), a step charged for each element.
    fn numbers_of(&mut self, model: &Value) -> Result<Vec<f64>, Fail> {
        Ok(match model {
            Value::Array(values) => {
                self.charge(values.len() as u64)?;
                values.iter().filter_map(Value::as_f64).collect()
            }
            _ => Vec::new(),
        })
    }
}

/// The steps charged for `bytes` bytes compared, scanned or copied.
pub(crate) fn bytes_steps(bytes: usize) -> u64 {
    bytes as u64 / BYTES_PER_STEP
}

/// Jayway's aggregates, in doubles, with its formulas.
fn aggregate(function: Function, numbers: &[f64]) -> Result<f64, Fail> {
    if numbers.is_empty() {
        return Err(Fail::Function(
            "aggregation function attempted to calculate value using empty array".to_owned(),
        ));
    }
    let count = numbers.len() as f64;
    let sum: f64 = numbers.iter().sum();
    Ok(match function {
        Function::Min => numbers.iter().copied().fold(f64::INFINITY, f64::min),
        Function::Max => numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Function::Avg => sum / count,
        Function::Stddev => {
            let squares: f64 = numbers.iter().map(|n| n * n).sum();
            (squares / count - sum * sum / count / count).sqrt()
        }
        _ => sum,
    })
}

/// Jayway's check before an index or slice: an array, or an error while the
/// path is still definite.
fn array_model(model: &Value, upstream_definite: bool) -> Result<Option<&[Value]>, Fail> {
    match model {
        Value::Array(values) => Ok(Some(values)),
        _ if upstream_definite => Err(Fail::NotFound(format!(
            "expected an array, found {}",
            kind(model)
        ))),
        _ => Ok(None),
    }
}

/// Whether `value` nests deeper than `limit`, found without recursion.
pub(crate) fn depth_exceeds(value: &Value, limit: usize) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        match node {
            Value::Array(values) => stack.extend(values.iter().map(|v| (v, depth + 1))),
            Value::Object(object) => stack.extend(object.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    false
}

/// How many JSON values `value` holds, itself included, and the bytes of
/// its strings and keys, without recursion; or which of the two passes
/// `limit`, found as soon as it does (a walk no longer than the limit).
fn measure_within(value: &Value, limit: Size) -> Result<Size, Outgrown> {
    let mut size = Size { nodes: 0, bytes: 0 };
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        size.nodes += 1;
        match node {
            Value::String(text) => size.bytes += text.len() as u64,
            Value::Array(values) => stack.extend(values.iter()),
            Value::Object(object) => {
                for (key, value) in object {
                    size.bytes += key.len() as u64;
                    stack.push(value);
                }
            }
            _ => {}
        }
        if size.nodes > limit.nodes {
            return Err(Outgrown::Nodes);
        }
        if size.bytes > limit.bytes {
            return Err(Outgrown::Bytes);
        }
    }
    Ok(size)
}

fn measure(value: &Value) -> Size {
    let all = Size {
        nodes: u64::MAX,
        bytes: u64::MAX,
    };
    measure_within(value, all).unwrap_or(all)
}

#[cfg(test)]
mod tests {
    use crate::jsonpath::{JsonPath, MAX_STEPS, QueryError, Selection, SharedDocument};
    use serde_json::{Value, json};

    fn query(path: &str, document: &Value) -> Result<Selection, QueryError> {
        JsonPath::parse(path).expect("valid").query(document)
    }

    fn stopped_by_bytes(result: Result<Selection, QueryError>) -> bool {
        matches!(result, Err(QueryError::Limit { reason, .. }) if reason.contains("bytes"))
    }

    /// `{"a": {"a": ... "X" * size}}`, `levels` deep.
    fn chain(levels: usize, size: usize) -> Value {
        let mut value = json!("X".repeat(size));
        for _ in 0..levels {
            value = json!({ "a": value });
        }
        value
    }

    /// Selections were bounded by their number of values only: a few values
    /// that each hold one long string copied it each time (`$..a` down a
    /// chain of 120 objects around 8 MiB: 2.9 GB; the string named 5,000
    /// times: an abort). Their text counts now.
    #[test]
    fn selections_are_bounded_by_their_text() {
        assert!(stopped_by_bytes(query("$..a", &chain(120, 1 << 20))));
        let indexes = vec!["0"; 200].join(",");
        let named = json!({"a": ["X".repeat(1 << 20)]});
        assert!(stopped_by_bytes(query(&format!("$.a[{indexes}]"), &named)));
        // What the copies on the way hold is counted the same way: the
        // merge of `a` and `b` at each level copies the rest of the chain.
        let mut merged = json!("X".repeat(1 << 20));
        for _ in 0..120 {
            merged = json!({"a": merged, "b": 0});
        }
        assert!(stopped_by_bytes(query("$..['a','b']", &merged)));
        // Within 16 MiB, or twice the document's text.
        let selected = query("$..a", &chain(10, 1 << 20)).expect("within");
        assert_eq!(selected.into_value().as_array().map(Vec::len), Some(10));
        let big = json!({"a": ["X".repeat(10 << 20)]});
        let selected = query("$.a[0,0]", &big).expect("within");
        assert_eq!(selected.into_value().as_array().map(Vec::len), Some(2));
    }

    /// Each query was bounded on its own only: the paths of a map of
    /// thousands of entries each took up to MAX_STEPS on the same reply.
    /// The queries of a shared document take their steps from one
    /// allowance; once it is spent, the next query stops at its first step.
    #[test]
    fn queries_of_a_shared_document_share_its_steps() {
        // Each `in` reads all of `y` for each item of `x`: 3,000 x 3,000.
        let lists = crate::jsonpath::filter::tests::disjoint_lists(3_000);
        let costly = JsonPath::parse("$.x[?(@ in $.y)]").expect("valid");
        let cheap = JsonPath::parse("$.x[0]").expect("valid");
        let per_query = |result: &Result<Selection, QueryError>| matches!(result, Err(QueryError::Limit { reason, .. }) if reason.contains("steps"));
        // Alone, each query stops at its own bound, however many run.
        for _ in 0..3 {
            assert!(per_query(&costly.query(&lists)));
        }
        // Shared, two and a half queries' worth: two stop at their own
        // bound, the third at what is left of the shared steps, and then
        // even a query of one step does not run.
        let mut shared = SharedDocument::new(&lists, MAX_STEPS * 5 / 2);
        for _ in 0..2 {
            assert!(per_query(&costly.query_shared(&mut shared)));
            assert!(!shared.steps_spent());
        }
        let spent = costly.query_shared(&mut shared);
        assert!(
            matches!(&spent, Err(QueryError::Spent { steps, .. }) if *steps == MAX_STEPS * 5 / 2),
            "{spent:?}"
        );
        assert!(shared.steps_spent());
        let after = cheap.query_shared(&mut shared);
        assert!(matches!(after, Err(QueryError::Spent { .. })), "{after:?}");
        // Cheap queries take only what they use.
        let mut shared = SharedDocument::new(&lists, 100);
        for _ in 0..5 {
            assert_eq!(
                cheap.query_shared(&mut shared),
                Ok(Selection::Value(json!(0)))
            );
        }
        // A document too deep is refused by every query, checked once.
        let mut deep = json!(0);
        for _ in 0..1_100 {
            deep = json!([deep]);
        }
        let mut shared = SharedDocument::new(&deep, MAX_STEPS);
        for _ in 0..2 {
            let refused = cheap.query_shared(&mut shared);
            assert!(
                matches!(&refused, Err(QueryError::Limit { reason, .. }) if reason.contains("deeper")),
                "{refused:?}"
            );
        }
    }
}

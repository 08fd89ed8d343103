//! Filters as Jayway's `ValueNode`s compare: a path's value becomes a number,
//! string, boolean, null or JSON node; `==` follows the left side's type (a
//! number equals a string that reads as that number, a string equals a
//! number that prints as that string); `<` and friends compare two numbers or
//! two strings and nothing else; a missing value equals nothing.

//!
//! A filter's work counts against the query's steps: each comparison is a
//! step, with one more for every [`BYTES_PER_STEP`](super::BYTES_PER_STEP) bytes it compares and
//! one for every byte a regular expression reads, so that list operators
//! over long lists and comparisons with long strings, repeated for every
//! item, stop at the step bound. What does not depend on the item (a `$`
//! path, a comparison of two of them) is worked out once per application
//! of the filter ([`Shared`]) rather than once per item.

use super::eval::{Fail, Run, bytes_steps};
use super::parse::{Expr, Op, Operand, Path, is_java_decimal};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Deref;
use std::rc::Rc;

/// A filter operand's value.
enum Node<'a> {
    Undefined,
    Null,
    Bool(bool),
    /// A number and whether it is an integer (json-smart's Integer or Long).
    Number(Num),
    Str(Cow<'a, str>),
    /// An array or object (Jayway's `JsonNode`).
    Json(Cow<'a, Value>),
    Pattern(&'a regex::Regex),
}

/// What one application of a filter to the items of an array (or to the
/// values a deep scan visits) works out once: the values of its `$` paths
/// and the outcome of tests that read nothing else. A `$` path reaches the
/// same values whatever the item (`@` inside its own filters and function
/// arguments is another value), and evaluation has no side effects, so
/// the first item's answer is every item's. Keyed by the address of the
/// operand or test, which stays put while the filter's path is borrowed.
#[derive(Default)]
pub(crate) struct Shared<'d> {
    operands: HashMap<*const Operand, Rc<Node<'d>>>,
    tests: HashMap<*const Expr, bool>,
}

/// An operand's value: its own, or the one shared by every item.
enum Held<'a> {
    Own(Node<'a>),
    Shared(Rc<Node<'a>>),
}

impl<'a> Deref for Held<'a> {
    type Target = Node<'a>;
    fn deref(&self) -> &Node<'a> {
        match self {
            Held::Own(node) => node,
            Held::Shared(node) => node,
        }
    }
}

/// Whether `operand` is the same for every item: a literal, or a path from
/// the document's root.
fn item_free(operand: &Operand) -> bool {
    match operand {
        Operand::Path(path) => path.root_is_document,
        _ => true,
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn parse(text: &str) -> Option<Num> {
        if !is_java_decimal(text) {
            return None;
        }
        if let Ok(int) = text.parse::<i128>() {
            return Some(Num::Int(int));
        }
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Num::Float)
    }
    fn of(number: &serde_json::Number) -> Num {
        if let Some(int) = number.as_i64() {
            Num::Int(i128::from(int))
        } else if let Some(int) = number.as_u64() {
            Num::Int(i128::from(int))
        } else {
            Num::Float(number.as_f64().unwrap_or(f64::NAN))
        }
    }
    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.float().partial_cmp(&b.float()),
        }
    }
    fn float(self) -> f64 {
        match self {
            Num::Int(int) => int as f64,
            Num::Float(float) => float,
        }
    }
    /// The number as Java prints it (`BigDecimal` of an Integer, Long or
    /// Double's `toString`), for a string compared with a number.
    fn java_text(self) -> String {
        match self {
            Num::Int(int) => int.to_string(),
            Num::Float(float) => {
                let magnitude = float.abs();
                if float.fract() == 0.0 && magnitude < 1e7 {
                    format!("{float:.1}")
                } else if (1e-3..1e7).contains(&magnitude) {
                    format!("{float}")
                } else {
                    let text = format!("{float:E}");
                    let (mantissa, exponent) = text.split_once('E').unwrap_or((&text, "0"));
                    let mantissa = if mantissa.contains('.') {
                        mantissa.to_owned()
                    } else {
                        format!("{mantissa}.0")
                    };
                    let exponent = exponent.parse::<i32>().unwrap_or(0);
                    let sign = if exponent < 0 { "-" } else { "+" };
                    format!("{mantissa}E{sign}{}", exponent.abs())
                }
            }
        }
    }
}

/// Whether `item` passes the filter; `shared` holds what the filter's
/// earlier items worked out that does not depend on the item.
pub(crate) fn accept<'d>(
    run: &mut Run<'d>,
    expr: &Expr,
    item: &'d Value,
    shared: &mut Shared<'d>,
) -> Result<bool, Fail> {
    match expr {
        Expr::Or(ops) => {
            for op in ops {
                if accept(run, op, item, shared)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Expr::And(ops) => {
            for op in ops {
                if !accept(run, op, item, shared)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Expr::Not(inner) => Ok(!accept(run, inner, item, shared)?),
        Expr::Exists { path, should_exist } => {
            let key = expr as *const Expr;
            if path.root_is_document
                && let Some(&passes) = shared.tests.get(&key)
            {
                return Ok(passes);
            }
            let exists = match run.evaluate(path, item, true) {
                Ok(_) => true,
                Err(Fail::NotFound(_)) => false,
                Err(other) => return Err(other),
            };
            let passes = exists == *should_exist;
            if path.root_is_document {
                shared.tests.insert(key, passes);
            }
            Ok(passes)
        }
        Expr::Compare { left, op, right } => {
            let key = expr as *const Expr;
            let constant = item_free(left) && item_free(right);
            if constant && let Some(&passes) = shared.tests.get(&key) {
                return Ok(passes);
            }
            let left_node = operand(run, left, item, shared)?;
            let right_node = operand(run, right, item, shared)?;
            let passes = compare(run, &left_node, *op, &right_node)?;
            if constant {
                shared.tests.insert(key, passes);
            }
            Ok(passes)
        }
    }
}

fn operand<'a, 'd: 'a>(
    run: &mut Run<'d>,
    operand: &'a Operand,
    item: &'d Value,
    shared: &mut Shared<'d>,
) -> Result<Held<'a>, Fail> {
    Ok(Held::Own(match operand {
        Operand::Path(path) if path.root_is_document => {
            let key = operand as *const Operand;
            if let Some(node) = shared.operands.get(&key) {
                return Ok(Held::Shared(Rc::clone(node)));
            }
            let node = Rc::new(path_node(run, path, item)?);
            shared.operands.insert(key, Rc::clone(&node));
            return Ok(Held::Shared(node));
        }
        Operand::Path(path) => path_node(run, path, item)?,
        Operand::Str(text) => Node::Str(Cow::Borrowed(text)),
        Operand::Number(text) => Num::parse(text).map_or(Node::Undefined, Node::Number),
        Operand::Bool(value) => Node::Bool(*value),
        Operand::Null => Node::Null,
        Operand::Json(value) => Node::Json(Cow::Borrowed(value)),
        Operand::Pattern(regex) => Node::Pattern(regex),
    }))
}

/// A path's value as Jayway's `PathNode.evaluate`: a definite path's value
/// (missing: undefined), an indefinite path's list as one JSON node.
fn path_node<'d>(run: &mut Run<'d>, path: &Path, item: &'d Value) -> Result<Node<'d>, Fail> {
    let found = match run.evaluate(path, item, false) {
        Ok(found) => found,
        Err(Fail::NotFound(_)) => return Ok(Node::Undefined),
        Err(other) => return Err(other),
    };
    if !path.is_definite() {
        let mut list = Vec::with_capacity(found.len());
        for value in found {
            list.push(match value {
                Cow::Borrowed(value) => run.copy(value)?,
                Cow::Owned(value) => value,
            });
        }
        return Ok(Node::Json(Cow::Owned(Value::Array(list))));
    }
    Ok(match found.into_iter().last() {
        None => Node::Undefined,
        Some(Cow::Borrowed(value)) => value_node(value),
        Some(Cow::Owned(value)) => match value_node(&value) {
            Node::Str(text) => Node::Str(Cow::Owned(text.into_owned())),
            Node::Json(_) => Node::Json(Cow::Owned(value)),
            Node::Number(n) => Node::Number(n),
            Node::Bool(b) => Node::Bool(b),
            _ => Node::Null,
        },
    })
}

fn value_node(value: &Value) -> Node<'_> {
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::Number(Num::of(n)),
        Value::String(s) => Node::Str(Cow::Borrowed(s)),
        Value::Array(_) | Value::Object(_) => Node::Json(Cow::Borrowed(value)),
    }
}

/// The comparison, its work charged to `run` as it goes (each element a
/// list operator reads, each string compared, each byte a regex reads).
fn compare(run: &mut Run<'_>, left: &Node<'_>, op: Op, right: &Node<'_>) -> Result<bool, Fail> {
    Ok(match op {
        Op::Eq => equal(run, left, right)?,
        Op::Ne => !equal(run, left, right)?,
        Op::TypeSafeEq => same_type(left, right) && equal(run, left, right)?,
        Op::TypeSafeNe => !(same_type(left, right) && equal(run, left, right)?),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let order = match (left, right) {
                (Node::Number(a), Node::Number(b)) => a.cmp(*b),
                (Node::Str(a), Node::Str(b)) => {
                    run.charge(1 + bytes_steps(a.len().min(b.len())))?;
                    Some(a.encode_utf16().cmp(b.encode_utf16()))
                }
                _ => None,
            };
            match order {
                None => false,
                Some(order) => match op {
                    Op::Lt => order.is_lt(),
                    Op::Le => order.is_le(),
                    Op::Gt => order.is_gt(),
                    _ => order.is_ge(),
                },
            }
        }
        Op::Regex => match (left, right) {
            (Node::Pattern(regex), other) | (other, Node::Pattern(regex))
                if !matches!(other, Node::Pattern(_)) =>
            {
                // The whole haystack, byte by byte: a regex reads each
                // byte at a cost that grows with the pattern.
                let input = regex_input(other);
                run.charge(1 + input.len() as u64)?;
                regex.is_match(&input)
            }
            _ => false,
        },
        Op::In => contains(run, list(right)?, left)?,
        Op::Nin => !contains(run, list(right)?, left)?,
        Op::Contains => match (left, right) {
            (Node::Str(a), Node::Str(b)) => {
                run.charge(1 + bytes_steps(a.len() + b.len()))?;
                a.contains(b.as_ref())
            }
            (Node::Json(value), _) => match value.as_ref() {
                Value::Array(values) => contains(run, values, right)?,
                _ => false,
            },
            _ => false,
        },
        Op::All => match left {
            Node::Json(value) => match value.as_ref() {
                Value::Array(have) => {
                    let mut all = true;
                    for needed in list(right)? {
                        if !contains(run, have, &value_node(needed))? {
                            all = false;
                            break;
                        }
                    }
                    all
                }
                _ => true,
            },
            _ => false,
        },
        Op::Size => match right {
            Node::Number(n) => {
                let expected = n.float().trunc() as i64;
                match left {
                    Node::Str(text) => {
                        run.charge(1 + bytes_steps(text.len()))?;
                        text.encode_utf16().count() as i64 == expected
                    }
                    Node::Json(value) => match value.as_ref() {
                        Value::Array(values) => values.len() as i64 == expected,
                        _ => expected == -1,
                    },
                    _ => false,
                }
            }
            _ => false,
        },
        Op::Empty => match right {
            Node::Bool(empty) => match left {
                Node::Str(text) => text.is_empty() == *empty,
                Node::Json(value) => {
                    let is_empty = match value.as_ref() {
                        Value::Array(values) => values.is_empty(),
                        Value::Object(object) => object.is_empty(),
                        _ => false,
                    };
                    is_empty == *empty
                }
                _ => false,
            },
            _ => false,
        },
        Op::SubsetOf => {
            let (left, right) = (list(left)?, list(right)?);
            let mut all = true;
            for l in left {
                if !contains(run, right, &value_node(l))? {
                    all = false;
                    break;
                }
            }
            all
        }
        Op::AnyOf | Op::NoneOf => {
            let (left, right) = (list(left)?, list(right)?);
            let mut any = false;
            for l in left {
                if contains(run, right, &value_node(l))? {
                    any = true;
                    break;
                }
            }
            any == (op == Op::AnyOf)
        }
    })
}

/// Whether an element of `values` equals `needle` (Jayway's `in`, with
/// the element on the right of `equals`), each comparison charged.
fn contains(run: &mut Run<'_>, values: &[Value], needle: &Node<'_>) -> Result<bool, Fail> {
    for value in values {
        if equal(run, needle, &value_node(value))? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`equals`], its work charged to `run`.
fn equal(run: &mut Run<'_>, left: &Node<'_>, right: &Node<'_>) -> Result<bool, Fail> {
    let mut steps = 0;
    let equal = equals(left, right, &mut steps);
    run.charge(steps)?;
    Ok(equal)
}

/// The elements of a list operand; Jayway refuses anything else.
fn list<'n>(node: &'n Node<'_>) -> Result<&'n [Value], Fail> {
    match node {
        Node::Json(value) => match value.as_ref() {
            Value::Array(values) => Ok(values),
            _ => Err(Fail::Invalid("expected a list of values".to_owned())),
        },
        _ => Err(Fail::Invalid("expected a list of values".to_owned())),
    }
}

fn regex_input<'n>(node: &'n Node<'_>) -> Cow<'n, str> {
    match node {
        Node::Str(text) => Cow::Borrowed(text),
        Node::Number(n) => Cow::Owned(n.java_text()),
        Node::Bool(b) => Cow::Owned(b.to_string()),
        _ => Cow::Borrowed(""),
    }
}

fn same_type(left: &Node<'_>, right: &Node<'_>) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

/// Jayway's `ValueNode.equals`, decided by the left side's type; `steps`
/// grows by the work done (one, and the bytes read past the first
/// [`BYTES_PER_STEP`](super::BYTES_PER_STEP)).
fn equals(left: &Node<'_>, right: &Node<'_>, steps: &mut u64) -> bool {
    *steps += 1;
    match (left, right) {
        (Node::Number(a), Node::Number(b)) => a.cmp(*b) == Some(Ordering::Equal),
        (Node::Number(a), Node::Str(b)) => {
            // Reading the string as a number scans all of it.
            *steps += bytes_steps(b.len());
            Num::parse(b).is_some_and(|b| a.cmp(b) == Some(Ordering::Equal))
        }
        (Node::Str(a), Node::Str(b)) => {
            *steps += same_length_steps(a, b);
            a == b
        }
        (Node::Str(a), Node::Number(b)) => *a == b.java_text(),
        (Node::Bool(a), Node::Bool(b)) => a == b,
        (Node::Null, Node::Null) => true,
        (Node::Json(a), Node::Json(b)) => json_equals(a, b, steps),
        _ => false,
    }
}

/// The steps of comparing two strings: their bytes when the lengths are
/// equal, nothing more otherwise (the lengths decide).
fn same_length_steps(a: &str, b: &str) -> u64 {
    if a.len() == b.len() {
        bytes_steps(a.len())
    } else {
        0
    }
}

/// Java's `equals` of json-smart's maps and lists: an Integer never equals
/// a Double, so `1` and `1.0` differ inside JSON nodes. Iterative, so that
/// two deep values cannot overflow the stack. `steps` grows by a step for
/// each pair of values compared and for the bytes of strings and keys.
fn json_equals(a: &Value, b: &Value, steps: &mut u64) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
        *steps += 1;
        match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                stack.extend(x.iter().zip(y));
            }
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (key, value) in x {
                    *steps += bytes_steps(key.len());
                    match y.get(key) {
                        Some(other) => stack.push((value, other)),
                        None => return false,
                    }
                }
            }
            (Value::Number(x), Value::Number(y)) => {
                let equal = match (Num::of(x), Num::of(y)) {
                    (Num::Int(p), Num::Int(q)) => p == q,
                    (Num::Float(p), Num::Float(q)) => p == q,
                    _ => false,
                };
                if !equal {
                    return false;
                }
            }
            (x, y) => {
                if let (Value::String(x), Value::String(y)) = (x, y) {
                    *steps += same_length_steps(x, y);
                }
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
pub(super) mod tests {
    use crate::jsonpath::{JsonPath, QueryError, Selection};
    use serde_json::{Value, json};

    fn query(path: &str, document: &Value) -> Result<Selection, QueryError> {
        JsonPath::parse(path).expect("valid").query(document)
    }

    fn stopped_by_steps(result: Result<Selection, QueryError>) -> bool {
        matches!(result, Err(QueryError::Limit { reason, .. }) if reason.contains("steps"))
    }

    /// `{"x": [0..n], "y": [-1..-n]}`: no `x` is in `y`, so every list
    /// operator reads all of `y` for each item.
    pub(in crate::jsonpath) fn disjoint_lists(n: i64) -> Value {
        json!({"x": (0..n).collect::<Vec<_>>(), "y": (1..=n).map(|i| -i).collect::<Vec<_>>()})
    }

    /// List operators scanned a whole `$` list for every item, uncounted:
    /// 100,000 items against 100,000 ran for minutes. Each element read is
    /// a step now.
    #[test]
    fn list_operators_count_each_element_they_read() {
        let lists = disjoint_lists(4_000);
        for path in [
            "$.x[?(@ in $.y)]",
            "$.x[?(@ nin $.y)]",
            "$[?($.x anyof $.y)]",
            "$[?($.x noneof $.y)]",
            "$[?($.y subsetof $.y)]",
            "$[?($.y all $.y)]",
            "$.x[?($.y contains @)]",
        ] {
            assert!(stopped_by_steps(query(path, &lists)), "{path}");
        }
        // Short lists cost what they read, as before.
        let small = disjoint_lists(100);
        assert_eq!(
            query("$.x[?(@ in $.y)]", &small),
            Ok(Selection::List(vec![]))
        );
        assert_eq!(
            query("$[?($.x anyof $.y)]", &small),
            Ok(Selection::List(vec![]))
        );
    }

    /// Comparing each item with a long string read the string each time
    /// (a number compared with a string reads it as a number).
    #[test]
    fn comparisons_count_the_bytes_they_read() {
        let numbers = json!({"b": "X".repeat(64 << 10), "a": vec![1; 1_500]});
        assert!(stopped_by_steps(query("$.a[?(@ == $.b)]", &numbers)));
        // A filter inside a filter compares two long strings again for
        // each item of the outer one.
        let long = "X".repeat(1 << 20);
        let strings = json!({"b": long, "c": long, "a": vec![json!([0]); 100]});
        assert!(stopped_by_steps(query(
            "$.a[?(@[?($.b == $.c)])]",
            &strings
        )));
        // A regex reads the whole of each item.
        let texts = json!({"a": vec!["X".repeat(1_000); 6_000]});
        assert!(stopped_by_steps(query("$.a[?(@ =~ /X*Y/)]", &texts)));
        // Short strings cost a step or so each.
        let short = json!({"b": "1", "a": vec!["1"; 1_500]});
        let selected = query("$.a[?(@ == $.b)]", &short).expect("within the bounds");
        assert_eq!(selected.into_value().as_array().map(Vec::len), Some(1_500));
    }

    /// A test that reads only `$` is worked out once for the whole array:
    /// a regex over a 1 MiB string for each of 10,000 items took 27 s.
    #[test]
    fn what_does_not_depend_on_the_item_is_worked_out_once() {
        let document = json!({"b": "X".repeat(1 << 20), "a": vec![0; 10_000]});
        let started = std::time::Instant::now();
        assert_eq!(
            query("$.a[?($.b =~ /X*Y/)]", &document),
            Ok(Selection::List(vec![]))
        );
        // Once per item, it took ten minutes unoptimised.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let selected = query("$.a[?($.b =~ /X*/ && @ == 0)]", &document).expect("within");
        assert_eq!(selected.into_value().as_array().map(Vec::len), Some(10_000));
        // A `$` list shared by every item is copied once, not per item.
        let document = json!({"a": vec![1; 10_000], "b": {"c": [1, 2], "d": [3]}});
        let selected = query("$.a[?(@ in $.b.*[*])]", &document).expect("within");
        assert_eq!(selected.into_value().as_array().map(Vec::len), Some(10_000));
    }
}

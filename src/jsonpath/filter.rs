//! Filters as Jayway's `ValueNode`s compare: a path's value becomes a number,
//! string, boolean, null or JSON node; `==` follows the left side's type (a
//! number equals a string that reads as that number, a string equals a
//! number that prints as that string); `<` and friends compare two numbers or
//! two strings and nothing else; a missing value equals nothing.

use super::eval::{Fail, Run};
use super::parse::{Expr, Op, Operand, Path, is_java_decimal};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

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

/// Whether `item` passes the filter.
pub(crate) fn accept<'d>(run: &mut Run<'d>, expr: &Expr, item: &'d Value) -> Result<bool, Fail> {
    match expr {
        Expr::Or(ops) => {
            for op in ops {
                if accept(run, op, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Expr::And(ops) => {
            for op in ops {
                if !accept(run, op, item)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Expr::Not(inner) => Ok(!accept(run, inner, item)?),
        Expr::Exists { path, should_exist } => {
            let exists = match run.evaluate(path, item, true) {
                Ok(_) => true,
                Err(Fail::NotFound(_)) => false,
                Err(other) => return Err(other),
            };
            Ok(exists == *should_exist)
        }
        Expr::Compare { left, op, right } => {
            let left = operand(run, left, item)?;
            let right = operand(run, right, item)?;
            compare(&left, *op, &right)
        }
    }
}

fn operand<'a, 'd: 'a>(
    run: &mut Run<'d>,
    operand: &'a Operand,
    item: &'d Value,
) -> Result<Node<'a>, Fail> {
    Ok(match operand {
        Operand::Path(path) => path_node(run, path, item)?,
        Operand::Str(text) => Node::Str(Cow::Borrowed(text)),
        Operand::Number(text) => Num::parse(text).map_or(Node::Undefined, Node::Number),
        Operand::Bool(value) => Node::Bool(*value),
        Operand::Null => Node::Null,
        Operand::Json(value) => Node::Json(Cow::Borrowed(value)),
        Operand::Pattern(regex) => Node::Pattern(regex),
    })
}

/// A path's value as Jayway's `PathNode.evaluate`: a definite path's value
/// (missing: undefined), an indefinite path's list as one JSON node.
fn path_node<'a, 'd: 'a>(
    run: &mut Run<'d>,
    path: &Path,
    item: &'d Value,
) -> Result<Node<'a>, Fail> {
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

fn compare(left: &Node<'_>, op: Op, right: &Node<'_>) -> Result<bool, Fail> {
    Ok(match op {
        Op::Eq => equals(left, right),
        Op::Ne => !equals(left, right),
        Op::TypeSafeEq => same_type(left, right) && equals(left, right),
        Op::TypeSafeNe => !(same_type(left, right) && equals(left, right)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let order = match (left, right) {
                (Node::Number(a), Node::Number(b)) => a.cmp(*b),
                (Node::Str(a), Node::Str(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
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
                regex.is_match(&regex_input(other))
            }
            _ => false,
        },
        Op::In => list(right)?
            .iter()
            .any(|element| equals(left, &value_node(element))),
        Op::Nin => !list(right)?
            .iter()
            .any(|element| equals(left, &value_node(element))),
        Op::Contains => match (left, right) {
            (Node::Str(a), Node::Str(b)) => a.contains(b.as_ref()),
            (Node::Json(value), _) => match value.as_ref() {
                Value::Array(values) => values
                    .iter()
                    .any(|element| equals(right, &value_node(element))),
                _ => false,
            },
            _ => false,
        },
        Op::All => match left {
            Node::Json(value) => match value.as_ref() {
                Value::Array(have) => list(right)?.iter().all(|needed| {
                    have.iter()
                        .any(|h| equals(&value_node(needed), &value_node(h)))
                }),
                _ => true,
            },
            _ => false,
        },
        Op::Size => match right {
            Node::Number(n) => {
                let expected = n.float().trunc() as i64;
                match left {
                    Node::Str(text) => text.encode_utf16().count() as i64 == expected,
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
            left.iter()
                .all(|l| right.iter().any(|r| equals(&value_node(l), &value_node(r))))
        }
        Op::AnyOf => {
            let (left, right) = (list(left)?, list(right)?);
            left.iter()
                .any(|l| right.iter().any(|r| equals(&value_node(l), &value_node(r))))
        }
        Op::NoneOf => {
            let (left, right) = (list(left)?, list(right)?);
            !left
                .iter()
                .any(|l| right.iter().any(|r| equals(&value_node(l), &value_node(r))))
        }
    })
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

fn regex_input(node: &Node<'_>) -> String {
    match node {
        Node::Str(text) => text.to_string(),
        Node::Number(n) => n.java_text(),
        Node::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn same_type(left: &Node<'_>, right: &Node<'_>) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

/// Jayway's `ValueNode.equals`, decided by the left side's type.
fn equals(left: &Node<'_>, right: &Node<'_>) -> bool {
    match (left, right) {
        (Node::Number(a), Node::Number(b)) => a.cmp(*b) == Some(Ordering::Equal),
        (Node::Number(a), Node::Str(b)) => {
            Num::parse(b).is_some_and(|b| a.cmp(b) == Some(Ordering::Equal))
        }
        (Node::Str(a), Node::Str(b)) => a == b,
        (Node::Str(a), Node::Number(b)) => *a == b.java_text(),
        (Node::Bool(a), Node::Bool(b)) => a == b,
        (Node::Null, Node::Null) => true,
        (Node::Json(a), Node::Json(b)) => json_equals(a, b),
        _ => false,
    }
}

/// Java's `equals` of json-smart's maps and lists: an Integer never equals
/// a Double, so `1` and `1.0` differ inside JSON nodes. Iterative, so that
/// two deep values cannot overflow the stack.
fn json_equals(a: &Value, b: &Value) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
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
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

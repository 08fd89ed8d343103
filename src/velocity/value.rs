//! Velocity's values, modelled on the Java objects a Genesys context holds, and the Java
//! `toString` each one renders as.

use std::fmt::Write as _;

/// A value as Velocity sees it: a Java null, `Boolean`, `Integer`/`Long`, `Double`, `String`,
/// `List` or `Map` (in insertion order, as a `LinkedHashMap`).
#[derive(Debug, Clone, PartialEq)]
pub enum VValue {
    /// Java null: what an undefined reference is too.
    Null,
    /// `java.lang.Boolean`.
    Bool(bool),
    /// `java.lang.Integer`, or `Long` beyond its range.
    Int(i64),
    /// `java.lang.Double`.
    Float(f64),
    /// `java.lang.String`.
    String(String),
    /// `java.util.List`.
    List(Vec<VValue>),
    /// `java.util.Map`, keys in insertion order.
    Map(Vec<(String, VValue)>),
}

impl VValue {
    /// The value of a JSON document: integers that fit `i64` are `Int`, other numbers `Float`.
    pub fn from_json(value: &serde_json::Value) -> VValue {
        match value {
            serde_json::Value::Null => VValue::Null,
            serde_json::Value::Bool(b) => VValue::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => VValue::Int(i),
                None => VValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => VValue::String(s.clone()),
            serde_json::Value::Array(items) => {
                VValue::List(items.iter().map(VValue::from_json).collect())
            }
            serde_json::Value::Object(map) => VValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), VValue::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The Java class name, for messages.
    pub fn class(&self) -> &'static str {
        match self {
            VValue::Null => "null",
            VValue::Bool(_) => "Boolean",
            VValue::Int(i) if i32::try_from(*i).is_ok() => "Integer",
            VValue::Int(_) => "Long",
            VValue::Float(_) => "Double",
            VValue::String(_) => "String",
            VValue::List(_) => "List",
            VValue::Map(_) => "Map",
        }
    }

    /// What Java's `toString()` gives; `None` for null.
    pub fn java_string(&self) -> Option<String> {
        if matches!(self, VValue::Null) {
            return None;
        }
        let mut out = String::new();
        self.write_java(&mut out, usize::MAX);
        Some(out)
    }

    /// [`VValue::java_string`] of at most `limit` bytes: `Err` when the
    /// text would be longer, found before more than about `limit` bytes are
    /// built (a list of a million items is not written out to be refused).
    pub fn java_string_within(&self, limit: usize) -> Result<Option<String>, usize> {
        if matches!(self, VValue::Null) {
            return Ok(None);
        }
        let mut out = String::new();
        if self.write_java(&mut out, limit) {
            Ok(Some(out))
        } else {
            Err(limit)
        }
    }

    /// Write the text, or stop with `false` once `out` is past `limit`.
    fn write_java(&self, out: &mut String, limit: usize) -> bool {
        match self {
            VValue::Null => out.push_str("null"),
            VValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            VValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            VValue::Float(f) => out.push_str(&java_double(*f)),
            VValue::String(s) => {
                if out.len().saturating_add(s.len()) > limit {
                    return false;
                }
                out.push_str(s);
            }
            VValue::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if !item.write_java(out, limit) {
                        return false;
                    }
                }
                out.push(']');
            }
            VValue::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    if !v.write_java(out, limit) {
                        return false;
                    }
                }
                out.push('}');
            }
        }
        out.len() <= limit
    }

    /// The size of the value, as the bytes a copy of it takes about (a
    /// node for each value, the bytes of its texts), and how deep it nests;
    /// `None` as soon as the size passes `budget`, so that measuring costs
    /// no more than the budget either.
    pub fn measure_within(&self, budget: usize) -> Option<Measure> {
        let mut measure = Measure { bytes: 0, depth: 0 };
        self.measure_into(&mut measure, 1, budget)
            .then_some(measure)
    }

    fn measure_into(&self, measure: &mut Measure, depth: usize, budget: usize) -> bool {
        measure.bytes = measure.bytes.saturating_add(NODE_BYTES);
        measure.depth = measure.depth.max(depth);
        match self {
            VValue::String(s) => measure.bytes = measure.bytes.saturating_add(s.len()),
            VValue::List(items) => {
                for item in items {
                    if !item.measure_into(measure, depth + 1, budget) {
                        return false;
                    }
                }
            }
            VValue::Map(entries) => {
                for (key, value) in entries {
                    measure.bytes = measure.bytes.saturating_add(key.len());
                    if !value.measure_into(measure, depth + 1, budget) {
                        return false;
                    }
                }
            }
            _ => {}
        }
        measure.bytes <= budget
    }

    /// Velocity 1.7's truth: null and `false` are false, everything else is true.
    pub fn truthy(&self) -> bool {
        !matches!(self, VValue::Null | VValue::Bool(false))
    }

    /// The number, when the value is one.
    pub(super) fn number(&self) -> Option<Num> {
        match self {
            VValue::Int(i) => Some(Num::Int(*i)),
            VValue::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }
}

/// What a copy of a value costs, from [`VValue::measure_within`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// About the bytes a copy takes.
    pub bytes: usize,
    /// How deep the value nests (1 for a scalar).
    pub depth: usize,
}

/// What one value takes besides its text, about: the enum and its place
/// in a list.
pub(super) const NODE_BYTES: usize = 32;

/// A Java number: integral (`Integer`, `Long`) or floating (`Double`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)] // Java widens long to double the same way
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    pub(super) fn value(self) -> VValue {
        match self {
            Num::Int(i) => VValue::Int(i),
            Num::Float(f) => VValue::Float(f),
        }
    }
}

/// Java's `Double.toString`: plain decimals from 10^-3 up to 10^7, computerized scientific
/// notation (`1.0E10`) outside, always with a fractional digit.
pub(super) fn java_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    if f.abs() == f64::from_bits(1) {
        // Java writes the smallest double with two digits, more than it needs.
        return if f > 0.0 { "4.9E-324" } else { "-4.9E-324" }.into();
    }
    let magnitude = f.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let text = format!("{f}");
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    // Shortest digits that read back, as `d.dddE±n`.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::{VValue, java_double};

    #[test]
    fn doubles_print_as_java_prints_them() {
        for (f, text) in [
            (2.5, "2.5"),
            (1.0, "1.0"),
            (1e7, "1.0E7"),
            (1.5e-4, "1.5E-4"),
            (0.001, "0.001"),
            (-3e20, "-3.0E20"),
        ] {
            assert_eq!(java_double(f), text);
        }
    }

    #[test]
    fn collections_print_as_java_collections() {
        let v = VValue::Map(vec![
            (
                "k".into(),
                VValue::List(vec![VValue::Int(1), VValue::String("a".into())]),
            ),
            ("n".into(), VValue::Null),
        ]);
        assert_eq!(v.java_string().as_deref(), Some("{k=[1, a], n=null}"));
    }
}

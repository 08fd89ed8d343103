//! `$esc`, `$math` and `$successTemplateUtils`, and the Java methods of strings, lists and maps
//! that templates call. A method Velocity would not find (a wrong argument type) is null, as in
//! Velocity; a method or tool function outside the subset is [`RenderError::Unsupported`].

use std::ops::Range;

use super::render::{Work, java_equals};
use super::value::{NODE_BYTES, Num, VValue};
use super::{Limits, RenderError};

/// The tools a Genesys template finds in its context.
pub(super) enum Tool {
    /// `$esc`: velocity-tools' EscapeTool with Genesys's `jsonString`/`jsonEncode`.
    Esc,
    /// `$math`: velocity-tools' MathTool.
    Math,
    /// `$successTemplateUtils`: Genesys's helpers for success templates.
    SuccessTemplateUtils,
}

fn unsupported(construct: String, span: &Range<usize>) -> RenderError {
    RenderError::Unsupported {
        construct,
        span: span.clone(),
    }
}

fn failed(method: &str, reason: &str, span: &Range<usize>) -> RenderError {
    RenderError::Method {
        method: method.to_owned(),
        reason: reason.to_owned(),
        span: span.clone(),
    }
}

impl Tool {
    pub(super) fn named(name: &str) -> Option<Tool> {
        match name {
            "esc" => Some(Tool::Esc),
            "math" => Some(Tool::Math),
            "successTemplateUtils" => Some(Tool::SuccessTemplateUtils),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Tool::Esc => "$esc",
            Tool::Math => "$math",
            Tool::SuccessTemplateUtils => "$successTemplateUtils",
        }
    }

    pub(super) fn property(&self, name: &str, span: &Range<usize>) -> Result<VValue, RenderError> {
        let text = match (self, name) {
            (Tool::Esc, "d" | "dollar") => "$",
            (Tool::Esc, "h" | "hash") => "#",
            (Tool::Esc, "b" | "backslash") => "\\",
            (Tool::Esc, "q" | "quote") => "\"",
            (Tool::Esc, "s" | "singleQuote") => "'",
            (Tool::Esc, "e" | "exclamation") => "!",
            _ => return self.missing(name, span),
        };
        Ok(VValue::String(text.to_owned()))
    }

    /// A property or method dapa does not evaluate: null (the reference stays as written) when
    /// the tool class has no such member, as Velocity finds none; unsupported when it has.
    fn missing(&self, name: &str, span: &Range<usize>) -> Result<VValue, RenderError> {
        const ESC: &[&str] = &[
            "java",
            "javascript",
            "html",
            "sql",
            "xml",
            "url",
            "velocity",
            "propertyKey",
            "propertyValue",
            "unicode",
            "getDollar",
            "getD",
            "getHash",
            "getH",
            "getBackslash",
            "getB",
            "getQuote",
            "getQ",
            "getSingleQuote",
            "getS",
            "getExclamation",
            "getE",
            "configure",
            "jsonString",
            "jsonEncode",
            "jsonDecode",
            "class",
            "urlFormEncode",
            "uriEncode",
        ];
        const MATH: &[&str] = &[
            "add",
            "sub",
            "mul",
            "div",
            "pow",
            "max",
            "min",
            "abs",
            "ceil",
            "floor",
            "round",
            "roundTo",
            "random",
            "toInteger",
            "toDouble",
            "toNumber",
            "idiv",
            "mod",
            "getTotal",
            "getAverage",
            "getRandom",
            "total",
            "average",
            "configure",
            "class",
            "locale",
            "getLocale",
        ];
        let known = match self {
            Tool::Esc => ESC.contains(&name),
            Tool::Math => MATH.contains(&name),
            // Genesys's own class: nothing is known of it beyond its documented helpers.
            Tool::SuccessTemplateUtils => true,
        };
        if known {
            return Err(unsupported(format!("{}.{name}", self.name()), span));
        }
        Ok(VValue::Null)
    }

    pub(super) fn call(
        &self,
        name: &str,
        args: &[VValue],
        span: &Range<usize>,
        limits: &Limits,
        work: &mut Work,
    ) -> Result<VValue, RenderError> {
        // Each reads its texts once or twice (escaping, a number's
        // digits, a JSON array).
        let texts = args.iter().map(|a| match a {
            VValue::String(s) => s.len(),
            _ => 0,
        });
        work.spend(texts.fold(0, usize::saturating_add), span)?;
        match self {
            Tool::Esc => esc(name, args, span, limits),
            Tool::Math => math(name, args, span),
            Tool::SuccessTemplateUtils => match (name, args) {
                ("firstFromArray", [array]) => {
                    first_from_array(array, &VValue::String(String::new()), span)
                }
                ("firstFromArray", [array, fallback]) => first_from_array(array, fallback, span),
                _ => Err(unsupported(format!("$successTemplateUtils.{name}()"), span)),
            },
        }
    }
}

/// A string of `length` bytes built on the way is within the output limit,
/// or the rendering stops at `span`.
fn string_fits(length: usize, limits: &Limits, span: &Range<usize>) -> Result<(), RenderError> {
    if length > limits.max_output_bytes {
        return Err(RenderError::Limit {
            what: "string bytes",
            limit: limits.max_output_bytes,
            span: span.clone(),
        });
    }
    Ok(())
}

/// `$esc.name(value)`: null stays null; anything else is escaped as its Java text.
fn esc(
    name: &str,
    args: &[VValue],
    span: &Range<usize>,
    limits: &Limits,
) -> Result<VValue, RenderError> {
    let [arg] = args else {
        return Err(unsupported(
            format!("$esc.{name}() with {} arguments", args.len()),
            span,
        ));
    };
    let escape: fn(&str) -> Option<String> = match name {
        "java" => |s| Some(escape_backslashes(s, JAVA)),
        "javascript" => |s| Some(escape_backslashes(s, JAVASCRIPT)),
        "jsonString" | "jsonEncode" => |s| Some(escape_backslashes(s, JSON)),
        "xml" => |s| Some(escape_xml(s)),
        "html" => escape_html,
        "url" => |s| Some(url_encode(s)),
        "sql" => |s| Some(s.replace('\'', "''")),
        _ => return Tool::Esc.missing(name, span),
    };
    let Some(text) = arg.java_string() else {
        return Ok(VValue::Null);
    };
    // Escaping never shortens a text: one already past the limit is
    // refused before it is escaped (up to six times its length).
    string_fits(text.len(), limits, span)?;
    let escaped =
        escape(&text).ok_or_else(|| unsupported("$esc.html() of non-ASCII text".into(), span))?;
    string_fits(escaped.len(), limits, span)?;
    Ok(VValue::String(escaped))
}

fn push_unicode_escape(out: &mut String, unit: u16) {
    out.push_str(&format!("\\u{unit:04X}"));
}

/// Which characters a backslash-escaping dialect escapes beyond `"`, `\` and control characters.
#[derive(Clone, Copy)]
struct Backslashes {
    single_quote: bool,
    slash: bool,
}

/// commons-lang 2.6 `escapeJava`.
const JAVA: Backslashes = Backslashes {
    single_quote: false,
    slash: false,
};
/// commons-lang 2.6 `escapeJavaScript`: also `'` and `/`.
const JAVASCRIPT: Backslashes = Backslashes {
    single_quote: true,
    slash: true,
};
/// commons-lang3 `escapeJson`, what Genesys's `jsonString` is taken to be: also `/`.
const JSON: Backslashes = Backslashes {
    single_quote: false,
    slash: true,
};

/// Backslash escaping as commons-lang does it: quotes, backslashes, `\b \n \t \f \r`, other
/// control characters and every UTF-16 unit beyond U+007F as `\uXXXX`.
fn escape_backslashes(s: &str, dialect: Backslashes) -> String {
    let mut out = String::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x27 if dialect.single_quote => out.push_str("\\'"),
            0x2f if dialect.slash => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x0a => out.push_str("\\n"),
            0x09 => out.push_str("\\t"),
            0x0c => out.push_str("\\f"),
            0x0d => out.push_str("\\r"),
            u if !(0x20..=0x7f).contains(&u) => push_unicode_escape(&mut out, u),
            u => out.push(char::from(u as u8)),
        }
    }
    out
}

/// commons-lang 2.6 `escapeXml`: the five entities, and every UTF-16 unit beyond U+007F as a
/// decimal character reference.
fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            0x26 => out.push_str("&amp;"),
            0x3c => out.push_str("&lt;"),
            0x3e => out.push_str("&gt;"),
            0x22 => out.push_str("&quot;"),
            0x27 => out.push_str("&apos;"),
            u if u > 0x7f => out.push_str(&format!("&#{u};")),
            u => out.push(char::from(u as u8)),
        }
    }
    out
}

/// commons-lang 2.6 `escapeHtml` for ASCII text; beyond ASCII it names HTML 4 entities
/// (`&eacute;`), a table dapa does not carry, so that is refused.
fn escape_html(s: &str) -> Option<String> {
    if !s.is_ascii() {
        return None;
    }
    Some(
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;"),
    )
}

/// `java.net.URLEncoder.encode(s, "UTF-8")`: letters, digits and `.-*_` kept, space as `+`.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &byte in s.as_bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// MathTool's reading of an argument: a number as it is, a text as `NumberFormat` reads its
/// leading number (grouping commas allowed, `12abc` is 12), anything else null.
fn to_number(value: &VValue) -> Option<Num> {
    match value {
        VValue::Int(i) => Some(Num::Int(*i)),
        VValue::Float(f) => Some(Num::Float(*f)),
        VValue::String(s) => parse_number_format(s),
        _ => None,
    }
}

fn parse_number_format(s: &str) -> Option<Num> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let mut digits = String::new();
    while i < b.len() && (b[i].is_ascii_digit() || (b[i] == b',' && !digits.is_empty())) {
        if b[i] != b',' {
            digits.push(char::from(b[i]));
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let mut fraction = String::new();
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            fraction.push(char::from(b[i]));
            i += 1;
        }
    }
    if b.get(i) == Some(&b'E') {
        return None; // DecimalFormat reads an exponent; not worth a guess
    }
    let sign = if b.first() == Some(&b'-') { "-" } else { "" };
    let value: f64 = format!("{sign}{digits}.{fraction}0").parse().ok()?;
    Some(match_type(value))
}

/// MathTool's result type: a whole number is an integer, anything else a double.
fn match_type(value: f64) -> Num {
    #[allow(clippy::cast_possible_truncation)] // in range, and whole, by the test before it
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e18 {
        Num::Int(value as i64)
    } else {
        Num::Float(value)
    }
}

fn math(name: &str, args: &[VValue], span: &Range<usize>) -> Result<VValue, RenderError> {
    let numbers: Option<Vec<Num>> = args.iter().map(to_number).collect();
    let Some(numbers) = numbers else {
        return Ok(VValue::Null);
    };
    let two = |f: fn(f64, f64) -> Option<f64>| -> Result<VValue, RenderError> {
        match numbers.as_slice() {
            [a, b] => Ok(f(a.as_f64(), b.as_f64()).map_or(VValue::Null, |v| match_type(v).value())),
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        }
    };
    let one = |f: fn(f64) -> VValue| -> Result<VValue, RenderError> {
        match numbers.as_slice() {
            [a] => Ok(f(a.as_f64())),
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        }
    };
    match name {
        "add" => two(|a, b| Some(a + b)),
        "sub" => two(|a, b| Some(a - b)),
        "mul" => two(|a, b| Some(a * b)),
        "div" => two(|a, b| (b != 0.0).then(|| a / b)),
        // MathTool 2.0 starts its maximum at Double.MIN_VALUE, the smallest positive double,
        // so the maximum of negative numbers is 4.9E-324.
        "max" => two(|a, b| Some(f64::from_bits(1).max(a).max(b))),
        "min" => two(|a, b| Some(a.min(b))),
        "pow" => two(|a, b| Some(a.powf(b))),
        "idiv" | "mod" => match numbers.as_slice() {
            [a, b] => {
                let (x, y) = (int_value(a.as_f64()), int_value(b.as_f64()));
                if y == 0 {
                    return Ok(VValue::Null);
                }
                Ok(VValue::Int(if name == "idiv" { x / y } else { x % y }))
            }
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        },
        // abs keeps the argument's type; floor and ceil make an Integer.
        "abs" => match numbers.as_slice() {
            [Num::Int(i)] => Ok(VValue::Int(i.saturating_abs())),
            [Num::Float(f)] => Ok(VValue::Float(f.abs())),
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        },
        "floor" => one(|a| VValue::Int(int_value(a.floor()))),
        "ceil" => one(|a| VValue::Int(int_value(a.ceil()))),
        // Math.rint: halves go to the even neighbour.
        "round" => one(|a| VValue::Int(int_value(a.round_ties_even()))),
        "toNumber" => match numbers.as_slice() {
            [a] => Ok(a.value()),
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        },
        "toInteger" => one(|a| VValue::Int(int_value(a))),
        "toDouble" => one(VValue::Float),
        "roundTo" => match numbers.as_slice() {
            [places, value] => {
                // MathTool 2.0 scales by 10 for up to one place and by 10 more per further
                // place, in a Java int that wraps, then rounds with Math.round.
                let places = int_value(places.as_f64());
                let mut scale: i32 = 10;
                for _ in 1..places.min(64) {
                    scale = scale.wrapping_mul(10);
                }
                let scale = f64::from(scale);
                #[allow(clippy::cast_precision_loss)] // Java's long-to-double widening
                let rounded = java_round(value.as_f64() * scale) as f64;
                Ok(VValue::Float(rounded / scale))
            }
            _ => Err(unsupported(
                format!("$math.{name}() with {} arguments", args.len()),
                span,
            )),
        },
        _ => Tool::Math.missing(name, span),
    }
}

/// Java's `Math.round(double)`: halves up, NaN to 0, saturated at the `long` range.
fn java_round(f: f64) -> i64 {
    if f.is_nan() {
        return 0;
    }
    let floor = f.floor();
    let up = if f - floor >= 0.5 { floor + 1.0 } else { floor };
    #[allow(clippy::cast_possible_truncation)] // `as` saturates, as Java does
    let rounded = up as i64;
    rounded
}

/// Java's `(int)` of a double: truncated toward zero, saturated at the `int` range.
fn int_value(f: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)] // the truncation is the point
    let int = f as i32;
    i64::from(int)
}

/// Genesys's `firstFromArray(text, default)`: the first element of the JSON array `text`, as
/// compact JSON text; `default` (an empty text when not given) when the array is empty or
/// `text` is not an array.
fn first_from_array(
    array: &VValue,
    fallback: &VValue,
    span: &Range<usize>,
) -> Result<VValue, RenderError> {
    let (VValue::String(text), VValue::String(_) | VValue::Null) = (array, fallback) else {
        if matches!(array, VValue::Null) {
            return Err(failed(
                "$successTemplateUtils.firstFromArray",
                "the array is null",
                span,
            ));
        }
        // Velocity finds no method for arguments that are not texts.
        return Ok(VValue::Null);
    };
    match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(serde_json::Value::Array(items)) if !items.is_empty() => {
            let mut out = String::new();
            write_json(&items[0], &mut out);
            Ok(VValue::String(out))
        }
        _ => Ok(fallback.clone()),
    }
}

/// Compact JSON text, numbers as Java writes a `Double` or `Long` (`1.0E10`), which is what a
/// JVM JSON writer gives.
fn write_json(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            out.push_str(&super::value::java_double(n.as_f64().unwrap_or(f64::NAN)));
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Where `key` is in `entries`, the entries compared counted as work
/// done at `span`: a map's lookup is a walk of its entries.
pub(super) fn entry_position(
    entries: &[(String, VValue)],
    key: &str,
    work: &mut Work,
    span: &Range<usize>,
) -> Result<Option<usize>, RenderError> {
    let mut scanned = 0usize;
    let at = entries.iter().position(|(k, _)| {
        // Texts of different lengths differ without a byte compared.
        let compared = if k.len() == key.len() { k.len() } else { 0 };
        scanned = scanned.saturating_add(NODE_BYTES + compared);
        k == key
    });
    work.spend(scanned, span)?;
    Ok(at)
}

/// The value of `key` in `entries`, null when it is not there.
fn entry(
    entries: &[(String, VValue)],
    key: &str,
    work: &mut Work,
    span: &Range<usize>,
) -> Result<VValue, RenderError> {
    let at = entry_position(entries, key, work, span)?;
    Ok(at.map_or(VValue::Null, |at| entries[at].1.clone()))
}

/// `.name` on a value: a map's key; the bean getters Java has for `isEmpty()`/`isBlank()`;
/// null for any other name, as Velocity finds no getter.
pub(super) fn property(
    value: &VValue,
    name: &str,
    span: &Range<usize>,
    work: &mut Work,
) -> Result<VValue, RenderError> {
    match (value, name) {
        (VValue::Map(entries), _) => entry(entries, name, work, span),
        (VValue::String(s), "empty") => Ok(VValue::Bool(s.is_empty())),
        (VValue::String(s), "blank") => {
            work.spend(s.len(), span)?;
            Ok(VValue::Bool(s.chars().all(java_whitespace)))
        }
        (VValue::List(items), "empty") => Ok(VValue::Bool(items.is_empty())),
        (VValue::String(_), "bytes" | "chars")
        | (_, "class")
        | (VValue::Float(_), "naN" | "infinite") => {
            Err(unsupported(format!("{}.{name}", value.class()), span))
        }
        _ => Ok(VValue::Null),
    }
}

/// `[index]`: a list's element (negative counts from the end), a map's key.
pub(super) fn index(
    value: &VValue,
    index: &VValue,
    span: &Range<usize>,
    work: &mut Work,
) -> Result<VValue, RenderError> {
    match (value, index) {
        (VValue::List(items), VValue::Int(i)) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let at = if *i < 0 { len + i } else { *i };
            usize::try_from(at)
                .ok()
                .and_then(|at| items.get(at))
                .cloned()
                .ok_or_else(|| failed("List[index]", "the index is out of range", span))
        }
        (VValue::Map(entries), VValue::String(key)) => entry(entries, key, work, span),
        // Velocity 1.7 calls get() when the value has one (a map's is null for a key that
        // is not a text, a list's for an index that is not a number) and otherwise fails on a
        // negative index, which it counts from the end.
        (VValue::List(_) | VValue::Map(_), _) => Ok(VValue::Null),
        (_, VValue::Int(i)) if *i < 0 => Err(failed(
            &format!("{}[index]", value.class()),
            "no size to count from",
            span,
        )),
        _ => Ok(VValue::Null),
    }
}

/// `Character.isWhitespace`: Unicode white space except the no-break spaces.
fn java_whitespace(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
        || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn utf16_index(s: &str, unit: usize) -> Option<usize> {
    let mut count = 0;
    for (byte, c) in s.char_indices() {
        if count == unit {
            return Some(byte);
        }
        count += c.len_utf16();
        if count > unit {
            return None; // inside a surrogate pair
        }
    }
    (count == unit).then_some(s.len())
}

/// Java's `String.length()`: the UTF-16 units of `s`, one for each
/// character and two for one beyond U+FFFF (four UTF-8 bytes). Counted on
/// the bytes, which the compiler vectorises: a character starts at every
/// byte that is not a continuation byte (`0b10xx_xxxx`).
pub(super) fn utf16_len(s: &str) -> usize {
    s.bytes()
        .map(|b| usize::from(!(0x80..0xc0).contains(&b)) + usize::from(b >= 0xf0))
        .sum()
}

fn position(s: &str, byte: Option<usize>) -> VValue {
    VValue::Int(byte.map_or(-1, |b| utf16_len(&s[..b]) as i64))
}

/// A Java method on a value.
pub(super) fn method(
    value: &VValue,
    name: &str,
    args: &[VValue],
    span: &Range<usize>,
    limits: &Limits,
    work: &mut Work,
) -> Result<VValue, RenderError> {
    let npe = || {
        failed(
            &format!("{}.{name}", value.class()),
            "a null argument",
            span,
        )
    };
    // Where a method compares values, what the comparisons scanned.
    let mut scanned = 0usize;
    let result = match (value, name, args) {
        (_, "toString", []) => VValue::String(value.java_string().unwrap_or_default()),
        (_, "equals", [other]) => VValue::Bool(java_equals(value, other, &mut scanned)),
        (VValue::String(s), _, _) => return string_method(s, name, args, span, limits, work),
        (VValue::List(items), "size", []) => VValue::Int(items.len() as i64),
        (VValue::List(items), "isEmpty", []) => VValue::Bool(items.is_empty()),
        (VValue::List(items), "get", [VValue::Int(i)]) => usize::try_from(*i)
            .ok()
            .and_then(|i| items.get(i))
            .cloned()
            .ok_or_else(|| failed("List.get", "the index is out of range", span))?,
        (VValue::List(_), "get", [_]) => VValue::Null,
        (VValue::List(items), "contains", [x]) => {
            VValue::Bool(items.iter().any(|i| java_equals(i, x, &mut scanned)))
        }
        (VValue::List(items), "indexOf", [x]) => VValue::Int(
            items
                .iter()
                .position(|i| java_equals(i, x, &mut scanned))
                .map_or(-1, |p| p as i64),
        ),
        (VValue::List(items), "lastIndexOf", [x]) => VValue::Int(
            items
                .iter()
                .rposition(|i| java_equals(i, x, &mut scanned))
                .map_or(-1, |p| p as i64),
        ),
        // Map.replace changes the map when the key is there; when it is not, it is null.
        (VValue::Map(entries), "replace", [VValue::String(k), _])
            if entry_position(entries, k, work, span)?.is_none() =>
        {
            VValue::Null
        }
        (VValue::Map(_), "replace", [key, _])
            if !matches!(key, VValue::String(_) | VValue::Null) =>
        {
            VValue::Null
        }
        (VValue::Map(entries), "size", []) => VValue::Int(entries.len() as i64),
        (VValue::Map(entries), "isEmpty", []) => VValue::Bool(entries.is_empty()),
        (VValue::Map(entries), "get", [key]) => match key {
            VValue::String(k) => entry(entries, k, work, span)?,
            _ => VValue::Null,
        },
        (VValue::Map(entries), "containsKey", [key]) => VValue::Bool(match key {
            VValue::String(k) => entry_position(entries, k, work, span)?.is_some(),
            _ => false,
        }),
        (VValue::Map(entries), "containsValue", [x]) => {
            VValue::Bool(entries.iter().any(|(_, v)| java_equals(v, x, &mut scanned)))
        }
        (VValue::Map(entries), "keySet", []) => VValue::List(
            entries
                .iter()
                .map(|(k, _)| VValue::String(k.clone()))
                .collect(),
        ),
        (VValue::Map(entries), "values", []) => {
            VValue::List(entries.iter().map(|(_, v)| v.clone()).collect())
        }
        _ => {
            if args.iter().any(|a| matches!(a, VValue::Null)) && matches!(name, "get" | "contains")
            {
                return Err(npe());
            }
            return not_found_or_unsupported(value, name, args, span);
        }
    };
    work.spend(scanned, span)?;
    Ok(result)
}

/// A call dapa does not evaluate: null when the Java class has no method of that name (Velocity
/// finds none and the reference stays as written), unsupported when it has one.
fn not_found_or_unsupported(
    value: &VValue,
    name: &str,
    args: &[VValue],
    span: &Range<usize>,
) -> Result<VValue, RenderError> {
    const OBJECT: &[&str] = &[
        "getClass",
        "hashCode",
        "equals",
        "toString",
        "notify",
        "notifyAll",
        "wait",
    ];
    const STRING: &[&str] = &[
        "length",
        "isEmpty",
        "charAt",
        "codePointAt",
        "codePointBefore",
        "codePointCount",
        "offsetByCodePoints",
        "getChars",
        "getBytes",
        "contentEquals",
        "equalsIgnoreCase",
        "compareTo",
        "compareToIgnoreCase",
        "regionMatches",
        "startsWith",
        "endsWith",
        "indexOf",
        "lastIndexOf",
        "substring",
        "subSequence",
        "concat",
        "replace",
        "matches",
        "contains",
        "replaceFirst",
        "replaceAll",
        "split",
        "join",
        "toLowerCase",
        "toUpperCase",
        "trim",
        "strip",
        "stripLeading",
        "stripTrailing",
        "isBlank",
        "lines",
        "indent",
        "stripIndent",
        "translateEscapes",
        "transform",
        "describeConstable",
        "resolveConstantDesc",
        "formatted",
        "intern",
        "repeat",
        "toCharArray",
        "format",
        "valueOf",
        "copyValueOf",
        "chars",
        "codePoints",
    ];
    const LIST: &[&str] = &[
        "size",
        "isEmpty",
        "contains",
        "indexOf",
        "lastIndexOf",
        "clone",
        "toArray",
        "get",
        "set",
        "add",
        "remove",
        "clear",
        "addAll",
        "removeAll",
        "retainAll",
        "listIterator",
        "iterator",
        "subList",
        "forEach",
        "spliterator",
        "removeIf",
        "replaceAll",
        "sort",
        "containsAll",
        "stream",
        "parallelStream",
        "ensureCapacity",
        "trimToSize",
    ];
    const MAP: &[&str] = &[
        "size",
        "isEmpty",
        "get",
        "containsKey",
        "put",
        "putAll",
        "remove",
        "clear",
        "containsValue",
        "keySet",
        "values",
        "entrySet",
        "getOrDefault",
        "putIfAbsent",
        "replace",
        "computeIfAbsent",
        "computeIfPresent",
        "compute",
        "merge",
        "forEach",
        "replaceAll",
        "clone",
    ];
    const NUMBER: &[&str] = &[
        "byteValue",
        "shortValue",
        "intValue",
        "longValue",
        "floatValue",
        "doubleValue",
        "compareTo",
        "isNaN",
        "isInfinite",
        "describeConstable",
        "resolveConstantDesc",
        "booleanValue",
    ];
    let class_methods = match value {
        VValue::String(_) => STRING,
        VValue::List(_) => LIST,
        VValue::Map(_) => MAP,
        _ => NUMBER,
    };
    if OBJECT.contains(&name) || class_methods.contains(&name) {
        return Err(unsupported(
            format!("{}.{name}() with {} arguments", value.class(), args.len()),
            span,
        ));
    }
    Ok(VValue::Null)
}

fn string_method(
    s: &str,
    name: &str,
    args: &[VValue],
    span: &Range<usize>,
    limits: &Limits,
    work: &mut Work,
) -> Result<VValue, RenderError> {
    let npe = || failed(&format!("String.{name}"), "a null argument", span);
    let out_of_range = || failed(&format!("String.{name}"), "the index is out of range", span);
    let text = |v: &VValue| match v {
        VValue::String(t) => Ok(Some(t.clone())),
        VValue::Null => Err(npe()),
        // Velocity finds no method taking this type.
        _ => Ok(None),
    };
    // A UTF-16 index of `s` as a byte offset, the bytes walked to find it
    // counted.
    let at_unit = |unit: &i64, work: &mut Work| {
        let byte = usize::try_from(*unit).ok().and_then(|u| utf16_index(s, u));
        work.spend(byte.unwrap_or(s.len()), span)?;
        byte.ok_or_else(out_of_range)
    };
    let result = match (name, args) {
        ("length", []) => {
            work.spend(s.len(), span)?;
            VValue::Int(utf16_len(s) as i64)
        }
        ("isEmpty", []) => VValue::Bool(s.is_empty()),
        ("isBlank" | "toUpperCase" | "toLowerCase" | "trim", []) => {
            work.spend(s.len(), span)?;
            match name {
                "isBlank" => VValue::Bool(s.chars().all(java_whitespace)),
                "toUpperCase" => VValue::String(s.to_uppercase()),
                "toLowerCase" => VValue::String(s.to_lowercase()),
                // String.trim() drops every character up to U+0020 at both ends, and only those.
                _ => VValue::String(s.trim_matches(|c: char| c <= ' ').to_owned()),
            }
        }
        (
            "contains" | "startsWith" | "endsWith" | "indexOf" | "lastIndexOf" | "concat"
            | "equalsIgnoreCase",
            [arg],
        ) => {
            let Some(t) = text(arg)? else {
                return Ok(VValue::Null);
            };
            // A search reads the text and the argument (linear, two-way
            // search); the others read no more of the text than the
            // argument's length.
            let read = match name {
                "startsWith" | "endsWith" => t.len(),
                _ => s.len(),
            };
            work.spend(read.saturating_add(t.len()), span)?;
            // Where a search found the argument, the UTF-16 units before
            // it are counted.
            let mut found = |byte: Option<usize>| {
                work.spend(byte.unwrap_or(0), span)?;
                Ok::<_, RenderError>(position(s, byte))
            };
            match name {
                "contains" => VValue::Bool(s.contains(&t)),
                "startsWith" => VValue::Bool(s.starts_with(&t)),
                "endsWith" => VValue::Bool(s.ends_with(&t)),
                "indexOf" => found(s.find(&t))?,
                "lastIndexOf" => found(s.rfind(&t))?,
                "concat" => {
                    string_fits(s.len() + t.len(), limits, span)?;
                    VValue::String(format!("{s}{t}"))
                }
                _ => {
                    if !s.is_ascii() || !t.is_ascii() {
                        return Err(unsupported(
                            "String.equalsIgnoreCase() beyond ASCII".into(),
                            span,
                        ));
                    }
                    VValue::Bool(s.eq_ignore_ascii_case(&t))
                }
            }
        }
        ("substring", [VValue::Int(from)]) => {
            let from = at_unit(from, work)?;
            VValue::String(s[from..].to_owned())
        }
        ("substring", [VValue::Int(from), VValue::Int(to)]) => {
            let from = at_unit(from, work)?;
            let to = at_unit(to, work)?;
            if to < from {
                return Err(out_of_range());
            }
            VValue::String(s[from..to].to_owned())
        }
        ("substring", _) => VValue::Null,
        ("replace", [from, to]) => {
            let (Some(from), Some(to)) = (text(from)?, text(to)?) else {
                return Ok(VValue::Null);
            };
            // Counting the places reads the text once, replacing once more.
            work.spend(
                s.len()
                    .saturating_mul(2)
                    .saturating_add(from.len())
                    .saturating_add(to.len()),
                span,
            )?;
            // Java inserts the replacement between every character and at
            // both ends when `from` is empty. The length is known first:
            // a result past the limit is refused before it is built.
            let places = if from.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(from.as_str()).count()
            };
            let length = places
                .saturating_mul(to.len())
                .saturating_add(s.len() - places.saturating_mul(from.len()).min(s.len()));
            string_fits(length, limits, span)?;
            let replaced = if from.is_empty() {
                let mut out = String::with_capacity(length);
                out.push_str(&to);
                for c in s.chars() {
                    out.push(c);
                    out.push_str(&to);
                }
                out
            } else {
                s.replace(&from, &to)
            };
            VValue::String(replaced)
        }
        // Only the class matters there: the text is not copied to say so.
        _ => return not_found_or_unsupported(&VValue::String(String::new()), name, args, span),
    };
    Ok(result)
}

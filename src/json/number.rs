//! JSON numbers: the grammar, and whether a value survives a 64-bit float.
//!
//! Most JSON readers (JavaScript, Genesys Architect, many SDKs) hold numbers
//! as f64, so an integer beyond 2^53-1 or a decimal with more digits than f64
//! keeps changes value on the way. That is S08.

use serde_json::{Number, Value};

/// The largest integer every f64 reader keeps exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// What the grammar scan learnt about a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// Length in bytes.
    pub len: usize,
    /// No fraction and no exponent.
    pub is_integer: bool,
    /// Significant digits in the mantissa (leading zeros not counted).
    pub significant_digits: usize,
    /// Whether an exponent was written.
    pub has_exponent: bool,
}

/// Why the grammar scan stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The input ended where a digit was required.
    EndOfInput,
    /// An unexpected byte at this offset, and what was expected.
    Unexpected(usize, &'static str),
}

fn digits(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// Scan an RFC 8259 number at the start of `bytes`.
pub fn scan(bytes: &[u8]) -> Result<Scanned, ScanError> {
    let mut pos = 0;
    if bytes.first() == Some(&b'-') {
        pos += 1;
    }
    let int_start = pos;
    match bytes.get(pos) {
        None => return Err(ScanError::EndOfInput),
        Some(b'0') => {
            pos += 1;
            if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
                return Err(ScanError::Unexpected(pos, "a leading zero"));
            }
        }
        Some(b'1'..=b'9') => pos += digits(bytes, pos),
        Some(_) => return Err(ScanError::Unexpected(pos, "a digit")),
    }
    let int_digits = &bytes[int_start..pos];
    let mut significant = int_digits.iter().skip_while(|&&b| b == b'0').count();
    let mut is_integer = true;
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let count = digits(bytes, pos);
        match bytes.get(pos) {
            None => return Err(ScanError::EndOfInput),
            Some(_) if count == 0 => {
                return Err(ScanError::Unexpected(
                    pos,
                    "a digit after the decimal point",
                ));
            }
            Some(_) => {}
        }
        let fraction = &bytes[pos..pos + count];
        significant += if significant == 0 {
            fraction.iter().skip_while(|&&b| b == b'0').count()
        } else {
            count
        };
        pos += count;
        is_integer = false;
    }
    let mut has_exponent = false;
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        let count = digits(bytes, pos);
        match bytes.get(pos) {
            None => return Err(ScanError::EndOfInput),
            Some(_) if count == 0 => {
                return Err(ScanError::Unexpected(pos, "a digit in the exponent"));
            }
            Some(_) => {}
        }
        pos += count;
        is_integer = false;
        has_exponent = true;
    }
    Ok(Scanned {
        len: pos,
        is_integer,
        significant_digits: significant,
        has_exponent,
    })
}

/// A number's value and, when f64 does not keep it, why.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberText {
    /// The value (exact for 64-bit integers, f64 otherwise, null when infinite).
    pub value: Value,
    /// Why the number is lossy, if it is.
    pub lossy: Option<&'static str>,
}

/// Convert scanned number text into a value and judge whether it is lossy.
///
/// An ordinary number costs one conversion and no allocation: an integer
/// within 64 bits is read once and compared with 2^53-1, a decimal is read
/// once as f64 and, when it has at most 17 significant digits and is below
/// 2^53, is kept exactly by definition. Only longer decimals, and those past
/// 2^53, are compared digit by digit with what f64 writes for them.
pub fn convert(text: &str, scanned: &Scanned) -> NumberText {
    if scanned.is_integer {
        let exact = if text.starts_with('-') {
            text.parse::<i64>()
                .ok()
                .map(|n| (Number::from(n), n.unsigned_abs()))
        } else {
            text.parse::<u64>().ok().map(|n| (Number::from(n), n))
        };
        if let Some((number, magnitude)) = exact {
            let lossy = (magnitude > MAX_SAFE_INTEGER).then_some("is an integer beyond 2^53-1");
            return NumberText {
                value: Value::Number(number),
                lossy,
            };
        }
        return NumberText {
            value: float_value(text.parse::<f64>().unwrap_or(f64::NAN)),
            lossy: Some("is an integer beyond 64 bits"),
        };
    }
    // The grammar scan has passed the text, so this parse cannot fail; an
    // out-of-range one gives an infinity.
    let float = text.parse::<f64>().unwrap_or(f64::NAN);
    NumberText {
        value: float_value(float),
        lossy: float_lossy(text, scanned, float),
    }
}

/// Why the decimal `text`, read as `float`, is not kept by f64, if it is not.
fn float_lossy(text: &str, scanned: &Scanned, float: f64) -> Option<&'static str> {
    if !float.is_finite() {
        Some("is beyond the range of f64")
    } else if float == 0.0 {
        // A zero written with any other digit than 0 underflowed.
        (scanned.significant_digits > 0).then_some("is too small for f64 and becomes 0")
    } else if scanned.significant_digits <= 17 && float.abs() < MAX_SAFE_INTEGER as f64 {
        // 17 significant digits tell every f64 apart: a decimal of up to 17
        // is what an f64 writer emits (`%.17g`, shortest round trip), and
        // reading it back gives the writer's value. Past 2^53 a decimal
        // may name an integer f64 cannot hold (`9007199254740993.0`): that
        // one is judged by its digits, below.
        None
    } else {
        digits_lossy(text, float)
    }
}

/// The careful check of a long decimal: it survives when the digits past
/// the 17th add nothing, that is when it is the f64's own shortest or
/// 17-digit text, with zeros after it. This one allocates.
fn digits_lossy(text: &str, float: f64) -> Option<&'static str> {
    let written = normalise(text);
    let shortest = normalise(&format!("{:e}", float.abs()));
    let seventeen = normalise(&format!("{:.16e}", float.abs()));
    (written != shortest && written != seventeen).then_some("has more digits than f64 keeps")
}

fn float_value(float: f64) -> Value {
    Number::from_f64(float).map_or(Value::Null, Value::Number)
}

/// A decimal as (significant digits, exponent): the value is 0.DIGITS x 10^exponent.
/// The sign is ignored: f64 keeps signs exactly.
fn normalise(text: &str) -> (String, i64) {
    let text = text.trim_start_matches(['-', '+']);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (
            &text[..at],
            text[at + 1..].parse::<i64>().unwrap_or(i64::MAX / 2),
        ),
        None => (text, 0),
    };
    let (int_part, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int_part.chars().chain(fraction.chars()).collect();
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    if digits.is_empty() {
        return (digits, 0);
    }
    let point = int_part.len() as i64 - leading as i64 + exponent;
    (digits, point)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossy(text: &str) -> Option<&'static str> {
        convert(text, &scan(text.as_bytes()).unwrap()).lossy
    }

    #[test]
    fn grammar() {
        assert_eq!(scan(b"-12.5e+3,").unwrap().len, 8);
        assert_eq!(scan(b"0]").unwrap().len, 1);
        assert_eq!(scan(b"-"), Err(ScanError::EndOfInput));
        assert_eq!(scan(b"1."), Err(ScanError::EndOfInput));
        assert_eq!(scan(b"01"), Err(ScanError::Unexpected(1, "a leading zero")));
        assert!(matches!(scan(b"1.e5"), Err(ScanError::Unexpected(2, _))));
        assert!(matches!(scan(b"-x"), Err(ScanError::Unexpected(1, _))));
    }

    #[test]
    fn safe_integer_edges() {
        assert_eq!(lossy("9007199254740991"), None);
        assert_eq!(lossy("-9007199254740991"), None);
        assert!(lossy("9007199254740992").is_some());
        assert!(lossy("9007199254740993").is_some());
        assert!(lossy("-9007199254740993").is_some());
        assert!(lossy("123456789012345678901234567890").is_some());
    }

    #[test]
    fn floats_that_do_and_do_not_survive() {
        for fine in [
            "450.25",
            "0.1",
            "1e10",
            "1.5E-7",
            "-0.0",
            "0.000",
            "123456789.123456",
            "1.7976931348623157e308",
            "45.123456789012345",
            "0.30000000000000004",
            "0.10000000000000001",
            "-122.41941550000001",
            "1e20",
            "9007199254740992.0",
            "1.0000000000000000000",
        ] {
            assert_eq!(lossy(fine), None, "{fine}");
        }
        for bad in [
            "3.14159265358979323846",
            "1e400",
            "0.10000000000000000555",
            "1e-400",
            "0.1000000000000000055511",
            "9007199254740993.0",
            "9.007199254740993e15",
        ] {
            assert!(lossy(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn normalise_ignores_notation() {
        assert_eq!(normalise("450.25"), normalise("4.5025e2"));
        assert_eq!(normalise("0.00120"), normalise("1.2e-3"));
        assert_eq!(normalise("0"), normalise("0e0"));
    }
}

/// The conversion as it was before it read each decimal once, kept as the
/// oracle of the property test below: the faster one must judge every
/// number the same.
#[cfg(test)]
mod before {
    use super::{MAX_SAFE_INTEGER, NumberText, Scanned, normalise};
    use serde_json::{Number, Value};

    fn float_value(text: &str) -> Value {
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }

    pub fn convert(text: &str, scanned: &Scanned) -> NumberText {
        if scanned.is_integer {
            // Integers are read as they were (the one change, the value of
            // one beyond 64 bits, reads the same f64).
            return super::convert(text, scanned);
        }
        let value = float_value(text);
        let float = text.parse::<f64>().unwrap_or(f64::NAN);
        let lossy = if !float.is_finite() {
            Some("is beyond the range of f64")
        } else if float == 0.0 && !normalise(text).0.is_empty() {
            Some("is too small for f64 and becomes 0")
        } else if scanned.significant_digits <= 17 && float.abs() < MAX_SAFE_INTEGER as f64 {
            None
        } else {
            // The careful check itself is unchanged.
            super::digits_lossy(text, float)
        };
        NumberText { value, lossy }
    }
}

#[cfg(test)]
mod same_as_before {
    use super::*;
    use proptest::prelude::*;

    /// Number texts of every shape: any grammar, and the texts f64 writers
    /// emit for random floats with digits or zeros appended (the edges of
    /// the careful check), and integers around 2^53 and 2^64.
    fn number_text() -> impl Strategy<Value = String> {
        let grammar = "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][-+]?[0-9]{1,3})?";
        let written = (
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            0..3usize,
            "[0-9]{0,6}",
        )
            .prop_map(|(float, form, tail)| {
                let text = match form {
                    0 => format!("{float:e}"),
                    1 => format!("{float:.16e}"),
                    _ => format!("{float:?}"),
                };
                // Digits go at the end of the mantissa, before any exponent.
                match text.find('e') {
                    Some(at) if text[..at].contains('.') => {
                        format!("{}{tail}{}", &text[..at], &text[at..])
                    }
                    Some(at) => format!("{}.0{tail}{}", &text[..at], &text[at..]),
                    None if text.contains('.') => format!("{text}{tail}"),
                    None => format!("{text}.0{tail}"),
                }
            });
        let around = (-2000i128..2000, 0..2usize, "(\\.0{1,3})?").prop_map(|(step, base, tail)| {
            let edge = [1i128 << 53, 1i128 << 64][base];
            format!("{}{tail}", edge + step)
        });
        prop_oneof![grammar, written, around]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn judges_every_number_as_before(text in number_text()) {
            let scanned = scan(text.as_bytes()).expect("the strategy writes JSON numbers");
            prop_assert_eq!(scanned.len, text.len());
            prop_assert_eq!(convert(&text, &scanned), before::convert(&text, &scanned));
        }
    }
}

//! JSON numbers: the grammar, and whether a value survives a 64-bit float.
//!
//! Most JSON readers (JavaScript, Genesys Architect, many SDKs) hold numbers
//! as f64, so an integer beyond 2^53-1 or a decimal with more digits than f64
//! keeps changes value on the way. That is S08.

use serde_json::{Number, Value};

/// The largest integer every f64 reader keeps exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why an integer is lossy: beyond 2^53-1 or 64 bits, and whether an f64
/// reader changes it or keeps it (and changes the integers next to it).
const INTEGER_CHANGED: &str =
    "is an integer beyond 2^53-1; JavaScript and other f64 readers change it";
const INTEGER_KEPT: &str = "is an integer beyond 2^53-1; JavaScript and other f64 readers keep it, but not every integer next to it";
const WIDE_INTEGER_CHANGED: &str =
    "is an integer beyond 64 bits; JavaScript and other f64 readers change it";
const WIDE_INTEGER_KEPT: &str = "is an integer beyond 64 bits; JavaScript and other f64 readers keep it, but not every integer next to it";

/// Why a decimal is lossy; f64 readers change every one of these.
const BEYOND_RANGE: &str = "is beyond the range of f64; JavaScript and other f64 readers change it";
const BECOMES_ZERO: &str =
    "is too small for f64 and becomes 0; JavaScript and other f64 readers change it";
const MORE_DIGITS: &str =
    "has more digits than f64 keeps; JavaScript and other f64 readers change it";

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
    /// Whether a minus sign was written.
    pub negative: bool,
    /// The first [`MANTISSA_DIGITS`] significant digits as an integer.
    pub mantissa: u64,
    /// The power of ten by which `mantissa` is scaled: the magnitude is
    /// exactly `mantissa` x 10^`exponent` when `significant_digits` is at
    /// most [`MANTISSA_DIGITS`]. An exponent too large to accumulate is
    /// `i64::MAX` or `i64::MIN`.
    pub exponent: i64,
}

/// The significant digits a u64 always holds: 19 nines are below 2^64.
pub const MANTISSA_DIGITS: usize = 19;

/// Beyond this a written exponent is not accumulated: every f64 is between
/// 10^-400 and 10^400, so the value is 0 or infinite whatever follows.
const EXPONENT_CAP: i64 = 1_000_000;

/// Why the grammar scan stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The input ended where a digit was required.
    EndOfInput,
    /// An unexpected byte at this offset, and what was expected.
    Unexpected(usize, &'static str),
}

/// The value of `byte` as a decimal digit, if it is one.
#[inline]
fn digit(byte: Option<&u8>) -> Option<u8> {
    let value = byte?.wrapping_sub(b'0');
    (value <= 9).then_some(value)
}

/// The value of the eight decimal digits at the start of `bytes`, if there
/// are eight. Long mantissas (17-digit coordinates) are most of a number's
/// bytes; this reads them a word at a time.
#[inline]
fn eight_digits(bytes: &[u8]) -> Option<u64> {
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let word = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    // A digit is 0x30..=0x39: high nibble 3, and still 3 after adding 6.
    let all_digits = word & HIGH_NIBBLES == ZEROS
        && word.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES == ZEROS;
    if !all_digits {
        return None;
    }
    // The first digit is the lowest byte. Pairs first: every other byte
    // becomes the two-digit value of itself and the next.
    let values = word - ZEROS;
    let pairs = values.wrapping_mul(10).wrapping_add(values >> 8);
    // Then the four pairs p0..p3 (bytes 0, 2, 4, 6) in two multiplications
    // whose upper halves are p0 x 10^6 + p2 x 10^2 and p1 x 10^4 + p3.
    const LOW_BYTES: u64 = 0x0000_00FF_0000_00FF;
    let even = (pairs & LOW_BYTES).wrapping_mul(100 + (1_000_000 << 32));
    let odd = ((pairs >> 16) & LOW_BYTES).wrapping_mul(1 + (10_000 << 32));
    Some(even.wrapping_add(odd) >> 32)
}

/// Scan an RFC 8259 number at the start of `bytes`.
///
/// One pass: the digits are checked against the grammar, counted and
/// accumulated into the mantissa at once, so that converting the number
/// afterwards seldom needs to read the text again.
#[inline]
pub fn scan(bytes: &[u8]) -> Result<Scanned, ScanError> {
    let negative = bytes.first() == Some(&b'-');
    let mut pos = usize::from(negative);
    let mut mantissa = 0u64;
    let mut significant = 0usize;
    let mut exponent = 0i64;
    match bytes.get(pos) {
        None => return Err(ScanError::EndOfInput),
        Some(b'0') => {
            pos += 1;
            if digit(bytes.get(pos)).is_some() {
                return Err(ScanError::Unexpected(pos, "a leading zero"));
            }
        }
        Some(b'1'..=b'9') => {
            while significant + 8 <= MANTISSA_DIGITS
                && let Some(value) = eight_digits(&bytes[pos..])
            {
                mantissa = mantissa * 100_000_000 + value;
                significant += 8;
                pos += 8;
            }
            while let Some(value) = digit(bytes.get(pos)) {
                if significant < MANTISSA_DIGITS {
                    mantissa = mantissa * 10 + u64::from(value);
                } else {
                    exponent += 1;
                }
                significant += 1;
                pos += 1;
            }
        }
        Some(_) => return Err(ScanError::Unexpected(pos, "a digit")),
    }
    let mut is_integer = true;
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let fraction_start = pos;
        // Eight at a time once the digits are significant.
        while significant > 0
            && significant + 8 <= MANTISSA_DIGITS
            && let Some(value) = eight_digits(&bytes[pos..])
        {
            mantissa = mantissa * 100_000_000 + value;
            significant += 8;
            exponent -= 8;
            pos += 8;
        }
        while let Some(value) = digit(bytes.get(pos)) {
            if significant >= MANTISSA_DIGITS {
                significant += 1;
            } else {
                // Zeros before the first significant digit only scale.
                if significant > 0 || value != 0 {
                    mantissa = mantissa * 10 + u64::from(value);
                    significant += 1;
                }
                exponent -= 1;
            }
            pos += 1;
        }
        if pos == fraction_start {
            return Err(match bytes.get(pos) {
                None => ScanError::EndOfInput,
                Some(_) => ScanError::Unexpected(pos, "a digit after the decimal point"),
            });
        }
        is_integer = false;
    }
    let mut has_exponent = false;
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        let minus = bytes.get(pos) == Some(&b'-');
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        let exponent_start = pos;
        let mut written = 0i64;
        while let Some(value) = digit(bytes.get(pos)) {
            written = (written * 10 + i64::from(value)).min(EXPONENT_CAP);
            pos += 1;
        }
        if pos == exponent_start {
            return Err(match bytes.get(pos) {
                None => ScanError::EndOfInput,
                Some(_) => ScanError::Unexpected(pos, "a digit in the exponent"),
            });
        }
        exponent = match (written == EXPONENT_CAP, minus) {
            (true, false) => i64::MAX,
            (true, true) => i64::MIN,
            (false, false) => exponent + written,
            (false, true) => exponent - written,
        };
        is_integer = false;
        has_exponent = true;
    }
    Ok(Scanned {
        len: pos,
        is_integer,
        significant_digits: significant,
        has_exponent,
        negative,
        mantissa,
        exponent,
    })
}

/// 10^0 to 10^22: the powers of ten an f64 holds exactly (5^22 < 2^53).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// floor(2^(127 + b) / 10^k) for k = 1..=19, where 10^k has b bits: the
/// reciprocals of the powers of ten, scaled to fill 128 bits (the top bit
/// is set). Computed by binary long division when compiling; 10^0 has none.
const RECIPROCALS_OF_TEN: [u128; 20] = {
    let mut reciprocals = [0u128; 20];
    let mut k = 1;
    while k < reciprocals.len() {
        let divisor = POWERS_OF_TEN[k];
        let bits = 128 - divisor.leading_zeros();
        // The numerator is a one and then 127 + b zeros.
        let (mut quotient, mut remainder, mut step) = (0u128, 1u128, 0);
        while step < 127 + bits {
            quotient <<= 1;
            remainder <<= 1;
            if remainder >= divisor {
                remainder -= divisor;
                quotient |= 1;
            }
            step += 1;
        }
        reciprocals[k] = quotient;
        k += 1;
    }
    reciprocals
};

/// 10^0 to 10^38: the powers of ten a u128 holds.
const POWERS_OF_TEN: [u128; 39] = {
    let mut powers = [1u128; 39];
    let mut index = 1;
    while index < powers.len() {
        powers[index] = powers[index - 1] * 10;
        index += 1;
    }
    powers
};

/// The f64 nearest to the scanned decimal (ties to even), computed from the
/// accumulated mantissa and exponent, or `None` when that needs more than
/// the cases below; `str::parse::<f64>` is then the answer.
///
/// Every case rounds once, from an exact operand, so it gives the value a
/// correctly rounding reader gives:
/// - a mantissa of at most 2^53 and a power of ten of at most 10^22 are both
///   exact f64s, and one IEEE multiplication or division rounds correctly;
/// - a mantissa times 10^0..10^38 is an exact u128, which `as f64` rounds
///   to nearest, ties to even;
/// - a mantissa over 10^1..10^19 is divided in integers to 63 or 64
///   quotient bits, knowing whether a fraction follows them, and rounded
///   from those ([`quotient_by_reciprocal`], [`quotient_by_division`]);
///   the result, at least 10^-19, is far from the subnormals.
///
/// Anything else (over 19 digits, a power of ten beyond these, subnormal
/// results) is left to std, which is correct everywhere and fast enough
/// for numbers that rare.
#[inline]
fn exact_float(scanned: &Scanned) -> Option<f64> {
    if scanned.significant_digits > MANTISSA_DIGITS {
        return None;
    }
    let (mantissa, exponent) = (scanned.mantissa, scanned.exponent);
    let magnitude = if mantissa == 0 {
        0.0
    } else if mantissa <= 1 << 53 && (-22..=22).contains(&exponent) {
        let power = EXACT_POWERS_OF_TEN[exponent.unsigned_abs() as usize];
        if exponent < 0 {
            mantissa as f64 / power
        } else {
            mantissa as f64 * power
        }
    } else if (0..=38).contains(&exponent) {
        let product = u128::from(mantissa).checked_mul(POWERS_OF_TEN[exponent as usize])?;
        product as f64
    } else if (-19..0).contains(&exponent) {
        let k = exponent.unsigned_abs() as usize;
        quotient_by_reciprocal(mantissa, k).or_else(|| quotient_by_division(mantissa, k))?
    } else {
        return None;
    };
    Some(if scanned.negative {
        -magnitude
    } else {
        magnitude
    })
}

/// mantissa / 10^k, correctly rounded, for 1 <= k <= 19 and a mantissa
/// above 0, by multiplying with the reciprocal of 10^k instead of dividing;
/// `None` in the rare cases where the truncated reciprocal leaves the
/// rounding in doubt (the integer division decides those).
///
/// With the mantissa shifted to fill 64 bits (m), m x R, R the 128-bit
/// reciprocal, is below the exact product by less than m < 2^64. Its top
/// 64 bits are the quotient floor(m x 2^(b-1) / 10^k), which has 63 or 64
/// bits, unless the 64 bits below them are all ones (a carry may be
/// missing); the exact quotient has a fraction unless those 64 bits are
/// zero (then it may not). Outside both cases the quotient and whether a
/// fraction follows it are known, which is all rounding to 53 bits needs.
#[inline]
fn quotient_by_reciprocal(mantissa: u64, k: usize) -> Option<f64> {
    let reciprocal = RECIPROCALS_OF_TEN[k];
    let leading = mantissa.leading_zeros();
    let normalised = u128::from(mantissa << leading);
    let low = normalised * (reciprocal & u128::from(u64::MAX));
    let high = normalised * (reciprocal >> 64);
    let middle = (high & u128::from(u64::MAX)) + (low >> 64);
    let quotient = (high >> 64) + (middle >> 64);
    let below = middle as u64;
    if below == 0 || below == u64::MAX {
        return None;
    }
    // The value is quotient x 2^(1 - b - leading), with a fraction below.
    let bits = 128 - POWERS_OF_TEN[k].leading_zeros();
    let quotient = quotient as u64;
    let top = quotient.leading_zeros();
    let normalised = quotient << top;
    // 53 bits kept, rounded to nearest.
    let mut kept = normalised >> 11;
    // The fraction is not zero, so a set rounding bit is above the tie.
    if normalised & (1 << 10) != 0 {
        kept += 1;
    }
    let mut exponent = 63 + 1 - i64::from(bits) - i64::from(leading) - i64::from(top);
    if kept == 1 << 53 {
        kept >>= 1;
        exponent += 1;
    }
    let biased = u64::try_from(exponent + 1023).ok()?;
    Some(f64::from_bits((biased << 52) | (kept & ((1 << 52) - 1))))
}

/// mantissa / 10^k, correctly rounded, for 1 <= k <= 19 and a mantissa
/// above 0, by integer division. The numerator is shifted so that the
/// quotient has 63 or 64 bits; a non-zero remainder is folded into its
/// lowest bit, nine or more places below the rounding position, so that
/// `as f64` (round to nearest, ties to even) rounds it as it would the
/// exact quotient; the scaling back by a power of two is exact.
fn quotient_by_division(mantissa: u64, k: usize) -> Option<f64> {
    let divisor = POWERS_OF_TEN[k];
    // Numerator of 63 + bits(divisor) bits, so that the quotient has 63 or
    // 64 (and the numerator, at most 127, fits).
    let shift = 63 + (128 - divisor.leading_zeros()) - (64 - mantissa.leading_zeros());
    let numerator = u128::from(mantissa) << shift;
    let quotient = numerator / divisor;
    let sticky = u64::from(numerator - quotient * divisor != 0);
    let quotient = u64::try_from(quotient).ok()?;
    let scale = f64::from_bits(u64::from(1023 - shift) << 52);
    Some((quotient | sticky) as f64 * scale)
}

/// A number's value and, when f64 does not keep it, why.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberText {
    /// The value (exact for 64-bit integers, f64 otherwise, the largest
    /// f64 of its sign when beyond f64's range).
    pub value: Value,
    /// Why the number is lossy, if it is.
    pub lossy: Option<&'static str>,
}

/// Convert scanned number text into a value and judge whether it is lossy.
///
/// An ordinary number costs no second reading of its text and no
/// allocation: an integer of up to 19 digits is the scan's mantissa,
/// compared with 2^53-1; a decimal is converted once to f64 (from the
/// scan's mantissa and exponent when that is exact, else by `str::parse`)
/// and, when it has at most 17 significant digits and is below 2^53, is
/// kept exactly by definition. Only longer decimals, and those past
/// 2^53, are compared digit by digit with what f64 writes for them.
#[inline]
pub fn convert(text: &str, scanned: &Scanned) -> NumberText {
    if scanned.is_integer {
        // Up to 19 digits the scan has the value already.
        let exact = if scanned.significant_digits > MANTISSA_DIGITS {
            None
        } else if !scanned.negative {
            Some((Number::from(scanned.mantissa), scanned.mantissa))
        } else if scanned.mantissa <= 1 << 63 {
            // 2^63 itself wraps to i64::MIN, which is the value.
            let value = 0i64.wrapping_sub_unsigned(scanned.mantissa);
            Some((Number::from(value), scanned.mantissa))
        } else {
            None
        };
        let exact = exact.or_else(|| {
            if scanned.negative {
                text.parse::<i64>()
                    .ok()
                    .map(|n| (Number::from(n), n.unsigned_abs()))
            } else {
                text.parse::<u64>().ok().map(|n| (Number::from(n), n))
            }
        });
        if let Some((number, magnitude)) = exact {
            // Some integers past 2^53 are doubles themselves (10^16, 2^60):
            // an f64 reader keeps those, and changes their neighbours.
            // (Compared in 128 bits: `u64::MAX` rounds up to 2^64, which
            // would saturate back to `u64::MAX` in 64.)
            let kept = magnitude as f64 as u128 == u128::from(magnitude);
            let lossy = (magnitude > MAX_SAFE_INTEGER).then_some(if kept {
                INTEGER_KEPT
            } else {
                INTEGER_CHANGED
            });
            return NumberText {
                value: Value::Number(number),
                lossy,
            };
        }
        let float = text.parse::<f64>().unwrap_or(f64::NAN);
        let digits = text.trim_start_matches('-');
        // The exact digits of a whole f64, written out, are the text's
        // only when the f64 is that integer.
        let kept = float.is_finite() && format!("{:.0}", float.abs()) == digits;
        return NumberText {
            value: float_value(float),
            lossy: Some(if kept {
                WIDE_INTEGER_KEPT
            } else {
                WIDE_INTEGER_CHANGED
            }),
        };
    }
    // The grammar scan has passed the text, so this parse cannot fail; an
    // out-of-range one gives an infinity.
    let float = exact_float(scanned).unwrap_or_else(|| text.parse::<f64>().unwrap_or(f64::NAN));
    NumberText {
        value: float_value(float),
        lossy: float_lossy(text, scanned, float),
    }
}

/// Why the decimal `text`, read as `float`, is not kept by f64, if it is not.
#[inline]
fn float_lossy(text: &str, scanned: &Scanned, float: f64) -> Option<&'static str> {
    if !float.is_finite() {
        Some(BEYOND_RANGE)
    } else if float == 0.0 {
        // A zero written with any other digit than 0 underflowed.
        (scanned.significant_digits > 0).then_some(BECOMES_ZERO)
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
    (written != shortest && written != seventeen).then_some(MORE_DIGITS)
}

/// A number beyond f64's range (`1e400`) is still a number: it becomes the
/// largest f64 of its sign, so that a type check sees a number and a bound
/// check a value past every bound (S08 says that it is lossy). As `null`
/// it made a healthy reply `invalid` against `"type": "number"`.
fn float_value(float: f64) -> Value {
    let finite = if float.is_infinite() {
        f64::MAX.copysign(float)
    } else {
        float
    };
    Number::from_f64(finite).map_or(Value::Null, Value::Number)
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
    fn an_integer_f64_keeps_is_told_from_one_it_changes() {
        for kept in [
            "9007199254740992",
            "10000000000000000",
            "-10000000000000000",
            "-9223372036854775808",
        ] {
            assert_eq!(lossy(kept), Some(INTEGER_KEPT), "{kept}");
        }
        for changed in [
            "9007199254740993",
            "18446744073709551615",
            "-9223372036854775807",
        ] {
            assert_eq!(lossy(changed), Some(INTEGER_CHANGED), "{changed}");
        }
        assert_eq!(lossy("100000000000000000000"), Some(WIDE_INTEGER_KEPT));
        assert_eq!(lossy("-18446744073709551616"), Some(WIDE_INTEGER_KEPT));
        assert_eq!(lossy("100000000000000000001"), Some(WIDE_INTEGER_CHANGED));
        assert_eq!(lossy(&"9".repeat(400)), Some(WIDE_INTEGER_CHANGED));
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
    use super::{BECOMES_ZERO, BEYOND_RANGE, MAX_SAFE_INTEGER, NumberText, Scanned, normalise};
    use serde_json::{Number, Value};

    fn float_value(text: &str) -> Value {
        text.parse::<f64>()
            .ok()
            .map(|float| {
                if float.is_infinite() {
                    f64::MAX.copysign(float)
                } else {
                    float
                }
            })
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
            Some(BEYOND_RANGE)
        } else if float == 0.0 && !normalise(text).0.is_empty() {
            Some(BECOMES_ZERO)
        } else if scanned.significant_digits <= 17 && float.abs() < MAX_SAFE_INTEGER as f64 {
            None
        } else {
            // The careful check itself is unchanged.
            super::digits_lossy(text, float)
        };
        NumberText { value, lossy }
    }
}

/// What an f64 writer emits for `float` in one of three forms: shortest
/// with an exponent, 17 digits with an exponent, or Rust's debug form.
#[cfg(test)]
fn writer_text(float: f64, form: usize) -> String {
    match form {
        0 => format!("{float:e}"),
        1 => format!("{float:.16e}"),
        _ => format!("{float:?}"),
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
                let text = writer_text(float, form);
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

/// The conversion from the scan's mantissa and exponent must give, bit for
/// bit, what `str::parse` gives (a correctly rounding reader), and
/// integers the values `str::parse::<u64>` and `::<i64>` give.
#[cfg(test)]
mod rounds_as_std {
    use super::*;
    use proptest::prelude::*;

    /// Whether the text's f64 came from the mantissa (`Some`) and agrees
    /// with std's; an error names the text.
    fn agrees(text: &str) -> Result<bool, TestCaseError> {
        let scanned = scan(text.as_bytes()).expect("the strategy writes JSON numbers");
        prop_assert_eq!(scanned.len, text.len());
        let std = text.parse::<f64>().expect("a JSON number is an f64 text");
        if scanned.is_integer {
            let value = convert(text, &scanned).value;
            let exact = if text.starts_with('-') {
                text.parse::<i64>().ok().map(Value::from)
            } else {
                text.parse::<u64>().ok().map(Value::from)
            };
            let expected = exact.unwrap_or_else(|| float_value(std));
            prop_assert_eq!(value, expected, "{}", text);
            return Ok(false);
        }
        let Some(ours) = exact_float(&scanned) else {
            return Ok(false);
        };
        prop_assert_eq!(
            ours.to_bits(),
            std.to_bits(),
            "{}: {} against {}",
            text,
            ours,
            std
        );
        Ok(true)
    }

    /// Up to 19 digits with the point anywhere, or before leading zeros,
    /// and an exponent that takes the value from 10^-60 to 10^60.
    fn digits_and_point() -> impl Strategy<Value = String> {
        (
            1u64..=9_999_999_999_999_999_999,
            0usize..24,
            prop::option::of(-40i32..40),
            any::<bool>(),
        )
            .prop_map(|(mantissa, point, exponent, negative)| {
                let digits = mantissa.to_string();
                let mut text = if negative {
                    "-".to_owned()
                } else {
                    String::new()
                };
                if point >= digits.len() {
                    text.push_str("0.");
                    text.push_str(&"0".repeat(point - digits.len()));
                    text.push_str(&digits);
                } else {
                    let (int_part, fraction) = digits.split_at(digits.len() - point);
                    text.push_str(int_part);
                    text.push('.');
                    text.push_str(if fraction.is_empty() { "0" } else { fraction });
                }
                if let Some(exponent) = exponent {
                    text.push_str(&format!("e{exponent}"));
                }
                text
            })
    }

    /// Halfway cases and their neighbours: an odd 54-bit integer is exactly
    /// between two f64s, and so is it times 2^j; divided by 2, 4 or 8 it
    /// is written with one to three decimals (N x 5^j / 10^j).
    fn halfway() -> impl Strategy<Value = String> {
        ((1u64 << 52)..(1u64 << 53), -3i32..=10, -1i64..=1, 0usize..3).prop_map(
            |(half, scale, nudge, form)| {
                let odd = u128::from(half) * 2 + 1;
                let (digits, decimals) = if scale >= 0 {
                    (odd << scale, 0)
                } else {
                    let decimals = scale.unsigned_abs();
                    (odd * 5u128.pow(decimals), decimals as usize)
                };
                let digits = (digits as i128 + i128::from(nudge)).to_string();
                match form {
                    // With a point, or a zero fraction when there is none.
                    0 if decimals > 0 => {
                        let (int_part, fraction) = digits.split_at(digits.len() - decimals);
                        format!("{int_part}.{fraction}")
                    }
                    0 => format!("{digits}.0"),
                    // One digit before the point and an exponent.
                    1 => format!(
                        "{}.{}e{}",
                        &digits[..1],
                        &digits[1..],
                        digits.len() as i64 - 1 - decimals as i64
                    ),
                    // All digits and a negative exponent.
                    _ => format!("{digits}e-{decimals}"),
                }
            },
        )
    }

    /// What f64 writers emit: shortest, 17 digits, debug form.
    fn written() -> impl Strategy<Value = String> {
        (
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            0..3usize,
        )
            .prop_map(|(float, form)| {
                let text = writer_text(float, form);
                if text.contains(['.', 'e']) {
                    text
                } else {
                    format!("{text}.0")
                }
            })
    }

    /// Integers and decimals around 2^53, 2^63, 2^64 and 10^19.
    fn edges() -> impl Strategy<Value = String> {
        (-1100i128..1100, 0..4usize, any::<bool>(), 0..3usize).prop_map(
            |(step, base, negative, form)| {
                let edge = [1i128 << 53, 1i128 << 63, 1i128 << 64, 10i128.pow(19)][base];
                let sign = if negative { "-" } else { "" };
                let digits = (edge + step).to_string();
                match form {
                    0 => format!("{sign}{digits}"),
                    1 => format!("{sign}{digits}.0"),
                    _ => format!(
                        "{sign}{}.{}e{}",
                        &digits[..1],
                        &digits[1..],
                        digits.len() - 1
                    ),
                }
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        #[test]
        fn converts_as_str_parse(
            text in prop_oneof![digits_and_point(), halfway(), written(), edges()]
        ) {
            agrees(&text)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        #[test]
        fn reciprocal_and_division_agree(mantissa in 1u64..=9_999_999_999_999_999_999, k in 1usize..=19) {
            if let Some(by_reciprocal) = quotient_by_reciprocal(mantissa, k) {
                let by_division = quotient_by_division(mantissa, k).map(f64::to_bits);
                prop_assert_eq!(Some(by_reciprocal.to_bits()), by_division, "{} / 10^{}", mantissa, k);
            }
        }

        #[test]
        fn eight_digits_read_as_str_parse(text in "[0-9]{8}[0-9a-z:/,. ]{0,3}") {
            prop_assert_eq!(eight_digits(text.as_bytes()), text[..8].parse::<u64>().ok());
        }
    }

    #[test]
    fn eight_digits_need_eight() {
        for at in 0..8 {
            for other in [b'/', b':', b'.', b' ', 0x00, 0xFF, b'0' + 0x80, b'0' - 0x10] {
                let mut bytes = *b"12345678";
                bytes[at] = other;
                assert_eq!(eight_digits(&bytes), None, "{other:#x} at {at}");
            }
        }
        assert_eq!(eight_digits(b"1234567"), None);
        assert_eq!(eight_digits(b"00000000"), Some(0));
        assert_eq!(eight_digits(b"99999999,"), Some(99_999_999));
    }

    #[test]
    fn the_fast_cases_are_taken_and_exact() {
        // Each of these is converted from the mantissa, not by str::parse.
        for text in [
            "-65.613616999999977",
            "0.1",
            "-0.0",
            "0e400",
            "1e22",
            "9007199254740993.0",
            "9.007199254740993e15",
            "9999999999999999999e19",
            "0.0000000000000000001",
            "1234567890123456789e-19",
            "4.5e-20",
            "2.2250738585072014e-1",
        ] {
            assert_eq!(agrees(text).map_err(|e| e.to_string()), Ok(true), "{text}");
        }
        // These need std's general algorithm.
        for text in [
            "1e-400",
            "2.2250738585072011e-308",
            "4.9e-324",
            "1e39",
            "1.2e-23",
        ] {
            let scanned = scan(text.as_bytes()).unwrap();
            assert_eq!(exact_float(&scanned), None, "{text}");
        }
        assert_eq!(
            exact_float(&scan(b"-0.0").unwrap()).map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        for text in [
            "0",
            "-0",
            "9223372036854775808",
            "-9223372036854775808",
            "18446744073709551615",
        ] {
            assert_eq!(agrees(text).map_err(|e| e.to_string()), Ok(false), "{text}");
        }
    }
}

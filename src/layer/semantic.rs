//! The semantic layer: what the original debugging script checked in a token
//! look-up (NO_TOKEN, TOKEN_EXPIRED, VALID), judged against the time the
//! capture was taken, never the current clock: a capture from last week is
//! not "expired" because it is read today.

use crate::finding::{Code, Finding};
use crate::timeline::EPOCH_MILLIS_FROM;
use jiff::Timestamp;
use serde_json::Value;

/// When a token expires, from `expiresAt` in seconds, milliseconds or RFC 3339.
pub fn expiry(value: &Value) -> Option<Timestamp> {
    let epoch = match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|f| f as i64))?,
        Value::String(text) => {
            if let Ok(timestamp) = text.parse::<Timestamp>() {
                return Some(timestamp);
            }
            text.trim().parse::<i64>().ok()?
        }
        _ => return None,
    };
    // `unsigned_abs`: the lowest epoch has no positive counterpart in i64.
    if epoch.unsigned_abs() >= EPOCH_MILLIS_FROM {
        Timestamp::from_millisecond(epoch).ok()
    } else {
        Timestamp::from_second(epoch).ok()
    }
}

/// K01 / K02 for a token payload found at `base`.
pub fn check_token(payload: &Value, base: &str, captured_at: Option<Timestamp>) -> Vec<Finding> {
    let token = payload.get("token");
    let has_token = match token {
        Some(Value::String(text)) => !text.trim().is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    if !has_token {
        return vec![
            Finding::new(Code::K02, "NO_TOKEN: the response holds no token")
                .at_pointer(format!("{base}/token")),
        ];
    }
    let Some(expires) = payload.get("expiresAt").and_then(expiry) else {
        return Vec::new();
    };
    let Some(captured) = captured_at else {
        return Vec::new();
    };
    if expires <= captured {
        let age = captured.as_second() - expires.as_second();
        return vec![
            Finding::new(
                Code::K01,
                format!(
                    "TOKEN_EXPIRED: the token expired at {expires}, {age} s before the capture at {captured}"
                ),
            )
            .at_pointer(format!("{base}/expiresAt")),
        ];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn token_states() {
        let valid = json!({"token": "t", "expiresAt": 1800000000, "userId": "u"});
        assert!(check_token(&valid, "/result", at("2026-11-20T09:00:00Z")).is_empty());
        let expired = check_token(&valid, "/result", at("2027-11-20T09:00:00Z"));
        assert_eq!(expired[0].code, Code::K01);
        assert!(expired[0].message.starts_with("TOKEN_EXPIRED"));
        assert_eq!(
            expired[0].location.pointer.as_deref(),
            Some("/result/expiresAt")
        );
        for empty in [
            json!({"token": ""}),
            json!({"token": null}),
            json!({"userId": "u"}),
        ] {
            assert_eq!(check_token(&empty, "", None)[0].code, Code::K02);
        }
        assert!(
            check_token(&valid, "", None).is_empty(),
            "no capture time, no verdict"
        );
    }

    #[test]
    fn expiry_units() {
        let seconds = expiry(&json!(1800000000)).unwrap();
        assert_eq!(expiry(&json!(1800000000000i64)), Some(seconds));
        assert_eq!(expiry(&json!("1800000000")), Some(seconds));
        assert_eq!(expiry(&json!(seconds.to_string())), Some(seconds));
        assert_eq!(expiry(&json!(true)), None);
    }
}

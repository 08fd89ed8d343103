//! Values shown in messages: compact, cut short, and masked where the schema
//! marks the field `x-dapa-secret` (token values) unless `--show-secrets`.

use crate::json::split_pointer;
use crate::schema::shape::Shape;
use serde_json::Value;

/// Longest value quoted in a message, in characters.
const SHOWN_LIMIT: usize = 60;

/// A secret shown without giving it away: its first characters and its length.
pub fn mask(secret: &str) -> String {
    let shown: String = secret.chars().take(4).collect();
    format!("{shown}… ({} characters)", secret.chars().count())
}

/// A value for a message: compact JSON, cut at 60 characters, or masked.
pub fn show(value: &Value, secret: bool) -> String {
    if secret {
        return match value {
            Value::String(text) => format!("\"{}\"", mask(text)),
            _ => "(secret)".to_owned(),
        };
    }
    let text = value.to_string();
    let mut shown: String = text.chars().take(SHOWN_LIMIT).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// Whether the value at `pointer` (relative to what `shape` describes), or
/// any field that holds it, is marked secret.
pub fn is_secret(shape: &Shape, pointer: &str) -> bool {
    let mut node = shape;
    for segment in split_pointer(pointer) {
        if node.secret {
            return true;
        }
        let next = if segment.parse::<usize>().is_ok() && node.items.is_some() {
            node.items.as_deref()
        } else {
            node.property(&segment)
        };
        match next {
            Some(child) => node = child,
            None => return false,
        }
    }
    node.secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_and_paths() {
        let shape = Shape::of_schema(&json!({"properties": {
            "token": {"type": "string", "x-dapa-secret": true},
            "list": {"items": {"properties": {"secret": {"x-dapa-secret": true}}}}
        }}));
        assert!(is_secret(&shape, "/token"));
        assert!(is_secret(&shape, "/list/3/secret"));
        assert!(!is_secret(&shape, "/list/3/other"));
        assert!(!is_secret(&shape, ""));
        assert_eq!(show(&json!("abcdefgh"), true), "\"abcd… (8 characters)\"");
        assert_eq!(show(&json!(12), true), "(secret)");
        assert_eq!(show(&json!("x".repeat(100)), false).chars().count(), 61);
    }
}

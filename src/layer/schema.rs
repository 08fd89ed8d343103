//! The schema layer: V01–V06 from the validator's errors.
//!
//! The yes/no check runs first; the full error list is built only for the
//! payloads that fail it, which are few in a healthy corpus.

use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, note_more};
use crate::json::{push_json, push_pointer};
use crate::profile::Schema;
use crate::secret::{is_secret, show};
use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value;
use std::fmt::Write as _;

/// The most unexpected properties one V03 message names; the rest are
/// counted.
const MAX_LISTED_PROPERTIES: usize = MAX_FINDINGS_PER_CODE;

/// The code a validator error belongs to.
fn code_of(kind: &Kind) -> Code {
    match kind {
        Kind::Required { .. } => Code::V01,
        Kind::Type { .. } => Code::V02,
        Kind::AdditionalProperties { .. } | Kind::UnevaluatedProperties { .. } => Code::V03,
        Kind::Enum { .. } | Kind::Constant { .. } => Code::V04,
        Kind::Format { .. }
        | Kind::Pattern { .. }
        | Kind::MinLength { .. }
        | Kind::MaxLength { .. }
        | Kind::Minimum { .. }
        | Kind::Maximum { .. }
        | Kind::ExclusiveMinimum { .. }
        | Kind::ExclusiveMaximum { .. }
        | Kind::MultipleOf { .. }
        | Kind::MinItems { .. }
        | Kind::MaxItems { .. }
        | Kind::MinProperties { .. }
        | Kind::MaxProperties { .. } => Code::V05,
        _ => Code::V06,
    }
}

/// Validate `value`, found at `base` in the document, against `schema`;
/// nothing to do when the drift walk found it `surely_valid`.
pub fn check(
    value: &Value,
    base: &str,
    schema: &Schema,
    show_secrets: bool,
    surely_valid: bool,
) -> Vec<Finding> {
    if surely_valid || schema.validator.is_valid(value) {
        return Vec::new();
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut counts: std::collections::BTreeMap<Code, usize> = Default::default();
    for error in schema.validator.iter_errors(value) {
        let kind = error.kind();
        let code = code_of(kind);
        let count = counts.entry(code).or_default();
        *count += 1;
        if *count > MAX_FINDINGS_PER_CODE {
            continue;
        }
        let instance = error.instance_path().as_str();
        // A value that holds others may hold a secret below it, and a mark
        // the shape could not place may name any value: neither is quoted.
        let secret = !show_secrets
            && schema.secrets
            && (schema.secrets_unplaced
                || matches!(**error.instance(), Value::Object(_) | Value::Array(_))
                || is_secret(&schema.shape, instance));
        let what = describe(kind, error.instance(), secret, || error.to_string());
        // Built piece by piece: a schema-invalid corpus has thousands of
        // these, and `format!` costs several times as much.
        let mut pointer = String::with_capacity(base.len() + instance.len() + 16);
        pointer.push_str(base);
        pointer.push_str(instance);
        if let Kind::Required { property } = kind
            && let Some(name) = property.as_str()
        {
            push_pointer(&mut pointer, name);
        }
        let shown_pointer = if pointer.is_empty() {
            "the payload"
        } else {
            &pointer
        };
        let schema_path = error.schema_path().as_str();
        let message = [shown_pointer, ": ", &what, " (schema ", schema_path, ")"].concat();
        findings.push(
            Finding::new(code, message)
                .at_pointer(pointer)
                .grouped_by(kind.keyword()),
        );
    }
    for (code, total) in counts {
        if total > MAX_FINDINGS_PER_CODE
            && let Some(position) = findings.iter().rposition(|f| f.code == code)
        {
            note_more(&mut findings[..=position], total);
        }
    }
    findings
}

fn json_type(value: &Value) -> &'static str {
    crate::profile::shape::type_name(value)
}

/// A message that says what is wrong without quoting a secret value.
fn describe(
    kind: &Kind,
    instance: &Value,
    secret: bool,
    fallback: impl FnOnce() -> String,
) -> String {
    // Rendering the value (or the validator's message) costs as much as the
    // value is large: only where the message quotes it.
    let value = || show(instance, secret);
    match kind {
        Kind::Required { property } => {
            let mut text = String::with_capacity(40);
            text.push_str("the required property ");
            push_json(&mut text, property);
            text.push_str(" is missing");
            text
        }
        Kind::Type { kind } => format!(
            "expected {}, found {}",
            type_list(kind),
            json_type(instance)
        ),
        Kind::AdditionalProperties { unexpected } | Kind::UnevaluatedProperties { unexpected } => {
            // The first ones, in the validator's order: a body of a million
            // unknown keys made a message as long as the body.
            let listed = &unexpected[..unexpected.len().min(MAX_LISTED_PROPERTIES)];
            let mut text = format!(
                "properties the schema does not allow: {}",
                listed.join(", ")
            );
            let more = unexpected.len() - listed.len();
            if more > 0 {
                let _ = write!(text, " and {more} more");
            }
            text
        }
        Kind::Enum { options } => format!("{} is not one of {}", value(), show(options, false)),
        Kind::Constant { expected_value } => {
            format!("{} is not {}", value(), show(expected_value, false))
        }
        Kind::Format { format } => format!("{} is not a valid {format}", value()),
        Kind::Pattern { pattern } => format!("{} does not match the pattern {pattern}", value()),
        _ if secret => "the value breaks the schema".to_owned(),
        _ => {
            // The validator quotes the whole value; an object or array may
            // hold a secret further down, so name it instead.
            let fallback = fallback();
            let fallback = match instance {
                Value::Object(_) | Value::Array(_) => fallback.replacen(
                    &instance.to_string(),
                    &format!("the {}", json_type(instance)),
                    1,
                ),
                _ => fallback.to_owned(),
            };
            crate::secret::cut_short(&fallback, 160)
        }
    }
}

fn type_list(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(single) => single.to_string(),
        jsonschema::error::TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::compile(
            "t",
            &json!({
                "type": "object",
                "required": ["id"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9a-f]+$"},
                    "n": {"type": "integer"},
                    "kind": {"enum": ["a", "b"]},
                    "token": {"type": "string", "minLength": 40, "x-dapa-secret": true},
                    "tags": {"type": "array", "uniqueItems": true}
                }
            }),
        )
        .unwrap()
    }

    fn codes(value: Value) -> Vec<(Code, String)> {
        check(&value, "/result", &schema(), false, false)
            .into_iter()
            .map(|f| (f.code, f.location.pointer.unwrap()))
            .collect()
    }

    #[test]
    fn many_unexpected_properties_are_counted_past_the_first() {
        let keys: serde_json::Map<String, Value> =
            (0..25).map(|n| (format!("k{n:02}"), json!(1))).collect();
        let mut payload = keys;
        payload.insert("id".to_owned(), json!("ab"));
        let findings = check(&Value::Object(payload), "", &schema(), false, false);
        let message = &findings[0].message;
        assert!(message.contains("k19"), "{message}");
        assert!(!message.contains("k20"), "{message}");
        assert!(
            message.ends_with(" and 5 more (schema /additionalProperties)"),
            "{message}"
        );
    }

    #[test]
    fn one_case_per_code() {
        assert!(codes(json!({"id": "ab"})).is_empty());
        assert_eq!(codes(json!({})), [(Code::V01, "/result/id".to_owned())]);
        assert_eq!(
            codes(json!({"id": "a", "n": "1"})),
            [(Code::V02, "/result/n".to_owned())]
        );
        assert_eq!(
            codes(json!({"id": "a", "x": 1})),
            [(Code::V03, "/result".to_owned())]
        );
        assert_eq!(
            codes(json!({"id": "a", "kind": "c"})),
            [(Code::V04, "/result/kind".to_owned())]
        );
        assert_eq!(
            codes(json!({"id": "XYZ"})),
            [(Code::V05, "/result/id".to_owned())]
        );
        assert_eq!(
            codes(json!({"id": "a", "tags": [1, 1]})),
            [(Code::V06, "/result/tags".to_owned())]
        );
    }

    #[test]
    fn secrets_stay_out_of_messages() {
        let value = json!({"id": "a", "token": "s3cr3t-value"});
        let findings = check(&value, "", &schema(), false, false);
        assert_eq!(findings[0].code, Code::V05);
        assert!(
            !findings[0].message.contains("s3cr3t"),
            "{}",
            findings[0].message
        );
        let shown = check(&value, "", &schema(), true, false);
        assert!(shown[0].message.contains("s3cr3t"), "{}", shown[0].message);
    }
}

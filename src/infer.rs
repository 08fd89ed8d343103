//! `dapa infer`: a draft 2020-12 schema that every payload it saw satisfies,
//! to bootstrap a profile from a corpus of healthy captures.
//!
//! The model keeps counts and small value sets per path, never the payloads,
//! so its size follows the number of distinct paths, not the corpus.

use crate::profile::shape::TimestampUnit;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Settings of the inference.
#[derive(Debug, Clone, Copy)]
pub struct InferOptions {
    /// Strings with at most this many distinct values (each seen twice on
    /// average) become an `enum`; 0 turns enums off.
    pub enum_threshold: usize,
}

impl Default for InferOptions {
    fn default() -> Self {
        InferOptions { enum_threshold: 8 }
    }
}

/// Longest string that may be an enum value.
const ENUM_VALUE_MAX_LEN: usize = 64;

/// Epoch ranges: 2001-09-09 to 2286-11-20 in seconds, the same in milliseconds.
const SECONDS: std::ops::Range<f64> = 1e9..1e10;
const MILLIS: std::ops::Range<f64> = 1e12..1e13;

/// Ids and tokens repeat in a small corpus too, but are no enum: long words
/// without spaces.
fn looks_like_id(value: &str) -> bool {
    value.len() >= 16 && !value.contains(' ')
}

/// What was seen at one path of the payloads.
#[derive(Debug, Clone, Default)]
pub struct Model {
    seen: u64,
    types: BTreeSet<&'static str>,
    strings: u64,
    distinct: Option<BTreeSet<String>>,
    overflowed: bool,
    all_rfc3339: bool,
    integers: u64,
    all_seconds: bool,
    all_millis: bool,
    objects: u64,
    properties: BTreeMap<String, (u64, Model)>,
    /// Keys left out once [`MAX_PROPERTIES`] were listed.
    more_keys: bool,
    items: Option<Box<Model>>,
}

/// Most distinct keys listed for one object place: payloads keyed by ids
/// would otherwise grow the model (and the schema) with the corpus. Keys
/// past it are left out, which every value still satisfies (the inferred
/// schema allows other keys).
pub const MAX_PROPERTIES: usize = 1_000;

impl Model {
    /// Add one value seen at this path.
    pub fn add(&mut self, value: &Value, options: &InferOptions) {
        self.seen += 1;
        match value {
            Value::Null => {
                self.types.insert("null");
            }
            Value::Bool(_) => {
                self.types.insert("boolean");
            }
            Value::Number(number) => {
                if number.is_i64() || number.is_u64() {
                    self.types.insert("integer");
                    let float = number.as_f64().unwrap_or(0.0);
                    self.all_seconds =
                        (self.integers == 0 || self.all_seconds) && SECONDS.contains(&float);
                    self.all_millis =
                        (self.integers == 0 || self.all_millis) && MILLIS.contains(&float);
                    self.integers += 1;
                } else {
                    self.types.insert("number");
                }
            }
            Value::String(text) => {
                self.types.insert("string");
                let rfc3339 = text.parse::<jiff::Timestamp>().is_ok();
                self.all_rfc3339 = (self.strings == 0 || self.all_rfc3339) && rfc3339;
                self.strings += 1;
                self.note_string(text, options);
            }
            Value::Array(items) => {
                self.types.insert("array");
                let model = self.items.get_or_insert_with(Box::default);
                for item in items {
                    model.add(item, options);
                }
            }
            Value::Object(fields) => {
                self.types.insert("object");
                self.objects += 1;
                for (key, child) in fields {
                    if self.properties.len() >= MAX_PROPERTIES && !self.properties.contains_key(key)
                    {
                        self.more_keys = true;
                        continue;
                    }
                    let (present, model) = self.properties.entry(key.clone()).or_default();
                    *present += 1;
                    model.add(child, options);
                }
            }
        }
    }

    fn note_string(&mut self, text: &str, options: &InferOptions) {
        if self.overflowed {
            return;
        }
        if text.chars().count() > ENUM_VALUE_MAX_LEN {
            self.overflowed = true;
            self.distinct = None;
            return;
        }
        let distinct = self.distinct.get_or_insert_with(BTreeSet::new);
        if !distinct.contains(text) {
            if distinct.len() >= options.enum_threshold {
                self.overflowed = true;
                self.distinct = None;
                return;
            }
            distinct.insert(text.to_owned());
        }
    }

    /// The schema of this path.
    fn schema(&self) -> Value {
        let mut schema = Map::new();
        let mut types: Vec<&str> = self.types.iter().copied().collect();
        if types.contains(&"number") {
            types.retain(|t| *t != "integer");
        }
        match types.as_slice() {
            [] => {}
            [one] => {
                schema.insert("type".into(), json!(one));
            }
            many => {
                schema.insert("type".into(), json!(many));
            }
        }
        let only = |kind: &str| types.len() == 1 && types[0] == kind;
        if only("integer") && self.integers > 0 {
            let unit = if self.all_seconds {
                Some(TimestampUnit::UnixSeconds)
            } else if self.all_millis {
                Some(TimestampUnit::UnixMillis)
            } else {
                None
            };
            if let Some(unit) = unit {
                schema.insert("x-dapa-timestamp".into(), json!(unit.as_str()));
            }
        }
        if only("string") {
            if self.all_rfc3339 {
                schema.insert(
                    "x-dapa-timestamp".into(),
                    json!(TimestampUnit::Rfc3339.as_str()),
                );
            } else if let Some(values) = &self.distinct
                && !values.is_empty()
                && self.strings >= 2 * values.len() as u64
                && !values.iter().all(|value| looks_like_id(value))
            {
                schema.insert("enum".into(), json!(values));
            }
        }
        if self.objects > 0 {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for (key, (present, model)) in &self.properties {
                properties.insert(key.clone(), model.schema());
                if *present == self.objects {
                    required.push(key.clone());
                }
            }
            if !properties.is_empty() {
                schema.insert("properties".into(), Value::Object(properties));
            }
            if !required.is_empty() {
                schema.insert("required".into(), json!(required));
            }
            if self.more_keys {
                let note = format!(
                    "more than {MAX_PROPERTIES} distinct keys were seen here; the first {MAX_PROPERTIES} are listed"
                );
                schema.insert("$comment".into(), json!(note));
            }
        }
        if let Some(items) = &self.items
            && items.seen > 0
        {
            schema.insert("items".into(), items.schema());
        }
        Value::Object(schema)
    }

    /// How many values were added at the root.
    pub fn count(&self) -> u64 {
        self.seen
    }

    /// The whole schema document, draft 2020-12.
    pub fn to_schema(&self) -> Value {
        let mut document = Map::new();
        document.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        document.insert("title".into(), json!("Inferred by dapa"));
        document.insert(
            "description".into(),
            json!(format!(
                "Inferred from {} payloads; review before use.",
                self.seen
            )),
        );
        if let Value::Object(body) = self.schema() {
            document.extend(body);
        }
        Value::Object(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Schema;

    fn infer(values: &[Value]) -> Value {
        let mut model = Model::default();
        let options = InferOptions::default();
        values.iter().for_each(|v| model.add(v, &options));
        model.to_schema()
    }

    #[test]
    fn keys_past_the_limit_are_left_out() {
        let wide: Map<String, Value> = (0..MAX_PROPERTIES + 5)
            .map(|n| (format!("k{n:05}"), json!(n)))
            .collect();
        let schema = infer(&[Value::Object(wide)]);
        assert_eq!(
            schema["properties"].as_object().unwrap().len(),
            MAX_PROPERTIES
        );
        assert!(schema["$comment"].as_str().unwrap().contains("1000"));
    }

    #[test]
    fn types_required_enums_and_timestamps() {
        let values = [
            json!({"id": "a", "state": "open", "at": 1763630000, "when": "2026-11-20T09:00:00Z", "n": 1}),
            json!({"id": "b", "state": "open", "at": 1763630001, "when": "2026-11-20T09:01:00Z", "n": 2.5}),
            json!({"id": "c", "state": "closed", "at": 1763630002, "when": "2026-11-20T09:02:00+01:00", "n": null, "extra": [1]}),
            json!({"id": "d", "state": "closed", "at": 1763630003, "when": "2026-11-20T09:03:00Z", "n": 3}),
        ];
        let schema = infer(&values);
        assert_eq!(
            schema["required"],
            json!(["at", "id", "n", "state", "when"])
        );
        assert_eq!(
            schema["properties"]["state"]["enum"],
            json!(["closed", "open"])
        );
        assert!(
            schema["properties"]["id"].get("enum").is_none(),
            "every id differs"
        );
        assert_eq!(
            schema["properties"]["at"]["x-dapa-timestamp"],
            "unix-seconds"
        );
        assert_eq!(schema["properties"]["when"]["x-dapa-timestamp"], "rfc3339");
        assert_eq!(schema["properties"]["n"]["type"], json!(["null", "number"]));
        assert_eq!(schema["properties"]["extra"]["items"]["type"], "integer");
        let compiled = Schema::compile("inferred", &schema).unwrap();
        for value in &values {
            assert!(compiled.validator.is_valid(value));
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (1_000_000_000i64..10_000_000_000).prop_map(|n| json!(n)),
            (-1e12f64..1e12).prop_map(|f| json!(f)),
            "[a-c]{0,3}".prop_map(Value::String),
            ".{0,20}".prop_map(Value::String),
            Just(json!("2026-11-20T09:12:03Z")),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-e]{1,2}", inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        #[test]
        fn a_corpus_validates_against_its_inferred_schema(
            corpus in proptest::collection::vec(json_value(), 1..12),
            threshold in 0usize..6,
        ) {
            let mut model = Model::default();
            let options = InferOptions { enum_threshold: threshold };
            corpus.iter().for_each(|value| model.add(value, &options));
            let schema = model.to_schema();
            let compiled = Schema::compile("inferred", &schema).unwrap();
            for value in &corpus {
                proptest::prop_assert!(compiled.validator.is_valid(value), "{} against {}", value, schema);
            }
        }
    }
}

//! A schema's constraints, placed on its shape, so that the drift walk,
//! which visits every value beside the shape anyway, can tell a payload the
//! schema surely accepts without the validator walking it a second time.
//!
//! Only a schema whose every reachable place the walk can follow is
//! placed: `type`, `properties`, `required`, `additionalProperties`,
//! `items` (one schema), local `$ref`s standing alone, and keywords on one
//! value (`pattern`, `format`, bounds, `enum`, `uniqueItems`...), which a
//! validator compiled from them alone checks, so that their meaning is
//! always jsonschema's. A schema with anything else (`anyOf`, `if`,
//! `patternProperties`, a nested `$id`...) is not placed, and every payload
//! is validated as before.
//!
//! What the walk answers is one-sided: "valid" only when every check held;
//! otherwise the validator decides, and it alone words the findings. So a
//! check here may be stricter than the schema (an integer written `1.0` is
//! left to the validator), never looser.

use super::shape::{MAX_REF_DEPTH, Shape, bit_allowed, type_bit, value_bit};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The most places with keywords on one value that get a validator of
/// their own; a schema with more is not placed, so that compiling it stays
/// quick (each is a small validator of its own).
const MAX_VALUE_VALIDATORS: usize = 2_000;

/// Keywords the walk follows itself.
const STRUCTURE: [&str; 6] = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "$ref",
];

/// Keywords on one value, left to a validator made of them alone.
const ON_ONE_VALUE: [&str; 16] = [
    "enum",
    "const",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Keywords that constrain nothing, and containers of definitions reached
/// only through `$ref`.
const ANNOTATIONS: [&str; 10] = [
    "title",
    "description",
    "default",
    "examples",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$defs",
    "definitions",
];

/// What one place of a schema asks of its value.
pub struct Checks {
    /// The declared types as bits; 0 for any.
    types: u8,
    /// How many of the properties the place declares an object must have:
    /// each is marked [`Shape::required`], and the walk counts them.
    pub required_declared: usize,
    /// The properties an object must have that the place does not declare,
    /// looked up.
    required_undeclared: Box<[String]>,
    /// `additionalProperties: false`: a key the place does not declare
    /// makes the payload invalid.
    pub closed: bool,
    /// `minimum` and `maximum` that are whole numbers, without an
    /// `exclusive…` keyword beside them (under draft 4 it changes them).
    minimum: Option<i64>,
    maximum: Option<i64>,
    /// `minLength` and `maxLength`.
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// `format: email`.
    email: bool,
    /// The place's other keywords on one value, compiled alone.
    on_value: Option<jsonschema::Validator>,
    /// Whether the place asks for nothing but `types` of its value itself.
    types_only: bool,
}

/// The largest whole number every `f64` near it stands for exactly: a
/// bound within it compares with any number exactly.
const EXACT_IN_F64: i64 = 1 << 53;

impl Checks {
    /// Whether `value` surely meets this place's own constraints (those of
    /// the values below it are checked at their places). Most places ask
    /// for a type only: that is looked at inline, the rest out of line.
    #[inline(always)]
    pub fn hold(&self, value: &Value) -> bool {
        (self.types == 0 || bit_allowed(self.types, value_bit(value)))
            && (self.types_only || self.hold_on_value(value))
    }

    /// [`Checks::hold`] for a value of type `bit`, where the type alone
    /// settles it; `None` where the value itself must be looked at.
    #[inline]
    pub fn hold_by_type(&self, bit: u8) -> Option<bool> {
        if self.types != 0 && !bit_allowed(self.types, bit) {
            Some(false)
        } else {
            self.types_only.then_some(true)
        }
    }

    /// [`Checks::hold`] on a string value, read as `text`: made into a
    /// value only for the place's keywords that jsonschema checks.
    pub fn hold_text(&self, text: &str) -> bool {
        self.hold_by_type(super::shape::STRING_BIT)
            .unwrap_or_else(|| {
                self.text_holds(text)
                    && (self.on_value.as_ref())
                        .is_none_or(|validator| validator.is_valid(&Value::String(text.into())))
            })
    }

    /// The place's own checks on a string: lengths and email.
    fn text_holds(&self, text: &str) -> bool {
        self.lengths_hold(text) && (!self.email || super::email::is_valid_email(text))
    }

    /// [`Checks::hold`] past the type.
    #[inline(never)]
    fn hold_on_value(&self, value: &Value) -> bool {
        let own = match value {
            Value::Object(fields) => self
                .required_undeclared
                .iter()
                .all(|name| fields.contains_key(name.as_str())),
            Value::Number(number) => self.bounds_hold(number),
            Value::String(text) => self.text_holds(text),
            _ => true,
        };
        own && (self.on_value.as_ref()).is_none_or(|validator| validator.is_valid(value))
    }

    /// Whether `number` is surely within `minimum` and `maximum`.
    fn bounds_hold(&self, number: &serde_json::Number) -> bool {
        if self.minimum.is_none() && self.maximum.is_none() {
            return true;
        }
        if let Some(whole) = number.as_i64() {
            self.minimum.is_none_or(|minimum| whole >= minimum)
                && self.maximum.is_none_or(|maximum| whole <= maximum)
        } else if let Some(float) = number.as_f64().filter(|_| !number.is_u64()) {
            // The bounds are exact as `f64`s: the comparison is exact.
            self.minimum.is_none_or(|minimum| float >= minimum as f64)
                && self.maximum.is_none_or(|maximum| float <= maximum as f64)
        } else {
            // Past `i64`: above every minimum, and left to the validator
            // under a maximum.
            self.maximum.is_none()
        }
    }

    /// Whether `text` is surely within `minLength` and `maxLength`, which
    /// count characters: bytes for ASCII, and other text is left to the
    /// validator.
    fn lengths_hold(&self, text: &str) -> bool {
        if self.min_length.is_none() && self.max_length.is_none() {
            return true;
        }
        let length = text.len() as u64;
        text.is_ascii()
            && self.min_length.is_none_or(|minimum| length >= minimum)
            && self.max_length.is_none_or(|maximum| length <= maximum)
    }
}

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checks")
            .field("types", &self.types)
            .field("required_declared", &self.required_declared)
            .field("required_undeclared", &self.required_undeclared)
            .field("closed", &self.closed)
            .field("minimum", &self.minimum)
            .field("maximum", &self.maximum)
            .field("min_length", &self.min_length)
            .field("max_length", &self.max_length)
            .field("email", &self.email)
            .field("on_value", &self.on_value.is_some())
            .finish()
    }
}

impl PartialEq for Checks {
    /// Checks are made once per place and shared: the same, or not.
    fn eq(&self, other: &Checks) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Place the constraints of `schema` (the document `shape` was made from)
/// on `shape`, each at its place; `draft` is the one the validator was
/// compiled under when the document names none. `false` when the schema
/// has anything the walk cannot follow: then nothing is to be read from
/// the places, and a caller must not take the walk's word.
pub fn place(shape: &mut Shape, schema: &Value, draft: Option<jsonschema::Draft>) -> bool {
    let mut placing = Placing {
        root: schema,
        dialect: schema.get("$schema").cloned(),
        draft,
        validators: 0,
    };
    placing.place(shape, schema, 0, true).is_some()
}

struct Placing<'a> {
    root: &'a Value,
    /// The root's `$schema`, given to each validator of one place so that
    /// its keywords mean what they mean in the document.
    dialect: Option<Value>,
    draft: Option<jsonschema::Draft>,
    validators: usize,
}

impl Placing<'_> {
    fn place(&mut self, shape: &mut Shape, schema: &Value, refs: usize, root: bool) -> Option<()> {
        let keywords = match schema {
            Value::Object(keywords) => keywords,
            Value::Bool(true) => return Some(()),
            _ => return None,
        };
        let annotation = |key: &str| {
            ANNOTATIONS.contains(&key)
                || key.starts_with("x-")
                || (root && matches!(key, "$schema" | "$id"))
        };
        if let Some(reference) = keywords.get("$ref") {
            // Beside a `$ref`, other keywords apply under one draft and
            // not under another: only a reference alone is followed.
            let Value::String(reference) = reference else {
                return None;
            };
            if refs >= MAX_REF_DEPTH
                || reference.contains('%')
                || keywords.keys().any(|key| key != "$ref" && !annotation(key))
            {
                return None;
            }
            let target = super::shape::resolve(self.root, reference)?;
            return self.place(shape, target, refs + 1, false);
        }
        let mut on_value = Map::new();
        let (mut minimum, mut maximum) = (None, None);
        let (mut min_length, mut max_length) = (None, None);
        let mut email = false;
        let exact = |value: &Value| value.as_i64().filter(|v| v.abs() <= EXACT_IN_F64);
        for (key, value) in keywords {
            let own = match key.as_str() {
                "minimum" if !keywords.contains_key("exclusiveMinimum") => {
                    minimum = exact(value);
                    minimum.is_some()
                }
                "maximum" if !keywords.contains_key("exclusiveMaximum") => {
                    maximum = exact(value);
                    maximum.is_some()
                }
                "minLength" => {
                    min_length = value.as_u64();
                    min_length.is_some()
                }
                "maxLength" => {
                    max_length = value.as_u64();
                    max_length.is_some()
                }
                "format" => {
                    email = value.as_str() == Some("email");
                    email
                }
                _ => false,
            };
            if own {
                continue;
            }
            if ON_ONE_VALUE.contains(&key.as_str()) {
                on_value.insert(key.clone(), value.clone());
            } else if !STRUCTURE.contains(&key.as_str()) && !annotation(key) {
                return None;
            }
        }
        let types = match keywords.get("type") {
            None => 0,
            Some(Value::String(name)) => known_type_bit(name)?,
            Some(Value::Array(names)) => names
                .iter()
                .try_fold(0, |bits, name| Some(bits | known_type_bit(name.as_str()?)?))?,
            Some(_) => return None,
        };
        let required: Vec<&str> = match keywords.get("required") {
            None => Vec::new(),
            Some(Value::Array(names)) => names.iter().map(Value::as_str).collect::<Option<_>>()?,
            Some(_) => return None,
        };
        let closed = match keywords.get("additionalProperties") {
            None | Some(Value::Bool(true)) => false,
            Some(Value::Bool(false)) => true,
            Some(any @ Value::Object(_)) => {
                self.place(shape.any_key.as_deref_mut()?, any, refs, false)?;
                false
            }
            Some(_) => return None,
        };
        if let Some(properties) = keywords.get("properties") {
            let Value::Object(properties) = properties else {
                return None;
            };
            for (name, subschema) in properties {
                let property = shape.properties.get_mut(name)?;
                self.place(property, subschema, refs, false)?;
            }
        }
        match keywords.get("items") {
            None | Some(Value::Bool(true)) => {}
            Some(items @ Value::Object(_)) => {
                self.place(shape.items.as_deref_mut()?, items, refs, false)?;
            }
            Some(_) => return None,
        }
        let on_value = match on_value.is_empty() {
            true => None,
            false => Some(self.compile(on_value)?),
        };
        let own_value_checks = minimum.is_some()
            || maximum.is_some()
            || min_length.is_some()
            || max_length.is_some()
            || email;
        if types == 0 && required.is_empty() && !closed && on_value.is_none() && !own_value_checks {
            return Some(());
        }
        // A place reached from two schemas would need both: not followed.
        if shape.checks.is_some() {
            return None;
        }
        let mut required_declared = 0;
        let mut required_undeclared = Vec::new();
        for name in required {
            match shape.properties.get_mut(name) {
                // Named twice, it is counted once.
                Some(property) if !property.required => {
                    property.required = true;
                    required_declared += 1;
                }
                Some(_) => {}
                None => required_undeclared.push(name.to_owned()),
            }
        }
        shape.checks = Some(Arc::new(Checks {
            types,
            required_declared,
            closed,
            minimum,
            maximum,
            min_length,
            max_length,
            email,
            types_only: required_undeclared.is_empty() && !own_value_checks && on_value.is_none(),
            on_value,
            required_undeclared: required_undeclared.into(),
        }));
        Some(())
    }

    /// A validator of one place's keywords on one value, compiled as the
    /// schema's validator is.
    fn compile(&mut self, mut keywords: Map<String, Value>) -> Option<jsonschema::Validator> {
        self.validators += 1;
        if self.validators > MAX_VALUE_VALIDATORS {
            return None;
        }
        if let Some(dialect) = &self.dialect {
            keywords.insert("$schema".to_owned(), dialect.clone());
        }
        let mut options = super::validator_options();
        if let Some(draft) = self.draft {
            options = options.with_draft(draft);
        }
        options.build(&Value::Object(keywords)).ok()
    }
}

/// The bit of a type JSON Schema defines; `None` for any other name.
fn known_type_bit(name: &str) -> Option<u8> {
    let bit = type_bit(name);
    (bit != super::shape::OTHER_BIT).then_some(bit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn placed(schema: &Value) -> Option<Shape> {
        let mut shape = Shape::of_schema(schema);
        place(&mut shape, schema, None).then_some(shape)
    }

    #[test]
    fn a_schema_of_properties_types_and_references_is_placed() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["id"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "pattern": "^[0-9a-f]+$", "title": "an id"},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
                "any": true
            },
            "$defs": {"tag": {"type": "string", "minLength": 1, "x-dapa-enum": ["a"]}}
        });
        let shape = placed(&schema).expect("placed");
        let root = shape.checks.as_deref().expect("root checks");
        assert!(root.closed);
        assert!(root.hold(&json!({"id": "x"})));
        // A required property is counted by the walk, where it meets it.
        assert_eq!(root.required_declared, 1);
        assert!(shape.properties["id"].required && !shape.properties["tags"].required);
        assert!(!root.hold(&json!([])), "an object is due");
        let id = shape.properties["id"].checks.as_deref().expect("id checks");
        assert!(id.hold(&json!("0af")));
        assert!(!id.hold(&json!("xyz")), "the pattern is checked");
        let tag = (shape.properties["tags"].items.as_deref())
            .and_then(|items| items.checks.as_deref())
            .expect("tag checks");
        assert!(!tag.hold(&json!("")), "minLength, through the reference");
        assert!(shape.properties["any"].checks.is_none());
    }

    #[test]
    fn an_integer_written_as_a_float_is_left_to_the_validator() {
        let shape = placed(&json!({"type": "integer"})).expect("placed");
        let checks = shape.checks.as_deref().expect("checks");
        assert!(checks.hold(&json!(3)));
        assert!(!checks.hold(&json!(3.0)));
        let shape = placed(&json!({"type": "number"})).expect("placed");
        assert!(shape.checks.as_deref().expect("checks").hold(&json!(3)));
    }

    /// A profile payload every check holds on.
    fn profile_payload() -> Value {
        json!({
            "_id": "5f1a2b3c4d5e6f7a8b9c0d1e",
            "active": true,
            "contactIds": ["c1", "c2"],
            "createdAt": 1700000000,
            "lastChanged": 1700000100,
            "profile": {
                "firstname": "Ada",
                "lastname": null,
                "email": "ada@example.com",
                "age": 36,
                "accepted_gdpr": true,
                "preferredChannel": "voice",
                "lifetimeValue": 12.5,
                "memories": [
                    {"id": "m1", "timestamp": "2024-01-01T00:00:00Z", "text": "hi"}
                ]
            }
        })
    }

    /// A draft-04 schema (as Data Action contracts are) with the keywords
    /// whose meaning differs between drafts, and a map.
    fn contract() -> Value {
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "required": ["count", "codes"],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                "codes": {"type": "array", "items": {"enum": ["A", "B", 1]}, "maxItems": 3},
                "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 3}},
                "ratio": {"type": ["number", "null"], "multipleOf": 0.5},
                "size": {"minimum": -2, "maximum": 5, "minLength": 1, "format": "email"}
            }
        })
    }

    #[test]
    fn the_walk_finds_a_payload_that_meets_the_schema_surely_valid() {
        let schema = crate::profile::Schema::compile(
            "profile",
            &serde_json::from_str(include_str!("../../schemas/cognigy-profile.json"))
                .expect("JSON"),
        )
        .expect("compiles");
        assert!(schema.walk_validates);
        let surely =
            |value: &Value| crate::layer::drift::check(value, "", &schema, false).surely_valid;
        let mut payload = profile_payload();
        assert!(surely(&payload));
        payload["profile"]["email"] = json!("not an address");
        assert!(!surely(&payload));
        payload = profile_payload();
        payload.as_object_mut().expect("object").remove("active");
        assert!(!surely(&payload), "a required property is missing");
        // Bounds, at and past them.
        for (age, meets) in [(0, true), (150, true), (-1, false), (151, false)] {
            payload = profile_payload();
            payload["profile"]["age"] = json!(age);
            assert_eq!(surely(&payload), meets, "age {age}");
        }
        payload["profile"]["age"] = json!(36.5);
        assert!(!surely(&payload), "an integer is due");
        payload = profile_payload();
        payload["contactIds"] = json!(["c1", ""]);
        assert!(!surely(&payload), "minLength");
        payload = profile_payload();
        payload["extra"] = json!(1);
        assert!(!surely(&payload), "additionalProperties is false");
        payload = profile_payload();
        payload["profile"]["memories"][0]
            .as_object_mut()
            .expect("object")
            .remove("text");
        assert!(
            !surely(&payload),
            "required, in an item through a reference"
        );
    }

    /// Every place in `value`, as a JSON pointer, the root first.
    fn places(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                out.push(at.clone());
                for (key, child) in fields {
                    places(child, format!("{at}/{key}"), out);
                }
            }
            Value::Array(items) => {
                out.push(at.clone());
                for (index, child) in items.iter().enumerate() {
                    places(child, format!("{at}/{index}"), out);
                }
            }
            _ => out.push(at),
        }
    }

    /// `value` with one change at the place `pick` selects: replaced by
    /// `leaf`, removed, or given a member or an item `leaf`.
    fn mutate(value: &mut Value, pick: usize, change: u8, key: &str, leaf: Value) {
        let mut all = Vec::new();
        places(value, String::new(), &mut all);
        let at = &all[pick % all.len()];
        let Some(place) = value.pointer_mut(at) else {
            return;
        };
        match (change % 3, place) {
            (1, Value::Object(fields)) => {
                fields.insert(key.to_owned(), leaf);
            }
            (1, Value::Array(items)) => items.push(leaf),
            (2, Value::Object(fields)) => {
                let first = fields.keys().next().cloned();
                first.map(|key| fields.remove(&key));
            }
            (2, Value::Array(items)) => {
                items.pop();
            }
            (_, place) => *place = leaf,
        }
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            1 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            3 => (-3i64..8).prop_map(|n| json!(n)),
            1 => (-3i64..200).prop_map(|n| json!(n)),
            1 => prop::sample::select(vec![
                json!(1.0),
                json!(0.5),
                json!(-0.0),
                json!(1e300),
                json!(u64::MAX),
                json!(i64::MIN),
                json!({}),
                json!([]),
                json!(["c1", "c1"]),
                json!({"id": "m", "timestamp": "x", "text": "t"}),
            ]),
            2 => "[0-9a-f]{24}|[0-9a-f]{3}|[a-z.]{0,4}@[a-z-]{0,3}\\.com|[a-z ]{0,4}|é{1,4}|A|B|2024-01-0[1-9]T00:00:00Z"
                .prop_map(Value::String),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Whatever the walk finds surely valid, the validator finds valid:
        /// its word is never looser than the schema.
        #[test]
        fn what_the_walk_finds_surely_valid_the_validator_finds_valid(
            which in 0usize..2,
            changes in prop::collection::vec(
                (any::<usize>(), any::<u8>(), prop::sample::select(vec![
                    "extra", "email", "active", "labels", "ratio", "count", "text", "age", "size",
                ]), leaf()),
                0..4,
            ),
        ) {
            // Compiled once: a debug build takes a while for each.
            static SCHEMAS: std::sync::LazyLock<[crate::profile::Schema; 2]> =
                std::sync::LazyLock::new(|| {
                    let profile = serde_json::from_str(include_str!("../../schemas/cognigy-profile.json"))
                        .expect("JSON");
                    [profile, contract()].map(|document| {
                        crate::profile::Schema::compile("differential", &document).expect("compiles")
                    })
                });
            let schema = &SCHEMAS[which];
            let mut payload = match which {
                0 => profile_payload(),
                _ => json!({"count": 2, "codes": ["A", 1], "labels": {"a": "xy"}, "ratio": 1.5, "size": 5}),
            };
            prop_assert!(schema.walk_validates);
            for (pick, change, key, leaf) in changes {
                mutate(&mut payload, pick, change, key, leaf);
            }
            let surely = crate::layer::drift::check(&payload, "", schema, false).surely_valid;
            prop_assert!(!surely || schema.validator.is_valid(&payload), "{payload}");
        }
    }

    #[test]
    fn what_the_walk_cannot_follow_is_not_placed() {
        for schema in [
            json!({"anyOf": [{"type": "string"}]}),
            json!({"properties": {"a": {"$id": "other", "type": "string"}}}),
            json!({"properties": {"a": {"$ref": "#/$defs/a", "type": "string"}}, "$defs": {"a": {}}}),
            json!({"properties": {"a": false}}),
            json!({"patternProperties": {"^a": {"type": "string"}}}),
            json!({"items": [{"type": "string"}]}),
            json!({"properties": {"a": {"$ref": "other.json#/a"}}}),
            json!({"properties": {"a": {"$ref": "#/$defs/a%20b"}}, "$defs": {"a b": {}}}),
            json!({"type": "strange"}),
            json!({"required": "a"}),
            json!({"if": {"type": "string"}, "then": {"minLength": 1}}),
            json!({"$defs": {"n": {"items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}),
        ] {
            assert!(placed(&schema).is_none(), "{schema}");
        }
    }

    /// Each place with a keyword the walk does not check itself compiles a
    /// validator of its own: a schema of thousands of them is left whole
    /// to jsonschema rather than compiled place by place.
    #[test]
    fn a_schema_of_more_places_to_compile_than_the_cap_is_not_placed() {
        let patterned = |count: usize| {
            let properties: Map<String, Value> = (0..count)
                .map(|n| (format!("p{n}"), json!({"type": "string", "pattern": "^a"})))
                .collect();
            json!({"type": "object", "properties": properties})
        };
        assert!(placed(&patterned(MAX_VALUE_VALIDATORS)).is_some());
        assert!(placed(&patterned(MAX_VALUE_VALIDATORS + 1)).is_none());
    }
}

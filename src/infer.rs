//! `dapa infer`: a draft 2020-12 schema that every payload it saw satisfies,
//! to bootstrap a profile from a corpus of healthy captures.
//!
//! The model keeps counts and small value sets per path, never the payloads,
//! so its size follows the number of distinct paths, not the corpus.

use crate::profile::shape::{Shape, TimestampUnit};
use crate::profile::{EnvelopeKind, Profile, Target};
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

/// Ids and tokens of any length: a value an `Authorization` header would
/// carry is no enum either.
fn looks_like_credential(value: &str) -> bool {
    const SCHEMES: [&str; 3] = ["Bearer ", "Basic ", "Token "];
    // By bytes: a value's first bytes may end inside a character.
    SCHEMES.iter().any(|scheme| {
        value.len() > scheme.len()
            && value.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
    })
}

/// Parts of a key's name that say its value is a credential. Infer reads no
/// profile and no `x-dapa-secret` mark, so it goes by the name: the values
/// of such a field, and of every field under it, never become an `enum`
/// (which would write them into the schema).
const SECRET_NAME_PARTS: [&str; 10] = [
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "api-key",
    "authorization",
    "credential",
    "cookie",
];

/// Whether a key's name says its value is a credential.
fn names_a_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|part| lower.contains(part))
}

/// Most places (paths) one model describes, over the whole corpus: each
/// object's keys are bounded by [`MAX_PROPERTIES`], but nested places
/// multiply (a thousand keys each holding a thousand keys), and a model of
/// millions of places took gigabytes. The same bound as the drift table's.
pub const MAX_PLACES: usize = crate::summary::MAX_DRIFT_PATHS;

/// Deepest nesting of the schema written: each level of objects in the
/// payload is two levels of the schema (`properties`, then the field), and
/// a schema deeper than 128 levels is one dapa cannot read back. Places
/// deeper than this are not described (any value is allowed there).
const MAX_SCHEMA_DEPTH: usize = 100;

/// The schema of the healthy payloads of a corpus, built one payload at a
/// time.
#[derive(Debug, Clone)]
pub struct Model {
    root: Place,
    /// Places still to be made, of [`MAX_PLACES`].
    places_left: usize,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            root: Place::default(),
            places_left: MAX_PLACES,
        }
    }
}

impl Model {
    /// Add one payload, with the profile that marks which of its values
    /// are secret (`x-dapa-secret`, a `secure` definition), if one does.
    pub fn add(&mut self, value: &Value, secrets: Option<&Profile>, options: &InferOptions) {
        // A payload that is a bare string is most often a raw token (P02):
        // its values are no enum.
        let options = InferOptions {
            enum_threshold: if value.is_string() {
                0
            } else {
                options.enum_threshold
            },
        };
        let marks = Marks::of(value, secrets);
        self.root
            .add(value, &options, 1, &mut self.places_left, marks);
    }

    /// How many values were added at the root.
    pub fn count(&self) -> u64 {
        self.root.seen
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
                self.root.seen
            )),
        );
        if let Value::Object(body) = self.root.schema() {
            document.extend(body);
        }
        Value::Object(document)
    }
}

/// What was seen at one path of the payloads.
#[derive(Debug, Clone, Default)]
struct Place {
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
    properties: BTreeMap<String, (u64, Place)>,
    /// Keys left out past [`MAX_PROPERTIES`] here.
    more_keys: bool,
    /// Keys or items left out past [`MAX_PLACES`] in the whole model.
    past_places: bool,
    items: Option<Box<Place>>,
    /// What is inside is not described: the schema would be too deep.
    too_deep: bool,
    /// Under a key whose name says it holds a credential, or marked secret
    /// by a profile in some payload: no enum, and no keys listed.
    secret: bool,
    /// Keys left out because they are part of a secret.
    secret_keys: bool,
}

/// What a profile says of the secrets at one place of a payload, found by
/// walking its shape beside the payload.
#[derive(Debug, Clone, Copy)]
enum Marks<'a> {
    /// No profile marks anything secret here.
    Open,
    /// The value here is secret as a whole; the shape, where the schema
    /// describes the place, names the keys its contract declares.
    Secret(Option<&'a Shape>),
    /// The shape of this place marks what is secret.
    Shape(&'a Shape),
}

impl<'a> Marks<'a> {
    /// The marks of `profile` on a payload.
    fn of(payload: &Value, profile: Option<&'a Profile>) -> Marks<'a> {
        let Some(profile) = profile.filter(|profile| profile.schema.secrets) else {
            return Marks::Open;
        };
        // The analysis found the payload without the profile: where the
        // profile would read another part of the body (it describes the
        // whole document, or takes a lone `{"result": ...}` for a seed
        // envelope), its marks cannot be placed, and all is secret.
        let seed_wrapper = || {
            payload.as_object().is_some_and(|fields| {
                !fields.is_empty()
                    && (fields.keys())
                        .all(|key| matches!(key.as_str(), "result" | "errors" | "warnings"))
            })
        };
        if profile.target == Target::Document
            || (profile.envelope == EnvelopeKind::Seed && seed_wrapper())
        {
            return Marks::Secret(None);
        }
        // A mark the shape could not place (under `if`, `not`, an anchor's
        // `$ref`...) may name any value: all is secret but the names the
        // contract declares.
        if profile.schema.secrets_unplaced {
            return Marks::Secret(Some(&profile.schema.shape));
        }
        Marks::at(Some(&profile.schema.shape), false)
    }

    /// The marks of the place `shape` describes; `None` where the schema
    /// describes nothing, which is secret when `unlisted` says so.
    fn at(shape: Option<&'a Shape>, unlisted: bool) -> Marks<'a> {
        match shape {
            Some(shape) if shape.secret => Marks::Secret(Some(shape)),
            Some(shape) => Marks::Shape(shape),
            None if unlisted => Marks::Secret(None),
            None => Marks::Open,
        }
    }

    /// These marks, under a place that is secret as a whole.
    fn secret(self) -> Marks<'a> {
        match self {
            Marks::Open => Marks::Secret(None),
            Marks::Shape(shape) => Marks::Secret(Some(shape)),
            secret => secret,
        }
    }

    /// The marks of the member `key`.
    fn member(self, key: &str) -> Marks<'a> {
        match self {
            Marks::Shape(shape) => Marks::at(shape.property(key), shape.unlisted_secret),
            Marks::Secret(shape) => Marks::Secret(shape.and_then(|shape| shape.property(key))),
            Marks::Open => Marks::Open,
        }
    }

    /// The marks of the items.
    fn item(self) -> Marks<'a> {
        match self {
            Marks::Shape(shape) => Marks::at(shape.items.as_deref(), shape.unlisted_secret),
            Marks::Secret(shape) => Marks::Secret(shape.and_then(|shape| shape.items.as_deref())),
            Marks::Open => Marks::Open,
        }
    }

    /// Whether the contract declares `key` by name here: a name of the
    /// contract, not of the data, which may be listed even where the
    /// values are secret.
    fn names(self, key: &str) -> bool {
        match self {
            Marks::Shape(shape) | Marks::Secret(Some(shape)) => shape.properties.get(key).is_some(),
            _ => false,
        }
    }

    /// Whether what the schema does not describe here is secret: a secure
    /// action's output around its exceptions.
    fn unlisted_secret(self) -> bool {
        match self {
            Marks::Open => false,
            Marks::Secret(_) => true,
            Marks::Shape(shape) => shape.unlisted_secret,
        }
    }

    /// Whether the member `key` is undescribed where that is secret.
    fn hides_key(self, key: &str) -> bool {
        match self {
            Marks::Shape(shape) => shape.unlisted_secret && shape.property(key).is_none(),
            _ => false,
        }
    }
}

/// Most distinct keys listed for one object place: payloads keyed by ids
/// would otherwise grow the model (and the schema) with the corpus. Keys
/// past it are left out, which every value still satisfies (the inferred
/// schema allows other keys).
pub const MAX_PROPERTIES: usize = 1_000;

/// Longest key listed, in bytes: as long as the longest drift path kept.
pub const MAX_KEY_BYTES: usize = crate::layer::drift::MAX_KEPT_PATH_BYTES;

impl Place {
    /// A place inside this one, under a key named like a credential or
    /// not, taken from the places left; `None` when none is.
    fn inner(&self, named_a_secret: bool, places_left: &mut usize) -> Option<Place> {
        *places_left = places_left.checked_sub(1)?;
        Some(Place {
            secret: self.secret || named_a_secret,
            ..Place::default()
        })
    }

    /// Add one value seen at this path, `depth` levels deep in the schema,
    /// with `places_left` of the model's places still to make, and the
    /// profile's `marks` of secrets here.
    fn add(
        &mut self,
        value: &Value,
        options: &InferOptions,
        depth: usize,
        places_left: &mut usize,
        marks: Marks<'_>,
    ) {
        self.seen += 1;
        // A scalar where the schema describes none is no exception's.
        let scalar = !matches!(value, Value::Array(_) | Value::Object(_));
        if matches!(marks, Marks::Secret(_)) || (scalar && marks.unlisted_secret()) {
            self.secret = true;
        }
        // Under a place secret as a whole (by a key's name, or a profile in
        // an earlier payload), all of it is.
        let marks = if self.secret { marks.secret() } else { marks };
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
                if depth + 1 > MAX_SCHEMA_DEPTH {
                    self.too_deep |= !items.is_empty();
                    return;
                }
                if self.items.is_none() {
                    let Some(place) = self.inner(false, places_left) else {
                        self.past_places |= !items.is_empty();
                        return;
                    };
                    self.items = Some(Box::new(place));
                }
                if let Some(model) = self.items.as_deref_mut() {
                    for item in items {
                        model.add(item, options, depth + 1, places_left, marks.item());
                    }
                }
            }
            Value::Object(fields) => {
                self.types.insert("object");
                self.objects += 1;
                if depth + 2 > MAX_SCHEMA_DEPTH {
                    self.too_deep |= !fields.is_empty();
                    return;
                }
                for (key, child) in fields {
                    if !self.properties.contains_key(key) {
                        // Keys under a credential are part of it (session
                        // ids, `sk_live_...` as names), as are the keys a
                        // secure action's contract does not declare: none
                        // is written into the schema, but those its
                        // contract names.
                        if (self.secret && !marks.names(key)) || marks.hides_key(key) {
                            self.secret_keys = true;
                            continue;
                        }
                        // A key longer than a drift path is kept is no
                        // field name but data: kept, each would cost its
                        // length for as long as the model lives.
                        if self.properties.len() >= MAX_PROPERTIES || key.len() > MAX_KEY_BYTES {
                            self.more_keys = true;
                            continue;
                        }
                        let Some(place) = self.inner(names_a_secret(key), places_left) else {
                            self.past_places = true;
                            continue;
                        };
                        self.properties.insert(key.clone(), (0, place));
                    }
                    if let Some((present, model)) = self.properties.get_mut(key) {
                        *present += 1;
                        model.add(child, options, depth + 2, places_left, marks.member(key));
                    }
                }
            }
        }
    }

    fn note_string(&mut self, text: &str, options: &InferOptions) {
        // A secret's values are never held, let alone written.
        if self.overflowed || self.secret {
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
                && !self.secret
                && !values.iter().all(|value| looks_like_id(value))
                && !values.iter().any(|value| looks_like_credential(value))
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
        }
        if let Some(items) = &self.items
            && items.seen > 0
        {
            schema.insert("items".into(), items.schema());
        }
        let mut notes = Vec::new();
        if self.more_keys {
            notes.push(format!(
                "more than {MAX_PROPERTIES} distinct keys were seen here; the first {MAX_PROPERTIES} are listed."
            ));
        }
        if self.secret_keys {
            notes.push(
                "the keys here are part of a credential or a secret value and are not listed."
                    .to_owned(),
            );
        }
        if self.past_places {
            notes.push(format!(
                "more was seen here than is described: the schema describes the first {MAX_PLACES} places of the corpus."
            ));
        }
        if self.too_deep {
            notes.push(format!(
                "what this holds is not described: the schema would nest deeper than {MAX_SCHEMA_DEPTH} levels."
            ));
        }
        if !notes.is_empty() {
            schema.insert("$comment".into(), json!(notes.join(" ")));
        }
        Value::Object(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Schema;

    fn infer(values: &[Value]) -> Value {
        let mut model = Model::default();
        let options = InferOptions::default();
        values.iter().for_each(|v| model.add(v, None, &options));
        model.to_schema()
    }

    /// A value's first bytes may end inside a character.
    #[test]
    fn values_in_any_script_are_looked_at_whole_characters() {
        for value in ["已完成", "OK 👍", "Bearé x", "Tokén"] {
            assert!(!looks_like_credential(value), "{value}");
        }
        assert!(looks_like_credential("bearer abc"));
        let schema = infer(&[json!({"status": "已完成"}), json!({"status": "已完成"})]);
        assert_eq!(schema["properties"]["status"]["enum"], json!(["已完成"]));
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
    fn places_past_the_bound_are_left_out_whatever_their_nesting() {
        // A thousand keys of a thousand keys each: a million places offered.
        let inner: Map<String, Value> =
            (0..1_000).map(|n| (format!("b{n:04}"), json!(n))).collect();
        let outer: Map<String, Value> = (0..1_000)
            .map(|n| (format!("a{n:04}"), Value::Object(inner.clone())))
            .collect();
        let mut model = Model::default();
        model.add(&Value::Object(outer), None, &InferOptions::default());
        assert_eq!(model.places_left, 0);
        let schema = model.to_schema();
        let described: usize = schema["properties"]
            .as_object()
            .unwrap()
            .values()
            .map(|place| 1 + place["properties"].as_object().map_or(0, Map::len))
            .sum();
        assert_eq!(described, MAX_PLACES);
        let noted = schema["properties"]
            .as_object()
            .unwrap()
            .values()
            .filter(|place| place.get("$comment").is_some())
            .count();
        assert!(noted >= 1, "the place where places ran out says so");
    }

    #[test]
    fn a_deep_payload_gives_a_schema_dapa_reads_back() {
        let mut deep = json!({"leaf": "x"});
        for _ in 0..120 {
            deep = json!({"next": deep, "list": [1]});
        }
        let schema = infer(&[deep.clone()]);
        let text = serde_json::to_string(&schema).unwrap();
        let read: Value = serde_json::from_str(&text).expect("read back within serde's limit");
        let compiled = Schema::compile("inferred", &read).unwrap();
        assert!(compiled.validator.is_valid(&deep));
        assert!(text.contains("deeper than 100 levels"));
    }

    #[test]
    fn credentials_never_become_an_enum() {
        let values = [
            json!({"accessToken": "abc", "auth": {"password": "pw1"}, "header": "Bearer x1", "state": "open"}),
            json!({"accessToken": "abc", "auth": {"password": "pw1"}, "header": "Bearer x1", "state": "open"}),
            json!({"accessToken": "abc", "auth": {"password": "pw1"}, "header": "Bearer x1", "state": "open"}),
        ];
        let schema = infer(&values);
        let text = schema.to_string();
        for secret in ["abc", "pw1", "x1"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(schema["properties"]["state"]["enum"], json!(["open"]));
        let tokens = infer(&[json!("t0k3n"), json!("t0k3n"), json!("t0k3n")]);
        assert!(tokens.get("enum").is_none(), "{tokens}");
        // Keys under a credential are part of it; the object stays open.
        let keyed = json!({"credentials": {"sk_live_51Hxyz": {"scope": "all"}}, "cookie": {"SESSIONID=dead": 1}});
        let schema = infer(&[keyed.clone(), keyed.clone()]);
        let text = schema.to_string();
        for secret in ["sk_live", "SESSIONID", "scope"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let compiled = Schema::compile("inferred", &schema).unwrap();
        assert!(compiled.validator.is_valid(&keyed));
    }

    /// A profile of `schema` in `envelope`, describing `target`.
    fn profile(schema: Value, envelope: EnvelopeKind, target: Target) -> Profile {
        Profile {
            name: "p".into(),
            envelope,
            target,
            semantic: crate::profile::Semantic::None,
            schema: Schema::compile("p", &schema).unwrap(),
            lint: None,
        }
    }

    /// What a profile marks secret is never an enum, and keys under it are
    /// listed only where the schema names them; where the profile would
    /// read another part of the body than the analysis did, all is secret.
    #[test]
    fn what_a_profile_marks_secret_is_never_an_enum() {
        let marked = json!({"properties": {
            "pins": {"items": {"x-dapa-secret": true}},
            "vault": {"x-dapa-secret": true, "properties": {"label": {}}},
            "state": {}}});
        let value =
            json!({"pins": ["p1"], "vault": {"label": "v1", "s3cr3t-key": "v2"}, "state": "open"});
        let execute = profile(marked.clone(), EnvelopeKind::Execute, Target::Payload);
        let mut model = Model::default();
        (0..3).for_each(|_| model.add(&value, Some(&execute), &InferOptions::default()));
        let schema = model.to_schema();
        let text = schema.to_string();
        for secret in ["p1", "v1", "v2", "s3cr3t-key"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(schema["properties"]["state"]["enum"], json!(["open"]));
        assert_eq!(
            schema["properties"]["vault"]["properties"]["label"]["type"],
            "string"
        );
        // The same profile on a payload it would find elsewhere.
        let wrapped = json!({"result": {"state": "w1"}});
        for profile in [
            profile(marked.clone(), EnvelopeKind::Execute, Target::Document),
            profile(marked, EnvelopeKind::Seed, Target::Payload),
        ] {
            let mut model = Model::default();
            (0..3).for_each(|_| model.add(&wrapped, Some(&profile), &InferOptions::default()));
            let text = model.to_schema().to_string();
            assert!(!text.contains("w1") && !text.contains("state"), "{text}");
        }
        // A mark under `if`/`then` cannot be placed: nothing is an enum.
        let unplaced = profile(
            json!({"properties": {"pin": {}, "state": {}}, "if": {"required": ["pin"]},
                   "then": {"properties": {"pin": {"x-dapa-secret": true}}}}),
            EnvelopeKind::Execute,
            Target::Payload,
        );
        let mut model = Model::default();
        let value = json!({"pin": "p1", "state": "open"});
        (0..3).for_each(|_| model.add(&value, Some(&unplaced), &InferOptions::default()));
        let schema = model.to_schema();
        assert!(!schema.to_string().contains("p1"), "{schema}");
        assert_eq!(schema["properties"]["pin"]["type"], "string");
        // A profile that marks nothing leaves the enum be.
        let plain = profile(
            json!({"type": "object"}),
            EnvelopeKind::Seed,
            Target::Payload,
        );
        let mut model = Model::default();
        (0..3).for_each(|_| model.add(&wrapped, Some(&plain), &InferOptions::default()));
        assert!(model.to_schema().to_string().contains("w1"));
    }

    /// A key longer than a kept drift path is data, not a name: left out,
    /// and the object stays open to it.
    #[test]
    fn keys_longer_than_a_kept_path_are_not_listed() {
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        let value = json!({ long.clone(): 1, "id": 2 });
        let schema = infer(std::slice::from_ref(&value));
        assert!(!schema.to_string().contains(&long));
        assert_eq!(schema["properties"]["id"]["type"], "integer");
        let compiled = Schema::compile("inferred", &schema).unwrap();
        assert!(compiled.validator.is_valid(&value));
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
            corpus.iter().for_each(|value| model.add(value, None, &options));
            let schema = model.to_schema();
            let compiled = Schema::compile("inferred", &schema).unwrap();
            for value in &corpus {
                proptest::prop_assert!(compiled.validator.is_valid(value), "{} against {}", value, schema);
            }
        }
    }
}

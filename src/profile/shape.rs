//! The shape a schema declares: which field paths exist, their types, and
//! dapa's own marks (`x-dapa-timestamp`, `x-dapa-secret`, `x-dapa-enum`).
//!
//! The validator says whether a payload is valid; drift needs more: the set
//! of declared paths (D01), the declared type (D02), the timestamp unit (D03)
//! and the known values (D04), whatever `additionalProperties` allows.
//! `$ref`s are resolved within the schema; `allOf`/`anyOf`/`oneOf` branches
//! are merged, since any of them may describe a field.

use crate::json::push_pointer;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// How a timestamp field is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Integer seconds since 1970.
    UnixSeconds,
    /// Integer milliseconds since 1970.
    UnixMillis,
    /// An RFC 3339 string.
    Rfc3339,
}

impl TimestampUnit {
    /// The mark's value in a schema.
    pub fn as_str(self) -> &'static str {
        match self {
            TimestampUnit::UnixSeconds => "unix-seconds",
            TimestampUnit::UnixMillis => "unix-millis",
            TimestampUnit::Rfc3339 => "rfc3339",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "unix-seconds" => Some(TimestampUnit::UnixSeconds),
            "unix-millis" => Some(TimestampUnit::UnixMillis),
            "rfc3339" => Some(TimestampUnit::Rfc3339),
            _ => None,
        }
    }
}

/// What a schema declares at one place of the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Declared JSON types (`integer`, `string`...); empty means any.
    pub types: Vec<String>,
    /// Declared properties.
    pub properties: Properties,
    /// The shape of array items.
    pub items: Option<Box<Shape>>,
    /// The shape of any other key (`additionalProperties` or
    /// `patternProperties` with a schema): the object is a map.
    pub any_key: Option<Box<Shape>>,
    /// `x-dapa-timestamp`.
    pub timestamp: Option<TimestampUnit>,
    /// The declared types as bits, for a quick [`Shape::allows`].
    type_bits: u8,
    /// `x-dapa-secret`.
    pub secret: bool,
    /// `x-dapa-secret-unlisted`: what this place holds that the shape does
    /// not describe (its own scalar value, a key it does not declare, items
    /// where it declares none) is secret. A secure action's output is
    /// marked so around the places its contract excepts.
    pub unlisted_secret: bool,
    /// Values listed by `enum`/`const` (a value outside is also V04).
    pub enum_values: Option<Vec<Value>>,
    /// Values listed by `x-dapa-enum`: known, but others are allowed.
    pub known_values: Option<Vec<Value>>,
    /// This place's row in the schema's [`DeclaredPath`] table; `None` under
    /// a map, whose paths depend on its keys.
    pub id: Option<usize>,
    /// What the schema asks of the value here, when the schema could be
    /// placed on its shape (see [`super::checks`]); `None` for nothing.
    pub checks: Option<Arc<super::checks::Checks>>,
    /// Whether the object holding this property must have it (its
    /// schema's `required`), when the schema's checks are placed: the walk
    /// counts these as it meets them.
    pub required: bool,
}

/// The properties an object declares, sorted by name (in byte order, as a
/// JSON object's keys are): a slice the drift walk steps through beside an
/// object's keys, where a map would cost a tree walk per step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(Vec<(String, Shape)>);

impl Properties {
    /// The shape of property `name`, if declared.
    pub fn get(&self, name: &str) -> Option<&Shape> {
        let at = self.0.binary_search_by(|(key, _)| key.as_str().cmp(name));
        at.ok().map(|at| &self.0[at].1)
    }

    /// The shape of property `name`, to change, if declared.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Shape> {
        let at = self.0.binary_search_by(|(key, _)| key.as_str().cmp(name));
        at.ok().map(|at| &mut self.0[at].1)
    }

    /// The shape of property `name`, declared now if it was not.
    pub fn get_or_insert(&mut self, name: &str) -> &mut Shape {
        let at = match self.0.binary_search_by(|(key, _)| key.as_str().cmp(name)) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (name.to_owned(), Shape::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// How many properties are declared.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no property is declared.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The properties with their names, sorted by name.
    pub fn as_slice(&self) -> &[(String, Shape)] {
        &self.0
    }

    /// The properties with their names, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Shape)> {
        self.0.iter().map(|(name, shape)| (name, shape))
    }

    /// The properties' shapes, in name order.
    pub fn values(&self) -> impl Iterator<Item = &Shape> {
        self.0.iter().map(|(_, shape)| shape)
    }

    /// The properties' shapes, in name order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Shape> {
        self.0.iter_mut().map(|(_, shape)| shape)
    }

    /// The properties with their names, in name order, the shapes to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Shape)> {
        self.0.iter_mut().map(|(name, shape)| (&*name, shape))
    }
}

impl std::ops::Index<&str> for Properties {
    type Output = Shape;

    /// The shape of a property that must be declared (tests).
    fn index(&self, name: &str) -> &Shape {
        match self.get(name) {
            Some(shape) => shape,
            None => panic!("no property {name} is declared"),
        }
    }
}

/// A field path the schema declares, with what the drift table shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredPath {
    /// The path, array items as `*`.
    pub path: Arc<str>,
    /// The declared type label.
    pub declared: Arc<str>,
    /// The declared types as bits.
    pub type_bits: u8,
}

/// The longest path the drift table keeps, in bytes. A path past it (under
/// a key of many kilobytes) is walked and checked but not kept: each kept
/// path is a copy of its whole text, and a hostile payload with thousands
/// of fields under a 400 KB key made gigabytes of them. A schema's places
/// past it are not numbered either, for the same reason.
pub const MAX_KEPT_PATH_BYTES: usize = 1024;

/// JSON types in the order the drift table lists them; bit `1 << i` stands for `TYPE_NAMES[i]`.
pub const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// Declared type bits that mark a path the schema does not declare at all.
pub const UNDECLARED: u8 = u8::MAX;

const NULL_BIT: u8 = 1;
const BOOLEAN_BIT: u8 = 1 << 1;
const INTEGER_BIT: u8 = 1 << 2;
const NUMBER_BIT: u8 = 1 << 3;
/// The bit of `string`.
pub const STRING_BIT: u8 = 1 << 4;
/// The bit of `array`.
pub const ARRAY_BIT: u8 = 1 << 5;
/// The bit of `object`.
pub const OBJECT_BIT: u8 = 1 << 6;
/// The bit of any type name JSON Schema does not define.
pub(crate) const OTHER_BIT: u8 = 1 << 7;

/// The type bit of a value (`integer` for whole numbers).
pub fn value_bit(value: &Value) -> u8 {
    match value {
        Value::Null => NULL_BIT,
        Value::Bool(_) => BOOLEAN_BIT,
        Value::Number(n) if n.is_i64() || n.is_u64() => INTEGER_BIT,
        Value::Number(_) => NUMBER_BIT,
        Value::String(_) => STRING_BIT,
        Value::Array(_) => ARRAY_BIT,
        Value::Object(_) => OBJECT_BIT,
    }
}

/// Whether declared bits allow the type with bit `seen` (an integer is a
/// number; no declared type allows anything).
pub fn bit_allowed(declared: u8, seen: u8) -> bool {
    declared != UNDECLARED
        && (declared == 0
            || declared & seen != 0
            || (seen == INTEGER_BIT && declared & NUMBER_BIT != 0))
}

/// `$ref` chains deeper than this are not followed (cycles, `errors[]` of
/// an ErrorBody holding ErrorBodies).
pub(crate) const MAX_REF_DEPTH: usize = 8;

/// Subschemas the walk of a schema may visit. Each `$ref` followed visits
/// its target again, so a few hundred bytes of references can stand for
/// millions of places; past this the walk follows no more references, which
/// leaves it linear in the size of the document.
pub const MAX_SHAPE_STEPS: usize = 100_000;

/// The bytes of a property's name that cost the walk one step more: the
/// shape copies each name at every place a reference brings it to, so the
/// budget of steps bounds those copies at about 25 MB.
const KEY_BYTES_PER_STEP: usize = 256;

/// The walk of a schema document: where references resolve, and what is
/// left of the budget of steps.
struct ShapeWalk<'a> {
    root: &'a Value,
    steps_left: usize,
    /// The schema objects whose `x-dapa-secret` mark was placed, by address.
    placed: HashSet<usize>,
}

impl Shape {
    /// Whether this place or any place below it is marked `x-dapa-secret`.
    pub fn marks_a_secret(&self) -> bool {
        let mut places = vec![self];
        while let Some(place) = places.pop() {
            if place.secret || place.unlisted_secret {
                return true;
            }
            places.extend(place.properties.values());
            places.extend(place.items.as_deref());
            places.extend(place.any_key.as_deref());
        }
        false
    }

    /// The shape a whole schema document declares.
    pub fn of_schema(schema: &Value) -> Shape {
        Shape::of_schema_within(schema, MAX_SHAPE_STEPS).0
    }

    /// The shape a schema document declares, walked in at most `steps`
    /// subschemas before references are no longer followed; and whether the
    /// walk was whole (when not, what references declare further down is
    /// missing from the shape).
    pub fn of_schema_within(schema: &Value, steps: usize) -> (Shape, bool) {
        let (shape, whole, _) = Shape::of_schema_placing_secrets(schema, steps);
        (shape, whole)
    }

    /// [`Shape::of_schema_within`], and whether `schema` marks a secret in a
    /// place the shape does not follow (under `if`, `then`, `else`, `not`,
    /// `dependentSchemas`, behind an `$anchor`), so that which values it
    /// names is not known.
    pub fn of_schema_placing_secrets(schema: &Value, steps: usize) -> (Shape, bool, bool) {
        let mut shape = Shape::default();
        let mut walk = ShapeWalk {
            root: schema,
            steps_left: steps,
            placed: HashSet::new(),
        };
        shape.merge_schema(schema, &mut walk, 0);
        let unplaced = marks_a_secret_outside(schema, &walk.placed);
        (shape, walk.steps_left > 0, unplaced)
    }

    /// Number every place with a fixed path and list them, so that the drift
    /// walk can note what it sees by number instead of by path.
    ///
    /// The table is in path order, so that the observations of a payload,
    /// read off it in order, come sorted as the summary's rows are.
    pub fn index(&mut self) -> Vec<DeclaredPath> {
        let mut table = Vec::new();
        self.assign(String::new(), &mut table);
        let mut numbered: Vec<(usize, DeclaredPath)> = table.into_iter().enumerate().collect();
        numbered.sort_by(|(_, a), (_, b)| a.path.cmp(&b.path));
        let mut renumbered = vec![0; numbered.len()];
        for (new, (old, _)) in numbered.iter().enumerate() {
            renumbered[*old] = new;
        }
        self.renumber(&renumbered);
        numbered.into_iter().map(|(_, declared)| declared).collect()
    }

    /// Give every place numbered by [`Shape::assign`] its number in path order.
    fn renumber(&mut self, renumbered: &[usize]) {
        if let Some(id) = &mut self.id {
            *id = renumbered[*id];
        }
        for child in self.properties.values_mut() {
            child.renumber(renumbered);
        }
        if let Some(items) = &mut self.items {
            items.renumber(renumbered);
        }
    }

    /// Number this place, at `path`, and those below it. A place whose
    /// path is longer than the drift table keeps is not numbered, nor are
    /// those below it, whose paths are longer still: the drift walk passes
    /// over them as over an undeclared path of that length. Numbered, a
    /// schema of 700 KB with 5,000 fields under a 600 KB key wrote 3 GB of
    /// paths.
    fn assign(&mut self, path: String, table: &mut Vec<DeclaredPath>) {
        if path.len() > MAX_KEPT_PATH_BYTES {
            return;
        }
        self.id = Some(table.len());
        table.push(DeclaredPath {
            path: Arc::from(path.as_str()),
            declared: Arc::from(self.type_label()),
            type_bits: self.type_bits,
        });
        for (key, child) in self.properties.iter_mut() {
            // Escaped, a key is no shorter: one too long is not copied.
            if path.len() + 1 + key.len() > MAX_KEPT_PATH_BYTES {
                continue;
            }
            let mut child_path = path.clone();
            push_pointer(&mut child_path, key);
            child.assign(child_path, table);
        }
        if let Some(items) = &mut self.items {
            items.assign(format!("{path}/*"), table);
        }
    }

    /// Whether this place declares any property (so other keys are new).
    pub fn declares_properties(&self) -> bool {
        !self.properties.is_empty() && self.any_key.is_none()
    }

    /// Whether the text of a value at this place may show a secret: the
    /// place is marked secret, or what it holds outside the places its
    /// schema describes is (a secure action's output around its exceptions).
    pub fn holds_secret_text(&self) -> bool {
        self.secret || self.unlisted_secret
    }

    /// The shape of the member `key`, if declared.
    pub fn property(&self, key: &str) -> Option<&Shape> {
        self.properties.get(key).or(self.any_key.as_deref())
    }

    /// The declared types joined for display (`string|null`), or `any`.
    pub fn type_label(&self) -> String {
        if self.types.is_empty() {
            "any".to_owned()
        } else {
            self.types.join("|")
        }
    }

    /// The declared types as bits (0: any).
    pub fn type_bits(&self) -> u8 {
        self.type_bits
    }

    /// Whether the declared types allow a value of `observed` type.
    pub fn allows(&self, observed: &str) -> bool {
        bit_allowed(self.type_bits, type_bit(observed))
    }

    fn merge_schema(&mut self, schema: &Value, walk: &mut ShapeWalk, refs: usize) {
        let Value::Object(keywords) = schema else {
            return;
        };
        walk.steps_left = walk.steps_left.saturating_sub(1);
        if let Some(Value::String(reference)) = keywords.get("$ref")
            && refs < MAX_REF_DEPTH
            && walk.steps_left > 0
            && let Some(target) = resolve(walk.root, reference)
        {
            self.merge_schema(target, walk, refs + 1);
        }
        match keywords.get("type") {
            Some(Value::String(kind)) => self.add_type(kind),
            Some(Value::Array(kinds)) => kinds
                .iter()
                .filter_map(Value::as_str)
                .for_each(|k| self.add_type(k)),
            _ => {}
        }
        if let Some(Value::Object(properties)) = keywords.get("properties") {
            for (name, subschema) in properties {
                // A reference followed again copies each name it declares:
                // a long name costs steps by its length, so that a key of
                // 600 KB named through 5,000 references (7 GB of copies)
                // uses the budget up and is not followed further.
                walk.steps_left = walk
                    .steps_left
                    .saturating_sub(name.len() / KEY_BYTES_PER_STEP);
                self.properties
                    .get_or_insert(name)
                    .merge_schema(subschema, walk, refs);
            }
        }
        for key in ["items", "additionalItems"] {
            if let Some(items @ Value::Object(_)) = keywords.get(key) {
                self.items
                    .get_or_insert_with(Box::default)
                    .merge_schema(items, walk, refs);
            }
        }
        if let Some(Value::Array(prefix)) = keywords.get("prefixItems") {
            for item in prefix {
                self.items
                    .get_or_insert_with(Box::default)
                    .merge_schema(item, walk, refs);
            }
        }
        if let Some(additional @ Value::Object(_)) = keywords.get("additionalProperties") {
            self.any_key
                .get_or_insert_with(Box::default)
                .merge_schema(additional, walk, refs);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = keywords.get(key) {
                for branch in branches {
                    self.merge_schema(branch, walk, refs);
                }
            }
        }
        // After the branches, whose properties a pattern may match too.
        if let Some(Value::Object(patterns)) = keywords.get("patternProperties") {
            for (pattern, subschema) in patterns {
                self.any_key
                    .get_or_insert_with(Box::default)
                    .merge_schema(subschema, walk, refs);
                self.merge_secret_pattern(pattern, subschema, walk, refs);
            }
        }
        self.merge_marks(keywords, &mut walk.placed);
    }

    /// A pattern's schema applies to the declared properties it matches as
    /// well (JSON Schema applies both); a secret it marks is marked there,
    /// so `apiKey` is masked by `"Key$": {"x-dapa-secret": true}` whether
    /// `properties` lists it or not. Only a secret is carried over: the
    /// shape keeps one set of types per place, which both schemas limit.
    /// A pattern the regex engine does not take (ECMA-262 look-arounds)
    /// is taken to match every property.
    fn merge_secret_pattern(
        &mut self,
        pattern: &str,
        subschema: &Value,
        walk: &mut ShapeWalk,
        refs: usize,
    ) {
        if self.properties.is_empty() {
            return;
        }
        let mut alone = Shape::default();
        alone.merge_schema(subschema, walk, refs);
        if !alone.marks_a_secret() {
            return;
        }
        let matcher = regex::RegexBuilder::new(pattern)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .ok();
        for (name, property) in &mut self.properties.0 {
            if matcher.as_ref().is_none_or(|regex| regex.is_match(name)) {
                property.merge_secrets(&alone);
            }
        }
    }

    /// The secret marks of `other`, at the same places here.
    fn merge_secrets(&mut self, other: &Shape) {
        self.secret |= other.secret;
        self.unlisted_secret |= other.unlisted_secret;
        for (name, property) in &other.properties.0 {
            if property.marks_a_secret() {
                self.properties.get_or_insert(name).merge_secrets(property);
            }
        }
        if let Some(items) = other.items.as_deref().filter(|s| s.marks_a_secret()) {
            (self.items.get_or_insert_with(Box::default)).merge_secrets(items);
        }
        if let Some(any) = other.any_key.as_deref().filter(|s| s.marks_a_secret()) {
            (self.any_key.get_or_insert_with(Box::default)).merge_secrets(any);
        }
    }

    /// dapa's marks on this place; a secret mark is noted among the
    /// `placed` ones by its schema object's address.
    fn merge_marks(&mut self, keywords: &Map<String, Value>, placed: &mut HashSet<usize>) {
        if let Some(unit) = keywords
            .get("x-dapa-timestamp")
            .and_then(Value::as_str)
            .and_then(TimestampUnit::parse)
        {
            self.timestamp = Some(unit);
        }
        if marks_secret(keywords) {
            self.secret = true;
            placed.insert(std::ptr::from_ref(keywords) as usize);
        }
        if marks_unlisted_secret(keywords) {
            self.unlisted_secret = true;
            placed.insert(std::ptr::from_ref(keywords) as usize);
        }
        if let Some(Value::Array(values)) = keywords.get("enum") {
            self.enum_values
                .get_or_insert_with(Vec::new)
                .extend(values.iter().cloned());
        }
        if let Some(value) = keywords.get("const") {
            self.enum_values
                .get_or_insert_with(Vec::new)
                .push(value.clone());
        }
        if let Some(Value::Array(values)) = keywords.get("x-dapa-enum") {
            self.known_values
                .get_or_insert_with(Vec::new)
                .extend(values.iter().cloned());
        }
    }

    fn add_type(&mut self, kind: &str) {
        if !self.types.iter().any(|t| t == kind) {
            self.types.push(kind.to_owned());
            self.type_bits |= type_bit(kind);
        }
    }
}

/// Most memory a `patternProperties` pattern compiles to, so that a schema
/// cannot make dapa build a huge automaton.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// One bit per JSON Schema type name, bit `1 << i` for `TYPE_NAMES[i]`;
/// unknown names share the last bit.
pub fn type_bit(kind: &str) -> u8 {
    TYPE_NAMES
        .iter()
        .position(|name| *name == kind)
        .map_or(OTHER_BIT, |index| 1 << index)
}

/// Resolve a local reference (`#/$defs/x`, `#`) within the schema document.
/// Whether any object in `schema` (at any depth, keyword or not) carries
/// `x-dapa-secret: true` without being among the `placed` ones.
pub fn marks_a_secret_outside(schema: &Value, placed: &HashSet<usize>) -> bool {
    let mut values = vec![schema];
    while let Some(value) = values.pop() {
        match value {
            Value::Object(keywords) => {
                if (marks_secret(keywords) || marks_unlisted_secret(keywords))
                    && !placed.contains(&(std::ptr::from_ref(keywords) as usize))
                {
                    return true;
                }
                values.extend(keywords.values());
            }
            Value::Array(items) => values.extend(items),
            _ => {}
        }
    }
    false
}

/// Keywords whose value maps names (of properties, definitions) to
/// schemas: their keys are names, never marks.
const NAME_MAPS: [&str; 6] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// Keywords whose value is data, not schema: a key there is never a mark.
const DATA_KEYWORDS: [&str; 5] = ["enum", "const", "default", "examples", "x-dapa-enum"];

/// The first of dapa's marks in `schema` whose value dapa cannot read, with
/// its place (a JSON pointer into the schema): a mark that would be
/// ignored is refused, since a secret ignored is a secret shown.
pub fn misread_mark(schema: &Value) -> Option<String> {
    let mut places = vec![(schema, String::new())];
    while let Some((value, pointer)) = places.pop() {
        let keywords = match value {
            Value::Object(keywords) => keywords,
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate().rev() {
                    places.push((item, format!("{pointer}/{index}")));
                }
                continue;
            }
            _ => continue,
        };
        for (keyword, value) in keywords {
            let expected = match keyword.as_str() {
                SECRET_MARK | UNLISTED_SECRET_MARK if !value.is_boolean() => Some("true or false"),
                "x-dapa-timestamp" if value.as_str().and_then(TimestampUnit::parse).is_none() => {
                    Some("\"unix-seconds\", \"unix-millis\" or \"rfc3339\"")
                }
                "x-dapa-enum" if !value.is_array() => Some("an array of values"),
                _ => None,
            };
            let mut place = pointer.clone();
            crate::json::push_pointer(&mut place, keyword);
            if let Some(expected) = expected {
                let shown = crate::secret::show(value, false);
                return Some(format!(
                    "the mark \"{keyword}\" at {place} is {shown}: dapa reads {expected}"
                ));
            }
            match (keyword.as_str(), value) {
                (name_map, Value::Object(schemas)) if NAME_MAPS.contains(&name_map) => {
                    for (name, schema) in schemas {
                        let mut at = place.clone();
                        crate::json::push_pointer(&mut at, name);
                        places.push((schema, at));
                    }
                }
                (data, _) if DATA_KEYWORDS.contains(&data) => {}
                _ => places.push((value, place)),
            }
        }
    }
    None
}

/// dapa's mark of a secret field: its value and all it holds.
pub const SECRET_MARK: &str = "x-dapa-secret";

/// dapa's mark of a place whose values the schema does not describe are
/// secret ([`Shape::unlisted_secret`]).
pub const UNLISTED_SECRET_MARK: &str = "x-dapa-secret-unlisted";

/// Whether a schema object carries `x-dapa-secret: true`.
fn marks_secret(keywords: &Map<String, Value>) -> bool {
    keywords.get(SECRET_MARK) == Some(&Value::Bool(true))
}

/// Whether a schema object carries `x-dapa-secret-unlisted: true`.
fn marks_unlisted_secret(keywords: &Map<String, Value>) -> bool {
    keywords.get(UNLISTED_SECRET_MARK) == Some(&Value::Bool(true))
}

pub(crate) fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    root.pointer(pointer)
}

/// The JSON type name of a value, with `integer` for whole numbers.
pub fn type_name(value: &Value) -> &'static str {
    TYPE_NAMES[value_bit(value).trailing_zeros() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn places_past_the_longest_kept_path_are_not_numbered() {
        let long = "n".repeat(MAX_KEPT_PATH_BYTES);
        let mut shape = Shape::of_schema(&json!({
            "properties": {
                "a": {"type": "string"},
                // "/" and the name: one byte over.
                long.clone(): {"properties": {"id": {"type": "integer"}}},
                // "/", the name and "/*": as long as is kept.
                long[..MAX_KEPT_PATH_BYTES - 3].to_owned(): {"items": {"type": "integer"}},
            }
        }));
        let paths: Vec<usize> = shape.index().iter().map(|row| row.path.len()).collect();
        assert_eq!(paths, [0, 2, MAX_KEPT_PATH_BYTES - 2, MAX_KEPT_PATH_BYTES]);
        let over = &shape.properties[long.as_str()];
        assert_eq!((over.id, over.properties["id"].id), (None, None));
    }

    #[test]
    fn a_long_name_references_repeat_uses_the_budget_of_steps_up() {
        let places: serde_json::Map<String, Value> = (0..1_000)
            .map(|i| (format!("c{i}"), json!({"$ref": "#/$defs/long"})))
            .collect();
        let schema = |name: String| {
            json!({
                "$defs": {"long": {"properties": {name: {"type": "string"}}}},
                "properties": places,
            })
        };
        // 1,000 places of a 25,600-byte name cost 100 steps each.
        let (_, whole, _) = Shape::of_schema_placing_secrets(&schema("k".repeat(256)), 100_000);
        assert!(whole);
        let (shape, whole, _) =
            Shape::of_schema_placing_secrets(&schema("k".repeat(25_600)), 100_000);
        assert!(!whole);
        let named = (shape.properties.as_slice().iter())
            .filter(|(_, place)| !place.properties.is_empty())
            .count();
        assert!(named < 1_000, "{named}");
    }

    #[test]
    fn properties_are_kept_once_each_in_byte_order_of_their_names() {
        let mut properties = Properties::default();
        for name in ["b", "a", "é", "B", "ab", "a"] {
            properties.get_or_insert(name).secret |= name == "a";
        }
        let names: Vec<&str> = properties.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["B", "a", "ab", "b", "é"]);
        assert!(properties["a"].secret);
        assert!(properties.get("ab").is_some_and(|shape| !shape.secret));
        assert!(properties.get("c").is_none());
    }

    #[test]
    fn paths_types_and_marks() {
        let schema = json!({
            "type": "object",
            "properties": {
                "createdAt": {"type": "integer", "x-dapa-timestamp": "unix-seconds"},
                "token": {"type": "string", "x-dapa-secret": true},
                "memories": {"type": "array", "items": {"$ref": "#/$defs/memory"}},
                "params": {"type": "object", "additionalProperties": {"type": "string"}},
                "kind": {"enum": ["a", "b"]},
                "channel": {"type": "string", "x-dapa-enum": ["voice"]}
            },
            "$defs": {"memory": {"type": "object", "properties": {"id": {"type": ["string", "null"]}}}}
        });
        let shape = Shape::of_schema(&schema);
        assert!(shape.declares_properties());
        assert_eq!(
            shape.properties["createdAt"].timestamp,
            Some(TimestampUnit::UnixSeconds)
        );
        assert!(shape.properties["token"].secret);
        let memory = shape.properties["memories"].items.as_deref().unwrap();
        assert_eq!(memory.properties["id"].type_label(), "string|null");
        assert!(!shape.properties["params"].declares_properties());
        assert_eq!(
            shape.properties["params"]
                .property("anything")
                .unwrap()
                .types,
            ["string"]
        );
        assert_eq!(
            shape.properties["kind"].enum_values.as_ref().unwrap().len(),
            2
        );
        assert_eq!(
            shape.properties["channel"]
                .known_values
                .as_ref()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn recursive_refs_stop() {
        let schema = json!({"$ref": "#/$defs/e", "$defs": {"e": {"type": "object", "properties": {"errors": {"type": "array", "items": {"$ref": "#/$defs/e"}}}}}});
        let shape = Shape::of_schema(&schema);
        assert!(
            shape.properties["errors"]
                .items
                .as_ref()
                .unwrap()
                .properties
                .get("errors")
                .is_some()
        );
    }

    #[test]
    fn references_past_the_budget_are_not_followed() {
        // Each level refers to the next six times: 6^8 places at full depth.
        let levels: Map<String, Value> = (0..8)
            .map(|level| {
                let next = json!({"$ref": format!("#/$defs/l{}", level + 1)});
                let properties: Map<String, Value> = (0..6)
                    .map(|key| (format!("p{key}"), next.clone()))
                    .collect();
                (
                    format!("l{level}"),
                    json!({"type": "object", "properties": properties}),
                )
            })
            .collect();
        let schema = json!({"$ref": "#/$defs/l0", "$defs": levels, "properties": {
            "token": {"type": "string", "x-dapa-secret": true}}});
        let (shape, whole) = Shape::of_schema_within(&schema, 1_000);
        assert!(!whole);
        // What the document declares in place is still walked.
        assert!(shape.properties["token"].secret);
        let (_, whole) = Shape::of_schema_within(&json!({"properties": {"a": {}}}), 3);
        assert!(whole);
    }

    #[test]
    fn number_allows_integer() {
        let mut shape = Shape::default();
        shape.add_type("number");
        assert!(shape.allows("integer") && shape.allows("number") && !shape.allows("string"));
        assert!(Shape::default().allows("string"));
        assert_eq!(type_name(&json!(1)), "integer");
        for value in [
            json!(null),
            json!(true),
            json!(1),
            json!(1.5),
            json!("s"),
            json!([]),
            json!({}),
        ] {
            assert_eq!(type_bit(type_name(&value)), value_bit(&value), "{value}");
        }
        assert_eq!(type_bit("date"), OTHER_BIT);
        assert_eq!(type_name(&json!(1.5)), "number");
    }
}

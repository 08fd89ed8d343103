//! The drift layer: D01–D04, and the observed type of every field path.
//!
//! Drift is what a schema still allows, or only just forbids, but that says
//! the producer changed: a new field, a number sent as `"450.25"`, a
//! timestamp that turned from seconds into milliseconds overnight, a status
//! value nobody listed.

use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, note_more};
use crate::json::push_pointer;
use crate::profile::Schema;
use crate::profile::checks::Checks;
use crate::profile::shape::{
    ARRAY_BIT, DeclaredPath, OBJECT_BIT, STRING_BIT, Shape, TYPE_NAMES, TimestampUnit, UNDECLARED,
    bit_allowed, type_name, value_bit,
};
use crate::secret::show;
use crate::summary::MAX_DRIFT_PATHS;
use crate::timeline::EPOCH_MILLIS_FROM;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One field path seen in a payload: array items as `*`, e.g. `/memories/*/id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Observation {
    /// The path, relative to the payload.
    pub path: Arc<str>,
    /// The declared type, `any`, or `undeclared`.
    pub declared: Arc<str>,
    /// The types seen there, as bits (see [`TYPE_NAMES`]).
    pub seen: u8,
    /// The declared types as bits; [`UNDECLARED`] where the schema has no place.
    pub declared_bits: u8,
}

impl Observation {
    /// The observation as [`Observations::iter`] gives it.
    pub fn borrowed(&self) -> ObservationRef<'_> {
        ObservationRef {
            path: &self.path,
            declared: &self.declared,
            seen: self.seen,
            declared_bits: self.declared_bits,
        }
    }
}

/// One field path seen in a payload, as [`Observations::iter`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservationRef<'a> {
    /// The path, relative to the payload.
    pub path: &'a str,
    /// The declared type, `any`, or `undeclared`.
    pub declared: &'a str,
    /// The types seen there, as bits (see [`TYPE_NAMES`]).
    pub seen: u8,
    /// The declared types as bits; [`UNDECLARED`] where the schema has no place.
    pub declared_bits: u8,
}

impl ObservationRef<'_> {
    /// The types seen, each with whether the declared type allows it.
    pub fn types(self) -> impl Iterator<Item = (&'static str, bool)> {
        let (seen, declared_bits) = (self.seen, self.declared_bits);
        TYPE_NAMES
            .iter()
            .enumerate()
            .map(|(index, name)| (*name, 1u8 << index))
            .filter(move |(_, bit)| seen & bit != 0)
            .map(move |(name, bit)| (name, bit_allowed(declared_bits, bit)))
    }
}

/// A row of a schema's table of declared paths seen in a payload, with the
/// type bits seen there.
pub type SeenRow = (u32, u8);

/// The field paths of one payload with their observed types, for the drift
/// table. Paths the schema declares are kept as their row in the schema's
/// table, shared by every capture: one count of the table's references per
/// capture rather than two per path, which the threads would all write to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observations {
    /// The schema's declared paths, when any of them was seen.
    table: Option<Arc<[DeclaredPath]>>,
    /// Rows of `table` seen, in path order, with the type bits seen there.
    declared: Vec<SeenRow>,
    /// Paths the schema has no row for, sorted by path.
    other: Vec<Observation>,
    /// Whether [`Observations::iter`] gives each path once, in order.
    once_each: bool,
}

impl Observations {
    /// How many paths were seen.
    pub fn len(&self) -> usize {
        self.declared.len() + self.other.len()
    }

    /// Whether no path was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether [`Observations::iter`] gives each path once, in strictly
    /// increasing order; known when the observations are made, so that the
    /// summary need not compare the paths to find out.
    pub fn once_each_in_order(&self) -> bool {
        self.once_each
    }

    /// The rows of the schema's table seen, in path order, with the type
    /// bits seen at each, and the table they index; `None` when no
    /// declared path was seen.
    pub fn declared(&self) -> Option<(&Arc<[DeclaredPath]>, &[SeenRow])> {
        let table = self.table.as_ref()?;
        Some((table, &self.declared))
    }

    /// The paths without a row in the schema's table, sorted by path,
    /// each once.
    pub fn others(&self) -> impl Iterator<Item = ObservationRef<'_>> {
        self.other.iter().map(Observation::borrowed)
    }

    /// Every path seen, the declared ones and the others merged in path
    /// order (a declared path before another one of the same text).
    pub fn iter(&self) -> ObservationIter<'_> {
        ObservationIter {
            table: self.table.as_deref().unwrap_or_default(),
            declared: &self.declared,
            other: &self.other,
        }
    }
}

/// The paths of [`Observations`], in path order.
pub struct ObservationIter<'a> {
    table: &'a [DeclaredPath],
    declared: &'a [(u32, u8)],
    other: &'a [Observation],
}

impl<'a> Iterator for ObservationIter<'a> {
    type Item = ObservationRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<ObservationRef<'a>> {
        let declared = self
            .declared
            .first()
            .and_then(|&(row, seen)| Some((self.table.get(row as usize)?, seen)));
        match (declared, self.other.first()) {
            (Some((row, seen)), other) if other.is_none_or(|other| row.path <= other.path) => {
                self.declared = &self.declared[1..];
                Some(ObservationRef {
                    path: &row.path,
                    declared: &row.declared,
                    seen,
                    declared_bits: row.type_bits,
                })
            }
            (_, Some(other)) => {
                self.other = &self.other[1..];
                Some(other.borrowed())
            }
            (_, None) => None,
        }
    }
}

/// Observations of paths without a row in a schema's table, in the order
/// given (tests and summaries made by hand).
impl From<Vec<Observation>> for Observations {
    fn from(other: Vec<Observation>) -> Observations {
        Observations {
            once_each: other.is_sorted_by(|a, b| a.path < b.path),
            other,
            ..Observations::default()
        }
    }
}

/// What the drift layer found in one payload.
#[derive(Debug, Default)]
pub struct DriftOutcome {
    /// D01–D04 findings.
    pub findings: Vec<Finding>,
    /// Every field path with its observed type, once each, sorted by path.
    pub observations: Observations,
    /// Values seen at enum-like fields (those with `enum`, `const` or
    /// `x-dapa-enum`), as compact JSON by path; secret fields are left out,
    /// and so are values longer than [`MAX_KEPT_VALUE_BYTES`].
    pub enum_values: Vec<(String, String)>,
    /// Whether the payload surely meets the schema: the schema's
    /// constraints are placed on its shape ([`Schema::walk_validates`]) and
    /// every one held where the walk met it. `false` says only "not sure".
    pub surely_valid: bool,
}

/// The longest value of an enum-like field that is kept for the summary
/// and the baseline, in bytes of compact JSON. An enum value is a code or a
/// word; a value of megabytes is no enum, and 64 such values kept per path
/// made a baseline of hundreds of megabytes. A longer value is still D04
/// when the schema does not list it; it is only not recorded.
pub const MAX_KEPT_VALUE_BYTES: usize = 256;

pub use crate::profile::shape::MAX_KEPT_PATH_BYTES;

/// Whether `candidate`, not yet among `kept` entries whose largest is
/// `largest`, is among the [`MAX_DRIFT_PATHS`] smallest: the rule by which
/// the drift table, and each capture's part of it, keeps a bounded number.
/// Over the bound, the caller drops its largest entry after inserting.
fn among_the_smallest<K: Ord + ?Sized>(kept: usize, largest: Option<&K>, candidate: &K) -> bool {
    kept < MAX_DRIFT_PATHS || largest.is_some_and(|largest| candidate < largest)
}

/// [`EPOCH_MILLIS_FROM`] as the magnitude of a JSON number.
const MILLIS_FROM: f64 = EPOCH_MILLIS_FROM as f64;

struct Walk<'a, 'v> {
    base: &'a str,
    show_secrets: bool,
    /// Every value is masked: the schema marks a secret its shape cannot place.
    mask_all: bool,
    found: BTreeMap<Code, (Vec<Finding>, usize)>,
    /// Type bits seen at each declared path, by id.
    seen_declared: Vec<u8>,
    /// Type bits seen at paths without an id (new fields, map keys), with
    /// their declared type label.
    seen_other: BTreeMap<String, (Arc<str>, u8, u8)>,
    /// Where the walk is; pointers and paths are built from it only when needed.
    segments: Vec<Segment<'v>>,
    /// The last path made from `segments`, for the places met again.
    path: NormalisedPath<'v>,
    enum_values: BTreeSet<(String, String)>,
    /// Whether every constraint met so far held (see
    /// [`DriftOutcome::surely_valid`]); once not, none is checked.
    valid: bool,
}

#[derive(Clone, Copy)]
enum Segment<'v> {
    Key(&'v str),
    Index(usize),
}

/// Where the walk is, with array items as `*`, kept from one call to the
/// next: only the segments past the part shared with the last path are
/// made again. The items of an array, and the members of objects met again
/// at one place, share their path's start: made whole for each of them, a
/// path under a long key cost that key's length per value, which a hostile
/// payload (many items under a 100 KB key) turned into gigabytes of
/// copying.
#[derive(Default)]
struct NormalisedPath<'v> {
    /// The keys the path was made from, `None` for an array item.
    keys: Vec<Option<&'v str>>,
    /// The length of `text` after each of `keys`.
    ends: Vec<usize>,
    text: String,
}

impl<'v> NormalisedPath<'v> {
    fn of(&mut self, segments: &[Segment<'v>]) -> &str {
        let key = |segment: &Segment<'v>| match *segment {
            Segment::Key(key) => Some(key),
            Segment::Index(_) => None,
        };
        // The same key is mostly the same text in the document: a look at
        // where it lies settles it without reading it.
        let shared = (self.keys.iter().zip(segments))
            .take_while(|(kept, segment)| match (kept, key(segment)) {
                (Some(kept), Some(key)) => std::ptr::eq(*kept, key) || *kept == key,
                (None, None) => true,
                _ => false,
            })
            .count();
        self.keys.truncate(shared);
        self.ends.truncate(shared);
        self.text.truncate(self.ends.last().copied().unwrap_or(0));
        for segment in &segments[shared..] {
            match segment {
                Segment::Key(key) => push_pointer(&mut self.text, key),
                Segment::Index(_) => self.text.push_str("/*"),
            }
            self.keys.push(key(segment));
            self.ends.push(self.text.len());
        }
        &self.text
    }
}

/// Compare `value` (found at `base` in the document) with what `schema` declares.
pub fn check(value: &Value, base: &str, schema: &Schema, show_secrets: bool) -> DriftOutcome {
    if !schema.drift {
        return DriftOutcome::default();
    }
    let mut walk = Walk {
        base,
        show_secrets,
        mask_all: schema.secrets_unplaced,
        found: BTreeMap::new(),
        seen_declared: vec![0; schema.paths.len()],
        seen_other: BTreeMap::new(),
        segments: Vec::new(),
        path: NormalisedPath::default(),
        enum_values: Default::default(),
        valid: schema.walk_validates,
    };
    walk.visit_root(value, &schema.shape);
    outcome(
        schema,
        walk.found,
        &walk.seen_declared,
        walk.seen_other,
        walk.enum_values,
        walk.valid,
    )
}

/// The outcome of a walk from what it noted.
fn outcome(
    schema: &Schema,
    found: BTreeMap<Code, (Vec<Finding>, usize)>,
    seen_declared: &[u8],
    seen_other: BTreeMap<String, (Arc<str>, u8, u8)>,
    enum_values: BTreeSet<(String, String)>,
    surely_valid: bool,
) -> DriftOutcome {
    let mut findings = Vec::new();
    for (_, (mut group, total)) in found {
        note_more(&mut group, total);
        findings.append(&mut group);
    }
    // The table is in path order, as the other paths are: `iter` merges
    // the two so that the observations come sorted by path.
    // Sized first: grown one push at a time, it was moved four or five
    // times for every capture.
    let seen = seen_declared.iter().filter(|bits| **bits != 0).count();
    let mut declared: Vec<SeenRow> = Vec::with_capacity(seen);
    declared.extend(
        (0u32..)
            .zip(seen_declared)
            .filter(|(_, bits)| **bits != 0)
            .map(|(row, &bits)| (row, bits)),
    );
    // A path without a row is a new field or a map's key: rare, so looking
    // each one up among the seen rows costs little. One that is also a
    // declared path's text breaks the strict order the summary relies on.
    let mut once_each = schema.paths_once_each;
    let other: Vec<Observation> = seen_other
        .into_iter()
        .map(|(path, (declared_label, type_bits, bits))| {
            once_each &= declared
                .binary_search_by(|&(row, _)| (*schema.paths[row as usize].path).cmp(&path))
                .is_err();
            Observation {
                path: Arc::from(path),
                declared: declared_label,
                seen: bits,
                declared_bits: type_bits,
            }
        })
        .collect();
    let observations = Observations {
        table: (!declared.is_empty()).then(|| Arc::clone(&schema.paths)),
        declared,
        other,
        once_each,
    };
    DriftOutcome {
        findings,
        observations,
        enum_values: enum_values.into_iter().collect(),
        surely_valid,
    }
}

impl<'v> Walk<'_, 'v> {
    fn pointer(&self) -> String {
        let mut pointer = self.base.to_owned();
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => push_pointer(&mut pointer, key),
                Segment::Index(index) => push_pointer(&mut pointer, &index.to_string()),
            }
        }
        pointer
    }

    /// A finding of `code` where the walk is, its message made of `parts`
    /// after the place. Past the cap of its code it is only counted, and
    /// nothing is built for it.
    fn report(&mut self, code: Code, parts: &[&str]) {
        let total = self.found.get(&code).map_or(0, |(_, total)| *total);
        let kept = (total < MAX_FINDINGS_PER_CODE).then(|| {
            let pointer = self.pointer();
            let shown = if pointer.is_empty() {
                "the payload"
            } else {
                &pointer
            };
            let length = parts.iter().map(|part| part.len()).sum::<usize>();
            let mut message = String::with_capacity(shown.len() + 2 + length);
            message.push_str(shown);
            message.push_str(": ");
            parts.iter().for_each(|part| message.push_str(part));
            Finding::new(code, message).at_pointer(pointer)
        });
        let entry = self.found.entry(code).or_default();
        entry.1 += 1;
        entry.0.extend(kept);
    }

    /// Note type `bit` seen where the walk is. A declared place has a row
    /// of its own: that case, met at nearly every value, is inlined.
    #[inline(always)]
    fn observe(&mut self, shape: Option<&Shape>, bit: u8) {
        match shape.and_then(|s| s.id) {
            Some(id) => self.seen_declared[id] |= bit,
            None => self.observe_other(shape, bit),
        }
    }

    /// [`Walk::observe`] at a path the schema has no row for: a new field,
    /// or a place under a map. These are rare.
    #[inline(never)]
    fn observe_other(&mut self, shape: Option<&Shape>, bit: u8) {
        let path = self.path.of(&self.segments);
        if path.len() > MAX_KEPT_PATH_BYTES {
            return;
        }
        match self.seen_other.get_mut(path) {
            Some((_, _, bits)) => *bits |= bit,
            None => {
                // The drift table keeps its smallest paths: so does each
                // capture, and no more of them than the table holds.
                let largest = self
                    .seen_other
                    .last_key_value()
                    .map(|(key, _)| key.as_str());
                if !among_the_smallest(self.seen_other.len(), largest, path) {
                    return;
                }
                let (declared, type_bits) = match shape {
                    Some(shape) => (Arc::from(shape.type_label()), shape.type_bits()),
                    None => (Arc::from("undeclared"), UNDECLARED),
                };
                self.seen_other
                    .insert(path.to_owned(), (declared, type_bits, bit));
                if self.seen_other.len() > MAX_DRIFT_PATHS {
                    self.seen_other.pop_last();
                }
            }
        }
    }

    /// The value the schema describes, which has no path of its own.
    fn visit_root(&mut self, value: &'v Value, shape: &Shape) {
        self.hold(value, shape);
        self.check_scalar(value, shape);
        // The keys under a secret field are part of the secret: they are
        // neither drift paths nor D01 pointers.
        if !shape.secret {
            self.visit_members(value, Some(shape));
        }
    }

    /// A value below the root: its type noted, its drift checked, and what
    /// it holds walked. Inlined into the loops of [`Walk::visit_members`],
    /// so that a scalar, the most common value, costs no call.
    #[inline(always)]
    fn visit(&mut self, value: &'v Value, shape: Option<&Shape>) {
        self.observe(shape, value_bit(value));
        let Some(shape) = shape else {
            if matches!(value, Value::Object(_) | Value::Array(_)) {
                self.visit_members(value, None);
            }
            return;
        };
        self.hold(value, shape);
        self.check_scalar(value, shape);
        if !shape.secret && matches!(value, Value::Object(_) | Value::Array(_)) {
            self.visit_members(value, Some(shape));
        }
    }

    /// A member of a place whose unlisted values are secret: one the
    /// schema does not describe is a secret as a whole, its type noted and
    /// its keys not walked (they are part of the secret).
    #[inline(always)]
    fn visit_unless_secret(&mut self, value: &'v Value, shape: Option<&Shape>, unlisted: bool) {
        if shape.is_none() && unlisted {
            self.observe(None, value_bit(value));
        } else {
            self.visit(value, shape);
        }
    }

    /// The members of an object or the items of an array (not under a
    /// secret field), each visited at its path.
    #[inline(never)]
    fn visit_members(&mut self, value: &'v Value, shape: Option<&Shape>) {
        match value {
            Value::Object(fields) => {
                let declares = shape.is_some_and(Shape::declares_properties);
                let checks = shape.and_then(|s| s.checks.as_deref());
                let closed = checks.is_some_and(|checks| checks.closed);
                let mut required = 0;
                let unlisted_secret = shape.is_some_and(|s| s.unlisted_secret);
                let mut declared = shape.map(|s| Declared::new(s, fields.len()));
                for (key, child) in fields {
                    let child_shape = declared.as_mut().and_then(|d| d.property(key));
                    self.segments.push(Segment::Key(key));
                    // A key `additionalProperties: false` does not allow.
                    if child_shape.is_none() && closed {
                        self.valid = false;
                    }
                    required += usize::from(child_shape.is_some_and(|s| s.required));
                    if child_shape.is_none() && declares {
                        self.report(
                            Code::D01,
                            &[
                                "a field the schema does not declare (",
                                type_name(child),
                                ")",
                            ],
                        );
                    }
                    self.visit_unless_secret(child, child_shape, unlisted_secret);
                    self.segments.pop();
                }
                // A required property the object does not have.
                if checks.is_some_and(|checks| required < checks.required_declared) {
                    self.valid = false;
                }
            }
            Value::Array(items) => {
                let unlisted_secret = shape.is_some_and(|s| s.unlisted_secret);
                let item_shape = shape.and_then(|s| s.items.as_deref());
                for (index, item) in items.iter().enumerate() {
                    self.segments.push(Segment::Index(index));
                    self.visit_unless_secret(item, item_shape, unlisted_secret);
                    self.segments.pop();
                }
            }
            _ => {}
        }
    }

    /// Whether the value at a place meets what the schema asks there, while
    /// all met so far did.
    #[inline(always)]
    fn hold(&mut self, value: &Value, shape: &Shape) {
        if self.valid
            && let Some(checks) = &shape.checks
        {
            self.valid = checks.hold(value);
        }
    }

    /// D02, D03, D04 where the shape asks for any of them: a quick look
    /// first, inlined, and the checks out of line.
    #[inline(always)]
    fn check_scalar(&mut self, value: &Value, shape: &Shape) {
        let quoted =
            matches!(value, Value::String(_)) && !bit_allowed(shape.type_bits(), STRING_BIT);
        if quoted
            || shape.timestamp.is_some()
            || shape.enum_values.is_some()
            || shape.known_values.is_some()
        {
            self.scalar_drift(value, shape, shape.holds_secret_text());
        }
    }

    /// D02, D03, D04 on one value.
    #[inline(never)]
    fn scalar_drift(&mut self, value: &Value, shape: &Shape, secret: bool) {
        let hidden = (secret || self.mask_all) && !self.show_secrets;
        if let Value::String(text) = value
            && !bit_allowed(shape.type_bits(), STRING_BIT)
            && let Some(kind) = parses_as(text, shape)
        {
            let shown = show(value, hidden);
            self.report(Code::D02, &[kind, " sent as a string: ", &shown]);
        }
        if let Some(unit) = shape.timestamp
            && !timestamp_fits(value, unit)
            && let Some(message) = timestamp_drift(value, unit, hidden)
        {
            self.report(Code::D03, &[&message]);
        }
        let listed = shape.enum_values.as_ref().or(shape.known_values.as_ref());
        if let Some(listed) = listed {
            let enum_like = matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_));
            let path = self.path.of(&self.segments);
            let masked = secret || (self.mask_all && !self.show_secrets);
            if enum_like && !masked {
                keep_enum_value(&mut self.enum_values, path, value);
            }
            if enum_like && !listed.contains(value) {
                let shown = show(value, hidden);
                let options: Vec<String> = listed.iter().map(|v| show(v, false)).collect();
                self.report(
                    Code::D04,
                    &[
                        &shown,
                        " is not among the values the schema lists (",
                        &options.join(", "),
                        ")",
                    ],
                );
            }
        }
    }
}

/// Keep the value of an enum-like field seen at `path`, as compact JSON,
/// among the smallest (as the paths themselves are kept); a long path or
/// value is passed over.
fn keep_enum_value(kept: &mut BTreeSet<(String, String)>, path: &str, value: &Value) {
    // A string's text is as long as its JSON at least: a long one is
    // passed over before it is written out.
    let short = !matches!(value, Value::String(text) if text.len() > MAX_KEPT_VALUE_BYTES);
    let Some(text) = (short && path.len() <= MAX_KEPT_PATH_BYTES)
        .then(|| value.to_string())
        .filter(|text| text.len() <= MAX_KEPT_VALUE_BYTES)
    else {
        return;
    };
    let entry = (path.to_owned(), text);
    if among_the_smallest(kept.len(), kept.last(), &entry) {
        kept.insert(entry);
        if kept.len() > MAX_DRIFT_PATHS {
            kept.pop_last();
        }
    }
}

/// The drift walk done while the body is read ([`crate::json::walk`]),
/// for a payload that is the whole document: what [`check`] gives for a
/// payload in which it finds nothing to report and every constraint
/// surely holds, without a tree built. Anything else gives the walk up (a
/// finding, a constraint not surely met, a place without a row of its own,
/// a check that needs a whole object or array), and the caller walks the
/// tree with [`check`], which says what it is.
pub(crate) struct Stream<'s> {
    schema: &'s Schema,
    show_secrets: bool,
    /// The objects and arrays open, innermost last: the shape of each, or
    /// `None` for a secret field's, whose members are not walked.
    open: Vec<Open<'s>>,
    /// The shape of the value that started last, and whether it is the
    /// root; `None` inside a secret field, or once its type was noted.
    current: Option<(&'s Shape, bool)>,
    /// The path of that value, made only where its values are kept, and
    /// only if it is short enough to keep.
    path: Option<String>,
    seen_declared: Vec<u8>,
    enum_values: BTreeSet<(String, String)>,
    given_up: bool,
    /// The objects and arrays being built, innermost last: those whose
    /// place checks them whole (`uniqueItems`, `minItems`, a required
    /// property the place does not declare...), and what they hold.
    /// Each with the key it has in the object it is built into.
    built: Vec<(Option<String>, Value)>,
    /// The key of the member read next inside an object being built.
    built_key: Option<String>,
}

/// An object or array open in a [`Stream`].
struct Open<'s> {
    shape: Option<&'s Shape>,
    object: bool,
    /// The required properties met so far.
    required: usize,
    /// Where the property of the member read next is looked for first:
    /// past the last one found, as members mostly come in key order.
    ahead: usize,
    /// Whether it is being built; with the checks that need it whole.
    built: bool,
    whole: Option<&'s Checks>,
}

/// A scalar as a [`Stream`] meets it: a string's text as read, before any
/// value is made of it.
#[derive(Clone, Copy)]
enum Met<'t> {
    Text(&'t str),
    Value(&'t Value),
}

impl<'s> Stream<'s> {
    /// A walk of a payload described by `schema`, or `None` where only the
    /// walk over the tree can give its outcome: drift off, or a schema
    /// whose constraints are not placed on its shape.
    pub(crate) fn new(schema: &'s Schema, show_secrets: bool) -> Option<Self> {
        (schema.drift && schema.walk_validates).then(|| Stream {
            schema,
            show_secrets,
            // Room for the usual depth at once.
            open: Vec::with_capacity(16),
            current: None,
            path: None,
            seen_declared: vec![0; schema.paths.len()],
            enum_values: BTreeSet::new(),
            given_up: false,
            built: Vec::new(),
            built_key: None,
        })
    }

    /// The outcome, where the walk was not given up.
    pub(crate) fn finish(self) -> Option<DriftOutcome> {
        (!self.given_up && self.open.is_empty()).then(|| {
            outcome(
                self.schema,
                BTreeMap::new(),
                &self.seen_declared,
                BTreeMap::new(),
                self.enum_values,
                true,
            )
        })
    }

    fn give_up(&mut self) {
        self.given_up = true;
    }

    /// Add a value read inside an object or array being built.
    fn add_built(&mut self, value: Value) {
        match self.built.last_mut().map(|(_, value)| value) {
            Some(Value::Object(members)) => {
                members.insert(self.built_key.take().unwrap_or_default(), value);
            }
            Some(Value::Array(items)) => items.push(value),
            _ => {}
        }
    }

    /// The value that started last, of type `bit`: its type noted, and
    /// `None` if the walk is given up or passes over it.
    fn noted(&mut self, bit: u8) -> Option<&'s Shape> {
        let (shape, root) = self.current.take()?;
        // The root has no path of its own, and no row.
        if !root {
            match shape.id {
                Some(id) => self.seen_declared[id] |= bit,
                None => {
                    self.give_up();
                    return None;
                }
            }
        }
        Some(shape)
    }

    /// A string, number, boolean or null: its constraints and D02–D04.
    fn scalar_met(&mut self, bit: u8, met: Met<'_>) {
        let Some(shape) = self.noted(bit) else {
            return;
        };
        let held = match (shape.checks.as_deref(), met) {
            (None, _) => true,
            (Some(checks), Met::Text(text)) => checks.hold_text(text),
            (Some(checks), Met::Value(value)) => checks.hold(value),
        };
        if !held {
            return self.give_up();
        }
        if let Met::Text(text) = met
            && !bit_allowed(shape.type_bits(), STRING_BIT)
            && parses_as(text, shape).is_some()
        {
            return self.give_up();
        }
        if let Some(unit) = shape.timestamp {
            let fits = match met {
                Met::Text(text) => timestamp_text_fits(text, unit),
                Met::Value(value) => timestamp_fits(value, unit),
            };
            if !fits {
                return self.give_up();
            }
        }
        let listed = shape.enum_values.as_ref().or(shape.known_values.as_ref());
        if let Some(listed) = listed
            && !matches!(met, Met::Value(Value::Null))
        {
            let made;
            let value = match met {
                Met::Value(value) => value,
                Met::Text(text) => {
                    made = Value::String(text.to_owned());
                    &made
                }
            };
            if !listed.contains(value) {
                return self.give_up();
            }
            let masked =
                shape.holds_secret_text() || (self.schema.secrets_unplaced && !self.show_secrets);
            if !masked && let Some(path) = self.path.take() {
                keep_enum_value(&mut self.enum_values, &path, value);
            }
        }
    }
}

/// Up to this many properties, a member's is found by a pass over them,
/// each compared inline ([`crate::json::same_text`]: the length first);
/// past it, by a look-up. An object's members mostly come in the
/// order of the properties, or a few of them in any order.
const PROPERTIES_PASSED_OVER: usize = 16;

/// The shape of member `key` of an object at `shape`, as
/// [`Shape::property`] gives it: looked for from `ahead` on first (past
/// the property found last), and `ahead` moved past it.
#[inline]
fn property_from<'s>(shape: &'s Shape, ahead: &mut usize, key: &str) -> Option<&'s Shape> {
    let properties = shape.properties.as_slice();
    let found = if properties.len() <= PROPERTIES_PASSED_OVER {
        let start = (*ahead).min(properties.len());
        (start..properties.len())
            .chain(0..start)
            .find(|&at| crate::json::same_text(&properties[at].0, key))
    } else {
        (properties.binary_search_by(|(name, _)| name.as_str().cmp(key))).ok()
    };
    match found {
        Some(at) => {
            *ahead = at + 1;
            Some(&properties[at].1)
        }
        None => shape.any_key.as_deref(),
    }
}

impl<'a> crate::json::Watch<'a> for Stream<'_> {
    type Str = std::borrow::Cow<'a, str>;

    fn starts(
        &mut self,
        place: crate::json::Place<'_>,
        path: impl FnOnce(usize) -> Option<String>,
    ) {
        use crate::json::Place;
        if self.given_up {
            return;
        }
        if let (Place::Key(key), false) = (place, self.built.is_empty()) {
            self.built_key = Some(key.to_owned());
        }
        let shape = match place {
            Place::Root => Some(&self.schema.shape),
            Place::Key(key) => match self.open.last_mut() {
                Some(Open {
                    shape: Some(parent),
                    required,
                    ahead,
                    ..
                }) => {
                    let child = property_from(parent, ahead, key);
                    *required += usize::from(child.is_some_and(|child| child.required));
                    // A member the schema does not describe: D01, a key
                    // `additionalProperties: false` refuses, a path
                    // without a row.
                    if child.is_none() {
                        return self.give_up();
                    }
                    child
                }
                _ => None,
            },
            Place::Item => match self.open.last() {
                Some(Open {
                    shape: Some(parent),
                    ..
                }) => match parent.items.as_deref() {
                    Some(items) => Some(items),
                    None => return self.give_up(),
                },
                _ => None,
            },
        };
        self.current = shape.map(|shape| (shape, matches!(place, Place::Root)));
        // A longer path is not kept.
        self.path = shape
            .filter(|shape| shape.enum_values.is_some() || shape.known_values.is_some())
            .and_then(|_| path(MAX_KEPT_PATH_BYTES));
    }

    fn text(&mut self, text: &std::borrow::Cow<'a, str>) {
        if !self.given_up {
            if !self.built.is_empty() {
                self.add_built(Value::String(text.to_string()));
            }
            self.scalar_met(STRING_BIT, Met::Text(text));
        }
    }

    fn scalar(&mut self, value: &Value) {
        if !self.given_up {
            if !self.built.is_empty() {
                self.add_built(value.clone());
            }
            self.scalar_met(value_bit(value), Met::Value(value));
        }
    }

    fn opens(&mut self, object: bool) {
        if self.given_up {
            return;
        }
        let bit = if object { OBJECT_BIT } else { ARRAY_BIT };
        let inside_secret = self.current.is_none();
        let shape = self.noted(bit);
        if self.given_up {
            return;
        }
        let mut whole = None;
        if let Some(shape) = shape {
            // A timestamp that is no string or number is D03.
            if shape.timestamp.is_some() {
                return self.give_up();
            }
            if let Some(checks) = shape.checks.as_deref() {
                match checks.hold_by_type(bit) {
                    Some(true) => {}
                    Some(false) => return self.give_up(),
                    None => whole = Some(checks),
                }
            }
        }
        debug_assert!(shape.is_some() || inside_secret);
        let built = whole.is_some() || !self.built.is_empty();
        if built {
            let empty = match object {
                true => Value::Object(serde_json::Map::new()),
                false => Value::Array(Vec::new()),
            };
            self.built.push((self.built_key.take(), empty));
        }
        self.open.push(Open {
            // The members of a secret field are part of the secret.
            shape: shape.filter(|shape| !shape.secret),
            object,
            required: 0,
            ahead: 0,
            built,
            whole,
        });
    }

    fn stopped(&self) -> bool {
        self.given_up
    }

    fn closes(&mut self) {
        if self.given_up {
            return;
        }
        let Some(open) = self.open.pop() else {
            return self.give_up();
        };
        if open.built {
            let (key, value) = self.built.pop().unwrap_or_default();
            if open.whole.is_some_and(|checks| !checks.hold(&value)) {
                return self.give_up();
            }
            self.built_key = key;
            self.add_built(value);
        }
        // A required property the object does not have.
        if let Some(shape) = open.shape
            && open.object
            && (shape.checks.as_deref())
                .is_some_and(|checks| open.required < checks.required_declared)
        {
            self.give_up();
        }
    }
}

/// The shapes of an object's members, found in key order. The object's keys
/// and the schema's properties are both sorted, so one pass over the two
/// finds every member's shape where a look-up per key would search the
/// properties again each time; when the properties far outnumber the keys,
/// looking each key up is cheaper, and that is done instead.
struct Declared<'s> {
    shape: &'s Shape,
    /// The properties not passed yet, when stepping; `None` to look up.
    ahead: Option<&'s [(String, Shape)]>,
}

impl<'s> Declared<'s> {
    fn new(shape: &'s Shape, keys: usize) -> Self {
        let properties = shape.properties.as_slice();
        let merge = properties.len() <= keys.saturating_mul(4);
        Declared {
            shape,
            ahead: merge.then_some(properties),
        }
    }

    /// The shape of member `key`; keys must come in ascending order.
    fn property(&mut self, key: &str) -> Option<&'s Shape> {
        let Some(ahead) = &mut self.ahead else {
            return self.shape.property(key);
        };
        while let Some(((name, shape), rest)) = ahead.split_first() {
            // Names passed over mostly differ from the key in their first
            // byte, which settles the order without a call to compare.
            let order = match (name.as_bytes().first(), key.as_bytes().first()) {
                (Some(a), Some(b)) if a != b => a.cmp(b),
                _ => name.as_str().cmp(key),
            };
            match order {
                std::cmp::Ordering::Less => *ahead = rest,
                std::cmp::Ordering::Equal => {
                    *ahead = rest;
                    return Some(shape);
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        self.shape.any_key.as_deref()
    }
}

/// The declared type a string would be if it were not quoted.
fn parses_as(text: &str, shape: &Shape) -> Option<&'static str> {
    let trimmed = text.trim();
    if shape.types.iter().any(|t| t == "integer") && trimmed.parse::<i64>().is_ok() {
        return Some("an integer");
    }
    if shape.types.iter().any(|t| t == "number")
        && !trimmed.is_empty()
        && trimmed.parse::<f64>().is_ok_and(f64::is_finite)
    {
        return Some("a number");
    }
    if shape.types.iter().any(|t| t == "boolean") && matches!(trimmed, "true" | "false") {
        return Some("a boolean");
    }
    None
}

/// An 8-byte layout as two masks for [`fits_layout`]: the bytes that must
/// be ASCII digits (`d` in the layout), and the others as they must be.
const fn layout_masks(layout: &[u8; 8]) -> (u64, u64) {
    let (mut digits, mut marks) = (0u64, 0u64);
    let mut at = 0;
    while at < 8 {
        if layout[at] == b'd' {
            digits |= 0xFF << (8 * at);
        } else {
            marks |= (layout[at] as u64) << (8 * at);
        }
        at += 1;
    }
    (digits, marks)
}

/// `YYYY-MM-DDTHH:MM:SS` as three overlapping 8-byte words: bytes 0..8,
/// 8..16 and 11..19.
const DATE_LAYOUT: (u64, u64) = layout_masks(b"dddd-dd-");
const MIDDLE_LAYOUT: (u64, u64) = layout_masks(b"ddTdd:dd");
const TIME_LAYOUT: (u64, u64) = layout_masks(b"dd:dd:dd");

/// Whether 8 bytes, read little-endian into `word`, fit a layout made
/// by [`layout_masks`]: all eight checked at once, not one by one.
fn fits_layout(word: u64, (digits, marks): (u64, u64)) -> bool {
    if word & !digits != marks {
        return false;
    }
    // A digit byte XOR '0' is 0..=9, and only a digit's is. Adding 0x76
    // sets the top bit of a byte above 9; a byte that has it already fails
    // whatever a carry out of it does to its neighbour.
    let ones = digits & 0x0101_0101_0101_0101;
    let values = (word ^ (ones * u64::from(b'0'))) & digits;
    (values | values.wrapping_add(ones * 0x76)) & (ones * 0x80) == 0
}

/// The usual shape of an RFC 3339 timestamp, `2026-11-20T09:12:03.152Z` or
/// with an offset, checked without a full parse; anything else is left to one.
fn plain_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let word = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(bytes)
    };
    if b.len() < 20
        || !fits_layout(word(0), DATE_LAYOUT)
        || !fits_layout(word(8), MIDDLE_LAYOUT)
        || !fits_layout(word(11), TIME_LAYOUT)
    {
        return false;
    }
    // The layout holds digits where these are read. Hours at most 23, and
    // minutes and seconds at most 59 (a leap second, :60, is left to the
    // full parse), read from their tens.
    if b[11] > b'2' || (b[11] == b'2' && b[12] > b'3') || b[14] > b'5' || b[17] > b'5' {
        return false;
    }
    let two = |at: usize| (b[at] - b'0') * 10 + (b[at + 1] - b'0');
    let (month, day) = (two(5), two(8));
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    // Every month has 28 days; past them jiff's civil date knows the days
    // of each month, leap years included. The year 9999 is left to the
    // full parse, since its last day or two are past the latest time it
    // reads.
    if &b[..4] == b"9999" {
        return false;
    }
    if day > 28 {
        let year = i16::from(two(0)) * 100 + i16::from(two(2));
        if jiff::civil::Date::new(year, month as i8, day as i8).is_err() {
            return false;
        }
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        // Any number of digits, as RFC 3339 allows (the full parse stops
        // at nanoseconds, and would call a longer fraction wrong).
        let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        b"Z" => true,
        // An offset's hours and minutes in range, as in a time of day.
        [
            b'+' | b'-',
            b'0'..=b'1',
            b'0'..=b'9',
            b':',
            b'0'..=b'5',
            b'0'..=b'9',
        ]
        | [
            b'+' | b'-',
            b'2',
            b'0'..=b'3',
            b':',
            b'0'..=b'5',
            b'0'..=b'9',
        ] => true,
        _ => false,
    }
}

/// Whether a timestamp is, at a glance, in its declared unit: the usual
/// case, told without a call to [`timestamp_drift`], which tells the rest.
#[inline]
fn timestamp_fits(value: &Value, unit: TimestampUnit) -> bool {
    match (value, unit) {
        (Value::String(text), _) => timestamp_text_fits(text, unit),
        (Value::Number(number), TimestampUnit::UnixSeconds | TimestampUnit::UnixMillis) => {
            number.as_f64().is_some_and(|n| !epoch_off(n.abs(), unit))
        }
        _ => false,
    }
}

/// [`timestamp_fits`] for a string's text.
#[inline]
fn timestamp_text_fits(text: &str, unit: TimestampUnit) -> bool {
    matches!(unit, TimestampUnit::Rfc3339) && plain_rfc3339(text)
}

/// Whether a number of this magnitude is off as a timestamp in `unit`: its
/// size says seconds where milliseconds are declared, or the other way.
fn epoch_off(magnitude: f64, unit: TimestampUnit) -> bool {
    match unit {
        TimestampUnit::UnixSeconds => magnitude >= MILLIS_FROM,
        TimestampUnit::UnixMillis => magnitude < MILLIS_FROM && magnitude > 0.0,
        TimestampUnit::Rfc3339 => true,
    }
}

/// What is off about a timestamp compared with its declared unit; with
/// `hidden`, the message does not quote the value (a secret field).
pub fn timestamp_drift(value: &Value, unit: TimestampUnit, hidden: bool) -> Option<String> {
    let quoted = |text: String| {
        if hidden {
            "the value (secret)".to_owned()
        } else {
            text
        }
    };
    let declared = match unit {
        TimestampUnit::UnixSeconds => "unix seconds",
        TimestampUnit::UnixMillis => "unix milliseconds",
        TimestampUnit::Rfc3339 => "an RFC 3339 string",
    };
    match value {
        Value::Number(number) => {
            let magnitude = number.as_f64()?.abs();
            let seen = if magnitude >= MILLIS_FROM {
                "milliseconds"
            } else {
                "seconds"
            };
            epoch_off(magnitude, unit).then(|| {
                let number = quoted(number.to_string());
                format!("{number} looks like an epoch in {seen}, but {declared} are declared")
            })
        }
        Value::String(text) => {
            if unit == TimestampUnit::Rfc3339 {
                return (!plain_rfc3339(text) && text.parse::<jiff::Timestamp>().is_err()).then(
                    || {
                        let text = quoted(format!("\"{text}\""));
                        format!("{text} is not an RFC 3339 timestamp, as declared")
                    },
                );
            }
            let kind = if text.parse::<jiff::Timestamp>().is_ok() {
                "an RFC 3339 string"
            } else if text.trim().parse::<f64>().is_ok() {
                "an epoch as a string"
            } else {
                "a string"
            };
            Some(format!("{kind} where {declared} are declared"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{Strategy, any};
    use serde_json::json;

    fn schema() -> Schema {
        Schema::compile("t", &json!({
            "type": "object",
            "properties": {
                "createdAt": {"type": "integer", "x-dapa-timestamp": "unix-seconds"},
                "ms": {"type": "integer", "x-dapa-timestamp": "unix-millis"},
                "when": {"type": "string", "x-dapa-timestamp": "rfc3339"},
                "amount": {"type": "number"},
                "ok": {"type": "boolean"},
                "channel": {"type": "string", "x-dapa-enum": ["voice", "webchat"]},
                "token": {"type": "string", "x-dapa-secret": true, "enum": ["a"]},
                "items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn members_found_in_order_as_by_look_up() {
        let words = [
            "", "a", "ab", "b", "id", "items", "ms", "ok", "token", "z", "é",
        ];
        let names: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        for any_key in [false, true] {
            for picked in 0u32..1 << 6 {
                let properties: serde_json::Map<String, Value> = (names.iter().enumerate())
                    .filter(|(i, _)| picked & (1 << (i % 6)) != 0 && i % 2 == 0)
                    .map(|(_, name)| (name.clone(), json!({"type": "string"})))
                    .collect();
                let mut described = json!({"type": "object", "properties": properties});
                if any_key {
                    described["additionalProperties"] = json!({"type": "integer"});
                }
                let schema = Schema::compile("t", &described).unwrap();
                let shape = &schema.shape;
                for keys in [&names[..], &names[3..5], &names[..1]] {
                    let mut sorted = keys.to_vec();
                    sorted.sort();
                    let mut declared = Declared::new(shape, sorted.len());
                    for key in &sorted {
                        let merged = declared.property(key).map(|s| s as *const Shape);
                        let looked_up = shape.property(key).map(|s| s as *const Shape);
                        assert_eq!(
                            merged, looked_up,
                            "{key:?} in {sorted:?}, any_key {any_key}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn long_enum_values_are_checked_but_not_kept() {
        let schema = Schema::compile(
            "t",
            &json!({"properties": {"channel": {"x-dapa-enum": ["voice"]}}}),
        )
        .unwrap();
        let fits = "v".repeat(MAX_KEPT_VALUE_BYTES - 2);
        let kept = check(&json!({"channel": fits}), "", &schema, false);
        assert_eq!(kept.enum_values.len(), 1);
        // Escapes make the JSON text longer than the string.
        for long in ["v".repeat(MAX_KEPT_VALUE_BYTES - 1), "\n".repeat(200)] {
            let outcome = check(&json!({"channel": long}), "", &schema, false);
            assert!(outcome.enum_values.is_empty());
            assert!(outcome.findings.iter().any(|f| f.code == Code::D04));
        }
    }

    #[test]
    fn observations_come_sorted_by_path() {
        // Declared in the order /a, /a/x, /a-b (the schema's nesting), and
        // sorted as /a, /a-b, /a/x; the undeclared paths fall in between.
        let schema = Schema::compile(
            "t",
            &json!({"properties": {"a": {"properties": {"x": {}}}, "a-b": {}}}),
        )
        .unwrap();
        let outcome = check(
            &json!({"a": {"x": 1, "y": 2}, "a-b": 1, "a.": 1, "a0": 1}),
            "",
            &schema,
            false,
        );
        let paths: Vec<&str> = outcome.observations.iter().map(|o| o.path).collect();
        assert_eq!(paths, ["/a", "/a-b", "/a.", "/a/x", "/a/y", "/a0"]);
        assert!(outcome.observations.once_each_in_order());
    }

    #[test]
    fn a_key_named_like_items_is_a_path_seen_twice() {
        // `/rows/*/list/*` is the declared items of one row's list and, as
        // text, the key `*` of another row's list given as an object.
        let schema = Schema::compile(
            "t",
            &json!({"properties": {"rows": {"items": {"properties": {
                "list": {"type": "array", "items": {"type": "string"}}
            }}}}}),
        )
        .unwrap();
        let outcome = check(
            &json!({"rows": [{"list": ["a"]}, {"list": {"*": 1}}]}),
            "",
            &schema,
            false,
        );
        let paths: Vec<&str> = outcome.observations.iter().map(|o| o.path).collect();
        assert_eq!(
            paths,
            [
                "/rows",
                "/rows/*",
                "/rows/*/list",
                "/rows/*/list/*",
                "/rows/*/list/*"
            ]
        );
        assert!(!outcome.observations.once_each_in_order());
    }

    fn run(value: Value) -> Vec<(Code, String)> {
        check(&value, "/result", &schema(), false)
            .findings
            .into_iter()
            .map(|f| (f.code, f.location.pointer.unwrap()))
            .collect()
    }

    #[test]
    fn one_case_per_code() {
        assert!(
            run(json!({"createdAt": 1763630000, "amount": 450.25, "items": [{"id": "x"}]}))
                .is_empty()
        );
        assert_eq!(
            run(json!({"items": [{"id": "x", "extra": 1}]})),
            [(Code::D01, "/result/items/0/extra".to_owned())]
        );
        assert_eq!(
            run(json!({"amount": "450.25"})),
            [(Code::D02, "/result/amount".to_owned())]
        );
        assert_eq!(
            run(json!({"ok": "true"})),
            [(Code::D02, "/result/ok".to_owned())]
        );
        assert_eq!(
            run(json!({"createdAt": 1763630000000u64})),
            [(Code::D03, "/result/createdAt".to_owned())]
        );
        assert_eq!(
            run(json!({"createdAt": "2026-11-20T09:12:03Z"})),
            [(Code::D03, "/result/createdAt".to_owned())]
        );
        assert_eq!(
            run(json!({"ms": 1763630000})),
            [(Code::D03, "/result/ms".to_owned())]
        );
        assert_eq!(
            run(json!({"when": 1763630000})),
            [(Code::D03, "/result/when".to_owned())]
        );
        assert_eq!(
            run(json!({"channel": "carrier-pigeon"})),
            [(Code::D04, "/result/channel".to_owned())]
        );
    }

    #[test]
    fn rfc3339_fast_path_agrees_with_a_full_parse() {
        for text in [
            "2026-11-20T09:12:03Z",
            "2026-11-20T09:12:03.152Z",
            "2026-11-20T09:12:03+01:00",
            "2026-02-28T23:59:59-05:30",
            "2026-01-31T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2026-11-20T09:12:03.123456789Z",
        ] {
            assert!(plain_rfc3339(text), "{text}");
            assert!(text.parse::<jiff::Timestamp>().is_ok(), "{text}");
        }
        // RFC 3339 allows a fraction of any length; the full parse does not.
        let finer = "2026-11-20T09:12:03.1234567891Z";
        assert!(plain_rfc3339(finer));
        assert!(finer.parse::<jiff::Timestamp>().is_err());
        for text in [
            "2026-11-20",
            "2026-11-20T09:12:03",
            "2026-13-20T09:12:03Z",
            "2026-02-30T09:12:03Z",
            "2026-02-29T09:12:03Z",
            "1900-02-29T09:12:03Z",
            "2026-04-31T09:12:03Z",
            "9999-12-31T00:00:00Z",
            "2026-11-20T29:12:03Z",
            "2026-11-20T09:12:03+30:00",
            "2026-11-20T09:12:03+01:60",
            "1763630000",
        ] {
            assert!(!plain_rfc3339(text), "{text}");
        }
        // Past the latest time the full parse reads: D03, as before.
        assert!(
            timestamp_drift(
                &json!("9999-12-31T00:00:00Z"),
                TimestampUnit::Rfc3339,
                false
            )
            .is_some()
        );
        // An offset no clock has is no RFC 3339 timestamp (D03).
        assert!(
            timestamp_drift(
                &json!("2026-11-20T09:12:03+30:00"),
                TimestampUnit::Rfc3339,
                false
            )
            .is_some()
        );
        assert!(
            timestamp_drift(
                &json!("2026-02-29T09:12:03Z"),
                TimestampUnit::Rfc3339,
                false
            )
            .is_some()
        );
        assert!(
            timestamp_drift(
                &json!("2026-11-20 09:12:03Z"),
                TimestampUnit::Rfc3339,
                false
            )
            .is_none()
        );
    }

    /// The layout of a plain timestamp's first 19 bytes, read byte by byte.
    fn fits_byte_by_byte(b: &[u8]) -> bool {
        (b.len() >= 19)
            && (b"dddd-dd-ddTdd:dd:dd".iter().zip(b)).all(|(want, byte)| match want {
                b'd' => byte.is_ascii_digit(),
                mark => byte == mark,
            })
    }

    /// Timestamps in the plain layout and near misses of it: fields at and
    /// past their ranges, the last days of 9999, one byte anywhere replaced
    /// by any byte, cut short.
    fn timestamp_like() -> impl Strategy<Value = Vec<u8>> {
        let anywhere = (
            0..10_000u32,
            0..14u32,
            0..33u32,
            0..25u32,
            0..61u32,
            0..62u32,
        );
        // The last days the full parse reads end late on 9999-12-30.
        let at_the_end = (
            proptest::strategy::Just(9_999u32),
            proptest::strategy::Just(12u32),
            28..32u32,
            0..25u32,
            0..61u32,
            0..62u32,
        );
        let fields = proptest::prop_oneof![anywhere, at_the_end];
        let tail = "(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})";
        (fields, tail, any::<u8>(), 0..32usize, 0..4u8).prop_map(
            |((year, month, day, hour, minute, second), tail, byte, at, change)| {
                let text = format!(
                    "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{tail}"
                );
                let mut bytes = text.into_bytes();
                match change {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.truncate(at),
                    _ => {}
                }
                bytes
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]
        #[test]
        fn the_fast_timestamp_check_reads_the_layout_as_bytes_do(bytes in timestamp_like()) {
            let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(()) };
            let plain = plain_rfc3339(text);
            if bytes.len() >= 20 {
                let fits = [(0, DATE_LAYOUT), (8, MIDDLE_LAYOUT), (11, TIME_LAYOUT)]
                    .iter()
                    .all(|&(at, layout)| {
                        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                        fits_layout(word, layout)
                    });
                proptest::prop_assert_eq!(fits, fits_byte_by_byte(&bytes), "{}", text);
            }
            // What the fast path takes, a full parse takes too, but for a
            // fraction finer than nanoseconds, which RFC 3339 allows.
            let fraction = bytes.get(19) == Some(&b'.')
                && bytes[20..].iter().take_while(|b| b.is_ascii_digit()).count() > 9;
            if plain && !fraction {
                proptest::prop_assert!(text.parse::<jiff::Timestamp>().is_ok(), "{}", text);
            }
        }
    }

    proptest::proptest! {
        /// A path kept from call to call is the path made whole, whatever
        /// the walk did between (keys of the same text in other places
        /// included).
        #[test]
        fn a_kept_path_is_the_path_made_whole(
            walks in proptest::collection::vec(
                proptest::collection::vec((0..5usize, any::<bool>(), 0..3usize), 0..6),
                1..12,
            ),
        ) {
            // Two copies of each key, so that equal texts lie in two places.
            let names = ["a", "b/c", "~", "", "k"];
            let copies: Vec<[String; 2]> =
                names.iter().map(|n| [(*n).to_owned(), (*n).to_owned()]).collect();
            let mut kept = NormalisedPath::default();
            for walk in &walks {
                let segments: Vec<Segment> = walk
                    .iter()
                    .map(|&(name, copy, index)| {
                        if index == 0 {
                            Segment::Index(name)
                        } else {
                            Segment::Key(&copies[name][usize::from(copy)])
                        }
                    })
                    .collect();
                let mut whole = String::new();
                for segment in &segments {
                    match segment {
                        Segment::Key(key) => push_pointer(&mut whole, key),
                        Segment::Index(_) => whole.push_str("/*"),
                    }
                }
                proptest::prop_assert_eq!(kept.of(&segments), whole.as_str());
            }
        }
    }

    const MILLIS: i64 = EPOCH_MILLIS_FROM as i64;

    proptest::proptest! {
        /// A timestamp the quick look passes is one the full check finds
        /// nothing wrong with, in every unit.
        #[test]
        fn a_timestamp_that_fits_at_a_glance_has_no_drift(
            bytes in timestamp_like(),
            number in proptest::prop_oneof![
                any::<i64>(),
                -2_000_000_000_000i64..2_000_000_000_000,
                (MILLIS - 3)..(MILLIS + 3),
                (-MILLIS - 3)..(-MILLIS + 3),
            ],
            fraction in any::<f64>(),
        ) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let values = [json!(text), json!(number), json!(number as f64 + fraction), json!(fraction), json!(null)];
            for value in &values {
                for unit in [TimestampUnit::UnixSeconds, TimestampUnit::UnixMillis, TimestampUnit::Rfc3339] {
                    if timestamp_fits(value, unit) {
                        proptest::prop_assert_eq!(timestamp_drift(value, unit, false), None, "{} as {:?}", value, unit);
                    }
                }
            }
        }
    }

    /// The outcome of the walk done while `body` is read, where it is not
    /// given up.
    fn streamed(body: &str, schema: &Schema) -> Option<DriftOutcome> {
        let mut stream = Stream::new(schema, false)?;
        crate::json::walk(body, crate::json::ParseOptions::default(), &mut stream).ok()?;
        stream.finish()
    }

    #[test]
    fn a_clean_payload_walked_while_read_has_the_outcome_of_the_tree_walk() {
        let profile = crate::analyze::tests::drift_rich_profile(false);
        let schema = &profile.schema;
        assert!(schema.walk_validates);
        let body = r#"{"status":"open","id":"ab","tags":["x","y"],"channel":"voice",
            "items":[{"id":"1","kind":"a","n":2},{"kind":"b","id":"2"}],"meta":{},
            "secs":1763630000,"ms":1763630000000,"when":"2026-11-20T09:12:03Z",
            "email":"a@b.co","amount":null,"closed":{"k~/":"v","a":1},"vault":{"pin":"1"}}"#;
        let walked = streamed(body, schema).expect("not given up");
        let value: Value = serde_json::from_str(body).unwrap();
        let built = check(&value, "", schema, false);
        assert!(built.findings.is_empty() && built.surely_valid);
        assert_eq!(walked.observations, built.observations);
        assert_eq!(walked.enum_values, built.enum_values);
        assert!(
            walked
                .enum_values
                .contains(&("/items/*/kind".to_owned(), "\"b\"".to_owned()))
        );
        // Each of these gives the walk up: the tree walk says what it is.
        for given_up in [
            r#"{"status":"open"}"#,
            r#"{"status":"shut","id":"ab"}"#,
            r#"{"status":"open","id":"ab","new":1}"#,
            r#"{"status":"open","id":"ab","tags":["x","x"]}"#,
            r#"{"status":"open","id":"ab","secs":1763630000000}"#,
            r#"{"status":"open","id":"ab","ok":"true"}"#,
            r#"{"status":"open","id":"ab","meta":{"z":1}}"#,
            r#"{"status":"open","id":"ab","email":"no"}"#,
            r#"{"status":"open","id":"ab","closed":{}}"#,
            r#"{"status":"open","id":"ab","must":{"a":1}}"#,
        ] {
            assert!(streamed(given_up, schema).is_none(), "{given_up}");
        }
    }

    #[test]
    fn new_fields_are_reported_once_at_the_top() {
        let found = run(json!({"extra": {"deep": {"deeper": 1}}}));
        assert_eq!(found, [(Code::D01, "/result/extra".to_owned())]);
    }

    #[test]
    fn secrets_are_masked() {
        let outcome = check(&json!({"token": "s3cr3t-token"}), "", &schema(), false);
        assert_eq!(outcome.findings[0].code, Code::D04);
        assert!(
            !outcome.findings[0].message.contains("s3cr3t"),
            "{}",
            outcome.findings[0].message
        );
    }

    #[test]
    fn observations_use_star_for_items() {
        let outcome = check(
            &json!({"items": [{"id": "a"}, {"id": 2}], "new": null}),
            "",
            &schema(),
            false,
        );
        let seen: Vec<(String, &str, bool)> = outcome
            .observations
            .iter()
            .flat_map(|o| {
                o.types()
                    .map(|(kind, allowed)| (o.path.to_string(), kind, allowed))
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("/items".to_owned(), "array", true),
                ("/items/*".to_owned(), "object", true),
                ("/items/*/id".to_owned(), "integer", false),
                ("/items/*/id".to_owned(), "string", true),
                ("/new".to_owned(), "null", false),
            ]
        );
    }
}

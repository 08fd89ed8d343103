//! The lint of a Data Action definition: static checks of its response
//! configuration (`translationMap`, `translationMapDefaults`,
//! `successTemplate`) and its output contract, each a finding of the
//! `definition` layer located by a JSON pointer into the definition file
//! and, since the file is on disk, by its line and column there.
//!
//! Each check is a function from the parsed [`Response`] (or the contract)
//! to [`Located`] findings; [`lint`] runs them all and places them in the
//! file. The checks that read JSONPath expressions and Velocity templates
//! (A01's syntax, A02, A03 with a template, A06-A08, A10-A12's syntax) plug
//! in here once those parsers exist: a finding inside a string names the
//! byte range of the decoded string, and [`text::raw_offset`] maps it to
//! the file.

pub mod link;
mod template;
pub mod text;

use crate::capture::Source;
use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, add_lines, note_more};
use crate::json::{self, ParseOptions, kind, push_pointer};
use crate::jsonpath::JsonPath;
use crate::profile::SchemaError;
use crate::profile::definition::is_definition_name;
use crate::profile::shape::SECRET_MARK;
use crate::record::{CaptureRecord, FindingRecord};
use crate::secret::mask_credentials;
use crate::verdict::Status;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::ops::Range;
use std::path::PathBuf;

/// Where the response configuration's parts sit in a definition.
pub const TRANSLATION_MAP: &str = "/config/response/translationMap";
/// See [`TRANSLATION_MAP`].
pub const DEFAULTS: &str = "/config/response/translationMapDefaults";
/// See [`TRANSLATION_MAP`].
pub const TEMPLATE: &str = "/config/response/successTemplate";
/// Where the output contract sits in a definition.
pub const SUCCESS_SCHEMA: &str = "/contract/output/successSchema";

/// What the lint found in one definition, as the summary keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionLint {
    /// The definition file, as it was named.
    pub source: String,
    /// The action's `name`, if it has one.
    pub name: Option<String>,
    /// The action id (`id`, API shape only).
    pub action_id: Option<String>,
    /// The action's `version` (API shape only).
    pub version: Option<u64>,
    /// The findings, by code and then place in the file.
    pub findings: Vec<FindingRecord>,
    /// What each finding is about, in the order of `findings`: the
    /// variable (A02, A04, A06, A07) or the output pointer (A10, A11), for
    /// linking a capture's findings to them ([`link`]). Not written to a
    /// summary: a lint read back links nothing.
    #[serde(skip)]
    pub subjects: Vec<Option<String>>,
}

impl DefinitionLint {
    /// The definition as a record of `dapa lint`: the file is the source,
    /// and its status is the worst group of its findings (an error-severity
    /// A code makes it `invalid`, a warning `drift`).
    pub fn record(&self, bytes: u64) -> CaptureRecord {
        let status = (self.findings.iter())
            .map(|finding| crate::verdict::status_of(finding.code, false))
            .min()
            .unwrap_or(Status::Ok);
        CaptureRecord {
            source: Source::File(self.source.clone()),
            status,
            http_status: None,
            captured_at: None,
            bytes,
            profile: None,
            findings: self.findings.clone(),
            notes: Vec::new(),
            observations: Default::default(),
            // Lines of the findings are lines of the file itself.
            header_lines: Some(0),
            enum_values: Vec::new(),
            payload: None,
            replay: None,
            definition: None,
        }
    }
}

/// The definition files `dapa lint` reads for `inputs`: a file as named
/// (whatever its name), a folder's `*.action.json` files at any depth
/// (hidden ones left out), in path order; and what could not be walked.
pub fn definition_files(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                files.push(input.clone());
                continue;
            }
            Err(error) => {
                errors.push(format!("{}: {error}", input.display()));
                continue;
            }
        }
        let walk = walkdir::WalkDir::new(input)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
        for entry in walk {
            match entry {
                Ok(entry) => {
                    let named = entry.file_name().to_str().is_some_and(is_definition_name);
                    if named && !entry.file_type().is_dir() {
                        files.push(entry.into_path());
                    }
                }
                Err(error) => errors.push(error.to_string()),
            }
        }
    }
    (files, errors)
}

/// Whether a file or folder name is hidden (`.git`).
fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".")
}

/// Add `more` to `kept`, which is in source order: a definition whose
/// source is kept already is left out (the same file read twice, or by
/// every shard of a scan).
pub fn keep_each_once(
    kept: &mut Vec<DefinitionLint>,
    more: impl IntoIterator<Item = DefinitionLint>,
) {
    for definition in more {
        if let Err(at) = kept.binary_search_by(|k| k.source.cmp(&definition.source)) {
            kept.insert(at, definition);
        }
    }
}

/// A finding of a check, before it is placed in the file: its pointer names
/// the value, and `within` a byte range of that value's decoded string (a
/// reference in the template, a character of a path).
#[derive(Debug, Clone)]
pub struct Located {
    /// The finding, with the pointer of the value it is about.
    pub finding: Finding,
    /// Bytes of the decoded string at the pointer, when the finding is
    /// about a part of it.
    pub within: Option<Range<usize>>,
    /// What the finding is about (see [`DefinitionLint::subjects`]).
    pub subject: Option<String>,
}

impl Located {
    /// A finding about the whole value at `pointer`.
    pub fn at(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Located {
        Located {
            finding: Finding::new(code, message).at_pointer(pointer),
            within: None,
            subject: None,
        }
    }

    /// The finding, about `subject` (a variable, an output pointer).
    pub fn about(mut self, subject: impl Into<String>) -> Located {
        self.subject = Some(subject.into());
        self
    }

    /// A finding about `within`, bytes of the decoded string at `pointer`.
    pub fn inside(
        code: Code,
        pointer: impl Into<String>,
        within: Range<usize>,
        message: impl Into<String>,
    ) -> Located {
        Located {
            finding: Finding::new(code, message).at_pointer(pointer),
            within: Some(within),
            subject: None,
        }
    }
}

/// The response configuration as the checks read it; each part empty when
/// the definition has none (an action read without `includeConfig`).
#[derive(Debug, Default)]
pub struct Response<'a> {
    /// `translationMap`: variable name to JSONPath, in key order.
    pub map: Vec<(&'a str, &'a Value)>,
    /// `translationMapDefaults`: variable name to JSON text, in key order.
    pub defaults: Vec<(&'a str, &'a Value)>,
    /// `successTemplate`, when it is a string.
    pub template: Option<&'a str>,
    /// Whether the definition has a `successTemplate` that is no string.
    pub template_not_text: bool,
}

impl<'a> Response<'a> {
    /// The response configuration of `document`; a part that is not the
    /// object it must be makes the definition malformed (pointer, reason).
    pub fn of(document: &'a Value) -> Result<Response<'a>, (&'static str, String)> {
        let entries = |pointer: &'static str| -> Result<Vec<(&'a str, &'a Value)>, _> {
            match document.pointer(pointer) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Object(fields)) => Ok(ordered(fields)),
                Some(other) => Err((
                    pointer,
                    format!("expected a JSON object, found {}", kind(other)),
                )),
            }
        };
        let template = document.pointer(TEMPLATE);
        Ok(Response {
            map: entries(TRANSLATION_MAP)?,
            defaults: entries(DEFAULTS)?,
            template: template.and_then(Value::as_str),
            template_not_text: template.is_some_and(|t| !t.is_string() && !t.is_null()),
        })
    }

    /// The default of a variable, if it has one.
    pub fn default_of(&self, name: &str) -> Option<&'a Value> {
        find(&self.defaults, name)
    }

    /// The translationMap path of a variable, if the map defines it.
    pub fn path_of(&self, name: &str) -> Option<&'a Value> {
        find(&self.map, name)
    }
}

/// The value of `name` among entries in key order: a binary search, as a
/// map may have 100,000 entries and every entry looks up another.
fn find<'a>(entries: &[(&'a str, &'a Value)], name: &str) -> Option<&'a Value> {
    (entries.binary_search_by(|(key, _)| (*key).cmp(name)).ok()).map(|at| entries[at].1)
}

/// The members of an object, in key order whatever the map's own order
/// (which [`find`] relies on).
fn ordered(fields: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let mut entries: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
    entries.sort_unstable_by_key(|(key, _)| *key);
    entries
}

/// Lint a definition: `shown` names the file, `text` is its content and
/// `document` its parse. A response configuration of the wrong shape is a
/// malformed definition, as a missing contract is.
pub fn lint(shown: &str, text: &str, document: &Value) -> Result<DefinitionLint, SchemaError> {
    let response =
        Response::of(document).map_err(|(pointer, message)| SchemaError::Definition {
            path: shown.to_owned(),
            pointer: pointer.to_owned(),
            message,
        })?;
    let mut located = Vec::new();
    located.extend(check_paths(&response));
    located.extend(check_defaults(&response, secret_defaults(document)));
    located.extend(check_template(&response, document.pointer(SUCCESS_SCHEMA)));
    located.extend(check_contract(document));
    let field = |key: &str| document.get(key);
    let (findings, subjects) = place(text, located).into_iter().unzip::<_, _, Vec<_>, _>();
    Ok(DefinitionLint {
        source: shown.to_owned(),
        name: field("name").and_then(Value::as_str).map(str::to_owned),
        action_id: field("id").and_then(Value::as_str).map(str::to_owned),
        version: field("version").and_then(Value::as_u64),
        findings: findings.into_iter().map(FindingRecord::from).collect(),
        subjects,
    })
}

/// A01: every translationMap value is a JSONPath string that parses, as
/// Jayway reads it; a syntax error is placed at its character.
fn check_paths(response: &Response<'_>) -> Vec<Located> {
    let mut found = Vec::new();
    for (name, path) in &response.map {
        let pointer = member(TRANSLATION_MAP, name);
        let problem = match path {
            Value::String(path) if path.trim().is_empty() => "is empty".to_owned(),
            Value::String(path) => match JsonPath::parse(path) {
                Ok(_) => continue,
                Err(error) => {
                    let start = error.offset.min(path.len().saturating_sub(1));
                    found.push(Located::inside(
                        Code::A01,
                        pointer,
                        start..(start + 1).min(path.len()),
                        format!(
                            "translationMap entry \"{}\" is not a valid JSONPath: {} (at \
                             byte {} of {})",
                            shorten(name),
                            error.message,
                            error.offset,
                            shorten(&mask_credentials(path))
                        ),
                    ));
                    continue;
                }
            },
            other => format!("is {}, not a JSONPath string", kind(other)),
        };
        found.push(Located::at(
            Code::A01,
            pointer,
            format!("translationMap entry \"{}\" {problem}", shorten(name)),
        ));
    }
    found
}

/// A04, A05 and A03 of defaults: every entry of a definite path has a
/// default, every default is JSON text, and every default belongs to an
/// entry. A default is quoted masked when `secret` (see [`secret_defaults`]).
fn check_defaults(response: &Response<'_>, secret: bool) -> Vec<Located> {
    let mut found = Vec::new();
    for (name, path) in &response.map {
        // An indefinite path (a filter, a wildcard, a deep scan) that finds
        // nothing gives `[]`, not a failure: only a definite one needs a
        // default. A path that does not parse is A01's.
        let definite = path
            .as_str()
            .is_some_and(|path| JsonPath::parse(path).is_ok_and(|path| path.is_definite()));
        if definite && response.default_of(name).is_none() {
            let path = (path.as_str())
                .map(|path| shorten(&mask_credentials(path)))
                .unwrap_or_default();
            found.push(
                Located::at(
                    Code::A04,
                    member(TRANSLATION_MAP, name),
                    format!(
                        "translationMap entry \"{}\" ({path}) has no translationMapDefaults value: \
                     a reply without it fails the action",
                        shorten(name)
                    ),
                )
                .about(*name),
            );
        }
    }
    for (name, default) in &response.defaults {
        let pointer = member(DEFAULTS, name);
        if response.path_of(name).is_none() {
            found.push(Located::at(
                Code::A03,
                pointer.clone(),
                format!(
                    "translationMapDefaults \"{}\" is the default of no translationMap entry",
                    shorten(name)
                ),
            ));
        }
        if let Some(problem) = default_problem(default, secret) {
            found.push(Located::at(
                Code::A05,
                pointer,
                format!("translationMapDefaults \"{}\" {problem}", shorten(name)),
            ));
        }
    }
    found
}

/// Whether the defaults are secret, so that a message quotes none of them:
/// those of a secure action (Genesys Cloud hides all its output), and
/// those of a contract that marks any field `x-dapa-secret` (which field a
/// default fills is the template's to say; the lint does not trace it).
fn secret_defaults(document: &Value) -> bool {
    document.get("secure") == Some(&Value::Bool(true))
        || document
            .pointer(SUCCESS_SCHEMA)
            .is_some_and(|schema| marks_secret(schema, 0))
}

/// Whether a schema marks a field secret anywhere, within the depth the
/// contract is walked ([`MAX_CONTRACT_DEPTH`]).
fn marks_secret(schema: &Value, depth: usize) -> bool {
    if depth > MAX_CONTRACT_DEPTH {
        return false;
    }
    match schema {
        Value::Object(keywords) => {
            keywords.get(SECRET_MARK) == Some(&Value::Bool(true))
                || keywords
                    .values()
                    .any(|child| marks_secret(child, depth + 1))
        }
        Value::Array(items) => items.iter().any(|child| marks_secret(child, depth + 1)),
        _ => false,
    }
}

/// What is wrong with a default, if anything: it must be a string of JSON
/// text, as the template inserts it where the value would be. Its text is
/// quoted cut short, its credentials masked, and masked whole when
/// `secret`.
fn default_problem(default: &Value, secret: bool) -> Option<String> {
    let Value::String(text) = default else {
        if secret {
            return Some(format!(
                "is {}, not a string of JSON text (write it as a string; the value is not \
                 shown: it is secret)",
                kind(default)
            ));
        }
        return Some(format!(
            "is {}, not a string of JSON text (write it as {})",
            kind(default),
            json_string(&shorten(&mask_credentials(&default.to_string())))
        ));
    };
    // Its syntax is checked at any depth: the check builds no tree, and
    // Genesys Cloud reads the default as JSON whatever its depth, so a
    // valid default nested deeper than dapa's bound of 128 is valid.
    let options = ParseOptions {
        max_depth: usize::MAX,
        lenient: false,
    };
    if json::skim(text, options).is_ok() {
        return None;
    }
    if text.trim().is_empty() {
        return Some(
            "is empty, which is not JSON text (an empty string is written \"\\\"\\\"\", \
             nothing is \"null\")"
                .to_owned(),
        );
    }
    if secret {
        return Some(format!(
            "is not JSON text: {} (a string default needs its own quotes, \"\\\"...\\\"\"; the \
             value is not shown: it is secret)",
            crate::secret::mask(text)
        ));
    }
    let shown = shorten(&mask_credentials(text));
    Some(format!(
        "is not JSON text: {shown} (a string default needs its own quotes: {})",
        json_string(&json_string(&shown))
    ))
}

/// A12 of what is no template at all, A03 of every entry when there is no
/// template to use them, and the checks of a template ([`template`]).
fn check_template(response: &Response<'_>, schema: Option<&Value>) -> Vec<Located> {
    if response.template_not_text {
        return vec![Located::at(
            Code::A12,
            TEMPLATE,
            "successTemplate is not a string",
        )];
    }
    let blank = response.template.is_none_or(|t| t.trim().is_empty());
    if !blank {
        return template::check(response, schema);
    }
    response
        .map
        .iter()
        .map(|(name, _)| {
            Located::at(
                Code::A03,
                member(TRANSLATION_MAP, name),
                format!(
                    "translationMap entry \"{}\" is used by no successTemplate (the \
                     definition has none, or an empty one)",
                    shorten(name)
                ),
            )
        })
        .collect()
}

/// How deep the contract is walked; contracts are a few levels deep.
const MAX_CONTRACT_DEPTH: usize = 64;

/// A09: no array of the output contract has array items.
///
/// Each place is kept as its parent and its last segment, and its pointer
/// is written out only for a finding kept: pointers written for every
/// place cost the depth times the length of the keys on the way, which a
/// contract of long keys made gigabytes. Past [`MAX_FINDINGS_PER_CODE`],
/// a finding is only counted ([`place`] keeps the first ones given).
fn check_contract(document: &Value) -> Vec<Located> {
    let Some(schema) = document.pointer(SUCCESS_SCHEMA) else {
        return Vec::new();
    };
    // The places met: each its parent's index and its own segment.
    let mut places: Vec<(usize, Segment<'_>)> = vec![(usize::MAX, Segment::Root)];
    let mut found = Vec::new();
    let mut stack: Vec<(usize, &Value, usize)> = vec![(0, schema, 0)];
    while let Some((place, schema, depth)) = stack.pop() {
        let Value::Object(keywords) = schema else {
            continue;
        };
        let mut items: Vec<(usize, &Value)> = Vec::new();
        match keywords.get("items") {
            Some(item @ Value::Object(_)) => {
                items.push((child(&mut places, place, Segment::Key("items")), item));
            }
            Some(Value::Array(tuple)) => {
                let at = child(&mut places, place, Segment::Key("items"));
                for (index, item) in tuple.iter().enumerate() {
                    items.push((child(&mut places, at, Segment::Index(index)), item));
                }
            }
            _ => {}
        }
        for (at, item) in &items {
            if !allows_array(item) {
                continue;
            }
            if found.len() >= MAX_FINDINGS_PER_CODE {
                found.push(Located::at(Code::A09, String::new(), String::new()));
                continue;
            }
            let array = pointer_of(&places, place);
            found.push(Located::at(
                Code::A09,
                pointer_of(&places, *at),
                format!(
                    "the output contract's array at {} has array items; output contracts do \
                     not allow arrays of arrays",
                    shorten(display_pointer(&array))
                ),
            ));
        }
        if depth >= MAX_CONTRACT_DEPTH {
            continue;
        }
        let mut children = items;
        for key in ["properties", "patternProperties", "definitions", "$defs"] {
            if let Some(Value::Object(named)) = keywords.get(key) {
                let at = child(&mut places, place, Segment::Key(key));
                for (name, schema) in named {
                    children.push((child(&mut places, at, Segment::Key(name)), schema));
                }
            }
        }
        for key in ["additionalProperties", "additionalItems", "not"] {
            if let Some(schema @ Value::Object(_)) = keywords.get(key) {
                children.push((child(&mut places, place, Segment::Key(key)), schema));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = keywords.get(key) {
                let at = child(&mut places, place, Segment::Key(key));
                for (index, schema) in branches.iter().enumerate() {
                    children.push((child(&mut places, at, Segment::Index(index)), schema));
                }
            }
        }
        // Reversed onto the stack, so findings come in document order.
        stack.extend(
            children
                .into_iter()
                .rev()
                .map(|(at, child)| (at, child, depth + 1)),
        );
    }
    found
}

/// Add a place of the contract below `parent`; its index.
fn child<'a>(places: &mut Vec<(usize, Segment<'a>)>, parent: usize, segment: Segment<'a>) -> usize {
    places.push((parent, segment));
    places.len() - 1
}

/// The pointer of place `at` ([`check_contract`]).
fn pointer_of(places: &[(usize, Segment<'_>)], mut at: usize) -> String {
    let mut path = Vec::new();
    while at != usize::MAX {
        path.push(at);
        at = places[at].0;
    }
    let mut pointer = SUCCESS_SCHEMA.to_owned();
    for &index in path.iter().rev() {
        match places[index].1 {
            Segment::Root => {}
            Segment::Key(key) => push_pointer(&mut pointer, key),
            Segment::Index(index) => push_pointer(&mut pointer, &index.to_string()),
        }
    }
    pointer
}

/// A segment of a place in the contract ([`check_contract`]).
#[derive(Clone, Copy)]
enum Segment<'a> {
    /// The contract itself.
    Root,
    /// A member.
    Key(&'a str),
    /// An item.
    Index(usize),
}

/// Whether a schema lets its value be an array.
fn allows_array(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "array",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "array"),
        _ => schema.get("items").is_some(),
    }
}

/// Place the findings in the file: the offset of the value each pointer
/// names (or of the part of its string `within` names), its length, line
/// and column. At most [`MAX_FINDINGS_PER_CODE`] per code (the first in the
/// order the checks gave them), the rest counted on the last one kept; in
/// code order, then in file order. Each with its subject.
pub fn place(text: &str, mut located: Vec<Located>) -> Vec<(Finding, Option<String>)> {
    // Capped before they are looked for: each pointer costs a look at every
    // value of the file, and a map of 50,000 entries gives as many findings.
    located.sort_by_key(|l| l.finding.code);
    let mut kept: Vec<Located> = Vec::new();
    let mut rest = located.into_iter().peekable();
    while let Some(first) = rest.next() {
        let code = first.finding.code;
        let mut run = vec![first];
        let mut total = 1;
        while let Some(next) = rest.next_if(|l| l.finding.code == code) {
            total += 1;
            if run.len() < MAX_FINDINGS_PER_CODE {
                run.push(next);
            }
        }
        if let Some(last) = run.last_mut() {
            note_more(std::slice::from_mut(&mut last.finding), total);
        }
        kept.extend(run);
    }
    let pointers: Vec<&str> = kept
        .iter()
        .map(|l| l.finding.location.pointer.as_deref().unwrap_or(""))
        .collect();
    let options = ParseOptions {
        max_depth: usize::MAX,
        lenient: false,
    };
    let starts = json::locate(text, options, &pointers);
    let found: Vec<usize> = starts.iter().flatten().copied().collect();
    let mut extents = crate::spans::value_extents(text.as_bytes(), &found).into_iter();
    let mut placed: Vec<(Finding, Option<String>)> = Vec::with_capacity(kept.len());
    for (
        Located {
            mut finding,
            within,
            subject,
        },
        start,
    ) in kept.into_iter().zip(starts)
    {
        if let Some(start) = start {
            let extent = extents.next().unwrap_or(0);
            let (offset, length) = match within {
                Some(range) => {
                    let from = text::raw_offset(text, start, range.start);
                    let to = text::raw_offset(text, start, range.end);
                    (from, to.saturating_sub(from).max(1))
                }
                None => (start, extent),
            };
            finding.location.offset = Some(offset);
            finding.location.length = Some(length);
        }
        placed.push((finding, subject));
    }
    placed.sort_by_key(|(finding, _)| (finding.code, finding.location.offset.unwrap_or(0)));
    let (mut findings, subjects): (Vec<Finding>, Vec<_>) = placed.into_iter().unzip();
    add_lines(text.as_bytes(), &mut findings);
    for finding in &mut findings {
        // Whatever a message quotes of the definition, a credential in it
        // is masked; and a pointer is cut once it has placed its finding.
        if let std::borrow::Cow::Owned(masked) = mask_credentials(&finding.message) {
            finding.message = masked;
        }
        if let Some(pointer) = &mut finding.location.pointer
            && let Some((end, _)) = pointer.char_indices().nth(MAX_POINTER_CHARS)
        {
            pointer.truncate(end);
            pointer.push_str("...");
        }
    }
    findings.into_iter().zip(subjects).collect()
}

/// The pointer of member `key` of the value at `pointer`.
pub(crate) fn member(pointer: &str, key: &str) -> String {
    let mut pointer = pointer.to_owned();
    push_pointer(&mut pointer, key);
    pointer
}

/// A pointer as a message shows it: the root is "the root".
fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the root"
    } else {
        pointer
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// Most characters of a finding's pointer: one through long keys (a
/// contract's property names of 600 KB) is cut, its finding placed by its
/// line and column.
const MAX_POINTER_CHARS: usize = 1000;

/// Most characters of the definition's own text quoted in a message.
const QUOTED_CHARS: usize = 60;

/// `text` cut to [`QUOTED_CHARS`] characters, with an ellipsis when cut.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

/// A finding of a summary read back: the fields a summary writes, with its
/// name, layer and severity made again from the code.
#[derive(Deserialize)]
struct FindingText {
    code: Code,
    message: String,
    #[serde(default)]
    pointer: Option<String>,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    line: Option<usize>,
    #[serde(default)]
    column: Option<usize>,
}

/// A definition's lint as a summary lists it, read field by field so that
/// its findings are read knowing the definition (a summary writes `source`
/// first) and refused by name once they pass what a lint keeps.
impl<'de> Deserialize<'de> for DefinitionLint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = DefinitionLint;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a definition's lint")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DefinitionLint, A::Error> {
                use serde::de::Error;
                let mut source: Option<String> = None;
                let (mut name, mut action_id, mut version) = (None, None, None);
                let mut findings: Option<Vec<FindingRecord>> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let key: &str = &key;
                    let taken = match key {
                        "source" => source.replace(map.next_value()?).is_some(),
                        "name" => name.replace(map.next_value()?).is_some(),
                        "action_id" => action_id.replace(map.next_value()?).is_some(),
                        "version" => version.replace(map.next_value()?).is_some(),
                        "findings" => {
                            let of = source.as_deref().unwrap_or("a definition");
                            let read = map.next_value_seed(Findings { of })?;
                            findings.replace(read).is_some()
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            false
                        }
                    };
                    if taken {
                        return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                }
                Ok(DefinitionLint {
                    source: source.ok_or_else(|| A::Error::missing_field("source"))?,
                    name: name.flatten(),
                    action_id: action_id.flatten(),
                    version: version.flatten(),
                    findings: findings.ok_or_else(|| A::Error::missing_field("findings"))?,
                    subjects: Vec::new(),
                })
            }
        }
        const FIELDS: &[&str] = &["source", "name", "action_id", "version", "findings"];
        deserializer.deserialize_struct("DefinitionLint", FIELDS, Fields)
    }
}

/// The findings of the definition `of`, at most [`MAX_FINDINGS_PER_CODE`]
/// of each code as a lint keeps them: the first past that is refused before
/// the rest of the list is read.
struct Findings<'a> {
    of: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for Findings<'_> {
    type Value = Vec<FindingRecord>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let mut findings = Vec::new();
        let mut per_code = std::collections::BTreeMap::<Code, usize>::new();
        crate::summary::read_each(deserializer, "findings", |text: FindingText| {
            let count = per_code.entry(text.code).or_default();
            *count += 1;
            if *count > MAX_FINDINGS_PER_CODE {
                return Err(format!(
                    "{} lists more than {MAX_FINDINGS_PER_CODE} findings of {}, more than a lint keeps",
                    self.of, text.code
                ));
            }
            let mut finding = Finding::new(text.code, text.message);
            finding.location.pointer = text.pointer;
            finding.location.offset = text.offset;
            finding.location.line = text.line;
            finding.location.column = text.column;
            findings.push(FindingRecord::from(finding));
            Ok(())
        })?;
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_definitions_lint_reads_back_field_by_field() {
        let written = r#"{"source":"d","name":"n","action_id":null,"version":3,"findings":[{"code":"A04","message":"m","pointer":"/a"}]}"#;
        let read: DefinitionLint = serde_json::from_str(written).unwrap();
        assert_eq!(
            (read.source.as_str(), read.name.as_deref(), read.version),
            ("d", Some("n"), Some(3))
        );
        assert_eq!(read.findings[0].pointer.as_deref(), Some("/a"));
        // Fields a later dapa may add are ignored; those it needs are not.
        let newer = written.replacen("{", r#"{"colour":[1],"#, 1);
        assert!(serde_json::from_str::<DefinitionLint>(&newer).is_ok());
        let twice = written.replacen("{", r#"{"source":"e","#, 1);
        let error = serde_json::from_str::<DefinitionLint>(&twice).unwrap_err();
        assert!(
            error.to_string().contains("duplicate field `source`"),
            "{error}"
        );
        let error = serde_json::from_str::<DefinitionLint>(r#"{"source":"d"}"#).unwrap_err();
        assert!(
            error.to_string().contains("missing field `findings`"),
            "{error}"
        );
    }

    fn codes(document: &Value) -> Vec<(Code, String)> {
        let text = serde_json::to_string_pretty(document).unwrap();
        lint("a.action.json", &text, document)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.code, f.pointer.unwrap_or_default()))
            .collect()
    }

    fn response(map: Value, defaults: Value, template: &str) -> Value {
        json!({"config": {"response": {"translationMap": map,
            "translationMapDefaults": defaults, "successTemplate": template}},
            "contract": {"output": {"successSchema": {"type": "object"}}}})
    }

    #[test]
    fn a_clean_definition_has_no_findings() {
        let clean = response(
            json!({"email": "$.email"}),
            json!({"email": "\"\""}),
            "{\"email\": ${email}}",
        );
        assert_eq!(codes(&clean), []);
    }

    #[test]
    fn a04_an_entry_without_a_default() {
        let document = response(
            json!({"email": "$.email", "id": "$.id"}),
            json!({"id": "\"\""}),
            "{\"email\": $!{email}, \"id\": ${id}}",
        );
        assert_eq!(
            codes(&document),
            [(Code::A04, format!("{TRANSLATION_MAP}/email"))]
        );
    }

    #[test]
    fn a05_a_default_that_is_not_json_text() {
        let document = response(
            json!({"status": "$.status", "n": "$.n", "e": "$.e"}),
            json!({"status": "UNKNOWN", "n": 0, "e": ""}),
            "[${status}, ${n}, ${e}]",
        );
        let found = lint("a", &document.to_string(), &document).unwrap();
        let messages: Vec<&str> = found.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            found.findings.iter().map(|f| f.code).collect::<Vec<_>>(),
            [Code::A05; 3]
        );
        assert!(
            messages.iter().any(|m| m.contains(r#""\"UNKNOWN\"""#)),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("is a number")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("is empty")),
            "{messages:?}"
        );
    }

    #[test]
    fn a03_a_default_of_no_entry_and_entries_without_a_template() {
        let orphan = response(json!({"a": "$.a"}), json!({"a": "1", "b": "2"}), "${a}");
        assert_eq!(codes(&orphan), [(Code::A03, format!("{DEFAULTS}/b"))]);
        let no_template = response(json!({"a": "$.a"}), json!({"a": "1"}), "  ");
        assert_eq!(
            codes(&no_template),
            [(Code::A03, format!("{TRANSLATION_MAP}/a"))]
        );
    }

    #[test]
    fn a01_and_a12_of_values_that_are_no_strings() {
        let mut document = response(json!({"a": 3, "b": ""}), json!({"a": "1", "b": "1"}), "");
        document["config"]["response"]["successTemplate"] = json!({"x": 1});
        assert_eq!(
            codes(&document),
            [
                (Code::A01, format!("{TRANSLATION_MAP}/a")),
                (Code::A01, format!("{TRANSLATION_MAP}/b")),
                (Code::A12, TEMPLATE.to_owned()),
            ]
        );
    }

    #[test]
    fn a09_arrays_of_arrays_anywhere_in_the_contract() {
        let document = json!({"contract": {"output": {"successSchema": {
            "type": "object", "properties": {
                "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
                "ok": {"type": "array", "items": {"type": "object"}},
                "either": {"anyOf": [{"type": "array", "items": {"type": ["array", "null"]}}]}}}}}});
        assert_eq!(
            codes(&document),
            [
                (
                    Code::A09,
                    format!("{SUCCESS_SCHEMA}/properties/either/anyOf/0/items")
                ),
                (Code::A09, format!("{SUCCESS_SCHEMA}/properties/rows/items")),
            ]
        );
    }

    #[test]
    fn findings_have_lines_and_columns_in_the_file() {
        let text = "{\n  \"config\": {\"response\": {\n    \"translationMap\": {\"email\": \"$.e\"},\n    \"successTemplate\": \"${email}\"}}}";
        let document: Value = serde_json::from_str(text).unwrap();
        let found = lint("a", text, &document).unwrap();
        let a04 = &found.findings[0];
        assert_eq!(a04.code, Code::A04);
        assert_eq!((a04.line, a04.column), (Some(3), Some(33)));
    }

    #[test]
    fn a_part_inside_a_string_is_placed_past_its_escapes() {
        let text = r#"{"config": {"response": {"successTemplate": "{\"a\": ${a}}"}}}"#;
        let located = vec![Located::inside(Code::A02, TEMPLATE, 6..10, "x")];
        let placed = place(text, located);
        let offset = placed[0].0.location.offset.unwrap();
        assert_eq!(&text[offset..offset + 4], "${a}");
        assert_eq!(placed[0].0.location.length, Some(4));
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        let document = json!({"config": {"response": {"translationMap": []}}});
        let error = lint("a", "{}", &document).unwrap_err();
        assert!(error.to_string().contains(TRANSLATION_MAP), "{error}");
    }

    #[test]
    fn many_findings_of_a_code_are_capped() {
        let map: Map<String, Value> = (0..50_000)
            .map(|i| (format!("v{i}"), json!("$.x")))
            .collect();
        let document = response(Value::Object(map), json!({}), "${v0}");
        let started = std::time::Instant::now();
        let found = lint("a", &document.to_string(), &document).unwrap();
        assert!(started.elapsed().as_secs() < 10);
        let a04: Vec<_> = (found.findings.iter())
            .filter(|f| f.code == Code::A04)
            .collect();
        assert_eq!(a04.len(), MAX_FINDINGS_PER_CODE);
        assert!(a04[19].message.ends_with("(and 49980 more like it)"));
    }

    fn messages(document: &Value) -> Vec<String> {
        let found = lint("a", &document.to_string(), document).unwrap();
        found.findings.into_iter().map(|f| f.message).collect()
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstu";

    #[test]
    fn a05_quotes_a_secret_default_masked() {
        let key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        let mut secure = response(json!({"t": "$.t"}), json!({"t": key}), "${t}");
        secure["secure"] = json!(true);
        let mut marked = response(json!({"t": "$.t"}), json!({"t": key}), "${t}");
        marked["contract"]["output"]["successSchema"] =
            json!({"properties": {"t": {"type": "string", "x-dapa-secret": true}}});
        for document in [&secure, &marked] {
            let found = messages(document);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].contains("(32 characters)"), "{found:?}");
            assert!(!found[0].contains("sk_live"), "{found:?}");
        }
        // Not a string either: its kind, not its value.
        secure["config"]["response"]["translationMapDefaults"]["t"] = json!({"pin": 1234});
        let found = messages(&secure);
        assert!(found[0].contains("is an object"), "{found:?}");
        assert!(!found[0].contains("1234"), "{found:?}");
    }

    #[test]
    fn a05_and_a01_mask_a_credential_whatever_the_action() {
        let plain = response(
            json!({"t": format!("$.t[?(@.k == '{JWT}'")}),
            json!({"t": JWT}),
            "${t}",
        );
        let found = messages(&plain);
        assert_eq!(found.len(), 2, "{found:?}");
        for message in &found {
            assert!(!message.contains("eyJhbGciOiJIUzI1NiJ9"), "{message}");
        }
        assert!(found[1].contains("eyJh… (70 characters)"), "{found:?}");
    }

    #[test]
    fn a05_reads_a_default_at_any_depth() {
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        assert_eq!(default_problem(&json!(deep), false), None);
        let deeper = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(default_problem(&json!(deeper), false), None);
        let broken = format!("{}{}", "[".repeat(130), "]".repeat(129));
        let problem = default_problem(&json!(broken), false).unwrap();
        assert!(problem.starts_with("is not JSON text: [[[["), "{problem}");
    }

    #[test]
    fn quoted_names_defaults_and_pointers_are_cut_short() {
        let long = "k".repeat(10_000);
        let document = response(
            json!({ long.clone(): "$.a" }),
            json!({ long.clone(): format!("x{long}") }),
            "{}",
        );
        for message in messages(&document) {
            assert!(
                message.len() < 400,
                "{} bytes: {message:.100}",
                message.len()
            );
        }
        let mut schema = json!({"type": "array", "items": {"type": "array"}});
        for _ in 0..3 {
            schema = json!({"properties": { long.clone(): schema }});
        }
        let document = json!({"contract": {"output": {"successSchema": schema}}});
        let found = lint("a", &document.to_string(), &document).unwrap();
        let a09 = &found.findings[0];
        assert_eq!(a09.code, Code::A09);
        assert!(a09.message.len() < 200, "{}", a09.message.len());
        let pointer = a09.pointer.as_deref().unwrap();
        assert!(
            pointer.ends_with("...") && pointer.len() < 1010,
            "{pointer:.80}"
        );
        // Placed all the same, at the items of the array.
        let at = a09.offset.unwrap();
        assert!(document.to_string()[at..].starts_with("{\"type\":\"array\"}"));
    }

    #[test]
    fn a09_past_the_cap_are_counted() {
        let properties: Map<String, Value> = (0..100)
            .map(|i| (format!("p{i:03}"), json!({"items": {"type": "array"}})))
            .collect();
        let document =
            json!({"contract": {"output": {"successSchema": {"properties": properties}}}});
        let found = lint("a", &document.to_string(), &document).unwrap();
        assert_eq!(found.findings.len(), MAX_FINDINGS_PER_CODE);
        let last = &found.findings[MAX_FINDINGS_PER_CODE - 1];
        assert!(
            last.message.ends_with("(and 80 more like it)"),
            "{}",
            last.message
        );
        assert!(last.pointer.as_deref().unwrap().ends_with("/p019/items"));
    }
}

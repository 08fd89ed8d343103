//! The checks of `successTemplate` against the rest of the definition:
//! its Velocity syntax (A12), the variables it uses (A02, A03), references
//! that can print their own name (A06) or sit unescaped inside a JSON
//! string (A07), its literal JSON skeleton (A08) and the keys that skeleton
//! writes against the output contract (A10, A11).
//!
//! Every finding inside the template names a byte range of the decoded
//! template string; [`super::place`] maps it into the file.

use super::{Located, Response, SUCCESS_SCHEMA, TEMPLATE, TRANSLATION_MAP, member, shorten};
use crate::finding::Code;
use crate::json::{self, ParseOptions};
use crate::jsonpath::JsonPath;
use crate::velocity::{BinOp, Expr, Node, Reference, Template};
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Range;

/// Root variables every template has besides its translationMap entries:
/// the raw reply, the Genesys tools, Velocity's loop variables, and the
/// action's inputs (Genesys resolves `${input.x}` in every template of an
/// action, the success template included).
const BUILT_INS: [&str; 8] = [
    "rawResult",
    "esc",
    "math",
    "successTemplateUtils",
    "foreach",
    "velocityCount",
    "velocityHasNext",
    "input",
];

/// Roots whose value is safe inside a JSON string: the escape tool itself,
/// numbers of the math tool and of the loop counters.
const SAFE_IN_STRING: [&str; 5] = ["esc", "math", "foreach", "velocityCount", "velocityHasNext"];

/// What stands for a reference inside a string literal of the skeleton:
/// a private-use character, so a key holding it is known to be computed.
const MARK: char = '\u{E000}';

/// The template checks. `schema` is the output contract, if any.
pub(super) fn check(response: &Response<'_>, schema: Option<&Value>) -> Vec<Located> {
    let Some(text) = response.template else {
        return Vec::new();
    };
    if text.trim().is_empty() {
        return Vec::new();
    }
    let template = match Template::parse(text) {
        Ok(template) => template,
        Err(error) => {
            let at = point(text, error.offset);
            return vec![Located::inside(
                Code::A12,
                TEMPLATE,
                at,
                format!("successTemplate is not valid Velocity: {}", error.message),
            )];
        }
    };
    let mut found = variables(response, &template);
    let outputs = output_references(&template);
    found.extend(can_print_name(response, &outputs));
    found.extend(unescaped(response, &outputs));
    if let Some(skeleton) = Skeleton::of(&template) {
        found.extend(skeleton.check(schema));
    }
    found
}

/// A one-byte range at `offset` of `text` (the last byte at its end).
fn point(text: &str, offset: usize) -> Range<usize> {
    let start = offset.min(text.len().saturating_sub(1));
    start..(start + 1).min(text.len()).max(start)
}

/// A02 and A03: every variable used is defined, every entry is used.
fn variables(response: &Response<'_>, template: &Template) -> Vec<Located> {
    let mut defined: BTreeSet<&str> = BUILT_INS.into_iter().collect();
    // Velocity 1.7 has no null literal: `$null`, a name nobody defines, is
    // the idiom for one (`#if($email == $null)`), not a typo.
    defined.insert("null");
    defined.extend(response.map.iter().map(|(name, _)| *name));
    let mut assigned = Vec::new();
    assigned_names(&template.nodes, &mut assigned);
    defined.extend(assigned.iter().map(String::as_str));
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut found = Vec::new();
    for reference in template.references().filter(|r| !escaped(r)) {
        let name = reference.name.as_str();
        // Each undefined name once, at its first use.
        if used.insert(name) && !defined.contains(name) {
            let shown = shorten(name);
            found.push(
                Located::inside(
                    Code::A02,
                    TEMPLATE,
                    reference.span.clone(),
                    format!(
                        "successTemplate uses ${shown}, which no translationMap entry defines \
                     (nor #set, #foreach or a built-in: rawResult, input, esc, math, \
                     successTemplateUtils)"
                    ),
                )
                .about(name),
            );
        }
    }
    for (name, _) in &response.map {
        if !used.contains(name) {
            found.push(Located::at(
                Code::A03,
                member(TRANSLATION_MAP, name),
                format!(
                    "translationMap entry \"{}\" is used nowhere in successTemplate",
                    shorten(name)
                ),
            ));
        }
    }
    found
}

/// The names `#set` assigns and `#foreach` loops over, anywhere.
fn assigned_names(nodes: &[Node], names: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Set { target, .. } => names.push(target.name.clone()),
            Node::Foreach { var, body, .. } => {
                names.push(var.clone());
                assigned_names(body, names);
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (_, body) in branches {
                    assigned_names(body, names);
                }
                if let Some(body) = otherwise {
                    assigned_names(body, names);
                }
            }
            _ => {}
        }
    }
}

/// Whether a backslash escapes the reference (it is then text).
fn escaped(reference: &Reference) -> bool {
    reference.backslashes % 2 == 1
}

/// A reference that writes to the output, and whether it stands inside a
/// JSON string literal of the template's text.
struct Output<'t> {
    reference: &'t Reference,
    in_string: bool,
    /// Whether an enclosing `#if` (or `#elseif`) tests the reference's
    /// variable, so it is written only when it has a value.
    guarded: bool,
}

/// The references that write to the output (in any branch or loop body),
/// in text order, each with whether the literal text before it left a JSON
/// string open. The text is read in source order through every branch, a
/// sound reading for the usual `"key": "#if(...)$a#else$b#end"`.
fn output_references(template: &Template) -> Vec<Output<'_>> {
    let mut scan = StringScan::default();
    let mut found = Vec::new();
    let mut guards = Vec::new();
    let mut walk = OutputWalk {
        text: template.text(),
        scan: &mut scan,
        guards: &mut guards,
    };
    walk.nodes(&template.nodes, &mut found);
    found
}

/// The state of [`output_references`] through nested directives.
struct OutputWalk<'w> {
    text: &'w str,
    scan: &'w mut StringScan,
    /// The variables the enclosing `#if` conditions test.
    guards: &'w mut Vec<String>,
}

impl OutputWalk<'_> {
    fn nodes<'t>(&mut self, nodes: &'t [Node], found: &mut Vec<Output<'t>>) {
        let text = self.text;
        for node in nodes {
            match node {
                Node::Text { span } => self.scan.feed(&text[span.clone()]),
                Node::Unparsed { content, .. } => self.scan.feed(&text[content.clone()]),
                Node::Reference(reference) if !escaped(reference) => {
                    self.scan.escape = false;
                    found.push(Output {
                        reference,
                        in_string: self.scan.in_string,
                        guarded: self.guards.contains(&reference.name),
                    });
                }
                Node::If {
                    branches,
                    otherwise,
                    ..
                } => {
                    for (condition, body) in branches {
                        let before = self.guards.len();
                        tested(condition, self.guards);
                        self.nodes(body, found);
                        self.guards.truncate(before);
                    }
                    if let Some(body) = otherwise {
                        self.nodes(body, found);
                    }
                }
                Node::Foreach { body, .. } => self.nodes(body, found),
                _ => {}
            }
        }
    }
}

/// The variables a condition tests as a whole or in `&&`/`||`, `!=`:
/// `#if($x)`, `#if($x && $y)`, `#if($x != "")`.
fn tested(condition: &Expr, names: &mut Vec<String>) {
    match condition {
        Expr::Reference(reference) => names.push(reference.name.clone()),
        Expr::Binary(BinOp::And | BinOp::Or | BinOp::Ne, left, right, _) => {
            tested(left, names);
            tested(right, names);
        }
        _ => {}
    }
}

/// Whether the JSON text read so far leaves a string literal open.
#[derive(Default)]
struct StringScan {
    in_string: bool,
    /// The last character was a backslash inside a string.
    escape: bool,
}

impl StringScan {
    fn feed(&mut self, text: &str) {
        for byte in text.bytes() {
            if self.escape {
                self.escape = false;
            } else if self.in_string && byte == b'\\' {
                self.escape = true;
            } else if byte == b'"' {
                self.in_string = !self.in_string;
            }
        }
    }
}

/// A06: a reference that is not silent to an entry that can be missing.
/// An entry can be missing when it has no default and its path is
/// definite: an indefinite path (a wildcard, a filter, a deep scan) gives
/// an array, empty when nothing matches, never nothing.
fn can_print_name(response: &Response<'_>, outputs: &[Output<'_>]) -> Vec<Located> {
    let mut found = Vec::new();
    for Output {
        reference, guarded, ..
    } in outputs
    {
        if reference.silent || *guarded {
            continue;
        }
        let name = reference.name.as_str();
        let Some(path) = response.path_of(name) else {
            continue;
        };
        let definite = path
            .as_str()
            .and_then(|path| JsonPath::parse(path).ok())
            .is_some_and(|path| path.is_definite());
        if !definite || response.default_of(name).is_some() {
            continue;
        }
        let subject = name;
        let name = shorten(name);
        let (shown, quiet) = if reference.formal {
            (format!("${{{name}}}"), format!("$!{{{name}}}"))
        } else {
            (format!("${name}"), format!("$!{name}"))
        };
        found.push(
            Located::inside(
                Code::A06,
                TEMPLATE,
                reference.span.clone(),
                format!(
                    "successTemplate writes {shown} and \"{name}\" has no translationMapDefaults \
                     value: when the reply has none, {shown} itself reaches the output; add a \
                     default or write {quiet}"
                ),
            )
            .about(subject),
        );
    }
    found
}

/// A07: a reference inside a JSON string literal of the template that no
/// escape wraps.
fn unescaped(response: &Response<'_>, outputs: &[Output<'_>]) -> Vec<Located> {
    let mut found = Vec::new();
    for Output {
        reference,
        in_string,
        ..
    } in outputs
    {
        let name = reference.name.as_str();
        if !in_string || SAFE_IN_STRING.contains(&name) {
            continue;
        }
        let mapped = response.path_of(name).is_some();
        let subject = name;
        let name = shorten(name);
        let why = if mapped {
            // A translationMap value is JSON text: a string keeps its quotes.
            format!(
                "a translationMap value is JSON text, so a string keeps its own quotes (\"\"Bob\"\") \
                 and any other value is not escaped; write ${name} as the value, outside quotes"
            )
        } else {
            format!(
                "a quote or backslash in the value breaks the output; write \
                 $esc.jsonString(${name})"
            )
        };
        found.push(
            Located::inside(
                Code::A07,
                TEMPLATE,
                reference.span.clone(),
                format!("successTemplate inserts ${name} inside a JSON string: {why}"),
            )
            .about(subject),
        );
    }
    found
}

/// The template's literal text with every reference replaced: a string
/// `"\u{E000}"` where it stands as a value (it can be any JSON value), the
/// bare mark inside a string literal. Only for templates whose text does
/// not depend on the data: no `#if`, `#foreach`, construct outside the
/// subset or escaped reference (taking every branch would need every
/// combination of branches; one is not the output).
struct Skeleton {
    text: String,
    /// (start in `text`, start in the template, length in `text`, whether
    /// it is a placeholder), in order.
    pieces: Vec<(usize, usize, usize, bool)>,
    template_len: usize,
}

impl Skeleton {
    fn of(template: &Template) -> Option<Skeleton> {
        let source = template.text();
        let mut skeleton = Skeleton {
            text: String::with_capacity(source.len()),
            pieces: Vec::new(),
            template_len: source.len(),
        };
        let mut scan = StringScan::default();
        for node in &template.nodes {
            match node {
                Node::Text { span } => {
                    scan.feed(&source[span.clone()]);
                    skeleton.push(&source[span.clone()], span.start, false);
                }
                Node::Unparsed { content, .. } => {
                    scan.feed(&source[content.clone()]);
                    skeleton.push(&source[content.clone()], content.start, false);
                }
                Node::Reference(reference) if !escaped(reference) => {
                    scan.escape = false;
                    let placeholder = if scan.in_string {
                        MARK.to_string()
                    } else {
                        format!("\"{MARK}\"")
                    };
                    skeleton.push(&placeholder, reference.span.start, true);
                }
                Node::Set { .. } | Node::Comment { .. } => {}
                _ => return None,
            }
        }
        Some(skeleton)
    }

    fn push(&mut self, piece: &str, from: usize, placeholder: bool) {
        self.pieces
            .push((self.text.len(), from, piece.len(), placeholder));
        self.text.push_str(piece);
    }

    /// The template offset of a skeleton offset: inside a placeholder, the
    /// reference's start.
    fn template_offset(&self, offset: usize) -> usize {
        let index = self.pieces.partition_point(|(start, ..)| *start <= offset);
        match index.checked_sub(1).map(|i| self.pieces[i]) {
            Some((start, from, length, placeholder)) if offset < start + length => {
                if placeholder {
                    from
                } else {
                    from + (offset - start)
                }
            }
            _ => self.template_len,
        }
    }

    /// A08 when the skeleton is no JSON; else A10 and A11 against `schema`.
    fn check(&self, schema: Option<&Value>) -> Vec<Located> {
        let options = ParseOptions::default();
        let parsed = match json::parse(&self.text, options) {
            Ok(parsed) => parsed,
            Err(error) => {
                let at = self.template_offset(error.offset);
                let end = (at + 1).min(self.template_len);
                return vec![Located::inside(
                    Code::A08,
                    TEMPLATE,
                    at..end.max(at),
                    format!(
                        "successTemplate does not give JSON once its references are replaced: {}",
                        error.message
                    ),
                )];
            }
        };
        let Some(schema) = schema else {
            return Vec::new();
        };
        let mut found = Vec::new();
        self.keys(
            &parsed.value,
            schema,
            String::new(),
            SUCCESS_SCHEMA.to_owned(),
            &mut found,
        );
        self.place_keys(&mut found);
        found
    }

    /// Give each A10 the template bytes of the key it is about, all found
    /// in one pass over the skeleton: one pass for each key took minutes
    /// for a template writing 90,000 keys.
    fn place_keys(&self, found: &mut [Located]) {
        let undeclared = |l: &&mut Located| l.finding.code == Code::A10;
        let pointers: Vec<&str> = (found.iter())
            .filter(|l| l.finding.code == Code::A10)
            .map(|l| l.subject.as_deref().unwrap_or(""))
            .collect();
        if pointers.is_empty() {
            return;
        }
        let starts = json::locate(&self.text, ParseOptions::default(), &pointers);
        for (located, start) in found.iter_mut().filter(undeclared).zip(starts) {
            located.within = Some(self.key_range(start));
        }
    }

    /// A10 and A11 of one object the skeleton writes and the schema of its
    /// place, and of its members whose schema declares properties too.
    fn keys(
        &self,
        written: &Value,
        schema: &Value,
        at: String,
        schema_at: String,
        found: &mut Vec<Located>,
    ) {
        // The skeleton's nesting is bounded by the JSON parser's depth.
        let Value::Object(members) = written else {
            return;
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        let computed = members.keys().any(|key| key.contains(MARK));
        if let Some(properties) = properties {
            let open_patterns = schema.get("patternProperties").is_some();
            for (key, value) in members {
                let key_at = member(&at, key);
                match properties.get(key) {
                    Some(child) => self.keys(
                        value,
                        child,
                        key_at,
                        member(&member(&schema_at, "properties"), key),
                        found,
                    ),
                    None if key.contains(MARK) || open_patterns => {}
                    // Placed by `place_keys`, all at once.
                    None => found.push(
                        Located::inside(
                            Code::A10,
                            TEMPLATE,
                            0..0,
                            format!(
                                "successTemplate writes \"{}\"{}, which the output contract \
                                 does not declare",
                                shorten(key),
                                shown_at(&at)
                            ),
                        )
                        .about(key_at),
                    ),
                }
            }
        }
        let required = schema.get("required").and_then(Value::as_array);
        if computed {
            return;
        }
        for (index, name) in required.into_iter().flatten().enumerate() {
            let Some(name) = name.as_str() else { continue };
            if !members.contains_key(name) {
                found.push(
                    Located::at(
                        Code::A11,
                        member(&member(&schema_at, "required"), &index.to_string()),
                        format!(
                            "the output contract requires \"{}\"{} but successTemplate \
                             never writes it",
                            shorten(name),
                            shown_at(&at)
                        ),
                    )
                    .about(member(&at, name)),
                );
            }
        }
    }

    /// The template bytes of the key of the member whose value starts at
    /// `value` of the skeleton: found back past the colon to the key's
    /// quotes.
    fn key_range(&self, value: Option<usize>) -> Range<usize> {
        let Some(value) = value else {
            return 0..self.template_len.min(1);
        };
        let before = &self.text[..value];
        let key_end = before
            .rfind(':')
            .and_then(|colon| before[..colon].rfind('"'))
            .unwrap_or(value);
        // The key's opening quote: the last quote before its closing one
        // that no backslash escapes (a key's length in the text can differ
        // from the decoded `key` by its escapes).
        let bytes = self.text.as_bytes();
        let mut start = key_end.saturating_sub(1);
        while start > 0 && !(bytes[start] == b'"' && bytes[start - 1] != b'\\') {
            start -= 1;
        }
        self.template_offset(start)..self.template_offset(key_end) + 1
    }
}

/// " in /path" for a nested object, nothing at the top.
fn shown_at(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" in {}", shorten(pointer))
    }
}

#[cfg(test)]
mod tests {
    use super::super::lint;
    use super::*;
    use serde_json::json;

    /// The codes of a definition with this response and contract, each with
    /// the file's text where it is placed (its first 12 characters).
    fn lint_of(map: Value, defaults: Value, template: &str, schema: Value) -> Vec<(Code, String)> {
        let document = json!({"config": {"response": {"translationMap": map,
            "translationMapDefaults": defaults, "successTemplate": template}},
            "contract": {"output": {"successSchema": schema}}});
        let text = serde_json::to_string_pretty(&document).unwrap();
        let found = lint("a.action.json", &text, &document).unwrap();
        (found.findings.into_iter())
            .map(|f| {
                let at = f.offset.unwrap_or(0);
                (f.code, text[at..].chars().take(12).collect())
            })
            .collect()
    }

    /// Whether `found` are these codes, placed where these texts start.
    fn placed(found: &[(Code, String)], expected: &[(Code, &str)]) -> bool {
        found.len() == expected.len()
            && (found.iter().zip(expected))
                .all(|((code, at), (want, text))| code == want && at.starts_with(text))
    }

    fn codes(map: Value, defaults: Value, template: &str) -> Vec<Code> {
        lint_of(map, defaults, template, json!({"type": "object"}))
            .into_iter()
            .map(|(code, _)| code)
            .collect()
    }

    #[test]
    fn a01_a_path_that_does_not_parse_is_found_at_its_character() {
        let found = lint_of(
            json!({"a": "$.a[?(@.x == 1"}),
            json!({"a": "1"}),
            "{\"a\": ${a}}",
            json!({}),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Code::A01);
        assert_eq!(
            codes(json!({"a": "$.a[0].b"}), json!({"a": "1"}), "${a}"),
            []
        );
    }

    #[test]
    fn a12_a_template_that_does_not_parse() {
        assert_eq!(
            codes(json!({}), json!({}), "{\"a\": #if($x) 1 }"),
            [Code::A12]
        );
    }

    #[test]
    fn a02_undefined_variables_and_what_is_defined_otherwise() {
        let found = lint_of(json!({}), json!({}), "{\"a\": ${nope}}", json!({}));
        assert!(placed(&found, &[(Code::A02, "${nope}")]), "{found:?}");
        let defined = "#set($n = 1)#foreach($i in $list)$i $foreach.count $velocityCount#end\
            $rawResult $input.id $esc.quote $math.add($n, 1) $successTemplateUtils\
            #if($n == $null)#end";
        assert_eq!(
            codes(json!({"list": "$.l[*]"}), json!({"list": "[]"}), defined),
            []
        );
    }

    #[test]
    fn a03_an_entry_the_template_never_uses() {
        assert_eq!(
            codes(
                json!({"a": "$.a", "b": "$.b"}),
                json!({"a": "1", "b": "1"}),
                "{\"a\": ${a}}"
            ),
            [Code::A03]
        );
    }

    #[test]
    fn a06_a_reference_that_can_print_its_name() {
        let found = lint_of(json!({"a": "$.a"}), json!({}), "{\"a\": ${a}}", json!({}));
        assert!(
            placed(&found, &[(Code::A04, "\"$.a\""), (Code::A06, "${a}")]),
            "{found:?}"
        );
        // A default, a silent reference, an indefinite path: no A06.
        assert_eq!(codes(json!({"a": "$.a"}), json!({"a": "1"}), "${a}"), []);
        assert_eq!(codes(json!({"a": "$.a"}), json!({}), "$!{a}"), [Code::A04]);
        assert_eq!(codes(json!({"a": "$..a"}), json!({}), "${a}"), []);
        // Written only when an #if tests it; not in its #else.
        let guarded = "#if($a && $input.x)${a}#elseif($a != 1)${a}#else null#end";
        assert_eq!(codes(json!({"a": "$.a"}), json!({}), guarded), [Code::A04]);
        let unguarded = "#if($input.x)${a}#else${a}#end";
        assert_eq!(
            codes(json!({"a": "$.a"}), json!({}), unguarded),
            [Code::A04, Code::A06, Code::A06]
        );
    }

    #[test]
    fn a07_a_reference_inside_a_json_string() {
        let found = lint_of(
            json!({"a": "$.a"}),
            json!({"a": "\"\""}),
            "{\"a\": \"x ${a}\", \"b\": \"$esc.jsonString($input.b)\", \"c\": \"${input.c}\"}",
            json!({}),
        );
        assert!(
            placed(&found, &[(Code::A07, "${a}"), (Code::A07, "${input.c}")]),
            "{found:?}"
        );
        // A value outside quotes, a quote escaped in the literal text.
        assert_eq!(
            codes(json!({"a": "$.a"}), json!({"a": "1"}), "{\"a\\\"\": ${a}}"),
            []
        );
    }

    #[test]
    fn a07_says_why_per_kind_of_variable() {
        let document = json!({"config": {"response": {"translationMap": {"a": "$.a"},
            "translationMapDefaults": {"a": "1"},
            "successTemplate": "{\"a\": \"${a}\", \"b\": \"$input.b\"}"}}});
        let text = document.to_string();
        let found = lint("a", &text, &document).unwrap().findings;
        assert!(found[0].message.contains("outside quotes"), "{found:?}");
        assert!(
            found[1].message.contains("$esc.jsonString($b)")
                || found[1].message.contains("$esc.jsonString($input)"),
            "{found:?}"
        );
    }

    #[test]
    fn a08_a_skeleton_that_is_no_json() {
        let found = lint_of(
            json!({"a": "$.a"}),
            json!({"a": "1"}),
            "{\"a\": ${a} \"b\": 1}",
            json!({}),
        );
        assert!(placed(&found, &[(Code::A08, "\\\"b")]), "{found:?}");
        let cut = codes(json!({"a": "$.a"}), json!({"a": "1"}), "{\"a\": ${a}");
        assert_eq!(cut, [Code::A08]);
        // A computed key, a value in a string, ${rawResult} alone, a #set:
        // JSON once replaced; #if is not checked.
        for fine in [
            "{${a}: 1}",
            "{\"a\": \"<${a}>\"}",
            "${rawResult}",
            "#set($x = 1)\n{\"a\": ${a}}",
            "#if($a)[#else{#end",
        ] {
            let found = codes(json!({"a": "$.a"}), json!({"a": "\"k\""}), fine);
            assert!(!found.contains(&Code::A08), "{fine}: {found:?}");
        }
    }

    #[test]
    fn a10_and_a11_keys_against_the_contract() {
        let schema = json!({"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                "inner": {"type": "object", "required": ["x"], "properties": {"x": {}}}}});
        let found = lint_of(
            json!({"a": "$.a"}),
            json!({"a": "1"}),
            "{\"id\": ${a}, \"nmae\": ${a}, \"inner\": {\"y\": 1}}",
            schema.clone(),
        );
        let codes: Vec<Code> = found.iter().map(|(code, _)| *code).collect();
        assert_eq!(
            codes,
            [Code::A10, Code::A10, Code::A11, Code::A11],
            "{found:?}"
        );
        assert!(found[0].1.starts_with("\\\"nmae\\\""), "{found:?}");
        // Every key written, or a computed key: nothing; ${rawResult}: skipped.
        for fine in [
            "{\"id\": ${a}, \"name\": ${a}}",
            "{\"id\": ${a}, ${a}: 1}",
            "${a}",
        ] {
            let found = lint_of(json!({"a": "$.a"}), json!({"a": "1"}), fine, schema.clone());
            assert_eq!(found, [], "{fine}");
        }
        assert_eq!(lint_of(json!({}), json!({}), "${rawResult}", schema), []);
    }

    #[test]
    fn hostile_templates_are_bounded() {
        let started = std::time::Instant::now();
        let huge = format!(
            "{{\"a\": \"{}\"}}",
            "x".repeat(crate::velocity::MAX_TEMPLATE_BYTES)
        );
        assert_eq!(codes(json!({}), json!({}), &huge), [Code::A12]);
        let deep = "#if(true)".repeat(100_000);
        assert_eq!(codes(json!({}), json!({}), &deep), [Code::A12]);
        let almost = format!("{{\"a\": \"{}\"}}", "\\u00e9".repeat(1000));
        assert_eq!(codes(json!({}), json!({}), &almost), []);
        assert!(started.elapsed().as_secs() < 20);
    }

    #[test]
    fn a_finding_past_escapes_points_at_the_reference() {
        let found = lint_of(
            json!({}),
            json!({}),
            "{\"\u{e9}\\n\": \"${nope}\"}",
            json!({}),
        );
        let expected = [(Code::A02, "${nope}"), (Code::A07, "${nope}")];
        assert!(placed(&found, &expected), "{found:?}");
    }

    #[test]
    fn a10_of_many_keys_are_placed_in_one_pass() {
        // One parse of the skeleton for each key: 6.8 s for 16,000 keys.
        let keys: Vec<String> = (0..16_000).map(|i| format!("\"k{i:05}\": 1")).collect();
        let template = format!("{{{}}}", keys.join(", "));
        let started = std::time::Instant::now();
        let found = lint_of(
            json!({}),
            json!({}),
            &template,
            json!({"properties": {"x": {}}}),
        );
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
        assert_eq!(found.len(), 20);
        for (index, (code, at)) in found.iter().enumerate() {
            assert_eq!(*code, Code::A10);
            assert!(at.starts_with(&format!("\\\"k{index:05}\\\"")), "{at}");
        }
    }
}

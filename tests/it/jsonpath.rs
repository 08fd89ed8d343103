//! dapa's JSONPath against Jayway's recorded answers: every query of the
//! JSONPath comparison project's regression suite must give what Jayway
//! JsonPath gives (value, list, not found, or invalid path), except the
//! queries listed with a reason in `tests/jsonpath/exceptions.toml`.

use dapa::jsonpath::{JsonPath, QueryError, Selection};
use serde_json::Value;
use std::collections::BTreeMap;

const SUITE: &str = include_str!("../jsonpath/regression_suite.yaml");
const JAYWAY: &str = include_str!("../jsonpath/Java_com.jayway.jsonpath.yaml");
const EXCEPTIONS: &str = include_str!("../jsonpath/exceptions.toml");

/// One `- id:` entry of the generated YAML: its `key: value` lines. The
/// files are written by the project's scripts one field a line, each value
/// JSON (or a bare word such as NOT_FOUND), so no YAML parser is needed.
fn entries(yaml: &str) -> Vec<BTreeMap<String, String>> {
    let mut entries: Vec<BTreeMap<String, String>> = Vec::new();
    for line in yaml.lines() {
        if let Some(id) = line.strip_prefix("  - id: ") {
            entries.push(BTreeMap::from([("id".to_owned(), id.to_owned())]));
        } else if let Some(field) = line.strip_prefix("    ") {
            let (key, value) = field.split_once(':').expect("a key: value line");
            let entry = entries.last_mut().expect("a field after an id");
            entry.insert(key.to_owned(), value.trim_start().to_owned());
        }
    }
    entries
}

/// What Jayway answered.
#[derive(Debug)]
enum Expected {
    Value(Value),
    List {
        values: Vec<Value>,
        ordered: bool,
    },
    /// An answer recorded as JSON without saying whether it was a list.
    Json(Value),
    NotFound,
    NotSupported,
    Error,
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {text}: {e}"))
}

fn recorded(text: &str) -> Expected {
    match text {
        "NOT_FOUND" => Expected::NotFound,
        "NOT_SUPPORTED" => Expected::NotSupported,
        _ => Expected::Json(json(text)),
    }
}

/// Jayway's answer for a query: its own recorded result where the report
/// lists it (it differs from the consensus or there is none), else the
/// consensus in the shape Jayway gives (the comparison flags Jayway as
/// returning a scalar for a single possible match, and "not found" as an
/// error only for such a query).
fn expected(
    query: &BTreeMap<String, String>,
    jayway: &BTreeMap<String, BTreeMap<String, String>>,
) -> Expected {
    let ordered = query.get("ordered").map(String::as_str) != Some("false");
    if let Some(own) = jayway.get(&query["id"]) {
        return match (own["status"].as_str(), own.get("result")) {
            ("error", _) => Expected::Error,
            (_, Some(result)) => match recorded(result) {
                Expected::Json(Value::Array(values)) if !ordered => {
                    Expected::List { values, ordered }
                }
                other => other,
            },
            (status, None) => panic!("{}: status {status} without a result", query["id"]),
        };
    }
    if let Some(not_found) = query.get("scalar-not-found-consensus") {
        assert_eq!(not_found, "NOT_FOUND");
        return Expected::NotFound;
    }
    if let Some(scalar) = query.get("scalar-consensus") {
        return Expected::Value(json(scalar));
    }
    let consensus = query
        .get("consensus")
        .unwrap_or_else(|| panic!("{}: no consensus and no Jayway result", query["id"]));
    match recorded(consensus) {
        Expected::Json(Value::Array(values)) => Expected::List { values, ordered },
        Expected::Json(other) => panic!("{}: a consensus that is not a list: {other}", query["id"]),
        other => other,
    }
}

/// Numbers compare by value: the recorded answers are canonical JSON, where
/// Jayway's Double 10.0 is written 10.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn same_unordered(a: &[Value], b: &[Value]) -> bool {
    let mut left: Vec<&Value> = a.iter().collect();
    let mut unmatched: Vec<&Value> = b.iter().collect();
    if left.len() != unmatched.len() {
        return false;
    }
    left.retain(
        |value| match unmatched.iter().position(|other| same(value, other)) {
            Some(at) => {
                unmatched.swap_remove(at);
                false
            }
            None => true,
        },
    );
    left.is_empty()
}

fn matches(expected: &Expected, actual: &Result<Selection, String>, error: Option<&str>) -> bool {
    match (expected, actual) {
        (Expected::Value(want), Ok(Selection::Value(got))) => same(want, got),
        (
            Expected::List {
                values,
                ordered: true,
            },
            Ok(Selection::List(got)),
        ) => same(&Value::Array(values.clone()), &Value::Array(got.clone())),
        (
            Expected::List {
                values,
                ordered: false,
            },
            Ok(Selection::List(got)),
        ) => same_unordered(values, got),
        (Expected::Json(want), Ok(selection)) => same(want, &selection.clone().into_value()),
        (Expected::NotFound, Err(_)) => error == Some("not found"),
        (Expected::NotSupported, Err(_)) => error == Some("invalid"),
        (Expected::Error, Err(_)) => true,
        _ => false,
    }
}

#[test]
fn jsonpath_gives_jaywayʼs_recorded_answers() {
    let jayway: BTreeMap<String, BTreeMap<String, String>> = entries(JAYWAY)
        .into_iter()
        .map(|entry| (entry["id"].clone(), entry))
        .collect();
    let exceptions: toml::Table = toml::from_str(EXCEPTIONS).expect("exceptions.toml");
    let exceptions = exceptions
        .get("exceptions")
        .and_then(|t| t.as_table())
        .cloned()
        .unwrap_or_default();
    let queries = entries(SUITE);
    assert!(
        queries.len() > 250,
        "the suite holds {} queries",
        queries.len()
    );
    let (mut passing, mut excepted, mut failures) = (0, 0, Vec::new());
    for query in &queries {
        let id = &query["id"];
        let selector: String =
            serde_json::from_str(&query["selector"]).expect("a JSON string selector");
        let document = json(&query["document"]);
        let want = expected(query, &jayway);
        let (got, kind) = match JsonPath::parse(&selector) {
            Err(error) => (Err(error.to_string()), Some("invalid")),
            Ok(path) => match path.query(&document) {
                Ok(selection) => (Ok(selection), None),
                Err(error @ QueryError::NotFound { .. }) => {
                    (Err(error.to_string()), Some("not found"))
                }
                Err(error @ QueryError::Invalid { .. }) => {
                    (Err(error.to_string()), Some("invalid"))
                }
                Err(error) => (Err(error.to_string()), Some("error")),
            },
        };
        let ok = matches(&want, &got, kind);
        match (ok, exceptions.contains_key(id.as_str())) {
            (true, false) => passing += 1,
            (false, true) => excepted += 1,
            (true, true) => failures.push(format!(
                "{id}: listed as an exception but now gives Jayway's answer"
            )),
            (false, false) => failures.push(format!(
                "{id}: {selector}\n    Jayway: {want:?}\n    dapa:   {got:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries differ from Jayway ({passing} passing, {excepted} exceptions):\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );
    // docs/jsonpath.md states the count; keep it true.
    let docs = include_str!("../../docs/jsonpath.md");
    let claim = format!(
        "{passing} of {} queries give Jayway 2.10.0's answer, {excepted} exceptions",
        queries.len()
    );
    assert!(
        docs.contains(&claim),
        "docs/jsonpath.md should say: {claim}"
    );
}

/// The shapes a translationMap relies on: a definite path gives its value
/// or "not found", an indefinite one a list, empty when nothing matches.
#[test]
fn jsonpath_gives_jayway_shapes_for_translation_map_paths() {
    let reply = json(
        r#"{"contacts":[{"purpose":"customer","id":"c1"},{"purpose":"agent","id":"a1"}],"total":2}"#,
    );
    let query = |path: &str| JsonPath::parse(path).expect("valid").query(&reply);
    assert_eq!(query("$.total"), Ok(Selection::Value(json("2"))));
    assert_eq!(
        query("$.contacts[-1].id"),
        Ok(Selection::Value(json(r#""a1""#)))
    );
    assert_eq!(
        query("$.contacts[?(@.purpose==\"customer\")].id"),
        Ok(Selection::List(vec![json(r#""c1""#)]))
    );
    assert_eq!(
        query("$.contacts[?(@.purpose=='nobody')].id"),
        Ok(Selection::List(vec![]))
    );
    assert_eq!(
        query("$.contacts.length()"),
        Ok(Selection::Value(json("2")))
    );
    assert!(matches!(
        query("$.missing"),
        Err(QueryError::NotFound { .. })
    ));
    assert!(JsonPath::parse("$.contacts[?(@.id)]").is_ok_and(|p| !p.is_definite()));
    assert!(JsonPath::parse("$.contacts[0].id").is_ok_and(|p| p.is_definite()));
}

/// Hostile paths are refused with an offset, never a stack overflow.
#[test]
fn jsonpath_refuses_hostile_paths() {
    for path in [
        "[".repeat(100_000),
        format!("${}", "..a".repeat(50_000)),
        format!("$[?({}@.a{})]", "(".repeat(5_000), ")".repeat(5_000)),
        format!("${}", "[?(@".repeat(3_000)),
        format!("$[?({}@.a)]", "!".repeat(5_000)),
        "$[?(@.a =~ /(a{1000}){1000}/)]".to_owned(),
        "$[?(@.a =~ /(?<=x)a/)]".to_owned(),
    ] {
        let error = JsonPath::parse(&path).expect_err("refused");
        assert!(error.offset <= path.len(), "{}", error.message);
    }
}

/// A 100,000-deep document is refused by its depth; a scan of scans over a
/// wide one stops at the step bound instead of running for minutes.
#[test]
fn jsonpath_bounds_hostile_documents() {
    let mut deep = Value::Null;
    for _ in 0..100_000 {
        deep = Value::Array(vec![deep]);
    }
    let path = JsonPath::parse("$..*").expect("valid");
    assert!(matches!(path.query(&deep), Err(QueryError::Limit { .. })));
    // Dropping it would recurse 100,000 levels inside serde_json.
    std::mem::forget(deep);

    // A chain 500 deep: each `..*` scans the subtree of every value the one
    // before it selected, so the third one needs tens of millions of steps.
    let mut chain = json("0");
    for _ in 0..500 {
        chain = Value::Array(vec![chain, json("1")]);
    }
    let started = std::time::Instant::now();
    let result = JsonPath::parse("$..*..*..*").expect("valid").query(&chain);
    assert!(
        matches!(result, Err(QueryError::Limit { .. })),
        "not stopped at a bound"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-5i64..50).prop_map(Value::from),
            "[a-c@' ]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-c0-2]", inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Paths built from the dialect's own pieces, so that most of them parse.
    fn path() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just(".a"),
            Just(".b"),
            Just("..a"),
            Just(".*"),
            Just("..*"),
            Just("[0]"),
            Just("[-1]"),
            Just("[1:3]"),
            Just("[:-1]"),
            Just("[-2:]"),
            Just("['a','b']"),
            Just("[0,1]"),
            Just("[?(@.a)]"),
            Just("[?(@.a==1)]"),
            Just("[?(@.b=~/a.*/i)]"),
            Just("[?(@.a in [1,2] || !@.b)]"),
            Just("[?(@.a > 'b' && @.c size 2)]"),
            Just(".length()"),
            Just(".sum()"),
            Just(".first()"),
            Just(".keys()"),
            Just("[?(@.a anyof [1])]"),
            Just("["),
            Just("'"),
            Just("("),
            Just(")"),
        ];
        prop::collection::vec(piece, 0..6).prop_map(|pieces| format!("${}", pieces.concat()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = JsonPath::parse(&text);
        }

        #[test]
        fn query_never_panics(path in path(), document in document()) {
            if let Ok(path) = JsonPath::parse(&path) {
                match path.query(&document) {
                    Ok(Selection::Value(_)) => prop_assert!(path.is_definite()),
                    Ok(Selection::List(_)) => prop_assert!(!path.is_definite()),
                    Err(_) => {}
                }
            }
        }
    }
}

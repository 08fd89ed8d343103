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
    eprintln!(
        "JSONPath against Jayway: {passing} passing, {excepted} exceptions, {} failing, of {}",
        failures.len(),
        queries.len()
    );
    assert!(
        failures.is_empty(),
        "{} queries differ from Jayway:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

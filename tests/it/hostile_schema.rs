//! Schemas and output contracts made to cost dapa memory rather than time:
//! a long property name with thousands of places below it, and one that
//! references bring to thousands of places. Each was a schema of 700 KB
//! that took 7 to 14 GB; every run here is bounded to 512 MiB and 20 s.

use crate::util::{Folder, dapa_bounded};
use serde_json::{Value, json};

/// A property name of 600 KB.
fn long_name() -> String {
    "k".repeat(600_000)
}

/// An object schema with 5,000 string fields under one long name.
fn fields_under_a_long_name() -> Value {
    fields_under(long_name(), 5_000)
}

/// An object schema with `count` string fields under the name `name`.
fn fields_under(name: String, count: usize) -> Value {
    let fields: serde_json::Map<String, Value> = (0..count)
        .map(|i| (format!("c{i}"), json!({"type": "string"})))
        .collect();
    json!({"type": "object", "properties": {name: {"type": "object", "properties": fields}}})
}

/// A folder with one capture and `schema` written as `schema.json`.
fn folder_with(schema: &Value, capture: &Value) -> Folder {
    let folder = Folder::new();
    folder.write("schema.json", schema.to_string().as_bytes());
    folder.write("captures/one.json", capture.to_string().as_bytes());
    folder
}

fn bounded(args: &[&str]) -> crate::util::Output {
    dapa_bounded(512, 20, args).run()
}

#[test]
fn a_schema_whose_places_repeat_a_long_name_is_refused_before_it_is_compiled() {
    let folder = folder_with(&fields_under_a_long_name(), &json!({"a": 1}));
    let schema = folder.join("schema.json").display().to_string();
    let captures = folder.join("captures").display().to_string();
    let output = bounded(&["scan", &captures, "--schema", &schema, "-q"]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("schema.json is too large to compile")
            && output.stderr.contains("more than 64 MiB"),
        "{}",
        output.stderr
    );
}

#[test]
fn an_output_contract_whose_places_repeat_a_long_name_is_refused_by_lint_and_scan() {
    let mut definition: Value = serde_json::from_str(
        &std::fs::read_to_string("samples/definitions/get-customer-email.action.json").unwrap(),
    )
    .unwrap();
    definition["contract"]["output"]["successSchema"] = fields_under_a_long_name();
    let folder = Folder::new();
    folder.write("long.action.json", definition.to_string().as_bytes());
    folder.write(
        "one.json",
        br#"{"customerId": 1, "email": "a@example.org"}"#,
    );
    let path = folder.join("long.action.json").display().to_string();
    for args in [
        vec!["lint", path.as_str()],
        vec!["scan", folder.path_str(), "-q"],
    ] {
        let output = bounded(&args);
        assert_eq!(output.code, 2, "{args:?}: {}", output.stderr);
        assert!(
            output
                .stderr
                .contains("successSchema is too large to compile"),
            "{args:?}: {}",
            output.stderr
        );
    }
}

#[test]
fn a_long_name_that_references_bring_to_thousands_of_places_turns_drift_off() {
    // The name is once in the schema, so the validator keeps it once; the
    // shape copied it to each of the 5,000 places.
    let places: serde_json::Map<String, Value> = (0..5_000)
        .map(|i| (format!("c{i}"), json!({"$ref": "#/$defs/long"})))
        .collect();
    let schema = json!({
        "type": "object",
        "$defs": {"long": {"type": "object", "properties": {long_name(): {"type": "string"}}}},
        "properties": places,
    });
    let folder = folder_with(&schema, &json!({"c1": {"k": "x"}, "c2": 5}));
    let schema = folder.join("schema.json").display().to_string();
    let captures = folder.join("captures").display().to_string();
    let output = bounded(&[
        "scan", &captures, "--schema", &schema, "--format", "jsonl", "-q",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert!(
        output.stderr.contains("too large to walk for drift"),
        "{}",
        output.stderr
    );
    // The validator still checks the capture: `c2` is no object.
    assert!(output.stdout.contains("V0"), "{}", output.stdout);
}

#[test]
fn a_declared_path_longer_than_the_drift_table_keeps_is_checked_not_kept() {
    // 2,000 bytes of name: under the bound on a schema's paths, over the
    // drift table's bound on one path.
    let name = "n".repeat(2_000);
    let schema = json!({
        "type": "object",
        "properties": {
            name.clone(): {"type": "object", "properties": {"id": {"type": "integer"}}},
            "short": {"type": "integer"},
        },
    });
    let folder = folder_with(&schema, &json!({name.clone(): {"id": "7"}, "short": 1}));
    let schema = folder.join("schema.json").display().to_string();
    let captures = folder.join("captures").display().to_string();
    let output = bounded(&[
        "scan", &captures, "--schema", &schema, "--format", "json", "-q",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    let summary: Value = serde_json::from_str(&output.stdout).unwrap();
    // Each row's `field`, of the summary's list `list`.
    let listed = |list: &str, field: &str| -> Vec<String> {
        let rows = summary[list].as_array().expect("a list");
        rows.iter()
            .filter_map(|row| row[field].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(listed("drift", "path"), ["/short"]);
    // The value under it is still checked: an integer sent as a string,
    // which the schema forbids and drift names.
    let codes = listed("codes", "code");
    assert_eq!(codes, ["V02", "D02"]);
}

/// Forty levels of `allOf` that each name the next level twice, by
/// `reference(level)`: 2^40 places once unfolded, from a schema of 4 KB.
fn doubling_by(reference: impl Fn(usize) -> String) -> Value {
    let mut defs = serde_json::Map::new();
    for level in 0..40 {
        let next = json!({"$ref": reference(level + 1)});
        defs.insert(
            format!("l{level}"),
            json!({"$anchor": format!("a{level}"), "allOf": [next.clone(), next]}),
        );
    }
    defs.insert("l40".into(), json!({"$anchor": "a40", "type": "string"}));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.org/root.json",
        "$ref": reference(0),
        "$defs": defs,
    })
}

/// How a level of [`doubling_by`] is named.
type Naming = fn(usize) -> String;

/// The unfolding of a reference whose text names no place as a pointer
/// does: each took 10 to 22 GB in 30 s, unfinished.
#[test]
fn references_by_anchor_encoded_pointer_or_id_are_unfolded_before_compiling() {
    let references: [(&str, Naming); 4] = [
        ("anchor", |level| format!("#a{level}")),
        ("encoded pointer", |level| format!("#/%24defs/l{level}")),
        ("absolute $id", |level| {
            format!("https://example.org/root.json#/$defs/l{level}")
        }),
        ("relative $id", |level| format!("root.json#/$defs/l{level}")),
    ];
    for (what, reference) in references {
        let folder = folder_with(&doubling_by(reference), &json!({"a": "x"}));
        assert_refused_as_unfolding(&folder, what);
    }
}

/// The same forty levels as forty-one files beside the schema, each naming
/// the next twice.
#[test]
fn references_across_files_beside_the_schema_are_unfolded_before_compiling() {
    let folder = Folder::new();
    for level in 0..40 {
        let next = json!({"$ref": format!("l{}.json", level + 1)});
        let file = json!({"allOf": [next.clone(), next]});
        folder.write(&format!("l{level}.json"), file.to_string().as_bytes());
    }
    folder.write("l40.json", br#"{"type": "string"}"#);
    folder.write("schema.json", br#"{"$ref": "l0.json"}"#);
    folder.write("captures/one.json", br#""x""#);
    assert_refused_as_unfolding(&folder, "files");
}

/// `scan` of the folder's `captures` against its `schema.json` refuses the
/// schema for what it unfolds into.
fn assert_refused_as_unfolding(folder: &Folder, what: &str) {
    let schema = folder.join("schema.json").display().to_string();
    let captures = folder.join("captures").display().to_string();
    let output = bounded(&["scan", &captures, "--schema", &schema, "-q"]);
    assert_eq!(output.code, 2, "{what}: {}", output.stderr);
    assert!(
        output.stderr.contains("once its references are unfolded"),
        "{what}: {}",
        output.stderr
    );
}

#[test]
fn an_output_contract_unfolding_by_anchor_is_refused_by_lint() {
    let mut definition: Value = serde_json::from_str(
        &std::fs::read_to_string("samples/definitions/get-customer-email.action.json").unwrap(),
    )
    .unwrap();
    definition["contract"]["output"]["successSchema"] = doubling_by(|level| format!("#a{level}"));
    let folder = Folder::new();
    folder.write("doubling.action.json", definition.to_string().as_bytes());
    let path = folder.join("doubling.action.json").display().to_string();
    let output = bounded(&["lint", &path]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("once its references are unfolded"),
        "{}",
        output.stderr
    );
}

/// `dapa scan --schema` of a schema that names `file` (written as
/// `file.json`) under `uris` URIs (`file.json?0`, `file.json?1`, ...): as
/// many resources to the validator, each within the bound on a file.
fn scan_naming_one_file_under_many_uris(file: &Value, uris: usize) -> crate::util::Output {
    let references: Vec<Value> = (0..uris)
        .map(|i| json!({"$ref": format!("file.json?{i}")}))
        .collect();
    let folder = folder_with(&json!({"allOf": references}), &json!({"a": 1}));
    folder.write("file.json", file.to_string().as_bytes());
    let schema = folder.join("schema.json").display().to_string();
    let captures = folder.join("captures").display().to_string();
    bounded(&["scan", &captures, "--schema", &schema, "-q"])
}

/// One file of 15 MB named under sixty URIs took 1.9 GB.
#[test]
fn one_file_referenced_under_many_uris_is_bounded_all_told() {
    let big = json!({"type": "object", "description": "x".repeat(15_000_000)});
    let output = scan_naming_one_file_under_many_uris(&big, 60);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output
            .stderr
            .contains("with the files referenced before it"),
        "{}",
        output.stderr
    );
}

/// One file of 30 KB whose places' paths come to 20 MB (1,000 fields under
/// a 20 KB name), named under forty URIs: within the budget of the paths
/// one by one, 800 MB all told in the validator.
#[test]
fn one_file_referenced_under_many_uris_shares_the_budget_of_the_paths() {
    let output = scan_naming_one_file_under_many_uris(&fields_under("k".repeat(20_000), 1_000), 40);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("with those of the files")
            && output.stderr.contains("more than 64 MiB"),
        "{}",
        output.stderr
    );
}

//! Hostile inputs of `dapa lint` and `dapa replay`: the output of a secure
//! definition is secret as a whole, even where it is no JSON and only the
//! syntax layer and R05 can speak of it; and a translation map of 50,000
//! entries is linted in bounded time (it took minutes when each entry
//! searched the others one by one).

use crate::util::{Folder, dapa, dapa_bounded};
use serde_json::{Value, json};

/// A secure definition whose template strips the quotes from the email, so
/// that a reply's email lands in the output as a bare word.
fn secure_bare_word_definition() -> Value {
    json!({
        "name": "Secure bare word",
        "secure": true,
        "config": {"response": {
            "translationMap": {"email": "$.email"},
            "translationMapDefaults": {"email": "\"\""},
            "successTemplate": "#set($bare = $email.replace('\"', '')){\"email\": $bare, \"e\": \"x\\q\"}"
        }},
        "contract": {"output": {"successSchema": {
            "type": "object", "properties": {"email": {"type": "string"}}
        }}}
    })
}

#[test]
fn a_secure_output_that_is_no_json_is_never_quoted() {
    let folder = Folder::new();
    let definition = secure_bare_word_definition().to_string();
    folder.write("secure.action.json", definition.as_bytes());
    folder.write("reply.json", br#"{"email": "hunter2secret"}"#);
    for format in [
        "table", "jsonl", "json", "sarif", "markdown", "html", "junit",
    ] {
        let out = dapa(&["replay", "--format", format, "--definition"])
            .arg(folder.join("secure.action.json"))
            .arg(folder.join("reply.json"))
            .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains("R05"), "{format}: R05 is reported: {shown}");
        assert!(
            !shown.contains("hunter2"),
            "{format}: a secret reply value is quoted: {shown}"
        );
    }
    // With --show-secrets the syntax finding says what it found.
    let out = dapa(&[
        "replay",
        "--show-secrets",
        "--format",
        "jsonl",
        "--definition",
    ])
    .arg(folder.join("secure.action.json"))
    .arg(folder.join("reply.json"))
    .run();
    assert!(out.stdout.contains("hunter2"), "{}", out.stdout);
}

/// A definition of `entries` variables `v0`... whose paths find nothing in
/// `{}` and which all have a default; the template writes `v1`.
fn wide_definition(entries: usize) -> String {
    let map: serde_json::Map<String, Value> = (0..entries)
        .map(|i| (format!("v{i}"), json!(format!("$.a{i}"))))
        .collect();
    let defaults: serde_json::Map<String, Value> = (0..entries)
        .map(|i| (format!("v{i}"), json!("0")))
        .collect();
    json!({
        "name": "Wide",
        "config": {"response": {
            "translationMap": map,
            "translationMapDefaults": defaults,
            "successTemplate": "{\"n\": ${v1}}"
        }},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    })
    .to_string()
}

#[test]
fn a_translation_map_of_50000_entries_is_linted_in_bounded_time() {
    let folder = Folder::new();
    folder.write("wide.action.json", wide_definition(50_000).as_bytes());
    let path = folder.join("wide.action.json").display().to_string();
    let out = dapa_bounded(256, 20, &["lint", "--format", "jsonl", &path]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("A03"),
        "unused entries are reported: {}",
        out.stdout
    );
}

#[test]
fn a_secure_capture_that_is_no_json_is_never_quoted_by_scan() {
    let folder = Folder::new();
    let definition = secure_bare_word_definition().to_string();
    folder.write("secure.action.json", definition.as_bytes());
    folder.write("capture.json", br#"{"email": hunter2secret, "e": "\q"}"#);
    let out = dapa(&["scan", "--format", "jsonl", "--definition"])
        .arg(folder.join("secure.action.json"))
        .arg(folder.join("capture.json"))
        .run();
    assert!(out.stdout.contains("S03"), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
}

/// Every variable takes its default (R02): the record keeps a few R02 and
/// counts the rest, and the summary is built in bounded time (it took
/// minutes when each finding was compared with all the others).
#[test]
fn a_reply_where_50000_defaults_stand_in_gives_a_bounded_record() {
    let folder = Folder::new();
    folder.write("wide.action.json", wide_definition(50_000).as_bytes());
    folder.write("reply.json", b"{}");
    let definition = folder.join("wide.action.json").display().to_string();
    let reply = folder.join("reply.json").display().to_string();
    let out = dapa_bounded(
        256,
        20,
        &[
            "replay",
            "-j",
            "2",
            "--format",
            "jsonl",
            "--definition",
            &definition,
            &reply,
        ],
    )
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record: Value = serde_json::from_str(out.stdout.trim()).expect("one record");
    let r02: Vec<&str> = (record["findings"].as_array().expect("findings").iter())
        .filter(|f| f["code"] == "R02")
        .map(|f| f["message"].as_str().expect("a message"))
        .collect();
    assert_eq!(r02.len(), 20, "{r02:?}");
    assert!(r02[19].ends_with("(and 49980 more like it)"), "{}", r02[19]);
}

/// One field marked `x-dapa-secret` is enough: where the body does not
/// parse, dapa cannot tell which text is that field's, so no syntax message
/// quotes the body, unless `--show-secrets`.
#[test]
fn a_body_that_does_not_parse_is_never_quoted_when_one_field_is_secret() {
    let folder = Folder::new();
    let schema = json!({"type": "object", "properties": {
        "token": {"type": "string", "x-dapa-secret": true},
        "name": {"type": "string"}}});
    folder.write("schema.json", schema.to_string().as_bytes());
    folder.write("capture.json", br#"{"name": "a", "token": hunter2secret}"#);
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "jsonl", "--fail-on", "none"];
        args.extend_from_slice(extra);
        dapa(&args)
            .arg("--schema")
            .arg(folder.join("schema.json"))
            .arg(folder.join("capture.json"))
            .run()
    };
    let masked = scan(&[]);
    assert!(masked.stdout.contains("S03"), "{}", masked.stdout);
    assert!(!masked.stdout.contains("hunter2"), "{}", masked.stdout);
    let shown = scan(&["--show-secrets"]);
    assert!(shown.stdout.contains("hunter2"), "{}", shown.stdout);
}

/// `explain` of such a body: a quote inside the secret ends its string
/// early, so what follows may be the secret too; everything from the secret
/// key's value on is masked.
#[test]
fn explain_masks_the_rest_of_a_body_broken_inside_a_secret() {
    let folder = Folder::new();
    let schema = json!({"type": "object", "properties": {
        "token": {"type": "string", "x-dapa-secret": true}}});
    folder.write("schema.json", schema.to_string().as_bytes());
    folder.write(
        "capture.json",
        br#"{"name": "a", "token": "abc"hunter2secret"}"#,
    );
    let out = dapa(&["explain", "--color", "never", "--schema"])
        .arg(folder.join("schema.json"))
        .arg(folder.join("capture.json"))
        .run();
    assert!(out.stdout.contains("S03"), "{}", out.stdout);
    assert!(out.stdout.contains(r#""name": "a""#), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
    assert!(!out.stdout.contains("abc"), "{}", out.stdout);
}

/// One field of the contract marked `x-dapa-secret` is enough for R05 too:
/// the output does not parse, so no message quotes its text.
#[test]
fn r05_never_quotes_an_output_whose_contract_marks_one_secret_field() {
    let folder = Folder::new();
    let mut definition = secure_bare_word_definition();
    definition["secure"] = json!(false);
    definition["contract"]["output"]["successSchema"]["properties"]["email"]["x-dapa-secret"] =
        json!(true);
    folder.write("one.action.json", definition.to_string().as_bytes());
    folder.write("reply.json", br#"{"email": "hunter2secret"}"#);
    let out = dapa(&["replay", "--format", "jsonl", "--definition"])
        .arg(folder.join("one.action.json"))
        .arg(folder.join("reply.json"))
        .run();
    assert!(out.stdout.contains("R05"), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
}

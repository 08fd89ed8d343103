//! `dapa lint` on the shipped definitions and on hostile ones: the clean
//! sample has no finding, each seeded mistake gives its code, and no
//! definition makes it hang or panic.

use crate::util::{Folder, dapa, dapa_bounded};
use serde_json::Value;

/// The codes `dapa lint --format json` found in one definition.
fn lint_codes(definition: &str) -> Vec<String> {
    let out = dapa(&["lint", definition, "--format", "json", "--fail-on", "none"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    let definitions = summary["definitions"].as_array().unwrap();
    assert_eq!(definitions.len(), 1, "{definitions:?}");
    definitions[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_clean_sample_has_no_findings_and_each_mistake_its_code() {
    let clean = lint_codes("samples/definitions/get-contact-profile.action.json");
    assert!(clean.is_empty(), "{clean:?}");
    for (definition, codes) in [
        ("lookup-order-status", &["A05"][..]),
        ("get-customer-email", &["A04", "A06", "A07"][..]),
        ("list-orders", &["A09"][..]),
    ] {
        let found = lint_codes(&format!("samples/definitions/{definition}.action.json"));
        assert_eq!(found, codes, "{definition}");
    }
}

/// The JSON summary of `dapa scan PATH --fail-on none` and `more` arguments.
fn scan_summary(path: &str, more: &[&str]) -> String {
    let mut args = vec!["scan", path, "--format", "json", "-q", "--fail-on", "none"];
    args.extend_from_slice(more);
    let out = dapa(&args).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn scan_reports_the_lint_of_the_definitions_it_used() {
    let summary = scan_summary("samples/definitions/lookup-order-status", &[]);
    let summary: Value = serde_json::from_str(&summary).unwrap();
    let definitions = summary["definitions"].as_array().unwrap();
    let sources: Vec<&str> = definitions
        .iter()
        .map(|d| d["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["samples/definitions/lookup-order-status.action.json"]
    );
    assert_eq!(definitions[0]["findings"][0]["code"], "A05");
    assert_eq!(definitions[0]["findings"][0]["line"], 22);
}

#[test]
fn shards_merge_to_the_definitions_of_one_run() {
    let folder = Folder::new();
    let mut names = Vec::new();
    for shard in ["1/2", "2/2"] {
        let summary = scan_summary("samples/definitions", &["--shard", shard]);
        let name = format!("shard-{}.json", &shard[..1]);
        folder.write(&name, summary.as_bytes());
        names.push(folder.join(&name));
    }
    let merged = dapa(&["merge", "--format", "json"])
        .arg(&names[0])
        .arg(&names[1])
        .run();
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let whole = scan_summary("samples/definitions", &[]);
    let merged: Value = serde_json::from_str(&merged.stdout).unwrap();
    let whole: Value = serde_json::from_str(&whole).unwrap();
    assert_eq!(merged["definitions"], whole["definitions"]);
    assert_eq!(whole["definitions"].as_array().unwrap().len(), 4);
}

/// `dapa lint` of one hostile file in a folder: it must end by itself,
/// within a bound, with exit 2 and a message naming the file.
fn refused(name: &str, bytes: &[u8]) -> String {
    let folder = Folder::new();
    folder.write(name, bytes);
    let out = dapa_bounded(256, 20, &["lint"])
        .arg(folder.join(name))
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(name), "{}", out.stderr);
    out.stderr
}

#[test]
fn a_contract_100000_deep_is_refused_not_a_crash() {
    let depth = 100_000;
    let mut contract = String::new();
    for _ in 0..depth {
        contract.push_str(r#"{"type": "array", "items": "#);
    }
    contract.push_str(r#"{"type": "string"}"#);
    contract.push_str(&"}".repeat(depth));
    let definition = format!(r#"{{"contract": {{"output": {{"successSchema": {contract}}}}}}}"#);
    let stderr = refused("deep.action.json", definition.as_bytes());
    assert!(stderr.contains("not JSON"), "{stderr}");
}

#[test]
fn invalid_utf8_is_refused() {
    let stderr = refused(
        "latin1.action.json",
        b"{\"name\": \"Caf\xe9\", \"contract\": {}}",
    );
    assert!(stderr.contains("UTF-8"), "{stderr}");
}

#[test]
fn a_fifo_named_as_a_definition_is_refused_without_blocking() {
    let folder = Folder::new();
    folder.fifo("x.action.json");
    // Named directly, and found in a folder.
    for target in [folder.join("x.action.json"), folder.join("")] {
        let out = dapa_bounded(256, 20, &["lint"]).arg(&target).run();
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("FIFO"), "{}", out.stderr);
    }
}

#[test]
fn a_translation_map_of_50000_entries_is_linted_in_bounded_time() {
    let entries: Vec<String> = (0..50_000)
        .map(|index| format!(r#""v{index}": "$.v{index}""#))
        .collect();
    let definition = format!(
        r#"{{"config": {{"response": {{"translationMap": {{{}}}, "successTemplate": "$!{{v0}}"}}}},
           "contract": {{"output": {{"successSchema": {{"type": "object"}}}}}}}}"#,
        entries.join(", ")
    );
    let folder = Folder::new();
    folder.write("wide.action.json", definition.as_bytes());
    let out = dapa_bounded(256, 20, &["lint", "--format", "json"])
        .arg(folder.join("wide.action.json"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = summary["definitions"][0]["findings"].as_array().unwrap();
    // 49,999 entries unused (A03) and 50,000 without a default (A04).
    for (code, more) in [("A03", 49_979), ("A04", 49_980)] {
        let of_code: Vec<&Value> = (findings.iter())
            .filter(|finding| finding["code"] == code)
            .collect();
        assert_eq!(of_code.len(), 20, "{code} capped");
        let last = of_code[19]["message"].as_str().unwrap();
        assert!(
            last.ends_with(&format!("(and {more} more like it)")),
            "{last}"
        );
    }
    assert_eq!(findings.len(), 40);
}

#[test]
fn terminal_escapes_in_a_definition_reach_no_terminal_raw() {
    let definition = r#"{"config": {"response": {"translationMap": {"e\u001b[31m": "$.x"},
        "successTemplate": "{}"}}, "contract": {"output": {"successSchema": {"type": "object"}}}}"#;
    let folder = Folder::new();
    folder.write("escape.action.json", definition.as_bytes());
    let out = dapa(&["lint", "--color", "never"])
        .arg(folder.join("escape.action.json"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("A04"), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
}

#[test]
fn sarif_points_at_the_line_in_the_definition() {
    let out = dapa(&[
        "lint",
        "samples/definitions/lookup-order-status.action.json",
        "--format",
        "sarif",
    ])
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "A05");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "samples/definitions/lookup-order-status.action.json"
    );
    // `"UNKNOWN"` on line 22 of the file, from its opening quote.
    assert_eq!(location["region"]["startLine"], 22);
    assert_eq!(location["region"]["startColumn"], 19);
    assert_eq!(location["region"]["endColumn"], 28);
}

/// The `*.action.json` files under `folder`, at any depth, sorted.
fn action_files(folder: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(action_files(&path));
        } else if path.to_string_lossy().ends_with(".action.json") {
            found.push(path.to_string_lossy().into_owned());
        }
    }
    found.sort();
    found
}

#[test]
fn lint_of_a_folder_reads_every_definition_under_it() {
    let out = dapa(&["lint", "samples", "--format", "jsonl", "--fail-on", "none"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut linted: Vec<String> = out
        .stdout
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            record["source"].as_str().unwrap().to_owned()
        })
        .collect();
    linted.sort();
    assert_eq!(linted, action_files(std::path::Path::new("samples")));
    // The definitions of replay's samples, the compared pairs too.
    for folder in ["samples/definitions/", "samples/replay/compare/"] {
        assert!(
            linted.iter().any(|source| source.starts_with(folder)),
            "{folder} in {linted:?}"
        );
    }
}

#[test]
fn lint_reports_count_definitions_where_scan_reports_count_captures() {
    let report = |command: &str, path: &str, format: &str| {
        let out = dapa(&[command, path, "--format", format, "--fail-on", "none"]).run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    for (format, lint_says, scan_says) in [
        ("table", "4 definitions, ", " captures, "),
        ("markdown", "**4 definitions**", " captures**"),
        (
            "html",
            "<h1>dapa lint report</h1>",
            "<h1>dapa scan report</h1>",
        ),
        (
            "junit",
            "<testsuite name=\"dapa lint\"",
            "<testsuite name=\"dapa scan\"",
        ),
    ] {
        let lint = report("lint", "samples/definitions", format);
        assert!(lint.contains(lint_says), "{format}:\n{lint}");
        assert!(!lint.contains(scan_says), "{format}:\n{lint}");
        let scan = report("scan", "samples/ok", format);
        assert!(scan.contains(scan_says), "{format}:\n{scan}");
    }
    // A definition has no time to chart.
    let html = report("lint", "samples/definitions", "html");
    assert!(!html.contains("<h2>Timeline</h2>"), "{html}");
}

/// What `dapa lint FILE --format FORMAT` writes of one definition, in at
/// most 20 s and 256 MiB, which exits with `code`.
fn lint_output(text: &str, format: &str, code: i32) -> String {
    let folder = Folder::new();
    folder.write("x.action.json", text.as_bytes());
    let out = dapa_bounded(256, 20, &["lint", "--format", format])
        .arg(folder.join("x.action.json"))
        .run();
    assert_eq!(out.code, code, "{}", out.stderr);
    out.stdout
}

/// A definition of this response configuration and output contract, as
/// JSON text.
fn definition(map: Value, defaults: Value, template: &str, schema: Value, secure: bool) -> String {
    serde_json::json!({"name": "x", "secure": secure, "config": {"request": {}, "response": {
        "translationMap": map, "translationMapDefaults": defaults, "successTemplate": template}},
        "contract": {"input": {"inputSchema": {"type": "object"}},
        "output": {"successSchema": schema}}})
    .to_string()
}

#[test]
fn a_template_writing_90000_undeclared_keys_is_linted_in_bounded_time() {
    // Each A10 looked for its key with a parse of the whole template of
    // its own: 5 min 40 s for these 90,000 keys (0.98 MB).
    let keys: Vec<String> = (0..90_000).map(|i| format!("\"k{i}\":1")).collect();
    let template = format!("{{{}}}", keys.join(","));
    let schema = serde_json::json!({"type": "object", "properties": {"x": {}}});
    let text = definition(
        serde_json::json!({}),
        serde_json::json!({}),
        &template,
        schema,
        false,
    );
    let summary: Value = serde_json::from_str(&lint_output(&text, "json", 0)).unwrap();
    let findings = summary["definitions"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 20);
    assert!(findings.iter().all(|finding| finding["code"] == "A10"));
    // The first 20 in key order, each placed at its key in the file.
    assert!(findings[0]["message"].as_str().unwrap().contains("\"k0\""));
    let last = findings[19]["message"].as_str().unwrap();
    assert!(last.ends_with("(and 89980 more like it)"), "{last}");
    for finding in findings {
        let offset = finding["offset"].as_u64().unwrap() as usize;
        assert!(
            text[offset..].starts_with("\\\"k"),
            "{}",
            &text[offset..offset + 8]
        );
    }
}

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstu";

#[test]
fn a05_quotes_no_secret_default() {
    let map = serde_json::json!({"token": "$.token"});
    let template = "{\"token\": ${token}}";
    let secret_field = serde_json::json!({"type": "object", "properties": {
        "token": {"type": "string", "x-dapa-secret": true}}});
    let plain_field = serde_json::json!({"type": "object", "properties": {
        "token": {"type": "string"}}});
    let key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
    for (default, schema, secure, hidden) in [
        (JWT, &secret_field, false, JWT),
        (key, &plain_field, true, key),
        // Neither secure nor secret: a JWT is masked all the same.
        (JWT, &plain_field, false, "eyJhbGciOiJIUzI1NiJ9"),
    ] {
        let text = definition(
            map.clone(),
            serde_json::json!({"token": default}),
            template,
            schema.clone(),
            secure,
        );
        for format in ["sarif", "json", "table"] {
            let out = lint_output(&text, format, 1);
            assert!(out.contains("A05"), "{out}");
            assert!(!out.contains(hidden), "{format}: {out}");
            assert!(!out.contains(&default[..12]), "{format}: {out}");
        }
    }
}

#[test]
fn a05_of_a_secret_default_is_masked_in_a_scan_too() {
    let folder = Folder::new();
    let text = definition(
        serde_json::json!({"token": "$.token"}),
        serde_json::json!({"token": JWT}),
        "{\"token\": ${token}}",
        serde_json::json!({"type": "object", "properties": {"token": {"type": "string"}}}),
        true,
    );
    folder.write("x.action.json", text.as_bytes());
    folder.write("reply.json", br#"{"token": "\"abc\""}"#);
    let out = dapa_bounded(256, 20, &["scan", "--format", "json", "--fail-on", "none"])
        .arg("--definition")
        .arg(folder.join("x.action.json"))
        .arg(folder.join("reply.json"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    let message = summary["definitions"][0]["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("(70 characters)"), "{message}");
    assert!(!out.stdout.contains(&JWT[..12]), "{}", out.stdout);
}

#[test]
fn a_default_nested_130_deep_is_json_text() {
    // It was "not JSON text", with a hint to quote it: the parse of the
    // default stopped at dapa's bound of 128 levels.
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    let text = definition(
        serde_json::json!({"a": "$.a"}),
        serde_json::json!({"a": deep}),
        "{\"a\": ${a}}",
        serde_json::json!({"type": "object", "properties": {"a": {}}}),
        false,
    );
    lint_output(&text, "json", 0);
    // One bracket short is not JSON, however deep, and is said so.
    let broken = format!("{}{}", "[".repeat(130), "]".repeat(129));
    let text = text.replace(&deep, &broken);
    let out = lint_output(&text, "json", 1);
    assert!(out.contains("is not JSON text"), "{out}");
}

#[test]
fn long_names_and_pointers_are_quoted_cut_short() {
    // Each A09 quoted the pointer of its array in full, and A05 a default
    // twice: this 0.4 MB definition made reports of 4.4 MB.
    let long = "k".repeat(10_000);
    let mut schema = serde_json::json!({"type": "object"});
    for level in 0..20 {
        schema = serde_json::json!({"type": "object", "properties": {
            format!("{level:02}{long}"): {"type": "array", "items": {"type": "array", "items": schema}}}});
    }
    let text = definition(
        serde_json::json!({ long.clone(): "$.a" }),
        serde_json::json!({ long.clone(): format!("not json {long}") }),
        "{}",
        schema,
        false,
    );
    for format in ["json", "sarif"] {
        let out = lint_output(&text, format, 1);
        assert!(out.contains("A09") && out.contains("A05"), "{out}");
        assert!(out.len() < 300_000, "{format}: {} bytes", out.len());
    }
}

//! SARIF and JUnit as CI systems read them: SARIF valid for the 2.1.0
//! schema with regions and logical locations, JUnit with every finding on
//! record, through the binary.

use crate::util::{Folder, dapa};
use serde_json::{Value, json};

/// The official SARIF 2.1.0 schema (see `tests/sarif/README.md`).
const SARIF_SCHEMA: &str = include_str!("../sarif/sarif-schema-2.1.0.json");

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SARIF_SCHEMA).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Every way the schema rejects `sarif`, one per line.
fn schema_errors(validator: &jsonschema::Validator, sarif: &str) -> String {
    let instance: Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    validator
        .iter_errors(&instance)
        .map(|error| format!("{} at {}\n", error, error.instance_path()))
        .collect()
}

fn sarif_results(sarif: &str) -> Vec<Value> {
    let sarif: Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    sarif["runs"][0]["results"].as_array().unwrap().clone()
}

/// The results of `dapa scan --format sarif` on `input`, with more options.
fn scan_results(input: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["scan", input, "--quiet", "--format", "sarif"];
    args.extend_from_slice(extra);
    sarif_results(&dapa(&args).run().stdout)
}

#[test]
fn sarif_of_the_samples_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    let samples = dapa(&["scan", "samples", "--quiet", "--format", "sarif"]).run();
    assert_eq!(samples.code, 1, "{}", samples.stderr);
    assert!(sarif_results(&samples.stdout).len() > 100);
    let errors = schema_errors(&validator, &samples.stdout);
    assert!(errors.is_empty(), "{errors}");
    // With baseline regressions (notifications) and from standard input.
    let folder = Folder::new();
    let baseline = folder.join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let made = dapa(&["baseline", "samples/ok", "-o", baseline, "-q"]).run();
    assert_eq!(made.code, 0, "{}", made.stderr);
    let gated = dapa(&[
        "scan",
        "samples",
        "--quiet",
        "--format",
        "sarif",
        "--baseline",
        baseline,
    ])
    .run();
    let notified: Value = serde_json::from_str(&gated.stdout).unwrap();
    assert!(
        !notified["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let errors = schema_errors(&validator, &gated.stdout);
    assert!(errors.is_empty(), "{errors}");
    let piped = dapa(&["scan", "-", "--quiet", "--format", "sarif"])
        .stdin(b"{\"a\":1,\"a\":2}")
        .run();
    let errors = schema_errors(&validator, &piped.stdout);
    assert!(errors.is_empty(), "{errors}");
    // The check can fail: a region with a line 0 is refused.
    let mut broken: Value = serde_json::from_str(&samples.stdout).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] =
        json!({"startLine": 0});
    assert!(!schema_errors(&validator, &broken.to_string()).is_empty());
    // Every rule carries the advice as code scanning shows it; the schema
    // checks the fields' shapes (a help without its text is refused).
    let valid: Value = serde_json::from_str(&samples.stdout).unwrap();
    let rules = valid["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for rule in rules {
        for field in [
            &rule["shortDescription"]["text"],
            &rule["fullDescription"]["text"],
            &rule["help"]["text"],
            &rule["help"]["markdown"],
        ] {
            assert!(!field.as_str().unwrap_or_default().is_empty(), "{rule}");
        }
    }
    let mut broken = valid.clone();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["help"] = json!({"markdown": "**x**"});
    assert!(!schema_errors(&validator, &broken.to_string()).is_empty());
    let mut broken = valid;
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = json!("docs/codes.md#x y");
    assert!(!schema_errors(&validator, &broken.to_string()).is_empty());
}

/// The 1-based line and the character columns of the first `token` in
/// `text`, and of the character after it (the token is on one line).
fn region_of(text: &str, token: &str) -> Value {
    let at = text.find(token).expect("the token is in the text");
    let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
    let line = 1 + text[..at].matches('\n').count();
    let column = 1 + text[line_start..at].chars().count();
    json!({
        "startLine": line,
        "startColumn": column,
        "endLine": line,
        "endColumn": column + token.chars().count(),
    })
}

fn result_for<'a>(results: &'a [Value], rule: &str, file: &str) -> &'a Value {
    results
        .iter()
        .find(|result| {
            result["ruleId"] == rule
                && result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(file)
        })
        .unwrap_or_else(|| panic!("a {rule} result for {file}"))
}

#[test]
fn sarif_regions_span_the_value_a_pointer_names() {
    let folder = Folder::new();
    // A stringified field (P01 at /result) in an HTTP dump: the region is
    // in the file's lines, after the headers, and ends after the string.
    let dump = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\n  \"result\": \"{\\\"é\\\":1}\",\n  \"errors\": []\n}";
    folder.write("dump.http", dump.as_bytes());
    // An unrendered placeholder (P03) deep in a body, and a whole object.
    let body = "{\n  \"result\": {\n    \"email\": \"${email}\"\n  },\n  \"errors\": [{\"code\": \"X\",\n    \"message\": \"m\"}]\n}";
    folder.write("errors.json", body.as_bytes());
    let results = scan_results(folder.path_str(), &[]);
    let region = |rule: &str, file: &str| {
        result_for(&results, rule, file)["locations"][0]["physicalLocation"]["region"].clone()
    };
    assert_eq!(
        region("P01", "dump.http"),
        region_of(dump, r#""{\"é\":1}""#)
    );
    assert_eq!(
        region("P03", "errors.json"),
        region_of(body, "\"${email}\"")
    );
    // The envelope's errors (E05 at /errors): the whole array, over two lines.
    let array_start = region_of(body, "[{");
    let array_end = region_of(body, "}]");
    assert_eq!(
        region("E05", "errors.json"),
        json!({
            "startLine": array_start["startLine"],
            "startColumn": array_start["startColumn"],
            "endLine": array_end["endLine"],
            "endColumn": array_end["endColumn"],
        })
    );
}

#[test]
fn sarif_names_the_har_entry_and_the_log_line() {
    let results = scan_results("samples/logs/agent-desktop.har", &[]);
    let html = result_for(&results, "T04", "agent-desktop.har");
    assert!(
        html["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with(" (HAR entry 3)"),
        "{html}"
    );
    assert_eq!(
        html["locations"][0]["logicalLocations"][0],
        json!({"name": "entry 3", "fullyQualifiedName": "samples/logs/agent-desktop.har#3", "kind": "element"})
    );
    // A pointer inside the entry's body stays a logical location of its own.
    let stringified = result_for(&results, "P01", "agent-desktop.har");
    let logical = &stringified["locations"][0]["logicalLocations"];
    assert_eq!(logical[0]["name"], "entry 5");
    assert_eq!(
        logical[1],
        json!({"fullyQualifiedName": "/finalResult", "kind": "member"})
    );

    // A body logged in a field of a plain log: the line is the region.
    let folder = Folder::new();
    let lines = [
        json!({"response": {"status": 200, "body": "{\"ok\":true}"}}),
        json!({"response": {"status": 502, "body": "<html><title>502</title></html>"}}),
    ];
    let log: String = lines.iter().map(|line| format!("{line}\n")).collect();
    folder.write("app.jsonl", log.as_bytes());
    let results = scan_results(folder.path_str(), &["--body-pointer", "/response/body"]);
    let html = result_for(&results, "T04", "app.jsonl");
    assert!(
        html["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with(" (log line 2)")
    );
    assert_eq!(
        html["locations"][0]["logicalLocations"][0]["name"],
        "line 2"
    );
    assert_eq!(
        html["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 2})
    );
}

#[test]
fn junit_keeps_the_findings_of_passing_captures_in_system_out() {
    let folder = Folder::new();
    folder.write(
        "velocity.json",
        br#"{"result":{"email":"${email}","note":"<&>"},"errors":[]}"#,
    );
    folder.write("clean.json", br#"{"result":{"email":"a@b.c"},"errors":[]}"#);
    // A secret field (the token) that a warning is about.
    folder.write(
        "token.json",
        br#"{"result":{"token":98765432109876543210123,"expiresAt":1800000000,"userId":"u"},"errors":[]}"#,
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", folder.path_str(), "--quiet", "--format", "junit"];
        args.extend_from_slice(extra);
        dapa(&args).run()
    };
    let output = run(&[]);
    let document = roxmltree::Document::parse(&output.stdout).expect("JUnit is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("time"), Some("0"));
    let suite = root.first_element_child().unwrap();
    assert_eq!(suite.tag_name().name(), "testsuite");
    assert_eq!(suite.attribute("time"), Some("0"));
    let case = |name: &str| {
        suite
            .children()
            .find(|node| {
                node.attribute("name")
                    .is_some_and(|source| source.ends_with(name))
            })
            .unwrap_or_else(|| panic!("a test case for {name}"))
    };
    for name in ["velocity.json", "clean.json", "token.json"] {
        assert_eq!(case(name).attribute("time"), Some("0"));
    }
    // Drift passes under the default --fail-on, and says why.
    let velocity = case("velocity.json");
    assert!(!velocity.children().any(|node| node.has_tag_name("failure")));
    let out = velocity
        .children()
        .find(|node| node.has_tag_name("system-out"))
        .expect("the warning is in system-out")
        .text()
        .unwrap();
    assert!(out.starts_with("status: drift\n"), "{out}");
    assert!(
        out.contains("P03 template-placeholder (payload layer, warning) at line 1, column 20: unrendered Velocity placeholder \"${email}\""),
        "{out}"
    );
    assert!(!case("clean.json").children().any(|node| node.is_element()));

    // The token's value is masked in system-out as everywhere, and shown
    // only when asked for.
    let token = |output: &crate::util::Output| -> String {
        let document = roxmltree::Document::parse(&output.stdout).unwrap();
        let case = document
            .descendants()
            .find(|node| {
                node.attribute("name")
                    .is_some_and(|source| source.ends_with("token.json"))
            })
            .unwrap();
        case.children()
            .find(|node| node.has_tag_name("system-out"))
            .and_then(|node| node.text())
            .unwrap_or_default()
            .to_owned()
    };
    let masked = token(&run(&["--profile", "cognigy-token", "--fail-on", "none"]));
    assert!(masked.contains("S08 lossy-number"), "{masked}");
    assert!(!masked.contains("98765432109876543210123"), "{masked}");
    let shown = token(&run(&[
        "--profile",
        "cognigy-token",
        "--fail-on",
        "none",
        "--show-secrets",
    ]));
    assert!(shown.contains("98765432109876543210123"), "{shown}");
}
